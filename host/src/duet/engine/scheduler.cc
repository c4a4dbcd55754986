#include "duet/engine/scheduler.h"

#include <utility>

namespace duet::engine {

Scheduler& Scheduler::Shared() {
  // Leaked on purpose, like the watchdog: engines may post during static
  // destruction.
  static Scheduler* shared = new Scheduler();
  return *shared;
}

Scheduler::Scheduler() {
  threads_.reserve(kThreads);
  for (int i = 0; i < kThreads; ++i) threads_.emplace_back([this] { Run(); });
}

Scheduler::~Scheduler() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
    changed_.SignalAll();
  }
  for (std::thread& thread : threads_) thread.join();
}

void Scheduler::Post(absl::Time due, std::function<void()> task) {
  absl::MutexLock lock(&mutex_);
  bool earliest = queue_.empty() || due < queue_.begin()->first;
  queue_.emplace(due, std::move(task));
  if (earliest) {
    changed_.SignalAll();  // sleepers wait for a later time
  } else {
    changed_.Signal();
  }
}

void Scheduler::Run() {
  absl::MutexLock lock(&mutex_);
  while (!stopping_) {
    if (queue_.empty()) {
      changed_.Wait(&mutex_);
      continue;
    }
    absl::Time due = queue_.begin()->first;
    if (absl::Now() < due) {
      changed_.WaitWithDeadline(&mutex_, due);
      continue;
    }
    std::function<void()> task = std::move(queue_.begin()->second);
    queue_.erase(queue_.begin());
    // More may be due: another thread takes them meanwhile.
    if (!queue_.empty()) changed_.Signal();
    mutex_.Unlock();
    task();
    task = nullptr;  // whatever it captured goes without the lock held
    mutex_.Lock();
  }
}

}  // namespace duet::engine
