// The JavaScript event loop (bindings/javascript/event_loop.h) beyond the
// contract rows: timers die with their implementation, a throwing or
// endless timer callback is reported and stopped without harming later
// calls, REPL sessions have timers too, and the globals check their
// arguments as Node's do.
#include <atomic>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "js_test_util.h"

namespace duet::testing {
namespace {

using ::testing::HasSubstr;

class JsEventLoopTest : public JsTest {
 protected:
  void SetUp() override {
    JsTest::SetUp();
    services_.AddHostFunction(
        "tick", [this](absl::Span<const Value>) -> absl::StatusOr<Value> {
          absl::MutexLock lock(&mutex_);
          ++ticks_;
          return Value();
        });
  }

  int ticks() {
    absl::MutexLock lock(&mutex_);
    return ticks_;
  }
  void WaitForTicks(int count) {
    absl::MutexLock lock(&mutex_);
    auto reached = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
      return ticks_ >= count;
    };
    mutex_.Await(absl::Condition(&reached));
  }
  // Waits until a log line holds `fragment`; false after 30 s.
  bool WaitForLog(std::string_view fragment) {
    for (int i = 0; i < 30000; ++i) {
      for (const RecordingServices::LogLine& line : services_.logs()) {
        if (line.message.find(fragment) != std::string::npos) return true;
      }
      absl::SleepFor(absl::Milliseconds(1));
    }
    return false;
  }

  absl::Mutex mutex_;
  int ticks_ ABSL_GUARDED_BY(mutex_) = 0;
};

TEST_F(JsEventLoopTest, TimersDieWithTheirImplementation) {
  ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("every.mjs", R"JS(
import duet from 'duet';
setInterval(() => duet.host.tick(), 1);
export function ok() { return 'ok'; }
)JS"));
  WaitForTicks(3);
  impl.reset();
  const int after_unload = ticks();
  absl::SleepFor(absl::Milliseconds(50));  // 50 intervals, had it survived
  EXPECT_EQ(ticks(), after_unload);
}

TEST_F(JsEventLoopTest, AThrowingTimerIsLoggedAndTheLoopGoesOn) {
  ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("throws.mjs", R"JS(
import duet from 'duet';
export function start() {
  setTimeout(() => { throw new TypeError('boom'); }, 0);
  setTimeout(() => duet.host.tick(), 5);
}
)JS"));
  ASSERT_OK(CallByName(*impl, "start", {}).status());
  WaitForTicks(1);
  EXPECT_TRUE(WaitForLog("uncaught exception in a timer: TypeError: boom"));
}

TEST_F(JsEventLoopTest, AnEndlessTimerIsStoppedAtTheLoadLimit) {
  Write("spin.mjs", R"JS(
export function start() { setTimeout(() => { while (true) {} }, 0); }
export function ok() { return 'ok'; }
)JS");
  ImplementationSpec spec;
  spec.module = "spin";
  spec.entry = root_ / "spin.mjs";
  spec.root = root_;
  spec.load_timeout = absl::Milliseconds(100);
  ASSERT_OK_AND_ASSIGN(auto impl, runtime_->Load(spec));
  ASSERT_OK(CallByName(*impl, "start", {}).status());
  EXPECT_TRUE(WaitForLog("timers stopped"));
  EXPECT_THAT(CallByName(*impl, "ok", {}), IsOkAndHolds(Value("ok")));
}

TEST_F(JsEventLoopTest, ReplSessionsHaveTimers) {
  ASSERT_OK_AND_ASSIGN(auto session, runtime_->NewReplSession());
  ASSERT_OK(
      session->Evaluate("setTimeout(() => duet.host.tick(), 1)").status());
  WaitForTicks(1);
}

TEST_F(JsEventLoopTest, TheGlobalsCheckTheirArguments) {
  ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("args.mjs", R"JS(
export function bad(name) {
  try { globalThis[name]('not a function', 1); return 'accepted'; }
  catch (e) { return `${e.name}: ${e.message}`; }
}
export function ids() {
  const a = setTimeout(() => {}, 10);
  const b = setInterval(() => {}, 10);
  clearTimeout(a);
  clearInterval(b);
  clearTimeout(undefined);  // ignored, as in Node
  clearTimeout('nonsense');
  return typeof a === 'number' && b !== a;
}
)JS"));
  for (const char* name : {"setTimeout", "setInterval", "queueMicrotask"}) {
    EXPECT_THAT(CallByName(*impl, "bad", {Value(name)}),
                IsOkAndHolds(StringValue(HasSubstr("TypeError"))))
        << name;
  }
  EXPECT_THAT(CallByName(*impl, "ids", {}), IsOkAndHolds(Value(true)));
}

}  // namespace
}  // namespace duet::testing
