// Python functions as duet function Values, and the one way to call a
// Python function from the host (an exported function or a function Value).
// See engine/function_owner.h for when handles are released.
#ifndef DUET_BINDINGS_PYTHON_FUNCTIONS_H_
#define DUET_BINDINGS_PYTHON_FUNCTIONS_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "duet/engine/function_owner.h"
#include "duet/runtime.h"
#include "duet/value.h"
#include "entry.h"
#include "interpreter.h"
#include "pybind11/pybind11.h"

namespace duet::python {

class AsyncLoop;

// The Python callables one implementation (or REPL session) handed out as
// Values; a handle is a PyObject* it holds a reference to. Holds an
// interpreter lease, so a handle can be released whenever its Value goes.
class PyFunctionOwner : public engine::FunctionOwner {
 public:
  // Made with std::make_shared only (Register needs shared_from_this).
  // `async_loop` runs the coroutines its async functions return (none: a
  // coroutine result is refused as unconvertible).
  static std::shared_ptr<PyFunctionOwner> Create(
      std::shared_ptr<Interpreter> interpreter, HostServices& services,
      std::shared_ptr<RunningEntries> running, std::string module,
      size_t value_budget_bytes,
      std::shared_ptr<AsyncLoop> async_loop = nullptr);
  PyFunctionOwner(std::shared_ptr<Interpreter> interpreter,
                  HostServices& services,
                  std::shared_ptr<RunningEntries> running, std::string module,
                  size_t value_budget_bytes,
                  std::shared_ptr<AsyncLoop> async_loop)
      : FunctionOwner(Language::kPython, std::move(module)),
        interpreter_(std::move(interpreter)),
        services_(services),
        running_(std::move(running)),
        value_budget_bytes_(value_budget_bytes),
        async_loop_(std::move(async_loop)) {}

  // Every entry into Python (any module: they share the GIL) releases the
  // handles queued in any owner. GIL held. Inline, a plain load: most
  // entries find nothing queued (the exchange is a locked instruction).
  static void DrainEveryOwner() {
    if (any_queued_.load(std::memory_order_relaxed)) DrainQueued();
  }

  // Valid while a call counted by Enter() runs.
  HostServices& services() const { return services_; }
  const std::shared_ptr<RunningEntries>& running() const { return running_; }
  size_t value_budget_bytes() const { return value_budget_bytes_; }
  AsyncLoop* async_loop() const { return async_loop_.get(); }

  // The function Value for `callable` (borrowed), held from now on. GIL
  // held, inside an entry of this owner.
  Value::CallablePtr MakeFunction(PyObject* callable);

 private:
  static void DrainQueued();

  // Some owner queued a handle since the last drain.
  static inline std::atomic<bool> any_queued_{false};

  void ReleaseHandle(void* handle) override;
  void DrainUnderLock() override;
  void Queued() override;

  const std::shared_ptr<Interpreter> interpreter_;
  HostServices& services_;
  const std::shared_ptr<RunningEntries> running_;
  const size_t value_budget_bytes_;
  const std::shared_ptr<AsyncLoop> async_loop_;
};

// `callable` as a Value function: the duet.Function's own Callable, the
// original callable of a Python function Value (from any module), else a
// new function Value held by the current entry's owner. kInvalidArgument
// (no path) outside an entry that can hold functions. GIL held.
absl::StatusOr<Value> CallableToValue(PyObject* callable);

// A function Value in Python, a new reference: the original object for a
// Python function whose module is still loaded, else a duet.Function
// calling it. nullptr with a Python error set on failure. GIL held.
PyObject* FunctionToPython(const Value::CallablePtr& function);

// Closes `coroutine` and drops the caller's reference to it, so it is never
// reported as never awaited. GIL held.
void CloseCoroutine(PyObject* coroutine);

// Calls `function` inside `entry` (already entered, GIL held): converts the
// arguments, calls, converts the result under the entry's value budget, and
// finishes the entry. `what` names the code in a MemoryError's message. When
// `coroutine` is given and the result is a coroutine, it goes there (a new
// reference) unconverted and the Value returned means nothing; a call
// stopped meanwhile closes it and returns the stop status instead.
absl::StatusOr<Value> CallInEntry(Entry& entry, PyObject* function,
                                  absl::Span<const Value> args,
                                  absl::Time deadline,
                                  size_t value_budget_bytes,
                                  std::string_view what,
                                  PyObject** coroutine = nullptr);

}  // namespace duet::python

#endif  // DUET_BINDINGS_PYTHON_FUNCTIONS_H_
