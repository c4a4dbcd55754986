#include "duet/error.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
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

// Every code point decodes to its UTF-16, alone and after ASCII that ends
// inside, at or after a 16-byte block.
TEST(Utf8Test, Utf8ToUtf16DecodesEveryCodePoint) {
  std::vector<uint16_t> units(64);
  for (uint32_t c = 0; c <= 0x10FFFF; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;
    std::string text;
    internal::AppendUtf8(&text, c);
    bool latin1 = false;
    std::optional<size_t> length =
        internal::Utf8ToUtf16(text, units.data(), &latin1);
    ASSERT_TRUE(length.has_value()) << c;
    EXPECT_EQ(latin1, c < 0x100) << c;
    if (c < 0x10000) {
      ASSERT_EQ(*length, 1u) << c;
      EXPECT_EQ(units[0], c);
    } else {
      ASSERT_EQ(*length, 2u) << c;
      EXPECT_EQ(units[0], 0xD800 + ((c - 0x10000) >> 10)) << c;
      EXPECT_EQ(units[1], 0xDC00 + ((c - 0x10000) & 0x3FF)) << c;
    }
  }
  for (size_t prefix : {0, 1, 15, 16, 17, 31, 32, 40}) {
    std::string text = std::string(prefix, 'q') + "\xc3\xa9\xe2\x82\xac" +
                       "\xf0\x9f\x98\x80" + std::string(20, 'z');
    bool latin1 = true;
    std::optional<size_t> length =
        internal::Utf8ToUtf16(text, units.data(), &latin1);
    ASSERT_TRUE(length.has_value());
    EXPECT_FALSE(latin1);
    std::u16string expected = std::u16string(prefix, u'q') +
                              u"\u00e9\u20ac\U0001F600" +
                              std::u16string(20, u'z');
    ASSERT_EQ(*length, expected.size());
    EXPECT_EQ(std::u16string(units.begin(), units.begin() + *length), expected);
  }
}

// Valid exactly when FindInvalidUtf8 says so, wherever the bad sequence
// falls; valid text comes back through Utf16ToUtf8 unchanged.
TEST(Utf8Test, Utf8ToUtf16RefusesWhatFindInvalidUtf8Finds) {
  const std::vector<std::string> bad = {"\xff",
                                        "\x80",
                                        "\xc0\xaf",
                                        "\xc1\xbf",
                                        "\xc3",
                                        "\xc3\x41",
                                        "\xe0\x80\x80",
                                        "\xe0\x9f\xbf",
                                        "\xed\xa0\x80",
                                        "\xed\xbf\xbf",
                                        "\xe2\x82",
                                        "\xe2\x28\xac",
                                        "\xf0\x80\x80\x80",
                                        "\xf0\x8f\xbf\xbf",
                                        "\xf4\x90\x80\x80",
                                        "\xf5\x80\x80\x80",
                                        "\xf0\x9f\x98",
                                        "\xf0\x9f\x98\x41"};
  std::vector<uint16_t> units(128);
  for (const std::string& sequence : bad) {
    for (size_t prefix : {0, 1, 14, 15, 16, 17, 33}) {
      for (const std::string& tail : {std::string(), std::string(20, 'z')}) {
        const std::string text = std::string(prefix, 'a') + sequence + tail;
        bool latin1 = false;
        EXPECT_FALSE(
            internal::Utf8ToUtf16(text, units.data(), &latin1).has_value())
            << prefix << " " << absl::CHexEscape(sequence);
        EXPECT_EQ(internal::FindInvalidUtf8(text), prefix);
      }
    }
  }
  // A pseudo-random mix of valid and invalid text, both ways.
  uint32_t state = 12345;
  const std::vector<std::string> pieces = {"a",
                                           "bcdefghijklmnopq",
                                           "\xc3\xa9",
                                           "\xe2\x82\xac",
                                           "\xf0\x9f\x98\x80",
                                           "\xed\x9f\xbf",
                                           "\xee\x80\x80",
                                           "\xf4\x8f\xbf\xbf",
                                           "\xc2\x80",
                                           "\xff",
                                           "\xe2\x82",
                                           "\xed\xa0\x80"};
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    const int count = static_cast<int>(state % 12);
    for (int k = 0; k < count; ++k) {
      state = state * 1103515245 + 12345;
      // Mostly valid pieces, so that valid text is common too.
      const size_t pick = (state >> 16) % 40;
      text += pieces[pick < pieces.size() ? pick : pick % 9];
    }
    state = state * 1103515245 + 12345;
    units.assign(text.size() + 16, 0);
    bool latin1 = false;
    std::optional<size_t> length =
        internal::Utf8ToUtf16(text, units.data(), &latin1);
    ASSERT_EQ(length.has_value(), !internal::FindInvalidUtf8(text).has_value())
        << absl::CHexEscape(text);
    if (!length.has_value()) continue;
    std::string back;
    size_t lone = 0;
    ASSERT_TRUE(internal::Utf16ToUtf8(units.data(), *length, &back, &lone));
    EXPECT_EQ(back, text);
  }
}

// The widths a Python str holds, both ways: measured and decoded at the
// width MeasureUtf8 picks, and sized and written back to the same UTF-8
// (long enough for every block loop's flush: 255 x 16 bytes and more).
TEST(Utf8Test, PythonWidthsBothWays) {
  const std::vector<std::pair<std::string, uint32_t>> texts = {
      {"caf\xc3\xa9 \xc3\xbf", 0xFF},
      {"\xe2\x82\xac\xc3\xa9\xd0\x96z", 0xFFFF},
      {"a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
       "bcdefg",
       0x10FFFF}};
  for (const auto& [piece, widest] : texts) {
    std::string text = "ascii first ";
    for (int i = 0; i < 700; ++i) text += piece;
    const internal::Utf8Shape shape = internal::MeasureUtf8(text);
    EXPECT_EQ(shape.max_code_point, widest);
    std::u32string code_points;
    for (size_t i = 0; i < text.size();) {
      bool latin1 = false;
      uint16_t units[4];
      const size_t length = (static_cast<unsigned char>(text[i]) < 0x80)   ? 1
                            : (static_cast<unsigned char>(text[i]) < 0xE0) ? 2
                            : (static_cast<unsigned char>(text[i]) < 0xF0) ? 3
                                                                           : 4;
      ASSERT_TRUE(internal::Utf8ToUtf16(text.substr(i, length), units, &latin1)
                      .has_value());
      code_points +=
          length == 4
              ? static_cast<char32_t>(0x10000 + ((units[0] - 0xD800) << 10) +
                                      (units[1] - 0xDC00))
              : static_cast<char32_t>(units[0]);
      i += length;
    }
    ASSERT_EQ(shape.characters, code_points.size());
    std::string back;
    if (widest == 0xFF) {
      std::vector<uint8_t> chars(shape.characters);
      ASSERT_EQ(internal::Utf8ToLatin1(text, chars.data(), chars.size()),
                chars.size());
      EXPECT_TRUE(std::equal(chars.begin(), chars.end(), code_points.begin()));
      back.resize(internal::Utf8SizeOfLatin1(chars.data(), chars.size()));
      internal::WriteUtf8(chars.data(), chars.size(), back.data());
    } else if (widest == 0xFFFF) {
      std::vector<uint16_t> chars(shape.characters);
      ASSERT_EQ(internal::Utf8ToUcs2(text, chars.data(), chars.size()),
                chars.size());
      EXPECT_TRUE(std::equal(chars.begin(), chars.end(), code_points.begin()));
      back.resize(
          internal::Utf8SizeOfUcs2(chars.data(), chars.size()).value_or(0));
      internal::WriteUtf8(chars.data(), chars.size(), back.data());
    } else {
      std::vector<uint32_t> chars(shape.characters);
      ASSERT_EQ(internal::Utf8ToUcs4(text, chars.data(), chars.size()),
                chars.size());
      EXPECT_TRUE(std::equal(chars.begin(), chars.end(), code_points.begin()));
      back.resize(
          internal::Utf8SizeOfUcs4(chars.data(), chars.size()).value_or(0));
      internal::WriteUtf8(chars.data(), chars.size(), back.data());
    }
    EXPECT_EQ(back, text);
    // Too narrow a width refuses the text, as invalid.
    std::vector<uint8_t> narrow(shape.characters);
    if (widest > 0xFF) {
      EXPECT_FALSE(internal::Utf8ToLatin1(text, narrow.data(), narrow.size())
                       .has_value());
    }
    std::vector<uint16_t> ucs2(shape.characters);
    if (widest > 0xFFFF) {
      EXPECT_FALSE(
          internal::Utf8ToUcs2(text, ucs2.data(), ucs2.size()).has_value());
    }
  }
  // A surrogate anywhere, even past the vector blocks, cannot be UTF-8.
  std::vector<uint16_t> ucs2(5000, 0x20AC);
  std::vector<uint32_t> ucs4(5000, 0x1F600);
  EXPECT_TRUE(internal::Utf8SizeOfUcs2(ucs2.data(), ucs2.size()).has_value());
  EXPECT_TRUE(internal::Utf8SizeOfUcs4(ucs4.data(), ucs4.size()).has_value());
  for (size_t at : {0, 3, 4998, 4999}) {
    ucs2[at] = 0xDC00;
    ucs4[at] = 0xD800;
    EXPECT_FALSE(
        internal::Utf8SizeOfUcs2(ucs2.data(), ucs2.size()).has_value());
    EXPECT_FALSE(
        internal::Utf8SizeOfUcs4(ucs4.data(), ucs4.size()).has_value());
    ucs2[at] = 0x20AC;
    ucs4[at] = 0x1F600;
  }
}

}  // namespace
}  // namespace duet
