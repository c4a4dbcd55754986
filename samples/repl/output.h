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
#include "duet/tools/text.h"

namespace duet::cli {

// The text helpers the command shares with the tools library's reports.
using tools::CallLabel;
using tools::CodePoints;
using tools::DisplayWidth;
using tools::FormatSeconds;
using tools::GroupThousands;
using tools::NameOf;
using tools::OneLine;
using tools::Paint;
using tools::ShortJson;
using tools::Style;
using tools::Table;

// A plugin that failed to load, as one line naming file:line and the reason.
std::string ProblemLine(const PluginProblem& problem);

// The human table of `duet list` and `:list`.
std::string ModulesTable(const std::vector<ModuleInfo>& modules);
// The object `duet list --json` prints.
Value ModulesJson(const std::vector<ModuleInfo>& modules,
                  const std::vector<std::string>& plugin_dirs,
                  const std::vector<PluginProblem>& problems);

// Whether `text` is well-formed UTF-8.
bool IsValidUtf8(std::string_view text);

// Whether to colour what goes to `fd`: it is a terminal, TERM is not "dumb"
// and NO_COLOR is unset or empty (https://no-color.org).
bool ColourWanted(int fd);

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
