#include "javascript/event_loop.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "duet/engine/scheduler.h"
#include "duet/error.h"
#include "duet/internal/conversion_guard.h"
#include "duet/internal/value_path.h"
#include "javascript/convert.h"
#include "javascript/engine.h"

namespace duet::js {
namespace {

// Node's limit: a delay past 2^31-1 ms (about 24.8 days) or not a positive
// number runs as soon as possible.
constexpr double kMaxDelayMs = 2147483647.0;

absl::Duration DelayArgument(v8::Local<v8::Context> context,
                             v8::Local<v8::Value> value) {
  double ms = 0;
  if (!value->IsUndefined() && !value->NumberValue(context).To(&ms)) ms = 0;
  if (!(ms >= 1 && ms <= kMaxDelayMs)) ms = 0;
  return absl::Milliseconds(std::floor(ms));
}

void ThrowTypeError(v8::Isolate* isolate, std::string_view message) {
  isolate->ThrowException(v8::Exception::TypeError(Str(isolate, message)));
}

}  // namespace

EventLoop* EventLoop::From(v8::Isolate* isolate) {
  Engine* engine = Engine::From(isolate);
  return engine == nullptr ? nullptr : &engine->loop();
}

bool EventLoop::InstallGlobals(v8::Local<v8::Context> context) {
  v8::Isolate* isolate = context->GetIsolate();
  v8::Local<v8::Object> global = context->Global();
  auto install = [&](const char* name, v8::FunctionCallback callback) {
    v8::Local<v8::Function> function;
    if (!v8::Function::New(context, callback).ToLocal(&function)) return false;
    function->SetName(Str(isolate, name));
    return global
        ->DefineOwnProperty(context, Str(isolate, name), function, v8::DontEnum)
        .FromMaybe(false);
  };
  return install("setTimeout",
                 [](const v8::FunctionCallbackInfo<v8::Value>& info) {
                   SetTimer(info, /*repeat=*/false);
                 }) &&
         install("setInterval",
                 [](const v8::FunctionCallbackInfo<v8::Value>& info) {
                   SetTimer(info, /*repeat=*/true);
                 }) &&
         install("clearTimeout", &ClearTimer) &&
         install("clearInterval", &ClearTimer) &&
         install("queueMicrotask", &QueueMicrotask);
}

// ---- the globals ----

void EventLoop::SetTimer(const v8::FunctionCallbackInfo<v8::Value>& info,
                         bool repeat) {
  v8::Isolate* isolate = info.GetIsolate();
  EventLoop* loop = From(isolate);
  if (loop == nullptr) return;
  const char* name = repeat ? "setInterval" : "setTimeout";
  if (info.Length() < 1 || !info[0]->IsFunction()) {
    ThrowTypeError(isolate, absl::StrCat("The \"callback\" argument of ", name,
                                         " must be a function"));
    return;
  }
  absl::Duration delay = DelayArgument(isolate->GetCurrentContext(), info[1]);
  // Node runs an interval of 0 every millisecond, not in a busy loop.
  if (repeat && delay < absl::Milliseconds(1)) delay = absl::Milliseconds(1);
  uint64_t id = loop->next_timer_++;
  Timer& timer = loop->timers_[id];
  timer.due = absl::Now() + delay;
  timer.interval = repeat ? delay : absl::ZeroDuration();
  timer.owner = loop->owner_;
  timer.callback.Reset(isolate, info[0].As<v8::Function>());
  for (int i = 2; i < info.Length(); ++i) {
    timer.args.emplace_back(isolate, info[i]);
  }
  loop->queue_.emplace(timer.due, id);
  loop->Reschedule();
  info.GetReturnValue().Set(static_cast<double>(id));
}

void EventLoop::ClearTimer(const v8::FunctionCallbackInfo<v8::Value>& info) {
  EventLoop* loop = From(info.GetIsolate());
  if (loop == nullptr || info.Length() < 1 || !info[0]->IsNumber()) return;
  double id = info[0].As<v8::Number>()->Value();
  if (!(id >= 1 && id < 9007199254740992.0)) return;
  // The visit that finds nothing due re-arms for the next: no reschedule.
  loop->Remove(static_cast<uint64_t>(id));
}

void EventLoop::QueueMicrotask(
    const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  if (info.Length() < 1 || !info[0]->IsFunction()) {
    ThrowTypeError(isolate,
                   "The \"callback\" argument of queueMicrotask must be a "
                   "function");
    return;
  }
  isolate->EnqueueMicrotask(info[0].As<v8::Function>());
}

void EventLoop::Remove(uint64_t id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  queue_.erase({it->second.due, id});
  timers_.erase(it);
}

void EventLoop::RemoveTimersOf(uint64_t call) {
  std::vector<uint64_t> doomed;
  for (const auto& [id, timer] : timers_) {
    if (timer.owner == call) doomed.push_back(id);
  }
  for (uint64_t id : doomed) Remove(id);
}

// ---- scheduling ----

void EventLoop::Reschedule() {
  if (queue_.empty()) return;
  absl::Time due = queue_.begin()->first;
  absl::MutexLock lock(&mutex_);
  if (engine_ == nullptr || due >= visit_at_) return;
  visit_at_ = due;
  std::weak_ptr<EventLoop> weak = weak_from_this();
  engine::Scheduler::Shared().Post(due, [weak] {
    if (std::shared_ptr<EventLoop> loop = weak.lock()) loop->Visit();
  });
}

Engine* EventLoop::BeginTask() {
  absl::MutexLock lock(&mutex_);
  if (engine_ != nullptr) ++tasks_running_;
  return engine_;
}

void EventLoop::EndTask() {
  absl::MutexLock lock(&mutex_);
  if (--tasks_running_ == 0) idle_.SignalAll();
}

void EventLoop::Visit() {
  {
    // A later visit may be needed while this one runs: let it be queued.
    absl::MutexLock lock(&mutex_);
    visit_at_ = absl::InfiniteFuture();
  }
  RunTask("timers stopped: ",
          [this](Engine&, Logs* logs) { RunDueTimers(logs); });
}

void EventLoop::RunTask(std::string_view stopped_prefix,
                        absl::FunctionRef<void(Engine&, Logs*)> work) {
  Engine* target = BeginTask();
  if (target == nullptr) return;
  Engine& engine = *target;
  // Logged once the isolate is left: the log sink never runs under an
  // engine lock.
  Logs logs;
  {
    absl::Time deadline = timer_limit_ == absl::InfiniteDuration()
                              ? absl::InfiniteFuture()
                              : absl::Now() + timer_limit_;
    EngineScope scope(engine, deadline);
    work(engine, &logs);
    absl::Status stopped = scope.stop_status();
    if (!stopped.ok()) {
      logs.emplace_back(
          LogLevel::kWarning,
          absl::StrCat(std::string(stopped_prefix), FormatError(stopped)));
    }
    // An exhausted isolate runs nothing again: no more visits.
    if (!engine.exhausted()) Reschedule();
  }
  for (const auto& [level, message] : logs) {
    engine.services().Log(level, engine.log_source(), message);
  }
  // An isolate over its heap limit runs nothing again: its awaiting calls
  // end now rather than at their deadlines.
  if (engine.exhausted()) StopAll(engine::StopReason::kMemory);
  EndTask();
}

void EventLoop::RunDueTimers(Logs* logs) {
  Engine* engine = Engine::From(v8::Isolate::GetCurrent());
  v8::Isolate* isolate = engine->isolate();
  v8::Local<v8::Context> context = engine->context();
  const absl::Time now = absl::Now();
  while (!queue_.empty() && queue_.begin()->first <= now) {
    const uint64_t id = queue_.begin()->second;
    queue_.erase(queue_.begin());
    auto found = timers_.find(id);
    if (found == timers_.end()) continue;
    Timer& timer = found->second;
    v8::HandleScope handles(isolate);
    v8::Local<v8::Function> callback = timer.callback.Get(isolate);
    std::vector<v8::Local<v8::Value>> args;
    for (const v8::Global<v8::Value>& arg : timer.args) {
      args.push_back(arg.Get(isolate));
    }
    const uint64_t owner = timer.owner;
    if (timer.interval > absl::ZeroDuration()) {
      // Re-armed before it runs, so clearInterval inside the callback works.
      timer.due = std::max(now, timer.due + timer.interval);
      queue_.emplace(timer.due, id);
    } else {
      timers_.erase(id);
    }
    OwnerScope scope(*this, owner);
    v8::TryCatch try_catch(isolate);
    v8::Local<v8::Value> ignored;
    if (!callback
             ->Call(context, v8::Undefined(isolate),
                    static_cast<int>(args.size()), args.data())
             .ToLocal(&ignored)) {
      if (try_catch.HasTerminated()) return;  // stopped: Visit reports it
      // Node would end the process; here the module's log says why.
      logs->emplace_back(
          LogLevel::kError,
          absl::StrCat("uncaught exception in a timer: ",
                       FormatError(engine->StatusFromTryCatch(try_catch))));
    }
    if (!engine->RunMicrotasks().ok()) return;
  }
  engine->RunMicrotasks().IgnoreError();
}

// ---- awaiting calls ----

void EventLoop::Await(uint64_t call, v8::Local<v8::Promise> promise,
                      absl::Time deadline, size_t budget_bytes,
                      Completion done) {
  v8::Isolate* isolate = promise->GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  PendingCall& pending = calls_[call];
  pending.deadline = deadline;
  pending.budget_bytes = budget_bytes;
  {
    absl::MutexLock lock(&mutex_);
    awaiting_[call] = std::move(done);
  }
  v8::Local<v8::Value> data =
      v8::Number::New(isolate, static_cast<double>(call));
  v8::Local<v8::Function> on_fulfilled, on_rejected;
  v8::Local<v8::Promise> chained;
  if (!v8::Function::New(
           context,
           [](const v8::FunctionCallbackInfo<v8::Value>& info) {
             Settled(info, true);
           },
           data)
           .ToLocal(&on_fulfilled) ||
      !v8::Function::New(
           context,
           [](const v8::FunctionCallbackInfo<v8::Value>& info) {
             Settled(info, false);
           },
           data)
           .ToLocal(&on_rejected) ||
      !promise->Then(context, on_fulfilled, on_rejected).ToLocal(&chained)) {
    // Only a stopped or exhausted isolate refuses: the call ends as stopped.
    calls_.erase(call);
    Completion failed = Claim(call);
    if (failed) {
      Complete(std::move(failed),
               Engine::From(isolate)->CurrentFrameStopStatus());
    }
    return;
  }
  std::weak_ptr<EventLoop> weak = weak_from_this();
  // The watchdog's callback takes no engine lock: it queues the stop.
  pending.ticket = internal::Watchdog::Shared().Arm(deadline, [weak, call] {
    engine::Scheduler::Shared().Post(absl::InfinitePast(), [weak, call] {
      if (std::shared_ptr<EventLoop> loop = weak.lock()) {
        loop->Stop(call, engine::StopReason::kDeadline);
      }
    });
  });
}

void EventLoop::Settled(const v8::FunctionCallbackInfo<v8::Value>& info,
                        bool fulfilled) {
  v8::Isolate* isolate = info.GetIsolate();
  Engine* engine = Engine::From(isolate);
  if (engine == nullptr) return;
  EventLoop& loop = engine->loop();
  const uint64_t call =
      static_cast<uint64_t>(info.Data().As<v8::Number>()->Value());
  // Claimed by its stop already: that cleans up.
  Completion done = loop.Claim(call);
  if (!done) return;
  auto it = loop.calls_.find(call);
  if (it == loop.calls_.end()) return;
  PendingCall pending = std::move(it->second);
  loop.calls_.erase(it);
  pending.ticket.Disarm();  // its callback only queues a task: no wait
  v8::Local<v8::Value> value = info[0];
  absl::StatusOr<Value> result;
  if (!fulfilled) {
    result = engine->StatusFromException(value, v8::Local<v8::Message>());
  } else if (Value scalar; ScalarToValue(value, &scalar)) {
    result = std::move(scalar);
  } else {
    // Reading may run getters: it is part of the call, so it runs as an
    // entry of its own under the call's deadline, as a synchronous call's
    // read does (the deadline's ticket above only ends a call still
    // waiting for its promise).
    EngineScope read(*engine, pending.deadline);
    v8::TryCatch try_catch(isolate);
    internal::ValuePath path("result");
    internal::ConversionGuard guard(pending.deadline, pending.budget_bytes);
    result = ToValue(read.context(), value, path, guard);
    // A getter's exception, or a stop (Interrupt, the task's time limit,
    // memory) with its own status, as a synchronous call's read ends.
    if (!result.ok() && try_catch.HasCaught()) {
      result = engine->StatusFromTryCatch(try_catch);
    }
  }
  Complete(std::move(done), std::move(result));
}

void EventLoop::Stop(uint64_t call, engine::StopReason reason) {
  Engine* target = BeginTask();
  if (target == nullptr) return;  // DropAll ends it
  Engine& engine = *target;
  Completion done = Claim(call);
  if (done) {
    // Ends now, even if the isolate is busy; its leftovers go after.
    Complete(std::move(done), engine.StopStatus(reason));
    EngineScope scope(engine);
    calls_.erase(call);
    RemoveTimersOf(call);
    CancelForeignOf(call);
  }
  EndTask();
}

Completion EventLoop::Claim(uint64_t call) {
  absl::MutexLock lock(&mutex_);
  auto it = awaiting_.find(call);
  if (it == awaiting_.end()) return nullptr;
  Completion done = std::move(it->second);
  awaiting_.erase(it);
  return done;
}

void EventLoop::InterruptCalls() { StopAll(engine::StopReason::kInterrupt); }

void EventLoop::Cancel(uint64_t call) {
  std::weak_ptr<EventLoop> weak = weak_from_this();
  engine::Scheduler::Shared().Post(absl::InfinitePast(), [weak, call] {
    if (std::shared_ptr<EventLoop> loop = weak.lock()) {
      loop->Stop(call, engine::StopReason::kInterrupt);
    }
  });
}

// ---- calls to other modules' async functions ----

const std::shared_ptr<EventLoop::Foreign>& EventLoop::TakeForeign(
    std::shared_ptr<Foreign>* own) {
  // Most module calls start nothing (the function called is not async):
  // the spare Foreign, untouched once such a call is over, serves the next
  // call, which saves two allocations and a CallCancellation (whose mutex
  // is costly to destroy) per call, and the reference counting of a copy.
  // A started one belongs to its Promise now; one in use (by a call whose
  // host call this call is nested in) stays the spare.
  std::shared_ptr<Foreign>* slot = &spare_foreign_;
  if (spare_foreign_ != nullptr && spare_foreign_->in_use) {
    slot = own;
  } else if (spare_foreign_ != nullptr && spare_foreign_->started) {
    spare_foreign_ = nullptr;
  }
  if (*slot == nullptr) {
    *slot = std::make_shared<Foreign>();
    (*slot)->loop = weak_from_this();
  }
  Foreign& foreign = **slot;
  foreign.in_use = true;
  foreign.id = next_foreign_++;
  foreign.owner = owner_;
  return *slot;
}

Completion EventLoop::ForeignCompletion(std::shared_ptr<Foreign> foreign) {
  return [foreign = std::move(foreign)](absl::StatusOr<Value> result) {
    if (std::shared_ptr<EventLoop> loop = foreign->loop.lock()) {
      loop->ForeignSettled(foreign, std::move(result));
    }
  };
}

void EventLoop::ForeignSettled(const std::shared_ptr<Foreign>& foreign,
                               absl::StatusOr<Value> result) {
  absl::MutexLock lock(&mutex_);
  if (engine_ == nullptr || foreign->abandoned) return;
  foreign->result = std::move(result);
  ended_foreign_.push_back(foreign);
  if (ended_foreign_.size() > 1) return;  // a visit is queued already
  std::weak_ptr<EventLoop> weak = weak_from_this();
  engine::Scheduler::Shared().Post(absl::InfinitePast(), [weak] {
    if (std::shared_ptr<EventLoop> loop = weak.lock()) loop->SettleForeign();
  });
}

bool EventLoop::AdoptForeign(const std::shared_ptr<Foreign>& foreign,
                             v8::Local<v8::Promise>* promise) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  v8::Local<v8::Promise::Resolver> resolver;
  if (!v8::Promise::Resolver::New(isolate->GetCurrentContext())
           .ToLocal(&resolver)) {
    {
      absl::MutexLock lock(&mutex_);
      foreign->abandoned = true;
    }
    foreign->cancellation->Cancel();
    return false;
  }
  *promise = resolver->GetPromise();
  std::optional<absl::StatusOr<Value>> early;
  {
    absl::MutexLock lock(&mutex_);
    // Ended before the script got its Promise (a SettleForeign visit came
    // first and left it): settled now.
    early.swap(foreign->result);
    if (!early) {
      foreign_[foreign->id] = AdoptedForeign{
          v8::Global<v8::Promise::Resolver>(isolate, resolver), foreign};
    }
  }
  if (early) Resolve(resolver, *std::move(early));
  return true;
}

void EventLoop::SettleForeign() {
  RunTask(
      "stopped while settling awaited calls: ", [this](Engine& engine, Logs*) {
        v8::HandleScope handles(engine.isolate());
        std::vector<
            std::pair<v8::Local<v8::Promise::Resolver>, absl::StatusOr<Value>>>
            settled;
        {
          absl::MutexLock lock(&mutex_);
          std::vector<std::shared_ptr<Foreign>> ended;
          ended.swap(ended_foreign_);
          for (std::shared_ptr<Foreign>& foreign : ended) {
            auto it = foreign_.find(foreign->id);
            // Not adopted yet: AdoptForeign finds its result.
            if (it == foreign_.end() || !foreign->result) continue;
            settled.emplace_back(it->second.resolver.Get(engine.isolate()),
                                 *std::move(foreign->result));
            foreign->result.reset();
            foreign_.erase(it);
          }
        }
        for (auto& [resolver, result] : settled) {
          Resolve(resolver, std::move(result));
        }
        // A stop here is logged by RunTask.
        engine.RunMicrotasks().IgnoreError();
      });
}

void EventLoop::Resolve(v8::Local<v8::Promise::Resolver> resolver,
                        absl::StatusOr<Value> result) {
  Engine* engine = Engine::From(v8::Isolate::GetCurrent());
  v8::Local<v8::Context> context = engine->context();
  if (result.ok()) {
    internal::ValuePath path("result");
    internal::ConversionGuard guard(absl::InfiniteFuture(), 0);
    absl::StatusOr<v8::Local<v8::Value>> converted =
        ToV8(context, *result, path, guard);
    if (converted.ok()) {
      resolver->Resolve(context, *converted).IsJust();
      return;
    }
    result = converted.status();
  }
  resolver->Reject(context, engine->ExceptionFor(result.status())).IsJust();
}

void EventLoop::CancelForeignOf(uint64_t call) {
  std::vector<std::shared_ptr<Foreign>> doomed;
  {
    absl::MutexLock lock(&mutex_);
    for (auto it = foreign_.begin(); it != foreign_.end();) {
      if (it->second.call->owner == call) {
        it->second.call->abandoned = true;
        doomed.push_back(std::move(it->second.call));
        it = foreign_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const std::shared_ptr<Foreign>& foreign : doomed) {
    foreign->cancellation->Cancel();
  }
}

void EventLoop::StopAll(engine::StopReason reason) {
  std::vector<uint64_t> calls;
  {
    absl::MutexLock lock(&mutex_);
    if (engine_ == nullptr) return;
    for (const auto& [call, done] : awaiting_) calls.push_back(call);
  }
  std::weak_ptr<EventLoop> weak = weak_from_this();
  for (uint64_t call : calls) {
    engine::Scheduler::Shared().Post(
        absl::InfinitePast(), [weak, call, reason] {
          if (std::shared_ptr<EventLoop> loop = weak.lock()) {
            loop->Stop(call, reason);
          }
        });
  }
}

void EventLoop::Complete(Completion done, absl::StatusOr<Value> result) {
  engine::Scheduler::Shared().Post(
      absl::InfinitePast(),
      [done = std::move(done), result = std::move(result)]() mutable {
        done(std::move(result));
      });
}

// ---- teardown ----

void EventLoop::Close() {
  absl::MutexLock lock(&mutex_);
  engine_ = nullptr;
  while (tasks_running_ > 0) idle_.Wait(&mutex_);
}

void EventLoop::DropAll() {
  timers_.clear();
  queue_.clear();
  calls_.clear();
  std::map<uint64_t, Completion> left;
  std::vector<std::shared_ptr<Foreign>> foreign;
  {
    absl::MutexLock lock(&mutex_);
    left.swap(awaiting_);
    for (auto& [id, adopted] : foreign_) {
      adopted.call->abandoned = true;
      foreign.push_back(std::move(adopted.call));
    }
    foreign_.clear();
    ended_foreign_.clear();
  }
  for (const std::shared_ptr<Foreign>& call : foreign) {
    call->cancellation->Cancel();
  }
  for (auto& [call, done] : left) {
    Complete(std::move(done),
             absl::CancelledError(
                 "the JavaScript module was unloaded while a call awaited"));
  }
}

}  // namespace duet::js
