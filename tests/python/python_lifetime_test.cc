// The one CPython interpreter behind every Python runtime: shared, restarted
// after the last runtime goes, kept alive by what it made, and the thread
// states worker threads keep across calls and restarts.
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "python_test_fixture.h"

namespace duet::testing {
namespace {

constexpr char kSpinnerSource[] = R"PY(
import duet

def spin_after_log(tag):
    duet.log("started", tag)
    while True:
        pass
)PY";

// Waits until `count` log lines arrived (the plugins say "started").
void WaitForLogs(const RecordingServices& services, size_t count) {
  while (services.logs().size() < count) {
    absl::SleepFor(absl::Milliseconds(5));
  }
}

TEST_F(PythonRuntimeTest, TwoRuntimesShareTheInterpreterAndTheirServices) {
  RecordingServices other_services;
  ASSERT_OK_AND_ASSIGN(auto other_runtime, CreatePythonRuntime(other_services));
  const char* source = "import duet\n\ndef hi(who):\n    duet.log('hi', who)\n";
  ASSERT_OK_AND_ASSIGN(auto mine, LoadSource("hi", source));
  ASSERT_OK_AND_ASSIGN(auto theirs,
                       LoadSource("hi", source, other_runtime.get()));
  ASSERT_OK(CallByName(*mine, "hi", {Value("mine")}).status());
  ASSERT_OK(CallByName(*theirs, "hi", {Value("theirs")}).status());
  ASSERT_EQ(services_.logs().size(), 1u);
  EXPECT_EQ(services_.logs()[0].message, "hi mine");
  ASSERT_EQ(other_services.logs().size(), 1u);
  EXPECT_EQ(other_services.logs()[0].message, "hi theirs");

  // The first runtime going away leaves the interpreter to the second.
  mine.reset();
  runtime_.reset();
  ASSERT_OK(CallByName(*theirs, "hi", {Value("again")}).status());
  EXPECT_EQ(other_services.logs().size(), 2u);
}

TEST_F(PythonRuntimeTest, RuntimeCanBeRecreatedAfterTheLastOneIsDestroyed) {
  const char* source =
      "COUNT = [0]\n\ndef bump():\n    COUNT[0] += 1\n"
      "    return COUNT[0]\n";
  {
    ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("counter", source));
    EXPECT_THAT(CallByName(*plugin, "bump", {}), IsOkAndHolds(Value(1)));
    EXPECT_THAT(CallByName(*plugin, "bump", {}), IsOkAndHolds(Value(2)));
  }
  runtime_.reset();  // the last runtime: the interpreter is finalised
  for (int round = 0; round < 2; ++round) {
    ASSERT_OK_AND_ASSIGN(runtime_, CreatePythonRuntime(services_));
    ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("counter", source));
    EXPECT_THAT(CallByName(*plugin, "bump", {}), IsOkAndHolds(Value(1)));
    ASSERT_OK_AND_ASSIGN(auto probe, LoadSource("probe", kProbeSource));
    EXPECT_THAT(
        CallByName(*probe, "ev", {Value("[1, 'x', b'y', {'k': None}]")}),
        IsOkAndHolds(Value(
            Value::List{1, "x", Bytes("y"), Value::Map{{"k", Value()}}})));
    plugin.reset();
    probe.reset();
    runtime_.reset();
  }
}

// A worker thread keeps its Python thread state between calls; it must not
// touch a state the interpreter's finalisation already freed.
TEST_F(PythonRuntimeTest, WorkerThreadOutlivesAnInterpreterRestart) {
  const char* source = "def f(x):\n    return x + 1\n";
  absl::Notification first_done, restarted;
  ASSERT_OK_AND_ASSIGN(auto loaded, LoadSource("worker", source));
  Implementation* plugin = loaded.get();
  absl::StatusOr<Value> first, second;
  std::thread worker([&] {
    first = CallByName(*plugin, "f", {Value(1)});
    first_done.Notify();
    restarted.WaitForNotification();
    second = CallByName(*plugin, "f", {Value(2)});
  });
  first_done.WaitForNotification();
  loaded.reset();
  runtime_.reset();  // finalised, the worker's kept state with it
  ASSERT_OK_AND_ASSIGN(runtime_, CreatePythonRuntime(services_));
  ASSERT_OK_AND_ASSIGN(loaded, LoadSource("worker", source));
  plugin = loaded.get();
  restarted.Notify();
  worker.join();  // exits holding a state of the current interpreter
  EXPECT_THAT(first, IsOkAndHolds(Value(2)));
  EXPECT_THAT(second, IsOkAndHolds(Value(3)));
  EXPECT_THAT(CallByName(*loaded, "f", {Value(3)}), IsOkAndHolds(Value(4)));
}

TEST_F(PythonRuntimeTest, ImplementationsAndSessionsKeepTheInterpreterAlive) {
  ASSERT_OK_AND_ASSIGN(
      auto plugin, LoadSource("survivor", "def f():\n    return 'alive'\n"));
  ASSERT_OK_AND_ASSIGN(auto repl, runtime_->NewReplSession());
  runtime_.reset();
  EXPECT_THAT(CallByName(*plugin, "f", {}), IsOkAndHolds(Value("alive")));
  plugin.reset();
  EXPECT_THAT(repl->Evaluate("6 * 7"), IsOkAndHolds(std::string("42")));
}

// Call cost is measured by bench/call_benchmark; this checks that the kept
// Python thread state serves many calls correctly, on the main thread and on
// one that never held a Python thread state.
TEST_F(PythonRuntimeTest, ManyCallsFromAnyThreadAllReturnTheirResult) {
  auto probe = Probe();
  auto run = [&] {
    int wrong = 0;
    for (int64_t i = 0; i < 20000; ++i) {
      absl::StatusOr<Value> out =
          CallByName(*probe, "add", {Value(i), Value(2)});
      if (!out.ok() || *out != Value(i + 2)) ++wrong;
    }
    return wrong;
  };
  EXPECT_EQ(run(), 0);
  int wrong_on_thread = -1;
  std::thread([&] { wrong_on_thread = run(); }).join();
  EXPECT_EQ(wrong_on_thread, 0);
}

// Only this runtime's calls: another runtime sharing the interpreter keeps
// running.
TEST_F(PythonRuntimeTest, InterruptLeavesOtherRuntimesAlone) {
  RecordingServices other_services;
  ASSERT_OK_AND_ASSIGN(auto other_runtime, CreatePythonRuntime(other_services));
  ASSERT_OK_AND_ASSIGN(auto mine, LoadSource("spinner", kSpinnerSource));
  ASSERT_OK_AND_ASSIGN(
      auto theirs, LoadSource("spinner", kSpinnerSource, other_runtime.get()));
  absl::StatusOr<Value> my_result, their_result;
  std::thread a(
      [&] { my_result = CallByName(*mine, "spin_after_log", {Value("a")}); });
  std::thread b([&] {
    their_result = CallByName(*theirs, "spin_after_log", {Value("b")},
                              absl::Now() + absl::Seconds(2));
  });
  WaitForLogs(services_, 1);
  WaitForLogs(other_services, 1);
  runtime_->Interrupt();
  a.join();
  b.join();
  EXPECT_THAT(my_result, StatusIs(absl::StatusCode::kCancelled, ::testing::_));
  EXPECT_THAT(their_result,
              StatusIs(absl::StatusCode::kDeadlineExceeded, ::testing::_));
}

}  // namespace
}  // namespace duet::testing
