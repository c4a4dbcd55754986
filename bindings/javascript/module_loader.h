// The module loader of one engine: resolution (relative files, the
// plugin's node_modules with package.json "exports"/"main"), format
// detection, ES module linking, CommonJS require, and the "duet" module.
// It owns the per-isolate module cache; the rules are in module_loader.cc.
//
// Failures follow V8's convention: a step that returns Nothing / an empty
// MaybeLocal left a JavaScript exception pending. A host-level failure on
// the way (a file that cannot be read, an import that does not resolve) is
// thrown as an exception carrying its status (Engine::ThrowStatus), which
// Engine::StatusFromTryCatch gives back unchanged. Only LoadEntry, the way
// in from the host, returns an absl::Status.
#ifndef DUET_BINDINGS_JAVASCRIPT_MODULE_LOADER_H_
#define DUET_BINDINGS_JAVASCRIPT_MODULE_LOADER_H_

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "v8.h"

namespace duet::js {

class Engine;

class ModuleLoader {
 public:
  // `root` bounds module resolution: the plugin's directory, or a
  // single-file plugin's file (it imports nothing but "duet"); empty for the
  // REPL (no file modules).
  ModuleLoader(Engine& engine, const std::filesystem::path& root);
  // With the isolate entered (its handles are released here).
  ~ModuleLoader();
  ModuleLoader(const ModuleLoader&) = delete;
  ModuleLoader& operator=(const ModuleLoader&) = delete;

  // The isolate callbacks this loader answers (installed by the engine).
  static void Install(v8::Isolate* isolate);

  struct Loaded {
    bool esm = false;
    // ESM: the namespace; CommonJS: module.exports.
    v8::Local<v8::Value> exports;
  };
  // Loads the implementation's entry file. The status is ready to return
  // from Runtime::Load.
  absl::StatusOr<Loaded> LoadEntry(const std::filesystem::path& entry);
  // A plugin given as text (ImplementationSpec::source): LoadEntry(`file`)
  // compiles `source`, reading nothing from disk; `file` only names it, and
  // is the root, so it imports nothing but "duet". Before LoadEntry.
  void UseSourceFor(const std::filesystem::path& file, std::string source);

 private:
  enum class Format { kEsm, kCommonJs, kJson, kDetect, kDuet, kBuiltin };
  // One file (or the "duet" module) in the per-isolate module cache.
  struct Record {
    Format format = Format::kEsm;
    std::filesystem::path path;
    std::string key;  // path string; "duet" for the API; "node:X" built-ins
    v8::Global<v8::Module> module;      // ESM, or a synthetic wrapper
    v8::Global<v8::Function> compiled;  // CommonJS body, until run
    v8::Global<v8::Object> cjs_module;  // CommonJS `module`, once run
    v8::Global<v8::Value> value;        // JSON value / duet object / built-in
    std::vector<std::string> synthetic_names;
    bool linked = false;
    bool started = false;
  };

  struct Resolved {
    bool duet = false;
    std::filesystem::path path;
    std::string builtin;  // a Node built-in served from the library: "path"
  };
  absl::StatusOr<Resolved> Resolve(std::string_view specifier,
                                   const std::filesystem::path& from_file,
                                   bool esm);
  absl::StatusOr<std::filesystem::path> ResolvePackage(
      const std::filesystem::path& package_dir, const std::string& subpath,
      bool esm, std::string_view specifier);
  std::optional<std::filesystem::path> ResolveFileOrDirectory(
      const std::filesystem::path& path, int depth = 0);
  absl::StatusOr<v8::Local<v8::Value>> ReadJson(
      const std::filesystem::path& file);
  Format FormatOf(const std::filesystem::path& file);
  // Whether `path`, symlinks resolved, is the root or below it.
  bool InsideRoot(const std::filesystem::path& path) const;
  // The same by the path's text alone, without touching the file system.
  bool LexicallyInsideRoot(const std::filesystem::path& path) const;
  // Whether `path` is a file (a directory) inside the root. Nothing outside
  // the root is looked at, and a symlink out of it counts as missing, so a
  // plugin cannot learn what exists outside.
  bool FileInRoot(const std::filesystem::path& path) const;
  bool DirectoryInRoot(const std::filesystem::path& path) const;

  absl::StatusOr<Record*> GetRecord(const std::filesystem::path& file);
  absl::StatusOr<Record*> DuetRecord();
  // Node built-in `name` ("path", "timers/promises"), run on first use;
  // the status carries the built-in's exception when it threw.
  absl::StatusOr<Record*> BuiltinRecord(const std::string& name);
  // The record of what Resolve returned.
  absl::StatusOr<Record*> RecordFor(const Resolved& resolved);
  // Whether built-in `name` is served to this plugin (library module
  // "node/NAME" exists).
  bool BuiltinProvided(std::string_view name) const;
  absl::Status CompileEsm(Record* record, v8::Local<v8::String> source);
  // Steps that run module code (see the convention above).
  v8::Maybe<bool> RunCommonJs(Record* record);
  // Runs a built-in's library module; not cached when it throws.
  v8::Maybe<bool> RunBuiltin(Record* record);
  v8::Maybe<bool> Link(Record* record);
  v8::Maybe<bool> InstantiateAndEvaluate(Record* record);
  v8::MaybeLocal<v8::Module> ModuleFor(Record* record);
  // require() semantics: the value a require of `record` returns.
  v8::MaybeLocal<v8::Value> RequireRecord(Record* record);
  // Throws `status` (ThrowStatus) and returns Nothing.
  v8::Maybe<bool> Fail(const absl::Status& status);
  void Register(Record* record, v8::Local<v8::Module> module);
  Record* RecordForModule(v8::Local<v8::Module> module);

  static v8::MaybeLocal<v8::Module> ResolveModuleCallback(
      v8::Local<v8::Context> context, v8::Local<v8::String> specifier,
      v8::Local<v8::FixedArray> import_assertions,
      v8::Local<v8::Module> referrer);
  static v8::MaybeLocal<v8::Value> SyntheticEvaluationSteps(
      v8::Local<v8::Context> context, v8::Local<v8::Module> module);
  static v8::MaybeLocal<v8::Promise> ImportDynamically(
      v8::Local<v8::Context> context, v8::Local<v8::Data> host_defined_options,
      v8::Local<v8::Value> resource_name, v8::Local<v8::String> specifier,
      v8::Local<v8::FixedArray> import_assertions);
  static void InitializeImportMeta(v8::Local<v8::Context> context,
                                   v8::Local<v8::Module> module,
                                   v8::Local<v8::Object> meta);
  // What require(name) and require.resolve(name) name, resolved from the
  // requiring file; nullopt with a JavaScript exception thrown.
  static std::optional<Resolved> ResolveRequired(
      const v8::FunctionCallbackInfo<v8::Value>& info);
  static void RequireCallback(const v8::FunctionCallbackInfo<v8::Value>& info);
  static void RequireResolveCallback(
      const v8::FunctionCallbackInfo<v8::Value>& info);
  v8::Local<v8::Function> MakeRequire(const std::filesystem::path& file);

  static ModuleLoader& From(v8::Isolate* isolate);
  v8::Local<v8::Context> context() const;

  Engine& engine_;
  v8::Isolate* const isolate_;
  std::filesystem::path root_;
  // A single-file plugin: root_ is the file, which imports nothing but duet.
  bool root_is_file_ = false;
  // UseSourceFor: the record key of the file given as text, and the text.
  std::string in_memory_key_;
  std::string in_memory_source_;

  std::map<std::string, std::unique_ptr<Record>> records_;  // by path
  std::unordered_multimap<int, Record*> by_hash_;  // module identity hash
  // (referrer path, specifier) -> resolved module, filled by Link().
  std::map<std::pair<std::string, std::string>, v8::Global<v8::Module>> links_;
  std::map<std::string, std::optional<std::string>> package_types_;  // by dir
};

}  // namespace duet::js

#endif  // DUET_BINDINGS_JAVASCRIPT_MODULE_LOADER_H_
