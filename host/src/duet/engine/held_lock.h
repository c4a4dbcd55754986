// An engine lock kept for a held scope (Implementation::HoldLock) that also
// makes the scope's calls: each call then skips what the kept lock already
// did (taking the lock) instead of going through Implementation::Call.
#ifndef DUET_HOST_SRC_DUET_ENGINE_HELD_LOCK_H_
#define DUET_HOST_SRC_DUET_ENGINE_HELD_LOCK_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "duet/runtime.h"
#include "duet/value.h"

namespace duet::engine {

class CallingHeldLock : public HeldEngineLock {
 public:
  // Implementation::Call's contract, unchanged, for the implementation
  // whose HoldLock made this lock, called on the thread keeping it, outside
  // any engine, while it is kept.
  virtual absl::StatusOr<Value> Call(size_t function,
                                     absl::Span<const Value> args,
                                     absl::Time deadline) = 0;
};

}  // namespace duet::engine

#endif  // DUET_HOST_SRC_DUET_ENGINE_HELD_LOCK_H_
