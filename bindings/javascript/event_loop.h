// An isolate's event loop: the timers (setTimeout, setInterval,
// clearTimeout, clearInterval; queueMicrotask is V8's own queue) and the
// calls awaiting a Promise. One per Engine.
//
// Nothing waits on a thread. A timer is an entry in this loop; when the
// earliest is due, a task on the shared scheduler (engine/scheduler.h)
// enters the isolate like any call -- EngineScope: the v8::Locker, a Frame
// that Interrupt stops, a deadline (the engine's timer limit, the plugin's
// load limit) -- and runs every due callback, each followed by the
// microtasks it queued. A call whose export returned a pending Promise
// leaves the isolate (releasing the lock, so other calls and timers run in
// it) and registers here: its completion runs, on a scheduler thread and
// with no engine lock held, once the Promise settles, its deadline passes
// (kDeadlineExceeded) or Interrupt stops it (kCancelled). A call that ends
// by its deadline or Interrupt takes with it the timers it started (and the
// ones they started): they never fire.
//
// Locking: the timer and call tables are touched only with the isolate
// locked; mutex_ guards what other threads read (the calls still pending,
// whether a scheduler task is queued, whether the engine is going).
#ifndef DUET_BINDINGS_JAVASCRIPT_EVENT_LOOP_H_
#define DUET_BINDINGS_JAVASCRIPT_EVENT_LOOP_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "duet/engine/stop.h"
#include "duet/internal/watchdog.h"
#include "duet/log.h"
#include "duet/runtime.h"
#include "duet/value.h"
#include "v8.h"

namespace duet::js {

class Engine;

// What a call awaiting a Promise runs when it ends. Called exactly once, on
// a scheduler thread, with no engine lock held.
using Completion = std::function<void(absl::StatusOr<Value>)>;

class EventLoop : public std::enable_shared_from_this<EventLoop> {
 public:
  explicit EventLoop(Engine& engine) : engine_(&engine) {}
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Installs setTimeout, setInterval, clearTimeout, clearInterval and
  // queueMicrotask on the context's global object. Isolate locked.
  static bool InstallGlobals(v8::Local<v8::Context> context);

  // How long one visit of the scheduler (due timers and their microtasks)
  // may run before it is stopped; infinite for none. Set before any timer.
  void set_timer_limit(absl::Duration limit) { timer_limit_ = limit; }

  // ---- isolate locked ----

  // A new call number. Timers started while `owner` is current belong to
  // that call (OwnerScope); 0 is no call.
  uint64_t NewCall() { return next_call_++; }
  class OwnerScope {
   public:
    OwnerScope(EventLoop& loop, uint64_t owner)
        : loop_(loop), outer_(std::exchange(loop.owner_, owner)) {}
    ~OwnerScope() { loop_.owner_ = outer_; }
    OwnerScope(const OwnerScope&) = delete;
    OwnerScope& operator=(const OwnerScope&) = delete;

   private:
    EventLoop& loop_;
    uint64_t outer_;
  };

  // Has call `call` wait for `promise` (pending) without a thread: `done`
  // gets its value converted (within `deadline` and `budget_bytes`), its
  // rejection as a status, or the stop status at `deadline` or at
  // Interrupt.
  void Await(uint64_t call, v8::Local<v8::Promise> promise, absl::Time deadline,
             size_t budget_bytes, Completion done);

  // ---- calls to other modules' async functions (Engine::CallModuleOut) ----

  // One such call; the script gets a Promise for it once it started.
  struct Foreign {
    uint64_t id = 0;
    uint64_t owner = 0;    // the call it belongs to, as a timer does
    bool started = false;  // set by HostServices::CallModuleOrStart
    bool in_use = false;   // isolate locked: taken by a call not returned
    std::shared_ptr<CallCancellation> cancellation =
        std::make_shared<CallCancellation>();
    std::weak_ptr<EventLoop> loop;
    // Guarded by the loop's mutex_: its result, until the Promise has it;
    // abandoned once nothing will read it.
    std::optional<absl::StatusOr<Value>> result;
    bool abandoned = false;
  };
  // Isolate locked: a call about to be made, owned by the current call:
  // the loop's spare, or a new one in `*own`. Given back with
  // foreign.in_use = false (isolate locked) once the call returned.
  const std::shared_ptr<Foreign>& TakeForeign(std::shared_ptr<Foreign>* own);
  // What the host runs when the started call ends (any thread): the
  // Promise is settled on a scheduler visit.
  static Completion ForeignCompletion(std::shared_ptr<Foreign> foreign);
  // Isolate locked, right after the call started: the script's Promise.
  // False (the call cancelled) when V8 could not make one.
  bool AdoptForeign(const std::shared_ptr<Foreign>& foreign,
                    v8::Local<v8::Promise>* promise);

  // ---- any thread, no engine lock ----

  // Ends every awaiting call with kCancelled (Runtime::Interrupt).
  void InterruptCalls();
  // Ends awaiting call `call` with kCancelled (its caller cancelled it:
  // CallCancellation).
  void Cancel(uint64_t call);

  // The engine is going (Engine::~Engine, isolate not locked): no scheduler
  // task enters it after this returns (one running now is waited for).
  void Close();
  // Then, isolate locked: drops every timer; an awaiting call left (none
  // should be: a call keeps its engine) ends with kCancelled.
  void DropAll();

 private:
  struct Timer {
    absl::Time due;
    absl::Duration interval;  // zero for a setTimeout
    uint64_t owner = 0;
    v8::Global<v8::Function> callback;
    std::vector<v8::Global<v8::Value>> args;
  };
  struct PendingCall {
    absl::Time deadline;
    size_t budget_bytes = 0;
    internal::Watchdog::Ticket ticket;
  };

  static void SetTimer(const v8::FunctionCallbackInfo<v8::Value>& info,
                       bool repeat);
  static void ClearTimer(const v8::FunctionCallbackInfo<v8::Value>& info);
  static void QueueMicrotask(const v8::FunctionCallbackInfo<v8::Value>& info);
  static void Settled(const v8::FunctionCallbackInfo<v8::Value>& info,
                      bool fulfilled);
  static EventLoop* From(v8::Isolate* isolate);

  // Any thread: `foreign` ended with `result`.
  void ForeignSettled(const std::shared_ptr<Foreign>& foreign,
                      absl::StatusOr<Value> result);
  // A scheduler task: settles the Promises of the calls that ended.
  void SettleForeign();
  // Isolate locked: settles `resolver` with `result`.
  void Resolve(v8::Local<v8::Promise::Resolver> resolver,
               absl::StatusOr<Value> result);
  // Isolate locked: cancels the calls `call` made and still awaits.
  void CancelForeignOf(uint64_t call);

  // Isolate locked: drops timer `id` (from timers_ and queue_).
  void Remove(uint64_t id);
  // Isolate locked: drops the timers of `call`.
  void RemoveTimersOf(uint64_t call);
  // Isolate locked: makes sure a scheduler task comes when the earliest
  // timer is due.
  void Reschedule();
  // A scheduler task: runs the due timers.
  void Visit();
  using Logs = std::vector<std::pair<LogLevel, std::string>>;
  // Isolate locked: runs the due timers; what to log goes to *logs.
  void RunDueTimers(Logs* logs);
  // A scheduler task entering the isolate as a timer visit does (the timer
  // limit; its stop logged after `stopped_prefix`; logs written once the
  // isolate is left; the next visit queued; an exhausted isolate's
  // awaiting calls ended) to run `work`.
  void RunTask(std::string_view stopped_prefix,
               absl::FunctionRef<void(Engine&, Logs*)> work);
  // A scheduler task: call `call` ends for `reason` unless it settled.
  void Stop(uint64_t call, engine::StopReason reason);
  // Counts a scheduler task in the engine: the engine, or null once it is
  // closing.
  Engine* BeginTask();
  // Queues a Stop of every awaiting call.
  void StopAll(engine::StopReason reason);
  void EndTask();
  // Takes call `call`'s completion: null when its settling or its stop took
  // it first. Any thread.
  Completion Claim(uint64_t call);
  // Runs `done(result)` on a scheduler thread.
  static void Complete(Completion done, absl::StatusOr<Value> result);

  // Isolate locked.
  uint64_t owner_ = 0;
  uint64_t next_call_ = 1;
  uint64_t next_timer_ = 1;
  std::map<uint64_t, Timer> timers_;
  std::set<std::pair<absl::Time, uint64_t>> queue_;  // (due, timer id)
  std::map<uint64_t, PendingCall> calls_;
  uint64_t next_foreign_ = 1;
  // The last Foreign TakeForeign made, for reuse while it never started.
  std::shared_ptr<Foreign> spare_foreign_;
  struct AdoptedForeign {
    v8::Global<v8::Promise::Resolver> resolver;
    std::shared_ptr<Foreign> call;
  };
  std::map<uint64_t, AdoptedForeign> foreign_;  // by Foreign::id
  absl::Duration timer_limit_ = absl::InfiniteDuration();

  absl::Mutex mutex_;
  absl::CondVar idle_;
  Engine* engine_ ABSL_GUARDED_BY(mutex_);  // null once closed
  int tasks_running_ ABSL_GUARDED_BY(mutex_) = 0;
  // The earliest time a Visit is queued for (InfiniteFuture: none).
  absl::Time visit_at_ ABSL_GUARDED_BY(mutex_) = absl::InfiniteFuture();
  // The completions of calls awaiting, not yet claimed by their settling or
  // their stop.
  std::map<uint64_t, Completion> awaiting_ ABSL_GUARDED_BY(mutex_);
  // Foreign calls that ended, for the next SettleForeign.
  std::vector<std::shared_ptr<Foreign>> ended_foreign_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace duet::js

#endif  // DUET_BINDINGS_JAVASCRIPT_EVENT_LOOP_H_
