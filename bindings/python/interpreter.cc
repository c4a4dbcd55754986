#include "interpreter.h"

#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "duet/engine/function_owner.h"
#include "duet/internal/status_macros.h"
#include "duet_module.h"
#include "entry.h"
#include "pybind11/embed.h"
#include "python_sources.h"

namespace duet::python {
namespace {

// Guards starting and finalising; calls into Python never take it.
absl::Mutex interpreter_mutex;
int lease_count ABSL_GUARDED_BY(interpreter_mutex) = 0;
// The thread state Py_Initialize made, parked while the GIL is released.
// It belongs to the interpreter's own thread (see InterpreterThread).
PyThreadState* main_thread_state ABSL_GUARDED_BY(interpreter_mutex) = nullptr;
// Owned; created at start and destroyed (under the GIL) before finalising.
Globals* globals = nullptr;
// Counts interpreter starts, so a thread state kept from an earlier
// interpreter (freed by its finalisation) is never touched again.
uint64_t interpreter_generation ABSL_GUARDED_BY(interpreter_mutex) = 0;
std::atomic<uint64_t> current_generation{0};

// This thread's kept Python thread state (see ScopedGil).
struct KeptThreadState {
  PyThreadState* state = nullptr;
  uint64_t generation = 0;

  ~KeptThreadState() {
    if (state == nullptr) return;
    absl::MutexLock lock(&interpreter_mutex);
    if (lease_count == 0 || generation != interpreter_generation) return;
    PyEval_RestoreThread(state);
    PyThreadState_Clear(state);
    PyThreadState_DeleteCurrent();  // releases the GIL
  }
};
thread_local KeptThreadState kept_thread_state;

py::module_ ExecModule(const char* name, const char* source, const char* file,
                       const py::module_& native) {
  py::module_ module = py::reinterpret_steal<py::module_>(PyModule_New(name));
  if (!module) throw py::error_already_set();
  py::dict namespace_dict =
      py::reinterpret_borrow<py::dict>(PyModule_GetDict(module.ptr()));
  namespace_dict["_native"] = native;
  namespace_dict["__builtins__"] = py::handle(PyEval_GetBuiltins());
  py::object code = py::reinterpret_steal<py::object>(
      Py_CompileString(source, file, Py_file_input));
  if (!code) throw py::error_already_set();
  py::object result = py::reinterpret_steal<py::object>(
      PyEval_EvalCode(code.ptr(), namespace_dict.ptr(), namespace_dict.ptr()));
  if (!result) throw py::error_already_set();
  return module;
}

// Builds the duet modules in a freshly started interpreter (GIL held).
std::unique_ptr<Globals> InstallModules() {
  py::module_ sys = py::module_::import("sys");
  // Plugin directories may be read-only, and are not ours to write to.
  sys.attr("dont_write_bytecode") = true;
  py::dict modules = sys.attr("modules");

  py::module_ native =
      py::reinterpret_steal<py::module_>(PyModule_New("_duet_native"));
  if (!native) throw py::error_already_set();
  DefineNativeFunctions(native);

  auto out = std::make_unique<Globals>();
  out->duet = ExecModule("duet", kDuetModuleSource, kDuetModuleFile, native);
  modules["duet"] = out->duet;
  out->internal = ExecModule("_duet_internal", kInternalModuleSource,
                             kInternalModuleFile, native);
  out->error_class = out->duet.attr("Error");
  out->script_error_class = out->duet.attr("ScriptError");
  out->frame_class = out->duet.attr("Frame");
  out->deadline_class = out->duet.attr("DeadlineExceeded");
  out->drain = out->internal.attr("drain");
  out->load = out->internal.attr("load");
  out->unload = out->internal.attr("unload");
  out->exports = out->internal.attr("exports");
  out->describe = out->internal.attr("describe");
  out->repl_namespace = out->internal.attr("repl_namespace");
  out->repl_refresh = out->internal.attr("repl_refresh");
  out->repl_compile = out->internal.attr("repl_compile");
  out->repl_run = out->internal.attr("repl_run");
  out->repl_incomplete = out->internal.attr("repl_incomplete");
  out->repl_complete = out->internal.attr("repl_complete");

  // Every plugin is imported as a package under this one.
  py::module_ plugins =
      py::reinterpret_steal<py::module_>(PyModule_New("_duet_plugins"));
  if (!plugins) throw py::error_already_set();
  plugins.attr("__path__") = py::list();
  modules["_duet_plugins"] = plugins;

  out->internal.attr("install_streams")();
  return out;
}

absl::Status Start() ABSL_EXCLUSIVE_LOCKS_REQUIRED(interpreter_mutex) {
  if (Py_IsInitialized()) {
    return absl::FailedPreconditionError(
        "a Python interpreter is already running in this process; duet's "
        "Python runtime must start it itself");
  }
  try {
    // No signal handlers: SIGINT stays the application's. No program
    // directory (or current directory) on sys.path.
    py::initialize_interpreter(/*init_signal_handlers=*/false, 0, nullptr,
                               /*add_program_dir_to_path=*/false);
  } catch (const std::exception& e) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot start the Python interpreter: ", e.what()));
  }
  std::string error;
  try {
    globals = InstallModules().release();
  } catch (py::error_already_set& e) {
    error = e.what();
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (globals == nullptr) {
    py::finalize_interpreter();
    return absl::FailedPreconditionError(
        absl::StrCat("cannot set up the duet module in Python: ", error));
  }
  ++interpreter_generation;
  current_generation.store(interpreter_generation, std::memory_order_release);
  main_thread_state = PyEval_SaveThread();
  StartStopper();
  return absl::OkStatus();
}

// Finalisation joins every non-daemon thread a plugin started
// (threading._shutdown): give them kThreadGrace in all, then name and
// abandon those still running, so finalisation goes on (CPython ends them
// when they next want the GIL).
constexpr double kThreadGraceSeconds = 1.0;

void Finalize() ABSL_EXCLUSIVE_LOCKS_REQUIRED(interpreter_mutex) {
  EndStopper();  // it takes the GIL; no entry is left to stop
  PyEval_RestoreThread(main_thread_state);
  main_thread_state = nullptr;
  try {
    // Outside any entry, the warning goes to the process's stderr.
    globals->internal.attr("abandon_threads")(kThreadGraceSeconds);
  } catch (py::error_already_set& e) {
    // The threads then block finalisation, as they would without duet.
  }
  try {
    globals->internal.attr("restore_streams")();
  } catch (py::error_already_set& e) {
    // Shutting down anyway; the streams only matter for stray output.
  }
  delete globals;
  globals = nullptr;
  py::finalize_interpreter();
}

// Starts the interpreter, and later finalises it, on a thread of its own
// that lives exactly as long as the interpreter. The thread state
// Py_Initialize makes belongs to the thread that called it (its thread id,
// and pybind11's and PyGILState's per-thread records of it): made on a
// caller's thread, it would be kept and deleted when that thread exits
// (ScopedGil), or outlive it, leaving finalisation to a state of a dead
// thread whose id a new thread may reuse. Here no caller's thread ever owns
// it, so any thread may start, call and finalise, in any order; each gets
// its own thread state. Only starting and finalising cross threads: calls
// do not.
class InterpreterThread {
 public:
  // Runs Start() on the new thread and waits for it; on failure the thread
  // has ended.
  static absl::StatusOr<std::unique_ptr<InterpreterThread>> Launch()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(interpreter_mutex) {
    std::unique_ptr<InterpreterThread> owner(new InterpreterThread());
    owner->thread_ = std::thread([owner = owner.get()] {
      // The launching thread holds interpreter_mutex until Launch() and
      // FinalizeAndJoin() return, which is what Start() and Finalize() need.
      interpreter_mutex.AssertHeld();
      owner->start_status_ = Start();
      owner->started_.Notify();
      if (!owner->start_status_.ok()) return;
      owner->finalise_.WaitForNotification();
      interpreter_mutex.AssertHeld();
      Finalize();
    });
    owner->started_.WaitForNotification();
    if (!owner->start_status_.ok()) {
      owner->thread_.join();
      return owner->start_status_;
    }
    return owner;
  }

  // Finalises the interpreter on its thread and waits until it has.
  void FinalizeAndJoin() ABSL_EXCLUSIVE_LOCKS_REQUIRED(interpreter_mutex) {
    finalise_.Notify();
    thread_.join();
  }

 private:
  InterpreterThread() = default;

  absl::Notification started_;
  absl::Status start_status_;  // written before started_ is notified
  absl::Notification finalise_;
  std::thread thread_;
};

// Running while lease_count > 0.
InterpreterThread* interpreter_thread ABSL_GUARDED_BY(interpreter_mutex) =
    nullptr;

}  // namespace

absl::StatusOr<std::shared_ptr<Interpreter>> Interpreter::Acquire() {
  absl::MutexLock lock(&interpreter_mutex);
  if (lease_count == 0) {
    DUET_ASSIGN_OR_RETURN(std::unique_ptr<InterpreterThread> started,
                          InterpreterThread::Launch());
    interpreter_thread = started.release();
  }
  ++lease_count;
  return std::shared_ptr<Interpreter>(new Interpreter());
}

Interpreter::~Interpreter() {
  absl::MutexLock lock(&interpreter_mutex);
  if (--lease_count > 0) return;
  interpreter_thread->FinalizeAndJoin();
  delete interpreter_thread;
  interpreter_thread = nullptr;
}

Globals& GetGlobals() { return *globals; }

ScopedGil::ScopedGil() {
  engine::EngineLockTaken();  // the GIL is an engine lock (function_owner.h)
  PyThreadState* state = PyThreadState_Get();
  uint64_t now = current_generation.load(std::memory_order_acquire);
  KeptThreadState& kept = kept_thread_state;
  if (kept.state == state && kept.generation == now) return;
  // Keep only states pybind11 made for this thread: the main thread's and
  // those of threads Python started belong to Python.
  if (PYBIND11_TLS_GET_VALUE(py::detail::get_internals().tstate) != state) {
    return;
  }
  gil_.inc_ref();  // never reaches zero, so the state outlives this scope
  kept.state = state;
  kept.generation = now;
}

ScopedGil::~ScopedGil() { engine::EngineLockReleased(); }

}  // namespace duet::python
