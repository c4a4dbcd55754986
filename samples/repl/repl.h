// `duet repl`: an interactive prompt in Python or JavaScript where every
// loaded module is a global, with :meta-commands to list modules, switch a
// module's implementation and switch the evaluation language.
#ifndef DUET_SAMPLES_REPL_REPL_H_
#define DUET_SAMPLES_REPL_REPL_H_

#include "command_line.h"

namespace duet::cli {

// On a terminal: prompt, line editing and history (libedit). Piped: no
// prompt, no libedit; results on stdout, errors on stderr; exit code 1 when
// any input failed, else 0 (always 0 with --exit-zero; --stop-on-error ends
// at the first failure). Returns the exit code.
int RunRepl(const CommandLine& command_line);

}  // namespace duet::cli

#endif  // DUET_SAMPLES_REPL_REPL_H_
