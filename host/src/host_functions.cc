#include "host_functions.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "duet/internal/identifier.h"
#include "duet/internal/strings.h"

namespace duet::internal {

absl::Status HostFunctionTable::Register(std::string name,
                                         HostFunction function) {
  if (!IsIdentifier(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("host function name '", name,
                     "' must be an identifier (letters, digits and _)"));
  }
  if (!function) {
    return absl::InvalidArgumentError(
        absl::StrCat("host function '", name, "' is empty"));
  }
  absl::MutexLock lock(&mutex_);
  auto [it, inserted] = functions_.try_emplace(
      name, std::make_shared<const HostFunction>(std::move(function)));
  if (!inserted) {
    return absl::AlreadyExistsError(
        absl::StrCat("host function '", name, "' is already registered"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Value> HostFunctionTable::Call(
    std::string_view name, absl::Span<const Value> args) const {
  std::shared_ptr<const HostFunction> function;
  {
    absl::ReaderMutexLock lock(&mutex_);
    auto it = functions_.find(ToAbsl(name));
    if (it != functions_.end()) function = it->second;
  }
  if (function == nullptr) {
    std::vector<std::string> names = Names();
    return absl::NotFoundError(absl::StrCat(
        "no host function named '", ToAbsl(name), "'",
        names.empty()
            ? std::string(" (the application registered none)")
            : absl::StrCat(" (registered: ", absl::StrJoin(names, ", "), ")")));
  }
  return (*function)(args);
}

std::vector<std::string> HostFunctionTable::Names() const {
  std::vector<std::string> names;
  {
    absl::ReaderMutexLock lock(&mutex_);
    for (const auto& [name, function] : functions_) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace duet::internal
