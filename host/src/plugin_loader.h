// Loading plugins: finding them in a folder, reading plugin.toml, loading
// each implementation into its engine within the plugin's limits, checking
// declared exports, and reloading. Publishes what it loads to the
// ModuleRegistry.
#ifndef DUET_HOST_SRC_PLUGIN_LOADER_H_
#define DUET_HOST_SRC_PLUGIN_LOADER_H_

#include <filesystem>
#include <functional>
#include <memory>
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

// Thread-safe; one load at a time. Loading runs plugin code, which may call
// modules (lock-free) but never loads plugins itself, so holding the load
// lock while it runs is no deadlock risk.
class PluginLoader {
 public:
  // `options` supplies the log sink and the default limits; all four
  // arguments outlive the loader.
  PluginLoader(const HostOptions& options, const RuntimeSet& runtimes,
               ModuleRegistry& modules)
      : options_(options), runtimes_(runtimes), modules_(modules) {}

  // Host::LoadPlugins, LoadPlugin and Reload's contracts (duet/host.h).
  absl::StatusOr<LoadReport> LoadDirectory(const std::filesystem::path& dir);
  // Adds warnings from plugin.toml to *warnings when it is not null.
  absl::StatusOr<std::string> Load(const std::filesystem::path& location,
                                   std::vector<std::string>* warnings);
  absl::StatusOr<std::string> Load(const PluginSource& source);
  // Makes a reloaded version current (StateTransfer::Swap): `module`, its
  // new state and the language to make active.
  using Swap = std::function<absl::Status(
      Module& module, std::unique_ptr<ModuleState> next, Language active)>;
  // Reads the module's files again and hands the result to `swap`.
  absl::Status Reload(std::string_view name, const Swap& swap);

 private:
  // Reads a plugin from disk and loads its implementations. `reloading` is
  // the module being reloaded (its name must not change), or null for a new
  // module, whose name must be free. Sets *name as soon as it is known.
  absl::StatusOr<std::unique_ptr<ModuleState>> ReadPlugin(
      const std::filesystem::path& location, const Module* reloading,
      std::string* name, std::vector<std::string>* warnings)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  absl::StatusOr<std::unique_ptr<ModuleState>> ReadSource(
      const PluginSource& source, const Module* reloading)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  absl::Status CheckName(const std::string& name, std::string_view location,
                         const Module* reloading) const;
  absl::Status LoadDirectoryImplementations(ModuleState& state);
  absl::Status LoadSingleFileImplementation(const std::string& name,
                                            ModuleState& state);
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
};

}  // namespace duet::internal

#endif  // DUET_HOST_SRC_PLUGIN_LOADER_H_
