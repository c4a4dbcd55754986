#include "repl.h"

// libedit's readline emulation (never GNU readline).
#include <editline/readline.h>
#include <signal.h>
#include <unistd.h>

#include <cctype>
#include <clocale>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "duet/duet.h"
#include "output.h"
#include "session.h"

namespace duet::cli {
namespace {

constexpr char kMetaHelp[] =
    ":help                  this list\n"
    ":list                  modules, implementations, the active one\n"
    ":use MODULE LANGUAGE   switch a module's implementation "
    "(e.g. :use greeter js)\n"
    ":lang LANGUAGE         evaluate in python or javascript (py, js)\n"
    ":quit                  leave (also Ctrl-D)\n"
    "Every module is a global: greeter.greet(\"world\")\n";

std::string_view Trim(std::string_view text) {
  while (!text.empty() &&
         std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return text;
}

// ---------------------------------------------------------------------------
// Reading lines: libedit on a terminal, plain getline when piped.

class LineReader {
 public:
  virtual ~LineReader() = default;
  // nullopt at end of input.
  virtual std::optional<std::string> Read(const std::string& prompt) = 0;
  virtual void Remember(const std::string& line) {}
  // Whether the last Read was cut short by Ctrl-C (it then returned "").
  virtual bool interrupted() const { return false; }
};

// Ctrl-C at the prompt abandons the line, as in Python's and node's REPLs.
// While code runs it ends duet: the public API has no way to interrupt an
// engine, so this is the way out of a runaway loop.
volatile std::sig_atomic_t at_prompt = 0;
volatile std::sig_atomic_t interrupted_at_prompt = 0;

void OnInterrupt(int signal_number) {
  if (at_prompt) {
    interrupted_at_prompt = 1;
    return;
  }
  static constexpr char kMessage[] = "\nduet: interrupted\n";
  (void)!write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

class PipeReader : public LineReader {
 public:
  std::optional<std::string> Read(const std::string&) override {
    std::string line;
    if (!std::getline(std::cin, line)) return std::nullopt;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }
};

// Tab completion over meta-commands, module names and module.function.
std::vector<std::string>& CompletionWords() {
  static auto* words = new std::vector<std::string>;
  return *words;
}

char* CompletionGenerator(const char* text, int state) {
  static size_t next = 0;
  if (state == 0) next = 0;
  const std::vector<std::string>& words = CompletionWords();
  const size_t length = std::strlen(text);
  while (next < words.size()) {
    const std::string& word = words[next++];
    if (word.compare(0, length, text) == 0) return strdup(word.c_str());
  }
  return nullptr;
}

char** Complete(const char* text, int start, int end) {
  rl_attempted_completion_over = 1;  // no file-name fallback
  return rl_completion_matches(text, CompletionGenerator);
}

class EditLineReader : public LineReader {
 public:
  explicit EditLineReader(std::string history_path)
      : history_path_(std::move(history_path)) {
    struct sigaction action = {};
    action.sa_handler = OnInterrupt;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: Ctrl-C must end the read
    sigaction(SIGINT, &action, nullptr);
    rl_readline_name = "duet";
    rl_attempted_completion_function = Complete;
    using_history();
    stifle_history(1000);
    if (!history_path_.empty()) {
      std::error_code error;
      std::filesystem::create_directories(
          std::filesystem::path(history_path_).parent_path(), error);
      read_history(history_path_.c_str());
    }
  }

  std::optional<std::string> Read(const std::string& prompt) override {
    interrupted_at_prompt = 0;
    at_prompt = 1;
    char* raw = readline(prompt.c_str());
    at_prompt = 0;
    interrupted_ = interrupted_at_prompt != 0;
    if (interrupted_) {
      std::free(raw);
      WriteOut("\n");
      return std::string();
    }
    if (raw == nullptr) return std::nullopt;
    std::string line(raw);
    std::free(raw);
    return line;
  }

  bool interrupted() const override { return interrupted_; }

  void Remember(const std::string& line) override {
    if (Trim(line).empty() || line == last_) return;
    last_ = line;
    add_history(line.c_str());
    // Written each time, so a killed session keeps its history.
    if (!history_path_.empty()) write_history(history_path_.c_str());
  }

 private:
  std::string history_path_;
  std::string last_;
  bool interrupted_ = false;
};

// $DUET_HISTORY (empty: none), else $XDG_STATE_HOME/duet/history, else
// ~/.local/state/duet/history.
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

// ---------------------------------------------------------------------------
// Deciding when an input is complete.

// Whether the engine rejected `status`'s input only because it ended early
// (an open bracket or string), so the next line should be appended.
bool EndedEarly(const absl::Status& status) {
  std::optional<ScriptError> error = GetScriptError(status);
  if (!error || error->type != "SyntaxError") return false;
  static constexpr const char* kSignals[] = {
      "was never closed",           "unexpected EOF",
      "incomplete input",           "expected an indented block",
      "unterminated triple-quoted", "Unexpected end of input",
      "Unterminated template",
  };
  for (const char* signal : kSignals) {
    if (error->message.find(signal) != std::string::npos) return true;
  }
  return false;
}

// A Python compound statement (def, for, if, with, a decorator ...) is read
// up to a blank line, as Python's own REPL does.
bool OpensPythonBlock(std::string_view input) {
  std::string_view first = input.substr(0, input.find('\n'));
  first = Trim(first);
  if (first.empty()) return false;
  if (first.front() == '@') return true;
  if (size_t hash = first.find('#'); hash != std::string_view::npos) {
    first = Trim(first.substr(0, hash));
  }
  return !first.empty() && first.back() == ':';
}

// ---------------------------------------------------------------------------

class Repl {
 public:
  Repl(Session& session, Language language, bool interactive)
      : session_(session), language_(language), interactive_(interactive) {}

  int Run(LineReader& reader) {
    if (interactive_) {
      WriteOut(absl::StrCat("duet ", DUET_VERSION, " - evaluating ",
                            NameOf(language_),
                            ". :help for help, :quit to leave.\n"));
      RefreshCompletion();
    }
    std::string buffer;
    bool block = false;  // inside a Python compound statement
    while (true) {
      std::string prompt = !interactive_                    ? ""
                           : !buffer.empty()                ? "... "
                           : language_ == Language::kPython ? "py> "
                                                            : "js> ";
      std::optional<std::string> line = reader.Read(prompt);
      if (!line) {
        if (!buffer.empty()) Evaluate(buffer);
        if (interactive_) WriteOut("\n");
        break;
      }
      if (reader.interrupted()) {  // Ctrl-C: drop the unfinished input
        buffer.clear();
        block = false;
        continue;
      }
      reader.Remember(*line);
      if (buffer.empty()) {
        std::string_view trimmed = Trim(*line);
        if (trimmed.empty()) continue;
        if (trimmed.front() == ':') {
          if (!Meta(trimmed)) break;
          continue;
        }
        buffer = *line;
        block = language_ == Language::kPython && OpensPythonBlock(buffer);
        if (block) continue;
      } else if (Trim(*line).empty()) {
        // A blank line ends a block, or gives up on an unfinished input.
        Evaluate(buffer);
        buffer.clear();
        block = false;
        continue;
      } else {
        absl::StrAppend(&buffer, "\n", *line);
        if (block) continue;
      }
      if (!EvaluateOrWait(buffer)) buffer.clear();
    }
    return had_error_ ? kExitFailure : kExitOk;
  }

 private:
  // Evaluates; returns true (and reports nothing) when the input only needs
  // more lines.
  bool EvaluateOrWait(const std::string& input) {
    if (!IsValidUtf8(input)) {
      Fail("input is not valid UTF-8");
      return false;
    }
    absl::StatusOr<std::string> result =
        session_.host->Evaluate(language_, input);
    if (!result.ok() && EndedEarly(result.status())) return true;
    Report(result);
    return false;
  }

  void Evaluate(const std::string& input) {
    if (!IsValidUtf8(input)) {
      Fail("input is not valid UTF-8");
      return;
    }
    Report(session_.host->Evaluate(language_, input));
  }

  void Report(const absl::StatusOr<std::string>& result) {
    if (!result.ok()) {
      had_error_ = true;
      std::string report = FormatError(result.status());
      if (report.empty() || report.back() != '\n') report += '\n';
      WriteErr(report);
      return;
    }
    if (!result->empty()) {
      WriteOut(result->back() == '\n' ? *result : *result + "\n");
    }
  }

  void Fail(std::string_view message) {
    had_error_ = true;
    WriteErr(absl::StrCat(std::string(message), "\n"));
  }

  // Runs a meta-command; false to leave the REPL.
  bool Meta(std::string_view input) {
    std::vector<std::string> words =
        absl::StrSplit(absl::string_view(input.data(), input.size()),
                       absl::ByAnyChar(" \t"), absl::SkipEmpty());
    const std::string command = words[0];
    const size_t argc = words.size() - 1;
    if (command == ":quit" || command == ":q" || command == ":exit") {
      return false;
    }
    if (command == ":help" || command == ":h" || command == ":?") {
      WriteOut(kMetaHelp);
    } else if (command == ":list" || command == ":ls") {
      WriteOut(ModulesTable(session_.host->ListModules()));
    } else if (command == ":lang") {
      if (argc == 0) {
        WriteOut(absl::StrCat("evaluating ", NameOf(language_), "\n"));
      } else if (argc > 1) {
        Fail("usage: :lang python|javascript");
      } else if (std::optional<Language> language = ParseLanguage(words[1])) {
        language_ = *language;
        WriteOut(absl::StrCat("evaluating ", NameOf(language_), "\n"));
      } else {
        Fail(absl::StrCat("unknown language '", words[1],
                          "' (expected python, py, javascript or js)"));
      }
    } else if (command == ":use") {
      Use(words);
    } else {
      Fail(absl::StrCat("unknown command '", command, "' (try :help)"));
    }
    return true;
  }

  void Use(const std::vector<std::string>& words) {
    if (words.size() == 2) {  // :use MODULE shows the active one
      absl::StatusOr<ModuleInfo> module = session_.host->GetModule(words[1]);
      if (!module.ok()) return Fail(OneLine(module.status()));
      WriteOut(
          absl::StrCat(module->name, " uses ", NameOf(module->active), "\n"));
      return;
    }
    if (words.size() != 3) return Fail("usage: :use MODULE python|javascript");
    std::optional<Language> language = ParseLanguage(words[2]);
    if (!language) {
      return Fail(absl::StrCat("unknown language '", words[2],
                               "' (expected python, py, javascript or js)"));
    }
    if (absl::Status status = session_.host->Use(words[1], *language);
        !status.ok()) {
      return Fail(OneLine(status));
    }
    WriteOut(absl::StrCat(words[1], " now uses ", NameOf(*language), "\n"));
    RefreshCompletion();
  }

  void RefreshCompletion() {
    std::vector<std::string>& words = CompletionWords();
    words = {":help", ":list",  ":use",      ":lang",
             ":quit", "python", "javascript"};
    for (const ModuleInfo& module : session_.host->ListModules()) {
      words.push_back(module.name);
      for (const ImplementationInfo& impl : module.implementations) {
        if (impl.language != module.active) continue;
        for (const std::string& function : impl.exports) {
          words.push_back(absl::StrCat(module.name, ".", function));
        }
      }
    }
  }

  Session& session_;
  Language language_;
  const bool interactive_;
  bool had_error_ = false;
};

}  // namespace

int RunRepl(const CommandLine& command_line) {
  if (!command_line.args.empty()) {
    PrintError(absl::StrCat("repl takes no arguments, got '",
                            command_line.args[0], "'"));
    WriteErr("Run 'duet help repl' for usage.\n");
    return kExitUsage;
  }
  int exit_code = kExitOk;
  std::optional<Session> session =
      OpenSession(command_line, PluginOutput::kStdout, &exit_code);
  if (!session) return exit_code;

  const bool interactive = isatty(STDIN_FILENO) == 1;
  std::unique_ptr<LineReader> reader;
  if (interactive) {
    // libedit needs the locale's character type for UTF-8 editing. Only
    // LC_CTYPE: LC_NUMERIC would change how numbers print.
    std::setlocale(LC_CTYPE, "");
    reader = std::make_unique<EditLineReader>(HistoryPath());
  } else {
    reader = std::make_unique<PipeReader>();
  }
  Repl repl(*session, command_line.lang.value_or(Language::kPython),
            interactive);
  int result = repl.Run(*reader);
  // Interactive sessions end with 0 even after errors: they were shown.
  return interactive ? kExitOk : result;
}

}  // namespace duet::cli
