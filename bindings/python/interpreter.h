// The process's one CPython interpreter, shared by every Python runtime.
//
// The first Interpreter::Acquire() starts it without signal handlers (so
// SIGINT stays the application's and sys.exit() is an ordinary SystemExit)
// and releases the GIL; any thread may then enter with py::gil_scoped_acquire.
// Each runtime holds a lease, and so does each Implementation and ReplSession
// it made; when the last lease goes, the interpreter is finalised. Starting
// and finalising run on the interpreter's own thread (the caller waits), so
// the thread that acquires, calls or drops the last lease may be any thread,
// including one that exits while the interpreter runs on. A later Acquire()
// starts a fresh interpreter: modules imported before are gone, and C
// extension modules may not all survive a restart (a CPython limitation).
#ifndef DUET_BINDINGS_PYTHON_INTERPRETER_H_
#define DUET_BINDINGS_PYTHON_INTERPRETER_H_

#include <memory>

#include "absl/status/statusor.h"
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
  py::object frame_class;
  py::object deadline_class;  // duet.DeadlineExceeded
  py::object drain;           // a no-op, run to take a pending async exception
  py::object load;
  py::object unload;
  py::object exports;
  py::object describe;
  py::object repl_namespace;
  py::object repl_refresh;
  py::object repl_compile;
  py::object repl_run;
  py::object repl_incomplete;
  py::object repl_complete;
};

class Interpreter {
 public:
  // A lease on the running interpreter, starting it if needed.
  // kFailedPrecondition when it cannot start, or when Python was already
  // initialised by someone else in this process.
  static absl::StatusOr<std::shared_ptr<Interpreter>> Acquire();
  ~Interpreter();

  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

 private:
  Interpreter() = default;
};

// Valid while a lease is held; use under the GIL.
Globals& GetGlobals();

// py::gil_scoped_acquire that also keeps the Python thread state pybind11
// made for this thread, for the thread's next call: creating and deleting
// one per call costs ~100 us. The kept state is deleted when the thread
// exits (or freed by finalisation, whichever comes first). Needs a lease.
class ScopedGil {
 public:
  ScopedGil();
  ~ScopedGil();
  ScopedGil(const ScopedGil&) = delete;
  ScopedGil& operator=(const ScopedGil&) = delete;

 private:
  py::gil_scoped_acquire gil_;
};

}  // namespace duet::python

#endif  // DUET_BINDINGS_PYTHON_INTERPRETER_H_
