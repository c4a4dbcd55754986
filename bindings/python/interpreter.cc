#include "interpreter.h"

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "arena_cache.h"
#include "convert.h"
#include "duet/engine/function_owner.h"
#include "duet/internal/status_macros.h"
#include "duet_module.h"
#include "entry.h"
#include "pybind11/embed.h"
#include "python_bytecode.h"
#include "python_sources.h"

// Not part of Python.h, and needs it first.
#include "marshal.h"

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
// The options every lease shares; set while lease_count > 0.
std::optional<PythonOptions> leased_options ABSL_GUARDED_BY(interpreter_mutex);
// Why CPython failed part-way through starting. It cannot be started again
// in this process then (a second Py_InitializeFromConfig fails too).
std::string failed_start ABSL_GUARDED_BY(interpreter_mutex);
// Counts interpreter starts and attachments, so a thread state kept from an
// earlier interpreter (freed by its finalisation) is never touched again.
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

// One of duet's Python modules: its text, and that text compiled at build
// time (python_bytecode.h).
struct ModuleSource {
  const char* name;
  const char* source;
  const char* file;
  const unsigned char* bytecode;
  size_t bytecode_size;
};

// Whether the bytecode compiled at build time is what Py_CompileString would
// make here: the same bytecode format, and no optimisation asked for (-O
// would drop asserts).
bool BuildBytecodeUsable(const py::module_& sys) {
  return PyImport_GetMagicNumber() == kBytecodeMagic &&
         sys.attr("flags").attr("optimize").cast<long>() == 0;
}

py::module_ ExecModule(const ModuleSource& module_source, bool bytecode_usable,
                       const py::module_& native) {
  py::module_ module =
      py::reinterpret_steal<py::module_>(PyModule_New(module_source.name));
  if (!module) throw py::error_already_set();
  py::dict namespace_dict =
      py::reinterpret_borrow<py::dict>(PyModule_GetDict(module.ptr()));
  namespace_dict["_native"] = native;
  namespace_dict["__builtins__"] = py::handle(PyEval_GetBuiltins());
  py::object code = py::reinterpret_steal<py::object>(
      bytecode_usable
          ? PyMarshal_ReadObjectFromString(
                reinterpret_cast<const char*>(module_source.bytecode),
                static_cast<Py_ssize_t>(module_source.bytecode_size))
          : Py_CompileString(module_source.source, module_source.file,
                             Py_file_input));
  if (!code) throw py::error_already_set();
  py::object result = py::reinterpret_steal<py::object>(
      PyEval_EvalCode(code.ptr(), namespace_dict.ptr(), namespace_dict.ptr()));
  if (!result) throw py::error_already_set();
  return module;
}

py::object PathOrThrow(const std::filesystem::path& path) {
  py::object out = py::reinterpret_steal<py::object>(PathToPython(path));
  if (!out) throw py::error_already_set();
  return out;
}

// Builds the duet modules (GIL held): in a freshly started interpreter, or
// in the application's (`attached`), where what it changes is recorded so
// that RemoveModules can undo it.
std::unique_ptr<Globals> InstallModules(const PythonOptions& options,
                                        bool attached) {
  auto out = std::make_unique<Globals>();
  py::module_ sys = py::module_::import("sys");
  out->saved_dont_write_bytecode = sys.attr("dont_write_bytecode");
  // Plugin directories may be read-only, and are not ours to write to.
  sys.attr("dont_write_bytecode") = true;
  py::dict modules = sys.attr("modules");

  py::list search_path = sys.attr("path");
  for (auto it = options.extra_paths.rbegin(); it != options.extra_paths.rend();
       ++it) {
    py::object entry = PathOrThrow(*it);
    search_path.insert(0, entry);
    out->added_paths.append(entry);
  }

  py::module_ native =
      py::reinterpret_steal<py::module_>(PyModule_New("_duet_native"));
  if (!native) throw py::error_already_set();
  DefineNativeFunctions(native);

  const bool bytecode_usable = BuildBytecodeUsable(sys);
  out->duet = ExecModule({"duet", kDuetModuleSource, kDuetModuleFile,
                          kDuetModuleCode, sizeof(kDuetModuleCode)},
                         bytecode_usable, native);
  modules["duet"] = out->duet;
  out->internal =
      ExecModule({"_duet_internal", kInternalModuleSource, kInternalModuleFile,
                  kInternalModuleCode, sizeof(kInternalModuleCode)},
                 bytecode_usable, native);
  out->error_class = out->duet.attr("Error");
  out->script_error_class = out->duet.attr("ScriptError");
  out->frame_class = out->internal.attr("make_frame");
  out->deadline_class = out->duet.attr("DeadlineExceeded");
  out->drain = out->internal.attr("drain");
  out->load = out->internal.attr("load");
  out->unload = out->internal.attr("unload");
  out->exports = out->internal.attr("exports");
  out->is_coroutine_function = out->internal.attr("is_coroutine_function");
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

  // An application's own output outside plugin calls stays where it went.
  out->internal.attr("install_streams")(/*keep_outside=*/attached);
  // sys.executable is the application's business in its own interpreter.
  if (!attached) out->internal.attr("set_executable")(DUET_PYTHON_EXECUTABLE);
  return out;
}

// Undoes InstallModules in the application's interpreter (GIL held), as far
// as it can: modules a plugin imported from elsewhere stay imported.
void RemoveModules(Globals& installed) {
  try {
    installed.internal.attr("restore_streams")();
  } catch (py::error_already_set& e) {
    // The streams then go on forwarding outside calls, where they wrote.
  }
  try {
    installed.internal.attr("remove_import_hooks")();
  } catch (py::error_already_set& e) {
    // A hook left in place passes every import outside a plugin through.
  }
  try {
    py::module_ sys = py::module_::import("sys");
    py::dict modules = sys.attr("modules");
    for (const char* name : {"duet", "_duet_plugins"}) {
      if (modules.contains(name)) PyDict_DelItemString(modules.ptr(), name);
    }
    py::list search_path = sys.attr("path");
    for (py::handle added : installed.added_paths) {
      if (search_path.contains(added)) search_path.attr("remove")(added);
    }
    sys.attr("dont_write_bytecode") = installed.saved_dont_write_bytecode;
  } catch (py::error_already_set& e) {
    // What is left is harmless: a later Host installs afresh.
  }
}

// The standard library as CPython looks for it under a home (getpath.py:
// PREFIX or PREFIX:EXEC_PREFIX; PREFIX/lib/python3.X, or the zip beside it).
// Checked before starting: a CPython that fails to start part-way prints its
// path configuration to stderr and can never start again in this process.
absl::Status CheckHome(const std::filesystem::path& home) {
  if (home.empty()) return absl::OkStatus();
  std::string text = home.string();
  std::filesystem::path prefix = text.substr(0, text.find(':'));
  const std::string stdlib =
      absl::StrCat("python", PY_MAJOR_VERSION, ".", PY_MINOR_VERSION);
  const std::string zip =
      absl::StrCat("python", PY_MAJOR_VERSION, PY_MINOR_VERSION, ".zip");
  std::error_code ec;
  for (const char* lib : {"lib", "lib64"}) {
    if (std::filesystem::exists(prefix / lib / stdlib / "encodings", ec) ||
        std::filesystem::exists(prefix / lib / zip, ec)) {
      return absl::OkStatus();
    }
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "cannot start Python with PythonOptions::home '", text,
      "': it holds no Python ", PY_MAJOR_VERSION, ".", PY_MINOR_VERSION,
      " standard library (no ",
      (prefix / "lib" / stdlib / "encodings").string(),
      "); give the prefix of a Python ", PY_MAJOR_VERSION, ".",
      PY_MINOR_VERSION,
      " installation, or leave home empty for the one duet was built against"));
}

// Sends what CPython writes to stderr (fd 2) while starting to a temporary
// file: on failure it prints its path configuration, which belongs in the
// Status, not on the application's stderr. Anything else written meanwhile
// is passed on afterwards. Without a temporary file nothing is captured.
class StderrCapture {
 public:
  StderrCapture() {
    file_ = std::tmpfile();
    if (file_ == nullptr) return;
    std::fflush(stderr);
    saved_fd_ = dup(2);
    if (saved_fd_ < 0 || dup2(fileno(file_), 2) < 0) {
      if (saved_fd_ >= 0) close(saved_fd_);
      saved_fd_ = -1;
    }
  }
  ~StderrCapture() { Finish(); }

  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;

  // Restores stderr and returns what was written to it meanwhile.
  std::string Finish() {
    std::string captured;
    if (saved_fd_ >= 0) {
      std::fflush(stderr);
      dup2(saved_fd_, 2);
      close(saved_fd_);
      saved_fd_ = -1;
      std::rewind(file_);
      char buffer[4096];
      size_t n;
      while ((n = std::fread(buffer, 1, sizeof buffer, file_)) > 0) {
        captured.append(buffer, n);
      }
    }
    if (file_ != nullptr) std::fclose(file_);
    file_ = nullptr;
    return captured;
  }

 private:
  std::FILE* file_ = nullptr;
  int saved_fd_ = -1;
};

void WriteToStderr(std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(2, text.data(), text.size());
    if (n <= 0) return;
    text.remove_prefix(static_cast<size_t>(n));
  }
}

std::string DescribeHome(const PythonOptions& options) {
  return options.home.empty()
             ? std::string(
                   "the default home (the Python duet was built "
                   "against)")
             : absl::StrCat("home '", options.home.string(), "'");
}

// Py_InitializeFromConfig with `options`; on failure the status names
// CPython's reason, the home and what CPython printed.
absl::Status InitializeCPython(const PythonOptions& options)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(interpreter_mutex) {
  // CPython keeps the path configuration it computed (prefix, home,
  // program name) across a finalisation and reuses it for what a new config
  // leaves unset: without this, a restart would keep an earlier start's
  // home. Py_SetPath(NULL) clears it; it is deprecated in 3.11, but the
  // PyConfig API has no way to do the same.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  Py_SetPath(nullptr);
#pragma GCC diagnostic pop
  InstallArenaCache();
  PyConfig config;
  if (options.isolated) {
    PyConfig_InitIsolatedConfig(&config);
  } else {
    PyConfig_InitPythonConfig(&config);
    config.parse_argv = 0;  // there is no command line to parse
  }
  // No signal handlers: SIGINT stays the application's.
  config.install_signal_handlers = 0;
  PyStatus status = PyStatus_Ok();
  if (options.isolated) {
    // Left unset, CPython looks for "python3" on PATH and takes its prefix
    // (an activated virtual environment's, say) for sys.prefix.
    status = PyConfig_SetBytesString(&config, &config.program_name,
                                     DUET_PYTHON_EXECUTABLE);
  }
  if (!PyStatus_Exception(status) && !options.home.empty()) {
    status =
        PyConfig_SetBytesString(&config, &config.home, options.home.c_str());
  }
  std::string printed;
  bool initialize_ran = false;
  if (!PyStatus_Exception(status)) {
    StderrCapture capture;
    status = Py_InitializeFromConfig(&config);
    initialize_ran = true;
    printed = capture.Finish();
  }
  PyConfig_Clear(&config);
  if (!PyStatus_Exception(status)) {
    WriteToStderr(printed);
    return absl::OkStatus();
  }
  std::string cause =
      PyStatus_IsExit(status)
          ? absl::StrCat("CPython asked to exit with code ", status.exitcode)
          : absl::StrCat(status.func != nullptr ? status.func : "CPython", ": ",
                         status.err_msg != nullptr ? status.err_msg : "error");
  std::string message =
      absl::StrCat("cannot start the Python interpreter with ",
                   DescribeHome(options), ": ", cause);
  if (!printed.empty()) absl::StrAppend(&message, "\n", printed);
  if (initialize_ran) failed_start = message;
  return absl::FailedPreconditionError(message);
}

// pybind11 keeps where its per-interpreter state is in a static, and resets
// it only when it finalises the interpreter itself. After an application
// finalised an interpreter duet was attached to, that static points into
// the old one; the state of the running interpreter, if it has any, is in
// its builtins. Forgets the stale pointer (GIL held), so pybind11 sets up
// afresh; the old state is left alone, as others may point to it too.
void ForgetStalePybind11State() {
  py::detail::internals**& internals = py::detail::get_internals_pp();
  if (internals == nullptr || *internals == nullptr) return;
  if (PyDict_GetItemString(PyEval_GetBuiltins(), PYBIND11_INTERNALS_ID) !=
      nullptr) {
    return;
  }
  internals = nullptr;
}

// Starts duet's own interpreter on the calling thread, which keeps its
// main thread state (InterpreterThread).
absl::Status Start(const PythonOptions& options)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(interpreter_mutex) {
  DUET_RETURN_IF_ERROR(InitializeCPython(options));
  ForgetStalePybind11State();
  std::string error;
  try {
    globals = InstallModules(options, /*attached=*/false).release();
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

// Installs duet's modules in the application's interpreter, on the calling
// thread: PyGILState_Ensure works whether or not this thread holds the GIL
// or has a thread state, and leaves things as they were.
absl::Status Attach(const PythonOptions& options)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(interpreter_mutex) {
  std::string error;
  PyGILState_STATE gil = PyGILState_Ensure();
  {
    PyThreadState* current = PyThreadState_Get();
    ForgetStalePybind11State();
    py::detail::internals** existing = py::detail::get_internals_pp();
    const bool sets_up_pybind11 = existing == nullptr || *existing == nullptr;
    py::detail::internals& internals = py::detail::get_internals();
    // Setting itself up, pybind11 records the current thread state as one
    // it made; here it is the application's (or PyGILState's, deleted
    // below): never to be kept or deleted as ours (ScopedGil).
    if (sets_up_pybind11 &&
        PYBIND11_TLS_GET_VALUE(internals.tstate) == current) {
      PYBIND11_TLS_DELETE_VALUE(internals.tstate);
    }
    try {
      globals = InstallModules(options, /*attached=*/true).release();
    } catch (py::error_already_set& e) {
      error = e.what();
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  PyGILState_Release(gil);
  if (globals == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot set up the duet module in the application's Python: ", error));
  }
  ++interpreter_generation;
  current_generation.store(interpreter_generation, std::memory_order_release);
  StartStopper();
  return absl::OkStatus();
}

// Ends an attachment (on the thread dropping the last lease, which does not
// hold the GIL): the application's interpreter runs on without duet.
void Detach() ABSL_EXCLUSIVE_LOCKS_REQUIRED(interpreter_mutex) {
  EndStopper();  // it takes the GIL; no entry is left to stop
  PyGILState_STATE gil = PyGILState_Ensure();
  RemoveModules(*globals);
  delete globals;
  globals = nullptr;
  PyGILState_Release(gil);
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
  static absl::StatusOr<std::unique_ptr<InterpreterThread>> Launch(
      const PythonOptions& options)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(interpreter_mutex) {
    std::unique_ptr<InterpreterThread> owner(new InterpreterThread());
    owner->thread_ = std::thread([owner = owner.get(), &options] {
      // The launching thread holds interpreter_mutex until Launch() and
      // FinalizeAndJoin() return, which is what Start() and Finalize() need.
      interpreter_mutex.AssertHeld();
      owner->start_status_ = Start(options);
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

// Releases the GIL for its scope if this thread holds it, so that a thread
// of an application that keeps the GIL can take interpreter_mutex: a thread
// holding that mutex may be waiting for the GIL (~KeptThreadState, Detach).
class ReleaseGilIfHeld {
 public:
  ReleaseGilIfHeld() {
    PyThreadState* mine = PyGILState_GetThisThreadState();
    if (mine != nullptr && mine == py::detail::get_thread_state_unchecked()) {
      state_ = PyEval_SaveThread();
    }
  }
  ~ReleaseGilIfHeld() {
    if (state_ != nullptr) PyEval_RestoreThread(state_);
  }
  ReleaseGilIfHeld(const ReleaseGilIfHeld&) = delete;
  ReleaseGilIfHeld& operator=(const ReleaseGilIfHeld&) = delete;

 private:
  PyThreadState* state_ = nullptr;
};

std::string Quoted(const std::filesystem::path& path) {
  return absl::StrCat("'", path.string(), "'");
}

std::string DescribePaths(const std::vector<std::filesystem::path>& paths) {
  return absl::StrCat(
      "[",
      absl::StrJoin(paths, ", ",
                    [](std::string* out, const std::filesystem::path& path) {
                      out->append(Quoted(path));
                    }),
      "]");
}

// kFailedPrecondition naming the first field in which `asked` differs from
// the options of the leases held.
absl::Status CheckSameOptions(const PythonOptions& running,
                              const PythonOptions& asked) {
  auto conflict = [](const char* field, const std::string& here,
                     const std::string& there) {
    return absl::FailedPreconditionError(absl::StrCat(
        "PythonOptions::", field, " is ", here,
        " for this Host, but the Python interpreter that another Host uses "
        "has ",
        there,
        "; CPython runs one interpreter per process, so Hosts that use "
        "Python at the same time need the same PythonOptions"));
  };
  auto text = [](bool value) { return std::string(value ? "true" : "false"); };
  if (asked.use_running_interpreter != running.use_running_interpreter) {
    return conflict("use_running_interpreter",
                    text(asked.use_running_interpreter),
                    text(running.use_running_interpreter));
  }
  if (asked.isolated != running.isolated) {
    return conflict("isolated", text(asked.isolated), text(running.isolated));
  }
  if (asked.home != running.home) {
    return conflict("home", Quoted(asked.home), Quoted(running.home));
  }
  if (asked.extra_paths != running.extra_paths) {
    return conflict("extra_paths", DescribePaths(asked.extra_paths),
                    DescribePaths(running.extra_paths));
  }
  return absl::OkStatus();
}

// `options` with its paths absolute, as they are compared and used.
absl::StatusOr<PythonOptions> Normalize(PythonOptions options) {
  if (options.use_running_interpreter && !options.home.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "PythonOptions::home (", Quoted(options.home),
        ") cannot apply with use_running_interpreter: the application's "
        "interpreter is already configured"));
  }
  auto absolute = [](std::filesystem::path& path) {
    std::error_code ec;
    std::filesystem::path made = std::filesystem::absolute(path, ec);
    if (!ec) path = made.lexically_normal();
  };
  if (!options.home.empty()) absolute(options.home);
  for (std::filesystem::path& path : options.extra_paths) absolute(path);
  return options;
}

}  // namespace

absl::StatusOr<std::shared_ptr<Interpreter>> Interpreter::Acquire(
    const PythonOptions& asked) {
  DUET_ASSIGN_OR_RETURN(PythonOptions options, Normalize(asked));
  std::optional<ReleaseGilIfHeld> released;
  if (options.use_running_interpreter && Py_IsInitialized()) released.emplace();
  absl::MutexLock lock(&interpreter_mutex);
  if (lease_count > 0) {
    DUET_RETURN_IF_ERROR(CheckSameOptions(*leased_options, options));
  } else if (options.use_running_interpreter) {
    if (!Py_IsInitialized()) {
      return absl::FailedPreconditionError(
          "PythonOptions::use_running_interpreter is set, but no Python "
          "interpreter is running in this process: initialise CPython before "
          "creating the Host, or leave the option unset so that duet starts "
          "its own");
    }
    DUET_RETURN_IF_ERROR(Attach(options));
    leased_options = options;
  } else {
    if (!failed_start.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "CPython cannot start again in this process after a failed start (",
          failed_start, ")"));
    }
    if (Py_IsInitialized()) {
      return absl::FailedPreconditionError(
          "a Python interpreter is already running in this process (the "
          "application started it); set "
          "HostOptions::python.use_running_interpreter so that duet uses it "
          "instead of starting its own");
    }
    DUET_RETURN_IF_ERROR(CheckHome(options.home));
    DUET_ASSIGN_OR_RETURN(std::unique_ptr<InterpreterThread> started,
                          InterpreterThread::Launch(options));
    interpreter_thread = started.release();
    leased_options = options;
  }
  ++lease_count;
  return std::shared_ptr<Interpreter>(
      new Interpreter(leased_options->use_running_interpreter));
}

Interpreter::~Interpreter() {
  std::optional<ReleaseGilIfHeld> released;
  if (attached_) released.emplace();
  absl::MutexLock lock(&interpreter_mutex);
  if (--lease_count > 0) return;
  leased_options.reset();
  if (attached_) {
    Detach();
    return;
  }
  interpreter_thread->FinalizeAndJoin();
  delete interpreter_thread;
  interpreter_thread = nullptr;
}

Globals& GetGlobals() { return *globals; }

uint64_t InterpreterGeneration() {
  return current_generation.load(std::memory_order_acquire);
}

void ScopedGil::Take() {
  engine::EngineLockTaken();  // the GIL is an engine lock (function_owner.h)
  uint64_t now = current_generation.load(std::memory_order_acquire);
  KeptThreadState& kept = kept_thread_state;
  // In 3.11 the unchecked current state is that of whichever thread holds
  // the GIL: when it is this thread's own kept state, this thread holds it.
  if (kept.state != nullptr && kept.generation == now) {
    if (_PyThreadState_UncheckedGet() == kept.state) return;
    PyEval_RestoreThread(kept.state);
    restored_ = true;
    return;
  }
  gil_.emplace();
  PyThreadState* state = PyThreadState_Get();
  if (kept.state == state && kept.generation == now) return;
  // Keep only states pybind11 made for this thread: the main thread's and
  // those of threads Python started belong to Python.
  if (PYBIND11_TLS_GET_VALUE(py::detail::get_internals().tstate) != state) {
    return;
  }
  gil_->inc_ref();  // never reaches zero, so the state outlives this scope
  kept.state = state;
  kept.generation = now;
}

void ScopedGil::Release() {
  engine::EngineLockReleased();
  if (restored_) PyEval_SaveThread();
}

}  // namespace duet::python
