#include "duet/host.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <iostream>
#include <map>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "duet/internal/identifier.h"
#include "duet/internal/spin_lock.h"
#include "duet/internal/stack.h"
#include "duet/internal/status_macros.h"
#include "duet/internal/strings.h"

namespace duet {
namespace {

using internal::ToAbsl;

constexpr size_t kLanguageCount = std::size(kAllLanguages);

size_t LanguageIndex(Language language) {
  return static_cast<size_t>(language);
}

std::string LanguageString(Language language) {
  return std::string(LanguageName(language));
}

void DefaultLogSink(LogLevel level, std::string_view source,
                    std::string_view message) {
  if (level == LogLevel::kDebug) return;
  // One write per line so concurrent loggers do not interleave mid-line.
  std::string line = absl::StrCat("[", ToAbsl(LogLevelName(level)), "] ",
                                  ToAbsl(source), ": ", ToAbsl(message), "\n");
  std::cerr << line << std::flush;
}

bool IsSkippedEntry(const std::filesystem::path& path) {
  std::string name = path.filename().string();
  return name.empty() || name[0] == '.' || name[0] == '_' ||
         name == "node_modules";
}

// What one version of a module's files produced: its implementations and
// the resolved function table. Immutable once published; Reload publishes a
// new one and calls in flight keep the old one alive until they return.
struct ModuleState {
  struct Function {
    const ExportSpec* declared = nullptr;  // from [exports], when declared
    // Position in each implementation's exports(), -1 where it is missing.
    std::array<int, kLanguageCount> index;
  };

  std::string version;
  std::string description;
  std::filesystem::path location;
  std::optional<Manifest> manifest;
  std::array<std::unique_ptr<Implementation>, kLanguageCount> implementations;
  std::array<std::filesystem::path, kLanguageCount> files;
  Language default_language = Language::kPython;
  std::optional<absl::Duration> timeout;  // [limits] timeout_ms
  absl::flat_hash_map<std::string, Function> functions;

  Implementation* Get(Language language) const {
    return implementations[LanguageIndex(language)].get();
  }
  std::vector<Language> Languages() const {
    std::vector<Language> out;
    for (Language language : kAllLanguages) {
      if (Get(language) != nullptr) out.push_back(language);
    }
    return out;
  }
  // Resolves every exported name once, so a call is one hash lookup.
  void IndexFunctions() {
    for (Language language : Languages()) {
      const std::vector<std::string>& exports = Get(language)->exports();
      for (size_t i = 0; i < exports.size(); ++i) {
        auto [it, inserted] = functions.try_emplace(exports[i]);
        if (inserted) it->second.index.fill(-1);
        it->second.index[LanguageIndex(language)] = static_cast<int>(i);
      }
    }
    if (!manifest) return;
    for (const ExportSpec& spec : manifest->exports) {
      auto it = functions.find(spec.name);
      if (it != functions.end()) it->second.declared = &spec;
    }
  }
};

// A module as callers see it: a name, the active language, and the current
// state. Modules are never removed, so the table may hand out raw pointers.
class Module {
 public:
  explicit Module(std::string name) : name_(std::move(name)) {}

  const std::string& name() const { return name_; }
  Language active() const { return active_.load(std::memory_order_acquire); }
  void set_active(Language language) {
    active_.store(language, std::memory_order_release);
  }

  std::shared_ptr<const ModuleState> state() const {
    internal::SpinLockHolder guard(&state_lock_);
    return state_;
  }
  // Returns the replaced state so the caller destroys it outside the lock.
  std::shared_ptr<const ModuleState> Publish(
      std::shared_ptr<const ModuleState> state) {
    internal::SpinLockHolder guard(&state_lock_);
    std::swap(state_, state);
    return state;
  }

 private:
  const std::string name_;
  std::atomic<Language> active_{Language::kPython};
  // Held for a pointer copy only.
  mutable internal::SpinLock state_lock_;
  std::shared_ptr<const ModuleState> state_ ABSL_GUARDED_BY(state_lock_);
};

using ModuleTable = absl::flat_hash_map<std::string, Module*>;

// The deadline of the call this thread is running, for nested calls.
thread_local absl::Time current_deadline = absl::InfiniteFuture();

// Calls nest when scripts call modules (JS -> Python -> JS ...), and every
// hop spends native stack in both engines. Nested calls are refused, with an
// error the script can catch, before the thread's stack runs out.
constexpr int kMaxCallDepth = 200;
constexpr uintptr_t kNestedCallStackReserve = uintptr_t{1} << 20;

thread_local int call_depth = 0;

class CallDepthScope {
 public:
  CallDepthScope() { ++call_depth; }
  ~CallDepthScope() { --call_depth; }
  CallDepthScope(const CallDepthScope&) = delete;
  CallDepthScope& operator=(const CallDepthScope&) = delete;

  // Checked after entering, so call_depth counts this call.
  static absl::Status Check(std::string_view module,
                            std::string_view function) {
    if (call_depth > kMaxCallDepth) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "calling ", ToAbsl(module), ".", ToAbsl(function), " would nest ",
          call_depth, " module calls deep (the limit is ", kMaxCallDepth,
          "): is there a recursion without end across modules?"));
    }
    if (call_depth > 1 &&
        internal::StackRemaining() < kNestedCallStackReserve) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "calling ", ToAbsl(module), ".", ToAbsl(function), " at ", call_depth,
          " nested module calls would overflow this thread's "
          "stack: is there a recursion without end across modules?"));
    }
    return absl::OkStatus();
  }
};

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
  const std::filesystem::path root =
      std::filesystem::weakly_canonical(spec.root, ignored);
  const StackFrame* where = nullptr;
  for (const StackFrame& frame : error->stack) {
    std::filesystem::path file =
        std::filesystem::weakly_canonical(frame.file, ignored);
    if (frame.line > 0 && IsWithin(file, root)) {
      where = &frame;
      break;
    }
  }
  if (where == nullptr) return status;
  std::string prefix = absl::StrCat(where->file, ":", where->line, ": ");
  if (absl::StartsWith(status.message(), prefix)) return status;
  absl::Status out(status.code(), absl::StrCat(prefix, status.message()));
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    out.SetPayload(url, payload);
  });
  return out;
}

absl::Status CheckOptions(const HostOptions& options) {
  if (options.default_memory_mb < 1 ||
      options.default_memory_mb > Limits::kMaxMemoryMb) {
    return absl::InvalidArgumentError(absl::StrCat(
        "HostOptions::default_memory_mb is ", options.default_memory_mb,
        "; it must be from 1 to ", Limits::kMaxMemoryMb, " (MB)"));
  }
  if (options.default_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "HostOptions::default_timeout is ",
        absl::FormatDuration(options.default_timeout),
        "; it must be positive (absl::InfiniteDuration() for no limit)"));
  }
  return absl::OkStatus();
}

std::string LanguageList(const std::vector<Language>& languages) {
  std::vector<std::string> names;
  for (Language language : languages) names.push_back(LanguageString(language));
  return absl::StrJoin(names, ", ");
}

}  // namespace

class Host::Impl : public HostServices {
 public:
  explicit Impl(HostOptions options) : options_(std::move(options)) {
    if (!options_.log_sink) options_.log_sink = DefaultLogSink;
    absl::MutexLock lock(&load_mutex_);
    tables_.push_back(std::make_unique<const ModuleTable>());
    table_.store(tables_.back().get());
  }

  ~Impl() override {
    // Stop what is running and let it return before anything goes away:
    // the calls hold module states, and the states hold engine objects.
    closing_.store(true, std::memory_order_seq_cst);
    for (int round = 0; in_flight_.load(std::memory_order_seq_cst) > 0;
         ++round) {
      InterruptRuntimes();
      absl::SleepFor(absl::Milliseconds(1));
      if (round == 5000) {
        Log(LogLevel::kWarning, "duet",
            "the host is waiting for calls that do not stop (a Python call "
            "blocked in native code cannot be interrupted)");
      }
    }
    // Implementations and sessions hold engine resources: release them
    // before the engines that made them.
    {
      absl::MutexLock lock(&load_mutex_);
      for (auto& module : modules_) module->Publish(nullptr);
    }
    {
      absl::MutexLock lock(&sessions_mutex_);
      for (auto& session : sessions_) session.reset();
    }
    for (auto& runtime : runtimes_) runtime.reset();
  }

  absl::Status StartRuntimes(std::vector<RuntimeFactory> factories) {
    for (RuntimeFactory& factory : factories) {
      DUET_ASSIGN_OR_RETURN(std::unique_ptr<Runtime> runtime, factory(*this));
      size_t index = LanguageIndex(runtime->language());
      if (runtimes_[index] != nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            "two runtimes for ", LanguageString(runtime->language())));
      }
      runtimes_[index] = std::move(runtime);
    }
    return absl::OkStatus();
  }

  // ---- calls in flight ----------------------------------------------------

  // Counts a call for the destructor to wait on; refuses it once the host
  // is closing.
  class InFlight {
   public:
    explicit InFlight(Impl& host) : host_(host) {
      host_.in_flight_.fetch_add(1, std::memory_order_seq_cst);
    }
    ~InFlight() { host_.in_flight_.fetch_sub(1, std::memory_order_seq_cst); }
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;

    absl::Status Check() const {
      if (host_.closing_.load(std::memory_order_seq_cst)) {
        return absl::CancelledError("the host is shutting down");
      }
      return absl::OkStatus();
    }

   private:
    Impl& host_;
  };

  void InterruptRuntimes() {
    for (auto& runtime : runtimes_) {
      if (runtime != nullptr) runtime->Interrupt();
    }
  }

  // ---- loading ------------------------------------------------------------

  absl::StatusOr<LoadReport> LoadPlugins(const std::filesystem::path& dir) {
    InFlight in_flight(*this);
    DUET_RETURN_IF_ERROR(in_flight.Check());
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

    LoadReport report;
    for (const std::filesystem::path& entry : entries) {
      if (IsSkippedEntry(entry)) continue;
      bool is_dir = std::filesystem::is_directory(entry, error);
      if (is_dir && !std::filesystem::exists(entry / "plugin.toml", error)) {
        continue;  // a helper folder, not a plugin
      }
      if (!is_dir && RuntimeForFile(entry) == nullptr) continue;
      absl::StatusOr<std::string> name = LoadPlugin(entry, &report.warnings);
      if (name.ok()) {
        report.loaded.push_back(*name);
      } else if (absl::IsAlreadyExists(name.status())) {
        // The documented rule (first plugin wins), not a broken plugin.
        std::string warning(name.status().message());
        Log(LogLevel::kWarning, "duet", warning);
        report.warnings.push_back(std::move(warning));
      } else {
        Log(LogLevel::kError, "duet", internal::ToStd(name.status().message()));
        report.problems.push_back({entry, name.status()});
      }
    }
    return report;
  }

  absl::StatusOr<std::string> LoadPlugin(const std::filesystem::path& location,
                                         std::vector<std::string>* warnings) {
    InFlight in_flight(*this);
    DUET_RETURN_IF_ERROR(in_flight.Check());
    // Loading runs plugin code, which may call modules (lock-free) but never
    // loads plugins itself, so one load at a time is no deadlock risk.
    absl::MutexLock lock(&load_mutex_);
    std::string name;
    absl::StatusOr<std::unique_ptr<ModuleState>> read =
        ReadPlugin(location, /*reloading=*/nullptr, &name, warnings);
    if (!read.ok()) {
      // Remembered so that calling the module later says why it is missing.
      if (!name.empty() && !absl::IsAlreadyExists(read.status())) {
        absl::MutexLock failed_lock(&failed_mutex_);
        failed_[name] = std::string(read.status().message());
      }
      return read.status();
    }
    std::unique_ptr<ModuleState> state = *std::move(read);
    auto module = std::make_unique<Module>(name);
    module->set_active(state->default_language);
    module->Publish(std::move(state));
    auto table = std::make_unique<ModuleTable>(*table_.load());
    table->emplace(name, module.get());
    table_.store(table.get(), std::memory_order_release);
    tables_.push_back(std::move(table));
    modules_.push_back(std::move(module));
    absl::MutexLock failed_lock(&failed_mutex_);
    failed_.erase(name);
    return name;
  }

  absl::Status Reload(std::string_view name) {
    InFlight in_flight(*this);
    DUET_RETURN_IF_ERROR(in_flight.Check());
    absl::MutexLock lock(&load_mutex_);
    DUET_ASSIGN_OR_RETURN(Module * module, GetModule(name));
    std::filesystem::path location = module->state()->location;
    std::string new_name;
    std::vector<std::string> warnings;
    DUET_ASSIGN_OR_RETURN(std::unique_ptr<ModuleState> state,
                          ReadPlugin(location, module, &new_name, &warnings));
    Language active = module->active();
    if (state->Get(active) == nullptr) active = state->default_language;
    // The old state goes when the last call using it returns.
    std::shared_ptr<const ModuleState> old = module->Publish(std::move(state));
    module->set_active(active);
    return absl::OkStatus();
  }

  // First come, first served: a later plugin cannot take over a name that
  // callers may already be using.
  absl::Status CheckNameFree(std::string_view name,
                             const std::filesystem::path& location) const {
    Module* loaded = FindModule(name);
    if (loaded == nullptr) return absl::OkStatus();
    return absl::AlreadyExistsError(absl::StrCat(
        location.string(), ": module '", loaded->name(),
        "' is already loaded from ", loaded->state()->location.string(),
        "; this one is ignored"));
  }

  // Reads a plugin from disk and loads its implementations. `reloading` is
  // the module being reloaded (its name must not change), or null for a new
  // module, whose name must be free. Sets *name.
  absl::StatusOr<std::unique_ptr<ModuleState>> ReadPlugin(
      const std::filesystem::path& location, const Module* reloading,
      std::string* name, std::vector<std::string>* warnings) {
    std::error_code error;
    auto state = std::make_unique<ModuleState>();
    state->location = location;
    if (std::filesystem::is_directory(location, error)) {
      DUET_ASSIGN_OR_RETURN(ParsedManifest parsed,
                            ParseManifestFile(location / "plugin.toml"));
      for (const std::string& warning : parsed.warnings) {
        Log(LogLevel::kWarning, "duet", warning);
        if (warnings != nullptr) warnings->push_back(warning);
      }
      *name = parsed.manifest.name;
      DUET_RETURN_IF_ERROR(CheckName(*name, location, reloading));
      state->manifest = std::move(parsed.manifest);
      DUET_RETURN_IF_ERROR(LoadDirectoryImplementations(*state));
    } else if (std::filesystem::is_regular_file(location, error)) {
      *name = location.stem().string();
      DUET_RETURN_IF_ERROR(CheckName(*name, location, reloading));
      DUET_RETURN_IF_ERROR(LoadSingleFileImplementation(*name, *state));
    } else {
      return absl::NotFoundError(
          absl::StrCat(location.string(), ": no such plugin file or folder"));
    }
    state->IndexFunctions();
    return state;
  }

  absl::Status CheckName(const std::string& name,
                         const std::filesystem::path& location,
                         const Module* reloading) const {
    if (reloading == nullptr) return CheckNameFree(name, location);
    if (name != reloading->name()) {
      return absl::InvalidArgumentError(
          absl::StrCat(location.string(), ": the plugin is now named '", name,
                       "', not '", reloading->name(),
                       "'; load it as a new plugin instead of reloading"));
    }
    return absl::OkStatus();
  }

  absl::Status LoadDirectoryImplementations(ModuleState& state) {
    const Manifest& manifest = *state.manifest;
    state.version = manifest.version;
    state.description = manifest.description;
    if (manifest.limits.timeout_ms > 0) {
      state.timeout = absl::Milliseconds(manifest.limits.timeout_ms);
    }
    std::filesystem::path root =
        std::filesystem::absolute(state.location).lexically_normal();
    for (const auto& [language, file] : manifest.implementations) {
      Runtime* runtime = runtimes_[LanguageIndex(language)].get();
      if (runtime == nullptr) {
        // An engine left out of this host (HostOptions::languages): the
        // plugin still loads with the implementations that can run.
        std::string note = absl::StrCat(
            manifest.file.string(), ": skipping the ", LanguageString(language),
            " implementation: this host runs no ", LanguageString(language),
            " engine");
        Log(LogLevel::kInfo, "duet", note);
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
      ImplementationSpec spec =
          MakeSpec(manifest.name, entry, root,
                   /*single_file=*/false, manifest.limits);
      absl::StatusOr<std::unique_ptr<Implementation>> implementation =
          runtime->Load(spec);
      if (!implementation.ok()) {
        return WhereLoadFailed(implementation.status(), spec);
      }
      state.files[LanguageIndex(language)] = entry;
      state.implementations[LanguageIndex(language)] =
          *std::move(implementation);
    }
    std::vector<Language> languages = state.Languages();
    if (languages.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          manifest.file.string(), ": no implementation can run in this host"));
    }

    // Each implementation must provide every declared export.
    std::vector<std::string> missing;
    for (const ExportSpec& spec : manifest.exports) {
      for (Language language : languages) {
        const std::vector<std::string>& exports =
            state.Get(language)->exports();
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
    state.default_language =
        manifest.default_language.value_or(languages.front());
    if (state.Get(state.default_language) == nullptr) {
      state.default_language = languages.front();
    }
    return absl::OkStatus();
  }

  absl::Status LoadSingleFileImplementation(const std::string& name,
                                            ModuleState& state) {
    const std::filesystem::path& file = state.location;
    Runtime* runtime = RuntimeForFile(file);
    if (runtime == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(file.string(), ": no engine in this host loads '",
                       file.extension().string(), "' files"));
    }
    if (!internal::IsIdentifier(name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          file.string(), ": '", name,
          "' cannot be a module name (use letters, digits and _)"));
    }
    if (internal::IsReservedModuleName(name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          file.string(), ": module name '", name,
          "' is reserved: ", ToAbsl(internal::kReservedModuleNameRule)));
    }
    std::filesystem::path entry =
        std::filesystem::absolute(file).lexically_normal();
    // The file is the whole plugin: it reaches no sibling file.
    ImplementationSpec spec =
        MakeSpec(name, entry, entry, /*single_file=*/true, Limits());
    absl::StatusOr<std::unique_ptr<Implementation>> implementation =
        runtime->Load(spec);
    if (!implementation.ok()) {
      return WhereLoadFailed(implementation.status(), spec);
    }
    Language language = runtime->language();
    state.files[LanguageIndex(language)] = entry;
    state.implementations[LanguageIndex(language)] = *std::move(implementation);
    state.default_language = language;
    return absl::OkStatus();
  }

  static std::string ManifestLine(const Manifest& manifest, int line) {
    return line > 0 ? absl::StrCat(manifest.file.string(), ":", line)
                    : manifest.file.string();
  }

  int64_t MemoryLimit(const Limits& limits) const {
    return limits.memory_mb > 0 ? limits.memory_mb : options_.default_memory_mb;
  }

  // What an engine needs to load one implementation within the plugin's
  // limits (or the host's defaults).
  ImplementationSpec MakeSpec(const std::string& module,
                              const std::filesystem::path& entry,
                              const std::filesystem::path& root,
                              bool single_file, const Limits& limits) const {
    ImplementationSpec spec;
    spec.module = module;
    spec.entry = entry;
    spec.root = root;
    spec.single_file = single_file;
    spec.memory_mb = MemoryLimit(limits);
    spec.load_timeout = limits.timeout_ms > 0
                            ? absl::Milliseconds(limits.timeout_ms)
                            : options_.default_timeout;
    // A value as large as the plugin's whole memory allowance is already
    // far past anything a call should return.
    spec.value_budget_bytes =
        spec.memory_mb > 0 ? static_cast<size_t>(spec.memory_mb) << 20 : 0;
    return spec;
  }

  Runtime* RuntimeForFile(const std::filesystem::path& file) const {
    std::string extension = file.extension().string();
    for (const auto& runtime : runtimes_) {
      if (runtime == nullptr) continue;
      for (const std::string& claimed : runtime->file_extensions()) {
        if (claimed == extension) return runtime.get();
      }
    }
    return nullptr;
  }

  // ---- modules ------------------------------------------------------------

  Module* FindModule(std::string_view name) const {
    const ModuleTable& table = *table_.load(std::memory_order_acquire);
    auto it = table.find(ToAbsl(name));
    return it == table.end() ? nullptr : it->second;
  }

  absl::Status UnknownModule(std::string_view name) const {
    {
      absl::MutexLock lock(&failed_mutex_);
      auto it = failed_.find(ToAbsl(name));
      if (it != failed_.end()) {
        return absl::NotFoundError(absl::StrCat(
            "module '", ToAbsl(name), "' failed to load: ", it->second));
      }
    }
    std::vector<std::string> names = ModuleNames();
    return absl::NotFoundError(absl::StrCat(
        "no module named '", ToAbsl(name), "'",
        names.empty()
            ? std::string(" (no modules are loaded)")
            : absl::StrCat(" (loaded: ", absl::StrJoin(names, ", "), ")")));
  }

  absl::StatusOr<Module*> GetModule(std::string_view name) const {
    Module* module = FindModule(name);
    if (module == nullptr) return UnknownModule(name);
    return module;
  }

  ModuleInfo Describe(const Module& module) const {
    std::shared_ptr<const ModuleState> state = module.state();
    ModuleInfo info;
    info.name = module.name();
    info.version = state->version;
    info.description = state->description;
    info.location = state->location;
    info.active = module.active();
    info.manifest = state->manifest;
    for (Language language : state->Languages()) {
      info.implementations.push_back({language,
                                      state->files[LanguageIndex(language)],
                                      state->Get(language)->exports()});
    }
    return info;
  }

  std::vector<ModuleInfo> ListModules() const {
    std::vector<ModuleInfo> out;
    for (const auto& [name, module] : *table_.load(std::memory_order_acquire)) {
      out.push_back(Describe(*module));
    }
    std::sort(out.begin(), out.end(),
              [](const ModuleInfo& a, const ModuleInfo& b) {
                return a.name < b.name;
              });
    return out;
  }

  absl::StatusOr<ModuleInfo> GetModuleInfo(std::string_view name) const {
    DUET_ASSIGN_OR_RETURN(Module * module, GetModule(name));
    return Describe(*module);
  }

  // ---- calls --------------------------------------------------------------

  absl::StatusOr<Value> Call(std::string_view module_name,
                             std::string_view function,
                             absl::Span<const Value> args,
                             const CallOptions& options) {
    InFlight in_flight(*this);
    DUET_RETURN_IF_ERROR(in_flight.Check());
    Module* module = FindModule(module_name);
    if (module == nullptr) return UnknownModule(module_name);
    // Read the active language once: a concurrent Use() affects later calls.
    Language language = module->active();
    return CallOn(*module, module->state(), language, function, args, options);
  }

  absl::StatusOr<Value> CallImplementation(std::string_view module_name,
                                           Language language,
                                           std::string_view function,
                                           absl::Span<const Value> args,
                                           const CallOptions& options) {
    InFlight in_flight(*this);
    DUET_RETURN_IF_ERROR(in_flight.Check());
    DUET_ASSIGN_OR_RETURN(Module * module, GetModule(module_name));
    std::shared_ptr<const ModuleState> state = module->state();
    if (state->Get(language) == nullptr) {
      return NoImplementation(*module, *state, language);
    }
    return CallOn(*module, std::move(state), language, function, args, options);
  }

  absl::StatusOr<Value> CallOn(const Module& module,
                               std::shared_ptr<const ModuleState> state,
                               Language language, std::string_view function,
                               absl::Span<const Value> args,
                               const CallOptions& options) {
    CallDepthScope depth;
    DUET_RETURN_IF_ERROR(CallDepthScope::Check(module.name(), function));
    auto it = state->functions.find(ToAbsl(function));
    int index = it == state->functions.end()
                    ? -1
                    : it->second.index[LanguageIndex(language)];
    if (index < 0) return UnknownFunction(module, *state, language, function);
    const ExportSpec* declared = it->second.declared;
    if (declared != nullptr) {
      DUET_RETURN_IF_ERROR(CheckArguments(module, *declared, args));
    }

    // A nested call never outlives the call that made it.
    absl::Time outer = current_deadline;
    std::optional<absl::Duration> timeout =
        options.timeout ? options.timeout : state->timeout;
    if (!timeout && options_.default_timeout != absl::InfiniteDuration()) {
      timeout = options_.default_timeout;
    }
    absl::Time deadline = outer;
    bool own_deadline = false;
    if (timeout) {
      absl::Time own = absl::Now() + *timeout;
      if (own < outer) {
        deadline = own;
        own_deadline = true;
      }
    }
    current_deadline = deadline;
    absl::StatusOr<Value> result =
        state->Get(language)->Call(index, args, deadline);
    current_deadline = outer;

    if (!result.ok()) {
      if (own_deadline && absl::IsDeadlineExceeded(result.status()) &&
          absl::Now() >= deadline) {
        return absl::DeadlineExceededError(
            absl::StrCat(module.name(), ".", ToAbsl(function), " (",
                         LanguageString(language),
                         ") did not finish within its time limit "
                         "of ",
                         absl::FormatDuration(*timeout)));
      }
      return result;
    }
    if (declared != nullptr && declared->returns &&
        !declared->returns->Accepts(*result)) {
      return absl::InvalidArgumentError(absl::StrCat(
          module.name(), ".", declared->name, " (", LanguageString(language),
          ") returned ", ToAbsl(KindName(result->kind())),
          " where plugin.toml declares ", declared->returns->ToString(), ": ",
          DebugString(*result)));
    }
    return result;
  }

  absl::Status UnknownFunction(const Module& module, const ModuleState& state,
                               Language language,
                               std::string_view function) const {
    const std::vector<std::string>& exports = state.Get(language)->exports();
    return absl::NotFoundError(absl::StrCat(
        "module '", module.name(), "' (", LanguageString(language),
        ") has no function '", ToAbsl(function), "'",
        exports.empty()
            ? std::string("; it exports nothing")
            : absl::StrCat("; it exports: ", absl::StrJoin(exports, ", "))));
  }

  absl::Status CheckArguments(const Module& module, const ExportSpec& declared,
                              absl::Span<const Value> args) const {
    if (!declared.params_declared) return absl::OkStatus();
    auto signature = [&] {
      std::vector<std::string> params;
      for (const TypeSpec& param : declared.params) {
        params.push_back(param.ToString());
      }
      return absl::StrCat(module.name(), ".", declared.name, "(",
                          absl::StrJoin(params, ", "), ")");
    };
    if (args.size() != declared.params.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(signature(), " takes ", declared.params.size(),
                       declared.params.size() == 1 ? " argument" : " arguments",
                       ", got ", args.size()));
    }
    for (size_t i = 0; i < args.size(); ++i) {
      if (!declared.params[i].Accepts(args[i])) {
        return absl::InvalidArgumentError(absl::StrCat(
            signature(), ": args[", i, "] must be ",
            declared.params[i].ToString(), ", got ",
            ToAbsl(KindName(args[i].kind())), " ", DebugString(args[i])));
      }
    }
    return absl::OkStatus();
  }

  absl::Status NoImplementation(const Module& module, const ModuleState& state,
                                Language language) const {
    return absl::FailedPreconditionError(absl::StrCat(
        "module '", module.name(), "' has no ", LanguageString(language),
        " implementation (it has: ", LanguageList(state.Languages()), ")"));
  }

  absl::Status Use(std::string_view name, Language language) {
    DUET_ASSIGN_OR_RETURN(Module * module, GetModule(name));
    std::shared_ptr<const ModuleState> state = module->state();
    if (state->Get(language) == nullptr) {
      return NoImplementation(*module, *state, language);
    }
    module->set_active(language);
    return absl::OkStatus();
  }

  // ---- host functions -----------------------------------------------------

  absl::Status RegisterFunction(std::string name, HostFunction function) {
    if (!internal::IsIdentifier(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("host function name '", name,
                       "' must be an identifier (letters, digits and _)"));
    }
    if (!function) {
      return absl::InvalidArgumentError(
          absl::StrCat("host function '", name, "' is empty"));
    }
    absl::MutexLock lock(&functions_mutex_);
    auto [it, inserted] = functions_.try_emplace(
        name, std::make_shared<HostFunction>(std::move(function)));
    if (!inserted) {
      return absl::AlreadyExistsError(
          absl::StrCat("host function '", name, "' is already registered"));
    }
    return absl::OkStatus();
  }

  // ---- REPL ---------------------------------------------------------------

  absl::StatusOr<ReplSession*> Session(Language language) {
    absl::MutexLock lock(&sessions_mutex_);
    std::unique_ptr<ReplSession>& slot = sessions_[LanguageIndex(language)];
    if (slot == nullptr) {
      Runtime* runtime = runtimes_[LanguageIndex(language)].get();
      if (runtime == nullptr) {
        return absl::FailedPreconditionError(absl::StrCat(
            "this host runs no ", LanguageString(language), " engine"));
      }
      DUET_ASSIGN_OR_RETURN(slot, runtime->NewReplSession());
    }
    return slot.get();
  }

  absl::StatusOr<std::string> Evaluate(Language language,
                                       std::string_view code) {
    InFlight in_flight(*this);
    DUET_RETURN_IF_ERROR(in_flight.Check());
    DUET_ASSIGN_OR_RETURN(ReplSession * session, Session(language));
    return session->Evaluate(code);
  }

  bool IsIncomplete(Language language, std::string_view code) {
    InFlight in_flight(*this);
    absl::StatusOr<ReplSession*> session = Session(language);
    return in_flight.Check().ok() && session.ok() &&
           (*session)->IsIncomplete(code);
  }

  std::vector<std::string> Complete(Language language, std::string_view line) {
    InFlight in_flight(*this);
    absl::StatusOr<ReplSession*> session = Session(language);
    if (!in_flight.Check().ok() || !session.ok()) return {};
    return (*session)->Complete(line);
  }

  std::vector<Language> Languages() const {
    std::vector<Language> out;
    for (Language language : kAllLanguages) {
      if (runtimes_[LanguageIndex(language)] != nullptr) {
        out.push_back(language);
      }
    }
    return out;
  }

  // ---- HostServices -------------------------------------------------------

  absl::StatusOr<Value> CallModule(std::string_view module,
                                   std::string_view function,
                                   absl::Span<const Value> args) override {
    return Call(module, function, args, CallOptions());
  }

  absl::StatusOr<Value> CallHostFunction(
      std::string_view name, absl::Span<const Value> args) override {
    InFlight in_flight(*this);
    DUET_RETURN_IF_ERROR(in_flight.Check());
    std::shared_ptr<HostFunction> function;
    {
      absl::ReaderMutexLock lock(&functions_mutex_);
      auto it = functions_.find(ToAbsl(name));
      if (it != functions_.end()) function = it->second;
    }
    if (function == nullptr) {
      std::vector<std::string> names = HostFunctionNames();
      return absl::NotFoundError(absl::StrCat(
          "no host function named '", ToAbsl(name), "'",
          names.empty() ? std::string(" (the application registered none)")
                        : absl::StrCat(" (registered: ",
                                       absl::StrJoin(names, ", "), ")")));
    }
    return (*function)(args);
  }

  std::vector<std::string> ModuleNames() const override {
    std::vector<std::string> names;
    for (const auto& [name, module] : *table_.load(std::memory_order_acquire)) {
      names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  absl::StatusOr<std::vector<std::string>> ModuleFunctions(
      std::string_view name) const override {
    DUET_ASSIGN_OR_RETURN(Module * module, GetModule(name));
    return module->state()->Get(module->active())->exports();
  }

  std::vector<std::string> HostFunctionNames() const override {
    std::vector<std::string> names;
    {
      absl::ReaderMutexLock lock(&functions_mutex_);
      for (const auto& [name, function] : functions_) names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  void Log(LogLevel level, std::string_view source,
           std::string_view message) override {
    options_.log_sink(level, source, message);
  }

 private:
  HostOptions options_;
  std::array<std::unique_ptr<Runtime>, kLanguageCount> runtimes_;

  std::atomic<int64_t> in_flight_{0};
  std::atomic<bool> closing_{false};

  // Loading and reloading, one at a time. Calls read table_ without locks:
  // a table is never changed once published, only replaced, and every
  // table stays alive until the host goes (they are small).
  absl::Mutex load_mutex_;
  std::atomic<const ModuleTable*> table_;
  std::vector<std::unique_ptr<const ModuleTable>> tables_
      ABSL_GUARDED_BY(load_mutex_);
  std::vector<std::unique_ptr<Module>> modules_ ABSL_GUARDED_BY(load_mutex_);

  // Modules whose plugins failed to load, and why (for UnknownModule).
  mutable absl::Mutex failed_mutex_;
  absl::flat_hash_map<std::string, std::string> failed_
      ABSL_GUARDED_BY(failed_mutex_);

  mutable absl::Mutex functions_mutex_;
  absl::flat_hash_map<std::string, std::shared_ptr<HostFunction>> functions_
      ABSL_GUARDED_BY(functions_mutex_);

  absl::Mutex sessions_mutex_;
  std::array<std::unique_ptr<ReplSession>, kLanguageCount> sessions_
      ABSL_GUARDED_BY(sessions_mutex_);
};

// ---- Host -----------------------------------------------------------------

Host::Host(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Host::~Host() = default;

absl::StatusOr<std::unique_ptr<Host>> Host::CreateWithRuntimes(
    HostOptions options, std::vector<RuntimeFactory> runtimes) {
  DUET_RETURN_IF_ERROR(CheckOptions(options));
  auto impl = std::make_unique<Impl>(std::move(options));
  DUET_RETURN_IF_ERROR(impl->StartRuntimes(std::move(runtimes)));
  return std::unique_ptr<Host>(new Host(std::move(impl)));
}

absl::StatusOr<LoadReport> Host::LoadPlugins(const std::filesystem::path& dir) {
  return impl_->LoadPlugins(dir);
}

absl::StatusOr<std::string> Host::LoadPlugin(
    const std::filesystem::path& location) {
  return impl_->LoadPlugin(location, nullptr);
}

std::vector<ModuleInfo> Host::ListModules() const {
  return impl_->ListModules();
}

absl::StatusOr<ModuleInfo> Host::GetModule(std::string_view module) const {
  return impl_->GetModuleInfo(module);
}

absl::StatusOr<Value> Host::Call(std::string_view module,
                                 std::string_view function,
                                 absl::Span<const Value> args,
                                 const CallOptions& options) {
  return impl_->Call(module, function, args, options);
}

absl::StatusOr<QualifiedName> SplitQualifiedName(
    std::string_view qualified_name) {
  size_t dot = qualified_name.find('.');
  if (dot == std::string_view::npos || dot == 0 ||
      dot + 1 == qualified_name.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", ToAbsl(qualified_name),
                     "' is not MODULE.FUNCTION (e.g. greeter.greet)"));
  }
  return QualifiedName{qualified_name.substr(0, dot),
                       qualified_name.substr(dot + 1)};
}

absl::StatusOr<Value> Host::Call(std::string_view qualified_name,
                                 absl::Span<const Value> args) {
  DUET_ASSIGN_OR_RETURN(QualifiedName name, SplitQualifiedName(qualified_name));
  return impl_->Call(name.module, name.function, args, CallOptions());
}

absl::StatusOr<Value> Host::CallImplementation(std::string_view module,
                                               Language language,
                                               std::string_view function,
                                               absl::Span<const Value> args,
                                               const CallOptions& options) {
  return impl_->CallImplementation(module, language, function, args, options);
}

absl::Status Host::Use(std::string_view module, Language language) {
  return impl_->Use(module, language);
}

absl::Status Host::Reload(std::string_view module) {
  return impl_->Reload(module);
}

void Host::Interrupt() { impl_->InterruptRuntimes(); }

absl::Status Host::RegisterFunction(std::string name, HostFunction function) {
  return impl_->RegisterFunction(std::move(name), std::move(function));
}

absl::StatusOr<std::string> Host::Evaluate(Language language,
                                           std::string_view code) {
  return impl_->Evaluate(language, code);
}

bool Host::IsIncomplete(Language language, std::string_view code) {
  return impl_->IsIncomplete(language, code);
}

std::vector<std::string> Host::Complete(Language language,
                                        std::string_view line) {
  return impl_->Complete(language, line);
}

std::vector<Language> Host::languages() const { return impl_->Languages(); }

void Host::Log(LogLevel level, std::string_view source,
               std::string_view message) const {
  impl_->Log(level, source, message);
}

}  // namespace duet
