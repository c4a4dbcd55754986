// The gate a module's calls pass while its state is carried from one
// implementation to another ([state] hooks, Host::Use and Host::Reload).
//
// A switch closes the gate, waits for the calls inside to leave, takes the
// snapshot, restores it on the other side and only then reopens: a call
// never runs on a half-restored implementation, and no call changes the
// state between the snapshot and the switch (which would lose its change).
// Calls arriving meanwhile wait at the gate. Only modules with [state] pass
// it; the others never touch it.
#ifndef DUET_HOST_SRC_STATE_GATE_H_
#define DUET_HOST_SRC_STATE_GATE_H_

#include <atomic>
#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace duet::internal {

class StateGate {
 public:
  // One call counted inside the gate, until destroyed. A copy counts once
  // more without waiting (the call already passed), so an async call's
  // completion can carry it to another thread.
  class Entry {
   public:
    Entry() = default;
    Entry(const Entry& other);
    Entry& operator=(const Entry& other);
    Entry(Entry&& other) noexcept;
    Entry& operator=(Entry&& other) noexcept;
    ~Entry();

   private:
    friend class StateGate;
    explicit Entry(StateGate* gate) : gate_(gate) {}
    StateGate* gate_ = nullptr;
  };

  // While it lives, calls from this thread pass the gate without waiting
  // for a switch: they are nested in a call already inside (or in the
  // switch's own hooks), so waiting for the switch would wait for
  // themselves.
  class Inside {
   public:
    explicit Inside(const StateGate* gate);
    ~Inside();
    Inside(const Inside&) = delete;
    Inside& operator=(const Inside&) = delete;

   private:
    friend class StateGate;
    const StateGate* const gate_;
    const Inside* const outer_;  // this thread's enclosing Inside, or null
  };

  // Waits while a switch runs (unless this thread is Inside), then counts
  // the call in.
  Entry Enter();

  // Whether this thread runs inside a call that passed the gate (or a
  // switch's hooks): a switch from here would wait for itself.
  bool InsideOnThisThread() const;

  // Serialises switches of one module; held for the whole switch.
  absl::Mutex& switch_mutex() { return switch_mutex_; }

  // Closes the gate and waits up to `timeout` for the calls inside to leave.
  // Returns how many are still inside; when that is not 0 the gate is open
  // again and the switch must not go on.
  int64_t CloseAndDrain(absl::Duration timeout)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(switch_mutex_);
  // Reopens the gate after CloseAndDrain returned 0.
  void Open() ABSL_EXCLUSIVE_LOCKS_REQUIRED(switch_mutex_);

 private:
  void Leave();

  absl::Mutex switch_mutex_;
  std::atomic<int64_t> inside_{0};
  std::atomic<bool> closed_{false};
  // Waiting calls and the draining switch sleep on this; Leave and Open take
  // it so absl re-evaluates their conditions.
  absl::Mutex wait_mutex_;
};

}  // namespace duet::internal

#endif  // DUET_HOST_SRC_STATE_GATE_H_
