// Reading REPL input on a terminal through libedit's native API (histedit.h):
// emacs key bindings (~/.editrc applies), Tab completion from a callback,
// and history kept in a file.
//
// While a line is edited the terminal's signal keys are off: Ctrl-C is read
// as a key that drops the line (Read returns kInterrupted with what had
// been typed), so no signal handler is involved at the prompt; Ctrl-Z still
// suspends. Outside Read the terminal is as the user had it, so Ctrl-C
// sends SIGINT (see interrupt.h).
#ifndef DUET_SAMPLES_REPL_LINE_EDITOR_H_
#define DUET_SAMPLES_REPL_LINE_EDITOR_H_

#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

// libedit's types (histedit.h), kept out of this header.
struct editline;
struct history;

namespace duet::cli {

// Completions for the text before the cursor: each replaces
// text[*word_start..] (a completer sets *word_start).
using Completer = std::function<std::vector<std::string>(
    std::string_view before_cursor, size_t* word_start)>;

// What a list of completions shows for `word` instead of the word itself
// (a function's declared signature), or "" for the word. Tab right after
// "name(" shows what it returns for "name" instead of completing.
using Describer = std::function<std::string(std::string_view word)>;

class LineEditor {
 public:
  // `history_path` empty: no history file. `describe` may be empty.
  LineEditor(std::string history_path, Completer completer,
             Describer describe = nullptr);
  ~LineEditor();
  LineEditor(const LineEditor&) = delete;
  LineEditor& operator=(const LineEditor&) = delete;

  struct Input {
    enum Kind { kLine, kInterrupted, kEnd } kind = kEnd;
    std::string text;  // the line, or what was typed before Ctrl-C
  };
  Input Read(const std::string& prompt);

  // Adds a line to the history (and the file). Blank lines and repeats of
  // the last line are skipped.
  void Remember(const std::string& line);

 private:
  static char* Prompt(::editline* el);
  static unsigned char OnComplete(::editline* el, int key);
  static unsigned char OnInterrupt(::editline* el, int key);
  static unsigned char OnSuspend(::editline* el, int key);
  unsigned char Complete();
  // The description of the call name just before a trailing "(", or "".
  std::string CallHint(std::string_view before) const;

  ::editline* el_ = nullptr;
  ::history* history_ = nullptr;
  std::string history_path_;
  Completer completer_;
  Describer describe_;
  std::string prompt_;
  std::string last_;
  bool interrupted_ = false;
};

// Where history lives: $DUET_HISTORY (empty: none), else
// $XDG_STATE_HOME/duet/history, else ~/.local/state/duet/history.
std::string HistoryPath();

}  // namespace duet::cli

#endif  // DUET_SAMPLES_REPL_LINE_EDITOR_H_
