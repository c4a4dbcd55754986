#include "command_line.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace duet::cli {
namespace {

struct CommandSpec {
  const char* name;
  const char* summary;
  std::set<std::string> flags;  // options it takes besides the global ones
  const char* help;
};

const std::vector<CommandSpec>& Commands() {
  static const auto* commands = new std::vector<CommandSpec>{
      {"repl",
       "interactive prompt in Python or JavaScript",
       {"--lang", "--runtime", "--exit-zero", "--stop-on-error", "--watch"},
       "usage: duet repl [--plugins DIR]... [--lang python|javascript]\n"
       "                 [--runtime python|javascript] [--exit-zero | "
       "--stop-on-error]\n"
       "                 [--watch]\n"
       "\n"
       "--lang picks the language you type (as :lang does; default python);\n"
       "--runtime makes that implementation active in every module that has "
       "one\n(as :use does for each).\n"
       "\n"
       "Evaluates each input in the current language; every loaded module is "
       "a\nglobal there (greeter.greet(\"x\")). Meta-commands (:help COMMAND "
       "for more):\n"
       "  :help [COMMAND]          this list, or one command in detail\n"
       "  :list                    modules, implementations, the active one\n"
       "  :use MODULE [LANGUAGE]   show or switch a module's implementation\n"
       "  :lang [LANGUAGE]         show or switch the evaluation language\n"
       "  :load DIR                load more plugins\n"
       "  :reload MODULE           re-read a module's files\n"
       "  :time EXPR               evaluate and show how long it took\n"
       "  :compare MODULE.FN(ARGS) run in every implementation, side by side\n"
       "  :bench MODULE.FN(ARGS)   time every implementation\n"
       "  :check [MODULE]          run the [[examples]] of plugin.toml\n"
       "  :quit                    leave (also Ctrl-D)\n"
       "\n"
       "An unfinished input (an open bracket or string, a Python block) "
       "continues\non the next line, as the language's own parser decides; "
       "a blank line\nends a Python block. Tab completes meta-commands, "
       "module and function\nnames and the language's globals.\n"
       "\n"
       "Ctrl-C while something runs stops it (JavaScript is terminated, "
       "Python\ngets KeyboardInterrupt) and keeps the session; at the prompt "
       "it drops the\nline. Ctrl-D on an empty line leaves.\n"
       "\n"
       "On a terminal: line editing (libedit; ~/.editrc applies), colour "
       "unless\nNO_COLOR is set, and history in $DUET_HISTORY, else\n"
       "$XDG_STATE_HOME/duet/history, else ~/.local/state/duet/history;\n"
       "DUET_HISTORY= (empty) turns history off.\n"
       "\n"
       "--watch reloads a module when a file of its plugin changes (an "
       "editor's\nsave, a file in a subfolder; a burst of writes reloads "
       "once) and loads a\nplugin that appears in a --plugins directory. "
       "Each reload or failure is\none line on stderr (duet: info: reloaded "
       "counter (counter.js changed));\nafter a failure the old code keeps "
       "serving.\n"
       "\n"
       "Piped (stdin not a terminal): reads lines with no prompt, prints "
       "results\non stdout and errors on stderr, and goes on after an error. "
       "The exit\ncode is 1 when any input failed (an exception, a failed "
       ":check or a\n:compare that disagrees), else 0. --exit-zero exits 0 "
       "anyway (the errors\nare still printed); --stop-on-error stops at "
       "the first failing input,\nas a script would, and exits 1. A "
       "terminal session always exits 0.\n"},
      {"list",
       "modules, implementations, the active one, exports",
       {"--json"},
       "usage: duet list [--plugins DIR]... [--json]\n"
       "\n"
       "Prints one row per module: its active implementation, the languages "
       "it\nis implemented in and its exported functions. --json prints the "
       "same\n(plus versions, descriptions, files, each function's declared "
       "parameter\nand return types, and loading problems) as one JSON "
       "object.\n"},
      {"call",
       "call a function, print the result as JSON",
       {"--runtime", "--json"},
       "usage: duet call [--plugins DIR]... [--runtime python|javascript]\n"
       "                 MODULE.FUNCTION [JSON_ARG...]\n"
       "\n"
       "Each argument is one JSON value (quote strings for the shell:\n"
       "'\"world\"'). Prints the result as JSON on stdout (--json is "
       "accepted and\nchanges nothing). --runtime calls that implementation "
       "instead of the\nactive one. Plugin output goes to stderr. Exit code "
       "1 when the call fails\n(the error is on stderr). A plugin that "
       "failed to load is a warning.\n"
       "\n"
       "example: duet call greeter.greet '\"world\"'\n"},
      {"check",
       "do the implementations agree? examples, or random inputs (--fuzz)",
       {"--json", "--fuzz", "--seed", "--runtime"},
       "usage: duet check [--plugins DIR]... [--runtime python|javascript] "
       "[--json]\n"
       "                  [MODULE...]\n"
       "       duet check [--plugins DIR]... --fuzz N [--seed S] [--json] "
       "[MODULE...]\n"
       "\n"
       "Calls each [[examples]] entry of the modules' plugin.toml with every\n"
       "implementation (--runtime: with that one only) and compares the "
       "result\nwith `expect` by value (3 equals 3.0), or with "
       "expect_null, expect_bytes\nor the error `raises` names "
       "(docs/plugins.md). Prints a row per module,\nexample and language: "
       "pass or FAIL and what came back. Exit code 1 on\nany mismatch or "
       "error. A plugin that failed to load fails a run of every\nmodule; "
       "a run naming MODULEs judges those, and only warns about it.\n"
       "\n"
       "--fuzz N sends N random inputs, made from each function's declared\n"
       "[exports.NAME] params, to every implementation, and reports the "
       "first\ninput on which they disagree, shrunk to a small one. Both "
       "raising an\nerror counts as agreeing; one raising while the other "
       "returns does not.\nThe run is deterministic: the seed is printed, "
       "and --seed S picks another.\nExit code 1 when any function "
       "disagrees.\n"
       "--fuzz compares the implementations, so it takes no --runtime.\n"
       "\n"
       "--json prints one JSON object instead of the table.\n"},
      {"bench",
       "time each implementation on the same input",
       {"--seconds", "--json", "--svg", "--runtime"},
       "usage: duet bench [--plugins DIR]... [--seconds S] [--json] "
       "[--svg FILE]\n"
       "                  [--runtime python|javascript] MODULE.FUNCTION "
       "[JSON_ARG...]\n"
       "\n"
       "For each implementation (--runtime: that one only): one call, a "
       "warm-up,\nthen calls for S seconds (default 0.5); prints calls per "
       "second, the\nmedian, p10 and p90 time per call and how the "
       "languages compare. One is\ncalled faster only when the difference "
       "is outside the noise: a bootstrap\n95% interval of the ratio of "
       "medians lies above 1.05 (with under 20 calls,\nthe p10-p90 ranges "
       "do not overlap); else it says \"no clear difference\".\nThe line "
       "names the test and its numbers. It also times a "
       "no-op function,\ncalled through duet in each language with the same "
       "arguments (a tiny\nplugin built into duet, _duet_baseline), to show "
       "whether the function\nor the call itself dominates.\n"
       "\n"
       "--json prints the numbers as one JSON object; --svg FILE also draws "
       "them\nas a chart (median bars, p10-p90 whiskers, the no-op "
       "baseline).\n"
       "\n"
       "example: duet bench textstats.word_counts '\"the cat and the "
       "hat\"'\n"},
      {"stubs",
       "write TypeScript and Python stubs typed from [exports]",
       {"--out"},
       "usage: duet stubs [--plugins DIR]... --out DIR [MODULE...]\n"
       "\n"
       "Writes typed stubs for plugin code that calls the modules (all, or "
       "the\nMODULEs named), from their plugin.toml [exports.NAME] "
       "declarations;\nundeclared functions are typed any:\n"
       "  DIR/typescript/duet.d.ts, DIR/typescript/modules/MODULE.d.ts\n"
       "      the \"duet\" module JavaScript plugins import; add the folder "
       "to\n      tsconfig.json's \"include\"\n"
       "  DIR/python/duet/__init__.pyi, DIR/python/duet/_modules/MODULE.pyi\n"
       "      the `duet` module Python plugins import; put DIR/python on "
       "MYPYPATH\n"
       "Exit code 1 when a named module is not loaded or a file cannot be "
       "written.\n"
       "\n"
       "example: duet stubs --out stubs greeter counter\n"},
      {"help", "help for a command", {}, "usage: duet help [COMMAND]\n"},
  };
  return *commands;
}

const CommandSpec* FindCommand(std::string_view name) {
  for (const CommandSpec& spec : Commands()) {
    if (name == spec.name) return &spec;
  }
  return nullptr;
}

// "-5", "-0.5", "-Infinity", "-": JSON values or operands, not options.
bool LooksLikeOperand(std::string_view arg) {
  if (arg.size() < 2 || arg[0] != '-') return true;
  if (arg == "-Infinity") return true;
  return std::isdigit(static_cast<unsigned char>(arg[1])) || arg[1] == '.';
}

absl::Status UsageError(std::string message) {
  return absl::InvalidArgumentError(std::move(message));
}

}  // namespace

absl::StatusOr<CommandLine> ParseCommandLine(int argc, char** argv) {
  CommandLine out;
  const CommandSpec* spec = nullptr;
  bool only_operands = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (only_operands || LooksLikeOperand(arg)) {
      if (spec == nullptr) {
        spec = FindCommand(arg);
        if (spec == nullptr) {
          return UsageError(absl::StrCat("unknown command '", arg, "'"));
        }
        out.command = arg;
      } else {
        out.args.push_back(arg);
      }
      continue;
    }
    if (arg == "--") {
      only_operands = true;
      continue;
    }
    // --name=value or --name value.
    std::string name = arg;
    std::optional<std::string> inline_value;
    if (size_t eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      inline_value = arg.substr(eq + 1);
    }
    auto take_value = [&]() -> absl::StatusOr<std::string> {
      if (inline_value) return *inline_value;
      if (i + 1 >= argc) {
        return UsageError(absl::StrCat("option ", name, " needs a value"));
      }
      return std::string(argv[++i]);
    };
    auto take_language = [&]() -> absl::StatusOr<Language> {
      absl::StatusOr<std::string> value = take_value();
      if (!value.ok()) return value.status();
      std::optional<Language> language = ParseLanguage(*value);
      if (!language) {
        return UsageError(
            absl::StrCat("unknown language '", *value, "' for ", name,
                         " (expected python, py, javascript or js)"));
      }
      return *language;
    };
    auto no_value = [&]() -> absl::Status {
      if (inline_value) {
        return UsageError(absl::StrCat("option ", name, " takes no value"));
      }
      return absl::OkStatus();
    };

    if (name == "--help" || name == "-h") {
      if (absl::Status s = no_value(); !s.ok()) return s;
      out.help = true;
      continue;
    }
    if (name == "--version") {
      if (absl::Status s = no_value(); !s.ok()) return s;
      out.version = true;
      continue;
    }
    if (name == "--plugins") {
      absl::StatusOr<std::string> dir = take_value();
      if (!dir.ok()) return dir.status();
      out.plugin_dirs.push_back(*dir);
      continue;
    }
    if (spec == nullptr) {
      for (const CommandSpec& command : Commands()) {
        if (command.flags.count(name) != 0) {
          return UsageError(absl::StrCat("option ", name, " goes after the ",
                                         "command (duet ", command.name, " ",
                                         name, ")"));
        }
      }
      return UsageError(absl::StrCat("unknown option '", name, "'"));
    }
    if (spec->flags.count(name) == 0) {
      return UsageError(
          absl::StrCat("unknown option '", name, "' for duet ", spec->name));
    }
    if (name == "--json") {
      if (absl::Status s = no_value(); !s.ok()) return s;
      out.json = true;
    } else if (name == "--runtime") {
      absl::StatusOr<Language> language = take_language();
      if (!language.ok()) return language.status();
      out.runtime = *language;
    } else if (name == "--watch") {
      if (absl::Status s = no_value(); !s.ok()) return s;
      out.watch = true;
    } else if (name == "--lang") {
      absl::StatusOr<Language> language = take_language();
      if (!language.ok()) return language.status();
      out.lang = *language;
    } else if (name == "--exit-zero") {
      if (absl::Status s = no_value(); !s.ok()) return s;
      out.exit_zero = true;
    } else if (name == "--stop-on-error") {
      if (absl::Status s = no_value(); !s.ok()) return s;
      out.stop_on_error = true;
    } else if (name == "--seconds") {
      absl::StatusOr<std::string> value = take_value();
      if (!value.ok()) return value.status();
      double seconds = 0;
      if (!absl::SimpleAtod(*value, &seconds) || !std::isfinite(seconds) ||
          seconds <= 0 || seconds > 3600) {
        return UsageError(
            absl::StrCat("--seconds wants a number of seconds "
                         "between 0 and 3600, not '",
                         *value, "'"));
      }
      out.seconds = seconds;
    } else if (name == "--svg") {
      absl::StatusOr<std::string> value = take_value();
      if (!value.ok()) return value.status();
      if (value->empty()) return UsageError("--svg wants a file name");
      out.svg = *value;
    } else if (name == "--fuzz") {
      absl::StatusOr<std::string> value = take_value();
      if (!value.ok()) return value.status();
      int64_t n = 0;
      if (!absl::SimpleAtoi(*value, &n) || n < 1 || n > 100'000'000) {
        return UsageError(absl::StrCat(
            "--fuzz wants a number of inputs (1 or more), not '", *value, "'"));
      }
      out.fuzz = n;
    } else if (name == "--out") {
      absl::StatusOr<std::string> value = take_value();
      if (!value.ok()) return value.status();
      if (value->empty()) return UsageError("--out wants a folder name");
      out.out = *value;
    } else if (name == "--seed") {
      absl::StatusOr<std::string> value = take_value();
      if (!value.ok()) return value.status();
      uint64_t seed = 0;
      if (!absl::SimpleAtoi(*value, &seed)) {
        return UsageError(absl::StrCat(
            "--seed wants a non-negative integer, not '", *value, "'"));
      }
      out.seed = seed;
    }
  }

  if (out.seed && out.fuzz == 0) {
    return UsageError("--seed goes with --fuzz N");
  }
  if (out.fuzz > 0 && out.runtime) {
    return UsageError(
        "--fuzz compares the implementations; it takes no --runtime");
  }
  if (out.exit_zero && out.stop_on_error) {
    return UsageError("--exit-zero and --stop-on-error contradict each other");
  }

  if (out.command == "help") {
    out.help = true;
    out.command.clear();
    if (out.args.size() > 1) {
      return UsageError("help takes at most one command name");
    }
    if (!out.args.empty()) {
      if (FindCommand(out.args[0]) == nullptr) {
        return UsageError(absl::StrCat("unknown command '", out.args[0], "'"));
      }
      out.command = out.args[0];
      out.args.clear();
    }
  }
  return out;
}

std::vector<std::string> DefaultPluginDirs() {
  if (const char* env = std::getenv("DUET_PLUGINS"); env != nullptr) {
    std::vector<std::string> dirs;
    for (absl::string_view dir : absl::StrSplit(env, ':', absl::SkipEmpty())) {
      dirs.emplace_back(dir);
    }
    return dirs;
  }
  std::error_code error;
  if (std::filesystem::is_directory("plugins", error)) return {"plugins"};
  return {};
}

std::string GeneralHelp() {
  std::string out =
      "usage: duet [--plugins DIR]... COMMAND [OPTIONS] [ARGS]\n"
      "\n"
      "Loads duet plugins (modules written in Python, JavaScript or both) "
      "and\nworks with them from the command line.\n"
      "\n"
      "commands:\n";
  for (const CommandSpec& spec : Commands()) {
    absl::StrAppend(&out, "  ", spec.name,
                    std::string(8 - std::string_view(spec.name).size(), ' '),
                    spec.summary, "\n");
  }
  absl::StrAppend(
      &out,
      "\n"
      "options:\n"
      "  --plugins DIR   load plugins from DIR (repeatable); default: "
      "$DUET_PLUGINS\n"
      "                  (colon-separated), else ./plugins when it exists\n"
      "  --help, -h      show help (duet help COMMAND for one command)\n"
      "  --version       show the version\n"
      "\n"
      "Languages may be written python, py, javascript or js. --runtime "
      "LANG picks\nthe implementation in call, check, bench and repl.\n"
      "With no command, duet starts the REPL when stdin is a terminal.\n"
      "Exit codes: 0 success, 1 a call or check failed, 2 bad command "
      "line.\n");
  return out;
}

std::optional<std::string> CommandHelp(const std::string& command) {
  const CommandSpec* spec = FindCommand(command);
  if (spec == nullptr) return std::nullopt;
  return std::string(spec->help);
}

}  // namespace duet::cli
