// duet::Value <-> JavaScript, both ways, per the table in docs/values.md.
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <string>

#include "js_test_util.h"
#include "testing/sanitizers.h"

namespace duet::testing {
namespace {

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
    case 'longgetter': {
      const a = Array.from({ length: 100 }, (_, i) => i);
      Object.defineProperty(a, 90, { get() { throw new RangeError('no 90'); } });
      return a;
    }
    case 'longgrows': {
      const a = Array.from({ length: 100 }, (_, i) => i);
      Object.defineProperty(a, 5, { get() { a.push(1, 2, 3); return 5; } });
      return a;
    }
    case 'longnested': {
      const inner = Array.from({ length: 80 }, (_, i) => i);
      inner[75] = [1, 2, Symbol('s')];
      return { items: [...Array.from({ length: 70 }, (_, i) => i), inner] };
    }
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

// Numbers JavaScript makes itself: its one number type and what it holds.
TEST_F(ConversionTest, NumbersMadeInJavaScript) {
  ASSERT_OK_AND_ASSIGN(Value inf, Make("inf"));
  EXPECT_EQ(inf, Value(std::numeric_limits<double>::infinity()));
  ASSERT_OK_AND_ASSIGN(Value ninf, Make("ninf"));
  EXPECT_EQ(ninf, Value(-std::numeric_limits<double>::infinity()));
  EXPECT_EQ(Describe(Value(-0.0)), "number:-0");
  ASSERT_OK_AND_ASSIGN(Value made_negzero, Make("negzero"));
  EXPECT_TRUE(made_negzero.is_float());
  EXPECT_EQ(Describe(Value(3.0)), "number:3");
  ASSERT_OK_AND_ASSIGN(Value big, Make("big"));
  EXPECT_EQ(big, Value(2.0 * (int64_t{1} << 52)));  // 2^53 is a float
  EXPECT_TRUE(big.is_float());
}

TEST_F(ConversionTest, SmallBigIntsAreInts) {
  ASSERT_OK_AND_ASSIGN(Value five, Make("bigint"));
  EXPECT_EQ(five, Value(5));
  EXPECT_THAT(
      Make("bigtoo"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("does not fit in a 64-bit integer at result")));
}

// Strings are UTF-16 inside JavaScript.
TEST_F(ConversionTest, StringsAreUtf16Inside) {
  ASSERT_OK_AND_ASSIGN(
      Value len, CallByName(*impl_, "length", {Value(std::string("a\0b", 3))}));
  EXPECT_EQ(len, Value(3));
  ASSERT_OK_AND_ASSIGN(
      Value astral_len,
      CallByName(*impl_, "length", {Value("\xF0\x9F\x98\x80")}));
  EXPECT_EQ(astral_len, Value(2));  // one surrogate pair
  ASSERT_OK_AND_ASSIGN(Value latin1, Make("latin1"));
  EXPECT_EQ(latin1, Value("caf\xC3\xA9"));
}

TEST_F(ConversionTest, BuffersAndTypedArraysAreBytes) {
  EXPECT_EQ(Describe(Value(Bytes(std::string("\x00\x01\xFF", 3)))),
            "Uint8Array:0,1,255");
  ASSERT_OK_AND_ASSIGN(Value buffer, Make("buffer"));
  EXPECT_EQ(buffer, Value(Bytes(std::string("\x01\x02", 2))));
  ASSERT_OK_AND_ASSIGN(Value int16, Make("int16"));
  EXPECT_EQ(int16, Value(Bytes(std::string("\xFF\xFF", 2))));
}

TEST_F(ConversionTest, ArraysAndObjectsTheJavaScriptWay) {
  EXPECT_EQ(Describe(Value(Value::List{})), "Array:0");
  Value map =
      Value::Map{{"z", 1}, {"a", Value::List{true}}, {"m", Value::Map{}}};
  EXPECT_EQ(Describe(map), "object:true:z,a,m");
  // "__proto__" is an ordinary own key, not the prototype.
  Value proto = Value::Map{{"__proto__", Value::Map{{"polluted", true}}}};
  EXPECT_EQ(Describe(proto), "object:true:__proto__");
  ASSERT_OK_AND_ASSIGN(Value holes, Make("holes"));
  EXPECT_EQ(holes, Value(Value::List{1, nullptr, 3}));
  ASSERT_OK_AND_ASSIGN(Value null_proto, Make("nullproto"));
  EXPECT_EQ(null_proto, Value(Value::Map{{"z", 1}, {"y", 2}}));
  ASSERT_OK_AND_ASSIGN(Value undefined, Make("undefined"));
  EXPECT_EQ(undefined, Value());
}

TEST_F(ConversionTest, JavaScriptOnlyObjectsNameTheirKind) {
  EXPECT_THAT(Make("symbol"), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("Symbol(s)) at result.x[0]")));
  // A Date is not refused: it is a time (docs/values.md, contract rows).
  absl::StatusOr<Value> date = Make("date");
  ASSERT_TRUE(date.ok()) << date.status();
  EXPECT_EQ(*date, Value(Value::Map{{"when", Value(absl::UnixEpoch())}}));
  EXPECT_THAT(Make("regexp"), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("RegExp object")));
}

TEST_F(ConversionTest, ThrowingGetterIsAScriptError) {
  absl::StatusOr<Value> out = Make("getter");
  ASSERT_FALSE(out.ok());
  std::optional<ScriptError> error = GetScriptError(out.status());
  ASSERT_TRUE(error.has_value()) << out.status();
  EXPECT_EQ(error->type, "RangeError");
  EXPECT_EQ(error->message, "no x");
}

// Long arrays are read in chunks (convert.cc's number reader): a getter
// there still throws through, the length is the one the conversion began
// with, and an error's path names the element, however deep.
TEST_F(ConversionTest, LongArraysReadAsShortOnes) {
  absl::StatusOr<Value> thrown = Make("longgetter");
  ASSERT_FALSE(thrown.ok());
  std::optional<ScriptError> error = GetScriptError(thrown.status());
  ASSERT_TRUE(error.has_value()) << thrown.status();
  EXPECT_EQ(error->type, "RangeError");
  EXPECT_EQ(error->message, "no 90");
  // Thrown where the getter threw, not where the reader passed it on.
  ASSERT_FALSE(error->stack.empty());
  EXPECT_EQ(error->stack[0].function, "get");

  absl::StatusOr<Value> grown = Make("longgrows");
  ASSERT_TRUE(grown.ok()) << grown.status();
  ASSERT_TRUE(grown->is_list());
  EXPECT_EQ(grown->as_list().size(), 100u);
  EXPECT_EQ(grown->as_list()[99], Value(99));

  EXPECT_THAT(
      Make("longnested"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("Symbol (Symbol(s)) at result.items[70][75][2]")));
}

// The resident memory of this process, in bytes (Linux).
size_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0;
  size_t resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// Loops of calls out that return large strings: what they made must not
// stay resident.
class ResultMemoryTest : public JsTest {
 protected:
  static constexpr size_t kMiB = size_t{1} << 20;

  // Runs `many(calls)` of `source`, which must return `total`; resident
  // memory must grow by far less than the calls' results.
  void ExpectCollected(const char* source, int calls, int64_t total) {
    auto impl = LoadSource("many.mjs", source, "many");
    ASSERT_TRUE(impl.ok()) << impl.status();
    const size_t before = ResidentBytes();
    absl::StatusOr<Value> result = CallByName(**impl, "many", {Value(calls)});
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(*result, Value(total));
    const size_t after = ResidentBytes();
    EXPECT_LT(after, before + 256 * kMiB + kQuarantineBytes)
        << "resident memory grew by " << (after - before) / kMiB << " MiB";
  }

  void AddAsciiText() {
    services_.AddModuleFunction("big", "text", [](absl::Span<const Value>) {
      return absl::StatusOr<Value>(Value(std::string(kMiB, 'a')));
    });
  }
};

// A large ASCII result is handed to V8 as an external string; V8 is told
// its size, so a loop that makes no other garbage still collects them: 600
// calls returning 1 MiB each keep far less than 600 MiB (before, all of
// them stayed until the isolate closed; 602 MiB, more under ASan).
TEST_F(ResultMemoryTest, LargeStringResultsAreCollected) {
  AddAsciiText();
  ExpectCollected(R"JS(
import duet from "duet";
export function many(n) {
  let total = 0;
  for (let i = 0; i < n; i++) total += duet.modules.big.text().length;
  return total;
}
)JS",
                  600, static_cast<int64_t>(600 * kMiB));
}

// The same with the function read once before the loop, so that the loop
// allocates nothing in V8's heap but the results: V8's own external-memory
// trigger never finished a collection then (602 MiB); the engine collects
// every 64 MiB of such results (Engine::CollectExternalResults).
TEST_F(ResultMemoryTest, LargeStringResultsOfAGarbageFreeLoopAreCollected) {
  AddAsciiText();
  ExpectCollected(R"JS(
import duet from "duet";
export function many(n) {
  const text = duet.modules.big.text;
  let total = 0;
  for (let i = 0; i < n; i++) total += text().length;
  return total;
}
)JS",
                  600, static_cast<int64_t>(600 * kMiB));
}

// Large non-ASCII results become external strings over their decoded
// UTF-16 or Latin-1, also reported to V8: 300 calls of each returning 1 MiB
// of UTF-8 keep far less than the 300 MiB they made.
TEST_F(ResultMemoryTest, LargeNonAsciiStringResultsAreCollected) {
  services_.AddModuleFunction("big", "latin1", [](absl::Span<const Value>) {
    std::string text;
    text.reserve(kMiB);
    while (text.size() < kMiB) text += "\xc3\xa9";  // U+00E9, Latin-1
    return absl::StatusOr<Value>(Value(std::move(text)));
  });
  services_.AddModuleFunction("big", "wide", [](absl::Span<const Value>) {
    std::string text;
    text.reserve(kMiB + 4);
    while (text.size() < kMiB) text += "\xe2\x82\xac\xf0\x9f\x98\x80";
    return absl::StatusOr<Value>(Value(std::move(text)));
  });
  // 512 Ki Latin-1 characters; 149,797 repeats of 3 UTF-16 units.
  ExpectCollected(R"JS(
import duet from "duet";
export function many(n) {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const latin1 = duet.modules.big.latin1();
    const wide = duet.modules.big.wide();
    if (latin1[7] !== '\u00e9' || wide.slice(3, 6) !== '\u20ac\u{1F600}') {
      throw new Error('wrong text');
    }
    total += latin1.length + wide.length;
  }
  return total;
}
)JS",
                  300, static_cast<int64_t>(300 * (kMiB / 2 + 149797 * 3)));
}

}  // namespace
}  // namespace duet::testing
