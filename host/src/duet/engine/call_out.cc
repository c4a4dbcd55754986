#include "duet/engine/call_out.h"

namespace duet::engine {

internal::ConversionGuard ArgumentGuard(const CallerLimits& limits) {
  return internal::ConversionGuard(limits.deadline, limits.value_budget_bytes);
}

internal::ConversionGuard ResultGuard(const CallerLimits& limits) {
  return internal::ConversionGuard(limits.deadline, 0);
}

OutboundResult CallOut(EngineLock& lock,
                       absl::FunctionRef<absl::StatusOr<Value>()> host_call) {
  OutboundResult out;
  lock.Release();
  out.result = host_call();
  // An entry stopped while it waited stops now, whatever the host returned.
  out.stopped = lock.Reacquire();
  return out;
}

}  // namespace duet::engine
