// A call's result delivered later by a completion on another thread (a
// Promise settling on the event loop, a coroutine finishing on the asyncio
// loop), for a caller that blocks until it is there: Implementation::Call and
// a function value's Call. The caller keeps the object alive until Wait
// returns.
//
// Free to make and drop when nothing awaits: the notification (an
// absl::Mutex, whose destructor takes absl's global deadlock-graph lock in
// debug builds of absl) is made only when Completion is asked for.
#ifndef DUET_ENGINE_AWAITED_RESULT_H_
#define DUET_ENGINE_AWAITED_RESULT_H_

#include <functional>
#include <optional>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "duet/value.h"

namespace duet::engine {

class AwaitedResult {
 public:
  AwaitedResult() = default;
  AwaitedResult(const AwaitedResult&) = delete;
  AwaitedResult& operator=(const AwaitedResult&) = delete;

  // What to hand the awaiting machinery; run exactly once.
  std::function<void(absl::StatusOr<Value>)> Completion() {
    settled_.emplace();
    return [this](absl::StatusOr<Value> result) {
      result_ = std::move(result);
      settled_->Notify();
    };
  }
  // Blocks until the completion ran (Completion must have been asked for), with
  // no engine lock held; its result.
  absl::StatusOr<Value> Wait() {
    settled_->WaitForNotification();
    return std::move(result_);
  }

 private:
  std::optional<absl::Notification> settled_;  // made by Completion
  absl::StatusOr<Value> result_;
};

}  // namespace duet::engine

#endif  // DUET_ENGINE_AWAITED_RESULT_H_
