// Engines destroyed on the scheduler (js::DestroyEngine: the last reference
// went inside the engine) and their runtime's end, which waits for them
// (EngineRegistry::FinishDestructions) without waiting on itself: from the
// only scheduler thread free, it destroys them there; from inside a doomed
// engine, it leaves that one to the scheduler.
#include <memory>
#include <thread>
#include <utility>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "duet/engine/scheduler.h"
#include "javascript/engine.h"
#include "js_test_util.h"

namespace duet::testing {
namespace {

class EngineDestructionTest : public JsTest {
 protected:
  void SetUp() override {
    JsTest::SetUp();
    registry_ = std::make_shared<js::EngineRegistry>();
    absl::StatusOr<std::unique_ptr<js::Engine>> engine = js::Engine::Create(
        services_, "doomed", {}, /*repl=*/true, 0, 0, registry_);
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = *std::move(engine);
    with_engine_ = LiveJavaScriptIsolatesForTesting();
  }

  std::shared_ptr<js::EngineRegistry> registry_;
  std::unique_ptr<js::Engine> engine_;
  int64_t with_engine_ = 0;
};

TEST_F(EngineDestructionTest,
       FinishingOnTheOnlyFreeSchedulerThreadDoesItThere) {
  engine::Scheduler& scheduler = engine::Scheduler::Shared();
  // Shared with the tasks, which may still be waking when the test ends.
  struct Blockers {
    absl::Notification release;
    absl::BlockingCounter blocked{engine::Scheduler::kThreads - 1};
    absl::Notification finished;
  };
  auto blockers = std::make_shared<Blockers>();
  for (int i = 0; i < engine::Scheduler::kThreads - 1; ++i) {
    scheduler.Post(absl::InfinitePast(), [blockers] {
      blockers->blocked.DecrementCount();
      blockers->release.WaitForNotification();
    });
  }
  blockers->blocked.Wait();
  // The posted destruction queues behind this task, on the last thread.
  scheduler.Post(absl::InfinitePast(), [this, blockers] {
    registry_->PostDestruction(std::move(engine_));
    registry_->FinishDestructions();
    blockers->finished.Notify();
  });
  const bool in_time =
      blockers->finished.WaitForNotificationWithTimeout(absl::Seconds(20));
  blockers->release.Notify();
  if (!in_time) blockers->finished.WaitForNotification();
  EXPECT_TRUE(in_time) << "FinishDestructions waited for a queued task that "
                          "no scheduler thread was free to run";
  EXPECT_EQ(LiveJavaScriptIsolatesForTesting(), with_engine_ - 1);
}

TEST_F(EngineDestructionTest, FinishingInsideADoomedEngineLeavesItToOthers) {
  {
    js::EngineScope scope(*engine_);
    registry_->PostDestruction(std::move(engine_));
    // Returns: the destruction waits for this thread to leave the engine.
    registry_->FinishDestructions();
    EXPECT_EQ(LiveJavaScriptIsolatesForTesting(), with_engine_);
  }
  registry_->FinishDestructions();
  EXPECT_EQ(LiveJavaScriptIsolatesForTesting(), with_engine_ - 1);
}

TEST_F(EngineDestructionTest, FinishingWaitsUntilTheDoomedEngineIsLeft) {
  js::Engine* engine = engine_.get();
  absl::Notification entered, leave;
  std::thread inside([&] {
    js::EngineScope scope(*engine);
    entered.Notify();
    leave.WaitForNotification();
  });
  entered.WaitForNotification();
  // A scheduler thread takes it and waits in ~Engine for `inside`.
  registry_->PostDestruction(std::move(engine_));
  absl::Notification finished;
  std::thread finisher([&] {
    registry_->FinishDestructions();
    finished.Notify();
  });
  EXPECT_FALSE(
      finished.WaitForNotificationWithTimeout(absl::Milliseconds(100)));
  leave.Notify();
  inside.join();
  finisher.join();
  EXPECT_EQ(LiveJavaScriptIsolatesForTesting(), with_engine_ - 1);
}

}  // namespace
}  // namespace duet::testing
