#include "duet/internal/conversion_guard.h"

#include <pthread.h>

#include <cstdint>

#include "duet/value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace duet::internal {
namespace {

using ::duet::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(ConversionGuardTest, ChargesContainersAndPayloadsAgainstTheBudget) {
  ConversionGuard guard(absl::InfiniteFuture(), size_t{1} << 20);
  EXPECT_TRUE(guard.EnterContainer(1000, sizeof(Value)));
  EXPECT_TRUE(guard.ChargePayload(500 * 1024));
  EXPECT_FALSE(guard.EnterContainer(20000, sizeof(Value)));
  EXPECT_EQ(guard.exceeded(), ConversionGuard::Limit::kBudget);
  EXPECT_THAT(guard.Error("result[3]", "result"),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("result is too large"),
                             HasSubstr("1 MB value budget"),
                             HasSubstr("[limits] memory_mb"))));
}

TEST(ConversionGuardTest, ACountThatWouldOverflowIsOverTheBudget) {
  ConversionGuard guard(absl::InfiniteFuture(), size_t{16} << 20);
  EXPECT_FALSE(guard.EnterContainer(SIZE_MAX / 8, sizeof(Value)));
  EXPECT_EQ(guard.exceeded(), ConversionGuard::Limit::kBudget);
}

TEST(ConversionGuardTest, ABudgetOfZeroIsNoBudget) {
  ConversionGuard guard(absl::InfiniteFuture(), 0);
  EXPECT_TRUE(guard.EnterContainer(size_t{1} << 40, sizeof(Value)));
  EXPECT_TRUE(guard.ChargePayload(size_t{1} << 40));
  EXPECT_EQ(guard.exceeded(), ConversionGuard::Limit::kNone);
}

TEST(ConversionGuardTest, ReadsTheClockOnlyEveryFewThousandNodes) {
  // A deadline already past is seen at the first clock read, not before.
  ConversionGuard guard(absl::InfinitePast(), 0);
  for (uint32_t i = 1; i < kNodesPerClockRead; ++i) {
    ASSERT_TRUE(guard.CountNode()) << i;
  }
  EXPECT_FALSE(guard.CountNode());
  EXPECT_EQ(guard.exceeded(), ConversionGuard::Limit::kDeadline);
  EXPECT_THAT(guard.Error("result[4095]", "result"),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       HasSubstr("converting result did not finish")));
}

// Recurses, entering one container per level, until the guard refuses.
int DepthReached(ConversionGuard& guard, int depth) {
  if (!guard.EnterContainer(1, 0)) return depth;
  volatile char frame[512] = {};  // a converter's frame, roughly
  return DepthReached(guard, depth + 1) + frame[0];
}

TEST(ConversionGuardTest, StopsBeforeASmallThreadStackRunsOut) {
  pthread_attr_t attributes;
  ASSERT_EQ(pthread_attr_init(&attributes), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attributes, 256 * 1024), 0);
  struct Outcome {
    int depth = 0;
    ConversionGuard::Limit limit = ConversionGuard::Limit::kNone;
  } outcome;
  pthread_t thread;
  ASSERT_EQ(pthread_create(
                &thread, &attributes,
                [](void* argument) -> void* {
                  Outcome& outcome = *static_cast<Outcome*>(argument);
                  ConversionGuard guard(absl::InfiniteFuture(), 0);
                  outcome.depth = DepthReached(guard, 0);
                  outcome.limit = guard.exceeded();
                  return nullptr;
                },
                &outcome),
            0);
  pthread_attr_destroy(&attributes);
  pthread_join(thread, nullptr);
  EXPECT_EQ(outcome.limit, ConversionGuard::Limit::kStack);
  EXPECT_GT(outcome.depth, 100);
  EXPECT_LT(outcome.depth, 512);  // 256 KB / 512-byte frames
}

}  // namespace
}  // namespace duet::internal
