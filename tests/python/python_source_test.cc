// A Python implementation given as text (ImplementationSpec::source): it
// runs as a file would, named by `entry` in stacks, and nothing is read
// from disk.
#include <filesystem>
#include <memory>
#include <string>

#include "duet/error.h"
#include "duet/runtime.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "python/python_runtime.h"
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
const std::filesystem::path kEntry = "/nonexistent/duet/greeter.py";

class PythonSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(std::filesystem::exists(kEntry));
    ASSERT_OK_AND_ASSIGN(runtime_, CreatePythonRuntime(services_));
  }

  absl::StatusOr<std::unique_ptr<Implementation>> Load(std::string source) {
    return runtime_->Load(
        testing::InMemorySpec("greeter", kEntry, std::move(source)));
  }

  RecordingServices services_;
  std::unique_ptr<Runtime> runtime_;
};

TEST_F(PythonSourceTest, ImportsNothingRelative) {
  absl::StatusOr<std::unique_ptr<Implementation>> loaded =
      Load("from . import neighbour\n");
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(std::string(loaded.status().message()), HasSubstr("neighbour"));
}

}  // namespace
}  // namespace duet
