// duet::tools chart: the SVG of a bench report.
#include "duet/tools/chart.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace duet::tools {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

BenchRow Row(Language language, double median, bool baseline) {
  BenchRow row;
  row.language = language;
  row.function.calls = 1000;
  row.function.calls_per_second = 250000;
  row.function.median = median;
  row.function.p10 = median / 2;
  row.function.p90 = median * 2;
  // The calls spread evenly from p10 to p90 (for the comparison's test).
  for (int i = 0; i < 200; ++i) {
    row.function.samples.push_back(median / 2 + median * 1.5 * i / 199);
  }
  if (baseline) {
    row.baseline = row.function;
    row.baseline->median = median / 4;
  }
  return row;
}

BenchReport Report(bool baseline) {
  BenchReport report;
  report.module = "text";
  report.function = "compare";
  report.args = {"a<b & \"c\""};
  report.seconds = 0.5;
  report.rows = {Row(Language::kPython, 2e-6, baseline),
                 Row(Language::kJavaScript, 5e-6, baseline)};
  return report;
}

TEST(BenchSvgTest, OneBandPerLanguageUnderAVerdict) {
  const std::string svg = BenchSvg(Report(/*baseline=*/true));
  EXPECT_THAT(svg, StartsWith("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_THAT(svg, EndsWith("</svg>\n"));
  EXPECT_THAT(svg, HasSubstr("Python is 2.50\u00d7 faster than JavaScript"));
  EXPECT_THAT(svg, HasSubstr(">Python</text>"));
  EXPECT_THAT(svg, HasSubstr(">JavaScript</text>"));
  EXPECT_THAT(svg, HasSubstr("250,000 calls/s"));
  // Medians in µs on an axis in µs; p10-p90 as a range in one unit.
  EXPECT_THAT(svg, HasSubstr(">2.00 \u00b5s</tspan>"));
  EXPECT_THAT(svg, HasSubstr("p10\u2013p90 1.00\u20134.00 \u00b5s"));
  EXPECT_THAT(svg, HasSubstr("time per call (\u00b5s)"));
  EXPECT_THAT(svg, HasSubstr("duet no-op 500 ns"));
  EXPECT_THAT(svg, HasSubstr("500 ms of calls per implementation"));
}

TEST(BenchSvgTest, OverlappingTimesAreNoClearDifference) {
  BenchReport report = Report(/*baseline=*/false);
  // Python's calls take 1-4 us, JavaScript's 1.05-4.2 us.
  report.rows[1] = Row(Language::kJavaScript, 2.1e-6, false);
  const std::string svg = BenchSvg(report);
  EXPECT_THAT(svg, HasSubstr("No clear difference between Python and "
                             "JavaScript"));
  EXPECT_THAT(svg, Not(HasSubstr("faster than")));
}

TEST(BenchSvgTest, TextIsEscapedForXml) {
  const std::string svg = BenchSvg(Report(/*baseline=*/false));
  EXPECT_THAT(svg, HasSubstr("text.compare(&quot;a&lt;b &amp; "
                             "\\&quot;c\\&quot;&quot;)"));
  EXPECT_THAT(svg, Not(HasSubstr("a<b")));
}

TEST(BenchSvgTest, WithoutBaselineOrSecondLanguage) {
  BenchReport report = Report(/*baseline=*/false);
  report.rows.pop_back();
  const std::string svg = BenchSvg(report);
  EXPECT_THAT(svg, HasSubstr(">Python only</text>"));
  EXPECT_THAT(svg, Not(HasSubstr("duet no-op")));
  EXPECT_THAT(svg, Not(HasSubstr("JavaScript")));
}

}  // namespace
}  // namespace duet::tools
