// The CPython engine: Runtime, Implementation and ReplSession over the one
// shared interpreter (interpreter.h).
//
// Each implementation is imported as its own package,
// `_duet_plugins.<module>_<serial>`, whose __path__ is the plugin's root, so
// `from . import util` works and two plugins' util.py never meet; the entry
// file is the submodule named after its stem. The plugin directory is never
// put on sys.path; the packages in its vendor/ and .venv are the plugin's
// own (python_sources.h, `load`). Every entry (Load, Call, Evaluate) is an
// Entry (entry.h): it pushes a CallContext for the `duet` API, takes the GIL
// (ScopedGil, a py::gil_scoped_acquire that keeps the thread state between
// calls) and registers itself so a deadline or Interrupt() can stop it.
#include "python_runtime.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <typeinfo>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "async_loop.h"
#include "call_context.h"
#include "convert.h"
#include "duet/engine/awaited_result.h"
#include "duet/engine/held_lock.h"
#include "duet/error.h"
#include "duet/internal/conversion_guard.h"
#include "duet/internal/status_macros.h"
#include "duet/internal/strings.h"
#include "duet/internal/utf8.h"
#include "duet/internal/value_path.h"
#include "entry.h"
#include "errors.h"
#include "functions.h"
#include "interpreter.h"

namespace duet {
namespace python {
namespace {

using internal::ToAbsl;
using internal::ValuePath;

constexpr char kReplLogSource[] = "repl";

// Unique per load, so a plugin reloaded later gets a fresh package.
std::atomic<uint64_t> next_package_serial{1};

// `name` made a Python identifier ("my-plugin" -> "my_plugin").
std::string Identifier(std::string_view name) {
  std::string out;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_';
    out += ok ? c : '_';
  }
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out.insert(0, "_");
  return out;
}

py::object Path(const std::filesystem::path& path) {
  return py::reinterpret_steal<py::object>(PathToPython(path));
}

py::object Text(std::string_view text) {
  return py::reinterpret_steal<py::object>(TextToPython(text));
}

// Calls `function` with owned arguments; nullptr (Python error set) on
// failure.
template <typename... Args>
py::object CallPython(const py::object& function, const Args&... args) {
  return py::reinterpret_steal<py::object>(PyObject_CallFunctionObjArgs(
      function.ptr(), args.ptr()..., static_cast<PyObject*>(nullptr)));
}

class PythonImplementation : public Implementation {
 public:
  PythonImplementation(std::shared_ptr<Interpreter> interpreter,
                       HostServices& services,
                       std::shared_ptr<RunningEntries> running,
                       std::string module_name, size_t value_budget_bytes,
                       std::string package, py::object module,
                       std::vector<std::string> exports,
                       std::vector<py::object> functions,
                       std::vector<bool> async, absl::Duration unload_timeout,
                       std::shared_ptr<AsyncLoop> async_loop)
      : function_values_(
            PyFunctionOwner::Create(interpreter, services, running, module_name,
                                    value_budget_bytes, async_loop)),
        interpreter_(std::move(interpreter)),
        services_(services),
        running_(std::move(running)),
        module_name_(std::move(module_name)),
        value_budget_bytes_(value_budget_bytes),
        described_(absl::StrCat("module '", module_name_, "'")),
        package_(std::move(package)),
        module_(std::move(module)),
        exports_(std::move(exports)),
        functions_(std::move(functions)),
        async_(std::move(async)),
        unload_timeout_(unload_timeout),
        async_loop_(std::move(async_loop)) {}

  ~PythonImplementation() override {
    // Its function Values fail from now on; calls of them still running
    // end first (they hold the GIL's turn, so before the entry below).
    function_values_->Kill();
    // Dropping the module runs its objects' finalisers: an entry, so a
    // finaliser that loops is stopped at the load time limit or by
    // Interrupt().
    Entry entry(services_, module_name_, running_,
                absl::Now() + unload_timeout_);
    // Before the module goes, so cycles through other heaps are broken and
    // collected with it.
    function_values_->ReleaseAll();
    functions_.clear();
    module_ = py::object();
    py::object collect = py::reinterpret_borrow<py::object>(Py_True);
    if (!CallPython(GetGlobals().unload, Text(package_), collect)) {
      PyErr_Clear();
    }
    // Stopped, the unload itself may have been cut short: finish it.
    if (entry.Finish() != StopReason::kNone &&
        !CallPython(GetGlobals().unload, Text(package_))) {
      PyErr_Clear();
    }
  }

  Language language() const override { return Language::kPython; }
  const std::vector<std::string>& exports() const override { return exports_; }
  bool IsAsync(size_t function) const override {
    return function < async_.size() && async_[function];
  }

  absl::StatusOr<Value> Call(size_t function, absl::Span<const Value> args,
                             absl::Time deadline) override {
    return CallAndAwait(/*kept=*/nullptr, function, args, deadline);
  }

  std::unique_ptr<HeldEngineLock> HoldLock() override {
    return std::make_unique<HeldGil>(*this);
  }

  void CallAsync(size_t function, absl::Span<const Value> args,
                 absl::Time deadline, Completion done,
                 std::shared_ptr<CallCancellation> cancellation) override {
    bool awaiting = false;
    absl::StatusOr<Value> out =
        function < functions_.size()
            ? CallIn(
                  /*kept=*/nullptr, function, args, deadline,
                  [&done] { return std::move(done); }, &awaiting,
                  /*caller_waits=*/false, std::move(cancellation))
            : MissingFunction(function);
    if (!awaiting) done(std::move(out));
  }

 private:
  // The GIL kept by a thread for a held scope (HoldLock), with the kept
  // entry its calls run in (Entry::Kept): what an entry sets up that does
  // not change between calls is set up once.
  class HeldGil : public engine::CallingHeldLock {
   public:
    explicit HeldGil(PythonImplementation& owner)
        : owner_(owner),
          entry_(Entry::Kept(), owner.services_, owner.module_name_,
                 owner.running_, owner.value_budget_bytes_,
                 owner.function_values_.get()) {}
    absl::StatusOr<Value> Call(size_t function, absl::Span<const Value> args,
                               absl::Time deadline) override {
      return owner_.CallAndAwait(&entry_, function, args, deadline);
    }

   private:
    PythonImplementation& owner_;  // kept alive with the lock
    ScopedGil gil_;
    Entry entry_;  // made and ended with the GIL held
  };

  // Call, in the kept entry `kept` when given (this thread keeps the GIL
  // for a held scope), else in an entry of its own. Inlined into both
  // callers: one layer less on a held scope's calls.
  ABSL_ATTRIBUTE_ALWAYS_INLINE absl::StatusOr<Value> CallAndAwait(
      Entry* kept, size_t function, absl::Span<const Value> args,
      absl::Time deadline) {
    // A coroutine is awaited here, without the GIL, while it runs on the
    // asyncio loop (async_loop.h). Made only then: its empty result (a
    // status) costs an out-of-line construction on every call.
    std::optional<engine::AwaitedResult> awaited;
    bool awaiting = false;
    absl::StatusOr<Value> out = function < functions_.size()
                                    ? CallIn(
                                          kept, function, args, deadline,
                                          [&awaited] {
                                            awaited.emplace();
                                            return awaited->Completion();
                                          },
                                          &awaiting,
                                          /*caller_waits=*/true)
                                    : MissingFunction(function);
    // One object returned on every path, so it is not moved on the way out.
    if (!awaiting) return out;
    // A held scope (HoldLock) may keep the GIL on this thread; the loop
    // needs it to run the coroutine. (Not _PyThreadState_UncheckedGet: in
    // 3.11 that is whichever thread holds the GIL, maybe another one.)
    if (!PyGILState_Check()) {
      out = awaited->Wait();
      return out;
    }
    PyThreadState* held = PyEval_SaveThread();
    out = awaited->Wait();
    PyEval_RestoreThread(held);
    return out;
  }

  absl::StatusOr<Value> MissingFunction(size_t function) const {
    return absl::NotFoundError(absl::StrCat(
        "module '", module_name_, "' has no function #", function,
        " in its Python implementation (it exports ", exports_.size(), ")"));
  }

  // The call up to its result (of `function` < functions_.size()); a
  // coroutine result is submitted to the asyncio loop with the Completion
  // `make_completion()` returns, and `*awaiting` is set (the Value returned
  // then means nothing). `caller_waits`: the caller blocks until the
  // coroutine ends, which it must not do on the loop's own thread. Every
  // path returns `out`, so the result is built in the caller's object and
  // never moved on the way out. `kept` as for CallAndAwait.
  template <typename MakeCompletion>
  absl::StatusOr<Value> CallIn(
      Entry* kept, size_t function, absl::Span<const Value> args,
      absl::Time deadline, MakeCompletion&& make_completion, bool* awaiting,
      bool caller_waits,
      std::shared_ptr<CallCancellation> cancellation = nullptr) {
    if (kept != nullptr) {
      KeptEntryCall call(*kept, deadline);
      return CallInOpen(*kept, function, args, deadline, make_completion,
                        awaiting, caller_waits, std::move(cancellation));
    }
    Entry entry(services_, module_name_, running_, deadline,
                value_budget_bytes_, function_values_.get());
    return CallInOpen(entry, function, args, deadline, make_completion,
                      awaiting, caller_waits, std::move(cancellation));
  }

  // One call of a kept entry (Entry::Begin to Entry::End).
  class KeptEntryCall {
   public:
    KeptEntryCall(Entry& entry, absl::Time deadline) : entry_(entry) {
      entry_.Begin(deadline);
    }
    ~KeptEntryCall() { entry_.End(); }
    KeptEntryCall(const KeptEntryCall&) = delete;
    KeptEntryCall& operator=(const KeptEntryCall&) = delete;

   private:
    Entry& entry_;
  };

  // CallIn's work inside `entry`, open. Inlined: one layer less.
  template <typename MakeCompletion>
  ABSL_ATTRIBUTE_ALWAYS_INLINE absl::StatusOr<Value> CallInOpen(
      Entry& entry, size_t function, absl::Span<const Value> args,
      absl::Time deadline, MakeCompletion& make_completion, bool* awaiting,
      bool caller_waits, std::shared_ptr<CallCancellation> cancellation) {
    PyObject* coroutine = nullptr;
    absl::StatusOr<Value> out =
        CallInEntry(entry, functions_[function].ptr(), args, deadline,
                    value_budget_bytes_, described_, &coroutine);
    if (coroutine != nullptr) {
      if (absl::Status here = async_loop_->CanWaitHere(described_);
          !here.ok() && caller_waits) {
        CloseCoroutine(coroutine);
        out = std::move(here);
        return out;
      }
      async_loop_->Submit(py::reinterpret_steal<py::object>(coroutine),
                          services_, module_name_, deadline,
                          value_budget_bytes_, make_completion(),
                          std::move(cancellation));
      *awaiting = true;
    }
    return out;
  }

 private:
  // The module's functions handed out as Values (functions.h).
  const std::shared_ptr<PyFunctionOwner> function_values_;
  std::shared_ptr<Interpreter> interpreter_;  // outlives the objects below
  HostServices& services_;
  const std::shared_ptr<RunningEntries> running_;
  const std::string module_name_;
  const size_t value_budget_bytes_;  // for results and calls the script makes
  const std::string described_;      // "module 'greeter'", for messages
  const std::string package_;
  py::object module_;
  const std::vector<std::string> exports_;
  std::vector<py::object> functions_;  // parallel to exports_
  std::vector<bool> async_;            // parallel to exports_: async def
  const absl::Duration unload_timeout_;
  const std::shared_ptr<AsyncLoop> async_loop_;  // the runtime's
};

class PythonReplSession : public ReplSession {
 public:
  PythonReplSession(std::shared_ptr<Interpreter> interpreter,
                    HostServices& services,
                    std::shared_ptr<RunningEntries> running,
                    std::shared_ptr<AsyncLoop> async_loop,
                    std::shared_ptr<const std::atomic<uint64_t>> interrupts,
                    py::object namespace_dict)
      : function_values_(PyFunctionOwner::Create(interpreter, services, running,
                                                 kReplLogSource, 0)),
        interpreter_(std::move(interpreter)),
        services_(services),
        running_(std::move(running)),
        async_loop_(std::move(async_loop)),
        interrupts_(std::move(interrupts)),
        namespace_(std::move(namespace_dict)),
        bound_(py::dict()) {}

  ~PythonReplSession() override {
    function_values_->Kill();
    CallContext context(services_, kReplLogSource);
    ScopedGil gil;
    function_values_->ReleaseAll();
    namespace_ = py::object();
    bound_ = py::object();
  }

  absl::StatusOr<std::string> Evaluate(std::string_view code) override {
    if (std::optional<size_t> bad = internal::FindInvalidUtf8(code)) {
      return absl::InvalidArgumentError(
          absl::StrCat("input is not valid UTF-8 (byte ", *bad, ")"));
    }
    // Asked before taking the GIL: HostServices may enter any engine.
    std::vector<std::string> names = services_.ModuleNames();
    // Code that awaits runs on the asyncio loop; it is waited for here,
    // without the GIL.
    engine::AwaitedResult awaited;
    const uint64_t interrupts = interrupts_->load();
    {
      Entry entry(services_, kReplLogSource, running_, absl::InfiniteFuture(),
                  0, function_values_.get());
      Globals& globals = GetGlobals();
      if (!Refresh(names)) return entry.TakeError(ErrorContext::kRun, kWhat);
      py::object compiled = CallPython(globals.repl_compile, Text(code));
      if (!compiled) return entry.TakeError(ErrorContext::kCompile, kWhat);
      py::object result = CallPython(globals.repl_run, namespace_,
                                     py::reinterpret_borrow<py::object>(
                                         PyTuple_GET_ITEM(compiled.ptr(), 0)),
                                     py::reinterpret_borrow<py::object>(
                                         PyTuple_GET_ITEM(compiled.ptr(), 1)));
      if (!result) return entry.TakeError(ErrorContext::kRun, kWhat);
      if (!PyCoro_CheckExact(result.ptr())) {
        std::string text = PythonToText(result.ptr());
        result = py::object();  // its finalisers run inside the entry
        if (StopReason stop = entry.Finish(); stop != StopReason::kNone) {
          return StopStatus(stop);
        }
        return text;
      }
      if (StopReason stop = entry.Stopped(); stop != StopReason::kNone) {
        CloseCoroutine(result.release().ptr());
        entry.Finish();
        return StopStatus(stop);
      }
      async_loop_->Submit(std::move(result), services_, kReplLogSource,
                          absl::InfiniteFuture(), 0, awaited.Completion());
      // An Interrupt since this input began may have looked for awaiting
      // calls before this one was there: it is delivered again. (Calls
      // submitted elsewhere during those microseconds are cancelled too.)
      if (interrupts_->load() != interrupts) async_loop_->InterruptCalls();
      entry.Finish();  // from here Interrupt reaches the awaiting call
    }
    absl::StatusOr<Value> shown = awaited.Wait();
    if (!shown.ok()) return shown.status();
    if (!shown->is_string()) {
      return absl::InternalError("the awaited REPL input showed no text");
    }
    return shown->as_string();
  }

  bool IsIncomplete(std::string_view code) override {
    if (internal::FindInvalidUtf8(code)) return false;  // Evaluate says why
    CallContext context(services_, kReplLogSource);
    ScopedGil gil;
    py::object incomplete =
        CallPython(GetGlobals().repl_incomplete, Text(code));
    if (!incomplete) {
      PyErr_Clear();
      return false;
    }
    return incomplete.ptr() == Py_True;
  }

  std::vector<std::string> Complete(std::string_view line) override {
    std::vector<std::string> out;
    if (internal::FindInvalidUtf8(line)) return out;
    std::vector<std::string> names = services_.ModuleNames();
    // Module proxies list their functions through the duet API, which
    // releases the GIL around HostServices.
    CallContext context(services_, kReplLogSource);
    ScopedGil gil;
    if (!Refresh(names)) {
      PyErr_Clear();
      return out;
    }
    py::object found =
        CallPython(GetGlobals().repl_complete, namespace_, Text(line));
    if (!found || !PyList_Check(found.ptr())) {
      PyErr_Clear();
      return out;
    }
    out.reserve(static_cast<size_t>(PyList_GET_SIZE(found.ptr())));
    for (py::handle item : found) out.push_back(PythonToText(item.ptr()));
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

 private:
  static constexpr char kWhat[] = "REPL input";

  // Binds every loaded module as a global (GIL held). False with a Python
  // error pending on failure.
  bool Refresh(const std::vector<std::string>& names) {
    py::list py_names;
    for (const std::string& name : names) py_names.append(Text(name));
    return static_cast<bool>(
        CallPython(GetGlobals().repl_refresh, namespace_, py_names, bound_));
  }

  const std::shared_ptr<PyFunctionOwner> function_values_;
  std::shared_ptr<Interpreter> interpreter_;
  HostServices& services_;
  const std::shared_ptr<RunningEntries> running_;
  const std::shared_ptr<AsyncLoop> async_loop_;  // the runtime's
  // Runtime::Interrupt calls so far.
  const std::shared_ptr<const std::atomic<uint64_t>> interrupts_;
  py::object namespace_;
  py::object bound_;  // name -> proxy this session bound as a global
};

class PythonRuntime : public Runtime {
 public:
  PythonRuntime(std::shared_ptr<Interpreter> interpreter,
                HostServices& services)
      : interpreter_(std::move(interpreter)),
        services_(services),
        running_(std::make_shared<RunningEntries>()),
        async_loop_(std::make_shared<AsyncLoop>(interpreter_)) {}
  // The loop thread ends here, on the closing thread, whoever else still
  // holds the loop (AsyncLoop::Shutdown).
  ~PythonRuntime() override { async_loop_->Shutdown(); }

  Language language() const override { return Language::kPython; }
  std::vector<std::string> file_extensions() const override { return {".py"}; }

  absl::StatusOr<std::unique_ptr<Implementation>> Load(
      const ImplementationSpec& spec) override {
    std::error_code ec;
    std::filesystem::path entry = std::filesystem::absolute(spec.entry, ec);
    if (ec) entry = spec.entry;
    std::filesystem::path root = spec.root.empty()
                                     ? entry.parent_path()
                                     : std::filesystem::absolute(spec.root, ec);
    if (ec) root = spec.root;
    entry = entry.lexically_normal();
    root = root.lexically_normal();
    // A single-file plugin's root is the file: relative imports find nothing.
    // So is a plugin given in memory.
    const bool in_memory = !spec.source.empty();
    if (spec.single_file || in_memory) root.clear();
    DUET_RETURN_IF_ERROR(in_memory ? CheckUtf8(spec.source, entry)
                                   : CheckSource(entry));

    std::string package =
        absl::StrCat("_duet_plugins.", Identifier(spec.module), "_",
                     next_package_serial.fetch_add(1));
    std::string submodule = Identifier(entry.stem().string());

    std::string described = absl::StrCat("module '", spec.module, "'");
    // The module's top-level code runs under the load time limit.
    Entry running(services_, spec.module, running_,
                  absl::Now() + spec.load_timeout, spec.value_budget_bytes);
    Globals& globals = GetGlobals();
    py::object source = in_memory ? Text(spec.source)
                                  : py::reinterpret_borrow<py::object>(Py_None);
    py::object module = CallPython(globals.load, Text(package), Path(root),
                                   Path(entry), Text(submodule), source);
    if (!module) {
      absl::Status status =
          running.TakeError(ErrorContext::kCompile, described);
      running.Finish();  // a stopped entry would cut the unload short
      if (!CallPython(globals.unload, Text(package))) PyErr_Clear();
      return NameLoadLimit(status, entry, spec.load_timeout);
    }

    py::object listed = CallPython(globals.exports, module, Path(entry));
    if (!listed || !PyList_Check(listed.ptr()) ||
        running.Stopped() != StopReason::kNone) {
      absl::Status status =
          !listed ? running.TakeError(ErrorContext::kRun, described)
          : running.Stopped() != StopReason::kNone
              ? StopStatus(running.Stopped())
              : absl::InvalidArgumentError(PythonToText(listed.ptr()));
      listed = py::object();
      module = py::object();
      running.Finish();  // a stopped entry would cut the unload short
      if (!CallPython(globals.unload, Text(package))) PyErr_Clear();
      return NameLoadLimit(status, entry, spec.load_timeout);
    }
    std::vector<std::string> exports;
    std::vector<py::object> functions;
    std::vector<bool> async;
    for (py::handle item : listed) {
      exports.push_back(PythonToText(PyTuple_GET_ITEM(item.ptr(), 0)));
      functions.push_back(
          py::reinterpret_borrow<py::object>(PyTuple_GET_ITEM(item.ptr(), 1)));
      py::object is_async =
          CallPython(globals.is_coroutine_function, functions.back());
      async.push_back(is_async && PyObject_IsTrue(is_async.ptr()) == 1);
      PyErr_Clear();
    }
    running.Finish();
    return std::unique_ptr<Implementation>(new PythonImplementation(
        interpreter_, services_, running_, spec.module, spec.value_budget_bytes,
        std::move(package), std::move(module), std::move(exports),
        std::move(functions), std::move(async), spec.load_timeout,
        async_loop_));
  }

  absl::StatusOr<std::unique_ptr<ReplSession>> NewReplSession() override {
    ScopedGil gil;
    py::object namespace_dict = CallPython(GetGlobals().repl_namespace);
    if (!namespace_dict) return TakePythonError(ErrorContext::kRun);
    return std::unique_ptr<ReplSession>(
        new PythonReplSession(interpreter_, services_, running_, async_loop_,
                              interrupts_, std::move(namespace_dict)));
  }

  void Interrupt() override {
    interrupts_->fetch_add(1);  // first: REPL sessions check it (Evaluate)
    running_->Interrupt();
    async_loop_->InterruptCalls();
  }

 private:
  // A load stopped at its deadline says which file overran which limit,
  // also in its ScriptError (which is what reports show), keeping the stack.
  static absl::Status NameLoadLimit(absl::Status status,
                                    const std::filesystem::path& entry,
                                    absl::Duration load_timeout) {
    if (status.code() != absl::StatusCode::kDeadlineExceeded) return status;
    std::string message =
        absl::StrCat(entry.string(),
                     ": top-level Python code ran past the load time limit (",
                     absl::FormatDuration(load_timeout), ") and was stopped");
    if (std::optional<ScriptError> error = GetScriptError(status)) {
      error->message = std::move(message);
      return MakeScriptError(*std::move(error),
                             absl::StatusCode::kDeadlineExceeded);
    }
    return absl::DeadlineExceededError(message);
  }

  // Python would decode a non-UTF-8 file by its coding cookie or fail with
  // a puzzling SyntaxError; duet's sources are UTF-8, said plainly.
  static absl::Status CheckSource(const std::filesystem::path& entry) {
    std::ifstream in(entry, std::ios::binary);
    if (!in) {
      return absl::NotFoundError(
          absl::StrCat("cannot read Python source ", entry.string()));
    }
    std::string source((std::istreambuf_iterator<char>(in)),
                       std::istreambuf_iterator<char>());
    return CheckUtf8(source, entry);
  }

  static absl::Status CheckUtf8(std::string_view source,
                                const std::filesystem::path& entry) {
    if (std::optional<size_t> bad = internal::FindInvalidUtf8(source)) {
      return absl::InvalidArgumentError(
          absl::StrCat(entry.string(), ": not valid UTF-8 (byte ", *bad,
                       "); Python plugin sources must be UTF-8"));
    }
    return absl::OkStatus();
  }

  std::shared_ptr<Interpreter> interpreter_;
  HostServices& services_;
  const std::shared_ptr<RunningEntries> running_;
  // Shared with the implementations, which may outlive the runtime.
  const std::shared_ptr<AsyncLoop> async_loop_;
  // Interrupt() calls so far; shared with the REPL sessions.
  const std::shared_ptr<std::atomic<uint64_t>> interrupts_ =
      std::make_shared<std::atomic<uint64_t>>(0);
};

}  // namespace

bool IsPythonImplementation(const Implementation& implementation) {
  // The language first: a virtual call the dispatcher's call of the
  // implementation makes hot, where reading the type_info of a JavaScript
  // callee cost ~1% of a Python -> JavaScript call. Then the class (local
  // to this file: its type_info is unique, so two pointers compare).
  return implementation.language() == Language::kPython &&
         typeid(implementation) == typeid(PythonImplementation);
}

}  // namespace python

namespace python {
namespace {

absl::StatusOr<std::unique_ptr<Runtime>> CreateWithOptions(
    HostServices& services, const PythonOptions& options) {
  DUET_ASSIGN_OR_RETURN(std::shared_ptr<Interpreter> interpreter,
                        Interpreter::Acquire(options));
  return std::unique_ptr<Runtime>(
      new PythonRuntime(std::move(interpreter), services));
}

}  // namespace
}  // namespace python

absl::StatusOr<std::unique_ptr<Runtime>> CreatePythonRuntime(
    HostServices& services) {
  return python::CreateWithOptions(services, PythonOptions());
}

RuntimeFactory PythonRuntimeFactory(PythonOptions options) {
  return [options = std::move(options)](HostServices& services) {
    return python::CreateWithOptions(services, options);
  };
}

}  // namespace duet
