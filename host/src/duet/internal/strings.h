// Debian's abseil 20220623 is built with its own absl::string_view, distinct
// from std::string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0). duet's public
// API speaks std::string_view; this bridges the two where absl is called.
#ifndef DUET_INTERNAL_STRINGS_H_
#define DUET_INTERNAL_STRINGS_H_

#include <string>
#include <string_view>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "duet/value.h"

namespace duet::internal {

inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}
inline std::string_view ToStd(absl::string_view s) {
  return std::string_view(s.data(), s.size());
}

// Appends `text` as a JSON string literal: quotes, backslash escapes, and
// \u00XX for other control characters. UTF-8 passes through unchanged; each
// byte of an invalid sequence (a file name's) becomes U+FFFD.
void AppendJsonQuoted(std::string* out, std::string_view text);

// Appends null, bool, int, float or string `value` as JSON (floats as
// FormatDouble writes them) and returns true; returns false for the other
// kinds, appending nothing.
bool AppendJsonScalar(std::string* out, const Value& value);

// A double as JSON-like text that reads back to the same double: the
// shortest of %.15g..%.17g, "NaN", "Infinity", "-Infinity", and ".0" added to
// integral values so a float never reads back as an int.
std::string FormatDouble(double value);

// A time in ISO 8601, UTC, to the millisecond, as JavaScript's toISOString
// writes it: 2026-12-06T18:00:00.000Z, -000001-01-01T00:00:00.000Z,
// +275760-09-13T00:00:00.000Z; "infinite-future", "infinite-past".
std::string FormatIsoTime(absl::Time time);

}  // namespace duet::internal

#endif  // DUET_INTERNAL_STRINGS_H_
