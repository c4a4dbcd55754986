// Calls into modules: which implementation runs, under which deadline, how
// deep calls may nest, and the [exports] argument and result checks. Also
// the count of work in flight that shutting a host down waits for.
#ifndef DUET_HOST_SRC_CALL_DISPATCH_H_
#define DUET_HOST_SRC_CALL_DISPATCH_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "duet/engine/held_lock.h"
#include "duet/host.h"
#include "duet/runtime.h"
#include "duet/value.h"
#include "module_registry.h"

namespace duet::internal {

// Counts calls, loads and evaluations in flight, and refuses new ones once
// the host is closing. Lock-free.
class CallGate {
 public:
  // Held for the length of one piece of work.
  class Pass {
   public:
    explicit Pass(CallGate& gate) : gate_(gate) {
      gate_.in_flight_.fetch_add(1, std::memory_order_seq_cst);
    }
    ~Pass() { gate_.in_flight_.fetch_sub(1, std::memory_order_seq_cst); }
    Pass(const Pass&) = delete;
    Pass& operator=(const Pass&) = delete;

    // kCancelled once the host is closing. Checked after counting, so the
    // closing host either sees this pass or this pass sees it closing.
    absl::Status Check() const { return gate_.CheckOpen(); }

   private:
    CallGate& gate_;
  };

  // A Pass on the stack of one thread. A call nested in another of the same
  // gate on this thread (a script's module call inside a Host::Call) is
  // counted by the enclosing pass, which outlives it: it only checks the
  // gate, saving two locked instructions per nested call.
  class ThreadPass {
   public:
    explicit ThreadPass(CallGate& gate)
        : gate_(gate), outer_(innermost_), counted_(outer_ != &gate) {
      if (counted_) {
        gate_.in_flight_.fetch_add(1, std::memory_order_seq_cst);
        innermost_ = &gate;
      }
    }
    ~ThreadPass() {
      if (counted_) {
        innermost_ = outer_;
        gate_.in_flight_.fetch_sub(1, std::memory_order_seq_cst);
      }
    }
    ThreadPass(const ThreadPass&) = delete;
    ThreadPass& operator=(const ThreadPass&) = delete;
    static void* operator new(size_t) = delete;  // its thread's stack only

    // As Pass::Check.
    absl::Status Check() const { return gate_.CheckOpen(); }

   private:
    CallGate& gate_;
    const CallGate* const outer_;
    const bool counted_;
  };

  void Close() { closing_.store(true, std::memory_order_seq_cst); }
  // kCancelled once Close() ran: a pass's Check, after it counted itself.
  absl::Status CheckOpen() const {
    if (closing_.load(std::memory_order_seq_cst)) {
      return absl::CancelledError("the host is shutting down");
    }
    return absl::OkStatus();
  }
  bool closing() const { return closing_.load(std::memory_order_seq_cst); }
  int64_t in_flight() const {
    return in_flight_.load(std::memory_order_seq_cst);
  }

 private:
  std::atomic<int64_t> in_flight_{0};
  std::atomic<bool> closing_{false};
  // The gate of this thread's innermost counted ThreadPass, if any.
  static inline thread_local const CallGate* innermost_ = nullptr;
};

class CallDispatcher;

// The part of a host that its duet::Function handles share, and that
// outlives the host while they do: its gate, and where to call once a pass
// of the gate checks out.
struct CallTarget {
  CallGate gate;
  // Valid while a CallGate::Pass of `gate` checks out: the host closes the
  // gate and waits for every pass before its dispatcher goes.
  const CallDispatcher* dispatcher = nullptr;
  // Set once the host is destroyed, so a handle can say so.
  std::atomic<bool> host_destroyed{false};
  // Engine locks kept by held scopes (HeldScope), on any thread: the host
  // waits for them to be let go before its engines go.
  std::atomic<int64_t> held_locks{0};
};

// Lets go every engine lock this thread keeps for a held scope of `target`
// (and those kept above them on this thread); their scopes take them again
// at their next call. For a host being destroyed on this thread.
void ReleaseThreadHolds(const CallTarget* target);

// What a duet::Function holds: a module and a function name, resolved to an
// entry of the module's current state at most once per state.
class BoundFunction {
 public:
  BoundFunction(std::shared_ptr<CallTarget> target, const Module& module,
                std::string function)
      : target_(std::move(target)),
        module_(module),
        module_name_(module.name()),
        function_(std::move(function)) {}

  // duet::Function::Call.
  absl::StatusOr<Value> Call(absl::Span<const Value> args,
                             const CallOptions& options) const;

  // OK while `pass` (of target().gate) lets calls in; else kCancelled, or
  // kFailedPrecondition once the host is gone.
  absl::Status CheckOpen(const CallGate::Pass& pass) const;
  CallTarget& target() const { return *target_; }
  const std::shared_ptr<CallTarget>& target_ptr() const { return target_; }

  // Valid while a pass of the host's gate checks out.
  const Module& module() const { return module_; }
  // Valid as long as this object, host or no host.
  const std::string& module_name() const { return module_name_; }
  const std::string& function() const { return function_; }

  // The function's entry in `state` (a state of this module), or null when
  // no implementation exports it. A hash lookup the first time per state,
  // then a cached position.
  const ModuleState::Function* Find(const ModuleState& state) const;

 private:
  const std::shared_ptr<CallTarget> target_;
  // Owned by the host's registry, which never removes a module: valid while
  // a pass of target_->gate checks out.
  const Module& module_;
  const std::string module_name_;
  const std::string function_;
  // The state id (high 40 bits) and slot (low 24 bits) of the last
  // resolution; 0 before the first. One word, so copies of the handle
  // calling on many threads read and replace it without a lock.
  mutable std::atomic<uint64_t> cached_slot_{0};
};

// One engine lock a thread keeps for a held scope, with the module state
// whose implementation it is (kept alive with it). Records live on their
// thread's stack of holds and are let go from its top, so engine scopes
// (V8's Locker and Isolate::Scope) end in the reverse order of their making
// however the scopes end.
struct HoldRecord {
  std::shared_ptr<CallTarget> target;
  std::shared_ptr<const ModuleState> state;
  Implementation* implementation = nullptr;
  std::unique_ptr<HeldEngineLock> lock;
  // `lock`, when it makes the scope's calls itself (else null).
  engine::CallingHeldLock* calling = nullptr;
  // Owning thread only: the lock was let go (its scope holds again at its
  // next call).
  bool released = false;
  // Its scope is done with it; set on any thread, honoured by the owning
  // thread when the record reaches the top of its stack.
  std::atomic<bool> ended{false};
};

// A call resolved to an implementation's export, with its deadline.
struct ResolvedCall {
  Implementation* implementation = nullptr;
  int index = -1;
  bool async = false;  // Implementation::IsAsync(index)
  Language language = Language::kPython;
  absl::Time deadline = absl::InfiniteFuture();
  bool own_deadline = false;  // earlier than the enclosing call's
  std::optional<absl::Duration> timeout;
  const ExportSpec* declared = nullptr;  // [exports] entry, if any
};

// What a held scope's last call resolved to, in a state whose
// implementation's lock the scope keeps (and so keeps the state alive).
struct KeptCall {
  const ModuleState* state = nullptr;  // null: nothing kept
  ResolvedCall call;  // its deadline is set afresh for each repeat
  // The state and the host set no time limit: a repeat with no timeout of
  // its own, outside any deadline, has none either.
  bool unlimited = false;
  // The kept lock, when it makes the calls itself (HoldRecord::calling).
  engine::CallingHeldLock* calling = nullptr;
};

// What a duet::HeldFunction holds: a resolved function and this thread's
// record of the engine lock its calls keep.
class HeldScope {
 public:
  explicit HeldScope(std::shared_ptr<const BoundFunction> bound);
  ~HeldScope();
  HeldScope(const HeldScope&) = delete;
  HeldScope& operator=(const HeldScope&) = delete;

  // duet::HeldFunction::Call.
  absl::StatusOr<Value> Call(absl::Span<const Value> args,
                             const CallOptions& options);
  // Function::Hold: takes the active implementation's lock now (when it
  // has started and keeps locks).
  absl::Status HoldNow();

  // The dispatcher's: the call about to run goes to `implementation` of
  // `state`; keeps that implementation's lock unless it is kept already.
  void Keep(const std::shared_ptr<const ModuleState>& state,
            Implementation* implementation);
  // The dispatcher's, after Keep: `call` (resolved in `state`) may be
  // repeated without resolving it again while this scope keeps that
  // state's lock (see kept_call_). `unlimited` as for KeptCall.
  void Remember(const ModuleState* state, const ResolvedCall& call,
                bool unlimited);

  const BoundFunction& bound() const { return *bound_; }

 private:
  // Whether this is the thread that made the scope.
  bool OnOwnThread() const;
  // Whether the next call, with `options`, goes where the last one went:
  // the lock is still kept, the module's state and the language it runs
  // in are the same. Owning thread, outside any engine.
  inline bool KeptCallHolds(const CallOptions& options) const;
  // A call of kept_call_ through kept_call_.calling with no time limit
  // anywhere: CallDispatcher::CallKept's work with no clock read and no
  // copy of the resolution unless there is something to conclude.
  absl::StatusOr<Value> CallKeptUnlimited(absl::Span<const Value> args);

  const std::shared_ptr<const BoundFunction> bound_;
  const void* const thread_;  // the making thread's marker
  std::shared_ptr<HoldRecord> record_;
  // The last call's resolution, valid while record_ keeps its lock and
  // kept_call_.state (record_->state) is the module's current state: a
  // Use or Reload publishes another state, or changes the active language,
  // and the next call resolves afresh.
  KeptCall kept_call_;
};

class CallDispatcher {
 public:
  // `default_timeout`: HostOptions::default_timeout.
  CallDispatcher(const ModuleRegistry& modules, absl::Duration default_timeout)
      : modules_(modules), default_timeout_(default_timeout) {}

  // Host::Call's contract (duet/host.h), for one call on this thread; the
  // caller holds a CallGate::Pass.
  absl::StatusOr<Value> Call(std::string_view module, std::string_view function,
                             absl::Span<const Value> args,
                             const CallOptions& options) const;
  // The same through a handle: the module's current state and active
  // implementation, without looking names up. `keep` (may be null): the
  // held scope making the call at the top of this thread's calls, which
  // keeps the lock of the implementation the call goes to.
  absl::StatusOr<Value> Call(const BoundFunction& bound,
                             absl::Span<const Value> args,
                             const CallOptions& options,
                             HeldScope* keep = nullptr) const;

  // The same through a held scope whose last call resolved to `kept`
  // (HeldScope::Remember), while that holds: no state copy, no lookups.
  // The scope's kept lock, counted in CallTarget::held_locks, stands in
  // for a CallGate::Pass: the host waits for it before its parts go.
  // Through kept.calling when it is set.
  absl::StatusOr<Value> CallKept(const BoundFunction& bound,
                                 const KeptCall& kept,
                                 absl::Span<const Value> args,
                                 const CallOptions& options) const;

  // Host::CallAsync's contract: the caller holds a CallGate::Pass until
  // `done` has run.
  using AsyncCompletion = std::function<void(absl::StatusOr<Value>)>;
  void CallAsync(std::string_view module, std::string_view function,
                 absl::Span<const Value> args, const CallOptions& options,
                 AsyncCompletion done) const;
  // HostServices::CallModuleOrStart's contract. The caller holds a
  // CallGate::Pass, and one more until the completion `done()` gave has run
  // when *started is set.
  absl::StatusOr<Value> CallOrStart(
      std::string_view module, std::string_view function,
      absl::Span<const Value> args, absl::FunctionRef<AsyncCompletion()> done,
      const std::shared_ptr<CallCancellation>& cancellation,
      bool* started) const;

  // Calls `function` on `state`'s `language` implementation within
  // `timeout`, bypassing the module's StateGate and active language: the
  // [state] hooks run this way while the gate is closed.
  // `state` must have started `language` (kFailedPrecondition otherwise).
  absl::StatusOr<Value> CallDirect(const Module& module,
                                   std::shared_ptr<const ModuleState> state,
                                   Language language, std::string_view function,
                                   absl::Span<const Value> args,
                                   absl::Duration timeout) const;

  // Host::Function's contract: kNotFound, with Call's messages, for an
  // unknown module or a function the active implementation lacks.
  absl::StatusOr<std::shared_ptr<const BoundFunction>> Bind(
      std::shared_ptr<CallTarget> target, std::string_view module,
      std::string_view function) const;

 private:
  // Sets out->deadline, own_deadline and timeout for a call in `state`
  // with `options`, nested in this thread's current call, if any.
  void SetDeadline(const ModuleState& state, const CallOptions& options,
                   ResolvedCall* out) const;
  // Checks a call of `entry` (null: the function is missing) in `state`
  // and fills *out; counts towards the nesting limit (the caller holds a
  // CallDepthScope). When the implementation called has not started, starts
  // it and replaces `state` with the module's state that has it.
  absl::Status Resolve(const Module& module,
                       std::shared_ptr<const ModuleState>& state,
                       const ModuleState::Function* entry,
                       std::string_view function, absl::Span<const Value> args,
                       const CallOptions& options, ResolvedCall* out) const;
  friend class HeldScope;  // CallKeptUnlimited concludes as Run does

  // The call's result as the caller sees it: a deadline of its own named,
  // the [exports] return type checked.
  static absl::StatusOr<Value> Conclude(const Module& module,
                                        std::string_view function,
                                        const ResolvedCall& call,
                                        absl::StatusOr<Value> result);
  // Starts `call` (resolved in `state` of `module`): `done` gets its
  // concluded result; `state` and `gate_entry` are kept until then.
  static void Start(const Module& module,
                    std::shared_ptr<const ModuleState> state,
                    std::string_view function, ResolvedCall call,
                    absl::Span<const Value> args, StateGate::Entry gate_entry,
                    AsyncCompletion done,
                    std::shared_ptr<CallCancellation> cancellation);
  // Runs `call` (resolved in `module`) on this thread and concludes it;
  // through `calling` when given (the lock this thread keeps for the
  // implementation, making its calls).
  static absl::StatusOr<Value> Run(const Module& module,
                                   std::string_view function,
                                   const ResolvedCall& call,
                                   absl::Span<const Value> args,
                                   engine::CallingHeldLock* calling = nullptr);
  // One call of `function` on `module`'s current state, through its
  // StateGate when the state has [state] hooks; `find` gives the function's
  // entry in a state.
  template <typename FindEntry>
  absl::StatusOr<Value> CallCurrent(const Module& module,
                                    std::string_view function,
                                    absl::Span<const Value> args,
                                    const CallOptions& options,
                                    const FindEntry& find,
                                    HeldScope* keep = nullptr) const;
  // One call of `entry` (null: the function is missing) in `state`, which
  // Resolve may replace; `keep` as for Call.
  absl::StatusOr<Value> CallIn(const Module& module,
                               std::shared_ptr<const ModuleState>& state,
                               const ModuleState::Function* entry,
                               std::string_view function,
                               absl::Span<const Value> args,
                               const CallOptions& options,
                               HeldScope* keep = nullptr) const;

  const ModuleRegistry& modules_;
  const absl::Duration default_timeout_;
};

}  // namespace duet::internal

#endif  // DUET_HOST_SRC_CALL_DISPATCH_H_
