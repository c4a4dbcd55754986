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
#include "testing/status_matchers.h"

namespace duet {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::IsOkAndHolds;
using testing::RecordingServices;
using testing::StatusIs;

constexpr char kGreeter[] = R"PY(
def greet(name):
    return "Hello, " + name + "!"

def fail():
    raise ValueError("no greeting today")

def spin():
    while True:
        pass
)PY";

// Where the text claims to live; no such file exists.
const std::filesystem::path kEntry = "/nonexistent/duet/greeter.py";

class PythonSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(std::filesystem::exists(kEntry));
    ASSERT_OK_AND_ASSIGN(runtime_, CreatePythonRuntime(services_));
  }

  absl::StatusOr<std::unique_ptr<Implementation>> Load(std::string source) {
    ImplementationSpec spec;
    spec.module = "greeter";
    spec.entry = kEntry;
    spec.root = kEntry;
    spec.single_file = true;
    spec.source = std::move(source);
    return runtime_->Load(spec);
  }

  RecordingServices services_;
  std::unique_ptr<Runtime> runtime_;
};

TEST_F(PythonSourceTest, CallsWhatTheTextDefines) {
  ASSERT_OK_AND_ASSIGN(auto plugin, Load(kGreeter));
  EXPECT_THAT(plugin->exports(), ElementsAre("fail", "greet", "spin"));
  EXPECT_THAT(plugin->Call(1, {Value("Ann")}, absl::InfiniteFuture()),
              IsOkAndHolds(Value("Hello, Ann!")));
}

TEST_F(PythonSourceTest, AnErrorsStackNamesTheEntry) {
  ASSERT_OK_AND_ASSIGN(auto plugin, Load(kGreeter));
  absl::StatusOr<Value> failed = plugin->Call(0, {}, absl::InfiniteFuture());
  ASSERT_THAT(failed, StatusIs(absl::StatusCode::kUnknown,
                               HasSubstr("no greeting today")));
  std::optional<ScriptError> error = GetScriptError(failed.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->type, "ValueError");
  ASSERT_FALSE(error->stack.empty());
  EXPECT_EQ(error->stack[0].file, kEntry.string());
  EXPECT_EQ(error->stack[0].line, 6);
  EXPECT_EQ(error->stack[0].function, "fail");
}

TEST_F(PythonSourceTest, ADeadlineStopCarriesTheStackWhereItStopped) {
  ASSERT_OK_AND_ASSIGN(auto plugin, Load(kGreeter));
  absl::StatusOr<Value> spun =
      plugin->Call(2, {}, absl::Now() + absl::Milliseconds(50));
  ASSERT_THAT(spun, StatusIs(absl::StatusCode::kDeadlineExceeded,
                             "Python execution stopped at its deadline"));
  std::optional<ScriptError> error = GetScriptError(spun.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->type, "DeadlineExceeded");
  ASSERT_FALSE(error->stack.empty());
  EXPECT_EQ(error->stack[0].file, kEntry.string());
  EXPECT_EQ(error->stack[0].function, "spin");
}

TEST_F(PythonSourceTest, ASyntaxErrorNamesTheEntryAndLine) {
  EXPECT_THAT(Load("def broken(:\n    pass\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(kEntry.string() + ":1")));
}

TEST_F(PythonSourceTest, ImportsNothingRelative) {
  absl::StatusOr<std::unique_ptr<Implementation>> loaded =
      Load("from . import neighbour\n");
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(std::string(loaded.status().message()), HasSubstr("neighbour"));
}

}  // namespace
}  // namespace duet
