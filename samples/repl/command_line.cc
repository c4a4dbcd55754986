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
       {"--lang"},
       "usage: duet repl [--plugins DIR]... [--lang python|javascript]\n"
       "\n"
       "Evaluates each line in the current language; every loaded module is a\n"
       "global there (greeter.greet(\"x\")). Meta-commands:\n"
       "  :help                  this list\n"
       "  :list                  modules, implementations, the active one\n"
       "  :use MODULE LANGUAGE   switch a module's active implementation\n"
       "  :lang LANGUAGE         evaluate in another language\n"
       "  :quit                  leave (also Ctrl-D)\n"
       "\n"
       "An input that is not finished (an open bracket, a Python block) "
       "continues\non the next line; a blank line ends a Python block.\n"
       "Plugin output (print, console.log, duet.log) is shown on stdout.\n"
       "\n"
       "Ctrl-C drops the line being typed; while code runs it ends duet.\n"
       "\n"
       "On a terminal: line editing and history through libedit. History "
       "lives in\n$DUET_HISTORY, else $XDG_STATE_HOME/duet/history, else\n"
       "~/.local/state/duet/history; DUET_HISTORY= (empty) disables it.\n"
       "\n"
       "Piped (stdin not a terminal): reads lines with no prompt, prints "
       "results\non stdout and errors on stderr, and goes on after an error. "
       "The exit\ncode is 0 when every line succeeded, 1 otherwise.\n"},
      {"list",
       "modules, implementations, the active one, exports",
       {"--json"},
       "usage: duet list [--plugins DIR]... [--json]\n"
       "\n"
       "Prints one row per module: its active implementation, the languages "
       "it\nis implemented in and its exported functions. --json prints the "
       "same\n(plus versions, descriptions, files and loading problems) as one "
       "JSON\nobject.\n"},
      {"call",
       "call a function, print the result as JSON",
       {"--runtime"},
       "usage: duet call [--plugins DIR]... [--runtime python|javascript]\n"
       "                 MODULE.FUNCTION [JSON_ARG...]\n"
       "\n"
       "Each argument is one JSON value (quote strings for the shell:\n"
       "'\"world\"'). Prints the result as JSON on stdout. --runtime calls "
       "that\nimplementation instead of the active one. Plugin output goes to "
       "stderr.\nExit code 1 when the call fails (the error is on stderr).\n"
       "\n"
       "example: duet call greeter.greet '\"world\"'\n"},
      {"check",
       "run every [[examples]] entry against every implementation",
       {},
       "usage: duet check [--plugins DIR]... [MODULE...]\n"
       "\n"
       "Calls each example in the modules' plugin.toml with every "
       "implementation\nand compares the result with `expect` by value "
       "(3 equals 3.0). Prints\none line per module, example and language. "
       "Exit code 1 on any\nmismatch, error, or plugin that failed to load.\n"},
      {"bench",
       "time each implementation on the same input",
       {"--seconds"},
       "usage: duet bench [--plugins DIR]... [--seconds S] MODULE.FUNCTION "
       "[JSON_ARG...]\n"
       "\n"
       "For each implementation: warms up, then calls the function for S "
       "seconds\n(default 0.5) and prints calls per second and the median "
       "time per call\nside by side.\n"},
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
    } else if (name == "--lang") {
      absl::StatusOr<Language> language = take_language();
      if (!language.ok()) return language.status();
      out.lang = *language;
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
    }
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
      "Languages may be written python, py, javascript or js.\n"
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
