// One thread per process that runs a callback when a deadline passes: the
// engines use it to stop a call that overran its time limit. Callbacks run
// one after another on that thread, so a callback must never wait for an
// engine lock: one engine's busy lock would delay every other engine's
// deadlines. V8's TerminateExecution needs no lock; Python's callback only
// queues the stop for a thread of its own that takes the GIL
// (bindings/python/entry.h). Nothing armed, nothing runs.
//
//   Watchdog::Ticket ticket = Watchdog::Shared().Arm(
//       absl::Now() + absl::Seconds(2), [&] { isolate->TerminateExecution();
//       });
//   ... run the call ...
//   ticket.Disarm();   // afterwards the callback neither runs nor is running
#ifndef DUET_INTERNAL_WATCHDOG_H_
#define DUET_INTERNAL_WATCHDOG_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace duet::internal {

class Watchdog {
 public:
  class Ticket;

  // The process-wide watchdog; its thread starts on first use and is never
  // joined (it sleeps when nothing is armed).
  static Watchdog& Shared();

  // Runs `on_expiry` on the watchdog thread once `deadline` passes, unless
  // the ticket is disarmed first. An infinite deadline arms nothing.
  // `on_expiry` must return promptly and take no engine lock (see above).
  Ticket Arm(absl::Time deadline, std::function<void()> on_expiry);

  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& other) noexcept;
    Ticket& operator=(Ticket&& other) noexcept;
    // Inline: most tickets were never armed (an infinite deadline).
    ~Ticket() {
      if (watchdog_ != nullptr) Disarm();
    }

    // Whether a callback is armed (and not yet disarmed) for this ticket.
    bool armed() const { return watchdog_ != nullptr; }

    // Cancels the callback, waiting for it to finish if it is running now,
    // so it must not be called while holding a lock the callback needs.
    // Returns whether the callback ran (the deadline passed).
    bool Disarm();

   private:
    friend class Watchdog;
    Ticket(Watchdog* watchdog, uint64_t id) : watchdog_(watchdog), id_(id) {}
    Watchdog* watchdog_ = nullptr;
    uint64_t id_ = 0;
    bool fired_ = false;
  };

  Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
  ~Watchdog();

 private:
  struct Entry {
    absl::Time deadline;
    std::function<void()> on_expiry;
  };

  bool Disarm(uint64_t id);
  void Run();

  absl::Mutex mutex_;
  absl::CondVar changed_;
  uint64_t next_id_ ABSL_GUARDED_BY(mutex_) = 1;
  std::map<uint64_t, Entry> armed_ ABSL_GUARDED_BY(mutex_);
  uint64_t running_id_ ABSL_GUARDED_BY(mutex_) = 0;  // callback in progress
  std::map<uint64_t, bool> fired_ ABSL_GUARDED_BY(mutex_);
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

}  // namespace duet::internal

#endif  // DUET_INTERNAL_WATCHDOG_H_
