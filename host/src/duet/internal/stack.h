// Where this thread's stack ends, so that calls and conversions can refuse
// to go deeper before they would overflow it (threads may have small stacks).
#ifndef DUET_INTERNAL_STACK_H_
#define DUET_INTERNAL_STACK_H_

#include <cstdint>

namespace duet::internal {

// The lowest usable address of the calling thread's stack (above its guard
// page; stacks grow down), or 0 when unknown. Read once per thread.
uintptr_t StackLow();

// Bytes left on this thread's stack below the caller's frame; UINTPTR_MAX
// when the stack's bounds are unknown.
uintptr_t StackRemaining();

}  // namespace duet::internal

#endif  // DUET_INTERNAL_STACK_H_
