#include "duet/internal/utf8.h"

#include <algorithm>
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

namespace {

#ifdef __SSE2__
// Stores 16 ASCII bytes as 16 characters of `Char`.
void StoreAscii(__m128i bytes, uint8_t* o) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(o), bytes);
}
void StoreAscii(__m128i bytes, uint16_t* o) {
  const __m128i zero = _mm_setzero_si128();
  _mm_storeu_si128(reinterpret_cast<__m128i*>(o),
                   _mm_unpacklo_epi8(bytes, zero));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(o + 8),
                   _mm_unpackhi_epi8(bytes, zero));
}
void StoreAscii(__m128i bytes, uint32_t* o) {
  const __m128i zero = _mm_setzero_si128();
  const __m128i low = _mm_unpacklo_epi8(bytes, zero);
  const __m128i high = _mm_unpackhi_epi8(bytes, zero);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(o),
                   _mm_unpacklo_epi16(low, zero));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(o + 4),
                   _mm_unpackhi_epi16(low, zero));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(o + 8),
                   _mm_unpacklo_epi16(high, zero));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(o + 12),
                   _mm_unpackhi_epi16(high, zero));
}
#endif

// Decodes `text` into characters of `Char` at `out` (room for `capacity`),
// validating as it goes; nullopt at the first invalid sequence. Code points
// past U+FFFF become surrogate pairs when `kPairs`, else are refused, as
// are those past U+00FF for one-byte `Char` (a caller decoding to Latin-1
// or UCS2 has checked that there are none). Writes at most
// one character per byte that does not continue a sequence, also for
// invalid text, so `capacity` may be that count.
template <typename Char, bool kPairs>
std::optional<size_t> DecodeUtf8(std::string_view text, Char* out,
                                 size_t capacity, uint32_t* ored_out) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  Char* o = out;
  Char* const end = out + capacity;
  uint32_t ored = 0;  // every code point ORed
  size_t i = 0;
  while (i < n) {
    const uint32_t c = s[i];
    if (c < 0x80) {
#ifdef __SSE2__
      // 16 bytes per step, stored whole even when only the first few are
      // ASCII (the rest is overwritten next), so only where 16 fit.
      while (i + 16 <= n && end - o >= 16) {
        const __m128i bytes =
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
        StoreAscii(bytes, o);
        const unsigned high = static_cast<unsigned>(_mm_movemask_epi8(bytes));
        if (high != 0) {
          const unsigned ascii = static_cast<unsigned>(__builtin_ctz(high));
          i += ascii;
          o += ascii;
          break;
        }
        i += 16;
        o += 16;
      }
#endif
      while (i < n && s[i] < 0x80) *o++ = static_cast<Char>(s[i++]);
      continue;
    }
    if (c < 0xE0) {
      // 0x80-0xBF continue a sequence, 0xC0-0xC1 start overlong ones.
      if (c < 0xC2 || i + 1 >= n || (s[i + 1] & 0xC0) != 0x80) return {};
      const uint32_t code_point = ((c & 0x1F) << 6) | (s[i + 1] & 0x3F);
      if (sizeof(Char) == 1 && code_point > 0xFF) return {};
      ored |= code_point;
      *o++ = static_cast<Char>(code_point);
      i += 2;
    } else if (c < 0xF0) {
      if (sizeof(Char) == 1 || i + 2 >= n) return {};
      const uint32_t c1 = s[i + 1];
      const uint32_t c2 = s[i + 2];
      if ((((c1 & 0xC0) ^ 0x80) | ((c2 & 0xC0) ^ 0x80)) != 0) return {};
      const uint32_t code_point =
          ((c & 0x0F) << 12) | ((c1 & 0x3F) << 6) | (c2 & 0x3F);
      if (code_point < 0x800 || (code_point & 0xF800) == 0xD800) return {};
      ored |= code_point;
      *o++ = static_cast<Char>(code_point);
      i += 3;
    } else {
      if (sizeof(Char) < 4 && !kPairs) return {};
      if (c > 0xF4 || i + 3 >= n) return {};
      const uint32_t c1 = s[i + 1];
      const uint32_t c2 = s[i + 2];
      const uint32_t c3 = s[i + 3];
      if ((((c1 & 0xC0) ^ 0x80) | ((c2 & 0xC0) ^ 0x80) |
           ((c3 & 0xC0) ^ 0x80)) != 0) {
        return {};
      }
      const uint32_t code_point = ((c & 0x07) << 18) | ((c1 & 0x3F) << 12) |
                                  ((c2 & 0x3F) << 6) | (c3 & 0x3F);
      if (code_point < 0x10000 || code_point > 0x10FFFF) return {};
      ored |= code_point;
      if constexpr (kPairs) {
        const uint32_t offset = code_point - 0x10000;
        *o++ = static_cast<Char>(0xD800 + (offset >> 10));
        *o++ = static_cast<Char>(0xDC00 + (offset & 0x3FF));
      } else {
        *o++ = static_cast<Char>(code_point);
      }
      i += 4;
    }
  }
  *ored_out = ored;
  return static_cast<size_t>(o - out);
}

}  // namespace

std::optional<size_t> Utf8ToUtf16(std::string_view text, uint16_t* out,
                                  bool* latin1) {
  uint32_t ored = 0;
  std::optional<size_t> length =
      DecodeUtf8<uint16_t, true>(text, out, text.size(), &ored);
  *latin1 = ored < 0x100;
  return length;
}

Utf8Shape MeasureUtf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t continuations = 0;
  unsigned highest = 0;
  size_t i = 0;
#ifdef __SSE2__
  // Bytes 0x80-0xBF are below -64 as signed bytes; each lane counts its
  // own (subtracting the compare's -1) for up to 255 steps at a time.
  const __m128i below = _mm_set1_epi8(-64);
  const __m128i zero = _mm_setzero_si128();
  __m128i highest_lanes = zero;
  while (i + 16 <= n) {
    __m128i counts = zero;
    const size_t steps = std::min<size_t>((n - i) / 16, 255);
    for (size_t step = 0; step < steps; ++step, i += 16) {
      const __m128i bytes =
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
      highest_lanes = _mm_max_epu8(highest_lanes, bytes);
      counts = _mm_sub_epi8(counts, _mm_cmplt_epi8(bytes, below));
    }
    uint64_t sums[2];  // the byte counts summed in each half
    _mm_storeu_si128(reinterpret_cast<__m128i*>(sums),
                     _mm_sad_epu8(counts, zero));
    continuations += static_cast<size_t>(sums[0] + sums[1]);
  }
  uint8_t lanes[16];
  _mm_storeu_si128(reinterpret_cast<__m128i*>(lanes), highest_lanes);
  for (uint8_t lane : lanes) highest = std::max<unsigned>(highest, lane);
#endif
  for (; i < n; ++i) {
    continuations += (s[i] & 0xC0) == 0x80;
    highest = std::max<unsigned>(highest, s[i]);
  }
  Utf8Shape shape;
  shape.characters = n - continuations;
  // A valid sequence's first byte bounds its code point: up to 0xC3 below
  // U+0100, up to 0xEF below U+10000.
  shape.max_code_point = highest < 0x80   ? 0x7F
                         : highest < 0xC4 ? 0xFF
                         : highest < 0xF0 ? 0xFFFF
                                          : 0x10FFFF;
  return shape;
}

std::optional<size_t> Utf8ToLatin1(std::string_view text, uint8_t* out,
                                   size_t capacity) {
  uint32_t ored = 0;
  return DecodeUtf8<uint8_t, false>(text, out, capacity, &ored);
}

std::optional<size_t> Utf8ToUcs2(std::string_view text, uint16_t* out,
                                 size_t capacity) {
  uint32_t ored = 0;
  return DecodeUtf8<uint16_t, false>(text, out, capacity, &ored);
}

std::optional<size_t> Utf8ToUcs4(std::string_view text, uint32_t* out,
                                 size_t capacity) {
  uint32_t ored = 0;
  return DecodeUtf8<uint32_t, false>(text, out, capacity, &ored);
}

namespace {

// How many UTF-8 bytes `data[0..length)` takes, each surrogate unit
// counted as 2 (so a pair as 4), and whether it has any surrogate. Eight
// units per step with SSE2.
size_t Utf8Size(const uint16_t* data, size_t length, bool* surrogate_found) {
  size_t size = 0;
  bool found = false;
  size_t i = 0;
#ifdef __SSE2__
  const __m128i zero = _mm_setzero_si128();
  const __m128i below_0x80 = _mm_set1_epi16(0x7F);
  const __m128i below_0x800 = _mm_set1_epi16(0x7FF);
  const __m128i surrogate_mask = _mm_set1_epi16(static_cast<short>(0xF800));
  const __m128i surrogate_bits = _mm_set1_epi16(static_cast<short>(0xD800));
  const __m128i ones = _mm_set1_epi16(1);
  while (i + 8 <= length) {
    // A unit takes 3 bytes, less one for each of: below 0x80, below 0x800,
    // a surrogate (each lane adds -1 per one). At most -2 a step, so the
    // 16-bit lanes hold 4096 steps.
    __m128i fewer = zero;
    __m128i surrogates = zero;
    const size_t steps = std::min<size_t>((length - i) / 8, 4096);
    for (size_t step = 0; step < steps; ++step, i += 8) {
      const __m128i v =
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
      const __m128i ascii =
          _mm_cmpeq_epi16(_mm_subs_epu16(v, below_0x80), zero);
      const __m128i two = _mm_cmpeq_epi16(_mm_subs_epu16(v, below_0x800), zero);
      const __m128i surrogate =
          _mm_cmpeq_epi16(_mm_and_si128(v, surrogate_mask), surrogate_bits);
      fewer = _mm_add_epi16(
          fewer, _mm_add_epi16(_mm_add_epi16(ascii, two), surrogate));
      surrogates = _mm_or_si128(surrogates, surrogate);
    }
    int32_t lanes[4];  // pairs of lanes summed as 32 bits
    _mm_storeu_si128(reinterpret_cast<__m128i*>(lanes),
                     _mm_madd_epi16(fewer, ones));
    const int64_t less = -(int64_t{lanes[0]} + lanes[1] + lanes[2] + lanes[3]);
    size += 3 * steps * 8 - static_cast<size_t>(less);
    found = found || _mm_movemask_epi8(surrogates) != 0;
  }
#endif
  for (; i < length; ++i) {
    const uint32_t c = data[i];
    const bool surrogate = (c & 0xF800) == 0xD800;
    size += 3 - (c < 0x80) - (c < 0x800) - surrogate;
    found = found || surrogate;
  }
  *surrogate_found = found;
  return size;
}

}  // namespace

bool AppendUtf16AsUtf8(const uint16_t* data, size_t length, std::string* out,
                       size_t* bad_index) {
  // Sized once, exactly (a vectorised count while `data` is in cache); a
  // lone surrogate is found while encoding, and then *out is cut back.
  bool surrogate_found = false;
  const size_t size = Utf8Size(data, length, &surrogate_found);
  const size_t start = out->size();
  out->resize(start + size);
  auto* o = reinterpret_cast<unsigned char*>(out->data()) + start;
  size_t i = 0;
  while (i < length) {
    uint32_t c = data[i];
    if (c < 0x80) {
#ifdef __SSE2__
      // Eight ASCII units at a time while they last; checked once per run
      // of ASCII, so mixed text pays one check a run, not one a unit.
      const __m128i high_bits = _mm_set1_epi16(static_cast<short>(0xFF80));
      while (i + 8 <= length) {
        const __m128i v =
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
        if (_mm_movemask_epi8(_mm_cmpeq_epi16(_mm_and_si128(v, high_bits),
                                              _mm_setzero_si128())) != 0xFFFF) {
          break;
        }
        _mm_storel_epi64(reinterpret_cast<__m128i*>(o), _mm_packus_epi16(v, v));
        o += 8;
        i += 8;
      }
#endif
      while (i < length && data[i] < 0x80) {
        *o++ = static_cast<unsigned char>(data[i++]);
      }
      continue;
    }
    ++i;
    if (c < 0x800) {
      o[0] = static_cast<unsigned char>(0xC0 | (c >> 6));
      o[1] = static_cast<unsigned char>(0x80 | (c & 0x3F));
      o += 2;
    } else if ((c & 0xF800) != 0xD800) {
      o[0] = static_cast<unsigned char>(0xE0 | (c >> 12));
      o[1] = static_cast<unsigned char>(0x80 | ((c >> 6) & 0x3F));
      o[2] = static_cast<unsigned char>(0x80 | (c & 0x3F));
      o += 3;
    } else if (c < 0xDC00 && i < length && (data[i] & 0xFC00) == 0xDC00) {
      c = 0x10000 + ((c - 0xD800) << 10) + (data[i++] - 0xDC00);
      o[0] = static_cast<unsigned char>(0xF0 | (c >> 18));
      o[1] = static_cast<unsigned char>(0x80 | ((c >> 12) & 0x3F));
      o[2] = static_cast<unsigned char>(0x80 | ((c >> 6) & 0x3F));
      o[3] = static_cast<unsigned char>(0x80 | (c & 0x3F));
      o += 4;
    } else {
      if (bad_index != nullptr) *bad_index = i - 1;
      out->resize(start);
      return false;
    }
  }
  return true;
}

bool Utf16ToUtf8(const uint16_t* data, size_t length, std::string* out,
                 size_t* bad_index) {
  out->clear();
  return AppendUtf16AsUtf8(data, length, out, bad_index);
}

size_t Utf8SizeOfLatin1(const uint8_t* data, size_t length) {
  size_t high = 0;  // bytes from 0x80 on, each two in UTF-8
  size_t i = 0;
#ifdef __SSE2__
  const __m128i zero = _mm_setzero_si128();
  while (i + 16 <= length) {
    __m128i counts = zero;  // per lane, up to 255 steps
    const size_t steps = std::min<size_t>((length - i) / 16, 255);
    for (size_t step = 0; step < steps; ++step, i += 16) {
      const __m128i bytes =
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
      counts = _mm_sub_epi8(counts, _mm_cmplt_epi8(bytes, zero));
    }
    uint64_t sums[2];
    _mm_storeu_si128(reinterpret_cast<__m128i*>(sums),
                     _mm_sad_epu8(counts, zero));
    high += static_cast<size_t>(sums[0] + sums[1]);
  }
#endif
  for (; i < length; ++i) high += data[i] >> 7;
  return length + high;
}

std::optional<size_t> Utf8SizeOfUcs2(const uint16_t* data, size_t length) {
  bool surrogate_found = false;
  const size_t size = Utf8Size(data, length, &surrogate_found);
  if (surrogate_found) return std::nullopt;
  return size;
}

std::optional<size_t> Utf8SizeOfUcs4(const uint32_t* data, size_t length) {
  size_t size = length;
  bool found = false;
  size_t i = 0;
#ifdef __SSE2__
  const __m128i zero = _mm_setzero_si128();
  const __m128i above_0x7f = _mm_set1_epi32(0x7F);
  const __m128i above_0x7ff = _mm_set1_epi32(0x7FF);
  const __m128i above_0xffff = _mm_set1_epi32(0xFFFF);
  const __m128i surrogate_mask = _mm_set1_epi32(static_cast<int>(0xFFFFF800));
  const __m128i surrogate_bits = _mm_set1_epi32(0xD800);
  while (i + 4 <= length) {
    // Per lane, -1 for each of: above 0x7F, 0x7FF, 0xFFFF (code points are
    // below 2^31, so signed compares hold); 2^20 steps fit a lane.
    __m128i extra = zero;
    __m128i surrogates = zero;
    const size_t steps = std::min<size_t>((length - i) / 4, size_t{1} << 20);
    for (size_t step = 0; step < steps; ++step, i += 4) {
      const __m128i v =
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
      extra = _mm_add_epi32(
          extra, _mm_add_epi32(_mm_add_epi32(_mm_cmpgt_epi32(v, above_0x7f),
                                             _mm_cmpgt_epi32(v, above_0x7ff)),
                               _mm_cmpgt_epi32(v, above_0xffff)));
      surrogates = _mm_or_si128(
          surrogates,
          _mm_cmpeq_epi32(_mm_and_si128(v, surrogate_mask), surrogate_bits));
    }
    int32_t lanes[4];
    _mm_storeu_si128(reinterpret_cast<__m128i*>(lanes), extra);
    size += static_cast<size_t>(
        -(int64_t{lanes[0]} + lanes[1] + lanes[2] + lanes[3]));
    found = found || _mm_movemask_epi8(surrogates) != 0;
  }
#endif
  for (; i < length; ++i) {
    const uint32_t c = data[i];
    size += (c > 0x7F) + (c > 0x7FF) + (c > 0xFFFF);
    found = found || (c & 0xFFFFF800) == 0xD800;
  }
  if (found) return std::nullopt;
  return size;
}

namespace {

// Writes code points (no surrogates) as UTF-8 at `o`.
template <typename Char>
void WriteCodePoints(const Char* data, size_t length, unsigned char* o) {
  for (size_t i = 0; i < length; ++i) {
    const uint32_t c = data[i];
    if (c < 0x80) {
      *o++ = static_cast<unsigned char>(c);
    } else if (c < 0x800) {
      o[0] = static_cast<unsigned char>(0xC0 | (c >> 6));
      o[1] = static_cast<unsigned char>(0x80 | (c & 0x3F));
      o += 2;
    } else if (c < 0x10000) {
      o[0] = static_cast<unsigned char>(0xE0 | (c >> 12));
      o[1] = static_cast<unsigned char>(0x80 | ((c >> 6) & 0x3F));
      o[2] = static_cast<unsigned char>(0x80 | (c & 0x3F));
      o += 3;
    } else {
      o[0] = static_cast<unsigned char>(0xF0 | (c >> 18));
      o[1] = static_cast<unsigned char>(0x80 | ((c >> 12) & 0x3F));
      o[2] = static_cast<unsigned char>(0x80 | ((c >> 6) & 0x3F));
      o[3] = static_cast<unsigned char>(0x80 | (c & 0x3F));
      o += 4;
    }
  }
}

}  // namespace

void WriteUtf8(const uint8_t* data, size_t length, char* out) {
  WriteCodePoints(data, length, reinterpret_cast<unsigned char*>(out));
}
void WriteUtf8(const uint16_t* data, size_t length, char* out) {
  WriteCodePoints(data, length, reinterpret_cast<unsigned char*>(out));
}
void WriteUtf8(const uint32_t* data, size_t length, char* out) {
  WriteCodePoints(data, length, reinterpret_cast<unsigned char*>(out));
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
