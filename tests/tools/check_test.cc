// duet::tools check: examples run against every implementation, from C++.
#include "duet/tools/check.h"

#include <atomic>
#include <string>
#include <vector>

#include "duet/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"
#include "tools_testing.h"

namespace duet::tools {
namespace {

using ::duet::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Two examples of add; plugin.toml's header is five lines, so they start
// on lines 6 and 11.
constexpr char kAddExamples[] =
    "[[examples]]\n"
    "call = \"add\"\n"
    "args = [1, 2]\n"
    "expect = 3\n"
    "\n"
    "[[examples]]\n"
    "call = \"add\"\n"
    "args = [2, 2]\n"
    "expect = 4\n";

using CheckTest = FakePluginTest;

TEST_F(CheckTest, ImplementationsThatPassEveryExample) {
  Load("mathy", "def add: echo\n", "def add: echo\n",
       "[[examples]]\ncall = \"add\"\nargs = [1, 2]\nexpect = [1, 2]\n");
  ASSERT_OK_AND_ASSIGN(std::vector<ModuleInfo> modules,
                       SelectModules(*host_, {}));
  std::vector<Language> streamed;
  CheckReport report =
      RunExamples(*host_, modules, [&](const ExampleOutcome& outcome) {
        streamed.push_back(outcome.language);
      });

  EXPECT_EQ(report.passed, 2);
  EXPECT_EQ(report.failed, 0);
  EXPECT_FALSE(report.stopped);
  EXPECT_THAT(streamed, ElementsAre(Language::kPython, Language::kJavaScript));
  ASSERT_EQ(report.outcomes.size(), 2u);
  for (const ExampleOutcome& outcome : report.outcomes) {
    EXPECT_TRUE(outcome.passed);
    EXPECT_EQ(outcome.module, "mathy");
    EXPECT_EQ(outcome.toml, "plugin.toml");
    ASSERT_TRUE(outcome.got.ok()) << outcome.got.status();
    EXPECT_EQ(*outcome.got, Value(Value::List{1, 2}));
  }
  EXPECT_EQ(CheckTable::Summary(report, {}), "2 passed, 0 failed\n");
  Value json = CheckJson(report, {});
  EXPECT_EQ(Field(json, "ok"), Value(true));
}

TEST_F(CheckTest, WrongAnswersAndErrorsAreReportedPerLanguage) {
  // Python answers 3 to everything (wrong for the second example);
  // JavaScript throws.
  Load("mathy", "def add: return 3\n", "def add: raise TypeError no adding\n",
       kAddExamples);
  ASSERT_OK_AND_ASSIGN(std::vector<ModuleInfo> modules,
                       SelectModules(*host_, {"mathy"}));
  CheckReport report = RunExamples(*host_, modules, nullptr);

  EXPECT_EQ(report.passed, 1);
  EXPECT_EQ(report.failed, 3);
  ASSERT_EQ(report.outcomes.size(), 4u);
  const ExampleOutcome& python_wrong = report.outcomes[2];
  EXPECT_EQ(python_wrong.language, Language::kPython);
  EXPECT_FALSE(python_wrong.passed);
  EXPECT_EQ(python_wrong.example.line, 11);
  const ExampleOutcome& javascript_error = report.outcomes[1];
  EXPECT_EQ(javascript_error.language, Language::kJavaScript);
  EXPECT_FALSE(javascript_error.passed);
  std::optional<ScriptError> error =
      GetScriptError(javascript_error.got.status());
  ASSERT_TRUE(error.has_value()) << javascript_error.got.status();
  EXPECT_EQ(error->type, "TypeError");

  CheckTable table(modules, /*colour=*/false);
  EXPECT_EQ(table.Header(),
            "MODULE  EXAMPLE    LANGUAGE    RESULT  RETURNED\n");
  EXPECT_EQ(table.Row(report.outcomes[0]),
            "mathy   add(1, 2)  python      pass    3\n");
  EXPECT_EQ(table.Row(python_wrong),
            "mathy   add(2, 2)  python      FAIL    3, expected 4  "
            "(plugin.toml:11)\n");
  EXPECT_THAT(table.Row(javascript_error),
              HasSubstr("FAIL    error: TypeError: no adding ("));
  EXPECT_EQ(CheckTable::Summary(report, {}), "1 passed, 3 failed\n");

  Value json = CheckJson(report, {});
  EXPECT_EQ(Field(json, "ok"), Value(false));
  EXPECT_EQ(Field(json, "failed"), Value(3));
  const Value javascript_json = Field(json, "results").as_list()[1];
  EXPECT_EQ(Field(javascript_json, "language"), Value("javascript"));
  EXPECT_EQ(Field(Field(javascript_json, "error"), "type"), Value("TypeError"));
}

TEST_F(CheckTest, ModulesWithoutExamplesAndLoadProblemsAreSummarised) {
  Load("plain", "def f: return 1\n", "def f: return 1\n");
  ASSERT_OK_AND_ASSIGN(std::vector<ModuleInfo> modules,
                       SelectModules(*host_, {}));
  CheckReport report = RunExamples(*host_, modules, nullptr);
  EXPECT_THAT(report.outcomes, IsEmpty());
  EXPECT_THAT(report.without_examples, ElementsAre("plain"));
  PluginProblem problem{"/plugins/broken",
                        absl::InvalidArgumentError("plugin.toml:1: bad")};
  EXPECT_EQ(CheckTable::Summary(report, {problem}),
            "0 passed, 0 failed; no examples: plain; 1 plugin(s) failed to "
            "load\n");
  EXPECT_EQ(Field(CheckJson(report, {problem}), "ok"), Value(false));
}

TEST_F(CheckTest, ANamedRunOnlyWarnsAboutPluginsThatFailedToLoad) {
  Load("plain", "def f: return 1\n", "def f: return 1\n");
  ASSERT_OK_AND_ASSIGN(std::vector<ModuleInfo> modules,
                       SelectModules(*host_, {"plain"}));
  CheckReport report = RunExamples(*host_, modules, nullptr);
  PluginProblem problem{"/plugins/broken",
                        absl::InvalidArgumentError("plugin.toml:1: bad")};
  EXPECT_EQ(CheckTable::Summary(report, {problem}, /*problems_fail=*/false),
            "0 passed, 0 failed; no examples: plain; warning: 1 other "
            "plugin(s) failed to load\n");
  Value json = CheckJson(report, {problem}, /*problems_fail=*/false);
  EXPECT_EQ(Field(json, "ok"), Value(true));
  EXPECT_EQ(Field(json, "problems").as_list().size(), 1u);
}

// Python raises ValueError where JavaScript throws RangeError, the pair
// docs/errors.md maps onto each other; both return null from nothing.
constexpr char kKindsPython[] =
    "def positive: raise ValueError n must be positive\n"
    "def nothing: return null\n";
constexpr char kKindsJavaScript[] =
    "def positive: raise RangeError n must be positive\n"
    "def nothing: return null\n";
// Lines 6, 10, 14 and 18.
constexpr char kKindsExamples[] =
    "[[examples]]\n"
    "call = \"positive\"\n"
    "args = [-1]\n"
    "raises = \"ValueError\"\n"
    "[[examples]]\n"
    "call = \"nothing\"\n"
    "args = [{ \"$null\" = true }]\n"
    "expect_null = true\n"
    "[[examples]]\n"
    "call = \"positive\"\n"
    "args = [-1]\n"
    "raises = \"TypeError\"\n"
    "[[examples]]\n"
    "call = \"nothing\"\n"
    "args = []\n"
    "raises = \"ValueError\"\n";

TEST_F(CheckTest, ExamplesExpectNullOrAnErrorByTypeInBothLanguages) {
  Load("kinds", kKindsPython, kKindsJavaScript, kKindsExamples);
  ASSERT_OK_AND_ASSIGN(std::vector<ModuleInfo> modules,
                       SelectModules(*host_, {"kinds"}));
  CheckReport report = RunExamples(*host_, modules, nullptr);
  ASSERT_EQ(report.outcomes.size(), 8u);
  std::vector<int> passed_lines;
  for (const ExampleOutcome& outcome : report.outcomes) {
    if (outcome.passed) passed_lines.push_back(outcome.example.line);
  }
  EXPECT_THAT(passed_lines, ElementsAre(6, 6, 10, 10));
  EXPECT_EQ(report.failed, 4);

  CheckTable table(modules, /*colour=*/false);
  EXPECT_THAT(table.Row(report.outcomes[1]),
              HasSubstr("javascript  pass    error: RangeError: n must be "
                        "positive ("));
  EXPECT_THAT(table.Row(report.outcomes[2]),
              HasSubstr("python      pass    null\n"));
  EXPECT_THAT(table.Row(report.outcomes[4]),
              AllOf(HasSubstr("FAIL    error: ValueError: n must be positive"),
                    HasSubstr(", expected TypeError  (plugin.toml:14)\n")));
  EXPECT_THAT(table.Row(report.outcomes[7]),
              HasSubstr("FAIL    null, expected ValueError  "
                        "(plugin.toml:18)\n"));
  const Value first = Field(CheckJson(report, {}), "results").as_list()[0];
  EXPECT_EQ(Field(first, "raises"), Value("ValueError"));
  EXPECT_EQ(first.as_map().Find("expect"), nullptr);
}

TEST_F(CheckTest, ARuntimeLimitsTheRunToOneImplementation) {
  Load("mathy", "def add: return 3\n", "def add: return 4\n", kAddExamples);
  dir_.Write("pyonly/plugin.toml",
             "name = \"pyonly\"\n[implementations]\npython = \"p.py\"\n"
             "[[examples]]\ncall = \"f\"\nexpect = 1\n");
  dir_.Write("pyonly/p.py", "def f: return 1\n");
  ASSERT_OK(host_->LoadPlugin(dir_.path() / "pyonly").status());
  ASSERT_OK_AND_ASSIGN(std::vector<ModuleInfo> modules,
                       SelectModules(*host_, {"mathy", "pyonly"}));
  CheckReport report =
      RunExamples(*host_, modules, nullptr, nullptr, Language::kJavaScript);
  ASSERT_EQ(report.outcomes.size(), 2u);
  for (const ExampleOutcome& outcome : report.outcomes) {
    EXPECT_EQ(outcome.language, Language::kJavaScript);
  }
  EXPECT_EQ(report.passed, 1);  // 2 + 2 is 4
  EXPECT_THAT(report.without_runtime, ElementsAre("pyonly"));
  EXPECT_EQ(CheckTable::Summary(report, {}),
            "1 passed, 1 failed; not in the chosen language: pyonly\n");
}

ScriptError Raised(Language language, std::string type,
                   std::string builtin_type) {
  ScriptError error;
  error.language = language;
  error.type = std::move(type);
  error.builtin_type = std::move(builtin_type);
  error.message = "bad";
  return error;
}

TEST(ErrorMatchesTest, ATypeMatchesAsEitherLanguageCatchesIt) {
  const absl::Status key_error =
      MakeScriptError(Raised(Language::kPython, "KeyError", "KeyError"));
  for (const char* name :
       {"KeyError", "LookupError", "Exception", "RangeError", "UNKNOWN"}) {
    EXPECT_TRUE(ErrorMatches(key_error, name)) << name;
  }
  for (const char* name : {"ValueError", "TypeError", "Error", "IndexError"}) {
    EXPECT_FALSE(ErrorMatches(key_error, name)) << name;
  }

  // class Bad(ValueError) in Python; class Bad extends TypeError in JS.
  const absl::Status python_bad =
      MakeScriptError(Raised(Language::kPython, "Bad", "ValueError"));
  EXPECT_TRUE(ErrorMatches(python_bad, "Bad"));
  EXPECT_TRUE(ErrorMatches(python_bad, "ValueError"));
  EXPECT_TRUE(ErrorMatches(python_bad, "RangeError"));
  EXPECT_FALSE(ErrorMatches(python_bad, "TypeError"));
  const absl::Status javascript_bad =
      MakeScriptError(Raised(Language::kJavaScript, "Bad", "TypeError"));
  EXPECT_TRUE(ErrorMatches(javascript_bad, "TypeError"));
  EXPECT_TRUE(ErrorMatches(javascript_bad, "Error"));
  EXPECT_FALSE(ErrorMatches(javascript_bad, "ValueError"));

  const absl::Status range_error = MakeScriptError(
      Raised(Language::kJavaScript, "RangeError", "RangeError"));
  EXPECT_TRUE(ErrorMatches(range_error, "ValueError"));
  EXPECT_FALSE(ErrorMatches(range_error, "Exception"));
  const absl::Status runtime_error = MakeScriptError(
      Raised(Language::kPython, "RuntimeError", "RuntimeError"));
  EXPECT_TRUE(ErrorMatches(runtime_error, "Error"));
  // A thrown non-Error has no built-in type.
  const absl::Status thrown =
      MakeScriptError(Raised(Language::kJavaScript, "Uncaught", ""));
  EXPECT_TRUE(ErrorMatches(thrown, "Uncaught"));
  EXPECT_FALSE(ErrorMatches(thrown, "Error"));
}

TEST(ErrorMatchesTest, AStatusCodeMatchesByName) {
  const absl::Status not_found =
      MakeScriptError(Raised(Language::kJavaScript, "NotFound", "Error"),
                      absl::StatusCode::kNotFound);
  EXPECT_TRUE(ErrorMatches(not_found, "NOT_FOUND"));
  EXPECT_TRUE(ErrorMatches(not_found, "NotFound"));
  EXPECT_FALSE(ErrorMatches(not_found, "UNKNOWN"));
  EXPECT_TRUE(
      ErrorMatches(absl::DeadlineExceededError("slow"), "DEADLINE_EXCEEDED"));
  EXPECT_FALSE(ErrorMatches(absl::DeadlineExceededError("slow"), "Error"));
  EXPECT_FALSE(ErrorMatches(absl::OkStatus(), "OK"));

  Example example;
  example.raises = "NOT_FOUND";
  EXPECT_TRUE(ExampleHolds(example, not_found));
  EXPECT_FALSE(ExampleHolds(example, Value()));
  example.raises.clear();
  EXPECT_TRUE(ExampleHolds(example, Value()));
  EXPECT_FALSE(ExampleHolds(example, not_found));
}

TEST_F(CheckTest, StopEndsTheRunBeforeTheNextCall) {
  Load("mathy", "def add: return 3\n", "def add: return 3\n", kAddExamples);
  ASSERT_OK_AND_ASSIGN(std::vector<ModuleInfo> modules,
                       SelectModules(*host_, {}));
  std::atomic<bool> stop{false};
  CheckReport report = RunExamples(
      *host_, modules, [&](const ExampleOutcome&) { stop = true; }, &stop);
  EXPECT_TRUE(report.stopped);
  EXPECT_EQ(report.outcomes.size(), 1u);
  EXPECT_THAT(CheckTable::Summary(report, {}), HasSubstr("; interrupted"));
}

TEST_F(CheckTest, SelectModulesNamesAnUnknownModuleAndHidesInternalOnes) {
  Load("mathy", "def add: return 3\n", "def add: return 3\n");
  Load("_duet_helper", "def f: return 1\n", "def f: return 1\n");
  EXPECT_THAT(SelectModules(*host_, {"nope"}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("nope")));
  ASSERT_OK_AND_ASSIGN(std::vector<ModuleInfo> all, SelectModules(*host_, {}));
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].name, "mathy");
  // Named explicitly, an internal module is still selected.
  ASSERT_OK_AND_ASSIGN(std::vector<ModuleInfo> named,
                       SelectModules(*host_, {"_duet_helper"}));
  EXPECT_EQ(named.size(), 1u);
  EXPECT_TRUE(IsInternalModule("_duet_baseline"));
  EXPECT_FALSE(IsInternalModule("duet_user"));
}

}  // namespace
}  // namespace duet::tools
