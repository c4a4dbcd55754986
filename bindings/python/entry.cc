#include "entry.h"

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "duet/engine/function_owner.h"
#include "duet/internal/strings.h"
#include "functions.h"

namespace duet::python {
namespace {

std::atomic<uint64_t> next_entry_serial{1};

// How often a stopped entry that has not returned yet gets its exception
// again.
constexpr absl::Duration kRaiseAgainEvery = absl::Milliseconds(5);

PyObject* StopException(StopReason reason) {
  return reason == StopReason::kDeadline ? GetGlobals().deadline_class.ptr()
                                         : PyExc_KeyboardInterrupt;
}

// The trace function of a stopped entry's thread: raises `exception` at
// every new line and every call, so no handler can run a line of its own.
int RaiseAtEveryLine(PyObject* exception, PyFrameObject*, int what, PyObject*) {
  if (what != PyTrace_LINE && what != PyTrace_CALL) return 0;
  PyErr_SetNone(exception);
  return -1;
}

// Delivers, and discards, an asynchronous exception still pending for this
// thread. Clearing it with PyThreadState_SetAsyncExc(id, nullptr) would
// leave CPython 3.11's interpreter-wide "async exception pending" flag set,
// sending every thread's eval loop down its slow path until some thread
// takes one; running one Python function lets the eval loop take it.
void DropPendingStop() {
  PyObject *type, *value, *traceback;
  PyErr_Fetch(&type, &value, &traceback);
  PyObject* result = PyObject_CallNoArgs(GetGlobals().drain.ptr());
  if (result == nullptr) {
    PyErr_Clear();
  } else {
    Py_DECREF(result);
  }
  PyErr_Restore(type, value, traceback);
}

}  // namespace

// Stops entries on behalf of the watchdog and Interrupt(), which must never
// wait for the GIL: they queue a request, and this thread takes the GIL.
class Stopper {
 public:
  static Stopper& Get() {
    static Stopper* stopper = new Stopper();  // leaked: see EndStopper
    return *stopper;
  }

  void Start() {
    absl::MutexLock lock(&mutex_);
    ending_ = false;
    accepting_ = true;
    thread_ = std::thread([this, interpreter = PyInterpreterState_Main()] {
      // Made on this thread (it records the thread's id) and without the
      // GIL, as PyGILState_Ensure does.
      Run(PyThreadState_New(interpreter));
    });
  }

  void End() {
    {
      absl::MutexLock lock(&mutex_);
      if (!accepting_) return;
      accepting_ = false;
      ending_ = true;
    }
    thread_.join();
    absl::MutexLock lock(&mutex_);
    requests_.clear();
  }

  // Stops the entry numbered `serial`, or (serial 0) every entry numbered
  // below `below`: those that had started when Interrupt() was called.
  void Request(std::shared_ptr<RunningEntries> running, uint64_t serial,
               uint64_t below, StopReason reason) {
    absl::MutexLock lock(&mutex_);
    if (!accepting_) return;
    // The host repeats Interrupt() while it waits: one queued is enough.
    for (StopRequest& queued : requests_) {
      if (queued.running == running && queued.serial == serial &&
          queued.reason == reason) {
        queued.below = std::max(queued.below, below);
        return;
      }
    }
    requests_.push_back({std::move(running), serial, below, reason});
  }

 private:
  struct StopRequest {
    std::shared_ptr<RunningEntries> running;
    uint64_t serial;  // 0: every entry numbered below `below`
    uint64_t below;
    StopReason reason;
  };

  void Run(PyThreadState* state) {
    // Runtimes with stopped entries still running; stopper thread only.
    std::vector<std::shared_ptr<RunningEntries>> stopping;
    absl::MutexLock lock(&mutex_);
    while (true) {
      auto has_work = [this] {
        mutex_.AssertHeld();
        return ending_ || !requests_.empty();
      };
      if (stopping.empty()) {
        mutex_.Await(absl::Condition(&has_work));
      } else {
        mutex_.AwaitWithTimeout(absl::Condition(&has_work), kRaiseAgainEvery);
      }
      if (ending_) break;
      std::vector<StopRequest> batch = std::move(requests_);
      requests_.clear();
      mutex_.Unlock();
      PyEval_RestoreThread(state);
      for (StopRequest& request : batch) {
        request.running->Stop(request.serial, request.below, request.reason);
        if (std::find(stopping.begin(), stopping.end(), request.running) ==
            stopping.end()) {
          stopping.push_back(std::move(request.running));
        }
      }
      stopping.erase(std::remove_if(stopping.begin(), stopping.end(),
                                    [](const auto& running) {
                                      return !running->RaiseAgain();
                                    }),
                     stopping.end());
      PyEval_SaveThread();
      batch.clear();
      mutex_.Lock();
    }
    mutex_.Unlock();
    stopping.clear();
    PyEval_RestoreThread(state);
    PyThreadState_Clear(state);
    PyThreadState_DeleteCurrent();
    mutex_.Lock();
  }

  absl::Mutex mutex_;
  std::vector<StopRequest> requests_ ABSL_GUARDED_BY(mutex_);
  bool ending_ ABSL_GUARDED_BY(mutex_) = false;
  bool accepting_ ABSL_GUARDED_BY(mutex_) = false;  // thread_ is running
  std::thread thread_;  // started and joined under the interpreter's mutex
};

void StartStopper() { Stopper::Get().Start(); }
void EndStopper() { Stopper::Get().End(); }

void RunningEntries::Interrupt() {
  // Entries that start after this returns are not stopped.
  Stopper::Get().Request(shared_from_this(), 0,
                         next_entry_serial.load(std::memory_order_seq_cst),
                         StopReason::kInterrupt);
}

void RunningEntries::Stop(uint64_t serial, uint64_t below, StopReason reason) {
  entries_.ForEach([&](Entry* entry) {
    if (serial != 0 ? entry->serial_ != serial : entry->serial_ >= below) {
      return;
    }
    // A deadline stops an entry once; an Interrupt overrides nothing either,
    // but is raised again for an entry already stopped.
    engine::RecordStop(entry->stop_, reason);
    if (!entry->quiet_) entry->Raise();
  });
}

bool RunningEntries::RaiseAgain() {
  bool any = false;
  entries_.ForEach([&](Entry* entry) {
    if (entry->stop_ == StopReason::kNone) return;
    any = true;
    if (!entry->quiet_) entry->Raise();
  });
  return any;
}

Entry::Entry(HostServices& services, std::string_view source,
             const std::shared_ptr<RunningEntries>& running,
             absl::Time deadline, size_t value_budget_bytes,
             PyFunctionOwner* functions)
    : open_(/*count=*/true),
      context_(services, source),
      running_(*running),
      deadline_(deadline),
      value_budget_bytes_(value_budget_bytes),
      functions_(functions),
      gil_(/*kept_by_thread=*/false) {
  Number();
  List();
  registered_ = true;
  ArmAndDrain(deadline, running);
}

Entry::Entry(Kept, HostServices& services, std::string_view source,
             const std::shared_ptr<RunningEntries>& running,
             size_t value_budget_bytes, PyFunctionOwner* functions)
    : open_(/*count=*/false),
      context_(services, source),
      running_(*running),
      serial_(kIdleSerial),
      deadline_(absl::InfiniteFuture()),
      value_budget_bytes_(value_budget_bytes),
      functions_(functions),
      kept_running_(running),
      kept_(true),
      gil_(/*kept_by_thread=*/true) {
  List();
}

ABSL_ATTRIBUTE_ALWAYS_INLINE inline void Entry::Number() {
  // Numbered under the GIL, which every entry takes first: entries are
  // numbered one at a time, so a plain increment does, without the locked
  // instruction (and store-buffer drain) of an atomic one. Interrupt()
  // reads the counter from any thread.
  serial_ = next_entry_serial.load(std::memory_order_relaxed);
  next_entry_serial.store(serial_ + 1, std::memory_order_release);
}

ABSL_ATTRIBUTE_ALWAYS_INLINE inline void Entry::List() {
  thread_state_ = PyThreadState_Get();
  engine::ThreadFrames<Entry>::Push(this);
  running_.entries_.Add(this);
}

ABSL_ATTRIBUTE_ALWAYS_INLINE inline void Entry::ArmAndDrain(
    absl::Time deadline, const std::shared_ptr<RunningEntries>& running) {
  if (deadline != absl::InfiniteFuture()) {
    // Runs on the watchdog thread: only queues the stop, never waits for
    // the GIL, so other engines' deadlines are not held up.
    ticket_ =
        internal::Watchdog::Shared().Arm(deadline, [running, serial = serial_] {
          Stopper::Get().Request(running, serial, 0, StopReason::kDeadline);
        });
  }
  // Functions dropped while a thread held an engine lock are released now
  // (those of every module: all share the GIL), their finalisers inside
  // this entry.
  PyFunctionOwner::DrainEveryOwner();
}

void Entry::Begin(absl::Time deadline) {
  engine::OpenEntry::Open();
  Number();
  deadline_ = deadline;
  stop_ = StopReason::kNone;
  registered_ = true;
  ArmAndDrain(deadline, kept_running_);
}

void Entry::End() {
  Finish();
  if (ticket_.armed()) ticket_.Disarm();
  if (context_.has_partial_lines()) partial_lines_.Flush();
  engine::OpenEntry::Close();
}

StopReason Entry::FinishRegistered() {
  registered_ = false;
  const StopReason stop = stop_;
  if (kept_) {
    serial_ = kIdleSerial;  // no stop reaches it until its next call
    // Entries made above it while it is idle must not find its stop.
    stop_ = StopReason::kNone;
  } else {
    Unlist();
  }
  const Entry* enclosing = links.outer;
  // An enclosing entry that was stopped too still wants its exception (the
  // stopper raises it again).
  if (stop != StopReason::kNone &&
      (enclosing == nullptr || enclosing->Stopped() == StopReason::kNone)) {
    Withdraw();
  }
  return stop;
}

void Entry::Raise() {
  PyObject* exception = StopException(stop_);
  PyThreadState_SetAsyncExc(thread_state_->thread_id, exception);
  if (thread_state_->c_tracefunc != RaiseAtEveryLine &&
      _PyEval_SetTrace(thread_state_, RaiseAtEveryLine, exception) < 0) {
    PyErr_Clear();  // an audit hook refused; the async exception remains
  }
}

void Entry::Withdraw() {
  if (thread_state_->c_tracefunc == RaiseAtEveryLine) {
    PyEval_SetTrace(nullptr, nullptr);
  }
  DropPendingStop();
}

void Entry::PartialLines::Flush() {
  // Held by this thread: the GIL's holder is its state (3.11).
  if (_PyThreadState_UncheckedGet() != PyGILState_GetThisThreadState()) {
    return;
  }
  engine::EngineLockReleased();
  PyThreadState* state = PyEval_SaveThread();
  context.FlushPartialLines();
  PyEval_RestoreThread(state);
  engine::EngineLockTaken();
}

Entry* Entry::Current() { return engine::ThreadFrames<Entry>::Innermost(); }

Entry::Quiet::Quiet(Entry& innermost) : innermost_(innermost) {
  for (Entry* entry = &innermost; entry != nullptr;
       entry = entry->links.outer) {
    was_quiet_.push_back(std::exchange(entry->quiet_, true));
  }
  // The exception and the trace function belong to the thread.
  if (innermost.Stopped() != StopReason::kNone) innermost.Withdraw();
}

Entry::Quiet::~Quiet() {
  Entry* stopped = nullptr;
  size_t i = 0;
  for (Entry* entry = &innermost_; entry != nullptr;
       entry = entry->links.outer, ++i) {
    entry->quiet_ = was_quiet_[i];
    if (stopped == nullptr && !entry->quiet_ &&
        entry->stop_ != StopReason::kNone) {
      stopped = entry;
    }
  }
  if (stopped != nullptr) stopped->Raise();
}

StopReason Entry::Stopped() const {
  for (const Entry* entry = this; entry != nullptr;
       entry = entry->links.outer) {
    if (entry->stop_ != StopReason::kNone) return entry->stop_;
  }
  return StopReason::kNone;
}

absl::Status Entry::TakeError(ErrorContext context, std::string_view what) {
  StopReason stop = Stopped();
  // Describing the error runs the engine's own Python: no stop exception
  // may hit it. The exception is kept until the entry may be stopped again,
  // so finalisers of the frames it holds run under the deadline.
  PyObject *type, *value, *traceback;
  PyErr_Fetch(&type, &value, &traceback);
  Py_XINCREF(type);
  Py_XINCREF(value);
  Py_XINCREF(traceback);
  bool was_quiet = std::exchange(quiet_, true);
  if (stop_ != StopReason::kNone) Withdraw();
  PyErr_Restore(type, value, traceback);
  absl::Status status = TakeErrorQuietly(stop, what, context);
  quiet_ = was_quiet;
  Py_XDECREF(type);
  Py_XDECREF(value);
  Py_XDECREF(traceback);
  return status;
}

absl::Status Entry::TakeErrorQuietly(StopReason stop, std::string_view what,
                                     ErrorContext context) {
  if (stop != StopReason::kNone) {
    // The stop exception's traceback is where the entry stopped.
    std::optional<ScriptError> raised =
        GetScriptError(TakePythonError(ErrorContext::kRun));
    return StopStatus(
        stop, raised ? std::move(raised->stack) : std::vector<StackFrame>());
  }
  if (PyErr_ExceptionMatches(PyExc_MemoryError)) {
    return TakePythonErrorAs(
        absl::StatusCode::kResourceExhausted,
        absl::StrCat(internal::ToAbsl(what),
                     " ran out of memory (Python MemoryError); CPython memory "
                     "is shared by every Python plugin and cannot be limited "
                     "per plugin"));
  }
  return TakePythonError(context);
}

absl::Status StopStatus(StopReason reason, std::vector<StackFrame> stack) {
  engine::StopDetails details;
  details.language = Language::kPython;
  details.engine_name = "Python";
  details.type = reason == StopReason::kDeadline ? "DeadlineExceeded"
                                                 : "KeyboardInterrupt";
  details.stack = std::move(stack);
  return engine::StopStatus(reason, std::move(details));
}

bool SetErrorIfStopped() {
  Entry* entry = Entry::Current();
  if (entry == nullptr) return false;
  StopReason stop = entry->Stopped();
  if (stop == StopReason::kNone) return false;
  PyErr_SetNone(StopException(stop));
  return true;
}

}  // namespace duet::python
