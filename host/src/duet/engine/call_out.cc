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

void LogLines(HostServices& services, LogLevel level, std::string_view source,
              std::string_view message) {
  while (true) {
    const size_t end = message.find('\n');
    services.Log(level, source, message.substr(0, end));
    if (end == std::string_view::npos) return;
    message.remove_prefix(end + 1);
  }
}

}  // namespace duet::engine
