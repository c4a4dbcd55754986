#include "commands.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "duet/duet.h"
#include "output.h"
#include "session.h"

namespace duet::cli {
namespace {

int UsageError(const std::string& message, const std::string& command) {
  PrintError(message);
  WriteErr(absl::StrCat("Run 'duet help ", command, "' for usage.\n"));
  return kExitUsage;
}

struct Target {
  std::string module;
  std::string function;
};

std::optional<Target> ParseTarget(const std::string& text) {
  size_t dot = text.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == text.size()) {
    return std::nullopt;
  }
  return Target{text.substr(0, dot), text.substr(dot + 1)};
}

// Parses JSON_ARG... (args[first..]); on an error prints one line and
// returns nullopt.
std::optional<Value::List> ParseJsonArgs(const std::vector<std::string>& args,
                                         size_t first) {
  Value::List values;
  for (size_t i = first; i < args.size(); ++i) {
    absl::StatusOr<Value> value = ParseJson(args[i]);
    if (!value.ok()) {
      std::string line =
          absl::StrCat("argument ", i - first + 1,
                       " is not valid JSON: ", OneLine(value.status()));
      // The usual slip: a bare word where a JSON string was meant.
      const std::string& arg = args[i];
      if (!arg.empty() &&
          std::string_view("\"[{-0123456789tfnNI").find(arg[0]) ==
              std::string_view::npos) {
        absl::StrAppend(&line, " (a string needs JSON quotes: '\"", arg,
                        "\"')");
      }
      PrintError(line);
      return std::nullopt;
    }
    values.push_back(*std::move(value));
  }
  return values;
}

std::string NoPluginsHint(const Session& session) {
  if (!session.plugin_dirs.empty()) return "";
  return " (no plugins loaded: use --plugins DIR or set DUET_PLUGINS)";
}

// Prints a failed call: the full report (type, message, stack) for a script
// exception, one line for anything else.
void PrintCallError(const Session& session, const absl::Status& status) {
  if (GetScriptError(status)) {
    PrintError(FormatError(status));
  } else {
    std::string hint = status.code() == absl::StatusCode::kNotFound
                           ? NoPluginsHint(session)
                           : "";
    PrintError(OneLine(status) + hint);
  }
}

}  // namespace

int RunList(const CommandLine& command_line) {
  if (!command_line.args.empty()) {
    return UsageError(absl::StrCat("list takes no arguments, got '",
                                   command_line.args[0], "'"),
                      "list");
  }
  int exit_code = kExitOk;
  std::optional<Session> session =
      OpenSession(command_line, PluginOutput::kStderr, &exit_code);
  if (!session) return exit_code;
  std::vector<ModuleInfo> modules = session->host->ListModules();
  if (command_line.json) {
    JsonOptions options;
    options.indent = 2;
    WriteOut(
        ToJson(ModulesJson(modules, session->plugin_dirs, session->problems),
               options) +
        "\n");
  } else {
    WriteOut(ModulesTable(modules));
  }
  return kExitOk;
}

int RunCall(const CommandLine& command_line) {
  if (command_line.args.empty()) {
    return UsageError("call needs MODULE.FUNCTION", "call");
  }
  std::optional<Target> target = ParseTarget(command_line.args[0]);
  if (!target) {
    return UsageError(
        absl::StrCat("'", command_line.args[0], "' is not MODULE.FUNCTION"),
        "call");
  }
  std::optional<Value::List> args = ParseJsonArgs(command_line.args, 1);
  if (!args) return kExitUsage;

  int exit_code = kExitOk;
  std::optional<Session> session =
      OpenSession(command_line, PluginOutput::kStderr, &exit_code);
  if (!session) return exit_code;

  absl::StatusOr<Value> result =
      command_line.runtime
          ? session->host->CallImplementation(
                target->module, *command_line.runtime, target->function, *args)
          : session->host->Call(target->module, target->function, *args);
  if (!result.ok()) {
    PrintCallError(*session, result.status());
    return kExitFailure;
  }
  WriteOut(ToJson(*result) + "\n");
  return kExitOk;
}

int RunCheck(const CommandLine& command_line) {
  int exit_code = kExitOk;
  std::optional<Session> session =
      OpenSession(command_line, PluginOutput::kStderr, &exit_code);
  if (!session) return exit_code;
  Host& host = *session->host;

  std::vector<ModuleInfo> modules;
  if (command_line.args.empty()) {
    modules = host.ListModules();
  } else {
    for (const std::string& name : command_line.args) {
      absl::StatusOr<ModuleInfo> module = host.GetModule(name);
      if (!module.ok()) {
        PrintError(OneLine(module.status()) + NoPluginsHint(*session));
        return kExitFailure;
      }
      modules.push_back(*std::move(module));
    }
  }

  // Labels first, so the columns line up while results stream in.
  size_t module_width = 0, label_width = 0;
  for (const ModuleInfo& module : modules) {
    if (!module.manifest) continue;
    for (const Example& example : module.manifest->examples) {
      module_width = std::max(module_width, DisplayWidth(module.name));
      label_width = std::max(
          label_width, DisplayWidth(CallLabel(example.call, example.args)));
    }
  }
  auto pad = [](std::string text, size_t width) {
    size_t n = DisplayWidth(text);
    if (n < width) text.append(width - n, ' ');
    return text;
  };

  int passed = 0, failed = 0;
  std::vector<std::string> without_examples;
  for (const ModuleInfo& module : modules) {
    if (!module.manifest || module.manifest->examples.empty()) {
      without_examples.push_back(module.name);
      continue;
    }
    const std::string toml = module.manifest->file.filename().string();
    for (const Example& example : module.manifest->examples) {
      const std::string label = CallLabel(example.call, example.args);
      for (const ImplementationInfo& impl : module.implementations) {
        const std::string language(NameOf(impl.language));
        std::string line = absl::StrCat(pad(module.name, module_width), "  ",
                                        pad(label, label_width), "  ",
                                        pad(language, 10), "  ");
        absl::StatusOr<Value> got = host.CallImplementation(
            module.name, impl.language, example.call, example.args);
        if (got.ok() && EquivalentByValue(*got, example.expect)) {
          ++passed;
          WriteOut(line + "pass\n");
          continue;
        }
        ++failed;
        if (got.ok()) {
          absl::StrAppend(&line, "FAIL  expected ",
                          ShortJson(example.expect, 60), ", got ",
                          ShortJson(*got, 60));
        } else {
          absl::StrAppend(&line, "FAIL  error: ", OneLine(got.status()));
        }
        absl::StrAppend(&line, "  (", toml, ":", example.line, ")\n");
        WriteOut(line);
      }
    }
  }

  std::string summary = absl::StrCat(passed, " passed, ", failed, " failed");
  if (!without_examples.empty()) {
    absl::StrAppend(&summary,
                    "; no examples: ", absl::StrJoin(without_examples, ", "));
  }
  if (!session->problems.empty()) {
    absl::StrAppend(&summary, "; ", session->problems.size(),
                    " plugin(s) failed to load");
  }
  WriteOut(summary + "\n");
  return failed == 0 && session->problems.empty() ? kExitOk : kExitFailure;
}

int RunBench(const CommandLine& command_line) {
  if (command_line.args.empty()) {
    return UsageError("bench needs MODULE.FUNCTION", "bench");
  }
  std::optional<Target> target = ParseTarget(command_line.args[0]);
  if (!target) {
    return UsageError(
        absl::StrCat("'", command_line.args[0], "' is not MODULE.FUNCTION"),
        "bench");
  }
  std::optional<Value::List> args = ParseJsonArgs(command_line.args, 1);
  if (!args) return kExitUsage;

  int exit_code = kExitOk;
  std::optional<Session> session =
      OpenSession(command_line, PluginOutput::kStderr, &exit_code);
  if (!session) return exit_code;
  Host& host = *session->host;
  absl::StatusOr<ModuleInfo> module = host.GetModule(target->module);
  if (!module.ok()) {
    PrintError(OneLine(module.status()) + NoPluginsHint(*session));
    return kExitFailure;
  }

  using Clock = std::chrono::steady_clock;
  const double seconds = command_line.seconds;
  const auto budget = std::chrono::duration<double>(seconds);
  const auto warmup = std::chrono::duration<double>(std::min(0.2, seconds / 5));

  struct Row {
    Language language;
    int64_t calls = 0;
    double calls_per_second = 0;
    double median = 0;
    Value result;
  };
  std::vector<Row> rows;
  WriteOut(absl::StrCat(target->module, ".",
                        CallLabel(target->function, *args, 60), ": ",
                        FormatSeconds(seconds), " per implementation\n"));
  for (const ImplementationInfo& impl : module->implementations) {
    Row row;
    row.language = impl.language;
    auto call = [&]() {
      return host.CallImplementation(target->module, impl.language,
                                     target->function, *args);
    };
    // One call first: an error stops the bench before any timing.
    absl::StatusOr<Value> first = call();
    if (!first.ok()) {
      PrintError(absl::StrCat(NameOf(impl.language), ": ",
                              FormatError(first.status())));
      return kExitFailure;
    }
    row.result = *std::move(first);
    for (auto start = Clock::now(); Clock::now() - start < warmup;) {
      if (absl::StatusOr<Value> r = call(); !r.ok()) {
        PrintError(
            absl::StrCat(NameOf(impl.language), ": ", FormatError(r.status())));
        return kExitFailure;
      }
    }
    std::vector<double> times;
    const auto start = Clock::now();
    auto now = start;
    // The sample count is capped so a long run of fast calls stays small.
    constexpr size_t kMaxSamples = 5'000'000;
    while (now - start < budget && times.size() < kMaxSamples) {
      const auto before = Clock::now();
      absl::StatusOr<Value> r = call();
      now = Clock::now();
      if (!r.ok()) {
        PrintError(
            absl::StrCat(NameOf(impl.language), ": ", FormatError(r.status())));
        return kExitFailure;
      }
      times.push_back(std::chrono::duration<double>(now - before).count());
    }
    const double total = std::chrono::duration<double>(now - start).count();
    row.calls = static_cast<int64_t>(times.size());
    row.calls_per_second = total > 0 ? row.calls / total : 0;
    std::nth_element(times.begin(), times.begin() + times.size() / 2,
                     times.end());
    row.median = times.empty() ? 0 : times[times.size() / 2];
    rows.push_back(std::move(row));
  }

  std::vector<std::vector<std::string>> table = {
      {"LANGUAGE", "CALLS/S", "MEDIAN", "CALLS", "RELATIVE"}};
  double best = 0;
  for (const Row& row : rows) best = std::max(best, row.calls_per_second);
  for (const Row& row : rows) {
    char relative[32];
    std::snprintf(relative, sizeof relative, "%.2fx",
                  best > 0 ? row.calls_per_second / best : 0.0);
    table.push_back({std::string(NameOf(row.language)),
                     GroupThousands(static_cast<int64_t>(row.calls_per_second)),
                     FormatSeconds(row.median), GroupThousands(row.calls),
                     relative});
  }
  WriteOut(Table(table, {1, 2, 3, 4}));
  for (size_t i = 1; i < rows.size(); ++i) {
    if (!EquivalentByValue(rows[0].result, rows[i].result)) {
      WriteOut(absl::StrCat(
          "note: the results differ: ", NameOf(rows[0].language), " returned ",
          ShortJson(rows[0].result, 60), ", ", NameOf(rows[i].language),
          " returned ", ShortJson(rows[i].result, 60), "\n"));
    }
  }
  return kExitOk;
}

}  // namespace duet::cli
