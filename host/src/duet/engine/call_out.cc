#include "duet/engine/call_out.h"

#include <atomic>
#include <utility>

namespace duet::engine {
namespace {

// The class of the HostServices that settles deferred locks.
std::atomic<const std::type_info*> settling_services{nullptr};

}  // namespace

internal::ConversionGuard ArgumentGuard(const CallerLimits& limits) {
  return internal::ConversionGuard(limits.deadline, limits.value_budget_bytes);
}

internal::ConversionGuard ResultGuard(const CallerLimits& limits) {
  return internal::ConversionGuard(limits.deadline, 0);
}

OutboundResult CallOut(EngineLock& lock,
                       absl::FunctionRef<absl::StatusOr<Value>()> host_call) {
  lock.Release();
  // The result is made in place: no StatusOr moved and destroyed per call.
  OutboundResult out{host_call()};
  // An entry stopped while it waited stops now, whatever the host returned.
  out.stopped = lock.Reacquire();
  return out;
}

OutboundResult CallOutDeferred(
    DeferrableEngineLock& lock,
    absl::FunctionRef<absl::StatusOr<Value>()> host_call) {
  // Nothing is pending while a script runs (DeferredLockCallee), so
  // `outer` is null; kept for the symmetry of nesting.
  DeferrableEngineLock*& pending = DeferredLockCallee::pending_lock_;
  DeferrableEngineLock* outer = std::exchange(pending, &lock);
  OutboundResult out{host_call()};
  pending = outer;
  out.stopped = lock.Reacquire();
  return out;
}

bool SettlesDeferredLocks(const HostServices& services) {
  const std::type_info* type =
      settling_services.load(std::memory_order_relaxed);
  return type != nullptr && typeid(services) == *type;
}

void SetSettlingServices(const std::type_info& type) {
  settling_services.store(&type, std::memory_order_relaxed);
}

void SettleDeferredLock() {
  if (DeferrableEngineLock* lock =
          std::exchange(DeferredLockCallee::pending_lock_, nullptr)) {
    lock->Release();
  }
}

void DeferredLockCallee::Settle(const Implementation& callee) {
  DeferrableEngineLock* lock = pending_lock_;
  if (!lock->Covers(callee)) {
    SettleDeferredLock();
    return;
  }
  covering_ = lock;
  pending_lock_ = nullptr;
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
