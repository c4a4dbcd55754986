// Runs a program the way a shell would, for tests of the built binaries:
// stdin from a string, stdout and stderr captured apart, the exit code kept.
#ifndef DUET_TESTS_CLI_SUBPROCESS_H_
#define DUET_TESTS_CLI_SUBPROCESS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace duet::testing {

struct ProcessResult {
  int exit_code = -1;  // 128 + N when killed by signal N; -1 on timeout
  std::string out;
  std::string err;
};

struct ProcessOptions {
  std::string stdin_text;         // fed through a file, so never a pipe stall
  std::string working_directory;  // empty: the test's own
  // Variables to set (a value) or remove (nullopt) in the child.
  std::map<std::string, std::optional<std::string>> environment;
  int timeout_seconds = 120;
};

// Runs argv[0] (a path) with argv. Never throws; a failure to start shows as
// exit code 127 with the reason in `err`.
ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const ProcessOptions& options = {});

// One step of a terminal session: wait until the screen shows `wait_for`
// (after what earlier steps waited for) and the terminal is in the state
// `keys_for` names, then type `send`.
//
// The terminal state is the synchronisation that matters: a line editor
// switches the terminal out of canonical mode while it reads a line and back
// while the program runs. Keys typed at the wrong moment are echoed twice,
// lost, or (Ctrl-C, Ctrl-D) mean something else. No step sleeps.
struct TerminalStep {
  enum class Keys {
    kEditor,   // a line editor is reading (canonical mode off): typing
    kProgram,  // the program has the terminal in canonical mode: Ctrl-C
               // as a signal while code runs
    kAny,
  };
  std::string wait_for;
  std::string send;
  Keys keys_for = Keys::kEditor;
};

// Runs argv in a pseudo-terminal, so the program sees a terminal on stdin
// and stdout, and plays `steps`. `out` holds everything the terminal showed
// (with "\r\n" line ends); `err` says which step timed out, if one did,
// with the terminal mode and the state of each of the program's threads.
ProcessResult RunInTerminal(const std::vector<std::string>& argv,
                            const std::vector<TerminalStep>& steps,
                            const ProcessOptions& options = {});

// Splits text into lines without their '\n' (no empty last line).
std::vector<std::string> Lines(const std::string& text);

}  // namespace duet::testing

#endif  // DUET_TESTS_CLI_SUBPROCESS_H_
