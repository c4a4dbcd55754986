#include "javascript/thread_state.h"

#include <pthread.h>

#include <algorithm>
#include <new>
#include <vector>

namespace duet::js {
namespace {

// V8's default --stack-size (984 KB), and what stays untouched at the end of
// the thread's stack for the C++ that runs after a RangeError.
constexpr uintptr_t kJsStackBudget = 984 * 1024;
constexpr uintptr_t kStackReserve = 192 * 1024;

class ThreadRecords {
 public:
  ~ThreadRecords() {
    for (ThreadRecord* record : records_) Discard(record);
  }

  ThreadRecord* Find(const ParkedThreads* control) {
    if (last_ != nullptr && last_->control.get() == control) return last_;
    for (ThreadRecord* record : records_) {
      if (record->control.get() == control) return last_ = record;
    }
    return nullptr;
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
  // Releases the record's pair if its isolate still lives, then frees it.
  static void Discard(ThreadRecord* record) {
    {
      absl::MutexLock lock(&record->control->mutex);
      if (record->control->alive) record->Unpark();
    }
    delete record;
  }

  // Drops records of disposed isolates (their pairs are never touched).
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
        delete record;
      }
    }
    records_ = std::move(kept);
    prune_at_ = std::max<size_t>(16, 2 * records_.size());
  }

  std::vector<ThreadRecord*> records_;
  ThreadRecord* last_ = nullptr;
  size_t prune_at_ = 16;
};

ThreadRecords& Records() {
  static thread_local ThreadRecords records;
  return records;
}

struct ThreadStack {
  uintptr_t low = 0;  // lowest usable address (the stack grows down)
};

ThreadStack CurrentThreadStack() {
  ThreadStack stack;
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return stack;
  void* address = nullptr;
  size_t size = 0;
  size_t guard = 0;
  if (pthread_attr_getstack(&attr, &address, &size) == 0) {
    pthread_attr_getguardsize(&attr, &guard);
    stack.low = reinterpret_cast<uintptr_t>(address) + guard;
  }
  pthread_attr_destroy(&attr);
  return stack;
}

}  // namespace

ThreadRecord::~ThreadRecord() = default;  // never runs the pair's destructors

void ThreadRecord::Unpark() {
  if (!parked) return;
  parked = false;
  std::launder(reinterpret_cast<v8::Unlocker*>(unlocker))->~Unlocker();
  std::launder(reinterpret_cast<v8::Locker*>(locker))->~Locker();
}

ThreadRecord* EnterThread(v8::Isolate* isolate,
                          const std::shared_ptr<ParkedThreads>& control) {
  ThreadRecords& records = Records();
  if (ThreadRecord* record = records.Find(control.get())) return record;
  ThreadRecord* record = records.Add(isolate, control);
  if (!v8::Locker::IsLocked(isolate)) {
    new (record->locker) v8::Locker(isolate);
    new (record->unlocker) v8::Unlocker(isolate);
    record->parked = true;
  }
  return record;
}

void ReleaseThreadStates(const std::shared_ptr<ParkedThreads>& control) {
  {
    absl::MutexLock lock(&control->mutex);
    control->alive = false;
  }
  ThreadRecords& records = Records();
  if (ThreadRecord* record = records.Find(control.get())) {
    record->Unpark();
    records.Remove(record);
  }
}

uintptr_t StackLimitFor(uintptr_t sp) {
  static thread_local ThreadStack stack = CurrentThreadStack();
  uintptr_t limit = sp > kJsStackBudget ? sp - kJsStackBudget : 0;
  if (stack.low != 0) limit = std::max(limit, stack.low + kStackReserve);
  return limit;
}

}  // namespace duet::js
