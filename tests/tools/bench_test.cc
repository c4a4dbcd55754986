// duet::tools bench: per-language timings of one call, and their reports.
// No assertion depends on how fast anything runs: the timing tests check
// the shape of the statistics, the report tests use made-up timings.
#include "duet/tools/bench.h"

#include <algorithm>
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
      "call; p10-p90 ranges do not overlap, too few samples to bootstrap).\n"
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

// `n` per-call times spread evenly from `low` to `high` seconds.
std::vector<double> Spread(double low, double high, int n) {
  std::vector<double> times;
  for (int i = 0; i < n; ++i) {
    times.push_back(low + (high - low) * i / (n - 1));
  }
  return times;
}

TEST(TimingOfTest, QuantilesAndAThinnedSortedSample) {
  std::vector<double> times = Spread(1e-6, 2e-6, 5001);
  std::reverse(times.begin(), times.end());
  Timing timing = TimingOf(times, 0.5);
  EXPECT_EQ(timing.calls, 5001);
  EXPECT_DOUBLE_EQ(timing.calls_per_second, 10002);
  EXPECT_NEAR(timing.median, 1.5e-6, 1e-9);
  EXPECT_NEAR(timing.p10, 1.1e-6, 1e-9);
  EXPECT_NEAR(timing.p90, 1.9e-6, 1e-9);
  ASSERT_EQ(timing.samples.size(), kKeptSamples);
  EXPECT_TRUE(std::is_sorted(timing.samples.begin(), timing.samples.end()));
  EXPECT_NEAR(timing.samples.front(), 1e-6, 1e-9);
  EXPECT_NEAR(timing.samples.back(), 2e-6, 1e-9);
  EXPECT_EQ(TimingOf({3e-6, 1e-6}, 1).samples,
            (std::vector<double>{1e-6, 3e-6}));
}

TEST(CompareTimingsTest, OverlappingDistributionsAreNoClearDifference) {
  // The complaint: medians 1% apart, the distributions nearly the same.
  Timing faster = TimingOf(Spread(1.0e-6, 2.0e-6, 2000), 1);
  Timing slower = TimingOf(Spread(1.015e-6, 2.015e-6, 2000), 1);
  Comparison comparison = CompareTimings(faster, slower);
  EXPECT_EQ(comparison.test, Comparison::Test::kBootstrap);
  EXPECT_FALSE(comparison.clear);
  EXPECT_NEAR(comparison.ratio, 1.01, 0.001);
  EXPECT_LT(comparison.low, comparison.ratio);
  EXPECT_GT(comparison.high, comparison.ratio);
  EXPECT_LT(comparison.low, 1.0);
  EXPECT_THAT(DescribeComparison(comparison),
              StartsWith("bootstrap 95% interval of the ratio of medians: "));
}

TEST(CompareTimingsTest, SeparateDistributionsAreAClearDifference) {
  Timing faster = TimingOf(Spread(1.0e-6, 1.4e-6, 2000), 1);
  Timing slower = TimingOf(Spread(1.5e-6, 2.1e-6, 2000), 1);
  Comparison comparison = CompareTimings(faster, slower);
  EXPECT_EQ(comparison.test, Comparison::Test::kBootstrap);
  EXPECT_TRUE(comparison.clear);
  EXPECT_NEAR(comparison.ratio, 1.5, 0.001);
  EXPECT_GT(comparison.low, 1.4);
  EXPECT_LT(comparison.high, 1.6);
  // The same numbers give the same verdict: the resampling is seeded.
  Comparison again = CompareTimings(faster, slower);
  EXPECT_EQ(again.low, comparison.low);
  EXPECT_EQ(again.high, comparison.high);
}

TEST(CompareTimingsTest, ASureButSmallDifferenceIsNotClear) {
  // Tight distributions 3% apart: the interval excludes 1, yet 3% is within
  // what changes between runs.
  Timing faster = TimingOf(Spread(1.000e-6, 1.001e-6, 2000), 1);
  Timing slower = TimingOf(Spread(1.030e-6, 1.031e-6, 2000), 1);
  Comparison comparison = CompareTimings(faster, slower);
  EXPECT_GT(comparison.low, 1.0);
  EXPECT_LT(comparison.high, kMinClearRatio);
  EXPECT_FALSE(comparison.clear);
}

TEST(CompareTimingsTest, FewSamplesFallBackToTheRangeOverlap) {
  Timing faster = TimingOf(Spread(1e-6, 2e-6, 10), 1);
  Timing overlapping = TimingOf(Spread(1.8e-6, 3e-6, 10), 1);
  Timing apart = TimingOf(Spread(2.5e-6, 3e-6, 10), 1);
  Comparison comparison = CompareTimings(faster, overlapping);
  EXPECT_EQ(comparison.test, Comparison::Test::kRangeOverlap);
  EXPECT_FALSE(comparison.clear);
  EXPECT_EQ(DescribeComparison(comparison),
            "p10-p90 ranges overlap, too few samples to bootstrap");
  comparison = CompareTimings(faster, apart);
  EXPECT_EQ(comparison.test, Comparison::Test::kRangeOverlap);
  EXPECT_TRUE(comparison.clear);
  EXPECT_GT(comparison.low, 1.0);
}

TEST(BenchReportTest, TextSaysNoClearDifferenceAndWhichTest) {
  BenchReport report = TwoLanguageReport();
  report.rows[0].function = TimingOf(Spread(1.0e-6, 2.0e-6, 2000), 1);
  report.rows[1].function = TimingOf(Spread(1.015e-6, 2.015e-6, 2000), 1);
  const std::string text = BenchText(report, false);
  EXPECT_THAT(text, HasSubstr("No clear difference between python and "
                              "javascript (median 1.50 us vs "));
  EXPECT_THAT(text, HasSubstr(" per call; bootstrap 95% interval of the "
                              "ratio of medians: "));
  EXPECT_THAT(text, HasSubstr(", not all above 1.05x).\n"));
  EXPECT_THAT(text, Not(HasSubstr("faster")));
  const Value comparison = Field(BenchJson(report), "comparison");
  EXPECT_EQ(Field(comparison, "test"), Value("bootstrap"));
  EXPECT_EQ(Field(comparison, "clear_difference"), Value(false));
  EXPECT_EQ(Field(BenchJson(TwoLanguageReport()), "comparison")
                .as_map()
                .Find("clear_difference")
                ->as_bool(),
            true);
}

TEST_F(BenchTest, ARuntimeTimesOneImplementation) {
  Load("one", "def f: return 1\n", "def f: return 1\n");
  BenchOptions options = Quick();
  options.runtime = Language::kJavaScript;
  ASSERT_OK_AND_ASSIGN(BenchReport report,
                       RunBenchmark(*host_, "one", "f", {}, options));
  ASSERT_EQ(report.rows.size(), 1u);
  EXPECT_EQ(report.rows[0].language, Language::kJavaScript);
  EXPECT_FALSE(report.comparison().has_value());
  dir_.Write("pyonly/plugin.toml",
             "name = \"pyonly\"\n[implementations]\npython = \"p.py\"\n");
  dir_.Write("pyonly/p.py", "def f: return 1\n");
  ASSERT_OK(host_->LoadPlugin(dir_.path() / "pyonly").status());
  EXPECT_THAT(RunBenchmark(*host_, "pyonly", "f", {}, options),
              StatusIs(absl::StatusCode::kNotFound,
                       "module 'pyonly' has no javascript implementation"));
}

}  // namespace
}  // namespace duet::tools
