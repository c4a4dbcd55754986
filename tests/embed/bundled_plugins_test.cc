// The bundled plugins (plugins/) that show behaviour crossing languages,
// through a real Host, in each implementation: textstats.map_words calls a
// function from another language, timers awaits two timers at once, and
// greeter.make_greeter returns a closure that outlives its call. Their
// [[examples]] run in cli_test (`duet check`).
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "duet/duet.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/quiet_host.h"
#include "testing/status_matchers.h"

namespace duet {
namespace {

using ::duet::testing::IsOkAndHolds;
using ::duet::testing::StatusIs;
using ::testing::HasSubstr;

const Value::List kShouted = {"THE", "CAT", "SAT"};

// A plugin that hands textstats.map_words a function of its own language:
// an arrow function from JavaScript, a lambda from Python.
constexpr char kShoutPython[] = R"PY(
import duet

def shout(text):
    return duet.modules.textstats.map_words(text, lambda w: w.upper())
)PY";
constexpr char kShoutJavaScript[] = R"JS(
import duet from 'duet';

export function shout(text) {
  return duet.modules.textstats.map_words(text, (w) => w.toUpperCase());
}
)JS";

class BundledPluginsTest : public ::duet::testing::QuietHostTest {
 protected:
  void SetUp() override {
    QuietHostTest::SetUp();
    absl::StatusOr<LoadReport> report =
        host_->LoadPlugins(std::string(DUET_SOURCE_DIR) + "/plugins");
    ASSERT_TRUE(report.ok()) << report.status();
    ASSERT_THAT(report->problems, ::testing::IsEmpty());
  }

  void LoadShout() {
    PluginSource source;
    source.module = "shout_words";
    source.implementations = {
        {Language::kPython, kShoutPython, "shout_words.py"},
        {Language::kJavaScript, kShoutJavaScript, "shout_words.mjs"}};
    ASSERT_THAT(host_->LoadPlugin(source), IsOkAndHolds("shout_words"));
  }

  static CallOptions In(Language language) {
    CallOptions options;
    options.implementation = language;
    return options;
  }
};

// ---- textstats.map_words
// -----------------------------------------------------

TEST_F(BundledPluginsTest, JavaScriptArrowFunctionToPythonMapWords) {
  LoadShout();
  ASSERT_OK(host_->Use("shout_words", Language::kJavaScript));
  ASSERT_OK(host_->Use("textstats", Language::kPython));
  EXPECT_THAT(host_->Call("shout_words", "shout", {"the cat sat"}),
              IsOkAndHolds(Value(kShouted)));
}

TEST_F(BundledPluginsTest, PythonLambdaToJavaScriptMapWords) {
  LoadShout();
  ASSERT_OK(host_->Use("shout_words", Language::kPython));
  ASSERT_OK(host_->Use("textstats", Language::kJavaScript));
  EXPECT_THAT(host_->Call("shout_words", "shout", {"the cat sat"}),
              IsOkAndHolds(Value(kShouted)));
}

TEST_F(BundledPluginsTest, MapWordsCallsACppFunctionOncePerWordInOrder) {
  for (Language language : kAllLanguages) {
    SCOPED_TRACE(LanguageName(language));
    absl::Mutex mutex;
    std::vector<std::string> seen;
    Value numbered = Value::FromFunction(
        "numbered", [&](absl::Span<const Value> args) -> absl::StatusOr<Value> {
          absl::MutexLock lock(&mutex);
          seen.push_back(args[0].as_string());
          return Value(std::to_string(seen.size()) + ":" + seen.back());
        });
    // The same splitting as word_counts: lowercased, NFC, "don't" whole.
    EXPECT_THAT(host_->Call("textstats", "map_words",
                            {"Don't STOP, Zoë", numbered}, In(language)),
                IsOkAndHolds(Value(Value::List{"1:don't", "2:stop", "3:zoë"})));
    absl::MutexLock lock(&mutex);
    EXPECT_THAT(seen, ::testing::ElementsAre("don't", "stop", "zoë"));
  }
}

TEST_F(BundledPluginsTest, MapWordsOfNoWordsNeverCallsTheFunction) {
  for (Language language : kAllLanguages) {
    SCOPED_TRACE(LanguageName(language));
    Value never = Value::FromFunction(
        "never", [](absl::Span<const Value>) -> absl::StatusOr<Value> {
          return absl::InternalError("map_words called fn with no words");
        });
    EXPECT_THAT(
        host_->Call("textstats", "map_words", {" , ", never}, In(language)),
        IsOkAndHolds(Value(Value::List{})));
  }
}

TEST_F(BundledPluginsTest, MapWordsWithoutAFunctionIsATypeError) {
  for (Language language : kAllLanguages) {
    SCOPED_TRACE(LanguageName(language));
    absl::StatusOr<Value> result =
        host_->Call("textstats", "map_words", {"a b", 3}, In(language));
    ASSERT_THAT(result, StatusIs(absl::StatusCode::kUnknown,
                                 HasSubstr("fn must be a function")));
    std::optional<ScriptError> error = GetScriptError(result.status());
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->type, "TypeError");
    EXPECT_EQ(error->language, language);
  }
}

// An error the function raises reaches the caller with its own type, through
// the other language's map_words.
TEST_F(BundledPluginsTest, AnErrorInTheFunctionReachesTheCaller) {
  Value refuse = Value::FromFunction(
      "refuse", [](absl::Span<const Value> args) -> absl::StatusOr<Value> {
        return absl::OutOfRangeError("no " + args[0].as_string());
      });
  for (Language language : kAllLanguages) {
    SCOPED_TRACE(LanguageName(language));
    EXPECT_THAT(
        host_->Call("textstats", "map_words", {"cat", refuse}, In(language)),
        StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("no cat")));
  }
}

// ---- timers
// ------------------------------------------------------------------

TEST_F(BundledPluginsTest, TimersWaitAndBothThroughCall) {
  for (Language language : kAllLanguages) {
    SCOPED_TRACE(LanguageName(language));
    EXPECT_THAT(host_->Call("timers", "wait", {5}, In(language)),
                IsOkAndHolds(Value(5)));
    // The shorter timer, started second, finishes first: they overlap.
    Value expected = Value::Map{
        {"first", 80},
        {"second", 10},
        {"finished", Value::List{"second", "first"}},
    };
    EXPECT_THAT(host_->Call("timers", "both", {80, 10}, In(language)),
                IsOkAndHolds(expected));
  }
}

TEST_F(BundledPluginsTest, TimersRefuseADelayOutOfRange) {
  for (Language language : kAllLanguages) {
    SCOPED_TRACE(LanguageName(language));
    absl::StatusOr<Value> result =
        host_->Call("timers", "both", {10, -1}, In(language));
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kUnknown,
                                 HasSubstr("second_ms must be from 0 to 10000 "
                                           "milliseconds, got -1")));
    std::optional<ScriptError> error = GetScriptError(result.status());
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->type,
              language == Language::kPython ? "ValueError" : "RangeError");
  }
}

constexpr int kWaitMs = 300;

// One after the other, the two timers would take at least their sum.
// The order the timers finish in shows they overlap, whatever the load:
// one after the other, "first" would always finish first.
TEST_F(BundledPluginsTest, BothRunsItsTimersAtOnce) {
  for (Language language : kAllLanguages) {
    SCOPED_TRACE(LanguageName(language));
    ASSERT_OK_AND_ASSIGN(
        Value result,
        host_->Call("timers", "both", {3 * kWaitMs, 10}, In(language)));
    EXPECT_EQ(*result.as_map().Find("finished"),
              Value(Value::List{"second", "first"}));
  }
}

// A quick wait started after a slow one is done while the slow one still
// waits; one after the other, it could only end after it.
TEST_F(BundledPluginsTest, TwoCallAsyncCallsOfTimersRunAtOnce) {
  for (Language language : kAllLanguages) {
    SCOPED_TRACE(LanguageName(language));
    std::future<absl::StatusOr<Value>> slow =
        host_->CallAsync("timers", "wait", {3 * kWaitMs}, In(language));
    std::future<absl::StatusOr<Value>> quick =
        host_->CallAsync("timers", "wait", {10}, In(language));
    EXPECT_THAT(quick.get(), IsOkAndHolds(Value(10)));
    EXPECT_NE(slow.wait_for(std::chrono::seconds(0)),
              std::future_status::ready);
    EXPECT_THAT(slow.get(), IsOkAndHolds(Value(3 * kWaitMs)));
  }
}

// ---- greeter.make_greeter
// ----------------------------------------------------

// The closure outlives the call that made it and is called from another
// thread, as the embedding sample does.
TEST_F(BundledPluginsTest, AClosureKeptInAValueIsCalledFromAnotherThread) {
  for (Language language : kAllLanguages) {
    SCOPED_TRACE(LanguageName(language));
    absl::StatusOr<Value> bonjour =
        host_->Call("greeter", "make_greeter", {"Bonjour"}, In(language));
    ASSERT_TRUE(bonjour.ok()) << bonjour.status();
    ASSERT_TRUE(bonjour->is_function());
    EXPECT_EQ(bonjour->as_function()->language(), language);
    absl::StatusOr<Value> greeting;
    std::thread later([&] { greeting = bonjour->Call({"monde"}); });
    later.join();
    EXPECT_THAT(greeting, IsOkAndHolds(Value("Bonjour, monde!")));
  }
}

}  // namespace
}  // namespace duet
