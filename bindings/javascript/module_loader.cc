// ModuleLoader (module_loader.h): resolution (relative files, the plugin's
// node_modules with package.json "exports"/"main"), format detection, ES module
// linking, CommonJS require, and the "duet" module.
//
// Rules (see also the report in javascript_runtime.h):
//  * .mjs is ESM, .cjs CommonJS, .json JSON. A .js file follows the nearest
//    package.json "type" inside the plugin; without one it is compiled as
//    CommonJS first and retried as ESM when that fails with an ESM-only
//    syntax error (import/export, import.meta, top-level await).
//  * Node.js built-ins are served from duet's library (library.h) where one
//    exists as "node/NAME", and win over node_modules as in Node; the
//    others are refused with a clear message. Resolution never
//    leaves the plugin root, and never looks at a file outside it (a path
//    outside is refused by its text, a symlink out of the root counts as
//    missing), so a plugin learns nothing about files outside. A
//    single-file plugin's root is the file: it imports only "duet".
//  * A CommonJS or JSON file imported from ESM becomes a synthetic module:
//    default = module.exports, plus its identifier-named own enumerable
//    properties as named exports. It runs when the importing graph is linked
//    (before any ES module body of that graph), not in graph order.
#include "javascript/module_loader.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "duet/internal/status_macros.h"
#include "duet/internal/strings.h"
#include "duet/internal/utf8.h"
#include "javascript/convert.h"
#include "javascript/engine.h"
#include "javascript/library.h"

namespace duet::js {
namespace {

namespace fs = std::filesystem;

constexpr const char* kBuiltins[] = {"assert",
                                     "async_hooks",
                                     "buffer",
                                     "child_process",
                                     "cluster",
                                     "console",
                                     "constants",
                                     "crypto",
                                     "dgram",
                                     "diagnostics_channel",
                                     "dns",
                                     "domain",
                                     "events",
                                     "fs",
                                     "http",
                                     "http2",
                                     "https",
                                     "inspector",
                                     "module",
                                     "net",
                                     "os",
                                     "path",
                                     "perf_hooks",
                                     "process",
                                     "punycode",
                                     "querystring",
                                     "readline",
                                     "repl",
                                     "stream",
                                     "string_decoder",
                                     "sys",
                                     "timers",
                                     "tls",
                                     "trace_events",
                                     "tty",
                                     "url",
                                     "util",
                                     "v8",
                                     "vm",
                                     "wasi",
                                     "worker_threads",
                                     "zlib",
                                     "test"};

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}
bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.substr(s.size() - suffix.size()) == suffix;
}

bool IsBuiltin(std::string_view name) {
  if (StartsWith(name, "node:")) return true;
  std::string_view first = name.substr(0, name.find('/'));
  for (const char* builtin : kBuiltins) {
    if (first == builtin) return true;
  }
  return false;
}

std::string BuiltinError(std::string_view specifier) {
  return absl::StrCat("Cannot find module '", internal::ToAbsl(specifier),
                      "': Node.js built-in modules are not available to duet "
                      "plugins");
}

bool IsEsmOnlySyntaxError(std::string_view message) {
  for (const char* hint :
       {"Cannot use import statement outside a module",
        "Unexpected token 'export'",
        "Cannot use 'import.meta' outside a module",
        "await is only valid in async functions and the top level bodies of "
        "modules"}) {
    if (message.find(hint) != std::string_view::npos) return true;
  }
  return false;
}

absl::StatusOr<std::string> ReadFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read ", file.string()));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool IsFile(const fs::path& path) {
  std::error_code error;
  return fs::is_regular_file(path, error);
}
bool IsDirectory(const fs::path& path) {
  std::error_code error;
  return fs::is_directory(path, error);
}

fs::path Canonical(const fs::path& path) {
  std::error_code error;
  fs::path out = fs::weakly_canonical(path, error);
  return error ? path.lexically_normal() : out;
}

v8::Local<v8::Value> GetProperty(v8::Local<v8::Context> context,
                                 v8::Local<v8::Value> object,
                                 std::string_view key) {
  v8::Isolate* isolate = context->GetIsolate();
  v8::Local<v8::Value> out;
  if (!object->IsObject() ||
      !object.As<v8::Object>()->Get(context, Str(isolate, key)).ToLocal(&out)) {
    return v8::Undefined(isolate);
  }
  return out;
}

std::vector<std::string> OwnKeys(v8::Local<v8::Context> context,
                                 v8::Local<v8::Value> object) {
  std::vector<std::string> keys;
  if (!object->IsObject()) return keys;
  for (v8::Local<v8::Value> name :
       OwnEnumerableKeys(context, object.As<v8::Object>())) {
    keys.push_back(Utf8Lossy(context->GetIsolate(), name));
  }
  return keys;
}

// package.json "exports" target resolution with the given conditions.
std::optional<std::string> ResolveTarget(v8::Local<v8::Context> context,
                                         v8::Local<v8::Value> target,
                                         std::string_view star, bool esm,
                                         int depth = 0) {
  if (depth > 16) return std::nullopt;
  v8::Isolate* isolate = context->GetIsolate();
  if (target->IsString()) {
    std::string path = Utf8Lossy(isolate, target);
    if (!StartsWith(path, "./")) return std::nullopt;
    std::string out;
    for (char c : path) {
      if (c == '*') {
        out.append(star.data(), star.size());
      } else {
        out += c;
      }
    }
    return out;
  }
  if (target->IsArray()) {
    v8::Local<v8::Array> array = target.As<v8::Array>();
    for (uint32_t i = 0; i < array->Length(); ++i) {
      v8::Local<v8::Value> item;
      if (!array->Get(context, i).ToLocal(&item)) continue;
      if (auto out = ResolveTarget(context, item, star, esm, depth + 1)) {
        return out;
      }
    }
    return std::nullopt;
  }
  if (target->IsObject()) {
    for (const std::string& key : OwnKeys(context, target)) {
      if (key == "default" || key == (esm ? "import" : "require")) {
        if (auto out = ResolveTarget(context, GetProperty(context, target, key),
                                     star, esm, depth + 1)) {
          return out;
        }
      }
    }
  }
  return std::nullopt;
}

std::optional<std::string> ResolveExports(v8::Local<v8::Context> context,
                                          v8::Local<v8::Value> exports,
                                          const std::string& subpath,
                                          bool esm) {
  std::vector<std::string> keys;
  bool subpath_map = false;
  if (exports->IsObject() && !exports->IsArray()) {
    keys = OwnKeys(context, exports);
    subpath_map = !keys.empty() && StartsWith(keys.front(), ".");
  }
  if (!subpath_map) {
    if (subpath != ".") return std::nullopt;
    return ResolveTarget(context, exports, "", esm);
  }
  for (const std::string& key : keys) {
    if (key == subpath) {
      return ResolveTarget(context, GetProperty(context, exports, key), "",
                           esm);
    }
  }
  // "./features/*.js" patterns: the longest matching prefix wins.
  const std::string* best = nullptr;
  size_t best_prefix = 0;
  for (const std::string& key : keys) {
    size_t star = key.find('*');
    if (star == std::string::npos) continue;
    std::string_view prefix(key.data(), star);
    std::string_view suffix(key.data() + star + 1, key.size() - star - 1);
    if (subpath.size() >= prefix.size() + suffix.size() &&
        StartsWith(subpath, prefix) && EndsWith(subpath, suffix) &&
        (best == nullptr || prefix.size() > best_prefix)) {
      best = &key;
      best_prefix = prefix.size();
    }
  }
  if (best == nullptr) return std::nullopt;
  size_t suffix_size = best->size() - best_prefix - 1;
  std::string_view match(subpath.data() + best_prefix,
                         subpath.size() - best_prefix - suffix_size);
  return ResolveTarget(context, GetProperty(context, exports, *best), match,
                       esm);
}

}  // namespace

// ---- resolution ----

bool ModuleLoader::LexicallyInsideRoot(const fs::path& path) const {
  if (root_.empty()) return false;
  fs::path normal = path.lexically_normal();
  auto p = normal.begin();
  for (auto r = root_.begin(); r != root_.end(); ++r, ++p) {
    if (r->empty()) continue;  // trailing separator
    if (p == normal.end() || *r != *p) return false;
  }
  return true;
}

bool ModuleLoader::InsideRoot(const fs::path& path) const {
  return LexicallyInsideRoot(Canonical(path));
}

bool ModuleLoader::FileInRoot(const fs::path& path) const {
  return LexicallyInsideRoot(path) && IsFile(path) && InsideRoot(path);
}

bool ModuleLoader::DirectoryInRoot(const fs::path& path) const {
  return LexicallyInsideRoot(path) && IsDirectory(path) && InsideRoot(path);
}

absl::StatusOr<v8::Local<v8::Value>> ModuleLoader::ReadJson(
    const fs::path& file) {
  DUET_ASSIGN_OR_RETURN(std::string text, ReadFile(file));
  v8::TryCatch try_catch(isolate_);
  v8::Local<v8::String> source;
  v8::Local<v8::Value> value;
  if (!NewString(isolate_, text).ToLocal(&source) ||
      !v8::JSON::Parse(context(), source).ToLocal(&value)) {
    return absl::InvalidArgumentError(absl::StrCat(
        file.string(), ": invalid JSON: ",
        try_catch.HasCaught() ? Utf8Lossy(isolate_, try_catch.Exception())
                              : "too large"));
  }
  return value;
}

std::optional<fs::path> ModuleLoader::ResolveFileOrDirectory(
    const fs::path& path, int depth) {
  if (FileInRoot(path)) return path;
  for (const char* extension : {".js", ".mjs", ".cjs", ".json"}) {
    fs::path candidate = path;
    candidate += extension;
    if (FileInRoot(candidate)) return candidate;
  }
  if (!DirectoryInRoot(path)) return std::nullopt;
  fs::path package_json = path / "package.json";
  if (depth == 0 && FileInRoot(package_json)) {
    absl::StatusOr<v8::Local<v8::Value>> json = ReadJson(package_json);
    if (json.ok()) {
      v8::Local<v8::Value> main = GetProperty(context(), *json, "main");
      if (main->IsString()) {
        if (auto found = ResolveFileOrDirectory(
                path / Utf8Lossy(isolate_, main), depth + 1)) {
          return found;
        }
      }
    }
  }
  for (const char* index :
       {"index.js", "index.mjs", "index.cjs", "index.json"}) {
    if (FileInRoot(path / index)) return path / index;
  }
  return std::nullopt;
}

absl::StatusOr<fs::path> ModuleLoader::ResolvePackage(
    const fs::path& package_dir, const std::string& subpath, bool esm,
    std::string_view specifier) {
  fs::path package_json = package_dir / "package.json";
  if (FileInRoot(package_json)) {
    DUET_ASSIGN_OR_RETURN(v8::Local<v8::Value> json, ReadJson(package_json));
    v8::Local<v8::Value> exports = GetProperty(context(), json, "exports");
    if (!exports->IsUndefined() && !exports->IsNull()) {
      std::optional<std::string> target =
          ResolveExports(context(), exports, subpath, esm);
      if (!target) {
        return absl::NotFoundError(absl::StrCat(
            "Cannot find module '", internal::ToAbsl(specifier),
            "': package subpath '", subpath,
            "' is not defined by \"exports\" in ", package_json.string(),
            esm ? " (conditions: import, default)"
                : " (conditions: require, default)"));
      }
      fs::path file = (package_dir / *target).lexically_normal();
      if (!FileInRoot(file)) {
        return absl::NotFoundError(
            absl::StrCat("Cannot find module '", file.string(),
                         "' (\"exports\" of ", package_json.string(), ")"));
      }
      return file;
    }
  }
  std::optional<fs::path> found =
      subpath == "." ? ResolveFileOrDirectory(package_dir)
                     : ResolveFileOrDirectory(package_dir / subpath.substr(2));
  if (!found) {
    return absl::NotFoundError(absl::StrCat("Cannot find module '",
                                            internal::ToAbsl(specifier),
                                            "' in ", package_dir.string()));
  }
  return *found;
}

absl::StatusOr<ModuleLoader::Resolved> ModuleLoader::Resolve(
    std::string_view specifier, const fs::path& from_file, bool esm) {
  if (specifier == "duet") return Resolved{true, {}, {}};
  // A built-in duet provides wins over node_modules, as in Node.
  const bool node_prefixed = StartsWith(specifier, "node:");
  std::string_view builtin = specifier.substr(node_prefixed ? 5 : 0);
  if ((node_prefixed || IsBuiltin(builtin)) && BuiltinProvided(builtin)) {
    return Resolved{false, {}, std::string(builtin)};
  }
  if (node_prefixed) return absl::NotFoundError(BuiltinError(specifier));
  const std::string spec(specifier);
  auto not_found = [&](std::string_view why) {
    return absl::NotFoundError(absl::StrCat("Cannot find module '", spec,
                                            "' from '", from_file.string(), "'",
                                            internal::ToAbsl(why)));
  };
  if (root_.empty()) return not_found(" (no plugin directory here)");
  if (root_is_file_) {
    if (IsBuiltin(spec)) return absl::NotFoundError(BuiltinError(spec));
    return not_found(
        ": a single-file plugin imports nothing but \"duet\" (make it a "
        "folder with a plugin.toml to import files of its own)");
  }
  // The importing file is inside the root; its folder, symlinks resolved,
  // is what relative specifiers are read against.
  const fs::path from_dir = Canonical(from_file.parent_path());
  if (spec == "." || spec == ".." || StartsWith(spec, "./") ||
      StartsWith(spec, "../") || StartsWith(spec, "/")) {
    fs::path target = (StartsWith(spec, "/") ? fs::path(spec) : from_dir / spec)
                          .lexically_normal();
    // Refused by its text, before any file is looked at: the answer is the
    // same whether or not the file exists.
    if (!LexicallyInsideRoot(target)) {
      return not_found(absl::StrCat(": it is outside the plugin directory ",
                                    root_.string()));
    }
    std::optional<fs::path> found = ResolveFileOrDirectory(target);
    if (!found) return not_found("");
    if (!InsideRoot(*found)) {
      return not_found(absl::StrCat(": it is outside the plugin directory ",
                                    root_.string()));
    }
    return Resolved{false, Canonical(*found), {}};
  }
  // A bare name: the package (with @scope/) and an optional subpath.
  size_t slash = spec.find('/');
  if (!spec.empty() && spec[0] == '@' && slash != std::string::npos) {
    slash = spec.find('/', slash + 1);
  }
  std::string name = spec.substr(0, slash);
  std::string subpath =
      slash == std::string::npos ? "." : "." + spec.substr(slash);
  for (fs::path dir = from_dir; InsideRoot(dir); dir = dir.parent_path()) {
    fs::path package_dir = dir / "node_modules" / name;
    if (IsDirectory(package_dir)) {
      DUET_ASSIGN_OR_RETURN(fs::path file,
                            ResolvePackage(package_dir, subpath, esm, spec));
      if (!InsideRoot(file)) {
        return not_found(absl::StrCat(": it is outside the plugin directory ",
                                      root_.string()));
      }
      return Resolved{false, Canonical(file), {}};
    }
    if (Canonical(dir) == root_ || dir == dir.parent_path()) break;
  }
  if (IsBuiltin(name)) return absl::NotFoundError(BuiltinError(spec));
  return not_found(absl::StrCat(" (no node_modules/", name,
                                " inside the plugin directory)"));
}

ModuleLoader::Format ModuleLoader::FormatOf(const fs::path& file) {
  std::string extension = file.extension().string();
  if (extension == ".mjs") return Format::kEsm;
  if (extension == ".cjs") return Format::kCommonJs;
  if (extension == ".json") return Format::kJson;
  for (fs::path dir = file.parent_path(); InsideRoot(dir);
       dir = dir.parent_path()) {
    auto [it, inserted] = package_types_.try_emplace(dir.string());
    if (inserted) {
      fs::path package_json = dir / "package.json";
      if (IsFile(package_json)) {
        std::string type;
        absl::StatusOr<v8::Local<v8::Value>> json = ReadJson(package_json);
        if (json.ok()) {
          v8::Local<v8::Value> value = GetProperty(context(), *json, "type");
          if (value->IsString()) type = Utf8Lossy(isolate_, value);
        }
        it->second = type;
      }
    }
    if (it->second) {
      if (*it->second == "module") return Format::kEsm;
      if (*it->second == "commonjs") return Format::kCommonJs;
      return Format::kDetect;
    }
    if (Canonical(dir) == root_ || dir == dir.parent_path()) break;
  }
  return Format::kDetect;
}

// ---- records ----

void ModuleLoader::Register(Record* record, v8::Local<v8::Module> module) {
  record->module.Reset(isolate_, module);
  by_hash_.emplace(module->GetIdentityHash(), record);
}

ModuleLoader::Record* ModuleLoader::RecordForModule(
    v8::Local<v8::Module> module) {
  auto range = by_hash_.equal_range(module->GetIdentityHash());
  for (auto it = range.first; it != range.second; ++it) {
    if (it->second->module.Get(isolate_) == module) return it->second;
  }
  return nullptr;
}

absl::Status ModuleLoader::CompileEsm(Record* record,
                                      v8::Local<v8::String> source) {
  v8::TryCatch try_catch(isolate_);
  v8::ScriptOrigin origin(isolate_, Str(isolate_, record->key), 0, 0, false, -1,
                          v8::Local<v8::Value>(), false, false,
                          /*is_module=*/true);
  v8::ScriptCompiler::Source compiler_source(source, origin);
  v8::Local<v8::Module> module;
  if (!v8::ScriptCompiler::CompileModule(isolate_, &compiler_source)
           .ToLocal(&module)) {
    return engine_.SyntaxErrorStatus(try_catch);
  }
  record->format = Format::kEsm;
  record->module.Reset(isolate_, module);
  return absl::OkStatus();
}

absl::StatusOr<ModuleLoader::Record*> ModuleLoader::GetRecord(
    const fs::path& file) {
  std::string key = file.string();
  if (auto it = records_.find(key); it != records_.end()) {
    return it->second.get();
  }
  std::string text;
  if (!in_memory_key_.empty() && key == in_memory_key_) {
    text = in_memory_source_;
  } else {
    DUET_ASSIGN_OR_RETURN(text, ReadFile(file));
  }
  if (StartsWith(text, "\xEF\xBB\xBF")) text.erase(0, 3);
  if (std::optional<size_t> bad = internal::FindInvalidUtf8(text)) {
    return absl::InvalidArgumentError(
        absl::StrCat(key, ": not valid UTF-8 (byte ", *bad, ")"));
  }
  v8::Local<v8::String> source;
  if (!NewString(isolate_, text).ToLocal(&source)) {
    return absl::InvalidArgumentError(absl::StrCat(key, ": file too large"));
  }
  auto record = std::make_unique<Record>();
  record->path = file;
  record->key = key;
  record->format = FormatOf(file);
  v8::Local<v8::Context> context = this->context();
  if (record->format == Format::kJson) {
    v8::TryCatch try_catch(isolate_);
    v8::Local<v8::Value> value;
    if (!v8::JSON::Parse(context, source).ToLocal(&value)) {
      return absl::InvalidArgumentError(absl::StrCat(
          key, ": invalid JSON: ", Utf8Lossy(isolate_, try_catch.Exception())));
    }
    record->value.Reset(isolate_, value);
  } else if (record->format == Format::kEsm) {
    DUET_RETURN_IF_ERROR(CompileEsm(record.get(), source));
  } else {
    v8::TryCatch try_catch(isolate_);
    v8::ScriptOrigin origin(isolate_, Str(isolate_, key));
    v8::ScriptCompiler::Source compiler_source(source, origin);
    v8::Local<v8::String> params[] = {
        Str(isolate_, "exports"), Str(isolate_, "require"),
        Str(isolate_, "module"), Str(isolate_, "__filename"),
        Str(isolate_, "__dirname")};
    v8::Local<v8::Function> function;
    if (v8::ScriptCompiler::CompileFunction(context, &compiler_source, 5,
                                            params)
            .ToLocal(&function)) {
      record->format = Format::kCommonJs;
      record->compiled.Reset(isolate_, function);
    } else {
      bool esm_only = false;
      if (record->format == Format::kDetect && try_catch.HasCaught() &&
          !try_catch.Message().IsEmpty()) {
        esm_only = IsEsmOnlySyntaxError(
            Utf8Lossy(isolate_, try_catch.Message()->Get()));
      }
      if (!esm_only) return engine_.SyntaxErrorStatus(try_catch);
      try_catch.Reset();
      DUET_RETURN_IF_ERROR(CompileEsm(record.get(), source));
    }
  }
  Record* raw = record.get();
  records_[key] = std::move(record);
  if (!raw->module.IsEmpty()) Register(raw, raw->module.Get(isolate_));
  return raw;
}

bool ModuleLoader::BuiltinProvided(std::string_view name) const {
  return LibrarySource(absl::StrCat("node/", internal::ToAbsl(name)))
      .has_value();
}

absl::StatusOr<ModuleLoader::Record*> ModuleLoader::BuiltinRecord(
    const std::string& name) {
  std::string key = absl::StrCat("node:", name);
  if (auto it = records_.find(key); it != records_.end()) {
    return it->second.get();
  }
  auto record = std::make_unique<Record>();
  record->format = Format::kBuiltin;
  record->key = key;
  Record* raw = record.get();
  records_[key] = std::move(record);
  return raw;
}

absl::StatusOr<ModuleLoader::Record*> ModuleLoader::RecordFor(
    const Resolved& resolved) {
  if (resolved.duet) return DuetRecord();
  if (!resolved.builtin.empty()) return BuiltinRecord(resolved.builtin);
  return GetRecord(resolved.path);
}

v8::Maybe<bool> ModuleLoader::RunBuiltin(Record* record) {
  if (record->started) return v8::Just(true);
  record->started = true;
  v8::Local<v8::Value> exports;
  if (!engine_.RequireLibrary(absl::StrCat("node/", record->key.substr(5)))
           .ToLocal(&exports)) {
    std::string key = record->key;
    records_.erase(key);
    return v8::Nothing<bool>();
  }
  record->value.Reset(isolate_, exports);
  return v8::Just(true);
}

absl::StatusOr<ModuleLoader::Record*> ModuleLoader::DuetRecord() {
  if (auto it = records_.find("duet"); it != records_.end()) {
    return it->second.get();
  }
  auto record = std::make_unique<Record>();
  record->format = Format::kDuet;
  record->key = "duet";
  record->value.Reset(isolate_, engine_.duet_api());
  record->synthetic_names = {"default", "modules", "call", "host", "log"};
  std::vector<v8::Local<v8::String>> names;
  for (const std::string& name : record->synthetic_names) {
    names.push_back(Str(isolate_, name));
  }
  v8::Local<v8::Module> module = v8::Module::CreateSyntheticModule(
      isolate_, Str(isolate_, "duet"), names,
      &ModuleLoader::SyntheticEvaluationSteps);
  Record* raw = record.get();
  records_["duet"] = std::move(record);
  Register(raw, module);
  return raw;
}

v8::Maybe<bool> ModuleLoader::RunCommonJs(Record* record) {
  if (record->started) return v8::Just(true);
  record->started = true;
  v8::Local<v8::Context> context = this->context();
  v8::Local<v8::Object> module = v8::Object::New(isolate_);
  v8::Local<v8::Object> exports = v8::Object::New(isolate_);
  v8::Local<v8::Function> require = MakeRequire(record->path);
  v8::Local<v8::String> filename = Str(isolate_, record->key);
  v8::Local<v8::String> dirname =
      Str(isolate_, record->path.parent_path().string());
  IgnoreResult(module->Set(context, Str(isolate_, "exports"), exports));
  IgnoreResult(module->Set(context, Str(isolate_, "id"), filename));
  IgnoreResult(module->Set(context, Str(isolate_, "filename"), filename));
  IgnoreResult(module->Set(context, Str(isolate_, "path"), dirname));
  IgnoreResult(
      module->Set(context, Str(isolate_, "loaded"), v8::False(isolate_)));
  IgnoreResult(module->Set(context, Str(isolate_, "require"), require));
  record->cjs_module.Reset(isolate_, module);
  v8::Local<v8::Function> body = record->compiled.Get(isolate_);
  record->compiled.Reset();
  v8::Local<v8::Value> args[] = {exports, require, module, filename, dirname};
  v8::Local<v8::Value> result;
  if (!body->Call(context, exports, 5, args).ToLocal(&result)) {
    // As Node does, a module that threw is not cached.
    std::string key = record->key;
    records_.erase(key);
    return v8::Nothing<bool>();
  }
  IgnoreResult(
      module->Set(context, Str(isolate_, "loaded"), v8::True(isolate_)));
  return v8::Just(true);
}

v8::MaybeLocal<v8::Module> ModuleLoader::ModuleFor(Record* record) {
  if (!record->module.IsEmpty()) return record->module.Get(isolate_);
  v8::Local<v8::Context> context = this->context();
  std::vector<std::string> names = {"default"};
  if (record->format == Format::kCommonJs ||
      record->format == Format::kBuiltin) {
    v8::Local<v8::Value> exports;
    if (record->format == Format::kCommonJs) {
      if (RunCommonJs(record).IsNothing()) return {};
      exports =
          GetProperty(context, record->cjs_module.Get(isolate_), "exports");
    } else {
      if (RunBuiltin(record).IsNothing()) return {};
      exports = record->value.Get(isolate_);
    }
    for (const std::string& key : OwnKeys(context, exports)) {
      if (key != "default" && IsJsIdentifier(key)) names.push_back(key);
    }
  }
  record->synthetic_names = names;
  std::vector<v8::Local<v8::String>> export_names;
  for (const std::string& name : names) {
    export_names.push_back(Str(isolate_, name));
  }
  v8::Local<v8::Module> module = v8::Module::CreateSyntheticModule(
      isolate_, Str(isolate_, record->key), export_names,
      &ModuleLoader::SyntheticEvaluationSteps);
  Register(record, module);
  return module;
}

v8::MaybeLocal<v8::Value> ModuleLoader::SyntheticEvaluationSteps(
    v8::Local<v8::Context> context, v8::Local<v8::Module> module) {
  v8::Isolate* isolate = context->GetIsolate();
  ModuleLoader* loader = &From(isolate);
  Record* record = loader->RecordForModule(module);
  if (record == nullptr) {
    isolate->ThrowException(
        v8::Exception::Error(Str(isolate, "duet: unknown synthetic module")));
    return {};
  }
  v8::Local<v8::Value> base;
  if (record->format == Format::kCommonJs) {
    base = GetProperty(context, record->cjs_module.Get(isolate), "exports");
  } else {
    base = record->value.Get(isolate);
  }
  for (const std::string& name : record->synthetic_names) {
    v8::Local<v8::Value> value =
        name == "default" ? base : GetProperty(context, base, name);
    if (module->SetSyntheticModuleExport(isolate, Str(isolate, name), value)
            .IsNothing()) {
      return {};
    }
  }
  v8::Local<v8::Promise::Resolver> resolver;
  if (!v8::Promise::Resolver::New(context).ToLocal(&resolver) ||
      resolver->Resolve(context, v8::Undefined(isolate)).IsNothing()) {
    return {};
  }
  return resolver->GetPromise();
}

// ---- ES modules ----

v8::Maybe<bool> ModuleLoader::Link(Record* record) {
  if (record->linked) return v8::Just(true);
  record->linked = true;
  v8::Local<v8::Context> context = this->context();
  v8::Local<v8::Module> module = record->module.Get(isolate_);
  v8::Local<v8::FixedArray> requests = module->GetModuleRequests();
  for (int i = 0; i < requests->Length(); ++i) {
    v8::Local<v8::ModuleRequest> request =
        requests->Get(context, i).As<v8::ModuleRequest>();
    std::string specifier = Utf8Lossy(isolate_, request->GetSpecifier());
    absl::StatusOr<Resolved> resolved = Resolve(specifier, record->path, true);
    if (!resolved.ok()) {
      v8::Location location =
          module->SourceOffsetToLocation(request->GetSourceOffset());
      return Fail(absl::InvalidArgumentError(absl::StrCat(
          record->key, ":", location.GetLineNumber() + 1, ":",
          location.GetColumnNumber() + 1, ": ", resolved.status().message())));
    }
    absl::StatusOr<Record*> dependency = RecordFor(*resolved);
    if (!dependency.ok()) return Fail(dependency.status());
    if ((*dependency)->format == Format::kEsm &&
        Link(*dependency).IsNothing()) {
      return v8::Nothing<bool>();
    }
    v8::Local<v8::Module> target;
    if (!ModuleFor(*dependency).ToLocal(&target)) return v8::Nothing<bool>();
    links_[{record->key, specifier}].Reset(isolate_, target);
  }
  return v8::Just(true);
}

v8::Maybe<bool> ModuleLoader::Fail(const absl::Status& status) {
  engine_.ThrowStatus(status);
  return v8::Nothing<bool>();
}

v8::MaybeLocal<v8::Module> ModuleLoader::ResolveModuleCallback(
    v8::Local<v8::Context> context, v8::Local<v8::String> specifier,
    v8::Local<v8::FixedArray> import_assertions,
    v8::Local<v8::Module> referrer) {
  v8::Isolate* isolate = context->GetIsolate();
  ModuleLoader* loader = &From(isolate);
  std::string name = Utf8Lossy(isolate, specifier);
  if (Record* record = loader->RecordForModule(referrer)) {
    auto it = loader->links_.find({record->key, name});
    if (it != loader->links_.end()) return it->second.Get(isolate);
  }
  isolate->ThrowException(v8::Exception::Error(
      Str(isolate, absl::StrCat("duet: module '", name, "' was not linked"))));
  return {};
}

v8::Maybe<bool> ModuleLoader::InstantiateAndEvaluate(Record* record) {
  v8::Local<v8::Context> context = this->context();
  v8::Local<v8::Module> module;
  if (!ModuleFor(record).ToLocal(&module)) return v8::Nothing<bool>();
  if (module->GetStatus() == v8::Module::kUninstantiated) {
    if (record->format == Format::kEsm && Link(record).IsNothing()) {
      return v8::Nothing<bool>();
    }
    absl::Status failed;
    {
      v8::TryCatch try_catch(isolate_);
      if (module
              ->InstantiateModule(context, &ModuleLoader::ResolveModuleCallback)
              .IsNothing()) {
        failed = engine_.SyntaxErrorStatus(try_catch);
      }
    }
    if (!failed.ok()) return Fail(failed);
  }
  switch (module->GetStatus()) {
    case v8::Module::kInstantiated: {
      v8::Local<v8::Value> result;
      if (!module->Evaluate(context).ToLocal(&result)) {
        return v8::Nothing<bool>();
      }
      absl::Status settled = engine_.Settle(
          &result, absl::StrCat("the top-level code of ", record->key));
      if (!settled.ok()) return Fail(settled);
      return v8::Just(true);
    }
    case v8::Module::kErrored:
      return Fail(engine_.StatusFromException(module->GetException(),
                                              v8::Local<v8::Message>()));
    default:  // evaluating (a cycle) or evaluated
      return v8::Just(true);
  }
}

v8::MaybeLocal<v8::Value> ModuleLoader::RequireRecord(Record* record) {
  switch (record->format) {
    case Format::kCommonJs:
      if (RunCommonJs(record).IsNothing()) return {};
      return GetProperty(context(), record->cjs_module.Get(isolate_),
                         "exports");
    case Format::kEsm: {
      if (InstantiateAndEvaluate(record).IsNothing()) return {};
      return record->module.Get(isolate_)->GetModuleNamespace();
    }
    case Format::kBuiltin:
      if (RunBuiltin(record).IsNothing()) return {};
      return record->value.Get(isolate_);
    default:
      return record->value.Get(isolate_);
  }
}

absl::StatusOr<ModuleLoader::Loaded> ModuleLoader::LoadEntry(
    const fs::path& entry) {
  fs::path file = Canonical(entry);
  if (file.string() != in_memory_key_ && !IsFile(file)) {
    return absl::NotFoundError(absl::StrCat("no such file: ", entry.string()));
  }
  v8::TryCatch try_catch(isolate_);
  absl::StatusOr<Record*> record = GetRecord(file);
  if (!record.ok()) return record.status();
  Loaded loaded;
  if ((*record)->format == Format::kCommonJs) {
    if (RunCommonJs(*record).IsNothing())
      return engine_.StatusFromTryCatch(try_catch);
    DUET_RETURN_IF_ERROR(engine_.RunMicrotasks());
    loaded.exports =
        GetProperty(context(), (*record)->cjs_module.Get(isolate_), "exports");
  } else if ((*record)->format == Format::kEsm) {
    if (InstantiateAndEvaluate(*record).IsNothing()) {
      return engine_.StatusFromTryCatch(try_catch);
    }
    loaded.esm = true;
    loaded.exports = (*record)->module.Get(isolate_)->GetModuleNamespace();
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(file.string(), ": not a JavaScript file"));
  }
  if (try_catch.HasCaught()) return engine_.StatusFromTryCatch(try_catch);
  return loaded;
}

ModuleLoader::ModuleLoader(Engine& engine, const fs::path& root)
    : engine_(engine), isolate_(engine.isolate()) {
  std::error_code error;
  if (!root.empty()) root_ = fs::weakly_canonical(root, error);
  if (error) root_ = root.lexically_normal();
  root_is_file_ = !root_.empty() && fs::is_regular_file(root_, error);
}

ModuleLoader::~ModuleLoader() {
  links_.clear();
  by_hash_.clear();
  records_.clear();
}

void ModuleLoader::Install(v8::Isolate* isolate) {
  isolate->SetHostImportModuleDynamicallyCallback(
      &ModuleLoader::ImportDynamically);
  isolate->SetHostInitializeImportMetaObjectCallback(
      &ModuleLoader::InitializeImportMeta);
}

ModuleLoader& ModuleLoader::From(v8::Isolate* isolate) {
  return Engine::From(isolate)->loader();
}

v8::Local<v8::Context> ModuleLoader::context() const {
  return engine_.context();
}

void ModuleLoader::UseSourceFor(const fs::path& file, std::string source) {
  root_ = Canonical(file);
  root_is_file_ = true;
  in_memory_key_ = root_.string();
  in_memory_source_ = std::move(source);
}

// ---- require() and import() ----

v8::Local<v8::Function> ModuleLoader::MakeRequire(const fs::path& file) {
  v8::EscapableHandleScope scope(isolate_);
  v8::Local<v8::Context> context = this->context();
  v8::Local<v8::String> data = Str(isolate_, file.string());
  v8::Local<v8::Function> require;
  v8::Local<v8::Function> resolve;
  if (!v8::Function::New(context, &ModuleLoader::RequireCallback, data)
           .ToLocal(&require)) {
    return {};
  }
  require->SetName(Str(isolate_, "require"));
  if (v8::Function::New(context, &ModuleLoader::RequireResolveCallback, data)
          .ToLocal(&resolve)) {
    IgnoreResult(require->Set(context, Str(isolate_, "resolve"), resolve));
  }
  return scope.Escape(require);
}

namespace {

void ThrowModuleNotFound(v8::Isolate* isolate, const absl::Status& status) {
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Value> error =
      v8::Exception::Error(Str(isolate, internal::ToStd(status.message())));
  IgnoreResult(error.As<v8::Object>()->Set(context, Str(isolate, "code"),
                                           Str(isolate, "MODULE_NOT_FOUND")));
  isolate->ThrowException(error);
}

}  // namespace

std::optional<ModuleLoader::Resolved> ModuleLoader::ResolveRequired(
    const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  if (info.Length() < 1 || !info[0]->IsString()) {
    isolate->ThrowException(v8::Exception::TypeError(
        Str(isolate, "require() expects a module name (a string)")));
    return std::nullopt;
  }
  fs::path from = Utf8Lossy(isolate, info.Data());
  absl::StatusOr<Resolved> resolved =
      From(isolate).Resolve(Utf8Lossy(isolate, info[0]), from, false);
  if (!resolved.ok()) {
    ThrowModuleNotFound(isolate, resolved.status());
    return std::nullopt;
  }
  return *std::move(resolved);
}

void ModuleLoader::RequireCallback(
    const v8::FunctionCallbackInfo<v8::Value>& info) {
  ModuleLoader* loader = &From(info.GetIsolate());
  std::optional<Resolved> resolved = ResolveRequired(info);
  if (!resolved) return;
  absl::StatusOr<Record*> record = loader->RecordFor(*resolved);
  if (!record.ok()) {
    loader->engine_.ThrowStatus(record.status());
    return;
  }
  v8::Local<v8::Value> value;
  if (!loader->RequireRecord(*record).ToLocal(&value)) return;
  info.GetReturnValue().Set(value);
}

void ModuleLoader::RequireResolveCallback(
    const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  std::optional<Resolved> resolved = ResolveRequired(info);
  if (!resolved) return;
  std::string name = resolved->duet               ? "duet"
                     : !resolved->builtin.empty() ? resolved->builtin
                                                  : resolved->path.string();
  info.GetReturnValue().Set(Str(isolate, name));
}

v8::MaybeLocal<v8::Promise> ModuleLoader::ImportDynamically(
    v8::Local<v8::Context> context, v8::Local<v8::Data> host_defined_options,
    v8::Local<v8::Value> resource_name, v8::Local<v8::String> specifier,
    v8::Local<v8::FixedArray> import_assertions) {
  v8::Isolate* isolate = context->GetIsolate();
  ModuleLoader* loader = &From(isolate);
  v8::EscapableHandleScope scope(isolate);
  v8::Local<v8::Promise::Resolver> resolver;
  if (!v8::Promise::Resolver::New(context).ToLocal(&resolver)) return {};
  v8::TryCatch try_catch(isolate);
  // Rejects with the pending exception.
  auto reject = [&] {
    v8::Local<v8::Value> exception = try_catch.Exception();
    try_catch.Reset();
    IgnoreResult(resolver->Reject(context, exception));
  };
  fs::path from = Utf8Lossy(isolate, resource_name);
  absl::StatusOr<Resolved> resolved =
      loader->Resolve(Utf8Lossy(isolate, specifier), from, true);
  if (!resolved.ok()) {
    ThrowModuleNotFound(isolate, resolved.status());
    reject();
  } else {
    absl::StatusOr<Record*> record = loader->RecordFor(*resolved);
    if (!record.ok()) loader->engine_.ThrowStatus(record.status());
    if (!record.ok() || loader->InstantiateAndEvaluate(*record).IsNothing()) {
      reject();
    } else {
      IgnoreResult(resolver->Resolve(
          context, (*record)->module.Get(isolate)->GetModuleNamespace()));
    }
  }
  return scope.Escape(resolver->GetPromise());
}

void ModuleLoader::InitializeImportMeta(v8::Local<v8::Context> context,
                                        v8::Local<v8::Module> module,
                                        v8::Local<v8::Object> meta) {
  v8::Isolate* isolate = context->GetIsolate();
  Record* record = From(isolate).RecordForModule(module);
  if (record == nullptr || record->path.empty()) return;
  IgnoreResult(meta->Set(context, Str(isolate, "url"),
                         Str(isolate, "file://" + record->key)));
  IgnoreResult(
      meta->Set(context, Str(isolate, "filename"), Str(isolate, record->key)));
  IgnoreResult(meta->Set(context, Str(isolate, "dirname"),
                         Str(isolate, record->path.parent_path().string())));
}

}  // namespace duet::js
