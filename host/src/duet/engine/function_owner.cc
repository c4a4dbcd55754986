#include "duet/engine/function_owner.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "duet/internal/strings.h"

namespace duet::engine {
namespace {

std::atomic<int64_t> live_handles{0};

}  // namespace

int64_t LiveFunctionHandles() { return live_handles.load(); }

FunctionOwner::FunctionOwner(Language language, std::string module)
    : language_(language), module_(std::move(module)) {}

void FunctionOwner::Adopt(void* handle) {
  absl::MutexLock lock(&mutex_);
  live_.insert(handle);
  live_handles.fetch_add(1);
}

void FunctionOwner::Release(void* handle) {
  ReleaseHandle(handle);
  live_handles.fetch_sub(1);
}

void FunctionOwner::Drop(void* handle) {
  {
    absl::MutexLock lock(&mutex_);
    if (!alive_ || live_.erase(handle) == 0) return;  // released at Kill
    queued_.push_back(handle);
    has_queued_.store(true, std::memory_order_release);
  }
  if (HoldsEngineLock()) {  // the next entry into the engine drains
    Queued();
    return;
  }
  // Counted like a call, so a Kill waits for the release to finish.
  if (!Enter("").ok()) return;
  DrainUnderLock();
  Leave();
}

bool FunctionOwner::Holds(void* handle) const {
  absl::MutexLock lock(&mutex_);
  return live_.contains(handle);
}

void FunctionOwner::Drain() {
  if (!has_queued_.load(std::memory_order_acquire)) return;
  std::vector<void*> handles;
  {
    absl::MutexLock lock(&mutex_);
    handles.swap(queued_);
    has_queued_.store(false, std::memory_order_release);
  }
  for (void* handle : handles) Release(handle);
}

absl::Status FunctionOwner::Enter(std::string_view function) {
  absl::MutexLock lock(&mutex_);
  if (!alive_) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot call ",
        function.empty()
            ? std::string("a function")
            : absl::StrCat("function '", internal::ToAbsl(function), "'"),
        " of ", internal::ToAbsl(LanguageName(language_)), " module '", module_,
        "': the module was unloaded or reloaded since the function was "
        "passed out"));
  }
  ++in_flight_;
  return absl::OkStatus();
}

void FunctionOwner::Leave() {
  absl::MutexLock lock(&mutex_);
  --in_flight_;
}

void FunctionOwner::Kill(const std::function<void()>& interrupt) {
  absl::MutexLock lock(&mutex_);
  alive_ = false;
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    return in_flight_ == 0;
  };
  while (
      !mutex_.AwaitWithTimeout(absl::Condition(&idle), absl::Milliseconds(1))) {
    if (interrupt) {
      mutex_.Unlock();
      interrupt();
      mutex_.Lock();
    }
  }
}

void FunctionOwner::ReleaseAll() {
  std::vector<void*> handles;
  {
    absl::MutexLock lock(&mutex_);
    handles.assign(live_.begin(), live_.end());
    handles.insert(handles.end(), queued_.begin(), queued_.end());
    live_.clear();
    queued_.clear();
    has_queued_.store(false, std::memory_order_release);
  }
  for (void* handle : handles) Release(handle);
}

size_t FunctionOwner::HandleCount() const {
  absl::MutexLock lock(&mutex_);
  return live_.size() + queued_.size();
}

}  // namespace duet::engine
