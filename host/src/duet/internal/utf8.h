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

// How many bytes at the start of `text` are ASCII (below 0x80), checked
// several bytes at a time.
size_t AsciiPrefixLength(std::string_view text);

// The byte offset of the first invalid sequence (overlong forms, surrogates
// and code points past U+10FFFF are invalid), or nullopt when valid.
std::optional<size_t> FindInvalidUtf8(std::string_view text);

// Converts UTF-16 to UTF-8, replacing *out. Returns false, leaving the index of
// the lone surrogate in *bad_index, when the input is not well-formed.
bool Utf16ToUtf8(const uint16_t* data, size_t length, std::string* out,
                 size_t* bad_index);

// Appends one code point (at most U+10FFFF) as UTF-8.
void AppendUtf8(std::string* out, uint32_t code_point);

// Rewrites Latin-1 text (a one-byte engine string's characters) as UTF-8 in
// its own storage; ASCII text is left as it is. Cannot fail.
void Latin1ToUtf8InPlace(std::string* text);

}  // namespace duet::internal

#endif  // DUET_INTERNAL_UTF8_H_
