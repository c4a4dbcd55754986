#include "duet/internal/utf8.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string_view>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

// x86-64 with GCC or Clang: a second path for CPUs with AVX-512 VBMI2,
// chosen at run time (the build's baseline stays SSE2).
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define DUET_UTF8_AVX512 1
// GCC 12's AVX-512 headers start some intrinsics from a deliberately
// undefined vector, which its flow analysis reports as uninitialized.
#if !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#define DUET_AVX512_TARGET                                    \
  __attribute__((                                             \
      target("avx512f,avx512bw,avx512vl,avx512cd,avx512vbmi," \
             "avx512vbmi2,bmi,bmi2,popcnt")))
#endif

namespace duet::internal {
namespace {

bool CpuHasWideVectors() {
#ifdef DUET_UTF8_AVX512
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") &&
         __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512cd") &&
         __builtin_cpu_supports("avx512vbmi") &&
         __builtin_cpu_supports("avx512vbmi2") &&
         __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2") &&
         __builtin_cpu_supports("popcnt");
#else
  return false;
#endif
}

// DUET_PORTABLE_STRINGS=1 starts with the AVX-512 paths off: so that a
// machine that has them can still run the whole suite on the paths every
// other CPU takes, and a user can rule them out when chasing a string bug.
bool PortableStringsRequested() {
  const char* value = std::getenv("DUET_PORTABLE_STRINGS");
  return value != nullptr && value[0] != '\0' && std::string_view(value) != "0";
}

const bool kCpuHasWideVectors = CpuHasWideVectors();
std::atomic<bool> wide_vectors_enabled{!PortableStringsRequested()};

// Whether the AVX-512 paths run: the CPU has them and no test turned them
// off.
bool UseWideVectors() {
  return kCpuHasWideVectors &&
         wide_vectors_enabled.load(std::memory_order_relaxed);
}

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

bool HasWideVectors() { return kCpuHasWideVectors; }

bool EnableWideVectors(bool enabled) {
  return wide_vectors_enabled.exchange(enabled, std::memory_order_relaxed);
}

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

#ifdef DUET_UTF8_AVX512
// Per-lane constants picked by a UTF-8 sequence's length (1-4).
DUET_AVX512_TARGET inline __m512i ByLength(__m512i length, uint32_t for1,
                                           uint32_t for2, uint32_t for3,
                                           uint32_t for4) {
  const __m512i table = _mm512_setr_epi32(
      0, static_cast<int>(for1), static_cast<int>(for2), static_cast<int>(for3),
      static_cast<int>(for4), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  return _mm512_permutexvar_epi32(length, table);
}

// A 16-entry byte table in each 128-bit lane, for _mm512_shuffle_epi8.
DUET_AVX512_TARGET inline __m512i Table16(uint8_t v0, uint8_t v1, uint8_t v2,
                                          uint8_t v3, uint8_t v4, uint8_t v5,
                                          uint8_t v6, uint8_t v7, uint8_t v8,
                                          uint8_t v9, uint8_t v10, uint8_t v11,
                                          uint8_t v12, uint8_t v13, uint8_t v14,
                                          uint8_t v15) {
  return _mm512_broadcast_i32x4(_mm_setr_epi8(
      static_cast<char>(v0), static_cast<char>(v1), static_cast<char>(v2),
      static_cast<char>(v3), static_cast<char>(v4), static_cast<char>(v5),
      static_cast<char>(v6), static_cast<char>(v7), static_cast<char>(v8),
      static_cast<char>(v9), static_cast<char>(v10), static_cast<char>(v11),
      static_cast<char>(v12), static_cast<char>(v13), static_cast<char>(v14),
      static_cast<char>(v15)));
}

// Indexes for _mm512_permutex2var_epi8(block, indexes, block before): byte
// j becomes byte j - k of the block, or of the block before for j < k.
DUET_AVX512_TARGET inline __m512i BytesBack(int k) {
  alignas(64) uint8_t indexes[64];
  for (int j = 0; j < 64; ++j) {
    indexes[j] = static_cast<uint8_t>(j >= k ? j - k : 128 + j - k);
  }
  return _mm512_load_si512(indexes);
}

// Whether `s` (n bytes) is valid UTF-8 by FindInvalidUtf8's rules, 64
// bytes a step: each byte is checked against the one to three before it
// (Keiser and Lemire's method). Three 16-entry tables, looked up by the
// previous byte's high and low nibble and this byte's high nibble, each
// give the errors possible for that nibble; an error is one all three
// allow. A continuation byte after a continuation byte is an error unless
// it is the third or fourth byte of a sequence. The text is followed by
// zeros, so a sequence cut off at the end is an error too.
DUET_AVX512_TARGET bool ValidUtf8(const unsigned char* s, size_t n) {
  constexpr uint8_t kTooShort = 1 << 0;  // a first byte, then no continuation
  constexpr uint8_t kTooLong = 1 << 1;   // ASCII, then a continuation
  constexpr uint8_t kOverlong3 = 1 << 2;
  constexpr uint8_t kTooLarge = 1 << 3;
  constexpr uint8_t kSurrogate = 1 << 4;
  constexpr uint8_t kOverlong2 = 1 << 5;
  constexpr uint8_t kTooLarge1000 = 1 << 6;  // F5-FF, then 80-8F
  constexpr uint8_t kOverlong4 = 1 << 6;     // F0, then 80-8F
  constexpr uint8_t kTwoContinuations = 1 << 7;
  constexpr uint8_t kCarry = kTooShort | kTooLong | kTwoContinuations;
  // By the previous byte's high nibble.
  const __m512i previous_high =
      Table16(kTooLong, kTooLong, kTooLong, kTooLong, kTooLong, kTooLong,
              kTooLong, kTooLong, kTwoContinuations, kTwoContinuations,
              kTwoContinuations, kTwoContinuations, kTooShort | kOverlong2,
              kTooShort, kTooShort | kOverlong3 | kSurrogate,
              kTooShort | kTooLarge | kTooLarge1000 | kOverlong4);
  // By the previous byte's low nibble.
  const __m512i previous_low = Table16(
      kCarry | kOverlong3 | kOverlong2 | kOverlong4, kCarry | kOverlong2,
      kCarry, kCarry, kCarry | kTooLarge, kCarry | kTooLarge | kTooLarge1000,
      kCarry | kTooLarge | kTooLarge1000, kCarry | kTooLarge | kTooLarge1000,
      kCarry | kTooLarge | kTooLarge1000, kCarry | kTooLarge | kTooLarge1000,
      kCarry | kTooLarge | kTooLarge1000, kCarry | kTooLarge | kTooLarge1000,
      kCarry | kTooLarge | kTooLarge1000,
      kCarry | kTooLarge | kTooLarge1000 | kSurrogate,
      kCarry | kTooLarge | kTooLarge1000, kCarry | kTooLarge | kTooLarge1000);
  // By this byte's high nibble.
  constexpr uint8_t kAfter8 = kTooLong | kOverlong2 | kTwoContinuations |
                              kOverlong3 | kTooLarge1000 | kOverlong4;
  constexpr uint8_t kAfter9 =
      kTooLong | kOverlong2 | kTwoContinuations | kOverlong3 | kTooLarge;
  constexpr uint8_t kAfterAB =
      kTooLong | kOverlong2 | kTwoContinuations | kSurrogate | kTooLarge;
  const __m512i current_high =
      Table16(kTooShort, kTooShort, kTooShort, kTooShort, kTooShort, kTooShort,
              kTooShort, kTooShort, kAfter8, kAfter9, kAfterAB, kAfterAB,
              kTooShort, kTooShort, kTooShort, kTooShort);
  const __m512i back1 = BytesBack(1);
  const __m512i back2 = BytesBack(2);
  const __m512i back3 = BytesBack(3);
  const __m512i low_nibble = _mm512_set1_epi8(0x0F);
  __m512i before = _mm512_setzero_si512();
  __m512i errors = _mm512_setzero_si512();
  size_t i = 0;
  for (;; i += 64) {
    const bool last = i + 64 > n;
    // The last step reads what is left, zeros after it (masked: nothing
    // past the end is touched); it runs also when nothing is left.
    const __m512i bytes =
        last ? _mm512_maskz_loadu_epi8(_bzhi_u64(~uint64_t{0}, n - i), s + i)
             : _mm512_loadu_si512(s + i);
    const __m512i previous1 = _mm512_permutex2var_epi8(bytes, back1, before);
    const __m512i special = _mm512_ternarylogic_epi32(
        _mm512_shuffle_epi8(
            previous_high,
            _mm512_and_si512(_mm512_srli_epi16(previous1, 4), low_nibble)),
        _mm512_shuffle_epi8(previous_low,
                            _mm512_and_si512(previous1, low_nibble)),
        _mm512_shuffle_epi8(
            current_high,
            _mm512_and_si512(_mm512_srli_epi16(bytes, 4), low_nibble)),
        0x80);  // all three
    // The third or fourth byte of a sequence must be a continuation.
    const __mmask64 third_or_fourth =
        _mm512_cmpge_epu8_mask(_mm512_permutex2var_epi8(bytes, back2, before),
                               _mm512_set1_epi8(static_cast<char>(0xE0))) |
        _mm512_cmpge_epu8_mask(_mm512_permutex2var_epi8(bytes, back3, before),
                               _mm512_set1_epi8(static_cast<char>(0xF0)));
    errors = _mm512_ternarylogic_epi32(
        errors, special,
        _mm512_maskz_mov_epi8(third_or_fourth,
                              _mm512_set1_epi8(static_cast<char>(0x80))),
        0xF6);  // errors | (special ^ expected)
    if (last) break;
    before = bytes;
  }
  return _mm512_test_epi8_mask(errors, errors) == 0;
}

// Decodes valid UTF-8 `s` (n bytes) from *i, a character start, into *o
// (up to `end`), 64 bytes a step: the characters that start in them, 16
// per group of lanes (their last bytes may lie in the next 64). The step
// is fixed, so the loop's dependency chain is short. Leaves *i at a
// character start: before a code point too wide for `Char` without
// `kPairs`, which the scalar decoder then refuses.
template <typename Char, bool kPairs>
DUET_AVX512_TARGET void DecodeUtf8Blocks(const unsigned char* s, size_t n,
                                         size_t* i_io, Char** o_io,
                                         Char* const end, uint32_t* ored) {
  // The smallest first byte of a code point too wide for a narrow `Char`.
  constexpr int kTooWideFrom = sizeof(Char) == 2 ? 0xF0 : 0xC4;
  constexpr bool kNarrow = !kPairs && sizeof(Char) < 4;
  size_t i = *i_io;
  Char* o = *o_io;
  const __m512i byte_positions = _mm512_set_epi8(
      63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46,
      45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 31, 30, 29, 28,
      27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9,
      8, 7, 6, 5, 4, 3, 2, 1, 0);
  // Byte k of lane j is byte j of a vector: four copies of each.
  const __m512i fours = _mm512_set_epi8(
      15, 15, 15, 15, 14, 14, 14, 14, 13, 13, 13, 13, 12, 12, 12, 12, 11, 11,
      11, 11, 10, 10, 10, 10, 9, 9, 9, 9, 8, 8, 8, 8, 7, 7, 7, 7, 6, 6, 6, 6, 5,
      5, 5, 5, 4, 4, 4, 4, 3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0);
  const __m512i next_three = _mm512_set1_epi32(0x03020100);
  const __m512i sixteen = _mm512_set1_epi8(16);
  // A sequence's length from its first byte's top five bits (index bits
  // past the fifth are ignored): 1 below 0x80, 2 from 0xC0, 3 from 0xE0, 4
  // from 0xF0 (valid text has no other first bytes).
  const __m512i length_low = _mm512_set1_epi32(1);
  const __m512i length_high =
      _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 3, 3, 4, 4);
  __m512i ored_lanes = _mm512_setzero_si512();
  // Room for a step's 64 characters and a group's whole-vector store.
  while (i + 64 <= n && end - o >= 128) {
    const __m512i bytes = _mm512_loadu_si512(s + i);
    if (_mm512_movepi8_mask(bytes) == 0) {  // 64 ASCII characters
      if constexpr (sizeof(Char) == 1) {
        _mm512_storeu_si512(o, bytes);
      } else if constexpr (sizeof(Char) == 2) {
        _mm512_storeu_si512(
            o, _mm512_cvtepu8_epi16(_mm512_castsi512_si256(bytes)));
        _mm512_storeu_si512(
            o + 32, _mm512_cvtepu8_epi16(_mm512_extracti64x4_epi64(bytes, 1)));
      } else {
        _mm512_storeu_si512(
            o, _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(bytes, 0)));
        _mm512_storeu_si512(
            o + 16, _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(bytes, 1)));
        _mm512_storeu_si512(
            o + 32, _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(bytes, 2)));
        _mm512_storeu_si512(
            o + 48, _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(bytes, 3)));
      }
      i += 64;
      o += 64;
      continue;
    }
    // 0x80-0xBF continue a sequence; a character starts at every other
    // byte. Leading continuations end the previous step's last character.
    const uint64_t starts =
        _mm512_cmpge_epi8_mask(bytes, _mm512_set1_epi8(-64));
    if constexpr (kNarrow) {
      const uint64_t too_wide = _mm512_cmpge_epu8_mask(
          bytes, _mm512_set1_epi8(static_cast<char>(kTooWideFrom)));
      if (too_wide != 0) break;  // from the first start, below
    }
    // The bytes after the 64, for characters that end there: in the text,
    // as it is valid.
    const size_t rest = n - i - 64;
    const __m512i after = rest >= 64
                              ? _mm512_loadu_si512(s + i + 64)
                              : _mm512_maskz_loadu_epi8(
                                    _bzhi_u64(~uint64_t{0}, rest), s + i + 64);
    const int count = __builtin_popcountll(starts);
    // Each start's position, 16 per group.
    __m512i positions = _mm512_maskz_compress_epi8(starts, byte_positions);
    for (int group = 0; group < count; group += 16) {
      const int lanes_used = std::min(count - group, 16);
      const __mmask16 live = static_cast<__mmask16>((1u << lanes_used) - 1);
      // Lane j: the positions of character j's first four bytes, then the
      // bytes themselves (first byte lowest).
      const __m512i at = _mm512_add_epi8(
          _mm512_permutexvar_epi8(fours, positions), next_three);
      positions = _mm512_permutexvar_epi8(
          _mm512_add_epi8(byte_positions, sixteen), positions);
      const __m512i lanes = _mm512_permutex2var_epi8(bytes, at, after);
      const __m512i length = _mm512_permutex2var_epi32(
          length_low, _mm512_srli_epi32(lanes, 3), length_high);
      // Payload bits: 64 * first + second and 64 * third + fourth as
      // 16-bit sums, then 4096 * the first sum + the second, shifted to
      // the length.
      const __m512i payload = _mm512_and_si512(
          lanes, ByLength(length, 0x7F, 0x3F3F3F1F, 0x3F3F3F0F, 0x3F3F3F07));
      const __m512i code_points = _mm512_srlv_epi32(
          _mm512_madd_epi16(
              _mm512_maddubs_epi16(payload, _mm512_set1_epi16(0x0140)),
              _mm512_set1_epi32(0x00011000)),
          ByLength(length, 18, 12, 6, 0));
      ored_lanes =
          _mm512_mask_or_epi32(ored_lanes, live, ored_lanes, code_points);
      if constexpr (kPairs) {
        const __mmask16 wide =
            _mm512_mask_cmpeq_epi32_mask(live, length, _mm512_set1_epi32(4));
        const __m512i offset =
            _mm512_sub_epi32(code_points, _mm512_set1_epi32(0x10000));
        // High surrogate in the low half, low surrogate in the high half.
        const __m512i surrogates = _mm512_add_epi32(
            _mm512_ternarylogic_epi32(_mm512_srli_epi32(offset, 10),
                                      _mm512_slli_epi32(offset, 16),
                                      _mm512_set1_epi32(0x03FF0000), 0xF8),
            _mm512_set1_epi32(static_cast<int>(0xDC00D800)));
        const __m512i units =
            _mm512_mask_mov_epi32(code_points, wide, surrogates);
        // One unit from each live lane, a second from each wide one.
        const __mmask32 unit_mask = static_cast<__mmask32>(
            _pdep_u32(live, 0x55555555) | _pdep_u32(wide, 0xAAAAAAAA));
        _mm512_storeu_si512(o, _mm512_maskz_compress_epi16(unit_mask, units));
        o += __builtin_popcount(unit_mask);
      } else if constexpr (sizeof(Char) == 4) {
        _mm512_storeu_si512(o, code_points);
        o += lanes_used;
      } else if constexpr (sizeof(Char) == 2) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o),
                            _mm512_cvtepi32_epi16(code_points));
        o += lanes_used;
      } else {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(o),
                         _mm512_cvtepi32_epi8(code_points));
        o += lanes_used;
      }
    }
    i += 64;
  }
  // Past the last character's continuation bytes, to a start.
  while (i < n && (s[i] & 0xC0) == 0x80) ++i;
  *ored |= static_cast<uint32_t>(_mm512_reduce_or_epi32(ored_lanes));
  *i_io = i;
  *o_io = o;
}

// UTF-8 lengths of code points below U+110000, from their leading zeros.
DUET_AVX512_TARGET inline __m512i Utf8Lengths(__m512i code_points) {
  // By leading zeros 0-31 (32, for 0, wraps to 0): 4 for 11-15, 3 for
  // 16-20, 2 for 21-24, else 1.
  const __m512i for_0_to_15 =
      _mm512_setr_epi32(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 4, 4, 4, 4, 4);
  const __m512i for_16_to_31 =
      _mm512_setr_epi32(3, 3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1);
  return _mm512_permutex2var_epi32(for_0_to_15, _mm512_lzcnt_epi32(code_points),
                                   for_16_to_31);
}

// A code point that EncodeUtf8Lanes writes nothing for (its leading zero
// count, 9, is no UTF-8 length's).
constexpr int kWriteNothing = 0x400000;

// A per-lane constant picked by a code point's leading zero count (0-31;
// 32, for U+0000, wraps to 0): `one` for a one-byte code point, `two`,
// `three` and `four` for longer ones, `none` for kWriteNothing.
DUET_AVX512_TARGET inline __m512i ByLeadingZeros(__m512i zeros, int one,
                                                 int two, int three, int four,
                                                 int none) {
  return _mm512_permutex2var_epi32(
      _mm512_setr_epi32(one, four, four, four, four, four, four, four, four,
                        none, four, four, four, four, four, four),
      zeros,
      _mm512_setr_epi32(three, three, three, three, three, two, two, two, two,
                        one, one, one, one, one, one, one));
}

// Writes 16 code points (none a surrogate) as UTF-8 at `o`, leaving out
// lanes holding kWriteNothing; returns how many bytes it wrote.
DUET_AVX512_TARGET inline size_t EncodeUtf8Lanes(__m512i code_points,
                                                 unsigned char* o) {
  const __m512i zeros = _mm512_lzcnt_epi32(code_points);
  // Each lane's four-byte form, first byte lowest: its bits from 18, 12, 6
  // and 0 (the next lane's from 50, 44, 38 and 32); a shorter code point
  // keeps its last bytes of it, with its payload bits and markers.
  const __m512i fields = _mm512_multishift_epi64_epi8(
      _mm512_set1_epi64(0x20262C3200060C12), code_points);
  const __m512i utf8 = _mm512_ternarylogic_epi32(
      fields,
      ByLeadingZeros(zeros, 0x7F000000, 0x3F3F0000, 0x3F3F3F00, 0x3F3F3F07, 0),
      ByLeadingZeros(zeros, 0, static_cast<int>(0x80C00000),
                     static_cast<int>(0x8080E000), static_cast<int>(0x808080F0),
                     0),
      0xEA);  // fields & payload | markers
  // Byte k of a lane is kept from its first byte on.
  const __mmask64 kept = _mm512_cmpge_epu8_mask(
      _mm512_set1_epi32(0x03020100),
      ByLeadingZeros(zeros, 0x03030303, 0x02020202, 0x01010101, 0, 0x04040404));
  const unsigned written = static_cast<unsigned>(__builtin_popcountll(kept));
  _mm512_mask_storeu_epi8(o, _bzhi_u64(~uint64_t{0}, written),
                          _mm512_maskz_compress_epi8(kept, utf8));
  return written;
}

// WriteUtf8 of 16 code points at a time from *i while they last; returns
// where the output went to.
template <typename Char>
DUET_AVX512_TARGET unsigned char* WriteUtf8Blocks(const Char* data,
                                                  size_t length, size_t* i_io,
                                                  unsigned char* o) {
  size_t i = *i_io;
  for (; i + 16 <= length; i += 16) {
    __m512i code_points;
    if constexpr (sizeof(Char) == 4) {
      code_points = _mm512_loadu_si512(data + i);
    } else if constexpr (sizeof(Char) == 2) {
      code_points = _mm512_cvtepu16_epi32(
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(data + i)));
    } else {
      code_points = _mm512_cvtepu8_epi32(
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i)));
    }
    if (_mm512_cmpgt_epu32_mask(code_points, _mm512_set1_epi32(0x7F)) == 0) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(o),
                       _mm512_cvtepi32_epi8(code_points));
      o += 16;
      continue;
    }
    o += EncodeUtf8Lanes(code_points, o);
  }
  *i_io = i;
  return o;
}

// AppendUtf16AsUtf8's encoding of 16 units a step from *i while the unit
// after them exists, until one of them is a lone surrogate, which the
// scalar encoder then finds and names. A pair across steps is written by
// the first step (from that unit).
DUET_AVX512_TARGET unsigned char* Utf16ToUtf8Blocks(const uint16_t* data,
                                                    size_t length, size_t* i_io,
                                                    unsigned char* o) {
  size_t i = *i_io;
  // Whether the unit at i is the low half of a pair already written.
  uint32_t written_low = 0;
  for (; i + 17 <= length; i += 16) {
    __m512i units = _mm512_cvtepu16_epi32(
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(data + i)));
    const __m512i kind = _mm512_and_si512(units, _mm512_set1_epi32(0xFC00));
    const __mmask16 highs =
        _mm512_cmpeq_epi32_mask(kind, _mm512_set1_epi32(0xD800));
    const __mmask16 lows =
        _mm512_cmpeq_epi32_mask(kind, _mm512_set1_epi32(0xDC00));
    if ((highs | lows) == 0) {  // then written_low is 0 too
      if (_mm512_cmpgt_epu32_mask(units, _mm512_set1_epi32(0x7F)) == 0) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(o),
                         _mm512_cvtepi32_epi8(units));
        o += 16;
      } else {
        o += EncodeUtf8Lanes(units, o);
      }
      continue;
    }
    // Every low surrogate follows a high one, and every high one is
    // followed by a low one (the last by the unit after the 16).
    const uint32_t after = data[i + 16];
    const uint32_t last_high = (highs >> 15) & 1;
    if (lows != static_cast<__mmask16>((highs << 1) | written_low) ||
        (last_high != 0 && (after & 0xFC00) != 0xDC00)) {
      break;
    }
    // A pair's code point in its high lane; its low lane writes nothing.
    const __m512i next = _mm512_alignr_epi32(
        _mm512_set1_epi32(static_cast<int>(after)), units, 1);
    units = _mm512_mask_sub_epi32(
        units, highs, _mm512_add_epi32(_mm512_slli_epi32(units, 10), next),
        _mm512_set1_epi32(0x35FDC00));  // (0xD800 << 10) + 0xDC00 - 0x10000
    units =
        _mm512_mask_mov_epi32(units, lows, _mm512_set1_epi32(kWriteNothing));
    o += EncodeUtf8Lanes(units, o);
    written_low = last_high;
  }
  *i_io = i + written_low;
  return o;
}

// Utf8Size's count of *i's units on, 32 per step while they last: as many
// bytes as units, one more from 0x80 and one more from 0x800, one fewer
// for a surrogate; *surrogate_found when there is one.
DUET_AVX512_TARGET size_t Utf16Utf8SizeBlocks(const uint16_t* data,
                                              size_t length, size_t* i_io,
                                              bool* surrogate_found) {
  size_t i = *i_io;
  size_t size = 0;
  uint32_t surrogates = 0;
  for (; i + 32 <= length; i += 32) {
    const __m512i units = _mm512_loadu_si512(data + i);
    const __mmask32 two =
        _mm512_cmpge_epu16_mask(units, _mm512_set1_epi16(0x80));
    const __mmask32 three =
        _mm512_cmpge_epu16_mask(units, _mm512_set1_epi16(0x800));
    const __mmask32 surrogate = _mm512_cmpeq_epi16_mask(
        _mm512_and_si512(units, _mm512_set1_epi16(static_cast<short>(0xF800))),
        _mm512_set1_epi16(static_cast<short>(0xD800)));
    size += 32 + static_cast<size_t>(__builtin_popcount(two)) +
            static_cast<size_t>(__builtin_popcount(three)) -
            static_cast<size_t>(__builtin_popcount(surrogate));
    surrogates |= surrogate;
  }
  *surrogate_found = surrogates != 0;
  *i_io = i;
  return size;
}

// Utf8SizeOfUcs4's count of *i's code points on, 16 per step while they
// last; *surrogate_found when one is a surrogate.
DUET_AVX512_TARGET size_t Ucs4Utf8SizeBlocks(const uint32_t* data,
                                             size_t length, size_t* i_io,
                                             bool* surrogate_found) {
  size_t i = *i_io;
  size_t size = 0;
  __mmask16 surrogates = 0;
  while (i + 16 <= length) {
    // Each lane adds at most 4 a step: 2^24 steps fit its 32 bits.
    __m512i sizes = _mm512_setzero_si512();
    const size_t steps = std::min<size_t>((length - i) / 16, size_t{1} << 24);
    for (size_t step = 0; step < steps; ++step, i += 16) {
      const __m512i code_points = _mm512_loadu_si512(data + i);
      sizes = _mm512_add_epi32(sizes, Utf8Lengths(code_points));
      surrogates |= _mm512_cmpeq_epi32_mask(
          _mm512_and_si512(code_points,
                           _mm512_set1_epi32(static_cast<int>(0xFFFFF800))),
          _mm512_set1_epi32(0xD800));
    }
    size += static_cast<uint32_t>(_mm512_reduce_add_epi32(sizes));
  }
  *surrogate_found = surrogates != 0;
  *i_io = i;
  return size;
}
#endif  // DUET_UTF8_AVX512

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
  [[maybe_unused]] Char* const end = out + capacity;  // vector paths only
  uint32_t ored = 0;                                  // every code point ORed
  size_t i = 0;
#ifdef DUET_UTF8_AVX512
  if (n >= 64 && UseWideVectors()) {
    // Validated first, 64 bytes a step, then decoded without checks.
    if (!ValidUtf8(s, n)) return {};
    DecodeUtf8Blocks<Char, kPairs>(s, n, &i, &o, end, &ored);
  }
#endif
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
#ifdef DUET_UTF8_AVX512
  if (UseWideVectors()) {
    size = Utf16Utf8SizeBlocks(data, length, &i, &found);
  }
#endif
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
#ifdef DUET_UTF8_AVX512
  if (UseWideVectors()) o = Utf16ToUtf8Blocks(data, length, &i, o);
#endif
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
#ifdef DUET_UTF8_AVX512
  if (UseWideVectors()) {
    size = Ucs4Utf8SizeBlocks(data, length, &i, &found) + (length - i);
  }
#endif
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
  size_t i = 0;
#ifdef DUET_UTF8_AVX512
  if (UseWideVectors()) o = WriteUtf8Blocks(data, length, &i, o);
#endif
  for (; i < length; ++i) {
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
