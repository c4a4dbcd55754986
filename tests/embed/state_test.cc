// [state] hooks through a real Host: Use and Reload carry a module's state
// from one implementation to the next, refuse the switch when a hook fails,
// and never let a call fail or lose its change while they run.
//
// Every row runs twice, once with each engine as the side under test (the
// one whose hook misbehaves, or which the module starts on), so what both
// engines share is written once.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/notification.h"
#include "duet/duet.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/language_param.h"
#include "testing/quiet_host.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace duet {
namespace {

using ::duet::testing::IsOkAndHolds;
using ::duet::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

// A counter whose count moves with [state]. Each language's hooks can be
// replaced through Counter's arguments.
constexpr char kPythonCounter[] = R"PY(import duet
count = 0

def increment(by):
    global count
    count += by
    return count

def get():
    return count

def snapshot():
    return {"count": count}

def restore(state):
    global count
    count = state["count"]
)PY";

constexpr char kJavaScriptCounter[] = R"JS(let count = 0;

export function increment(by) {
  count += by;
  return count;
}

export function get() {
  return count;
}

export function snapshot() {
  return { count };
}

export function restore(state) {
  count = state.count;
}
)JS";

std::string Name(Language language) {
  return std::string(LanguageName(language));
}

Language Other(Language language) {
  return language == Language::kPython ? Language::kJavaScript
                                       : Language::kPython;
}

class StateTest : public ::duet::testing::QuietHostTest,
                  public ::testing::WithParamInterface<Language> {
 protected:
  Language side() const { return GetParam(); }
  Language other() const { return Other(GetParam()); }

  // The counter, with `replace` applied to the source of `side()`'s
  // language ({from, to} pairs), active first in `active`.
  PluginSource Counter(
      Language active,
      std::vector<std::pair<std::string, std::string>> replace = {}) const {
    std::string python = kPythonCounter;
    std::string javascript = kJavaScriptCounter;
    std::string& changed = side() == Language::kPython ? python : javascript;
    for (const auto& [from, to] : replace) {
      std::string before = changed;
      changed = absl::StrReplaceAll(changed, {{from, to}});
      EXPECT_NE(before, changed)
          << "the test's replacement of " << from << " changed nothing";
    }
    PluginSource source;
    source.module = "stateful";
    source.implementations = {
        {Language::kPython, python, "stateful.py"},
        {Language::kJavaScript, javascript, "stateful.js"}};
    source.default_language = active;
    source.state = StateHooks{"snapshot", "restore", 0};
    return source;
  }

  // Replacements making `side()`'s snapshot raise "no snapshot".
  std::vector<std::pair<std::string, std::string>> SnapshotRaises() const {
    if (side() == Language::kPython) {
      return {{"    return {\"count\": count}",
               "    raise ValueError(\"no snapshot\")"}};
    }
    return {{"  return { count };", "  throw new TypeError(\"no snapshot\");"}};
  }

  absl::StatusOr<Value> Get() { return host_->Call("stateful", "get", {}); }
  Language Active() {
    absl::StatusOr<ModuleInfo> info = host_->GetModule("stateful");
    EXPECT_TRUE(info.ok()) << info.status();
    return info.ok() ? info->active : Language::kPython;
  }
};

TEST_P(StateTest, UseCarriesTheStateThereAndBack) {
  ASSERT_OK(host_->LoadPlugin(Counter(side())));
  ASSERT_THAT(host_->Call("stateful", "increment", {Value(5)}),
              IsOkAndHolds(Value(5)));
  ASSERT_OK(host_->Use("stateful", other()));
  EXPECT_THAT(Get(), IsOkAndHolds(Value(5)));
  ASSERT_THAT(host_->Call("stateful", "increment", {Value(2)}),
              IsOkAndHolds(Value(7)));
  ASSERT_OK(host_->Use("stateful", side()));
  EXPECT_THAT(Get(), IsOkAndHolds(Value(7)));
  // Using the active language again is no switch: no hook runs.
  ASSERT_OK(host_->Use("stateful", side()));
  EXPECT_THAT(Get(), IsOkAndHolds(Value(7)));
}

TEST_P(StateTest, WithoutStateHooksEachImplementationKeepsItsOwn) {
  PluginSource source = Counter(side());
  source.state.reset();
  ASSERT_OK(host_->LoadPlugin(source));
  ASSERT_OK(host_->Call("stateful", "increment", {Value(5)}).status());
  ASSERT_OK(host_->Use("stateful", other()));
  EXPECT_THAT(Get(), IsOkAndHolds(Value(0)));
  EXPECT_FALSE(host_->GetModule("stateful")->carries_state);
}

TEST_P(StateTest, ModuleInfoSaysTheModuleCarriesState) {
  ASSERT_OK(host_->LoadPlugin(Counter(side())));
  EXPECT_TRUE(host_->GetModule("stateful")->carries_state);
}

TEST_P(StateTest, AFailingSnapshotRefusesTheSwitchAndKeepsTheState) {
  ASSERT_OK(host_->LoadPlugin(Counter(side(), SnapshotRaises())));
  ASSERT_OK(host_->Call("stateful", "increment", {Value(3)}).status());
  absl::Status used = host_->Use("stateful", other());
  EXPECT_THAT(
      used,
      StatusIs(
          absl::StatusCode::kUnknown,
          AllOf(HasSubstr(absl::StrCat("switching stateful from ", Name(side()),
                                       " to ", Name(other()), " failed; ",
                                       Name(side()), " stays active")),
                HasSubstr("[state] snapshot stateful.snapshot"),
                HasSubstr("no snapshot"))));
  // The hook's own error stays attached, with its type and where it was.
  std::optional<ScriptError> error = GetScriptError(used);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->type,
            side() == Language::kPython ? "ValueError" : "TypeError");
  EXPECT_EQ(Active(), side());
  EXPECT_THAT(Get(), IsOkAndHolds(Value(3)));
}

TEST_P(StateTest, AFailingRestoreRefusesTheSwitchAndKeepsTheState) {
  // The side under test is the one taking over, so the module starts on
  // the other.
  std::vector<std::pair<std::string, std::string>> raises =
      side() == Language::kPython
          ? std::vector<std::pair<
                std::string,
                std::string>>{{"    count = state[\"count\"]",
                               "    raise ValueError(\"cannot restore\")"}}
          : std::vector<std::pair<std::string, std::string>>{
                {"  count = state.count;",
                 "  throw new Error(\"cannot restore\");"}};
  ASSERT_OK(host_->LoadPlugin(Counter(other(), raises)));
  ASSERT_OK(host_->Call("stateful", "increment", {Value(4)}).status());
  EXPECT_THAT(
      host_->Use("stateful", side()),
      StatusIs(absl::StatusCode::kUnknown,
               AllOf(HasSubstr(absl::StrCat(Name(other()), " stays active")),
                     HasSubstr("[state] restore stateful.restore"),
                     HasSubstr("cannot restore"))));
  EXPECT_EQ(Active(), other());
  EXPECT_THAT(Get(), IsOkAndHolds(Value(4)));
}

TEST_P(StateTest, ASnapshotPastTheTimeLimitRefusesTheSwitch) {
  std::vector<std::pair<std::string, std::string>> endless =
      side() == Language::kPython
          ? std::vector<std::pair<
                std::string, std::string>>{{"    return {\"count\": count}",
                                            "    while True: pass"}}
          : std::vector<std::pair<std::string, std::string>>{
                {"  return { count };", "  for (;;) {}"}};
  PluginSource source = Counter(side(), endless);
  source.limits.timeout_ms = 300;
  ASSERT_OK(host_->LoadPlugin(source));
  ASSERT_OK(host_->Call("stateful", "increment", {Value(6)}).status());
  EXPECT_THAT(host_->Use("stateful", other()),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       AllOf(HasSubstr("stays active"),
                             HasSubstr("stateful.snapshot"))));
  EXPECT_EQ(Active(), side());
  EXPECT_THAT(Get(), IsOkAndHolds(Value(6)));
}

TEST_P(StateTest, ASnapshotHoldingAFunctionIsRefusedNamingWhere) {
  std::vector<std::pair<std::string, std::string>> with_function =
      side() == Language::kPython
          ? std::vector<std::pair<
                std::string, std::string>>{{"    return {\"count\": count}",
                                            "    return {\"count\": count, "
                                            "\"hooks\": [len]}"}}
          : std::vector<std::pair<std::string, std::string>>{
                {"  return { count };",
                 "  return { count, hooks: [() => 1] };"}};
  ASSERT_OK(host_->LoadPlugin(Counter(side(), with_function)));
  EXPECT_THAT(host_->Use("stateful", other()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("returned a function"),
                             HasSubstr("at state.hooks[0]"))));
  EXPECT_EQ(Active(), side());
}

TEST_P(StateTest, AMissingHookFailsTheLoadNamingTheFile) {
  std::vector<std::pair<std::string, std::string>> renamed =
      side() == Language::kPython
          ? std::vector<std::pair<std::string,
                                  std::string>>{{"def restore(state)",
                                                 "def restore_state(state)"}}
          : std::vector<std::pair<std::string, std::string>>{
                {"function restore(state)", "function restore_state(state)"}};
  EXPECT_THAT(
      host_->LoadPlugin(Counter(side(), renamed)),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr(absl::StrCat(
                   "[state] function 'restore' is missing from stateful",
                   side() == Language::kPython ? ".py" : ".js", " (",
                   Name(side()), ")"))));
}

TEST_P(StateTest, AnAsyncHookFailsTheLoad) {
  std::vector<std::pair<std::string, std::string>> async =
      side() == Language::kPython
          ? std::vector<
                std::pair<std::string, std::string>>{{"def snapshot()",
                                                      "async def snapshot()"}}
          : std::vector<std::pair<std::string, std::string>>{
                {"function snapshot()", "async function snapshot()"}};
  EXPECT_THAT(host_->LoadPlugin(Counter(side(), async)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("[state] function 'snapshot' in stateful")));
}

TEST_P(StateTest, ReloadCarriesTheState) {
  ASSERT_OK(host_->LoadPlugin(Counter(side())));
  ASSERT_OK(host_->Call("stateful", "increment", {Value(9)}).status());
  ASSERT_OK(host_->Reload("stateful"));
  EXPECT_EQ(Active(), side());
  EXPECT_THAT(Get(), IsOkAndHolds(Value(9)));
}

TEST_P(StateTest, AReloadWhoseRestoreFailsKeepsTheOldVersionServing) {
  // restore refuses a count of 13, so the reload after reaching it fails.
  std::vector<std::pair<std::string, std::string>> picky =
      side() == Language::kPython
          ? std::vector<std::pair<
                std::string,
                std::string>>{{"    count = state[\"count\"]",
                               "    if state[\"count\"] == 13:\n"
                               "        raise ValueError(\"unlucky\")\n"
                               "    count = state[\"count\"]"}}
          : std::vector<std::pair<std::string, std::string>>{
                {"  count = state.count;",
                 "  if (state.count === 13) {\n"
                 "    throw new RangeError(\"unlucky\");\n"
                 "  }\n"
                 "  count = state.count;"}};
  ASSERT_OK(host_->LoadPlugin(Counter(side(), picky)));
  ASSERT_OK(host_->Call("stateful", "increment", {Value(13)}).status());
  std::string file =
      side() == Language::kPython ? "stateful.py:18: " : "stateful.js:18: ";
  EXPECT_THAT(
      host_->Reload("stateful"),
      StatusIs(absl::StatusCode::kUnknown,
               AllOf(HasSubstr("reloading stateful failed; the old version "
                               "keeps serving"),
                     HasSubstr(file), HasSubstr("unlucky"))));
  EXPECT_THAT(Get(), IsOkAndHolds(Value(13)));
  ASSERT_THAT(host_->Call("stateful", "increment", {Value(1)}),
              IsOkAndHolds(Value(14)));
  ASSERT_OK(host_->Reload("stateful"));
  EXPECT_THAT(Get(), IsOkAndHolds(Value(14)));
}

TEST_P(StateTest, AHookMayCallItsOwnModule) {
  // A snapshot that reads the count through duet, as a hook calling a
  // helper module that calls back would: the closed gate lets it through.
  std::vector<std::pair<std::string, std::string>> calls_back =
      side() == Language::kPython
          ? std::vector<std::pair<
                std::string, std::string>>{{"    return {\"count\": count}",
                                            "    return {\"count\": "
                                            "duet.call(\"stateful.get\")}"}}
          : std::vector<std::pair<std::string, std::string>>{
                {"  return { count };",
                 "  return { count: duet.call(\"stateful.get\") };"}};
  PluginSource source = Counter(side(), calls_back);
  if (side() == Language::kJavaScript) {
    source.implementations[1].text =
        "import duet from \"duet\";\n" + source.implementations[1].text;
  }
  ASSERT_OK(host_->LoadPlugin(source));
  ASSERT_OK(host_->Call("stateful", "increment", {Value(8)}).status());
  ASSERT_OK(host_->Use("stateful", other()));
  EXPECT_THAT(Get(), IsOkAndHolds(Value(8)));
}

TEST_P(StateTest, ACallThatDoesNotReturnRefusesTheSwitchUntilItDoes) {
  absl::Notification entered;
  absl::Notification release;
  ASSERT_OK(host_->RegisterFunction(
      "hold", [&](absl::Span<const Value>) -> absl::StatusOr<Value> {
        entered.Notify();
        release.WaitForNotification();
        return Value();
      }));
  std::vector<std::pair<std::string, std::string>> holds =
      side() == Language::kPython
          ? std::vector<
                std::pair<std::string,
                          std::string>>{{"def get():\n",
                                         "def get():\n    duet.host.hold()\n"}}
          : std::vector<std::pair<std::string, std::string>>{
                {"export function get() {\n",
                 "export function get() {\n  duet.host.hold();\n"}};
  PluginSource source = Counter(side(), holds);
  source.limits.timeout_ms = 300;
  if (side() == Language::kJavaScript) {
    source.implementations[1].text =
        "import duet from \"duet\";\n" + source.implementations[1].text;
  }
  ASSERT_OK(host_->LoadPlugin(source));
  ASSERT_OK(host_->Call("stateful", "increment", {Value(2)}).status());
  std::thread holder([&] { (void)Get(); });
  entered.WaitForNotification();
  EXPECT_THAT(host_->Use("stateful", other()),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("1 call of stateful still running")));
  EXPECT_EQ(Active(), side());
  release.Notify();
  holder.join();
  ASSERT_OK(host_->Use("stateful", other()));
  EXPECT_THAT(host_->Call("stateful", "increment", {Value(0)}),
              IsOkAndHolds(Value(2)));
}

TEST_P(StateTest, ASwitchAskedFromInsideTheModulesOwnCallIsRefused) {
  ASSERT_OK(host_->RegisterFunction(
      "switch_me", [&](absl::Span<const Value>) -> absl::StatusOr<Value> {
        absl::Status used = host_->Use("stateful", other());
        if (!used.ok()) return used;
        return Value();
      }));
  std::vector<std::pair<std::string, std::string>> switches =
      side() == Language::kPython
          ? std::vector<std::pair<
                std::string,
                std::string>>{{"def get():\n",
                               "def get():\n    duet.host.switch_me()\n"}}
          : std::vector<std::pair<std::string, std::string>>{
                {"export function get() {\n",
                 "export function get() {\n  duet.host.switch_me();\n"}};
  PluginSource source = Counter(side(), switches);
  if (side() == Language::kJavaScript) {
    source.implementations[1].text =
        "import duet from \"duet\";\n" + source.implementations[1].text;
  }
  ASSERT_OK(host_->LoadPlugin(source));
  EXPECT_THAT(Get(), StatusIs(absl::StatusCode::kFailedPrecondition,
                              HasSubstr("cannot switch or reload stateful "
                                        "from inside one of its own calls")));
  EXPECT_EQ(Active(), side());
}

TEST_P(StateTest, CallsDuringSwitchesAndReloadsNeverFailNorLoseAChange) {
  ASSERT_OK(host_->LoadPlugin(Counter(side())));
  constexpr int kThreads = 3;
  constexpr int kCallsEach = 400;
  std::atomic<int> failed{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> callers;
  for (int t = 0; t < kThreads; ++t) {
    callers.emplace_back([&] {
      for (int i = 0; i < kCallsEach; ++i) {
        if (!host_->Call("stateful", "increment", {Value(1)}).ok()) ++failed;
      }
    });
  }
  std::thread switcher([&] {
    for (int round = 0; round < 2 || !done.load(); ++round) {
      Language to = round % 2 == 0 ? other() : side();
      if (!host_->Use("stateful", to).ok()) ++failed;
      if (round % 5 == 0 && !host_->Reload("stateful").ok()) ++failed;
    }
  });
  for (std::thread& caller : callers) caller.join();
  done = true;
  switcher.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_THAT(Get(), IsOkAndHolds(Value(kThreads * kCallsEach)));
}

// A plugin on disk starts each implementation on its first use: a switch
// starts the side taking over, and a side never started has nothing to
// carry.
class StateOnDiskTest : public ::duet::testing::QuietHostTest {
 protected:
  void SetUp() override {
    QuietHostTest::SetUp();
    dir_.Write("stateful/plugin.toml",
               "name = \"stateful\"\n"
               "[implementations]\n"
               "python = \"stateful.py\"\n"
               "javascript = \"stateful.mjs\"\n"
               "[state]\n"
               "snapshot = \"snapshot\"\n"
               "restore = \"restore\"\n");
    dir_.Write("stateful/stateful.py", kPythonCounter);
    dir_.Write("stateful/stateful.mjs", kJavaScriptCounter);
    ASSERT_OK(host_->LoadPlugins(dir_.path()).status());
  }

  ::duet::testing::TempDir dir_;
};

TEST_F(StateOnDiskTest, ASwitchStartsTheSideTakingOverAndCarriesTheState) {
  ASSERT_THAT(host_->Call("stateful", "increment", {Value(3)}),
              IsOkAndHolds(Value(3)));
  ASSERT_OK(host_->Use("stateful", Language::kJavaScript));
  EXPECT_THAT(host_->Call("stateful", "get", {}), IsOkAndHolds(Value(3)));
  ASSERT_OK(host_->Reload("stateful"));
  EXPECT_THAT(host_->Call("stateful", "increment", {Value(1)}),
              IsOkAndHolds(Value(4)));
  ASSERT_OK(host_->Use("stateful", Language::kPython));
  EXPECT_THAT(host_->Call("stateful", "get", {}), IsOkAndHolds(Value(4)));
}

TEST_F(StateOnDiskTest, ASwitchBeforeAnyCallCarriesNothingAndWorks) {
  ASSERT_OK(host_->Use("stateful", Language::kJavaScript));
  EXPECT_THAT(host_->Call("stateful", "get", {}), IsOkAndHolds(Value(0)));
  ASSERT_OK(host_->Reload("stateful"));
  EXPECT_THAT(host_->Call("stateful", "get", {}), IsOkAndHolds(Value(0)));
}

TEST_F(StateOnDiskTest, AMissingHookIsReportedWhenThatSideStarts) {
  dir_.Write("stateful/stateful.mjs",
             absl::StrReplaceAll(kJavaScriptCounter,
                                 {{"function restore(", "function putBack("}}));
  ASSERT_OK(host_->Reload("stateful"));
  ASSERT_OK(host_->Call("stateful", "increment", {Value(2)}).status());
  EXPECT_THAT(host_->Use("stateful", Language::kJavaScript),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("[state] function 'restore' is missing from "
                                 "stateful.mjs (javascript)")));
  EXPECT_THAT(host_->Call("stateful", "get", {}), IsOkAndHolds(Value(2)));
}

INSTANTIATE_TEST_SUITE_P(BothEngines, StateTest,
                         ::testing::Values(Language::kPython,
                                           Language::kJavaScript),
                         ::duet::testing::LanguageParamName);

}  // namespace
}  // namespace duet
