// One body of tests, run against both engines: the value mapping of
// docs/values.md, conversion errors with paths, and script errors.
//
// ExpectEval(code, value) evaluates `code` in the engine under test (through
// the probe plugin's evaluate()) and compares what arrives in C++;
// ExpectRoundTrip(value) sends a value through echo() and back.
#include <pthread.h>

#include <cmath>
#include <functional>
#include <limits>

#include "duet/host.h"
#include "duet/runtime.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "javascript/javascript_runtime.h"
#include "python/python_runtime.h"
#include "testing/sanitizers.h"
#include "testing/status_matchers.h"

namespace duet {
namespace {

using ::duet::testing::StatusIs;
using ::testing::AllOf;
using ::testing::AnyOf;
using ::testing::HasSubstr;

constexpr int64_t kMaxSafe = (int64_t{1} << 53) - 1;

Host& SharedHost() {
  static Host* host = [] {
    HostOptions options;
    options.log_sink = [](LogLevel, std::string_view, std::string_view) {};
    Host* made =
        CreateHostWithRuntimes(std::move(options),
                               {CreatePythonRuntime, CreateJavaScriptRuntime})
            ->release();
    for (const char* plugin : {DUET_PROBE_DIR, DUET_SMALL_DIR}) {
      absl::StatusOr<std::string> loaded = made->LoadPlugin(plugin);
      EXPECT_TRUE(loaded.ok()) << loaded.status();
    }
    return made;
  }();
  return *host;
}

// Runs `body` on a thread whose whole stack is `stack_bytes`, as an
// embedder's worker thread may be.
void RunOnThreadWithStack(size_t stack_bytes, std::function<void()> body) {
  pthread_attr_t attributes;
  ASSERT_EQ(pthread_attr_init(&attributes), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attributes, stack_bytes), 0);
  pthread_t thread;
  ASSERT_EQ(pthread_create(
                &thread, &attributes,
                [](void* argument) -> void* {
                  (*static_cast<std::function<void()>*>(argument))();
                  return nullptr;
                },
                &body),
            0);
  pthread_attr_destroy(&attributes);
  pthread_join(thread, nullptr);
}

// [[[...]]] nested `depth` lists deep, built without recursion.
Value NestedLists(int depth) {
  Value value = Value::List{};
  for (int i = 1; i < depth; ++i) value = Value::List{std::move(value)};
  return value;
}

class ConformanceTest : public ::testing::TestWithParam<Language> {
 protected:
  bool is_js() const { return GetParam() == Language::kJavaScript; }

  absl::StatusOr<Value> Probe(std::string_view function,
                              std::vector<Value> args) {
    return SharedHost().Call("probe", function, args,
                             {std::nullopt, GetParam()});
  }
  absl::StatusOr<Value> Eval(std::string_view code) {
    return Probe("evaluate", {std::string(code)});
  }
  // Python and JavaScript spell some values differently.
  absl::StatusOr<Value> Eval(std::string_view python,
                             std::string_view javascript) {
    return Eval(is_js() ? javascript : python);
  }

  void ExpectEval(std::string_view python, std::string_view javascript,
                  const Value& expected) {
    absl::StatusOr<Value> got = Eval(python, javascript);
    ASSERT_TRUE(got.ok()) << (is_js() ? javascript : python) << ": "
                          << got.status();
    EXPECT_EQ(*got, expected) << (is_js() ? javascript : python);
  }
  void ExpectEval(std::string_view code, const Value& expected) {
    ExpectEval(code, code, expected);
  }

  void ExpectRoundTrip(const Value& value) {
    absl::StatusOr<Value> back = Probe("echo", {value});
    ASSERT_TRUE(back.ok()) << value << ": " << back.status();
    EXPECT_EQ(*back, value);
  }

  std::string Describe(const Value& value) {
    absl::StatusOr<Value> type = Probe("describe", {value});
    return type.ok() ? type->as_string() : std::string(type.status().message());
  }
};

TEST_P(ConformanceTest, ScalarsRoundTrip) {
  for (const Value& value :
       {Value(), Value(true), Value(false), Value(0), Value(-1), Value(1.5),
        Value(-2.25), Value(kMaxSafe), Value(-kMaxSafe), Value(kMaxSafe + 1),
        Value(kMaxSafe + 2), Value(-kMaxSafe - 2),
        Value(std::numeric_limits<int64_t>::max()),
        Value(std::numeric_limits<int64_t>::min()), Value(1e300),
        Value(HUGE_VAL), Value(-HUGE_VAL), Value(5e-324)}) {
    ExpectRoundTrip(value);
  }
}

TEST_P(ConformanceTest, FloatEdgesStayFloats) {
  absl::StatusOr<Value> nan = Probe("echo", {std::nan("")});
  ASSERT_OK(nan);
  ASSERT_TRUE(nan->is_float());
  EXPECT_TRUE(std::isnan(nan->as_float()));
  absl::StatusOr<Value> negative_zero = Probe("echo", {-0.0});
  ASSERT_OK(negative_zero);
  ASSERT_TRUE(negative_zero->is_float());
  EXPECT_TRUE(std::signbit(negative_zero->as_float()));
}

TEST_P(ConformanceTest, IntegralFloatsComeBackFromJavaScriptAsInts) {
  absl::StatusOr<Value> three = Probe("echo", {3.0});
  ASSERT_OK(three);
  // The one lossy row of docs/values.md: JavaScript has a single number type.
  EXPECT_EQ(*three, is_js() ? Value(3) : Value(3.0));
  EXPECT_TRUE(EquivalentByValue(*three, Value(3.0)));
}

TEST_P(ConformanceTest, StringsAndBytesRoundTrip) {
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes.push_back(static_cast<char>(i));
  for (const Value& value : {Value(""), Value("h\xc3\xa9llo w\xc3\xb6rld"),
                             Value(std::string("nul\0inside", 10)),
                             Value("astral \xf0\x9f\x98\x80 \xf0\x9d\x84\x9e"),
                             Value("\xe4\xb8\xad\xe6\x96\x87"), Value(Bytes()),
                             Value(Bytes(all_bytes))}) {
    ExpectRoundTrip(value);
  }
}

TEST_P(ConformanceTest, ContainersRoundTrip) {
  ExpectRoundTrip(Value::List{});
  ExpectRoundTrip(Value::Map{});
  ExpectRoundTrip(Value::List{1, "two", Value(), Value::List{Bytes("3")}});
  ExpectRoundTrip(Value::Map{{"zebra", 1},
                             {"apple", Value::Map{{"nested", true}}},
                             {"__proto__", "an ordinary key"},
                             {"", "empty key"}});
  Value deep = Value::List{};
  for (int i = 0; i < 100; ++i) deep = Value::List{deep};
  ExpectRoundTrip(deep);
  Value deep_map = 1;
  for (int i = 0; i < 100; ++i) deep_map = Value::Map{{"k", deep_map}};
  ExpectRoundTrip(deep_map);
}

TEST_P(ConformanceTest, ValuesArriveAsTheMappedTypes) {
  struct Row {
    Value value;
    const char* python;
    const char* javascript;
  };
  for (const Row& row : std::vector<Row>{
           {Value(), "NoneType", "null"},
           {Value(true), "bool", "boolean"},
           {Value(kMaxSafe), "int", "number"},
           {Value(kMaxSafe + 1), "int", "bigint"},
           {Value(-kMaxSafe - 1), "int", "bigint"},
           {Value(1.5), "float", "number"},
           {Value("s"), "str", "string"},
           {Value(Bytes("b")), "bytes", "Uint8Array"},
           {Value(Value::List{}), "list", "Array"},
           {Value(Value::Map{}), "dict", "Object"},
       }) {
    EXPECT_EQ(Describe(row.value), is_js() ? row.javascript : row.python)
        << row.value;
  }
}

TEST_P(ConformanceTest, EngineValuesArriveAsDuetValues) {
  ExpectEval("None", "null", Value());
  ExpectEval("None", "undefined", Value());
  ExpectEval("True", "true", Value(true));
  ExpectEval("2**53 - 1", "2**53 - 1", Value(kMaxSafe));
  ExpectEval("2**53 + 1", "2n**53n + 1n", Value(kMaxSafe + 2));
  ExpectEval("-2**63", "-(2n**63n)",
             Value(std::numeric_limits<int64_t>::min()));
  ExpectEval("0.1 + 0.2", Value(0.1 + 0.2));
  ExpectEval("'\\u00e9\\U0001F600'", "'\\u00e9\\u{1F600}'",
             Value("\xc3\xa9\xf0\x9f\x98\x80"));
  ExpectEval("b'\\x00\\xff'", "new Uint8Array([0, 255])",
             Value(Bytes(std::string("\x00\xff", 2))));
  ExpectEval("bytearray(b'ab')", "new Uint8Array([97, 98]).buffer",
             Value(Bytes("ab")));
  ExpectEval("memoryview(b'xyz')[1:]",
             "new DataView(new Uint8Array([120, 121, 122]).buffer, 1)",
             Value(Bytes("yz")));
  ExpectEval("(1, [2])", "[1, [2]]", Value(Value::List{1, Value::List{2}}));
  ExpectEval("{'b': 1, 'a': [True]}", "({b: 1, a: [true]})",
             Value(Value::Map{{"b", 1}, {"a", Value::List{true}}}));
  ExpectEval("{'k': 'v'}", "new Map([['k', 'v']])",
             Value(Value::Map{{"k", "v"}}));
}

TEST_P(ConformanceTest, UnconvertibleResultsNameThePath) {
  EXPECT_THAT(
      Eval("{1, 2}", "Symbol('s')"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(" at result")));
  EXPECT_THAT(Eval("{'a': [1, {2}]}", "({a: [1, Symbol('s')]})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(" at result.a[1]")));
  EXPECT_THAT(
      Eval("[object()]", "[new Date(0)]"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(" at result[0]")));
  EXPECT_THAT(
      Eval("{'f': len}", "({f: function f() {}})"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(" at result.f")));
  EXPECT_THAT(
      Eval("(lambda l: (l.append(l), l)[1])([])",
           "(() => { const a = []; a.push(a); return a; })()"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cyclic")));
  EXPECT_THAT(
      Eval("{1: 'x'}", "new Map([[1, 'x']])"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(" at result")));
  EXPECT_THAT(
      Eval("2**64", "2n**64n"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(" at result")));
}

TEST_P(ConformanceTest, LoneSurrogatesAreErrorsNeverReplacements) {
  EXPECT_THAT(
      Eval("'ok \\ud800'", "'ok \\ud800'"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(" at result")));
  EXPECT_THAT(
      Eval("['\\udc00']", "['\\udc00']"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(" at result[0]")));
  // Bytes that are not UTF-8 cannot be a string on the way in either.
  EXPECT_THAT(
      Probe("echo", {Value::Map{{"s", "bad \xff"}}}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(" at args[0].s")));
}

TEST_P(ConformanceTest, ScriptExceptionsCarryTypeMessageAndStack) {
  absl::StatusOr<Value> result = Eval("int('not a number')", "null.property");
  ASSERT_THAT(result, StatusIs(absl::StatusCode::kUnknown, HasSubstr("")));
  std::optional<ScriptError> error = GetScriptError(result.status());
  ASSERT_TRUE(error.has_value()) << result.status();
  EXPECT_EQ(error->language, GetParam());
  EXPECT_EQ(error->type, is_js() ? "TypeError" : "ValueError");
  EXPECT_FALSE(error->message.empty());
  bool saw_probe_file = false;
  for (const StackFrame& frame : error->stack) {
    if (frame.file.find(is_js() ? "probe.js" : "probe.py") !=
        std::string::npos) {
      saw_probe_file = true;
      EXPECT_GT(frame.line, 0);
    }
  }
  EXPECT_TRUE(saw_probe_file) << FormatError(result.status());
}

TEST_P(ConformanceTest, CallsAcrossLanguagesKeepValues) {
  // The probe in this language calls the probe in its active language.
  Value payload = Value::Map{
      {"n", kMaxSafe + 1}, {"b", Bytes("\x01")}, {"l", Value::List{1.5, "x"}}};
  absl::StatusOr<Value> result =
      Probe("call", {"probe.echo", Value::List{payload}});
  ASSERT_OK(result);
  EXPECT_EQ(*result, payload);
}

TEST_P(ConformanceTest, DeepValuesOnASmallStackAreErrorsNotCrashes) {
  // 999 levels is within kMaxValueDepth, but converting them needs more
  // stack than a 256 KB thread has; either direction must say so.
  Value deep = NestedLists(999);
  // The engines start on this thread, which outlives the small one.
  ASSERT_OK(Probe("echo", {1}));
  absl::StatusOr<Value> returned;
  absl::StatusOr<Value> sent;
  RunOnThreadWithStack(256 * 1024 * testing::kStackScale, [&] {
    returned =
        Eval("__import__('functools').reduce(lambda a, _: [a], range(998), [])",
             "(() => { let a = []; for (let i = 0; i < 998; i++) a = [a]; "
             "return a; })()");
    sent = Probe("echo", {deep});
  });
  EXPECT_THAT(returned,
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("value nested too deeply for this thread's "
                                 "stack at result[0][0]")));
  // Arguments may fit where the engine's own frames do not: then its
  // result, the same value, is refused.
  EXPECT_THAT(sent,
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AnyOf(HasSubstr("value nested too deeply for this "
                                       "thread's stack at args[0][0]"),
                             HasSubstr("value nested too deeply for this "
                                       "thread's stack at result[0][0]"))));
  // On an ordinary stack the same value converts.
  ExpectRoundTrip(deep);
}

TEST_P(ConformanceTest, ValuesOverTheBudgetAreRefusedBeforeTheyAreBuilt) {
  // 10**8 items are 4 GB as duet values; the 16 MB plugin's budget is 16 MB.
  absl::StatusOr<Value> result =
      SharedHost().Call("small", "return_huge", {}, {std::nullopt, GetParam()});
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kResourceExhausted,
                               AllOf(HasSubstr("result is too large"),
                                     HasSubstr("16 MB value budget"),
                                     HasSubstr("[limits] memory_mb"))));
  // The same value as the argument of a call the script makes.
  absl::StatusOr<Value> message = SharedHost().Call(
      "small", "send_huge", {"probe.echo"}, {std::nullopt, GetParam()});
  ASSERT_OK(message);
  EXPECT_THAT(message->as_string(), AllOf(HasSubstr("args[0] is too large"),
                                          HasSubstr("[limits] memory_mb")));
}

TEST_P(ConformanceTest, ConversionsStopAtTheCallsDeadline) {
  // 3 million cheap nodes, built beforehand: returning them is quick for
  // the script and slow only to convert.
  ASSERT_OK(Eval("kept.__setitem__('wide', [[0] * 1000] * 3000)",
                 "(kept.wide = Array(3000).fill(Array(1000).fill(0)), null)"));
  CallOptions options;
  options.timeout = absl::Milliseconds(1);
  Value code = is_js() ? "kept.wide" : "kept['wide']";
  options.implementation = GetParam();
  absl::StatusOr<Value> result =
      SharedHost().Call("probe", "evaluate", {code}, options);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kDeadlineExceeded,
                               HasSubstr("probe.evaluate")));
  ASSERT_OK(Eval("kept.clear()", "(kept = {}, null)"));
}

// duet.call splits "module.function" as the host does, in both languages:
// at the first dot, with one message for a name that has none.
TEST_P(ConformanceTest, DuetCallSplitsNamesLikeTheHost) {
  EXPECT_THAT(
      Probe("call", {Value("probe.echo"), Value(Value::List{Value(7)})}),
      ::testing::Eq(absl::StatusOr<Value>(Value(7))));
  EXPECT_THAT(Probe("call", {Value("probe"), Value(Value::List{})}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("'probe' is not MODULE.FUNCTION")));
  EXPECT_THAT(Probe("call", {Value("probe.echo.x"), Value(Value::List{})}),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("has no function 'echo.x'")));
}

INSTANTIATE_TEST_SUITE_P(Engines, ConformanceTest,
                         ::testing::Values(Language::kPython,
                                           Language::kJavaScript),
                         [](const ::testing::TestParamInfo<Language>& info) {
                           return std::string(LanguageName(info.param));
                         });

}  // namespace
}  // namespace duet
