// One entry from the host into Python (Load, Call, Evaluate, unloading a
// module), and how it is stopped from another thread: by its deadline (the
// shared watchdog) or by Runtime::Interrupt.
//
//   Entry entry(services, "greeter", running, deadline);  // GIL held now
//   PyObject* result = PyObject_Vectorcall(...);
//   if (result == nullptr) return entry.TakeError(ErrorContext::kRun, what);
//   ... convert and drop the result while the entry is still running ...
//   if (StopReason stop = entry.Finish(); stop != StopReason::kNone) ...
//
// Who stops: neither the watchdog thread nor the thread calling Interrupt()
// ever waits for the GIL. They hand a request to the stopper, one thread per
// interpreter that takes the GIL (however long C code keeps it) and stops
// the entry; Interrupt() returns at once. The stopper sleeps while no entry
// is being stopped.
//
// How: the stopper raises the stop exception in the entry's thread with
// PyThreadState_SetAsyncExc -- duet.DeadlineExceeded (a BaseException, so
// `except Exception` lets it pass) for a deadline, KeyboardInterrupt for
// Interrupt -- and installs a trace function in that thread that raises it
// again at every new line and every function call. Until the entry finishes
// it repeats both every few milliseconds, so a plugin that catches the
// exception (`while True: try: ... except BaseException: continue`) gets it
// again inside its handler, which no `except` of that same try covers.
// Finalisers run on behalf of the entry (its arguments, its result, the
// frames of its exception, a module dropped at unload) run inside the entry,
// so they are stopped too. (A trace function the plugin set in that thread
// with sys.settrace is replaced once the entry is stopped.)
//
// Beyond reach: CPython runs Python code, and so checks for these
// exceptions, only between bytecodes. C code that does not return to the
// interpreter -- sum(range(10**10)), time.sleep(1e9), a blocking read or
// lock wait, a C extension's endless loop -- runs on until it returns, and
// is stopped right after; if it never returns, the entry never returns
// either (and a Host being destroyed waits for it). Such C code also keeps
// the GIL, so every other Python entry waits meanwhile; JavaScript calls
// and their deadlines do not. An entry whose thread is in a nested host call
// (Python waiting on JavaScript) is stopped when that call returns into
// Python. Threads a plugin starts itself are never stopped. Finalisers of
// objects in reference cycles run whenever the cyclic GC collects them:
// inside whichever entry is running then (under its limits), or at
// interpreter shutdown with no limit (unloading a module collects at once,
// inside its entry, so a module's own cycles do not end up there).
#ifndef DUET_BINDINGS_PYTHON_ENTRY_H_
#define DUET_BINDINGS_PYTHON_ENTRY_H_

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "call_context.h"
#include "duet/engine/frames.h"
#include "duet/engine/stop.h"
#include "duet/internal/watchdog.h"
#include "duet/runtime.h"
#include "errors.h"
#include "interpreter.h"

namespace duet::python {

// kMemory never occurs: CPython's memory cannot be capped per plugin (a
// MemoryError is reported as kResourceExhausted by TakeError instead).
using engine::StopReason;

class Entry;
class PyFunctionOwner;  // functions.h

// The entries running in one runtime; its implementations and REPL sessions
// share it (they may outlive the runtime). The list is guarded by the GIL.
class RunningEntries : public std::enable_shared_from_this<RunningEntries> {
 public:
  RunningEntries() = default;
  RunningEntries(const RunningEntries&) = delete;
  RunningEntries& operator=(const RunningEntries&) = delete;

  // Has the stopper raise KeyboardInterrupt in every entry running now, and
  // keep raising it until each returns (kCancelled). Returns at once, from
  // any thread, without the GIL. Needs a live interpreter lease.
  void Interrupt();

 private:
  friend class Entry;
  friend class Stopper;

  // GIL held, on the stopper thread. Stops the entry numbered `serial` (0:
  // every entry numbered below `below`) for `reason`.
  void Stop(uint64_t serial, uint64_t below, StopReason reason);
  // GIL held, on the stopper thread. Raises again in every stopped entry
  // still running; returns whether there was one.
  bool RaiseAgain();

  engine::FrameList<Entry> entries_;
};

class Entry {
 public:
  // Pushes a CallContext for the duet API, takes the GIL (ScopedGil) and
  // registers in `running`; arms the shared watchdog when `deadline` is
  // finite (nothing is armed for an infinite one). `source` outlives the
  // entry. Calls the script makes convert their arguments within `deadline`
  // and `value_budget_bytes` (0: no budget).
  // `functions` (may be null) holds the Python functions the entry hands
  // out as Values. Releases queued in any owner are done here.
  Entry(HostServices& services, std::string_view source,
        const std::shared_ptr<RunningEntries>& running,
        absl::Time deadline = absl::InfiniteFuture(),
        size_t value_budget_bytes = 0, PyFunctionOwner* functions = nullptr);
  // A kept entry, made by a held scope's lock on the thread keeping the GIL
  // (see ScopedGil) for the scope's life: it pushes its context and
  // registers once, and each call runs as the entry between Begin and End.
  // Between calls it is idle: no stop reaches it (Interrupt, a late
  // deadline), and it does not count as open (engine::OpenEntry).
  struct Kept {};
  Entry(Kept, HostServices& services, std::string_view source,
        const std::shared_ptr<RunningEntries>& running,
        size_t value_budget_bytes, PyFunctionOwner* functions);
  ~Entry() = default;  // Finish(), release the GIL, disarm, pop the context
  Entry(const Entry&) = delete;
  Entry& operator=(const Entry&) = delete;

  // A kept entry's call: starts it as the constructor starts an entry
  // (numbered now, so an Interrupt made before it does not stop it), and
  // ends it as the destructor ends one (Finish, disarm, partial lines).
  void Begin(absl::Time deadline);
  void End();

  // Ends the entry, still under the GIL: it can no longer be stopped, and a
  // stop exception (or trace function) still pending for it is dropped.
  // Returns why it was stopped (kNone when it was not). Idempotent: a
  // finished entry returns inline (every call path finishes its entry, and
  // then the entry's end finishes it again); a kept entry's call returns
  // kNone then, its stop dropped so entries made above it while it is idle
  // do not find it.
  StopReason Finish() {
    if (!registered_) return stop_;
    return FinishRegistered();
  }

  // Takes the pending Python exception as this entry's status:
  // kDeadlineExceeded / kCancelled when it (or an entry enclosing it on this
  // thread) was stopped, kResourceExhausted for MemoryError (naming `what`,
  // e.g. "module 'greeter'"), otherwise TakePythonError(context). The
  // script's stack stays in the ScriptError payload. The exception (and the
  // frames it holds) is dropped while the entry can still be stopped.
  absl::Status TakeError(ErrorContext context, std::string_view what);

  // The innermost entry on this thread (nullptr outside any); GIL held.
  static Entry* Current();

  // While one lives, the engine runs Python of its own on this thread (it
  // submits a coroutine to the asyncio loop): a stop of this thread's
  // entries is recorded but not raised inside that code, and one raised
  // already is withdrawn first. At its end a stop recorded meanwhile is
  // raised again, for the scripts' own code. GIL held; on the entry's
  // thread.
  class Quiet {
   public:
    explicit Quiet(Entry& innermost);
    ~Quiet();
    Quiet(const Quiet&) = delete;
    Quiet& operator=(const Quiet&) = delete;

   private:
    Entry& innermost_;
    absl::InlinedVector<bool, 4> was_quiet_;  // innermost first
  };

  absl::Time deadline() const { return deadline_; }
  size_t value_budget_bytes() const { return value_budget_bytes_; }
  // Where Python functions converted to Values in this entry are held; null
  // when they cannot be (then such a conversion fails).
  PyFunctionOwner* functions() const { return functions_; }
  // Why this entry, or the nearest one enclosing it on this thread, was
  // stopped; GIL held.
  StopReason Stopped() const;

 private:
  // Runs Finish() before the GIL is released; a kept entry leaves its
  // thread's frames and its runtime's list then.
  struct Registration {
    Entry* entry;
    ~Registration() {
      entry->Finish();
      if (entry->kept_) entry->Unlist();
    }
  };
  // Counts an entry as open on its thread (engine::OpenEntry) for its life,
  // unless it is kept (Begin and End count each call).
  struct Open {
    explicit Open(bool count) : counted(count) {
      if (counted) engine::OpenEntry::Open();
    }
    ~Open() {
      if (counted) engine::OpenEntry::Close();
    }
    const bool counted;
  };
  // The serial of a kept entry between calls: no stop request matches it.
  static constexpr uint64_t kIdleSerial = ~uint64_t{0};
  // Steps every entry takes, a kept one at its making or at each Begin.
  void Number();  // a new serial_
  void List();    // on its thread's frames and in its runtime's list
  void Unlist() {
    running_.entries_.Remove(this);
    engine::ThreadFrames<Entry>::Pop(this);
  }
  // Arms the deadline (if finite) for a stop request through `running`,
  // then releases functions dropped under an engine lock.
  void ArmAndDrain(absl::Time deadline,
                   const std::shared_ptr<RunningEntries>& running);

  StopReason FinishRegistered();
  absl::Status TakeErrorQuietly(StopReason stop, std::string_view what,
                                ErrorContext context);
  void Raise();  // GIL held: the stop exception now, and at every line
  // GIL held, on the entry's thread: no stop exception or trace function
  // pending for it any more.
  void Withdraw();

  friend class RunningEntries;
  friend class engine::FrameList<Entry>;
  friend class engine::ThreadFrames<Entry>;

  // Destroyed bottom-up: finish under the GIL, release it, then disarm,
  // then forward partial output lines.
  const Open open_;
  CallContext context_;
  // An entry nested in a GIL its thread kept (a Python caller's module
  // call, a held scope) ends with the GIL still held: its last partial
  // output line goes to the log sink with the GIL released here, as the
  // sink runs with no engine lock.
  struct PartialLines {
    CallContext& context;
    ~PartialLines() {
      if (context.has_partial_lines()) Flush();
    }
    void Flush();
  } partial_lines_{context_};
  RunningEntries& running_;  // a shared_ptr copy only when armed: cheaper
  uint64_t serial_ = 0;      // names the entry in stop requests
  // The thread's previous innermost entry (links.outer), and the links in
  // running_.
  engine::FrameLinks<Entry> links;
  PyThreadState* thread_state_ = nullptr;
  absl::Time deadline_;  // a kept entry's changes with each call
  const size_t value_budget_bytes_;
  PyFunctionOwner* const functions_;
  // A kept entry's runtime list, for arming its calls' deadlines.
  std::shared_ptr<RunningEntries> kept_running_;
  const bool kept_ = false;
  bool registered_ = false;
  // Set while the engine itself runs Python for the entry (describing its
  // error): a stop is recorded but not raised.
  bool quiet_ = false;
  StopReason stop_ = StopReason::kNone;
  internal::Watchdog::Ticket ticket_;
  ScopedGil gil_;
  Registration registration_{this};
};

// Starts and ends the stopper thread (see above) with the interpreter:
// after it started and released the GIL, and before finalising it (GIL not
// held; no entry left).
void StartStopper();
void EndStopper();

// The status a stopped call returns (engine::StopStatus): kDeadlineExceeded
// "Python execution stopped at its deadline" or kCancelled "Python execution
// interrupted", its ScriptError naming the exception the script saw
// (DeadlineExceeded, KeyboardInterrupt) and the stack where it stopped
// (`stack`; empty when the stop came after the code had finished).
absl::Status StopStatus(StopReason reason, std::vector<StackFrame> stack = {});

// In a duet API function that just re-took the GIL after a host call: when
// the current entry was stopped meanwhile, sets its exception (see above) as
// the pending Python error and returns true.
bool SetErrorIfStopped();

}  // namespace duet::python

#endif  // DUET_BINDINGS_PYTHON_ENTRY_H_
