// Helpers of the tools library's tests: a Host on the fake engines
// (tests/testing/fake_runtime.h) with plugins written to a scratch
// directory, fast and deterministic; and a field of a report's JSON.
#ifndef DUET_TESTS_TOOLS_TOOLS_TESTING_H_
#define DUET_TESTS_TOOLS_TOOLS_TESTING_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "duet/host.h"
#include "duet/runtime.h"
#include "gtest/gtest.h"
#include "testing/fake_runtime.h"
#include "testing/temp_dir.h"

namespace duet::tools {

// `object`'s field `key`; null when it has none.
inline Value Field(const Value& object, std::string_view key) {
  const Value* field = object.as_map().Find(key);
  return field != nullptr ? *field : Value();
}

class FakePluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HostOptions options;
    options.log_sink = [](LogLevel, std::string_view, std::string_view) {};
    // As `duet check` does: every plugin started, so ListModules has the
    // exports the fuzzer reads.
    options.start_mode = StartMode::kAtLoad;
    absl::StatusOr<std::unique_ptr<Host>> host = CreateHostWithRuntimes(
        std::move(options),
        {testing::FakeRuntimeFactory(Language::kPython),
         testing::FakeRuntimeFactory(Language::kJavaScript)});
    ASSERT_TRUE(host.ok()) << host.status();
    host_ = *std::move(host);
  }
  void TearDown() override { testing::ClearFakeHooks(); }

  // Writes and loads plugin `name`: plugin.toml is the header naming both
  // implementations followed by `toml_tail` ([exports.*], [[examples]]);
  // `python` and `javascript` are fake implementation files.
  void Load(const std::string& name, const std::string& python,
            const std::string& javascript, const std::string& toml_tail = "") {
    dir_.Write(
        name + "/plugin.toml",
        absl::StrCat("name = \"", name, "\"\nversion = \"1\"\n",
                     "[implementations]\npython = \"", name,
                     ".py\"\njavascript = \"", name, ".js\"\n", toml_tail));
    dir_.Write(name + "/" + name + ".py", python);
    dir_.Write(name + "/" + name + ".js", javascript);
    absl::StatusOr<std::string> loaded = host_->LoadPlugin(dir_.path() / name);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
  }

  testing::TempDir dir_;
  std::unique_ptr<Host> host_;
};

}  // namespace duet::tools

#endif  // DUET_TESTS_TOOLS_TOOLS_TESTING_H_
