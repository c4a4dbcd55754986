// Running test code on a thread with a stack of a given size.
#ifndef DUET_TESTS_TESTING_STACK_THREAD_H_
#define DUET_TESTS_TESTING_STACK_THREAD_H_

#include <pthread.h>

#include <cstddef>
#include <functional>

#include "gtest/gtest.h"

namespace duet::testing {

// Runs `body` on a thread whose whole stack is `stack_bytes`, as an
// embedder's worker thread may be, and waits for it.
inline void RunOnThreadWithStack(size_t stack_bytes,
                                 std::function<void()> body) {
  pthread_attr_t attributes;
  ASSERT_EQ(pthread_attr_init(&attributes), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attributes, stack_bytes), 0);
  pthread_t thread;
  ASSERT_EQ(pthread_create(
                &thread, &attributes,
                [](void* argument) -> void* {
                  (*static_cast<std::function<void()>*>(argument))();
                  return nullptr;
                },
                &body),
            0);
  pthread_attr_destroy(&attributes);
  pthread_join(thread, nullptr);
}

}  // namespace duet::testing

#endif  // DUET_TESTS_TESTING_STACK_THREAD_H_
