// The tools library on a Host with the real engines (duet::duet) and the
// `duet` command's fixture plugins: what the command prints is tested in
// tests/cli; these check the structured reports an embedder gets.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "duet/host.h"
#include "duet/json.h"
#include "duet/repl.h"
#include "duet/tools/bench.h"
#include "duet/tools/check.h"
#include "duet/tools/fuzz.h"
#include "duet/tools/stubs.h"
#include "duet/tools/text.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace duet::tools {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::string kFixtures = DUET_CLI_FIXTURES;
const std::string kStubsFixtures = DUET_STUBS_FIXTURES;

class ToolsOnEnginesTest : public ::testing::Test {
 protected:
  // One host for the suite: the engines start once.
  static void SetUpTestSuite() {
    HostOptions options;
    options.log_sink = [](LogLevel, std::string_view, std::string_view) {};
    absl::StatusOr<std::unique_ptr<Host>> host = Host::Create(options);
    ASSERT_TRUE(host.ok()) << host.status();
    host_ = host->release();
    for (const char* dir :
         {"/wrong_example", "/disagree", "/whitespace", "/outcomes"}) {
      absl::StatusOr<LoadReport> report = host_->LoadPlugins(kFixtures + dir);
      ASSERT_TRUE(report.ok()) << report.status();
      ASSERT_THAT(report->problems, IsEmpty());
    }
    absl::StatusOr<LoadReport> report =
        host_->LoadPlugins(kStubsFixtures + "/plugins");
    ASSERT_TRUE(report.ok()) << report.status();
    ASSERT_THAT(report->problems, IsEmpty());
  }
  static void TearDownTestSuite() {
    delete host_;
    host_ = nullptr;
  }

  static Host* host_;
};

Host* ToolsOnEnginesTest::host_ = nullptr;

TEST_F(ToolsOnEnginesTest, CheckFindsTheWrongExampleInBothLanguages) {
  ASSERT_OK_AND_ASSIGN(std::vector<ModuleInfo> modules,
                       SelectModules(*host_, {"mathy"}));
  CheckReport report = RunExamples(*host_, modules, nullptr);
  EXPECT_EQ(report.passed, 2);
  EXPECT_EQ(report.failed, 2);
  for (const ExampleOutcome& outcome : report.outcomes) {
    // The second example (plugin.toml:15) expects 2 + 2 to be 5.
    EXPECT_EQ(outcome.passed, outcome.example.line != 15)
        << NameOf(outcome.language) << " line " << outcome.example.line;
    ASSERT_TRUE(outcome.got.ok()) << outcome.got.status();
  }
}

TEST_F(ToolsOnEnginesTest, BenchTimesBothLanguagesAgainstTheHiddenBaseline) {
  BenchOptions options;
  options.seconds = 0.01;
  ASSERT_OK_AND_ASSIGN(BenchReport report,
                       RunBenchmark(*host_, "mathy", "add", {1, 2}, options));
  EXPECT_THAT(report.baseline_problem, IsEmpty());
  ASSERT_EQ(report.rows.size(), 2u);
  for (const BenchRow& row : report.rows) {
    EXPECT_EQ(row.result, Value(3)) << NameOf(row.language);
    EXPECT_GT(row.function.calls, 0);
    ASSERT_TRUE(row.baseline.has_value()) << NameOf(row.language);
    EXPECT_GT(row.baseline->calls, 0);
  }
  EXPECT_GE(report.ratio(), 1.0);
  // The no-op plugin is loaded once and never listed as a user's module.
  EXPECT_OK(host_->GetModule(kBaselineModule).status());
  EXPECT_OK(EnsureBaseline(*host_));
  ASSERT_OK_AND_ASSIGN(std::vector<ModuleInfo> modules,
                       SelectModules(*host_, {}));
  for (const ModuleInfo& module : modules) {
    EXPECT_NE(module.name, kBaselineModule);
  }
}

TEST_F(ToolsOnEnginesTest, EveryFuzzFindingStillDisagreesWhenCalledAgain) {
  ASSERT_OK_AND_ASSIGN(std::vector<ModuleInfo> modules,
                       SelectModules(*host_, {"twins"}));
  FuzzOptions options;
  options.inputs = 200;
  std::vector<FuzzFunctionReport> reports =
      Fuzz(*host_, modules, options, nullptr);
  FuzzTally tally = TallyFuzz(reports);
  EXPECT_EQ(tally.disagree, 3);
  EXPECT_EQ(tally.agree, 1);
  for (const FuzzFunctionReport& report : reports) {
    if (!report.finding) continue;
    CallOptions python_options;
    python_options.implementation = Language::kPython;
    CallOptions javascript_options;
    javascript_options.implementation = Language::kJavaScript;
    absl::StatusOr<Value> python = host_->Call(
        "twins", report.function, report.finding->shrunk, python_options);
    absl::StatusOr<Value> javascript = host_->Call(
        "twins", report.function, report.finding->shrunk, javascript_options);
    const bool agree =
        python.ok() == javascript.ok() &&
        (!python.ok() || EquivalentByValue(*python, *javascript));
    EXPECT_FALSE(agree) << report.function;
  }
}

// Python's str.split() and JavaScript's /\s+/ agree on ASCII; the default
// seed finds a character they split differently, and shrinks to it.
TEST_F(ToolsOnEnginesTest, FuzzFindsTheWhitespaceTheLanguagesDisagreeOn) {
  ASSERT_OK_AND_ASSIGN(std::vector<ModuleInfo> modules,
                       SelectModules(*host_, {"words"}));
  std::vector<FuzzFunctionReport> reports =
      Fuzz(*host_, modules, FuzzOptions{}, nullptr);
  ASSERT_EQ(reports.size(), 1u);
  ASSERT_TRUE(reports[0].finding.has_value());
  const std::string& shrunk = reports[0].finding->shrunk.at(0).as_string();
  bool differing = false;
  for (const char* c : {"\x1c", "\x1d", "\x1e", "\x1f", "\u0085", "\ufeff"}) {
    differing = differing || shrunk.find(c) != std::string::npos;
  }
  EXPECT_TRUE(differing) << ToJson(Value(shrunk));
}

TEST_F(ToolsOnEnginesTest, ExamplesOfEveryKindPassInBothLanguages) {
  ASSERT_OK_AND_ASSIGN(std::vector<ModuleInfo> modules,
                       SelectModules(*host_, {"kinds"}));
  CheckReport report = RunExamples(*host_, modules, nullptr);
  EXPECT_EQ(report.failed, 0);
  EXPECT_EQ(report.passed, 16);
  for (const ExampleOutcome& outcome : report.outcomes) {
    EXPECT_TRUE(outcome.passed)
        << NameOf(outcome.language) << " line " << outcome.example.line << ": "
        << (outcome.got.ok() ? ToJson(*outcome.got)
                             : OneLine(outcome.got.status()));
  }
}

// Python's help() and inspect.signature show what the Python stubs declare
// (the binding spells the annotations itself: bindings/python/duet_module.cc).
TEST_F(ToolsOnEnginesTest, PythonSignaturesMatchTheStubs) {
  ASSERT_OK_AND_ASSIGN(ModuleInfo module, host_->GetModule("every_type"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ReplConsole> console,
                       host_->OpenRepl(Language::kPython));
  ASSERT_OK(console->Evaluate("import inspect").status());
  std::vector<FunctionSignature> functions = ModuleSignatures(module);
  ASSERT_EQ(functions.size(), 14u);
  for (const FunctionSignature& function : functions) {
    // typing.Any prints as typing.Any inside list[...]; the stubs import Any.
    ASSERT_OK_AND_ASSIGN(std::string shown,
                         console->Evaluate(absl::StrCat(
                             "str(inspect.signature(every_type.", function.name,
                             ")).replace('typing.', '')")));
    EXPECT_EQ(shown, absl::StrCat("'", PythonSignature(function), "'"));
    ASSERT_OK_AND_ASSIGN(std::string doc,
                         console->Evaluate(absl::StrCat(
                             "every_type.", function.name, ".__doc__")));
    if (function.line > 0) {
      FunctionSignature declared = function;
      declared.async_in.clear();  // plugin.toml does not say
      EXPECT_THAT(doc, HasSubstr(DeclaredSignature(declared)));
    } else {
      EXPECT_THAT(doc, HasSubstr("not declared"));
    }
  }
}

}  // namespace
}  // namespace duet::tools
