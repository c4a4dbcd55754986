// A JavaScript implementation given as text (ImplementationSpec::source):
// it runs as a file would, named by `entry` in stacks, and nothing is read
// from disk. Also where a deadline stopped it travels with the error, as it
// does for Python.
#include <filesystem>
#include <memory>
#include <string>

#include "duet/error.h"
#include "duet/runtime.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "javascript/javascript_runtime.h"
#include "testing/recording_services.h"
#include "testing/runtime_testing.h"
#include "testing/status_matchers.h"

namespace duet {
namespace {

using ::testing::HasSubstr;
using testing::IsOkAndHolds;
using testing::RecordingServices;
using testing::StatusIs;

// Where the text claims to live; no such file exists.
const std::filesystem::path kEntry = "/nonexistent/duet/greeter.mjs";

class JsSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(std::filesystem::exists(kEntry));
    ASSERT_OK_AND_ASSIGN(runtime_, CreateJavaScriptRuntime(services_));
  }

  absl::StatusOr<std::unique_ptr<Implementation>> Load(std::string source) {
    return runtime_->Load(
        testing::InMemorySpec("greeter", kEntry, std::move(source)));
  }

  RecordingServices services_;
  std::unique_ptr<Runtime> runtime_;
};

TEST_F(JsSourceTest, ImportsNothingButDuet) {
  EXPECT_THAT(
      Load("import { x } from './neighbour.mjs';\n"
           "export function f() { return x; }\n"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("neighbour.mjs")));
  ASSERT_OK_AND_ASSIGN(
      auto plugin,
      Load("import duet from 'duet';\n"
           "export function kind() { return typeof duet.call; }\n"));
  EXPECT_THAT(plugin->Call(0, {}, absl::InfiniteFuture()),
              IsOkAndHolds(Value("function")));
}

}  // namespace
}  // namespace duet
