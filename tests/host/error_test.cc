#include "duet/error.h"

#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "duet/internal/utf8.h"
#include "duet/internal/value_path.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace duet {
namespace {

using ::testing::HasSubstr;

ScriptError SampleError() {
  ScriptError error;
  error.language = Language::kJavaScript;
  error.type = "TypeError";
  error.message = "x is not a function: 3:4 with \"quotes\"";
  error.source_line = "  x();";
  error.stack = {{Language::kJavaScript, "/p/relay.js", 12, 5, "relay"},
                 {Language::kJavaScript, "/p/relay.js", 3, 1, ""}};
  return error;
}

TEST(ScriptErrorTest, TravelsInsideAStatus) {
  absl::Status status = MakeScriptError(SampleError());
  EXPECT_EQ(status.code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(status.message(),
            "TypeError: x is not a function: 3:4 with \"quotes\"");
  std::optional<ScriptError> back = GetScriptError(status);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->language, Language::kJavaScript);
  EXPECT_EQ(back->type, "TypeError");
  EXPECT_EQ(back->message, SampleError().message);
  EXPECT_EQ(back->source_line, "  x();");
  EXPECT_EQ(back->stack, SampleError().stack);
}

TEST(ScriptErrorTest, StreamsReadably) {
  std::ostringstream out;
  out << MakeScriptError(SampleError());
  EXPECT_EQ(out.str(),
            "UNKNOWN: TypeError: x is not a function: 3:4 with \"quotes\" "
            "[type.duet.dev/duet.ScriptError='javascript; at relay "
            "(/p/relay.js:12:5); at /p/relay.js:3:1']");
  // Other payloads keep abseil's own rendering.
  absl::Status other = absl::InternalError("x");
  other.SetPayload("type.example/other", absl::Cord("raw"));
  EXPECT_THAT(other.ToString(), HasSubstr("raw"));
}

TEST(ScriptErrorTest, PlainStatusesHaveNone) {
  EXPECT_FALSE(GetScriptError(absl::NotFoundError("x")).has_value());
  EXPECT_FALSE(GetScriptError(absl::OkStatus()).has_value());
}

TEST(ScriptErrorTest, AppendingFramesKeepsCodeAndOrigin) {
  absl::Status status =
      MakeScriptError(SampleError(), absl::StatusCode::kDeadlineExceeded);
  absl::Status grown = AppendStackFrames(
      status, {{Language::kPython, "/p/caller.py", 7, 0, "main"}});
  EXPECT_EQ(grown.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(grown.message(), status.message());
  std::optional<ScriptError> error = GetScriptError(grown);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->language, Language::kJavaScript);
  ASSERT_EQ(error->stack.size(), 3u);
  EXPECT_EQ(error->stack[2].file, "/p/caller.py");
  EXPECT_EQ(error->stack[2].language, Language::kPython);
  // Statuses without a script error pass through unchanged.
  absl::Status plain = absl::NotFoundError("x");
  EXPECT_EQ(AppendStackFrames(plain, {{}}), plain);
}

TEST(ScriptErrorTest, FormatsForPeople) {
  std::string text = FormatError(MakeScriptError(SampleError()));
  EXPECT_THAT(text, HasSubstr("TypeError: x is not a function"));
  EXPECT_THAT(text, HasSubstr("\n  at relay (/p/relay.js:12:5) [javascript]"));
  EXPECT_THAT(text, HasSubstr("\n  at /p/relay.js:3:1 [javascript]"));
  EXPECT_EQ(FormatError(absl::NotFoundError("no module")), "no module");
}

ScriptError ChainedError() {
  ScriptError inner;
  inner.language = Language::kPython;
  inner.type = "KeyError";
  inner.builtin_type = "KeyError";
  inner.message = "'id'";
  inner.stack = {{Language::kPython, "/p/store.py", 9, 5, "lookup"}};
  ScriptError error = SampleError();
  error.builtin_type = "TypeError";
  error.details = Value::Map{{"status", 404},
                             {"ratio", 0.25},
                             {"raw", Bytes("\x00\xff")},
                             {"tags", Value::List{"a", Value(), true}}};
  error.cause = std::make_shared<const ScriptError>(inner);
  return error;
}

TEST(ScriptErrorTest, CarriesBuiltinTypeDetailsAndCause) {
  std::optional<ScriptError> back =
      GetScriptError(MakeScriptError(ChainedError()));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, ChainedError());
  EXPECT_EQ(back->builtin_type, "TypeError");
  ASSERT_NE(back->cause, nullptr);
  EXPECT_EQ(back->cause->type, "KeyError");
  EXPECT_EQ(back->cause->stack[0].file, "/p/store.py");
  // Comparison looks into the cause.
  ScriptError other = ChainedError();
  ScriptError changed = *other.cause;
  changed.message = "'name'";
  other.cause = std::make_shared<const ScriptError>(changed);
  EXPECT_NE(other, ChainedError());
}

TEST(ScriptErrorTest, DetailsKeepTimesAndLeaveFunctionsOut) {
  ScriptError error = ChainedError();
  absl::Time when = absl::FromUnixMillis(-1);  // before 1970 too
  Value::Map details;
  details.Set("when", when);
  details.Set("callback",
              Value::FromFunction("callback", [](absl::Span<const Value>) {
                return absl::StatusOr<Value>(Value());
              }));
  error.details = Value(std::move(details));
  std::optional<ScriptError> back = GetScriptError(MakeScriptError(error));
  ASSERT_TRUE(back.has_value());
  ASSERT_TRUE(back->details.is_map());
  const Value* kept = back->details.as_map().Find("when");
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(*kept, Value(when));
  EXPECT_EQ(back->details.as_map().Find("callback"), nullptr);
}

TEST(ScriptErrorTest, ReadsPayloadsOfTheFirstEncoding) {
  // What MakeScriptError wrote before causes and details existed.
  absl::Status old(absl::StatusCode::kUnknown, "TypeError: bad");
  old.SetPayload(std::string(kScriptErrorPayloadUrl),
                 absl::Cord("10:javascript9:TypeError3:bad0:1:1"
                            "10:javascript5:/a.js1:31:41:f"));
  std::optional<ScriptError> error = GetScriptError(old);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->type, "TypeError");
  EXPECT_EQ(error->message, "bad");
  ASSERT_EQ(error->stack.size(), 1u);
  EXPECT_EQ(error->stack[0].line, 3);
  EXPECT_EQ(error->cause, nullptr);
  EXPECT_TRUE(error->details.is_null());
}

TEST(ScriptErrorTest, CauseChainIsCutAtItsDepthLimit) {
  ScriptError error;
  error.type = "E0";
  for (int i = 1; i <= kMaxCauseDepth + 5; ++i) {
    ScriptError outer;
    outer.type = absl::StrCat("E", i);
    outer.cause = std::make_shared<const ScriptError>(std::move(error));
    error = std::move(outer);
  }
  std::optional<ScriptError> back = GetScriptError(MakeScriptError(error));
  ASSERT_TRUE(back.has_value());
  int causes = 0;
  for (const ScriptError* e = back->cause.get(); e != nullptr;
       e = e->cause.get()) {
    ++causes;
  }
  EXPECT_EQ(causes, kMaxCauseDepth);
}

TEST(ScriptErrorTest, TruncatedPayloadIsRefused) {
  absl::Status status = MakeScriptError(ChainedError());
  std::string bytes(*status.GetPayload(std::string(kScriptErrorPayloadUrl)));
  for (size_t cut : {bytes.size() - 1, bytes.size() / 2}) {
    absl::Status broken = status;
    broken.SetPayload(std::string(kScriptErrorPayloadUrl),
                      absl::Cord(bytes.substr(0, cut)));
    EXPECT_FALSE(GetScriptError(broken).has_value()) << cut;
  }
}

TEST(ScriptErrorTest, FormatsTheCauseChain) {
  std::string text = FormatError(MakeScriptError(ChainedError()));
  EXPECT_THAT(text, HasSubstr("\n  at /p/relay.js:3:1 [javascript]\n"
                              "caused by: KeyError: 'id'\n"
                              "  at lookup (/p/store.py:9:5) [python]"));
  std::ostringstream out;
  out << MakeScriptError(ChainedError());
  EXPECT_THAT(out.str(), HasSubstr("; caused by KeyError: 'id'; at lookup "
                                   "(/p/store.py:9:5)']"));
}

TEST(LanguageTest, NamesAndAliases) {
  EXPECT_EQ(ParseLanguage("py"), Language::kPython);
  EXPECT_EQ(ParseLanguage("JavaScript"), Language::kJavaScript);
  EXPECT_EQ(ParseLanguage("js"), Language::kJavaScript);
  EXPECT_FALSE(ParseLanguage("ruby").has_value());
  EXPECT_EQ(LanguageName(Language::kJavaScript), "javascript");
}

TEST(ValuePathTest, RendersIndexesAndKeys) {
  internal::ValuePath path("args");
  path.PushIndex(0);
  path.PushKey("items");
  path.PushIndex(3);
  EXPECT_EQ(path.ToString(), "args[0].items[3]");
  path.PushKey("a \"b\"");
  EXPECT_EQ(path.ToString(), "args[0].items[3][\"a \\\"b\\\"\"]");
  EXPECT_EQ(path.Error("a set cannot be converted").message(),
            "a set cannot be converted at args[0].items[3][\"a \\\"b\\\"\"]");
}

TEST(Utf8Test, FindsInvalidSequences) {
  using internal::FindInvalidUtf8;
  EXPECT_FALSE(FindInvalidUtf8("plain \xc3\xa9 \xf0\x9f\x98\x80").has_value());
  EXPECT_EQ(FindInvalidUtf8("ab\xff"), 2u);
  EXPECT_EQ(FindInvalidUtf8("\xed\xa0\x80"), 0u);      // encoded surrogate
  EXPECT_EQ(FindInvalidUtf8("\xc0\xaf"), 0u);          // overlong
  EXPECT_EQ(FindInvalidUtf8("\xf4\x90\x80\x80"), 0u);  // past U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("x\xe2\x82"), 1u);         // truncated
}

TEST(Utf8Test, Utf16RefusesLoneSurrogates) {
  std::string out;
  size_t bad = 0;
  const uint16_t pair[] = {'a', 0xD83D, 0xDE00};
  ASSERT_TRUE(internal::Utf16ToUtf8(pair, 3, &out, &bad));
  EXPECT_EQ(out, "a\xf0\x9f\x98\x80");
  const uint16_t lone[] = {'a', 0xD800, 'b'};
  EXPECT_FALSE(internal::Utf16ToUtf8(lone, 3, &out, &bad));
  EXPECT_EQ(bad, 1u);
  const uint16_t trailing[] = {0xDC00};
  EXPECT_FALSE(internal::Utf16ToUtf8(trailing, 1, &out, &bad));
}

// The block-at-a-time ASCII scans stop at the right byte wherever it falls
// (inside or after a 64-, 32- or 8-byte block).
TEST(Utf8Test, FindsTheFirstNonAsciiByteAnywhere) {
  for (size_t at : {0, 1, 7, 8, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 160,
                    191, 198}) {
    std::string text(200, 'a');
    text[at] = '\xff';
    EXPECT_EQ(internal::AsciiPrefixLength(text), at);
    EXPECT_EQ(internal::FindInvalidUtf8(text), at);
    text[at] = 'a';
    text.replace(at, 2, "\xc3\xa9");
    EXPECT_EQ(internal::AsciiPrefixLength(text), at);
    EXPECT_FALSE(internal::FindInvalidUtf8(text).has_value());
  }
  EXPECT_EQ(internal::AsciiPrefixLength(""), 0u);
  EXPECT_EQ(internal::AsciiPrefixLength(std::string(100, 'z')), 100u);
}

TEST(Utf8Test, Latin1BecomesUtf8InPlace) {
  std::string text = "plain";
  internal::Latin1ToUtf8InPlace(&text);
  EXPECT_EQ(text, "plain");
  text = std::string(40, 'a') + "caf\xe9 \xff\x80";
  internal::Latin1ToUtf8InPlace(&text);
  EXPECT_EQ(text, std::string(40, 'a') + "caf\xc3\xa9 \xc3\xbf\xc2\x80");
  text = "";
  internal::Latin1ToUtf8InPlace(&text);
  EXPECT_EQ(text, "");
}

TEST(Utf8Test, Utf16OfEveryLength) {
  std::u16string text = u"abc\u00e9\u20ac";
  text += std::u16string(40, u'x');
  text += u"\U0001F600";
  std::string out;
  size_t bad = 0;
  ASSERT_TRUE(internal::Utf16ToUtf8(
      reinterpret_cast<const uint16_t*>(text.data()), text.size(), &out, &bad));
  EXPECT_EQ(out, "abc\xc3\xa9\xe2\x82\xac" + std::string(40, 'x') +
                     "\xf0\x9f\x98\x80");
  const uint16_t high_at_end[] = {'a', 'b', 0xD83D};
  EXPECT_FALSE(internal::Utf16ToUtf8(high_at_end, 3, &out, &bad));
  EXPECT_EQ(bad, 2u);
}

}  // namespace
}  // namespace duet
