// Parsing the `duet` command line, and the help texts.
//
//   duet [--plugins DIR]... COMMAND [OPTIONS] [ARGS]
//
// Global options (--plugins, --help) are accepted before or after the command;
// each command accepts its own options after it. A usage error is one line
// and exit code 2.
#ifndef DUET_SAMPLES_REPL_COMMAND_LINE_H_
#define DUET_SAMPLES_REPL_COMMAND_LINE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "duet/language.h"

namespace duet::cli {

// Exit codes of the `duet` command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // a call failed, a check mismatched
inline constexpr int kExitUsage = 2;    // bad command line

struct CommandLine {
  std::string command;  // "list", "call", ...; empty when none was given
  // --plugins, in order. Empty: DefaultPluginDirs() applies.
  std::vector<std::string> plugin_dirs;
  bool help = false;     // --help / -h, or `duet help [COMMAND]`
  bool version = false;  // --version

  bool json = false;  // list, check, bench --json (call: JSON anyway)
  // --runtime: the implementation to call (call), check (check), time
  // (bench) or make active where a module has it (repl).
  std::optional<Language> runtime;
  std::optional<Language> lang;  // repl --lang: the prompt's language
  bool exit_zero = false;        // repl --exit-zero
  bool stop_on_error = false;    // repl --stop-on-error
  double seconds = 0.5;          // bench --seconds
  std::string svg;               // bench --svg FILE
  int64_t fuzz = 0;              // check --fuzz N (0: examples only)
  std::optional<uint64_t> seed;  // check --seed S
  bool watch = false;            // repl --watch
  std::string out;               // stubs --out DIR

  std::vector<std::string> args;  // positional arguments after the command
};

// Parses argv[1..argc). kInvalidArgument with a one-line message (without
// the "duet: " prefix) on a usage error.
absl::StatusOr<CommandLine> ParseCommandLine(int argc, char** argv);

// The plugin directories when --plugins was not given: $DUET_PLUGINS (a
// colon-separated list) when set, else ./plugins when it exists, else none.
std::vector<std::string> DefaultPluginDirs();

// The overview printed by `duet --help`.
std::string GeneralHelp();
// Help for one command; nullopt for an unknown command.
std::optional<std::string> CommandHelp(const std::string& command);

}  // namespace duet::cli

#endif  // DUET_SAMPLES_REPL_COMMAND_LINE_H_
