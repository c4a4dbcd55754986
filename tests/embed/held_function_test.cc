// duet::HeldFunction (Function::Hold) in the real engines: results equal
// to plain calls, awaiting calls release the kept lock while they wait,
// other engines and modules are reachable from inside the scope, another
// thread gets into the engine while the scope's script calls the host, a
// Reload is followed, and a scope cannot be made inside a duet call.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "duet/duet.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace duet {
namespace {

using ::duet::testing::IsOkAndHolds;
using ::duet::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kPython[] = R"PY(
import asyncio
import duet
def add(a, b):
    return a + b
def text(s):
    return s + "é"
async def later(x):
    await asyncio.sleep(0.01)
    return x * 2
def via_other(x):
    return duet.modules.other.twice(x) + 1
def via_host(x):
    return duet.host.elsewhere(x)
def spin():
    while True:
        pass
def fail():
    raise ValueError("nope")
def busy(n):
    total = 0
    for i in range(n):
        total += i
    return total
)PY";

constexpr char kJavaScript[] = R"JS(
import duet from 'duet';
export function add(a, b) { return a + b; }
export function text(s) { return s + "é"; }
export async function later(x) {
  await new Promise((resolve) => setTimeout(resolve, 10));
  return x * 2;
}
export function via_other(x) { return duet.modules.other.twice(x) + 1; }
export function via_host(x) { return duet.host.elsewhere(x); }
export async function quick(x) { return x * 2; }
export function spin() { while (true) {} }
export function fail() { throw new RangeError("nope"); }
export function busy(n) {
  let total = 0;
  for (let i = 0; i < n; ++i) total += i;
  return total;
}
)JS";

class HeldFunctionTest : public ::testing::TestWithParam<Language> {
 protected:
  void SetUp() override {
    HostOptions options;
    options.log_sink = [](LogLevel, std::string_view, std::string_view) {};
    absl::StatusOr<std::unique_ptr<Host>> host = Host::Create(options);
    ASSERT_TRUE(host.ok()) << host.status();
    host_ = *std::move(host);
    // Another thread's call into the held module while its script waits
    // here: it can only run if the script's host call let the lock go.
    ASSERT_OK(host_->RegisterFunction(
        "elsewhere",
        [this](absl::Span<const Value> args) -> absl::StatusOr<Value> {
          absl::StatusOr<Value> result;
          std::thread other([&] {
            result = host_->Call("held", "add", {args[0], Value(100)});
          });
          other.join();
          return result;
        }));
    // A host function that tries to hold from inside a call.
    ASSERT_OK(host_->RegisterFunction(
        "hold_inside",
        [this](absl::Span<const Value>) -> absl::StatusOr<Value> {
          absl::StatusOr<Function> add = host_->Function("held.add");
          if (!add.ok()) return add.status();
          absl::StatusOr<HeldFunction> held = add->Hold();
          if (!held.ok()) return held.status();
          return Value("held");
        }));
    PluginSource held;
    held.module = "held";
    held.implementations = {{Language::kPython, kPython, "held.py"},
                            {Language::kJavaScript, kJavaScript, "held.mjs"}};
    held.default_language = GetParam();
    ASSERT_OK(host_->LoadPlugin(held).status());
    // The other module runs in the other engine.
    ASSERT_NO_FATAL_FAILURE(
        LoadScript("other",
                   GetParam() == Language::kPython ? Language::kJavaScript
                                                   : Language::kPython,
                   "def twice(x):\n    return 2 * x\n",
                   "export function twice(x) { return 2 * x; }\n"));
    ASSERT_NO_FATAL_FAILURE(LoadScript(
        "asker", GetParam(),
        "import duet\ndef ask():\n    return duet.host.hold_inside()\n",
        "import duet from 'duet';\n"
        "export function ask() { return duet.host.hold_inside(); }\n"));
  }

  // Loads module `name` with one implementation in `language`: `python` or
  // `javascript`, whichever is that language's source.
  void LoadScript(const std::string& name, Language language,
                  const std::string& python, const std::string& javascript) {
    PluginSource source;
    source.module = name;
    source.implementations = {
        {language, language == Language::kPython ? python : javascript, ""}};
    ASSERT_OK(host_->LoadPlugin(source).status());
  }

  HeldFunction Hold(const std::string& name) {
    absl::StatusOr<Function> function = host_->Function(name);
    EXPECT_OK(function.status());
    absl::StatusOr<HeldFunction> held = function->Hold();
    EXPECT_OK(held.status());
    return held.ok() ? *std::move(held) : HeldFunction();
  }

  std::unique_ptr<Host> host_;
};

TEST_P(HeldFunctionTest, ReturnsWhatPlainCallsReturn) {
  HeldFunction add = Hold("held.add");
  HeldFunction text = Hold("held.text");
  for (int64_t i = 0; i < 100; ++i) {
    ASSERT_THAT(add.Call({Value(i), Value(2)}), IsOkAndHolds(Value(i + 2)));
  }
  EXPECT_THAT(text.Call({Value("ü")}), IsOkAndHolds(Value("üé")));
  // Plain calls on this thread go on meanwhile.
  EXPECT_THAT(host_->Call("held", "add", {Value(1), Value(2)}),
              IsOkAndHolds(Value(3)));
}

TEST_P(HeldFunctionTest, AnAwaitingCallReleasesTheKeptLockWhileItWaits) {
  HeldFunction later = Hold("held.later");
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(later.Call({Value(21)}), IsOkAndHolds(Value(42)));
  }
}

TEST_P(HeldFunctionTest, OtherEnginesAndThreadsGetInDuringHostCalls) {
  HeldFunction via_other = Hold("held.via_other");
  EXPECT_THAT(via_other.Call({Value(5)}), IsOkAndHolds(Value(11)));
  HeldFunction via_host = Hold("held.via_host");
  EXPECT_THAT(via_host.Call({Value(5)}), IsOkAndHolds(Value(105)));
  // A call into the other engine from the scope's thread.
  EXPECT_THAT(host_->Call("other", "twice", {Value(4)}),
              IsOkAndHolds(Value(8)));
}

// Two scopes kept on one thread, of two modules in the same engine: in
// JavaScript two isolates, each locked, the later one the thread's current
// isolate. A call through the first must enter its own isolate again (only
// a call into the current one may skip that), also from inside the second's
// script, whose host call leaves the second isolate current.
TEST_P(HeldFunctionTest, ScopesOfTwoModulesOfOneEngineInterleave) {
  ASSERT_NO_FATAL_FAILURE(
      LoadScript("peer", GetParam(),
                 "import duet\ndef add_via(a, b):\n"
                 "    return duet.modules.held.add(a, b) * 10\n",
                 "import duet from 'duet';\n"
                 "export function add_via(a, b) {\n"
                 "  return duet.modules.held.add(a, b) * 10;\n}\n"));
  HeldFunction add = Hold("held.add");
  HeldFunction add_via = Hold("peer.add_via");
  for (int64_t i = 0; i < 20; ++i) {
    ASSERT_THAT(add.Call({Value(i), Value(2)}), IsOkAndHolds(Value(i + 2)));
    ASSERT_THAT(add_via.Call({Value(i), Value(2)}),
                IsOkAndHolds(Value((i + 2) * 10)));
    ASSERT_THAT(add_via.Call({Value(i), Value(3)}),
                IsOkAndHolds(Value((i + 3) * 10)));
  }
  // Plain calls of both on this thread meanwhile.
  EXPECT_THAT(host_->Call("held", "add", {Value(1), Value(2)}),
              IsOkAndHolds(Value(3)));
  EXPECT_THAT(host_->Call("peer", "add_via", {Value(1), Value(2)}),
              IsOkAndHolds(Value(30)));
}

// A held call whose script calls the host, which calls the same held
// function again: the nested call takes the lock per call, inside the
// first call's entry.
TEST_P(HeldFunctionTest, AHeldCallReentersItsEngineThroughTheHost) {
  HeldFunction add = Hold("held.add");
  ASSERT_OK(host_->RegisterFunction(
      "again", [&add](absl::Span<const Value> args) -> absl::StatusOr<Value> {
        return add.Call({args[0], Value(1000)});
      }));
  ASSERT_NO_FATAL_FAILURE(
      LoadScript("caller", GetParam(),
                 "import duet\ndef go(x):\n    return duet.host.again(x) + 1\n",
                 "import duet from 'duet';\n"
                 "export function go(x) { return duet.host.again(x) + 1; }\n"));
  HeldFunction go = Hold("caller.go");
  for (int64_t i = 0; i < 5; ++i) {
    ASSERT_THAT(go.Call({Value(i)}), IsOkAndHolds(Value(i + 1001)));
    ASSERT_THAT(add.Call({Value(i), Value(1)}), IsOkAndHolds(Value(i + 1)));
  }
}

// In JavaScript, a call through a scope kept on an isolate that is not the
// thread's current one (a later scope's is) runs with its own isolate
// entered: its script's call of another module's async function makes its
// Promise in the isolate that is current (EventLoop::AdoptForeign).
TEST_P(HeldFunctionTest, AHeldIsolateNotCurrentIsEnteredForItsCall) {
  if (GetParam() != Language::kJavaScript) GTEST_SKIP() << "V8 isolates";
  ASSERT_NO_FATAL_FAILURE(
      LoadScript("peer", Language::kJavaScript, "",
                 "import duet from 'duet';\n"
                 "export async function quick_via(x) {\n"
                 "  return (await duet.modules.held.quick(x)) + 1;\n}\n"));
  HeldFunction quick_via = Hold("peer.quick_via");
  HeldFunction add = Hold("held.add");  // its isolate is now the current one
  CallOptions bounded;  // a Promise made in the wrong isolate never settles
  bounded.timeout = absl::Seconds(10);
  for (int64_t i = 0; i < 5; ++i) {
    ASSERT_THAT(quick_via.Call({Value(i)}, bounded),
                IsOkAndHolds(Value(2 * i + 1)));
    ASSERT_THAT(add.Call({Value(i), Value(2)}), IsOkAndHolds(Value(i + 2)));
  }
}

TEST_P(HeldFunctionTest, AReloadIsFollowed) {
  HeldFunction add = Hold("held.add");
  EXPECT_THAT(add.Call({Value(1), Value(2)}), IsOkAndHolds(Value(3)));
  ASSERT_OK(host_->Reload("held"));
  EXPECT_THAT(add.Call({Value(1), Value(2)}), IsOkAndHolds(Value(3)));
  const Language other = GetParam() == Language::kPython ? Language::kJavaScript
                                                         : Language::kPython;
  ASSERT_OK(host_->Use("held", other));
  EXPECT_THAT(add.Call({Value(1), Value(2)}), IsOkAndHolds(Value(3)));
}

// Repeats of a kept call with no time limit take a shorter path than those
// with one: both keep the checks and the errors of a plain call.
TEST_P(HeldFunctionTest, RepeatsKeepErrorsAndTimeLimits) {
  HeldFunction add = Hold("held.add");
  HeldFunction spin = Hold("held.spin");
  ASSERT_THAT(add.Call({Value(1), Value(2)}), IsOkAndHolds(Value(3)));
  // Script errors, then a call that succeeds: the errors did not stick.
  HeldFunction fail = Hold("held.fail");
  for (int i = 0; i < 2; ++i) {
    EXPECT_THAT(fail.Call({}),
                StatusIs(absl::StatusCode::kUnknown, HasSubstr("nope")));
  }
  EXPECT_THAT(add.Call({Value(2), Value(2)}), IsOkAndHolds(Value(4)));
  // A timeout of its own: stopped, and the message names the limit.
  CallOptions limited;
  limited.timeout = absl::Milliseconds(100);
  for (int i = 0; i < 2; ++i) {
    EXPECT_THAT(spin.Call({}, limited),
                StatusIs(absl::StatusCode::kDeadlineExceeded,
                         HasSubstr("did not finish within its time limit")));
  }
  // The kept calls after it run with no limit, and succeed.
  EXPECT_THAT(add.Call({Value(5), Value(2)}), IsOkAndHolds(Value(7)));
  // Interrupt stops an unlimited repeat, and only the call it was made in.
  ASSERT_THAT(spin.Call({}, limited),
              StatusIs(absl::StatusCode::kDeadlineExceeded, ::testing::_));
  std::atomic<bool> stopped{false};
  std::thread interrupter([this, &stopped] {
    // Again until it took: one made before the call began stops nothing.
    while (!stopped.load()) {
      absl::SleepFor(absl::Milliseconds(50));
      host_->Interrupt();
    }
  });
  EXPECT_THAT(spin.Call({}),
              StatusIs(absl::StatusCode::kCancelled, ::testing::_));
  stopped.store(true);
  interrupter.join();
  EXPECT_THAT(add.Call({Value(1), Value(1)}), IsOkAndHolds(Value(2)));
  // A plain call made meanwhile on this thread finds no stop either.
  EXPECT_THAT(host_->Call("held", "add", {Value(2), Value(1)}),
              IsOkAndHolds(Value(3)));
}

// An Interrupt stops the calls running when it is made: not a held
// scope's next call, though the scope's lock stayed with this thread.
TEST_P(HeldFunctionTest, AnInterruptBetweenHeldCallsStopsNeither) {
  HeldFunction busy = Hold("held.busy");
  ASSERT_THAT(busy.Call({Value(10)}), IsOkAndHolds(Value(45)));
  host_->Interrupt();
  // Long enough for the interrupt's request to be handled during it.
  const int64_t n = 3'000'000;
  EXPECT_THAT(busy.Call({Value(n)}), IsOkAndHolds(Value(n * (n - 1) / 2)));
  EXPECT_THAT(busy.Call({Value(10)}), IsOkAndHolds(Value(45)));
}

// Interrupts made while held calls start and end, over and over: each
// call either finishes or is cancelled, and once they stop, no stop is
// left behind for the scope's next calls or a plain call (JavaScript: the
// kept frame drops a stop recorded as a call ended, and cancels the
// termination it received).
TEST_P(HeldFunctionTest, InterruptsRacingHeldCallsLeaveNoStopBehind) {
  HeldFunction busy = Hold("held.busy");
  std::atomic<bool> done{false};
  std::thread interrupter([this, &done] {
    while (!done.load()) {
      host_->Interrupt();
      std::this_thread::yield();
    }
  });
  // Python's stopper needs the GIL, which it gets only while a call runs
  // Python: longer calls.
  const bool python = GetParam() == Language::kPython;
  const int64_t n = python ? 20'000 : 100;
  // Until enough calls were cancelled (a loaded machine may run many
  // before the interrupter gets a turn), within a time cap.
  const int calls = python ? 300 : 2000;
  const absl::Time cap = absl::Now() + absl::Seconds(20);
  int cancelled = 0;
  for (int i = 0; (i < calls || cancelled < 20) && absl::Now() < cap; ++i) {
    absl::StatusOr<Value> result = busy.Call({Value(n)});
    if (result.ok()) {
      ASSERT_EQ(*result, Value(n * (n - 1) / 2));
    } else {
      ASSERT_THAT(result, StatusIs(absl::StatusCode::kCancelled, ::testing::_));
      ++cancelled;
    }
  }
  done.store(true);
  interrupter.join();
  EXPECT_GT(cancelled, 0) << "no call was interrupted: the test proved nothing";
  for (int i = 0; i < 100; ++i) {
    ASSERT_THAT(busy.Call({Value(10)}), IsOkAndHolds(Value(45)));
  }
  EXPECT_THAT(host_->Call("held", "busy", {Value(10)}),
              IsOkAndHolds(Value(45)));
}

// A held call's conversion failures are a plain call's: the same status,
// naming where in the value it failed, and the value budget (the plugin's
// memory allowance) applied to its result.
TEST_P(HeldFunctionTest, HeldCallsFailConversionsAsPlainCallsDo) {
  PluginSource source;
  source.module = "checker";
  source.implementations = {{Language::kPython, R"PY(
def odd():
    return [1, {"k": object()}]
def big():
    return list(range(2_000_000))
def ok():
    return [1, {"k": 2}]
)PY",
                             "checker.py"},
                            {Language::kJavaScript, R"JS(
export function odd() { return [1, {k: Symbol("s")}]; }
export function big() { return new Array(2e6).fill(1); }
export function ok() { return [1, {k: 2}]; }
)JS",
                             "checker.mjs"}};
  source.default_language = GetParam();
  source.limits.memory_mb = 64;
  ASSERT_OK(host_->LoadPlugin(source).status());
  for (const char* name : {"odd", "big"}) {
    SCOPED_TRACE(name);
    HeldFunction held = Hold(std::string("checker.") + name);
    for (int i = 0; i < 2; ++i) {
      absl::StatusOr<Value> plain = host_->Call("checker", name, {});
      ASSERT_FALSE(plain.ok());
      EXPECT_THAT(plain.status().message(), HasSubstr("result"));
      EXPECT_EQ(held.Call({}).status(), plain.status());
    }
  }
  HeldFunction ok = Hold("checker.ok");
  EXPECT_THAT(ok.Call({}), IsOkAndHolds(Value(Value::List{
                               Value(1), Value(ValueMap{{"k", Value(2)}})})));
}

// A held call that takes the isolate over its heap cap retires it: the
// scope's next calls (the kept isolate no longer the current one) run on a
// fresh isolate, with the module's state lost as for plain calls.
TEST_P(HeldFunctionTest, AHeldCallOverTheHeapCapLeavesTheNextToAFreshIsolate) {
  if (GetParam() != Language::kJavaScript) {
    GTEST_SKIP() << "the heap cap is JavaScript's";
  }
  PluginSource source;
  source.module = "bomber";
  source.implementations = {{Language::kJavaScript, R"JS(
let count = 0;
export function inc() { return ++count; }
export function bomb() {
  const a = [];
  while (true) a.push(new Array(1e6).fill(1));
}
)JS",
                             "bomber.mjs"}};
  source.limits.memory_mb = 64;
  ASSERT_OK(host_->LoadPlugin(source).status());
  HeldFunction inc = Hold("bomber.inc");
  HeldFunction bomb = Hold("bomber.bomb");
  EXPECT_THAT(inc.Call({}), IsOkAndHolds(Value(1)));
  EXPECT_THAT(inc.Call({}), IsOkAndHolds(Value(2)));
  EXPECT_THAT(bomb.Call({}), StatusIs(absl::StatusCode::kResourceExhausted,
                                      HasSubstr("heap limit of 64 MB")));
  for (int64_t expected = 1; expected <= 2; ++expected) {
    EXPECT_THAT(inc.Call({}), IsOkAndHolds(Value(expected)));
  }
  EXPECT_THAT(bomb.Call({}),
              StatusIs(absl::StatusCode::kResourceExhausted, ::testing::_));
  EXPECT_THAT(inc.Call({}), IsOkAndHolds(Value(1)));
}

TEST_P(HeldFunctionTest, HoldingInsideADuetCallIsRefused) {
  EXPECT_THAT(host_->Call("asker", "ask", {}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("inside a duet call")));
}

TEST_P(HeldFunctionTest, TheHostGoesWhileAScopeIsHeldOnThisThread) {
  HeldFunction add = Hold("held.add");
  EXPECT_THAT(add.Call({Value(1), Value(2)}), IsOkAndHolds(Value(3)));
  host_.reset();
  EXPECT_THAT(add.Call({Value(1), Value(2)}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("the host is gone")));
}

// A held call that interrupts the host from inside (its host call):
// the stop lands on the kept frame while it waits in the host call, stops
// it when it takes the lock back, and stays with that call only.
TEST_P(HeldFunctionTest, AStopMadeDuringAHeldCallsHostCallStaysThere) {
  ASSERT_OK(host_->RegisterFunction(
      "interrupt_me", [this](absl::Span<const Value>) -> absl::StatusOr<Value> {
        host_->Interrupt();
        return Value(1);
      }));
  ASSERT_NO_FATAL_FAILURE(LoadScript(
      "selfstop", GetParam(),
      "import duet\ndef go(n):\n    duet.host.interrupt_me()\n"
      "    total = 0\n    for i in range(n):\n        total += i\n"
      "    return total\ndef add(a, b):\n    return a + b\n",
      "import duet from 'duet';\nexport function go(n) {\n"
      "  duet.host.interrupt_me();\n  let total = 0;\n"
      "  for (let i = 0; i < n; ++i) total += i;\n  return total;\n}\n"
      "export function add(a, b) { return a + b; }\n"));
  HeldFunction go = Hold("selfstop.go");
  HeldFunction add = Hold("selfstop.add");
  for (int i = 0; i < 5; ++i) {
    EXPECT_THAT(go.Call({Value(int64_t{10'000'000})}),
                StatusIs(absl::StatusCode::kCancelled, ::testing::_));
    EXPECT_THAT(add.Call({Value(i), Value(1)}), IsOkAndHolds(Value(i + 1)));
    // Long enough to meet a leftover stop's interrupt request.
    EXPECT_THAT(add.Call({Value(i), Value(2)}), IsOkAndHolds(Value(i + 2)));
  }
  EXPECT_THAT(host_->Call("selfstop", "add", {Value(2), Value(1)}),
              IsOkAndHolds(Value(3)));
}

// Inside a held call, a nested plain call of the same module (through
// the host) hits its own time limit: only that nested entry stops; the held
// call goes on and ends well, and so do the next ones.
TEST_P(HeldFunctionTest, ANestedEntrysDeadlineStopsOnlyIt) {
  ASSERT_OK(host_->RegisterFunction(
      "spin_limited", [this](absl::Span<const Value>) -> absl::StatusOr<Value> {
        CallOptions limited;
        limited.timeout = absl::Milliseconds(50);
        absl::StatusOr<Value> result = host_->Call("nest", "spin", {}, limited);
        return Value(result.ok() ? std::string("ran")
                                 : std::string(result.status().message()));
      }));
  ASSERT_NO_FATAL_FAILURE(LoadScript(
      "nest", GetParam(),
      "import duet\ndef spin():\n    while True:\n        pass\n"
      "def outer(n):\n    said = duet.host.spin_limited()\n"
      "    total = 0\n    for i in range(n):\n        total += i\n"
      "    return [said, total]\n",
      "import duet from 'duet';\nexport function spin() { while (true) {} }\n"
      "export function outer(n) {\n  const said = duet.host.spin_limited();\n"
      "  let total = 0;\n  for (let i = 0; i < n; ++i) total += i;\n"
      "  return [said, total];\n}\n"));
  HeldFunction outer = Hold("nest.outer");
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<Value> result = outer.Call({Value(int64_t{200'000})});
    ASSERT_TRUE(result.ok()) << result.status();
    ASSERT_TRUE(result->is_list());
    EXPECT_THAT(result->as_list()[0].as_string(),
                HasSubstr("did not finish within its time limit"));
    EXPECT_EQ(result->as_list()[1], Value(int64_t{199'999} * 200'000 / 2));
  }
}

// An Interrupt while a held call awaits a Promise (the kept frame
// idle, the lock let go) ends that call, and only it.
TEST_P(HeldFunctionTest, AnInterruptWhileAHeldCallAwaitsEndsOnlyIt) {
  ASSERT_NO_FATAL_FAILURE(
      LoadScript("waiter", GetParam(),
                 "import asyncio\nasync def wait(ms):\n"
                 "    await asyncio.sleep(ms / 1000)\n    return 1\n",
                 "export async function wait(ms) {\n"
                 "  await new Promise((resolve) => setTimeout(resolve, ms));\n"
                 "  return 1;\n}\n"));
  HeldFunction wait = Hold("waiter.wait");
  for (int i = 0; i < 3; ++i) {
    std::atomic<bool> done{false};
    std::thread interrupter([this, &done] {
      while (!done.load()) {
        absl::SleepFor(absl::Milliseconds(100));
        host_->Interrupt();
      }
    });
    EXPECT_THAT(wait.Call({Value(int64_t{5000})}),
                StatusIs(absl::StatusCode::kCancelled, ::testing::_));
    done.store(true);
    interrupter.join();
    EXPECT_THAT(wait.Call({Value(int64_t{1})}), IsOkAndHolds(Value(1)));
  }
}

// Scopes made, used and ended on many short-lived threads at once
// (each waits for the others' kept lock; each exits with its thread state
// parked), with Interrupt() racing them: every call ends well or is
// cancelled, and afterwards nothing is left stopped.
TEST_P(HeldFunctionTest, ScopesOnShortLivedThreadsWithInterrupts) {
  std::atomic<bool> done{false};
  std::thread interrupter([this, &done] {
    while (!done.load()) {
      host_->Interrupt();
      absl::SleepFor(absl::Microseconds(200));
    }
  });
  std::atomic<int> wrong{0};
  std::atomic<int> cancelled{0};
  for (int round = 0; round < 10; ++round) {
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t) {
      threads.emplace_back([&, t] {
        {
          HeldFunction busy = Hold("held.busy");
          for (int i = 0; i < 30; ++i) {
            absl::StatusOr<Value> result = busy.Call({Value(int64_t{1000})});
            if (result.ok()) {
              if (*result != Value(int64_t{999 * 1000 / 2})) ++wrong;
            } else if (result.status().code() == absl::StatusCode::kCancelled) {
              ++cancelled;
            } else {
              ++wrong;
            }
          }
        }
        absl::StatusOr<Value> plain =
            host_->Call("held", "add", {Value(t), Value(1)});
        if (!plain.ok() &&
            plain.status().code() != absl::StatusCode::kCancelled)
          ++wrong;
      });
    }
    for (std::thread& thread : threads) thread.join();
  }
  done.store(true);
  interrupter.join();
  EXPECT_EQ(wrong.load(), 0);
  HeldFunction busy = Hold("held.busy");
  for (int i = 0; i < 20; ++i) {
    ASSERT_THAT(busy.Call({Value(10)}), IsOkAndHolds(Value(45)));
  }
  EXPECT_THAT(host_->Call("held", "add", {Value(2), Value(1)}),
              IsOkAndHolds(Value(3)));
}

// The host is destroyed on one thread while another keeps a scope between
// its calls: the destruction waits until that thread's next call, which
// returns kCancelled and lets the lock go; the scope then outlives the host.
TEST_P(HeldFunctionTest, TheHostGoesWhileAnotherThreadKeepsAScope) {
  std::atomic<int> step{0};
  absl::StatusOr<Value> after_close;
  absl::StatusOr<Value> after_gone;
  std::thread keeper([&] {
    HeldFunction add = Hold("held.add");
    EXPECT_THAT(add.Call({Value(1), Value(2)}), IsOkAndHolds(Value(3)));
    step = 1;
    while (step.load() != 2) std::this_thread::yield();
    absl::SleepFor(absl::Milliseconds(300));  // the destruction waits
    after_close = add.Call({Value(1), Value(2)});
    while (step.load() != 3) std::this_thread::yield();
    after_gone = add.Call({Value(1), Value(2)});
  });
  while (step.load() != 1) std::this_thread::yield();
  step = 2;
  host_.reset();
  step = 3;
  keeper.join();
  EXPECT_THAT(after_close,
              StatusIs(absl::StatusCode::kCancelled, ::testing::_));
  EXPECT_THAT(after_gone, StatusIs(absl::StatusCode::kFailedPrecondition,
                                   HasSubstr("the host is gone")));
}

INSTANTIATE_TEST_SUITE_P(Engines, HeldFunctionTest,
                         ::testing::Values(Language::kPython,
                                           Language::kJavaScript),
                         [](const auto& info) {
                           return std::string(LanguageName(info.param));
                         });

}  // namespace
}  // namespace duet
