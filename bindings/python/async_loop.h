// The asyncio event loop of a Python runtime, on a thread of its own that
// starts with the first coroutine a call returns. An `async def` export's
// coroutine runs there as an asyncio Task; the call waits for it without
// the GIL (Call) or without a thread (CallAsync).
//
// Each step of the Task (from one await to the next) runs with the call's
// CallContext, so the duet API (duet.modules, duet.host, duet.log, print)
// works inside coroutines as in plain functions. A deadline or
// Runtime::Interrupt cancels the Task (Task.cancel(): CancelledError at its
// current await) and the call returns the stop status at once; neither the
// watchdog nor Interrupt ever waits for the GIL (they queue the stop on the
// scheduler, engine/scheduler.h). A coroutine is always either run or closed:
// no "never awaited" warning.
//
// Beyond reach this round: a step that never awaits (an endless loop
// between two awaits) holds the loop thread and the GIL; it is not stopped,
// since no Entry covers it. Calls the coroutine makes to other modules have
// no deadline of their own.
#ifndef DUET_BINDINGS_PYTHON_ASYNC_LOOP_H_
#define DUET_BINDINGS_PYTHON_ASYNC_LOOP_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "duet/engine/stop.h"
#include "duet/internal/watchdog.h"
#include "duet/runtime.h"
#include "interpreter.h"

namespace duet::python {

class AsyncLoop : public std::enable_shared_from_this<AsyncLoop> {
 public:
  explicit AsyncLoop(std::shared_ptr<Interpreter> interpreter)
      : interpreter_(std::move(interpreter)) {}
  // Stops the loop thread: tasks still running are cancelled (given 1 s to
  // finish) and the loop closed. Without the GIL.
  ~AsyncLoop();
  AsyncLoop(const AsyncLoop&) = delete;
  AsyncLoop& operator=(const AsyncLoop&) = delete;

  // Stops the loop thread as the destructor does, for the owner to call
  // before letting go: otherwise the last reference may go on the loop
  // thread itself (a call's completion running there while the host
  // closes), and a thread cannot join itself (std::terminate, "Resource
  // deadlock avoided"). Without the GIL; once the owner's calls have ended.
  void Shutdown();

  // GIL held (inside the call's Entry). Runs `coroutine` as a Task on the
  // loop, starting the loop first if needed; `done` runs once, on a
  // scheduler thread without the GIL, with its result converted (within
  // `deadline` and `budget_bytes`), its exception as a status, or the stop
  // status at `deadline` or Interrupt. `source` names the module in logs.
  // When the loop cannot start, the coroutine is closed and `done` gets
  // kInternal saying why.
  // `cancellation`, when given, ends the call with kCancelled (its Task
  // cancelled) as Interrupt would.
  void Submit(py::object coroutine, HostServices& services, std::string source,
              absl::Time deadline, size_t budget_bytes,
              Implementation::Completion done,
              std::shared_ptr<CallCancellation> cancellation = nullptr);

  // A call a coroutine step makes to another module's async function
  // (HostServices::CallModuleOrStart), awaited through an asyncio Future.
  struct Awaited {
    std::weak_ptr<AsyncLoop> loop;
    std::shared_ptr<CallCancellation> cancellation =
        std::make_shared<CallCancellation>();
    absl::Mutex mutex;
    // The result, when the call ended before its Future existed.
    std::optional<absl::StatusOr<Value>> result ABSL_GUARDED_BY(mutex);
    py::object future ABSL_GUARDED_BY(mutex);  // GIL held to touch it
    bool adopted ABSL_GUARDED_BY(mutex) = false;
  };
  // GIL held, on the loop thread: a call about to be made.
  std::shared_ptr<Awaited> NewAwaited();
  // What the host runs when the started call ends (any thread, no GIL).
  static Implementation::Completion AwaitedCompletion(
      std::shared_ptr<Awaited> awaited);
  // GIL held, on the loop thread, once the call started: the Future the
  // coroutine awaits. Cancelling it (the awaiting Task cancelled) cancels
  // the call.
  py::object Adopt(const std::shared_ptr<Awaited>& awaited);

  // Whether a call may wait here for a coroutine it submitted: not on the
  // loop's own thread (a coroutine step calling back into Python through
  // another engine), where the wait would block the loop it waits for.
  // `what` names the function in the error.
  absl::Status CanWaitHere(std::string_view what) const;

  // Any thread, no GIL: every awaiting call ends with kCancelled.
  void InterruptCalls();

  // One awaiting call (async_loop.cc).
  struct Call;

 private:
  absl::Status Start();  // GIL held
  // A scheduler task, no GIL: ends call `id` for `reason` unless it ended.
  void Stop(uint64_t id, engine::StopReason reason);
  // No GIL: settles the Future of `awaited` with `result`.
  void SettleAwaited(const std::shared_ptr<Awaited>& awaited,
                     absl::StatusOr<Value> result);
  // GIL held: (ok, value or exception) for `result`.
  static py::tuple SettlementFor(absl::StatusOr<Value> result);

  // GIL held, on the loop thread: the Task of `call` is done.
  void Finished(const std::shared_ptr<Call>& call, py::handle future);

  std::shared_ptr<Interpreter> interpreter_;
  // GIL held.
  py::object loop_;        // the asyncio loop, once started
  py::object submit_;      // the glue's submit(loop, coroutine, token)
  py::object run_;         // the glue's run(loop): the thread's body
  py::object futures_;     // dict: call id -> concurrent.futures.Future
  py::object await_call_;  // the glue's await_call(loop, cancel)
  py::object settle_;      // the glue's settle(future, ok, value)
  uint64_t next_id_ = 1;
  std::thread thread_;

  // Held (without the GIL while waiting for it) by the thread starting the
  // loop.
  absl::Mutex start_mutex_;
  std::atomic<bool> started_{false};

  absl::Mutex mutex_;
  std::map<uint64_t, std::shared_ptr<Call>> awaiting_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace duet::python

#endif  // DUET_BINDINGS_PYTHON_ASYNC_LOOP_H_
