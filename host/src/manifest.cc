#include "duet/manifest.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "duet/internal/identifier.h"
#include "duet/internal/status_macros.h"
#include "duet/internal/strings.h"
#include "toml++/toml.h"

namespace duet {
namespace {

using internal::ToAbsl;

// Every manifest message starts with "file:line:column: " so editors and
// people can jump to it.
class Reporter {
 public:
  explicit Reporter(const std::filesystem::path& file) : file_(file.string()) {}

  std::string Where(const toml::source_region& region) const {
    if (region.begin.line == 0) return file_;
    return absl::StrCat(file_, ":", region.begin.line, ":",
                        region.begin.column);
  }
  absl::Status Error(const toml::node& node, std::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(node.source()), ": ", ToAbsl(what)));
  }
  absl::Status Error(const toml::key& key, std::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(key.source()), ": ", ToAbsl(what)));
  }
  absl::Status ErrorAtFile(std::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(file_, ": ", ToAbsl(what)));
  }
  // `table` as the author wrote it ("[limits]", "[[examples]]"), or "" for
  // the top level.
  void Warn(const toml::key& key, std::string_view table) {
    std::string where = table.empty() ? std::string("at the top level")
                                      : absl::StrCat("in ", ToAbsl(table));
    warnings_.push_back(absl::StrCat(Where(key.source()), ": unknown key '",
                                     ToAbsl(key.str()), "' ", where,
                                     " (ignored; is it a typo?)"));
  }
  std::vector<std::string> TakeWarnings() { return std::move(warnings_); }
  const std::string& file() const { return file_; }
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  std::string file_;
  std::vector<std::string> warnings_;
};

// toml++ parses dotted keys, inline tables and arrays recursively, so a key
// dotted 50,000 times overflows the stack. A manifest needs a few levels;
// anything deeper, or larger than any real manifest, is refused before
// toml++ sees it.
constexpr size_t kMaxManifestBytes = size_t{1} << 20;
constexpr int kMaxNesting = 64;

// Measures how deep `text` nests without parsing it: strings and comments
// are skipped, and every key segment, [table] header segment and open
// bracket counts one level. Malformed text is left for toml++ to report.
class NestingScan {
 public:
  NestingScan(const Reporter& reporter, std::string_view text)
      : reporter_(reporter), text_(text) {}

  absl::Status Run() {
    if (text_.size() > kMaxManifestBytes) {
      return reporter_.ErrorAtFile(
          absl::StrCat("the manifest has ", text_.size(),
                       " bytes; a plugin.toml may have at most ",
                       kMaxManifestBytes, " (1 MiB)"));
    }
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '\n') {
        ++line_;
        ++pos_;
        if (open_.empty()) StartKey();
      } else if (c == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (c == '"' || c == '\'') {
        SkipString(c);
        line_has_content_ = true;
      } else {
        DUET_RETURN_IF_ERROR(Punctuation(c));
        if (c != ' ' && c != '\t' && c != '\r') line_has_content_ = true;
        ++pos_;
      }
    }
    return absl::OkStatus();
  }

 private:
  struct Level {
    int depth;   // of the array or inline table itself
    bool table;  // '{' rather than '['
  };

  void StartKey() {
    in_key_ = true;
    dots_ = 0;
    line_has_content_ = false;
  }
  // Depth of the table whose keys are being read.
  int KeyBase() const {
    return open_.empty() ? header_depth_ : open_.back().depth;
  }

  absl::Status Check(int depth) const {
    if (depth <= kMaxNesting) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat(reporter_.file(), ":", line_,
                     ": keys, tables and arrays nest more than ", kMaxNesting,
                     " levels deep here (a manifest needs a few)"));
  }

  absl::Status Punctuation(char c) {
    if (in_header_) {
      if (c == '.') return Check(header_depth_ = header_depth_ + 1);
      if (c == ']') {
        in_header_ = false;
        in_key_ = false;  // the rest of the line can only be a comment
      }
      return absl::OkStatus();
    }
    if (in_key_) {
      if (c == '[' && open_.empty() && !line_has_content_) {
        // [table] or [[array.of.tables]]: its keys sit below the header's
        // segments (one more level for the array).
        in_header_ = true;
        header_depth_ = 1;
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '[') {
          header_depth_ = 2;
          ++pos_;
        }
        return absl::OkStatus();
      }
      if (c == '.') return Check(KeyBase() + ++dots_ + 1);
      if (c == '=') {
        in_key_ = false;
        value_depth_ = KeyBase() + dots_ + 1;
        return Check(value_depth_);
      }
      if (c == '}' && !open_.empty() && open_.back().table) Close();
      return absl::OkStatus();
    }
    switch (c) {
      case '{':
        open_.push_back({value_depth_, true});
        StartKey();
        line_has_content_ = true;
        return Check(value_depth_);
      case '[':
        open_.push_back({value_depth_, false});
        value_depth_ = open_.back().depth + 1;
        return Check(value_depth_);
      case ',':
        if (!open_.empty() && open_.back().table) {
          StartKey();
          line_has_content_ = true;
        } else if (!open_.empty()) {
          value_depth_ = open_.back().depth + 1;
        }
        return absl::OkStatus();
      case ']':
      case '}':
        if (!open_.empty()) Close();
        return absl::OkStatus();
      default:
        return absl::OkStatus();
    }
  }

  void Close() {
    open_.pop_back();
    in_key_ = false;
    if (!open_.empty() && !open_.back().table) {
      value_depth_ = open_.back().depth + 1;
    }
  }

  // Skips a basic or literal string, single- or multi-line, counting lines.
  void SkipString(char quote) {
    bool multiline = text_.substr(pos_, 3) == std::string(3, quote);
    pos_ += multiline ? 3 : 1;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '\\' && quote == '"') {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++line_;
        pos_ += 2;
        continue;
      }
      if (c == '\n') {
        if (!multiline) return;  // unterminated: toml++ reports it
        ++line_;
      }
      if (c == quote) {
        if (!multiline) {
          ++pos_;
          return;
        }
        if (text_.substr(pos_, 3) == std::string(3, quote)) {
          pos_ += 3;
          // Up to two more quotes may close a multi-line string.
          while (pos_ < text_.size() && text_[pos_] == quote) ++pos_;
          return;
        }
      }
      ++pos_;
    }
  }

  const Reporter& reporter_;
  std::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
  bool in_key_ = true;
  bool in_header_ = false;
  bool line_has_content_ = false;
  int dots_ = 0;
  int header_depth_ = 0;
  int value_depth_ = 0;
  std::vector<Level> open_;
};

// toml++ iterates a table in key order; manifests are read in file order
// (warnings, [exports], and the maps in examples keep the author's order).
std::vector<std::pair<const toml::key*, const toml::node*>> InFileOrder(
    const toml::table& table) {
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  for (const auto& [key, node] : table) entries.emplace_back(&key, &node);
  std::stable_sort(
      entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        const toml::source_position& x = a.first->source().begin;
        const toml::source_position& y = b.first->source().begin;
        return x.line != y.line ? x.line < y.line : x.column < y.column;
      });
  return entries;
}

std::string_view TypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}

absl::StatusOr<std::string> GetString(Reporter& reporter,
                                      const toml::node& node,
                                      std::string_view key) {
  if (const toml::value<std::string>* s = node.as_string()) return s->get();
  return reporter.Error(
      node, absl::StrCat("'", ToAbsl(key), "' must be a string, not ",
                         ToAbsl(TypeName(node))));
}

// Bytes written as text in a manifest: base64, as duet's JSON writes them,
// or "hex:" and pairs of hex digits (spaces between them allowed).
absl::StatusOr<Bytes> BytesFromText(Reporter& reporter, const toml::node& node,
                                    std::string_view what) {
  const toml::value<std::string>* text = node.as_string();
  if (text == nullptr) {
    return reporter.Error(node, absl::StrCat(ToAbsl(what),
                                             ": bytes are written as a string "
                                             "(base64, or \"hex:\" and hex "
                                             "digits), not ",
                                             ToAbsl(TypeName(node))));
  }
  std::string_view body = text->get();
  std::string decoded;
  if (body.rfind("hex:", 0) == 0) {
    std::string digits;
    for (char c : body.substr(4)) {
      if (c == ' ') continue;
      if (!std::isxdigit(static_cast<unsigned char>(c))) {
        return reporter.Error(
            node, absl::StrCat(ToAbsl(what), ": '", std::string(1, c),
                               "' is not a hex digit"));
      }
      digits += c;
    }
    if (digits.size() % 2 != 0) {
      return reporter.Error(
          node, absl::StrCat(ToAbsl(what),
                             ": hex bytes need an even number of digits"));
    }
    decoded = absl::HexStringToBytes(digits);
  } else if (!absl::Base64Unescape(ToAbsl(body), &decoded)) {
    return reporter.Error(
        node, absl::StrCat(ToAbsl(what),
                           ": bytes must be base64, or \"hex:\" and hex "
                           "digits"));
  }
  return Bytes(decoded);
}

// TOML values map onto duet values one to one, except dates and times.
absl::StatusOr<Value> ToValue(Reporter& reporter, const toml::node& node,
                              std::string_view what) {
  switch (node.type()) {
    case toml::node_type::string:
      return Value(node.as_string()->get());
    case toml::node_type::integer:
      return Value(node.as_integer()->get());
    case toml::node_type::floating_point:
      return Value(node.as_floating_point()->get());
    case toml::node_type::boolean:
      return Value(node.as_boolean()->get());
    case toml::node_type::array: {
      Value::List list;
      for (const toml::node& item : *node.as_array()) {
        DUET_ASSIGN_OR_RETURN(Value v, ToValue(reporter, item, what));
        list.push_back(std::move(v));
      }
      return Value(std::move(list));
    }
    case toml::node_type::table: {
      // TOML has no null and no bytes: a one-key table {"$null" = true} or
      // {"$bytes" = "BASE64"} stands for one, as {"$bytes": ...} does in
      // duet's JSON.
      const toml::table& table = *node.as_table();
      if (table.size() == 1) {
        // The iterator owns what it points at: keep it alive.
        const auto only = table.begin();
        const toml::key& key = only->first;
        const toml::node& item = only->second;
        if (key.str() == "$null") {
          if (item.value<bool>() != std::optional<bool>(true)) {
            return reporter.Error(item, absl::StrCat(ToAbsl(what),
                                                     ": \"$null\" must be "
                                                     "true"));
          }
          return Value();
        }
        if (key.str() == "$bytes") {
          DUET_ASSIGN_OR_RETURN(Bytes bytes,
                                BytesFromText(reporter, item, what));
          return Value(std::move(bytes));
        }
      }
      Value::Map map;
      for (const auto& [key, item] : InFileOrder(*node.as_table())) {
        DUET_ASSIGN_OR_RETURN(Value v, ToValue(reporter, *item, what));
        map.Set(std::string(key->str()), std::move(v));
      }
      return Value(std::move(map));
    }
    default:
      return reporter.Error(
          node, absl::StrCat(ToAbsl(what), ": ", ToAbsl(TypeName(node)),
                             " has no duet value (use a string)"));
  }
}

absl::Status ParseImplementations(Reporter& reporter, const toml::node& node,
                                  Manifest& manifest) {
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    return reporter.Error(node,
                          "[implementations] must be a table, e.g. "
                          "python = \"greeter.py\"");
  }
  for (const auto& [key_ptr, value_ptr] : InFileOrder(*table)) {
    const toml::key& key = *key_ptr;
    const toml::node& value = *value_ptr;
    std::optional<Language> language = ParseLanguage(key.str());
    if (!language) {
      return reporter.Error(
          key, absl::StrCat("unknown language '", ToAbsl(key.str()),
                            "' in [implementations] (expected python or "
                            "javascript)"));
    }
    DUET_ASSIGN_OR_RETURN(std::string file,
                          GetString(reporter, value, key.str()));
    std::filesystem::path path(file);
    if (file.empty() || path.is_absolute() ||
        path.lexically_normal().string().rfind("..", 0) == 0) {
      return reporter.Error(
          value, absl::StrCat("implementation file '", file,
                              "' must be a relative path inside the plugin"));
    }
    manifest.implementation_lines[*language] =
        static_cast<int>(key.source().begin.line);
    if (!manifest.implementations.emplace(*language, file).second) {
      return reporter.Error(
          key, absl::StrCat("a second ", ToAbsl(LanguageName(*language)),
                            " implementation"));
    }
  }
  if (manifest.implementations.empty()) {
    return reporter.Error(node, "[implementations] names no implementation");
  }
  return absl::OkStatus();
}

absl::Status ParseExports(Reporter& reporter, const toml::node& node,
                          Manifest& manifest) {
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    return reporter.Error(node, "[exports] must be a table of [exports.NAME]");
  }
  for (const auto& [name_ptr, spec_ptr] : InFileOrder(*table)) {
    const toml::key& name = *name_ptr;
    const toml::node& spec_node = *spec_ptr;
    if (!internal::IsIdentifier(name.str())) {
      return reporter.Error(name,
                            absl::StrCat("export name '", ToAbsl(name.str()),
                                         "' is not an identifier"));
    }
    const toml::table* spec = spec_node.as_table();
    if (spec == nullptr) {
      return reporter.Error(spec_node,
                            absl::StrCat("[exports.", ToAbsl(name.str()),
                                         "] must be a table with params and "
                                         "returns"));
    }
    ExportSpec export_spec;
    export_spec.name = std::string(name.str());
    export_spec.line = static_cast<int>(name.source().begin.line);
    for (const auto& [key_ptr, value_ptr] : InFileOrder(*spec)) {
      const toml::key& key = *key_ptr;
      const toml::node& value = *value_ptr;
      if (key.str() == "params") {
        const toml::array* params = value.as_array();
        if (params == nullptr) {
          return reporter.Error(value,
                                "'params' must be an array of type "
                                "names, e.g. [\"string\", \"int\"]");
        }
        export_spec.params_declared = true;
        for (const toml::node& param : *params) {
          DUET_ASSIGN_OR_RETURN(std::string text,
                                GetString(reporter, param, "params"));
          absl::StatusOr<TypeSpec> type = TypeSpec::Parse(text);
          if (!type.ok())
            return reporter.Error(param,
                                  internal::ToStd(type.status().message()));
          export_spec.params.push_back(*std::move(type));
        }
      } else if (key.str() == "returns") {
        DUET_ASSIGN_OR_RETURN(std::string text,
                              GetString(reporter, value, "returns"));
        absl::StatusOr<TypeSpec> type = TypeSpec::Parse(text);
        if (!type.ok())
          return reporter.Error(value,
                                internal::ToStd(type.status().message()));
        export_spec.returns = *std::move(type);
      } else {
        reporter.Warn(key, absl::StrCat("[exports.", ToAbsl(name.str()), "]"));
      }
    }
    manifest.exports.push_back(std::move(export_spec));
  }
  return absl::OkStatus();
}

// Whether `name` is an error status code's name as absl::StatusCodeToString
// writes it ("INVALID_ARGUMENT"; not "OK").
bool IsErrorCodeName(std::string_view name) {
  for (int code = 1; code <= 16; ++code) {
    if (name == absl::StatusCodeToString(static_cast<absl::StatusCode>(code))) {
      return true;
    }
  }
  return false;
}

absl::Status ParseExamples(Reporter& reporter, const toml::node& node,
                           Manifest& manifest) {
  const toml::array* array = node.as_array();
  if (array == nullptr || !array->is_array_of_tables()) {
    return reporter.Error(node,
                          "examples must be an array of tables: "
                          "[[examples]]");
  }
  for (const toml::node& item : *array) {
    const toml::table& table = *item.as_table();
    Example example;
    example.line = static_cast<int>(table.source().begin.line);
    // The keys saying what the call must do; exactly one may be given.
    std::vector<std::string> outcome_keys;
    for (const auto& [key_ptr, value_ptr] : InFileOrder(table)) {
      const toml::key& key = *key_ptr;
      const toml::node& value = *value_ptr;
      const std::string_view name = key.str();
      if (name == "call") {
        DUET_ASSIGN_OR_RETURN(example.call, GetString(reporter, value, "call"));
      } else if (name == "args") {
        if (!value.is_array()) {
          return reporter.Error(value, "'args' must be an array");
        }
        DUET_ASSIGN_OR_RETURN(Value args, ToValue(reporter, value, "args"));
        example.args = std::move(args.as_list());
      } else if (name == "expect" || name == "expect_null" ||
                 name == "expect_bytes" || name == "raises") {
        if (!outcome_keys.empty()) {
          return reporter.Error(
              key, absl::StrCat("an [[examples]] entry takes one of 'expect', "
                                "'expect_null', 'expect_bytes' and 'raises'; "
                                "this one has '",
                                outcome_keys[0], "' and '", ToAbsl(name), "'"));
        }
        outcome_keys.emplace_back(name);
        if (name == "expect") {
          DUET_ASSIGN_OR_RETURN(example.expect,
                                ToValue(reporter, value, "expect"));
        } else if (name == "expect_null") {
          if (value.value<bool>() != std::optional<bool>(true)) {
            return reporter.Error(value,
                                  "'expect_null' must be true (leave it out "
                                  "when the call returns a value)");
          }
        } else if (name == "expect_bytes") {
          DUET_ASSIGN_OR_RETURN(Bytes bytes,
                                BytesFromText(reporter, value, "expect_bytes"));
          example.expect = Value(std::move(bytes));
        } else {
          DUET_ASSIGN_OR_RETURN(example.raises,
                                GetString(reporter, value, "raises"));
          const bool all_caps = std::all_of(
              example.raises.begin(), example.raises.end(),
              [](unsigned char c) { return std::isupper(c) || c == '_'; });
          if (example.raises.empty() ||
              (all_caps && !IsErrorCodeName(example.raises))) {
            return reporter.Error(
                value,
                absl::StrCat("'raises' wants an error type (\"ValueError\") "
                             "or a status code (\"INVALID_ARGUMENT\"), not \"",
                             example.raises, "\""));
          }
        }
      } else {
        reporter.Warn(key, "[[examples]]");
      }
    }
    if (example.call.empty()) {
      return reporter.Error(item,
                            "an [[examples]] entry needs 'call', the "
                            "function to call");
    }
    if (outcome_keys.empty()) {
      return reporter.Error(
          item,
          "an [[examples]] entry needs 'expect', the value the call must "
          "return (or 'expect_null = true', 'expect_bytes' or 'raises')");
    }
    manifest.examples.push_back(std::move(example));
  }
  return absl::OkStatus();
}

absl::Status ParseLimits(Reporter& reporter, const toml::node& node,
                         Manifest& manifest) {
  const toml::table* table = node.as_table();
  if (table == nullptr) return reporter.Error(node, "[limits] must be a table");
  for (const auto& [key_ptr, value_ptr] : InFileOrder(*table)) {
    const toml::key& key = *key_ptr;
    const toml::node& value = *value_ptr;
    int64_t* field = nullptr;
    int64_t max = 0;
    std::string_view unit;
    if (key.str() == "timeout_ms") {
      field = &manifest.limits.timeout_ms;
      max = Limits::kMaxTimeoutMs;
      unit = "milliseconds";
    } else if (key.str() == "memory_mb") {
      field = &manifest.limits.memory_mb;
      max = Limits::kMaxMemoryMb;
      unit = "MB";
    }
    if (field == nullptr) {
      reporter.Warn(key, "[limits]");
      continue;
    }
    const toml::value<int64_t>* number = value.as_integer();
    if (number == nullptr || number->get() < 1 || number->get() > max) {
      std::string got = number != nullptr ? absl::StrCat(number->get())
                                          : std::string(TypeName(value));
      return reporter.Error(
          value, absl::StrCat("'", ToAbsl(key.str()),
                              "' must be an integer from 1 to ", max, " (",
                              ToAbsl(unit), "), not ", got));
    }
    *field = number->get();
  }
  return absl::OkStatus();
}

absl::Status ParseJavaScript(Reporter& reporter, const toml::node& node,
                             Manifest& manifest) {
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    return reporter.Error(node, "[javascript] must be a table");
  }
  for (const auto& [key_ptr, value_ptr] : InFileOrder(*table)) {
    const toml::key& key = *key_ptr;
    const toml::node& value = *value_ptr;
    if (key.str() != "node") {
      reporter.Warn(key, "[javascript]");
      continue;
    }
    const toml::value<bool>* flag = value.as_boolean();
    if (flag == nullptr) {
      return reporter.Error(
          value, absl::StrCat("'node' in [javascript] must be true or false, "
                              "not ",
                              ToAbsl(TypeName(value))));
    }
    manifest.javascript.node = flag->get();
  }
  return absl::OkStatus();
}

absl::Status ParseState(Reporter& reporter, const toml::node& node,
                        Manifest& manifest) {
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    return reporter.Error(node,
                          "[state] must be a table naming the snapshot and "
                          "restore functions");
  }
  StateHooks hooks;
  hooks.line = static_cast<int>(node.source().begin.line);
  for (const auto& [key_ptr, value_ptr] : InFileOrder(*table)) {
    const toml::key& key = *key_ptr;
    std::string* field = nullptr;
    if (key.str() == "snapshot") {
      field = &hooks.snapshot;
    } else if (key.str() == "restore") {
      field = &hooks.restore;
    }
    if (field == nullptr) {
      reporter.Warn(key, "[state]");
      continue;
    }
    DUET_ASSIGN_OR_RETURN(*field, GetString(reporter, *value_ptr, key.str()));
    if (!internal::IsIdentifier(*field)) {
      return reporter.Error(
          *value_ptr, absl::StrCat("[state] ", ToAbsl(key.str()), " '", *field,
                                   "' must be the name of an exported "
                                   "function"));
    }
  }
  if (hooks.snapshot.empty() || hooks.restore.empty()) {
    return reporter.Error(
        node,
        absl::StrCat("[state] needs both 'snapshot' (a function "
                     "returning the state) and 'restore' (a function "
                     "taking it); missing '",
                     hooks.snapshot.empty() ? "snapshot" : "restore", "'"));
  }
  if (hooks.snapshot == hooks.restore) {
    return reporter.Error(
        node, absl::StrCat("[state] snapshot and restore are both '",
                           hooks.snapshot, "'; they must be two functions"));
  }
  manifest.state = std::move(hooks);
  return absl::OkStatus();
}

// An environment variable name as POSIX shells write one.
bool IsEnvironmentName(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_';
  });
}

absl::Status ParsePermissions(Reporter& reporter, const toml::node& node,
                              Manifest& manifest) {
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    return reporter.Error(node,
                          "[permissions] must be a table, e.g. read = "
                          "[\"data/\"]");
  }
  Permissions& permissions = manifest.permissions;
  permissions.line = static_cast<int>(node.source().begin.line);
  for (const auto& [key_ptr, value_ptr] : InFileOrder(*table)) {
    const toml::key& key = *key_ptr;
    const toml::node& value = *value_ptr;
    const std::string_view name = key.str();
    std::vector<std::string>* field = nullptr;
    if (name == "read") {
      field = &permissions.read;
    } else if (name == "write") {
      field = &permissions.write;
    } else if (name == "env") {
      field = &permissions.env;
    }
    // A misspelt grant silently granting nothing would be found late:
    // unlike other tables, an unknown key here is an error.
    if (field == nullptr) {
      return reporter.Error(
          key, absl::StrCat("unknown key '", ToAbsl(name),
                            "' in [permissions] (expected read, write or "
                            "env)"));
    }
    const std::string_view example =
        name == "env" ? "[\"HOME\", \"LANG\"]" : "[\"data/\"]";
    const toml::array* list = value.as_array();
    if (list == nullptr) {
      return reporter.Error(
          value, absl::StrCat("[permissions] '", ToAbsl(name),
                              "' must be a list of strings, e.g. ",
                              ToAbsl(name), " = ", ToAbsl(example), "; not ",
                              ToAbsl(TypeName(value))));
    }
    for (const toml::node& item : *list) {
      const toml::value<std::string>* text = item.as_string();
      if (text == nullptr) {
        return reporter.Error(
            item, absl::StrCat("[permissions] '", ToAbsl(name),
                               "' must be a list of strings; this entry is ",
                               ToAbsl(TypeName(item))));
      }
      const std::string& entry = text->get();
      if (entry.empty()) {
        return reporter.Error(
            item, absl::StrCat("[permissions] '", ToAbsl(name),
                               "' has an empty string",
                               name == "env" ? ""
                                             : " (write \".\" to grant the "
                                               "whole plugin folder)"));
      }
      if (name == "env") {
        if (!IsEnvironmentName(entry)) {
          return reporter.Error(
              item, absl::StrCat("[permissions] env entry '", entry,
                                 "' is not an environment variable name "
                                 "(letters, digits and _, not starting with "
                                 "a digit)"));
        }
      } else if (entry.find('\0') != std::string::npos) {
        return reporter.Error(
            item, absl::StrCat("[permissions] ", ToAbsl(name),
                               " entry has a NUL character, which no path "
                               "can contain"));
      }
      field->push_back(entry);
    }
  }
  return absl::OkStatus();
}

}  // namespace

// ---------------------------------------------------------------------------
// TypeSpec

namespace {
constexpr int kMaxTypeNesting = 16;
}  // namespace

TypeSpec::TypeSpec(const TypeSpec& other)
    : kind_(other.kind_),
      nullable_(other.nullable_),
      element_(other.element_ ? std::make_unique<TypeSpec>(*other.element_)
                              : nullptr) {}

TypeSpec& TypeSpec::operator=(const TypeSpec& other) {
  if (this != &other) {
    kind_ = other.kind_;
    nullable_ = other.nullable_;
    element_ =
        other.element_ ? std::make_unique<TypeSpec>(*other.element_) : nullptr;
  }
  return *this;
}

absl::StatusOr<TypeSpec> TypeSpec::Parse(std::string_view text) {
  static constexpr std::pair<std::string_view, Kind> kNames[] = {
      {"any", Kind::kAny},       {"null", Kind::kNull},
      {"bool", Kind::kBool},     {"int", Kind::kInt},
      {"float", Kind::kFloat},   {"number", Kind::kNumber},
      {"string", Kind::kString}, {"bytes", Kind::kBytes},
      {"list", Kind::kList},     {"map", Kind::kMap},
  };
  auto invalid = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("type '", ToAbsl(text), "' ", ToAbsl(why),
                     " (types: any, null, bool, int, float, number, string, "
                     "bytes, list, list[T], map, map[T], and T? for "
                     "nullable)"));
  };
  // Parse, copies and Accepts recurse once per element type.
  if (std::count(text.begin(), text.end(), '[') > kMaxTypeNesting) {
    return invalid(
        absl::StrCat("nests more than ", kMaxTypeNesting, " element types"));
  }
  std::string_view rest = text;
  TypeSpec spec;
  if (!rest.empty() && rest.back() == '?') {
    spec.nullable_ = true;
    rest.remove_suffix(1);
  }
  std::string_view element_text;
  if (size_t open = rest.find('['); open != std::string_view::npos) {
    if (rest.back() != ']') return invalid("has an unclosed '['");
    element_text = rest.substr(open + 1, rest.size() - open - 2);
    rest = rest.substr(0, open);
  }
  bool known = false;
  for (const auto& [name, kind] : kNames) {
    if (rest == name) {
      spec.kind_ = kind;
      known = true;
    }
  }
  if (!known) return invalid("is not a known type");
  if (!element_text.empty() || text.find('[') != std::string_view::npos) {
    if (spec.kind_ != Kind::kList && spec.kind_ != Kind::kMap) {
      return invalid("takes no element type");
    }
    absl::StatusOr<TypeSpec> element = Parse(element_text);
    if (!element.ok()) return element.status();
    spec.element_ = std::make_unique<TypeSpec>(*std::move(element));
  }
  return spec;
}

bool TypeSpec::Accepts(const Value& value) const {
  if (value.is_null() && (nullable_ || kind_ == Kind::kNull)) return true;
  switch (kind_) {
    case Kind::kAny:
      return true;
    case Kind::kNull:
      return value.is_null();
    case Kind::kBool:
      return value.is_bool();
    case Kind::kInt:
      return value.is_int();
    case Kind::kFloat:
    case Kind::kNumber:
      return value.is_number();
    case Kind::kString:
      return value.is_string();
    case Kind::kBytes:
      return value.is_bytes();
    case Kind::kList:
      if (!value.is_list()) return false;
      if (element_ != nullptr) {
        for (const Value& item : value.as_list()) {
          if (!element_->Accepts(item)) return false;
        }
      }
      return true;
    case Kind::kMap:
      if (!value.is_map()) return false;
      if (element_ != nullptr) {
        for (const auto& [key, item] : value.as_map()) {
          if (!element_->Accepts(item)) return false;
        }
      }
      return true;
  }
  return false;
}

std::string TypeSpec::ToString() const {
  static constexpr std::string_view kNames[] = {
      "any",    "null",   "bool",  "int",  "float",
      "number", "string", "bytes", "list", "map"};
  std::string out(kNames[static_cast<int>(kind_)]);
  if (element_ != nullptr)
    absl::StrAppend(&out, "[", element_->ToString(), "]");
  if (nullable_) out += "?";
  return out;
}

// ---------------------------------------------------------------------------
// Manifest

namespace {

absl::StatusOr<ParsedManifest> ParseManifestWith(
    Reporter& reporter, std::string_view toml_text,
    const std::filesystem::path& file) {
  DUET_RETURN_IF_ERROR(NestingScan(reporter, toml_text).Run());
  toml::table root;
  try {
    root = toml::parse(toml_text, file.string());
  } catch (const toml::parse_error& error) {
    return absl::InvalidArgumentError(
        absl::StrCat(reporter.Where(error.source()),
                     ": malformed TOML: ", ToAbsl(error.description())));
  }

  ParsedManifest parsed;
  Manifest& manifest = parsed.manifest;
  manifest.file = file;
  bool has_name = false;
  bool has_implementations = false;
  const toml::node* default_node = nullptr;
  for (const auto& [key_ptr, value_ptr] : InFileOrder(root)) {
    const toml::key& key = *key_ptr;
    const toml::node& value = *value_ptr;
    std::string_view k = key.str();
    if (k == "name") {
      DUET_ASSIGN_OR_RETURN(manifest.name, GetString(reporter, value, k));
      if (!internal::IsIdentifier(manifest.name)) {
        return reporter.Error(
            value, absl::StrCat("name '", manifest.name,
                                "' must be an identifier (letters, digits, "
                                "_; not starting with a digit)"));
      }
      if (internal::IsReservedModuleName(manifest.name)) {
        return reporter.Error(
            value, absl::StrCat("name '", manifest.name, "' is reserved: ",
                                ToAbsl(internal::kReservedModuleNameRule)));
      }
      has_name = true;
    } else if (k == "version") {
      DUET_ASSIGN_OR_RETURN(manifest.version, GetString(reporter, value, k));
    } else if (k == "description") {
      DUET_ASSIGN_OR_RETURN(manifest.description,
                            GetString(reporter, value, k));
    } else if (k == "default") {
      DUET_ASSIGN_OR_RETURN(std::string text, GetString(reporter, value, k));
      manifest.default_language = ParseLanguage(text);
      if (!manifest.default_language) {
        return reporter.Error(
            value, absl::StrCat("unknown language '", text,
                                "' for 'default' (expected python or "
                                "javascript)"));
      }
      default_node = &value;
    } else if (k == "implementations") {
      DUET_RETURN_IF_ERROR(ParseImplementations(reporter, value, manifest));
      has_implementations = true;
    } else if (k == "exports") {
      DUET_RETURN_IF_ERROR(ParseExports(reporter, value, manifest));
    } else if (k == "examples") {
      DUET_RETURN_IF_ERROR(ParseExamples(reporter, value, manifest));
    } else if (k == "limits") {
      DUET_RETURN_IF_ERROR(ParseLimits(reporter, value, manifest));
    } else if (k == "state") {
      DUET_RETURN_IF_ERROR(ParseState(reporter, value, manifest));
    } else if (k == "permissions") {
      DUET_RETURN_IF_ERROR(ParsePermissions(reporter, value, manifest));
    } else if (k == "javascript") {
      DUET_RETURN_IF_ERROR(ParseJavaScript(reporter, value, manifest));
    } else {
      reporter.Warn(key, "");
    }
  }
  if (!has_name) {
    return reporter.ErrorAtFile("missing required key 'name'");
  }
  if (!has_implementations) {
    return reporter.ErrorAtFile(
        "missing required table [implementations] (e.g. python = "
        "\"plugin.py\")");
  }
  if (manifest.default_language &&
      manifest.implementations.count(*manifest.default_language) == 0) {
    return reporter.Error(
        *default_node,
        absl::StrCat("default language ",
                     ToAbsl(LanguageName(*manifest.default_language)),
                     " has no entry in [implementations]"));
  }
  parsed.warnings = reporter.TakeWarnings();
  return parsed;
}

}  // namespace

absl::StatusOr<ParsedManifest> ParseManifest(
    std::string_view toml_text, const std::filesystem::path& file) {
  Reporter reporter(file);
  absl::StatusOr<ParsedManifest> parsed =
      ParseManifestWith(reporter, toml_text, file);
  if (parsed.ok() || reporter.warnings().empty()) return parsed;
  // A typo often causes the error ("exepct" leaves 'expect' missing): the
  // warnings name it, and would be lost with the manifest.
  return absl::Status(
      parsed.status().code(),
      absl::StrCat(parsed.status().message(), " (also ",
                   absl::StrJoin(reporter.warnings(), "; "), ")"));
}

absl::StatusOr<ParsedManifest> ParseManifestFile(
    const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat(file.string(), ": cannot read the manifest"));
  }
  std::stringstream text;
  text << in.rdbuf();
  return ParseManifest(text.str(), file);
}

}  // namespace duet
