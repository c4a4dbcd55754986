// A JavaScript implementation given as text (ImplementationSpec::source):
// it runs as a file would, named by `entry` in stacks, and nothing is read
// from disk. Also where a deadline stopped it travels with the error, as it
// does for Python.
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "duet/error.h"
#include "duet/runtime.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "javascript/javascript_runtime.h"
#include "testing/recording_services.h"
#include "testing/status_matchers.h"

namespace duet {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::IsOkAndHolds;
using testing::RecordingServices;
using testing::StatusIs;

constexpr char kGreeter[] = R"JS(import duet from "duet";
export function greet(name) { return `Hello, ${name}!`; }
export function fail() {
  throw new RangeError("no greeting today");
}
export function spin() {
  for (;;) {}
}
export function startThenSpin() {
  duet.host.started();
  for (;;) {}
}
)JS";

// Where the text claims to live; no such file exists.
const std::filesystem::path kEntry = "/nonexistent/duet/greeter.mjs";

class JsSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(std::filesystem::exists(kEntry));
    ASSERT_OK_AND_ASSIGN(runtime_, CreateJavaScriptRuntime(services_));
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

TEST_F(JsSourceTest, CallsWhatTheTextDefines) {
  ASSERT_OK_AND_ASSIGN(auto plugin, Load(kGreeter));
  EXPECT_THAT(plugin->exports(),
              ElementsAre("fail", "greet", "spin", "startThenSpin"));
  EXPECT_THAT(plugin->Call(1, {Value("Ann")}, absl::InfiniteFuture()),
              IsOkAndHolds(Value("Hello, Ann!")));
}

TEST_F(JsSourceTest, AnErrorsStackNamesTheEntry) {
  ASSERT_OK_AND_ASSIGN(auto plugin, Load(kGreeter));
  absl::StatusOr<Value> failed = plugin->Call(0, {}, absl::InfiniteFuture());
  ASSERT_THAT(failed, StatusIs(absl::StatusCode::kUnknown,
                               HasSubstr("no greeting today")));
  std::optional<ScriptError> error = GetScriptError(failed.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->type, "RangeError");
  ASSERT_FALSE(error->stack.empty());
  EXPECT_EQ(error->stack[0].file, kEntry.string());
  EXPECT_EQ(error->stack[0].line, 4);
  EXPECT_EQ(error->stack[0].function, "fail");
}

TEST_F(JsSourceTest, ADeadlineStopCarriesTheStackWhereItStopped) {
  ASSERT_OK_AND_ASSIGN(auto plugin, Load(kGreeter));
  absl::StatusOr<Value> spun =
      plugin->Call(2, {}, absl::Now() + absl::Milliseconds(50));
  ASSERT_THAT(spun, StatusIs(absl::StatusCode::kDeadlineExceeded,
                             "JavaScript execution stopped at its deadline"));
  std::optional<ScriptError> error = GetScriptError(spun.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->type, "DeadlineExceeded");
  ASSERT_FALSE(error->stack.empty());
  EXPECT_EQ(error->stack[0].file, kEntry.string());
  EXPECT_EQ(error->stack[0].line, 7);
  EXPECT_EQ(error->stack[0].function, "spin");
  // The isolate is usable afterwards.
  EXPECT_THAT(plugin->Call(1, {Value("again")}, absl::InfiniteFuture()),
              IsOkAndHolds(Value("Hello, again!")));
}

TEST_F(JsSourceTest, AnInterruptCarriesTheStackWhereItStopped) {
  absl::Notification started;
  services_.AddHostFunction("started", [&](absl::Span<const Value>) {
    started.Notify();
    return absl::StatusOr<Value>(Value());
  });
  ASSERT_OK_AND_ASSIGN(auto plugin, Load(kGreeter));
  absl::StatusOr<Value> spun;
  std::thread call([&] {
    spun = plugin->Call(3, {}, absl::InfiniteFuture());
    // Failed before it called the host: the assertions below say why.
    if (!started.HasBeenNotified()) started.Notify();
  });
  started.WaitForNotification();
  // Stopped in the host call or in the loop after it: either way inside
  // startThenSpin.
  runtime_->Interrupt();
  call.join();
  ASSERT_THAT(spun, StatusIs(absl::StatusCode::kCancelled,
                             "JavaScript execution interrupted"));
  std::optional<ScriptError> error = GetScriptError(spun.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->type, "Interrupted");
  ASSERT_FALSE(error->stack.empty());
  EXPECT_EQ(error->stack[0].file, kEntry.string());
  EXPECT_EQ(error->stack[0].function, "startThenSpin");
}

TEST_F(JsSourceTest, ASyntaxErrorNamesTheEntryAndLine) {
  EXPECT_THAT(Load("export const broken = ;\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(kEntry.string() + ":1")));
}

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
