#include "commands.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "duet/duet.h"
#include "duet/tools/bench.h"
#include "duet/tools/chart.h"
#include "duet/tools/check.h"
#include "duet/tools/fuzz.h"
#include "duet/tools/stubs.h"
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
  absl::StatusOr<QualifiedName> name = SplitQualifiedName(text);
  if (!name.ok()) return std::nullopt;
  return Target{std::string(name->module), std::string(name->function)};
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

// What `call` and `bench` take: MODULE.FUNCTION [JSON_ARG...], and a
// session with the plugins loaded. On a problem, prints it and sets
// *exit_code.
struct TargetedCommand {
  Target target;
  Value::List args;
  Session session;
};

std::optional<TargetedCommand> OpenTargetedCommand(
    const CommandLine& command_line, const std::string& command,
    int* exit_code) {
  if (command_line.args.empty()) {
    *exit_code = UsageError(command + " needs MODULE.FUNCTION", command);
    return std::nullopt;
  }
  std::optional<Target> target = ParseTarget(command_line.args[0]);
  if (!target) {
    *exit_code = UsageError(
        absl::StrCat("'", command_line.args[0], "' is not MODULE.FUNCTION"),
        command);
    return std::nullopt;
  }
  std::optional<Value::List> args = ParseJsonArgs(command_line.args, 1);
  if (!args) {
    *exit_code = kExitUsage;
    return std::nullopt;
  }
  std::optional<Session> session =
      OpenSession(command_line, PluginOutput::kStderr, exit_code);
  if (!session) return std::nullopt;
  return TargetedCommand{*std::move(target), *std::move(args),
                         *std::move(session)};
}

int RunCall(const CommandLine& command_line) {
  int exit_code = kExitOk;
  std::optional<TargetedCommand> opened =
      OpenTargetedCommand(command_line, "call", &exit_code);
  if (!opened) return exit_code;
  const Target* target = &opened->target;
  const Value::List* args = &opened->args;
  Session* session = &opened->session;

  CallOptions options;
  options.implementation = command_line.runtime;
  absl::StatusOr<Value> result =
      session->host->Call(target->module, target->function, *args, options);
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

  absl::StatusOr<std::vector<ModuleInfo>> modules =
      tools::SelectModules(host, command_line.args);
  if (!modules.ok()) {
    PrintError(OneLine(modules.status()) + NoPluginsHint(*session));
    return kExitFailure;
  }
  if (command_line.runtime && !command_line.args.empty()) {
    // A module named on the command line must have the implementation
    // asked for; of all modules, those without it are listed as unchecked.
    for (const ModuleInfo& module : *modules) {
      if (std::none_of(module.implementations.begin(),
                       module.implementations.end(),
                       [&](const ImplementationInfo& impl) {
                         return impl.language == *command_line.runtime;
                       })) {
        PrintError(absl::StrCat("module '", module.name, "' has no ",
                                NameOf(*command_line.runtime),
                                " implementation"));
        return kExitFailure;
      }
    }
  }
  const bool colour = !command_line.json && ColourWanted(STDOUT_FILENO);
  const bool problems_fail =
      LoadProblemsFail(command_line) && !session->problems.empty();

  if (command_line.fuzz > 0) {
    tools::FuzzOptions options;
    options.inputs = command_line.fuzz;
    options.seed = command_line.seed.value_or(tools::kDefaultFuzzSeed);
    const size_t name_width = tools::FuzzNameWidth(*modules);
    if (!command_line.json) WriteOut(tools::FuzzHeading(options));
    std::vector<tools::FuzzFunctionReport> reports = tools::Fuzz(
        host, *modules, options, [&](const tools::FuzzFunctionReport& report) {
          if (!command_line.json) {
            WriteOut(tools::FuzzReportText(report, name_width, colour));
          }
        });
    if (command_line.json) {
      JsonOptions json;
      json.indent = 2;
      WriteOut(ToJson(tools::FuzzJson(reports, options), json) + "\n");
    } else {
      WriteOut(tools::FuzzSummaryText(reports));
    }
    const bool disagree = tools::TallyFuzz(reports).disagree > 0;
    return !disagree && !problems_fail ? kExitOk : kExitFailure;
  }

  tools::CheckTable table(*modules, colour);
  if (!command_line.json) WriteOut(table.Header());
  tools::CheckReport report = tools::RunExamples(
      host, *modules,
      [&](const tools::ExampleOutcome& outcome) {
        if (!command_line.json) WriteOut(table.Row(outcome));
      },
      nullptr, command_line.runtime);
  const bool fail_on_problems = LoadProblemsFail(command_line);
  if (command_line.json) {
    JsonOptions json;
    json.indent = 2;
    WriteOut(
        ToJson(tools::CheckJson(report, session->problems, fail_on_problems),
               json) +
        "\n");
  } else {
    WriteOut(tools::CheckTable::Summary(report, session->problems,
                                        fail_on_problems));
  }
  return report.failed == 0 && !problems_fail ? kExitOk : kExitFailure;
}

int RunBench(const CommandLine& command_line) {
  int exit_code = kExitOk;
  std::optional<TargetedCommand> opened =
      OpenTargetedCommand(command_line, "bench", &exit_code);
  if (!opened) return exit_code;
  const Target* target = &opened->target;
  const Value::List* args = &opened->args;
  Session* session = &opened->session;
  Host& host = *session->host;
  if (absl::StatusOr<ModuleInfo> module = host.GetModule(target->module);
      !module.ok()) {
    PrintError(OneLine(module.status()) + NoPluginsHint(*session));
    return kExitFailure;
  }

  tools::BenchOptions options;
  options.seconds = command_line.seconds;
  options.runtime = command_line.runtime;
  absl::StatusOr<tools::BenchReport> report = tools::RunBenchmark(
      host, target->module, target->function, *args, options);
  if (!report.ok()) {
    PrintError(std::string(report.status().message()));
    return kExitFailure;
  }
  if (!command_line.svg.empty()) {
    std::ofstream out(command_line.svg, std::ios::binary);
    out << tools::BenchSvg(*report);
    out.close();
    if (!out) {
      PrintError(absl::StrCat("cannot write ", command_line.svg));
      return kExitFailure;
    }
  }
  if (command_line.json) {
    JsonOptions json;
    json.indent = 2;
    WriteOut(ToJson(tools::BenchJson(*report), json) + "\n");
  } else {
    WriteOut(tools::BenchText(*report, ColourWanted(STDOUT_FILENO)));
    if (!command_line.svg.empty()) {
      WriteOut(absl::StrCat("chart: ", command_line.svg, "\n"));
    }
  }
  return kExitOk;
}

int RunStubs(const CommandLine& command_line) {
  if (command_line.out.empty()) {
    return UsageError("stubs needs --out DIR", "stubs");
  }
  int exit_code = kExitOk;
  std::optional<Session> session =
      OpenSession(command_line, PluginOutput::kStderr, &exit_code);
  if (!session) return exit_code;
  absl::StatusOr<std::vector<ModuleInfo>> modules =
      tools::SelectModules(*session->host, command_line.args);
  if (!modules.ok()) {
    PrintError(OneLine(modules.status()) + NoPluginsHint(*session));
    return kExitFailure;
  }
  std::vector<tools::StubFile> files = tools::GenerateStubs(*modules);
  if (absl::Status written = tools::WriteStubs(files, command_line.out);
      !written.ok()) {
    PrintError(OneLine(written));
    return kExitFailure;
  }
  WriteOut(absl::StrCat("wrote ", files.size(), " files for ", modules->size(),
                        " modules under ", command_line.out, "\n"));
  return kExitOk;
}

}  // namespace duet::cli
