// The UTF-8 converters' vector paths (AVX-512 where the CPU has it) against
// their portable paths and against known answers: every kind of character
// and every invalid sequence at every offset around the 64-byte windows
// and 16-lane steps, random text both ways, and text that ends exactly
// where readable memory ends.
#include "duet/internal/utf8.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace duet {
namespace {

using internal::AppendUtf8;

// Runs `check` on the portable path and, where the CPU has them, on the
// vector paths; `wide` says which. Leaves the setting as it was.
template <typename Check>
void OnEveryPath(Check check) {
  const bool was = internal::EnableWideVectors(false);
  check(false);
  if (internal::HasWideVectors()) {
    internal::EnableWideVectors(true);
    check(true);
  }
  internal::EnableWideVectors(was);
}

std::string Utf8Of(const std::u32string& code_points) {
  std::string text;
  for (char32_t c : code_points) AppendUtf8(&text, static_cast<uint32_t>(c));
  return text;
}

std::vector<uint16_t> Utf16Of(const std::u32string& code_points) {
  std::vector<uint16_t> units;
  for (char32_t c : code_points) {
    if (c < 0x10000) {
      units.push_back(static_cast<uint16_t>(c));
    } else {
      units.push_back(static_cast<uint16_t>(0xD800 + ((c - 0x10000) >> 10)));
      units.push_back(static_cast<uint16_t>(0xDC00 + ((c - 0x10000) & 0x3FF)));
    }
  }
  return units;
}

// Every decoder and encoder on valid `text` (code points `expected`), on
// the current path: each width it fits, then back to the same UTF-8.
void ExpectConvertsBothWays(const std::string& text,
                            const std::u32string& expected) {
  SCOPED_TRACE(absl::CHexEscape(text));
  ASSERT_FALSE(internal::FindInvalidUtf8(text).has_value());
  uint32_t widest = 0;
  for (char32_t c : expected) widest = std::max<uint32_t>(widest, c);
  const internal::Utf8Shape shape = internal::MeasureUtf8(text);
  ASSERT_EQ(shape.characters, expected.size());
  ASSERT_GE(shape.max_code_point, widest);

  const std::vector<uint16_t> utf16 = Utf16Of(expected);
  std::vector<uint16_t> units(text.size() + 1, 0xFFFF);
  bool latin1 = false;
  ASSERT_EQ(internal::Utf8ToUtf16(text, units.data(), &latin1), utf16.size());
  EXPECT_TRUE(std::equal(utf16.begin(), utf16.end(), units.begin()));
  EXPECT_EQ(latin1, widest < 0x100);
  std::string back;
  size_t lone = 0;
  ASSERT_TRUE(internal::Utf16ToUtf8(utf16.data(), utf16.size(), &back, &lone));
  EXPECT_EQ(back, text);

  std::vector<uint32_t> ucs4(expected.size());
  ASSERT_EQ(internal::Utf8ToUcs4(text, ucs4.data(), ucs4.size()),
            expected.size());
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(), ucs4.begin()));
  ASSERT_EQ(internal::Utf8SizeOfUcs4(ucs4.data(), ucs4.size()), text.size());
  std::string written(text.size(), '\0');
  internal::WriteUtf8(ucs4.data(), ucs4.size(), written.data());
  EXPECT_EQ(written, text);

  if (widest < 0x10000) {
    std::vector<uint16_t> ucs2(expected.size());
    ASSERT_EQ(internal::Utf8ToUcs2(text, ucs2.data(), ucs2.size()),
              expected.size());
    EXPECT_TRUE(std::equal(expected.begin(), expected.end(), ucs2.begin()));
    ASSERT_EQ(internal::Utf8SizeOfUcs2(ucs2.data(), ucs2.size()), text.size());
    internal::WriteUtf8(ucs2.data(), ucs2.size(), written.data());
    EXPECT_EQ(written, text);
  } else {
    std::vector<uint16_t> ucs2(expected.size());
    EXPECT_FALSE(internal::Utf8ToUcs2(text, ucs2.data(), ucs2.size()));
  }
  if (widest < 0x100) {
    std::vector<uint8_t> chars(expected.size());
    ASSERT_EQ(internal::Utf8ToLatin1(text, chars.data(), chars.size()),
              expected.size());
    EXPECT_TRUE(std::equal(expected.begin(), expected.end(), chars.begin()));
    ASSERT_EQ(internal::Utf8SizeOfLatin1(chars.data(), chars.size()),
              text.size());
    internal::WriteUtf8(chars.data(), chars.size(), written.data());
    EXPECT_EQ(written, text);
  } else {
    std::vector<uint8_t> chars(expected.size());
    EXPECT_FALSE(internal::Utf8ToLatin1(text, chars.data(), chars.size()));
  }
}

// The characters at the edges of each UTF-8 length and of the surrogates.
const char32_t kEdges[] = {0x0,    0x41,   0x7F,    0x80,    0xE9,    0xFF,
                           0x100,  0x7FF,  0x800,   0x20AC,  0xD7FF,  0xE000,
                           0xFFFD, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF};

// Each edge character at every offset of text long enough for several
// 64-byte windows, among ASCII and among mixed 1-4 byte characters (so
// the window holds 16 characters or fewer), on every path.
TEST(Utf8VectorTest, EveryCharacterAtEveryOffset) {
  const std::u32string fillers[] = {U"abcdefghijklmnopqrstuvwxyz0123456789",
                                    U"a\u00e9\u20ac\U0001F600bcdefg",
                                    U"\U0001F600\U00010000\U0010FFFF\u20ac"};
  OnEveryPath([&](bool wide) {
    SCOPED_TRACE(wide ? "vector path" : "portable path");
    for (const std::u32string& filler : fillers) {
      for (char32_t edge : kEdges) {
        for (size_t offset = 0; offset < 140; ++offset) {
          std::u32string code_points;
          std::string text;
          const auto add = [&](char32_t c) {
            code_points += c;
            AppendUtf8(&text, static_cast<uint32_t>(c));
          };
          while (text.size() < offset) {
            add(filler[code_points.size() % filler.size()]);
          }
          add(edge);
          while (text.size() < 260) {
            add(filler[code_points.size() % filler.size()]);
          }
          ExpectConvertsBothWays(text, code_points);
          if (HasFailure()) return;
        }
      }
    }
  });
}

// Every kind of invalid sequence at every offset (so also across each
// window's and step's edge), after ASCII or mixed text: refused by every
// decoder on every path, at the byte FindInvalidUtf8 names.
TEST(Utf8VectorTest, EveryInvalidSequenceAtEveryOffset) {
  const std::vector<std::string> bad = {"\xff",
                                        "\xf8\x80\x80\x80",
                                        "\x80",
                                        "\xbf",
                                        "\xc0\xaf",
                                        "\xc1\xbf",
                                        "\xc3",
                                        "\xc3\x41",
                                        "\xc3\xc3\xa9",
                                        "\xe0\x80\x80",
                                        "\xe0\x9f\xbf",
                                        "\xed\xa0\x80",
                                        "\xed\xbf\xbf",
                                        "\xe2\x82",
                                        "\xe2\x28\xac",
                                        "\xe2\x82\x28",
                                        "\xf0\x80\x80\x80",
                                        "\xf0\x8f\xbf\xbf",
                                        "\xf4\x90\x80\x80",
                                        "\xf5\x80\x80\x80",
                                        "\xf0\x9f\x98",
                                        "\xf0\x9f\x98\x41",
                                        "\xf0\x9f\x41\x80",
                                        "\xc3\xa9\x80"};
  const std::u32string fillers[] = {U"abcdefghijklmnopqrstuvwxyz",
                                    U"a\u00e9\u20ac\U0001F600bcdefg"};
  OnEveryPath([&](bool wide) {
    SCOPED_TRACE(wide ? "vector path" : "portable path");
    for (const std::u32string& filler : fillers) {
      for (const std::string& sequence : bad) {
        for (size_t offset = 0; offset < 140; ++offset) {
          // Whole filler characters up to the offset, ASCII after them.
          std::string text;
          for (size_t k = 0; text.size() < offset; ++k) {
            AppendUtf8(&text, static_cast<uint32_t>(filler[k % filler.size()]));
          }
          const size_t at = text.size();
          text += sequence;
          text += std::string(200, 'z');
          SCOPED_TRACE(absl::CHexEscape(sequence) + " at " +
                       std::to_string(at));
          // "\xc3\xa9\x80" goes wrong one character in.
          ASSERT_EQ(internal::FindInvalidUtf8(text),
                    sequence == "\xc3\xa9\x80" ? at + 2 : at);
          const size_t capacity = internal::MeasureUtf8(text).characters;
          std::vector<uint16_t> units(text.size());
          bool latin1 = false;
          EXPECT_FALSE(internal::Utf8ToUtf16(text, units.data(), &latin1));
          std::vector<uint32_t> ucs4(capacity);
          EXPECT_FALSE(internal::Utf8ToUcs4(text, ucs4.data(), capacity));
          std::vector<uint16_t> ucs2(capacity);
          EXPECT_FALSE(internal::Utf8ToUcs2(text, ucs2.data(), capacity));
          std::vector<uint8_t> latin(capacity);
          EXPECT_FALSE(internal::Utf8ToLatin1(text, latin.data(), capacity));
          if (HasFailure()) return;
        }
      }
    }
  });
}

// A lone surrogate at every offset of UTF-16 text, also just before and
// after a pair and at a 16-unit step's last lane: refused at its index,
// and *out left as it was, on every path.
TEST(Utf8VectorTest, LoneSurrogatesAtEveryOffset) {
  const std::u32string filler = U"a\u00e9\u20ac\U0001F600bcdefg";
  const std::vector<uint16_t> base = Utf16Of(filler + filler + filler + filler +
                                             filler + filler + filler + filler);
  OnEveryPath([&](bool wide) {
    SCOPED_TRACE(wide ? "vector path" : "portable path");
    for (uint16_t lone : {uint16_t{0xD800}, uint16_t{0xDBFF}, uint16_t{0xDC00},
                          uint16_t{0xDFFF}}) {
      for (size_t at = 0; at < base.size(); ++at) {
        std::vector<uint16_t> units = base;
        units[at] = lone;
        // Find what is lone now: the replaced unit, or the half of a pair
        // it broke.
        std::optional<size_t> expected;
        for (size_t k = 0; k < units.size() && !expected; ++k) {
          const uint16_t u = units[k];
          if ((u & 0xFC00) == 0xD800) {
            if (k + 1 < units.size() && (units[k + 1] & 0xFC00) == 0xDC00) {
              ++k;
            } else {
              expected = k;
            }
          } else if ((u & 0xFC00) == 0xDC00) {
            expected = k;
          }
        }
        std::string out = "kept";
        size_t bad = 0;
        const bool converted =
            internal::AppendUtf16AsUtf8(units.data(), units.size(), &out, &bad);
        ASSERT_EQ(converted, !expected.has_value()) << at;
        if (expected) {
          EXPECT_EQ(bad, *expected) << at;
          EXPECT_EQ(out, "kept");
        }
      }
    }
  });
}

// Random text both ways, the vector path against the portable one: valid
// text decodes to the same characters and encodes back, invalid text is
// refused by both.
TEST(Utf8VectorTest, RandomTextMatchesThePortablePath) {
  if (!internal::HasWideVectors()) {
    GTEST_SKIP() << "this CPU takes the portable path only";
  }
  std::mt19937 random(20261208);
  const char32_t* const edges = kEdges;
  const size_t edge_count = sizeof(kEdges) / sizeof(kEdges[0]);
  const bool was = internal::EnableWideVectors(true);
  for (int round = 0; round < 3000; ++round) {
    std::u32string code_points;
    const size_t count = random() % 300;
    const int mix = static_cast<int>(random() % 4);  // widest allowed
    for (size_t k = 0; k < count; ++k) {
      char32_t c = edges[random() % edge_count];
      if (random() % 2 == 0) c = U'a' + random() % 26;
      if (mix == 0 && c > 0xFF) c = 0xE9;
      if (mix == 1 && c > 0xFFFF) c = 0x20AC;
      code_points += c;
    }
    std::string text = Utf8Of(code_points);
    const bool corrupt = round % 3 == 0 && !text.empty();
    if (corrupt) {
      const unsigned char junk[] = {0x80, 0xBF, 0xC0, 0xC1, 0xC3, 0xE0,
                                    0xED, 0xF0, 0xF4, 0xF5, 0xF8, 0xFF};
      text[random() % text.size()] =
          static_cast<char>(junk[random() % sizeof(junk)]);
    }
    SCOPED_TRACE(absl::CHexEscape(text));
    const size_t capacity = internal::MeasureUtf8(text).characters;
    std::vector<uint16_t> units[2] = {std::vector<uint16_t>(text.size()),
                                      std::vector<uint16_t>(text.size())};
    std::vector<uint32_t> ucs4[2] = {std::vector<uint32_t>(capacity),
                                     std::vector<uint32_t>(capacity)};
    std::optional<size_t> utf16_length[2];
    std::optional<size_t> ucs4_length[2];
    bool latin1[2] = {false, false};
    for (int path = 0; path < 2; ++path) {
      internal::EnableWideVectors(path == 1);
      utf16_length[path] =
          internal::Utf8ToUtf16(text, units[path].data(), &latin1[path]);
      ucs4_length[path] =
          internal::Utf8ToUcs4(text, ucs4[path].data(), capacity);
    }
    const bool valid = !internal::FindInvalidUtf8(text).has_value();
    ASSERT_EQ(utf16_length[0].has_value(), valid);
    ASSERT_EQ(utf16_length[1], utf16_length[0]);
    ASSERT_EQ(ucs4_length[1], ucs4_length[0]);
    if (!valid) continue;
    EXPECT_EQ(latin1[1], latin1[0]);
    // Past the length, a decoder's scratch.
    units[0].resize(*utf16_length[0]);
    units[1].resize(*utf16_length[0]);
    EXPECT_EQ(units[1], units[0]);
    EXPECT_EQ(ucs4[1], ucs4[0]);
    std::string back[2];
    std::string written[2];
    for (int path = 0; path < 2; ++path) {
      internal::EnableWideVectors(path == 1);
      size_t lone = 0;
      ASSERT_TRUE(internal::Utf16ToUtf8(units[0].data(), *utf16_length[0],
                                        &back[path], &lone));
      ASSERT_EQ(internal::Utf8SizeOfUcs4(ucs4[0].data(), capacity),
                text.size());
      written[path].assign(text.size(), '\0');
      internal::WriteUtf8(ucs4[0].data(), capacity, written[path].data());
    }
    EXPECT_EQ(back[0], text);
    EXPECT_EQ(back[1], text);
    EXPECT_EQ(written[0], text);
    EXPECT_EQ(written[1], text);
    if (HasFailure()) break;
  }
  internal::EnableWideVectors(was);
}

// Memory of `pages` readable pages followed by one that is not: reading
// past the end of anything placed to end at `end()` faults.
class GuardedPages {
 public:
  explicit GuardedPages(size_t pages)
      : page_(static_cast<size_t>(sysconf(_SC_PAGESIZE))),
        size_((pages + 1) * page_) {
    void* memory = mmap(nullptr, size_, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) return;
    base_ = static_cast<char*>(memory);
    if (mprotect(base_ + pages * page_, page_, PROT_NONE) != 0) {
      munmap(base_, size_);
      base_ = nullptr;
    }
  }
  ~GuardedPages() {
    if (base_ != nullptr) munmap(base_, size_);
  }
  GuardedPages(const GuardedPages&) = delete;
  GuardedPages& operator=(const GuardedPages&) = delete;

  bool ok() const { return base_ != nullptr; }
  // Where `bytes` bytes go to end exactly at the inaccessible page.
  template <typename T>
  T* EndingAtGuard(size_t count) {
    return reinterpret_cast<T*>(base_ + size_ - page_ - count * sizeof(T));
  }

 private:
  size_t page_;
  size_t size_;
  char* base_ = nullptr;
};

// Text ending exactly where readable memory ends, and outputs sized
// exactly and ending there too: nothing reads or writes past them, on
// every path, at every length up to a few windows.
TEST(Utf8VectorTest, NothingReadsOrWritesPastAPageEnd) {
  GuardedPages input(2);
  GuardedPages output(4);
  ASSERT_TRUE(input.ok() && output.ok());
  const std::u32string filler = U"a\u00e9\u20ac\U0001F600bcdefg";
  const std::u32string ascii = U"abcdefghijklmnopqrstuvwxyz";
  OnEveryPath([&](bool wide) {
    SCOPED_TRACE(wide ? "vector path" : "portable path");
    for (const std::u32string* source : {&filler, &ascii}) {
      std::u32string code_points;
      for (size_t count = 0; count < 200; ++count) {
        const std::string text = Utf8Of(code_points);
        char* placed = input.EndingAtGuard<char>(text.size());
        std::memcpy(placed, text.data(), text.size());
        const std::string_view view(placed, text.size());
        EXPECT_FALSE(internal::FindInvalidUtf8(view).has_value());
        EXPECT_EQ(internal::AsciiPrefixLength(view),
                  internal::AsciiPrefixLength(text));
        EXPECT_EQ(internal::MeasureUtf8(view).characters, code_points.size());

        const std::vector<uint16_t> utf16 = Utf16Of(code_points);
        uint16_t* units = output.EndingAtGuard<uint16_t>(text.size());
        bool latin1 = false;
        EXPECT_EQ(internal::Utf8ToUtf16(view, units, &latin1), utf16.size());
        uint32_t* ucs4 = output.EndingAtGuard<uint32_t>(code_points.size());
        ASSERT_EQ(internal::Utf8ToUcs4(view, ucs4, code_points.size()),
                  code_points.size());
        EXPECT_EQ(std::u32string(reinterpret_cast<char32_t*>(ucs4),
                                 code_points.size()),
                  code_points);
        // An invalid last byte, read at the very end.
        if (!text.empty()) {
          placed[text.size() - 1] = '\xc3';
          EXPECT_FALSE(internal::Utf8ToUcs4(view, ucs4, code_points.size()));
          EXPECT_FALSE(internal::Utf8ToUtf16(view, units, &latin1));
          placed[text.size() - 1] = text.back();
        }

        // The other way: UCS4 and UTF-16 ending at the page end, UTF-8
        // written to end there.
        uint32_t* ucs4_in = input.EndingAtGuard<uint32_t>(code_points.size());
        std::copy(code_points.begin(), code_points.end(), ucs4_in);
        EXPECT_EQ(internal::Utf8SizeOfUcs4(ucs4_in, code_points.size()),
                  text.size());
        char* written = output.EndingAtGuard<char>(text.size());
        internal::WriteUtf8(ucs4_in, code_points.size(), written);
        EXPECT_EQ(std::string(written, text.size()), text);
        uint16_t* utf16_in = input.EndingAtGuard<uint16_t>(utf16.size());
        std::copy(utf16.begin(), utf16.end(), utf16_in);
        std::string back;
        size_t lone = 0;
        EXPECT_TRUE(
            internal::Utf16ToUtf8(utf16_in, utf16.size(), &back, &lone));
        EXPECT_EQ(back, text);
        if (HasFailure()) return;
        code_points += (*source)[count % source->size()];
      }
    }
  });
}

// The suite's second pass (ctest: host_core_test_portable_strings) sets
// DUET_PORTABLE_STRINGS, and must really run on the portable paths.
TEST(Utf8VectorTest, PortableStringsEnvironmentStartsThePathsOff) {
  const char* value = std::getenv("DUET_PORTABLE_STRINGS");
  if (value == nullptr || std::string_view(value) != "1") {
    GTEST_SKIP() << "only with DUET_PORTABLE_STRINGS=1";
  }
  const bool were_on = internal::EnableWideVectors(false);
  EXPECT_FALSE(were_on);
  internal::EnableWideVectors(were_on);
}

}  // namespace
}  // namespace duet
