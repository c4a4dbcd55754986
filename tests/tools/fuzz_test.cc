// duet::tools fuzz: random inputs from declared parameter types, sent to
// every implementation until two disagree, then shrunk.
#include "duet/tools/fuzz.h"

#include <cstdint>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/fake_runtime.h"
#include "testing/status_matchers.h"
#include "tools_testing.h"

namespace duet::tools {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using FuzzTest = FakePluginTest;

absl::StatusOr<Value> EchoFirst(absl::Span<const Value> args) {
  return args.at(0);
}
absl::StatusOr<Value> WrongAbove100(absl::Span<const Value> args) {
  const int64_t x = args.at(0).as_int();
  return x > 100 || x < -100 ? Value("wrong") : Value(x);
}

constexpr char kIntParam[] = "[exports.f]\nparams = [\"int\"]\n";

TEST_F(FuzzTest, AgreeingImplementationsRunEveryInput) {
  Load("same", "def f: echo\n", "def f: echo\n",
       "[exports.f]\nparams = [\"int\", \"string\", \"list[any]\"]\n");
  std::vector<ModuleInfo> modules = host_->ListModules();
  FuzzOptions options;
  options.inputs = 40;
  int streamed = 0;
  std::vector<FuzzFunctionReport> reports = Fuzz(
      *host_, modules, options, [&](const FuzzFunctionReport&) { ++streamed; });

  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(streamed, 1);
  const FuzzFunctionReport& report = reports[0];
  EXPECT_EQ(report.module, "same");
  EXPECT_EQ(report.function, "f");
  EXPECT_EQ(report.inputs, 40);
  EXPECT_THAT(report.skipped, IsEmpty());
  EXPECT_FALSE(report.finding.has_value());

  FuzzTally tally = TallyFuzz(reports);
  EXPECT_EQ(tally.agree, 1);
  EXPECT_EQ(tally.disagree, 0);
  EXPECT_EQ(FuzzReportText(report, FuzzNameWidth(modules), false),
            "same.f  agree     40 inputs\n");
  EXPECT_EQ(FuzzSummaryText(reports), "0 functions disagree, 1 agree\n");
  Value json = FuzzJson(reports, options);
  EXPECT_EQ(Field(json, "ok"), Value(true));
  EXPECT_EQ(Field(json, "seed"), Value(static_cast<int64_t>(kDefaultFuzzSeed)));
}

TEST_F(FuzzTest, PlantedDisagreementIsFoundAndShrunkToTheBoundary) {
  // JavaScript disagrees with Python exactly when |x| > 100: the smallest
  // disagreeing input is 101.
  testing::SetFakeHook("python_f", EchoFirst);
  testing::SetFakeHook("javascript_f", WrongAbove100);
  Load("planted", "def f: hook python_f\n", "def f: hook javascript_f\n",
       kIntParam);
  FuzzOptions options;
  options.inputs = 200;
  std::vector<FuzzFunctionReport> reports =
      Fuzz(*host_, host_->ListModules(), options, nullptr);

  ASSERT_EQ(reports.size(), 1u);
  ASSERT_TRUE(reports[0].finding.has_value())
      << "no disagreement in " << reports[0].inputs << " inputs";
  const FuzzFinding& finding = *reports[0].finding;
  EXPECT_EQ(reports[0].inputs, finding.input_index);
  EXPECT_FALSE(finding.state_diverged);
  EXPECT_EQ(finding.shrunk, Value::List{101});
  ASSERT_EQ(finding.results.size(), 2u);
  EXPECT_EQ(finding.results[0].language, Language::kPython);
  EXPECT_THAT(finding.results[0].result, testing::IsOkAndHolds(Value(101)));
  EXPECT_THAT(finding.results[1].result, testing::IsOkAndHolds(Value("wrong")));

  EXPECT_THAT(FuzzReportText(reports[0], 0, false),
              HasSubstr("DISAGREE  on input "));
  EXPECT_THAT(FuzzReportText(reports[0], 0, false),
              HasSubstr("\n    f(101)\n      python      101\n"
                        "      javascript  \"wrong\"\n"));
  EXPECT_EQ(FuzzSummaryText(reports), "1 function disagrees, 0 agree\n");
  Value json = FuzzJson(reports, options);
  EXPECT_EQ(Field(json, "ok"), Value(false));
  EXPECT_EQ(Field(json, "disagreements"), Value(1));
  Value counterexample =
      Field(Field(json, "functions").as_list()[0], "counterexample");
  EXPECT_EQ(Field(counterexample, "args"), Value(Value::List{101}));
}

TEST_F(FuzzTest, AnErrorAgainstAValueIsADisagreement) {
  Load("half", "def f: echo\n", "def f: raise RangeError nope\n", kIntParam);
  std::vector<FuzzFunctionReport> reports =
      Fuzz(*host_, host_->ListModules(), {}, nullptr);
  ASSERT_EQ(reports.size(), 1u);
  ASSERT_TRUE(reports[0].finding.has_value());
  EXPECT_EQ(reports[0].finding->input_index, 1);
  // Every input disagrees, so the input shrinks to the simplest int.
  EXPECT_EQ(reports[0].finding->shrunk, Value::List{0});
  EXPECT_FALSE(reports[0].finding->results[1].result.ok());
}

TEST_F(FuzzTest, FunctionsWithoutDeclaredParamsAreSkipped) {
  Load("loose", "def f: echo\n", "def f: echo\n");
  std::vector<FuzzFunctionReport> reports =
      Fuzz(*host_, host_->ListModules(), {}, nullptr);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].skipped, "no declared params in plugin.toml");
  EXPECT_EQ(reports[0].inputs, 0);
  EXPECT_EQ(TallyFuzz(reports).skipped, 1);
  EXPECT_EQ(FuzzSummaryText(reports),
            "0 functions disagree, 0 agree, 1 skipped\n");
}

TEST_F(FuzzTest, NothingToFuzzWithoutTwoImplementations) {
  EXPECT_THAT(Fuzz(*host_, host_->ListModules(), {}, nullptr), IsEmpty());
  EXPECT_EQ(FuzzSummaryText({}),
            "nothing to fuzz: no module has two implementations\n");
  FuzzOptions options;
  options.inputs = 7;
  options.seed = 3;
  EXPECT_EQ(FuzzHeading(options),
            "fuzzing with seed 3 (--seed 3 repeats this run), up to 7 inputs "
            "per function\n");
}

TEST(ResultsAgreeTest, EqualByValueOrBothFailed) {
  EXPECT_TRUE(ResultsAgree(Value(3), Value(3.0)));
  EXPECT_FALSE(ResultsAgree(Value(3), Value(4)));
  EXPECT_TRUE(ResultsAgree(absl::UnknownError("TypeError"),
                           absl::InvalidArgumentError("other")));
  EXPECT_FALSE(ResultsAgree(Value(), absl::UnknownError("TypeError")));
  EXPECT_FALSE(ResultsAgree(absl::UnknownError("TypeError"), Value()));
}

TEST(ValueGeneratorTest, OneSeedOneSequence) {
  ASSERT_OK_AND_ASSIGN(TypeSpec type, TypeSpec::Parse("list[any]"));
  ValueGenerator first(42), again(42), other(43);
  std::vector<Value> a, b, c;
  for (int size = 1; size <= 20; ++size) {
    a.push_back(first.Generate(type, size));
    b.push_back(again.Generate(type, size));
    c.push_back(other.Generate(type, size));
  }
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

// The characters on which Python's and JavaScript's whitespace, case
// mapping and digit rules differ all turn up within the inputs of a default
// run of a string function (100 inputs).
TEST(ValueGeneratorTest, StringsCarryWhereTheLanguagesDiffer) {
  ASSERT_OK_AND_ASSIGN(TypeSpec type, TypeSpec::Parse("string"));
  ValueGenerator generator(kDefaultFuzzSeed);
  std::string all;
  for (int64_t i = 0; i < 100; ++i) {
    all += generator.Generate(type, static_cast<int>(4 + i / 2)).as_string();
  }
  for (const char* c :
       {"\x1c", "\x1d", "\x1e", "\x1f", "\u0085", "\ufeff", "\u180e", "\u00df",
        "\u0149", "\u01c5", "\u0130", "\u0131", "\u03a3", "\u0661", "\u00b2",
        "\uff13", "\U0001d7d9", "\U0001F600", "\U0010ffff"}) {
    EXPECT_THAT(all, HasSubstr(c)) << "no " << c;
  }
  EXPECT_NE(all.find('\0'), std::string::npos);
}

TEST(ShrinkCandidatesTest, SimplestFirstAndNeverTheValueItself) {
  ASSERT_OK_AND_ASSIGN(TypeSpec int_type, TypeSpec::Parse("int"));
  EXPECT_THAT(ShrinkCandidates(int_type, Value(-8)),
              ElementsAre(Value(0), Value(8), Value(-4), Value(-6), Value(-7),
                          Value(-7)));
  ASSERT_OK_AND_ASSIGN(TypeSpec string_type, TypeSpec::Parse("string?"));
  std::vector<Value> strings = ShrinkCandidates(string_type, Value("ab"));
  ASSERT_FALSE(strings.empty());
  EXPECT_EQ(strings[0], Value());  // nullable: null first
  EXPECT_THAT(strings, ::testing::Not(::testing::Contains(Value("ab"))));
}

}  // namespace
}  // namespace duet::tools
