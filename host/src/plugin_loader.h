// Loading plugins: finding them in a folder, reading plugin.toml, starting
// each implementation in its engine within the plugin's limits (at load or
// on first use, HostOptions::start_mode), checking declared exports, and
// reloading. Publishes what it loads to the ModuleRegistry.
#ifndef DUET_HOST_SRC_PLUGIN_LOADER_H_
#define DUET_HOST_SRC_PLUGIN_LOADER_H_

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "duet/host.h"
#include "duet/log.h"
#include "module_registry.h"
#include "runtime_set.h"

namespace duet::internal {

// Thread-safe; one load at a time, and one start on first use at a time.
// Loading and starting run plugin code, which may call modules (lock-free
// once started; a module not started yet starts then, on the same thread,
// under the start lock, which is why that lock is recursive) but never
// loads plugins itself, so holding the locks while it runs is no deadlock
// risk. The load lock may be held when the start lock is taken, never the
// other way round.
class PluginLoader : public ImplementationStarter {
 public:
  // `options` supplies the log sink, the default limits and the start
  // mode; all four arguments outlive the loader. Becomes `modules`' starter.
  PluginLoader(const HostOptions& options, const RuntimeSet& runtimes,
               ModuleRegistry& modules)
      : options_(options), runtimes_(runtimes), modules_(modules) {
    modules_.set_starter(this);
  }

  // Host::LoadPlugins, LoadPlugin and Reload's contracts (duet/host.h).
  absl::StatusOr<LoadReport> LoadDirectory(const std::filesystem::path& dir);
  // Adds warnings from plugin.toml to *warnings when it is not null.
  // `start_all`: start every implementation now, whatever
  // HostOptions::start_mode says (watch mode, to report a new plugin's
  // errors as it appears).
  absl::StatusOr<std::string> Load(const std::filesystem::path& location,
                                   std::vector<std::string>* warnings,
                                   bool start_all = false);
  absl::StatusOr<std::string> Load(const PluginSource& source);
  // Makes a reloaded version current (StateTransfer::Swap): `module`, its
  // new state and the language to make active.
  using Swap = std::function<absl::Status(
      Module& module, std::unique_ptr<ModuleState> next, Language active)>;
  // Reads the module's files again and hands the result to `swap`.
  absl::Status Reload(std::string_view name, const Swap& swap);

  // ImplementationStarter: starts one implementation of a published module
  // on its first use.
  absl::StatusOr<std::shared_ptr<const ModuleState>> Start(
      Module& module, Language language) const override;

 private:
  // Reads a plugin from disk and loads its implementations. `reloading` is
  // the module being reloaded (its name must not change), or null for a new
  // module, whose name must be free. Sets *name as soon as it is known.
  // `start_all` as Load's.
  absl::StatusOr<std::unique_ptr<ModuleState>> ReadPlugin(
      const std::filesystem::path& location, const Module* reloading,
      std::string* name, std::vector<std::string>* warnings,
      bool start_all = false) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  absl::StatusOr<std::unique_ptr<ModuleState>> ReadSource(
      const PluginSource& source, const Module* reloading)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  absl::Status CheckName(const std::string& name, std::string_view location,
                         const Module* reloading) const;
  // Checks a plugin's implementations without starting an engine and
  // records how to start each (ModuleState::start_specs).
  // `packages_root`: ImplementationSpec::packages_root for its specs.
  absl::Status PlanDirectoryImplementations(
      ModuleState& state, const std::filesystem::path& packages_root) const;
  // The plugins directory `location` was found in by LoadDirectory, else
  // the plugin's own folder (ImplementationSpec::packages_root).
  std::filesystem::path PackagesRootFor(const std::filesystem::path& location)
      const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  absl::Status PlanSingleFileImplementation(const std::string& name,
                                            ModuleState& state) const;
  // What a new state starts before it is published: everything under
  // StartMode::kAtLoad, else what the state it replaces (`reloading`'s) had
  // started, so a reload serves the same implementations without a pause.
  std::vector<Language> StartAtPublish(const ModuleState& state,
                                       const Module* reloading) const;
  // Starts `languages`' implementations of an unpublished `state` (those
  // not started yet) and checks them against its declared exports. On
  // error `state` is left as it was; the message names file:line.
  absl::Status StartImplementations(
      ModuleState& state, const std::vector<Language>& languages) const;
  // Publishes a new module, or records why it failed for later calls.
  absl::StatusOr<std::string> Publish(
      const std::string& name,
      absl::StatusOr<std::unique_ptr<ModuleState>> read)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // What an engine needs to load one implementation within the plugin's
  // limits (or the host's defaults).
  ImplementationSpec MakeSpec(const std::string& module,
                              const std::filesystem::path& entry,
                              const std::filesystem::path& root,
                              bool single_file, const Limits& limits) const;
  void Log(LogLevel level, std::string_view message) const;

  const HostOptions& options_;
  const RuntimeSet& runtimes_;
  ModuleRegistry& modules_;
  absl::Mutex mutex_;
  // Held while an implementation starts on first use. Recursive: a plugin's
  // top-level code may call a module that starts then, on the same thread.
  mutable std::recursive_mutex start_mutex_;
  // Every folder LoadDirectory was given (absolute), so a plugin in one
  // keeps that folder as its packages root when watch mode loads it or
  // Reload reads it again.
  std::vector<std::filesystem::path> plugin_directories_
      ABSL_GUARDED_BY(mutex_);
};

}  // namespace duet::internal

#endif  // DUET_HOST_SRC_PLUGIN_LOADER_H_
