#include "output.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "duet/tools/stubs.h"

namespace duet::cli {
namespace {

std::string PathString(const std::filesystem::path& path) {
  return path.string();
}

}  // namespace

std::string ProblemLine(const PluginProblem& problem) {
  std::string reason = OneLine(problem.status);
  std::string location = PathString(problem.location);
  // Most reasons already start with the file (plugin.toml:3: ...); name the
  // plugin only when they do not mention it.
  std::string name = problem.location.filename().string();
  if (!name.empty() && reason.find(name) != std::string::npos) {
    return absl::StrCat("plugin not loaded: ", reason);
  }
  return absl::StrCat("plugin not loaded: ", location, ": ", reason);
}

namespace {

// Functions every implementation exports, then "name (python only)" for the
// rest, so a gap between the two shows in the listing.
std::vector<std::string> ExportSummary(const ModuleInfo& module) {
  std::set<std::string> all;
  for (const ImplementationInfo& impl : module.implementations) {
    all.insert(impl.exports.begin(), impl.exports.end());
  }
  std::vector<std::string> shared, partial;
  for (const std::string& name : all) {
    std::vector<std::string> in;
    for (const ImplementationInfo& impl : module.implementations) {
      if (std::find(impl.exports.begin(), impl.exports.end(), name) !=
          impl.exports.end()) {
        in.emplace_back(NameOf(impl.language));
      }
    }
    if (in.size() == module.implementations.size()) {
      shared.push_back(name);
    } else {
      partial.push_back(
          absl::StrCat(name, " (", absl::StrJoin(in, ", "), " only)"));
    }
  }
  shared.insert(shared.end(), partial.begin(), partial.end());
  return shared;
}

// Each function with its declared types (null where undeclared), so an
// editor or a script can read the signatures without parsing plugin.toml.
Value FunctionsJson(const ModuleInfo& module) {
  Value::List functions;
  for (const tools::FunctionSignature& function :
       tools::ModuleSignatures(module)) {
    Value params;
    if (function.params_declared) {
      Value::List types;
      for (const TypeSpec& param : function.params) {
        types.push_back(param.ToString());
      }
      params = Value(std::move(types));
    }
    Value::List languages, async_in;
    for (Language language : function.languages) {
      languages.emplace_back(LanguageName(language));
    }
    for (Language language : function.async_in) {
      async_in.emplace_back(LanguageName(language));
    }
    functions.push_back(Value::Map{
        {"name", function.name},
        {"params", std::move(params)},
        {"returns",
         function.returns ? Value(function.returns->ToString()) : Value()},
        {"signature", tools::DeclaredSignature(function)},
        {"languages", std::move(languages)},
        {"async", std::move(async_in)},
    });
  }
  return Value(std::move(functions));
}

}  // namespace

std::string ModulesTable(const std::vector<ModuleInfo>& modules) {
  if (modules.empty()) return "no modules loaded\n";
  std::vector<std::vector<std::string>> rows = {
      {"MODULE", "ACTIVE", "IMPLEMENTATIONS", "STATE", "EXPORTS"}};
  for (const ModuleInfo& module : modules) {
    std::vector<std::string> languages;
    for (const ImplementationInfo& impl : module.implementations) {
      languages.emplace_back(NameOf(impl.language));
    }
    rows.push_back({module.name, std::string(NameOf(module.active)),
                    absl::StrJoin(languages, ", "),
                    // [state]: a switch or reload carries the state over.
                    module.carries_state ? "carried" : "-",
                    absl::StrJoin(ExportSummary(module), ", ")});
  }
  std::string out = Table(rows);
  // What plugin.toml's [permissions] grants, as a second table so the first
  // keeps its columns; absent when no module is granted anything.
  std::vector<std::vector<std::string>> granted = {
      {"MODULE", "READ", "WRITE", "ENV"}};
  const auto listed = [](const std::vector<std::string>& entries) {
    return entries.empty() ? std::string("-") : absl::StrJoin(entries, ", ");
  };
  for (const ModuleInfo& module : modules) {
    const Permissions& permissions = module.permissions;
    if (permissions.empty()) continue;
    granted.push_back({module.name, listed(permissions.read),
                       listed(permissions.write), listed(permissions.env)});
  }
  if (granted.size() > 1) absl::StrAppend(&out, "\n", Table(granted));
  return out;
}

Value ModulesJson(const std::vector<ModuleInfo>& modules,
                  const std::vector<std::string>& plugin_dirs,
                  const std::vector<PluginProblem>& problems) {
  Value::List module_list;
  for (const ModuleInfo& module : modules) {
    Value::List impls;
    std::set<std::string> all_exports;
    for (const ImplementationInfo& impl : module.implementations) {
      Value::List exports(impl.exports.begin(), impl.exports.end());
      all_exports.insert(impl.exports.begin(), impl.exports.end());
      impls.push_back(Value::Map{{"language", NameOf(impl.language)},
                                 {"file", PathString(impl.file)},
                                 {"exports", std::move(exports)}});
    }
    Value::Map entry{
        {"name", module.name},
        {"version", module.version},
        {"description", module.description},
        {"location", PathString(module.location)},
        {"active", NameOf(module.active)},
        {"carries_state", module.carries_state},
        {"permissions",
         Value::Map{
             {"read", Value::List(module.permissions.read.begin(),
                                  module.permissions.read.end())},
             {"write", Value::List(module.permissions.write.begin(),
                                   module.permissions.write.end())},
             {"env", Value::List(module.permissions.env.begin(),
                                 module.permissions.env.end())},
         }},
        {"implementations", std::move(impls)},
        {"exports", Value::List(all_exports.begin(), all_exports.end())},
    };
    int64_t examples = 0;
    if (module.manifest) {
      examples = static_cast<int64_t>(module.manifest->examples.size());
      if (module.manifest->default_language) {
        entry.Set("default", NameOf(*module.manifest->default_language));
      }
    }
    entry.Set("examples", examples);
    entry.Set("functions", FunctionsJson(module));
    module_list.push_back(std::move(entry));
  }
  Value::List problem_list;
  for (const PluginProblem& problem : problems) {
    problem_list.push_back(
        Value::Map{{"location", PathString(problem.location)},
                   {"message", OneLine(problem.status)}});
  }
  return Value::Map{
      {"plugin_dirs", Value::List(plugin_dirs.begin(), plugin_dirs.end())},
      {"modules", std::move(module_list)},
      {"problems", std::move(problem_list)},
  };
}

bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  const auto byte = [&](size_t k) {
    return static_cast<unsigned char>(text[k]);
  };
  while (i < text.size()) {
    unsigned char c = byte(i);
    size_t length;
    uint32_t min;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      length = 2, min = 0x80, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3, min = 0x800, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4, min = 0x10000, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      if ((byte(i + k) & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

bool ColourWanted(int fd) {
  if (isatty(fd) != 1) return false;
  if (const char* no_color = std::getenv("NO_COLOR"); no_color && *no_color) {
    return false;
  }
  const char* term = std::getenv("TERM");
  return term == nullptr || std::strcmp(term, "dumb") != 0;
}

std::string HighlightResult(std::string_view text, bool colour) {
  if (!colour) return std::string(text);
  auto word_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
           c == '$' || (static_cast<unsigned char>(c) & 0x80);
  };
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '\'' || c == '"' || c == '`') {  // a string literal
      size_t end = i + 1;
      while (end < text.size() && text[end] != c) {
        end += text[end] == '\\' ? 2 : 1;
      }
      end = std::min(end + 1, text.size());
      // b'...' (Python bytes) keeps its prefix inside the colour.
      out += Paint(text.substr(i, end - i), Style::kGreen, true);
      i = end;
      continue;
    }
    if (word_char(c)) {
      size_t end = i;
      while (end < text.size() && word_char(text[end])) ++end;
      // A number may carry a fraction and an exponent (1.5e-07).
      if (std::isdigit(static_cast<unsigned char>(c))) {
        while (end < text.size() &&
               (word_char(text[end]) || text[end] == '.' ||
                ((text[end] == '-' || text[end] == '+') &&
                 (text[end - 1] == 'e' || text[end - 1] == 'E')))) {
          ++end;
        }
      }
      std::string_view word = text.substr(i, end - i);
      // b'..' / f'..': a prefix glued to a string.
      if (end < text.size() && (text[end] == '\'' || text[end] == '"') &&
          word.size() <= 2) {
        size_t close = end + 1;
        while (close < text.size() && text[close] != text[end]) {
          close += text[close] == '\\' ? 2 : 1;
        }
        close = std::min(close + 1, text.size());
        out += Paint(text.substr(i, close - i), Style::kGreen, true);
        i = close;
        continue;
      }
      const bool number = std::isdigit(static_cast<unsigned char>(c)) ||
                          word == "NaN" || word == "Infinity" ||
                          word == "inf" || word == "nan";
      if (number || word == "True" || word == "False" || word == "true" ||
          word == "false") {
        out += Paint(word, Style::kYellow, true);
      } else if (word == "None" || word == "null") {
        out += Paint(word, Style::kBold, true);
      } else if (word == "undefined") {
        out += Paint(word, Style::kDim, true);
      } else {
        out += std::string(word);
      }
      i = end;
      continue;
    }
    if (c == '-' && i + 1 < text.size() &&
        std::isdigit(static_cast<unsigned char>(text[i + 1])) &&
        (out.empty() || !word_char(out.back()))) {
      // A negative number: the sign joins the digits that follow.
      size_t end = i + 1;
      while (end < text.size() && (word_char(text[end]) || text[end] == '.')) {
        ++end;
      }
      out += Paint(text.substr(i, end - i), Style::kYellow, true);
      i = end;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

namespace {

// Frames the REPL or an engine made up, as opposed to a file of a plugin.
bool IsPluginFrame(const StackFrame& frame) {
  if (frame.file.empty() || frame.file[0] == '<') return false;
  if (frame.file.rfind("node:", 0) == 0) return false;
  return frame.file.find('/') != std::string::npos ||
         frame.file.find('.') != std::string::npos;
}

std::string FrameLine(const StackFrame& frame) {
  std::string out = "  at ";
  if (!frame.function.empty()) absl::StrAppend(&out, frame.function, " (");
  absl::StrAppend(&out, frame.file.empty() ? "<unknown>" : frame.file);
  if (frame.line > 0) absl::StrAppend(&out, ":", frame.line);
  if (frame.column > 0) absl::StrAppend(&out, ":", frame.column);
  if (!frame.function.empty()) out += ")";
  absl::StrAppend(&out, " [", NameOf(frame.language), "]");
  return out;
}

}  // namespace

std::string FormatScriptError(const absl::Status& status, bool colour) {
  std::optional<ScriptError> error = GetScriptError(status);
  if (!error) return std::string(status.message());
  std::string out;
  // The error, then each cause (as FormatError words it).
  for (const ScriptError* each = &*error; each != nullptr;
       each = each->cause.get()) {
    if (each != &*error) out += "\ncaused by: ";
    absl::StrAppend(&out, Paint(each->type, Style::kRed, colour),
                    each->message.empty() ? "" : ": ", each->message);
    if (!each->source_line.empty()) {
      absl::StrAppend(&out, "\n    ", each->source_line);
    }
    // Innermost first within each group, as the engines report them.
    std::vector<StackFrame> frames = each->stack;
    std::stable_partition(frames.begin(), frames.end(), IsPluginFrame);
    for (const StackFrame& frame : frames) {
      absl::StrAppend(&out, "\n",
                      IsPluginFrame(frame)
                          ? FrameLine(frame)
                          : Paint(FrameLine(frame), Style::kDim, colour));
    }
  }
  return out;
}

}  // namespace duet::cli
