// duet::tools text helpers: what every report renders with.
#include "duet/tools/text.h"

#include "absl/status/status.h"
#include "duet/error.h"
#include "gtest/gtest.h"

namespace duet::tools {
namespace {

TEST(TextTest, DurationsAndCounts) {
  EXPECT_EQ(FormatSeconds(0.0000123), "12.3 us");
  EXPECT_EQ(FormatSeconds(4.5e-9), "4.50 ns");
  EXPECT_EQ(FormatSeconds(0.25), "250 ms");
  EXPECT_EQ(FormatSeconds(12), "12.0 s");
  EXPECT_EQ(GroupThousands(1234567), "1,234,567");
  EXPECT_EQ(GroupThousands(-1000), "-1,000");
  EXPECT_EQ(GroupThousands(999), "999");
}

TEST(TextTest, WidthsCountTerminalColumns) {
  EXPECT_EQ(CodePoints("h\u00e9\u4e2d"), 3u);
  EXPECT_EQ(DisplayWidth("h\u00e9\u4e2d"), 4u);  // CJK takes two
  EXPECT_EQ(DisplayWidth("e\u0301"), 1u);        // combining mark: none
  EXPECT_EQ(DisplayWidth("\U0001F600"), 2u);     // emoji: two
}

TEST(TextTest, CallsAndJsonAreCutAtCodePoints) {
  EXPECT_EQ(CallLabel("greet", {Value("world"), Value(3)}),
            "greet(\"world\", 3)");
  EXPECT_EQ(CallLabel("f", {Value(std::string(100, 'x'))}, 12),
            "f(\"xxxxx...)");
  EXPECT_EQ(ShortJson(Value("\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"), 5),
            "\"\u00e9...");
  EXPECT_EQ(ShortJson(Value(Value::List{1, 2})), "[1, 2]");
}

TEST(TextTest, TablesAlignByDisplayWidth) {
  EXPECT_EQ(Table({{"NAME", "N"}, {"\u4e2d", "10"}, {"abc", "2"}}, {1}),
            "NAME   N\n"
            "\u4e2d    10\n"
            "abc    2\n");
}

TEST(TextTest, OneLineNamesTheScriptErrorWhere) {
  ScriptError error;
  error.type = "ValueError";
  error.message = "bad\nvalue";
  error.stack.push_back({Language::kPython, "", 0, 0, "<repl>"});
  error.stack.push_back({Language::kPython, "m.py", 3, 1, "f"});
  EXPECT_EQ(OneLine(MakeScriptError(error)), "ValueError: bad value (m.py:3)");
  EXPECT_EQ(OneLine(absl::NotFoundError("no module 'x'\n")), "no module 'x'");
}

TEST(TextTest, PaintOnlyWhenAsked) {
  EXPECT_EQ(Paint("ok", Style::kGreen, false), "ok");
  EXPECT_EQ(Paint("ok", Style::kGreen, true), "\x1b[32mok\x1b[0m");
  EXPECT_EQ(Paint("", Style::kRed, true), "");
}

}  // namespace
}  // namespace duet::tools
