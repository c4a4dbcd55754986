#include "call_dispatch.h"

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "duet/engine/call_out.h"
#include "duet/engine/frames.h"
#include "duet/internal/stack.h"
#include "duet/internal/status_macros.h"
#include "duet/internal/strings.h"

namespace duet::internal {
namespace {

// The deadline of the call this thread is running, for nested calls.
thread_local absl::Time current_deadline = absl::InfiniteFuture();

// Makes `deadline` the one nested calls made on this thread inherit, for
// the length of a call.
class NestedDeadline {
 public:
  explicit NestedDeadline(absl::Time deadline)
      : outer_(std::exchange(current_deadline, deadline)) {}
  ~NestedDeadline() { current_deadline = outer_; }
  NestedDeadline(const NestedDeadline&) = delete;
  NestedDeadline& operator=(const NestedDeadline&) = delete;

 private:
  const absl::Time outer_;
};

// Calls nest when scripts call modules (JS -> Python -> JS ...), and every
// hop spends native stack in both engines. Nested calls are refused, with an
// error the script can catch, before the thread's stack runs out.
constexpr int kMaxCallDepth = 200;
constexpr uintptr_t kNestedCallStackReserve = uintptr_t{1} << 20;

thread_local int call_depth = 0;
// The lowest stack address at which a nested call still has
// kNestedCallStackReserve left (0: not known yet, or no limit), so a nested
// call checks its stack with one comparison instead of asking how much is
// left.
thread_local uintptr_t nested_call_stack_floor = 0;

class CallDepthScope {
 public:
  CallDepthScope() { ++call_depth; }
  ~CallDepthScope() { --call_depth; }
  CallDepthScope(const CallDepthScope&) = delete;
  CallDepthScope& operator=(const CallDepthScope&) = delete;

  // Checked after entering, so call_depth counts this call. A call at the
  // top of its thread (most) passes with one comparison; only a nested one
  // asks how much stack is left.
  static absl::Status Check(std::string_view module,
                            std::string_view function) {
    if (ABSL_PREDICT_TRUE(call_depth <= 1)) return absl::OkStatus();
    char marker;
    if (ABSL_PREDICT_TRUE(
            call_depth <= kMaxCallDepth && nested_call_stack_floor != 0 &&
            reinterpret_cast<uintptr_t>(&marker) >= nested_call_stack_floor)) {
      return absl::OkStatus();
    }
    return CheckNested(module, function);
  }

 private:
  ABSL_ATTRIBUTE_NOINLINE static absl::Status CheckNested(
      std::string_view module, std::string_view function) {
    if (call_depth > kMaxCallDepth) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "calling ", ToAbsl(module), ".", ToAbsl(function), " would nest ",
          call_depth, " module calls deep (the limit is ", kMaxCallDepth,
          "): is there a recursion without end across modules?"));
    }
    if (nested_call_stack_floor == 0 && StackLow() != 0) {
      nested_call_stack_floor = StackLow() + kNestedCallStackReserve;
    }
    if (call_depth > 1 && StackRemaining() < kNestedCallStackReserve) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "calling ", ToAbsl(module), ".", ToAbsl(function), " at ", call_depth,
          " nested module calls would overflow this thread's "
          "stack: is there a recursion without end across modules?"));
    }
    return absl::OkStatus();
  }
};

absl::Status UnknownFunction(const Module& module, const ModuleState& state,
                             Language language, std::string_view function) {
  const std::vector<std::string>& exports = state.Get(language)->exports();
  return absl::NotFoundError(absl::StrCat(
      "module '", module.name(), "' (", ToAbsl(LanguageName(language)),
      ") has no function '", ToAbsl(function), "'",
      exports.empty()
          ? std::string("; it exports nothing")
          : absl::StrCat("; it exports: ", absl::StrJoin(exports, ", "))));
}

absl::Status CheckArguments(const Module& module, const ExportSpec& declared,
                            absl::Span<const Value> args) {
  if (!declared.params_declared) return absl::OkStatus();
  auto signature = [&] {
    std::vector<std::string> params;
    for (const TypeSpec& param : declared.params) {
      params.push_back(param.ToString());
    }
    return absl::StrCat(module.name(), ".", declared.name, "(",
                        absl::StrJoin(params, ", "), ")");
  };
  if (args.size() != declared.params.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(signature(), " takes ", declared.params.size(),
                     declared.params.size() == 1 ? " argument" : " arguments",
                     ", got ", args.size()));
  }
  for (size_t i = 0; i < args.size(); ++i) {
    if (!declared.params[i].Accepts(args[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          signature(), ": args[", i, "] must be ",
          declared.params[i].ToString(), ", got ",
          ToAbsl(KindName(args[i].kind())), " ", DebugString(args[i])));
    }
  }
  return absl::OkStatus();
}

// The entry of `function` in `state`, or null.
const ModuleState::Function* FindFunction(const ModuleState& state,
                                          std::string_view function) {
  auto it = state.functions.find(ToAbsl(function));
  return it == state.functions.end() ? nullptr : &it->second;
}

// This thread's last few calls by name (Host::Call, a script's module
// calls): the module each pair of names went to, and the function's slot in
// the state it last ran in, so a repeat compares two short strings instead
// of hashing both names. A registry never removes or renames a module, so
// the module found stays right for its name; the slot is used only in the
// state it was found in (state ids are unique), so a Reload or a language
// started meanwhile resolves the function afresh, and Use is read by
// Resolve on every call. Keyed by the registry's id: another host, even at
// the same address, never hits. Names that fail are not kept, so a module
// loaded later is found.
struct NamedCall {
  uint64_t stamp = 0;  // which fill of the entry this is; 0: empty
  uint64_t registry = 0;
  Module* module = nullptr;
  uint64_t state_id = 0;  // where `slot` was found; 0: nowhere yet
  int slot = 0;
  std::string module_name;
  std::string function;
};

struct NamedCalls {
  static constexpr size_t kSize = 4;
  std::array<NamedCall, kSize> entries;
  uint64_t last_stamp = 0;
  size_t next = 0;  // the entry the next miss replaces
};
thread_local NamedCalls named_calls;

// One call's look-up of its names through named_calls. A nested call on
// this thread may replace the entry meanwhile; the stamp tells.
class NamedCallTicket {
 public:
  // The module `module_name` in `modules`, as ModuleRegistry::Get gives it.
  absl::StatusOr<Module*> Find(const ModuleRegistry& modules,
                               std::string_view module_name,
                               std::string_view function) {
    NamedCalls& calls = named_calls;
    const uint64_t registry = modules.id();
    for (NamedCall& call : calls.entries) {
      if (call.registry == registry && call.function == function &&
          call.module_name == module_name) {
        entry_ = &call;
        stamp_ = call.stamp;
        return call.module;
      }
    }
    DUET_ASSIGN_OR_RETURN(Module * module, modules.Get(module_name));
    NamedCall& call = calls.entries[calls.next];
    calls.next = (calls.next + 1) % NamedCalls::kSize;
    call.stamp = ++calls.last_stamp;
    call.registry = registry;
    call.module = module;
    call.state_id = 0;
    call.module_name.assign(module_name.data(), module_name.size());
    call.function.assign(function.data(), function.size());
    entry_ = &call;
    stamp_ = call.stamp;
    return module;
  }

  // `function`'s entry in `state` (a state of the module Find gave), or
  // null.
  const ModuleState::Function* FindIn(const ModuleState& state,
                                      std::string_view function) const {
    NamedCall& call = *entry_;
    const bool mine = call.stamp == stamp_;
    if (mine && call.state_id == state.id) {
      return state.function_slots[call.slot];
    }
    const ModuleState::Function* entry = FindFunction(state, function);
    if (entry != nullptr && mine) {
      call.state_id = state.id;
      call.slot = entry->slot;
    }
    return entry;
  }

 private:
  NamedCall* entry_ = nullptr;
  uint64_t stamp_ = 0;
};

// The module's current state, and when it carries state ([state] hooks),
// an entry of its StateGate: a switch waits for the call to leave, and the
// state is read again after waiting, since the switch may have replaced it.
std::shared_ptr<const ModuleState> EnterCurrent(const Module& module,
                                                StateGate::Entry* entry) {
  std::shared_ptr<const ModuleState> state = module.state();
  if (!state->state_hooks) return state;
  *entry = module.state_gate().Enter();
  return module.state();
}

// ---- held scopes ----

// Lets go of `record`'s lock and state; owning thread.
void Release(HoldRecord& record) {
  if (record.released) return;
  record.released = true;
  if (record.lock == nullptr) return;  // kept nothing, counted nothing
  record.calling = nullptr;
  record.lock.reset();  // the lock first: the state may take it to unload
  record.state.reset();
  record.implementation = nullptr;
  record.target->held_locks.fetch_sub(1, std::memory_order_acq_rel);
}

// The engine locks this thread keeps for held scopes, innermost last.
// Those still kept when the thread ends are let go then.
struct ThreadHolds : std::vector<std::shared_ptr<HoldRecord>> {
  ~ThreadHolds();
};
thread_local ThreadHolds thread_holds;
// thread_holds' top record (null when empty), for the check before each
// held call: a plain thread_local is read without the guard of one with a
// destructor.
thread_local HoldRecord* top_hold = nullptr;
// Stands for this thread in HeldScope::thread_.
thread_local char thread_marker = 0;

void PushHold(std::shared_ptr<HoldRecord> record) {
  top_hold = record.get();
  thread_holds.push_back(std::move(record));
}

// Takes the top record off this thread's stack and lets it go.
void PopHold() {
  std::shared_ptr<HoldRecord> top = std::move(thread_holds.back());
  thread_holds.pop_back();
  top_hold = thread_holds.empty() ? nullptr : thread_holds.back().get();
  Release(*top);
}

// Lets go of the records on top of this thread's stack whose scopes ended.
void PopEnded() {
  while (top_hold != nullptr &&
         top_hold->ended.load(std::memory_order_acquire)) {
    PopHold();
  }
}

// Lets go of every record from the top of this thread's stack down to and
// including the one at `index`.
void PopDownTo(size_t index) {
  while (thread_holds.size() > index) PopHold();
}

ThreadHolds::~ThreadHolds() { PopDownTo(0); }

// Whether this thread is inside an engine (running a duet call, a load, a
// REPL input, or a host function a script called): held scopes then
// neither keep nor let go of locks, since the engine's own scopes are open
// above theirs.
bool InsideEngine() { return engine::OpenEntry::Any(); }

// Lets go of every engine lock this thread keeps, before it may wait for
// another thread that needs one (a [state] switch, a start): a Python
// caller's GIL kept for this module call (engine::SettleDeferredLock), and
// the locks of its held scopes, which take them again at their next call
// (not from inside an engine: its own scopes are open above theirs).
void ReleaseKeptLocks() {
  engine::SettleDeferredLock();
  if (thread_holds.empty() || InsideEngine()) return;
  PopDownTo(0);
}

// BoundFunction's cache word: a state id and a slot in it.
constexpr int kSlotBits = 24;
constexpr uint64_t kMaxCachedSlot = (uint64_t{1} << kSlotBits) - 1;
constexpr uint64_t kMaxCachedStateId = (uint64_t{1} << (64 - kSlotBits)) - 1;

}  // namespace

void ReleaseThreadHolds(const CallTarget* target) {
  for (size_t i = 0; i < thread_holds.size(); ++i) {
    if (thread_holds[i]->target.get() == target) {
      PopDownTo(i);
      return;
    }
  }
}

HeldScope::HeldScope(std::shared_ptr<const BoundFunction> bound)
    : bound_(std::move(bound)), thread_(&thread_marker) {}

HeldScope::~HeldScope() {
  if (record_ == nullptr) return;
  record_->ended.store(true, std::memory_order_release);
  if (OnOwnThread() && !InsideEngine()) PopEnded();
}

bool HeldScope::OnOwnThread() const { return thread_ == &thread_marker; }

absl::Status HeldScope::HoldNow() {
  const BoundFunction& bound = *bound_;
  CallGate::Pass pass(bound.target().gate);
  DUET_RETURN_IF_ERROR(bound.CheckOpen(pass));
  if (InsideEngine()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot hold ", bound.module_name(), ".", bound.function(),
        ": this thread is inside a duet call (a host function, a plugin's "
        "top-level code); hold it outside, before calling in"));
  }
  const Module& module = bound.module();
  std::shared_ptr<const ModuleState> state = module.state();
  if (state->state_hooks) return absl::OkStatus();  // keeps no lock
  Implementation* implementation = state->Get(module.active());
  if (implementation != nullptr) Keep(state, implementation);
  return absl::OkStatus();
}

void HeldScope::Keep(const std::shared_ptr<const ModuleState>& state,
                     Implementation* implementation) {
  // A record that keeps a lock keeps the state it was taken in, which a
  // call in a successor state (another language started) no longer is:
  // that lock is taken again with the current state.
  if (record_ != nullptr && !record_->released &&
      record_->implementation == implementation &&
      (record_->lock == nullptr || record_->state == state)) {
    return;
  }
  kept_call_ = KeptCall();
  if (record_ != nullptr) record_->ended.store(true, std::memory_order_release);
  PopEnded();
  auto record = std::make_shared<HoldRecord>();
  record->target = bound_->target_ptr();
  record->state = state;
  record->implementation = implementation;
  record->target->held_locks.fetch_add(1, std::memory_order_acq_rel);
  record->lock = implementation->HoldLock();
  record->calling = dynamic_cast<engine::CallingHeldLock*>(record->lock.get());
  if (record->lock == nullptr) {
    // Nothing worth keeping (a Node plugin): the record only remembers
    // that, so the next call does not ask again; the host need not wait.
    record->state.reset();
    record->target->held_locks.fetch_sub(1, std::memory_order_acq_rel);
  }
  PushHold(record);
  record_ = std::move(record);
}

void HeldScope::Remember(const ModuleState* state, const ResolvedCall& call,
                         bool unlimited) {
  if (record_ == nullptr || record_->released || record_->lock == nullptr ||
      record_->state.get() != state ||
      record_->implementation != call.implementation) {
    return;
  }
  kept_call_.state = state;
  kept_call_.call = call;
  kept_call_.unlimited = unlimited;
  kept_call_.calling = record_->calling;
}

ABSL_ATTRIBUTE_ALWAYS_INLINE bool HeldScope::KeptCallHolds(
    const CallOptions& options) const {
  if (kept_call_.state == nullptr || record_->released) return false;
  const Module& module = bound_->module();
  // record_->state keeps kept_call_.state alive, so the comparison cannot
  // be fooled by a new state at a freed one's address.
  return module.IsCurrent(kept_call_.state) &&
         options.implementation.value_or(module.active()) ==
             kept_call_.call.language;
}

absl::StatusOr<Value> HeldScope::Call(absl::Span<const Value> args,
                                      const CallOptions& options) {
  const BoundFunction& bound = *bound_;
  if (ABSL_PREDICT_FALSE(thread_ != &thread_marker)) {  // OnOwnThread, inline
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot call ", bound.module_name(), ".", bound.function(),
        " through this duet::HeldFunction: it was made on another thread, "
        "whose engine lock it keeps (make one per thread with "
        "Function::Hold)"));
  }
  const bool top = !InsideEngine();
  if (top) {
    // Nothing above this scope's own record can have ended.
    if (top_hold != record_.get()) PopEnded();
    // The kept lock is counted in held_locks, which the closing host waits
    // for before anything the call uses goes; a closing host gets the full
    // path below, which lets the lock go.
    if (KeptCallHolds(options) && !bound.target().gate.closing()) {
      if (kept_call_.unlimited && !options.timeout &&
          kept_call_.calling != nullptr &&
          current_deadline == absl::InfiniteFuture()) {
        return CallKeptUnlimited(args);
      }
      return bound.target().dispatcher->CallKept(bound, kept_call_, args,
                                                 options);
    }
  }
  CallGate::Pass pass(bound.target().gate);
  if (absl::Status open = bound.CheckOpen(pass); !open.ok()) {
    // The host waits for this thread's locks to go.
    if (top) ReleaseThreadHolds(&bound.target());
    return open;
  }
  return bound.target().dispatcher->Call(bound, args, options,
                                         top ? this : nullptr);
}

const ModuleState::Function* BoundFunction::Find(
    const ModuleState& state) const {
  const uint64_t cached = cached_slot_.load(std::memory_order_relaxed);
  if (cached != 0 && (cached >> kSlotBits) == state.id) {
    return state.function_slots[cached & kMaxCachedSlot];
  }
  const ModuleState::Function* entry = FindFunction(state, function_);
  // Past the word's range (2^40 states, 2^24 functions) it looks up every
  // time rather than risk a wrong hit.
  if (entry != nullptr && state.id <= kMaxCachedStateId &&
      static_cast<uint64_t>(entry->slot) <= kMaxCachedSlot) {
    cached_slot_.store((state.id << kSlotBits) | entry->slot,
                       std::memory_order_relaxed);
  }
  return entry;
}

absl::Status BoundFunction::CheckOpen(const CallGate::Pass& pass) const {
  absl::Status open = pass.Check();
  if (!open.ok() && target_->host_destroyed.load(std::memory_order_acquire)) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot call ", module_name_, ".", function_,
                     ": the host is gone (this duet::Function outlived it)"));
  }
  return open;
}

absl::StatusOr<Value> BoundFunction::Call(absl::Span<const Value> args,
                                          const CallOptions& options) const {
  CallGate::Pass pass(target_->gate);
  DUET_RETURN_IF_ERROR(CheckOpen(pass));
  return target_->dispatcher->Call(*this, args, options);
}

template <typename FindEntry>
absl::StatusOr<Value> CallDispatcher::CallCurrent(const Module& module,
                                                  std::string_view function,
                                                  absl::Span<const Value> args,
                                                  const CallOptions& options,
                                                  const FindEntry& find,
                                                  HeldScope* keep) const {
  StateGate::Entry gate_entry;
  std::shared_ptr<const ModuleState> state = module.state();
  if (state->state_hooks) {
    // A [state] switch may be waiting for this thread's engine lock.
    ReleaseKeptLocks();
    keep = nullptr;
    gate_entry = module.state_gate().Enter();
    state = module.state();
  }
  // Module calls this one makes on this thread pass a closing gate.
  std::optional<StateGate::Inside> inside;
  if (state->state_hooks) inside.emplace(&module.state_gate());
  return CallIn(module, state, find(*state), function, args, options, keep);
}

absl::StatusOr<Value> CallDispatcher::Call(std::string_view module_name,
                                           std::string_view function,
                                           absl::Span<const Value> args,
                                           const CallOptions& options) const {
  NamedCallTicket names;
  DUET_ASSIGN_OR_RETURN(Module * module,
                        names.Find(modules_, module_name, function));
  return CallCurrent(*module, function, args, options,
                     [&names, function](const ModuleState& state) {
                       return names.FindIn(state, function);
                     });
}

absl::StatusOr<Value> CallDispatcher::Call(const BoundFunction& bound,
                                           absl::Span<const Value> args,
                                           const CallOptions& options,
                                           HeldScope* keep) const {
  return CallCurrent(
      bound.module(), bound.function(), args, options,
      [&bound](const ModuleState& state) { return bound.Find(state); }, keep);
}

absl::StatusOr<Value> CallDispatcher::CallDirect(
    const Module& module, std::shared_ptr<const ModuleState> state,
    Language language, std::string_view function, absl::Span<const Value> args,
    absl::Duration timeout) const {
  CallOptions options;
  options.timeout = timeout;
  options.implementation = language;
  if (state->Get(language) == nullptr) {
    // The state may be a reload's, not published yet: nothing here can
    // start it (StateTransfer starts what it calls first).
    return absl::FailedPreconditionError(
        absl::StrCat("module '", module.name(), "' has not started its ",
                     ToAbsl(LanguageName(language)), " implementation"));
  }
  return CallIn(module, state, FindFunction(*state, function), function, args,
                options);
}

absl::StatusOr<std::shared_ptr<const BoundFunction>> CallDispatcher::Bind(
    std::shared_ptr<CallTarget> target, std::string_view module_name,
    std::string_view function) const {
  DUET_ASSIGN_OR_RETURN(Module * module, modules_.Get(module_name));
  std::shared_ptr<const ModuleState> state = module->state();
  const Language language = module->active();
  if (state->Get(language) == nullptr) {  // binding is a first use
    DUET_ASSIGN_OR_RETURN(state, modules_.Started(*module, language));
  }
  const ModuleState::Function* entry = FindFunction(*state, function);
  if (entry == nullptr || entry->index[LanguageIndex(language)] < 0) {
    return UnknownFunction(*module, *state, language, function);
  }
  return std::make_shared<const BoundFunction>(std::move(target), *module,
                                               std::string(function));
}

absl::Status CallDispatcher::Resolve(
    const Module& module, std::shared_ptr<const ModuleState>& started,
    const ModuleState::Function* entry, std::string_view function,
    absl::Span<const Value> args, const CallOptions& options,
    ResolvedCall* out) const {
  // Read the active language once: a concurrent Use() affects later calls.
  const Language language = options.implementation.value_or(module.active());
  if (started->Get(language) == nullptr) {
    // Its first use (or none in that language: Started says so). Once
    // started, calls never come here. Starting may wait for a start on
    // another thread that needs an engine lock this thread keeps.
    ReleaseKeptLocks();
    DUET_ASSIGN_OR_RETURN(started, modules_.Started(module, language));
    entry = FindFunction(*started, function);
  }
  const ModuleState& state = *started;
  DUET_RETURN_IF_ERROR(CallDepthScope::Check(module.name(), function));
  const int index =
      entry == nullptr ? -1 : entry->index[LanguageIndex(language)];
  if (index < 0) return UnknownFunction(module, state, language, function);
  const ExportSpec* declared = entry->declared;
  if (declared != nullptr) {
    DUET_RETURN_IF_ERROR(CheckArguments(module, *declared, args));
  }

  SetDeadline(state, options, out);
  out->implementation = state.Get(language);
  out->index = index;
  out->async = entry->async[LanguageIndex(language)];
  out->language = language;
  out->declared = declared;
  return absl::OkStatus();
}

void CallDispatcher::SetDeadline(const ModuleState& state,
                                 const CallOptions& options,
                                 ResolvedCall* out) const {
  // A nested call never outlives the call that made it.
  const absl::Time outer = current_deadline;
  out->deadline = outer;
  out->own_deadline = false;
  // Written in place, not through an optional on the stack: copying one
  // just built stalls on store forwarding (half this function's profile).
  if (options.timeout) {
    out->timeout = options.timeout;
  } else if (state.timeout) {
    out->timeout = state.timeout;
  } else if (default_timeout_ != absl::InfiniteDuration()) {
    out->timeout = default_timeout_;
  } else {
    out->timeout.reset();
    return;
  }
  const absl::Time own = absl::Now() + *out->timeout;
  if (own < outer) {
    out->deadline = own;
    out->own_deadline = true;
  }
}

absl::StatusOr<Value> CallDispatcher::CallKept(
    const BoundFunction& bound, const KeptCall& kept,
    absl::Span<const Value> args, const CallOptions& options) const {
  // Resolve's checks, in its order, less what cannot change while the
  // state and language do: the function's position, its [exports] entry.
  const Module& module = bound.module();
  CallDepthScope depth;
  DUET_RETURN_IF_ERROR(CallDepthScope::Check(module.name(), bound.function()));
  if (kept.call.declared != nullptr) {
    DUET_RETURN_IF_ERROR(CheckArguments(module, *kept.call.declared, args));
  }
  ResolvedCall call = kept.call;
  SetDeadline(*kept.state, options, &call);
  return Run(module, bound.function(), call, args, kept.calling);
}

absl::StatusOr<Value> HeldScope::CallKeptUnlimited(
    absl::Span<const Value> args) {
  const BoundFunction& bound = *bound_;
  const Module& module = bound.module();
  const ResolvedCall& resolved = kept_call_.call;
  // CallKept's checks, in its order.
  CallDepthScope depth;
  absl::Status checked = CallDepthScope::Check(module.name(), bound.function());
  if (checked.ok() && resolved.declared != nullptr) {
    checked = CheckArguments(module, *resolved.declared, args);
  }
  // The deadline stays infinite, so nested calls inherit none (Run's
  // NestedDeadline would change nothing). The result is made in place and
  // returned as it is on every path: never moved on the way out.
  engine::DeferredLockCallee callee(*resolved.implementation);
  absl::StatusOr<Value> result =
      ABSL_PREDICT_TRUE(checked.ok())
          ? kept_call_.calling->Call(resolved.index, args,
                                     absl::InfiniteFuture())
          : absl::StatusOr<Value>(std::move(checked));
  if (ABSL_PREDICT_FALSE(!result.ok() || resolved.declared != nullptr)) {
    ResolvedCall call = resolved;
    call.deadline = absl::InfiniteFuture();
    call.own_deadline = false;
    call.timeout.reset();
    result = CallDispatcher::Conclude(module, bound.function(), call,
                                      std::move(result));
  }
  return result;
}

absl::StatusOr<Value> CallDispatcher::Conclude(const Module& module,
                                               std::string_view function,
                                               const ResolvedCall& call,
                                               absl::StatusOr<Value> result) {
  if (!result.ok()) {
    if (call.own_deadline && absl::IsDeadlineExceeded(result.status()) &&
        absl::Now() >= call.deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat(module.name(), ".", ToAbsl(function), " (",
                       ToAbsl(LanguageName(call.language)),
                       ") did not finish within its time limit of ",
                       absl::FormatDuration(*call.timeout)));
    }
    return result;
  }
  const ExportSpec* declared = call.declared;
  if (declared != nullptr && declared->returns &&
      !declared->returns->Accepts(*result)) {
    return absl::InvalidArgumentError(absl::StrCat(
        module.name(), ".", declared->name, " (",
        ToAbsl(LanguageName(call.language)), ") returned ",
        ToAbsl(KindName(result->kind())), " where plugin.toml declares ",
        declared->returns->ToString(), ": ", DebugString(*result)));
  }
  return result;
}

absl::StatusOr<Value> CallDispatcher::CallIn(
    const Module& module, std::shared_ptr<const ModuleState>& state,
    const ModuleState::Function* entry, std::string_view function,
    absl::Span<const Value> args, const CallOptions& options,
    HeldScope* keep) const {
  CallDepthScope depth;
  ResolvedCall call;
  DUET_RETURN_IF_ERROR(
      Resolve(module, state, entry, function, args, options, &call));
  if (keep != nullptr) {
    keep->Keep(state, call.implementation);
    keep->Remember(
        state.get(), call,
        !state->timeout && default_timeout_ == absl::InfiniteDuration());
  }
  return Run(module, function, call, args);
}

absl::StatusOr<Value> CallDispatcher::Run(const Module& module,
                                          std::string_view function,
                                          const ResolvedCall& call,
                                          absl::Span<const Value> args,
                                          engine::CallingHeldLock* calling) {
  NestedDeadline nested(call.deadline);
  // A Python caller's GIL, still held, goes on with a Python callee (the
  // rest of this function never waits).
  engine::DeferredLockCallee callee(*call.implementation);
  absl::StatusOr<Value> result =
      calling != nullptr
          ? calling->Call(call.index, args, call.deadline)
          : call.implementation->Call(call.index, args, call.deadline);
  // Most calls have nothing to conclude, and the result is returned as it
  // is (one object on every path, so it is not moved on the way out).
  if (!result.ok() || call.declared != nullptr) {
    result = Conclude(module, function, call, std::move(result));
  }
  return result;
}

void CallDispatcher::CallAsync(std::string_view module_name,
                               std::string_view function,
                               absl::Span<const Value> args,
                               const CallOptions& options,
                               AsyncCompletion done) const {
  NamedCallTicket names;
  absl::StatusOr<Module*> module = names.Find(modules_, module_name, function);
  if (!module.ok()) {
    done(module.status());
    return;
  }
  // Kept until the call ends: the implementation (and the [exports] spec)
  // stay alive while it awaits, across a Reload.
  StateGate::Entry gate_entry;
  std::shared_ptr<const ModuleState> state =
      EnterCurrent(**module, &gate_entry);
  CallDepthScope depth;
  ResolvedCall call;
  absl::Status resolved =
      Resolve(**module, state, names.FindIn(*state, function), function, args,
              options, &call);
  if (!resolved.ok()) {
    done(resolved);
    return;
  }
  Start(**module, std::move(state), function, std::move(call), args,
        std::move(gate_entry), std::move(done), nullptr);
}

absl::StatusOr<Value> CallDispatcher::CallOrStart(
    std::string_view module_name, std::string_view function,
    absl::Span<const Value> args, absl::FunctionRef<AsyncCompletion()> done,
    const std::shared_ptr<CallCancellation>& cancellation,
    bool* started) const {
  *started = false;
  NamedCallTicket names;
  DUET_ASSIGN_OR_RETURN(Module * module,
                        names.Find(modules_, module_name, function));
  StateGate::Entry gate_entry;
  std::shared_ptr<const ModuleState> state = EnterCurrent(*module, &gate_entry);
  CallDepthScope depth;
  ResolvedCall call;
  DUET_RETURN_IF_ERROR(Resolve(*module, state, names.FindIn(*state, function),
                               function, args, CallOptions(), &call));
  if (!call.async) {
    std::optional<StateGate::Inside> inside;
    if (state->state_hooks) inside.emplace(&module->state_gate());
    return Run(*module, function, call, args);
  }
  *started = true;
  Start(*module, std::move(state), function, std::move(call), args,
        std::move(gate_entry), done(), cancellation);
  return Value();
}

void CallDispatcher::Start(const Module& module,
                           std::shared_ptr<const ModuleState> state,
                           std::string_view function, ResolvedCall call,
                           absl::Span<const Value> args,
                           StateGate::Entry gate_entry, AsyncCompletion done,
                           std::shared_ptr<CallCancellation> cancellation) {
  engine::SettleDeferredLock();  // the callee may wait for its completion
  NestedDeadline nested(call.deadline);
  std::optional<StateGate::Inside> inside;
  if (state->state_hooks) inside.emplace(&module.state_gate());
  Implementation* implementation = call.implementation;
  const int index = call.index;
  const absl::Time deadline = call.deadline;
  implementation->CallAsync(
      index, args, deadline,
      [module = &module, state = std::move(state),
       function = std::string(function), call = std::move(call),
       gate_entry = std::move(gate_entry),
       done = std::move(done)](absl::StatusOr<Value> result) mutable {
        absl::StatusOr<Value> concluded =
            Conclude(*module, function, call, std::move(result));
        // The call has left: a switch waiting for it may go on.
        gate_entry = StateGate::Entry();
        state.reset();  // the implementation may go before `done` runs
        done(std::move(concluded));
      },
      std::move(cancellation));
}

}  // namespace duet::internal

namespace duet {

void CallCancellation::Cancel() {
  std::function<void()> action;
  {
    absl::MutexLock lock(&mutex_);
    if (cancelled_) return;
    cancelled_ = true;
    action = std::move(action_);
  }
  if (action) action();
}

void CallCancellation::OnCancel(std::function<void()> action) {
  {
    absl::MutexLock lock(&mutex_);
    if (!cancelled_) {
      action_ = std::move(action);
      return;
    }
  }
  action();
}

bool CallCancellation::cancelled() const {
  absl::MutexLock lock(&mutex_);
  return cancelled_;
}

}  // namespace duet
