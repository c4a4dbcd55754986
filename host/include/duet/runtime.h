/// @file
/// The Runtime interface: what an engine (CPython, V8, or a fake in tests)
/// provides to the host. Applications never touch it, and duet/duet.h does not
/// include it. The set of languages is closed (duet::Language): it is public
/// so a test can plug a fake runtime in for one of them
/// (CreateHostWithRuntimes), not to add a language.
///
/// @code
///   Runtime          one engine in this process, owned by a Host.
///   Implementation   one plugin module loaded into that engine.
///   ReplSession      an interactive namespace for the `duet repl` prompt.
///   HostServices     what scripts reach through the in-script `duet` API.
/// @endcode
///
/// Lifetimes: a Host owns its runtimes and destroys every Implementation and
/// ReplSession before the Runtime that made them; HostServices outlives all.
///
/// The contract every engine honours (both bindings implement it with the
/// engine kit, host/src/duet/engine; docs/threads.md and docs/errors.md):
///
///  * Threads. Any method may be called from any thread, several at once,
///    unless it says otherwise; the engine serialises what its interpreter
///    cannot run in parallel (the GIL, a v8::Locker per isolate). The host
///    holds no lock of its own while it calls into an engine.
///  * The engine lock. An engine takes its lock on entry and releases it
///    before every HostServices call its scripts make, so the host may
///    re-enter any engine (Python -> JavaScript -> Python) on the same
///    thread; nothing that waits for another engine runs with it held.
///  * Stopping. Every entry (Load, Call, Evaluate) can be stopped: by its
///    deadline, by Runtime::Interrupt, by a heap limit. A stopped entry
///    returns the kit's stop status -- kDeadlineExceeded, kCancelled or
///    kResourceExhausted -- carrying a ScriptError whose stack is where the
///    code was stopped. An entry stopped while it waits in a host call stops
///    as soon as that call returns, whatever it returned. A stop never leaks
///    into a later entry.
///  * Errors. kInvalidArgument: the input was wrong (a syntax error, an
///    unconvertible value, naming where); kUnknown with a ScriptError: the
///    script raised; a status that came from HostServices through the script
///    comes back out unchanged, with the script's frames appended. No other
///    code means anything engine-specific.
#ifndef DUET_RUNTIME_H_
#define DUET_RUNTIME_H_

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "duet/host.h"
#include "duet/language.h"
#include "duet/log.h"
#include "duet/manifest.h"
#include "duet/value.h"

namespace duet {

/// Lets whoever started an awaiting call end it early, as Runtime::Interrupt
/// would (kCancelled): a script awaiting another module's async function
/// cancels the callee when it is itself stopped. Thread-safe.
class CallCancellation {
 public:
  CallCancellation() = default;
  CallCancellation(const CallCancellation&) = delete;
  CallCancellation& operator=(const CallCancellation&) = delete;

  /// Runs the action attached by OnCancel, once; later calls and calls
  /// before any action is attached are remembered, not lost.
  void Cancel();
  /// The engine's side: `action` runs (on the thread that cancels, or here
  /// when Cancel came first) at most once. Attach one action per object.
  void OnCancel(std::function<void()> action);
  /// Whether Cancel has been called.
  bool cancelled() const;

 private:
  mutable absl::Mutex mutex_;
  bool cancelled_ ABSL_GUARDED_BY(mutex_) = false;
  std::function<void()> action_ ABSL_GUARDED_BY(mutex_);
};

/// The host, as seen by a runtime. Thread-safe. A runtime must release its
/// engine lock (GIL / v8::Locker) before calling any of these, since they may
/// re-enter any engine; the engine kit's CallOut (engine/call_out.h) does.
/// A call is made on the thread of the entry whose script made it.
class HostServices {
 public:
  virtual ~HostServices() = default;

  /// `duet.modules.MODULE.FUNCTION(args...)` / `duet.call("module.function")`.
  /// Runs under the calling entry's deadline or an earlier one. kNotFound
  /// for an unknown module or function; otherwise the callee's status, which
  /// the engine raises into the script and gives back unchanged if the script
  /// lets it pass.
  virtual absl::StatusOr<Value> CallModule(std::string_view module,
                                           std::string_view function,
                                           absl::Span<const Value> args) = 0;
  /// What a call started by CallModuleOrStart runs when it ends: once, on a
  /// scheduler thread, with no engine lock held.
  using ModuleCallDone = std::function<void(absl::StatusOr<Value>)>;
  /// CallModule for a script that can wait without blocking a thread (a
  /// JavaScript caller, which then gets a Promise; a Python coroutine, which
  /// gets an awaitable). When the function called is async
  /// (Implementation::IsAsync) it is started as Host::CallAsync starts a
  /// call, under the calling entry's deadline: `*started` is set, `done()`
  /// is asked for the completion (without the engine lock held), the Value
  /// returned means nothing, and `cancellation` (when given) ends the callee
  /// early: the host keeps a copy only of a started call's, so a synchronous
  /// call costs no reference count. Otherwise it is CallModule. The default,
  /// for hosts that cannot start calls, is CallModule.
  virtual absl::StatusOr<Value> CallModuleOrStart(
      std::string_view module, std::string_view function,
      absl::Span<const Value> args,
      absl::FunctionRef<ModuleCallDone()> /*done*/,
      const std::shared_ptr<CallCancellation>& /*cancellation*/,
      bool* started) {
    *started = false;
    return CallModule(module, function, args);
  }
  /// `duet.host.NAME(args...)`, made by a script of `caller.module` (the
  /// ImplementationSpec's module; "repl" at a REPL prompt) under the calling
  /// entry's deadline. kNotFound for a name that module does not see;
  /// otherwise what the application's function returned, kInternal when it
  /// threw (an exception never reaches the engine).
  virtual absl::StatusOr<Value> CallHostFunction(
      const HostCallContext& caller, std::string_view name,
      absl::Span<const Value> args) = 0;

  /// Names for proxies, dir() and completion.
  virtual std::vector<std::string> ModuleNames() const = 0;
  /// kNotFound for an unknown module. The active implementation's exports.
  virtual absl::StatusOr<std::vector<std::string>> ModuleFunctions(
      std::string_view module) const = 0;
  /// [exports.FUNCTION] as `module`'s plugin.toml declares it, for help()
  /// and completion; nullopt for an unknown module or an undeclared function.
  virtual std::optional<ExportSpec> DeclaredExport(
      std::string_view /*module*/, std::string_view /*function*/) const {
    return std::nullopt;
  }
  /// The host functions `module`'s scripts see (host-wide and its own).
  virtual std::vector<std::string> HostFunctionNames(
      std::string_view module) const = 0;

  /// Never fails and never re-enters an engine.
  virtual void Log(LogLevel level, std::string_view source,
                   std::string_view message) = 0;
};

/// Where an implementation lives on disk.
struct ImplementationSpec {
  std::string module;           ///< the module's name, e.g. "greeter"
  std::filesystem::path entry;  ///< the implementation file (absolute)
  /// The plugin's directory. Relative imports resolve inside it; for a
  /// single-file plugin it is the file itself (`single_file` is set): such a
  /// plugin imports nothing but "duet".
  std::filesystem::path root;
  bool single_file = false;  ///< a plugin of one file, no plugin.toml
  /// Where package lookups stop: the plugins directory the host was given
  /// (Host::LoadPlugins) when the plugin's folder is directly in it, else
  /// `root` itself (a plugin elsewhere loaded by path, a single file, one
  /// given in memory). Engines search node_modules folders upward from the
  /// importing file as far as this folder and never beyond; empty means
  /// `root`.
  std::filesystem::path packages_root;
  /// The implementation's source text, for a plugin given in memory rather
  /// than on disk. When non-empty the engine compiles this instead of reading
  /// `entry`, which then only names the code in stacks and messages; such a
  /// plugin is a single file (`single_file` is set) and imports nothing but
  /// "duet".
  std::string source;
  /// Heap limit for engines that can enforce one per implementation (V8), in
  /// MB; 0 for the engine's default. The host fills in plugin.toml's
  /// [limits] memory_mb or HostOptions::default_memory_mb.
  int64_t memory_mb = 0;
  /// Time limit for the implementation's top-level code: Load itself, and
  /// any re-load the engine does on its own (V8 rebuilding an isolate after
  /// a heap-limit hit). plugin.toml's [limits] timeout_ms, else
  /// HostOptions::default_timeout; infinite for none. Past it Load returns
  /// kDeadlineExceeded naming the file.
  absl::Duration load_timeout = absl::InfiniteDuration();
  /// Most bytes one value converted out of the engine (a call's result, the
  /// arguments of a call the script makes) may occupy as duet::Values, so a
  /// plugin cannot make the host build gigabytes; past it the conversion
  /// fails with kResourceExhausted. 0: no limit. The host derives it from
  /// memory_mb.
  size_t value_budget_bytes = 0;
  /// plugin.toml's [permissions], with every read and write path made
  /// absolute against `root` (not resolved: symlinks and `..` are the
  /// engine's to resolve at each access, since they can change). Empty for
  /// single-file and in-memory plugins. The JavaScript engine enforces it;
  /// the Python engine cannot (docs/plugins.md).
  Permissions permissions;
  /// JavaScript only: run the implementation inside a real Node.js
  /// environment with the process's whole authority (plugin.toml
  /// `[javascript] node = true`, docs/javascript.md "Trusted plugins").
  bool node = false;
};

/// An engine lock a thread keeps across many calls (duet::HeldFunction),
/// made by Implementation::HoldLock. Destroying it, on the thread that made
/// it, lets the lock go. The host destroys the locks one thread keeps in
/// the reverse order of their making, and never while that thread is inside
/// an engine.
class HeldEngineLock {
 public:
  virtual ~HeldEngineLock() = default;
};

/// One plugin module loaded into one engine. Call is thread-safe; the
/// implementation serialises or parallelises as its engine allows.
class Implementation {
 public:
  /// Unloads the module. Any thread, no call running in it (the host waits
  /// for them); the engine lock is taken and released here. Finalisers the
  /// unload runs are stopped at the load time limit or by Interrupt.
  virtual ~Implementation() = default;

  /// The engine that loaded it.
  virtual Language language() const = 0;
  /// Exported function names, sorted. Fixed after loading.
  virtual const std::vector<std::string>& exports() const = 0;
  /// Whether exports()[function] is an async function (a JavaScript `async
  /// function`, a Python `async def`): a script calling it from another
  /// module gets a Promise or an awaitable (HostServices::CallModuleOrStart).
  /// Fixed after loading; false by default.
  virtual bool IsAsync(size_t /*function*/) const { return false; }
  /// Calls exports()[function] (the host resolves names once, so engines do
  /// no lookup). Any thread, no engine lock held by the caller; may be
  /// re-entered on the same thread from a host call the script makes.
  /// kInvalidArgument for unconvertible arguments or results (naming the path:
  /// args[1].key); kUnknown with a ScriptError for a script exception. The
  /// engine stops the call once `deadline` passes and returns
  /// kDeadlineExceeded; kResourceExhausted when it ran out of memory;
  /// kCancelled when Runtime::Interrupt stopped it. Stops carry the stack where
  /// the code was (see "Stopping" above). An export returning a Promise or a
  /// coroutine is awaited (Python's on the runtime's asyncio loop), without
  /// the engine lock, until it settles, `deadline` passes or Interrupt.
  virtual absl::StatusOr<Value> Call(size_t function,
                                     absl::Span<const Value> args,
                                     absl::Time deadline) = 0;

  /// Takes the engine lock Call takes (the GIL; the isolate's v8::Locker
  /// with the isolate entered) on the calling thread and keeps it until the
  /// returned object is destroyed there, so the calls this thread makes
  /// meanwhile take it again cheaply. Called with no engine lock held by
  /// this thread's duet calls. Call keeps its contract while the lock is
  /// kept: it still stops at its deadline and at Runtime::Interrupt, and
  /// still releases the lock for every HostServices call and while it
  /// awaits. The implementation stays alive while the lock is kept. Null
  /// when there is nothing worth keeping (the default).
  virtual std::unique_ptr<HeldEngineLock> HoldLock() { return nullptr; }

  /// What CallAsync runs when the call ends.
  using Completion = std::function<void(absl::StatusOr<Value>)>;
  /// Starts the call and returns; `done` runs exactly once with what Call
  /// would have returned. An engine that can await (a JavaScript Promise, a
  /// Python coroutine) runs the call up to its first wait on this thread and
  /// then returns, holding no thread while it waits: `done` then runs on a
  /// scheduler thread (engine/scheduler.h) with no engine lock held, so it
  /// must not block for long. Otherwise `done` runs on this thread before
  /// CallAsync returns; that is what this default does. Deadline and
  /// Runtime::Interrupt cover the wait as they cover Call, and so does
  /// `cancellation` when it is given: its Cancel ends the waiting call with
  /// kCancelled.
  virtual void CallAsync(size_t function, absl::Span<const Value> args,
                         absl::Time deadline, Completion done,
                         std::shared_ptr<CallCancellation> /*cancellation*/) {
    done(Call(function, args, deadline));
  }
};

/// An interactive namespace in one engine: persistent globals, and every
/// loaded module bound as a global of its name (when it is an identifier).
/// Its methods are called from one thread at a time (the tool's), never
/// while another of them runs; Runtime::Interrupt may stop Evaluate from
/// another thread.
class ReplSession {
 public:
  virtual ~ReplSession() = default;

  /// Evaluates one input. Returns the result rendered in the language's own
  /// style (repr() for Python; a node-like inspection for JavaScript), or ""
  /// when there is nothing to show (None / undefined, or a statement).
  /// kCancelled when Runtime::Interrupt stopped it. kInvalidArgument for a
  /// syntax error; kUnknown with a ScriptError for a script exception. The
  /// engine lock is held only while the input runs, released for host calls.
  /// Input may `await` at its top level: Evaluate then returns once what it
  /// awaits settles, the engine lock released meanwhile (Interrupt stops the
  /// wait).
  virtual absl::StatusOr<std::string> Evaluate(std::string_view code) = 0;

  /// Whether `code` is an unfinished input that continues on the next line
  /// (an open bracket or string, a Python block header), as the engine's own
  /// parser sees it. Complete-but-wrong input is not incomplete: Evaluate
  /// reports its error. Runs no user code; cannot fail.
  virtual bool IsIncomplete(std::string_view code) = 0;

  /// Completions for the dotted name that ends `line` ("gree" -> "greeter",
  /// "greeter.gr" -> "greeter.greet", "Math.fl" -> "Math.floor"), each the
  /// whole dotted name, sorted, from the session's globals and their
  /// attributes. Never runs user code with side effects (no getters).
  virtual std::vector<std::string> Complete(std::string_view line) = 0;
};

/// One engine in this process (CPython or V8), owned by a Host; loads
/// implementations and opens REPL sessions.
class Runtime {
 public:
  virtual ~Runtime() = default;

  /// The language this engine runs.
  virtual Language language() const = 0;
  /// File extensions of single-file plugins this runtime loads (".py").
  virtual std::vector<std::string> file_extensions() const = 0;

  /// Loads (imports / evaluates) the implementation. Any thread; several
  /// loads may run at once. kInvalidArgument for a syntax error or a bad file
  /// (naming file:line), kNotFound for an entry that cannot be read, kUnknown
  /// with a ScriptError when the module raises while loading (its stack
  /// names file:line), kDeadlineExceeded naming the file when its top-level
  /// code passes spec.load_timeout, kResourceExhausted past its heap limit.
  virtual absl::StatusOr<std::unique_ptr<Implementation>> Load(
      const ImplementationSpec& spec) = 0;

  /// Any thread. Fails only when the engine cannot make a namespace (out of
  /// memory), with kResourceExhausted or kInternal.
  virtual absl::StatusOr<std::unique_ptr<ReplSession>> NewReplSession() = 0;

  /// Stops every call and evaluation running in this runtime right now, on
  /// any thread; they return kCancelled. Later calls run normally. Callable
  /// from any thread, including a signal-handling one, while calls run.
  /// Never takes an engine lock and never waits for one: it only marks the
  /// running entries and asks each engine to stop them (V8's
  /// TerminateExecution, or CPython's stopper thread).
  virtual void Interrupt() = 0;
};

/// Makes a runtime for a host. `services` outlives the runtime.
using RuntimeFactory = std::function<absl::StatusOr<std::unique_ptr<Runtime>>(
    HostServices& services)>;

/// A host with exactly these engines, at most one per language (tests plug in
/// a fake one); Host::Create passes the engines built into duet::duet.
/// kInvalidArgument for bad options or two runtimes for one language;
/// otherwise the first error a factory returns.
absl::StatusOr<std::unique_ptr<Host>> CreateHostWithRuntimes(
    HostOptions options, std::vector<RuntimeFactory> runtimes);

}  // namespace duet

#endif  // DUET_RUNTIME_H_
