// DUET_RETURN_IF_ERROR / DUET_ASSIGN_OR_RETURN, which abseil 20220623 lacks.
#ifndef DUET_INTERNAL_STATUS_MACROS_H_
#define DUET_INTERNAL_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define DUET_RETURN_IF_ERROR(expr)                                \
  do {                                                            \
    if (absl::Status duet_status_ = (expr); !duet_status_.ok()) { \
      return duet_status_;                                        \
    }                                                             \
  } while (false)

#define DUET_INTERNAL_CONCAT_INNER(a, b) a##b
#define DUET_INTERNAL_CONCAT(a, b) DUET_INTERNAL_CONCAT_INNER(a, b)

// DUET_ASSIGN_OR_RETURN(auto value, ComputeValue());
#define DUET_ASSIGN_OR_RETURN(lhs, expr) \
  DUET_INTERNAL_ASSIGN_OR_RETURN(        \
      DUET_INTERNAL_CONCAT(duet_statusor_, __LINE__), lhs, expr)

#define DUET_INTERNAL_ASSIGN_OR_RETURN(statusor, lhs, expr) \
  auto statusor = (expr);                                   \
  if (!statusor.ok()) return std::move(statusor).status();  \
  lhs = *std::move(statusor)

#endif  // DUET_INTERNAL_STATUS_MACROS_H_
