#include "javascript/budget_allocator.h"

#include <atomic>

namespace duet::js {
namespace {

v8::ArrayBuffer::Allocator* DefaultAllocator() {
  static v8::ArrayBuffer::Allocator* allocator =
      v8::ArrayBuffer::Allocator::NewDefaultAllocator();
  return allocator;
}

class BudgetAllocator : public v8::ArrayBuffer::Allocator {
 public:
  explicit BudgetAllocator(size_t budget) : budget_(budget) {}

  void* Allocate(size_t length) override {
    if (!Reserve(length)) return nullptr;
    void* data = DefaultAllocator()->Allocate(length);
    if (data == nullptr) Release(length);
    return data;
  }
  void* AllocateUninitialized(size_t length) override {
    if (!Reserve(length)) return nullptr;
    void* data = DefaultAllocator()->AllocateUninitialized(length);
    if (data == nullptr) Release(length);
    return data;
  }
  void Free(void* data, size_t length) override {
    DefaultAllocator()->Free(data, length);
    Release(length);
  }

 private:
  bool Reserve(size_t length) {
    size_t used = used_.fetch_add(length, std::memory_order_relaxed);
    if (used + length >= used && used + length <= budget_) return true;
    Release(length);
    return false;
  }
  void Release(size_t length) {
    used_.fetch_sub(length, std::memory_order_relaxed);
  }

  const size_t budget_;
  std::atomic<size_t> used_{0};
};

}  // namespace

void BudgetAllocatorDeleter::operator()(
    v8::ArrayBuffer::Allocator* allocator) const {
  delete allocator;
}

BudgetAllocatorPtr NewBudgetAllocator(size_t budget) {
  return BudgetAllocatorPtr(new BudgetAllocator(budget));
}

}  // namespace duet::js
