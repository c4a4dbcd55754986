// ModuleLoader (module_loader.h): resolution (relative files, node_modules
// packages with package.json "exports"/"imports"/"main", Node's conditions),
// format detection, ES module linking, CommonJS require, JSON modules, and
// the "duet" module.
//
// The rules a plugin author sees are documented in docs/javascript.md,
// "Packages and resolution"; keep the two in step. In short: Node's
// resolution, bounded. Files are read only inside the plugin folder and in
// node_modules folders under the packages root (the plugins directory the
// host was given); a path outside is refused by its text and a symlink out
// counts as missing, so a plugin learns nothing about other files. A
// CommonJS or JSON file imported from ESM becomes a synthetic module
// (default = module.exports, plus its identifier-named keys), run when the
// importing graph is linked.
// Node built-ins are served from duet's library (library.h) where one
// exists as "node/NAME", and win over node_modules as in Node; the others
// are refused with a clear message.
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

// The export conditions in force, in Node's order: a conditions object is
// read in its own key order and the first key in force that resolves wins.
// "browser" is in force only on a second pass, when nothing matched without
// it (a package whose only build is for browsers).
struct Conditions {
  bool esm = false;
  bool browser = false;
  bool Has(std::string_view key) const {
    return key == "default" || key == "node" ||
           key == (esm ? "import" : "require") || (browser && key == "browser");
  }
  std::string Text() const {
    return esm ? "node, import, default" : "node, require, default";
  }
};

// What a package.json "exports" or "imports" target gives (Node's
// PACKAGE_TARGET_RESOLVE): no condition matched, a null target (the subpath
// is blocked), a target, or an invalid one.
struct Target {
  enum Kind { kNoMatch, kBlocked, kFound, kInvalid };
  Kind kind = kNoMatch;
  // kFound: "./path" inside the package, or (in "imports") a bare package
  // specifier.
  std::string path;
  bool bare = false;
};

Target Make(Target::Kind kind) {
  Target out;
  out.kind = kind;
  return out;
}

// Whether a target path leaves its package: ".." or node_modules segments.
bool HasEscapingSegment(std::string_view path) {
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find_first_of("/\\", start);
    if (end == std::string_view::npos) end = path.size();
    std::string segment(path.substr(start, end - start));
    for (char& c : segment) c = static_cast<char>(std::tolower(c));
    if (segment == ".." || segment == "%2e%2e" || segment == "node_modules") {
      return true;
    }
    start = end + 1;
  }
  return false;
}

Target ResolveTarget(v8::Local<v8::Context> context,
                     v8::Local<v8::Value> target,
                     std::optional<std::string_view> match, bool imports,
                     const Conditions& conditions, int depth = 0) {
  if (depth > 32) return Make(Target::kInvalid);
  v8::Isolate* isolate = context->GetIsolate();
  if (target->IsNull()) return Make(Target::kBlocked);
  if (target->IsString()) {
    std::string text = Utf8Lossy(isolate, target);
    bool bare = false;
    if (!StartsWith(text, "./")) {
      // Only "imports" may name another package ("#dep": "other-package").
      if (!imports || text.empty() || StartsWith(text, "../") ||
          StartsWith(text, "/") || StartsWith(text, "#") ||
          text.find(':') != std::string::npos) {
        return Make(Target::kInvalid);
      }
      bare = true;
    }
    std::string out;
    for (char c : text) {
      if (c == '*' && match) {
        out.append(match->data(), match->size());
      } else {
        out += c;
      }
    }
    if (!bare && HasEscapingSegment(std::string_view(out).substr(2))) {
      return Make(Target::kInvalid);
    }
    return {Target::kFound, out, bare};
  }
  if (target->IsArray()) {
    // The first entry that resolves; an invalid or null entry falls through.
    v8::Local<v8::Array> array = target.As<v8::Array>();
    Target last = Make(Target::kBlocked);
    if (array->Length() > 0) last.kind = Target::kNoMatch;
    for (uint32_t i = 0; i < array->Length(); ++i) {
      v8::Local<v8::Value> item;
      if (!array->Get(context, i).ToLocal(&item)) continue;
      Target out =
          ResolveTarget(context, item, match, imports, conditions, depth + 1);
      if (out.kind == Target::kFound) return out;
      if (out.kind != Target::kNoMatch) last = out;
    }
    return last;
  }
  if (target->IsObject()) {
    for (const std::string& key : OwnKeys(context, target)) {
      if (!conditions.Has(key)) continue;
      Target out = ResolveTarget(context, GetProperty(context, target, key),
                                 match, imports, conditions, depth + 1);
      if (out.kind != Target::kNoMatch) return out;
    }
    return Make(Target::kNoMatch);
  }
  return Make(Target::kInvalid);
}

// Node's PATTERN_KEY_COMPARE: -1 when pattern key `a` is more specific.
int PatternKeyCompare(std::string_view a, std::string_view b) {
  size_t base_a = a.find('*') + 1;  // 0 without a star
  size_t base_b = b.find('*') + 1;
  if (base_a > base_b) return -1;
  if (base_b > base_a) return 1;
  if (base_a == 0) return 1;
  if (base_b == 0) return -1;
  if (a.size() > b.size()) return -1;
  if (b.size() > a.size()) return 1;
  return 0;
}

// Node's PACKAGE_IMPORTS_EXPORTS_RESOLVE: `key` ("./sub" or "#name") in a
// map of exact keys and "*" patterns; the most specific pattern wins.
Target ResolveInMap(v8::Local<v8::Context> context, v8::Local<v8::Value> map,
                    const std::string& key, bool imports,
                    const Conditions& conditions) {
  std::vector<std::string> keys = OwnKeys(context, map);
  if (key.find('*') == std::string::npos) {
    for (const std::string& candidate : keys) {
      if (candidate == key) {
        return ResolveTarget(context, GetProperty(context, map, key),
                             std::nullopt, imports, conditions);
      }
    }
  }
  const std::string* best = nullptr;
  for (const std::string& candidate : keys) {
    size_t star = candidate.find('*');
    if (star == std::string::npos ||
        candidate.find('*', star + 1) != std::string::npos) {
      continue;
    }
    std::string_view base(candidate.data(), star);
    std::string_view trailer(candidate.data() + star + 1,
                             candidate.size() - star - 1);
    if (StartsWith(key, base) && key != base &&
        (trailer.empty() ||
         (EndsWith(key, trailer) && key.size() >= candidate.size())) &&
        (best == nullptr || PatternKeyCompare(candidate, *best) < 0)) {
      best = &candidate;
    }
  }
  if (best == nullptr) return Make(Target::kNoMatch);
  size_t star = best->find('*');
  size_t trailer = best->size() - star - 1;
  std::string_view match(key.data() + star, key.size() - star - trailer);
  return ResolveTarget(context, GetProperty(context, map, *best), match,
                       imports, conditions);
}

// "exports" for `subpath` ("." or "./sub"): a target, or a map of subpaths.
Target ResolveExports(v8::Local<v8::Context> context,
                      v8::Local<v8::Value> exports, const std::string& subpath,
                      const Conditions& conditions) {
  bool subpath_map = false;
  if (exports->IsObject() && !exports->IsArray()) {
    std::vector<std::string> keys = OwnKeys(context, exports);
    subpath_map = !keys.empty() && StartsWith(keys.front(), ".");
  }
  if (subpath_map) {
    return ResolveInMap(context, exports, subpath, false, conditions);
  }
  if (subpath != ".") return Make(Target::kNoMatch);
  return ResolveTarget(context, exports, std::nullopt, false, conditions);
}

// "exports" or "imports" with Node's conditions, then with "browser" added
// when nothing matched.
Target ResolveWithConditions(v8::Local<v8::Context> context,
                             v8::Local<v8::Value> map, const std::string& key,
                             bool imports, bool esm) {
  Target out;
  for (bool browser : {false, true}) {
    Conditions conditions{esm, browser};
    out = imports ? ResolveInMap(context, map, key, true, conditions)
                  : ResolveExports(context, map, key, conditions);
    if (out.kind != Target::kNoMatch) break;
  }
  return out;
}

// Whether `path` (lexically normal) is `dir` or below it.
bool IsWithin(const fs::path& path, const fs::path& dir) {
  if (dir.empty()) return false;
  auto p = path.begin();
  for (auto d = dir.begin(); d != dir.end(); ++d, ++p) {
    if (d->empty()) continue;  // trailing separator
    if (p == path.end() || *d != *p) return false;
  }
  return true;
}

// The value of the "type" import assertion, or "" without one.
// `stride`: 3 for a static import ([key, value, offset]...), 2 for import().
std::string AssertedType(v8::Local<v8::Context> context,
                         v8::Local<v8::FixedArray> assertions, int stride) {
  if (assertions.IsEmpty()) return "";
  v8::Isolate* isolate = context->GetIsolate();
  for (int i = 0; i + 1 < assertions->Length(); i += stride) {
    v8::Local<v8::Data> key = assertions->Get(context, i);
    v8::Local<v8::Data> value = assertions->Get(context, i + 1);
    if (!key->IsValue() || !value->IsValue()) continue;
    if (Utf8Lossy(isolate, key.As<v8::Value>()) == "type") {
      return Utf8Lossy(isolate, value.As<v8::Value>());
    }
  }
  return "";
}

}  // namespace

// ---- resolution ----

bool ModuleLoader::Readable(const fs::path& path) const {
  if (root_.empty() || root_is_file_) return false;
  fs::path normal = path.lexically_normal();
  if (IsWithin(normal, root_)) return true;
  if (packages_root_ == root_ || !IsWithin(normal, packages_root_)) {
    return false;
  }
  for (const fs::path& part : normal.lexically_relative(packages_root_)) {
    if (part == "node_modules") return true;
  }
  return false;
}

bool ModuleLoader::FileReadable(const fs::path& path) const {
  return Readable(path) && IsFile(path) && Readable(Canonical(path));
}

bool ModuleLoader::DirectoryReadable(const fs::path& path) const {
  return Readable(path) && IsDirectory(path) && Readable(Canonical(path));
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

absl::StatusOr<v8::Local<v8::Value>> ModuleLoader::PackageJson(
    const fs::path& file) {
  auto it = package_jsons_.find(file.string());
  if (it != package_jsons_.end()) return it->second.Get(isolate_);
  DUET_ASSIGN_OR_RETURN(v8::Local<v8::Value> json, ReadJson(file));
  package_jsons_[file.string()].Reset(isolate_, json);
  return json;
}

std::optional<fs::path> ModuleLoader::PackageScope(const fs::path& file) {
  for (fs::path dir = file.parent_path(); Readable(dir);
       dir = dir.parent_path()) {
    if (dir.filename() == "node_modules") break;
    if (FileReadable(dir / "package.json")) return dir;
    if (dir == dir.parent_path()) break;
  }
  return std::nullopt;
}

std::optional<fs::path> ModuleLoader::ResolveFileOrDirectory(
    const fs::path& path, int depth) {
  if (FileReadable(path)) return path;
  for (const char* extension : {".js", ".mjs", ".cjs", ".json"}) {
    fs::path candidate = path;
    candidate += extension;
    if (FileReadable(candidate)) return candidate;
  }
  if (!DirectoryReadable(path)) return std::nullopt;
  fs::path package_json = path / "package.json";
  if (depth == 0 && FileReadable(package_json)) {
    absl::StatusOr<v8::Local<v8::Value>> json = PackageJson(package_json);
    if (json.ok()) {
      // "main" only: Node never reads "module" (nor "browser").
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
    if (FileReadable(path / index)) return path / index;
  }
  return std::nullopt;
}

absl::StatusOr<fs::path> ModuleLoader::TargetFile(const fs::path& package_dir,
                                                  const std::string& target,
                                                  const fs::path& package_json,
                                                  std::string_view field) {
  fs::path file = (package_dir / target).lexically_normal();
  if (!IsWithin(file, package_dir) || !FileReadable(file)) {
    return absl::NotFoundError(absl::StrCat(
        "Cannot find module '", file.string(), "' (\"", internal::ToAbsl(field),
        "\" of ", package_json.string(), ")"));
  }
  return file;
}

absl::StatusOr<fs::path> ModuleLoader::ResolvePackage(
    const fs::path& package_dir, const std::string& subpath, bool esm,
    std::string_view specifier) {
  fs::path package_json = package_dir / "package.json";
  if (FileReadable(package_json)) {
    DUET_ASSIGN_OR_RETURN(v8::Local<v8::Value> json, PackageJson(package_json));
    v8::Local<v8::Value> exports = GetProperty(context(), json, "exports");
    if (!exports->IsUndefined() && !exports->IsNull()) {
      Target target =
          ResolveWithConditions(context(), exports, subpath, false, esm);
      if (target.kind == Target::kInvalid) {
        return absl::NotFoundError(
            absl::StrCat("Cannot find module '", internal::ToAbsl(specifier),
                         "': invalid \"exports\" target for '", subpath,
                         "' in ", package_json.string()));
      }
      if (target.kind != Target::kFound) {
        return absl::NotFoundError(absl::StrCat(
            "Cannot find module '", internal::ToAbsl(specifier),
            "': package subpath '", subpath,
            "' is not defined by \"exports\" in ", package_json.string(),
            " (conditions: ", Conditions{esm, false}.Text(), ")"));
      }
      return TargetFile(package_dir, target.path, package_json, "exports");
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

absl::StatusOr<ModuleLoader::Resolved> ModuleLoader::ResolveImports(
    const std::string& specifier, const fs::path& from_file, bool esm,
    int depth) {
  auto not_found = [&](std::string_view why) {
    return absl::NotFoundError(absl::StrCat("Cannot find module '", specifier,
                                            "' from '", from_file.string(),
                                            "': ", internal::ToAbsl(why)));
  };
  if (specifier == "#" || StartsWith(specifier, "#/")) {
    return not_found("not a valid package import specifier");
  }
  std::optional<fs::path> scope = PackageScope(from_file);
  if (!scope) return not_found("no package.json with \"imports\" above it");
  fs::path package_json = *scope / "package.json";
  DUET_ASSIGN_OR_RETURN(v8::Local<v8::Value> json, PackageJson(package_json));
  v8::Local<v8::Value> imports = GetProperty(context(), json, "imports");
  Target target;
  if (imports->IsObject() && !imports->IsArray()) {
    target = ResolveWithConditions(context(), imports, specifier, true, esm);
  }
  if (target.kind == Target::kInvalid) {
    return not_found(
        absl::StrCat("invalid \"imports\" target in ", package_json.string()));
  }
  if (target.kind != Target::kFound) {
    return not_found(
        absl::StrCat("not defined by \"imports\" in ", package_json.string(),
                     " (conditions: ", Conditions{esm, false}.Text(), ")"));
  }
  if (target.bare) {
    // Resolved as if imported by the package's own package.json.
    if (depth > 8) return not_found("\"imports\" targets loop");
    return Resolve(target.path, package_json, esm, depth + 1);
  }
  DUET_ASSIGN_OR_RETURN(
      fs::path file, TargetFile(*scope, target.path, package_json, "imports"));
  return Resolved{false, Canonical(file), {}};
}

absl::StatusOr<ModuleLoader::Resolved> ModuleLoader::Resolve(
    std::string_view specifier, const fs::path& from_file, bool esm,
    int depth) {
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
  // The importing file is readable; its folder, symlinks resolved, is what
  // relative specifiers are read against.
  const fs::path from_dir = Canonical(from_file.parent_path());
  if (spec == "." || spec == ".." || StartsWith(spec, "./") ||
      StartsWith(spec, "../") || StartsWith(spec, "/")) {
    fs::path target = (StartsWith(spec, "/") ? fs::path(spec) : from_dir / spec)
                          .lexically_normal();
    // Refused by its text, before any file is looked at: the answer is the
    // same whether or not the file exists.
    if (!Readable(target)) {
      return not_found(absl::StrCat(": it is outside the plugin directory ",
                                    root_.string()));
    }
    std::optional<fs::path> found = ResolveFileOrDirectory(target);
    if (!found) return not_found("");
    return Resolved{false, Canonical(*found), {}};
  }
  if (StartsWith(spec, "#")) return ResolveImports(spec, from_file, esm, depth);
  // A bare name: the package (with @scope/) and an optional subpath.
  size_t slash = spec.find('/');
  if (!spec.empty() && spec[0] == '@' && slash != std::string::npos) {
    slash = spec.find('/', slash + 1);
  }
  std::string name = spec.substr(0, slash);
  std::string subpath =
      slash == std::string::npos ? "." : "." + spec.substr(slash);
  // A package importing itself by its own name, through its "exports".
  if (std::optional<fs::path> scope = PackageScope(from_file)) {
    absl::StatusOr<v8::Local<v8::Value>> json =
        PackageJson(*scope / "package.json");
    v8::Local<v8::Value> own_name =
        json.ok() ? GetProperty(context(), *json, "name")
                  : v8::Undefined(isolate_).As<v8::Value>();
    if (own_name->IsString() && Utf8Lossy(isolate_, own_name) == name &&
        !GetProperty(context(), *json, "exports")->IsNullOrUndefined()) {
      DUET_ASSIGN_OR_RETURN(fs::path file,
                            ResolvePackage(*scope, subpath, esm, spec));
      return Resolved{false, Canonical(file), {}};
    }
  }
  // node_modules from the importing file's folder upward, as far as the
  // packages root and never beyond it.
  for (fs::path dir = from_dir; IsWithin(dir, packages_root_);
       dir = dir.parent_path()) {
    fs::path package_dir = dir / "node_modules" / name;
    if (dir.filename() != "node_modules" && DirectoryReadable(package_dir)) {
      DUET_ASSIGN_OR_RETURN(fs::path file,
                            ResolvePackage(package_dir, subpath, esm, spec));
      return Resolved{false, Canonical(file), {}};
    }
    if (dir == packages_root_ || dir == dir.parent_path()) break;
  }
  if (IsBuiltin(name)) return absl::NotFoundError(BuiltinError(spec));
  return not_found(absl::StrCat(" (no node_modules/", name, " in ",
                                from_dir.string(), " or above it up to ",
                                packages_root_.string(), ")"));
}

ModuleLoader::Format ModuleLoader::FormatOf(const fs::path& file) {
  std::string extension = file.extension().string();
  if (extension == ".mjs") return Format::kEsm;
  if (extension == ".cjs") return Format::kCommonJs;
  if (extension == ".json") return Format::kJson;
  // The nearest package.json decides, as PackageScope finds it.
  for (fs::path dir = file.parent_path(); Readable(dir);
       dir = dir.parent_path()) {
    if (dir.filename() == "node_modules") break;
    auto [it, inserted] = package_types_.try_emplace(dir.string());
    if (inserted) {
      fs::path package_json = dir / "package.json";
      if (FileReadable(package_json)) {
        std::string type;
        absl::StatusOr<v8::Local<v8::Value>> json = PackageJson(package_json);
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
    if (dir == dir.parent_path()) break;
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
    const fs::path& file, const std::string& parent) {
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
  record->parent = parent;
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
    const Resolved& resolved, const std::string& parent) {
  if (resolved.duet) return DuetRecord();
  if (!resolved.builtin.empty()) return BuiltinRecord(resolved.builtin);
  return GetRecord(resolved.path, parent);
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
    auto fail_here = [&](const absl::Status& status) {
      v8::Location location =
          module->SourceOffsetToLocation(request->GetSourceOffset());
      return Fail(absl::InvalidArgumentError(absl::StrCat(
          record->key, ":", location.GetLineNumber() + 1, ":",
          location.GetColumnNumber() + 1, ": ", status.message())));
    };
    if (!resolved.ok()) {
      return fail_here(WithRequireStack(resolved.status(), record->key));
    }
    absl::StatusOr<Record*> dependency = RecordFor(*resolved, record->key);
    if (!dependency.ok()) return Fail(dependency.status());
    absl::Status type_checked = CheckImportType(
        **dependency, AssertedType(context, request->GetImportAssertions(), 3));
    if (!type_checked.ok()) return fail_here(type_checked);
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
  packages_root_ = root_;
}

void ModuleLoader::SetPackagesRoot(const fs::path& packages_root) {
  if (packages_root.empty() || root_is_file_) return;
  fs::path canonical = Canonical(packages_root);
  if (IsWithin(root_, canonical)) packages_root_ = canonical;
}

ModuleLoader::~ModuleLoader() {
  package_jsons_.clear();
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
  packages_root_ = root_;
  in_memory_key_ = root_.string();
  in_memory_source_ = std::move(source);
}

std::vector<std::string> ModuleLoader::RequireStack(
    const std::string& key) const {
  std::vector<std::string> stack;
  // Parents are older records, so the chain ends; the bound is a guard.
  for (std::string at = key; !at.empty() && stack.size() < 64;) {
    stack.push_back(at);
    auto it = records_.find(at);
    if (it == records_.end()) break;
    at = it->second->parent;
  }
  return stack;
}

absl::Status ModuleLoader::WithRequireStack(const absl::Status& status,
                                            const std::string& key) const {
  std::vector<std::string> stack = RequireStack(key);
  if (stack.empty()) return status;
  std::string message(status.message());
  absl::StrAppend(&message, "\nRequire stack:");
  for (const std::string& file : stack) absl::StrAppend(&message, "\n- ", file);
  return absl::Status(status.code(), message);
}

absl::Status ModuleLoader::CheckImportType(const Record& record,
                                           std::string_view type) {
  if (type.empty() || type == "json") {
    bool json = record.format == Format::kJson;
    if (json && type.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("Module '", record.key,
                       "' needs an import assertion of type \"json\" (import "
                       "data from \"./file.json\" assert { type: \"json\" })"));
    }
    if (!json && !type.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("Module '", record.key, "' is not of type \"json\""));
    }
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("Import assertion type \"", internal::ToAbsl(type),
                   "\" is unsupported (only \"json\" is)"));
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

// As Node's: code MODULE_NOT_FOUND, and requireStack (RequireStack) when
// there is one.
void ThrowModuleNotFound(v8::Isolate* isolate, const absl::Status& status,
                         const std::vector<std::string>& require_stack) {
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Value> error =
      v8::Exception::Error(Str(isolate, internal::ToStd(status.message())));
  v8::Local<v8::Object> object = error.As<v8::Object>();
  IgnoreResult(object->Set(context, Str(isolate, "code"),
                           Str(isolate, "MODULE_NOT_FOUND")));
  if (!require_stack.empty()) {
    v8::Local<v8::Array> stack = v8::Array::New(isolate);
    for (uint32_t i = 0; i < require_stack.size(); ++i) {
      IgnoreResult(stack->Set(context, i, Str(isolate, require_stack[i])));
    }
    IgnoreResult(object->Set(context, Str(isolate, "requireStack"), stack));
  }
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
  ModuleLoader& loader = From(isolate);
  std::string from = Utf8Lossy(isolate, info.Data());
  absl::StatusOr<Resolved> resolved =
      loader.Resolve(Utf8Lossy(isolate, info[0]), from, false);
  if (!resolved.ok()) {
    ThrowModuleNotFound(isolate,
                        loader.WithRequireStack(resolved.status(), from),
                        loader.RequireStack(from));
    return std::nullopt;
  }
  return *std::move(resolved);
}

void ModuleLoader::RequireCallback(
    const v8::FunctionCallbackInfo<v8::Value>& info) {
  ModuleLoader* loader = &From(info.GetIsolate());
  std::optional<Resolved> resolved = ResolveRequired(info);
  if (!resolved) return;
  absl::StatusOr<Record*> record =
      loader->RecordFor(*resolved, Utf8Lossy(info.GetIsolate(), info.Data()));
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
  std::string from = Utf8Lossy(isolate, resource_name);
  absl::StatusOr<Resolved> resolved =
      loader->Resolve(Utf8Lossy(isolate, specifier), from, true);
  if (!resolved.ok()) {
    ThrowModuleNotFound(isolate,
                        loader->WithRequireStack(resolved.status(), from),
                        loader->RequireStack(from));
    reject();
  } else {
    absl::StatusOr<Record*> record = loader->RecordFor(*resolved, from);
    if (record.ok()) {
      absl::Status type_checked = CheckImportType(
          **record, AssertedType(context, import_assertions, 2));
      if (!type_checked.ok()) record = type_checked;
    }
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
