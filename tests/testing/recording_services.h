// A HostServices for testing one runtime without a Host: records log lines,
// and serves module calls from functions the test registers.
#ifndef DUET_TESTS_TESTING_RECORDING_SERVICES_H_
#define DUET_TESTS_TESTING_RECORDING_SERVICES_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "duet/runtime.h"
#include "gtest/gtest.h"
#include "host_functions.h"

namespace duet::testing {

class RecordingServices : public HostServices {
 public:
  using Function =
      std::function<absl::StatusOr<Value>(absl::Span<const Value>)>;

  struct LogLine {
    LogLevel level;
    std::string source;
    std::string message;
  };

  // Serves duet.modules.MODULE.FUNCTION.
  void AddModuleFunction(const std::string& module, const std::string& function,
                         Function fn) {
    absl::MutexLock lock(&mutex_);
    modules_[module][function] = std::move(fn);
  }
  // Serves duet.host.NAME (replacing any function of that name) through
  // the host's own table, so scripts see what a Host would give them
  // (exceptions caught, the caller's context, names lists).
  void AddHostFunction(const std::string& name, Function fn,
                       const std::string& module = "") {
    (void)host_functions_.Unregister(name, module);
    absl::Status added = host_functions_.Register(name, std::move(fn), module);
    if (!added.ok()) ADD_FAILURE() << added;
  }
  void AddHostFunction(const std::string& name, ContextualHostFunction fn,
                       const std::string& module = "") {
    (void)host_functions_.Unregister(name, module);
    absl::Status added = host_functions_.Register(name, std::move(fn), module);
    if (!added.ok()) ADD_FAILURE() << added;
  }

  std::vector<LogLine> logs() const {
    absl::MutexLock lock(&mutex_);
    return logs_;
  }

  absl::StatusOr<Value> CallModule(std::string_view module,
                                   std::string_view function,
                                   absl::Span<const Value> args) override {
    Function fn;
    {
      absl::MutexLock lock(&mutex_);
      auto m = modules_.find(std::string(module));
      if (m == modules_.end()) {
        return absl::NotFoundError(
            absl::StrCat("no module named '", std::string(module), "'"));
      }
      auto f = m->second.find(std::string(function));
      if (f == m->second.end()) {
        return absl::NotFoundError(absl::StrCat("module '", std::string(module),
                                                "' has no function '",
                                                std::string(function), "'"));
      }
      fn = f->second;
    }
    return fn(args);
  }

  absl::StatusOr<Value> CallHostFunction(
      const HostCallContext& caller, std::string_view name,
      absl::Span<const Value> args) override {
    return host_functions_.Call(caller, name, args);
  }

  std::vector<std::string> ModuleNames() const override {
    absl::MutexLock lock(&mutex_);
    std::vector<std::string> names;
    for (const auto& [name, functions] : modules_) names.push_back(name);
    return names;
  }

  absl::StatusOr<std::vector<std::string>> ModuleFunctions(
      std::string_view module) const override {
    absl::MutexLock lock(&mutex_);
    auto m = modules_.find(std::string(module));
    if (m == modules_.end()) {
      return absl::NotFoundError(
          absl::StrCat("no module named '", std::string(module), "'"));
    }
    std::vector<std::string> names;
    for (const auto& [name, fn] : m->second) names.push_back(name);
    return names;
  }

  std::vector<std::string> HostFunctionNames(
      std::string_view module) const override {
    return host_functions_.Names(module);
  }

  void Log(LogLevel level, std::string_view source,
           std::string_view message) override {
    absl::MutexLock lock(&mutex_);
    logs_.push_back({level, std::string(source), std::string(message)});
  }

 private:
  mutable absl::Mutex mutex_;
  std::map<std::string, std::map<std::string, Function>> modules_;
  internal::HostFunctionTable host_functions_;  // locks itself
  std::vector<LogLine> logs_;
};

}  // namespace duet::testing

#endif  // DUET_TESTS_TESTING_RECORDING_SERVICES_H_
