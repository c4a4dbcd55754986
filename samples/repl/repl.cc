#include "repl.h"

#include <langinfo.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <clocale>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "duet/duet.h"
#include "duet/tools/bench.h"
#include "duet/tools/check.h"
#include "duet/tools/fuzz.h"
#include "duet/tools/stubs.h"
#include "interrupt.h"
#include "line_editor.h"
#include "literal.h"
#include "output.h"
#include "session.h"

namespace duet::cli {
namespace {

struct MetaCommand {
  const char* name;
  const char* usage;
  const char* summary;
  const char* details;  // for :help NAME
};

constexpr MetaCommand kMetaCommands[] = {
    {":help", ":help [COMMAND]", "this list, or one command in detail",
     "Without a command: every meta-command. :help use, :help :bench ..."},
    {":list", ":list", "modules, implementations, the active one",
     "One row per module: the active implementation, the languages it is\n"
     "written in and its functions."},
    {":use", ":use MODULE [LANGUAGE]",
     "show or switch a module's implementation",
     "Makes LANGUAGE the module's active implementation for every caller,\n"
     "scripts included. Each implementation keeps its own state. Without\n"
     "LANGUAGE, shows the active one. Example: :use greeter js"},
    {":lang", ":lang [LANGUAGE]", "show or switch the evaluation language",
     "python (py) or javascript (js). Each language keeps its own globals."},
    {":load", ":load DIR", "load more plugins",
     "Loads every plugin in DIR, or DIR itself when it is one plugin (a\n"
     "folder with plugin.toml, or a single .py / .js file)."},
    {":reload", ":reload MODULE", "re-read a module's files",
     "Re-reads plugin.toml and every implementation of MODULE; calls that\n"
     "start afterwards use the new code. State kept by the old code is lost.\n"
     "On an error the old version stays."},
    {":time", ":time EXPR", "evaluate and show how long it took",
     "Evaluates EXPR in the current language, prints the result and the\n"
     "wall-clock time. For a steady measurement use :bench."},
    {":compare", ":compare MODULE.FN(ARGS...)",
     "run in every implementation, side by side",
     "Calls the function once in each implementation, whichever is active,\n"
     "and shows each result, whether they agree (by value: 3 equals 3.0)\n"
     "and how long each call took. ARGS are literals in JSON, Python or\n"
     "JavaScript spelling: :compare textstats.top_words('a b a', 2)"},
    {":bench", ":bench MODULE.FN(ARGS...)", "time every implementation",
     "Like `duet bench`, for 0.3 s per implementation: calls per second,\n"
     "median, p10 and p90 per call, the ratio between languages, and the\n"
     "cost of a call through duet that does nothing. Ctrl-C stops it."},
    {":check", ":check [MODULE...]", "run the [[examples]] of plugin.toml",
     "Runs each [[examples]] entry against every implementation, as\n"
     "`duet check` does."},
    {":quit", ":quit", "leave (also Ctrl-D)", "Also :q and :exit."},
};

const MetaCommand* FindMeta(std::string_view name) {
  std::string full = name.empty() || name[0] == ':' ? std::string(name)
                                                    : ":" + std::string(name);
  if (full == ":q" || full == ":exit") full = ":quit";
  if (full == ":h" || full == ":?") full = ":help";
  if (full == ":ls") full = ":list";
  for (const MetaCommand& meta : kMetaCommands) {
    if (full == meta.name) return &meta;
  }
  return nullptr;
}

std::string MetaHelp() {
  std::vector<std::vector<std::string>> rows;
  for (const MetaCommand& meta : kMetaCommands) {
    rows.push_back({meta.usage, meta.summary});
  }
  return Table(rows) +
         "Every module is a global: greeter.greet(\"world\"). Tab completes.\n";
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() &&
         std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() &&
         std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' ||
         (static_cast<unsigned char>(c) & 0x80);
}

// ---------------------------------------------------------------------------
// Where lines come from: the line editor on a terminal, stdin when piped.

class LineSource {
 public:
  virtual ~LineSource() = default;
  virtual LineEditor::Input Read(const std::string& prompt) = 0;
  virtual void Remember(const std::string& line) {}
};

class PipeSource : public LineSource {
 public:
  LineEditor::Input Read(const std::string&) override {
    LineEditor::Input input;
    if (!std::getline(std::cin, input.text)) return input;
    if (!input.text.empty() && input.text.back() == '\r') {
      input.text.pop_back();
    }
    input.kind = LineEditor::Input::kLine;
    return input;
  }
};

class EditorSource : public LineSource {
 public:
  EditorSource(std::string history, Completer completer, Describer describe,
               InterruptWatcher& watcher)
      : editor_(std::move(history), std::move(completer), std::move(describe)),
        watcher_(watcher) {}
  LineEditor::Input Read(const std::string& prompt) override {
    watcher_.EnterPrompt();
    LineEditor::Input input = editor_.Read(prompt);
    watcher_.LeavePrompt();
    return input;
  }
  void Remember(const std::string& line) override { editor_.Remember(line); }

 private:
  LineEditor editor_;
  InterruptWatcher& watcher_;
};

// ---------------------------------------------------------------------------

class Repl {
 public:
  Repl(Session& session, Language language, bool interactive,
       InterruptWatcher* watcher)
      : host_(*session.host),
        language_(language),
        interactive_(interactive),
        watcher_(watcher),
        colour_(interactive && ColourWanted(STDOUT_FILENO)),
        error_colour_(interactive && ColourWanted(STDERR_FILENO)) {}

  int Run(LineSource& source) {
    if (interactive_) {
      WriteOut(absl::StrCat("duet ", DUET_VERSION, " - evaluating ",
                            NameOf(language_),
                            ". :help for help, :quit to leave.\n"));
    }
    std::string buffer;  // an unfinished input, each line ending in '\n'
    int blank_lines = 0;
    while (true) {
      const std::string prompt = !interactive_                    ? ""
                                 : !buffer.empty()                ? "... "
                                 : language_ == Language::kPython ? "py> "
                                                                  : "js> ";
      LineEditor::Input input = source.Read(prompt);
      if (input.kind == LineEditor::Input::kEnd) {
        if (!buffer.empty()) Evaluate(buffer);
        if (interactive_) WriteOut("\n");
        break;
      }
      if (input.kind == LineEditor::Input::kInterrupted) {
        if (buffer.empty() && Trim(input.text).empty()) {
          WriteOut("(To leave, press Ctrl-D or type :quit)\n");
        }
        buffer.clear();
        blank_lines = 0;
        continue;
      }
      const std::string& line = input.text;
      const bool blank = Trim(line).empty();
      if (buffer.empty()) {
        if (blank) continue;
        source.Remember(line);
        std::string_view trimmed = Trim(line);
        if (trimmed.front() == ':') {
          if (!Meta(trimmed)) break;
          if (stop_on_error_ && had_error_) break;
          continue;
        }
      } else if (!blank) {
        source.Remember(line);
      }
      absl::StrAppend(&buffer, line, "\n");
      blank_lines = blank ? blank_lines + 1 : 0;
      // The engine's parser decides; two blank lines in a row give up on
      // an input that would otherwise never end (an open string).
      if (blank_lines < 2 && IsIncomplete(buffer)) continue;
      Evaluate(buffer);
      buffer.clear();
      blank_lines = 0;
      if (stop_on_error_ && had_error_) break;
    }
    return had_error_ ? kExitFailure : kExitOk;
  }

  // Run returns at the first input that fails (duet repl --stop-on-error).
  void StopOnError() { stop_on_error_ = true; }

  // Tab completion; see line_editor.h.
  std::vector<std::string> Complete(std::string_view before, size_t* start) {
    const size_t first = before.find_first_not_of(" \t");
    if (first != std::string_view::npos && before[first] == ':') {
      return CompleteMeta(before, first, start);
    }
    return CompleteExpression(before, start);
  }

  // "module.function(int) -> int" for a completion naming a module's
  // function ("module.function" or "module.function("), else "".
  std::string Describe(std::string_view word) const {
    if (!word.empty() && word.back() == '(') word.remove_suffix(1);
    const size_t dot = word.rfind('.');
    if (dot == std::string_view::npos) return "";
    absl::StatusOr<ModuleInfo> module =
        host_.GetModule(std::string(word.substr(0, dot)));
    if (!module.ok()) return "";
    const std::string_view function = word.substr(dot + 1);
    for (const tools::FunctionSignature& signature :
         tools::ModuleSignatures(*module)) {
      if (signature.name == function) {
        // "async wait(int) -> int" becomes "async timers.wait(int) -> int".
        std::string text = tools::DeclaredSignature(signature);
        const size_t name_at = text.find(signature.name);
        return text.insert(name_at,
                           absl::StrCat(std::string(word.substr(0, dot)), "."));
      }
    }
    return "";
  }

 private:
  // ---- evaluating -----------------------------------------------------------

  // The console of the language being evaluated, opened on first use and
  // kept, so switching languages and back keeps each one's globals.
  absl::StatusOr<ReplConsole*> Console() {
    std::unique_ptr<ReplConsole>& console = consoles_[language_];
    if (console == nullptr) {
      absl::StatusOr<std::unique_ptr<ReplConsole>> opened =
          host_.OpenRepl(language_);
      if (!opened.ok()) return opened.status();
      console = *std::move(opened);
    }
    return console.get();
  }

  absl::StatusOr<std::string> EvaluateInConsole(const std::string& code) {
    absl::StatusOr<ReplConsole*> console = Console();
    if (!console.ok()) return console.status();
    return (*console)->Evaluate(code);
  }

  bool IsIncomplete(const std::string& code) {
    absl::StatusOr<ReplConsole*> console = Console();
    return console.ok() && (*console)->IsIncomplete(code);
  }

  // Runs `work` as code the user may stop with Ctrl-C.
  template <typename Work>
  bool Running(Work work) {
    if (watcher_ != nullptr && !watcher_->BeginRun()) {
      // After the terminal's own "^C".
      Fail("\n" + Paint("Interrupted", Style::kRed, error_colour_) +
           " before it started");
      return false;
    }
    work();
    if (watcher_ != nullptr) {
      watcher_->EndRun();
      // Ctrl-C leaves the terminal's "^C" at the end of the line.
      if (watcher_->interrupted()) WriteErr("\n");
    }
    return true;
  }

  const std::atomic<bool>* StopFlag() const {
    return watcher_ != nullptr ? watcher_->stop_flag() : nullptr;
  }

  void Evaluate(const std::string& input) {
    if (!IsValidUtf8(input)) return Fail("input is not valid UTF-8");
    absl::StatusOr<std::string> result;
    Running([&] { result = EvaluateInConsole(input); });
    Report(result);
  }

  void Report(const absl::StatusOr<std::string>& result) {
    if (!result.ok()) return ReportError(result.status());
    if (!result->empty()) {
      std::string text = HighlightResult(*result, colour_);
      if (text.back() != '\n') text += '\n';
      WriteOut(text);
    }
  }

  void ReportError(const absl::Status& status) {
    had_error_ = true;
    std::string report;
    if (absl::IsCancelled(status) && !GetScriptError(status)) {
      report = Paint("Interrupted", Style::kRed, error_colour_);
    } else {
      report = FormatScriptError(status, error_colour_);
    }
    if (report.empty() || report.back() != '\n') report += '\n';
    WriteErr(report);
  }

  void Fail(std::string_view message) {
    had_error_ = true;
    WriteErr(absl::StrCat(std::string(message), "\n"));
  }

  // ---- meta-commands --------------------------------------------------------

  // Runs a meta-command; false to leave the REPL.
  bool Meta(std::string_view input) {
    const size_t space = input.find_first_of(" \t");
    const std::string name(input.substr(0, space));
    const std::string rest(
        space == std::string_view::npos ? "" : Trim(input.substr(space)));
    std::vector<std::string> args =
        absl::StrSplit(absl::string_view(rest.data(), rest.size()),
                       absl::ByAnyChar(" \t"), absl::SkipEmpty());
    const MetaCommand* meta = FindMeta(name);
    if (meta == nullptr) {
      Fail(absl::StrCat("unknown command '", name, "' (try :help)"));
      return true;
    }
    const std::string command = meta->name;
    if (command == ":quit") return false;
    if (command == ":help") {
      Help(args);
    } else if (command == ":list") {
      // The listing shows exports, which a plugin has once started; one
      // that fails to start is logged (once) by the host.
      host_.StartAll();
      std::vector<ModuleInfo> modules;
      for (ModuleInfo& module : host_.ListModules()) {
        if (!tools::IsInternalModule(module.name)) modules.push_back(module);
      }
      WriteOut(ModulesTable(modules));
    } else if (command == ":lang") {
      Lang(args);
    } else if (command == ":use") {
      Use(args);
    } else if (command == ":load") {
      Load(rest);
    } else if (command == ":reload") {
      Reload(args);
    } else if (command == ":time") {
      Time(rest);
    } else if (command == ":compare") {
      Compare(rest);
    } else if (command == ":bench") {
      Bench(rest);
    } else if (command == ":check") {
      Check(args);
    }
    return true;
  }

  void Help(const std::vector<std::string>& args) {
    if (args.empty()) return WriteOut(MetaHelp());
    const MetaCommand* meta = FindMeta(args[0]);
    if (meta == nullptr) {
      return Fail(absl::StrCat("no command '", args[0], "' (try :help)"));
    }
    WriteOut(absl::StrCat("usage: ", meta->usage, "\n", meta->details, "\n"));
  }

  void Lang(const std::vector<std::string>& args) {
    if (args.size() > 1) return Fail("usage: :lang python|javascript");
    if (!args.empty()) {
      std::optional<Language> language = ParseLanguage(args[0]);
      if (!language) {
        return Fail(absl::StrCat("unknown language '", args[0],
                                 "' (expected python, py, javascript or js)"));
      }
      language_ = *language;
    }
    WriteOut(absl::StrCat("evaluating ", NameOf(language_), "\n"));
  }

  void Use(const std::vector<std::string>& args) {
    if (args.size() == 1) {  // :use MODULE shows the active one
      absl::StatusOr<ModuleInfo> module = host_.GetModule(args[0]);
      if (!module.ok()) return Fail(OneLine(module.status()));
      WriteOut(
          absl::StrCat(module->name, " uses ", NameOf(module->active), "\n"));
      return;
    }
    if (args.size() != 2) return Fail("usage: :use MODULE python|javascript");
    std::optional<Language> language = ParseLanguage(args[1]);
    if (!language) {
      return Fail(absl::StrCat("unknown language '", args[1],
                               "' (expected python, py, javascript or js)"));
    }
    if (absl::Status status = host_.Use(args[0], *language); !status.ok()) {
      return Fail(OneLine(status));
    }
    WriteOut(absl::StrCat(args[0], " now uses ", NameOf(*language), "\n"));
  }

  void Load(const std::string& dir) {
    if (dir.empty()) return Fail("usage: :load DIR");
    std::error_code error;
    const std::filesystem::path path(dir);
    if (!std::filesystem::exists(path, error)) {
      return Fail(absl::StrCat("no such file or directory: ", dir));
    }
    std::vector<std::string> loaded;
    if (!std::filesystem::is_directory(path, error) ||
        std::filesystem::exists(path / "plugin.toml", error)) {
      absl::StatusOr<std::string> name = host_.LoadPlugin(path);
      if (!name.ok()) return Fail(OneLine(name.status()));
      loaded.push_back(*name);
    } else {
      absl::StatusOr<LoadReport> report = host_.LoadPlugins(path);
      if (!report.ok()) return Fail(OneLine(report.status()));
      for (const PluginProblem& problem : report->problems) {
        Fail(ProblemLine(problem));
      }
      loaded = report->loaded;
    }
    WriteOut(loaded.empty()
                 ? std::string("no new modules\n")
                 : absl::StrCat("loaded ", absl::StrJoin(loaded, ", "), "\n"));
  }

  void Reload(const std::vector<std::string>& args) {
    if (args.size() != 1) return Fail("usage: :reload MODULE");
    if (absl::Status status = host_.Reload(args[0]); !status.ok()) {
      return Fail(OneLine(status));
    }
    absl::StatusOr<ModuleInfo> module = host_.GetModule(args[0]);
    WriteOut(absl::StrCat(
        "reloaded ", args[0],
        module.ok() ? absl::StrCat(" (", NameOf(module->active), " active)")
                    : "",
        "\n"));
  }

  void Time(const std::string& code) {
    if (code.empty()) return Fail("usage: :time EXPR");
    if (!IsValidUtf8(code)) return Fail("input is not valid UTF-8");
    absl::StatusOr<std::string> result;
    double seconds = 0;
    Running([&] {
      const auto start = std::chrono::steady_clock::now();
      result = EvaluateInConsole(code);
      seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                              start)
                    .count();
    });
    Report(result);
    WriteOut(Paint(absl::StrCat("time: ", FormatSeconds(seconds), "\n"),
                   Style::kDim, colour_));
  }

  absl::StatusOr<CallExpression> ParseCall(const std::string& text,
                                           const char* usage) {
    if (text.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("usage: ", usage));
    }
    absl::StatusOr<CallExpression> call = ParseCallExpression(text);
    if (!call.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(call.status().message(), "; usage: ", usage));
    }
    return call;
  }

  void Compare(const std::string& text) {
    absl::StatusOr<CallExpression> call =
        ParseCall(text, ":compare MODULE.FN(ARGS...)");
    if (!call.ok()) return Fail(std::string(call.status().message()));
    absl::StatusOr<ModuleInfo> module = host_.GetModule(call->module);
    if (!module.ok()) return Fail(OneLine(module.status()));
    struct Outcome {
      Language language;
      absl::StatusOr<Value> result;
      double seconds = 0;
    };
    std::vector<Outcome> outcomes;
    Running([&] {
      for (const ImplementationInfo& impl : module->implementations) {
        if (watcher_ != nullptr && watcher_->interrupted()) break;
        const auto start = std::chrono::steady_clock::now();
        absl::StatusOr<Value> result =
            host_.Call(call->module, call->function, call->args,
                       {std::nullopt, impl.language});
        const double seconds = std::chrono::duration<double>(
                                   std::chrono::steady_clock::now() - start)
                                   .count();
        outcomes.push_back({impl.language, std::move(result), seconds});
      }
    });
    std::vector<std::vector<std::string>> rows = {
        {"LANGUAGE", "RESULT", "TIME"}};
    for (const Outcome& outcome : outcomes) {
      rows.push_back(
          {NameOf(outcome.language),
           outcome.result.ok()
               ? ShortJson(*outcome.result, 70)
               : absl::StrCat("error: ", OneLine(outcome.result.status())),
           FormatSeconds(outcome.seconds)});
    }
    WriteOut(Table(rows, {2}));
    if (outcomes.size() < 2) {
      if (module->implementations.size() < 2) {
        WriteOut(absl::StrCat(call->module,
                              " has one implementation: nothing to compare\n"));
      }
      return;
    }
    bool agree = true;
    for (size_t i = 1; i < outcomes.size(); ++i) {
      agree =
          agree && tools::ResultsAgree(outcomes[0].result, outcomes[i].result);
    }
    const Outcome* fast = &outcomes[0];
    const Outcome* slow = &outcomes[0];
    for (const Outcome& outcome : outcomes) {
      if (outcome.seconds < fast->seconds) fast = &outcome;
      if (outcome.seconds > slow->seconds) slow = &outcome;
    }
    char ratio[32];
    std::snprintf(ratio, sizeof ratio, "%.2fx",
                  slow->seconds / std::max(fast->seconds, 1e-12));
    // One call each, since a call may change state; a first call also pays
    // for compiling, so the times are a hint and :bench the measurement.
    WriteOut(absl::StrCat(agree ? Paint("agree", Style::kGreen, colour_)
                                : Paint("DISAGREE", Style::kRed, colour_),
                          "; this call took ", ratio, " longer in ",
                          NameOf(slow->language), " (one call each; :bench ",
                          call->module, ".", call->function,
                          "(...) to measure)\n"));
    if (!agree) had_error_ = true;
  }

  void Bench(const std::string& text) {
    absl::StatusOr<CallExpression> call =
        ParseCall(text, ":bench MODULE.FN(ARGS...)");
    if (!call.ok()) return Fail(std::string(call.status().message()));
    tools::BenchOptions options;
    options.seconds = 0.3;
    options.stop = StopFlag();
    absl::StatusOr<tools::BenchReport> report;
    Running([&] {
      report = tools::RunBenchmark(host_, call->module, call->function,
                                   call->args, options);
    });
    if (!report.ok()) {
      if (absl::IsCancelled(report.status())) {
        return Fail(Paint("Interrupted", Style::kRed, error_colour_));
      }
      return Fail(std::string(report.status().message()));
    }
    WriteOut(tools::BenchText(*report, colour_));
  }

  void Check(const std::vector<std::string>& names) {
    absl::StatusOr<std::vector<ModuleInfo>> modules =
        tools::SelectModules(host_, names);
    if (!modules.ok()) return Fail(OneLine(modules.status()));
    tools::CheckTable table(*modules, colour_);
    WriteOut(table.Header());
    tools::CheckReport report;
    Running([&] {
      report = tools::RunExamples(
          host_, *modules,
          [&](const tools::ExampleOutcome& outcome) {
            WriteOut(table.Row(outcome));
          },
          StopFlag());
    });
    WriteOut(tools::CheckTable::Summary(report, {}));
    if (report.failed > 0) had_error_ = true;
  }

  // ---- completion -----------------------------------------------------------

  std::vector<std::string> ModuleNames() const {
    std::vector<std::string> names;
    for (const ModuleInfo& module : host_.ListModules()) {
      if (!tools::IsInternalModule(module.name)) names.push_back(module.name);
    }
    return names;
  }

  // Functions of `module` in any implementation.
  std::vector<std::string> FunctionsOf(const std::string& module) const {
    std::set<std::string> names;
    if (absl::StatusOr<ModuleInfo> info = host_.GetModule(module); info.ok()) {
      for (const ImplementationInfo& impl : info->implementations) {
        names.insert(impl.exports.begin(), impl.exports.end());
      }
    }
    return {names.begin(), names.end()};
  }

  // module / module.function, for :compare and :bench.
  std::vector<std::string> CompleteCallName(std::string_view word) const {
    std::vector<std::string> out;
    const size_t dot = word.find('.');
    if (dot == std::string_view::npos) {
      for (const std::string& name : ModuleNames()) out.push_back(name + ".");
      return out;
    }
    const std::string module(word.substr(0, dot));
    for (const std::string& function : FunctionsOf(module)) {
      out.push_back(absl::StrCat(module, ".", function, "("));
    }
    return out;
  }

  std::vector<std::string> CompleteMeta(std::string_view before, size_t first,
                                        size_t* start) {
    const size_t space = before.find_first_of(" \t", first);
    if (space == std::string_view::npos) {  // the command itself
      *start = first;
      std::vector<std::string> out;
      for (const MetaCommand& meta : kMetaCommands) {
        const bool takes_args = std::strchr(meta.usage, ' ') != nullptr;
        out.push_back(absl::StrCat(meta.name, takes_args ? " " : ""));
      }
      return out;
    }
    const MetaCommand* meta = FindMeta(before.substr(first, space - first));
    if (meta == nullptr) return {};
    const std::string command = meta->name;
    // The word being typed, and how many came before it.
    size_t word_start = before.size();
    while (word_start > space && before[word_start - 1] != ' ' &&
           before[word_start - 1] != '\t') {
      --word_start;
    }
    *start = word_start;
    std::vector<std::string> done = absl::StrSplit(
        absl::string_view(before.data() + space, word_start - space),
        absl::ByAnyChar(" \t"), absl::SkipEmpty());
    const std::string_view word = before.substr(word_start);
    std::vector<std::string> out;
    if (command == ":help") {
      for (const MetaCommand& m : kMetaCommands) out.push_back(m.name + 1);
    } else if (command == ":lang" && done.empty()) {
      out = {"python", "javascript"};
    } else if (command == ":use" && done.empty()) {
      for (const std::string& name : ModuleNames()) out.push_back(name + " ");
    } else if (command == ":use" && done.size() == 1) {
      if (absl::StatusOr<ModuleInfo> module = host_.GetModule(done[0]);
          module.ok()) {
        for (const ImplementationInfo& impl : module->implementations) {
          out.push_back(NameOf(impl.language));
        }
      }
    } else if (command == ":reload" || command == ":check") {
      out = ModuleNames();
    } else if ((command == ":compare" || command == ":bench") && done.empty()) {
      out = CompleteCallName(word);
    } else if (command == ":time") {
      return CompleteExpression(before, start);
    } else if (command == ":load") {
      out = CompleteDirectory(word);
    }
    return out;
  }

  static std::vector<std::string> CompleteDirectory(std::string_view word) {
    std::vector<std::string> out;
    const std::string text(word);
    const size_t slash = text.rfind('/');
    const std::string dir =
        slash == std::string::npos ? "." : text.substr(0, slash + 1);
    const std::string prefix =
        slash == std::string::npos ? "" : text.substr(0, slash + 1);
    std::error_code error;
    for (std::filesystem::directory_iterator it(dir, error), end;
         !error && it != end; it.increment(error)) {
      const std::string name = it->path().filename().string();
      if (name.empty() || name[0] == '.') continue;
      if (it->is_directory(error)) {
        out.push_back(prefix + name + "/");
      } else if (it->path().extension() == ".py" ||
                 it->path().extension() == ".js") {
        out.push_back(prefix + name);
      }
    }
    return out;
  }

  std::vector<std::string> CompleteExpression(std::string_view before,
                                              size_t* start) {
    size_t word_start = before.size();
    while (word_start > 0 && (IsNameChar(before[word_start - 1]) ||
                              before[word_start - 1] == '.')) {
      --word_start;
    }
    *start = word_start;
    const std::string_view word = before.substr(word_start);
    // An empty word: every module, which the engine does not offer.
    if (word.empty()) return ModuleNames();
    // The engine's completions cover modules and their functions (they are
    // its globals) as well as the language's own names.
    absl::StatusOr<ReplConsole*> console = Console();
    if (!console.ok()) return {};
    std::vector<std::string> out;
    for (std::string& name : (*console)->Complete(before)) {
      const std::string_view first = std::string_view(name).substr(
          0, std::min(name.find('.'), name.size()));
      if (!tools::IsInternalModule(first)) out.push_back(std::move(name));
    }
    return out;
  }

  Host& host_;
  Language language_;
  std::map<Language, std::unique_ptr<ReplConsole>> consoles_;
  const bool interactive_;
  InterruptWatcher* watcher_;  // null when piped
  const bool colour_;
  const bool error_colour_;
  bool had_error_ = false;
  bool stop_on_error_ = false;
};

// libedit and the engines need a UTF-8 character type to edit and print
// non-ASCII text; only LC_CTYPE, since LC_NUMERIC would change how numbers
// print.
void UseUtf8Locale() {
  std::setlocale(LC_CTYPE, "");
  const char* codeset = nl_langinfo(CODESET);
  if (codeset == nullptr || std::strcmp(codeset, "UTF-8") != 0) {
    if (std::setlocale(LC_CTYPE, "C.UTF-8") == nullptr) {
      std::setlocale(LC_CTYPE, "C.utf8");
    }
  }
}

// duet repl --runtime: `runtime` becomes active in every module that has
// it; the others are named on stderr and keep theirs.
void UseEverywhere(Host& host, Language runtime) {
  for (const ModuleInfo& module : host.ListModules()) {
    if (tools::IsInternalModule(module.name)) continue;
    const bool has_it = std::any_of(module.implementations.begin(),
                                    module.implementations.end(),
                                    [&](const ImplementationInfo& impl) {
                                      return impl.language == runtime;
                                    });
    absl::Status status =
        has_it ? host.Use(module.name, runtime)
               : absl::NotFoundError(absl::StrCat(
                     module.name, " has no ", NameOf(runtime),
                     " implementation; it stays on ", NameOf(module.active)));
    if (!status.ok()) PrintError("warning: " + OneLine(status));
  }
}

}  // namespace

int RunRepl(const CommandLine& command_line) {
  if (!command_line.args.empty()) {
    PrintError(absl::StrCat("repl takes no arguments, got '",
                            command_line.args[0], "'"));
    WriteErr("Run 'duet help repl' for usage.\n");
    return kExitUsage;
  }
  const bool interactive = isatty(STDIN_FILENO) == 1;
  // Before any engine starts a thread: they all inherit the blocked SIGINT,
  // and only the watcher takes it.
  if (interactive) InterruptWatcher::BlockInterrupts();

  int exit_code = kExitOk;
  std::optional<Session> session =
      OpenSession(command_line, PluginOutput::kStdout, &exit_code);
  if (!session) return exit_code;

  if (command_line.runtime)
    UseEverywhere(*session->host, *command_line.runtime);
  const Language language = command_line.lang.value_or(Language::kPython);
  if (!interactive) {
    PipeSource source;
    Repl repl(*session, language, false, nullptr);
    if (command_line.stop_on_error) repl.StopOnError();
    const int result = repl.Run(source);
    return command_line.exit_zero ? kExitOk : result;
  }
  UseUtf8Locale();
  int result = kExitOk;
  {
    InterruptWatcher watcher(*session->host);
    Repl repl(*session, language, true, &watcher);
    EditorSource source(
        HistoryPath(),
        [&repl](std::string_view before, size_t* start) {
          return repl.Complete(before, start);
        },
        [&repl](std::string_view word) { return repl.Describe(word); },
        watcher);
    result = repl.Run(source);
  }
  // Interactive sessions end with 0 even after errors: they were shown.
  (void)result;
  return kExitOk;
}

}  // namespace duet::cli
