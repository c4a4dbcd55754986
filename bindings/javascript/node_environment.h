// A trusted implementation's Node.js environment (plugin.toml `[javascript]
// node = true`): the isolate of its Engine is registered with Node's
// platform and a libuv loop, its context is a Node context, and a
// node::Environment bootstraps Node in it, so every Node built-in, Node's
// module resolution and npm packages work with the process's authority.
// duet's call, conversion, error and stop machinery (engine.h) is unchanged.
//
// The loop: a thread per environment waits on libuv's backend descriptor
// without the isolate's lock, then enters the engine (EngineScope: the
// lock, a frame Interrupt stops, the timer limit) to run libuv once, Node's
// foreground tasks, and process.nextTick and microtasks. libuv is not
// thread-safe: it is only touched under the isolate's lock. An entry from
// another thread (a duet call) wakes the loop when it leaves, so timers and
// I/O it started are picked up.
//
// Teardown (Engine::~Engine): StopLoop (no lock), FreeUnderLock (lock held),
// Unregister (no lock) before the isolate is disposed.
#ifndef DUET_BINDINGS_JAVASCRIPT_NODE_ENVIRONMENT_H_
#define DUET_BINDINGS_JAVASCRIPT_NODE_ENVIRONMENT_H_

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "v8.h"

struct uv_loop_s;
struct uv_async_s;
namespace node {
class Environment;
class IsolateData;
}  // namespace node

namespace duet::js {

class Engine;

class NodeEnvironment {
 public:
  // Initialises Node for the process on first use; makes the loop.
  static absl::StatusOr<std::unique_ptr<NodeEnvironment>> Create();
  ~NodeEnvironment();
  NodeEnvironment(const NodeEnvironment&) = delete;
  NodeEnvironment& operator=(const NodeEnvironment&) = delete;

  // A new isolate registered with Node's platform and this loop and set up
  // for Node. Null when V8 could not make one.
  v8::Isolate* NewIsolate(const v8::Isolate::CreateParams& params);
  // Isolate locked and entered: a context Node can bootstrap.
  v8::MaybeLocal<v8::Context> NewContext();
  // Isolate locked, `context` entered: creates and bootstraps the
  // node::Environment.
  absl::Status Start(v8::Local<v8::Context> context);
  // After Start, lock not held: starts the loop thread for `engine`, which
  // enters it under `visit_limit` each time (the limit of duet's own timer
  // visits: a callback that runs longer is stopped, and the loop goes on).
  void StartLoop(Engine& engine, absl::Duration visit_limit);

  // Inside an EngineScope: loads `entry` with Node's own loader (CommonJS
  // or ES module as Node decides), "duet" resolving to `duet`. An ES
  // module's namespace comes after the loop ran its loading until
  // `deadline`. *esm tells which.
  v8::MaybeLocal<v8::Value> LoadEntry(v8::Local<v8::Context> context,
                                      const std::filesystem::path& entry,
                                      v8::Local<v8::Object> duet,
                                      absl::Time deadline, bool* esm);

  // Any thread: the loop looks for work now.
  void Wake();
  // Whether the calling thread is this environment's loop thread.
  bool OnLoopThread() const { return IsLoopThreadOf(this); }
  // The same for `environment`, which may be gone (only compared).
  static bool IsLoopThreadOf(const NodeEnvironment* environment);
  // The exit code once the script ended the environment (process.exit(),
  // an uncaught exception); its code no longer runs.
  std::optional<int> exit_code() const;

  // Any thread: a loop visit is being stopped (time limit, Interrupt):
  // the environment ends as by process.exit(kStoppedExitCode) so Node
  // makes no more calls into JavaScript.
  static constexpr int kStoppedExitCode = 124;
  void EndForStop();

  // Teardown, in this order (see above).
  void StopLoop();
  void FreeUnderLock();
  void Unregister();

 private:
  NodeEnvironment() = default;
  void RunLoop(Engine* engine, absl::Duration visit_limit);
  // Isolate locked: runs what is ready (libuv, platform tasks, ticks).
  void RunOnce();

  uv_loop_s* loop_ = nullptr;
  uv_async_s* wake_ = nullptr;
  v8::Isolate* isolate_ = nullptr;
  node::IsolateData* isolate_data_ = nullptr;
  node::Environment* env_ = nullptr;
  v8::Global<v8::Object> process_;
  v8::Global<v8::Function> native_require_;
  std::thread loop_thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> exit_code_{-1};
  bool registered_ = false;
};

}  // namespace duet::js

#endif  // DUET_BINDINGS_JAVASCRIPT_NODE_ENVIRONMENT_H_
