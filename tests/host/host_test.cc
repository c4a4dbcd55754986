#include "duet/host.h"

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "duet/internal/identifier.h"
#include "duet/runtime.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/fake_runtime.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace duet {
namespace {

using ::duet::testing::FakeRuntimeFactory;
using ::duet::testing::IsOkAndHolds;
using ::duet::testing::StatusIs;
using ::duet::testing::TempDir;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kGreeterToml[] = R"(name = "greeter"
version = "1.2.3"
description = "Greets"
default = "python"

[implementations]
python = "greeter.py"
javascript = "greeter.js"

[exports.greet]
params = ["string"]
returns = "string"
)";

struct LogLine {
  LogLevel level;
  std::string source;
  std::string message;
};

class HostTest : public ::testing::Test {
 protected:
  void SetUp() override { MakeHost(StartMode::kOnFirstUse); }
  // Replaces host_ (before the test loads anything).
  void MakeHost(StartMode start_mode) {
    HostOptions options;
    options.log_sink = [this](LogLevel level, std::string_view source,
                              std::string_view message) {
      absl::MutexLock lock(&log_mutex_);
      logs_.push_back({level, std::string(source), std::string(message)});
    };
    options.start_mode = start_mode;
    host_ = *CreateHostWithRuntimes(
        std::move(options), {FakeRuntimeFactory(Language::kPython),
                             FakeRuntimeFactory(Language::kJavaScript)});
  }
  void TearDown() override { testing::ClearFakeHooks(); }

  void WriteGreeter(const TempDir& dir, const std::string& folder = "greeter") {
    dir.Write(folder + "/plugin.toml", kGreeterToml);
    dir.Write(folder + "/greeter.py",
              "def greet: format Hello, {0}!\ndef which: language\n"
              "def count: count\n");
    dir.Write(folder + "/greeter.js",
              "def greet: format Hello from JS, {0}!\ndef which: language\n"
              "def count: count\n");
  }

  std::vector<LogLine> logs() {
    absl::MutexLock lock(&log_mutex_);
    return logs_;
  }

  std::unique_ptr<Host> host_;
  absl::Mutex log_mutex_;
  std::vector<LogLine> logs_;
};

TEST_F(HostTest, LoadsDirectoryAndSingleFilePlugins) {
  TempDir dir;
  WriteGreeter(dir);
  dir.Write("hello.py", "def hi: return \"hi\"\n");
  dir.Write("shout.js", "def up: return \"UP\"\n");
  dir.Write("README.md", "not a plugin");
  dir.Write("helpers/util.py", "not a plugin: no plugin.toml here");
  dir.Write("_private.py", "def x: return 1\n");
  ASSERT_OK_AND_ASSIGN(LoadReport report, host_->LoadPlugins(dir.path()));
  EXPECT_THAT(report.loaded, ElementsAre("greeter", "hello", "shout"));
  EXPECT_THAT(report.problems, IsEmpty());
  // Nothing started yet (lazy_start_test.cc); their exports are known once
  // they have.
  EXPECT_FALSE(host_->ListModules()[0].implementations[0].started);
  EXPECT_THAT(host_->StartAll(), IsEmpty());

  std::vector<ModuleInfo> modules = host_->ListModules();
  ASSERT_EQ(modules.size(), 3u);
  const ModuleInfo& greeter = modules[0];
  EXPECT_EQ(greeter.name, "greeter");
  EXPECT_EQ(greeter.version, "1.2.3");
  EXPECT_EQ(greeter.description, "Greets");
  EXPECT_EQ(greeter.active, Language::kPython);
  ASSERT_EQ(greeter.implementations.size(), 2u);
  EXPECT_EQ(greeter.implementations[0].language, Language::kPython);
  EXPECT_THAT(greeter.implementations[0].exports,
              ElementsAre("count", "greet", "which"));
  EXPECT_EQ(greeter.implementations[1].file.filename(), "greeter.js");
  ASSERT_TRUE(greeter.manifest.has_value());
  EXPECT_EQ(modules[1].active, Language::kPython);
  EXPECT_EQ(modules[2].active, Language::kJavaScript);
  EXPECT_FALSE(modules[2].manifest.has_value());

  EXPECT_EQ(*host_->Call("greeter", "greet", {"world"}),
            Value("Hello, world!"));
  EXPECT_EQ(*host_->Call("greeter.greet", {"you"}), Value("Hello, you!"));
  EXPECT_EQ(*host_->Call("shout", "up", {}), Value("UP"));
}

TEST_F(HostTest, UseSwitchesTheNextCall) {
  TempDir dir;
  WriteGreeter(dir);
  ASSERT_OK(host_->LoadPlugins(dir.path()));
  EXPECT_EQ(*host_->Call("greeter", "which", {}), Value("python"));
  ASSERT_OK(host_->Use("greeter", Language::kJavaScript));
  EXPECT_EQ(*host_->Call("greeter", "which", {}), Value("javascript"));
  EXPECT_EQ(*host_->Call("greeter", "greet", {"x"}),
            Value("Hello from JS, x!"));
  EXPECT_EQ(host_->GetModule("greeter")->active, Language::kJavaScript);
}

TEST_F(HostTest, EachImplementationKeepsItsOwnState) {
  TempDir dir;
  WriteGreeter(dir);
  ASSERT_OK(host_->LoadPlugins(dir.path()));
  EXPECT_EQ(*host_->Call("greeter", "count", {}), Value(1));
  EXPECT_EQ(*host_->Call("greeter", "count", {}), Value(2));
  ASSERT_OK(host_->Use("greeter", Language::kJavaScript));
  EXPECT_EQ(*host_->Call("greeter", "count", {}), Value(1));
  ASSERT_OK(host_->Use("greeter", Language::kPython));
  EXPECT_EQ(*host_->Call("greeter", "count", {}), Value(3));
}

TEST_F(HostTest, SwitchingToAMissingLanguageKeepsTheActiveOne) {
  TempDir dir;
  dir.Write("hello.py", "def which: language\n");
  ASSERT_OK(host_->LoadPlugins(dir.path()));
  EXPECT_THAT(host_->Use("hello", Language::kJavaScript),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("module 'hello' has no javascript "
                                 "implementation (it has: python)")));
  EXPECT_EQ(*host_->Call("hello", "which", {}), Value("python"));
  EXPECT_THAT(host_->Use("nope", Language::kPython),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("'nope'")));
}

TEST_F(HostTest, CallInFlightFinishesWhereItStarted) {
  TempDir dir;
  dir.Write("slow/plugin.toml",
            "name = \"slow\"\n[implementations]\npython = \"s.py\"\n"
            "javascript = \"s.js\"\n");
  dir.Write("slow/s.py", "def run: hook slow\ndef which: language\n");
  dir.Write("slow/s.js", "def run: language\ndef which: language\n");
  absl::Notification entered, release;
  testing::SetFakeHook("slow",
                       [&](absl::Span<const Value>) -> absl::StatusOr<Value> {
                         entered.Notify();
                         release.WaitForNotification();
                         return Value("python finished");
                       });
  ASSERT_OK(host_->LoadPlugins(dir.path()));
  absl::StatusOr<Value> in_flight;
  std::thread caller([&] { in_flight = host_->Call("slow", "run", {}); });
  entered.WaitForNotification();
  ASSERT_OK(host_->Use("slow", Language::kJavaScript));
  EXPECT_EQ(*host_->Call("slow", "which", {}), Value("javascript"));
  release.Notify();
  caller.join();
  EXPECT_EQ(*in_flight, Value("python finished"));
}

TEST_F(HostTest, UnknownModuleAndFunctionAreNotFound) {
  TempDir dir;
  WriteGreeter(dir);
  ASSERT_OK(host_->LoadPlugins(dir.path()));
  EXPECT_THAT(host_->Call("nope", "f", {}),
              StatusIs(absl::StatusCode::kNotFound,
                       "no module named 'nope' (loaded: greeter)"));
  EXPECT_THAT(host_->Call("greeter", "nope", {}),
              StatusIs(absl::StatusCode::kNotFound,
                       "module 'greeter' (python) has no function 'nope'; it "
                       "exports: count, greet, which"));
  EXPECT_THAT(host_->Call("greeter", {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("is not MODULE.FUNCTION")));
  // CallOptions::implementation reaches the inactive implementation.
  CallOptions javascript;
  javascript.implementation = Language::kJavaScript;
  absl::StatusOr<Value> which = host_->Call("greeter", "which", {}, javascript);
  ASSERT_TRUE(which.ok()) << which.status();
  EXPECT_EQ(*which, Value("javascript"));
}

TEST_F(HostTest, DeclaredParamsAndReturnsAreChecked) {
  TempDir dir;
  WriteGreeter(dir);
  dir.Write("greeter/greeter.js",
            "def greet: return 42\ndef which: language\ndef count: count\n");
  ASSERT_OK(host_->LoadPlugins(dir.path()));
  EXPECT_THAT(host_->Call("greeter", "greet", {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "greeter.greet(string) takes 1 argument, got 0"));
  EXPECT_THAT(host_->Call("greeter", "greet", {7}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "greeter.greet(string): args[0] must be string, got "
                       "int 7"));
  CallOptions javascript;
  javascript.implementation = Language::kJavaScript;
  EXPECT_THAT(host_->Call("greeter", "greet", {"x"}, javascript),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "greeter.greet (javascript) returned int where "
                       "plugin.toml declares string: 42"));
}

TEST_F(HostTest, OneBrokenPluginDoesNotStopTheOthers) {
  // Every problem at load, scripts' too (for the lazy default see
  // lazy_start_test.cc).
  MakeHost(StartMode::kAtLoad);
  TempDir dir;
  WriteGreeter(dir);
  dir.Write("bad_toml/plugin.toml", "name = \"bad\"\nversion = \n");
  dir.Write("missing_file/plugin.toml",
            "name = \"missing\"\n[implementations]\npython = \"gone.py\"\n");
  dir.Write("missing_export/plugin.toml",
            "name = \"partial\"\n[implementations]\npython = \"p.py\"\n"
            "javascript = \"p.js\"\n[exports.f]\n[exports.g]\n");
  dir.Write("missing_export/p.py", "def f: return 1\ndef g: return 2\n");
  dir.Write("missing_export/p.js", "def f: return 1\n");
  dir.Write("raises.py", "raise RuntimeError boom at import\n");
  dir.Write("syntax.js", "\nsyntax error\n");
  ASSERT_OK_AND_ASSIGN(LoadReport report, host_->LoadPlugins(dir.path()));
  EXPECT_THAT(report.loaded, ElementsAre("greeter"));
  ASSERT_EQ(report.problems.size(), 5u);
  auto problem = [&](size_t i) {
    return std::string(report.problems[i].status.message());
  };
  EXPECT_THAT(problem(0), AllOf(HasSubstr("bad_toml/plugin.toml:2:"),
                                HasSubstr("malformed TOML")));
  EXPECT_THAT(problem(1), HasSubstr("missing_export/plugin.toml:6: declared "
                                    "export 'g' is missing from p.js "
                                    "(javascript)"));
  EXPECT_THAT(problem(2),
              AllOf(HasSubstr("missing_file/plugin.toml:3: the python "
                              "implementation 'gone.py' does not exist")));
  // An exception at import names where it was raised.
  EXPECT_THAT(problem(3),
              HasSubstr("raises.py:1: RuntimeError: boom at import"));
  EXPECT_TRUE(GetScriptError(report.problems[3].status).has_value());
  EXPECT_THAT(problem(4), HasSubstr("syntax.js:2: SyntaxError"));
  // Calling a module whose plugin failed says why and where, not just "no
  // module".
  EXPECT_THAT(host_->Call("partial", "f", {}),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("module 'partial' failed to load: ")));
  EXPECT_THAT(host_->Call("partial", "f", {}),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("missing_export/plugin.toml:6: declared "
                                 "export 'g' is missing")));
  EXPECT_THAT(host_->Call("raises", "f", {}),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("module 'raises' failed to load: ")));
  EXPECT_THAT(host_->Call("raises", "f", {}),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("raises.py:1: RuntimeError: boom at import")));
  // Each problem was logged as an error too.
  int errors = 0;
  for (const LogLine& line : logs()) errors += line.level == LogLevel::kError;
  EXPECT_EQ(errors, 5);
}

TEST_F(HostTest, FirstPluginWithANameWinsAndTheSecondDrawsAWarning) {
  TempDir first, second;
  WriteGreeter(first);
  WriteGreeter(second, "other_greeter");
  second.Write("other_greeter/greeter.py",
               "raise Error must not be imported\n");
  ASSERT_OK(host_->LoadPlugins(first.path()));
  ASSERT_OK_AND_ASSIGN(LoadReport report, host_->LoadPlugins(second.path()));
  EXPECT_THAT(report.loaded, IsEmpty());
  EXPECT_THAT(report.problems, IsEmpty());
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_THAT(report.warnings[0],
              AllOf(HasSubstr("other_greeter: module 'greeter' is already "
                              "loaded from "),
                    HasSubstr("this one is ignored")));
  EXPECT_EQ(host_->GetModule("greeter")->location, first.path() / "greeter");
}

TEST_F(HostTest, ManifestWarningsReachTheLogSink) {
  TempDir dir;
  dir.Write("p/plugin.toml",
            "name = \"p\"\nverison = \"1\"\n[implementations]\npython = "
            "\"p.py\"\n");
  dir.Write("p/p.py", "def f: return 1\n");
  ASSERT_OK_AND_ASSIGN(LoadReport report, host_->LoadPlugins(dir.path()));
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_THAT(report.warnings[0], HasSubstr("plugin.toml:2:1: unknown key "
                                            "'verison'"));
  bool logged = false;
  for (const LogLine& line : logs()) {
    logged |= line.level == LogLevel::kWarning && line.source == "duet" &&
              line.message == report.warnings[0];
  }
  EXPECT_TRUE(logged);
}

TEST_F(HostTest, LoadPluginsOnAMissingDirectoryFails) {
  EXPECT_THAT(
      host_->LoadPlugins("/nonexistent/duet/plugins"),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("not a directory")));
  EXPECT_THAT(host_->LoadPlugin("/nonexistent/duet/x.py"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("x.py")));
}

TEST_F(HostTest, ScriptsReachHostFunctionsAndOtherModules) {
  ASSERT_OK(host_->RegisterFunction(
      "twice", [](absl::Span<const Value> args) -> absl::StatusOr<Value> {
        return Value(args[0].as_int() * 2);
      }));
  EXPECT_THAT(host_->RegisterFunction("twice",
                                      [](absl::Span<const Value>) {
                                        return absl::StatusOr<Value>(Value());
                                      }),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("twice")));
  EXPECT_THAT(host_->RegisterFunction("bad name",
                                      [](absl::Span<const Value>) {
                                        return absl::StatusOr<Value>(Value());
                                      }),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("must be an identifier")));
  TempDir dir;
  WriteGreeter(dir);
  dir.Write("relay.js",
            "def double: host twice\ndef greet: call greeter.greet\n"
            "def missing: host nope\ndef boom: call thrower.boom\n");
  dir.Write("thrower.py", "def boom: raise ValueError bad value\n");
  ASSERT_OK(host_->LoadPlugins(dir.path()));
  EXPECT_EQ(*host_->Call("relay", "double", {21}), Value(42));
  EXPECT_EQ(*host_->Call("relay", "greet", {"x"}), Value("Hello, x!"));
  EXPECT_THAT(host_->Call("relay", "missing", {}),
              StatusIs(absl::StatusCode::kNotFound,
                       "no host function named 'nope' (registered: twice)"));
  // The original error keeps its language and type, and gains the frames of
  // the module it passed through.
  absl::StatusOr<Value> boom = host_->Call("relay", "boom", {});
  EXPECT_THAT(boom,
              StatusIs(absl::StatusCode::kUnknown, "ValueError: bad value"));
  std::optional<ScriptError> error = GetScriptError(boom.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->language, Language::kPython);
  ASSERT_EQ(error->stack.size(), 2u);
  EXPECT_EQ(error->stack[0].language, Language::kPython);
  EXPECT_EQ(error->stack[1].language, Language::kJavaScript);
  EXPECT_EQ(error->stack[1].function, "boom");
}

TEST_F(HostTest, AHostFunctionThatThrowsFailsTheCallWithKInternal) {
  ASSERT_OK(host_->RegisterFunction(
      "burn", [](absl::Span<const Value>) -> absl::StatusOr<Value> {
        throw std::runtime_error("disk on fire");
      }));
  ASSERT_OK(host_->RegisterFunction(
      "throw_int",
      [](absl::Span<const Value>) -> absl::StatusOr<Value> { throw 42; }));
  TempDir dir;
  dir.Write("relay.js",
            "def burn: host burn\ndef throw_int: host throw_int\n"
            "def count: count\n");
  ASSERT_OK(host_->LoadPlugins(dir.path()));
  EXPECT_THAT(host_->Call("relay", "burn", {}),
              StatusIs(absl::StatusCode::kInternal,
                       "host function 'burn' threw: disk on fire"));
  EXPECT_THAT(host_->Call("relay", "throw_int", {}),
              StatusIs(absl::StatusCode::kInternal,
                       "host function 'throw_int' threw an unknown exception"));
  EXPECT_THAT(host_->Call("relay", "count", {}), IsOkAndHolds(Value(1)));
}

TEST_F(HostTest, HostFunctionsAreToldWhoCalledAndTheDeadline) {
  struct Seen {
    std::string module;
    Language language;
    absl::Time deadline;
  };
  absl::Mutex mutex;
  std::vector<Seen> seen;
  ASSERT_OK(host_->RegisterFunction(
      "who", ContextualHostFunction(
                 [&](const HostCallContext& context,
                     absl::Span<const Value>) -> absl::StatusOr<Value> {
                   absl::MutexLock lock(&mutex);
                   seen.push_back({std::string(context.module),
                                   context.language, context.deadline});
                   return Value();
                 })));
  TempDir dir;
  dir.Write("alpha.py", "def who: host who\n");
  dir.Write("beta.js", "def who: host who\n");
  ASSERT_OK(host_->LoadPlugins(dir.path()));
  const absl::Time before = absl::Now();
  CallOptions limited;
  limited.timeout = absl::Hours(1);
  ASSERT_OK(host_->Call("alpha", "who", {}, limited));
  ASSERT_OK(host_->Call("beta", "who", {}));
  absl::MutexLock lock(&mutex);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].module, "alpha");
  EXPECT_EQ(seen[0].language, Language::kPython);
  EXPECT_GE(seen[0].deadline, before + absl::Hours(1));
  EXPECT_LE(seen[0].deadline, absl::Now() + absl::Hours(1));
  EXPECT_EQ(seen[1].module, "beta");
  EXPECT_EQ(seen[1].language, Language::kJavaScript);
  EXPECT_EQ(seen[1].deadline, absl::InfiniteFuture());
}

TEST_F(HostTest, AModuleFunctionIsSeenOnlyByThatModuleAndHidesAHostWideOne) {
  auto returning = [](std::string text) {
    return [text](absl::Span<const Value>) -> absl::StatusOr<Value> {
      return Value(text);
    };
  };
  ASSERT_OK(host_->RegisterFunction("name", returning("host-wide")));
  ASSERT_OK(host_->RegisterFunction("name", returning("alpha's"),
                                    HostFunctionOptions{"alpha"}));
  ASSERT_OK(host_->RegisterFunction("secret", returning("alpha's secret"),
                                    HostFunctionOptions{"alpha"}));
  EXPECT_THAT(host_->RegisterFunction("secret", returning("again"),
                                      HostFunctionOptions{"alpha"}),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       "host function 'secret' of module 'alpha' is already "
                       "registered"));
  EXPECT_THAT(
      host_->RegisterFunction("secret", returning("x"),
                              HostFunctionOptions{"not a module"}),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("HostFunctionOptions::module 'not a module'")));
  EXPECT_THAT(host_->RegisterFunction("empty", ContextualHostFunction()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "host function 'empty' is empty"));
  TempDir dir;
  dir.Write("alpha.py", "def name: host name\ndef secret: host secret\n");
  dir.Write("beta.js", "def name: host name\ndef secret: host secret\n");
  ASSERT_OK(host_->LoadPlugins(dir.path()));
  EXPECT_THAT(host_->Call("alpha", "name", {}), IsOkAndHolds(Value("alpha's")));
  EXPECT_THAT(host_->Call("alpha", "secret", {}),
              IsOkAndHolds(Value("alpha's secret")));
  EXPECT_THAT(host_->Call("beta", "name", {}),
              IsOkAndHolds(Value("host-wide")));
  EXPECT_THAT(host_->Call("beta", "secret", {}),
              StatusIs(absl::StatusCode::kNotFound,
                       "no host function named 'secret' (registered: name)"));
}

TEST_F(HostTest, UnregisteredFunctionsAreNotFoundOnceCallsInFlightFinish) {
  absl::Notification entered, release;
  ASSERT_OK(host_->RegisterFunction(
      "wait", [&](absl::Span<const Value>) -> absl::StatusOr<Value> {
        entered.Notify();
        release.WaitForNotification();
        return Value("finished");
      }));
  ASSERT_OK(host_->RegisterFunction(
      "mine",
      [](absl::Span<const Value>) -> absl::StatusOr<Value> { return Value(); },
      HostFunctionOptions{"alpha"}));
  TempDir dir;
  dir.Write("alpha.py", "def wait: host wait\ndef mine: host mine\n");
  ASSERT_OK(host_->LoadPlugins(dir.path()));
  absl::StatusOr<Value> in_flight;
  std::thread caller([&] { in_flight = host_->Call("alpha", "wait", {}); });
  entered.WaitForNotification();
  ASSERT_OK(host_->UnregisterFunction("wait"));
  release.Notify();
  caller.join();
  EXPECT_THAT(in_flight, IsOkAndHolds(Value("finished")));
  EXPECT_THAT(host_->Call("alpha", "wait", {}),
              StatusIs(absl::StatusCode::kNotFound,
                       "no host function named 'wait' (registered: mine)"));
  EXPECT_THAT(host_->UnregisterFunction("wait"),
              StatusIs(absl::StatusCode::kNotFound,
                       "no host function 'wait' is registered"));
  // A module's function is removed from its module's scope only.
  EXPECT_THAT(host_->UnregisterFunction("mine"),
              StatusIs(absl::StatusCode::kNotFound,
                       "no host function 'mine' is registered"));
  ASSERT_OK(host_->UnregisterFunction("mine", HostFunctionOptions{"alpha"}));
  EXPECT_THAT(host_->Call("alpha", "mine", {}),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("no host function named 'mine'")));
  // The name is free again.
  ASSERT_OK(host_->RegisterFunction(
      "wait", [](absl::Span<const Value>) -> absl::StatusOr<Value> {
        return Value(7);
      }));
  EXPECT_THAT(host_->Call("alpha", "wait", {}), IsOkAndHolds(Value(7)));
}

TEST(HostLogSinkTest, ASinkThatThrowsLosesTheLineAndWarnsOnce) {
  std::atomic<int> attempts{0};
  HostOptions options;
  options.log_sink = [&](LogLevel, std::string_view, std::string_view) {
    ++attempts;
    throw std::runtime_error("sink broke");
  };
  std::unique_ptr<Host> host = *CreateHostWithRuntimes(
      std::move(options), {FakeRuntimeFactory(Language::kPython)});
  TempDir dir;
  // A manifest warning: the loader logs it while loading.
  dir.Write("greeter/plugin.toml",
            "name = \"greeter\"\nverison = \"1\"\n[implementations]\n"
            "python = \"greeter.py\"\n");
  dir.Write("greeter/greeter.py", "def hi: return \"hi\"\n");
  ::testing::internal::CaptureStderr();
  absl::StatusOr<LoadReport> report = host->LoadPlugins(dir.path());
  host->Log(LogLevel::kInfo, "app", "a line");
  const std::string stderr_text = ::testing::internal::GetCapturedStderr();
  ASSERT_OK(report);
  EXPECT_EQ(report->loaded, std::vector<std::string>{"greeter"});
  EXPECT_EQ(attempts.load(), 2);
  EXPECT_EQ(stderr_text,
            "[warning] duet: the log sink threw (sink broke); lines it throws "
            "on are dropped\n");
  EXPECT_THAT(host->Call("greeter", "hi", {}), IsOkAndHolds(Value("hi")));
}

TEST_F(HostTest, EndlessRecursionAcrossModulesIsACatchableError) {
  TempDir dir;
  dir.Write("ping.js", "def f: call pong.f\n");
  dir.Write("pong.py", "def f: call ping.f\n");
  ASSERT_OK(host_->LoadPlugins(dir.path()));
  absl::StatusOr<Value> result = host_->Call("ping", "f", {});
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kResourceExhausted,
                               AllOf(HasSubstr("the limit is 200"),
                                     HasSubstr("recursion without end"))));
  // The thread is fine afterwards.
  dir.Write("ok.py", "def f: return 1\n");
  ASSERT_OK(host_->LoadPlugin(dir.path() / "ok.py"));
  EXPECT_EQ(*host_->Call("ok", "f", {}), Value(1));
}

TEST_F(HostTest, TimeLimitsComeFromTheCallThePluginOrTheHost) {
  TempDir dir;
  dir.Write("limited/plugin.toml",
            "name = \"limited\"\n[implementations]\npython = \"l.py\"\n"
            "[limits]\ntimeout_ms = 50\n");
  dir.Write("limited/l.py", "def slow: sleep 60000\ndef quick: sleep 1\n");
  dir.Write("free.py", "def slow: sleep 60000\ndef quick: sleep 1\n");
  ASSERT_OK(host_->LoadPlugins(dir.path()));
  EXPECT_THAT(host_->Call("limited", "slow", {}),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       "limited.slow (python) did not finish within its time "
                       "limit of 50ms"));
  EXPECT_EQ(*host_->Call("limited", "quick", {}), Value("slept"));
  CallOptions options;
  options.timeout = absl::Milliseconds(30);
  EXPECT_THAT(host_->Call("free", "slow", {}, options),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       HasSubstr("time limit of 30ms")));
  options.implementation = Language::kPython;
  EXPECT_THAT(host_->Call("limited", "slow", {}, options),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       HasSubstr("time limit of 30ms")));
}

TEST(HostLimitsTest, TheHostDefaultAppliesWhenNothingElseDoes) {
  HostOptions options;
  options.default_timeout = absl::Milliseconds(40);
  auto host = *CreateHostWithRuntimes(std::move(options),
                                      {FakeRuntimeFactory(Language::kPython)});
  TempDir dir;
  dir.Write("free.py", "def slow: sleep 60000\n");
  ASSERT_OK(host->LoadPlugins(dir.path()));
  EXPECT_THAT(host->Call("free", "slow", {}),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       HasSubstr("time limit of 40ms")));
}

TEST(HostOptionsTest, DefaultsOutOfRangeAreRefusedNamingTheField) {
  for (int64_t memory_mb : {int64_t{0}, int64_t{-1}, int64_t{1048577},
                            int64_t{17592186044416}, INT64_MAX}) {
    HostOptions options;
    options.default_memory_mb = memory_mb;
    EXPECT_THAT(CreateHostWithRuntimes(std::move(options),
                                       {FakeRuntimeFactory(Language::kPython)}),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr(absl::StrCat(
                             "HostOptions::default_memory_mb is ", memory_mb,
                             "; it must be from 1 to 1048576"))));
  }
  for (absl::Duration timeout : {absl::ZeroDuration(), absl::Milliseconds(-5),
                                 -absl::InfiniteDuration()}) {
    HostOptions options;
    options.default_timeout = timeout;
    EXPECT_THAT(CreateHostWithRuntimes(std::move(options),
                                       {FakeRuntimeFactory(Language::kPython)}),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("HostOptions::default_timeout is ")));
  }
  HostOptions edges;
  edges.default_memory_mb = 1048576;
  edges.default_timeout = absl::Nanoseconds(1);
  EXPECT_OK(CreateHostWithRuntimes(std::move(edges),
                                   {FakeRuntimeFactory(Language::kPython)})
                .status());
}

TEST_F(HostTest, AnImplementationSymlinkedOutOfThePluginIsRefused) {
  TempDir dir, outside;
  std::filesystem::path secret =
      outside.Write("evil.py", "def f: return \"outside code\"\n");
  outside.Write("lib/evil.py", "def f: return \"outside code\"\n");
  for (const char* folder : {"file_link", "folder_link"}) {
    dir.Write(
        absl::StrCat(folder, "/plugin.toml"),
        absl::StrCat(
            "name = \"", folder, "\"\n[implementations]\npython = \"",
            std::string_view(folder) == "file_link" ? "p.py" : "lib/evil.py",
            "\"\n"));
  }
  std::filesystem::create_symlink(secret, dir.path() / "file_link" / "p.py");
  std::filesystem::create_directory_symlink(outside.path() / "lib",
                                            dir.path() / "folder_link" / "lib");
  // A symlink that stays inside the plugin is fine.
  dir.Write("inner_link/plugin.toml",
            "name = \"inner_link\"\n[implementations]\npython = \"p.py\"\n");
  dir.Write("inner_link/real.py", "def f: return 1\n");
  std::filesystem::create_symlink("real.py", dir.path() / "inner_link/p.py");

  ASSERT_OK_AND_ASSIGN(LoadReport report, host_->LoadPlugins(dir.path()));
  EXPECT_THAT(report.loaded, ElementsAre("inner_link"));
  ASSERT_EQ(report.problems.size(), 2u);
  EXPECT_THAT(report.problems[0].status,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("file_link/plugin.toml:3: the python "
                                       "implementation 'p.py' is a symlink "
                                       "to "),
                             HasSubstr("evil.py, outside the plugin "
                                       "directory "))));
  EXPECT_THAT(report.problems[1].status,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("folder_link/plugin.toml:3: the python "
                                 "implementation 'lib/evil.py' is a symlink "
                                 "to ")));
  EXPECT_THAT(
      host_->Call("file_link", "f", {}),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("failed to load")));
}

TEST_F(HostTest, ReservedModuleNamesAreRefusedAtLoad) {
  TempDir dir;
  for (const char* name : {"__proto__", "constructor", "toString", "valueOf",
                           "__lookupSetter__", "__main__"}) {
    std::filesystem::path file =
        dir.Write(absl::StrCat(name, ".js"), "def f: return 1\n");
    EXPECT_THAT(host_->LoadPlugin(file),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr(file.string()),
                               HasSubstr(absl::StrCat("module name '", name,
                                                      "' is reserved")))));
  }
  dir.Write("proto/plugin.toml",
            "name = \"hasOwnProperty\"\n[implementations]\npython = "
            "\"p.py\"\n");
  dir.Write("proto/p.py", "def f: return 1\n");
  EXPECT_THAT(host_->LoadPlugin(dir.path() / "proto"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("proto/plugin.toml:1:8: name "
                                 "'hasOwnProperty' is reserved")));
  EXPECT_THAT(host_->ListModules(), IsEmpty());
}

TEST_F(HostTest, ANestedCallNeverOutlivesItsCaller) {
  TempDir dir;
  dir.Write("outer/plugin.toml",
            "name = \"outer\"\n[implementations]\njavascript = \"o.js\"\n"
            "[limits]\ntimeout_ms = 50\n");
  dir.Write("outer/o.js", "def run: call inner.slow\n");
  dir.Write("inner.py", "def slow: sleep 60000\n");
  ASSERT_OK(host_->LoadPlugins(dir.path()));
  // The inner call has no limit of its own but stops at the outer deadline;
  // the outer call reports its own limit.
  EXPECT_THAT(host_->Call("outer", "run", {}),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       "outer.run (javascript) did not finish within its "
                       "time limit of 50ms"));
}

TEST_F(HostTest, InterruptStopsRunningCallsAndLaterCallsRun) {
  TempDir dir;
  dir.Write("free.py", "def slow: sleep 60000\ndef quick: return 1\n");
  ASSERT_OK(host_->LoadPlugins(dir.path()));
  absl::StatusOr<Value> result;
  std::thread caller([&] { result = host_->Call("free", "slow", {}); });
  // Interrupt until the call has returned: it may not have started yet.
  absl::Notification done;
  std::thread interrupter([&] {
    while (!done.HasBeenNotified()) {
      host_->Interrupt();
      absl::SleepFor(absl::Milliseconds(5));
    }
  });
  caller.join();
  done.Notify();
  interrupter.join();
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kCancelled, HasSubstr("")));
  EXPECT_EQ(*host_->Call("free", "quick", {}), Value(1));
}

TEST(HostLifetimeTest, DestroyingTheHostStopsAndWaitsForCallsInFlight) {
  auto host =
      *CreateHostWithRuntimes({}, {FakeRuntimeFactory(Language::kPython)});
  TempDir dir;
  dir.Write("free.py", "def slow: hook entered\n");
  dir.Write("sleeper.py", "def slow: sleep 60000\n");
  absl::Notification entered;
  testing::SetFakeHook("entered",
                       [&](absl::Span<const Value>) -> absl::StatusOr<Value> {
                         entered.Notify();
                         return Value();
                       });
  ASSERT_OK(host->LoadPlugins(dir.path()));
  std::vector<absl::StatusOr<Value>> results(3);
  std::vector<std::thread> callers;
  for (int i = 0; i < 3; ++i) {
    callers.emplace_back([&, i] {
      if (i == 0) (void)host->Call("free", "slow", {});
      results[i] = host->Call("sleeper", "slow", {});
    });
  }
  entered.WaitForNotification();
  absl::SleepFor(absl::Milliseconds(20));  // let the sleepers start
  host.reset();  // must return although the calls would run for a minute
  for (auto& caller : callers) caller.join();
  for (const auto& result : results) {
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kCancelled, HasSubstr("")));
  }
  testing::ClearFakeHooks();
}

TEST_F(HostTest, ReloadSwapsInTheNewFilesAndKeepsTheActiveLanguage) {
  TempDir dir;
  WriteGreeter(dir);
  ASSERT_OK(host_->LoadPlugins(dir.path()));
  ASSERT_OK(host_->Use("greeter", Language::kJavaScript));
  EXPECT_EQ(*host_->Call("greeter", "count", {}), Value(1));
  dir.Write("greeter/greeter.js",
            "def greet: format Hi from the new JS, {0}!\ndef which: language\n"
            "def count: count\ndef added: return true\n");
  ASSERT_OK(host_->Reload("greeter"));
  EXPECT_EQ(host_->GetModule("greeter")->active, Language::kJavaScript);
  EXPECT_EQ(*host_->Call("greeter", "greet", {"x"}),
            Value("Hi from the new JS, x!"));
  EXPECT_EQ(*host_->Call("greeter", "added", {}), Value(true));
  EXPECT_EQ(*host_->Call("greeter", "count", {}), Value(1));  // state is new

  // A broken edit leaves the loaded version in place.
  dir.Write("greeter/greeter.py", "syntax error\n");
  EXPECT_THAT(host_->Reload("greeter"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("greeter.py:1: SyntaxError")));
  EXPECT_EQ(*host_->Call("greeter", "added", {}), Value(true));
  EXPECT_THAT(host_->Reload("nope"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("'nope'")));
}

TEST_F(HostTest, ReloadLetsCallsInFlightFinishOnTheOldCode) {
  TempDir dir;
  dir.Write("slow.py", "def run: hook slow\n");
  absl::Notification entered, release;
  testing::SetFakeHook("slow",
                       [&](absl::Span<const Value>) -> absl::StatusOr<Value> {
                         entered.Notify();
                         release.WaitForNotification();
                         return Value("old code");
                       });
  ASSERT_OK(host_->LoadPlugins(dir.path()));
  absl::StatusOr<Value> in_flight;
  std::thread caller([&] { in_flight = host_->Call("slow", "run", {}); });
  entered.WaitForNotification();
  dir.Write("slow.py", "def run: return \"new code\"\n");
  ASSERT_OK(host_->Reload("slow"));
  EXPECT_EQ(*host_->Call("slow", "run", {}), Value("new code"));
  release.Notify();
  caller.join();
  EXPECT_EQ(*in_flight, Value("old code"));
}

TEST_F(HostTest, ReplQuestionsGoToTheLanguagesSession) {
  TempDir dir;
  WriteGreeter(dir);
  ASSERT_OK(host_->LoadPlugins(dir.path()));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ReplConsole> python,
                       host_->OpenRepl(Language::kPython));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ReplConsole> javascript,
                       host_->OpenRepl(Language::kJavaScript));
  EXPECT_EQ(python->language(), Language::kPython);
  EXPECT_EQ(javascript->language(), Language::kJavaScript);
  EXPECT_TRUE(python->IsIncomplete("f(1,"));
  EXPECT_FALSE(javascript->IsIncomplete("f(1)"));
  EXPECT_THAT(python->Complete("gr"), ElementsAre("greeter"));
  EXPECT_THAT(javascript->Complete("greeter.c"), ElementsAre("greeter.count"));
}

TEST_F(HostTest, EvaluateUsesTheConsolesLanguage) {
  TempDir dir;
  WriteGreeter(dir);
  ASSERT_OK(host_->LoadPlugins(dir.path()));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ReplConsole> python,
                       host_->OpenRepl(Language::kPython));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ReplConsole> javascript,
                       host_->OpenRepl(Language::kJavaScript));
  EXPECT_THAT(python->Evaluate("1 + 1"), IsOkAndHolds("python: 1 + 1"));
  EXPECT_THAT(javascript->Evaluate("1 + 1"), IsOkAndHolds("javascript: 1 + 1"));
  EXPECT_THAT(javascript->Evaluate("greeter.which"),
              IsOkAndHolds("\"python\""));
}

TEST(HostLanguagesTest, PluginsLoadWithTheEnginesAHostRuns) {
  std::vector<std::string> messages;
  HostOptions options;
  options.log_sink = [&](LogLevel, std::string_view, std::string_view m) {
    messages.emplace_back(m);
  };
  auto host = *CreateHostWithRuntimes(std::move(options),
                                      {FakeRuntimeFactory(Language::kPython)});
  EXPECT_THAT(host->languages(), ElementsAre(Language::kPython));
  TempDir dir;
  dir.Write("both/plugin.toml",
            "name = \"both\"\ndefault = \"js\"\n[implementations]\npython = "
            "\"b.py\"\njavascript = \"b.js\"\n");
  dir.Write("both/b.py", "def which: language\n");
  dir.Write("both/b.js", "def which: language\n");
  dir.Write("js_only/plugin.toml",
            "name = \"js_only\"\n[implementations]\njavascript = \"j.js\"\n");
  dir.Write("js_only/j.js", "def which: language\n");
  dir.Write("single.js", "def which: language\n");
  ASSERT_OK_AND_ASSIGN(LoadReport report, host->LoadPlugins(dir.path()));
  EXPECT_THAT(report.loaded, ElementsAre("both"));
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_THAT(std::string(report.problems[0].status.message()),
              HasSubstr("no implementation can run in this host"));
  EXPECT_EQ(*host->Call("both", "which", {}), Value("python"));
  EXPECT_THAT(host->OpenRepl(Language::kJavaScript),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("runs no javascript engine")));
}

TEST_F(HostTest, ConcurrentCallsAndSwitchesStayConsistent) {
  TempDir dir;
  WriteGreeter(dir);
  ASSERT_OK(host_->LoadPlugins(dir.path()));
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        absl::StatusOr<Value> which = host_->Call("greeter", "which", {});
        if (!which.ok() || (which->as_string() != "python" &&
                            which->as_string() != "javascript")) {
          ++wrong;
        }
      }
    });
  }
  std::thread switcher([&] {
    for (int i = 0; !stop; ++i) {
      (void)host_->Use("greeter",
                       i % 2 ? Language::kPython : Language::kJavaScript);
    }
  });
  for (auto& caller : callers) caller.join();
  stop = true;
  switcher.join();
  EXPECT_EQ(wrong, 0);
}

TEST_F(HostTest, CallOptionsImplementationPicksOneRegardlessOfTheActive) {
  TempDir dir;
  WriteGreeter(dir);
  dir.Write("solo.py", "def which: language\n");
  ASSERT_OK(host_->LoadPlugins(dir.path()));
  CallOptions javascript;
  javascript.implementation = Language::kJavaScript;
  CallOptions python;
  python.implementation = Language::kPython;
  ASSERT_OK(host_->Use("greeter", Language::kPython));
  EXPECT_THAT(host_->Call("greeter", "which", {}, javascript),
              IsOkAndHolds(Value("javascript")));
  EXPECT_THAT(host_->Call("greeter.which", {}, javascript),
              IsOkAndHolds(Value("javascript")));
  ASSERT_OK(host_->Use("greeter", Language::kJavaScript));
  EXPECT_THAT(host_->Call("greeter.which", {}, python),
              IsOkAndHolds(Value("python")));
  // The active implementation is untouched by the option.
  EXPECT_THAT(host_->Call("greeter", "which", {}),
              IsOkAndHolds(Value("javascript")));
  EXPECT_THAT(host_->Call("solo", "which", {}, javascript),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "module 'solo' has no javascript implementation (it "
                       "has: python)"));
  EXPECT_THAT(host_->Call("nope", "which", {}, javascript),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("no module named 'nope'")));
}

TEST_F(HostTest, ClosingOneReplConsoleLeavesTheOthersWorking) {
  TempDir dir;
  WriteGreeter(dir);
  ASSERT_OK(host_->LoadPlugins(dir.path()));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ReplConsole> first,
                       host_->OpenRepl(Language::kPython));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ReplConsole> second,
                       host_->OpenRepl(Language::kPython));
  EXPECT_THAT(first->Evaluate("greeter.count"), IsOkAndHolds("1"));
  second.reset();  // closing one leaves the other working
  EXPECT_THAT(first->Evaluate("greeter.count"), IsOkAndHolds("2"));
  // A module loaded after the console opened is reachable from it.
  dir.Write("late.py", "def which: language\n");
  ASSERT_OK(host_->LoadPlugin(dir.path() / "late.py"));
  EXPECT_THAT(first->Complete("la"), ElementsAre("late"));
}

TEST(HostReplTest, AConsoleOutlivingItsHostSaysSoAndDoesNothing) {
  auto host =
      *CreateHostWithRuntimes({}, {FakeRuntimeFactory(Language::kPython)});
  TempDir dir;
  dir.Write("solo.py", "def which: language\n");
  ASSERT_OK(host->LoadPlugins(dir.path()));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ReplConsole> console,
                       host->OpenRepl(Language::kPython));
  EXPECT_THAT(console->Complete("so"), ElementsAre("solo"));
  host.reset();
  EXPECT_THAT(console->Evaluate("1"),
              StatusIs(absl::StatusCode::kCancelled,
                       HasSubstr("host has been destroyed")));
  EXPECT_FALSE(console->IsIncomplete("f(1,"));
  EXPECT_THAT(console->Complete("so"), IsEmpty());
  EXPECT_EQ(console->language(), Language::kPython);
}

TEST(HostReplTest, InterruptStopsAnEvaluation) {
  auto host =
      *CreateHostWithRuntimes({}, {FakeRuntimeFactory(Language::kPython)});
  TempDir dir;
  dir.Write("slow.py", "def sleep: sleep 60000\n");
  ASSERT_OK(host->LoadPlugins(dir.path()));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ReplConsole> console,
                       host->OpenRepl(Language::kPython));
  std::atomic<bool> done{false};
  absl::StatusOr<std::string> result;
  std::thread evaluator([&] {
    result = console->Evaluate("slow.sleep");
    done = true;
  });
  // An interrupt before the evaluation starts is missed: repeat until done.
  while (!done) {
    host->Interrupt();
    absl::SleepFor(absl::Milliseconds(1));
  }
  evaluator.join();
  EXPECT_THAT(result,
              StatusIs(absl::StatusCode::kCancelled, "fake call interrupted"));
}

// ---- plugins given in memory ----------------------------------------------

PluginSource Source(std::string module, std::vector<SourceText> texts) {
  PluginSource source;
  source.module = std::move(module);
  source.implementations = std::move(texts);
  return source;
}

TEST_F(HostTest, APluginGivenInMemoryLoadsAndCalls) {
  PluginSource source =
      Source("memo", {{Language::kJavaScript, "def which: language\n", ""},
                      {Language::kPython,
                       "def which: language\n"
                       "def count: count\n",
                       "shown/memo_py.py"}});
  ASSERT_THAT(host_->LoadPlugin(source), IsOkAndHolds("memo"));
  // The first listed is active unless a default is given.
  EXPECT_THAT(host_->Call("memo", "which", {}),
              IsOkAndHolds(Value("javascript")));
  ASSERT_OK_AND_ASSIGN(ModuleInfo info, host_->GetModule("memo"));
  EXPECT_EQ(info.location, std::filesystem::path());
  ASSERT_EQ(info.implementations.size(), 2u);
  EXPECT_EQ(info.implementations[0].file, "shown/memo_py.py");
  EXPECT_THAT(info.implementations[0].exports, ElementsAre("count", "which"));
  EXPECT_EQ(info.implementations[1].file, "memo.js");

  source.module = "memo_py";
  source.default_language = Language::kPython;
  ASSERT_OK(host_->LoadPlugin(source));
  EXPECT_THAT(host_->Call("memo_py", "which", {}),
              IsOkAndHolds(Value("python")));

  // Reload runs the same text again: fresh state.
  EXPECT_THAT(host_->Call("memo_py", "count", {}), IsOkAndHolds(Value(1)));
  EXPECT_THAT(host_->Call("memo_py", "count", {}), IsOkAndHolds(Value(2)));
  ASSERT_OK(host_->Reload("memo_py"));
  EXPECT_THAT(host_->Call("memo_py", "count", {}), IsOkAndHolds(Value(1)));
}

TEST_F(HostTest, APluginGivenInMemoryIsCheckedBeforeItLoads) {
  const SourceText python{Language::kPython, "def which: language\n", ""};
  auto refused = [&](PluginSource source, std::string message) {
    EXPECT_THAT(host_->LoadPlugin(source),
                StatusIs(absl::StatusCode::kInvalidArgument, message))
        << source.module;
  };
  refused(Source("two words", {python}),
          "in-memory plugin 'two words': 'two words' cannot be a module name "
          "(use letters, digits and _)");
  refused(Source("", {python}),
          "in-memory plugin '': '' cannot be a module name (use letters, "
          "digits and _)");
  refused(Source("__proto__", {python}),
          absl::StrCat("in-memory plugin '__proto__': module name "
                       "'__proto__' is reserved: ",
                       std::string(internal::kReservedModuleNameRule)));
  refused(Source("empty", {}),
          "in-memory plugin 'empty': no implementation "
          "given");
  refused(Source("twice", {python, python}),
          "in-memory plugin 'twice': two python implementations (one per "
          "language)");
  refused(Source("blank", {{Language::kPython, "", "blank.py"}}),
          "in-memory plugin 'blank': the python implementation's text is "
          "empty");
  PluginSource wrong_default = Source("wrong_default", {python});
  wrong_default.default_language = Language::kJavaScript;
  refused(wrong_default,
          "in-memory plugin 'wrong_default': the default language is "
          "javascript but no implementation is in it");
  PluginSource slow = Source("slow", {python});
  slow.limits.timeout_ms = -1;
  refused(slow,
          "in-memory plugin 'slow': limits.timeout_ms is -1; it must be from "
          "1 to 2147483647, or 0 for the host's default");
  PluginSource big = Source("big", {python});
  big.limits.memory_mb = Limits::kMaxMemoryMb + 1;
  refused(big,
          "in-memory plugin 'big': limits.memory_mb is 1048577; it must be "
          "from 1 to 1048576, or 0 for the host's default");
  EXPECT_THAT(host_->ListModules(), IsEmpty());

  ASSERT_OK(host_->LoadPlugin(Source("taken", {python})));
  EXPECT_THAT(host_->LoadPlugin(Source("taken", {python})),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       "in-memory plugin 'taken': module 'taken' is already "
                       "loaded from source given in memory; this one is "
                       "ignored"));
  TempDir dir;
  dir.Write("taken.py", "def which: language\n");
  EXPECT_THAT(host_->LoadPlugin(dir.path() / "taken.py"),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr("already loaded from source given in "
                                 "memory")));
}

TEST_F(HostTest, APluginGivenInMemoryReportsWhereItFailed) {
  EXPECT_THAT(
      host_->LoadPlugin(Source(
          "broken",
          {{Language::kPython, "def which: language\nraise ValueError bad\n",
            "broken.py"}})),
      StatusIs(absl::StatusCode::kUnknown, "broken.py:2: ValueError: bad"));
  EXPECT_THAT(host_->Call("broken", "which", {}),
              StatusIs(absl::StatusCode::kNotFound,
                       "module 'broken' failed to load: broken.py:2: "
                       "ValueError: bad"));
  EXPECT_THAT(host_->LoadPlugin(Source(
                  "unparsed", {{Language::kJavaScript, "syntax error\n", ""}})),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "unparsed.js:1: SyntaxError: invalid syntax"));
}

TEST(HostInMemoryTest, ASourceForAnEngineTheHostLacksIsSkipped) {
  std::vector<std::string> messages;
  HostOptions options;
  options.log_sink = [&](LogLevel, std::string_view, std::string_view m) {
    messages.emplace_back(m);
  };
  auto host = *CreateHostWithRuntimes(std::move(options),
                                      {FakeRuntimeFactory(Language::kPython)});
  PluginSource both =
      Source("both", {{Language::kJavaScript, "def f: language\n", ""},
                      {Language::kPython, "def f: language\n", ""}});
  ASSERT_OK(host->LoadPlugin(both));
  EXPECT_THAT(host->Call("both", "f", {}), IsOkAndHolds(Value("python")));
  EXPECT_THAT(messages,
              ::testing::Contains(
                  "in-memory plugin 'both': skipping the javascript "
                  "implementation: this host runs no javascript engine"));
  EXPECT_THAT(host->LoadPlugin(Source("js_only", {{Language::kJavaScript,
                                                   "def f: language\n", ""}})),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "in-memory plugin 'js_only': no implementation can run "
                       "in this host"));
}

}  // namespace
}  // namespace duet
