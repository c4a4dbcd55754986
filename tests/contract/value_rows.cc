// Contract rows for what crosses the boundary: every Value kind both ways
// (docs/values.md), and conversions that must fail naming the path. How to
// add a row: see contract.h.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "contract/contract.h"

namespace duet::contract {
namespace {

using Code = absl::StatusCode;

constexpr int64_t kMaxSafe = (int64_t{1} << 53) - 1;
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

// echo(x) returns x; echo(a, b, ...) returns [a, b, ...]. kind(x) names the
// type x arrived as.
constexpr char kProbePython[] = R"PY(
def echo(*args):
    return args[0] if len(args) == 1 else list(args)


def kind(x):
    return type(x).__name__
)PY";
constexpr char kProbeJavaScript[] = R"JS(
export function echo(...args) { return args.length === 1 ? args[0] : args; }
export function kind(x) {
  if (x === null) return 'null';
  if (x instanceof Uint8Array) return 'Uint8Array';
  if (x instanceof Date) return 'Date';
  if (Array.isArray(x)) return 'Array';
  if (typeof x === 'object') {
    return Object.getPrototypeOf(x) === Object.prototype ? 'object' : 'other';
  }
  return typeof x;
}
)JS";

// `value` goes in through echo() and must come back as `back`.
Row Echo(std::string name, Value value, Both<Value> back) {
  Row row(std::move(name));
  row.Sources(kProbePython, kProbeJavaScript).Call("echo", {value});
  row.Returns(std::move(back));
  return row;
}
Row Echo(std::string name, Value value) {
  Value back = value;
  return Echo(std::move(name), std::move(value), std::move(back));
}

// `value` arrives in the script as the type each language names.
Row Arrives(std::string name, Value value, std::string python_type,
            std::string javascript_type) {
  Row row(absl::StrCat(name, "_arrives_as_mapped_type"));
  row.Sources(kProbePython, kProbeJavaScript).Call("kind", {std::move(value)});
  row.Returns({Value(python_type), Value(javascript_type)});
  return row;
}

// make() returns the expression each language spells.
Row Made(std::string name, std::string python, std::string javascript) {
  Row row(std::move(name));
  row.Sources(absl::StrCat("\ndef make():\n    return ", python, "\n"),
              absl::StrCat("\nexport function make() { return ", javascript,
                           "; }\n"))
      .Call("make");
  return row;
}

Value NestedLists(int depth) {
  Value value = Value::List{};
  for (int i = 1; i < depth; ++i) value = Value::List{std::move(value)};
  return value;
}

constexpr char kNestedPython[] =
    "__import__('functools').reduce(lambda a, _: [a], range(DEPTH), [])";
constexpr char kNestedJavaScript[] =
    "(() => { let a = []; for (let i = 0; i < DEPTH; i++) a = [a]; "
    "return a; })()";

Value NestedMaps(int depth) {
  Value value = 1;
  for (int i = 0; i < depth; ++i) value = Value::Map{{"k", std::move(value)}};
  return value;
}

std::string EveryByte() {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  return bytes;
}

// A time given by its UTC calendar fields.
Value Utc(int year, int month, int day, int hour, int minute, int second,
          int millisecond = 0) {
  return Value(
      absl::FromCivil(absl::CivilSecond(year, month, day, hour, minute, second),
                      absl::UTCTimeZone()) +
      absl::Milliseconds(millisecond));
}

// fields(t) returns what the script sees of a time: that it is its
// language's time type, in UTC, and its UTC calendar fields down to the
// microsecond.
constexpr char kTimeFieldsPython[] = R"PY(
from datetime import datetime, timezone


def fields(t):
    return [isinstance(t, datetime) and t.tzinfo is timezone.utc,
            t.year, t.month, t.day, t.hour, t.minute, t.second, t.microsecond]
)PY";
constexpr char kTimeFieldsJavaScript[] = R"JS(
export function fields(t) {
  return [t instanceof Date, t.getUTCFullYear(), t.getUTCMonth() + 1,
          t.getUTCDate(), t.getUTCHours(), t.getUTCMinutes(),
          t.getUTCSeconds(), t.getUTCMilliseconds() * 1000];
}
)JS";

// later(t, ms) returns t plus `ms` milliseconds, computed in the script;
// relay(t) sends t through a host call (math.describe) and back through the
// module (self.call('later', t, 1)).
constexpr char kTimeArithmeticPython[] = R"PY(
from datetime import timedelta

import duet


def later(t, ms):
    return t + timedelta(milliseconds=ms)


def relay(t):
    return [duet.call('math.describe', t), duet.call('self.call', 'later', t, 1)]
)PY";
constexpr char kTimeArithmeticJavaScript[] = R"JS(
import duet from 'duet';

export function later(t, ms) { return new Date(t.getTime() + ms); }
export function relay(t) {
  return [duet.call('math.describe', t), duet.call('self.call', 'later', t, 1)];
}
)JS";

std::string WithDepth(const char* spelling, int depth) {
  std::string text = spelling;
  text.replace(text.find("DEPTH"), 5, std::to_string(depth));
  return text;
}

}  // namespace

std::vector<Row> ValueRows() {
  std::vector<Row> rows = {
      Echo("null", Value()),
      Echo("true", Value(true)),
      Echo("false", Value(false)),
      Echo("zero", Value(0)),
      Echo("minus_one", Value(-1)),
      Echo("largest_safe_integer", Value(kMaxSafe)),
      Echo("smallest_safe_integer", Value(-kMaxSafe)),
      Echo("first_integer_past_the_safe_ones", Value(kMaxSafe + 1)),
      Echo("past_the_safe_integers", Value(kMaxSafe + 2)),
      Echo("below_the_safe_integers", Value(-kMaxSafe - 2)),
      Echo("int64_max", Value(kInt64Max)),
      Echo("int64_min", Value(kInt64Min)),
      Echo("float", Value(1.5)),
      Echo("negative_float", Value(-2.25)),
      Echo("huge_float", Value(1e300)),
      Echo("denormal_float", Value(std::numeric_limits<double>::denorm_min())),
      // JavaScript has one number type: an integral float comes back an int.
      Echo("integral_float", Value(3.0), {Value(3.0), Value(3)}),
      Echo("infinity", Value(std::numeric_limits<double>::infinity())),
      Echo("minus_infinity", Value(-std::numeric_limits<double>::infinity())),
      Echo("empty_string", Value("")),
      Echo("unicode_string", Value("h\xC3\xA9llo w\xC3\xB6rld \xE2\x82\xAC")),
      Echo("string_with_nul", Value(std::string("nul\0inside", 10))),
      Echo("astral_string", Value("astral \xF0\x9F\x98\x80 \xF0\x90\x8D\x88")),
      Echo("cjk_string", Value("\xe4\xb8\xad\xe6\x96\x87")),
      Echo("bytes", Value(Bytes(std::string("\x00\xff\x80 bytes", 9)))),
      Echo("every_byte", Value(Bytes(EveryByte()))),
      Echo("empty_bytes", Value(Bytes())),
      Echo("empty_list", Value(Value::List{})),
      Echo("empty_map", Value(Value::Map{})),
      Echo("list_of_every_kind",
           Value(Value::List{Value(), true, 1, 2.5, "two", Bytes("b"),
                             Value::List{}, Value::Map{}})),
      Echo("map_keeps_insertion_order",
           Value(Value::Map{{"zebra", 1},
                            {"apple", Value::List{1, "two", 2.5}},
                            {"", Value()},
                            {"a b", Value::Map{}}})),
      Echo("nested_map",
           Value(Value::Map{
               {"outer", Value::Map{{"inner", Value::List{Value::Map{
                                                  {"k", Bytes("v")}}}}}}})),
      // "__proto__" is an ordinary key, never a prototype.
      Echo("proto_key_is_an_ordinary_key",
           Value(Value::Map{{"__proto__", Value::Map{{"polluted", true}}}})),
      Echo("hundred_levels_of_nesting", NestedLists(100)),
      Echo("hundred_levels_of_maps", NestedMaps(100)),
      Arrives("null", Value(), "NoneType", "null"),
      Arrives("bool", Value(true), "bool", "boolean"),
      Arrives("safe_int", Value(7), "int", "number"),
      Arrives("int_past_the_safe_range", Value(kMaxSafe + 1), "int", "bigint"),
      Arrives("int_below_the_safe_range", Value(-kMaxSafe - 1), "int",
              "bigint"),
      Arrives("float", Value(1.5), "float", "number"),
      Arrives("string", Value("s"), "str", "string"),
      Arrives("bytes", Value(Bytes("b")), "bytes", "Uint8Array"),
      Arrives("list", Value(Value::List{}), "list", "Array"),
      Arrives("map", Value(Value::Map{}), "dict", "object"),
      Echo("time", Utc(2026, 12, 6, 18, 0, 0, 123)),
      Echo("time_at_the_epoch", Value(absl::UnixEpoch())),
      Echo("time_before_1970", Utc(1969, 12, 31, 23, 59, 59, 999)),
      Echo("time_long_ago", Utc(1, 1, 1, 0, 0, 0, 1)),
      Echo("time_far_ahead", Utc(9999, 12, 31, 23, 59, 59, 999)),
      Echo(
          "times_inside_containers",
          Value(Value::Map{{"when", Value::List{Utc(2000, 2, 29, 12, 30, 15, 7),
                                                Value(absl::UnixEpoch())}}})),
      Arrives("time", Utc(2026, 12, 6, 18, 0, 0), "datetime", "Date"),
      Made("tuple_or_array_is_a_list", "(1, 'two', [True])",
           "[1, 'two', [true]]")
          .Returns(Value(Value::List{1, "two", Value::List{true}})),
      Made("engine_map_keeps_insertion_order",
           "{'b': 1, 'a': 2, 'c': {'y': 1}}", "{ b: 1, a: 2, c: { y: 1 } }")
          .Returns(Value(
              Value::Map{{"b", 1}, {"a", 2}, {"c", Value::Map{{"y", 1}}}})),
      Made("dictionary_type_is_a_map",
           "__import__('collections').OrderedDict("
           "[('b', 1), ('a', [True])])",
           "new Map([['b', 1], ['a', [true]]])")
          .Returns(Value(Value::Map{{"b", 1}, {"a", Value::List{true}}})),
      Made("byte_buffer_is_bytes", "bytearray(b'\\x01\\x02\\x00\\xff')",
           "new Uint8Array([1, 2, 0, 255])")
          .Returns(Value(Bytes(std::string("\x01\x02\x00\xff", 4)))),
      Made("byte_view_is_bytes", "memoryview(b'\\x07\\x08\\x09')[1:]",
           "new DataView(new Uint8Array([7, 8, 9]).buffer, 1)")
          .Returns(Value(Bytes(std::string("\x08\x09", 2)))),
      Made("largest_engine_int_is_int64_max", "2**63 - 1", "2n ** 63n - 1n")
          .Returns(Value(kInt64Max)),
      Made("smallest_engine_int_is_int64_min", "-2**63", "-(2n ** 63n)")
          .Returns(Value(kInt64Min)),
      Made("nothing_is_null", "None", "undefined").Returns(Value()),
      Made("float_arithmetic", "0.1 + 0.2", "0.1 + 0.2")
          .Returns(Value(0.1 + 0.2)),
      Made("engine_int_past_the_safe_ones", "2**53 + 1", "2n ** 53n + 1n")
          .Returns(Value(kMaxSafe + 2)),
      Made("engine_bytes", "b'\\x00\\xff'", "new Uint8Array([0, 255])")
          .Returns(Value(Bytes(std::string("\x00\xff", 2)))),
      Made("engine_byte_buffer", "bytearray(b'ab')",
           "new Uint8Array([97, 98]).buffer")
          .Returns(Value(Bytes("ab"))),
      Made("engine_string_with_nul", "'a\\x00b'", "'a\\0b'")
          .Returns(Value(std::string("a\0b", 3))),
      Made("engine_astral_string", "'\\U0001F600x'", "'\\u{1F600}x'")
          .Returns(Value("\xF0\x9F\x98\x80x")),
      Made("engine_time_is_a_time",
           "__import__('datetime').datetime(2026, 12, 6, 18, 0, 0, 123000, "
           "tzinfo=__import__('datetime').timezone.utc)",
           "new Date(Date.UTC(2026, 11, 6, 18, 0, 0, 123))")
          .Returns(Utc(2026, 12, 6, 18, 0, 0, 123)),
      // Another offset is the same instant, in UTC.
      Made("engine_time_in_another_zone_is_the_same_instant",
           "(lambda d: d.datetime(2026, 12, 6, 19, 30, 0, 0, "
           "tzinfo=d.timezone(d.timedelta(hours=1, minutes=30))))"
           "(__import__('datetime'))",
           "new Date('2026-12-06T19:30:00.000+01:30')")
          .Returns(Utc(2026, 12, 6, 18, 0, 0)),
      // Python's microseconds are dropped toward the past (JavaScript has
      // none).
      Made("sub_millisecond_digits_are_dropped",
           "(lambda d: [d.datetime(2026, 12, 6, 18, 0, 0, 123999, "
           "tzinfo=d.timezone.utc), d.datetime(1969, 12, 31, 23, 59, 59, "
           "999999, tzinfo=d.timezone.utc)])(__import__('datetime'))",
           "[new Date(Date.UTC(2026, 11, 6, 18, 0, 0, 123)), new Date(-1)]")
          .Returns(Value(Value::List{Utc(2026, 12, 6, 18, 0, 0, 123),
                                     Utc(1969, 12, 31, 23, 59, 59, 999)})),
      // A tzinfo written in Python (its utcoffset runs while converting).
      Made("time_with_a_python_tzinfo",
           "(lambda d: d.datetime(2026, 12, 6, 13, 0, tzinfo=type('Eastern', "
           "(d.tzinfo,), {'utcoffset': lambda self, t: d.timedelta(hours=-5), "
           "'dst': lambda self, t: None})()))(__import__('datetime'))",
           "new Date('2026-12-06T13:00:00-05:00')")
          .Returns(Utc(2026, 12, 6, 18, 0, 0)),
      Made("shared_value_is_not_a_cycle", "(lambda s: [s, s])({'v': 1})",
           "(() => { const s = { v: 1 }; return [s, s]; })()")
          .Returns(
              Value(Value::List{Value::Map{{"v", 1}}, Value::Map{{"v", 1}}})),
      Made("engine_builds_hundred_levels", WithDepth(kNestedPython, 99),
           WithDepth(kNestedJavaScript, 99))
          .Returns(NestedLists(100)),
  };
  rows.push_back(
      Row("time_arrives_in_utc_to_the_millisecond")
          .Sources(kTimeFieldsPython, kTimeFieldsJavaScript)
          .Call("fields", {Utc(1969, 7, 20, 20, 17, 40, 5)})
          .Returns(Value(Value::List{true, 1969, 7, 20, 20, 17, 40, 5000})));
  rows.push_back(Row("script_computes_with_a_time")
                     .Sources(kTimeArithmeticPython, kTimeArithmeticJavaScript)
                     .Call("later", {Utc(1969, 12, 31, 23, 59, 59, 999), 2})
                     .Returns(Utc(1970, 1, 1, 0, 0, 0, 1)));
  // Out through a host call and back in through a call into the module.
  rows.push_back(
      Row("time_crosses_host_calls_both_ways")
          .Sources(kTimeArithmeticPython, kTimeArithmeticJavaScript)
          .Call("relay", {Utc(2026, 12, 6, 18, 0, 0, 999)})
          .Returns(Value(Value::List{"[2026-12-06T18:00:00.999Z]",
                                     Utc(2026, 12, 6, 18, 0, 1, 0)})));
  // A time from a host call shows as each language renders its own type.
  rows.push_back(
      Row("time_in_the_repl")
          .Repl({Evaluate({"from datetime import datetime, timezone\n"
                           "t = datetime(2026, 12, 6, 18, 0, "
                           "tzinfo=timezone.utc)\n",
                           "const t = new Date(Date.UTC(2026, 11, 6, 18))"},
                          ""),
                 Evaluate("duet.host.one_ms_later(t)",
                          {"datetime.datetime(2026, 12, 6, 18, 0, 0, 1000, "
                           "tzinfo=datetime.timezone.utc)",
                           "2026-12-06T18:00:00.001Z"}),
                 Evaluate("[duet.host.one_ms_later(t)]",
                          {"[datetime.datetime(2026, 12, 6, 18, 0, 0, 1000, "
                           "tzinfo=datetime.timezone.utc)]",
                           "[ 2026-12-06T18:00:00.001Z ]"}),
                 Evaluate("math.describe(t)", "'[2026-12-06T18:00:00.000Z]'"),
                 EvaluateFails(
                     {"duet.host.one_ms_later(datetime(2026, 1, 1))",
                      "duet.host.one_ms_later(new Date(NaN))"},
                     Code::kInvalidArgument,
                     Fragments({"naive datetime", "at args[0]", "timezone.utc"},
                               {"Invalid Date", "at args[0]"}))}));
  rows.push_back(Row("nan")
                     .Sources(kProbePython, kProbeJavaScript)
                     .Call("echo", {Value(std::nan(""))})
                     .ReturnsMatching("is a NaN float", [](const Value& v) {
                       return v.is_float() && std::isnan(v.as_float());
                     }));
  rows.push_back(Row("negative_zero")
                     .Sources(kProbePython, kProbeJavaScript)
                     .Call("echo", {Value(-0.0)})
                     .ReturnsMatching("is -0.0", [](const Value& v) {
                       return v.is_float() && v.as_float() == 0.0 &&
                              std::signbit(v.as_float());
                     }));
  return rows;
}

std::vector<Row> ConversionErrorRows() {
  return {
      Made("result_nested_too_deep", WithDepth(kNestedPython, 1000),
           WithDepth(kNestedJavaScript, 1000))
          .Fails(Code::kInvalidArgument, {"nested deeper than", "at result["}),
      Echo("argument_nested_too_deep", NestedLists(1002), Value())
          .Fails(Code::kInvalidArgument, {"nested deeper than", "at args[0]"}),
      Made("int_past_64_bits", "{'n': [0, -2**63 - 1]}",
           "{ n: [0, -(2n ** 63n) - 1n] }")
          .Fails(Code::kInvalidArgument, {"does not fit in", "at result.n[1]"}),
      Made("lone_surrogate", "['ok', '\\ud800']", "['ok', '\\uD800']")
          .Fails(Code::kInvalidArgument,
                 {"lone surrogate", "U+D800", "at result[1]"}),
      Made("lone_low_surrogate", "['\\udc00']", "['\\uDC00']")
          .Fails(Code::kInvalidArgument, {"lone surrogate", "at result[0]"}),
      Made("lone_surrogate_in_a_key", "{'\\udfff': 1}", "{ '\\uDFFF': 1 }")
          .Fails(Code::kInvalidArgument, {"lone surrogate", "at result"}),
      Echo("invalid_utf8_argument", Value("ok"), Value())
          .Call("echo", {Value("ok"), Value(std::string("a\xff"))})
          .Fails(Code::kInvalidArgument, {"UTF-8", "at args[1]"}),
      // A surrogate encoded as UTF-8 (CESU) is not UTF-8 either.
      Echo("encoded_surrogate_argument",
           Value(Value::Map{{"k", std::string("\xed\xa0\x80")}}), Value())
          .Fails(Code::kInvalidArgument, {"at args[0].k"}),
      Made("set", "{'s': {1, 2}}", "{ s: new Set([1]) }")
          .Fails(Code::kInvalidArgument, {"'set' at result.s"},
                 {"a Set object", "at result.s"}),
      Made("opaque_object_names_the_path", "{'items': [0, 1, 2, object()]}",
           "{ items: [0, 1, 2, Symbol('s')] }")
          .Fails(Code::kInvalidArgument, {"at result.items[3]"}),
      // Functions convert since they became values (function_rows.cc).
      Made("function_in_a_map", "{'f': len}", "{ f: function named() {} }")
          .ReturnsMatching("holds the function at .f, named",
                           [](const Value& made) {
                             const Value* f = made.is_map()
                                                  ? made.as_map().Find("f")
                                                  : nullptr;
                             return f != nullptr && f->is_function() &&
                                    (f->as_function()->name() == "len" ||
                                     f->as_function()->name() == "named");
                           }),
      Made("class_instance", "(lambda: {'pt': type('Point', (), {})()})()",
           "(() => { class Point {} return { pt: new Point() }; })()")
          .Fails(Code::kInvalidArgument, {"'Point' at result.pt"},
                 {"a Point object", "at result.pt"}),
      Made("pending_computation", "{'p': (x for x in [])}",
           "{ p: Promise.resolve(1) }")
          .Fails(Code::kInvalidArgument, {"'generator' at result.p"},
                 {"a Promise object", "at result.p"}),
      Made("non_string_key", "{'a': {1: 'x'}}", "{ a: new Map([[1, 'x']]) }")
          .Fails(Code::kInvalidArgument, {"key of type 'int'", "at result.a"},
                 {"non-string key", "at result.a"}),
      Made("cycle", "(lambda a: (a.append(a), {'x': a})[1])([1])",
           "(() => { const a = [1]; a.push(a); return { x: a }; })()")
          .Fails(Code::kInvalidArgument, {"cyclic structure at result.x[1]"}),
      // A time without its zone is not an instant: each language's way.
      Made("naive_datetime_or_invalid_date",
           "{'at': [__import__('datetime').datetime(2026, 12, 6, 18, 0)]}",
           "{ at: [new Date('not a date')] }")
          .Fails(Code::kInvalidArgument,
                 {"naive datetime", "at result.at[0]",
                  "datetime.now(timezone.utc)"},
                 {"Invalid Date", "at result.at[0]"}),
      Made("date_without_a_time", "[__import__('datetime').date(2026, 12, 6)]",
           "[new Date(NaN)]")
          .Fails(Code::kInvalidArgument,
                 {"'datetime.date'", "at result[0]", "tzinfo=timezone.utc"},
                 {"Invalid Date", "at result[0]"}),
      // A tzinfo whose utcoffset() says None leaves the datetime naive.
      Made("datetime_whose_tzinfo_gives_no_offset",
           "(lambda d: {'t': d.datetime(2026, 1, 1, tzinfo=type('Unknown', "
           "(d.tzinfo,), {'utcoffset': lambda self, t: None})())})"
           "(__import__('datetime'))",
           "{ t: new Date(undefined) }")
          .Fails(Code::kInvalidArgument, {"naive datetime", "at result.t"},
                 {"Invalid Date", "at result.t"}),
      // Each engine's own range: Python's years 1 to 9999, JavaScript's
      // 8.64e15 ms either side of 1970.
      Echo("time_outside_the_engines_range", Value())
          .Call("echo", {Utc(0, 12, 31, 23, 59, 59, 999),
                         Value(absl::FromUnixMillis(8640000000000001))})
          .Fails(Code::kInvalidArgument,
                 {"time 0000-12-31T23:59:59.999Z is outside Python's datetime "
                  "range (years 1 to 9999) at args[0]"},
                 {"time +275760-09-13T00:00:00.001Z is outside JavaScript's "
                  "Date range",
                  "at args[1]"}),
      Echo("time_outside_the_engines_range_in_a_map", Value())
          .Call("echo",
                {Value(Value::Map{{"python", Utc(10000, 1, 1, 0, 0, 0)},
                                  {"javascript", Value(absl::FromUnixMillis(
                                                     -8640000000000001))}})})
          .Fails(Code::kInvalidArgument,
                 {"+010000-01-01T00:00:00.000Z is outside Python's datetime "
                  "range",
                  "at args[0].python"},
                 {"-271821-04-19T23:59:59.999Z is outside JavaScript's Date "
                  "range",
                  "at args[0].javascript"}),
      Echo("infinite_time", Value(absl::InfiniteFuture()), Value())
          .Fails(Code::kInvalidArgument, {"infinite-future", "at args[0]"}),
      Made("result_over_the_value_budget", "'x' * 100000", "'x'.repeat(100000)")
          .ValueBudget(1000)
          .Fails(Code::kResourceExhausted, {"result is too large"}),
      Echo("echoed_argument_over_the_value_budget",
           Value(std::string(100000, 'y')))
          .ValueBudget(1000)
          .Fails(Code::kResourceExhausted, {"result is too large"}),
  };
}

// The bytes i % 256 for i in [start, start + count).
std::string OffsetBytes(int start, int count) {
  std::string out;
  for (int i = start; i < start + count; ++i) out += static_cast<char>(i % 256);
  return out;
}

// Each conversion's fast paths (long number arrays, ASCII and one-byte
// strings, large buffers) and where they hand over to the general one.
std::vector<Row> FastPathRows() {
  Value::List hundred;
  for (int i = 0; i < 100; ++i) hundred.emplace_back(i);
  Value::List many;
  for (int i = 0; i < 10000; ++i) many.emplace_back(i * 3);
  Value::List halves;
  for (int i = 0; i < 100; ++i) halves.emplace_back(i + 0.5);
  Value::List holey = hundred;
  holey[50] = Value();
  for (int i = 0; i < 20; ++i) holey.emplace_back();
  Value::List mixed(hundred.begin(), hundred.begin() + 70);
  for (Value item :
       {Value("x"), Value(), Value(Value::List{1}), Value(2.5), Value(7)}) {
    mixed.push_back(item);
  }
  Value::List mixed_argument = hundred;
  for (Value item : {Value(0.5), Value(), Value(true), Value("text"),
                     Value(Value::List{1, 2.5}), Value(-3)}) {
    mixed_argument.push_back(item);
  }
  Value::List bad_after_numbers = hundred;
  for (int i = 0; i < 50; ++i) bad_after_numbers.emplace_back(i + 0.25);
  bad_after_numbers.emplace_back(std::string("a\xff"));
  Value::List getter = hundred;
  getter[70] = Value("read 1");
  std::string latin1;
  for (int i = 0; i < 1000; ++i) latin1 += "caf\xc3\xa9 ";
  std::string astral;
  for (int i = 0; i < 1000; ++i) astral += "\xf0\x9f\x98\x80\xe2\x82\xac";
  // 1-, 2-, 3- and 4-byte characters, 16 bytes a repeat, past the size from
  // which JavaScript adopts a decoded string (64 KiB).
  std::string mixed_text;
  for (int i = 0; i < 6000; ++i) {
    mixed_text +=
        "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
        "bcdefg";
  }
  // Latin-1 only (a one-byte JavaScript string) and below U+10000 only (a
  // Python UCS2 string), each past 64 KiB.
  std::string latin1_only;
  for (int i = 0; i < 20000; ++i) latin1_only += "caf\xc3\xa9\xc3\xbf";
  std::string ucs2_only;
  for (int i = 0; i < 12000; ++i) ucs2_only += "\xe2\x82\xac\xc3\xa9\xd0\x96z";
  // JavaScript reads a two-byte string in pieces of 4096 units: after one
  // ASCII unit, every pair straddles a piece boundary in turn.
  std::string pairs = "a";
  for (int i = 0; i < 5000; ++i) pairs += "\xf0\x9f\x98\x80";
  std::string megabyte(1 << 20, '\0');
  for (size_t i = 0; i < megabyte.size(); ++i) {
    megabyte[i] = static_cast<char>(i * 7);
  }
  return {
      Made("long_int_array", "list(range(100))",
           "Array.from({ length: 100 }, (_, i) => i)")
          .Returns(Value(hundred)),
      Made("int_array_over_several_chunks", "list(range(0, 30000, 3))",
           "Array.from({ length: 10000 }, (_, i) => i * 3)")
          .Returns(Value(many)),
      Made("long_float_array", "[i + 0.5 for i in range(100)]",
           "Array.from({ length: 100 }, (_, i) => i + 0.5)")
          .Returns(Value(halves)),
      Made("long_holey_array",
           "list(range(50)) + [None] + list(range(51, 100)) + [None] * 20",
           "(() => { const a = Array.from({ length: 100 }, (_, i) => i); "
           "delete a[50]; a.length = 120; return a; })()")
          .Returns(Value(holey)),
      Made("numbers_then_other_kinds",
           "list(range(70)) + ['x', None, [1], 2.5, 7]",
           "[...Array.from({ length: 70 }, (_, i) => i), 'x', null, [1], 2.5, "
           "7]")
          .Returns(Value(mixed)),
      // The element with a getter is read once, as any other.
      Made("long_array_with_a_getter",
           "list(range(70)) + ['read 1'] + list(range(71, 100))",
           "(() => { const a = Array.from({ length: 100 }, (_, i) => i); "
           "let reads = 0; Object.defineProperty(a, 70, { get() { reads++; "
           "return 'read ' + reads; }, enumerable: true }); return a; })()")
          .Returns(Value(getter)),
      Made("unsafe_integer_in_a_long_array", "list(range(99)) + [2**53]",
           "[...Array.from({ length: 99 }, (_, i) => i), 2 ** 53]")
          .ReturnsMatching("ends with 2**53, an int or a float",
                           [](const Value& made) {
                             return made.is_list() &&
                                    made.as_list().size() == 100 &&
                                    made.as_list()[99].is_number() &&
                                    made.as_list()[99].as_number() ==
                                        9007199254740992.0;
                           }),
      Made("long_array_with_a_bad_element", "list(range(99)) + [{1, 2}]",
           "[...Array.from({ length: 99 }, (_, i) => i), Symbol('s')]")
          .Fails(Code::kInvalidArgument, {"at result[99]"}),
      Made("long_array_over_the_value_budget", "[1] * 100000",
           "new Array(100000).fill(1)")
          .ValueBudget(1000)
          .Fails(Code::kResourceExhausted, {"result is too large"}),
      Echo("long_int_list_argument", Value(many)),
      // An engine builds a list of numbers inline and hands every other
      // kind to the general conversion, which names the element it fails on.
      Echo("long_mixed_list_argument", Value(mixed_argument)),
      Echo("long_number_list_then_a_bad_element", Value())
          .Call("echo", {Value(bad_after_numbers)})
          .Fails(Code::kInvalidArgument, {"UTF-8", "at args[0][150]"}),
      Made("empty_string", "''", "''").Returns(Value("")),
      Made("long_one_byte_string", "'caf\\u00e9 ' * 1000",
           "'caf\\u00e9 '.repeat(1000)")
          .Returns(Value(latin1)),
      // JavaScript reads a one-byte string in pieces of 8192: Latin-1 on
      // both sides of a piece boundary, and only after a wholly ASCII piece.
      Made("one_byte_string_over_several_pieces",
           "'a' * 8191 + '\\u00e9\\u00ff' + 'b' * 20000",
           "'a'.repeat(8191) + '\\u00e9\\u00ff' + 'b'.repeat(20000)")
          .Returns(Value(std::string(8191, 'a') + "\xc3\xa9\xc3\xbf" +
                         std::string(20000, 'b'))),
      Made("latin1_only_after_ascii_pieces", "'a' * 30000 + '\\u00ff'",
           "'a'.repeat(30000) + '\\u00ff'")
          .Returns(Value(std::string(30000, 'a') + "\xc3\xbf")),
      Echo(
          "latin1_argument_over_several_pieces",
          Value(std::string(20000, 'c') + "\xc3\xa9" + std::string(9000, 'd'))),
      Made("long_astral_string", "'\\U0001F600\\u20ac' * 1000",
           "'\\u{1F600}\\u20ac'.repeat(1000)")
          .Returns(Value(astral)),
      Made("lone_surrogate_after_a_long_prefix", "'a' * 1000 + '\\ud800'",
           "'a'.repeat(1000) + '\\uD800'")
          .Fails(Code::kInvalidArgument,
                 {"lone surrogate", "U+D800", "index 1000", "at result"}),
      Made("long_mixed_utf8_string",
           "'a\\u00e9\\u20ac\\U0001F600bcdefg' * 6000",
           "'a\\u00e9\\u20ac\\u{1F600}bcdefg'.repeat(6000)")
          .Returns(Value(mixed_text)),
      Echo("long_mixed_utf8_string_argument", Value(mixed_text)),
      Made("long_latin1_only_string", "'caf\\u00e9\\u00ff' * 20000",
           "'caf\\u00e9\\u00ff'.repeat(20000)")
          .Returns(Value(latin1_only)),
      Echo("long_latin1_only_string_argument", Value(latin1_only)),
      Made("long_string_below_u10000", "'\\u20ac\\u00e9\\u0416z' * 12000",
           "'\\u20ac\\u00e9\\u0416z'.repeat(12000)")
          .Returns(Value(ucs2_only)),
      Echo("long_string_below_u10000_argument", Value(ucs2_only)),
      Made("surrogate_pairs_across_piece_boundaries",
           "'a' + '\\U0001F600' * 5000", "'a' + '\\u{1F600}'.repeat(5000)")
          .Returns(Value(pairs)),
      Echo("surrogate_pairs_argument", Value(pairs)),
      Made("lone_high_surrogate_ending_a_piece", "'a' * 4095 + '\\ud800b'",
           "'a'.repeat(4095) + '\\uD800b'")
          .Fails(Code::kInvalidArgument,
                 {"lone surrogate", "U+D800", "index 4095", "at result"}),
      Made("lone_low_surrogate_starting_a_piece",
           "'\\u00e9' * 4096 + '\\udc00'", "'\\u00e9'.repeat(4096) + '\\uDC00'")
          .Fails(Code::kInvalidArgument,
                 {"lone surrogate", "U+DC00", "index 4096", "at result"}),
      Made("lone_high_surrogate_at_the_end", "'\\u20ac' * 9000 + '\\ud83d'",
           "'\\u20ac'.repeat(9000) + '\\uD83D'")
          .Fails(Code::kInvalidArgument,
                 {"lone surrogate", "U+D83D", "index 9000", "at result"}),
      Echo("invalid_utf8_after_long_non_ascii_text", Value())
          .Call("echo", {Value(mixed_text + "\xe2\x82")})
          .Fails(Code::kInvalidArgument,
                 {absl::StrCat("UTF-8 (byte ", mixed_text.size(), ")"),
                  "at args[0]"}),
      Echo("encoded_surrogate_inside_long_non_ascii_text", Value())
          .Call("echo", {Value(Value::List{
                            Value(latin1_only + "\xed\xa0\x80" + mixed_text)})})
          .Fails(Code::kInvalidArgument,
                 {absl::StrCat("UTF-8 (byte ", latin1_only.size(), ")"),
                  "at args[0][0]"}),
      Echo("long_ascii_string_argument", Value(std::string(100000, 'a'))),
      Echo("long_non_ascii_string_argument", Value(latin1 + astral)),
      Echo("non_ascii_map_key", Value(Value::Map{{"cl\xc3\xa9", 1}})),
      Echo("invalid_utf8_after_an_ascii_prefix", Value())
          .Call("echo", {Value(std::string(100, 'a') + "\xff")})
          .Fails(Code::kInvalidArgument, {"UTF-8 (byte 100)", "at args[0]"}),
      Echo("empty_bytes", Value(Bytes(""))),
      Echo("megabyte_of_bytes", Value(Bytes(megabyte))),
      Made("bytes_view_with_an_offset", "memoryview(bytes(range(16)))[4:8]",
           "new Uint8Array(Uint8Array.from({ length: 16 }, (_, i) => i)"
           ".buffer, 4, 4)")
          .Returns(Value(Bytes(std::string("\x04\x05\x06\x07", 4)))),
      // A call's result moves into the calling script (large ASCII strings
      // and buffers are handed over, not copied): it arrives whole, twice.
      Row("large_results_cross_back_into_a_script")
          .Sources(R"PY(
import duet


def big():
    return {'text': 'a' * 100000 + 'z', 'data': bytes(range(256)) * 400}


def relay():
    first = duet.modules.self.call("big")
    second = duet.modules.self.call("big")
    return [len(first['text']), first['text'][-2:], len(first['data']),
            first['data'][1000], first == second]
)PY",
                   R"JS(
import duet from "duet";
export function big() {
  return { text: 'a'.repeat(100000) + 'z',
           data: Uint8Array.from({ length: 102400 }, (_, i) => i % 256) };
}
export function relay() {
  const first = duet.modules.self.call('big');
  const second = duet.modules.self.call('big');
  first.data[0] = 1;  // the caller's own buffer: the second is untouched
  return [first.text.length, first.text.slice(-2), first.data.length,
          first.data[1000], first.text === second.text && second.data[0] === 0];
}
)JS")
          .Call("relay")
          .Returns(Value(Value::List{100001, "az", 102400, 232, true})),
      // Large non-ASCII results become strings over their decoded storage
      // in the calling script: whole, comparable, and each its own.
      Row("large_non_ascii_results_cross_back_into_a_script")
          .Sources(R"PY(
import duet


def big():
    return ['\u20ac' * 50000 + '\U0001F600', '\u00e9' * 70000 + 'z']


def relay():
    first = duet.modules.self.call("big")
    second = duet.modules.self.call("big")
    return [len(first[0]), first[0][-2:], len(first[1]), first[1][-2:],
            first == second, first[0][:3] + first[1][:3]]
)PY",
                   R"JS(
import duet from "duet";
export function big() {
  return ['\u20ac'.repeat(50000) + '\u{1F600}', '\u00e9'.repeat(70000) + 'z'];
}
export function relay() {
  const first = duet.modules.self.call('big');
  const second = duet.modules.self.call('big');
  return [first[0].length, first[0].slice(-3), first[1].length,
          first[1].slice(-2), first[0] === second[0] && first[1] === second[1],
          first[0].slice(0, 3) + first[1].slice(0, 3)];
}
)JS")
          .Call("relay")
          .Returns({Value(Value::List{50001, "\xe2\x82\xac\xf0\x9f\x98\x80",
                                      70001, "\xc3\xa9z", true,
                                      "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
                                      "\xc3\xa9\xc3\xa9\xc3\xa9"}),
                    Value(Value::List{50002, "\xe2\x82\xac\xf0\x9f\x98\x80",
                                      70001, "\xc3\xa9z", true,
                                      "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
                                      "\xc3\xa9\xc3\xa9\xc3\xa9"})}),
      Made("large_bytes_view_with_an_offset",
           "memoryview(bytes(i % 256 for i in range(1000)))[100:300]",
           "new Uint8Array(Uint8Array.from({ length: 1000 }, (_, i) => i % "
           "256).buffer, 100, 200)")
          .Returns(Value(Bytes(OffsetBytes(100, 200)))),
      Made("bytes_from_a_typed_array_of_wider_elements",
           "memoryview(bytes(range(1, 9))).cast('H')[1:3]",
           "new Uint16Array(Uint8Array.from({ length: 8 }, (_, i) => i + 1)"
           ".buffer, 2, 2)")
          .Returns(Value(Bytes(std::string("\x03\x04\x05\x06", 4)))),
      Echo("bytes_argument_over_the_value_budget",
           Value(Bytes(std::string(100000, 'b'))))
          .ValueBudget(1000)
          .Fails(Code::kResourceExhausted, {"result is too large"}),
  };
}

}  // namespace duet::contract
