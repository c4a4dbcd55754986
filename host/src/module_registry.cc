#include "module_registry.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "duet/engine/call_out.h"
#include "duet/internal/status_macros.h"
#include "duet/internal/strings.h"

namespace duet::internal {
namespace {

std::string LanguageList(const std::vector<Language>& languages) {
  std::vector<std::string> names;
  for (Language language : languages) {
    names.emplace_back(LanguageName(language));
  }
  return absl::StrJoin(names, ", ");
}

// Where a loaded module came from, for messages.
std::string Origin(const ModuleState& state) {
  return state.location.empty() ? std::string("source given in memory")
                                : state.location.string();
}

ModuleInfo DescribeModule(const Module& module) {
  std::shared_ptr<const ModuleState> state = module.state();
  ModuleInfo info;
  info.name = module.name();
  info.version = state->version;
  info.description = state->description;
  info.location = state->location;
  info.active = module.active();
  info.manifest = state->manifest;
  info.carries_state = state->state_hooks.has_value();
  if (state->manifest) info.permissions = state->manifest->permissions;
  for (Language language : state->Languages()) {
    ImplementationInfo implementation;
    implementation.language = language;
    implementation.file = state->files[LanguageIndex(language)];
    if (const Implementation* started = state->Get(language)) {
      implementation.exports = started->exports();
      for (size_t i = 0; i < implementation.exports.size(); ++i) {
        if (started->IsAsync(i)) {
          implementation.async_exports.push_back(implementation.exports[i]);
        }
      }
    } else {
      implementation.started = false;
    }
    info.implementations.push_back(std::move(implementation));
  }
  return info;
}

uint64_t NextRegistryId() {
  static std::atomic<uint64_t> last_id{0};
  return last_id.fetch_add(1, std::memory_order_relaxed) + 1;
}

}  // namespace

ModuleState::~ModuleState() { engine::SettleDeferredLock(); }

std::vector<Language> ModuleState::Languages() const {
  std::vector<Language> out;
  for (Language language : kAllLanguages) {
    if (Has(language)) out.push_back(language);
  }
  return out;
}

std::unique_ptr<ModuleState> ModuleState::Successor() const {
  auto next = std::make_unique<ModuleState>(*this);
  next->id = NextModuleStateId();
  // The copied table points into this state's manifest and table.
  next->functions.clear();
  next->function_slots.clear();
  return next;
}

uint64_t ModuleState::NextModuleStateId() {
  static std::atomic<uint64_t> last_id{0};
  return last_id.fetch_add(1, std::memory_order_relaxed) + 1;
}

void ModuleState::IndexFunctions() {
  for (Language language : kAllLanguages) {
    if (Get(language) == nullptr) continue;  // not started yet
    const std::vector<std::string>& exports = Get(language)->exports();
    for (size_t i = 0; i < exports.size(); ++i) {
      auto [it, inserted] = functions.try_emplace(exports[i]);
      if (inserted) it->second.index.fill(-1);
      it->second.index[LanguageIndex(language)] = static_cast<int>(i);
      it->second.async[LanguageIndex(language)] = Get(language)->IsAsync(i);
    }
  }
  function_slots.clear();
  for (auto& [name, function] : functions) {
    function.slot = static_cast<int>(function_slots.size());
    function_slots.push_back(&function);
  }
  if (!manifest) return;
  for (const ExportSpec& spec : manifest->exports) {
    auto it = functions.find(spec.name);
    if (it != functions.end()) it->second.declared = &spec;
  }
}

absl::Status NoImplementation(const Module& module, const ModuleState& state,
                              Language language) {
  return absl::FailedPreconditionError(absl::StrCat(
      "module '", module.name(), "' has no ", ToAbsl(LanguageName(language)),
      " implementation (it has: ", LanguageList(state.Languages()), ")"));
}

ModuleRegistry::ModuleRegistry() : id_(NextRegistryId()) {
  absl::MutexLock lock(&mutex_);
  tables_.push_back(std::make_unique<const Table>());
  table_.store(tables_.back().get());
}

Module* ModuleRegistry::Find(std::string_view name) const {
  const Table& table = *table_.load(std::memory_order_acquire);
  auto it = table.modules.find(ToAbsl(name));
  return it == table.modules.end() ? nullptr : it->second;
}

absl::StatusOr<Module*> ModuleRegistry::Get(std::string_view name) const {
  if (Module* module = Find(name); module != nullptr) return module;
  {
    absl::MutexLock lock(&failed_mutex_);
    auto it = failed_.find(ToAbsl(name));
    if (it != failed_.end()) {
      return absl::NotFoundError(absl::StrCat(
          "module '", ToAbsl(name), "' failed to load: ", it->second));
    }
  }
  std::vector<std::string> names = Names();
  return absl::NotFoundError(absl::StrCat(
      "no module named '", ToAbsl(name), "'",
      names.empty()
          ? std::string(" (no modules are loaded)")
          : absl::StrCat(" (loaded: ", absl::StrJoin(names, ", "), ")")));
}

absl::Status ModuleRegistry::CheckNameFree(std::string_view name,
                                           std::string_view location) const {
  Module* loaded = Find(name);
  if (loaded == nullptr) return absl::OkStatus();
  return absl::AlreadyExistsError(
      absl::StrCat(ToAbsl(location), ": module '", loaded->name(),
                   "' is already loaded from ", Origin(*loaded->state()),
                   "; this one is ignored"));
}

void ModuleRegistry::Add(const std::string& name,
                         std::unique_ptr<ModuleState> state) {
  auto module = std::make_unique<Module>(name);
  module->set_active(state->default_language);
  module->Publish(std::move(state));
  {
    absl::MutexLock lock(&mutex_);
    auto table = std::make_unique<Table>(*table_.load());
    table->modules.emplace(name, module.get());
    table->sorted_names.insert(
        std::upper_bound(table->sorted_names.begin(), table->sorted_names.end(),
                         name),
        name);
    table_.store(table.get(), std::memory_order_release);
    tables_.push_back(std::move(table));
    modules_.push_back(std::move(module));
  }
  absl::MutexLock lock(&failed_mutex_);
  failed_.erase(name);
}

void ModuleRegistry::RecordFailure(const std::string& name,
                                   std::string_view why) {
  absl::MutexLock lock(&failed_mutex_);
  failed_[name] = std::string(why);
}

absl::StatusOr<std::shared_ptr<const ModuleState>> ModuleRegistry::Started(
    const Module& module, Language language) const {
  std::shared_ptr<const ModuleState> state = module.state();
  if (state == nullptr) {
    return absl::CancelledError("the host is shutting down");
  }
  if (state->Get(language) != nullptr) return state;
  if (!state->Has(language)) return NoImplementation(module, *state, language);
  // The registry owns every module; only the caller's view is const.
  Module* owned = Find(module.name());
  if (starter_ == nullptr || owned != &module) {
    return absl::InternalError(absl::StrCat(
        "module '", module.name(), "' cannot start its ",
        ToAbsl(LanguageName(language)), " implementation: no loader"));
  }
  return starter_->Start(*owned, language);
}

absl::Status ModuleRegistry::StartModule(std::string_view name) const {
  DUET_ASSIGN_OR_RETURN(Module * module, Get(name));
  absl::Status first = absl::OkStatus();
  for (Language language : module->state()->Languages()) {
    absl::StatusOr<std::shared_ptr<const ModuleState>> started =
        Started(*module, language);
    if (first.ok() && !started.ok()) first = started.status();
  }
  return first;
}

std::vector<PluginProblem> ModuleRegistry::StartAll() const {
  const Table& table = *table_.load(std::memory_order_acquire);
  std::vector<PluginProblem> problems;
  for (const std::string& name : table.sorted_names) {
    absl::Status started = StartModule(name);
    if (started.ok()) continue;
    std::shared_ptr<const ModuleState> state = table.modules.at(name)->state();
    problems.push_back(
        {state == nullptr ? std::filesystem::path() : state->location,
         std::move(started)});
  }
  return problems;
}

std::vector<std::string> ModuleRegistry::Names() const {
  return table_.load(std::memory_order_acquire)->sorted_names;
}

std::vector<ModuleInfo> ModuleRegistry::List() const {
  const Table& table = *table_.load(std::memory_order_acquire);
  std::vector<ModuleInfo> out;
  out.reserve(table.sorted_names.size());
  for (const std::string& name : table.sorted_names) {
    out.push_back(DescribeModule(*table.modules.at(name)));
  }
  return out;
}

absl::StatusOr<ModuleInfo> ModuleRegistry::Describe(
    std::string_view name) const {
  DUET_ASSIGN_OR_RETURN(Module * module, Get(name));
  DUET_RETURN_IF_ERROR(StartModule(name));
  return DescribeModule(*module);
}

absl::StatusOr<std::vector<std::string>> ModuleRegistry::ActiveExports(
    std::string_view name) const {
  DUET_ASSIGN_OR_RETURN(Module * module, Get(name));
  const Language active = module->active();
  DUET_ASSIGN_OR_RETURN(std::shared_ptr<const ModuleState> state,
                        Started(*module, active));
  return state->Get(active)->exports();
}

void ModuleRegistry::ReleaseAll() {
  absl::MutexLock lock(&mutex_);
  for (auto& module : modules_) module->Publish(nullptr);
}

}  // namespace duet::internal
