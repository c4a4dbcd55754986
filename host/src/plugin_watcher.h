// Watch mode (HostOptions::watch): one thread that follows the plugin files
// through inotify and, once a module's files have been quiet for the quiet
// period, reloads it; it also loads a plugin that appears in a directory
// given to LoadPlugins. What it does and why it refused goes to the log,
// one line each.
//
// Which paths count. Every file below a plugin folder, in any subfolder
// (a plugin's lib/), and a single-file plugin's own file. Changes inside
// node_modules, .git and __pycache__, and to hidden files and editor
// leftovers (name~, .swp), never reload: tools rewrite those in bursts
// (npm install, git, Python's bytecode cache, which a reload itself writes)
// and no plugin's code lives in them. An editor's save-by-rename shows as
// the file's name moved in, which counts as a change of that file.
#ifndef DUET_HOST_SRC_PLUGIN_WATCHER_H_
#define DUET_HOST_SRC_PLUGIN_WATCHER_H_

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "duet/log.h"

namespace duet::internal {

// What the watcher asks of its host. `reload` and `load` run on the
// watcher's thread, each inside a pass of the host's call gate, and return
// kCancelled once the host is closing.
struct PluginWatcherHooks {
  // Host::Reload.
  std::function<absl::Status(std::string_view module)> reload;
  // Host::LoadPlugin(location); registers the new module with the watcher.
  std::function<absl::StatusOr<std::string>(const std::filesystem::path&)> load;
  // Whether an engine of the host loads this file as a single-file plugin.
  std::function<bool(const std::filesystem::path&)> is_plugin_file;
  // The host's log sink, source "duet".
  std::function<void(LogLevel, std::string_view)> log;
};

// Thread-safe. Watches start synchronously: a change made after
// WatchModule or WatchDirectory returns is seen.
class PluginWatcher {
 public:
  // kFailedPrecondition when inotify or the thread cannot start.
  static absl::StatusOr<std::unique_ptr<PluginWatcher>> Start(
      absl::Duration quiet_period, PluginWatcherHooks hooks);
  ~PluginWatcher();  // Stop()
  PluginWatcher(const PluginWatcher&) = delete;
  PluginWatcher& operator=(const PluginWatcher&) = delete;

  // Reloads `module` when a file of its plugin at `location` (a folder or
  // a single file) changes. Again for the same location: no change.
  void WatchModule(const std::string& module,
                   const std::filesystem::path& location);
  // Loads a plugin folder (once its plugin.toml exists) or a single-file
  // plugin that appears in `dir`, and retries one that failed to load when
  // its files change.
  void WatchDirectory(const std::filesystem::path& dir);

  // Makes the thread start no more reloads and leave; returns at once.
  void RequestStop();
  // RequestStop, then waits for the thread to leave.
  void Stop();

 private:
  using Clock = std::chrono::steady_clock;
  // Changes seen under one plugin (a module's location, or an entry of a
  // watched directory that is no module yet), waiting for the quiet period.
  struct Pending {
    Clock::time_point due;
    std::set<std::string> changed;  // paths relative to the plugin
  };
  struct WatchedModule {
    std::string name;
    bool is_directory = false;
    bool gone = false;  // its files were found missing and it was said
  };

  PluginWatcher(int inotify_fd, int wake_fd, Clock::duration quiet_period,
                PluginWatcherHooks hooks);

  void Run();
  // Reads what inotify has; 0, or the errno that made reading fail.
  int ReadEvents();
  void HandleEvent(int wd, uint32_t mask, std::string_view name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Notes a change of `path` against the plugin it belongs to, if any.
  void NoteChange(const std::filesystem::path& path)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Watches `dir` and the folders below it that may hold plugin files.
  void WatchTree(const std::filesystem::path& dir)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void WatchOne(const std::filesystem::path& dir)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Whether `path` lies in a plugin or a watched directory, so a folder
  // made there must be watched.
  bool IsInteresting(const std::filesystem::path& path) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Acts on one plugin whose quiet period is over.
  void Settle(const std::filesystem::path& root, const Pending& pending);
  void SettleModule(const std::filesystem::path& location,
                    const WatchedModule& module, const Pending& pending);
  void SettleCandidate(const std::filesystem::path& entry);
  void Log(LogLevel level, std::string_view message) const;
  // Sends what was logged under the lock: the log sink is the
  // application's code, which may call the host, and so the watcher.
  void FlushLog() ABSL_LOCKS_EXCLUDED(mutex_);

  const int inotify_fd_;
  const int wake_fd_;
  const Clock::duration quiet_period_;
  const PluginWatcherHooks hooks_;
  std::atomic<bool> stopping_{false};

  absl::Mutex mutex_;
  // Watch descriptor -> the folder it watches (absolute, canonical).
  absl::flat_hash_map<int, std::filesystem::path> watches_
      ABSL_GUARDED_BY(mutex_);
  std::map<std::filesystem::path, WatchedModule> modules_
      ABSL_GUARDED_BY(mutex_);
  std::set<std::filesystem::path> directories_ ABSL_GUARDED_BY(mutex_);
  std::map<std::filesystem::path, Pending> pending_ ABSL_GUARDED_BY(mutex_);
  std::vector<std::pair<LogLevel, std::string>> deferred_log_
      ABSL_GUARDED_BY(mutex_);
  bool warned_limit_ ABSL_GUARDED_BY(mutex_) = false;

  std::thread thread_;  // started by Start once the rest is ready
};

}  // namespace duet::internal

#endif  // DUET_HOST_SRC_PLUGIN_WATCHER_H_
