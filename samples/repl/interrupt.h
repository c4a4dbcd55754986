// Ctrl-C for the interactive REPL.
//
// SIGINT is blocked in every thread (BlockInterrupts runs before the engines
// start their threads, which inherit the mask) and one watcher thread takes
// it with sigwait, so no engine thread is ever hit by the signal and no
// handler of ours runs in signal context. At the prompt the line editor
// turns the terminal's signal keys off and reads Ctrl-C as a key (it drops
// the line, see line_editor.h), so a SIGINT only arrives while code runs or
// between reading and running:
//
//   running code   Host::Interrupt(): JavaScript is terminated, Python gets
//                  KeyboardInterrupt; the evaluation returns kCancelled.
//                  Repeated every 200 ms while that same evaluation still
//                  runs (for up to 2 s), in case the first one landed
//                  before the engine was entered.
//   in between     remembered: the input about to run does not run.
//   at the prompt  (only from `kill -INT`) ignored.
#ifndef DUET_SAMPLES_REPL_INTERRUPT_H_
#define DUET_SAMPLES_REPL_INTERRUPT_H_

#include <atomic>
#include <cstdint>
#include <thread>

#include "duet/duet.h"

namespace duet::cli {

class InterruptWatcher {
 public:
  // Blocks SIGINT in the calling thread and so in every thread it starts
  // afterwards. Call before creating the Host.
  static void BlockInterrupts();

  // Starts the watcher thread. `host` must outlive the watcher.
  explicit InterruptWatcher(Host& host);
  ~InterruptWatcher();  // stops and joins the thread
  InterruptWatcher(const InterruptWatcher&) = delete;
  InterruptWatcher& operator=(const InterruptWatcher&) = delete;

  // The main thread is waiting for a line.
  void EnterPrompt();
  // The line is read; what runs next has not started.
  void LeavePrompt();

  // Around running code. BeginRun returns false, and the code should not
  // run, when Ctrl-C came since the line was read.
  bool BeginRun();
  void EndRun();

  // Set by a Ctrl-C during the current run; loops (bench, check) poll it.
  const std::atomic<bool>* stop_flag() const { return &stop_; }
  bool interrupted() const { return stop_.load(); }

 private:
  enum State { kIdle, kPrompt, kRunning };
  void Watch();

  Host& host_;
  std::atomic<int> state_{kIdle};
  std::atomic<bool> pending_{false};  // Ctrl-C between reading and running
  std::atomic<bool> stop_{false};     // Ctrl-C while running
  std::atomic<int64_t> run_{0};       // which run is current
  std::atomic<bool> quitting_{false};
  std::thread thread_;
};

}  // namespace duet::cli

#endif  // DUET_SAMPLES_REPL_INTERRUPT_H_
