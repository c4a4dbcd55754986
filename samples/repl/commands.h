// The one-shot commands: list, call, check, bench. Each loads the plugins,
// does its work, and returns the process exit code (command_line.h).
#ifndef DUET_SAMPLES_REPL_COMMANDS_H_
#define DUET_SAMPLES_REPL_COMMANDS_H_

#include "command_line.h"

namespace duet::cli {

int RunList(const CommandLine& command_line);
int RunCall(const CommandLine& command_line);
int RunCheck(const CommandLine& command_line);
int RunBench(const CommandLine& command_line);
int RunStubs(const CommandLine& command_line);

}  // namespace duet::cli

#endif  // DUET_SAMPLES_REPL_COMMANDS_H_
