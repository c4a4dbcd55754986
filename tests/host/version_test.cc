#include "duet/version.h"

#include <string>

#include "gtest/gtest.h"

namespace duet {
namespace {

TEST(VersionTest, StringMatchesTheNumbers) {
  EXPECT_EQ(std::string(DUET_VERSION_STRING),
            std::to_string(DUET_VERSION_MAJOR) + "." +
                std::to_string(DUET_VERSION_MINOR) + "." +
                std::to_string(DUET_VERSION_PATCH));
}

TEST(VersionTest, AtLeastComparesEachPart) {
  constexpr int kMajor = DUET_VERSION_MAJOR;
  constexpr int kMinor = DUET_VERSION_MINOR;
  constexpr int kPatch = DUET_VERSION_PATCH;
  EXPECT_TRUE(DUET_VERSION_AT_LEAST(kMajor, kMinor, kPatch));
  EXPECT_TRUE(DUET_VERSION_AT_LEAST(kMajor - 1, kMinor + 5, kPatch + 5));
  EXPECT_TRUE(DUET_VERSION_AT_LEAST(kMajor, kMinor - 1, kPatch + 5));
  EXPECT_TRUE(DUET_VERSION_AT_LEAST(kMajor, kMinor, kPatch - 1));
  EXPECT_FALSE(DUET_VERSION_AT_LEAST(kMajor, kMinor, kPatch + 1));
  EXPECT_FALSE(DUET_VERSION_AT_LEAST(kMajor, kMinor + 1, 0));
  EXPECT_FALSE(DUET_VERSION_AT_LEAST(kMajor + 1, 0, 0));
}

}  // namespace
}  // namespace duet
