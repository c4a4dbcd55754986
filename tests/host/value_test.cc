#include "duet/value.h"

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace duet {
namespace {

using ::duet::testing::IsOkAndHolds;
using ::duet::testing::StatusIs;

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

// A pointer used to become a bool; characters are neither clearly numbers nor
// strings. Both are refused at compile time.
static_assert(!std::is_constructible_v<Value, int*>);
static_assert(!std::is_constructible_v<Value, const void*>);
static_assert(!std::is_constructible_v<Value, char>);
static_assert(!std::is_constructible_v<Value, char32_t>);
static_assert(std::is_constructible_v<Value, char*>);
static_assert(std::is_constructible_v<Value, const char*>);
static_assert(!std::is_constructible_v<Value, std::vector<int*>>);
static_assert(!std::is_constructible_v<Value, std::map<int, int>>);

TEST(ValueTest, EveryIntegerTypeMakesAnInt) {
  EXPECT_EQ(Value(int8_t{-8}).as_int(), -8);
  EXPECT_EQ(Value(uint8_t{200}).as_int(), 200);
  EXPECT_EQ(Value(int16_t{-300}).as_int(), -300);
  EXPECT_EQ(Value(uint16_t{60000}).as_int(), 60000);
  EXPECT_EQ(Value(4000000000u).as_int(), 4000000000);
  EXPECT_EQ(Value(-5L).as_int(), -5);
  EXPECT_EQ(Value(size_t{7}).as_int(), 7);
  EXPECT_EQ(Value(uint64_t{9223372036854775807u}).as_int(),
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(Value(1.5f).as_float(), 1.5);
  char text[] = "mutable";
  EXPECT_EQ(Value(text).as_string(), "mutable");
}

TEST(ValueTest, AnIntegerBeyondInt64IsAVisibleError) {
  uint64_t too_big = uint64_t{1} << 63;
  EXPECT_THROW(Value{too_big}, std::out_of_range);
  EXPECT_THAT(Value::FromInteger(too_big),
              StatusIs(absl::StatusCode::kOutOfRange,
                       ::testing::HasSubstr("9223372036854775808")));
  EXPECT_THAT(Value::FromInteger(size_t{3}), IsOkAndHolds(Value(3)));
  EXPECT_THAT(Value::FromInteger(int8_t{-1}), IsOkAndHolds(Value(-1)));
}

TEST(ValueTest, StandardContainersConvert) {
  EXPECT_EQ(Value(std::vector<int>{1, 2}), Value(Value::List{1, 2}));
  EXPECT_EQ(Value(std::vector<std::string>{"a"}), Value(Value::List{"a"}));
  EXPECT_EQ(Value(std::vector<bool>{true, false}),
            Value(Value::List{true, false}));
  EXPECT_EQ(Value(std::map<std::string, double>{{"b", 2}, {"a", 1}}),
            Value(Value::Map{{"a", 1.0}, {"b", 2.0}}));
  // An unordered_map's keys come out sorted, independent of hashing.
  std::unordered_map<std::string, int> counts;
  for (int i = 0; i < 50; ++i) counts["k" + std::to_string(i)] = i;
  Value map = counts;
  ASSERT_EQ(map.as_map().size(), 50u);
  EXPECT_EQ(map.as_map().entries().front().first, "k0");
  EXPECT_EQ(map.as_map().entries().back().first, "k9");
  EXPECT_EQ(Value(std::optional<int>()), Value());
  EXPECT_EQ(Value(std::optional<int>(4)), Value(4));
  EXPECT_EQ(Value(std::vector<std::optional<std::string>>{std::nullopt, "x"}),
            Value(Value::List{nullptr, "x"}));
  EXPECT_EQ(Value(std::map<std::string, std::vector<int>>{{"a", {1}}}),
            Value(Value::Map{{"a", Value::List{1}}}));
}

TEST(ValueGetTest, ReadsBackWhatConvertedIn) {
  std::map<std::string, std::vector<int>> scores{{"ann", {3, 4}}, {"bo", {}}};
  EXPECT_THAT(Value(scores).Get<decltype(scores)>(), IsOkAndHolds(scores));
  std::unordered_map<std::string, std::optional<double>> maybe{
      {"x", 1.5}, {"y", std::nullopt}};
  EXPECT_THAT(Value(maybe).Get<decltype(maybe)>(), IsOkAndHolds(maybe));
  EXPECT_THAT(Value(true).Get<bool>(), IsOkAndHolds(true));
  EXPECT_THAT(Value("s").Get<std::string>(), IsOkAndHolds("s"));
  EXPECT_THAT(Value(Bytes("b")).Get<Bytes>(), IsOkAndHolds(Bytes("b")));
  EXPECT_THAT(Value(Value::List{1, "x"}).Get<Value::List>(),
              IsOkAndHolds(Value::List{1, "x"}));
  EXPECT_THAT(Value(2).Get<double>(), IsOkAndHolds(2.0));  // ints widen
  EXPECT_THAT(Value(-2).Get<int16_t>(), IsOkAndHolds(int16_t{-2}));
  EXPECT_THAT(Value(nullptr).Get<std::optional<int>>(),
              IsOkAndHolds(std::nullopt));
}

TEST(ValueGetTest, ErrorsNameThePlaceAndBothKinds) {
  Value value = Value::Map{{"people", Value::List{Value::Map{{"age", 3}},
                                                  Value::Map{{"age", "x"}}}}};
  using People = std::map<std::string, std::vector<std::map<std::string, int>>>;
  EXPECT_THAT(value.Get<People>(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "value.people[1].age: expected int, got string"));
  EXPECT_THAT(Value(1.5).Get<int>(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "value: expected int, got float"));
  using Flags = std::map<std::string, bool>;
  EXPECT_THAT(Value(Value::Map{{"a b", 1}}).Get<Flags>(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("expected bool, got int")));
  EXPECT_THAT(Value(Value::List{300}).Get<std::vector<uint8_t>>(),
              StatusIs(absl::StatusCode::kOutOfRange,
                       "value[0]: 300 does not fit uint8"));
  EXPECT_THAT(
      Value(-1).Get<unsigned>(),
      StatusIs(absl::StatusCode::kOutOfRange, "value: -1 does not fit uint32"));
  EXPECT_THAT(Value(int64_t{1} << 40).Get<int32_t>(),
              StatusIs(absl::StatusCode::kOutOfRange,
                       "value: 1099511627776 does not fit int32"));
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

// 2026-12-06T18:00:00.123Z.
absl::Time SomeTime() {
  return absl::FromCivil(absl::CivilSecond(2026, 12, 6, 18, 0, 0),
                         absl::UTCTimeZone()) +
         absl::Milliseconds(123);
}

TEST(ValueTimeTest, HoldsAnInstantToTheMillisecond) {
  Value time = SomeTime();
  EXPECT_TRUE(time.is_time());
  EXPECT_EQ(time.kind(), Value::Kind::kTime);
  EXPECT_EQ(KindName(time.kind()), "time");
  EXPECT_EQ(time.as_time(), SomeTime());
  EXPECT_EQ(time, Value(SomeTime()));
  EXPECT_NE(time, Value(SomeTime() + absl::Milliseconds(1)));
  EXPECT_NE(time, Value(absl::ToUnixMillis(SomeTime())));  // not an int
}

TEST(ValueTimeTest, SubMillisecondDigitsAreDroppedTowardThePast) {
  EXPECT_EQ(Value(SomeTime() + absl::Microseconds(999)).as_time(), SomeTime());
  EXPECT_EQ(Value(SomeTime() + absl::Nanoseconds(1)).as_time(), SomeTime());
  // Before 1970 too: 1 us before the epoch is 1 ms before it, not the epoch.
  EXPECT_EQ(Value(absl::UnixEpoch() - absl::Microseconds(1)).as_time(),
            absl::UnixEpoch() - absl::Milliseconds(1));
  EXPECT_EQ(Value(absl::UnixEpoch() - absl::Milliseconds(1500)).as_time(),
            absl::UnixEpoch() - absl::Milliseconds(1500));
  EXPECT_EQ(Value(absl::InfiniteFuture()).as_time(), absl::InfiniteFuture());
}

TEST(ValueTimeTest, ConvertsWithChronoAndReadsBackChecked) {
  auto now = std::chrono::system_clock::now();
  Value from_chrono = now;
  EXPECT_EQ(from_chrono.as_time(), Value(absl::FromChrono(now)).as_time());
  EXPECT_THAT(Value(SomeTime()).Get<absl::Time>(), IsOkAndHolds(SomeTime()));
  EXPECT_THAT(Value(SomeTime()).Get<std::chrono::system_clock::time_point>(),
              IsOkAndHolds(absl::ToChronoTime(SomeTime())));
  Value times = std::vector<absl::Time>{SomeTime(), absl::UnixEpoch()};
  EXPECT_THAT(
      times.Get<std::vector<absl::Time>>(),
      IsOkAndHolds(std::vector<absl::Time>{SomeTime(), absl::UnixEpoch()}));
  EXPECT_THAT(
      Value(Value::List{0, "2026-12-06"}).Get<std::vector<absl::Time>>(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "value[0]: expected time, got int"));
  EXPECT_THAT(Value(SomeTime()).Get<std::string>(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "value: expected string, got time"));
}

TEST(ValueTimeTest, EquivalentOnlyToTheSameTime) {
  EXPECT_TRUE(EquivalentByValue(Value(SomeTime()), Value(SomeTime())));
  EXPECT_FALSE(EquivalentByValue(Value(SomeTime()),
                                 Value(SomeTime() + absl::Milliseconds(1))));
  EXPECT_FALSE(EquivalentByValue(Value(absl::UnixEpoch()), Value(0)));
}

TEST(ValueTimeTest, PrintsIso8601InUtcAsJavaScriptDoes) {
  EXPECT_EQ(DebugString(Value(SomeTime())), "2026-12-06T18:00:00.123Z");
  EXPECT_EQ(DebugString(Value(absl::UnixEpoch() - absl::Milliseconds(1))),
            "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(DebugString(Value(absl::FromUnixMillis(-62198755200000))),
            "-000001-01-01T00:00:00.000Z");
  EXPECT_EQ(DebugString(Value(absl::FromUnixMillis(8640000000000000))),
            "+275760-09-13T00:00:00.000Z");
  EXPECT_EQ(DebugString(Value(absl::FromUnixMillis(253402300799999))),
            "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(DebugString(Value(absl::InfinitePast())), "infinite-past");
  EXPECT_EQ(DebugString(Value(Value::Map{{"at", absl::UnixEpoch()}})),
            "{\"at\": 1970-01-01T00:00:00.000Z}");
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

Value Twice() {
  return Value::FromFunction(
      "twice", [](absl::Span<const Value> args) -> absl::StatusOr<Value> {
        if (args.size() != 1 || !args[0].is_int()) {
          return absl::InvalidArgumentError("twice takes one int");
        }
        return Value(args[0].as_int() * 2);
      });
}

TEST(FunctionValueTest, CallsTheCppFunction) {
  Value twice = Twice();
  EXPECT_TRUE(twice.is_function());
  EXPECT_EQ(twice.kind(), Value::Kind::kFunction);
  EXPECT_EQ(KindName(twice.kind()), "function");
  EXPECT_EQ(twice.as_function()->name(), "twice");
  EXPECT_EQ(twice.as_function()->language(), std::nullopt);
  EXPECT_THAT(twice.Call({Value(21)}), IsOkAndHolds(Value(42)));
  EXPECT_THAT(twice.Call({}), StatusIs(absl::StatusCode::kInvalidArgument,
                                       "twice takes one int"));
}

TEST(FunctionValueTest, AnExceptionBecomesInternal) {
  Value burn = Value::FromFunction(
      "burn", [](absl::Span<const Value>) -> absl::StatusOr<Value> {
        throw std::runtime_error("disk on fire");
      });
  EXPECT_THAT(burn.Call({}),
              StatusIs(absl::StatusCode::kInternal,
                       "C++ function 'burn' threw an exception: disk on fire"));
  Value thrown_int = Value::FromFunction(
      "odd",
      [](absl::Span<const Value>) -> absl::StatusOr<Value> { throw 42; });
  EXPECT_THAT(thrown_int.Call({}),
              StatusIs(absl::StatusCode::kInternal,
                       "C++ function 'odd' threw an exception"));
}

TEST(FunctionValueTest, EqualityIsIdentity) {
  Value twice = Twice();
  Value copy = twice;
  EXPECT_EQ(twice, copy);
  EXPECT_TRUE(EquivalentByValue(twice, copy));
  EXPECT_NE(twice, Twice());  // the same code, another function
  EXPECT_FALSE(EquivalentByValue(twice, Twice()));
  EXPECT_NE(twice, Value("twice"));
}

TEST(FunctionValueTest, CallingAnotherKindFails) {
  EXPECT_THAT(Value(3).Call({}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "cannot call a value that is not a function (int)"));
  EXPECT_TRUE(Value(Value::CallablePtr()).is_null());
}

TEST(FunctionValueTest, PrintsItsNameAndLanguage) {
  EXPECT_EQ(DebugString(Value::List{Twice()}), "[<function twice (C++)>]");
  EXPECT_EQ(DebugString(Value::FromFunction("", nullptr)),
            "<function (anonymous) (C++)>");
}

}  // namespace
}  // namespace duet
