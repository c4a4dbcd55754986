// Debian's abseil 20220623 is built with its own absl::string_view, distinct
// from std::string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0). duet's public
// API speaks std::string_view; this bridges the two where absl is called.
#ifndef DUET_INTERNAL_STRINGS_H_
#define DUET_INTERNAL_STRINGS_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace duet::internal {

inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}
inline std::string_view ToStd(absl::string_view s) {
  return std::string_view(s.data(), s.size());
}

}  // namespace duet::internal

#endif  // DUET_INTERNAL_STRINGS_H_
