// One V8 isolate with its context, stopping, the heap cap and error
// conversion. It owns the isolate's ModuleLoader (module_loader.h: ES
// modules + CommonJS); the native side of the in-script `duet` API is in
// duet_api.h. Each Implementation and each REPL session owns one Engine, so
// a plugin can be stopped alone.
//
// Locking: every entry takes an EngineScope (v8::Locker first). Every call
// from JavaScript out to HostServices runs under a v8::Unlocker
// (HostCallScope, the engine::EngineLock of engine::CallOut), after its
// arguments are converted and before its result is.
//
// Stopping: each EngineScope is a Frame registered with its engine
// (engine::FrameList). A stop request (deadline, Runtime::Interrupt) marks
// frames; the frame that is running JavaScript (holds the lock) gets a V8
// interrupt that records where it is and terminates it; a frame waiting in
// a host call is terminated, its stack recorded, when it takes the lock
// back. The heap limit terminates at once. A frame cancels the termination
// it received before it ends, so a stop never leaks into a later call; its
// status is engine::StopStatus with the recorded stack.
#ifndef DUET_BINDINGS_JAVASCRIPT_ENGINE_H_
#define DUET_BINDINGS_JAVASCRIPT_ENGINE_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "duet/engine/call_out.h"
#include "duet/engine/frames.h"
#include "duet/engine/function_owner.h"
#include "duet/engine/stop.h"
#include "duet/error.h"
#include "duet/internal/spin_lock.h"
#include "duet/internal/watchdog.h"
#include "duet/runtime.h"
#include "javascript/budget_allocator.h"
#include "javascript/event_loop.h"
#include "javascript/module_loader.h"
#include "javascript/thread_state.h"
#include "v8.h"

namespace duet::js {

// Isolates created by Engine::Create and not yet disposed, process-wide.
int64_t LiveIsolates();

// Initialises V8 once per process; later calls are no-ops.
void EnsureV8Initialized();

class Engine;
class ModuleLoader;
class NodeEnvironment;
struct ForeignFunction;
class EngineScope;

// The JavaScript functions an engine handed out as Values
// (engine/function_owner.h); a handle is a v8::Global<v8::Function>*.
class JsFunctionOwner : public engine::FunctionOwner {
 public:
  JsFunctionOwner(Engine& engine, std::string module)
      : FunctionOwner(Language::kJavaScript, std::move(module)),
        engine_(engine) {}
  // Valid while a call counted by Enter() runs.
  Engine& engine() const { return engine_; }

 private:
  void ReleaseHandle(void* handle) override;
  void DrainUnderLock() override;

  Engine& engine_;
};

using engine::StopReason;
using internal::SpinLock;
using internal::SpinLockHolder;

// The live engines of one runtime, for Runtime::Interrupt, and the
// destructions of its engines posted to the scheduler (DestroyEngine), for
// the runtime's end. Shared by the runtime and its engines, so either may
// go first.
class EngineRegistry : public std::enable_shared_from_this<EngineRegistry> {
 public:
  void Add(Engine* engine);
  void Remove(Engine* engine);
  // Interrupts every frame running in any engine now.
  void InterruptAll();

  // Destroys `engine` on a scheduler thread, listed until it is gone.
  void PostDestruction(std::unique_ptr<Engine> engine);
  // Returns once every destruction posted so far has ended: one no
  // scheduler thread has begun is done here, one under way is waited for.
  // Except those of an engine this thread is inside: they wait for it.
  // The runtime's destructor calls it, so no engine outlives the host's
  // services (its log sink) that a Node.js teardown may still use.
  void FinishDestructions();

 private:
  struct Doomed {
    uint64_t id;
    // Null once a thread is destroying it.
    std::unique_ptr<Engine> engine;
    // For Engine::InsideOnThisThread(engine, node) once it is being
    // destroyed: compared, never followed.
    const Engine* address;
    const NodeEnvironment* node;
  };
  // Destroys posted destruction `id` unless another thread took it.
  void DestroyPosted(uint64_t id);
  // Takes `doomed`'s engine, destroys it with the mutex released, and
  // drops the entry.
  void DestroyDoomed(std::list<Doomed>::iterator doomed)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(doomed_mutex_);

  absl::Mutex mutex_;
  std::vector<Engine*> engines_ ABSL_GUARDED_BY(mutex_);
  absl::Mutex doomed_mutex_;
  std::list<Doomed> doomed_ ABSL_GUARDED_BY(doomed_mutex_);
  absl::CondVar doomed_gone_;
  uint64_t next_doomed_ ABSL_GUARDED_BY(doomed_mutex_) = 0;
};

class Engine {
 public:
  // `root` bounds module resolution: the plugin's directory, or a
  // single-file plugin's file (it imports nothing but "duet"); empty for the
  // REPL (no file modules).
  // `log_source` names the plugin in log lines. `memory_mb` caps the heap
  // (clamped to 16 TiB; 0 or less: V8's default); running over it
  // terminates the running code and marks the engine exhausted() instead of
  // aborting the process (javascript_runtime.h "Memory" for the limits).
  // `value_budget_bytes` caps each value converted out of the engine
  // (ImplementationSpec::value_budget_bytes; 0: none).
  // `node`: a trusted engine whose isolate and context come from a Node.js
  // environment (node_environment.h); its entry loads through Node.
  static absl::StatusOr<std::unique_ptr<Engine>> Create(
      HostServices& services, std::string log_source,
      std::filesystem::path root, bool repl, int64_t memory_mb = 0,
      size_t value_budget_bytes = 0,
      std::shared_ptr<EngineRegistry> registry = nullptr, bool node = false);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  static Engine* From(v8::Isolate* isolate);

  v8::Isolate* isolate() const { return isolate_; }
  v8::Local<v8::Context> context() const { return context_.Get(isolate_); }
  HostServices& services() const { return services_; }
  // The Node.js environment of a trusted engine; null otherwise.
  NodeEnvironment* node() const { return node_.get(); }
  const std::string& log_source() const { return log_source_; }

  // ---- stopping ----

  // One entry into the isolate on one thread (see EngineScope). Frames of
  // one thread chain through links.outer (engine::ThreadFrames, any
  // engine); an engine lists its live frames (engine::FrameList, guarded by
  // stop_mutex_).
  struct Frame {
    Engine* engine = nullptr;
    engine::FrameLinks<Frame> links;
    StopReason stop = StopReason::kNone;
    // Set with `stop` (under stop_mutex_), read without it: nearly every
    // check finds no stop and so skips the lock.
    std::atomic<bool> stopped{false};
    bool in_js = true;        // holds the lock (not in a host call)
    bool terminated = false;  // TerminateExecution was requested for it
    // Where the frame's JavaScript was when the stop reached it.
    std::vector<StackFrame> stopped_at;
    // The entry's deadline, which conversions for calls it makes obey too.
    absl::Time deadline = absl::InfiniteFuture();
    // A visit of a trusted engine's Node.js loop (node_environment.h).
    bool node_loop = false;
    // An EngineHold's kept frame between its calls (HeldCallScope): it
    // stays listed, but no stop (Interrupt, the heap limit) reaches it.
    // Written by its thread, read under stop_mutex_.
    std::atomic<bool> idle{false};
  };
  // The innermost frame of this engine on the calling thread, or null.
  Frame* CurrentFrame() const;
  // Whether the calling thread is inside this engine: a frame of it is on
  // the thread, or the thread is its Node.js loop thread.
  bool InsideOnThisThread() const;
  // The same for the engine at `engine` with Node.js environment `node`
  // (or null), which may be being destroyed: the addresses are only
  // compared.
  static bool InsideOnThisThread(const Engine* engine,
                                 const NodeEnvironment* node);
  // Stops `frame` (first reason wins). Any thread; `frame` must be live.
  void Stop(Frame* frame, StopReason reason);
  // Stops every live frame with kInterrupt. Any thread.
  void Interrupt();
  // The heap limit was reached: the isolate must not run code again.
  bool exhausted() const { return exhausted_.load(std::memory_order_acquire); }
  // When V8 started marking with the heap over the cap, runs a full GC now
  // (which marks the engine exhausted if the cap is still exceeded). Costs
  // one atomic load otherwise. Call with the isolate entered.
  void CheckHeapIfSuspect();
  bool over_cap_suspect() const {
    return over_cap_suspect_.load(std::memory_order_relaxed);
  }
  // The status a frame stopped for `reason` returns (engine::StopStatus),
  // with the stack where it stopped.
  absl::Status StopStatus(StopReason reason,
                          std::vector<StackFrame> stopped_at = {}) const;
  // The status of the calling thread's frame when it was stopped (with its
  // stack), else OK.
  absl::Status CurrentFrameStopStatus();

  // ---- exported functions (owned here so they die with the isolate) ----

  struct Export {
    v8::Global<v8::Function> function;
    v8::Global<v8::Value> receiver;
  };
  std::vector<Export>& exports() { return exports_; }

  // ---- errors ----

  // The exception caught by `try_catch` as a status: the original status
  // for an error that came from HostServices (JS frames appended), else a
  // ScriptError with `code`. kDeadlineExceeded when execution was terminated.
  absl::Status StatusFromTryCatch(
      v8::TryCatch& try_catch,
      absl::StatusCode code = absl::StatusCode::kUnknown);
  // Same for an exception value without a TryCatch (a rejected Promise).
  absl::Status StatusFromException(
      v8::Local<v8::Value> exception, v8::Local<v8::Message> message,
      absl::StatusCode code = absl::StatusCode::kUnknown);
  // A compile/link failure: kInvalidArgument "file:line:col: Type: message"
  // with a ScriptError payload carrying the source line.
  absl::Status SyntaxErrorStatus(v8::TryCatch& try_catch);
  // Throws `status` into JavaScript as an Error (name = ScriptError type or
  // "DuetError"; .code; .language) that remembers the original status.
  void ThrowStatus(const absl::Status& status);
  // The exception ThrowStatus would throw, as a value (a Promise's
  // rejection).
  v8::Local<v8::Value> ExceptionFor(const absl::Status& status);
  // Whether `exception` was thrown by ThrowStatus (so is a duet.Error).
  bool CarriesStatus(v8::Local<v8::Value> exception) {
    return CarriedStatus(exception).has_value();
  }

  // Runs the microtask queue. When the calling thread's frame was stopped
  // meanwhile (a deadline, an interrupt or the heap limit terminated an
  // endless chain), returns the stop's status: the work did not complete.
  absl::Status RunMicrotasks();

  // Runs microtasks, then unwraps `*value` when it is a Promise: fulfilled
  // -> its value; rejected -> the rejection as a status; pending ->
  // kFailedPrecondition naming `what` (a module's top-level await, which
  // cannot wait for timers).
  absl::Status Settle(v8::Local<v8::Value>* value, std::string_view what);

  // ---- the event loop (timers, awaiting calls; event_loop.h) ----

  EventLoop& loop() { return *loop_; }
  // Caps each value converted out of the engine (0: none).
  size_t value_budget_bytes() const { return value_budget_bytes_; }

  // ---- function values (docs/values.md "Functions") ----

  // A function met while converting to duet: the original Callable for a
  // function this engine made for one (FunctionToV8), else a new function
  // Value that holds `function` here until its last copy goes.
  Value::CallablePtr FunctionValue(v8::Local<v8::Function> function);
  // A function Value arriving here: the original function when it is one
  // of this engine's, else a JavaScript function that calls it through
  // engine::CallOut under the caller's deadline. Empty when V8 could not
  // make one (out of memory).
  v8::MaybeLocal<v8::Function> FunctionToV8(const Value::CallablePtr& callable);
  // Calls `function` inside `scope` as an exported function is called:
  // converts the arguments, runs the microtasks, settles a Promise (`what`
  // names the function in that message), converts the result under the
  // value budget. The status of a stop, when the entry was stopped. A
  // Promise still pending goes to `*pending` when it is given (the caller
  // awaits it on the event loop, and the Value returned means nothing);
  // without it, it is settled by a microtask checkpoint only.
  // `scope` is an EngineScope or a HeldCallScope.
  template <typename Scope>
  absl::StatusOr<Value> CallFunction(Scope& scope,
                                     v8::Local<v8::Function> function,
                                     v8::Local<v8::Value> receiver,
                                     absl::Span<const Value> args,
                                     absl::Time deadline, std::string_view what,
                                     v8::Local<v8::Promise>* pending = nullptr);
  // Handles held for function Values (JavaScript functions handed out, and
  // wrappers of functions from elsewhere still alive in the heap).
  size_t FunctionHandleCount() const;

  // ---- modules ----

  // The implementation's modules (module_loader.h).
  ModuleLoader& loader() { return *loader_; }
  // The object the "duet" module exports.
  v8::Local<v8::Object> duet_api() const { return duet_.Get(isolate_); }
  // plugin.toml's [permissions] (ImplementationSpec::permissions) and the
  // plugin folder relative `fs` paths resolve against, for the fs natives
  // (fs_natives.h). Set before the entry runs; empty: nothing granted.
  void set_permissions(Permissions permissions, std::filesystem::path folder) {
    permissions_ = std::move(permissions);
    permissions_folder_ = std::move(folder);
  }
  const Permissions& permissions() const { return permissions_; }
  const std::filesystem::path& permissions_folder() const {
    return permissions_folder_;
  }
  // The exports of library module `name` (library.h), run on first use;
  // empty with an exception pending when it throws or does not exist.
  v8::MaybeLocal<v8::Value> RequireLibrary(std::string_view name);

  // ---- calls out (the duet API, duet_api.h) ----

  // Converts JS arguments, calls `fn` with the isolate unlocked
  // (engine::CallOut), converts the result (or throws). When `foreign` is
  // given and `fn` started a call (foreign->started), the result is a
  // Promise for it instead.
  void CallOut(
      const v8::FunctionCallbackInfo<v8::Value>& info, int first_arg,
      absl::FunctionRef<absl::StatusOr<Value>(absl::Span<const Value>)> fn,
      const std::shared_ptr<EventLoop::Foreign>& foreign = nullptr);
  // Calls `module.function` with the callback's arguments from `first_arg`
  // (HostServices::CallModuleOrStart): an async function gives the script
  // a Promise, settled on the event loop when the call ends; a script
  // stopped meanwhile cancels it.
  void CallModuleOut(const v8::FunctionCallbackInfo<v8::Value>& info,
                     int first_arg, std::string_view module,
                     std::string_view function);

  // What a function bound to duet.modules.M.F / duet.host.F calls; the
  // proxies cache those functions, so this grows with distinct names only.
  struct BoundName {
    std::string module;  // empty for host functions
    std::string function;
  };

  // A name for a bound function; lives as long as the engine.
  const BoundName* BindName(std::string module, std::string function);

  // Stops every frame and marks the engine exhausted (heap over the cap).
  void MarkExhausted();

  // ---- REPL ----

  // The module proxy duet.modules.NAME.
  v8::Local<v8::Value> ModuleProxy(std::string_view name);
  // node-like util.inspect(value).
  std::string Inspect(v8::Local<v8::Value> value);

 private:
  Engine(HostServices& services, std::string log_source);
  // CallOut's arguments from `from` on (those before are scalars, done):
  // false with an exception pending (a getter's, or the failed
  // conversion's status) when one fails.
  bool ConvertArguments(const v8::FunctionCallbackInfo<v8::Value>& info,
                        int first_arg, int from,
                        const engine::CallerLimits& limits,
                        absl::InlinedVector<Value, 4>& args);
  absl::Status Init(bool repl);

  friend class EngineScope;
  friend class EngineHold;
  friend class HeldCallScope;
  friend class HostCallScope;
  friend void DestroyEngine(std::unique_ptr<Engine> engine);
  // Records `reason` as `frame`'s stop (the first reason wins).
  void RecordStop(Frame* frame, StopReason reason)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(stop_mutex_);
  // The status `frame`, this thread's, returns for its stop; OK when it
  // was not stopped.
  absl::Status FrameStopStatus(const Frame& frame) const;
  void EnterFrame(Frame* frame);
  void LeaveFrame(Frame* frame);
  // An EngineHold's kept frame: listed once for the hold's life, and made
  // the thread's current frame for each call (HeldCallScope).
  void ListKeptFrame(Frame* frame);
  void UnlistKeptFrame(Frame* frame);
  void BeginKeptFrame(Frame* frame);
  void EndKeptFrame(Frame* frame);
  // Drops the stop recorded for a kept frame (and cancels the termination
  // it received), so it reaches no later call.
  void ClearKeptStop(Frame* frame);
  void Terminate(Frame* frame) ABSL_EXCLUSIVE_LOCKS_REQUIRED(stop_mutex_);
  // Has `frame`, which runs JavaScript now, look where it is and terminate
  // at its next interrupt check (TerminateAtInterrupt).
  void RequestStop(Frame* frame) ABSL_EXCLUSIVE_LOCKS_REQUIRED(stop_mutex_);
  static void TerminateAtInterrupt(v8::Isolate* isolate, void* data);
  // Records where this thread's JavaScript is as the stop point of
  // `frame`, then terminates it; the lock is held by this thread.
  void CaptureAndTerminate(Frame* frame);
  // This thread's JavaScript stack now, innermost first.
  std::vector<StackFrame> CurrentStack();
  std::vector<StackFrame> FramesFromTrace(v8::Local<v8::StackTrace> trace,
                                          int count);
  static void GcEpilogue(v8::Isolate* isolate, v8::GCType type,
                         v8::GCCallbackFlags flags, void* data);
  static void MarkingStarts(v8::Isolate* isolate, v8::GCType type,
                            v8::GCCallbackFlags flags, void* data);
  static size_t NearHeapLimit(void* data, size_t current_heap_limit,
                              size_t initial_heap_limit);
  static void CallForeign(const v8::FunctionCallbackInfo<v8::Value>& info);
  static void ForeignGone(const v8::WeakCallbackInfo<ForeignFunction>& info);

  std::vector<StackFrame> FramesOf(v8::Local<v8::Value> exception,
                                   v8::Local<v8::Message> message);
  // The status a value thrown by ThrowStatus carries.
  std::optional<absl::Status> CarriedStatus(v8::Local<v8::Value> exception);
  // A thrown value as a ScriptError without its cause; *cause is set to the
  // error's own `cause`, if it has one.
  ScriptError DescribeException(v8::Local<v8::Value> exception,
                                v8::Local<v8::Message> message,
                                v8::Local<v8::Value>* cause);
  // The causes from `cause` on (`exception`'s own), docs/errors.md.
  std::shared_ptr<const ScriptError> CauseChain(v8::Local<v8::Value> exception,
                                                v8::Local<v8::Value> cause);
  // The error object ThrowStatus throws for `status` (`error` its
  // ScriptError, or null), its causes included.
  v8::Local<v8::Object> ErrorObject(const absl::Status& status,
                                    const ScriptError* error, int depth);

  HostServices& services_;
  std::string log_source_;
  Permissions permissions_;
  std::filesystem::path permissions_folder_;
  std::unique_ptr<NodeEnvironment> node_;
  v8::Isolate* isolate_ = nullptr;
  v8::Global<v8::Context> context_;
  v8::Global<v8::Private> status_key_;
  // On a function made for a Value from elsewhere: its ForeignFunction.
  v8::Global<v8::Private> callable_key_;
  v8::Global<v8::Object> duet_;
  v8::Global<v8::Function> inspect_;
  v8::Global<v8::Function> module_proxy_;
  v8::Global<v8::Function> require_library_;
  // The built-in error classes (Error, TypeError, ...) as the context made
  // them, before any script could replace them.
  struct ErrorClass {
    std::string_view name;
    v8::Global<v8::Function> constructor;
    v8::Global<v8::Value> prototype;
  };
  std::vector<ErrorClass> error_classes_;

  std::deque<BoundName> bound_names_;
  std::unique_ptr<ModuleLoader> loader_;
  std::vector<Export> exports_;
  // Shared with the scheduler's tasks, which find it closed once the
  // engine is going.
  std::shared_ptr<EventLoop> loop_;

  int64_t memory_mb_ = 0;
  size_t value_budget_bytes_ = 0;
  // The heap may hold this much after a full GC (memory_mb, clamped, or
  // V8's default); V8's own limit is higher (engine.cc kHeadroomBytes).
  size_t cap_bytes_ = 0;
  // Set when marking starts over the cap; a full GC then decides.
  std::atomic<bool> over_cap_suspect_{false};
  // Outlives the isolate (handed over with it, see thread_state.h).
  BudgetAllocatorPtr allocator_;
  std::shared_ptr<EngineRegistry> registry_;
  std::shared_ptr<ParkedThreads> parked_;
  std::atomic<bool> exhausted_{false};
  // Functions handed out as Values; killed (and waited for) first when the
  // engine goes.
  std::shared_ptr<JsFunctionOwner> functions_;
  // Wrappers of foreign functions alive in the heap; guarded by the lock.
  absl::flat_hash_set<ForeignFunction*> foreign_;
  // External memory reported for wrappers V8 collected since the last
  // entry; given back to V8's count outside the GC (SettleExternalMemory).
  int64_t foreign_freed_bytes_ = 0;
  // Gives V8 back the external memory of collected wrappers. Lock held.
  void SettleExternalMemory();
  // External memory (V8's count) when results last asked for a collection,
  // or less if V8 collected since (CollectExternalResults).
  int64_t external_bytes_collected_at_ = 0;
  // After a result converted to a non-scalar: when V8's external memory
  // (large strings the results hand over) grew by kExternalResultBytes since
  // the last collection, collects garbage. Lock held.
  void CollectExternalResults();
  // A full GC, now (a critical memory-pressure notification). Lock held.
  void CollectGarbage();
  // What the script's heap holds against cap_bytes_: V8's heap plus the
  // external memory reported to it. Lock held.
  size_t HeldBytes() const;
  mutable SpinLock stop_mutex_;
  engine::FrameList<Frame> frames_ ABSL_GUARDED_BY(stop_mutex_);
};

// Destroys `engine` now, or on a scheduler thread when this thread is inside
// it (a frame of it on this thread, or its Node.js loop thread): a timer
// callback that calls its own module through the host, while the module is
// reloaded, ends that call holding the last reference. An engine cannot
// join its own loop thread, nor free its isolate under its own frames.
void DestroyEngine(std::unique_ptr<Engine> engine);

// The engine lock for a host call (engine/call_out.h): Release marks the
// thread's frame as waiting and unlocks; Reacquire (or the destructor) takes
// the lock back and, when the frame was stopped meanwhile, terminates it
// where it is before JavaScript resumes.
class HostCallScope : public engine::EngineLock {
 public:
  // `release`: release the lock now (for a scope around a host call).
  explicit HostCallScope(Engine& engine, bool release = true);
  // Not released yet, for `frame`: the thread's current frame in `engine`
  // (Engine::CurrentFrame), which the caller found already.
  HostCallScope(Engine& engine, Engine::Frame* frame);
  ~HostCallScope() override;
  HostCallScope(const HostCallScope&) = delete;
  HostCallScope& operator=(const HostCallScope&) = delete;

  void Release() override;
  StopReason Reacquire() override;

 private:
  Engine& engine_;
  Engine::Frame* frame_;
  std::optional<v8::Unlocker> unlocker_;
};

// An engine's lock kept by a thread between entries (Implementation::
// HoldLock): the Locker and the isolate entered, so each EngineScope the
// thread opens meanwhile takes them again cheaply; a HandleScope holding a
// handle, so theirs reuse its block of handles instead of allocating one
// each; and the engine's context entered, which an EngineScope opened
// straight under the hold (none open below it) need not enter again.
// Counts as an engine lock (engine::EngineLockTaken).
//
// It also keeps the frame its calls run in (HeldCallScope), listed in the
// engine once for the hold's life.
class EngineHold {
 public:
  explicit EngineHold(Engine& engine);
  ~EngineHold();
  EngineHold(const EngineHold&) = delete;
  EngineHold& operator=(const EngineHold&) = delete;

  Engine& engine() const { return engine_; }

 private:
  friend class EngineScope;
  friend class HeldCallScope;
  Engine& engine_;
  ThreadRecord* record_ = nullptr;
  v8::Locker locker_;
  v8::Isolate::Scope isolate_scope_;
  v8::HandleScope handles_;
  v8::Local<v8::Context> context_;
  v8::Context::Scope context_scope_;
  Engine::Frame frame_;
  // A call of this hold is running (HeldCallScope).
  bool busy_ = false;
};

// Enters an engine: Locker, Isolate::Scope, HandleScope, Context::Scope, and
// a Frame that can be stopped; arms the watchdog for `deadline`. Sets the
// thread's JavaScript stack limit from the real remaining thread stack.
class EngineScope {
 public:
  explicit EngineScope(Engine& engine,
                       absl::Time deadline = absl::InfiniteFuture());
  ~EngineScope();
  EngineScope(const EngineScope&) = delete;
  EngineScope& operator=(const EngineScope&) = delete;

  v8::Local<v8::Context> context() const { return context_; }
  // Why this entry was stopped, if it was.
  StopReason stop_reason() const;
  // The status this entry returns for its stop (with where it stopped); OK
  // when it was not stopped.
  absl::Status stop_status() const;

 private:
  friend class EngineHold;
  static v8::Isolate* Prepare(Engine& engine, ThreadRecord** record);

  friend class HeldCallScope;

  // The Locker and the isolate entered for one entry. Both are left out
  // straight under an EngineHold of this thread (no scope of the engine
  // open below, so no Unlocker of it either) while its isolate is the
  // thread's current one: they would only count a nested take.
  struct EntryLock {
    EntryLock(Engine& engine, ThreadRecord** record, const EngineHold* hold);
    std::optional<v8::Locker> locker;
    std::optional<v8::Isolate::Scope> isolate_scope;
  };

  engine::OpenEntry open_;  // counts this entry as open on its thread
  Engine& engine_;
  ThreadRecord* record_ = nullptr;
  EntryLock lock_;
  v8::HandleScope handles_;
  v8::Local<v8::Context> context_;
  // Empty when an EngineHold of this thread entered the context and no
  // other scope is open on the isolate here: entering it again would
  // change nothing.
  std::optional<v8::Context::Scope> context_scope_;
  Engine::Frame frame_;
  // Only for a finite deadline: most entries have none, and a Ticket's
  // out-of-line Disarm would run twice for each.
  std::optional<internal::Watchdog::Ticket> ticket_;
};

// One call through an EngineHold (a held scope's kept lock), entered as an
// EngineScope straight under the hold enters, but in the hold's frame: it
// stays in the engine's list of frames for the hold's life instead of being
// listed and unlisted per call (two spin-lock takes). Per call it is made
// the thread's current frame (so Engine::InsideOnThisThread and
// DestroyEngine see the call, and only while it runs), its deadline armed
// when finite, and a stop recorded as the last call ended is dropped.
// Between calls the frame is idle: Interrupt() and the heap limit pass it
// by, so a stop made between two calls stops neither. Only when the hold's
// frame is not busy (Usable): a call of the hold made while one runs (from
// inside the engine) takes an ordinary EngineScope.
class HeldCallScope {
 public:
  HeldCallScope(EngineHold& hold, absl::Time deadline);
  ~HeldCallScope();
  HeldCallScope(const HeldCallScope&) = delete;
  HeldCallScope& operator=(const HeldCallScope&) = delete;

  static bool Usable(const EngineHold& hold) { return !hold.busy_; }

  v8::Local<v8::Context> context() const { return hold_.context_; }
  // As EngineScope's.
  absl::Status stop_status() const {
    if (!hold_.frame_.stopped.load(std::memory_order_acquire)) {
      return absl::OkStatus();
    }
    return hold_.engine_.FrameStopStatus(hold_.frame_);
  }

 private:
  engine::OpenEntry open_;  // counts this call as open on its thread
  EngineHold& hold_;
  ThreadRecord* record_ = nullptr;
  EngineScope::EntryLock lock_;
  v8::HandleScope handles_;
  // Entered only when another scope is open on the isolate here (the
  // hold entered it for those straight under it).
  std::optional<v8::Context::Scope> context_scope_;
  std::optional<internal::Watchdog::Ticket> ticket_;
};

}  // namespace duet::js

#endif  // DUET_BINDINGS_JAVASCRIPT_ENGINE_H_
