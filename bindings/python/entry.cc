#include "entry.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "duet/internal/strings.h"

namespace duet::python {
namespace {

thread_local Entry* current_entry = nullptr;

PyObject* StopException(StopReason reason) {
  return reason == StopReason::kDeadline ? GetGlobals().deadline_class.ptr()
                                         : PyExc_KeyboardInterrupt;
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

void RunningEntries::Interrupt() {
  ScopedGil gil;
  for (Entry* entry = first_; entry != nullptr; entry = entry->next_) {
    // Again for an entry already stopped: a plugin may have caught the
    // first KeyboardInterrupt, and a second Ctrl-C should still reach it.
    entry->Stop(StopReason::kInterrupt);
  }
}

Entry::Entry(HostServices& services, std::string_view source,
             RunningEntries& running, absl::Time deadline,
             size_t value_budget_bytes)
    : context_(services, source),
      running_(running),
      deadline_(deadline),
      value_budget_bytes_(value_budget_bytes) {
  thread_id_ = PyThreadState_Get()->thread_id;
  enclosing_ = current_entry;
  current_entry = this;
  next_ = running_.first_;
  if (next_ != nullptr) next_->prev_ = this;
  running_.first_ = this;
  registered_ = true;
  if (deadline != absl::InfiniteFuture()) {
    ticket_ = internal::Watchdog::Shared().Arm(deadline, [this] { Expire(); });
  }
}

StopReason Entry::Finish() {
  if (!registered_) return stop_;
  registered_ = false;
  if (prev_ != nullptr) {
    prev_->next_ = next_;
  } else {
    running_.first_ = next_;
  }
  if (next_ != nullptr) next_->prev_ = prev_;
  prev_ = next_ = nullptr;
  current_entry = enclosing_;
  // An enclosing entry that was stopped too still wants its exception.
  if (stop_ != StopReason::kNone &&
      (enclosing_ == nullptr || enclosing_->Stopped() == StopReason::kNone)) {
    DropPendingStop();
  }
  return stop_;
}

void Entry::Stop(StopReason reason) {
  if (stop_ == StopReason::kNone) stop_ = reason;
  PyThreadState_SetAsyncExc(thread_id_, StopException(reason));
}

void Entry::Expire() {
  ScopedGil gil;
  // Finished already (it won the race for the GIL): nothing to stop, and
  // the next call on that thread must not be hit.
  if (registered_ && stop_ == StopReason::kNone) Stop(StopReason::kDeadline);
}

Entry* Entry::Current() { return current_entry; }

StopReason Entry::Stopped() const {
  for (const Entry* entry = this; entry != nullptr; entry = entry->enclosing_) {
    if (entry->stop_ != StopReason::kNone) return entry->stop_;
  }
  return StopReason::kNone;
}

absl::Status Entry::TakeError(ErrorContext context, std::string_view what) {
  StopReason stop = Stopped();
  if (stop != StopReason::kNone) {
    absl::Status status = StopStatus(stop);
    return TakePythonErrorAs(status.code(),
                             std::string(internal::ToStd(status.message())));
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

absl::Status StopStatus(StopReason reason) {
  switch (reason) {
    case StopReason::kDeadline:
      return absl::DeadlineExceededError(
          "Python execution stopped at its deadline");
    case StopReason::kInterrupt:
      return absl::CancelledError("Python execution interrupted");
    case StopReason::kNone:
      break;
  }
  return absl::OkStatus();
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
