// duet::Value <-> JavaScript, both ways, per the table in docs/values.md.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "js_test_util.h"

namespace duet::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr char kConvert[] = R"JS(
export function echo(x) { return x; }
export function describe(x) {
  if (x === null) return 'null';
  if (x instanceof Uint8Array) return 'Uint8Array:' + Array.from(x).join(',');
  if (Array.isArray(x)) return 'Array:' + x.length;
  if (typeof x === 'object') {
    return 'object:' + (Object.getPrototypeOf(x) === Object.prototype) + ':' +
        Object.keys(x).join(',');
  }
  if (typeof x === 'number' && Object.is(x, -0)) return 'number:-0';
  return typeof x + ':' + String(x);
}
export function length(s) { return s.length; }
export function make(what) {
  switch (what) {
    case 'undefined': return undefined;
    case 'negzero': return -0;
    case 'nan': return NaN;
    case 'inf': return Infinity;
    case 'ninf': return -Infinity;
    case 'float': return 2.5;
    case 'big': return 2 ** 53;
    case 'bigint': return 5n;
    case 'bigneg': return -(2n ** 63n);
    case 'bigtoo': return 2n ** 70n;
    case 'typed': return new Uint8Array([1, 2, 0, 255]);
    case 'buffer': return new Uint16Array([0x0201]).buffer;
    case 'dataview': return new DataView(new Uint8Array([7, 8, 9]).buffer, 1);
    case 'int16': return new Int16Array([-1]);
    case 'holes': return [1, , 3];
    case 'map': return new Map([['b', 1], ['a', [true]]]);
    case 'nullproto': { const o = Object.create(null); o.z = 1; o.y = 2; return o; }
    case 'order': return { b: 1, a: 2, c: { y: 1, x: 2 } };
    case 'lone': return 'ab\uD800c';
    case 'lonenested': return { items: [1, 2, 3, '\uDC00'] };
    case 'astral': return '\u{1F600}x';
    case 'nul': return 'a\0b';
    case 'latin1': return 'caf\u00e9';
    case 'cyclic': { const o = { a: { b: [] } }; o.a.b.push(o); return o; }
    case 'shared': { const s = { v: 1 }; return [s, s]; }
    case 'symbol': return { x: [Symbol('s')] };
    case 'function': return { f: function named() {} };
    case 'date': return { when: new Date(0) };
    case 'regexp': return [/x/];
    case 'promise': return { p: Promise.resolve(1) };
    case 'class': { class Point { constructor() { this.x = 1; } } return { pt: new Point() }; }
    case 'mapkey': return new Map([[1, 'one']]);
    case 'set': return new Set([1]);
    case 'deep': { let v = 0; for (let i = 0; i < 100; i++) v = [v]; return v; }
    case 'toodeep': { let v = 0; for (let i = 0; i < 1100; i++) v = [v]; return v; }
    case 'getter': return { get x() { throw new RangeError('no x'); } };
  }
  throw new Error('unknown ' + what);
}
)JS";

class ConversionTest : public JsTest {
 protected:
  void SetUp() override {
    JsTest::SetUp();
    auto impl = LoadSource("convert.mjs", kConvert);
    ASSERT_TRUE(impl.ok()) << impl.status();
    impl_ = *std::move(impl);
  }
  absl::StatusOr<Value> Echo(Value v) {
    return CallByName(*impl_, "echo", {v});
  }
  std::string Describe(Value v) {
    auto out = CallByName(*impl_, "describe", {v});
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() && out->is_string() ? out->as_string() : "";
  }
  absl::StatusOr<Value> Make(const char* what) {
    return CallByName(*impl_, "make", {Value(what)});
  }
  std::unique_ptr<Implementation> impl_;
};

TEST_F(ConversionTest, ScalarsRoundTrip) {
  const int64_t kMaxSafe = (int64_t{1} << 53) - 1;
  for (Value v : {Value(), Value(true), Value(false), Value(0), Value(-1),
                  Value(int64_t{42}), Value(kMaxSafe), Value(-kMaxSafe),
                  Value(kMaxSafe + 1), Value(-kMaxSafe - 1),
                  Value(std::numeric_limits<int64_t>::max()),
                  Value(std::numeric_limits<int64_t>::min()), Value(1.5),
                  Value(-0.25), Value(1e300)}) {
    ASSERT_OK_AND_ASSIGN(Value out, Echo(v));
    EXPECT_EQ(out, v) << DebugString(v);
  }
}

TEST_F(ConversionTest, IntegersBecomeNumbersOrBigInts) {
  const int64_t kMaxSafe = (int64_t{1} << 53) - 1;
  EXPECT_EQ(Describe(Value(kMaxSafe)), "number:9007199254740991");
  EXPECT_EQ(Describe(Value(-kMaxSafe)), "number:-9007199254740991");
  EXPECT_EQ(Describe(Value(kMaxSafe + 1)), "bigint:9007199254740992");
  EXPECT_EQ(Describe(Value(std::numeric_limits<int64_t>::min())),
            "bigint:-9223372036854775808");
  EXPECT_EQ(Describe(Value(3.0)), "number:3");
}

TEST_F(ConversionTest, SpecialFloats) {
  ASSERT_OK_AND_ASSIGN(Value nan, Echo(Value(std::nan(""))));
  ASSERT_TRUE(nan.is_float());
  EXPECT_TRUE(std::isnan(nan.as_float()));
  ASSERT_OK_AND_ASSIGN(Value inf, Make("inf"));
  EXPECT_EQ(inf, Value(std::numeric_limits<double>::infinity()));
  ASSERT_OK_AND_ASSIGN(Value ninf, Make("ninf"));
  EXPECT_EQ(ninf, Value(-std::numeric_limits<double>::infinity()));
  ASSERT_OK_AND_ASSIGN(Value negzero, Echo(Value(-0.0)));
  ASSERT_TRUE(negzero.is_float());
  EXPECT_TRUE(std::signbit(negzero.as_float()));
  EXPECT_EQ(Describe(Value(-0.0)), "number:-0");
  ASSERT_OK_AND_ASSIGN(Value made_negzero, Make("negzero"));
  EXPECT_TRUE(made_negzero.is_float());
  // JavaScript has one number type: 3.0 comes back as the int 3.
  ASSERT_OK_AND_ASSIGN(Value three, Echo(Value(3.0)));
  EXPECT_EQ(three, Value(3));
  ASSERT_OK_AND_ASSIGN(Value big, Make("big"));
  EXPECT_EQ(big, Value(2.0 * (int64_t{1} << 52)));  // 2^53 is a float
  EXPECT_TRUE(big.is_float());
}

TEST_F(ConversionTest, BigInts) {
  ASSERT_OK_AND_ASSIGN(Value five, Make("bigint"));
  EXPECT_EQ(five, Value(5));
  ASSERT_OK_AND_ASSIGN(Value min, Make("bigneg"));
  EXPECT_EQ(min, Value(std::numeric_limits<int64_t>::min()));
  EXPECT_THAT(
      Make("bigtoo"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("does not fit in a 64-bit integer at result")));
}

TEST_F(ConversionTest, Strings) {
  for (std::string s :
       {std::string(""), std::string("hello"), std::string("a\0b", 3),
        std::string("caf\xC3\xA9"), std::string("\xF0\x9F\x98\x80 astral"),
        std::string("\xE2\x82\xAC euro")}) {
    ASSERT_OK_AND_ASSIGN(Value out, Echo(Value(s)));
    EXPECT_EQ(out, Value(s));
  }
  ASSERT_OK_AND_ASSIGN(
      Value len, CallByName(*impl_, "length", {Value(std::string("a\0b", 3))}));
  EXPECT_EQ(len, Value(3));
  ASSERT_OK_AND_ASSIGN(
      Value astral_len,
      CallByName(*impl_, "length", {Value("\xF0\x9F\x98\x80")}));
  EXPECT_EQ(astral_len, Value(2));  // one surrogate pair
  ASSERT_OK_AND_ASSIGN(Value astral, Make("astral"));
  EXPECT_EQ(astral, Value("\xF0\x9F\x98\x80x"));
  ASSERT_OK_AND_ASSIGN(Value nul, Make("nul"));
  EXPECT_EQ(nul, Value(std::string("a\0b", 3)));
  ASSERT_OK_AND_ASSIGN(Value latin1, Make("latin1"));
  EXPECT_EQ(latin1, Value("caf\xC3\xA9"));
}

TEST_F(ConversionTest, LoneSurrogatesAreErrors) {
  EXPECT_THAT(Make("lone"), StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("lone surrogate (U+D800")));
  EXPECT_THAT(Make("lonenested"), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("at result.items[3]")));
}

TEST_F(ConversionTest, InvalidUtf8ArgumentsAreErrors) {
  Value arg = Value::Map{{"items", Value::List{1, 2, 3, Value("a\xFF")}}};
  EXPECT_THAT(CallByName(*impl_, "echo", {Value(1), arg}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("args[1].items[3]")));
  EXPECT_THAT(
      Echo(Value("\xED\xA0\x80")),  // an encoded surrogate
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("args[0]")));
}

TEST_F(ConversionTest, Bytes) {
  Value bytes = Value(Bytes(std::string("\x00\x01\xFF", 3)));
  ASSERT_OK_AND_ASSIGN(Value out, Echo(bytes));
  EXPECT_EQ(out, bytes);
  EXPECT_EQ(Describe(bytes), "Uint8Array:0,1,255");
  ASSERT_OK_AND_ASSIGN(Value empty, Echo(Value(Bytes())));
  EXPECT_EQ(empty, Value(Bytes()));
  ASSERT_OK_AND_ASSIGN(Value typed, Make("typed"));
  EXPECT_EQ(typed, Value(Bytes(std::string("\x01\x02\x00\xFF", 4))));
  ASSERT_OK_AND_ASSIGN(Value buffer, Make("buffer"));
  EXPECT_EQ(buffer, Value(Bytes(std::string("\x01\x02", 2))));
  ASSERT_OK_AND_ASSIGN(Value view, Make("dataview"));
  EXPECT_EQ(view, Value(Bytes(std::string("\x08\x09", 2))));
  ASSERT_OK_AND_ASSIGN(Value int16, Make("int16"));
  EXPECT_EQ(int16, Value(Bytes(std::string("\xFF\xFF", 2))));
}

TEST_F(ConversionTest, ListsAndMaps) {
  Value list = Value::List{1, "two", Value::List{}, Value::Map{}, nullptr};
  ASSERT_OK_AND_ASSIGN(Value out, Echo(list));
  EXPECT_EQ(out, list);
  EXPECT_EQ(Describe(Value(Value::List{})), "Array:0");
  Value map =
      Value::Map{{"z", 1}, {"a", Value::List{true}}, {"m", Value::Map{}}};
  ASSERT_OK_AND_ASSIGN(Value map_out, Echo(map));
  EXPECT_EQ(map_out, map);  // insertion order kept
  EXPECT_EQ(Describe(map), "object:true:z,a,m");
  // "__proto__" is an ordinary own key, not the prototype.
  Value proto = Value::Map{{"__proto__", Value::Map{{"polluted", true}}}};
  EXPECT_EQ(Describe(proto), "object:true:__proto__");
  ASSERT_OK_AND_ASSIGN(Value proto_out, Echo(proto));
  EXPECT_EQ(proto_out, proto);

  ASSERT_OK_AND_ASSIGN(Value holes, Make("holes"));
  EXPECT_EQ(holes, Value(Value::List{1, nullptr, 3}));
  ASSERT_OK_AND_ASSIGN(Value from_map, Make("map"));
  EXPECT_EQ(from_map, Value(Value::Map{{"b", 1}, {"a", Value::List{true}}}));
  ASSERT_OK_AND_ASSIGN(Value null_proto, Make("nullproto"));
  EXPECT_EQ(null_proto, Value(Value::Map{{"z", 1}, {"y", 2}}));
  ASSERT_OK_AND_ASSIGN(Value ordered, Make("order"));
  EXPECT_EQ(ordered,
            Value(Value::Map{
                {"b", 1}, {"a", 2}, {"c", Value::Map{{"y", 1}, {"x", 2}}}}));
  ASSERT_OK_AND_ASSIGN(Value undefined, Make("undefined"));
  EXPECT_EQ(undefined, Value());
  ASSERT_OK_AND_ASSIGN(Value shared, Make("shared"));  // not a cycle
  EXPECT_EQ(shared,
            Value(Value::List{Value::Map{{"v", 1}}, Value::Map{{"v", 1}}}));
}

TEST_F(ConversionTest, DeepNesting) {
  Value deep = 0;
  for (int i = 0; i < 100; ++i) deep = Value::List{deep};
  ASSERT_OK_AND_ASSIGN(Value out, Echo(deep));
  EXPECT_EQ(out, deep);
  ASSERT_OK_AND_ASSIGN(Value made, Make("deep"));
  EXPECT_EQ(made, deep);
  EXPECT_THAT(Make("toodeep"), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("nested deeper than")));
  Value too_deep = 0;
  for (int i = 0; i < 1100; ++i) too_deep = Value::List{too_deep};
  EXPECT_THAT(Echo(too_deep), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("nested deeper than")));
}

TEST_F(ConversionTest, UnconvertibleValuesNameThePath) {
  EXPECT_THAT(Make("cyclic"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("cyclic structure at result.a.b[0]")));
  EXPECT_THAT(Make("symbol"), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("Symbol(s)) at result.x[0]")));
  EXPECT_THAT(Make("function"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("function 'named' at result.f")));
  EXPECT_THAT(Make("date"), StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("Date object")));
  EXPECT_THAT(Make("date"), StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("at result.when")));
  EXPECT_THAT(Make("regexp"), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("RegExp object")));
  EXPECT_THAT(Make("promise"), StatusIs(absl::StatusCode::kInvalidArgument,
                                        AllOf(HasSubstr("a Promise object"),
                                              HasSubstr("at result.p"))));
  EXPECT_THAT(Make("class"), StatusIs(absl::StatusCode::kInvalidArgument,
                                      AllOf(HasSubstr("a Point object"),
                                            HasSubstr("at result.pt"))));
  EXPECT_THAT(Make("mapkey"), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("non-string key")));
  EXPECT_THAT(Make("set"), StatusIs(absl::StatusCode::kInvalidArgument,
                                    AllOf(HasSubstr("a Set object"),
                                          HasSubstr("at result"))));
}

TEST_F(ConversionTest, ThrowingGetterIsAScriptError) {
  absl::StatusOr<Value> out = Make("getter");
  ASSERT_FALSE(out.ok());
  std::optional<ScriptError> error = GetScriptError(out.status());
  ASSERT_TRUE(error.has_value()) << out.status();
  EXPECT_EQ(error->type, "RangeError");
  EXPECT_EQ(error->message, "no x");
}

}  // namespace
}  // namespace duet::testing
