#include "async_loop.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "call_context.h"
#include "convert.h"
#include "duet/engine/scheduler.h"
#include "duet/internal/conversion_guard.h"
#include "entry.h"
#include "errors.h"
#include "functions.h"
#include "pybind11/eval.h"

namespace duet::python {
namespace {

// The Python half: a Coroutine wrapper whose every step runs between
// _enter(token) and _leave(token), submit() and the loop thread's body.
constexpr char kGlueSource[] = R"PY(
import asyncio
import collections.abc
import functools


class _Step(collections.abc.Coroutine):
    __slots__ = ('_coro', '_token')

    def __init__(self, coro, token):
        self._coro = coro
        self._token = token

    def send(self, value):
        _enter(self._token)
        try:
            return self._coro.send(value)
        finally:
            _leave(self._token)

    def throw(self, *args):
        _enter(self._token)
        try:
            return self._coro.throw(*args)
        finally:
            _leave(self._token)

    def close(self):
        self._coro.close()

    def __await__(self):
        return self

    def __iter__(self):
        return self

    def __next__(self):
        return self.send(None)


def submit(loop, coro, token):
    future = asyncio.run_coroutine_threadsafe(_Step(coro, token), loop)
    future.add_done_callback(functools.partial(_finished, token))
    return future


def await_call(loop, cancel):
    future = loop.create_future()

    def cancelled(done):
        if done.cancelled():
            cancel()

    future.add_done_callback(cancelled)
    return future


def settle(future, ok, value):
    if not future.done():
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)


def run(loop):
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        tasks = asyncio.all_tasks(loop)
        for task in tasks:
            task.cancel()
        if tasks:
            loop.run_until_complete(asyncio.wait(tasks, timeout=1))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
)PY";

}  // namespace

struct AsyncLoop::Call {
  uint64_t id = 0;
  HostServices* services = nullptr;
  std::string source;
  absl::Time deadline;
  size_t budget_bytes = 0;
  Implementation::Completion done;
  // Set by whichever ends the call first: its Task finishing, or its stop.
  std::atomic<bool> claimed{false};
  internal::Watchdog::Ticket ticket;
  // The context of the step running now (loop thread, GIL held).
  std::unique_ptr<CallContext> step_context;
  std::weak_ptr<AsyncLoop> loop;
};

namespace {

using CallPtr = std::shared_ptr<AsyncLoop::Call>;

}  // namespace

AsyncLoop::~AsyncLoop() {
  if (!loop_) return;  // never started: no Python object to release
  Shutdown();
  ScopedGil gil;
  loop_ = py::object();
  submit_ = py::object();
  await_call_ = py::object();
  settle_ = py::object();
  run_ = py::object();
  futures_ = py::object();
}

void AsyncLoop::Shutdown() {
  if (!loop_ || !thread_.joinable()) return;
  {
    ScopedGil gil;
    try {
      loop_.attr("call_soon_threadsafe")(loop_.attr("stop"));
    } catch (py::error_already_set&) {
      PyErr_Clear();
    }
  }
  thread_.join();
}

absl::Status AsyncLoop::Start() {
  try {
    py::dict glue;
    glue["__builtins__"] = py::module_::import("builtins");
    std::weak_ptr<AsyncLoop> weak = weak_from_this();
    glue["_enter"] = py::cpp_function([](py::capsule token) {
      const CallPtr& call = *static_cast<CallPtr*>(token.get_pointer());
      call->step_context =
          std::make_unique<CallContext>(*call->services, call->source);
      if (std::shared_ptr<AsyncLoop> loop = call->loop.lock()) {
        call->step_context->set_async_loop(loop.get());
      }
    });
    glue["_leave"] = py::cpp_function([](py::capsule token) {
      const CallPtr& call = *static_cast<CallPtr*>(token.get_pointer());
      std::unique_ptr<CallContext> context = std::move(call->step_context);
      // Its destructor may log a partial line: never with the GIL held.
      py::gil_scoped_release release;
      context.reset();
    });
    glue["_finished"] =
        py::cpp_function([](py::capsule token, py::handle future) {
          const CallPtr& call = *static_cast<CallPtr*>(token.get_pointer());
          if (std::shared_ptr<AsyncLoop> loop = call->loop.lock()) {
            loop->Finished(call, future);
          }
        });
    // Named "<duet...>", so its frames stay out of the stacks errors show.
    py::module_ builtins = py::module_::import("builtins");
    builtins.attr("exec")(
        builtins.attr("compile")(kGlueSource, "<duet-async>", "exec"), glue);
    py::object loop = py::module_::import("asyncio").attr("new_event_loop")();
    submit_ = glue["submit"];
    await_call_ = glue["await_call"];
    settle_ = glue["settle"];
    run_ = glue["run"];
    futures_ = py::dict();
    loop_ = loop;
  } catch (py::error_already_set& error) {
    error.restore();
    return TakePythonErrorAs(absl::StatusCode::kInternal,
                             "could not start the asyncio event loop");
  }
  PyObject* run = run_.ptr();
  PyObject* loop = loop_.ptr();
  // Both stay referenced by this object until the thread is joined.
  thread_ = std::thread([run, loop] {
    py::gil_scoped_acquire gil;
    PyObject* result =
        PyObject_CallOneArg(run, loop);  // returns when the loop stops
    if (result == nullptr) {
      PyErr_Clear();
    } else {
      Py_DECREF(result);
    }
  });
  return absl::OkStatus();
}

void AsyncLoop::Submit(py::object coroutine, HostServices& services,
                       std::string source, absl::Time deadline,
                       size_t budget_bytes, Implementation::Completion done,
                       std::shared_ptr<CallCancellation> cancellation) {
  auto call = std::make_shared<Call>();
  call->services = &services;
  call->source = std::move(source);
  call->deadline = deadline;
  call->budget_bytes = budget_bytes;
  call->done = std::move(done);
  call->loop = weak_from_this();
  auto refuse = [&](absl::Status status) {
    CloseCoroutine(coroutine.release().ptr());
    engine::Scheduler::Shared().Post(
        absl::InfinitePast(),
        [done = std::move(call->done), status = std::move(status)]() mutable {
          done(std::move(status));
        });
  };
  if (!started_.load(std::memory_order_acquire)) {
    // Starting imports and runs Python, which may let another thread take
    // the GIL: one thread starts, with the GIL released while it waits its
    // turn (the mutex is never awaited with the GIL held).
    {
      py::gil_scoped_release release;
      start_mutex_.Lock();
    }
    absl::Status started = absl::OkStatus();
    if (!started_.load(std::memory_order_relaxed)) {
      started = Start();
      if (started.ok()) started_.store(true, std::memory_order_release);
    }
    start_mutex_.Unlock();
    if (!started.ok()) return refuse(std::move(started));
  }
  call->id = next_id_++;
  const uint64_t id = call->id;
  // Registered first: the coroutine may run (and be interrupted) before
  // submit() returns, since submitting lets the loop thread take the GIL.
  {
    absl::MutexLock lock(&mutex_);
    awaiting_[id] = call;
  }
  // A stop of the submitting entry (an Interrupt, its deadline) must not
  // be raised inside submit(): the coroutine may be scheduled already while
  // its future is not known yet. It is recorded, and stops the call once
  // submitted (below).
  Entry* entry = Entry::Current();
  std::optional<Entry::Quiet> quiet;
  if (entry != nullptr) quiet.emplace(*entry);
  try {
    py::capsule token(new CallPtr(call), [](void* pointer) {
      delete static_cast<CallPtr*>(pointer);
    });
    py::object future = submit_(loop_, coroutine, token);
    if (call->claimed.load()) {
      // Stopped meanwhile, before its future was known: cancel it here.
      future.attr("cancel")();
    } else {
      futures_[py::int_(id)] = future;
    }
  } catch (py::error_already_set& error) {
    error.restore();
    {
      absl::MutexLock lock(&mutex_);
      awaiting_.erase(id);
    }
    if (call->claimed.exchange(true)) {  // stopped: that reported
      PyErr_Clear();
      return;
    }
    return refuse(TakePythonErrorAs(absl::StatusCode::kInternal,
                                    "could not submit the coroutine"));
  }
  if (engine::StopReason stop =
          entry != nullptr ? entry->Stopped() : engine::StopReason::kNone;
      stop != engine::StopReason::kNone) {
    // Stopped before or while it was submitted: the Interrupt may have
    // looked for awaiting calls before this one was listed.
    std::weak_ptr<AsyncLoop> weak = weak_from_this();
    engine::Scheduler::Shared().Post(absl::InfinitePast(), [weak, id, stop] {
      if (std::shared_ptr<AsyncLoop> loop = weak.lock()) loop->Stop(id, stop);
    });
  }
  std::weak_ptr<AsyncLoop> weak = weak_from_this();
  if (cancellation != nullptr) {
    cancellation->OnCancel([weak, id] {
      engine::Scheduler::Shared().Post(absl::InfinitePast(), [weak, id] {
        if (std::shared_ptr<AsyncLoop> loop = weak.lock()) {
          loop->Stop(id, engine::StopReason::kInterrupt);
        }
      });
    });
  }
  // The watchdog's callback never waits for the GIL: it queues the stop.
  call->ticket = internal::Watchdog::Shared().Arm(deadline, [weak, id] {
    engine::Scheduler::Shared().Post(absl::InfinitePast(), [weak, id] {
      if (std::shared_ptr<AsyncLoop> loop = weak.lock()) {
        loop->Stop(id, engine::StopReason::kDeadline);
      }
    });
  });
}

void AsyncLoop::Finished(const std::shared_ptr<Call>& call, py::handle future) {
  if (call->claimed.exchange(true)) return;  // stopped: that reported
  {
    absl::MutexLock lock(&mutex_);
    awaiting_.erase(call->id);
  }
  call->ticket.Disarm();  // its callback only queues a task: no wait
  absl::StatusOr<Value> result;
  try {
    py::object key = py::int_(call->id);
    if (PyDict_DelItem(futures_.ptr(), key.ptr()) != 0) PyErr_Clear();
    if (future.attr("cancelled")().cast<bool>()) {
      result = absl::CancelledError(absl::StrCat(
          "the coroutine of module '", call->source, "' was cancelled"));
    } else {
      py::object exception = future.attr("exception")();
      if (!exception.is_none()) {
        PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exception.ptr())),
                        exception.ptr());
        result = TakePythonError(ErrorContext::kRun);
      } else {
        py::object value = future.attr("result")();
        Value out;
        internal::ConversionGuard guard(call->deadline, call->budget_bytes);
        absl::Status converted = FromPython(value.ptr(), "result", guard, &out);
        if (converted.ok()) {
          result = std::move(out);
        } else {
          result = converted;
        }
      }
    }
  } catch (py::error_already_set& error) {
    error.restore();
    result = TakePythonError(ErrorContext::kRun);
  }
  engine::Scheduler::Shared().Post(
      absl::InfinitePast(),
      [done = std::move(call->done), result = std::move(result)]() mutable {
        done(std::move(result));
      });
}

void AsyncLoop::Stop(uint64_t id, engine::StopReason reason) {
  CallPtr call;
  {
    absl::MutexLock lock(&mutex_);
    auto it = awaiting_.find(id);
    if (it == awaiting_.end()) return;
    call = std::move(it->second);
    awaiting_.erase(it);
  }
  if (call->claimed.exchange(true)) return;
  {
    ScopedGil gil;
    py::object key = py::int_(id);
    PyObject* future = PyDict_GetItemWithError(futures_.ptr(), key.ptr());
    if (future != nullptr) {
      Py_INCREF(future);
      if (PyDict_DelItem(futures_.ptr(), key.ptr()) != 0) PyErr_Clear();
      // Cancels the Task on the loop thread (CancelledError at its await).
      PyObject* cancelled = PyObject_CallMethod(future, "cancel", nullptr);
      Py_XDECREF(cancelled);
      Py_DECREF(future);
    }
    PyErr_Clear();
  }
  Implementation::Completion done = std::move(call->done);
  done(StopStatus(reason));
}

absl::Status AsyncLoop::CanWaitHere(std::string_view what) const {
  if (std::this_thread::get_id() != thread_.get_id()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "the async ", std::string(what),
      " was called without awaiting from a coroutine running on the same "
      "asyncio loop, which cannot wait for it without blocking itself: "
      "await it from Python instead"));
}

std::shared_ptr<AsyncLoop::Awaited> AsyncLoop::NewAwaited() {
  auto awaited = std::make_shared<Awaited>();
  awaited->loop = weak_from_this();
  return awaited;
}

Implementation::Completion AsyncLoop::AwaitedCompletion(
    std::shared_ptr<Awaited> awaited) {
  return [awaited = std::move(awaited)](absl::StatusOr<Value> result) {
    {
      absl::MutexLock lock(&awaited->mutex);
      if (!awaited->adopted) {  // Adopt settles it
        awaited->result = std::move(result);
        return;
      }
    }
    if (std::shared_ptr<AsyncLoop> loop = awaited->loop.lock()) {
      loop->SettleAwaited(awaited, std::move(result));
    }
  };
}

py::object AsyncLoop::Adopt(const std::shared_ptr<Awaited>& awaited) {
  std::shared_ptr<CallCancellation> cancellation = awaited->cancellation;
  py::object cancel =
      py::cpp_function([cancellation] { cancellation->Cancel(); });
  py::object future;
  try {
    future = await_call_(loop_, cancel);
  } catch (py::error_already_set&) {
    cancellation->Cancel();
    throw;
  }
  std::optional<absl::StatusOr<Value>> early;
  {
    absl::MutexLock lock(&awaited->mutex);
    awaited->adopted = true;
    awaited->future = future;
    early.swap(awaited->result);
  }
  if (early) settle_(future, *SettlementFor(*std::move(early)));
  return future;
}

py::tuple AsyncLoop::SettlementFor(absl::StatusOr<Value> result) {
  if (result.ok()) {
    internal::ValuePath path("result");
    internal::ConversionGuard guard(absl::InfiniteFuture(), 0);
    absl::Status error;
    PyObject* value = ToPython(*result, path, guard, &error);
    if (value != nullptr) {
      return py::make_tuple(true, py::reinterpret_steal<py::object>(value));
    }
    result = error;
  }
  SetPythonError(result.status());
  PyObject *type, *value, *traceback;
  PyErr_Fetch(&type, &value, &traceback);
  PyErr_NormalizeException(&type, &value, &traceback);
  if (traceback != nullptr) PyException_SetTraceback(value, traceback);
  Py_XDECREF(type);
  Py_XDECREF(traceback);
  return py::make_tuple(false, py::reinterpret_steal<py::object>(value));
}

void AsyncLoop::SettleAwaited(const std::shared_ptr<Awaited>& awaited,
                              absl::StatusOr<Value> result) {
  ScopedGil gil;
  py::object future;
  {
    absl::MutexLock lock(&awaited->mutex);
    future = std::move(awaited->future);
  }
  if (!future || !loop_) return;
  try {
    py::tuple settlement = SettlementFor(std::move(result));
    loop_.attr("call_soon_threadsafe")(settle_, future, settlement[0],
                                       settlement[1]);
  } catch (py::error_already_set&) {
    PyErr_Clear();  // the loop is closed: nothing awaits it any more
  }
}

void AsyncLoop::InterruptCalls() {
  std::vector<uint64_t> ids;
  {
    absl::MutexLock lock(&mutex_);
    for (const auto& [id, call] : awaiting_) ids.push_back(id);
  }
  std::weak_ptr<AsyncLoop> weak = weak_from_this();
  for (uint64_t id : ids) {
    engine::Scheduler::Shared().Post(absl::InfinitePast(), [weak, id] {
      if (std::shared_ptr<AsyncLoop> loop = weak.lock()) {
        loop->Stop(id, engine::StopReason::kInterrupt);
      }
    });
  }
}

}  // namespace duet::python
