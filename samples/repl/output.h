// Rendering for the `duet` command: one-line errors, tables, module
// listings, durations. Pure functions over public duet types.
#ifndef DUET_SAMPLES_REPL_OUTPUT_H_
#define DUET_SAMPLES_REPL_OUTPUT_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "duet/duet.h"

namespace duet::cli {

// LanguageName as a std::string (abseil's StrCat takes absl::string_view,
// which is not std::string_view in Debian's build).
inline std::string NameOf(Language language) {
  return std::string(LanguageName(language));
}

// A status as one line: "Type: message (file:line)" for a script error,
// else the status message; newlines become spaces.
std::string OneLine(const absl::Status& status);

// A plugin that failed to load, as one line naming file:line and the reason.
std::string ProblemLine(const PluginProblem& problem);

// A call as people write it: greet("world", 3). Long renderings are cut to
// about `max_width` characters with "...".
std::string CallLabel(std::string_view function, absl::Span<const Value> args,
                      size_t max_width = 48);

// JSON, cut to about `max_width` characters with "..." (0: never cut).
std::string ShortJson(const Value& value, size_t max_width = 0);

// Columns padded to the widest cell (by DisplayWidth), two
// spaces apart. Columns listed in `right_aligned` (by index) are padded on
// the left, for numbers.
std::string Table(const std::vector<std::vector<std::string>>& rows,
                  const std::vector<size_t>& right_aligned = {});

// The human table of `duet list` and `:list`.
std::string ModulesTable(const std::vector<ModuleInfo>& modules);
// The object `duet list --json` prints.
Value ModulesJson(const std::vector<ModuleInfo>& modules,
                  const std::vector<std::string>& plugin_dirs,
                  const std::vector<PluginProblem>& problems);

// 1234567 -> "1,234,567".
std::string GroupThousands(int64_t n);
// 0.0000123 -> "12.3 us" (ns, us, ms, s; three significant digits).
std::string FormatSeconds(double seconds);

// Code points in `text`.
size_t CodePoints(std::string_view text);
// Columns `text` takes on a terminal, near enough for aligning tables: CJK
// and emoji count 2, combining marks and joiners 0, the rest 1.
size_t DisplayWidth(std::string_view text);
// Whether `text` is well-formed UTF-8.
bool IsValidUtf8(std::string_view text);

// Whether to colour what goes to `fd`: it is a terminal, TERM is not "dumb"
// and NO_COLOR is unset or empty (https://no-color.org).
bool ColourWanted(int fd);

enum class Style { kBold, kDim, kRed, kGreen, kYellow, kBlue, kMagenta };
// `text` wrapped in the style's ANSI codes when `colour`, else unchanged.
std::string Paint(std::string_view text, Style style, bool colour);

// Colours a result as the engines render it (repr() / node-like): strings
// green, numbers and booleans yellow, None / null / undefined bold, as node
// does. Unchanged when `colour` is false.
std::string HighlightResult(std::string_view text, bool colour);

// A script error for people: "Type: message", the source line, then the
// stack with the frames in plugin files first (where the fault usually is)
// and the REPL's own frames last. Other statuses print as their message.
std::string FormatScriptError(const absl::Status& status, bool colour);

}  // namespace duet::cli

#endif  // DUET_SAMPLES_REPL_OUTPUT_H_
