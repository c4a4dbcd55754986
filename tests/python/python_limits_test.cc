// Stopping Python: deadlines and Interrupt() that reach code which catches
// BaseException, finalisers and top-level code, never wait for the GIL
// themselves, and threads that cannot hold up interpreter shutdown.
//
// A call that holds the GIL in C code is made with ctypes.PyDLL (which keeps
// the GIL) blocking in read() on a pipe the test writes to when it is done
// checking: a deterministic "long C call". Anything that would hang without
// the fix runs with a generous bound, so a hang is a failure, not a stuck
// suite.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "duet/error.h"
#include "duet/internal/watchdog.h"
#include "duet/runtime.h"
#include "duet/value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "python/python_runtime.h"
#include "testing/bounded.h"
#include "testing/child_process.h"
#include "testing/recording_services.h"
#include "testing/runtime_testing.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace duet {
namespace {

namespace fs = std::filesystem;
using ::duet::testing::ChildRun;
using ::duet::testing::kHangBound;
using ::duet::testing::PipeGate;
using ::duet::testing::RecordingServices;
using ::duet::testing::RunBounded;
using ::duet::testing::RunTestsInChild;
using ::duet::testing::StatusIs;
using ::duet::testing::TempDir;
using ::testing::HasSubstr;

using ::duet::testing::IsOkAndHolds;

// Far past anything the fixed code needs; only turns a hang into a failure.

constexpr char kStubbornSource[] = R"PY(
import ctypes

import duet


def stubborn():
    while True:
        try:
            while True:
                pass
        except BaseException:
            continue


def stubborn_after_log():
    duet.log("started")
    stubborn()


class Stubborn:
    def __del__(self):
        stubborn()


def give_stubborn():
    return Stubborn()


def hold_gil(fd):
    duet.log("holding")
    # ctypes.PyDLL keeps the GIL across the C call: read() blocks with it.
    ctypes.PyDLL(None).read(fd, ctypes.create_string_buffer(1), 1)
    stubborn()


def ok():
    return "ok"
)PY";

class PythonLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto runtime = CreatePythonRuntime(services_);
    ASSERT_OK(runtime.status());
    runtime_ = *std::move(runtime);
  }

  absl::StatusOr<std::unique_ptr<Implementation>> Load(
      const std::string& module, const std::string& source,
      absl::Duration load_timeout = absl::InfiniteDuration()) {
    fs::path entry = dir_.Write(module + "/" + module + ".py", source);
    ImplementationSpec spec{module, entry, entry.parent_path(), false};
    spec.load_timeout = load_timeout;
    return runtime_->Load(spec);
  }

  static absl::StatusOr<Value> Call(
      Implementation& impl, std::string_view name, std::vector<Value> args = {},
      absl::Time deadline = absl::InfiniteFuture()) {
    return ::duet::testing::CallByName(impl, name, args, deadline);
  }

  void WaitForLog(std::string_view text) {
    for (;;) {
      for (const auto& line : services_.logs()) {
        if (line.message == text) return;
      }
      absl::SleepFor(absl::Milliseconds(2));
    }
  }

  TempDir dir_;
  RecordingServices services_;
  std::unique_ptr<Runtime> runtime_;
};

TEST_F(PythonLimitsTest, DeadlineStopsALoopThatCatchesBaseException) {
  ASSERT_OK_AND_ASSIGN(auto plugin, Load("stubborn", kStubbornSource));
  absl::StatusOr<Value> result;
  RunBounded([&] {
    result =
        Call(*plugin, "stubborn", {}, absl::Now() + absl::Milliseconds(200));
  });
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kDeadlineExceeded,
                               "Python execution stopped at its deadline"));
  // Nothing is left raising in this thread.
  EXPECT_THAT(Call(*plugin, "ok"), IsOkAndHolds(Value("ok")));
}

TEST_F(PythonLimitsTest, InterruptStopsALoopThatCatchesBaseException) {
  ASSERT_OK_AND_ASSIGN(auto plugin, Load("stubborn", kStubbornSource));
  absl::StatusOr<Value> result;
  RunBounded([&] {
    std::thread call([&] { result = Call(*plugin, "stubborn_after_log"); });
    WaitForLog("started");
    runtime_->Interrupt();
    call.join();
  });
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kCancelled,
                               "Python execution interrupted"));
  EXPECT_THAT(Call(*plugin, "ok"), IsOkAndHolds(Value("ok")));
}

TEST_F(PythonLimitsTest, LoopingFinaliserOfTheResultIsStoppedAtTheDeadline) {
  ASSERT_OK_AND_ASSIGN(auto plugin, Load("stubborn", kStubbornSource));
  absl::StatusOr<Value> result;
  RunBounded([&] {
    result = Call(*plugin, "give_stubborn", {},
                  absl::Now() + absl::Milliseconds(200));
  });
  EXPECT_THAT(result,
              StatusIs(absl::StatusCode::kDeadlineExceeded, ::testing::_));
  EXPECT_THAT(Call(*plugin, "ok"), IsOkAndHolds(Value("ok")));
}

TEST_F(PythonLimitsTest, LoopingFinaliserAtUnloadIsStoppedAtTheLoadLimit) {
  ASSERT_OK_AND_ASSIGN(
      auto plugin,
      Load("keeper", absl::StrCat(kStubbornSource, "\nkept = Stubborn()\n"),
           absl::Milliseconds(200)));
  // Unloading, and then finalising the interpreter (where garbage left
  // uncollected would run the finaliser outside any entry), both finish.
  RunBounded([&] {
    plugin.reset();
    runtime_.reset();
  });
}

TEST_F(PythonLimitsTest, TopLevelLoopFailsToLoadAtTheLoadLimit) {
  absl::StatusOr<std::unique_ptr<Implementation>> loaded;
  RunBounded([&] {
    loaded = Load("looper", "while True:\n    pass\n", absl::Milliseconds(200));
  });
  EXPECT_THAT(loaded,
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       ::testing::AllOf(HasSubstr("looper.py"),
                                        HasSubstr("load time limit (200ms)"))));
  // Where it was stopped travels along.
  std::optional<ScriptError> error = GetScriptError(loaded.status());
  ASSERT_TRUE(error.has_value());
  ASSERT_FALSE(error->stack.empty());
  EXPECT_THAT(error->stack[0].file, HasSubstr("looper.py"));
  ASSERT_OK_AND_ASSIGN(auto other, Load("stubborn", kStubbornSource));
  EXPECT_THAT(Call(*other, "ok"), IsOkAndHolds(Value("ok")));
}

TEST_F(PythonLimitsTest, InterruptReturnsWhileACallHoldsTheGilInC) {
  ASSERT_OK_AND_ASSIGN(auto plugin, Load("stubborn", kStubbornSource));
  PipeGate gate;
  std::atomic<bool> call_returned{false};
  absl::StatusOr<Value> result;
  std::thread call([&] {
    result = Call(*plugin, "hold_gil", {Value(int64_t{gate.read_fd()})});
    call_returned = true;
  });
  WaitForLog("holding");
  absl::SleepFor(absl::Milliseconds(100));  // into read(), GIL held
  absl::Notification interrupted;
  std::thread interrupter([&] {
    runtime_->Interrupt();
    interrupted.Notify();
  });
  EXPECT_TRUE(interrupted.WaitForNotificationWithTimeout(kHangBound))
      << "Interrupt() waited for the GIL";
  EXPECT_FALSE(call_returned);  // Interrupt() returned first
  gate.Release();
  interrupter.join();
  RunBounded([&] { call.join(); });
  // Delivered once the GIL was free, even though the call catches it.
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kCancelled, ::testing::_));
}

TEST_F(PythonLimitsTest, WatchdogRunsOtherDeadlinesWhileACallHoldsTheGilInC) {
  ASSERT_OK_AND_ASSIGN(auto plugin, Load("stubborn", kStubbornSource));
  PipeGate gate;
  std::atomic<bool> call_returned{false};
  absl::StatusOr<Value> result;
  std::thread call([&] {
    result = Call(*plugin, "hold_gil", {Value(int64_t{gate.read_fd()})},
                  absl::Now() + absl::Milliseconds(50));
    call_returned = true;
  });
  WaitForLog("holding");
  absl::SleepFor(absl::Milliseconds(150));  // past the Python deadline
  // Another engine's deadline, armed after the Python one passed.
  absl::Notification fired;
  internal::Watchdog::Ticket other = internal::Watchdog::Shared().Arm(
      absl::Now() + absl::Milliseconds(10), [&] { fired.Notify(); });
  EXPECT_TRUE(fired.WaitForNotificationWithTimeout(kHangBound))
      << "the watchdog was stuck waiting for the GIL";
  EXPECT_FALSE(call_returned);
  gate.Release();
  RunBounded([&] { call.join(); });
  other.Disarm();
  EXPECT_THAT(result,
              StatusIs(absl::StatusCode::kDeadlineExceeded, ::testing::_));
}

// --- interpreter shutdown, in a child process --------------------------------

constexpr char kChildEnv[] = "DUET_PYTHON_LIMITS_CHILD";

constexpr char kThreadSource[] = R"PY(
import threading
import time


def _forever():
    while True:
        time.sleep(0.05)


def start():
    threading.Thread(target=_forever, name="plugin-forever").start()
    return "started"
)PY";

// Only does something in the child that the next test starts.
TEST(PythonShutdownChild, StartsAThreadAndFinalises) {
  const char* dir = std::getenv(kChildEnv);
  if (dir == nullptr) GTEST_SKIP() << "runs only as a child process";
  RecordingServices services;
  {
    ASSERT_OK_AND_ASSIGN(auto runtime, CreatePythonRuntime(services));
    fs::path entry = fs::path(dir) / "threads" / "threads.py";
    ASSERT_OK_AND_ASSIGN(
        auto plugin,
        runtime->Load({"threads", entry, entry.parent_path(), false}));
    ASSERT_THAT(plugin->Call(0, {}, absl::InfiniteFuture()),
                IsOkAndHolds(Value("started")));
  }  // the last lease: the interpreter is finalised here
  std::cout << "finalised" << std::endl;
}

TEST(PythonShutdownTest, ANonDaemonPluginThreadDoesNotBlockFinalisation) {
  TempDir dir;
  dir.Write("threads/threads.py", kThreadSource);
  ChildRun run = RunTestsInChild("PythonShutdownChild.*", kChildEnv,
                                 dir.path().string(), dir.path());
  ASSERT_FALSE(run.hung) << "the child hung at interpreter shutdown:\n"
                         << run.output;
  EXPECT_TRUE(run.passed()) << run.Describe();
  const std::string& text = run.output;
  EXPECT_THAT(text, HasSubstr("finalised"));
  EXPECT_THAT(text, HasSubstr("'plugin-forever'"));
  EXPECT_THAT(text, HasSubstr("abandoning it"));
}

}  // namespace
}  // namespace duet
