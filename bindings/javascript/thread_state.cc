#include "javascript/thread_state.h"

#include <algorithm>
#include <atomic>
#include <new>
#include <utility>
#include <vector>

#include "duet/internal/stack.h"

namespace duet::js {
namespace {

// V8's default --stack-size (984 KB), and what stays untouched at the end of
// the thread's stack for the C++ that runs after a RangeError.
constexpr uintptr_t kJsStackBudget = 984 * 1024;
constexpr uintptr_t kStackReserve = 192 * 1024;

// Bumped whenever an engine hands its isolate over to parked threads: each
// thread then looks through its records at its next entry into any isolate.
std::atomic<uint64_t> handovers{0};

class ThreadRecords {
 public:
  ~ThreadRecords() {
    for (ThreadRecord* record : records_) {
      record->Unpark();
      delete record;
    }
  }

  ThreadRecord* Find(const ParkedThreads* control) {
    if (last_ != nullptr && last_->control.get() == control) return last_;
    for (ThreadRecord* record : records_) {
      if (record->control.get() == control) return last_ = record;
    }
    return nullptr;
  }

  // Releases the pairs parked in isolates whose engines are gone, when any
  // engine went since the last look: one relaxed load per entry otherwise.
  void ReleaseHandedOver() {
    uint64_t now = handovers.load(std::memory_order_relaxed);
    if (now == seen_handovers_) return;
    seen_handovers_ = now;
    Prune();
  }

  ThreadRecord* Add(v8::Isolate* isolate,
                    const std::shared_ptr<ParkedThreads>& control) {
    if (records_.size() >= prune_at_) Prune();
    auto* record = new ThreadRecord;
    record->control = control;
    record->isolate = isolate;
    records_.push_back(record);
    return last_ = record;
  }

  void Remove(ThreadRecord* record) {
    records_.erase(std::remove(records_.begin(), records_.end(), record),
                   records_.end());
    if (last_ == record) last_ = nullptr;
    delete record;
  }

 private:
  // Drops the records of engines that are gone, releasing their pairs.
  void Prune() {
    std::vector<ThreadRecord*> kept;
    for (ThreadRecord* record : records_) {
      bool alive;
      {
        absl::MutexLock lock(&record->control->mutex);
        alive = record->control->alive;
      }
      if (alive) {
        kept.push_back(record);
      } else {
        if (last_ == record) last_ = nullptr;
        record->Unpark();
        delete record;
      }
    }
    records_ = std::move(kept);
    prune_at_ = std::max<size_t>(16, 2 * records_.size());
  }

  std::vector<ThreadRecord*> records_;
  ThreadRecord* last_ = nullptr;
  size_t prune_at_ = 16;
  uint64_t seen_handovers_ = 0;
};

ThreadRecords& Records() {
  static thread_local ThreadRecords records;
  return records;
}

}  // namespace

ThreadRecord::~ThreadRecord() = default;  // Unpark() releases the pair

void ThreadRecord::Unpark() {
  v8::Isolate* doomed = nullptr;
  BudgetAllocatorPtr allocator;  // destroyed after the isolate it serves
  {
    absl::MutexLock lock(&control->mutex);
    if (!parked) return;
    parked = false;
    // The isolate is not disposed while a pair is parked in it (counted in
    // control->parked), whether its engine lives or not.
    std::launder(reinterpret_cast<v8::Unlocker*>(unlocker))->~Unlocker();
    std::launder(reinterpret_cast<v8::HandleScope*>(handles))->~HandleScope();
    std::launder(reinterpret_cast<v8::Locker*>(locker))->~Locker();
    int left = --control->parked;
    control->parked_hint.store(left, std::memory_order_relaxed);
    if (left == 0 && !control->alive) {
      doomed = std::exchange(control->isolate, nullptr);
      allocator = std::move(control->allocator);
    }
  }
  if (doomed != nullptr) doomed->Dispose();
}

ThreadRecord* EnterThread(v8::Isolate* isolate,
                          const std::shared_ptr<ParkedThreads>& control) {
  ThreadRecords& records = Records();
  records.ReleaseHandedOver();
  if (ThreadRecord* record = records.Find(control.get())) return record;
  ThreadRecord* record = records.Add(isolate, control);
  if (!v8::Locker::IsLocked(isolate)) {
    new (record->locker) v8::Locker(isolate);
    ::new (record->handles) v8::HandleScope(isolate);
    v8::Integer::New(isolate, 0);  // its block stays allocated while parked
    new (record->unlocker) v8::Unlocker(isolate);
    absl::MutexLock lock(&control->mutex);
    record->parked = true;
    control->parked_hint.store(++control->parked, std::memory_order_relaxed);
  }
  return record;
}

void ReleaseThreadStates(const std::shared_ptr<ParkedThreads>& control) {
  ThreadRecords& records = Records();
  if (ThreadRecord* record = records.Find(control.get())) {
    record->Unpark();
    records.Remove(record);
  }
}

void DisposeWhenUnparked(const std::shared_ptr<ParkedThreads>& control,
                         v8::Isolate* isolate, BudgetAllocatorPtr allocator) {
  {
    absl::MutexLock lock(&control->mutex);
    control->alive = false;
    if (control->parked > 0) {
      control->isolate = isolate;
      control->allocator = std::move(allocator);
      handovers.fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
  isolate->Dispose();
}

uintptr_t StackLimitFor(uintptr_t sp) {
  uintptr_t low = internal::StackLow();
  uintptr_t limit = sp > kJsStackBudget ? sp - kJsStackBudget : 0;
  if (low != 0) limit = std::max(limit, low + kStackReserve);
  return limit;
}

}  // namespace duet::js
