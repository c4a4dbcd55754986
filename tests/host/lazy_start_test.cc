// Starting implementations on first use (HostOptions::start_mode), with the
// fake engines: what loading still checks, what starts an implementation,
// and how a failure to start is reported and kept.
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "duet/host.h"
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

constexpr char kPairToml[] = R"(name = "pair"
default = "python"

[implementations]
python = "pair.py"
javascript = "pair.js"

[exports.which]
)";

class LazyStartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Each "hook started_KEY" line a plugin runs while loading counts here.
    for (const char* key : {"pair_py", "pair_js", "solo", "other", "slow"}) {
      testing::SetFakeHook(
          absl::StrCat("started_", key),
          [this, key = std::string(key)](
              absl::Span<const Value>) -> absl::StatusOr<Value> {
            absl::MutexLock lock(&mutex_);
            ++starts_[key];
            return Value();
          });
    }
    testing::SetFakeHook(
        "refuse", [this](absl::Span<const Value>) -> absl::StatusOr<Value> {
          absl::MutexLock lock(&mutex_);
          ++starts_["refuse"];
          return absl::FailedPreconditionError("refused to start");
        });
  }
  void TearDown() override { testing::ClearFakeHooks(); }

  std::unique_ptr<Host> MakeHost(StartMode mode = StartMode::kOnFirstUse) {
    HostOptions options;
    options.start_mode = mode;
    options.log_sink = [this](LogLevel level, std::string_view,
                              std::string_view message) {
      absl::MutexLock lock(&mutex_);
      if (level == LogLevel::kError) errors_.emplace_back(message);
    };
    return *CreateHostWithRuntimes(std::move(options),
                                   {FakeRuntimeFactory(Language::kPython),
                                    FakeRuntimeFactory(Language::kJavaScript)});
  }

  void WritePair(const TempDir& dir) {
    dir.Write("pair/plugin.toml", kPairToml);
    dir.Write("pair/pair.py", "hook started_pair_py\ndef which: language\n");
    dir.Write("pair/pair.js", "hook started_pair_js\ndef which: language\n");
    dir.Write("solo.py", "hook started_solo\ndef f: return 1\n");
  }

  int starts(const std::string& key) {
    absl::MutexLock lock(&mutex_);
    return starts_[key];
  }
  std::vector<std::string> errors() {
    absl::MutexLock lock(&mutex_);
    return errors_;
  }

 private:
  absl::Mutex mutex_;
  std::map<std::string, int> starts_ ABSL_GUARDED_BY(mutex_);
  std::vector<std::string> errors_ ABSL_GUARDED_BY(mutex_);
};

TEST_F(LazyStartTest, LoadingStartsNothingAndACallStartsOnlyWhatItCalls) {
  TempDir dir;
  WritePair(dir);
  std::unique_ptr<Host> host = MakeHost();
  ASSERT_OK_AND_ASSIGN(LoadReport report, host->LoadPlugins(dir.path()));
  EXPECT_THAT(report.loaded, ElementsAre("pair", "solo"));
  EXPECT_THAT(report.problems, IsEmpty());
  EXPECT_EQ(starts("pair_py") + starts("pair_js") + starts("solo"), 0);

  // Listing starts nothing either, and says so.
  std::vector<ModuleInfo> modules = host->ListModules();
  ASSERT_EQ(modules.size(), 2u);
  ASSERT_EQ(modules[0].implementations.size(), 2u);
  for (const ImplementationInfo& implementation : modules[0].implementations) {
    EXPECT_FALSE(implementation.started);
    EXPECT_THAT(implementation.exports, IsEmpty());
    EXPECT_FALSE(implementation.file.empty());
  }
  EXPECT_EQ(modules[0].active, Language::kPython);

  EXPECT_THAT(host->Call("pair", "which", {}), IsOkAndHolds(Value("python")));
  EXPECT_THAT(host->Call("pair", "which", {}), IsOkAndHolds(Value("python")));
  EXPECT_EQ(starts("pair_py"), 1);
  EXPECT_EQ(starts("pair_js"), 0);
  EXPECT_EQ(starts("solo"), 0);
  modules = host->ListModules();
  EXPECT_TRUE(modules[0].implementations[0].started);
  EXPECT_THAT(modules[0].implementations[0].exports, ElementsAre("which"));
  EXPECT_FALSE(modules[0].implementations[1].started);

  // A call naming another implementation starts that one.
  CallOptions js;
  js.implementation = Language::kJavaScript;
  EXPECT_THAT(host->Call("pair", "which", {}, js),
              IsOkAndHolds(Value("javascript")));
  EXPECT_EQ(starts("pair_js"), 1);
  EXPECT_EQ(starts("pair_py"), 1);  // the started one was kept
  EXPECT_THAT(errors(), IsEmpty());
}

TEST_F(LazyStartTest, EveryKindOfFirstUseStartsTheImplementation) {
  TempDir dir;
  WritePair(dir);
  std::unique_ptr<Host> host = MakeHost();
  ASSERT_OK(host->LoadPlugins(dir.path()).status());

  // Binding a duet::Function.
  ASSERT_OK_AND_ASSIGN(duet::Function which, host->Function("pair.which"));
  EXPECT_EQ(starts("pair_py"), 1);
  EXPECT_THAT(which.Call({}), IsOkAndHolds(Value("python")));

  // Use to another language starts it before switching.
  ASSERT_OK(host->Use("pair", Language::kJavaScript));
  EXPECT_EQ(starts("pair_js"), 1);
  EXPECT_THAT(which.Call({}), IsOkAndHolds(Value("javascript")));

  // GetModule starts the module so its exports are complete.
  ASSERT_OK_AND_ASSIGN(ModuleInfo solo, host->GetModule("solo"));
  EXPECT_EQ(starts("solo"), 1);
  ASSERT_EQ(solo.implementations.size(), 1u);
  EXPECT_TRUE(solo.implementations[0].started);
  EXPECT_THAT(solo.implementations[0].exports, ElementsAre("f"));
  EXPECT_EQ(starts("pair_py") + starts("pair_js") + starts("solo"), 3);
}

TEST_F(LazyStartTest, AsyncCallsAndReplCompletionStartTheImplementation) {
  TempDir dir;
  WritePair(dir);
  std::unique_ptr<Host> host = MakeHost();
  ASSERT_OK(host->LoadPlugins(dir.path()).status());

  EXPECT_THAT(host->CallAsync("solo", "f", {}).get(), IsOkAndHolds(Value(1)));
  EXPECT_EQ(starts("solo"), 1);

  // Completing "pair." asks the host for the active implementation's
  // functions, which starts it.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ReplConsole> console,
                       host->OpenRepl(Language::kPython));
  EXPECT_EQ(starts("pair_py"), 0);
  EXPECT_THAT(console->Complete("pair."), ElementsAre("pair.which"));
  EXPECT_EQ(starts("pair_py"), 1);
  EXPECT_EQ(starts("pair_js"), 0);
}

TEST_F(LazyStartTest, AFailureToStartIsReturnedLoggedOnceAndKeptUntilReload) {
  TempDir dir;
  dir.Write("broken.py", "def f: return 1\nhook refuse\n");
  std::unique_ptr<Host> host = MakeHost();
  ASSERT_OK_AND_ASSIGN(LoadReport report, host->LoadPlugins(dir.path()));
  EXPECT_THAT(report.loaded, ElementsAre("broken"));
  EXPECT_THAT(report.problems, IsEmpty());

  // The message a plugin failing at load gives its callers.
  const auto failed_to_load =
      StatusIs(absl::StatusCode::kNotFound,
               "module 'broken' failed to load: refused to start");
  EXPECT_THAT(host->Call("broken", "f", {}), failed_to_load);
  EXPECT_THAT(host->Call("broken", "f", {}), failed_to_load);
  EXPECT_THAT(host->Function("broken.f"), failed_to_load);
  EXPECT_THAT(host->GetModule("broken"), failed_to_load);
  EXPECT_THAT(host->Start("broken"), failed_to_load);
  EXPECT_EQ(starts("refuse"), 1);  // tried once, not per call
  EXPECT_THAT(errors(), ElementsAre("refused to start"));
  // Still listed, not started.
  std::vector<ModuleInfo> modules = host->ListModules();
  ASSERT_EQ(modules.size(), 1u);
  EXPECT_FALSE(modules[0].implementations[0].started);

  // A reload reads the file again and the next use starts it anew.
  dir.Write("broken.py", "def f: return 1\n");
  ASSERT_OK(host->Reload("broken"));
  EXPECT_THAT(host->Call("broken", "f", {}), IsOkAndHolds(Value(1)));
}

TEST_F(LazyStartTest, AStartThatWasInterruptedIsTriedAgain) {
  TempDir dir;
  dir.Write("shy.py", "hook cancel_once\ndef f: return 1\n");
  std::atomic<int> tries{0};
  testing::SetFakeHook(
      "cancel_once",
      [&tries](absl::Span<const Value>) -> absl::StatusOr<Value> {
        if (tries.fetch_add(1) == 0) {
          return absl::CancelledError("interrupted while loading");
        }
        return Value();
      });
  std::unique_ptr<Host> host = MakeHost();
  ASSERT_OK(host->LoadPlugins(dir.path()).status());
  EXPECT_THAT(
      host->Call("shy", "f", {}),
      StatusIs(absl::StatusCode::kCancelled, "interrupted while loading"));
  EXPECT_THAT(host->Call("shy", "f", {}), IsOkAndHolds(Value(1)));
  EXPECT_EQ(tries.load(), 2);
  EXPECT_THAT(errors(), IsEmpty());
}

TEST_F(LazyStartTest, ScriptErrorsAtStartNameTheirFileAndLine) {
  TempDir dir;
  dir.Write("raises.py", "def f: return 1\nraise RuntimeError boom\n");
  dir.Write("missing_export/plugin.toml",
            "name = \"partial\"\n[implementations]\npython = \"p.py\"\n"
            "javascript = \"p.js\"\n[exports.f]\n[exports.g]\n");
  dir.Write("missing_export/p.py", "def f: return 1\ndef g: return 2\n");
  dir.Write("missing_export/p.js", "def f: return 1\n");
  std::unique_ptr<Host> host = MakeHost();
  ASSERT_OK_AND_ASSIGN(LoadReport report, host->LoadPlugins(dir.path()));
  EXPECT_THAT(report.loaded, ElementsAre("partial", "raises"));

  EXPECT_THAT(host->Call("raises", "f", {}),
              StatusIs(absl::StatusCode::kNotFound,
                       AllOf(HasSubstr("module 'raises' failed to load: "),
                             HasSubstr("raises.py:2: RuntimeError: boom"))));
  // The Python side has every declared export; the JavaScript side is
  // checked when it starts, and refused with the manifest's line.
  EXPECT_THAT(host->Call("partial", "g", {}), IsOkAndHolds(Value(2)));
  EXPECT_THAT(host->Use("partial", Language::kJavaScript),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("missing_export/plugin.toml:6: declared "
                                 "export 'g' is missing from p.js "
                                 "(javascript)")));
  // GetModule, which starts every implementation, says the same.
  EXPECT_THAT(host->GetModule("partial"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("declared export 'g' is missing")));
  // Use changed nothing.
  EXPECT_EQ(host->ListModules()[0].active, Language::kPython);
  EXPECT_THAT(host->Call("partial", "f", {}), IsOkAndHolds(Value(1)));
  EXPECT_EQ(errors().size(), 2u);
}

TEST_F(LazyStartTest, ManifestProblemsAreStillFoundAtLoad) {
  TempDir dir;
  dir.Write("bad_toml/plugin.toml", "name = \"bad\"\n[implementations\n");
  dir.Write("missing_file/plugin.toml",
            "name = \"missing\"\n[implementations]\npython = \"gone.py\"\n");
  dir.Write("first/plugin.toml",
            "name = \"same\"\n[implementations]\npython = \"s.py\"\n");
  dir.Write("first/s.py", "def f: return 1\n");
  dir.Write("second/plugin.toml",
            "name = \"same\"\n[implementations]\npython = \"s.py\"\n");
  dir.Write("second/s.py", "def f: return 2\n");
  std::unique_ptr<Host> host = MakeHost();
  ASSERT_OK_AND_ASSIGN(LoadReport report, host->LoadPlugins(dir.path()));
  EXPECT_THAT(report.loaded, ElementsAre("same"));
  ASSERT_EQ(report.problems.size(), 2u);
  EXPECT_THAT(report.problems[0].status.message(),
              HasSubstr("bad_toml/plugin.toml:2:"));
  EXPECT_THAT(report.problems[1].status.message(),
              HasSubstr("missing_file/plugin.toml:3: the python "
                        "implementation 'gone.py' does not exist"));
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_THAT(report.warnings[0], HasSubstr("module 'same' is already loaded"));
  EXPECT_THAT(host->Call("missing", "f", {}),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("module 'missing' failed to load: ")));
}

TEST_F(LazyStartTest, StartAtLoadReportsEveryProblemWhenLoading) {
  TempDir dir;
  WritePair(dir);
  dir.Write("broken.py", "def f: return 1\nhook refuse\n");
  std::unique_ptr<Host> host = MakeHost(StartMode::kAtLoad);
  ASSERT_OK_AND_ASSIGN(LoadReport report, host->LoadPlugins(dir.path()));
  EXPECT_THAT(report.loaded, ElementsAre("pair", "solo"));
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_THAT(
      report.problems[0].status,
      StatusIs(absl::StatusCode::kFailedPrecondition, "refused to start"));
  EXPECT_EQ(starts("pair_py"), 1);
  EXPECT_EQ(starts("pair_js"), 1);
  EXPECT_EQ(starts("solo"), 1);
  for (const ModuleInfo& module : host->ListModules()) {
    for (const ImplementationInfo& implementation : module.implementations) {
      EXPECT_TRUE(implementation.started) << module.name;
    }
  }
  EXPECT_THAT(host->Call("broken", "f", {}),
              StatusIs(absl::StatusCode::kNotFound,
                       "module 'broken' failed to load: refused to start"));
}

TEST_F(LazyStartTest, StartAndStartAllStartNowAndReportFailures) {
  TempDir dir;
  WritePair(dir);
  dir.Write("broken.py", "def f: return 1\nhook refuse\n");
  std::unique_ptr<Host> host = MakeHost();
  ASSERT_OK(host->LoadPlugins(dir.path()).status());
  ASSERT_OK(host->Start("pair"));
  EXPECT_EQ(starts("pair_py"), 1);
  EXPECT_EQ(starts("pair_js"), 1);
  EXPECT_EQ(starts("solo"), 0);
  EXPECT_THAT(host->Start("nope"), StatusIs(absl::StatusCode::kNotFound,
                                            HasSubstr("no module named")));

  std::vector<PluginProblem> problems = host->StartAll();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].location, dir.path() / "broken.py");
  EXPECT_THAT(problems[0].status,
              StatusIs(absl::StatusCode::kNotFound,
                       "module 'broken' failed to load: refused to start"));
  EXPECT_EQ(starts("solo"), 1);
  EXPECT_EQ(starts("pair_py"), 1);  // started once only
  EXPECT_THAT(host->StartAll(), ::testing::SizeIs(1));
  EXPECT_EQ(starts("refuse"), 1);
}

TEST_F(LazyStartTest, ThreadsMakingTheFirstCallTogetherStartItOnce) {
  TempDir dir;
  dir.Write("slow.py", "hook started_slow\ndef f: count\n");
  std::unique_ptr<Host> host = MakeHost();
  ASSERT_OK(host->LoadPlugins(dir.path()).status());
  constexpr int kThreads = 8;
  std::atomic<int> ready{0};
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();
      if (host->Call("slow", "f", {}).ok()) ok.fetch_add(1);
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), kThreads);
  EXPECT_EQ(starts("slow"), 1);
  // One implementation served every call: its count went up by one each.
  EXPECT_THAT(host->Call("slow", "f", {}), IsOkAndHolds(Value(kThreads + 1)));
}

TEST_F(LazyStartTest, TopLevelCodeMayCallAModuleThatStartsThen) {
  TempDir dir;
  dir.Write("caller.py", "call other.f\ndef g: return 2\n");
  dir.Write("other.py", "hook started_other\ndef f: return 1\n");
  dir.Write("selfish.py", "call selfish.f\ndef f: return 3\n");
  std::unique_ptr<Host> host = MakeHost();
  ASSERT_OK(host->LoadPlugins(dir.path()).status());
  EXPECT_THAT(host->Call("caller", "g", {}), IsOkAndHolds(Value(2)));
  EXPECT_EQ(starts("other"), 1);
  // Calling itself while it starts is refused, not a deadlock.
  EXPECT_THAT(host->Call("selfish", "f", {}),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("module 'selfish' is still starting its "
                                 "python implementation")));
}

TEST_F(LazyStartTest, ReloadRestartsWhatHadStartedAndLeavesTheRest) {
  TempDir dir;
  WritePair(dir);
  std::unique_ptr<Host> host = MakeHost();
  ASSERT_OK(host->LoadPlugins(dir.path()).status());
  EXPECT_THAT(host->Call("pair", "which", {}), IsOkAndHolds(Value("python")));
  ASSERT_OK(host->Reload("pair"));
  EXPECT_EQ(starts("pair_py"), 2);
  EXPECT_EQ(starts("pair_js"), 0);
  // A broken file among those started keeps the old version serving.
  dir.Write("pair/pair.py", "syntax error\n");
  EXPECT_THAT(host->Reload("pair"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("pair.py:1: SyntaxError")));
  EXPECT_THAT(host->Call("pair", "which", {}), IsOkAndHolds(Value("python")));
}

TEST_F(LazyStartTest, PluginsGivenInMemoryStartAtLoad) {
  std::unique_ptr<Host> host = MakeHost();
  PluginSource source;
  source.module = "inline";
  source.implementations.push_back(
      {Language::kPython, "def f: return 1\nhook started_solo\n", ""});
  ASSERT_OK(host->LoadPlugin(source).status());
  EXPECT_EQ(starts("solo"), 1);
  EXPECT_TRUE(host->ListModules()[0].implementations[0].started);
}

}  // namespace
}  // namespace duet
