// duet::tools bench: per-language timings of one call, and their reports.
// No assertion depends on how fast anything runs: the timing tests check
// the shape of the statistics, the report tests use made-up timings.
#include "duet/tools/bench.h"

#include <atomic>
#include <cmath>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"
#include "tools_testing.h"

namespace duet::tools {
namespace {

using ::duet::testing::IsOkAndHolds;
using ::duet::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Le;
using ::testing::Not;
using ::testing::StartsWith;

using BenchTest = FakePluginTest;

BenchOptions Quick() {
  BenchOptions options;
  options.seconds = 0.01;
  options.baseline = false;
  return options;
}

TEST_F(BenchTest, TimesEachLanguageOnTheSameCall) {
  Load("one", "def f: echo\n", "def f: echo\n");
  ASSERT_OK_AND_ASSIGN(BenchReport report,
                       RunBenchmark(*host_, "one", "f", {7, "x"}, Quick()));
  EXPECT_EQ(report.module, "one");
  EXPECT_EQ(report.function, "f");
  EXPECT_EQ(report.args, (Value::List{7, "x"}));
  ASSERT_EQ(report.rows.size(), 2u);
  EXPECT_EQ(report.rows[0].language, Language::kPython);
  EXPECT_EQ(report.rows[1].language, Language::kJavaScript);
  for (const BenchRow& row : report.rows) {
    EXPECT_EQ(row.result, Value(Value::List{7, "x"}));
    EXPECT_GT(row.function.calls, 0);
    EXPECT_GT(row.function.calls_per_second, 0);
    EXPECT_THAT(row.function.p10, Le(row.function.median));
    EXPECT_THAT(row.function.median, Le(row.function.p90));
    EXPECT_FALSE(row.baseline.has_value());
  }
  EXPECT_GE(report.ratio(), 1.0);
  ASSERT_NE(report.fastest(), nullptr);
  EXPECT_LE(report.fastest()->function.median,
            report.slowest()->function.median);
}

TEST_F(BenchTest, AnErrorEndsTheBenchNamingTheLanguage) {
  Load("half", "def f: return 1\n", "def f: raise RangeError too far\n");
  EXPECT_THAT(RunBenchmark(*host_, "half", "f", {}, Quick()),
              StatusIs(absl::StatusCode::kUnknown,
                       StartsWith("javascript: RangeError: too far")));
  EXPECT_THAT(RunBenchmark(*host_, "nope", "f", {}, Quick()),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("nope")));
}

TEST_F(BenchTest, StopCancelsTheBench) {
  Load("one", "def f: return 1\n", "def f: return 1\n");
  std::atomic<bool> stop{true};
  BenchOptions options = Quick();
  options.stop = &stop;
  EXPECT_THAT(RunBenchmark(*host_, "one", "f", {}, options),
              StatusIs(absl::StatusCode::kCancelled, "interrupted"));
}

TEST_F(BenchTest, ABaselineThatCannotLoadIsReportedNotFatal) {
  // The no-op plugin is real Python and JavaScript, which the fake engines
  // reject, so the bench runs without it and says why.
  Load("one", "def f: return 1\n", "def f: return 1\n");
  BenchOptions options = Quick();
  options.baseline = true;
  ASSERT_OK_AND_ASSIGN(BenchReport report,
                       RunBenchmark(*host_, "one", "f", {}, options));
  EXPECT_THAT(report.baseline_problem, Not(IsEmpty()));
  ASSERT_EQ(report.rows.size(), 2u);
  EXPECT_FALSE(report.rows[0].baseline.has_value());
  EXPECT_THAT(BenchText(report, false),
              HasSubstr("(no baseline: " + report.baseline_problem + ")\n"));
  EXPECT_EQ(Field(BenchJson(report), "baseline"), Value());
}

Timing MadeUp(double median) {
  Timing timing;
  timing.calls = 1234567;
  timing.calls_per_second = std::round(1 / median);
  timing.median = median;
  timing.p10 = median * 0.9;
  timing.p90 = median * 1.5;
  return timing;
}

// Python three times as fast as JavaScript; the no-op call costs 80% of a
// Python call.
BenchReport TwoLanguageReport() {
  BenchReport report;
  report.module = "strings";
  report.function = "shout";
  report.args = {"hi"};
  report.seconds = 0.5;
  BenchRow python;
  python.language = Language::kPython;
  python.function = MadeUp(1e-6);
  python.baseline = MadeUp(8e-7);
  python.result = "HI";
  BenchRow javascript;
  javascript.language = Language::kJavaScript;
  javascript.function = MadeUp(3e-6);
  javascript.baseline = MadeUp(6e-7);
  javascript.result = "HI";
  report.rows = {python, javascript};
  return report;
}

TEST(BenchReportTest, FastestSlowestAndRatioComeFromMedians) {
  BenchReport report = TwoLanguageReport();
  EXPECT_EQ(report.fastest()->language, Language::kPython);
  EXPECT_EQ(report.slowest()->language, Language::kJavaScript);
  EXPECT_DOUBLE_EQ(report.ratio(), 3.0);
  report.rows.pop_back();
  EXPECT_DOUBLE_EQ(report.ratio(), 1.0);
  report.rows.clear();
  EXPECT_EQ(report.fastest(), nullptr);
  EXPECT_DOUBLE_EQ(report.ratio(), 1.0);
}

TEST(BenchReportTest, TextNamesTheFasterLanguageAndWhatDominates) {
  BenchReport report = TwoLanguageReport();
  EXPECT_EQ(
      BenchText(report, false),
      "strings.shout(\"hi\"): 500 ms per implementation\n"
      "LANGUAGE      CALLS/S   MEDIAN      P10      P90  DUET NO-OP      CALLS"
      "  RELATIVE\n"
      "python      1,000,000  1.00 us   900 ns  1.50 us      800 ns  "
      "1,234,567  fastest\n"
      "javascript    333,333  3.00 us  2.70 us  4.50 us      600 ns  "
      "1,234,567  3.00x slower\n"
      "python is 3.00x faster than javascript (median 1.00 us vs 3.00 us per "
      "call).\n"
      "A call through duet that does nothing costs 800 ns in python (80% of "
      "a call), 600 ns in javascript (20% of a call):\n"
      "the call itself dominates; the languages differ more on fewer, larger "
      "calls.\n");
  report.rows[1].result = "hi";
  EXPECT_THAT(BenchText(report, false),
              HasSubstr("note: the results differ: python returned \"HI\", "
                        "javascript returned \"hi\"\n"));
}

TEST(BenchReportTest, JsonCarriesTimingsRatioAndAgreement) {
  BenchReport report = TwoLanguageReport();
  Value json = BenchJson(report);
  EXPECT_EQ(Field(json, "fastest"), Value("python"));
  EXPECT_DOUBLE_EQ(Field(json, "ratio").as_float(), 3.0);
  EXPECT_EQ(Field(json, "results_agree"), Value(true));
  EXPECT_EQ(Field(json, "baseline"),
            Value("_duet_baseline.noop: the same arguments, returns null"));
  const Value javascript = Field(json, "implementations").as_list()[1];
  EXPECT_EQ(Field(javascript, "language"), Value("javascript"));
  EXPECT_DOUBLE_EQ(Field(javascript, "median_s").as_float(), 3e-6);
  EXPECT_DOUBLE_EQ(Field(javascript, "baseline_share").as_float(), 0.2);
  report.rows[1].result = "hi";
  EXPECT_EQ(Field(BenchJson(report), "results_agree"), Value(false));
}

}  // namespace
}  // namespace duet::tools
