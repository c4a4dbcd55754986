#include "duet/tools/check.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "duet/error.h"
#include "duet/tools/text.h"

namespace duet::tools {
namespace {

std::string Pad(std::string text, size_t width) {
  size_t n = DisplayWidth(text);
  if (n < width) text.append(width - n, ' ');
  return text;
}

Value StatusJson(const absl::Status& status) {
  Value::Map error{
      {"code", std::string(absl::StatusCodeToString(status.code()))},
      {"message", OneLine(status)}};
  if (std::optional<ScriptError> script = GetScriptError(status)) {
    error.Set("type", script->type);
  }
  return Value(std::move(error));
}

}  // namespace

bool IsInternalModule(std::string_view name) {
  return name.rfind("_duet", 0) == 0;
}

absl::StatusOr<std::vector<ModuleInfo>> SelectModules(
    Host& host, const std::vector<std::string>& names) {
  std::vector<ModuleInfo> modules;
  if (names.empty()) {
    for (ModuleInfo& module : host.ListModules()) {
      if (!IsInternalModule(module.name)) modules.push_back(std::move(module));
    }
    return modules;
  }
  for (const std::string& name : names) {
    absl::StatusOr<ModuleInfo> module = host.GetModule(name);
    if (!module.ok()) return module.status();
    modules.push_back(*std::move(module));
  }
  return modules;
}

CheckReport RunExamples(
    Host& host, const std::vector<ModuleInfo>& modules,
    const std::function<void(const ExampleOutcome&)>& on_outcome,
    const std::atomic<bool>* stop) {
  CheckReport report;
  for (const ModuleInfo& module : modules) {
    if (!module.manifest || module.manifest->examples.empty()) {
      report.without_examples.push_back(module.name);
      continue;
    }
    for (const Example& example : module.manifest->examples) {
      for (const ImplementationInfo& impl : module.implementations) {
        if (stop != nullptr && stop->load()) {
          report.stopped = true;
          return report;
        }
        ExampleOutcome outcome;
        outcome.module = module.name;
        outcome.example = example;
        outcome.toml = module.manifest->file.filename().string();
        outcome.language = impl.language;
        outcome.got = host.Call(module.name, example.call, example.args,
                                {std::nullopt, impl.language});
        outcome.passed =
            outcome.got.ok() && EquivalentByValue(*outcome.got, example.expect);
        ++(outcome.passed ? report.passed : report.failed);
        if (on_outcome) on_outcome(outcome);
        report.outcomes.push_back(std::move(outcome));
      }
    }
  }
  return report;
}

CheckTable::CheckTable(const std::vector<ModuleInfo>& modules, bool colour)
    : colour_(colour) {
  for (const ModuleInfo& module : modules) {
    if (!module.manifest) continue;
    for (const Example& example : module.manifest->examples) {
      module_width_ = std::max(module_width_, DisplayWidth(module.name));
      label_width_ = std::max(
          label_width_, DisplayWidth(CallLabel(example.call, example.args)));
    }
  }
}

std::string CheckTable::Header() const {
  return Paint(absl::StrCat(Pad("MODULE", module_width_), "  ",
                            Pad("EXAMPLE", label_width_), "  ",
                            Pad("LANGUAGE", 10), "  RESULT  RETURNED"),
               Style::kBold, colour_) +
         "\n";
}

std::string CheckTable::Row(const ExampleOutcome& outcome) const {
  std::string line = absl::StrCat(
      Pad(outcome.module, module_width_), "  ",
      Pad(CallLabel(outcome.example.call, outcome.example.args), label_width_),
      "  ", Pad(NameOf(outcome.language), 10), "  ");
  if (outcome.passed) {
    absl::StrAppend(&line, Paint("pass", Style::kGreen, colour_), "    ",
                    ShortJson(*outcome.got, 60), "\n");
    return line;
  }
  absl::StrAppend(&line, Paint("FAIL", Style::kRed, colour_), "    ");
  if (outcome.got.ok()) {
    absl::StrAppend(&line, ShortJson(*outcome.got, 60), ", expected ",
                    ShortJson(outcome.example.expect, 60));
  } else {
    absl::StrAppend(&line, "error: ", OneLine(outcome.got.status()));
  }
  absl::StrAppend(&line, "  (", outcome.toml, ":", outcome.example.line, ")\n");
  return line;
}

std::string CheckTable::Summary(const CheckReport& report,
                                const std::vector<PluginProblem>& problems) {
  std::string summary =
      absl::StrCat(report.passed, " passed, ", report.failed, " failed");
  if (report.stopped) absl::StrAppend(&summary, "; interrupted");
  if (!report.without_examples.empty()) {
    absl::StrAppend(&summary, "; no examples: ",
                    absl::StrJoin(report.without_examples, ", "));
  }
  if (!problems.empty()) {
    absl::StrAppend(&summary, "; ", problems.size(),
                    " plugin(s) failed to load");
  }
  return summary + "\n";
}

Value CheckJson(const CheckReport& report,
                const std::vector<PluginProblem>& problems) {
  Value::List results;
  for (const ExampleOutcome& outcome : report.outcomes) {
    Value::Map entry{
        {"module", outcome.module},     {"call", outcome.example.call},
        {"args", outcome.example.args}, {"expect", outcome.example.expect},
        {"line", outcome.example.line}, {"language", NameOf(outcome.language)},
        {"passed", outcome.passed},
    };
    if (outcome.got.ok()) {
      entry.Set("got", *outcome.got);
    } else {
      entry.Set("error", StatusJson(outcome.got.status()));
    }
    results.push_back(std::move(entry));
  }
  Value::List problem_list;
  for (const PluginProblem& problem : problems) {
    problem_list.push_back(Value::Map{{"location", problem.location.string()},
                                      {"message", OneLine(problem.status)}});
  }
  return Value::Map{
      {"passed", report.passed},
      {"failed", report.failed},
      {"ok", report.failed == 0 && problems.empty()},
      {"results", std::move(results)},
      {"without_examples", Value::List(report.without_examples.begin(),
                                       report.without_examples.end())},
      {"problems", std::move(problem_list)},
  };
}

}  // namespace duet::tools
