// Helpers for tests of code that may hang: a bounded run that turns a hang
// into a failure, and a pipe a plugin can block on until the test lets go.
#ifndef DUET_TESTS_TESTING_BOUNDED_H_
#define DUET_TESTS_TESTING_BOUNDED_H_

#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace duet::testing {

// How long a step that should return at once may take before it counts as
// hung: generous, since the machines are shared.
inline constexpr absl::Duration kHangBound = absl::Seconds(30);

// Runs `body` on its own thread. If it is still running after `bound`, a
// thread is stuck inside an engine and the process cannot be cleaned up, so
// the test fails by ending the process (CTest reports it).
inline void RunBounded(const std::function<void()>& body,
                       absl::Duration bound = kHangBound) {
  auto done = std::make_shared<absl::Notification>();
  std::thread runner([body, done] {
    body();
    done->Notify();
  });
  if (!done->WaitForNotificationWithTimeout(bound)) {
    std::cerr << "[  FAILED  ] "
              << ::testing::UnitTest::GetInstance()->current_test_info()->name()
              << ": still running after " << bound << std::endl;
    std::_Exit(1);
  }
  runner.join();
}

// A pipe whose read end a plugin blocks on (a blocking read() in C code,
// holding the GIL or not); Release() lets it go.
class PipeGate {
 public:
  PipeGate() { EXPECT_EQ(::pipe(fds_), 0); }
  ~PipeGate() {
    Release();
    ::close(fds_[0]);
  }
  PipeGate(const PipeGate&) = delete;
  PipeGate& operator=(const PipeGate&) = delete;

  int read_fd() const { return fds_[0]; }
  void Release() {
    if (fds_[1] < 0) return;
    EXPECT_EQ(::write(fds_[1], "x", 1), 1);
    ::close(fds_[1]);
    fds_[1] = -1;
  }

 private:
  int fds_[2] = {-1, -1};
};

}  // namespace duet::testing

#endif  // DUET_TESTS_TESTING_BOUNDED_H_
