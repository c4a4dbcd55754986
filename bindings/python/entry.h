// One entry from the host into Python (Load, Call, Evaluate), and how it is
// stopped from another thread: by its deadline (the shared watchdog) or by
// Runtime::Interrupt.
//
//   Entry entry(services, "greeter", *running, deadline);  // GIL held now
//   PyObject* result = PyObject_Vectorcall(...);
//   if (result == nullptr) return entry.TakeError(ErrorContext::kRun);
//   if (StopReason stop = entry.Finish(); stop != StopReason::kNone) ...
//
// Stopping an entry marks it and raises an exception in its thread with
// PyThreadState_SetAsyncExc: duet.DeadlineExceeded (a BaseException, so a
// plugin's `except Exception` lets it pass) for a deadline, KeyboardInterrupt
// for Interrupt. CPython delivers such an exception only between bytecodes:
// code blocked in C (time.sleep, a blocking read, a C extension's loop) is
// stopped when it returns to Python, not before. An entry whose thread is in a
// nested host call (Python waiting on JavaScript) is stopped when that call
// returns into Python, whatever it returned.
#ifndef DUET_BINDINGS_PYTHON_ENTRY_H_
#define DUET_BINDINGS_PYTHON_ENTRY_H_

#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "call_context.h"
#include "duet/internal/watchdog.h"
#include "duet/runtime.h"
#include "errors.h"
#include "interpreter.h"

namespace duet::python {

enum class StopReason { kNone, kDeadline, kInterrupt };

class Entry;

// The entries running in one runtime; its implementations and REPL sessions
// share it (they may outlive the runtime). Guarded by the GIL.
class RunningEntries {
 public:
  RunningEntries() = default;
  RunningEntries(const RunningEntries&) = delete;
  RunningEntries& operator=(const RunningEntries&) = delete;

  // Raises KeyboardInterrupt in the thread of every entry running now; they
  // return kCancelled. Takes the GIL (so it waits while C code holds it);
  // callable from any thread. Needs a live interpreter lease.
  void Interrupt();

 private:
  friend class Entry;
  Entry* first_ = nullptr;
};

class Entry {
 public:
  // Pushes a CallContext for the duet API, takes the GIL (ScopedGil) and
  // registers in `running`; arms the shared watchdog when `deadline` is
  // finite (nothing is armed for an infinite one). `source` and `running`
  // outlive the entry. Calls the script makes convert their arguments
  // within `deadline` and `value_budget_bytes` (0: no budget).
  Entry(HostServices& services, std::string_view source,
        RunningEntries& running, absl::Time deadline = absl::InfiniteFuture(),
        size_t value_budget_bytes = 0);
  ~Entry() = default;  // Finish(), release the GIL, disarm, pop the context
  Entry(const Entry&) = delete;
  Entry& operator=(const Entry&) = delete;

  // Ends the entry, still under the GIL: it can no longer be stopped, and a
  // stop exception still pending for it is dropped. Returns why it was
  // stopped (kNone when it was not). Idempotent.
  StopReason Finish();

  // Takes the pending Python exception as this entry's status:
  // kDeadlineExceeded / kCancelled when it (or an entry enclosing it on this
  // thread) was stopped, kResourceExhausted for MemoryError (naming `what`,
  // e.g. "module 'greeter'"), otherwise TakePythonError(context). The
  // script's stack stays in the ScriptError payload.
  absl::Status TakeError(ErrorContext context, std::string_view what);

  // The innermost entry on this thread (nullptr outside any); GIL held.
  static Entry* Current();

  absl::Time deadline() const { return deadline_; }
  size_t value_budget_bytes() const { return value_budget_bytes_; }
  // Why this entry, or the nearest one enclosing it on this thread, was
  // stopped; GIL held.
  StopReason Stopped() const;

 private:
  // Runs Finish() before the GIL is released.
  struct Registration {
    Entry* entry;
    ~Registration() { entry->Finish(); }
  };

  void Stop(StopReason reason);  // GIL held
  void Expire();                 // on the watchdog thread

  friend class RunningEntries;

  // Destroyed bottom-up: finish under the GIL, release it, then disarm (the
  // watchdog callback takes the GIL), then forward partial output lines.
  CallContext context_;
  RunningEntries& running_;
  Entry* enclosing_ = nullptr;  // the thread's previous innermost entry
  Entry* prev_ = nullptr;       // links in running_
  Entry* next_ = nullptr;
  unsigned long thread_id_ = 0;
  const absl::Time deadline_;
  const size_t value_budget_bytes_;
  bool registered_ = false;
  StopReason stop_ = StopReason::kNone;
  internal::Watchdog::Ticket ticket_;
  ScopedGil gil_;
  Registration registration_{this};
};

// The status a stopped call returns: kDeadlineExceeded "Python execution
// stopped at its deadline" or kCancelled "Python execution interrupted".
absl::Status StopStatus(StopReason reason);

// In a duet API function that just re-took the GIL after a host call: when
// the current entry was stopped meanwhile, sets its exception (see above) as
// the pending Python error and returns true.
bool SetErrorIfStopped();

}  // namespace duet::python

#endif  // DUET_BINDINGS_PYTHON_ENTRY_H_
