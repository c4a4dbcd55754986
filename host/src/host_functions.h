// The C++ functions an application registers for scripts (duet.host.NAME),
// host-wide or for one plugin.
#ifndef DUET_HOST_SRC_HOST_FUNCTIONS_H_
#define DUET_HOST_SRC_HOST_FUNCTIONS_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "duet/host.h"
#include "duet/value.h"

namespace duet::internal {

// Thread-safe. Functions run with no lock held, so they may register,
// unregister or call back into modules.
class HostFunctionTable {
 public:
  // Host::RegisterFunction's contract; `module` empty: host-wide.
  absl::Status Register(std::string name, ContextualHostFunction function,
                        std::string module);
  absl::Status Register(std::string name, HostFunction function,
                        std::string module);
  // Host::UnregisterFunction's contract.
  absl::Status Unregister(std::string_view name, std::string_view module);

  // Runs the function `caller.module` sees as `name`: its own, else the
  // host-wide one. kNotFound naming the functions it sees when there is
  // none. The one place a host function's exception is caught: it becomes
  // kInternal (HostFunction in duet/host.h).
  absl::StatusOr<Value> Call(const HostCallContext& caller,
                             std::string_view name,
                             absl::Span<const Value> args) const;
  // The names `module`'s scripts see, sorted.
  std::vector<std::string> Names(std::string_view module) const;

 private:
  // (module, name); module "" for host-wide functions.
  using Key = std::pair<std::string, std::string>;

  std::shared_ptr<const ContextualHostFunction> Find(
      std::string_view module, std::string_view name) const;

  mutable absl::Mutex mutex_;
  // Shared so a call keeps its function while it runs, outside the lock,
  // even when it is unregistered meanwhile.
  absl::flat_hash_map<Key, std::shared_ptr<const ContextualHostFunction>>
      functions_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace duet::internal

#endif  // DUET_HOST_SRC_HOST_FUNCTIONS_H_
