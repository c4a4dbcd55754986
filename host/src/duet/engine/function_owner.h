// Script functions as values, the part every engine shares: which handles
// (a v8::Global, a Python reference) one implementation or REPL session
// keeps alive for function Values, and when they are released. See
// docs/values.md "Functions" and docs/threads.md "Releasing functions".
//
//  * A handle is released when the last Value holding its function goes,
//    on whatever thread that happens. Releasing needs the engine's lock, and
//    a thread must never wait for one engine's lock while it holds another
//    (two threads doing so in opposite directions deadlock). So a handle
//    dropped on a thread that holds any engine lock is queued, and the queue
//    is drained by the next entry into its engine (and at unload); on a
//    thread holding none, it is released at once under its engine's lock.
//  * Unload (or reload, or a renewed isolate) kills the owner: new calls of
//    its functions fail with kFailedPrecondition, calls running in it are
//    waited for, and every handle it still holds is released, so cycles
//    through another heap cannot outlive the module.
//
// Every engine marks the threads that hold its lock (EngineLockMark), so
// the rule above can be checked anywhere.
#ifndef DUET_ENGINE_FUNCTION_OWNER_H_
#define DUET_ENGINE_FUNCTION_OWNER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "duet/language.h"

namespace duet::engine {

// Script function handles held now by every owner in the process (adopted,
// not yet released), for tests and benchmarks.
int64_t LiveFunctionHandles();

// The engine locks the calling thread holds now (EngineLockTaken).
inline thread_local int engine_locks_held = 0;

// Whether the calling thread holds some engine's lock now.
inline bool HoldsEngineLock() { return engine_locks_held > 0; }

// Engines call these as they take and give back their lock (nested takes
// count: a thread may hold several engines' locks, or one twice). Inline:
// every entry into an engine takes one.
inline void EngineLockTaken() { ++engine_locks_held; }
inline void EngineLockReleased() { --engine_locks_held; }

// Marks the calling thread as holding an engine lock for its lifetime: for
// code that runs under a lock no entry took (a GC finaliser, a Python
// object's deallocation on a thread the plugin started).
class EngineLockMark {
 public:
  EngineLockMark() { EngineLockTaken(); }
  ~EngineLockMark() { EngineLockReleased(); }
  EngineLockMark(const EngineLockMark&) = delete;
  EngineLockMark& operator=(const EngineLockMark&) = delete;
};

// The script functions one implementation (or REPL session) has handed out
// as Values. Shared by the engine and every such function, so either may go
// first. Each engine subclasses it with how to release one handle and how
// to take its lock.
class FunctionOwner : public std::enable_shared_from_this<FunctionOwner> {
 public:
  // `module` names the module (or "repl") in messages.
  FunctionOwner(Language language, std::string module);
  virtual ~FunctionOwner() = default;
  FunctionOwner(const FunctionOwner&) = delete;
  FunctionOwner& operator=(const FunctionOwner&) = delete;

  Language language() const { return language_; }
  const std::string& module() const { return module_; }

  // A handle made for a function Value. Engine lock held.
  void Adopt(void* handle);
  // The last Value of a handle's function went. Any thread: queued when this
  // thread holds an engine lock, else released now under the engine's lock.
  // Nothing to do once the owner was killed (the handle went then).
  void Drop(void* handle);
  // Whether `handle` is live (adopted, not dropped, not released).
  bool Holds(void* handle) const;
  // Releases the queued handles. Engine lock held. Cheap when none are.
  void Drain();

  // Counts a call into one of the owner's functions, so Kill waits for it;
  // kFailedPrecondition naming `function` and the module once killed.
  absl::Status Enter(std::string_view function);
  void Leave();
  // Enter and Leave as a scope.
  class Call {
   public:
    Call(FunctionOwner& owner, std::string_view function)
        : owner_(owner), status_(owner.Enter(function)) {}
    ~Call() {
      if (status_.ok()) owner_.Leave();
    }
    Call(const Call&) = delete;
    Call& operator=(const Call&) = delete;
    const absl::Status& status() const { return status_; }

   private:
    FunctionOwner& owner_;
    absl::Status status_;
  };

  // The module is going: no call starts from now on. Waits, engine lock NOT
  // held, until the calls (and releases) running in it end, running
  // `interrupt` every millisecond meanwhile when given. Then, with the
  // engine lock held, ReleaseAll().
  void Kill(const std::function<void()>& interrupt = nullptr);
  // Releases every handle still held (live or queued). Engine lock held,
  // after Kill.
  void ReleaseAll();

  // Handles held now (live and queued), for tests and benchmarks.
  size_t HandleCount() const;

 protected:
  // Releases one handle. Engine lock held.
  virtual void ReleaseHandle(void* handle) = 0;
  // ReleaseHandle, counted.
  void Release(void* handle);
  // Takes the engine lock on this thread (which holds no engine lock),
  // runs Drain(), and gives the lock back.
  virtual void DrainUnderLock() = 0;
  // A handle was queued (the thread held an engine lock): an engine whose
  // entries are not per owner can note it to drain sooner. Any thread.
  virtual void Queued() {}

 private:
  const Language language_;
  const std::string module_;
  mutable absl::Mutex mutex_;
  bool alive_ ABSL_GUARDED_BY(mutex_) = true;
  int64_t in_flight_ ABSL_GUARDED_BY(mutex_) = 0;
  absl::flat_hash_set<void*> live_ ABSL_GUARDED_BY(mutex_);
  std::vector<void*> queued_ ABSL_GUARDED_BY(mutex_);
  std::atomic<bool> has_queued_{false};
};

}  // namespace duet::engine

#endif  // DUET_ENGINE_FUNCTION_OWNER_H_
