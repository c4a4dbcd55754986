// The engines' event-loop threads: a few process-wide threads that run
// tasks once their time comes -- a JavaScript isolate's due timers, the
// completion of a call that awaited a Promise or a coroutine. Unlike the
// watchdog (internal/watchdog.h), whose callbacks never wait for an engine
// lock, a task here may take one (a v8::Locker, the GIL): that is why there
// are several threads, so one busy isolate delays only the tasks queued
// behind it on one thread, not every timer of the process.
//
//   engine::Scheduler::Shared().Post(absl::Now() + absl::Milliseconds(5),
//                                    [loop] { loop->RunDueTimers(); });
//
// Waiting costs no thread: an awaited timer or Promise is an entry in a
// queue, so 10,000 calls awaiting at once need no more threads than one.
#ifndef DUET_ENGINE_SCHEDULER_H_
#define DUET_ENGINE_SCHEDULER_H_

#include <functional>
#include <map>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace duet::engine {

class Scheduler {
 public:
  // The process-wide scheduler; its threads start on first use and are
  // never joined (they sleep when nothing is queued).
  static Scheduler& Shared();

  // Runs `task` on a scheduler thread once `due` passes (at once for a time
  // in the past), without any lock of the scheduler held. Tasks due at the
  // same time run in the order they were posted, but may run in parallel on
  // different threads: a task that must not overlap another of its kind
  // (an isolate's timers) guards itself. Any thread; never blocks.
  void Post(absl::Time due, std::function<void()> task);

  // How many threads run tasks.
  static constexpr int kThreads = 4;

  Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;
  ~Scheduler();

 private:
  void Run();

  absl::Mutex mutex_;
  absl::CondVar changed_;
  // Keyed by due time, then by posting order.
  std::multimap<absl::Time, std::function<void()>> queue_
      ABSL_GUARDED_BY(mutex_);
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace duet::engine

#endif  // DUET_ENGINE_SCHEDULER_H_
