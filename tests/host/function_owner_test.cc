// engine::FunctionOwner: when a function handle is released (at once, or
// queued while the thread holds an engine lock), and what killing the owner
// does. The engines' use of it is tested in tests/contract/function_rows.cc.
#include "duet/engine/function_owner.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace duet::engine {
namespace {

// Records releases; its "engine lock" is a flag this test checks.
class RecordingOwner : public FunctionOwner {
 public:
  RecordingOwner() : FunctionOwner(Language::kJavaScript, "mod") {}

  std::vector<void*> released;
  int drains_under_lock = 0;

 protected:
  void ReleaseHandle(void* handle) override {
    EXPECT_TRUE(locked_) << "a handle released without the engine lock";
    released.push_back(handle);
  }
  void DrainUnderLock() override {
    EXPECT_FALSE(HoldsEngineLock());
    ++drains_under_lock;
    EngineLockMark mark;
    locked_ = true;
    Drain();
    locked_ = false;
  }

 public:
  // Runs `f` as if under the engine lock.
  template <typename F>
  void Locked(F f) {
    EngineLockMark mark;
    locked_ = true;
    f();
    locked_ = false;
  }

 private:
  bool locked_ = false;
};

int a, b, c;

TEST(FunctionOwnerTest, ADropWithoutAnyEngineLockReleasesAtOnce) {
  auto owner = std::make_shared<RecordingOwner>();
  const int64_t before = LiveFunctionHandles();
  owner->Locked([&] { owner->Adopt(&a); });
  EXPECT_EQ(LiveFunctionHandles(), before + 1);
  EXPECT_TRUE(owner->Holds(&a));
  owner->Drop(&a);
  EXPECT_EQ(owner->drains_under_lock, 1);
  EXPECT_EQ(owner->released, std::vector<void*>{&a});
  EXPECT_FALSE(owner->Holds(&a));
  EXPECT_EQ(LiveFunctionHandles(), before);
}

TEST(FunctionOwnerTest, ADropUnderAnEngineLockIsQueuedUntilTheNextDrain) {
  auto owner = std::make_shared<RecordingOwner>();
  owner->Locked([&] { owner->Adopt(&a); });
  {
    EngineLockMark another_engine;  // say, the GIL
    owner->Drop(&a);
  }
  EXPECT_EQ(owner->drains_under_lock, 0);
  EXPECT_TRUE(owner->released.empty());
  EXPECT_EQ(owner->HandleCount(), 1u);
  owner->Locked([&] { owner->Drain(); });
  EXPECT_EQ(owner->released, std::vector<void*>{&a});
  EXPECT_EQ(owner->HandleCount(), 0u);
}

TEST(FunctionOwnerTest, KillRefusesCallsAndReleaseAllFreesEveryHandle) {
  auto owner = std::make_shared<RecordingOwner>();
  owner->Locked([&] {
    owner->Adopt(&a);
    owner->Adopt(&b);
    owner->Adopt(&c);
  });
  {
    EngineLockMark held;
    owner->Drop(&c);  // queued
  }
  EXPECT_TRUE(owner->Enter("f").ok());
  owner->Leave();
  owner->Kill();
  absl::Status refused = owner->Enter("step");
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(
      refused.message(),
      "cannot call function 'step' of javascript module 'mod': the module "
      "was unloaded or reloaded"))
      << refused;
  owner->Locked([&] { owner->ReleaseAll(); });
  EXPECT_EQ(owner->released.size(), 3u);
  owner->Drop(&a);  // after the kill: nothing left to do
  EXPECT_EQ(owner->released.size(), 3u);
  EXPECT_EQ(owner->drains_under_lock, 0);
}

TEST(FunctionOwnerTest, KillWaitsForCallsRunningAndInterruptsThem) {
  auto owner = std::make_shared<RecordingOwner>();
  ASSERT_TRUE(owner->Enter("f").ok());
  std::atomic<int> interrupts{0};
  std::thread call([&] {
    while (interrupts.load() < 3) std::this_thread::yield();
    owner->Leave();  // the interrupted call returns
  });
  owner->Kill([&] { ++interrupts; });
  EXPECT_GE(interrupts.load(), 3);
  call.join();
}

TEST(FunctionOwnerTest, EngineLockMarksNest) {
  EXPECT_FALSE(HoldsEngineLock());
  {
    EngineLockMark outer;
    {
      EngineLockMark inner;
      EXPECT_TRUE(HoldsEngineLock());
    }
    EXPECT_TRUE(HoldsEngineLock());
  }
  EXPECT_FALSE(HoldsEngineLock());
}

}  // namespace
}  // namespace duet::engine
