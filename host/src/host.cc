#include "duet/host.h"

#include <pthread.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <iostream>
#include <map>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "duet/internal/identifier.h"
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

// A module as callers see it: one implementation per language, one active.
// Implementations are fixed once the module is published, so a call may use
// the raw pointer for as long as it holds the Module.
struct Module {
  std::string name;
  std::string version;
  std::string description;
  std::filesystem::path location;
  std::optional<Manifest> manifest;
  std::array<std::unique_ptr<Implementation>, kLanguageCount> implementations;
  std::array<std::filesystem::path, kLanguageCount> files;
  std::atomic<Language> active{Language::kPython};
  // Declared [exports], by name, for argument and result checks.
  absl::flat_hash_map<std::string, const ExportSpec*> declared;

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
};

// Calls nest when scripts call modules (JS -> Python -> JS ...), and every
// hop spends native stack in both engines. Nested calls are refused, with an
// error the script can catch, before the thread's stack runs out.
constexpr int kMaxCallDepth = 200;
constexpr uintptr_t kNestedCallStackReserve = uintptr_t{1} << 20;

thread_local int call_depth = 0;

uintptr_t StackRemaining() {
  thread_local uintptr_t stack_low = [] {
    pthread_attr_t attributes;
    void* address = nullptr;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &attributes) != 0) {
      return uintptr_t{0};
    }
    pthread_attr_getstack(&attributes, &address, &size);
    pthread_attr_destroy(&attributes);
    return reinterpret_cast<uintptr_t>(address);
  }();
  char marker;
  uintptr_t here = reinterpret_cast<uintptr_t>(&marker);
  return stack_low == 0 || here < stack_low ? UINTPTR_MAX : here - stack_low;
}

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
    if (call_depth > 1 && StackRemaining() < kNestedCallStackReserve) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "calling ", ToAbsl(module), ".", ToAbsl(function), " at ", call_depth,
          " nested module calls would overflow this thread's "
          "stack: is there a recursion without end across modules?"));
    }
    return absl::OkStatus();
  }
};

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
  }

  ~Impl() override {
    // Implementations and sessions hold engine resources: release them
    // before the engines that made them.
    {
      absl::MutexLock lock(&modules_mutex_);
      modules_.clear();
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

  // ---- loading ------------------------------------------------------------

  absl::StatusOr<LoadReport> LoadPlugins(const std::filesystem::path& dir) {
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
      if (!is_dir && !ClaimedExtension(entry)) continue;
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
    std::error_code error;
    std::unique_ptr<Module> module;
    if (std::filesystem::is_directory(location, error)) {
      DUET_ASSIGN_OR_RETURN(module, LoadDirectoryPlugin(location, warnings));
    } else if (std::filesystem::is_regular_file(location, error)) {
      DUET_ASSIGN_OR_RETURN(module, LoadSingleFilePlugin(location));
    } else {
      return absl::NotFoundError(
          absl::StrCat(location.string(), ": no such plugin file or folder"));
    }
    std::string name = module->name;
    absl::MutexLock lock(&modules_mutex_);
    auto [it, inserted] = modules_.try_emplace(name, nullptr);
    if (!inserted) return NameTaken(location, *it->second);
    it->second = std::shared_ptr<Module>(std::move(module));
    return name;
  }

  // First come, first served: a later plugin cannot take over a name that
  // callers may already be using.
  static absl::Status NameTaken(const std::filesystem::path& location,
                                const Module& loaded) {
    return absl::AlreadyExistsError(
        absl::StrCat(location.string(), ": module '", loaded.name,
                     "' is already loaded from ", loaded.location.string(),
                     "; this one is ignored"));
  }

  // Checked before any plugin code runs; LoadPlugin checks again when it
  // publishes the module, in case another thread won the race.
  absl::Status CheckNameFree(std::string_view name,
                             const std::filesystem::path& location) const {
    std::shared_ptr<Module> loaded = FindModule(name);
    return loaded == nullptr ? absl::OkStatus() : NameTaken(location, *loaded);
  }

  absl::StatusOr<std::unique_ptr<Module>> LoadDirectoryPlugin(
      const std::filesystem::path& dir, std::vector<std::string>* warnings) {
    DUET_ASSIGN_OR_RETURN(ParsedManifest parsed,
                          ParseManifestFile(dir / "plugin.toml"));
    for (const std::string& warning : parsed.warnings) {
      Log(LogLevel::kWarning, "duet", warning);
      if (warnings != nullptr) warnings->push_back(warning);
    }
    DUET_RETURN_IF_ERROR(CheckNameFree(parsed.manifest.name, dir));
    auto module = std::make_unique<Module>();
    module->manifest = std::move(parsed.manifest);
    const Manifest& manifest = *module->manifest;
    module->name = manifest.name;
    module->version = manifest.version;
    module->description = manifest.description;
    module->location = dir;

    std::filesystem::path root =
        std::filesystem::absolute(dir).lexically_normal();
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
        return absl::NotFoundError(
            absl::StrCat(manifest.file.string(), ": the ",
                         LanguageString(language), " implementation '", file,
                         "' does not exist (looked for ", entry.string(), ")"));
      }
      ImplementationSpec spec{manifest.name, entry, root, false};
      DUET_ASSIGN_OR_RETURN(std::unique_ptr<Implementation> implementation,
                            runtime->Load(spec));
      module->files[LanguageIndex(language)] = entry;
      module->implementations[LanguageIndex(language)] =
          std::move(implementation);
    }
    std::vector<Language> languages = module->Languages();
    if (languages.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          manifest.file.string(), ": no implementation can run in this host"));
    }

    // Each implementation must provide every declared export.
    std::vector<std::string> missing;
    for (const ExportSpec& spec : manifest.exports) {
      module->declared[spec.name] = &spec;
      for (Language language : languages) {
        const std::vector<std::string>& exports =
            module->Get(language)->exports();
        if (!std::binary_search(exports.begin(), exports.end(), spec.name)) {
          missing.push_back(absl::StrCat(
              "'", spec.name, "' in ",
              module->files[LanguageIndex(language)].filename().string(), " (",
              LanguageString(language), ")"));
        }
      }
    }
    if (!missing.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          manifest.file.string(),
          ": declared exports are missing: ", absl::StrJoin(missing, ", ")));
    }

    Language active = manifest.default_language.value_or(languages.front());
    if (module->Get(active) == nullptr) active = languages.front();
    module->active.store(active);
    return module;
  }

  absl::StatusOr<std::unique_ptr<Module>> LoadSingleFilePlugin(
      const std::filesystem::path& file) {
    Runtime* runtime = RuntimeForFile(file);
    if (runtime == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(file.string(), ": no engine in this host loads '",
                       file.extension().string(), "' files"));
    }
    std::string name = file.stem().string();
    if (!internal::IsIdentifier(name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          file.string(), ": '", name,
          "' cannot be a module name (use letters, digits and _)"));
    }
    DUET_RETURN_IF_ERROR(CheckNameFree(name, file));
    std::filesystem::path entry =
        std::filesystem::absolute(file).lexically_normal();
    ImplementationSpec spec{name, entry, entry.parent_path(), true};
    DUET_ASSIGN_OR_RETURN(std::unique_ptr<Implementation> implementation,
                          runtime->Load(spec));
    auto module = std::make_unique<Module>();
    module->name = name;
    module->location = file;
    Language language = runtime->language();
    module->files[LanguageIndex(language)] = entry;
    module->implementations[LanguageIndex(language)] =
        std::move(implementation);
    module->active.store(language);
    return module;
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

  bool ClaimedExtension(const std::filesystem::path& file) const {
    return RuntimeForFile(file) != nullptr;
  }

  // ---- modules ------------------------------------------------------------

  std::shared_ptr<Module> FindModule(std::string_view name) const {
    absl::ReaderMutexLock lock(&modules_mutex_);
    auto it = modules_.find(ToAbsl(name));
    return it == modules_.end() ? nullptr : it->second;
  }

  absl::Status UnknownModule(std::string_view name) const {
    std::vector<std::string> names = ModuleNames();
    return absl::NotFoundError(absl::StrCat(
        "no module named '", ToAbsl(name), "'",
        names.empty()
            ? std::string(" (no modules are loaded)")
            : absl::StrCat(" (loaded: ", absl::StrJoin(names, ", "), ")")));
  }

  absl::StatusOr<std::shared_ptr<Module>> GetModule(
      std::string_view name) const {
    std::shared_ptr<Module> module = FindModule(name);
    if (module == nullptr) return UnknownModule(name);
    return module;
  }

  ModuleInfo Describe(const Module& module) const {
    ModuleInfo info;
    info.name = module.name;
    info.version = module.version;
    info.description = module.description;
    info.location = module.location;
    info.active = module.active.load();
    info.manifest = module.manifest;
    for (Language language : module.Languages()) {
      info.implementations.push_back({language,
                                      module.files[LanguageIndex(language)],
                                      module.Get(language)->exports()});
    }
    return info;
  }

  std::vector<ModuleInfo> ListModules() const {
    std::vector<std::shared_ptr<Module>> modules;
    {
      absl::ReaderMutexLock lock(&modules_mutex_);
      for (const auto& [name, module] : modules_) modules.push_back(module);
    }
    std::vector<ModuleInfo> out;
    for (const auto& module : modules) out.push_back(Describe(*module));
    std::sort(out.begin(), out.end(),
              [](const ModuleInfo& a, const ModuleInfo& b) {
                return a.name < b.name;
              });
    return out;
  }

  absl::StatusOr<Value> CallOn(const Module& module, Language language,
                               std::string_view function,
                               absl::Span<const Value> args) {
    CallDepthScope depth;
    DUET_RETURN_IF_ERROR(CallDepthScope::Check(module.name, function));
    Implementation* implementation = module.Get(language);
    const std::vector<std::string>& exports = implementation->exports();
    if (!std::binary_search(exports.begin(), exports.end(), function)) {
      return absl::NotFoundError(absl::StrCat(
          "module '", module.name, "' (", LanguageString(language),
          ") has no function '", ToAbsl(function), "'",
          exports.empty()
              ? std::string("; it exports nothing")
              : absl::StrCat("; it exports: ", absl::StrJoin(exports, ", "))));
    }
    const ExportSpec* declared = nullptr;
    if (!module.declared.empty()) {
      auto it = module.declared.find(ToAbsl(function));
      if (it != module.declared.end()) declared = it->second;
    }
    if (declared != nullptr) {
      DUET_RETURN_IF_ERROR(CheckArguments(module, *declared, args));
    }
    absl::StatusOr<Value> result = implementation->Call(function, args);
    if (result.ok() && declared != nullptr && declared->returns &&
        !declared->returns->Accepts(*result)) {
      return absl::InvalidArgumentError(absl::StrCat(
          module.name, ".", declared->name, " (", LanguageString(language),
          ") returned ", ToAbsl(KindName(result->kind())),
          " where plugin.toml declares ", declared->returns->ToString(), ": ",
          DebugString(*result)));
    }
    return result;
  }

  absl::Status CheckArguments(const Module& module, const ExportSpec& declared,
                              absl::Span<const Value> args) const {
    if (!declared.params_declared) return absl::OkStatus();
    auto signature = [&] {
      std::vector<std::string> params;
      for (const TypeSpec& param : declared.params) {
        params.push_back(param.ToString());
      }
      return absl::StrCat(module.name, ".", declared.name, "(",
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

  absl::StatusOr<Value> Call(std::string_view module_name,
                             std::string_view function,
                             absl::Span<const Value> args) {
    std::shared_ptr<Module> module = FindModule(module_name);
    if (module == nullptr) return UnknownModule(module_name);
    // Read the active language once: a concurrent Use() affects later calls.
    return CallOn(*module, module->active.load(std::memory_order_acquire),
                  function, args);
  }

  absl::StatusOr<Value> CallImplementation(std::string_view module_name,
                                           Language language,
                                           std::string_view function,
                                           absl::Span<const Value> args) {
    DUET_ASSIGN_OR_RETURN(std::shared_ptr<Module> module,
                          GetModule(module_name));
    if (module->Get(language) == nullptr) {
      return NoImplementation(*module, language);
    }
    return CallOn(*module, language, function, args);
  }

  absl::Status NoImplementation(const Module& module, Language language) const {
    return absl::FailedPreconditionError(absl::StrCat(
        "module '", module.name, "' has no ", LanguageString(language),
        " implementation (it has: ", LanguageList(module.Languages()), ")"));
  }

  absl::Status Use(std::string_view module_name, Language language) {
    DUET_ASSIGN_OR_RETURN(std::shared_ptr<Module> module,
                          GetModule(module_name));
    if (module->Get(language) == nullptr) {
      return NoImplementation(*module, language);
    }
    module->active.store(language, std::memory_order_release);
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

  absl::StatusOr<std::string> Evaluate(Language language,
                                       std::string_view code) {
    ReplSession* session = nullptr;
    {
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
      session = slot.get();
    }
    return session->Evaluate(code);
  }

  std::vector<Language> Languages() const {
    std::vector<Language> out;
    for (Language language : kAllLanguages) {
      if (runtimes_[LanguageIndex(language)] != nullptr)
        out.push_back(language);
    }
    return out;
  }

  // ---- HostServices -------------------------------------------------------

  absl::StatusOr<Value> CallModule(std::string_view module,
                                   std::string_view function,
                                   absl::Span<const Value> args) override {
    return Call(module, function, args);
  }

  absl::StatusOr<Value> CallHostFunction(
      std::string_view name, absl::Span<const Value> args) override {
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
    {
      absl::ReaderMutexLock lock(&modules_mutex_);
      for (const auto& [name, module] : modules_) names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  absl::StatusOr<std::vector<std::string>> ModuleFunctions(
      std::string_view name) const override {
    DUET_ASSIGN_OR_RETURN(std::shared_ptr<Module> module, GetModule(name));
    return module->Get(module->active.load())->exports();
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

  mutable absl::Mutex modules_mutex_;
  absl::flat_hash_map<std::string, std::shared_ptr<Module>> modules_
      ABSL_GUARDED_BY(modules_mutex_);

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
  DUET_ASSIGN_OR_RETURN(std::shared_ptr<Module> found,
                        impl_->GetModule(module));
  return impl_->Describe(*found);
}

absl::StatusOr<Value> Host::Call(std::string_view module,
                                 std::string_view function,
                                 absl::Span<const Value> args) {
  return impl_->Call(module, function, args);
}

absl::StatusOr<Value> Host::Call(std::string_view qualified_name,
                                 absl::Span<const Value> args) {
  size_t dot = qualified_name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 ||
      dot + 1 == qualified_name.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", ToAbsl(qualified_name),
                     "' is not MODULE.FUNCTION (e.g. greeter.greet)"));
  }
  return impl_->Call(qualified_name.substr(0, dot),
                     qualified_name.substr(dot + 1), args);
}

absl::StatusOr<Value> Host::CallImplementation(std::string_view module,
                                               Language language,
                                               std::string_view function,
                                               absl::Span<const Value> args) {
  return impl_->CallImplementation(module, language, function, args);
}

absl::Status Host::Use(std::string_view module, Language language) {
  return impl_->Use(module, language);
}

absl::Status Host::RegisterFunction(std::string name, HostFunction function) {
  return impl_->RegisterFunction(std::move(name), std::move(function));
}

absl::StatusOr<std::string> Host::Evaluate(Language language,
                                           std::string_view code) {
  return impl_->Evaluate(language, code);
}

std::vector<Language> Host::languages() const { return impl_->Languages(); }

void Host::Log(LogLevel level, std::string_view source,
               std::string_view message) const {
  impl_->Log(level, source, message);
}

}  // namespace duet
