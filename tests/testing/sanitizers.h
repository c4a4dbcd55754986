// What tests adjust under sanitizers.
#ifndef DUET_TESTS_TESTING_SANITIZERS_H_
#define DUET_TESTS_TESTING_SANITIZERS_H_

#include <cstddef>

namespace duet::testing {

#if defined(__SANITIZE_ADDRESS__)
#define DUET_TESTING_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DUET_TESTING_ASAN 1
#endif
#endif

// AddressSanitizer's stack frames are several times larger, so a thread
// stack sized for what a test means to exercise ("999 levels on a 256 KB
// stack") is that many times larger under it.
#ifdef DUET_TESTING_ASAN
inline constexpr size_t kStackScale = 4;
#else
inline constexpr size_t kStackScale = 1;
#endif

// Memory AddressSanitizer keeps resident after it is freed: its
// quarantine, 256 MB by default, delays reuse to catch use-after-free. A
// test bounding resident growth allows for it.
#ifdef DUET_TESTING_ASAN
inline constexpr size_t kQuarantineBytes = size_t{256} << 20;
#else
inline constexpr size_t kQuarantineBytes = 0;
#endif

}  // namespace duet::testing

#endif  // DUET_TESTS_TESTING_SANITIZERS_H_
