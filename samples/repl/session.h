// A Host set up the way every `duet` command wants it: log lines routed to
// the right stream, the command's host functions registered, plugins loaded.
#ifndef DUET_SAMPLES_REPL_SESSION_H_
#define DUET_SAMPLES_REPL_SESSION_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "command_line.h"
#include "duet/duet.h"

namespace duet::cli {

// Writes to stdout / stderr under one lock, so log lines from any thread and
// the command's own output never interleave mid-line.
void WriteOut(std::string_view text);
void WriteErr(std::string_view text);
// "duet: " + message + "\n" on stderr.
void PrintError(std::string_view message);

struct Session {
  std::unique_ptr<Host> host;
  std::vector<std::string> plugin_dirs;  // as given or defaulted
  std::vector<PluginProblem> problems;   // plugins that did not load
};

enum class PluginOutput {
  kStderr,  // list, call, check, bench: stdout stays the command's result
  kStdout,  // the REPL: print() shows up like the result does
};

// Whether a plugin that failed to load fails the command: only for a
// `check` of every module. A command that names its modules (check MODULE,
// call, bench) judges those, and the REPL and list show what loaded.
bool LoadProblemsFail(const CommandLine& command_line);

// Creates the host, registers duet.host.app_name() ("duet") and
// duet.host.now() (seconds since the epoch), and loads the plugin
// directories. Each plugin that fails to load is reported on stderr as one
// line (a "warning: " one unless LoadProblemsFail) and skipped. On failure
// prints the reason and returns nullopt with
// `*exit_code` set.
std::optional<Session> OpenSession(const CommandLine& command_line,
                                   PluginOutput plugin_output, int* exit_code);

}  // namespace duet::cli

#endif  // DUET_SAMPLES_REPL_SESSION_H_
