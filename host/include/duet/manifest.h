/// @file
/// plugin.toml: a directory plugin's manifest (docs/plugins.md describes
/// every key).
///
/// @code
///   absl::StatusOr<duet::ParsedManifest> parsed =
///       duet::ParseManifestFile("plugins/greeter/plugin.toml");
///   // parsed->warnings: unknown keys, each naming file:line.
///   // parsed->manifest.implementations: {python: "greeter.py", ...}
/// @endcode
#ifndef DUET_MANIFEST_H_
#define DUET_MANIFEST_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "duet/language.h"
#include "duet/value.h"

namespace duet {

/// A declared parameter or return type:
/// @code
///   any | null | bool | int | float | number | string | bytes
///   | list | list[T] | map | map[T] | T?          (T? also accepts null)
/// @endcode
class TypeSpec {
 public:
  /// The type's name, without `?` and the element type.
  enum class Kind {
    kAny,
    kNull,
    kBool,
    kInt,
    kFloat,
    kNumber,
    kString,
    kBytes,
    kList,
    kMap
  };

  /// kInvalidArgument naming the text on a bad spec.
  static absl::StatusOr<TypeSpec> Parse(std::string_view text);

  /// `map` for `map[int]?`.
  Kind kind() const { return kind_; }
  /// Whether it ends in `?` (null is accepted too).
  bool nullable() const { return nullable_; }
  /// Element type of list[T] / map[T]; nullptr for a bare list or map.
  const TypeSpec* element() const { return element_.get(); }

  /// Whether `value` has this type. An int is accepted where a float is
  /// declared (JavaScript returns 3.0 as 3).
  bool Accepts(const Value& value) const;
  /// The spec as plugin.toml spells it; Parse reads it back.
  std::string ToString() const;

  TypeSpec() = default;
  ///@{
  /// Copies the element type too.
  TypeSpec(const TypeSpec& other);
  TypeSpec& operator=(const TypeSpec& other);
  TypeSpec(TypeSpec&&) = default;
  TypeSpec& operator=(TypeSpec&&) = default;
  ///@}

 private:
  Kind kind_ = Kind::kAny;
  bool nullable_ = false;
  std::unique_ptr<TypeSpec> element_;
};

/// [exports.NAME]
struct ExportSpec {
  /// The exported function, NAME.
  std::string name;
  std::vector<TypeSpec> params;  ///< empty: parameters not declared
  /// Whether `params` was given at all (`params = []` declares none).
  bool params_declared = false;
  /// `returns`, when declared.
  std::optional<TypeSpec> returns;
  int line = 0;  ///< where the table starts in plugin.toml
};

/// [[examples]]: a call and what it must do, written `expect = VALUE`,
/// `expect_null = true`, `expect_bytes = "BASE64"` (or "hex:HEX") or
/// `raises = "NAME"` (docs/plugins.md).
struct Example {
  std::string call;  ///< function name in this module
  /// The arguments to call it with.
  Value::List args;
  /// The result every implementation must return (compared by value); null
  /// for `expect_null` and unused when `raises` is set.
  Value expect;
  /// The error every implementation must fail with instead: a script
  /// error's type name as either language catches it ("ValueError" also
  /// matches a JavaScript RangeError) or a status code's name
  /// ("INVALID_ARGUMENT"). Empty when the call must return `expect`.
  std::string raises;
  /// Where the entry starts in plugin.toml.
  int line = 0;
};

/// [limits]
struct Limits {
  /// The allowed ranges, for plugin.toml and HostOptions alike: a 1 TiB heap
  /// is past any machine duet runs on; 2^31-1 ms is about 24.8 days.
  static constexpr int64_t kMaxMemoryMb = int64_t{1} << 20;
  /// See kMaxMemoryMb.
  static constexpr int64_t kMaxTimeoutMs = 2147483647;

  int64_t timeout_ms = 0;  ///< 1..kMaxTimeoutMs; 0: the host's default
  int64_t memory_mb = 0;   ///< 1..kMaxMemoryMb; 0: the host's default
};

/// [javascript]: how the JavaScript implementation runs.
struct JavaScriptOptions {
  /// `node = true`: a trusted implementation, run inside a real Node.js
  /// environment (every Node built-in and npm package, the process's whole
  /// authority) instead of duet's sandbox. docs/javascript.md "Trusted
  /// plugins".
  bool node = false;
};

/// [state]: the functions that carry a module's state from one
/// implementation to another when Host::Use switches language or
/// Host::Reload swaps in new code. Both are exports of every implementation.
struct StateHooks {
  /// `snapshot`: called with no arguments on the implementation being left;
  /// returns the state as data (no function values).
  std::string snapshot;
  /// `restore`: called with that value on the implementation taking over.
  std::string restore;
  int line = 0;  ///< where the table starts in plugin.toml
};

/// [permissions]: the authority a plugin asks for beyond its own code, deny
/// by default (docs/plugins.md). A JavaScript implementation gets `fs`
/// confined to `read` and `write` and sees the `env` variables in
/// `process.env`; CPython cannot be sandboxed, so a Python implementation
/// has the process's authority whatever this says.
struct Permissions {
  /// `read`: files and folders the plugin may read, as written (relative to
  /// the plugin folder, or absolute). Granting a folder grants what is
  /// below it. The engine gets them absolute (ImplementationSpec).
  std::vector<std::string> read;
  /// `write`: likewise for creating, writing and removing. Does not imply
  /// `read` (as in Deno): list a path in both to read it back.
  std::vector<std::string> write;
  /// `env`: environment variable names `process.env` shows.
  std::vector<std::string> env;
  int line = 0;  ///< where the table starts in plugin.toml; 0 when absent

  /// Whether nothing is granted.
  bool empty() const { return read.empty() && write.empty() && env.empty(); }
};

/// A plugin.toml, read and checked (ParseManifest).
struct Manifest {
  std::filesystem::path file;  ///< plugin.toml itself
  /// `name`: the module name.
  std::string name;
  /// `version`, as written.
  std::string version;
  /// `description`, as written.
  std::string description;
  /// `default`: the implementation active after loading, when given.
  std::optional<Language> default_language;
  /// Implementation file per language, relative to the plugin directory.
  std::map<Language, std::string> implementations;
  /// Where each [implementations] entry is, for messages.
  std::map<Language, int> implementation_lines;
  std::vector<ExportSpec> exports;  ///< in file order
  /// `[[examples]]`, in file order.
  std::vector<Example> examples;
  /// `[limits]`; zero fields when absent.
  Limits limits;
  /// `[javascript]`; defaults when absent.
  JavaScriptOptions javascript;
  /// `[state]`, when the module carries state across a switch or reload.
  std::optional<StateHooks> state;
  /// `[permissions]`; empty when absent.
  Permissions permissions;
};

/// What ParseManifest returns: the manifest and what it warned about.
struct ParsedManifest {
  /// The manifest, valid.
  Manifest manifest;
  /// Unknown keys and other non-fatal findings, each "file:line: ...".
  std::vector<std::string> warnings;
};

/// Parses and validates a manifest. kInvalidArgument with "file:line: reason"
/// for malformed TOML, a missing or mistyped field, an unknown language, a
/// [limits] value out of range, a [permissions] entry that is not a
/// non-empty string (or an env entry that is not a variable name) or an
/// unknown [permissions] key, or nesting (dotted keys, tables, arrays)
/// deeper than 64 levels or a file over 1 MiB (refused before parsing);
/// kNotFound when the file cannot be read. Does not check that the
/// implementation files exist (loading does).
absl::StatusOr<ParsedManifest> ParseManifest(std::string_view toml_text,
                                             const std::filesystem::path& file);
/// Reads `file` and parses it as ParseManifest does.
absl::StatusOr<ParsedManifest> ParseManifestFile(
    const std::filesystem::path& file);

}  // namespace duet

#endif  // DUET_MANIFEST_H_
