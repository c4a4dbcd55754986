// Per-thread V8 thread state kept "parked" between calls.
//
// A top-level v8::Locker (one taken by a thread that holds no V8 thread
// state for the isolate) runs ThreadManager::InitThread on entry and
// FreeThreadResources on exit: about half the cost of a short call. So on a
// thread's first entry into an isolate we take a v8::Locker and then a
// v8::Unlocker and keep both: the thread's state stays archived (lazily,
// i.e. not even copied while no other thread takes the lock), and every
// later per-call Locker on that thread is a nested one that just restores
// it. A parked Unlocker holds no lock, so other threads and Dispose proceed.
//
// Lifetime rules:
//  * A parked pair is destroyed only on its own thread: at thread exit, or
//    on that thread when the isolate is disposed there.
//  * Once an isolate is disposed (ParkedThreads::alive false), other
//    threads' pairs are never touched again: their storage is freed without
//    running the destructors (V8 frees the archived state with the isolate).
//
// The same record caches the JavaScript stack limit last set for the
// thread, so SetStackLimit runs only when the entry point moved.
#ifndef DUET_BINDINGS_JAVASCRIPT_THREAD_STATE_H_
#define DUET_BINDINGS_JAVASCRIPT_THREAD_STATE_H_

#include <cstdint>
#include <memory>

#include "absl/synchronization/mutex.h"
#include "v8.h"

namespace duet::js {

// Shared by an engine and every thread that parked state in its isolate.
struct ParkedThreads {
  absl::Mutex mutex;
  bool alive ABSL_GUARDED_BY(mutex) = true;
};

// This thread's record for one isolate.
struct ThreadRecord {
  ~ThreadRecord();
  // Destroys the parked pair (on this thread, isolate alive, unlocked).
  void Unpark();

  std::shared_ptr<ParkedThreads> control;
  v8::Isolate* isolate = nullptr;
  bool parked = false;
  uintptr_t stack_limit = 0;  // last value given to SetStackLimit, 0: none
  alignas(v8::Locker) unsigned char locker[sizeof(v8::Locker)];
  alignas(v8::Unlocker) unsigned char unlocker[sizeof(v8::Unlocker)];
};

// Before taking the Locker for an entry: finds or creates this thread's
// record for `isolate`, parking the thread's V8 state when it does not hold
// the isolate's lock already. Never null.
ThreadRecord* EnterThread(v8::Isolate* isolate,
                          const std::shared_ptr<ParkedThreads>& control);

// Before disposing the isolate (not holding its lock): marks it dead for
// every thread and releases the calling thread's parked state.
void ReleaseThreadStates(const std::shared_ptr<ParkedThreads>& control);

// The JavaScript stack limit for an entry whose stack pointer is `sp`:
// V8's usual budget below the entry point, but never closer than a reserve
// to the end of the thread's real stack (pthread_getattr_np). May lie above
// `sp` when the thread is nearly out of stack: then any JavaScript call is
// a RangeError, never a crash.
uintptr_t StackLimitFor(uintptr_t sp);

}  // namespace duet::js

#endif  // DUET_BINDINGS_JAVASCRIPT_THREAD_STATE_H_
