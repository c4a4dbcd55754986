#include "state_transfer.h"

#include <optional>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "duet/error.h"
#include "duet/internal/status_macros.h"
#include "duet/internal/strings.h"
#include "duet/internal/value_path.h"

namespace duet::internal {
namespace {

// `status` with `context` put in front of its message; the code and the
// payloads (the ScriptError) stay.
absl::Status WithContext(const absl::Status& status, std::string_view context) {
  absl::Status out(status.code(),
                   absl::StrCat(ToAbsl(context), status.message()));
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    out.SetPayload(url, payload);
  });
  return out;
}

// "file:line: " where a script raised the error, or "" when it is not a
// script's or the engine gave no line.
std::string WhereRaised(const absl::Status& status) {
  std::optional<ScriptError> error = GetScriptError(status);
  if (!error) return "";
  for (const StackFrame& frame : error->stack) {
    if (frame.line > 0 && !frame.file.empty()) {
      std::string where = absl::StrCat(frame.file, ":", frame.line, ": ");
      if (absl::StartsWith(status.message(), where)) return "";
      return where;
    }
  }
  return "";
}

// kInvalidArgument naming the path of the first function value inside
// `value`: state is data, and a function of the implementation being left
// would outlive it.
absl::Status CheckIsData(const Value& value, ValuePath& path) {
  if (path.depth() > kMaxValueDepth) {
    return path.Error(
        absl::StrCat("nested deeper than ", kMaxValueDepth, " levels"));
  }
  switch (value.kind()) {
    case Value::Kind::kFunction:
      return path.Error(
          "returned a function; state must be data (null, bool, numbers, "
          "strings, bytes, times, lists and maps of them)");
    case Value::Kind::kList: {
      const Value::List& items = value.as_list();
      for (size_t i = 0; i < items.size(); ++i) {
        path.PushIndex(i);
        DUET_RETURN_IF_ERROR(CheckIsData(items[i], path));
        path.Pop();
      }
      return absl::OkStatus();
    }
    case Value::Kind::kMap:
      for (const auto& [key, item] : value.as_map()) {
        path.PushKey(key);
        DUET_RETURN_IF_ERROR(CheckIsData(item, path));
        path.Pop();
      }
      return absl::OkStatus();
    default:
      return absl::OkStatus();
  }
}

// A switch that carries state waits for the module's calls to return, so it
// cannot be made from inside one of them (a host function the module
// called, a module it called).
absl::Status RefuseFromInside(const Module& module, const ModuleState& state) {
  if (!state.state_hooks || !module.state_gate().InsideOnThisThread()) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "cannot switch or reload ", module.name(),
      " from inside one of its own calls: carrying its [state] waits for its "
      "calls to return, this one included"));
}

}  // namespace

absl::Duration StateTransfer::HookTimeout(const ModuleState& state) const {
  if (state.timeout) return *state.timeout;
  if (options_.default_timeout != absl::InfiniteDuration()) {
    return options_.default_timeout;
  }
  return kDefaultStateHookTimeout;
}

absl::Status StateTransfer::Use(const ModuleRegistry& modules,
                                std::string_view name,
                                Language language) const {
  DUET_ASSIGN_OR_RETURN(Module * module, modules.Get(name));
  DUET_RETURN_IF_ERROR(RefuseFromInside(*module, *module->state()));
  // Started before the switch, outside its lock, so a broken implementation
  // is refused here and the active one stays.
  DUET_RETURN_IF_ERROR(modules.Started(*module, language).status());
  absl::MutexLock lock(&module->state_gate().switch_mutex());
  // Read under the lock: a Reload may have replaced it while we waited
  // (Started again: a reload leaves unstarted what had not started).
  DUET_ASSIGN_OR_RETURN(std::shared_ptr<const ModuleState> state,
                        modules.Started(*module, language));
  const Language from = module->active();
  if (from == language || !state->state_hooks) {
    module->set_active(language);
    return absl::OkStatus();
  }
  return Carry(*module, state, from, state, language,
               absl::StrCat("switching ", module->name(), " from ",
                            ToAbsl(LanguageName(from)), " to ",
                            ToAbsl(LanguageName(language)), " failed; ",
                            ToAbsl(LanguageName(from)), " stays active"),
               [&] { module->set_active(language); });
}

absl::Status StateTransfer::Swap(Module& module,
                                 std::unique_ptr<ModuleState> next,
                                 Language active) const {
  DUET_RETURN_IF_ERROR(RefuseFromInside(module, *module.state()));
  std::shared_ptr<const ModuleState> replaced;
  {
    absl::MutexLock lock(&module.state_gate().switch_mutex());
    std::shared_ptr<const ModuleState> current = module.state();
    std::shared_ptr<const ModuleState> incoming(std::move(next));
    auto commit = [&] {
      replaced = module.Publish(incoming);
      module.set_active(active);
    };
    if (!current->state_hooks || !incoming->state_hooks) {
      if (current->state_hooks) {
        options_.log_sink(
            LogLevel::kWarning, "duet",
            absl::StrCat("reloading ", module.name(),
                         ": the new version declares no [state], so the "
                         "state of the old one is not carried over"));
      }
      commit();
    } else {
      DUET_RETURN_IF_ERROR(
          Carry(module, current, module.active(), incoming, active,
                absl::StrCat("reloading ", module.name(),
                             " failed; the old version keeps serving"),
                commit));
    }
  }
  // The old version goes when the last call using it returns; here, when
  // none does, outside the switch so waiting calls need not wait for it.
  replaced.reset();
  return absl::OkStatus();
}

absl::Status StateTransfer::Carry(
    Module& module, const std::shared_ptr<const ModuleState>& from_state,
    Language from, const std::shared_ptr<const ModuleState>& to_state,
    Language to, const std::string& what,
    absl::FunctionRef<void()> commit) const {
  if (from_state->Get(from) == nullptr || to_state->Get(to) == nullptr) {
    // Never started on the side being left: it holds only its initial
    // state, and there is nothing to carry. (A reload starts on the new
    // side what had started on the old one.)
    commit();
    return absl::OkStatus();
  }
  StateGate& gate = module.state_gate();
  const absl::Duration timeout = HookTimeout(*from_state);
  if (int64_t busy = gate.CloseAndDrain(timeout); busy != 0) {
    return absl::UnavailableError(absl::StrCat(
        what, ": ", busy, busy == 1 ? " call" : " calls", " of ", module.name(),
        " still running after ", absl::FormatDuration(timeout),
        " (the state can only be carried once they return; try again)"));
  }
  // Calls the hooks make into this module, on this thread, go through.
  StateGate::Inside inside(&gate);
  const StateHooks& snapshot_hook = *from_state->state_hooks;
  absl::StatusOr<Value> snapshot = dispatcher_.CallDirect(
      module, from_state, from, snapshot_hook.snapshot, {}, timeout);
  if (snapshot.ok()) {
    ValuePath path("state");
    if (absl::Status data = CheckIsData(*snapshot, path); !data.ok()) {
      snapshot = data;
    }
  }
  if (!snapshot.ok()) {
    gate.Open();
    return WithContext(
        snapshot.status(),
        absl::StrCat(what, ": [state] snapshot ", module.name(), ".",
                     snapshot_hook.snapshot, " (", ToAbsl(LanguageName(from)),
                     "): ", WhereRaised(snapshot.status())));
  }
  const StateHooks& restore_hook = *to_state->state_hooks;
  absl::StatusOr<Value> restored =
      dispatcher_.CallDirect(module, to_state, to, restore_hook.restore,
                             {*std::move(snapshot)}, HookTimeout(*to_state));
  if (!restored.ok()) {
    gate.Open();
    return WithContext(
        restored.status(),
        absl::StrCat(what, ": [state] restore ", module.name(), ".",
                     restore_hook.restore, " (", ToAbsl(LanguageName(to)),
                     "): ", WhereRaised(restored.status())));
  }
  commit();
  gate.Open();
  return absl::OkStatus();
}

}  // namespace duet::internal
