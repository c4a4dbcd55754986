/// @file
/// Typed stubs for plugin code that calls other modules (`duet stubs`):
/// TypeScript declarations of the `duet` object JavaScript plugins import,
/// and a Python stub package for the `duet` module Python plugins import,
/// typed from each module's [exports] declarations (docs/plugins.md "Typed
/// stubs").
///
/// @code
///   std::vector<duet::tools::StubFile> files =
///       duet::tools::GenerateStubs(host.ListModules());
///   absl::Status written = duet::tools::WriteStubs(files, "stubs");
///   // stubs/typescript/duet.d.ts, stubs/typescript/modules/greeter.d.ts,
///   // stubs/python/duet/__init__.pyi, stubs/python/duet/_modules/greeter.pyi
/// @endcode
#ifndef DUET_TOOLS_STUBS_H_
#define DUET_TOOLS_STUBS_H_

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "duet/host.h"
#include "duet/language.h"
#include "duet/manifest.h"

namespace duet::tools {

/// Which way a value crosses: what a caller may pass is wider than what it
/// gets back (JavaScript may pass any ArrayBuffer view where bytes are
/// declared, and gets a Uint8Array).
enum class TypeRole { kParameter, kResult };

/// The TypeScript type of `type` as a JavaScript caller sees it: int is
/// `number | bigint` (an int beyond 2^53-1 arrives as a BigInt), bytes a
/// Uint8Array, map[T] a Record<string, T>, any `any`, T? `T | null`;
/// parameters accept what the binding accepts too (any ArrayBuffer view for
/// bytes, a Map for a map, undefined for null).
std::string TypeScriptType(const TypeSpec& type, TypeRole role);
/// The Python annotation of `type`: int, float, str, bytes, list[T],
/// dict[str, T], Any, None, `T | None`; parameters accept what the binding
/// accepts too (a tuple for a list, a bytearray or memoryview for bytes).
std::string PythonType(const TypeSpec& type, TypeRole role);

/// One function of a module as its callers see it.
struct FunctionSignature {
  /// The function's name.
  std::string name;
  /// Whether [exports.NAME] declared `params`; otherwise any arguments.
  bool params_declared = false;
  /// The declared parameter types, when declared.
  std::vector<TypeSpec> params;
  /// The declared return type; nullopt: any.
  std::optional<TypeSpec> returns;
  /// The implementations that export it, in kAllLanguages order (empty for
  /// a declared function no implementation has, which cannot load).
  std::vector<Language> languages;
  /// The implementations where it is an async function.
  std::vector<Language> async_in;
  /// The [exports.NAME] table's line in plugin.toml; 0 when undeclared.
  int line = 0;
};

/// Every function of `module`, sorted by name: those [exports] declares and
/// those its implementations export without a declaration.
std::vector<FunctionSignature> ModuleSignatures(const ModuleInfo& module);

/// The signature in plugin.toml's type syntax, as `duet list` and the REPL
/// show it: "increment(int) -> int", "map_words(string, any) -> list",
/// "make_greeter(...) -> any" when nothing is declared; "async " in front
/// when every implementation of it is async.
std::string DeclaredSignature(const FunctionSignature& function);
/// The Python signature, as inspect.signature prints it:
/// "(arg0: int, /) -> int"; "(*args: Any) -> Any" when undeclared.
std::string PythonSignature(const FunctionSignature& function);

/// A file GenerateStubs made, not yet written.
struct StubFile {
  /// Relative to the output folder.
  std::filesystem::path path;
  /// The file's text.
  std::string text;
};

/// The stubs for `modules`:
/// * typescript/duet.d.ts: `declare module "duet"`, the whole in-script API
///   with `modules` typed module by module, and
///   typescript/modules/NAME.d.ts per module (its functions);
/// * python/duet/__init__.pyi: the `duet` module, `modules` typed likewise,
///   and python/duet/_modules/NAME.pyi per module.
/// Point tsconfig.json's "include" at typescript/ and mypy's MYPYPATH at
/// python/. Modules missing from `modules` stay reachable untyped, as
/// duet.modules["name"] / duet.call().
std::vector<StubFile> GenerateStubs(const std::vector<ModuleInfo>& modules);

/// Writes `files` under `out` (made when missing), replacing files of the
/// same name. kInvalidArgument for a path that is absolute or climbs out of
/// `out`; kInternal naming the file when it cannot be written.
absl::Status WriteStubs(const std::vector<StubFile>& files,
                        const std::filesystem::path& out);

}  // namespace duet::tools

#endif  // DUET_TOOLS_STUBS_H_
