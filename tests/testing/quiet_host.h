// A fixture for tests that drive a real Host with both engines and check
// results rather than output: its log lines go nowhere.
#ifndef DUET_TESTS_TESTING_QUIET_HOST_H_
#define DUET_TESTS_TESTING_QUIET_HOST_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "duet/host.h"
#include "duet/language.h"
#include "duet/log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace duet::testing {

// Makes *host from `options`, its log lines going nowhere unless `options`
// names a sink. A fatal test failure when the host cannot start.
inline void MakeQuietHost(HostOptions options, std::unique_ptr<Host>* host) {
  if (!options.log_sink) {
    options.log_sink = [](LogLevel, std::string_view, std::string_view) {};
  }
  absl::StatusOr<std::unique_ptr<Host>> made = Host::Create(options);
  ASSERT_TRUE(made.ok()) << made.status();
  *host = *std::move(made);
}

class QuietHostTest : public ::testing::Test {
 protected:
  void SetUp() override { MakeQuietHost(HostOptions(), &host_); }

  // Loads a plugin with one implementation given as `text`. Stacks name it
  // `display_name`; empty: the module name with ".py" or ".js".
  void Load(const std::string& module, Language language, std::string text,
            std::string display_name = "") {
    if (display_name.empty()) {
      display_name = module + (language == Language::kPython ? ".py" : ".js");
    }
    PluginSource source;
    source.module = module;
    source.implementations = {
        {language, std::move(text), std::move(display_name)}};
    ASSERT_THAT(host_->LoadPlugin(source), IsOkAndHolds(module));
  }

  std::unique_ptr<Host> host_;
};

}  // namespace duet::testing

#endif  // DUET_TESTS_TESTING_QUIET_HOST_H_
