#include "state_gate.h"

#include <utility>

namespace duet::internal {
namespace {

// The innermost StateGate::Inside of this thread.
thread_local const StateGate::Inside* innermost_inside = nullptr;

}  // namespace

StateGate::Entry::Entry(const Entry& other) : gate_(other.gate_) {
  if (gate_ != nullptr) gate_->inside_.fetch_add(1, std::memory_order_seq_cst);
}

StateGate::Entry& StateGate::Entry::operator=(const Entry& other) {
  if (this != &other) *this = Entry(other);
  return *this;
}

StateGate::Entry::Entry(Entry&& other) noexcept
    : gate_(std::exchange(other.gate_, nullptr)) {}

StateGate::Entry& StateGate::Entry::operator=(Entry&& other) noexcept {
  if (this != &other) {
    if (gate_ != nullptr) gate_->Leave();
    gate_ = std::exchange(other.gate_, nullptr);
  }
  return *this;
}

StateGate::Entry::~Entry() {
  if (gate_ != nullptr) gate_->Leave();
}

StateGate::Inside::Inside(const StateGate* gate)
    : gate_(gate), outer_(innermost_inside) {
  innermost_inside = this;
}

StateGate::Inside::~Inside() { innermost_inside = outer_; }

bool StateGate::InsideOnThisThread() const {
  for (const Inside* inside = innermost_inside; inside != nullptr;
       inside = inside->outer_) {
    if (inside->gate_ == this) return true;
  }
  return false;
}

StateGate::Entry StateGate::Enter() {
  if (InsideOnThisThread()) {
    inside_.fetch_add(1, std::memory_order_seq_cst);
    return Entry(this);
  }
  for (;;) {
    // Counted before looking, so a switch closing now either sees this call
    // or this call sees it closed (both sides use seq_cst).
    inside_.fetch_add(1, std::memory_order_seq_cst);
    if (!closed_.load(std::memory_order_seq_cst)) return Entry(this);
    Leave();
    absl::MutexLock lock(&wait_mutex_);
    wait_mutex_.Await(absl::Condition(
        +[](std::atomic<bool>* closed) {
          return !closed->load(std::memory_order_seq_cst);
        },
        &closed_));
  }
}

void StateGate::Leave() {
  if (inside_.fetch_sub(1, std::memory_order_seq_cst) == 1 &&
      closed_.load(std::memory_order_seq_cst)) {
    // Wakes the draining switch: absl checks conditions on unlock.
    absl::MutexLock lock(&wait_mutex_);
  }
}

int64_t StateGate::CloseAndDrain(absl::Duration timeout) {
  closed_.store(true, std::memory_order_seq_cst);
  absl::MutexLock lock(&wait_mutex_);
  wait_mutex_.AwaitWithTimeout(
      absl::Condition(
          +[](std::atomic<int64_t>* inside) {
            return inside->load(std::memory_order_seq_cst) == 0;
          },
          &inside_),
      timeout);
  const int64_t still_inside = inside_.load(std::memory_order_seq_cst);
  if (still_inside != 0) closed_.store(false, std::memory_order_seq_cst);
  return still_inside;
}

void StateGate::Open() {
  absl::MutexLock lock(&wait_mutex_);
  closed_.store(false, std::memory_order_seq_cst);
}

}  // namespace duet::internal
