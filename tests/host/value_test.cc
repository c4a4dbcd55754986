#include "duet/value.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace duet {
namespace {

TEST(ValueTest, KindsAndAccessors) {
  EXPECT_TRUE(Value().is_null());
  EXPECT_TRUE(Value(nullptr).is_null());
  EXPECT_EQ(Value(true).as_bool(), true);
  EXPECT_EQ(Value(42).as_int(), 42);
  EXPECT_EQ(Value(int64_t{-7}).as_int(), -7);
  EXPECT_EQ(Value(2.5).as_float(), 2.5);
  EXPECT_EQ(Value("hi").as_string(), "hi");
  EXPECT_EQ(Value(std::string("a\0b", 3)).as_string().size(), 3u);
  EXPECT_EQ(Value(Bytes("\x00\xff", 2)).as_bytes().size(), 2u);
  EXPECT_TRUE(Value(Value::List{1, "x"}).is_list());
  EXPECT_TRUE(Value(Value::Map{{"a", 1}}).is_map());
  EXPECT_EQ(KindName(Value(1.0).kind()), "float");
  EXPECT_EQ(Value(3).as_number(), 3.0);
}

TEST(ValueTest, StructuralEqualityKeepsKinds) {
  EXPECT_EQ(Value(1), Value(1));
  EXPECT_NE(Value(1), Value(1.0));
  EXPECT_NE(Value("a"), Value(Bytes("a")));
  EXPECT_EQ(Value(Value::List{1, Value::List{}}),
            Value(Value::List{1, Value::List{}}));
}

TEST(ValueMapTest, KeepsInsertionOrderAndReplacesInPlace) {
  Value::Map map;
  map.Set("b", 1);
  map.Set("a", 2);
  map.Set("b", 3);
  ASSERT_EQ(map.size(), 2u);
  EXPECT_EQ(map.entries()[0].first, "b");
  EXPECT_EQ(map.entries()[0].second, Value(3));
  EXPECT_EQ(map.entries()[1].first, "a");
  EXPECT_EQ(map.Find("missing"), nullptr);
}

TEST(ValueMapTest, LargeMapsUseTheIndexCorrectly) {
  Value::Map map;
  for (int i = 0; i < 1000; ++i) map.Set("k" + std::to_string(i), i);
  for (int i = 0; i < 1000; ++i) {
    const Value* v = map.Find("k" + std::to_string(i));
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->as_int(), i);
  }
  map.Set("k10", -1);  // replace through the index
  EXPECT_EQ(map.Find("k10")->as_int(), -1);
  map.Set("new", 5);  // append keeps the index current
  EXPECT_EQ(map.Find("new")->as_int(), 5);
  EXPECT_EQ(map.size(), 1001u);
  Value::Map copy = map;  // copies rebuild their own index
  EXPECT_EQ(copy.Find("k999")->as_int(), 999);
  EXPECT_EQ(copy, map);
}

TEST(EquivalentByValueTest, NumbersCompareByValue) {
  EXPECT_TRUE(EquivalentByValue(Value(3), Value(3.0)));
  EXPECT_FALSE(EquivalentByValue(Value(3), Value(3.5)));
  EXPECT_TRUE(EquivalentByValue(Value(std::nan("")), Value(std::nan(""))));
  EXPECT_TRUE(EquivalentByValue(Value(-0.0), Value(0.0)));
  // 2^63 as a double is not int64 max.
  EXPECT_FALSE(EquivalentByValue(Value(std::numeric_limits<int64_t>::max()),
                                 Value(9223372036854775808.0)));
  EXPECT_FALSE(EquivalentByValue(Value(1), Value("1")));
}

TEST(EquivalentByValueTest, MapsIgnoreOrderListsDoNot) {
  Value a = Value::Map{{"x", 1}, {"y", Value::List{1, 2.0}}};
  Value b = Value::Map{{"y", Value::List{1.0, 2}}, {"x", 1.0}};
  EXPECT_TRUE(EquivalentByValue(a, b));
  EXPECT_FALSE(
      EquivalentByValue(Value(Value::List{1, 2}), Value(Value::List{2, 1})));
  EXPECT_FALSE(EquivalentByValue(Value(Value::Map{{"x", 1}}),
                                 Value(Value::Map{{"x", 1}, {"y", 2}})));
}

TEST(DebugStringTest, ReadableForEveryKind) {
  Value v = Value::Map{{"s", "a\"b\n"},
                       {"n", Value()},
                       {"f", 1.0},
                       {"b", Bytes("\x01z")},
                       {"l", Value::List{true, -3}}};
  EXPECT_EQ(DebugString(v),
            "{\"s\": \"a\\\"b\\n\", \"n\": null, \"f\": 1.0, \"b\": "
            "b\"\\x01z\", \"l\": [true, -3]}");
  EXPECT_EQ(DebugString(Value(-HUGE_VAL)), "-Infinity");
}

}  // namespace
}  // namespace duet
