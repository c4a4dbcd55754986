// The C++ functions an application registers for scripts (duet.host.NAME).
#ifndef DUET_HOST_SRC_HOST_FUNCTIONS_H_
#define DUET_HOST_SRC_HOST_FUNCTIONS_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "duet/host.h"
#include "duet/value.h"

namespace duet::internal {

// Thread-safe. Functions run with no lock held, so they may register more
// or call back into modules.
class HostFunctionTable {
 public:
  // Host::RegisterFunction's contract.
  absl::Status Register(std::string name, HostFunction function);
  // kNotFound naming the registered functions when `name` is not one.
  absl::StatusOr<Value> Call(std::string_view name,
                             absl::Span<const Value> args) const;
  std::vector<std::string> Names() const;  // sorted

 private:
  mutable absl::Mutex mutex_;
  // Shared so a call keeps its function while it runs, outside the lock.
  absl::flat_hash_map<std::string, std::shared_ptr<const HostFunction>>
      functions_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace duet::internal

#endif  // DUET_HOST_SRC_HOST_FUNCTIONS_H_
