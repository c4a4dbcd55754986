#include "interrupt.h"

#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <ctime>

namespace duet::cli {
namespace {

sigset_t InterruptSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

void InterruptWatcher::BlockInterrupts() {
  sigset_t set = InterruptSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

InterruptWatcher::InterruptWatcher(Host& host) : host_(host) {
  BlockInterrupts();
  thread_ = std::thread([this] { Watch(); });
}

InterruptWatcher::~InterruptWatcher() {
  quitting_.store(true);
  pthread_kill(thread_.native_handle(), SIGINT);
  thread_.join();
}

void InterruptWatcher::EnterPrompt() {
  state_.store(kPrompt);
  pending_.store(false);
}

void InterruptWatcher::LeavePrompt() { state_.store(kIdle); }

bool InterruptWatcher::BeginRun() {
  stop_.store(false);
  run_.fetch_add(1);
  state_.store(kRunning);
  if (pending_.exchange(false)) {
    stop_.store(true);
    state_.store(kIdle);
    return false;
  }
  return true;
}

void InterruptWatcher::EndRun() { state_.store(kIdle); }

void InterruptWatcher::Watch() {
  const sigset_t set = InterruptSet();
  int64_t interrupted_run = -1;
  auto retry_until = std::chrono::steady_clock::time_point::min();
  while (!quitting_.load()) {
    timespec wait = {0, 200'000'000};
    const int signal = sigtimedwait(&set, nullptr, &wait);
    if (quitting_.load()) break;
    if (signal != SIGINT) {  // timed out: is an interrupted run still going?
      if (interrupted_run == run_.load() && state_.load() == kRunning &&
          std::chrono::steady_clock::now() < retry_until) {
        host_.Interrupt();
      }
      continue;
    }
    switch (state_.load()) {
      case kRunning:
        stop_.store(true);
        interrupted_run = run_.load();
        retry_until =
            std::chrono::steady_clock::now() + std::chrono::seconds(2);
        host_.Interrupt();
        break;
      case kIdle:
        pending_.store(true);
        break;
      default:  // at the prompt Ctrl-C is a key; this came from kill(1)
        break;
    }
  }
}

}  // namespace duet::cli
