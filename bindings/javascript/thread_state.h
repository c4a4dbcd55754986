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
// Between the two, the pair keeps a HandleScope holding one handle: the
// thread's archived handle data then points into a block with room, so each
// entry's HandleScope bumps within it instead of extending into a fresh
// block (HandleScope::Extend) and giving it back on exit.
//
// Lifetime rules:
//  * A parked pair is destroyed only on its own thread: at thread exit, on
//    that thread's next entry into any isolate after its isolate's engine
//    was destroyed, or on that thread when the engine is destroyed there.
//  * An engine destroyed while other threads still have pairs parked in
//    its isolate hands the isolate over (DisposeWhenUnparked) instead of
//    disposing it: V8 frees an archived thread state with the isolate but
//    not what it points to (the thread's handle blocks, about 8 KB), so
//    every such pair must be destroyed first. The last thread to release
//    its pair disposes the isolate.
//
// The same record caches the JavaScript stack limit last set for the
// thread, so SetStackLimit runs only when the entry point moved.
#ifndef DUET_BINDINGS_JAVASCRIPT_THREAD_STATE_H_
#define DUET_BINDINGS_JAVASCRIPT_THREAD_STATE_H_

#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/synchronization/mutex.h"
#include "javascript/budget_allocator.h"
#include "v8.h"

namespace duet::js {

// Shared by an engine and every thread that parked state in its isolate.
struct ParkedThreads {
  absl::Mutex mutex;
  // False once the engine is gone; then `isolate` is the handed-over
  // isolate while pairs remain, else null (already disposed).
  bool alive ABSL_GUARDED_BY(mutex) = true;
  int parked ABSL_GUARDED_BY(mutex) = 0;  // pairs parked in the isolate
  v8::Isolate* isolate ABSL_GUARDED_BY(mutex) = nullptr;
  // Outlives the isolate it serves (may be null).
  BudgetAllocatorPtr allocator ABSL_GUARDED_BY(mutex);
  // Lock-free hint of `parked`, read by the engine under the V8 lock.
  std::atomic<int> parked_hint{0};
};

// This thread's record for one isolate.
struct ThreadRecord {
  ~ThreadRecord();
  // Destroys the parked pair (on this thread, isolate not disposed, not
  // holding its lock). Disposes a handed-over isolate whose last pair this
  // was. Takes control->mutex.
  void Unpark();

  std::shared_ptr<ParkedThreads> control;
  v8::Isolate* isolate = nullptr;
  bool parked = false;
  uintptr_t stack_limit = 0;     // last value given to SetStackLimit, 0: none
  uintptr_t stack_limit_sp = 0;  // the entry point it was set for
  // EngineHolds this thread keeps on the isolate, each with the context
  // entered, and the EngineScopes open on it (engine.h): an entry with a
  // hold and no scope below it finds the context entered already.
  int held_contexts = 0;
  int open_scopes = 0;
  alignas(v8::Locker) unsigned char locker[sizeof(v8::Locker)];
  alignas(v8::HandleScope) unsigned char handles[sizeof(v8::HandleScope)];
  alignas(v8::Unlocker) unsigned char unlocker[sizeof(v8::Unlocker)];
};

// Before taking the Locker for an entry: finds or creates this thread's
// record for `isolate`, parking the thread's V8 state when it does not hold
// the isolate's lock already. Never null.
ThreadRecord* EnterThread(v8::Isolate* isolate,
                          const std::shared_ptr<ParkedThreads>& control);

// At the start of an engine's destruction (not holding its lock): releases
// the calling thread's parked state for it.
void ReleaseThreadStates(const std::shared_ptr<ParkedThreads>& control);

// At the end of an engine's destruction (not holding the isolate's lock):
// disposes `isolate` now when no thread has state parked in it, else hands
// it (and its allocator) to the last thread that releases its pair.
void DisposeWhenUnparked(const std::shared_ptr<ParkedThreads>& control,
                         v8::Isolate* isolate, BudgetAllocatorPtr allocator);

// The JavaScript stack limit for an entry whose stack pointer is `sp`:
// V8's usual budget below the entry point, but never closer than a reserve
// to the end of the thread's real stack (pthread_getattr_np). May lie above
// `sp` when the thread is nearly out of stack: then any JavaScript call is
// a RangeError, never a crash.
uintptr_t StackLimitFor(uintptr_t sp);

}  // namespace duet::js

#endif  // DUET_BINDINGS_JAVASCRIPT_THREAD_STATE_H_
