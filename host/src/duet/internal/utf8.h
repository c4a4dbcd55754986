// UTF-8 and UTF-16 checks shared by the engines: strings in duet are always
// valid UTF-8, and a lone surrogate is an error, never a silent U+FFFD.
#ifndef DUET_INTERNAL_UTF8_H_
#define DUET_INTERNAL_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace duet::internal {

// Whether this CPU takes the converters' AVX-512 paths (it has AVX-512
// VBMI2); other CPUs, and other architectures, take the portable ones.
bool HasWideVectors();

// Turns those paths off or back on, for tests that check them against the
// portable ones; returns whether they were on. They start off when the
// environment sets DUET_PORTABLE_STRINGS (to anything but 0).
bool EnableWideVectors(bool enabled);

// How many bytes at the start of `text` are ASCII (below 0x80), checked
// several bytes at a time.
size_t AsciiPrefixLength(std::string_view text);

// The byte offset of the first invalid sequence (overlong forms, surrogates
// and code points past U+10FFFF are invalid), or nullopt when valid.
std::optional<size_t> FindInvalidUtf8(std::string_view text);

// Decodes UTF-8 into UTF-16 at `out`, which must have room for text.size()
// units (no text has more UTF-16 units than UTF-8 bytes). Returns how many
// units it wrote, or nullopt when `text` is not valid UTF-8 by
// FindInvalidUtf8's rules (which says where). *latin1 says whether every
// code point is below U+0100. One pass: validating and decoding together.
std::optional<size_t> Utf8ToUtf16(std::string_view text, uint16_t* out,
                                  bool* latin1);

// What a string decoded from UTF-8 needs: its code points when the UTF-8
// is valid (bytes that do not continue a sequence), and the least of 0x7F,
// 0xFF, 0xFFFF and 0x10FFFF at or above each of them (from the highest
// byte). One vectorised pass that does not validate.
struct Utf8Shape {
  size_t characters = 0;
  uint32_t max_code_point = 0x7F;
};
Utf8Shape MeasureUtf8(std::string_view text);

// Utf8ToUtf16's one pass into one character per code point, at most
// `capacity` of them (MeasureUtf8's count is enough even for invalid text).
// Latin-1 refuses code points past U+00FF and UCS2 past U+FFFF, as invalid:
// a caller picks the width from MeasureUtf8.
std::optional<size_t> Utf8ToLatin1(std::string_view text, uint8_t* out,
                                   size_t capacity);
std::optional<size_t> Utf8ToUcs2(std::string_view text, uint16_t* out,
                                 size_t capacity);
std::optional<size_t> Utf8ToUcs4(std::string_view text, uint32_t* out,
                                 size_t capacity);

// Converts UTF-16 to UTF-8, replacing *out. Returns false, leaving the index of
// the lone surrogate in *bad_index, when the input is not well-formed.
bool Utf16ToUtf8(const uint16_t* data, size_t length, std::string* out,
                 size_t* bad_index);

// Utf16ToUtf8, appending to *out (left as it was on failure). A high
// surrogate at the end of `data` is lone: a caller converting in pieces
// ends a piece before one.
bool AppendUtf16AsUtf8(const uint16_t* data, size_t length, std::string* out,
                       size_t* bad_index);

// The UTF-8 size of `length` code points stored one per character, as a
// Python str stores them (Latin-1, UCS2, UCS4); nullopt when one of them is
// a surrogate, which UTF-8 cannot hold. Vectorised.
size_t Utf8SizeOfLatin1(const uint8_t* data, size_t length);
std::optional<size_t> Utf8SizeOfUcs2(const uint16_t* data, size_t length);
std::optional<size_t> Utf8SizeOfUcs4(const uint32_t* data, size_t length);

// Writes such code points, none a surrogate, as UTF-8 at `out`: exactly
// the size above.
void WriteUtf8(const uint8_t* data, size_t length, char* out);
void WriteUtf8(const uint16_t* data, size_t length, char* out);
void WriteUtf8(const uint32_t* data, size_t length, char* out);

// Appends one code point (at most U+10FFFF) as UTF-8.
void AppendUtf8(std::string* out, uint32_t code_point);

// Rewrites Latin-1 text (a one-byte engine string's characters) as UTF-8 in
// its own storage; ASCII text is left as it is. Cannot fail.
void Latin1ToUtf8InPlace(std::string* text);

}  // namespace duet::internal

#endif  // DUET_INTERNAL_UTF8_H_
