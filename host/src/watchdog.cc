#include "duet/internal/watchdog.h"

#include <utility>

namespace duet::internal {

Watchdog& Watchdog::Shared() {
  // Leaked on purpose: engines may disarm tickets during static destruction.
  static Watchdog* shared = new Watchdog();
  return *shared;
}

Watchdog::Watchdog() : thread_([this] { Run(); }) {}

Watchdog::~Watchdog() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
    changed_.Signal();
  }
  thread_.join();
}

Watchdog::Ticket Watchdog::Arm(absl::Time deadline,
                               std::function<void()> on_expiry) {
  if (deadline == absl::InfiniteFuture()) return Ticket();
  absl::MutexLock lock(&mutex_);
  uint64_t id = next_id_++;
  armed_[id] = {deadline, std::move(on_expiry)};
  changed_.Signal();
  return Ticket(this, id);
}

bool Watchdog::Disarm(uint64_t id) {
  absl::MutexLock lock(&mutex_);
  armed_.erase(id);
  while (running_id_ == id) changed_.Wait(&mutex_);
  auto it = fired_.find(id);
  if (it == fired_.end()) return false;
  fired_.erase(it);
  return true;
}

void Watchdog::Run() {
  absl::MutexLock lock(&mutex_);
  while (!stopping_) {
    // Few tickets are armed at once (one per call in flight): a scan is fine.
    auto earliest = armed_.end();
    for (auto it = armed_.begin(); it != armed_.end(); ++it) {
      if (earliest == armed_.end() ||
          it->second.deadline < earliest->second.deadline) {
        earliest = it;
      }
    }
    if (earliest == armed_.end()) {
      changed_.Wait(&mutex_);
      continue;
    }
    if (absl::Now() < earliest->second.deadline) {
      changed_.WaitWithDeadline(&mutex_, earliest->second.deadline);
      continue;
    }
    uint64_t id = earliest->first;
    std::function<void()> on_expiry = std::move(earliest->second.on_expiry);
    armed_.erase(earliest);
    running_id_ = id;
    fired_[id] = true;
    // Run without the lock, so arming and disarming never wait on a
    // callback's work.
    mutex_.Unlock();
    on_expiry();
    mutex_.Lock();
    running_id_ = 0;
    changed_.SignalAll();
  }
}

Watchdog::Ticket::Ticket(Ticket&& other) noexcept
    : watchdog_(std::exchange(other.watchdog_, nullptr)),
      id_(other.id_),
      fired_(other.fired_) {}

Watchdog::Ticket& Watchdog::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    Disarm();
    watchdog_ = std::exchange(other.watchdog_, nullptr);
    id_ = other.id_;
    fired_ = other.fired_;
  }
  return *this;
}

bool Watchdog::Ticket::Disarm() {
  if (watchdog_ != nullptr) {
    fired_ = watchdog_->Disarm(id_);
    watchdog_ = nullptr;
  }
  return fired_;
}

}  // namespace duet::internal
