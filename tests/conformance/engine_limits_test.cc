// Both engines in one host: a Python call that keeps the GIL in C code must
// hold up neither JavaScript deadlines nor Host::Interrupt(), and a host
// destroyed while a Python call swallows stop exceptions (in the finaliser
// of its result) still finishes.
//
// The Python plugin keeps the GIL in read() on a pipe (ctypes.PyDLL keeps
// the GIL across the C call) until the test writes to it: a long C call
// that ends exactly when the test says. Anything that would hang without
// the fix runs with a generous bound, so a hang is a failure.
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "duet/host.h"
#include "duet/runtime.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "javascript/javascript_runtime.h"
#include "python/python_runtime.h"
#include "testing/bounded.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace duet {
namespace {

using ::duet::testing::kHangBound;
using ::duet::testing::PipeGate;
using ::duet::testing::RunBounded;
using ::duet::testing::StatusIs;
using ::duet::testing::TempDir;

// Far past anything the fixed code needs; only turns a hang into a failure.

constexpr char kHolderSource[] = R"PY(
import ctypes

import duet


def _block_holding_the_gil(fd):
    duet.log("holding")
    ctypes.PyDLL(None).read(fd, ctypes.create_string_buffer(1), 1)


def hold_then_return(fd):
    _block_holding_the_gil(fd)
    return "released"


def hold_then_loop(fd):
    _block_holding_the_gil(fd)
    stubborn()


def stubborn():
    while True:
        try:
            while True:
                pass
        except BaseException:
            continue


class LoopsWhenDropped:
    def __del__(self):
        duet.log("started")
        stubborn()


def give_loops_when_dropped():
    return LoopsWhenDropped()  # unconvertible: dropped by the engine
)PY";

constexpr char kSpinnerSource[] = R"JS(
export function spin() {
  for (;;) {}
}
)JS";

class EngineLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HostOptions options;
    options.log_sink = [this](LogLevel, std::string_view,
                              std::string_view message) {
      if (message == "holding") holding_.Notify();
      if (message == "started") started_.Notify();
    };
    auto host = CreateHostWithRuntimes(
        std::move(options), {CreatePythonRuntime, CreateJavaScriptRuntime});
    ASSERT_OK(host.status());
    host_ = *std::move(host);
    dir_.Write("holder.py", kHolderSource);
    dir_.Write("spinner.js", kSpinnerSource);
    ASSERT_OK(host_->LoadPlugins(dir_.path()));
  }

  TempDir dir_;
  absl::Notification holding_, started_;
  std::unique_ptr<Host> host_;
};

TEST_F(EngineLimitsTest, JavaScriptDeadlineHoldsWhilePythonKeepsTheGil) {
  PipeGate gate;
  std::atomic<bool> python_returned{false};
  absl::StatusOr<Value> held;
  std::thread python([&] {
    // Its own deadline passes too, and must not hold up the watchdog.
    held =
        host_->Call("holder", "hold_then_return",
                    {Value(int64_t{gate.read_fd()})}, {absl::Milliseconds(50)});
    python_returned = true;
  });
  holding_.WaitForNotification();
  absl::SleepFor(absl::Milliseconds(100));  // into read(), GIL held
  absl::StatusOr<Value> spun;
  std::thread javascript([&] {
    spun = host_->Call("spinner", "spin", {}, {absl::Milliseconds(200)});
  });
  absl::Notification joined;
  std::thread joiner([&] {
    javascript.join();
    joined.Notify();
  });
  EXPECT_TRUE(joined.WaitForNotificationWithTimeout(kHangBound))
      << "the JavaScript deadline waited for the GIL";
  EXPECT_FALSE(python_returned);  // JavaScript was stopped first
  gate.Release();
  joiner.join();
  RunBounded([&] { python.join(); });
  EXPECT_THAT(spun,
              StatusIs(absl::StatusCode::kDeadlineExceeded, ::testing::_));
  EXPECT_THAT(held,
              StatusIs(absl::StatusCode::kDeadlineExceeded, ::testing::_));
}

TEST_F(EngineLimitsTest, InterruptReturnsWhilePythonKeepsTheGil) {
  PipeGate gate;
  std::atomic<bool> python_returned{false};
  absl::StatusOr<Value> held;
  std::thread python([&] {
    held = host_->Call("holder", "hold_then_loop",
                       {Value(int64_t{gate.read_fd()})});
    python_returned = true;
  });
  holding_.WaitForNotification();
  absl::SleepFor(absl::Milliseconds(100));  // into read(), GIL held
  absl::Notification interrupted;
  std::thread interrupter([&] {
    host_->Interrupt();
    interrupted.Notify();
  });
  EXPECT_TRUE(interrupted.WaitForNotificationWithTimeout(kHangBound))
      << "Host::Interrupt() waited for the GIL";
  EXPECT_FALSE(python_returned);
  gate.Release();
  interrupter.join();
  // The stop was delivered once the GIL was free, and held although the
  // plugin catches BaseException.
  RunBounded([&] { python.join(); });
  EXPECT_THAT(held, StatusIs(absl::StatusCode::kCancelled, ::testing::_));
}

// The call's own code has returned; what loops is the finaliser of its
// result, which still belongs to the call.
TEST_F(EngineLimitsTest, DestroyingTheHostWithAStubbornPythonCallFinishes) {
  absl::StatusOr<Value> result;
  std::thread python(
      [&] { result = host_->Call("holder", "give_loops_when_dropped", {}); });
  started_.WaitForNotification();
  RunBounded([&] { host_.reset(); });
  python.join();
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kCancelled, ::testing::_));
}

// The memory limits reach the engine through the Host: a plugin's own
// [limits] memory_mb, else HostOptions::default_memory_mb.
TEST(HostMemoryLimitsTest, ManifestAndHostDefaultCapTheHeap) {
  TempDir dir;
  constexpr char kGrower[] = R"JS(
export function grow(mb) {
  const kept = [];
  for (let i = 0; i < mb; i++) kept.push(new Array(1 << 17).fill(i + 0.5));
  return kept.length;
}
)JS";
  dir.Write("capped/plugin.toml",
            "name = \"capped\"\n[implementations]\njavascript = "
            "\"grower.js\"\n[limits]\nmemory_mb = 24\n");
  dir.Write("capped/grower.js", kGrower);
  dir.Write("uncapped/plugin.toml",
            "name = \"uncapped\"\n[implementations]\njavascript = "
            "\"grower.js\"\n");
  dir.Write("uncapped/grower.js", kGrower);
  HostOptions options;
  options.log_sink = [](LogLevel, std::string_view, std::string_view) {};
  options.default_memory_mb = 40;
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Host> host,
      CreateHostWithRuntimes(std::move(options), {CreateJavaScriptRuntime}));
  ASSERT_OK(host->LoadPlugins(dir.path()));
  // 1 MB of doubles per step: 8 fit under 24 MB and 16 under 40 MB; 4096
  // fit under neither. (The cap is enforced at full GCs, which V8 schedules
  // itself, so a call just over it is not reliably stopped: see README.)
  EXPECT_THAT(host->Call("capped", "grow", {Value(8)}),
              ::testing::Eq(absl::StatusOr<Value>(Value(8))));
  EXPECT_THAT(host->Call("capped", "grow", {Value(4096)}),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       ::testing::HasSubstr("heap limit of 24 MB")));
  EXPECT_THAT(host->Call("uncapped", "grow", {Value(16)}),
              ::testing::Eq(absl::StatusOr<Value>(Value(16))));
  EXPECT_THAT(host->Call("uncapped", "grow", {Value(4096)}),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       ::testing::HasSubstr("heap limit of 40 MB")));
}

}  // namespace
}  // namespace duet
