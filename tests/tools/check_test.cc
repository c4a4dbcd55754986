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
