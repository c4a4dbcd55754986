#include "duet/tools/check.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string_view>

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

// Python's built-in exception classes below Exception that examples name,
// each with its parent (the rest derive from Exception directly).
const std::map<std::string_view, std::string_view>& PythonParents() {
  static const auto* parents = new std::map<std::string_view, std::string_view>{
      {"KeyError", "LookupError"},
      {"IndexError", "LookupError"},
      {"ZeroDivisionError", "ArithmeticError"},
      {"OverflowError", "ArithmeticError"},
      {"FloatingPointError", "ArithmeticError"},
      {"UnicodeError", "ValueError"},
      {"UnicodeDecodeError", "UnicodeError"},
      {"UnicodeEncodeError", "UnicodeError"},
      {"UnicodeTranslateError", "UnicodeError"},
      {"RecursionError", "RuntimeError"},
      {"NotImplementedError", "RuntimeError"},
      {"UnboundLocalError", "NameError"},
      {"IndentationError", "SyntaxError"},
      {"TabError", "IndentationError"},
      {"ModuleNotFoundError", "ImportError"},
      {"FileNotFoundError", "OSError"},
      {"PermissionError", "OSError"},
      {"TimeoutError", "OSError"},
  };
  return *parents;
}

// The class a script error is caught as in the other language
// (docs/errors.md, "Types across languages"), from its built-in type.
std::string_view CaughtAsInOtherLanguage(const ScriptError& error) {
  const std::string& type =
      error.builtin_type.empty() ? error.type : error.builtin_type;
  if (error.language == Language::kJavaScript) {
    if (type == "TypeError") return "TypeError";
    if (type == "RangeError" || type == "URIError") return "ValueError";
    if (type == "ReferenceError") return "NameError";
    if (type == "SyntaxError") return "SyntaxError";
    return "";
  }
  for (std::string_view ancestor = type; !ancestor.empty();) {
    if (ancestor == "TypeError" || ancestor == "AttributeError") {
      return "TypeError";
    }
    if (ancestor == "ValueError" || ancestor == "LookupError" ||
        ancestor == "ArithmeticError" || ancestor == "RecursionError") {
      return "RangeError";
    }
    if (ancestor == "NameError") return "ReferenceError";
    if (ancestor == "SyntaxError") return "SyntaxError";
    auto parent = PythonParents().find(ancestor);
    ancestor = parent == PythonParents().end() ? "" : parent->second;
  }
  return "Error";
}

bool ScriptErrorIs(const ScriptError& error, std::string_view name) {
  if (error.type == name || error.builtin_type == name) return true;
  if (error.language == Language::kPython) {
    if (name == "Exception") return true;
    for (auto parent = PythonParents().find(error.builtin_type);
         parent != PythonParents().end();
         parent = PythonParents().find(parent->second)) {
      if (parent->second == name) return true;
    }
  } else if (name == "Error" && !error.builtin_type.empty()) {
    return true;
  }
  return CaughtAsInOtherLanguage(error) == name;
}

std::string ExpectedText(const Example& example) {
  if (!example.raises.empty()) return example.raises;
  return ShortJson(example.expect, 60);
}

}  // namespace

bool ErrorMatches(const absl::Status& error, std::string_view name) {
  if (error.ok()) return false;
  if (absl::StatusCodeToString(error.code()) == name) return true;
  std::optional<ScriptError> script = GetScriptError(error);
  return script && ScriptErrorIs(*script, name);
}

bool ExampleHolds(const Example& example, const absl::StatusOr<Value>& got) {
  if (!example.raises.empty()) {
    return !got.ok() && ErrorMatches(got.status(), example.raises);
  }
  return got.ok() && EquivalentByValue(*got, example.expect);
}

bool IsInternalModule(std::string_view name) {
  return name.rfind("_duet", 0) == 0;
}

absl::StatusOr<std::vector<ModuleInfo>> SelectModules(
    Host& host, const std::vector<std::string>& names) {
  std::vector<ModuleInfo> modules;
  if (names.empty()) {
    // Described with their exports, which a module has once started (a
    // module that fails to start is listed without them, and its calls
    // report why).
    host.StartAll();
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
    const std::atomic<bool>* stop, std::optional<Language> runtime) {
  CheckReport report;
  for (const ModuleInfo& module : modules) {
    if (!module.manifest || module.manifest->examples.empty()) {
      report.without_examples.push_back(module.name);
      continue;
    }
    if (runtime && std::none_of(module.implementations.begin(),
                                module.implementations.end(),
                                [&](const ImplementationInfo& impl) {
                                  return impl.language == *runtime;
                                })) {
      report.without_runtime.push_back(module.name);
      continue;
    }
    for (const Example& example : module.manifest->examples) {
      for (const ImplementationInfo& impl : module.implementations) {
        if (runtime && impl.language != *runtime) continue;
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
        outcome.passed = ExampleHolds(example, outcome.got);
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
  const std::string got = outcome.got.ok()
                              ? ShortJson(*outcome.got, 60)
                              : "error: " + OneLine(outcome.got.status());
  if (outcome.passed) {
    absl::StrAppend(&line, Paint("pass", Style::kGreen, colour_), "    ", got,
                    "\n");
    return line;
  }
  absl::StrAppend(&line, Paint("FAIL", Style::kRed, colour_), "    ", got);
  if (outcome.got.ok() || !outcome.example.raises.empty()) {
    absl::StrAppend(&line, ", expected ", ExpectedText(outcome.example));
  }
  absl::StrAppend(&line, "  (", outcome.toml, ":", outcome.example.line, ")\n");
  return line;
}

std::string CheckTable::Summary(const CheckReport& report,
                                const std::vector<PluginProblem>& problems,
                                bool problems_fail) {
  std::string summary =
      absl::StrCat(report.passed, " passed, ", report.failed, " failed");
  if (report.stopped) absl::StrAppend(&summary, "; interrupted");
  if (!report.without_examples.empty()) {
    absl::StrAppend(&summary, "; no examples: ",
                    absl::StrJoin(report.without_examples, ", "));
  }
  if (!report.without_runtime.empty()) {
    absl::StrAppend(&summary, "; not in the chosen language: ",
                    absl::StrJoin(report.without_runtime, ", "));
  }
  if (!problems.empty()) {
    absl::StrAppend(&summary, "; ",
                    problems_fail ? "" : "warning: ", problems.size(),
                    problems_fail ? " plugin(s) failed to load"
                                  : " other plugin(s) failed to load");
  }
  return summary + "\n";
}

Value CheckJson(const CheckReport& report,
                const std::vector<PluginProblem>& problems,
                bool problems_fail) {
  Value::List results;
  for (const ExampleOutcome& outcome : report.outcomes) {
    Value::Map entry{
        {"module", outcome.module},
        {"call", outcome.example.call},
        {"args", outcome.example.args},
        {"line", outcome.example.line},
        {"language", NameOf(outcome.language)},
        {"passed", outcome.passed},
    };
    if (outcome.example.raises.empty()) {
      entry.Set("expect", outcome.example.expect);
    } else {
      entry.Set("raises", outcome.example.raises);
    }
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
      {"ok", report.failed == 0 && (problems.empty() || !problems_fail)},
      {"results", std::move(results)},
      {"without_examples", Value::List(report.without_examples.begin(),
                                       report.without_examples.end())},
      {"without_runtime", Value::List(report.without_runtime.begin(),
                                      report.without_runtime.end())},
      {"problems", std::move(problem_list)},
  };
}

}  // namespace duet::tools
