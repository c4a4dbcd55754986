// Helpers for tests that drive a duet::Runtime directly, without a Host:
// calling an export by name as the host resolves it, and matching values.
#ifndef DUET_TESTS_TESTING_RUNTIME_TESTING_H_
#define DUET_TESTS_TESTING_RUNTIME_TESTING_H_

#include <algorithm>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "duet/runtime.h"
#include "duet/value.h"
#include "gmock/gmock.h"

namespace duet::testing {

// Implementation::Call by export name: the host resolves a name to its index
// once, so engines do no lookup. kNotFound naming `name` when it is not an
// export (the call is never made).
inline absl::StatusOr<Value> CallByName(
    Implementation& impl, std::string_view name, absl::Span<const Value> args,
    absl::Time deadline = absl::InfiniteFuture()) {
  const std::vector<std::string>& names = impl.exports();
  auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) {
    return absl::NotFoundError(
        absl::StrCat("no exported function '", std::string(name), "'"));
  }
  return impl.Call(static_cast<size_t>(it - names.begin()), args, deadline);
}

// The spec of an implementation given as text (ImplementationSpec::source):
// a single file named `entry` in stacks and messages, read from nowhere.
inline ImplementationSpec InMemorySpec(std::string module,
                                       const std::filesystem::path& entry,
                                       std::string source) {
  ImplementationSpec spec;
  spec.module = std::move(module);
  spec.entry = entry;
  spec.root = entry;
  spec.single_file = true;
  spec.source = std::move(source);
  return spec;
}

// A string Value whose text matches `matcher`.
MATCHER_P(StringValue, matcher, "is a string value that matches") {
  if (!arg.is_string()) return false;
  return ::testing::ExplainMatchResult(matcher, arg.as_string(),
                                       result_listener);
}

}  // namespace duet::testing

#endif  // DUET_TESTS_TESTING_RUNTIME_TESTING_H_
