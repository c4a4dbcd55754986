#include "duet/internal/stack.h"

#include <pthread.h>

#include <cstddef>

namespace duet::internal {
namespace {

uintptr_t ReadStackLow() {
  pthread_attr_t attributes;
  if (pthread_getattr_np(pthread_self(), &attributes) != 0) return 0;
  void* address = nullptr;
  size_t size = 0;
  size_t guard = 0;
  uintptr_t low = 0;
  if (pthread_attr_getstack(&attributes, &address, &size) == 0) {
    pthread_attr_getguardsize(&attributes, &guard);
    low = reinterpret_cast<uintptr_t>(address) + guard;
  }
  pthread_attr_destroy(&attributes);
  return low;
}

}  // namespace

uintptr_t StackLow() {
  thread_local const uintptr_t low = ReadStackLow();
  return low;
}

uintptr_t StackRemaining() {
  uintptr_t low = StackLow();
  char marker;
  uintptr_t here = reinterpret_cast<uintptr_t>(&marker);
  if (low == 0 || here < low) return UINTPTR_MAX;
  return here - low;
}

}  // namespace duet::internal
