// An ArrayBuffer allocator with a byte budget, one per isolate that has a
// memory limit. ArrayBuffer contents live outside the V8 heap, so the heap
// limit does not see them; over the budget an allocation fails and the
// script gets V8's RangeError ("Array buffer allocation failed").
//
// libnode is built without RTTI, so a subclass of v8::ArrayBuffer::Allocator
// cannot have typeinfo: budget_allocator.cc is compiled with -fno-rtti (and
// without UBSan's vptr check), and the object is also deleted there.
#ifndef DUET_BINDINGS_JAVASCRIPT_BUDGET_ALLOCATOR_H_
#define DUET_BINDINGS_JAVASCRIPT_BUDGET_ALLOCATOR_H_

#include <cstddef>
#include <memory>

#include "v8.h"

namespace duet::js {

struct BudgetAllocatorDeleter {
  void operator()(v8::ArrayBuffer::Allocator* allocator) const;
};
using BudgetAllocatorPtr =
    std::unique_ptr<v8::ArrayBuffer::Allocator, BudgetAllocatorDeleter>;

// Delegates to V8's default allocator while at most `budget` bytes are live.
BudgetAllocatorPtr NewBudgetAllocator(size_t budget);

}  // namespace duet::js

#endif  // DUET_BINDINGS_JAVASCRIPT_BUDGET_ALLOCATOR_H_
