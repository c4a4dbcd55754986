// duet::Function, the resolved handle from Host::Function, against the fake
// engines: it follows Use and Reload, fails as Host::Call does, takes
// CallOptions, runs on many threads, and outlives its host safely.

#include <atomic>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "duet/host.h"
#include "duet/runtime.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/fake_runtime.h"
#include "testing/stack_thread.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace duet {
namespace {

using ::duet::testing::FakeHeldLocks;
using ::duet::testing::FakeHeldLockThreadMismatches;
using ::duet::testing::FakeRuntimeFactory;
using ::duet::testing::IsOkAndHolds;
using ::duet::testing::StatusIs;
using ::duet::testing::TempDir;
using ::testing::HasSubstr;

constexpr char kGreeterToml[] = R"(name = "greeter"
default = "python"

[implementations]
python = "greeter.py"
javascript = "greeter.js"

[exports.greet]
params = ["string"]
returns = "string"
)";

class FunctionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    host_ = *CreateHostWithRuntimes(
        {}, {FakeRuntimeFactory(Language::kPython),
             FakeRuntimeFactory(Language::kJavaScript)});
    dir_.Write("greeter/plugin.toml", kGreeterToml);
    dir_.Write("greeter/greeter.py",
               "def greet: format Hello, {0}!\ndef which: language\n"
               "def count: count\ndef python_only: return 1\n");
    dir_.Write("greeter/greeter.js",
               "def greet: format Hello from JS, {0}!\ndef which: language\n"
               "def count: count\n");
    dir_.Write("slow.py", "def sleep: sleep 60000\ndef quick: sleep 1\n");
    ASSERT_OK(host_->LoadPlugins(dir_.path()));
  }
  void TearDown() override { testing::ClearFakeHooks(); }

  // Loads deep.again, which calls itself through the host until refused,
  // counting its calls in `hops`.
  void LoadSelfCallingPlugin(int* hops) {
    testing::SetFakeHook(
        "again",
        [this, hops](absl::Span<const Value>) -> absl::StatusOr<Value> {
          ++*hops;
          return host_->Call("deep", "again", {});
        });
    dir_.Write("deep.py", "def again: hook again\n");
    ASSERT_OK(host_->LoadPlugin(dir_.path() / "deep.py").status());
  }

  TempDir dir_;
  std::unique_ptr<Host> host_;
};

TEST_F(FunctionTest, ResolvesOnceAndRunsOnEveryCall) {
  ASSERT_OK_AND_ASSIGN(Function greet, host_->Function("greeter.greet"));
  EXPECT_EQ(greet.module(), "greeter");
  EXPECT_EQ(greet.function(), "greet");
  for (int i = 0; i < 100; ++i) {
    std::string name = absl::StrCat("n", i);
    ASSERT_THAT(greet.Call({Value(name)}),
                IsOkAndHolds(Value(absl::StrCat("Hello, ", name, "!"))));
  }
  // Each call runs the function: the count is the number of calls, and
  // copies (and the two-name form) call the same function.
  ASSERT_OK_AND_ASSIGN(Function count, host_->Function("greeter", "count"));
  Function copy = count;
  for (int i = 1; i <= 50; ++i) {
    ASSERT_THAT((i % 2 ? count : copy).Call({}), IsOkAndHolds(Value(i)));
  }
  EXPECT_THAT(host_->Call("greeter", "count", {}), IsOkAndHolds(Value(51)));
}

TEST_F(FunctionTest, ResolvingFailsAsHostCallDoesAndWithItsMessages) {
  for (auto [module, function] :
       std::vector<std::pair<std::string, std::string>>{{"nope", "greet"},
                                                        {"greeter", "nope"}}) {
    absl::Status called = host_->Call(module, function, {}).status();
    ASSERT_TRUE(absl::IsNotFound(called)) << called;
    EXPECT_EQ(host_->Function(module, function).status(), called);
    EXPECT_EQ(host_->Function(module + "." + function).status(), called);
  }
  EXPECT_THAT(host_->Function("greeter", "nope"),
              StatusIs(absl::StatusCode::kNotFound,
                       "module 'greeter' (python) has no function 'nope'; it "
                       "exports: count, greet, python_only, which"));
  EXPECT_THAT(host_->Function("greeter"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("is not MODULE.FUNCTION")));
  // A plugin that failed to load says why, as Host::Call does.
  dir_.Write("broken.py", "syntax error\n");
  // Loaded, to fail when it starts: on the first use, this one.
  ASSERT_OK(host_->LoadPlugin(dir_.path() / "broken.py").status());
  EXPECT_THAT(host_->Function("broken.f"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("module 'broken' failed to load")));
  // What the active implementation lacks is not found, even when another
  // implementation has it.
  ASSERT_OK(host_->Use("greeter", Language::kJavaScript));
  EXPECT_THAT(host_->Function("greeter.python_only"),
              StatusIs(absl::StatusCode::kNotFound,
                       "module 'greeter' (javascript) has no function "
                       "'python_only'; it exports: count, greet, which"));
}

TEST_F(FunctionTest, UseSwitchesTheNextCallOnTheHandle) {
  ASSERT_OK_AND_ASSIGN(Function which, host_->Function("greeter.which"));
  EXPECT_THAT(which.Call({}), IsOkAndHolds(Value("python")));
  ASSERT_OK(host_->Use("greeter", Language::kJavaScript));
  EXPECT_THAT(which.Call({}), IsOkAndHolds(Value("javascript")));
  ASSERT_OK(host_->Use("greeter", Language::kPython));
  EXPECT_THAT(which.Call({}), IsOkAndHolds(Value("python")));
}

TEST_F(FunctionTest, ReloadIsSeenByTheNextCallOnTheHandle) {
  ASSERT_OK_AND_ASSIGN(Function greet, host_->Function("greeter.greet"));
  EXPECT_THAT(greet.Call({"x"}), IsOkAndHolds(Value("Hello, x!")));
  // The new version has the function at another position among many: a
  // handle that kept the old version's position would call another one.
  std::string python = "def greet: format Hi again, {0}!\n";
  for (int i = 0; i < 20; ++i) {
    python += absl::StrCat("def f", i, ": return ", i, "\n");
  }
  dir_.Write("greeter/greeter.py", python);
  ASSERT_OK(host_->Reload("greeter"));
  EXPECT_THAT(greet.Call({"x"}), IsOkAndHolds(Value("Hi again, x!")));
  ASSERT_OK_AND_ASSIGN(Function f7, host_->Function("greeter.f7"));
  EXPECT_THAT(f7.Call({}), IsOkAndHolds(Value(7)));
  dir_.Write("greeter/greeter.py",
             "def greet: format Hi, {0}!\ndef f7: return \"seven\"\n");
  ASSERT_OK(host_->Reload("greeter"));
  EXPECT_THAT(f7.Call({}), IsOkAndHolds(Value("seven")));
}

TEST_F(FunctionTest, AFunctionGoneAfterReloadOrUseIsNotFoundUntilItIsBack) {
  ASSERT_OK_AND_ASSIGN(Function only, host_->Function("greeter.python_only"));
  EXPECT_THAT(only.Call({}), IsOkAndHolds(Value(1)));

  ASSERT_OK(host_->Use("greeter", Language::kJavaScript));
  absl::Status gone = only.Call({}).status();
  EXPECT_THAT(gone, StatusIs(absl::StatusCode::kNotFound,
                             HasSubstr("(javascript) has no function "
                                       "'python_only'")));
  EXPECT_EQ(gone, host_->Call("greeter.python_only", {}).status());
  ASSERT_OK(host_->Use("greeter", Language::kPython));
  EXPECT_THAT(only.Call({}), IsOkAndHolds(Value(1)));

  dir_.Write("greeter/greeter.py", "def greet: format Hi, {0}!\n");
  ASSERT_OK(host_->Reload("greeter"));
  EXPECT_THAT(only.Call({}),
              StatusIs(absl::StatusCode::kNotFound,
                       "module 'greeter' (python) has no function "
                       "'python_only'; it exports: greet"));
  dir_.Write("greeter/greeter.py",
             "def greet: format Hi, {0}!\ndef python_only: return 2\n");
  ASSERT_OK(host_->Reload("greeter"));
  EXPECT_THAT(only.Call({}), IsOkAndHolds(Value(2)));
}

TEST_F(FunctionTest, CallOptionsWorkThroughTheHandle) {
  ASSERT_OK_AND_ASSIGN(Function sleep, host_->Function("slow.sleep"));
  CallOptions options;
  options.timeout = absl::Milliseconds(30);
  EXPECT_THAT(sleep.Call({}, options),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       "slow.sleep (python) did not finish within its time "
                       "limit of 30ms"));
  ASSERT_OK_AND_ASSIGN(Function quick, host_->Function("slow.quick"));
  EXPECT_THAT(quick.Call({}, options), IsOkAndHolds(Value("slept")));

  ASSERT_OK_AND_ASSIGN(Function which, host_->Function("greeter.which"));
  CallOptions javascript;
  javascript.implementation = Language::kJavaScript;
  EXPECT_THAT(which.Call({}, javascript), IsOkAndHolds(Value("javascript")));
  EXPECT_THAT(which.Call({}), IsOkAndHolds(Value("python")));
  EXPECT_THAT(quick.Call({}, javascript),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "module 'slow' has no javascript implementation (it "
                       "has: python)"));
}

TEST_F(FunctionTest, DeclaredParamsAreCheckedThroughTheHandle) {
  ASSERT_OK_AND_ASSIGN(Function greet, host_->Function("greeter.greet"));
  EXPECT_THAT(greet.Call({}), StatusIs(absl::StatusCode::kInvalidArgument,
                                       "greeter.greet(string) takes 1 "
                                       "argument, got 0"));
}

TEST_F(FunctionTest, OneHandleAndItsCopiesCallFromFourThreadsAtOnce) {
  ASSERT_OK_AND_ASSIGN(Function which, host_->Function("greeter.which"));
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t) {
    // Half the threads share `which`, half use their own copy.
    callers.emplace_back([&, t, copy = which] {
      const Function& handle = t % 2 ? which : copy;
      for (int i = 0; i < 2000; ++i) {
        absl::StatusOr<Value> result = handle.Call({});
        if (!result.ok() || (result->as_string() != "python" &&
                             result->as_string() != "javascript")) {
          ++wrong;
        }
      }
    });
  }
  // Switches and reloads meanwhile: every call still lands somewhere valid.
  std::thread switcher([&] {
    for (int i = 0; !stop; ++i) {
      if (i % 50 == 0) {
        (void)host_->Reload("greeter");
      } else {
        (void)host_->Use("greeter",
                         i % 2 ? Language::kPython : Language::kJavaScript);
      }
    }
  });
  for (auto& caller : callers) caller.join();
  stop = true;
  switcher.join();
  EXPECT_EQ(wrong, 0);
}

TEST_F(FunctionTest, AnEmptyHandleSaysSo) {
  Function empty;
  EXPECT_THAT(empty.Call({}), StatusIs(absl::StatusCode::kFailedPrecondition,
                                       HasSubstr("duet::Function is empty")));
  EXPECT_EQ(empty.module(), "");
  ASSERT_OK_AND_ASSIGN(Function which, host_->Function("greeter.which"));
  Function moved = std::move(which);
  EXPECT_THAT(moved.Call({}), IsOkAndHolds(Value("python")));
}

TEST(FunctionLifetimeTest, AHandleOutlivingItsHostFailsCleanly) {
  auto host =
      *CreateHostWithRuntimes({}, {FakeRuntimeFactory(Language::kPython)});
  TempDir dir;
  dir.Write("solo.py", "def which: language\n");
  ASSERT_OK(host->LoadPlugins(dir.path()));
  ASSERT_OK_AND_ASSIGN(Function which, host->Function("solo.which"));
  EXPECT_THAT(which.Call({}), IsOkAndHolds(Value("python")));
  host.reset();
  Function copy = which;
  for (const Function& handle : {which, copy}) {
    EXPECT_THAT(handle.Call({}),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         "cannot call solo.which: the host is gone (this "
                         "duet::Function outlived it)"));
    EXPECT_EQ(handle.module(), "solo");
    EXPECT_EQ(handle.function(), "which");
  }
}

TEST(FunctionLifetimeTest, DestroyingTheHostStopsHandleCallsInFlight) {
  auto host =
      *CreateHostWithRuntimes({}, {FakeRuntimeFactory(Language::kPython)});
  TempDir dir;
  dir.Write("gate.py", "def wait: hook entered\n");
  dir.Write("sleeper.py", "def sleep: sleep 60000\n");
  absl::Notification entered;
  testing::SetFakeHook("entered",
                       [&](absl::Span<const Value>) -> absl::StatusOr<Value> {
                         entered.Notify();
                         return Value();
                       });
  ASSERT_OK(host->LoadPlugins(dir.path()));
  ASSERT_OK_AND_ASSIGN(Function wait, host->Function("gate.wait"));
  ASSERT_OK_AND_ASSIGN(Function sleep, host->Function("sleeper.sleep"));
  absl::StatusOr<Value> result;
  std::thread caller([&] {
    (void)wait.Call({});
    result = sleep.Call({});
  });
  entered.WaitForNotification();
  host.reset();  // must return although the call would run for a minute
  caller.join();
  // Stopped in flight (kCancelled), or refused had it not started yet, as
  // the host was going (kCancelled) or gone (kFailedPrecondition).
  EXPECT_TRUE(absl::IsCancelled(result.status()) ||
              absl::IsFailedPrecondition(result.status()))
      << result.status();
  testing::ClearFakeHooks();
}

// ---- Host::Call by names -------------------------------------------------
// Host::Call remembers, per thread, the module its last few name pairs went
// to and where the function was in that module's state: what it remembers
// must never outlive a Use, a Reload, a new plugin, a failure or its host.

TEST_F(FunctionTest, RepeatedCallsByNameFollowUseAndReload) {
  EXPECT_THAT(host_->Call("greeter", "which", {}),
              IsOkAndHolds(Value("python")));
  ASSERT_OK(host_->Use("greeter", Language::kJavaScript));
  EXPECT_THAT(host_->Call("greeter", "which", {}),
              IsOkAndHolds(Value("javascript")));
  EXPECT_THAT(host_->Call("greeter", "python_only", {}),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("(javascript) has no function")));
  ASSERT_OK(host_->Use("greeter", Language::kPython));
  EXPECT_THAT(host_->Call("greeter", "python_only", {}),
              IsOkAndHolds(Value(1)));
  // The function at another position among many after the Reload: a call
  // that kept the old position would run another function.
  EXPECT_THAT(host_->Call("greeter", "greet", {"x"}),
              IsOkAndHolds(Value("Hello, x!")));
  std::string python = "def greet: format Hi again, {0}!\n";
  for (int i = 0; i < 20; ++i) {
    python += absl::StrCat("def f", i, ": return ", i, "\n");
  }
  dir_.Write("greeter/greeter.py", python);
  ASSERT_OK(host_->Reload("greeter"));
  EXPECT_THAT(host_->Call("greeter", "greet", {"x"}),
              IsOkAndHolds(Value("Hi again, x!")));
  EXPECT_THAT(host_->Call("greeter", "f7", {}), IsOkAndHolds(Value(7)));
  EXPECT_THAT(host_->Call("greeter", "f19", {}), IsOkAndHolds(Value(19)));
  dir_.Write("greeter/greeter.py",
             "def greet: format Hi, {0}!\ndef f7: return \"seven\"\n");
  ASSERT_OK(host_->Reload("greeter"));
  EXPECT_THAT(host_->Call("greeter", "f7", {}), IsOkAndHolds(Value("seven")));
  EXPECT_THAT(host_->Call("greeter", "f19", {}),
              StatusIs(absl::StatusCode::kNotFound,
                       "module 'greeter' (python) has no function 'f19'; "
                       "it exports: f7, greet"));
}

TEST_F(FunctionTest, RepeatedCallsByNameSeePluginsLoadedAndFailedMeanwhile) {
  for (int i = 0; i < 2; ++i) {
    EXPECT_THAT(host_->Call("late", "which", {}),
                StatusIs(absl::StatusCode::kNotFound,
                         HasSubstr("no module named 'late'")));
  }
  TempDir more;
  more.Write("late.py", "def which: language\n");
  more.Write("broken.py", "syntax error\n");
  ASSERT_OK(host_->LoadPlugins(more.path()));
  EXPECT_THAT(host_->Call("late", "which", {}), IsOkAndHolds(Value("python")));
  // A module that fails when it starts fails the same way on every call.
  absl::Status failed = host_->Call("broken", "f", {}).status();
  EXPECT_THAT(failed, StatusIs(absl::StatusCode::kNotFound,
                               HasSubstr("module 'broken' failed to load")));
  EXPECT_EQ(host_->Call("broken", "f", {}).status(), failed);
  // More name pairs than are remembered, in turns: each still goes to its
  // own function.
  for (int round = 0; round < 3; ++round) {
    EXPECT_THAT(host_->Call("greeter", "which", {}),
                IsOkAndHolds(Value("python")));
    EXPECT_THAT(host_->Call("greeter", "greet", {"y"}),
                IsOkAndHolds(Value("Hello, y!")));
    EXPECT_THAT(host_->Call("late", "which", {}),
                IsOkAndHolds(Value("python")));
    EXPECT_THAT(host_->Call("greeter", "python_only", {}),
                IsOkAndHolds(Value(1)));
    EXPECT_THAT(
        host_->Call("greeter", "nope", {}),
        StatusIs(absl::StatusCode::kNotFound, HasSubstr("no function")));
    EXPECT_THAT(host_->Call("greeter.count", {}),
                IsOkAndHolds(Value(round + 1)));
  }
}

TEST_F(FunctionTest, RepeatedCallsByNameNeverReachAnotherHost) {
  // Hosts made one after another may reuse each other's memory; the same
  // names must still reach each host's own module.
  for (int i = 0; i < 3; ++i) {
    auto other =
        *CreateHostWithRuntimes({}, {FakeRuntimeFactory(Language::kPython)});
    TempDir dir;
    dir.Write("greeter.py", absl::StrCat("def which: return ", i, "\n"));
    ASSERT_OK(other->LoadPlugins(dir.path()));
    EXPECT_THAT(other->Call("greeter", "which", {}), IsOkAndHolds(Value(i)));
    EXPECT_THAT(host_->Call("greeter", "which", {}),
                IsOkAndHolds(Value("python")));
    EXPECT_THAT(other->Call("greeter", "which", {}), IsOkAndHolds(Value(i)));
  }
}

TEST_F(FunctionTest, NestedCallsByNameOnOneThreadReachTheirOwnFunctions) {
  // A module calling others by name, on the thread of the call that runs
  // it: each level resolves its own names, more levels than are
  // remembered.
  TempDir more;
  more.Write("n1.py", "def go: call n2.go\ndef which: return 1\n");
  more.Write("n2.py", "def go: call n3.go\ndef which: return 2\n");
  more.Write("n3.py", "def go: call n4.go\ndef which: return 3\n");
  more.Write("n4.py", "def go: call n5.go\ndef which: return 4\n");
  more.Write("n5.py", "def go: call greeter.which\n");
  ASSERT_OK(host_->LoadPlugins(more.path()));
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(host_->Call("n1", "go", {}), IsOkAndHolds(Value("python")));
    EXPECT_THAT(host_->Call("n3", "which", {}), IsOkAndHolds(Value(3)));
  }
}

// ---- HeldFunction (Function::Hold) ------------------------------------------

TEST_F(FunctionTest, AHeldScopeReturnsWhatPlainCallsReturnAndKeepsOneLock) {
  ASSERT_OK_AND_ASSIGN(Function greet, host_->Function("greeter.greet"));
  ASSERT_OK_AND_ASSIGN(Function count, host_->Function("greeter.count"));
  {
    ASSERT_OK_AND_ASSIGN(HeldFunction held, greet.Hold());
    EXPECT_EQ(held.module(), "greeter");
    EXPECT_EQ(held.function(), "greet");
    EXPECT_EQ(FakeHeldLocks(), 1);  // taken by Hold, before any call
    for (int i = 0; i < 20; ++i) {
      std::string name = absl::StrCat("n", i);
      ASSERT_THAT(held.Call({Value(name)}),
                  IsOkAndHolds(*greet.Call({Value(name)})));
    }
    EXPECT_EQ(FakeHeldLocks(), 1);  // kept, not taken per call
    // Errors are those of a plain call.
    EXPECT_THAT(held.Call({Value(1)}),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("args[0] must be")));
    // Other functions and modules are called as usual meanwhile.
    ASSERT_OK_AND_ASSIGN(HeldFunction counting, count.Hold());
    EXPECT_THAT(counting.Call({}), IsOkAndHolds(Value(1)));
    EXPECT_THAT(count.Call({}), IsOkAndHolds(Value(2)));
    EXPECT_THAT(host_->Call("slow", "quick", {}), IsOkAndHolds(Value("slept")));
  }
  EXPECT_EQ(FakeHeldLocks(), 0);
  EXPECT_EQ(FakeHeldLockThreadMismatches(), 0);
}

TEST_F(FunctionTest, AHeldScopeRefusesOtherThreadsAndStaysUsableOnItsOwn) {
  ASSERT_OK_AND_ASSIGN(Function greet, host_->Function("greeter.greet"));
  ASSERT_OK_AND_ASSIGN(HeldFunction held, greet.Hold());
  absl::StatusOr<Value> elsewhere;
  std::thread other([&] { elsewhere = held.Call({"x"}); });
  other.join();
  EXPECT_THAT(elsewhere, StatusIs(absl::StatusCode::kFailedPrecondition,
                                  HasSubstr("made on another thread")));
  EXPECT_THAT(held.Call({"x"}), IsOkAndHolds(Value("Hello, x!")));
  // Moved, it is the same scope; the moved-from one is empty.
  HeldFunction moved = std::move(held);
  EXPECT_THAT(moved.Call({"y"}), IsOkAndHolds(Value("Hello, y!")));
  EXPECT_THAT(
      held.Call({"y"}),  // NOLINT(bugprone-use-after-move)
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("empty")));
  EXPECT_THAT(HeldFunction().Call({}),
              StatusIs(absl::StatusCode::kFailedPrecondition, ::testing::_));
  EXPECT_THAT(Function().Hold(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                          HasSubstr("empty")));
}

TEST_F(FunctionTest, AHeldScopeFollowsUseAndReloadAndKeepsOnlyTheNewLock) {
  ASSERT_OK_AND_ASSIGN(Function which, host_->Function("greeter.which"));
  ASSERT_OK_AND_ASSIGN(HeldFunction held, which.Hold());
  EXPECT_THAT(held.Call({}), IsOkAndHolds(Value("python")));
  ASSERT_OK(host_->Use("greeter", Language::kJavaScript));
  EXPECT_THAT(held.Call({}), IsOkAndHolds(Value("javascript")));
  EXPECT_EQ(FakeHeldLocks(), 1);  // the Python lock went as the JS one came
  dir_.Write("greeter/greeter.js",
             "def greet: format Hi, {0}!\ndef which: return \"reloaded\"\n");
  ASSERT_OK(host_->Reload("greeter"));
  EXPECT_THAT(held.Call({}), IsOkAndHolds(Value("reloaded")));
  EXPECT_EQ(FakeHeldLocks(), 1);
}

TEST_F(FunctionTest, DeadlinesAndInterruptStopCallsInsideAHeldScope) {
  ASSERT_OK_AND_ASSIGN(Function sleep, host_->Function("slow.sleep"));
  ASSERT_OK_AND_ASSIGN(HeldFunction held, sleep.Hold());
  CallOptions options;
  options.timeout = absl::Milliseconds(30);
  EXPECT_THAT(held.Call({}, options),
              StatusIs(absl::StatusCode::kDeadlineExceeded, ::testing::_));
  std::atomic<bool> done{false};
  std::thread interrupter([&] {
    while (!done.load()) {
      host_->Interrupt();
      absl::SleepFor(absl::Milliseconds(5));
    }
  });
  EXPECT_THAT(held.Call({}),
              StatusIs(absl::StatusCode::kCancelled, ::testing::_));
  done.store(true);
  interrupter.join();
  // The scope goes on after a stop.
  ASSERT_OK_AND_ASSIGN(Function quick, host_->Function("slow.quick"));
  ASSERT_OK_AND_ASSIGN(HeldFunction quickly, quick.Hold());
  EXPECT_THAT(quickly.Call({}), IsOkAndHolds(Value("slept")));
}

// A held scope's calls after its first reuse what that one resolved; each
// is still checked and limited as the first was.
TEST_F(FunctionTest, RepeatedHeldCallsKeepTheirDeadlineAndNestingLimit) {
  ASSERT_OK_AND_ASSIGN(Function sleep, host_->Function("slow.sleep"));
  ASSERT_OK_AND_ASSIGN(HeldFunction held_sleep, sleep.Hold());
  CallOptions options;
  options.timeout = absl::Milliseconds(30);
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(held_sleep.Call({}, options),
                StatusIs(absl::StatusCode::kDeadlineExceeded,
                         "slow.sleep (python) did not finish within its time "
                         "limit of 30ms"));
  }

  // Each call counts towards the limit of 200 nested calls: the held call
  // is the first of them.
  int hops = 0;
  ASSERT_NO_FATAL_FAILURE(LoadSelfCallingPlugin(&hops));
  ASSERT_OK_AND_ASSIGN(Function again, host_->Function("deep.again"));
  ASSERT_OK_AND_ASSIGN(HeldFunction held_again, again.Hold());
  for (int i = 0; i < 3; ++i) {
    hops = 0;
    EXPECT_THAT(held_again.Call({}),
                StatusIs(absl::StatusCode::kResourceExhausted,
                         HasSubstr("would nest 201 module calls deep")));
    EXPECT_EQ(hops, 200);
  }
}

// The nesting limit's other half: a nested call is refused while less than
// 1 MB of its thread's stack is left, long before 200 calls deep on a small
// stack; again on the same thread (which remembers where that is), and the
// thread's next call at the top runs.
TEST_F(FunctionTest, NestedCallsStopBeforeTheThreadsStackRunsOut) {
  int hops = 0;
  ASSERT_NO_FATAL_FAILURE(LoadSelfCallingPlugin(&hops));
  std::vector<int> hops_seen;
  testing::RunOnThreadWithStack(size_t{1280} << 10, [&] {
    for (int i = 0; i < 2; ++i) {
      hops = 0;
      EXPECT_THAT(host_->Call("deep", "again", {}),
                  StatusIs(absl::StatusCode::kResourceExhausted,
                           HasSubstr("nested module calls would overflow "
                                     "this thread's stack")));
      hops_seen.push_back(hops);
    }
    EXPECT_THAT(host_->Call("greeter", "which", {}),
                IsOkAndHolds(Value("python")));
  });
  ASSERT_EQ(hops_seen.size(), 2u);
  EXPECT_GT(hops_seen[0], 1);
  EXPECT_LT(hops_seen[0], 200);
  EXPECT_EQ(hops_seen[1], hops_seen[0]);
}

TEST_F(FunctionTest, HeldCallsFollowTheLanguageAskedForAndStartedMeanwhile) {
  ASSERT_OK_AND_ASSIGN(Function which, host_->Function("greeter.which"));
  ASSERT_OK_AND_ASSIGN(HeldFunction held, which.Hold());
  EXPECT_THAT(held.Call({}), IsOkAndHolds(Value("python")));
  EXPECT_THAT(held.Call({}), IsOkAndHolds(Value("python")));
  // Another caller starts the JavaScript implementation: a new state of
  // the module, sharing the Python one this scope keeps the lock of.
  CallOptions javascript;
  javascript.implementation = Language::kJavaScript;
  EXPECT_THAT(which.Call({}, javascript), IsOkAndHolds(Value("javascript")));
  EXPECT_THAT(held.Call({}), IsOkAndHolds(Value("python")));
  EXPECT_THAT(held.Call({}), IsOkAndHolds(Value("python")));
  EXPECT_EQ(FakeHeldLocks(), 1);
  // Options name a language per call; the next call without them goes
  // back to the active one.
  EXPECT_THAT(held.Call({}, javascript), IsOkAndHolds(Value("javascript")));
  EXPECT_THAT(held.Call({}), IsOkAndHolds(Value("python")));
  EXPECT_THAT(held.Call({}, javascript), IsOkAndHolds(Value("javascript")));
  EXPECT_THAT(held.Call({}, javascript), IsOkAndHolds(Value("javascript")));
  EXPECT_EQ(FakeHeldLocks(), 1);
  // Use between two calls is seen by the second, then Use back.
  ASSERT_OK(host_->Use("greeter", Language::kJavaScript));
  EXPECT_THAT(held.Call({}), IsOkAndHolds(Value("javascript")));
  ASSERT_OK(host_->Use("greeter", Language::kPython));
  EXPECT_THAT(held.Call({}), IsOkAndHolds(Value("python")));
  EXPECT_EQ(FakeHeldLocks(), 1);
  EXPECT_EQ(FakeHeldLockThreadMismatches(), 0);
}

TEST_F(FunctionTest, NestedHeldScopesMayEndInAnyOrder) {
  ASSERT_OK_AND_ASSIGN(Function greet, host_->Function("greeter.greet"));
  ASSERT_OK_AND_ASSIGN(Function quick, host_->Function("slow.quick"));
  auto outer = std::make_unique<HeldFunction>(*greet.Hold());
  auto inner = std::make_unique<HeldFunction>(*quick.Hold());
  EXPECT_EQ(FakeHeldLocks(), 2);
  outer.reset();  // not the innermost: its lock waits for the inner one
  EXPECT_EQ(FakeHeldLocks(), 2);
  EXPECT_THAT(inner->Call({}), IsOkAndHolds(Value("slept")));
  inner.reset();
  EXPECT_EQ(FakeHeldLocks(), 0);
  EXPECT_EQ(FakeHeldLockThreadMismatches(), 0);
}

TEST_F(FunctionTest, AHeldScopeDestroyedOnAnotherThreadLetsGoOnItsOwn) {
  ASSERT_OK_AND_ASSIGN(Function greet, host_->Function("greeter.greet"));
  auto held = std::make_unique<HeldFunction>(*greet.Hold());
  std::thread([&] { held.reset(); }).join();
  EXPECT_EQ(FakeHeldLocks(), 1);  // only its thread can let it go...
  ASSERT_OK_AND_ASSIGN(HeldFunction next, greet.Hold());  // ...which it does
  EXPECT_EQ(FakeHeldLocks(), 1);
  EXPECT_EQ(FakeHeldLockThreadMismatches(), 0);
}

TEST_F(FunctionTest, AThreadThatEndsLetsGoOfTheLocksItKept) {
  ASSERT_OK_AND_ASSIGN(Function greet, host_->Function("greeter.greet"));
  HeldFunction outlived;
  std::thread([&] {
    absl::StatusOr<HeldFunction> held = greet.Hold();
    ASSERT_OK(held.status());
    EXPECT_EQ(FakeHeldLocks(), 1);
    outlived = *std::move(held);
  }).join();
  EXPECT_EQ(FakeHeldLocks(), 0);
  EXPECT_EQ(FakeHeldLockThreadMismatches(), 0);
  EXPECT_THAT(outlived.Call({"x"}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("made on another thread")));
}

TEST_F(FunctionTest, AModuleWithStateHooksKeepsNoLock) {
  TempDir dir;
  dir.Write("keeper/plugin.toml", R"(name = "keeper"
[implementations]
python = "keeper.py"
javascript = "keeper.js"
[state]
snapshot = "save"
restore = "load"
)");
  dir.Write("keeper/keeper.py",
            "def which: language\ndef save: return 1\ndef load: return 0\n");
  dir.Write("keeper/keeper.js",
            "def which: language\ndef save: return 1\ndef load: return 0\n");
  ASSERT_OK(host_->LoadPlugins(dir.path()));
  ASSERT_OK_AND_ASSIGN(Function which, host_->Function("keeper.which"));
  ASSERT_OK_AND_ASSIGN(HeldFunction held, which.Hold());
  EXPECT_THAT(held.Call({}), IsOkAndHolds(Value("python")));
  EXPECT_EQ(FakeHeldLocks(), 0);
  ASSERT_OK(host_->Use("keeper", Language::kJavaScript));
  EXPECT_THAT(held.Call({}), IsOkAndHolds(Value("javascript")));
  EXPECT_EQ(FakeHeldLocks(), 0);
}

TEST_F(FunctionTest, DestroyingTheHostLetsGoOfThisThreadsHeldScopes) {
  ASSERT_OK_AND_ASSIGN(Function greet, host_->Function("greeter.greet"));
  ASSERT_OK_AND_ASSIGN(HeldFunction held, greet.Hold());
  host_.reset();
  EXPECT_EQ(FakeHeldLocks(), 0);
  EXPECT_THAT(held.Call({"x"}), StatusIs(absl::StatusCode::kFailedPrecondition,
                                         HasSubstr("the host is gone")));
  EXPECT_THAT(greet.Hold(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                     HasSubstr("the host is gone")));
}

TEST_F(FunctionTest, DestroyingTheHostWaitsForHeldScopesOnOtherThreads) {
  ASSERT_OK_AND_ASSIGN(Function greet, host_->Function("greeter.greet"));
  ASSERT_OK_AND_ASSIGN(HeldFunction held, greet.Hold());
  std::atomic<bool> destroyed{false};
  std::thread destroyer([&] {
    host_.reset();
    destroyed.store(true);
  });
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_FALSE(destroyed.load());  // it waits for this thread's lock
  // The next call finds the host closing and lets the lock go.
  absl::StatusOr<Value> refused = held.Call({"x"});
  EXPECT_TRUE(absl::IsCancelled(refused.status()) ||
              absl::IsFailedPrecondition(refused.status()))
      << refused.status();
  destroyer.join();
  EXPECT_TRUE(destroyed.load());
  EXPECT_EQ(FakeHeldLocks(), 0);
  EXPECT_EQ(FakeHeldLockThreadMismatches(), 0);
}

}  // namespace
}  // namespace duet
