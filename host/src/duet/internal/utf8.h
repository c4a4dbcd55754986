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

// The byte offset of the first invalid sequence (overlong forms, surrogates
// and code points past U+10FFFF are invalid), or nullopt when valid.
std::optional<size_t> FindInvalidUtf8(std::string_view text);

// Converts UTF-16 to UTF-8. Returns false, leaving the index of the lone
// surrogate in *bad_index, when the input is not well-formed.
bool Utf16ToUtf8(const uint16_t* data, size_t length, std::string* out,
                 size_t* bad_index);

// Appends one code point (at most U+10FFFF) as UTF-8.
void AppendUtf8(std::string* out, uint32_t code_point);

// Latin-1 (one-byte engine strings) to UTF-8; cannot fail.
void Latin1ToUtf8(const uint8_t* data, size_t length, std::string* out);

}  // namespace duet::internal

#endif  // DUET_INTERNAL_UTF8_H_
