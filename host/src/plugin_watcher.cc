#include "plugin_watcher.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "duet/internal/strings.h"

namespace duet::internal {
namespace {

namespace fs = std::filesystem;

// Every change a save can make; IN_ATTRIB so `touch file` reloads too.
// Self events tell that a watched folder went.
constexpr uint32_t kWatchMask = IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB |
                                IN_CREATE | IN_DELETE | IN_MOVED_FROM |
                                IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF |
                                IN_ONLYDIR | IN_EXCL_UNLINK;

// Absolute and free of symlinks and dots, so paths from inotify (built
// from the watched folders' paths) compare equal to the plugins' paths.
fs::path Canonical(const fs::path& path) {
  std::error_code error;
  fs::path absolute = fs::absolute(path, error);
  if (error) return path.lexically_normal();
  fs::path canonical = fs::weakly_canonical(absolute, error);
  if (error) return absolute.lexically_normal();
  // weakly_canonical keeps a trailing separator; the comparisons do not.
  if (!canonical.has_filename() && canonical.has_parent_path() &&
      canonical != canonical.root_path()) {
    canonical = canonical.parent_path();
  }
  return canonical;
}

// `path` relative to `root` when it is `root` (empty) or below it.
std::optional<fs::path> RelativeInside(const fs::path& path,
                                       const fs::path& root) {
  auto p = path.begin();
  for (auto r = root.begin(); r != root.end(); ++r, ++p) {
    if (r->empty()) continue;
    if (p == path.end() || *r != *p) return std::nullopt;
  }
  fs::path relative;
  for (; p != path.end(); ++p) relative /= *p;
  return relative;
}

// Names whose changes never reload: tool churn (a reload itself writes
// __pycache__), hidden files, editor swap and backup files.
bool IsIgnoredName(const std::string& name) {
  return name.empty() || name[0] == '.' || name[0] == '#' ||
         name == "node_modules" || name == "__pycache__" ||
         name.back() == '~' || absl::EndsWith(name, ".swp") ||
         absl::EndsWith(name, ".swo") || absl::EndsWith(name, ".swx");
}

bool HasIgnoredPart(const fs::path& relative) {
  for (const fs::path& part : relative) {
    if (IsIgnoredName(part.string())) return true;
  }
  return false;
}

// An entry of a plugin directory that LoadDirectory skips.
bool IsSkippedEntry(const std::string& name) {
  return IsIgnoredName(name) || name[0] == '_';
}

// Log lines are one line each; engines' messages may span several.
std::string OneLine(std::string_view text) {
  std::string line = absl::StrReplaceAll(ToAbsl(text), {{"\n", " | "}});
  while (absl::EndsWith(line, " | ")) line.resize(line.size() - 3);
  return line;
}

// "counter.js changed", "a.py, lib/b.py and 2 more changed", "lib/c.py
// removed": what a reload is about, naming the files that still exist.
std::string DescribeChanges(const fs::path& root, bool is_directory,
                            const std::set<std::string>& changed) {
  std::vector<std::string> present, removed;
  for (const std::string& relative : changed) {
    std::error_code error;
    fs::path file = is_directory && !relative.empty() ? root / relative : root;
    (fs::exists(file, error) ? present : removed).push_back(relative);
  }
  std::vector<std::string>& named = present.empty() ? removed : present;
  if (named.empty()) return "its files changed";
  constexpr size_t kMaxNamed = 3;
  std::string out;
  if (named.size() <= kMaxNamed) {
    out = absl::StrJoin(named, ", ");
  } else {
    out = absl::StrCat(
        absl::StrJoin(named.begin(), named.begin() + kMaxNamed, ", "), " and ",
        named.size() - kMaxNamed, " more");
  }
  return absl::StrCat(out, present.empty() ? " removed" : " changed");
}

}  // namespace

absl::StatusOr<std::unique_ptr<PluginWatcher>> PluginWatcher::Start(
    absl::Duration quiet_period, PluginWatcherHooks hooks) {
  int inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd < 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "HostOptions::watch: cannot start inotify: ", strerror(errno),
        errno == EMFILE ? " (too many inotify instances; raise "
                          "fs.inotify.max_user_instances)"
                        : ""));
  }
  int wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0) {
    int saved = errno;
    close(inotify_fd);
    return absl::FailedPreconditionError(absl::StrCat(
        "HostOptions::watch: cannot make an eventfd: ", strerror(saved)));
  }
  std::unique_ptr<PluginWatcher> watcher(new PluginWatcher(
      inotify_fd, wake_fd, absl::ToChronoNanoseconds(quiet_period),
      std::move(hooks)));
  try {
    watcher->thread_ = std::thread([raw = watcher.get()] { raw->Run(); });
  } catch (const std::system_error& error) {
    return absl::FailedPreconditionError(absl::StrCat(
        "HostOptions::watch: cannot start the watcher thread: ", error.what()));
  }
  return watcher;
}

PluginWatcher::PluginWatcher(int inotify_fd, int wake_fd,
                             Clock::duration quiet_period,
                             PluginWatcherHooks hooks)
    : inotify_fd_(inotify_fd),
      wake_fd_(wake_fd),
      quiet_period_(quiet_period),
      hooks_(std::move(hooks)) {}

PluginWatcher::~PluginWatcher() {
  Stop();
  close(inotify_fd_);
  close(wake_fd_);
}

void PluginWatcher::RequestStop() {
  stopping_.store(true, std::memory_order_release);
  uint64_t one = 1;
  // Only fails when the counter is full, and then poll wakes anyway.
  (void)!write(wake_fd_, &one, sizeof(one));
}

void PluginWatcher::Stop() {
  RequestStop();
  if (thread_.joinable()) thread_.join();
}

void PluginWatcher::Log(LogLevel level, std::string_view message) const {
  hooks_.log(level, message);
}

void PluginWatcher::FlushLog() {
  std::vector<std::pair<LogLevel, std::string>> lines;
  {
    absl::MutexLock lock(&mutex_);
    lines.swap(deferred_log_);
  }
  for (const auto& [level, line] : lines) Log(level, line);
}

void PluginWatcher::WatchModule(const std::string& module,
                                const fs::path& location) {
  const fs::path root = Canonical(location);
  std::error_code error;
  const bool is_directory = fs::is_directory(root, error);
  {
    absl::MutexLock lock(&mutex_);
    modules_[root] = WatchedModule{module, is_directory, false};
    // The parent shows the plugin's own file or folder being replaced,
    // removed or made again.
    if (root.has_parent_path()) WatchOne(root.parent_path());
    if (is_directory) WatchTree(root);
  }
  FlushLog();
}

void PluginWatcher::WatchDirectory(const fs::path& dir) {
  const fs::path root = Canonical(dir);
  {
    absl::MutexLock lock(&mutex_);
    directories_.insert(root);
    WatchOne(root);
    std::error_code error;
    for (fs::directory_iterator it(root, error), end; !error && it != end;
         it.increment(error)) {
      if (IsSkippedEntry(it->path().filename().string())) continue;
      std::error_code ignored;
      if (it->is_directory(ignored) && !it->is_symlink(ignored)) {
        WatchTree(it->path());
      }
    }
  }
  FlushLog();
}

void PluginWatcher::WatchTree(const fs::path& dir) {
  WatchOne(dir);
  std::error_code error;
  for (fs::recursive_directory_iterator
           it(dir, fs::directory_options::skip_permission_denied, error),
       end;
       !error && it != end; it.increment(error)) {
    std::error_code ignored;
    if (!it->is_directory(ignored) || it->is_symlink(ignored)) continue;
    if (IsIgnoredName(it->path().filename().string())) {
      it.disable_recursion_pending();
      continue;
    }
    WatchOne(it->path());
  }
}

void PluginWatcher::WatchOne(const fs::path& dir) {
  int wd = inotify_add_watch(inotify_fd_, dir.c_str(), kWatchMask);
  if (wd >= 0) {
    watches_[wd] = dir;
    return;
  }
  if (errno == ENOENT || errno == ENOTDIR) return;  // gone meanwhile
  if (errno == ENOSPC) {
    if (warned_limit_) return;
    warned_limit_ = true;
    deferred_log_.emplace_back(
        LogLevel::kWarning,
        absl::StrCat("cannot watch ", dir.string(),
                     ": the inotify watch limit is reached (raise "
                     "fs.inotify.max_user_watches); changes there will not "
                     "reload"));
    return;
  }
  deferred_log_.emplace_back(
      LogLevel::kWarning,
      absl::StrCat("cannot watch ", dir.string(), ": ", strerror(errno),
                   "; changes there will not reload"));
}

bool PluginWatcher::IsInteresting(const fs::path& path) const {
  for (const auto& [location, module] : modules_) {
    if (location == path) return true;
    if (!module.is_directory) continue;
    if (RelativeInside(path, location)) return true;
  }
  for (const fs::path& dir : directories_) {
    std::optional<fs::path> relative = RelativeInside(path, dir);
    if (relative && !relative->empty() &&
        !IsSkippedEntry(relative->begin()->string())) {
      return true;
    }
  }
  return false;
}

void PluginWatcher::NoteChange(const fs::path& path) {
  const Clock::time_point due = Clock::now() + quiet_period_;
  // The module owning the path; the innermost when plugins nest.
  const fs::path* owner = nullptr;
  fs::path owner_relative;
  for (const auto& [location, module] : modules_) {
    std::optional<fs::path> relative;
    if (module.is_directory) {
      relative = RelativeInside(path, location);
    } else if (path == location) {
      relative = fs::path();
    }
    if (!relative) continue;
    if (owner == nullptr || location.native().size() > owner->native().size()) {
      owner = &location;
      owner_relative = *relative;
    }
  }
  if (owner != nullptr) {
    if (HasIgnoredPart(owner_relative)) return;
    Pending& pending = pending_[*owner];
    pending.due = due;
    pending.changed.insert(owner_relative.empty() ? owner->filename().string()
                                                  : owner_relative.string());
    return;
  }
  // Not a module yet: an entry of a watched directory may become one.
  for (const fs::path& dir : directories_) {
    std::optional<fs::path> relative = RelativeInside(path, dir);
    if (!relative || relative->empty()) continue;
    if (IsSkippedEntry(relative->begin()->string()) ||
        HasIgnoredPart(*relative)) {
      return;
    }
    Pending& pending = pending_[dir / *relative->begin()];
    pending.due = due;
    pending.changed.insert(relative->string());
    return;
  }
}

void PluginWatcher::HandleEvent(int wd, uint32_t mask, std::string_view name) {
  if (mask & IN_Q_OVERFLOW) {
    deferred_log_.emplace_back(
        LogLevel::kWarning,
        "too many file changes at once: some were missed; reload the "
        "affected modules by hand (Host::Reload, :reload)");
    return;
  }
  auto watched = watches_.find(wd);
  if (watched == watches_.end()) return;
  const fs::path dir = watched->second;
  if (mask & IN_IGNORED) {  // the folder went, or moved away
    watches_.erase(watched);
    return;
  }
  const fs::path path = name.empty() ? dir : dir / fs::path(name);
  if (mask & IN_MOVE_SELF) {
    // Moved away: events from it would be taken for its old place's.
    inotify_rm_watch(inotify_fd_, wd);
    watches_.erase(watched);
  }
  if ((mask & IN_ISDIR) && (mask & (IN_CREATE | IN_MOVED_TO)) &&
      !IsIgnoredName(path.filename().string()) && IsInteresting(path)) {
    WatchTree(path);  // files may already be in it: NoteChange covers them
  }
  NoteChange(path);
}

int PluginWatcher::ReadEvents() {
  alignas(struct inotify_event) char buffer[64 * 1024];
  for (;;) {
    ssize_t size = read(inotify_fd_, buffer, sizeof(buffer));
    if (size < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : errno;
    }
    if (size == 0) return EIO;
    absl::MutexLock lock(&mutex_);
    for (char* at = buffer; at < buffer + size;) {
      const auto* event = reinterpret_cast<const struct inotify_event*>(at);
      std::string_view name(event->len > 0 ? event->name : "");
      name = name.substr(0, name.find('\0'));
      HandleEvent(event->wd, event->mask, name);
      at += sizeof(struct inotify_event) + event->len;
    }
  }
}

void PluginWatcher::Run() {
  // Signals are for the application's threads (the REPL's Ctrl-C watcher).
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);

  while (!stopping_.load(std::memory_order_acquire)) {
    int timeout_ms = -1;
    {
      absl::MutexLock lock(&mutex_);
      if (!pending_.empty()) {
        Clock::time_point first = Clock::time_point::max();
        for (const auto& [root, pending] : pending_) {
          first = std::min(first, pending.due);
        }
        auto wait =
            std::chrono::ceil<std::chrono::milliseconds>(first - Clock::now());
        timeout_ms = static_cast<int>(
            std::clamp<int64_t>(wait.count(), 0, 24 * 3600 * 1000));
      }
    }
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (poll(fds, 2, timeout_ms) < 0) {
      if (errno == EINTR) continue;
      Log(LogLevel::kError,
          absl::StrCat("watch mode stopped: poll failed: ", strerror(errno)));
      return;
    }
    if (stopping_.load(std::memory_order_acquire)) break;
    if (fds[1].revents & POLLIN) {
      uint64_t count;
      (void)!read(wake_fd_, &count, sizeof(count));
    }
    if (fds[0].revents & (POLLIN | POLLERR | POLLNVAL)) {
      if (int error = ReadEvents(); error != 0) {
        FlushLog();
        Log(LogLevel::kError,
            absl::StrCat("watch mode stopped: reading inotify events failed: ",
                         strerror(error)));
        return;
      }
    }

    std::vector<std::pair<fs::path, Pending>> due;
    {
      absl::MutexLock lock(&mutex_);
      const Clock::time_point now = Clock::now();
      for (auto it = pending_.begin(); it != pending_.end();) {
        if (it->second.due <= now) {
          due.emplace_back(it->first, std::move(it->second));
          it = pending_.erase(it);
        } else {
          ++it;
        }
      }
    }
    FlushLog();
    for (const auto& [root, pending] : due) {
      if (stopping_.load(std::memory_order_acquire)) break;
      Settle(root, pending);
    }
  }
}

void PluginWatcher::Settle(const fs::path& root, const Pending& pending) {
  std::optional<WatchedModule> module;
  {
    absl::MutexLock lock(&mutex_);
    if (auto it = modules_.find(root); it != modules_.end()) {
      module = it->second;
    }
  }
  if (module) {
    SettleModule(root, *module, pending);
  } else {
    SettleCandidate(root);
  }
}

void PluginWatcher::SettleModule(const fs::path& location,
                                 const WatchedModule& module,
                                 const Pending& pending) {
  std::error_code error;
  const bool present = module.is_directory
                           ? fs::is_directory(location, error)
                           : fs::is_regular_file(location, error);
  {
    absl::MutexLock lock(&mutex_);
    WatchedModule& watched = modules_[location];
    const bool was_gone = watched.gone;
    watched.gone = !present;
    if (!present) {
      if (was_gone) return;  // said once per disappearance
      deferred_log_.emplace_back(
          LogLevel::kWarning,
          absl::StrCat(module.name, ": ", location.string(),
                       " is gone; the loaded version keeps serving (it "
                       "reloads if the files come back)"));
    }
  }
  if (!present) {
    FlushLog();
    return;
  }
  absl::Status status = hooks_.reload(module.name);
  // A reload cut short by the host closing is no failure to report; one
  // that finished is said even then, since calls may already run it.
  if (!status.ok() && stopping_.load(std::memory_order_acquire)) return;
  if (status.ok()) {
    Log(LogLevel::kInfo,
        absl::StrCat(
            "reloaded ", module.name, " (",
            DescribeChanges(location, module.is_directory, pending.changed),
            ")"));
  } else {
    Log(LogLevel::kError,
        absl::StrCat(module.name,
                     ": reload failed, the old version keeps serving: ",
                     OneLine(ToStd(status.message()))));
  }
}

void PluginWatcher::SettleCandidate(const fs::path& entry) {
  std::error_code error;
  if (fs::is_directory(entry, error)) {
    if (!fs::exists(entry / "plugin.toml", error)) return;  // not yet
  } else if (!fs::is_regular_file(entry, error) ||
             !hooks_.is_plugin_file(entry)) {
    return;
  }
  absl::StatusOr<std::string> name = hooks_.load(entry);
  if (!name.ok() && stopping_.load(std::memory_order_acquire)) return;
  if (name.ok()) {
    Log(LogLevel::kInfo, absl::StrCat("loaded ", *name, " from ",
                                      entry.string(), " (new plugin)"));
  } else if (absl::IsAlreadyExists(name.status())) {
    Log(LogLevel::kWarning, OneLine(ToStd(name.status().message())));
  } else {
    Log(LogLevel::kError,
        absl::StrCat(entry.string(), ": the new plugin did not load: ",
                     OneLine(ToStd(name.status().message()))));
  }
}

}  // namespace duet::internal
