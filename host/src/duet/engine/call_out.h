// The outbound call path, written once: a script calls the host
// (duet.call, duet.modules.M.F, duet.host.F, duet.log, the name lists).
//
//   1. the engine converts the arguments, lock held, under ArgumentGuard;
//   2. CallOut releases the engine lock (EngineLock::Release), calls the
//      host, and takes the lock back (EngineLock::Reacquire);
//   3. an entry stopped while it waited in the host call stops now, whatever
//      the host returned (OutboundResult::stopped);
//   4. otherwise the engine converts the result under ResultGuard, or raises
//      the failed status into the script (status_carrier.h).
//
// The host runs a nested call under the caller's deadline or an earlier
// one, never a later one (host.cc); conversions on both sides of the host
// call obey the caller's deadline too, so no part of a call out outlives it.
#ifndef DUET_ENGINE_CALL_OUT_H_
#define DUET_ENGINE_CALL_OUT_H_

#include <cstddef>
#include <string_view>
#include <typeinfo>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "duet/engine/stop.h"
#include "duet/internal/conversion_guard.h"
#include "duet/log.h"
#include "duet/runtime.h"
#include "duet/value.h"

namespace duet::engine {

// The limits of the entry a call out is made from.
struct CallerLimits {
  absl::Time deadline = absl::InfiniteFuture();
  size_t value_budget_bytes = 0;  // ImplementationSpec::value_budget_bytes
};

// One budget for all the arguments together: they are what the host builds.
internal::ConversionGuard ArgumentGuard(const CallerLimits& limits);
// The result is built already (the host holds it): the deadline only.
internal::ConversionGuard ResultGuard(const CallerLimits& limits);

// What an engine supplies for the host call: its lock.
class EngineLock {
 public:
  virtual ~EngineLock() = default;
  // Lets other threads into the engine while the host runs (v8::Unlocker,
  // releasing the GIL). The entry counts as waiting in a host call.
  virtual void Release() = 0;
  // Takes the lock back. Returns why the entry was stopped while it waited
  // (kNone when it was not).
  virtual StopReason Reacquire() = 0;
};

struct OutboundResult {
  absl::StatusOr<Value> result;
  // Not kNone: the entry was stopped during the host call and must stop
  // now; `result` is to be dropped.
  StopReason stopped = StopReason::kNone;
};

// Runs `host_call` with the engine lock released (steps 2 and 3 above).
OutboundResult CallOut(EngineLock& lock,
                       absl::FunctionRef<absl::StatusOr<Value>()> host_call);

// An engine lock whose release for a module call can wait until something
// on the way could wait (CallOutDeferred). Release and Reacquire as above;
// Reacquire also follows a call that never released it (it then takes
// nothing and only reports a stop).
class DeferrableEngineLock : public EngineLock {
 public:
  // Whether `callee` runs on this thread within this lock: its entry nests
  // in the lock the thread holds (the GIL, for a Python implementation).
  virtual bool Covers(const Implementation& callee) const = 0;
};

// CallOut for a module call (duet.modules.M.F) that leaves the engine lock
// held until something could wait with it: the host releases it
// (SettleDeferredLock) before it waits (a [state] gate, a start), before a
// callee the lock does not cover, and before a module state goes (its
// implementations may take other locks to unload). A callee it covers runs
// with it (DeferredLockCallee). Why: the project's lock rule (never wait for
// another lock while holding an engine's) holds as with CallOut, and a
// Python -> Python call skips four GIL hand-offs. Only for `services` that
// settle (SettlesDeferredLocks): another HostServices gets CallOut.
OutboundResult CallOutDeferred(
    DeferrableEngineLock& lock,
    absl::FunctionRef<absl::StatusOr<Value>()> host_call);

// Whether `services` settles a deferred lock as CallOutDeferred says: it is
// of the class named by SetSettlingServices (duet's host, host.cc).
bool SettlesDeferredLocks(const HostServices& services);
void SetSettlingServices(const std::type_info& type);

// The host's, before anything that can wait: releases the lock a call out
// on this thread still holds (none: does nothing).
void SettleDeferredLock();

// The host's, around running `callee`: a callee the pending lock covers runs
// with it (its entry nests in it; nothing is pending meanwhile, so the
// callee's own calls out start afresh); any other callee runs after it is
// released. The lock is pending again after the callee, until settled or
// taken back by its call out.
//
// Inline, and one thread-local read when nothing is pending: every call the
// host runs makes one, and most (C++ callers) have no lock pending.
class DeferredLockCallee {
 public:
  explicit DeferredLockCallee(const Implementation& callee) {
    if (pending_lock_ != nullptr) Settle(callee);
  }
  ~DeferredLockCallee() {
    if (covering_ != nullptr) pending_lock_ = covering_;
  }
  DeferredLockCallee(const DeferredLockCallee&) = delete;
  DeferredLockCallee& operator=(const DeferredLockCallee&) = delete;

 private:
  friend OutboundResult CallOutDeferred(
      DeferrableEngineLock& lock,
      absl::FunctionRef<absl::StatusOr<Value>()> host_call);
  friend void SettleDeferredLock();

  // A lock is pending: `callee` runs with it or after it is released.
  void Settle(const Implementation& callee);

  // The deferred lock of this thread's call out in progress, until settled,
  // or while a callee it covers runs.
  static inline thread_local DeferrableEngineLock* pending_lock_ = nullptr;

  DeferrableEngineLock* covering_ = nullptr;
};

// The same for host calls that return something other than a Value (module
// names, logging): the lock is released around `host_call`; returns why
// the entry was stopped meanwhile.
template <typename Function>
StopReason WithoutEngineLock(EngineLock& lock, Function&& host_call) {
  lock.Release();
  std::forward<Function>(host_call)();
  return lock.Reacquire();
}

// Sends a script's log message (duet.log, console.*) as one log line per
// line of text, as Python's print does: a sink gets lines, never a line
// holding a newline. "a\n" is "a" and then an empty line.
void LogLines(HostServices& services, LogLevel level, std::string_view source,
              std::string_view message);

}  // namespace duet::engine

#endif  // DUET_ENGINE_CALL_OUT_H_
