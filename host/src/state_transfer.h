// Carrying a module's state across a change of implementation: Host::Use to
// another language and Host::Reload to new code. With [state] hooks the
// state is snapshot on the side being left and restored on the side taking
// over, behind the module's StateGate; without them the switch is a plain
// swap, as before.
#ifndef DUET_HOST_SRC_STATE_TRANSFER_H_
#define DUET_HOST_SRC_STATE_TRANSFER_H_

#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "call_dispatch.h"
#include "duet/host.h"
#include "duet/language.h"
#include "module_registry.h"

namespace duet::internal {

// How long each hook, and the wait for the calls inside, may take when
// neither the plugin's [limits] timeout_ms nor the host's default timeout
// sets a limit: a switch must end, since calls wait for it.
inline constexpr absl::Duration kDefaultStateHookTimeout = absl::Seconds(10);

// Thread-safe: one switch per module at a time (StateGate::switch_mutex).
class StateTransfer {
 public:
  // Both outlive the transfer.
  StateTransfer(const CallDispatcher& dispatcher, const HostOptions& options)
      : dispatcher_(dispatcher), options_(options) {}

  // Host::Use's contract (duet/host.h).
  absl::Status Use(const ModuleRegistry& modules, std::string_view name,
                   Language language) const;

  // Host::Reload's last step: makes `next`, a new version of `module`'s
  // files, its current state with `active` the active language. Carries the
  // state when both versions declare [state]; on failure `next` is dropped
  // and the current version goes on serving.
  absl::Status Swap(Module& module, std::unique_ptr<ModuleState> next,
                    Language active) const;

 private:
  // Closes the module's gate, snapshots `from` (an implementation of
  // `from_state`), restores on `to` (of `to_state`), runs `commit` and
  // reopens. `what` says what the switch was for in errors.
  absl::Status Carry(Module& module,
                     const std::shared_ptr<const ModuleState>& from_state,
                     Language from,
                     const std::shared_ptr<const ModuleState>& to_state,
                     Language to, const std::string& what,
                     absl::FunctionRef<void()> commit) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(module.state_gate().switch_mutex());
  absl::Duration HookTimeout(const ModuleState& state) const;

  const CallDispatcher& dispatcher_;
  const HostOptions& options_;
};

}  // namespace duet::internal

#endif  // DUET_HOST_SRC_STATE_TRANSFER_H_
