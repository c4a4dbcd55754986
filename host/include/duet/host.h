/// @file
/// duet::Host — loads plugins, calls their functions, switches implementations.
///
/// @code
///   absl::StatusOr<std::unique_ptr<duet::Host>> host = duet::Host::Create();
///   (*host)->RegisterFunction("now", [](absl::Span<const duet::Value>)
///       -> absl::StatusOr<duet::Value> { return 42; });
///   (*host)->LoadPlugins("plugins");
///   auto greeting = (*host)->Call("greeter", "greet", {"world"});
///   (*host)->Use("greeter", duet::Language::kJavaScript);
///   greeting = (*host)->Call("greeter", "greet", {"world"});  // now from JS
/// @endcode
///
/// This header is the application API. Tools add duet/repl.h (an interactive
/// prompt, Host::OpenRepl); tests that plug in a fake engine use
/// duet/runtime.h (CreateHostWithRuntimes), which this header does not pull in.
///
/// Thread safety: every method may be called from any thread, concurrently.
/// Destroying a Host interrupts the calls in flight on other threads (they
/// return kCancelled) and waits for them to return before tearing down the
/// engines; the Host object itself must stay valid until its destructor
/// returns, so no call may start after that.
#ifndef DUET_HOST_H_
#define DUET_HOST_H_

#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "duet/error.h"
#include "duet/language.h"
#include "duet/log.h"
#include "duet/manifest.h"
#include "duet/repl.h"
#include "duet/value.h"

namespace duet {
namespace internal {
struct HostAccess;
class BoundFunction;
class HeldScope;
}  // namespace internal

class HeldFunction;

/// Who called a host function: a script of plugin `module` running in
/// `language`, inside a call (or load) that must finish by `deadline`
/// (absl::InfiniteFuture() when it has no limit). Only scripts reach host
/// functions, so `module` always names a plugin, except for code typed at a
/// `duet repl` prompt, where it is "repl". The view is valid during the call.
struct HostCallContext {
  /// The calling plugin's module name ("repl" at a prompt).
  std::string_view module;
  /// The language of the calling script.
  Language language = Language::kPython;
  /// When the call that reached the host function must finish.
  absl::Time deadline = absl::InfiniteFuture();
};

/// A C++ function that scripts call as duet.host.NAME(...). Runs on the
/// calling thread with no engine lock held; must be thread-safe. A returned
/// error is raised in the script (duet.Error in Python, an Error in
/// JavaScript, with .code naming the status code) and, when the script does
/// not catch it, becomes the status of the call that ran the script.
///
/// Exceptions never leave duet: a function that throws fails the script's
/// call with kInternal, "host function 'NAME' threw: " and the exception's
/// what() (std::exception) or "host function 'NAME' threw an unknown
/// exception" (anything else), in both languages; the process lives on.
using HostFunction =
    std::function<absl::StatusOr<Value>(absl::Span<const Value> args)>;
/// The same, told who called (HostCallContext).
using ContextualHostFunction = std::function<absl::StatusOr<Value>(
    const HostCallContext& context, absl::Span<const Value> args)>;

/// Where a host function is visible (Host::RegisterFunction).
struct HostFunctionOptions {
  /// Empty: to every script. A module name: only to that plugin's scripts,
  /// in every language, and for them it hides a host-wide function of the
  /// same name. The module need not be loaded yet.
  std::string module;
};

/// How duet's Python engine gets its interpreter (HostOptions::python).
///
/// CPython runs one interpreter per process, shared by every Host, so these
/// settings are process-wide: the first Host that starts Python fixes them
/// until the last Host using Python is destroyed. A Host created meanwhile
/// with different settings fails with kFailedPrecondition naming the field
/// that differs; once the last one is gone, the next Host may choose anew.
struct PythonOptions {
  /// Use the interpreter the application already initialised
  /// (Py_Initialize, Py_InitializeFromConfig, pybind11's
  /// scoped_interpreter) instead of starting one. duet adds its `duet`
  /// module and `extra_paths`, routes sys.stdout and sys.stderr to the log
  /// sink during calls into plugins (elsewhere they write where they did
  /// before), and when the last Host using Python goes it removes what it
  /// added and never finalises the interpreter. The application must keep
  /// it running while a Host uses it; after the last one it may finalise
  /// it, and start another for later Hosts to use (or let duet start one). A
  /// thread that holds the GIL may call duet (the GIL is released while a
  /// script waits for the host); Python calls on other threads wait until it
  /// releases the GIL. `isolated` and `home` are the application's business
  /// then: setting `home` is kInvalidArgument. Create returns
  /// kFailedPrecondition when no interpreter is running.
  ///
  /// False (the default): duet starts the interpreter itself when the first
  /// Host needs it and finalises it after the last one; Create returns
  /// kFailedPrecondition, naming this option, when the application already
  /// initialised Python.
  bool use_running_interpreter = false;
  /// Isolated from the process's environment, as `python3 -I`: PYTHONPATH,
  /// PYTHONHOME and every other PYTHON* variable are ignored, the user's
  /// site-packages is not on sys.path, nor is the current directory, and a
  /// python3 on PATH (an activated virtual environment) does not decide
  /// sys.prefix. The installation's site-packages (and its sitecustomize,
  /// if any) is still on sys.path.
  /// False: configured as the `python3` command is (PyConfig_InitPythonConfig),
  /// environment variables and user site included.
  bool isolated = true;
  /// The Python installation prefix (PYTHONHOME's meaning): the standard
  /// library is read from `home`/lib/python3.X. Empty (the default): the
  /// interpreter duet was built against finds its own. A home without a
  /// standard library for this Python version fails Create with
  /// kFailedPrecondition naming the home, before CPython is touched.
  std::filesystem::path home;
  /// Directories put at the front of sys.path, in this order, ahead of the
  /// standard library (as PYTHONPATH entries would be), so plugins can
  /// import modules from them with a plain `import`. Relative paths are made
  /// absolute against the current directory when the Host is created.
  std::vector<std::filesystem::path> extra_paths;
};

/// When a plugin's implementations start (HostOptions::start_mode).
enum class StartMode {
  /// Loading a plugin reads and checks its plugin.toml and that its files
  /// exist; each implementation starts (its engine loads it, running its
  /// top-level code; a JavaScript one gets its isolate) on its first use: a
  /// call from C++ or from a script, Host::Function, Host::Use to that
  /// language, Host::GetModule, or a REPL asking for the module's functions.
  /// A start that fails is returned by the use that triggered it, logged
  /// once, and returned again by every later use until Host::Reload (see
  /// Host::Start).
  kOnFirstUse,
  /// Every implementation starts while its plugin loads, so LoadPlugins
  /// reports every problem and the first call pays no start-up.
  kAtLoad,
};

/// Watch mode (HostOptions::watch): modules reload when their files change.
///
/// A module loaded from disk (LoadPlugins, LoadPlugin) reloads, as
/// Host::Reload does, once a file of its plugin changed and then stayed
/// unchanged for `quiet_period`: any file in the plugin folder or its
/// subfolders (a lib/), or a single-file plugin's file. An editor's
/// save-by-rename (write a temporary file, rename it over the old one) counts
/// as a change of that file, and a burst of writes reloads once. Changes
/// inside node_modules, .git and __pycache__, and to hidden files and editor
/// leftovers (name~, .swp), do not count: tools rewrite those in bursts (and
/// a reload writes Python's bytecode cache); touch a plugin file or call
/// Reload after updating a dependency there. In a directory given to
/// LoadPlugins, a plugin folder loads once its plugin.toml appears, and so
/// does a single-file plugin; a plugin there that did not load is tried
/// again when its files change. A plugin given in memory has no files to
/// watch.
///
/// Each reload, load or failure is one line to the log sink, source "duet":
/// "reloaded counter (counter.js changed)", "counter: reload failed, the old
/// version keeps serving: counter.js:3: SyntaxError: ..." (the old version
/// keeps serving after a failure, as with Reload), "loaded NAME from PATH (new
/// plugin)". A plugin whose files are deleted keeps serving the version
/// loaded, with one warning, and reloads if they come back. Watching uses
/// Linux inotify from one thread of the host, which stops before the host is
/// destroyed; a folder that cannot be watched (the fs.inotify.max_user_watches
/// limit) draws one warning.
struct WatchOptions {
  /// Off by default. On: Host::Create returns kFailedPrecondition when
  /// inotify cannot start.
  bool enabled = false;
  /// How long a plugin's files must stay unchanged before it reloads. From
  /// zero to one minute (Create returns kInvalidArgument otherwise).
  absl::Duration quiet_period = absl::Milliseconds(150);
};

/// How Host::Create sets up the host; every field has a usable default.
struct HostOptions {
  /// Where host warnings and plugin output go. Default: stderr, one line each
  /// as "[level] source: message", debug lines dropped. A sink that throws
  /// loses that line (duet warns once on stderr); the call that logged goes
  /// on.
  LogSink log_sink;
  /// Engines to start. Default (empty): every engine built into the library.
  std::vector<Language> languages;
  /// Time limit of a call when neither the call (CallOptions) nor the
  /// plugin's [limits] timeout_ms sets one. Infinite: no limit. Must be
  /// positive (Create returns kInvalidArgument otherwise).
  absl::Duration default_timeout = absl::InfiniteDuration();
  /// JavaScript heap limit per implementation, in MB, when the plugin's
  /// [limits] memory_mb sets none. A plugin over its limit gets
  /// kResourceExhausted and a fresh isolate; the process lives on. From 1 to
  /// Limits::kMaxMemoryMb (Create returns kInvalidArgument otherwise).
  int64_t default_memory_mb = 512;
  /// How the Python engine starts (PythonOptions). Unused when `languages`
  /// leaves Python out.
  PythonOptions python;
  /// When plugins read from disk start (StartMode): by default on first use,
  /// so a host with many plugins loads fast and holds only what it uses.
  /// Plugins given in memory (PluginSource) always start at load, since the
  /// caller holds their text and wants its errors then.
  StartMode start_mode = StartMode::kOnFirstUse;
  /// Reload modules when their files change (WatchOptions); off by default.
  WatchOptions watch;
};

/// Settings for one Host::Call.
struct CallOptions {
  /// Overrides plugin.toml's [limits] timeout_ms and the host default for
  /// this call. A call made from inside another call never outlives the
  /// outer call's deadline.
  std::optional<absl::Duration> timeout;
  /// Calls this implementation regardless of which one is active (Use), as
  /// the check and bench tools do to compare them. kFailedPrecondition when
  /// the module has none in that language.
  std::optional<Language> implementation;
};

/// One implementation of a plugin given in memory (PluginSource).
struct SourceText {
  /// The engine that runs `text`.
  Language language = Language::kPython;
  std::string text;  ///< the whole module, as a file would hold it
  /// How stacks and messages name the code, e.g. "greeter.py". Empty: the
  /// module name with the engine's file extension.
  std::string display_name;
};

/// A plugin given as source text rather than files (Host::LoadPlugin), for
/// tools and tests that would otherwise write temporary files. Like a
/// single-file plugin it imports nothing but "duet".
struct PluginSource {
  std::string module;                       ///< an identifier, e.g. "greeter"
  std::vector<SourceText> implementations;  ///< at most one per language
  /// The implementation active after loading; default: the first listed.
  std::optional<Language> default_language;
  Limits limits;  ///< as plugin.toml's [limits]; zero fields take the defaults
  /// As plugin.toml's [state]: the functions that carry the module's state
  /// across Use and Reload.
  std::optional<StateHooks> state;
};

/// One implementation of a loaded module (ModuleInfo).
struct ImplementationInfo {
  /// Its engine.
  Language language = Language::kPython;
  /// The implementation file; for a plugin given in memory, its display name.
  std::filesystem::path file;
  std::vector<std::string> exports;  ///< sorted
  /// The exports that are async functions (a JavaScript `async function`, a
  /// Python `async def`), sorted: a script calling one from JavaScript or
  /// from a Python coroutine gets a Promise or an awaitable.
  std::vector<std::string> async_exports;
  /// False while the implementation has not started (StartMode::kOnFirstUse):
  /// `exports` and `async_exports` are then empty, since only its engine
  /// knows them.
  bool started = true;
};

/// A loaded module, as Host::ListModules and Host::GetModule describe it.
struct ModuleInfo {
  /// The module name scripts and Host::Call use.
  std::string name;
  std::string version;      ///< from plugin.toml; empty for single files
  std::string description;  ///< likewise
  /// The plugin directory or file; empty for a plugin given in memory.
  std::filesystem::path location;
  /// The implementation calls go to (Host::Use switches it).
  Language active = Language::kPython;
  std::vector<ImplementationInfo> implementations;  ///< in kAllLanguages order
  /// The manifest, for directory plugins (examples, declared exports).
  std::optional<Manifest> manifest;
  /// Whether the module declares [state] hooks, so Use and Reload carry its
  /// state from one implementation to the next.
  bool carries_state = false;
  /// What plugin.toml's [permissions] grants (paths as written there); empty
  /// for single-file and in-memory plugins.
  Permissions permissions;
};

/// A plugin that did not load, and why (the status message names file:line).
struct PluginProblem {
  /// The plugin directory or single file.
  std::filesystem::path location;
  /// Why it did not load.
  absl::Status status;
};

/// What Host::LoadPlugins did.
struct LoadReport {
  std::vector<std::string> loaded;  ///< module names, in load order
  /// Plugins that did not load; the others did.
  std::vector<PluginProblem> problems;
  std::vector<std::string> warnings;  ///< also sent to the log sink
};

/// A function's name as duet.call(), Host::Call(qualified_name) and the
/// command line take it: "module.function", split at the first dot (module
/// names never contain one). kInvalidArgument naming the text when there is
/// no dot or either side is empty. The views point into `qualified_name`.
struct QualifiedName {
  /// Before the first dot.
  std::string_view module;
  /// After the first dot.
  std::string_view function;
};
/// Splits "module.function" (see QualifiedName).
absl::StatusOr<QualifiedName> SplitQualifiedName(
    std::string_view qualified_name);

/// A module function resolved once by Host::Function and then called many
/// times without Host::Call's name lookups:
///
///     absl::StatusOr<duet::Function> greet = host->Function("greeter.greet");
///     if (!greet.ok()) return greet.status();
///     absl::StatusOr<duet::Value> hello = greet->Call({"world"});
///
/// A handle names a module and a function, not an implementation: each call
/// runs the module's implementation active when the call starts (Host::Use),
/// in the code loaded last (Host::Reload). A call returns what
/// Host::Call(module, function, args, options) would return at that moment;
/// in particular kNotFound, with Host::Call's message, while the
/// implementation now active does not export the function (after a Use or a
/// Reload). The handle stays valid and works again once it does.
///
/// Cheap to copy (copies share one resolution); Call may run on any number
/// of threads at once. A handle may outlive its Host without harm: a call
/// made while the host is being destroyed returns kCancelled (as Host::Call
/// does then), and one made after it is gone returns kFailedPrecondition
/// saying so. The handle keeps no part of the host alive.
class Function {
 public:
  /// An empty handle; Call returns kFailedPrecondition.
  Function() = default;

  /// Calls the function with `args`, as Host::Call does, with the same
  /// `options` and errors.
  absl::StatusOr<Value> Call(absl::Span<const Value> args,
                             const CallOptions& options = {}) const;

  /// The module name it was resolved with; empty for an empty handle.
  std::string_view module() const;
  /// The function name it was resolved with; empty for an empty handle.
  std::string_view function() const;

  /// A held-lock scope for calling this function many times from this
  /// thread (HeldFunction): the callee's engine lock is taken now and kept
  /// between calls, as pybind11's gil_scoped_acquire keeps the GIL.
  /// kFailedPrecondition for an empty handle, when the host is gone, or when
  /// this thread is inside a duet call (a host function, a plugin's
  /// top-level code); kCancelled while the host is being destroyed; the
  /// errors of Host::Start when the active implementation fails to start.
  absl::StatusOr<HeldFunction> Hold() const;

 private:
  friend class Host;
  explicit Function(std::shared_ptr<const internal::BoundFunction> bound);
  std::shared_ptr<const internal::BoundFunction> bound_;
};

/// A duet::Function called from one thread with its engine's lock kept
/// between calls (Function::Hold), for a loop of many small calls:
///
///     absl::StatusOr<duet::HeldFunction> add = function->Hold();
///     if (!add.ok()) return add.status();
///     for (int i = 0; i < n; ++i) total = add->Call({total, i});
///
/// Each call returns what Function::Call would return, with the same
/// options, limits and errors: its deadline and Host::Interrupt still stop
/// it, and a script's calls to the host and to other modules still release
/// the lock. What the scope keeps is the lock of the implementation its
/// last call ran (the GIL for Python, which serves every Python module; the
/// module's isolate for JavaScript), taken at the first call or at Hold and
/// again whenever the active implementation changes (Host::Use, Host::Reload:
/// the scope's calls see the new one, as a Function's calls do). While it
/// is kept, other threads' calls into that engine (Python) or that module
/// (JavaScript, including its timers and awaited Promises) wait until the
/// scope is destroyed, and so does a Use or Reload that needs that lock,
/// unless the scope's thread runs Python meanwhile (CPython hands the GIL
/// over between bytecodes). Calls to other modules and engines from inside
/// the scope work (taking their own locks per call). A module with [state]
/// hooks keeps no lock (a Use carrying its state must be able to run), nor
/// does a trusted Node.js plugin (its Node loop thread needs the isolate):
/// their calls through the scope take the lock per call. A call made from
/// inside another duet call on this thread (a host function) takes the
/// lock per call too.
///
/// A scope belongs to the thread that made it: Call from another thread
/// returns kFailedPrecondition. Scopes on one thread may nest; destroy each
/// on its thread (destroyed elsewhere, its lock is let go only when its
/// thread next makes, calls or ends a scope). Do not block on other work of
/// the same engine (a CallAsync future, a lock another thread's call holds)
/// while a scope keeps its lock. Destroying the host lets go the locks of
/// scopes on the destroying thread and waits for those kept on other
/// threads to be let go: their next call returns kCancelled and lets go, as
/// does destroying them. A scope outliving its host is harmless, as a
/// Function is: its calls return kFailedPrecondition.
///
/// Move-only. An empty scope (default-made, moved from) returns
/// kFailedPrecondition.
class HeldFunction {
 public:
  /// An empty scope; Call returns kFailedPrecondition.
  HeldFunction();
  /// Takes over `other`'s scope (same thread); `other` is left empty.
  HeldFunction(HeldFunction&& other) noexcept;
  /// Ends this scope, as the destructor does, and takes over `other`'s.
  HeldFunction& operator=(HeldFunction&& other) noexcept;
  /// Lets the lock go (on the thread that made the scope).
  ~HeldFunction();

  /// Calls the function with `args` as Function::Call does, on the thread
  /// that made the scope (kFailedPrecondition on another).
  absl::StatusOr<Value> Call(absl::Span<const Value> args,
                             const CallOptions& options = {});

  /// The module name of the Function it was made from; empty when empty.
  std::string_view module() const;
  /// The function name of the Function it was made from; empty when empty.
  std::string_view function() const;

 private:
  friend class Function;
  explicit HeldFunction(std::unique_ptr<internal::HeldScope> scope);
  std::unique_ptr<internal::HeldScope> scope_;
};

/// The application's entry point: owns both engines and every loaded
/// plugin. See the file comment for an example and the thread rules.
class Host {
 public:
  /// A host with the engines built into duet::duet (Python and JavaScript).
  /// kFailedPrecondition when an engine cannot start.
  static absl::StatusOr<std::unique_ptr<Host>> Create(HostOptions options = {});

  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;
  ~Host();

  /// Loads every plugin in `dir`: subdirectories with a plugin.toml and
  /// single files whose extension an engine claims (hello.py, shout.js).
  /// Broken plugins are reported in LoadReport::problems (and logged) while
  /// the rest load. A module name already loaded keeps its first plugin and
  /// draws a warning naming both locations. Fails only when `dir` cannot be
  /// read. With StartMode::kOnFirstUse (the default) the problems are those
  /// found without starting an engine (plugin.toml, missing files, symlinks,
  /// name clashes); an implementation whose code fails is reported when it
  /// starts. StartMode::kAtLoad, or StartAll() after loading, finds those
  /// too.
  /// With HostOptions::watch on, `dir` stays watched: plugins that
  /// appear in it later load (WatchOptions).
  absl::StatusOr<LoadReport> LoadPlugins(const std::filesystem::path& dir);
  /// Loads one plugin: a directory with plugin.toml, or a single file.
  /// Returns the module name.
  absl::StatusOr<std::string> LoadPlugin(const std::filesystem::path& location);
  /// Loads a plugin from source text. Returns the module name.
  /// kInvalidArgument for a module name that is not an identifier (or is
  /// reserved), no implementation, two in one language, or limits out of
  /// range; kAlreadyExists when the name is taken; kFailedPrecondition when no
  /// implementation's engine runs in this host (the others are skipped, as
  /// for plugin.toml); otherwise what the engine's load reported. Reload runs
  /// the same text again.
  absl::StatusOr<std::string> LoadPlugin(const PluginSource& source);

  /// Every loaded module, sorted by name. Starts nothing: an implementation
  /// that has not started is listed without exports
  /// (ImplementationInfo::started).
  std::vector<ModuleInfo> ListModules() const;
  /// One module's ModuleInfo, complete: its implementations are started
  /// first (Start). kNotFound naming the loaded modules, or why that plugin
  /// failed to load or to start.
  absl::StatusOr<ModuleInfo> GetModule(std::string_view module) const;

  /// Starts every implementation of `module` that has not started yet
  /// (StartMode::kOnFirstUse), as its first use would. kNotFound as Call
  /// returns it for an unknown module; for an implementation that fails to
  /// start, kNotFound "module 'NAME' failed to load: FILE:LINE: ...", the
  /// message a plugin failing at load gets, which every later use of that
  /// implementation returns too, until Reload. A start stopped by Interrupt
  /// or the host's destruction returns kCancelled and is tried again at the
  /// next use. Starting is done once however many threads ask; a plugin's
  /// top-level code may call other modules, which start then.
  absl::Status Start(std::string_view module);
  /// Starts every loaded module (Start): one problem per module whose
  /// implementation failed to start, as LoadPlugins would have reported it
  /// under StartMode::kAtLoad.
  std::vector<PluginProblem> StartAll();

  /// Calls `function` on the module's active implementation (or the one
  /// options.implementation names). kNotFound for an unknown module or
  /// function; kInvalidArgument when the arguments do not
  /// match declared [exports] params; otherwise whatever the script did.
  /// kDeadlineExceeded past the time limit, kResourceExhausted past the
  /// memory limit or when calls nest too deep, kCancelled when interrupted.
  absl::StatusOr<Value> Call(std::string_view module, std::string_view function,
                             absl::Span<const Value> args,
                             const CallOptions& options = {});
  /// "module.function" form, as duet.call() and the command line take it;
  /// kInvalidArgument when `qualified_name` has no dot (SplitQualifiedName).
  absl::StatusOr<Value> Call(std::string_view qualified_name,
                             absl::Span<const Value> args,
                             const CallOptions& options = {});

  /// What CallAsync runs when its call ends, with what Call would have
  /// returned.
  using CallCallback = std::function<void(absl::StatusOr<Value>)>;

  /// Starts a call and returns before it ends; `done` then runs exactly once
  /// with what Call(module, function, args, options) would return, same
  /// options, limits and errors (the timeout covers the time spent
  /// awaiting). The call runs on this thread until it finishes or first
  /// waits: an export returning a JavaScript Promise or a Python coroutine
  /// returns to the caller there, and waits without occupying any thread
  /// (JavaScript timers and Python's asyncio loop run it on; see
  /// docs/threads.md), so many calls can be in flight at once. `done` runs
  /// on this thread before CallAsync returns when the call did not wait (a
  /// plain function, or an error found before the call started), else on
  /// one of duet's scheduler threads, with no engine lock held: it must be
  /// thread-safe and return quickly (it may start more calls). `args` are
  /// read only before CallAsync returns. Interrupt and the host's
  /// destruction end waiting calls with kCancelled; the host waits for
  /// `done` of every call in flight before its destructor returns.
  void CallAsync(std::string_view module, std::string_view function,
                 absl::Span<const Value> args, const CallOptions& options,
                 CallCallback done);
  /// The same, with the result delivered through a future:
  /// @code
  ///   auto a = host->CallAsync("timers", "wait", {200});
  ///   auto b = host->CallAsync("timers", "wait", {200});
  ///   absl::StatusOr<duet::Value> first = a.get(), second = b.get();
  /// @endcode
  std::future<absl::StatusOr<Value>> CallAsync(std::string_view module,
                                               std::string_view function,
                                               absl::Span<const Value> args,
                                               const CallOptions& options = {});

  /// Resolves "module.function" once, for calls that skip the name lookups
  /// (duet::Function). kInvalidArgument when `qualified_name` has no dot
  /// (SplitQualifiedName); kNotFound, with Host::Call's messages, for an
  /// unknown module or a function the active implementation does not
  /// export.
  absl::StatusOr<duet::Function> Function(std::string_view qualified_name);
  /// The same with the names apart, as Host::Call takes them.
  absl::StatusOr<duet::Function> Function(std::string_view module,
                                          std::string_view function);

  /// Makes `language` the module's active implementation for calls that
  /// start after this returns; calls in flight finish where they started.
  /// Starts that implementation if it has not started. kNotFound for an
  /// unknown module, kFailedPrecondition when it has no implementation in
  /// that language, the start's error when it fails to start (the active one
  /// is left as it was).
  ///
  /// A module with [state] hooks (plugin.toml, PluginSource::state) keeps
  /// its state: Use waits for the module's calls in flight to return, calls
  /// `snapshot` on the implementation being left and `restore` with its
  /// result on the one taking over, then switches. Calls arriving meanwhile
  /// wait and then run on the new side. Each hook, and the wait, is bounded
  /// by the plugin's [limits] timeout_ms, else HostOptions::default_timeout,
  /// else 10 s. If a hook fails or times out, or snapshot returns a
  /// function value, the switch is refused with the hook's error (its code,
  /// its ScriptError, the message saying which hook) and the old
  /// implementation stays active with its state; kUnavailable when calls in
  /// flight did not return in time.
  absl::Status Use(std::string_view module, Language language);

  /// Re-reads a module's plugin files (plugin.toml and every
  /// implementation), loads them beside the old version and swaps them in
  /// for calls that start afterwards; calls in flight finish on the old
  /// code, and no call fails because of the reload. The active language is
  /// kept when the new version still has it. The implementations that had
  /// started (every one under StartMode::kAtLoad) start again now; the
  /// others stay unstarted, and a start that had failed is tried anew at its
  /// next use. When both versions declare [state], the state is carried as
  /// Use carries it (snapshot on the old active implementation, restore on
  /// the new one); otherwise the new version starts afresh. On any error (a
  /// load, compile or restore failure, naming file:line) the old version
  /// goes on serving, its state intact.
  absl::Status Reload(std::string_view module);

  /// Stops every call and evaluation running in this host now, on any thread
  /// (JavaScript is terminated, Python gets KeyboardInterrupt); they return
  /// kCancelled. Safe to call from a signal-handling thread.
  void Interrupt();

  /// Registers duet.host.NAME for every script, or for one plugin's scripts
  /// (HostFunctionOptions::module), e.g.
  /// @code
  ///   host->RegisterFunction("quota", fn,
  ///                          duet::HostFunctionOptions{"greeter"});
  /// @endcode
  /// kAlreadyExists when the name is taken in that scope; kInvalidArgument
  /// for a name or module that is not an identifier, or an empty function.
  /// See HostFunction for errors and exceptions.
  absl::Status RegisterFunction(std::string name, HostFunction function,
                                HostFunctionOptions options = {});
  /// The same, for a function told who called it (HostCallContext).
  absl::Status RegisterFunction(std::string name,
                                ContextualHostFunction function,
                                HostFunctionOptions options = {});
  /// Removes duet.host.NAME from the scope `options` names. Calls already
  /// running it finish; later calls get kNotFound. kNotFound when no such
  /// function is registered in that scope.
  absl::Status UnregisterFunction(std::string_view name,
                                  const HostFunctionOptions& options = {});

  /// Opens an interactive namespace in one engine (see duet/repl.h), with a
  /// fresh set of globals. kFailedPrecondition when this host runs no engine
  /// for `language`; kCancelled once the host is shutting down.
  absl::StatusOr<std::unique_ptr<ReplConsole>> OpenRepl(Language language);

  /// Engines this host runs.
  std::vector<Language> languages() const;

  /// Sends a line to the log sink.
  void Log(LogLevel level, std::string_view source,
           std::string_view message) const;

 private:
  class Impl;
  friend struct internal::HostAccess;  ///< CreateHostWithRuntimes
  explicit Host(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace duet

#endif  // DUET_HOST_H_
