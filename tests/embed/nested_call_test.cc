// A script calling a module of its own language through a real Host: the
// call nests on the caller's thread (a Python -> Python call keeps the GIL
// until something on the way could wait), and the caller's deadline, an
// Interrupt, and other threads' calls behave as for any call: the nested
// call is stopped, the caller sees the documented status, and a nested call
// that waits (at a [state] gate) or runs long lets other threads' scripts
// run meanwhile.
//
// Every row runs with both modules in one engine, once per engine.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "duet/duet.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/language_param.h"
#include "testing/quiet_host.h"
#include "testing/status_matchers.h"

namespace duet {
namespace {

using ::duet::testing::IsOkAndHolds;
using ::duet::testing::StatusIs;
using ::testing::HasSubstr;

// call(module, function, *args) calls another module from the script;
// call_catching does too and returns "caught" when that call raises.
constexpr char kPythonOuter[] = R"PY(import duet

def call(module, function, *args):
    return getattr(getattr(duet.modules, module), function)(*args)

def call_catching(module, function, *args):
    try:
        return call(module, function, *args)
    except BaseException:
        return "caught"
)PY";

constexpr char kJavaScriptOuter[] = R"JS(import duet from 'duet';

export function call(module, fn, ...args) {
  return duet.modules[module][fn](...args);
}

export function call_catching(module, fn, ...args) {
  try {
    return call(module, fn, ...args);
  } catch (e) {
    return "caught";
  }
}
)JS";

// spin(): forever; busy(seconds): a loop of its own code for that long,
// returning how many times it went round; partial(): prints a line with no
// end. Each of the first two says it started through duet.host.started.
constexpr char kPythonInner[] = R"PY(import time

import duet

def spin():
    duet.host.started()
    while True:
        pass

def busy(seconds):
    duet.host.started()
    end = time.monotonic() + seconds
    rounds = 0
    while time.monotonic() < end:
        rounds += 1
    return rounds

def ping():
    return "pong"

def partial():
    print("no line end", end="")
    return "printed"
)PY";

constexpr char kJavaScriptInner[] = R"JS(import duet from 'duet';

export function spin() {
  duet.host.started();
  for (;;) {}
}

export function busy(seconds) {
  duet.host.started();
  const end = Date.now() + seconds * 1000;
  let rounds = 0;
  while (Date.now() < end) rounds++;
  return rounds;
}

export function ping() { return "pong"; }
)JS";

// A counter carried by [state]: its snapshot hook says it started and waits
// for the test (duet.host.hold_snapshot), so a switch keeps the module's
// gate closed for as long as the test wants.
constexpr char kPythonCounter[] = R"PY(import duet

count = 0

def get():
    return count

def snapshot():
    duet.host.hold_snapshot()
    return {"count": count}

def restore(state):
    global count
    count = state["count"]
)PY";

constexpr char kJavaScriptCounter[] = R"JS(import duet from 'duet';

let count = 0;

export function get() { return count; }

export function snapshot() {
  duet.host.hold_snapshot();
  return { count };
}

export function restore(state) { count = state.count; }
)JS";

// Long enough to see other threads' calls finish inside it on a loaded
// machine; bounded, so a wrong answer fails instead of hanging.
constexpr absl::Duration kLongCall = absl::Seconds(3);
constexpr absl::Duration kPatience = absl::Seconds(20);

Language Other(Language language) {
  return language == Language::kPython ? Language::kJavaScript
                                       : Language::kPython;
}

class NestedCallTest : public ::testing::TestWithParam<Language> {
 protected:
  void SetUp() override { MakeHost(HostOptions()); }

  void MakeHost(HostOptions options) {
    ASSERT_NO_FATAL_FAILURE(testing::MakeQuietHost(std::move(options), &host_));
    ASSERT_OK(host_->RegisterFunction(
        "started", [this](absl::Span<const Value>) -> absl::StatusOr<Value> {
          ++starts_;
          return Value();
        }));
    ASSERT_OK(host_->RegisterFunction(
        "hold_snapshot",
        [this](absl::Span<const Value>) -> absl::StatusOr<Value> {
          if (!snapshot_entered_.HasBeenNotified()) snapshot_entered_.Notify();
          snapshot_released_.WaitForNotificationWithTimeout(kPatience);
          return Value();
        }));
    const bool python = GetParam() == Language::kPython;
    Load("outer", python ? kPythonOuter : kJavaScriptOuter);
    Load("inner", python ? kPythonInner : kJavaScriptInner);
    Load("other", python ? kPythonInner : kJavaScriptInner);
    // Started before the rows need them, so no first use waits in a row.
    ASSERT_THAT(host_->Call("other", "ping", {}), IsOkAndHolds(Value("pong")));
    ASSERT_THAT(host_->Call("outer", "call", {"inner", "ping"}),
                IsOkAndHolds(Value("pong")));
  }

  void Load(const std::string& module, std::string text) {
    PluginSource source;
    source.module = module;
    source.implementations = {
        {GetParam(), std::move(text),
         module + (GetParam() == Language::kPython ? ".py" : ".js")}};
    ASSERT_THAT(host_->LoadPlugin(source), IsOkAndHolds(module));
  }

  // Whether inner's spin or busy has started `count` times in all, within
  // kPatience.
  bool WaitForStarts(int count) {
    const absl::Time give_up = absl::Now() + kPatience;
    while (starts_ < count) {
      if (absl::Now() > give_up) return false;
      absl::SleepFor(absl::Milliseconds(1));
    }
    return true;
  }

  // Calls other.ping on a thread of its own; whether it returned "pong"
  // within `patience`. The thread is joined either way.
  bool PingFromAnotherThread(absl::Duration patience) {
    absl::Notification answered;
    std::atomic<bool> pong{false};
    std::thread pinger([&] {
      absl::StatusOr<Value> result = host_->Call("other", "ping", {});
      pong = result.ok() && *result == Value("pong");
      answered.Notify();
    });
    const bool in_time = answered.WaitForNotificationWithTimeout(patience);
    pinger.join();
    return in_time && pong;
  }

  std::unique_ptr<Host> host_;
  std::atomic<int> starts_{0};
  absl::Notification snapshot_entered_;
  absl::Notification snapshot_released_;
};

TEST_P(NestedCallTest, TheOuterCallsDeadlineStopsTheNestedCall) {
  CallOptions options;
  options.timeout = absl::Milliseconds(300);
  EXPECT_THAT(
      host_->Call("outer", "call", {"inner", "spin"}, options),
      StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("outer.call")));
  // Caught by the caller's script, it is still the caller's deadline.
  EXPECT_THAT(
      host_->Call("outer", "call_catching", {"inner", "spin"}, options),
      StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("outer.call")));
  // Later calls run normally.
  EXPECT_THAT(host_->Call("outer", "call", {"inner", "ping"}),
              IsOkAndHolds(Value("pong")));
}

TEST_P(NestedCallTest, AnInterruptStopsTheNestedCallAndTheCaller) {
  int starts = 0;
  for (const char* function : {"call", "call_catching"}) {
    SCOPED_TRACE(function);
    absl::StatusOr<Value> result;
    std::thread caller([&] {
      result = host_->Call("outer", function, {"inner", "spin"});
    });
    const bool started = WaitForStarts(++starts);
    // Interrupt stops the entries running when it is called: both.
    host_->Interrupt();
    caller.join();
    ASSERT_TRUE(started);
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kCancelled,
                                 HasSubstr("interrupted")));
  }
  EXPECT_THAT(host_->Call("outer", "call", {"inner", "ping"}),
              IsOkAndHolds(Value("pong")));
}

TEST_P(NestedCallTest, OtherThreadsRunWhileANestedCallRunsLong) {
  std::atomic<bool> outer_done{false};
  absl::StatusOr<Value> result;
  std::thread caller([&] {
    result = host_->Call("outer", "call",
                         {"inner", "busy", absl::ToDoubleSeconds(kLongCall)});
    outer_done = true;
  });
  EXPECT_TRUE(WaitForStarts(1));
  // The nested call holds its engine's lock only as any running call does:
  // another thread's call of the same engine gets its turn meanwhile.
  EXPECT_TRUE(PingFromAnotherThread(kPatience));
  EXPECT_FALSE(outer_done) << "the nested call ended before the other "
                              "thread's call did: it cannot show overlap";
  caller.join();
  ASSERT_OK(result);
  EXPECT_GT(result->as_int(), 0);
}

TEST_P(NestedCallTest, ANestedCallWaitingAtAStateGateLetsOtherThreadsRun) {
  PluginSource source;
  source.module = "stateful";
  source.implementations = {
      {Language::kPython, kPythonCounter, "stateful.py"},
      {Language::kJavaScript, kJavaScriptCounter, "stateful.js"}};
  source.default_language = GetParam();
  source.state = StateHooks{"snapshot", "restore", 0};
  ASSERT_THAT(host_->LoadPlugin(source), IsOkAndHolds("stateful"));
  ASSERT_OK(host_->Start("stateful"));
  ASSERT_THAT(host_->Call("outer", "call", {"stateful", "get"}),
              IsOkAndHolds(Value(0)));

  // A switch whose snapshot hook waits keeps the module's gate closed.
  absl::Status used;
  std::thread user([&] { used = host_->Use("stateful", Other(GetParam())); });
  EXPECT_TRUE(snapshot_entered_.WaitForNotificationWithTimeout(kPatience));
  absl::StatusOr<Value> gated;
  std::thread caller([&] {
    gated = host_->Call("outer", "call", {"stateful", "get"});
  });
  // Time for the nested call to reach the gate (the row holds either way).
  absl::SleepFor(absl::Milliseconds(200));
  // The nested call waits at the gate with no engine lock: another thread's
  // call runs, and so can the hook once it goes on.
  EXPECT_TRUE(PingFromAnotherThread(kPatience));
  snapshot_released_.Notify();
  user.join();
  caller.join();
  EXPECT_OK(used);
  EXPECT_THAT(gated, IsOkAndHolds(Value(0)));
}

INSTANTIATE_TEST_SUITE_P(BothEngines, NestedCallTest,
                         ::testing::Values(Language::kPython,
                                           Language::kJavaScript),
                         ::duet::testing::LanguageParamName);

// Python only: a JavaScript script's console output is whole lines.
class NestedPythonOutputTest : public NestedCallTest {};

TEST_P(NestedPythonOutputTest, ANestedCallsPartialLineIsLoggedWithoutTheGil) {
  // The log sink calls Python on another thread and waits for it: that
  // call needs the GIL, so the sink must run without it, as every host
  // call does, even for an entry nested in its caller's GIL.
  std::atomic<int> pongs{0};
  std::atomic<int> partial_lines{0};
  HostOptions options;
  options.log_sink = [this, &pongs, &partial_lines](LogLevel, std::string_view,
                                                    std::string_view line) {
    if (line != "no line end") return;
    ++partial_lines;
    if (PingFromAnotherThread(absl::Seconds(10))) ++pongs;
  };
  host_.reset();
  MakeHost(std::move(options));
  EXPECT_THAT(host_->Call("outer", "call", {"inner", "partial"}),
              IsOkAndHolds(Value("printed")));
  EXPECT_EQ(partial_lines, 1);
  EXPECT_EQ(pongs, 1);
}

INSTANTIATE_TEST_SUITE_P(Python, NestedPythonOutputTest,
                         ::testing::Values(Language::kPython),
                         ::duet::testing::LanguageParamName);

}  // namespace
}  // namespace duet
