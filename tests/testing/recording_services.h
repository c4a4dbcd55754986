// A HostServices for testing one runtime without a Host: records log lines,
// and serves module calls from functions the test registers.
#ifndef DUET_TESTS_TESTING_RECORDING_SERVICES_H_
#define DUET_TESTS_TESTING_RECORDING_SERVICES_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
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
  // Stops serving one function (the module stays while it has others), as a
  // reload that drops it does.
  void RemoveModuleFunction(const std::string& module,
                            const std::string& function) {
    absl::MutexLock lock(&mutex_);
    auto m = modules_.find(module);
    if (m == modules_.end()) return;
    m->second.erase(function);
    if (m->second.empty()) modules_.erase(m);
  }
  // Serves duet.modules.MODULE.FUNCTION as an async function: `fn` gets the
  // arguments, the completion and the caller's cancellation (null from a
  // caller that blocks), and returns at once. A caller that cannot await
  // (CallModule) waits for the completion.
  using AsyncFunction = std::function<void(std::vector<Value>, ModuleCallDone,
                                           std::shared_ptr<CallCancellation>)>;
  void AddAsyncModuleFunction(const std::string& module,
                              const std::string& function, AsyncFunction fn) {
    absl::MutexLock lock(&mutex_);
    async_modules_[module][function] = std::move(fn);
    modules_[module][function] = [this, module,
                                  function](absl::Span<const Value> args) {
      struct Waiter {
        absl::Notification done;
        absl::StatusOr<Value> result;
      };
      auto waiter = std::make_shared<Waiter>();
      AsyncFunction async = FindAsync(module, function);
      async(
          std::vector<Value>(args.begin(), args.end()),
          [waiter](absl::StatusOr<Value> result) {
            waiter->result = std::move(result);
            waiter->done.Notify();
          },
          nullptr);
      waiter->done.WaitForNotification();
      return std::move(waiter->result);
    };
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

  absl::StatusOr<Value> CallModuleOrStart(
      std::string_view module, std::string_view function,
      absl::Span<const Value> args, absl::FunctionRef<ModuleCallDone()> done,
      const std::shared_ptr<CallCancellation>& cancellation,
      bool* started) override {
    AsyncFunction async = FindAsync(std::string(module), std::string(function));
    if (!async) {
      *started = false;
      return CallModule(module, function, args);
    }
    *started = true;
    async(std::vector<Value>(args.begin(), args.end()), done(), cancellation);
    return Value();
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
  AsyncFunction FindAsync(const std::string& module,
                          const std::string& function) const {
    absl::MutexLock lock(&mutex_);
    auto m = async_modules_.find(module);
    if (m == async_modules_.end()) return nullptr;
    auto f = m->second.find(function);
    return f == m->second.end() ? nullptr : f->second;
  }

  mutable absl::Mutex mutex_;
  std::map<std::string, std::map<std::string, AsyncFunction>> async_modules_;
  std::map<std::string, std::map<std::string, Function>> modules_;
  internal::HostFunctionTable host_functions_;  // locks itself
  std::vector<LogLine> logs_;
};

}  // namespace duet::testing

#endif  // DUET_TESTS_TESTING_RECORDING_SERVICES_H_
