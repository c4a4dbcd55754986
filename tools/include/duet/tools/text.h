/// @file
/// Text rendering shared by the tools' reports and by programs that print
/// them: one-line errors, call labels, aligned tables, durations, terminal
/// widths and ANSI colour. Pure functions over public duet types.
#ifndef DUET_TOOLS_TEXT_H_
#define DUET_TOOLS_TEXT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "duet/language.h"
#include "duet/value.h"

namespace duet::tools {

/// LanguageName as a std::string (abseil's StrCat takes absl::string_view,
/// which is not std::string_view in Debian's build).
inline std::string NameOf(Language language) {
  return std::string(LanguageName(language));
}

/// A status as one line: "Type: message (file:line)" for a script error,
/// else the status message; newlines become spaces.
std::string OneLine(const absl::Status& status);

/// A call as people write it: greet("world", 3). Long renderings are cut to
/// about `max_width` characters with "...".
std::string CallLabel(std::string_view function, absl::Span<const Value> args,
                      size_t max_width = 48);

/// JSON, cut to about `max_width` characters with "..." (0: never cut).
std::string ShortJson(const Value& value, size_t max_width = 0);

/// Columns padded to the widest cell (by DisplayWidth), two
/// spaces apart. Columns listed in `right_aligned` (by index) are padded on
/// the left, for numbers.
std::string Table(const std::vector<std::vector<std::string>>& rows,
                  const std::vector<size_t>& right_aligned = {});

/// 1234567 -> "1,234,567".
std::string GroupThousands(int64_t n);
/// 0.0000123 -> "12.3 us" (ns, us, ms, s; three significant digits).
std::string FormatSeconds(double seconds);

/// Code points in `text`.
size_t CodePoints(std::string_view text);
/// Columns `text` takes on a terminal, near enough for aligning tables: CJK
/// and emoji count 2, combining marks and joiners 0, the rest 1.
size_t DisplayWidth(std::string_view text);

/// A terminal text style (Paint).
enum class Style { kBold, kDim, kRed, kGreen, kYellow, kBlue, kMagenta };
/// `text` wrapped in the style's ANSI codes when `colour`, else unchanged.
std::string Paint(std::string_view text, Style style, bool colour);

}  // namespace duet::tools

#endif  // DUET_TOOLS_TEXT_H_
