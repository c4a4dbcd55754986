#include "functions.h"

#include <algorithm>
#include <atomic>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "async_loop.h"
#include "convert.h"
#include "duet/engine/awaited_result.h"
#include "duet/internal/conversion_guard.h"
#include "duet_module.h"
#include "errors.h"

namespace duet::python {
namespace {

// A Python callable handed out as a Value. Calling it is an entry into
// Python like an exported function's call.
class PyFunction : public Callable {
 public:
  PyFunction(std::shared_ptr<PyFunctionOwner> owner, PyObject* handle,
             std::string name)
      : owner_(std::move(owner)),
        handle_(handle),
        name_(std::move(name)),
        described_(absl::StrCat("function '", name_, "' of module '",
                                owner_->module(), "'")) {}
  ~PyFunction() override { owner_->Drop(handle_); }

  absl::StatusOr<Value> Call(absl::Span<const Value> args,
                             absl::Time deadline) const override {
    engine::FunctionOwner::Call call(*owner_, name_);
    if (!call.status().ok()) return call.status();
    AsyncLoop* loop = owner_->async_loop();
    // An async function's coroutine runs on the asyncio loop; this waits
    // for it, without the GIL, as a call of an async export does.
    engine::AwaitedResult awaited;
    {
      Entry entry(owner_->services(), owner_->module(), owner_->running(),
                  deadline, owner_->value_budget_bytes(), owner_.get());
      PyObject* coroutine = nullptr;
      absl::StatusOr<Value> out = CallInEntry(
          entry, handle_, args, deadline, owner_->value_budget_bytes(),
          described_, loop != nullptr ? &coroutine : nullptr);
      if (coroutine == nullptr) return out;
      if (absl::Status here = loop->CanWaitHere(described_); !here.ok()) {
        CloseCoroutine(coroutine);
        return here;
      }
      loop->Submit(py::reinterpret_steal<py::object>(coroutine),
                   owner_->services(), std::string(owner_->module()), deadline,
                   owner_->value_budget_bytes(), awaited.Completion());
    }
    return awaited.Wait();
  }
  const std::string& name() const override { return name_; }
  std::optional<Language> language() const override {
    return Language::kPython;
  }

  // The callable itself while its module holds it (GIL held); else null.
  PyObject* Original() const {
    return owner_->Holds(handle_) ? handle_ : nullptr;
  }

 private:
  const std::shared_ptr<PyFunctionOwner> owner_;
  PyObject* const handle_;  // a reference owned by owner_
  const std::string name_;
  const std::string described_;
};

std::string CallableName(PyObject* callable) {
  PyObject* name = PyObject_GetAttrString(callable, "__name__");
  if (name == nullptr) {
    PyErr_Clear();
    return "";
  }
  std::string out = PyUnicode_Check(name) ? PythonToText(name) : "";
  Py_DECREF(name);
  return out;
}

// The Python owners, for DrainEveryOwner; expired ones are pruned as found.
struct OwnerRegistry {
  absl::Mutex mutex;
  std::vector<std::weak_ptr<PyFunctionOwner>> owners ABSL_GUARDED_BY(mutex);
};

OwnerRegistry& Registry() {
  static OwnerRegistry* registry = new OwnerRegistry();  // leaked: any thread
  return *registry;
}

}  // namespace

std::shared_ptr<PyFunctionOwner> PyFunctionOwner::Create(
    std::shared_ptr<Interpreter> interpreter, HostServices& services,
    std::shared_ptr<RunningEntries> running, std::string module,
    size_t value_budget_bytes, std::shared_ptr<AsyncLoop> async_loop) {
  auto owner = std::make_shared<PyFunctionOwner>(
      std::move(interpreter), services, std::move(running), std::move(module),
      value_budget_bytes, std::move(async_loop));
  OwnerRegistry& registry = Registry();
  absl::MutexLock lock(&registry.mutex);
  std::vector<std::weak_ptr<PyFunctionOwner>>& owners = registry.owners;
  // Before the vector grows, expired entries go: each holds its owner's
  // memory (make_shared put both in one block), and a host that reloads a
  // plugin many times without passing function values never drains.
  if (owners.size() == owners.capacity()) {
    owners.erase(std::remove_if(owners.begin(), owners.end(),
                                [](const std::weak_ptr<PyFunctionOwner>& weak) {
                                  return weak.expired();
                                }),
                 owners.end());
  }
  owners.push_back(owner);
  return owner;
}

void PyFunctionOwner::DrainQueued() {
  if (!any_queued_.exchange(false, std::memory_order_acq_rel)) return;
  OwnerRegistry& registry = Registry();
  std::vector<std::shared_ptr<PyFunctionOwner>> owners;
  {
    absl::MutexLock lock(&registry.mutex);
    auto& list = registry.owners;
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&](const std::weak_ptr<PyFunctionOwner>& weak) {
                                std::shared_ptr<PyFunctionOwner> owner =
                                    weak.lock();
                                if (owner == nullptr) return true;
                                owners.push_back(std::move(owner));
                                return false;
                              }),
               list.end());
  }
  // Outside the mutex: a release may run a finaliser that drops an owner.
  for (const std::shared_ptr<PyFunctionOwner>& owner : owners) owner->Drain();
}

void PyFunctionOwner::Queued() {
  any_queued_.store(true, std::memory_order_release);
}

Value::CallablePtr PyFunctionOwner::MakeFunction(PyObject* callable) {
  Py_INCREF(callable);
  FunctionOwner::Adopt(callable);
  return std::make_shared<const PyFunction>(
      std::static_pointer_cast<PyFunctionOwner>(shared_from_this()), callable,
      CallableName(callable));
}

void PyFunctionOwner::ReleaseHandle(void* handle) {
  Py_DECREF(static_cast<PyObject*>(handle));
}

void PyFunctionOwner::DrainUnderLock() {
  ScopedGil gil;
  Drain();
}

absl::StatusOr<Value> CallableToValue(PyObject* callable) {
  if (const Value::CallablePtr* wrapped = UnwrapCallable(callable)) {
    return Value(*wrapped);
  }
  Entry* entry = Entry::Current();
  if (entry == nullptr || entry->functions() == nullptr) {
    return absl::InvalidArgumentError(
        "cannot convert a function here (only in calls into or out of a "
        "module)");
  }
  return Value(entry->functions()->MakeFunction(callable));
}

PyObject* FunctionToPython(const Value::CallablePtr& function) {
  if (const auto* own = dynamic_cast<const PyFunction*>(function.get())) {
    if (PyObject* original = own->Original()) return Py_NewRef(original);
  }
  return WrapCallable(function);
}

absl::StatusOr<Value> CallInEntry(Entry& entry, PyObject* function,
                                  absl::Span<const Value> args,
                                  absl::Time deadline,
                                  size_t value_budget_bytes,
                                  std::string_view what, PyObject** coroutine) {
  // Every path returns `out`, so the result is built in the caller's
  // object and never moved on the way out.
  absl::StatusOr<Value> out(absl::in_place);
  // Vectorcall with one spare slot in front (PY_VECTORCALL_ARGUMENTS_OFFSET)
  // saves building a tuple.
  absl::InlinedVector<PyObject*, 8> argv(args.size() + 1, nullptr);
  absl::Status error;
  internal::ConversionGuard args_guard(deadline, 0);
  size_t converted = 0;
  for (; converted < args.size(); ++converted) {
    PyObject* arg = ArgumentToPython(args[converted], "args", converted,
                                     args_guard, &error);
    if (arg == nullptr) break;
    argv[converted + 1] = arg;
  }
  PyObject* result = nullptr;
  if (error.ok()) {
    result = PyObject_Vectorcall(function, argv.data() + 1,
                                 args.size() | PY_VECTORCALL_ARGUMENTS_OFFSET,
                                 nullptr);
  }
  // Finalisers of the arguments and the result run inside the entry.
  for (size_t i = 0; i < converted; ++i) Py_DECREF(argv[i + 1]);
  if (!error.ok()) {
    out = std::move(error);
    return out;
  }
  if (result == nullptr) {
    out = entry.TakeError(ErrorContext::kRun, what);
    return out;
  }
  if (coroutine != nullptr && PyCoro_CheckExact(result)) {
    // The entry ends here: from then on the asyncio loop's own stop (the
    // Task cancelled) covers the call.
    if (StopReason stop = entry.Finish(); stop != StopReason::kNone) {
      CloseCoroutine(result);
      out = StopStatus(stop);
      return out;
    }
    *coroutine = result;
    return out;  // an empty Value
  }
  internal::ConversionGuard result_guard(deadline, value_budget_bytes);
  absl::Status status = FromPython(result, "result", result_guard, &*out);
  Py_DECREF(result);
  // Stopped, yet it returned (say, it caught the exception): it still
  // overran, and says so.
  if (StopReason stop = entry.Finish(); stop != StopReason::kNone) {
    out = StopStatus(stop);
  } else if (!status.ok()) {
    out = std::move(status);
  }
  return out;
}

void CloseCoroutine(PyObject* coroutine) {
  PyObject* closed = PyObject_CallMethod(coroutine, "close", nullptr);
  Py_XDECREF(closed);
  PyErr_Clear();
  Py_DECREF(coroutine);
}

}  // namespace duet::python
