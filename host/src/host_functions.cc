#include "host_functions.h"

#include <cxxabi.h>

#include <algorithm>
#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "duet/internal/identifier.h"
#include "duet/internal/strings.h"

namespace duet::internal {
namespace {

// "'name'" or "'name' of module 'm'", for messages.
std::string Describe(std::string_view name, std::string_view module) {
  if (module.empty()) return absl::StrCat("'", ToAbsl(name), "'");
  return absl::StrCat("'", ToAbsl(name), "' of module '", ToAbsl(module), "'");
}

}  // namespace

absl::Status HostFunctionTable::Register(std::string name,
                                         ContextualHostFunction function,
                                         std::string module) {
  if (!IsIdentifier(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("host function name '", name,
                     "' must be an identifier (letters, digits and _)"));
  }
  if (!module.empty() && !IsIdentifier(module)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "host function '", name, "': HostFunctionOptions::module '", module,
        "' must be a module name (an identifier), or empty for every module"));
  }
  if (!function) {
    return absl::InvalidArgumentError(
        absl::StrCat("host function '", name, "' is empty"));
  }
  std::string described = Describe(name, module);
  absl::MutexLock lock(&mutex_);
  auto [it, inserted] = functions_.try_emplace(
      Key(std::move(module), std::move(name)),
      std::make_shared<const ContextualHostFunction>(std::move(function)));
  if (!inserted) {
    return absl::AlreadyExistsError(
        absl::StrCat("host function ", described, " is already registered"));
  }
  return absl::OkStatus();
}

absl::Status HostFunctionTable::Register(std::string name,
                                         HostFunction function,
                                         std::string module) {
  // Checked here: the wrapper below is never empty.
  if (!function) {
    return absl::InvalidArgumentError(
        absl::StrCat("host function '", name, "' is empty"));
  }
  return Register(std::move(name),
                  ContextualHostFunction([function = std::move(function)](
                                             const HostCallContext&,
                                             absl::Span<const Value> args) {
                    return function(args);
                  }),
                  std::move(module));
}

absl::Status HostFunctionTable::Unregister(std::string_view name,
                                           std::string_view module) {
  absl::MutexLock lock(&mutex_);
  if (functions_.erase(Key(module, name)) == 0) {
    return absl::NotFoundError(absl::StrCat(
        "no host function ", Describe(name, module), " is registered"));
  }
  return absl::OkStatus();
}

std::shared_ptr<const ContextualHostFunction> HostFunctionTable::Find(
    std::string_view module, std::string_view name) const {
  absl::ReaderMutexLock lock(&mutex_);
  if (!module.empty()) {
    auto own = functions_.find(Key(module, name));
    if (own != functions_.end()) return own->second;
  }
  auto shared = functions_.find(Key(std::string(), name));
  return shared != functions_.end() ? shared->second : nullptr;
}

absl::StatusOr<Value> HostFunctionTable::Call(
    const HostCallContext& caller, std::string_view name,
    absl::Span<const Value> args) const {
  std::shared_ptr<const ContextualHostFunction> function =
      Find(caller.module, name);
  if (function == nullptr) {
    std::vector<std::string> names = Names(caller.module);
    return absl::NotFoundError(absl::StrCat(
        "no host function named '", ToAbsl(name), "'",
        names.empty()
            ? std::string(" (the application registered none)")
            : absl::StrCat(" (registered: ", absl::StrJoin(names, ", "), ")")));
  }
  // An exception must not unwind into an engine: through V8's frames it
  // ends the process, through CPython's it loses the interpreter's state.
  try {
    return (*function)(caller, args);
  } catch (const abi::__forced_unwind&) {
    throw;  // thread cancellation must finish unwinding
  } catch (const std::exception& exception) {
    return absl::InternalError(absl::StrCat("host function '", ToAbsl(name),
                                            "' threw: ", exception.what()));
  } catch (...) {
    return absl::InternalError(absl::StrCat("host function '", ToAbsl(name),
                                            "' threw an unknown exception"));
  }
}

std::vector<std::string> HostFunctionTable::Names(
    std::string_view module) const {
  std::vector<std::string> names;
  {
    absl::ReaderMutexLock lock(&mutex_);
    for (const auto& [key, function] : functions_) {
      if (key.first.empty() || (!module.empty() && key.first == module)) {
        names.push_back(key.second);
      }
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

}  // namespace duet::internal
