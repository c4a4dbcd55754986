// Calls into modules: which implementation runs, under which deadline, how
// deep calls may nest, and the [exports] argument and result checks. Also
// the count of work in flight that shutting a host down waits for.
#ifndef DUET_HOST_SRC_CALL_DISPATCH_H_
#define DUET_HOST_SRC_CALL_DISPATCH_H_

#include <atomic>
#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "duet/host.h"
#include "duet/value.h"
#include "module_registry.h"

namespace duet::internal {

// Counts calls, loads and evaluations in flight, and refuses new ones once
// the host is closing. Lock-free.
class CallGate {
 public:
  // Held for the length of one piece of work.
  class Pass {
   public:
    explicit Pass(CallGate& gate) : gate_(gate) {
      gate_.in_flight_.fetch_add(1, std::memory_order_seq_cst);
    }
    ~Pass() { gate_.in_flight_.fetch_sub(1, std::memory_order_seq_cst); }
    Pass(const Pass&) = delete;
    Pass& operator=(const Pass&) = delete;

    // kCancelled once the host is closing. Checked after counting, so the
    // closing host either sees this pass or this pass sees it closing.
    absl::Status Check() const {
      if (gate_.closing_.load(std::memory_order_seq_cst)) {
        return absl::CancelledError("the host is shutting down");
      }
      return absl::OkStatus();
    }

   private:
    CallGate& gate_;
  };

  void Close() { closing_.store(true, std::memory_order_seq_cst); }
  int64_t in_flight() const {
    return in_flight_.load(std::memory_order_seq_cst);
  }

 private:
  std::atomic<int64_t> in_flight_{0};
  std::atomic<bool> closing_{false};
};

class CallDispatcher {
 public:
  // `default_timeout`: HostOptions::default_timeout.
  CallDispatcher(const ModuleRegistry& modules, absl::Duration default_timeout)
      : modules_(modules), default_timeout_(default_timeout) {}

  // Host::Call's contract (duet/host.h), for one call on this thread; the
  // caller holds a CallGate::Pass.
  absl::StatusOr<Value> Call(std::string_view module, std::string_view function,
                             absl::Span<const Value> args,
                             const CallOptions& options) const;

 private:
  const ModuleRegistry& modules_;
  const absl::Duration default_timeout_;
};

}  // namespace duet::internal

#endif  // DUET_HOST_SRC_CALL_DISPATCH_H_
