// Both engines behind a Host: what needs the host's own parts (calls from
// one language into the other, [limits] from plugin.toml, CallOptions
// timeouts, the host's "module.function" rule, stack size checks across a
// Host call). What an engine does on its own is a row of tests/contract.
//
// Eval(code) evaluates `code` in the engine under test (through the probe
// plugin's evaluate()); ExpectRoundTrip(value) sends a value through echo()
// and back.

#include "absl/strings/str_cat.h"
#include "duet/host.h"
#include "duet/runtime.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "javascript/javascript_runtime.h"
#include "python/python_runtime.h"
#include "testing/language_param.h"
#include "testing/sanitizers.h"
#include "testing/stack_thread.h"
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

  void ExpectRoundTrip(const Value& value) {
    absl::StatusOr<Value> back = Probe("echo", {value});
    ASSERT_TRUE(back.ok()) << value << ": " << back.status();
    EXPECT_EQ(*back, value);
  }
};

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
  // Copied here: copying a deep Value recurses too, and the test's own code
  // may be built without optimisation (larger frames).
  const std::vector<Value> deep_args = {deep};
  testing::RunOnThreadWithStack(256 * 1024 * testing::kStackScale, [&] {
    returned =
        Eval("__import__('functools').reduce(lambda a, _: [a], range(998), [])",
             "(() => { let a = []; for (let i = 0; i < 998; i++) a = [a]; "
             "return a; })()");
    sent = SharedHost().Call("probe", "echo", deep_args,
                             {std::nullopt, GetParam()});
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

// A duet::Function reaches the engine CallOptions names and stops at the
// deadline they set, as Host::Call does, and works again afterwards.
TEST_P(ConformanceTest, AFunctionHandleTakesCallOptionsInEitherEngine) {
  absl::StatusOr<Function> evaluate = SharedHost().Function("probe.evaluate");
  ASSERT_OK(evaluate);
  CallOptions options;
  options.implementation = GetParam();
  options.timeout = absl::Milliseconds(50);
  EXPECT_THAT(evaluate->Call({"1 + 1"}, options),
              ::testing::Eq(absl::StatusOr<Value>(Value(2))));
  Value endless =
      is_js() ? "(() => { for (;;) {} })()" : "sum(1 for _ in iter(int, 1))";
  EXPECT_THAT(
      evaluate->Call({endless}, options),
      StatusIs(absl::StatusCode::kDeadlineExceeded,
               absl::StrCat("probe.evaluate (",
                            std::string(LanguageName(GetParam())),
                            ") did not finish within its time limit of 50ms")));
  EXPECT_THAT(evaluate->Call({"2 + 2"}, options),
              ::testing::Eq(absl::StatusOr<Value>(Value(4))));
}

INSTANTIATE_TEST_SUITE_P(Engines, ConformanceTest,
                         ::testing::Values(Language::kPython,
                                           Language::kJavaScript),
                         ::duet::testing::LanguageParamName);

}  // namespace
}  // namespace duet
