// Host::Impl: composes the host's parts (duet/host.h) and owns their
// lifetime. The parts, each in its own file:
//
//   RuntimeSet         the engines                    runtime_set.h
//   ModuleRegistry     modules, active implementation module_registry.h
//   PluginLoader       plugin.toml, loading, reload   plugin_loader.h
//   CallDispatcher     deadlines, depth, checks       call_dispatch.h
//   StateTransfer      [state] across Use and Reload  state_transfer.h
//   HostFunctionTable  duet.host.NAME                 host_functions.h
//   ReplConsoles       Host::OpenRepl                 repl_consoles.h
//   PluginWatcher      watch mode (HostOptions::watch) plugin_watcher.h
//
// Impl is also the HostServices the engines call back into.
#include "duet/host.h"

#include <cxxabi.h>

#include <atomic>
#include <exception>
#include <iostream>
#include <memory>
#include <string>
#include <typeinfo>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "call_dispatch.h"
#include "duet/engine/call_out.h"
#include "duet/internal/status_macros.h"
#include "duet/internal/strings.h"
#include "duet/runtime.h"
#include "host_functions.h"
#include "module_registry.h"
#include "plugin_loader.h"
#include "plugin_watcher.h"
#include "repl_consoles.h"
#include "runtime_set.h"
#include "state_transfer.h"

namespace duet {
namespace {

using internal::CallGate;
using internal::ToAbsl;

void DefaultLogSink(LogLevel level, std::string_view source,
                    std::string_view message) {
  if (level == LogLevel::kDebug) return;
  // One write per line so concurrent loggers do not interleave mid-line.
  std::string line = absl::StrCat("[", ToAbsl(LogLevelName(level)), "] ",
                                  ToAbsl(source), ": ", ToAbsl(message), "\n");
  std::cerr << line << std::flush;
}

absl::Status CheckOptions(const HostOptions& options) {
  if (options.default_memory_mb < 1 ||
      options.default_memory_mb > Limits::kMaxMemoryMb) {
    return absl::InvalidArgumentError(absl::StrCat(
        "HostOptions::default_memory_mb is ", options.default_memory_mb,
        "; it must be from 1 to ", Limits::kMaxMemoryMb, " (MB)"));
  }
  if (options.default_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "HostOptions::default_timeout is ",
        absl::FormatDuration(options.default_timeout),
        "; it must be positive (absl::InfiniteDuration() for no limit)"));
  }
  if (options.watch.quiet_period < absl::ZeroDuration() ||
      options.watch.quiet_period > absl::Minutes(1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("HostOptions::watch.quiet_period is ",
                     absl::FormatDuration(options.watch.quiet_period),
                     "; it must be from 0 to 1 minute"));
  }
  return absl::OkStatus();
}

// Wraps `sink` so an exception it throws drops the line instead of
// unwinding into whoever logged (an engine, a loader); the first one is
// reported on stderr, since the sink itself may keep throwing.
LogSink GuardedLogSink(LogSink sink) {
  auto warned = std::make_shared<std::atomic<bool>>(false);
  return
      [sink = std::move(sink), warned](LogLevel level, std::string_view source,
                                       std::string_view message) {
        std::string what;
        try {
          sink(level, source, message);
          return;
        } catch (const abi::__forced_unwind&) {
          throw;  // thread cancellation must finish unwinding
        } catch (const std::exception& exception) {
          what = exception.what();
        } catch (...) {
          what = "an unknown exception";
        }
        if (warned->exchange(true)) return;
        DefaultLogSink(LogLevel::kWarning, "duet",
                       absl::StrCat("the log sink threw (", what,
                                    "); lines it throws on are dropped"));
      };
}

HostOptions WithDefaults(HostOptions options) {
  options.log_sink = options.log_sink
                         ? GuardedLogSink(std::move(options.log_sink))
                         : LogSink(DefaultLogSink);
  return options;
}

}  // namespace

class Host::Impl : public HostServices {
 public:
  explicit Impl(HostOptions options)
      : options_(WithDefaults(std::move(options))),
        loader_(options_, runtimes_, modules_),
        dispatcher_(modules_, options_.default_timeout),
        transfer_(dispatcher_, options_),
        consoles_(target_->gate) {
    target_->dispatcher = &dispatcher_;
    // Its module calls release a script's deferred engine lock before they
    // can wait (call_dispatch.cc), so Python -> Python calls may keep the
    // GIL.
    engine::SetSettlingServices(typeid(Impl));
  }

  // The shutdown order: stop what is running and let it return before
  // anything goes away (calls hold module states, and the states hold
  // engine objects); then release what the engines made; then the engines.
  ~Impl() override {
    // The watcher starts no reload from here on; one already running holds
    // a pass, so the wait below covers it, and then the thread can leave.
    if (watcher_ != nullptr) watcher_->RequestStop();
    CallGate& gate = target_->gate;
    gate.Close();
    // Engine locks this thread keeps for held scopes go now; those kept on
    // other threads go at their next call (or as their scopes end).
    internal::ReleaseThreadHolds(target_.get());
    for (int round = 0; gate.in_flight() > 0 ||
                        target_->held_locks.load(std::memory_order_acquire) > 0;
         ++round) {
      runtimes_.InterruptAll();
      absl::SleepFor(absl::Milliseconds(1));
      if (round == 5000) {
        Log(LogLevel::kWarning, "duet",
            gate.in_flight() > 0
                ? "the host is waiting for calls that do not stop (a Python "
                  "call blocked in native code cannot be interrupted)"
                : "the host is waiting for duet::HeldFunction scopes on other "
                  "threads to let their engine locks go (their next call, or "
                  "destroying them, does)");
      }
    }
    // Joined before the pointer goes: the thread may still be registering a
    // plugin it loaded through watcher_.
    if (watcher_ != nullptr) watcher_->Stop();
    watcher_.reset();
    modules_.ReleaseAll();
    consoles_.CloseAll();
    runtimes_.Clear();
    target_->host_destroyed.store(true, std::memory_order_release);
  }

  absl::Status Start(std::vector<RuntimeFactory> factories) {
    DUET_RETURN_IF_ERROR(runtimes_.Start(std::move(factories), *this));
    if (!options_.watch.enabled) return absl::OkStatus();
    internal::PluginWatcherHooks hooks;
    hooks.reload = [this](std::string_view module) { return Reload(module); };
    // A plugin appearing while watched starts at once, so its errors are
    // reported as it appears (and it stays unloaded until they are fixed).
    hooks.load = [this](const std::filesystem::path& location) {
      return LoadPlugin(location, /*start_all=*/true);
    };
    hooks.is_plugin_file = [this](const std::filesystem::path& file) {
      return runtimes_.ForFile(file) != nullptr;
    };
    hooks.log = [this](LogLevel level, std::string_view message) {
      Log(level, "duet", message);
    };
    DUET_ASSIGN_OR_RETURN(
        watcher_, internal::PluginWatcher::Start(options_.watch.quiet_period,
                                                 std::move(hooks)));
    return absl::OkStatus();
  }

  // `done` holding a pass of the gate until it has run and what it holds
  // is gone: the host's destructor waits for it. Made while another pass
  // checks out, so the host is not closed yet.
  internal::CallDispatcher::AsyncCompletion Counted(
      std::function<void(absl::StatusOr<Value>)> done) {
    return [pass = std::make_shared<CallGate::Pass>(target_->gate),
            target = target_,
            done = std::move(done)](absl::StatusOr<Value> result) mutable {
      done(std::move(result));
      done = nullptr;  // what it holds goes while the pass still counts
      pass.reset();
    };
  }

  // Runs `work` counted as in flight, or refuses it once the host closes.
  template <typename Work>
  auto Gated(Work work) -> decltype(work()) {
    CallGate::ThreadPass pass(target_->gate);
    DUET_RETURN_IF_ERROR(pass.Check());
    return work();
  }

  absl::StatusOr<LoadReport> LoadPlugins(const std::filesystem::path& dir) {
    absl::StatusOr<LoadReport> report =
        Gated([&] { return loader_.LoadDirectory(dir); });
    if (watcher_ != nullptr && report.ok()) {
      watcher_->WatchDirectory(dir);
      for (const std::string& name : report->loaded) WatchModule(name);
    }
    return report;
  }
  absl::StatusOr<std::string> LoadPlugin(const std::filesystem::path& location,
                                         bool start_all = false) {
    absl::StatusOr<std::string> name =
        Gated([&] { return loader_.Load(location, nullptr, start_all); });
    if (watcher_ != nullptr && name.ok()) WatchModule(*name);
    return name;
  }
  absl::StatusOr<std::string> LoadPlugin(const PluginSource& source) {
    return Gated([&] { return loader_.Load(source); });
  }
  absl::Status Reload(std::string_view module) {
    return Gated([&] {
      return loader_.Reload(
          module,
          [this](internal::Module& reloaded,
                 std::unique_ptr<internal::ModuleState> next, Language active) {
            return transfer_.Swap(reloaded, std::move(next), active);
          });
    });
  }
  absl::Status Use(std::string_view module, Language language) {
    return Gated([&] { return transfer_.Use(modules_, module, language); });
  }
  // Starting runs plugin code, so it is counted as a call is.
  absl::StatusOr<ModuleInfo> GetModule(std::string_view module) {
    return Gated([&] { return modules_.Describe(module); });
  }
  absl::Status StartModule(std::string_view module) {
    return Gated([&] { return modules_.StartModule(module); });
  }
  std::vector<PluginProblem> StartAllModules() {
    CallGate::Pass pass(target_->gate);
    if (!pass.Check().ok()) return {};
    return modules_.StartAll();
  }
  absl::StatusOr<Value> Call(std::string_view module, std::string_view function,
                             absl::Span<const Value> args,
                             const CallOptions& options) {
    return Gated(
        [&] { return dispatcher_.Call(module, function, args, options); });
  }
  void CallAsync(std::string_view module, std::string_view function,
                 absl::Span<const Value> args, const CallOptions& options,
                 Host::CallCallback done) {
    CallGate::Pass pass(target_->gate);
    if (absl::Status open = pass.Check(); !open.ok()) {
      done(open);
      return;
    }
    dispatcher_.CallAsync(module, function, args, options,
                          Counted(std::move(done)));
  }
  absl::StatusOr<std::shared_ptr<const internal::BoundFunction>> Bind(
      std::string_view module, std::string_view function) {
    return Gated([&] { return dispatcher_.Bind(target_, module, function); });
  }
  absl::StatusOr<std::unique_ptr<ReplConsole>> OpenRepl(Language language) {
    return Gated([&]() -> absl::StatusOr<std::unique_ptr<ReplConsole>> {
      Runtime* runtime = runtimes_.Get(language);
      if (runtime == nullptr) {
        return absl::FailedPreconditionError(absl::StrCat(
            "this host runs no ", ToAbsl(LanguageName(language)), " engine"));
      }
      return consoles_.Open(*runtime);
    });
  }

  internal::ModuleRegistry& modules() { return modules_; }

  // Watch mode: reload `module` when its plugin's files change.
  void WatchModule(const std::string& module) {
    internal::Module* loaded = modules_.Find(module);
    if (loaded == nullptr) return;
    std::filesystem::path location = loaded->state()->location;
    if (!location.empty()) watcher_->WatchModule(module, location);
  }
  internal::HostFunctionTable& functions() { return functions_; }
  internal::RuntimeSet& runtimes() { return runtimes_; }

  // ---- HostServices -------------------------------------------------------

  absl::StatusOr<Value> CallModule(std::string_view module,
                                   std::string_view function,
                                   absl::Span<const Value> args) override {
    return Call(module, function, args, CallOptions());
  }
  absl::StatusOr<Value> CallModuleOrStart(
      std::string_view module, std::string_view function,
      absl::Span<const Value> args, absl::FunctionRef<ModuleCallDone()> done,
      const std::shared_ptr<CallCancellation>& cancellation,
      bool* started) override {
    *started = false;
    return Gated([&] {
      return dispatcher_.CallOrStart(
          module, function, args, [&] { return Counted(done()); }, cancellation,
          started);
    });
  }
  absl::StatusOr<Value> CallHostFunction(
      const HostCallContext& caller, std::string_view name,
      absl::Span<const Value> args) override {
    return Gated([&] { return functions_.Call(caller, name, args); });
  }
  std::vector<std::string> ModuleNames() const override {
    return modules_.Names();
  }
  absl::StatusOr<std::vector<std::string>> ModuleFunctions(
      std::string_view module) const override {
    return modules_.ActiveExports(module);
  }
  std::optional<ExportSpec> DeclaredExport(
      std::string_view module, std::string_view function) const override {
    const internal::Module* found = modules_.Find(module);
    if (found == nullptr) return std::nullopt;
    std::shared_ptr<const internal::ModuleState> state = found->state();
    if (!state->manifest) return std::nullopt;
    for (const ExportSpec& spec : state->manifest->exports) {
      if (spec.name == function) return spec;
    }
    return std::nullopt;
  }
  std::vector<std::string> HostFunctionNames(
      std::string_view module) const override {
    return functions_.Names(module);
  }
  void Log(LogLevel level, std::string_view source,
           std::string_view message) override {
    options_.log_sink(level, source, message);
  }

 private:
  // Declared in construction order; destroyed in reverse, after ~Impl has
  // emptied them in the order above.
  const HostOptions options_;
  // Shared with duet::Function handles, which may outlive the host.
  const std::shared_ptr<internal::CallTarget> target_ =
      std::make_shared<internal::CallTarget>();
  internal::RuntimeSet runtimes_;
  internal::ModuleRegistry modules_;
  internal::PluginLoader loader_;
  internal::CallDispatcher dispatcher_;
  internal::StateTransfer transfer_;
  internal::HostFunctionTable functions_;
  internal::ReplConsoles consoles_;
  // Null unless options_.watch.enabled; stopped first in ~Impl.
  std::unique_ptr<internal::PluginWatcher> watcher_;
};

// ---- Host -----------------------------------------------------------------

namespace internal {

// Reaches Host's private parts for CreateHostWithRuntimes.
struct HostAccess {
  static absl::StatusOr<std::unique_ptr<Host>> Create(
      HostOptions options, std::vector<RuntimeFactory> runtimes) {
    DUET_RETURN_IF_ERROR(CheckOptions(options));
    auto impl = std::make_unique<Host::Impl>(std::move(options));
    DUET_RETURN_IF_ERROR(impl->Start(std::move(runtimes)));
    return std::unique_ptr<Host>(new Host(std::move(impl)));
  }
};

}  // namespace internal

absl::StatusOr<std::unique_ptr<Host>> CreateHostWithRuntimes(
    HostOptions options, std::vector<RuntimeFactory> runtimes) {
  return internal::HostAccess::Create(std::move(options), std::move(runtimes));
}

Host::Host(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Host::~Host() = default;

absl::StatusOr<LoadReport> Host::LoadPlugins(const std::filesystem::path& dir) {
  return impl_->LoadPlugins(dir);
}

absl::StatusOr<std::string> Host::LoadPlugin(
    const std::filesystem::path& location) {
  return impl_->LoadPlugin(location);
}

absl::StatusOr<std::string> Host::LoadPlugin(const PluginSource& source) {
  return impl_->LoadPlugin(source);
}

std::vector<ModuleInfo> Host::ListModules() const {
  return impl_->modules().List();
}

absl::StatusOr<ModuleInfo> Host::GetModule(std::string_view module) const {
  return impl_->GetModule(module);
}

absl::Status Host::Start(std::string_view module) {
  return impl_->StartModule(module);
}

std::vector<PluginProblem> Host::StartAll() { return impl_->StartAllModules(); }

absl::StatusOr<Value> Host::Call(std::string_view module,
                                 std::string_view function,
                                 absl::Span<const Value> args,
                                 const CallOptions& options) {
  return impl_->Call(module, function, args, options);
}

void Host::CallAsync(std::string_view module, std::string_view function,
                     absl::Span<const Value> args, const CallOptions& options,
                     CallCallback done) {
  impl_->CallAsync(module, function, args, options, std::move(done));
}

std::future<absl::StatusOr<Value>> Host::CallAsync(std::string_view module,
                                                   std::string_view function,
                                                   absl::Span<const Value> args,
                                                   const CallOptions& options) {
  auto promise = std::make_shared<std::promise<absl::StatusOr<Value>>>();
  std::future<absl::StatusOr<Value>> future = promise->get_future();
  impl_->CallAsync(module, function, args, options,
                   [promise](absl::StatusOr<Value> result) {
                     promise->set_value(std::move(result));
                   });
  return future;
}

absl::StatusOr<QualifiedName> SplitQualifiedName(
    std::string_view qualified_name) {
  size_t dot = qualified_name.find('.');
  if (dot == std::string_view::npos || dot == 0 ||
      dot + 1 == qualified_name.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", ToAbsl(qualified_name),
                     "' is not MODULE.FUNCTION (e.g. greeter.greet)"));
  }
  return QualifiedName{qualified_name.substr(0, dot),
                       qualified_name.substr(dot + 1)};
}

absl::StatusOr<Value> Host::Call(std::string_view qualified_name,
                                 absl::Span<const Value> args,
                                 const CallOptions& options) {
  DUET_ASSIGN_OR_RETURN(QualifiedName name, SplitQualifiedName(qualified_name));
  return impl_->Call(name.module, name.function, args, options);
}

absl::StatusOr<Function> Host::Function(std::string_view qualified_name) {
  DUET_ASSIGN_OR_RETURN(QualifiedName name, SplitQualifiedName(qualified_name));
  return Function(name.module, name.function);
}

absl::StatusOr<Function> Host::Function(std::string_view module,
                                        std::string_view function) {
  DUET_ASSIGN_OR_RETURN(std::shared_ptr<const internal::BoundFunction> bound,
                        impl_->Bind(module, function));
  return duet::Function(std::move(bound));
}

// ---- Function -------------------------------------------------------------

Function::Function(std::shared_ptr<const internal::BoundFunction> bound)
    : bound_(std::move(bound)) {}

absl::StatusOr<Value> Function::Call(absl::Span<const Value> args,
                                     const CallOptions& options) const {
  if (bound_ == nullptr) {
    return absl::FailedPreconditionError(
        "this duet::Function is empty (default-constructed or moved from); "
        "get one from Host::Function");
  }
  return bound_->Call(args, options);
}

std::string_view Function::module() const {
  return bound_ == nullptr ? std::string_view() : bound_->module_name();
}

std::string_view Function::function() const {
  return bound_ == nullptr ? std::string_view() : bound_->function();
}

absl::StatusOr<HeldFunction> Function::Hold() const {
  if (bound_ == nullptr) {
    return absl::FailedPreconditionError(
        "cannot hold an empty duet::Function (default-constructed or moved "
        "from); get one from Host::Function");
  }
  auto scope = std::make_unique<internal::HeldScope>(bound_);
  DUET_RETURN_IF_ERROR(scope->HoldNow());
  return HeldFunction(std::move(scope));
}

// ---- HeldFunction ---------------------------------------------------------

HeldFunction::HeldFunction() = default;
HeldFunction::HeldFunction(std::unique_ptr<internal::HeldScope> scope)
    : scope_(std::move(scope)) {}
HeldFunction::HeldFunction(HeldFunction&& other) noexcept = default;
HeldFunction& HeldFunction::operator=(HeldFunction&& other) noexcept = default;
HeldFunction::~HeldFunction() = default;

absl::StatusOr<Value> HeldFunction::Call(absl::Span<const Value> args,
                                         const CallOptions& options) {
  if (scope_ == nullptr) {
    return absl::FailedPreconditionError(
        "this duet::HeldFunction is empty (default-constructed or moved "
        "from); get one from Function::Hold");
  }
  return scope_->Call(args, options);
}

std::string_view HeldFunction::module() const {
  return scope_ == nullptr ? std::string_view() : scope_->bound().module_name();
}

std::string_view HeldFunction::function() const {
  return scope_ == nullptr ? std::string_view() : scope_->bound().function();
}

// ---- Host, continued ------------------------------------------------------

absl::Status Host::Use(std::string_view module, Language language) {
  return impl_->Use(module, language);
}

absl::Status Host::Reload(std::string_view module) {
  return impl_->Reload(module);
}

void Host::Interrupt() { impl_->runtimes().InterruptAll(); }

absl::Status Host::RegisterFunction(std::string name, HostFunction function,
                                    HostFunctionOptions options) {
  return impl_->functions().Register(std::move(name), std::move(function),
                                     std::move(options.module));
}

absl::Status Host::RegisterFunction(std::string name,
                                    ContextualHostFunction function,
                                    HostFunctionOptions options) {
  return impl_->functions().Register(std::move(name), std::move(function),
                                     std::move(options.module));
}

absl::Status Host::UnregisterFunction(std::string_view name,
                                      const HostFunctionOptions& options) {
  return impl_->functions().Unregister(name, options.module);
}

absl::StatusOr<std::unique_ptr<ReplConsole>> Host::OpenRepl(Language language) {
  return impl_->OpenRepl(language);
}

std::vector<Language> Host::languages() const {
  return impl_->runtimes().languages();
}

void Host::Log(LogLevel level, std::string_view source,
               std::string_view message) const {
  impl_->Log(level, source, message);
}

}  // namespace duet
