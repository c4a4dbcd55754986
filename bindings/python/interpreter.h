// The process's one CPython interpreter, shared by every Python runtime.
//
// Two ways to have it (PythonOptions, duet/host.h):
//
// * Own (the default). The first Interpreter::Acquire() starts it from a
//   PyConfig (isolated unless asked otherwise, without signal handlers, so
//   SIGINT stays the application's and sys.exit() is an ordinary
//   SystemExit) and releases the GIL; any thread may then enter with
//   py::gil_scoped_acquire. When the last lease goes, it is finalised.
//   Starting and finalising run on the interpreter's own thread (the caller
//   waits), so the thread that acquires, calls or drops the last lease may
//   be any thread, including one that exits while the interpreter runs on.
//   A later Acquire() starts a fresh interpreter: modules imported before
//   are gone, and C extension modules may not all survive a restart (a
//   CPython limitation).
// * Attached (use_running_interpreter). The application initialised
//   CPython and owns its main thread state. The first lease installs duet's
//   modules on the calling thread under PyGILState_Ensure (so that thread
//   may or may not hold the GIL already); the last removes them there. The
//   interpreter is never finalised.
//
// Each runtime holds a lease, and so does each Implementation and
// ReplSession it made. The options are those of the first lease; a lease
// asked for with others while one is held is refused.
#ifndef DUET_BINDINGS_PYTHON_INTERPRETER_H_
#define DUET_BINDINGS_PYTHON_INTERPRETER_H_

#include <cstdint>
#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "duet/host.h"
#include "pybind11/pybind11.h"

namespace duet::python {

namespace py = pybind11;

// Python objects the engine keeps for the interpreter's lifetime. Released
// under the GIL just before finalisation.
struct Globals {
  py::module_ duet;      // `import duet`
  py::module_ internal;  // python_sources.h, kInternalModuleSource
  py::object error_class;
  py::object script_error_class;
  py::object frame_class;     // makes a duet.Frame
  py::object deadline_class;  // duet.DeadlineExceeded
  py::object drain;           // a no-op, run to take a pending async exception
  py::object load;
  py::object unload;
  py::object exports;
  py::object is_coroutine_function;  // as inspect.iscoroutinefunction
  py::object describe;
  py::object repl_namespace;
  py::object repl_refresh;
  py::object repl_compile;
  py::object repl_run;
  py::object repl_incomplete;
  py::object repl_complete;
  // What InstallModules changed, for an attached interpreter to undo.
  py::object saved_dont_write_bytecode;
  py::list added_paths;  // extra_paths as put on sys.path
};

class Interpreter {
 public:
  // A lease on the interpreter, starting it (or attaching to the
  // application's) if no lease is held. kFailedPrecondition when it cannot
  // start (the message names the cause and the home used), when the
  // application's interpreter is running and `options` do not say to use
  // it, or the other way round, and when a lease is held with options that
  // differ (naming the field); kInvalidArgument for options that contradict
  // each other.
  static absl::StatusOr<std::shared_ptr<Interpreter>> Acquire(
      const PythonOptions& options = {});
  ~Interpreter();

  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

 private:
  explicit Interpreter(bool attached) : attached_(attached) {}

  const bool attached_;  // to the application's interpreter
};

// Valid while a lease is held; use under the GIL.
Globals& GetGlobals();

// Which interpreter is running: changes with each start, so what was taken
// from an earlier interpreter (a C API capsule) is known to be stale.
uint64_t InterpreterGeneration();

// py::gil_scoped_acquire that also keeps the Python thread state pybind11
// made for this thread, for the thread's next call: creating and deleting
// one per call costs ~100 us. The kept state is deleted when the thread
// exits while a lease is held; otherwise finalisation frees it (duet's, or
// for an attached interpreter the application's). Needs a lease. A thread
// already holding the GIL with its kept state (a held scope's calls) takes
// nothing: pybind11's acquire would only count the state's use.
class ScopedGil {
 public:
  ScopedGil() : ScopedGil(/*kept_by_thread=*/false) {}
  // `kept_by_thread`: this thread keeps the GIL for a held scope, whose own
  // ScopedGil took and counted it; this one then does neither.
  explicit ScopedGil(bool kept_by_thread) : taken_(!kept_by_thread) {
    if (taken_) Take();
  }
  ~ScopedGil() {
    if (taken_) Release();
  }
  ScopedGil(const ScopedGil&) = delete;
  ScopedGil& operator=(const ScopedGil&) = delete;

 private:
  void Take();
  void Release();

  const bool taken_;
  std::optional<py::gil_scoped_acquire> gil_;
  // Took the GIL with this thread's kept state directly: pybind11's acquire
  // would look the same state up in its internals and thread-local storage
  // first, on every call.
  bool restored_ = false;
};

}  // namespace duet::python

#endif  // DUET_BINDINGS_PYTHON_INTERPRETER_H_
