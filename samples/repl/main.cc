// The `duet` command: work with duet plugins from a shell.
//
//   duet list                          modules and their implementations
//   duet call greeter.greet '"world"'  call a function, print JSON
//   duet check                         run every [[examples]] entry
//   duet bench textstats.summary '"a b c"'
//   duet repl --lang js                interactive prompt
//
// See `duet --help` and README.md, "The duet command".
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "command_line.h"
#include "commands.h"
#include "repl.h"
#include "session.h"

int main(int argc, char** argv) {
  using namespace duet::cli;

  absl::StatusOr<CommandLine> command_line = ParseCommandLine(argc, argv);
  if (!command_line.ok()) {
    PrintError(std::string(command_line.status().message()));
    WriteErr("Run 'duet --help' for usage.\n");
    return kExitUsage;
  }
  if (command_line->version) {
    WriteOut(absl::StrCat("duet ", DUET_VERSION, "\n"));
    return kExitOk;
  }
  if (command_line->help) {
    if (command_line->command.empty()) {
      WriteOut(GeneralHelp());
    } else {
      WriteOut(*CommandHelp(command_line->command));
    }
    return kExitOk;
  }

  const std::string& command = command_line->command;
  if (command.empty()) {
    // No command: the REPL for a person at a terminal; a script that forgot
    // the command gets usage rather than a prompt that waits on its stdin.
    if (isatty(STDIN_FILENO) == 1) return RunRepl(*command_line);
    PrintError("no command given");
    WriteErr("Run 'duet --help' for usage.\n");
    return kExitUsage;
  }
  if (command == "repl") return RunRepl(*command_line);
  if (command == "list") return RunList(*command_line);
  if (command == "call") return RunCall(*command_line);
  if (command == "check") return RunCheck(*command_line);
  if (command == "bench") return RunBench(*command_line);
  if (command == "stubs") return RunStubs(*command_line);
  // ParseCommandLine only accepts the commands above.
  PrintError(absl::StrCat("unknown command '", command, "'"));
  return kExitUsage;
}
