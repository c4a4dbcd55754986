// StatusIs / IsOk matchers and ASSERT_OK_AND_ASSIGN, which abseil 20220623
// does not ship.
//
//   EXPECT_THAT(host->Call("nope", "f", {}),
//               StatusIs(absl::StatusCode::kNotFound, HasSubstr("nope")));
#ifndef DUET_TESTS_TESTING_STATUS_MATCHERS_H_
#define DUET_TESTS_TESTING_STATUS_MATCHERS_H_

#include <ostream>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace duet::testing {

inline const absl::Status& GetStatus(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has code " + absl::StatusCodeToString(code)) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code &&
         ::testing::ExplainMatchResult(
             message_matcher, std::string(status.message()), result_listener);
}

// A StatusOr<T> that is OK with a value matching `matcher` (a matcher, or a
// value to compare with ==).
MATCHER_P(IsOkAndHolds, matcher, "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(matcher, *arg, result_listener);
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status;
  return status.ok();
}

}  // namespace duet::testing

#define DUET_TESTING_CONCAT_INNER(a, b) a##b
#define DUET_TESTING_CONCAT(a, b) DUET_TESTING_CONCAT_INNER(a, b)

// ASSERT_OK_AND_ASSIGN(auto value, host->Call(...));
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  DUET_TESTING_ASSIGN(DUET_TESTING_CONCAT(statusor_, __LINE__), lhs, expr)
#define DUET_TESTING_ASSIGN(statusor, lhs, expr)                    \
  auto statusor = (expr);                                           \
  ASSERT_TRUE(statusor.ok()) << #expr << ": " << statusor.status(); \
  lhs = *std::move(statusor)

#define ASSERT_OK(expr) ASSERT_THAT((expr), ::duet::testing::IsOk())
#define EXPECT_OK(expr) EXPECT_THAT((expr), ::duet::testing::IsOk())

#endif  // DUET_TESTS_TESTING_STATUS_MATCHERS_H_
