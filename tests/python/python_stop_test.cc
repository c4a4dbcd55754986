// Python-only parts of stopping a call (the shared ones are contract rows):
// DeadlineExceeded's place in the exception hierarchy, a watchdog that fires
// as a call returns, and C code (time.sleep) that runs to its end.
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "python_test_fixture.h"

namespace duet::testing {
namespace {

using ::testing::IsEmpty;

constexpr char kSpinnerSource[] = R"PY(
import time
import duet

def sleep_then_log(seconds):
    time.sleep(seconds)
    duet.log("after sleep")
    return "slept"

def work(n):
    total = 0
    for i in range(n):
        total += i
    return total

def switch_interval(seconds):
    import sys
    old = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    return old
)PY";

TEST_F(PythonRuntimeTest, DeadlineExceptionIsABaseException) {
  auto probe = Probe();
  EXPECT_THAT(
      CallByName(*probe, "ev",
                 {Value("[issubclass(duet.DeadlineExceeded, BaseException), "
                        "issubclass(duet.DeadlineExceeded, Exception)]")}),
      IsOkAndHolds(Value(Value::List{true, false})));
}

// A watchdog that fires as a call returns must never hit the thread's next
// call: every call here either finishes or is stopped, and each call
// without a deadline right after it succeeds. (A short GIL switch interval
// lets the watchdog in within microseconds, so the races really happen.)
TEST_F(PythonRuntimeTest, LateWatchdogNeverHitsTheNextCall) {
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("spinner", kSpinnerSource));
  ASSERT_OK_AND_ASSIGN(Value interval,
                       CallByName(*plugin, "switch_interval", {Value(1e-5)}));
  int stopped = 0;
  for (int i = 0; i < 200; ++i) {
    absl::StatusOr<Value> raced =
        CallByName(*plugin, "work", {Value(20000)},
                   absl::Now() + absl::Microseconds(50 * (i % 20)));
    if (!raced.ok()) {
      ASSERT_THAT(raced,
                  StatusIs(absl::StatusCode::kDeadlineExceeded, ::testing::_));
      ++stopped;
    }
    ASSERT_THAT(CallByName(*plugin, "work", {Value(20000)}),
                IsOkAndHolds(Value(199990000)))
        << "after call " << i;
  }
  std::cout << stopped << " of 200 racing calls were stopped\n";
  ASSERT_OK(CallByName(*plugin, "switch_interval", {interval}).status());
}

// Async exceptions arrive between bytecodes: time.sleep (C code) runs to its
// end, and the call stops right after it, before the next line.
TEST_F(PythonRuntimeTest, TimeSleepIsNotCutShortButTheCallStopsAfterIt) {
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("spinner", kSpinnerSource));
  absl::Time start = absl::Now();
  EXPECT_THAT(CallByName(*plugin, "sleep_then_log", {Value(1.0)},
                         absl::Now() + absl::Milliseconds(100)),
              StatusIs(absl::StatusCode::kDeadlineExceeded, ::testing::_));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(900));
  EXPECT_THAT(services_.logs(), IsEmpty());
}

}  // namespace
}  // namespace duet::testing
