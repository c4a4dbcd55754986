#include "duet/json.h"

#include <cmath>
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace duet {
namespace {

using ::duet::testing::IsOkAndHolds;
using ::duet::testing::StatusIs;
using ::testing::HasSubstr;

TEST(JsonTest, ParsesEveryKind) {
  ASSERT_OK_AND_ASSIGN(Value v,
                       ParseJson(R"( {"a": [1, -2.5, 1e3, true, false, null],
                              "s": "\u00e9\ud83d\ude00\n", "e": {}} )"));
  const Value::List& list = v.as_map().Find("a")->as_list();
  EXPECT_EQ(list[0], Value(1));
  EXPECT_EQ(list[1], Value(-2.5));
  EXPECT_EQ(list[2], Value(1000.0));
  EXPECT_EQ(list[3], Value(true));
  EXPECT_TRUE(list[5].is_null());
  EXPECT_EQ(v.as_map().Find("s")->as_string(), "\xc3\xa9\xf0\x9f\x98\x80\n");
  EXPECT_TRUE(v.as_map().Find("e")->as_map().empty());
}

TEST(JsonTest, IntegersStayIntsAndFloatsStayFloats) {
  EXPECT_EQ(*ParseJson("3"), Value(3));
  EXPECT_EQ(*ParseJson("3.0"), Value(3.0));
  EXPECT_EQ(*ParseJson("-9223372036854775808"),
            Value(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(ToJson(Value(3.0)), "3.0");
  EXPECT_EQ(ToJson(Value(0.1)), "0.1");
  EXPECT_EQ(ToJson(Value(1e300)), "1e+300");
  EXPECT_EQ(*ParseJson(ToJson(Value(1e300))), Value(1e300));
  EXPECT_THAT(ParseJson("9223372036854775808"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("does not fit in 64 bits")));
}

TEST(JsonTest, NonFiniteNumbersAsPythonWritesThem) {
  EXPECT_TRUE(std::isnan(ParseJson("NaN")->as_float()));
  EXPECT_EQ(*ParseJson("-Infinity"), Value(-HUGE_VAL));
  EXPECT_EQ(ToJson(Value(HUGE_VAL)), "Infinity");
}

TEST(JsonTest, BytesTravelAsBase64) {
  Value bytes = Bytes(std::string("\x00\xff\x10", 3));
  std::string text = ToJson(bytes);
  EXPECT_EQ(text, R"({"$bytes": "AP8Q"})");
  EXPECT_EQ(*ParseJson(text), bytes);
}

TEST(JsonTest, TimesAreWrittenAsIsoStringsAndNeverRead) {
  Value time = absl::FromUnixMillis(-1);
  EXPECT_EQ(ToJson(Value(Value::List{time})),
            R"(["1969-12-31T23:59:59.999Z"])");
  // JSON has no time type: the string reads back as a string.
  EXPECT_EQ(*ParseJson(ToJson(time)), Value("1969-12-31T23:59:59.999Z"));
}

TEST(JsonTest, RoundTripsNestedValues) {
  Value v = Value::Map{{"list", Value::List{1, 2.5, "x", Value()}},
                       {"map", Value::Map{{"k", false}}},
                       {"nul", std::string("a\0b", 3)}};
  EXPECT_EQ(*ParseJson(ToJson(v)), v);
  EXPECT_EQ(*ParseJson(ToJson(v, {.indent = 2})), v);
}

// A path from the file system need not be UTF-8; JSON output always is.
TEST(JsonTest, InvalidUtf8BecomesReplacementCharacters) {
  Value value(Value::Map{
      {std::string("dir\xff"), std::string("plugins/caf\xe9/x\xf0\x9f\x98.js")},
      {"ok", "caf\xc3\xa9 \xf0\x9f\x91\x8b"}});
  std::string json = ToJson(value);
  EXPECT_EQ(json,
            "{\"dir\xef\xbf\xbd\": \"plugins/caf\xef\xbf\xbd/"
            "x\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd.js\", "
            "\"ok\": \"caf\xc3\xa9 \xf0\x9f\x91\x8b\"}");
  ASSERT_OK_AND_ASSIGN(Value parsed, ParseJson(json));
  EXPECT_EQ(
      *parsed.as_map().Find("dir\xef\xbf\xbd"),
      Value(
          "plugins/caf\xef\xbf\xbd/x\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd.js"));
}

TEST(JsonTest, AFunctionIsWrittenByNameAndReadsBackAsAMap) {
  Value function = Value::FromFunction(
      "twice",
      [](absl::Span<const Value>) -> absl::StatusOr<Value> { return Value(); });
  const std::string json = ToJson(Value::List{function});
  EXPECT_EQ(json, "[{\"$function\": \"twice\"}]");
  EXPECT_THAT(
      ParseJson(json),
      IsOkAndHolds(Value(Value::List{Value::Map{{"$function", "twice"}}})));
}

TEST(JsonTest, ErrorsSayWhatAndWhere) {
  EXPECT_THAT(ParseJson("world"), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("at offset 0")));
  EXPECT_THAT(ParseJson("[1,"), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("end of the input")));
  EXPECT_THAT(ParseJson("\"abc"), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("unterminated string")));
  EXPECT_THAT(ParseJson("1 2"), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("after the value")));
  EXPECT_THAT(ParseJson("\"\\ud800\""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("lone surrogate")));
  EXPECT_THAT(
      ParseJson("\"\xff\""),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("invalid UTF-8")));
  EXPECT_THAT(ParseJson("01"), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("leading zeros")));
  EXPECT_THAT(
      ParseJson(std::string(2000, '[')),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nested deeper")));
}

}  // namespace
}  // namespace duet
