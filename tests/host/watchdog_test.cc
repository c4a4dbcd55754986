#include "duet/internal/watchdog.h"

#include <atomic>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace duet::internal {
namespace {

TEST(WatchdogTest, RunsTheCallbackOnceTheDeadlinePasses) {
  absl::Notification fired;
  Watchdog::Ticket ticket = Watchdog::Shared().Arm(
      absl::Now() + absl::Milliseconds(20), [&] { fired.Notify(); });
  EXPECT_TRUE(fired.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_TRUE(ticket.Disarm());
}

TEST(WatchdogTest, DisarmedTicketsNeverFire) {
  std::atomic<int> fired{0};
  {
    Watchdog::Ticket ticket = Watchdog::Shared().Arm(
        absl::Now() + absl::Milliseconds(50), [&] { ++fired; });
    EXPECT_FALSE(ticket.Disarm());
  }
  // A later ticket firing proves the watchdog went past the first deadline.
  absl::Notification later;
  Watchdog::Ticket ticket = Watchdog::Shared().Arm(
      absl::Now() + absl::Milliseconds(100), [&] { later.Notify(); });
  ASSERT_TRUE(later.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_EQ(fired, 0);
}

TEST(WatchdogTest, EarlierDeadlinesFireFirstWhateverTheArmingOrder) {
  std::vector<int> order;
  absl::Mutex mutex;
  absl::Notification both;
  auto record = [&](int n) {
    absl::MutexLock lock(&mutex);
    order.push_back(n);
    if (order.size() == 2) both.Notify();
  };
  absl::Time now = absl::Now();
  Watchdog::Ticket late =
      Watchdog::Shared().Arm(now + absl::Milliseconds(200), [&] { record(2); });
  Watchdog::Ticket early =
      Watchdog::Shared().Arm(now + absl::Milliseconds(20), [&] { record(1); });
  ASSERT_TRUE(both.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST(WatchdogTest, DisarmWaitsForARunningCallback) {
  absl::Notification started, release;
  std::atomic<bool> finished{false};
  Watchdog::Ticket ticket = Watchdog::Shared().Arm(absl::Now(), [&] {
    started.Notify();
    release.WaitForNotification();
    finished = true;
  });
  started.WaitForNotification();
  std::thread releaser([&] {
    absl::SleepFor(absl::Milliseconds(20));
    release.Notify();
  });
  EXPECT_TRUE(ticket.Disarm());
  EXPECT_TRUE(finished);  // Disarm returned only after the callback ended
  releaser.join();
}

TEST(WatchdogTest, InfiniteDeadlinesArmNothing) {
  Watchdog::Ticket ticket =
      Watchdog::Shared().Arm(absl::InfiniteFuture(), [] { FAIL(); });
  EXPECT_FALSE(ticket.armed());
  EXPECT_FALSE(ticket.Disarm());
  Watchdog::Ticket finite =
      Watchdog::Shared().Arm(absl::Now() + absl::Hours(1), [] { FAIL(); });
  EXPECT_TRUE(finite.armed());
  EXPECT_FALSE(finite.Disarm());
  EXPECT_FALSE(finite.armed());
}

}  // namespace
}  // namespace duet::internal
