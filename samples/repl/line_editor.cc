#include "line_editor.h"

#include <histedit.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "output.h"
#include "session.h"

namespace duet::cli {
namespace {

LineEditor* Self(EditLine* el) {
  void* data = nullptr;
  el_get(el, EL_CLIENTDATA, &data);
  return static_cast<LineEditor*>(data);
}

// The longest common prefix, cut back to a whole UTF-8 character.
std::string CommonPrefix(const std::vector<std::string>& words) {
  if (words.empty()) return "";
  std::string prefix = words[0];
  for (const std::string& word : words) {
    size_t n = 0;
    while (n < prefix.size() && n < word.size() && prefix[n] == word[n]) ++n;
    prefix.resize(n);
  }
  while (!prefix.empty() &&
         (static_cast<unsigned char>(prefix.back()) & 0xC0) == 0x80) {
    prefix.pop_back();
  }
  if (!prefix.empty() && (static_cast<unsigned char>(prefix.back()) & 0x80)) {
    prefix.pop_back();  // a lead byte without its continuation
  }
  return prefix;
}

int TerminalColumns() {
  winsize size = {};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    return size.ws_col;
  }
  return 80;
}

// Candidates in columns, as shells list them.
std::string Columns(const std::vector<std::string>& words) {
  size_t width = 0;
  for (const std::string& word : words) {
    width = std::max(width, DisplayWidth(word));
  }
  width += 2;
  const size_t per_line =
      std::max<size_t>(1, static_cast<size_t>(TerminalColumns()) / width);
  const size_t lines = (words.size() + per_line - 1) / per_line;
  std::string out;
  for (size_t line = 0; line < lines; ++line) {
    std::string row;
    for (size_t column = 0; column < per_line; ++column) {
      const size_t i = column * lines + line;
      if (i >= words.size()) break;
      row += words[i];
      if (column + 1 < per_line) {
        row.append(width - DisplayWidth(words[i]), ' ');
      }
    }
    while (!row.empty() && row.back() == ' ') row.pop_back();
    absl::StrAppend(&out, row, "\n");
  }
  return out;
}

}  // namespace

std::string HistoryPath() {
  if (const char* path = std::getenv("DUET_HISTORY")) return path;
  if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state) {
    return absl::StrCat(state, "/duet/history");
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    return absl::StrCat(home, "/.local/state/duet/history");
  }
  return "";
}

LineEditor::LineEditor(std::string history_path, Completer completer,
                       Describer describe)
    : history_path_(std::move(history_path)),
      completer_(std::move(completer)),
      describe_(std::move(describe)) {
  el_ = el_init("duet", stdin, stdout, stderr);
  el_set(el_, EL_CLIENTDATA, this);
  el_set(el_, EL_EDITOR, "emacs");
  el_set(el_, EL_SIGNAL, 1);  // window size changes, suspend and resume
  el_set(el_, EL_PROMPT, &LineEditor::Prompt);
  // Ctrl-C and Ctrl-Z reach us as keys while a line is edited.
  el_set(el_, EL_SETTY, "-d", "-isig", static_cast<const char*>(nullptr));
  el_set(el_, EL_ADDFN, "duet-complete", "complete the word before the cursor",
         &LineEditor::OnComplete);
  el_set(el_, EL_ADDFN, "duet-interrupt", "drop the line",
         &LineEditor::OnInterrupt);
  el_set(el_, EL_ADDFN, "duet-suspend", "suspend duet", &LineEditor::OnSuspend);
  el_set(el_, EL_BIND, "^I", "duet-complete",
         static_cast<const char*>(nullptr));
  el_set(el_, EL_BIND, "^C", "duet-interrupt",
         static_cast<const char*>(nullptr));
  el_set(el_, EL_BIND, "^Z", "duet-suspend", static_cast<const char*>(nullptr));

  history_ = history_init();
  HistEvent event;
  history(history_, &event, H_SETSIZE, 1000);
  history(history_, &event, H_SETUNIQUE, 1);
  el_set(el_, EL_HIST, history, history_);
  if (!history_path_.empty()) {
    std::error_code error;
    std::filesystem::create_directories(
        std::filesystem::path(history_path_).parent_path(), error);
    history(history_, &event, H_LOAD, history_path_.c_str());
  }
  el_source(el_, nullptr);  // ~/.editrc, when there is one
}

LineEditor::~LineEditor() {
  el_end(el_);
  history_end(history_);
}

LineEditor::Input LineEditor::Read(const std::string& prompt) {
  prompt_ = prompt;
  interrupted_ = false;
  int count = 0;
  const char* raw = el_gets(el_, &count);
  Input input;
  if (interrupted_) {
    input.kind = Input::kInterrupted;
    const LineInfo* line = el_line(el_);
    input.text.assign(line->buffer, line->lastchar);
    std::fputs("\n", stdout);
    std::fflush(stdout);
    return input;
  }
  if (raw == nullptr || count <= 0) return input;  // Ctrl-D, or an error
  input.kind = Input::kLine;
  input.text.assign(raw, static_cast<size_t>(count));
  while (!input.text.empty() &&
         (input.text.back() == '\n' || input.text.back() == '\r')) {
    input.text.pop_back();
  }
  return input;
}

void LineEditor::Remember(const std::string& line) {
  if (line.find_first_not_of(" \t") == std::string::npos || line == last_) {
    return;
  }
  last_ = line;
  HistEvent event;
  history(history_, &event, H_ENTER, line.c_str());
  // Saved each time, so a killed session keeps its history.
  if (!history_path_.empty()) {
    history(history_, &event, H_SAVE, history_path_.c_str());
  }
}

char* LineEditor::Prompt(EditLine* el) {
  return const_cast<char*>(Self(el)->prompt_.c_str());
}

unsigned char LineEditor::OnInterrupt(EditLine* el, int) {
  Self(el)->interrupted_ = true;
  return CC_NEWLINE;
}

unsigned char LineEditor::OnSuspend(EditLine*, int) {
  // libedit's SIGTSTP handling restores the terminal and, on SIGCONT,
  // redraws the line.
  raise(SIGTSTP);
  return CC_REDISPLAY;
}

unsigned char LineEditor::OnComplete(EditLine* el, int) {
  return Self(el)->Complete();
}

unsigned char LineEditor::Complete() {
  const LineInfo* line = el_line(el_);
  const std::string before(line->buffer, line->cursor);
  // Just inside a call's parentheses: show what the function takes.
  if (const std::string hint = CallHint(before); !hint.empty()) {
    WriteOut(absl::StrCat("\n", hint, "\n"));
    return CC_REDISPLAY;
  }
  size_t start = before.size();
  std::vector<std::string> words = completer_(before, &start);
  start = std::min(start, before.size());
  const std::string typed = before.substr(start);
  words.erase(std::remove_if(words.begin(), words.end(),
                             [&](const std::string& word) {
                               return word.compare(0, typed.size(), typed) != 0;
                             }),
              words.end());
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  if (words.empty()) return CC_REFRESH_BEEP;
  const std::string common = CommonPrefix(words);
  if (common.size() > typed.size()) {
    el_insertstr(el_, common.substr(typed.size()).c_str());
    return CC_REFRESH;
  }
  if (words.size() == 1) return CC_REFRESH;  // already complete
  std::vector<std::string> shown;
  for (const std::string& word : words) {
    std::string description = describe_ ? describe_(word) : "";
    shown.push_back(description.empty() ? word : std::move(description));
  }
  WriteOut(absl::StrCat("\n", Columns(shown)));
  return CC_REDISPLAY;
}

std::string LineEditor::CallHint(std::string_view before) const {
  if (!describe_ || before.empty() || before.back() != '(') return "";
  size_t start = before.size() - 1;
  while (start > 0 &&
         (std::isalnum(static_cast<unsigned char>(before[start - 1])) ||
          before[start - 1] == '_' || before[start - 1] == '.')) {
    --start;
  }
  if (start == before.size() - 1) return "";
  return describe_(before.substr(start, before.size() - 1 - start));
}

}  // namespace duet::cli
