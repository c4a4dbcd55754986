// The modules a host has loaded: each module's current version (its
// implementations and function table), the active implementation, and the
// name table calls look modules up in without taking a lock.
#ifndef DUET_HOST_SRC_MODULE_REGISTRY_H_
#define DUET_HOST_SRC_MODULE_REGISTRY_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "duet/host.h"
#include "duet/internal/spin_lock.h"
#include "duet/manifest.h"
#include "duet/runtime.h"
#include "runtime_set.h"
#include "state_gate.h"

namespace duet::internal {

// What one version of a module's files produced: its implementations and
// the resolved function table. Immutable once published; Reload publishes a
// new one and calls in flight keep the old one alive until they return.
//
// An implementation read from disk starts on its first use (unless
// HostOptions::start_mode says at load): until then the state holds how to
// start it (start_specs), and starting publishes a successor state that
// shares the implementations already started.
struct ModuleState {
  struct Function {
    const ExportSpec* declared = nullptr;  // from [exports], when declared
    // Position in each implementation's exports(), -1 where it is missing.
    std::array<int, kLanguageCount> index;
    // Implementation::IsAsync of each, read once (it is fixed after
    // loading): a call asks without a virtual call.
    std::array<bool, kLanguageCount> async{};
    int slot = 0;  // position in function_slots
  };

  ModuleState() = default;
  ModuleState(const ModuleState&) = default;
  ModuleState& operator=(const ModuleState&) = default;
  // Releases first a Python caller's GIL still held for a module call on
  // this thread (engine::SettleDeferredLock): the implementations going
  // with the last state may wait for other locks as they unload.
  ~ModuleState();

  // Unique among the states of every host in the process, and never 0, so
  // a function resolved in one state is never mistaken for one of another
  // (BoundFunction's cache).
  uint64_t id = NextModuleStateId();
  std::string version;
  std::string description;
  std::filesystem::path location;  // empty for a plugin given in memory
  std::optional<Manifest> manifest;
  std::optional<PluginSource> source;  // for a plugin given in memory
  // The started implementations; shared with the states that succeed this
  // one by starting another language.
  std::array<std::shared_ptr<Implementation>, kLanguageCount> implementations;
  // What the engine's Load takes, for each implementation this host runs;
  // kept after it starts, so a Reload can tell what was started.
  std::array<std::optional<ImplementationSpec>, kLanguageCount> start_specs;
  // Why an implementation failed to start: every later use gets the error
  // its first use got (ok: none), until a Reload reads the files again.
  std::array<absl::Status, kLanguageCount> start_failures;
  // Each implementation's file, or its display name when given in memory.
  std::array<std::filesystem::path, kLanguageCount> files;
  Language default_language = Language::kPython;
  std::optional<absl::Duration> timeout;  // [limits] timeout_ms
  // [state], from plugin.toml or PluginSource: set when the module's state
  // is carried across Use and Reload (StateTransfer).
  std::optional<StateHooks> state_hooks;
  absl::flat_hash_map<std::string, Function> functions;
  // The entries of `functions` by Function::slot.
  std::vector<const Function*> function_slots;

  // The implementation in `language` once started, else null.
  Implementation* Get(Language language) const {
    return implementations[LanguageIndex(language)].get();
  }
  // Whether it has an implementation in `language`, started or not.
  bool Has(Language language) const {
    return Get(language) != nullptr ||
           start_specs[LanguageIndex(language)].has_value();
  }
  // The languages it has an implementation in, in kAllLanguages order.
  std::vector<Language> Languages() const;
  // Resolves every started implementation's exported names once, so a call
  // is one hash lookup.
  void IndexFunctions();
  // A copy to publish in this state's place (a Module holds one state at a
  // time): its own id, the same implementations. The caller adds to it and
  // then calls IndexFunctions.
  std::unique_ptr<ModuleState> Successor() const;

 private:
  static uint64_t NextModuleStateId();
};

// A module as callers see it: a name, the active language, and the current
// state. Modules are never removed, so the registry may hand out pointers
// (and duet::Function handles keep them for as long as the host lives).
class Module {
 public:
  explicit Module(std::string name) : name_(std::move(name)) {}

  const std::string& name() const { return name_; }
  Language active() const { return active_.load(std::memory_order_acquire); }
  void set_active(Language language) {
    active_.store(language, std::memory_order_release);
  }

  std::shared_ptr<const ModuleState> state() const {
    SpinLockHolder guard(&state_lock_);
    return state_;
  }
  // Returns the replaced state so the caller destroys it outside the lock.
  std::shared_ptr<const ModuleState> Publish(
      std::shared_ptr<const ModuleState> state) {
    SpinLockHolder guard(&state_lock_);
    std::swap(state_, state);
    current_.store(state_.get(), std::memory_order_release);
    return state;
  }
  // Publishes `state` only while `expected` is still the current state
  // (none published meanwhile); returns whether it did.
  bool PublishInPlaceOf(const std::shared_ptr<const ModuleState>& expected,
                        std::shared_ptr<const ModuleState>& state) {
    SpinLockHolder guard(&state_lock_);
    if (state_ != expected) return false;
    std::swap(state_, state);  // the replaced one goes outside the lock
    current_.store(state_.get(), std::memory_order_release);
    return true;
  }
  // Whether `state` is the current state, without copying the pointer that
  // owns it. Exact only while the caller keeps `state` alive, so that no
  // later state can have been made at its address.
  bool IsCurrent(const ModuleState* state) const {
    return current_.load(std::memory_order_acquire) == state;
  }

  // What calls of a module with [state] pass (StateGate).
  StateGate& state_gate() const { return state_gate_; }

 private:
  const std::string name_;
  std::atomic<Language> active_{Language::kPython};
  // Held for a pointer copy only.
  mutable SpinLock state_lock_;
  std::shared_ptr<const ModuleState> state_ ABSL_GUARDED_BY(state_lock_);
  // state_.get(), for IsCurrent; written under state_lock_.
  std::atomic<const ModuleState*> current_{nullptr};
  mutable StateGate state_gate_;
};

// "module 'X' has no LANGUAGE implementation (it has: ...)".
absl::Status NoImplementation(const Module& module, const ModuleState& state,
                              Language language);

// Starts implementations on their first use; the PluginLoader, which read
// them, does.
class ImplementationStarter {
 public:
  virtual ~ImplementationStarter() = default;
  // The module's current state with its `language` implementation started,
  // starting it now when it has not: once, however many threads ask. A
  // failure to start is returned, logged once and kept (ModuleState::
  // start_failures) for every later caller until a Reload.
  virtual absl::StatusOr<std::shared_ptr<const ModuleState>> Start(
      Module& module, Language language) const = 0;
};

// Thread-safe. Lookups never block: a name table is never changed once
// published, only replaced, and every table stays alive until the registry
// goes (they are small).
class ModuleRegistry {
 public:
  ModuleRegistry();

  // Unique among the registries of the process, and never 0: a pointer to
  // one of its modules, cached with it, is never taken for another's.
  uint64_t id() const { return id_; }

  // Null for an unknown module. A module found stays this registry's, under
  // the same name, for as long as the registry lives: none is ever removed.
  Module* Find(std::string_view name) const;
  // kNotFound for an unknown module, saying why it failed to load when it
  // did (RecordFailure), else listing the loaded modules.
  absl::StatusOr<Module*> Get(std::string_view name) const;
  // kAlreadyExists naming both locations when `name` is taken: first come,
  // first served, since callers may already be using the first one.
  absl::Status CheckNameFree(std::string_view name,
                             std::string_view location) const;

  // Publishes a new module; its name must be free (CheckNameFree).
  void Add(const std::string& name, std::unique_ptr<ModuleState> state);
  // Remembers why `name` failed to load, for Get's message; Add forgets it.
  void RecordFailure(const std::string& name, std::string_view why);

  // Who starts implementations on first use; set once, before any module
  // is added.
  void set_starter(const ImplementationStarter* starter) { starter_ = starter; }
  // `module`'s current state with `language` started (ImplementationStarter).
  // Cheap once started: the state is returned as it is.
  absl::StatusOr<std::shared_ptr<const ModuleState>> Started(
      const Module& module, Language language) const;
  // Starts every implementation of the module not started yet (Host::Start).
  // Returns the first failure, after trying every language.
  absl::Status StartModule(std::string_view name) const;
  // The same for every module (Host::StartAll): one problem per module that
  // failed, naming its plugin.
  std::vector<PluginProblem> StartAll() const;

  // Sorted. Cheap: each table keeps its sorted names, since engines ask for
  // them on every REPL evaluation.
  std::vector<std::string> Names() const;
  // Sorted by name. Starts nothing: an implementation not started yet is
  // listed without its exports (ImplementationInfo::started).
  std::vector<ModuleInfo> List() const;
  // Starts the module's implementations first (StartModule), so the
  // exports are complete, and fails as that does.
  absl::StatusOr<ModuleInfo> Describe(std::string_view name) const;
  // The active implementation's exports, starting it; kNotFound for an
  // unknown module.
  absl::StatusOr<std::vector<std::string>> ActiveExports(
      std::string_view name) const;

  // Drops every module's state (and so its implementations) at shutdown,
  // before the engines go.
  void ReleaseAll();

 private:
  struct Table {
    absl::flat_hash_map<std::string, Module*> modules;
    std::vector<std::string> sorted_names;
  };

  const uint64_t id_;
  const ImplementationStarter* starter_ = nullptr;
  absl::Mutex mutex_;  // serialises Add and ReleaseAll
  std::atomic<const Table*> table_;
  std::vector<std::unique_ptr<const Table>> tables_ ABSL_GUARDED_BY(mutex_);
  std::vector<std::unique_ptr<Module>> modules_ ABSL_GUARDED_BY(mutex_);

  mutable absl::Mutex failed_mutex_;
  absl::flat_hash_map<std::string, std::string> failed_
      ABSL_GUARDED_BY(failed_mutex_);
};

}  // namespace duet::internal

#endif  // DUET_HOST_SRC_MODULE_REGISTRY_H_
