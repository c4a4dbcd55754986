// Shared fixture for the V8 runtime tests: a RecordingServices, a runtime,
// and a scratch plugin directory that test sources are written into.
#ifndef DUET_TESTS_JAVASCRIPT_JS_TEST_UTIL_H_
#define DUET_TESTS_JAVASCRIPT_JS_TEST_UTIL_H_

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "duet/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "javascript/javascript_runtime.h"
#include "testing/recording_services.h"
#include "testing/runtime_testing.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace duet::testing {

class JsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Canonical, as the module loader reports paths in stacks.
    root_ = std::filesystem::canonical(dir_.path());
    auto runtime = CreateJavaScriptRuntime(services_);
    ASSERT_TRUE(runtime.ok()) << runtime.status();
    runtime_ = *std::move(runtime);
  }

  // Writes `content` to root/relative, creating folders; returns the path.
  std::filesystem::path Write(std::string_view relative,
                              std::string_view content) {
    dir_.Write(relative, content);
    return root_ / relative;
  }

  absl::StatusOr<std::unique_ptr<Implementation>> Load(
      std::string_view relative, std::string module = "plugin") {
    ImplementationSpec spec;
    spec.module = std::move(module);
    spec.entry = root_ / relative;
    spec.root = root_;
    return runtime_->Load(spec);
  }

  // Writes and loads a single file.
  absl::StatusOr<std::unique_ptr<Implementation>> LoadSource(
      std::string_view relative, std::string_view source,
      std::string module = "plugin") {
    Write(relative, source);
    return Load(relative, std::move(module));
  }

  TempDir dir_;
  RecordingServices services_;
  std::unique_ptr<Runtime> runtime_;
  std::filesystem::path root_;
};

}  // namespace duet::testing

#endif  // DUET_TESTS_JAVASCRIPT_JS_TEST_UTIL_H_
