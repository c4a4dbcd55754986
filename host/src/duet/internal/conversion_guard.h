// The limits every value conversion between duet::Value and an engine obeys,
// written once so both engines enforce the same rules:
//
//  * stack: a converter recurses once per nesting level, so before each list
//    or map it checks that this thread's stack keeps kConversionStackReserve
//    free (a 999-deep value on a 256 KB thread is an error, not a crash);
//  * budget: engine -> duet conversion charges what it is about to build
//    (sizeof(Value) per list slot, a map entry per key, string and bytes
//    payloads) against ImplementationSpec::value_budget_bytes, before
//    allocating it;
//  * deadline: the call's deadline is compared with the clock once every
//    kNodesPerClockRead nodes, never per node.
//
//   ConversionGuard guard(deadline, spec.value_budget_bytes);
//   if (!guard.EnterContainer(length, sizeof(Value))) {
//     return guard.Error(path.ToString(), "result");
//   }
//   for (...) { if (!guard.CountNode()) return guard.Error(...); ... }
//
// Checks return false once a limit is passed; Error() words the status.
// Scalars cost nothing: only containers, their children and payloads are
// counted.
#ifndef DUET_INTERNAL_CONVERSION_GUARD_H_
#define DUET_INTERNAL_CONVERSION_GUARD_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "duet/internal/stack.h"

namespace duet::internal {

// Stack a conversion leaves free below its deepest frame: room for one
// engine call made while reading a node (a V8 property read, a GC it
// triggers), destroying what was built, and wording the error.
inline constexpr uintptr_t kConversionStackReserve = 64 * 1024;

// Nodes converted between two reads of the clock.
inline constexpr uint32_t kNodesPerClockRead = 4096;

class ConversionGuard {
 public:
  enum class Limit { kNone, kStack, kBudget, kDeadline };

  // `budget_bytes` 0: no budget (duet -> engine conversions, whose values
  // the caller already holds). An infinite deadline is never checked.
  ConversionGuard(absl::Time deadline, size_t budget_bytes)
      : deadline_(deadline),
        budget_bytes_(budget_bytes),
        budget_left_(budget_bytes == 0 ? SIZE_MAX : budget_bytes) {}
  ConversionGuard(const ConversionGuard&) = delete;
  ConversionGuard& operator=(const ConversionGuard&) = delete;

  // Before a list or map is built: charges its `count` entries of
  // `entry_bytes` each, and checks that the stack has room for one more
  // level.
  bool EnterContainer(size_t count, size_t entry_bytes) {
    if (StackRemaining() < kConversionStackReserve) return Fail(Limit::kStack);
    if (entry_bytes != 0 && count > budget_left_ / entry_bytes) {
      return Fail(Limit::kBudget);
    }
    budget_left_ -= count * entry_bytes;
    return true;
  }

  // Before a string or bytes payload of `bytes` is copied.
  bool ChargePayload(size_t bytes) {
    if (bytes > budget_left_) return Fail(Limit::kBudget);
    budget_left_ -= bytes;
    return true;
  }

  // Once per child of a list or map.
  bool CountNode() {
    if (--nodes_until_clock_ != 0) return true;
    nodes_until_clock_ = kNodesPerClockRead;
    if (deadline_ != absl::InfiniteFuture() && absl::Now() >= deadline_) {
      return Fail(Limit::kDeadline);
    }
    return true;
  }

  absl::Time deadline() const { return deadline_; }

  // Which limit a check failed on; kNone while none did.
  Limit exceeded() const { return exceeded_; }

  // The status for the failed check. `path` is where the conversion was
  // (result[0][3]), `value` the value being converted (result, args[1]):
  //   kStack     kResourceExhausted "value nested too deeply for this
  //              thread's stack at <path>"
  //   kBudget    kResourceExhausted naming <value>, the budget and
  //              "[limits] memory_mb"
  //   kDeadline  kDeadlineExceeded naming <value>
  absl::Status Error(std::string_view path, std::string_view value) const;

 private:
  bool Fail(Limit limit) {
    exceeded_ = limit;
    return false;
  }

  const absl::Time deadline_;
  const size_t budget_bytes_;
  size_t budget_left_;
  uint32_t nodes_until_clock_ = kNodesPerClockRead;
  Limit exceeded_ = Limit::kNone;
};

}  // namespace duet::internal

#endif  // DUET_INTERNAL_CONVERSION_GUARD_H_
