#include "plugin_loader.h"

#include <algorithm>
#include <array>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "duet/error.h"
#include "duet/internal/identifier.h"
#include "duet/internal/status_macros.h"
#include "duet/internal/strings.h"

namespace duet::internal {
namespace {

std::string LanguageString(Language language) {
  return std::string(LanguageName(language));
}

bool IsSkippedEntry(const std::filesystem::path& path) {
  std::string name = path.filename().string();
  return name.empty() || name[0] == '.' || name[0] == '_' ||
         name == "node_modules";
}

// Whether `path` is `dir` or below it; both canonical.
bool IsWithin(const std::filesystem::path& path,
              const std::filesystem::path& dir) {
  auto p = path.begin();
  for (auto d = dir.begin(); d != dir.end(); ++d, ++p) {
    if (d->empty()) continue;  // trailing separator
    if (p == path.end() || *d != *p) return false;
  }
  return true;
}

// A script exception raised while a plugin loads, reworded to start with
// where it was raised in the plugin's own files ("greeter.py:3: ValueError:
// ..."), as a load failure's message does for every other cause. The code
// and the ScriptError payload stay.
absl::Status WhereLoadFailed(absl::Status status,
                             const ImplementationSpec& spec) {
  std::optional<ScriptError> error = GetScriptError(status);
  if (!error) return status;  // already names its file (syntax, missing...)
  // A single file's root is the file itself, which IsWithin accepts.
  std::error_code ignored;
  // absolute() first: weakly_canonical leaves a relative path that names
  // nothing on disk (an in-memory plugin's display name) relative.
  const std::filesystem::path root = std::filesystem::weakly_canonical(
      std::filesystem::absolute(spec.root, ignored), ignored);
  const StackFrame* where = nullptr;
  for (const StackFrame& frame : error->stack) {
    std::filesystem::path file = std::filesystem::weakly_canonical(
        std::filesystem::absolute(frame.file, ignored), ignored);
    if (frame.line > 0 && IsWithin(file, root)) {
      where = &frame;
      break;
    }
  }
  if (where == nullptr) return status;
  std::string prefix = absl::StrCat(where->file, ":", where->line, ": ");
  // Already there, with or without a column ("f.js:2:11: SyntaxError").
  if (absl::StartsWith(status.message(),
                       absl::StrCat(where->file, ":", where->line, ":"))) {
    return status;
  }
  absl::Status out(status.code(), absl::StrCat(prefix, status.message()));
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    out.SetPayload(url, payload);
  });
  return out;
}

std::string ManifestLine(const Manifest& manifest, int line) {
  return line > 0 ? absl::StrCat(manifest.file.string(), ":", line)
                  : manifest.file.string();
}

// [permissions] as the engine gets it: paths absolute against the plugin
// folder, lexically normal, never resolved (the engine resolves symlinks at
// each access, since they can change after loading).
Permissions AbsolutePermissions(const Permissions& granted,
                                const std::filesystem::path& root) {
  Permissions out = granted;
  for (std::vector<std::string>* paths : {&out.read, &out.write}) {
    for (std::string& path : *paths) {
      path = (root / path).lexically_normal().string();
    }
  }
  return out;
}

// What loading says about a plugin's [permissions] that is not an error: a
// read grant naming nothing (a typo, or data not there yet), and that a
// Python implementation is not confined. A write grant may name a folder
// the plugin creates, so a missing one is not reported.
std::vector<std::string> PermissionNotes(const ModuleState& state) {
  std::vector<std::string> notes;
  const Manifest& manifest = *state.manifest;
  const Permissions& permissions = manifest.permissions;
  if (permissions.empty()) return notes;
  const std::string where = ManifestLine(manifest, permissions.line);
  const std::filesystem::path root =
      std::filesystem::absolute(state.location).lexically_normal();
  for (const std::string& path : permissions.read) {
    std::error_code error;
    if (!std::filesystem::exists(root / path, error)) {
      notes.push_back(absl::StrCat(where, ": [permissions] read path '", path,
                                   "' does not exist (",
                                   (root / path).lexically_normal().string(),
                                   "); reads there fail until it does"));
    }
  }
  return notes;
}

// How messages name a plugin given in memory.
std::string SourceLocation(const PluginSource& source) {
  return absl::StrCat("in-memory plugin '", source.module, "'");
}

absl::Status CheckModuleName(const std::string& name,
                             std::string_view location) {
  if (!IsIdentifier(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(location), ": '", name,
                     "' cannot be a module name (use letters, digits and _)"));
  }
  if (IsReservedModuleName(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(location), ": module name '", name,
                     "' is reserved: ", ToAbsl(kReservedModuleNameRule)));
  }
  return absl::OkStatus();
}

absl::Status CheckSource(const PluginSource& source) {
  const std::string location = SourceLocation(source);
  DUET_RETURN_IF_ERROR(CheckModuleName(source.module, location));
  if (source.implementations.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(location, ": no implementation given"));
  }
  bool seen[kLanguageCount] = {};
  for (const SourceText& implementation : source.implementations) {
    const std::string language = LanguageString(implementation.language);
    if (seen[LanguageIndex(implementation.language)]) {
      return absl::InvalidArgumentError(absl::StrCat(
          location, ": two ", language, " implementations (one per language)"));
    }
    seen[LanguageIndex(implementation.language)] = true;
    // Engines read the file when the text is empty; there is none here.
    if (implementation.text.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(location, ": the ",
                                                     language,
                                                     " implementation's text "
                                                     "is empty"));
    }
  }
  if (source.default_language &&
      !seen[LanguageIndex(*source.default_language)]) {
    return absl::InvalidArgumentError(
        absl::StrCat(location, ": the default language is ",
                     LanguageString(*source.default_language),
                     " but no implementation is in it"));
  }
  const Limits& limits = source.limits;
  if (limits.timeout_ms < 0 || limits.timeout_ms > Limits::kMaxTimeoutMs) {
    return absl::InvalidArgumentError(
        absl::StrCat(location, ": limits.timeout_ms is ", limits.timeout_ms,
                     "; it must be from 1 to ", Limits::kMaxTimeoutMs,
                     ", or 0 for the host's default"));
  }
  if (limits.memory_mb < 0 || limits.memory_mb > Limits::kMaxMemoryMb) {
    return absl::InvalidArgumentError(
        absl::StrCat(location, ": limits.memory_mb is ", limits.memory_mb,
                     "; it must be from 1 to ", Limits::kMaxMemoryMb,
                     ", or 0 for the host's default"));
  }
  return absl::OkStatus();
}

// [state] hooks are exports of every implementation, and plain functions:
// a switch runs them while calls wait, so they cannot await. Checks the
// implementations given (null: not started, checked when it starts);
// `where` names the [state] table (or the in-memory plugin) in messages.
absl::Status CheckStateHooks(
    const StateHooks& hooks,
    const std::array<std::shared_ptr<Implementation>, kLanguageCount>&
        implementations,
    const std::array<std::filesystem::path, kLanguageCount>& files,
    const std::string& where) {
  std::vector<std::string> problems;
  for (Language language : kAllLanguages) {
    const Implementation* implementation =
        implementations[LanguageIndex(language)].get();
    if (implementation == nullptr) continue;
    const std::vector<std::string>& exports = implementation->exports();
    const std::string file = files[LanguageIndex(language)].filename().string();
    for (const std::string* hook : {&hooks.snapshot, &hooks.restore}) {
      auto it = std::lower_bound(exports.begin(), exports.end(), *hook);
      if (it == exports.end() || *it != *hook) {
        problems.push_back(absl::StrCat(where, ": [state] function '", *hook,
                                        "' is missing from ", file, " (",
                                        LanguageString(language), ")"));
      } else if (implementation->IsAsync(it - exports.begin())) {
        problems.push_back(absl::StrCat(
            where, ": [state] function '", *hook, "' in ", file, " (",
            LanguageString(language),
            ") is async; state hooks must return their result directly"));
      }
    }
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
}

// The implementations this thread is starting (PluginLoader::Start), so a
// plugin whose top-level code calls back into itself is refused instead of
// starting it twice.
thread_local std::vector<std::pair<const Module*, Language>> starting_here;

class StartingHere {
 public:
  StartingHere(const Module& module, Language language) {
    starting_here.emplace_back(&module, language);
  }
  ~StartingHere() { starting_here.pop_back(); }
  StartingHere(const StartingHere&) = delete;
  StartingHere& operator=(const StartingHere&) = delete;

  static bool Contains(const Module& module, Language language) {
    return std::find(starting_here.begin(), starting_here.end(),
                     std::make_pair(&module, language)) != starting_here.end();
  }
};

}  // namespace

void PluginLoader::Log(LogLevel level, std::string_view message) const {
  options_.log_sink(level, "duet", message);
}

absl::StatusOr<LoadReport> PluginLoader::LoadDirectory(
    const std::filesystem::path& dir) {
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) {
    return absl::NotFoundError(absl::StrCat(
        dir.string(), ": not a directory (expected a folder of plugins)"));
  }
  std::vector<std::filesystem::path> entries;
  for (std::filesystem::directory_iterator it(dir, error), end;
       !error && it != end; it.increment(error)) {
    entries.push_back(it->path());
  }
  if (error) {
    return absl::PermissionDeniedError(absl::StrCat(
        dir.string(), ": cannot list the directory: ", error.message()));
  }
  std::sort(entries.begin(), entries.end());
  {
    absl::MutexLock lock(&mutex_);
    std::filesystem::path absolute =
        std::filesystem::absolute(dir, error).lexically_normal();
    if (absolute.filename().empty()) absolute = absolute.parent_path();
    if (std::find(plugin_directories_.begin(), plugin_directories_.end(),
                  absolute) == plugin_directories_.end()) {
      plugin_directories_.push_back(absolute);
    }
  }

  LoadReport report;
  for (const std::filesystem::path& entry : entries) {
    if (IsSkippedEntry(entry)) continue;
    bool is_dir = std::filesystem::is_directory(entry, error);
    if (is_dir && !std::filesystem::exists(entry / "plugin.toml", error)) {
      continue;  // a helper folder, not a plugin
    }
    if (!is_dir && runtimes_.ForFile(entry) == nullptr) continue;
    absl::StatusOr<std::string> name = Load(entry, &report.warnings);
    if (name.ok()) {
      report.loaded.push_back(*name);
    } else if (absl::IsAlreadyExists(name.status())) {
      // The documented rule (first plugin wins), not a broken plugin.
      std::string warning(name.status().message());
      Log(LogLevel::kWarning, warning);
      report.warnings.push_back(std::move(warning));
    } else {
      Log(LogLevel::kError, ToStd(name.status().message()));
      report.problems.push_back({entry, name.status()});
    }
  }
  return report;
}

absl::StatusOr<std::string> PluginLoader::Publish(
    const std::string& name,
    absl::StatusOr<std::unique_ptr<ModuleState>> read) {
  if (!read.ok()) {
    // Remembered so that calling the module later says why it is missing.
    if (!name.empty() && !absl::IsAlreadyExists(read.status())) {
      modules_.RecordFailure(name, ToStd(read.status().message()));
    }
    return read.status();
  }
  modules_.Add(name, *std::move(read));
  return name;
}

absl::StatusOr<std::string> PluginLoader::Load(
    const std::filesystem::path& location, std::vector<std::string>* warnings,
    bool start_all) {
  absl::MutexLock lock(&mutex_);
  std::string name;
  absl::StatusOr<std::unique_ptr<ModuleState>> read =
      ReadPlugin(location, /*reloading=*/nullptr, &name, warnings, start_all);
  return Publish(name, std::move(read));
}

absl::StatusOr<std::string> PluginLoader::Load(const PluginSource& source) {
  DUET_RETURN_IF_ERROR(CheckSource(source));
  absl::MutexLock lock(&mutex_);
  return Publish(source.module, ReadSource(source, /*reloading=*/nullptr));
}

absl::Status PluginLoader::Reload(std::string_view name, const Swap& swap) {
  absl::MutexLock lock(&mutex_);
  DUET_ASSIGN_OR_RETURN(Module * module, modules_.Get(name));
  std::shared_ptr<const ModuleState> current = module->state();
  std::unique_ptr<ModuleState> state;
  if (current->source) {
    DUET_ASSIGN_OR_RETURN(state, ReadSource(*current->source, module));
  } else {
    std::string new_name;
    std::vector<std::string> warnings;
    DUET_ASSIGN_OR_RETURN(
        state, ReadPlugin(current->location, module, &new_name, &warnings));
  }
  current.reset();
  Language active = module->active();
  if (!state->Has(active)) active = state->default_language;
  return swap(*module, std::move(state), active);
}

absl::Status PluginLoader::CheckName(const std::string& name,
                                     std::string_view location,
                                     const Module* reloading) const {
  if (reloading == nullptr) return modules_.CheckNameFree(name, location);
  if (name != reloading->name()) {
    return absl::InvalidArgumentError(absl::StrCat(
        ToAbsl(location), ": the plugin is now named '", name, "', not '",
        reloading->name(), "'; load it as a new plugin instead of reloading"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ModuleState>> PluginLoader::ReadPlugin(
    const std::filesystem::path& location, const Module* reloading,
    std::string* name, std::vector<std::string>* warnings, bool start_all) {
  std::error_code error;
  auto state = std::make_unique<ModuleState>();
  state->location = location;
  if (std::filesystem::is_directory(location, error)) {
    DUET_ASSIGN_OR_RETURN(ParsedManifest parsed,
                          ParseManifestFile(location / "plugin.toml"));
    for (const std::string& warning : parsed.warnings) {
      Log(LogLevel::kWarning, warning);
      if (warnings != nullptr) warnings->push_back(warning);
    }
    *name = parsed.manifest.name;
    DUET_RETURN_IF_ERROR(CheckName(*name, location.string(), reloading));
    state->manifest = std::move(parsed.manifest);
    DUET_RETURN_IF_ERROR(
        PlanDirectoryImplementations(*state, PackagesRootFor(location)));
    for (std::string& note : PermissionNotes(*state)) {
      Log(LogLevel::kWarning, note);
      if (warnings != nullptr) warnings->push_back(std::move(note));
    }
    const Permissions& permissions = state->manifest->permissions;
    if (!permissions.empty() && state->Has(Language::kPython)) {
      // Said at each load, not each call: CPython cannot be confined.
      Log(LogLevel::kInfo,
          absl::StrCat(ManifestLine(*state->manifest, permissions.line),
                       ": [permissions] is not enforced for the python "
                       "implementation: Python code runs with the "
                       "application's full authority (docs/plugins.md)"));
    }
  } else if (std::filesystem::is_regular_file(location, error)) {
    *name = location.stem().string();
    DUET_RETURN_IF_ERROR(CheckName(*name, location.string(), reloading));
    DUET_RETURN_IF_ERROR(PlanSingleFileImplementation(*name, *state));
  } else {
    return absl::NotFoundError(
        absl::StrCat(location.string(), ": no such plugin file or folder"));
  }
  DUET_RETURN_IF_ERROR(StartImplementations(
      *state,
      start_all ? state->Languages() : StartAtPublish(*state, reloading)));
  state->IndexFunctions();
  return state;
}

std::vector<Language> PluginLoader::StartAtPublish(
    const ModuleState& state, const Module* reloading) const {
  if (options_.start_mode == StartMode::kAtLoad) return state.Languages();
  std::vector<Language> languages;
  std::shared_ptr<const ModuleState> previous =
      reloading == nullptr ? nullptr : reloading->state();
  if (previous == nullptr) return languages;
  for (Language language : state.Languages()) {
    if (previous->Get(language) != nullptr) languages.push_back(language);
  }
  return languages;
}

absl::Status PluginLoader::StartImplementations(
    ModuleState& state, const std::vector<Language>& languages) const {
  std::array<std::shared_ptr<Implementation>, kLanguageCount> started;
  for (Language language : languages) {
    const size_t index = LanguageIndex(language);
    if (state.implementations[index] != nullptr) continue;
    const ImplementationSpec& spec = *state.start_specs[index];
    absl::StatusOr<std::unique_ptr<Implementation>> implementation =
        runtimes_.Get(language)->Load(spec);
    if (!implementation.ok()) {
      return WhereLoadFailed(implementation.status(), spec);
    }
    started[index] = *std::move(implementation);
  }

  // Each implementation must provide every declared export.
  if (state.manifest) {
    const Manifest& manifest = *state.manifest;
    std::vector<std::string> missing;
    for (const ExportSpec& spec : manifest.exports) {
      for (Language language : languages) {
        const Implementation* implementation =
            started[LanguageIndex(language)].get();
        if (implementation == nullptr) continue;  // checked when it started
        const std::vector<std::string>& exports = implementation->exports();
        if (!std::binary_search(exports.begin(), exports.end(), spec.name)) {
          missing.push_back(absl::StrCat(
              ManifestLine(manifest, spec.line), ": declared export '",
              spec.name, "' is missing from ",
              state.files[LanguageIndex(language)].filename().string(), " (",
              LanguageString(language), ")"));
        }
      }
    }
    if (!missing.empty()) {
      return absl::InvalidArgumentError(absl::StrJoin(missing, "; "));
    }
    if (state.state_hooks) {
      DUET_RETURN_IF_ERROR(
          CheckStateHooks(*state.state_hooks, started, state.files,
                          ManifestLine(manifest, manifest.state->line)));
    }
  }
  for (size_t index = 0; index < kLanguageCount; ++index) {
    if (started[index] != nullptr) {
      state.implementations[index] = std::move(started[index]);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const ModuleState>> PluginLoader::Start(
    Module& module, Language language) const {
  std::lock_guard<std::recursive_mutex> lock(start_mutex_);
  const size_t index = LanguageIndex(language);
  // Retried when a Reload publishes a new version while this one starts:
  // what started belongs to the old version, so the new one starts anew.
  for (;;) {
    std::shared_ptr<const ModuleState> state = module.state();
    if (state == nullptr) {
      return absl::CancelledError("the host is shutting down");
    }
    // Another thread may have started it (or failed to) while this one
    // waited for the lock.
    if (state->Get(language) != nullptr) return state;
    if (!state->start_failures[index].ok()) {
      return state->start_failures[index];
    }
    if (!state->start_specs[index]) {
      return NoImplementation(module, *state, language);
    }
    if (StartingHere::Contains(module, language)) {
      return absl::FailedPreconditionError(
          absl::StrCat("module '", module.name(), "' is still starting its ",
                       LanguageString(language),
                       " implementation: its top-level code called into it"));
    }
    std::unique_ptr<ModuleState> next = state->Successor();
    absl::Status started;
    {
      StartingHere scope(module, language);
      started = StartImplementations(*next, {language});
    }
    // Stopped by Interrupt or the host's shutdown: says nothing about the
    // plugin, so nothing is kept and the next use tries again.
    if (absl::IsCancelled(started)) return started;
    if (!started.ok()) {
      // Worded as a plugin that failed at load is, since that is what it
      // would have been under StartMode::kAtLoad.
      next->start_failures[index] = absl::NotFoundError(absl::StrCat(
          "module '", module.name(), "' failed to load: ", started.message()));
    }
    next->IndexFunctions();
    std::shared_ptr<const ModuleState> successor(std::move(next));
    // Swapped with the state it replaces (still held by `state`), which
    // then goes outside the module's lock.
    std::shared_ptr<const ModuleState> replaced = successor;
    if (!module.PublishInPlaceOf(state, replaced)) continue;
    if (!started.ok()) {
      Log(LogLevel::kError, ToStd(started.message()));
      return successor->start_failures[index];
    }
    return successor;
  }
}

absl::StatusOr<std::unique_ptr<ModuleState>> PluginLoader::ReadSource(
    const PluginSource& source, const Module* reloading) {
  const std::string location = SourceLocation(source);
  DUET_RETURN_IF_ERROR(CheckName(source.module, location, reloading));
  auto state = std::make_unique<ModuleState>();
  if (source.limits.timeout_ms > 0) {
    state->timeout = absl::Milliseconds(source.limits.timeout_ms);
  }
  for (const SourceText& implementation : source.implementations) {
    const Language language = implementation.language;
    Runtime* runtime = runtimes_.Get(language);
    if (runtime == nullptr) {
      Log(LogLevel::kInfo,
          absl::StrCat(location, ": skipping the ", LanguageString(language),
                       " implementation: this host runs no ",
                       LanguageString(language), " engine"));
      continue;
    }
    std::string display_name = implementation.display_name;
    if (display_name.empty()) {
      std::vector<std::string> extensions = runtime->file_extensions();
      display_name = source.module +
                     (extensions.empty() ? std::string() : extensions.front());
    }
    // The code is the whole plugin: it reaches no file.
    ImplementationSpec spec =
        MakeSpec(source.module, display_name, display_name,
                 /*single_file=*/true, source.limits);
    spec.source = implementation.text;
    absl::StatusOr<std::unique_ptr<Implementation>> loaded =
        runtime->Load(spec);
    if (!loaded.ok()) return WhereLoadFailed(loaded.status(), spec);
    state->files[LanguageIndex(language)] = display_name;
    state->implementations[LanguageIndex(language)] = *std::move(loaded);
  }
  std::vector<Language> languages = state->Languages();
  if (languages.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(location, ": no implementation can run in this host"));
  }
  state->default_language =
      source.default_language.value_or(source.implementations.front().language);
  if (state->Get(state->default_language) == nullptr) {
    state->default_language = languages.front();
  }
  state->source = source;
  if (source.state) {
    state->state_hooks = source.state;
    DUET_RETURN_IF_ERROR(CheckStateHooks(
        *state->state_hooks, state->implementations, state->files, location));
  }
  state->IndexFunctions();
  return state;
}

std::filesystem::path PluginLoader::PackagesRootFor(
    const std::filesystem::path& location) const {
  std::error_code error;
  std::filesystem::path plugin =
      std::filesystem::absolute(location, error).lexically_normal();
  if (plugin.filename().empty()) plugin = plugin.parent_path();
  std::filesystem::path parent = plugin.parent_path();
  for (const std::filesystem::path& dir : plugin_directories_) {
    if (dir == parent) return dir;
  }
  return plugin;
}

absl::Status PluginLoader::PlanDirectoryImplementations(
    ModuleState& state, const std::filesystem::path& packages_root) const {
  const Manifest& manifest = *state.manifest;
  state.version = manifest.version;
  state.description = manifest.description;
  if (manifest.limits.timeout_ms > 0) {
    state.timeout = absl::Milliseconds(manifest.limits.timeout_ms);
  }
  std::filesystem::path root =
      std::filesystem::absolute(state.location).lexically_normal();
  for (const auto& [language, file] : manifest.implementations) {
    Runtime* runtime = runtimes_.Get(language);
    if (runtime == nullptr) {
      // An engine left out of this host (HostOptions::languages): the
      // plugin still loads with the implementations that can run.
      Log(LogLevel::kInfo,
          absl::StrCat(manifest.file.string(), ": skipping the ",
                       LanguageString(language),
                       " implementation: this host runs no ",
                       LanguageString(language), " engine"));
      continue;
    }
    std::filesystem::path entry = root / file;
    std::error_code error;
    if (!std::filesystem::is_regular_file(entry, error)) {
      return absl::NotFoundError(absl::StrCat(
          ManifestLine(manifest, manifest.implementation_lines.at(language)),
          ": the ", LanguageString(language), " implementation '", file,
          "' does not exist (looked for ", entry.string(), ")"));
    }
    // A symlink (the file or a folder on its path) must not lead out of
    // the plugin: imports through one are refused, and so is the entry.
    std::filesystem::path real_root = std::filesystem::canonical(root, error);
    std::filesystem::path real_entry =
        error ? std::filesystem::path()
              : std::filesystem::canonical(entry, error);
    if (error || !IsWithin(real_entry, real_root)) {
      return absl::InvalidArgumentError(absl::StrCat(
          ManifestLine(manifest, manifest.implementation_lines.at(language)),
          ": the ", LanguageString(language), " implementation '", file,
          "' is ",
          error ? absl::StrCat("unreadable: ", error.message())
                : absl::StrCat("a symlink to ", real_entry.string(),
                               ", outside the plugin directory ",
                               real_root.string())));
    }
    state.files[LanguageIndex(language)] = entry;
    ImplementationSpec spec = MakeSpec(manifest.name, entry, root,
                                       /*single_file=*/false, manifest.limits);
    spec.permissions = AbsolutePermissions(manifest.permissions, root);
    spec.node = language == Language::kJavaScript && manifest.javascript.node;
    spec.packages_root = packages_root;
    state.start_specs[LanguageIndex(language)] = std::move(spec);
  }
  std::vector<Language> languages = state.Languages();
  if (languages.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        manifest.file.string(), ": no implementation can run in this host"));
  }
  // Checked as each implementation starts (StartImplementations).
  state.state_hooks = manifest.state;
  state.default_language =
      manifest.default_language.value_or(languages.front());
  if (!state.Has(state.default_language)) {
    state.default_language = languages.front();
  }
  return absl::OkStatus();
}

absl::Status PluginLoader::PlanSingleFileImplementation(
    const std::string& name, ModuleState& state) const {
  const std::filesystem::path& file = state.location;
  Runtime* runtime = runtimes_.ForFile(file);
  if (runtime == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(file.string(), ": no engine in this host loads '",
                     file.extension().string(), "' files"));
  }
  DUET_RETURN_IF_ERROR(CheckModuleName(name, file.string()));
  std::filesystem::path entry =
      std::filesystem::absolute(file).lexically_normal();
  Language language = runtime->language();
  state.files[LanguageIndex(language)] = entry;
  // The file is the whole plugin: it reaches no sibling file.
  state.start_specs[LanguageIndex(language)] =
      MakeSpec(name, entry, entry, /*single_file=*/true, Limits());
  state.default_language = language;
  return absl::OkStatus();
}

ImplementationSpec PluginLoader::MakeSpec(const std::string& module,
                                          const std::filesystem::path& entry,
                                          const std::filesystem::path& root,
                                          bool single_file,
                                          const Limits& limits) const {
  ImplementationSpec spec;
  spec.module = module;
  spec.entry = entry;
  spec.root = root;
  spec.single_file = single_file;
  spec.memory_mb =
      limits.memory_mb > 0 ? limits.memory_mb : options_.default_memory_mb;
  spec.load_timeout = limits.timeout_ms > 0
                          ? absl::Milliseconds(limits.timeout_ms)
                          : options_.default_timeout;
  // A value as large as the plugin's whole memory allowance is already
  // far past anything a call should return.
  spec.value_budget_bytes =
      spec.memory_mb > 0 ? static_cast<size_t>(spec.memory_mb) << 20 : 0;
  return spec;
}

}  // namespace duet::internal
