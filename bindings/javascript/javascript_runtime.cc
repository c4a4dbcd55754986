// The V8 runtime: one isolate per loaded implementation and per REPL
// session (engine.h), exports cached as v8::Global functions at load.
//
// Exports:
//  * ESM: every function-valued export of the module namespace; a `default`
//    export that is a function is exported as "default"; a `default` export
//    that is a plain object contributes its own enumerable function-valued
//    properties (called with `this` = that object) unless a named export of
//    the same name exists.
//  * CommonJS: the own enumerable function-valued properties of
//    module.exports (called with `this` = module.exports); module.exports
//    itself, when it is a function, is exported as "default".
#include "javascript/javascript_runtime.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/optimization.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "duet/engine/awaited_result.h"
#include "duet/engine/held_lock.h"
#include "duet/internal/conversion_guard.h"
#include "duet/internal/identifier.h"
#include "duet/internal/status_macros.h"
#include "duet/internal/strings.h"
#include "duet/internal/utf8.h"
#include "duet/internal/value_path.h"
#include "javascript/convert.h"
#include "javascript/duet_api.h"
#include "javascript/engine.h"
#include "javascript/node_environment.h"
#include "javascript/repl_await.h"

namespace duet {
namespace {

using internal::ToAbsl;
using js::Engine;
using js::EngineScope;

// Exports are fixed at the first load; each engine keeps its functions in a
// vector parallel to exports_. After the heap limit is hit, the engine is
// retired and the next call loads the module afresh in a new isolate (its
// state is lost). A retired engine is destroyed when the last call that
// entered it returns, whatever other calls of the module are running.
//
// Calls are counted per engine with a split count, so a call costs two
// atomic read-modify-writes as before (and one atomic load): entering adds
// one to the count packed beside the current engine's slot in word_;
// leaving subtracts one from that Generation's balance. Retiring swaps word_
// and moves the entries it counted into the balance: whoever brings the balance
// to zero afterwards destroys the engine. Before that the balance is negative,
// so it can only reach zero once.
class JsImplementation : public Implementation {
 public:
  static absl::StatusOr<std::unique_ptr<Implementation>> Load(
      HostServices& services, std::shared_ptr<js::EngineRegistry> registry,
      const ImplementationSpec& spec) {
    std::unique_ptr<JsImplementation> impl(
        new JsImplementation(services, std::move(registry), spec));
    absl::MutexLock lock(&impl->mutex_);
    DUET_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine,
                          impl->NewEngine(/*first=*/true));
    DUET_RETURN_IF_ERROR(impl->Publish(std::move(engine)));
    return std::unique_ptr<Implementation>(std::move(impl));
  }

  // No call is running: only the current generation is left.
  ~JsImplementation() override { delete At(word_.load()); }

  Language language() const override { return Language::kJavaScript; }
  const std::vector<std::string>& exports() const override { return exports_; }
  bool IsAsync(size_t function) const override {
    return function < async_.size() && async_[function];
  }

  absl::StatusOr<Value> Call(size_t function, absl::Span<const Value> args,
                             absl::Time deadline) override {
    // A held scope of this thread that counts the current generation keeps
    // it alive for the call: the call needs no count of its own.
    Generation* generation = HeldCurrent();
    const bool counted = generation == nullptr;
    if (counted) {
      DUET_ASSIGN_OR_RETURN(generation, Enter(function));
    } else {
      DUET_RETURN_IF_ERROR(CheckFunction(function));
    }
    // A pending Promise is awaited here, without the isolate's lock: its
    // timers run on the scheduler meanwhile (event_loop.h). Made only then:
    // its empty result costs an out-of-line construction.
    std::optional<engine::AwaitedResult> awaited;
    bool awaiting = false;
    absl::StatusOr<Value> out = CallIn(
        *generation->engine, function, args, deadline,
        [&awaited] {
          awaited.emplace();
          return awaited->Completion();
        },
        &awaiting);
    if (awaiting) {
      // A held scope (HoldLock) may keep the isolate locked on this thread;
      // the scheduler needs it to settle the Promise.
      v8::Isolate* isolate = generation->engine->isolate();
      if (v8::Locker::IsLocked(isolate)) {
        v8::Unlocker unlocker(isolate);
        out = awaited->Wait();
      } else {
        out = awaited->Wait();
      }
    }
    if (counted) {
      Exit(generation);
    } else if (generation->engine->exhausted()) {
      Retire(generation);  // the hold's count goes when the hold does
    }
    return out;
  }

  std::unique_ptr<HeldEngineLock> HoldLock() override {
    // A trusted engine's Node loop thread needs the isolate between calls.
    if (spec_.node) return nullptr;
    absl::StatusOr<Generation*> entered = EnterCurrent();
    if (!entered.ok()) return nullptr;  // the next call reports it
    return std::make_unique<HeldIsolate>(*this, *entered);
  }

  void CallAsync(size_t function, absl::Span<const Value> args,
                 absl::Time deadline, Completion done,
                 std::shared_ptr<CallCancellation> cancellation) override {
    absl::StatusOr<Generation*> entered = Enter(function);
    if (!entered.ok()) {
      done(entered.status());
      return;
    }
    Generation* generation = *entered;
    bool awaiting = false;
    absl::StatusOr<Value> out = CallIn(
        *generation->engine, function, args, deadline,
        [&] {
          return js::Completion([this, generation, done = std::move(done)](
                                    absl::StatusOr<Value> result) {
            // The generation stays counted while the call awaits, so its
            // isolate (and timers) outlive the wait.
            Exit(generation);
            done(std::move(result));
          });
        },
        &awaiting, cancellation);
    if (awaiting) return;
    Exit(generation);
    done(std::move(out));
  }

 private:
  struct Generation;

  // The isolate of a generation kept locked by a held scope; the
  // generation stays counted, so its engine outlives the lock. Makes the
  // scope's calls itself (CallHeld).
  class HeldIsolate : public engine::CallingHeldLock {
   public:
    HeldIsolate(JsImplementation& owner, Generation* generation)
        : owner_(owner), generation_(generation) {
      hold_.emplace(*generation->engine);
      listed_ = HeldGenerations::Add(generation);
    }
    ~HeldIsolate() override {
      if (listed_) HeldGenerations::Remove(generation_);
      hold_.reset();
      owner_.Exit(generation_);
    }

    absl::StatusOr<Value> Call(size_t function, absl::Span<const Value> args,
                               absl::Time deadline) override {
      return owner_.CallHeld(*this, function, args, deadline);
    }

   private:
    friend class JsImplementation;
    JsImplementation& owner_;
    Generation* const generation_;
    std::optional<js::EngineHold> hold_;
    bool listed_ = false;
  };

  // Call, through `held`, this thread's kept lock: while its generation is
  // the current one and alive, the call needs no count of its own and runs
  // in the hold's kept frame (js::HeldCallScope). Otherwise (renewed after
  // the heap limit, not listed, or a call of the hold already running) as
  // Call. CallInScope's work, for this case: a held engine has no Node.js
  // environment, and no cancellation.
  // Inlined into HeldIsolate::Call: one layer less.
  ABSL_ATTRIBUTE_ALWAYS_INLINE absl::StatusOr<Value> CallHeld(
      HeldIsolate& held, size_t function, absl::Span<const Value> args,
      absl::Time deadline) {
    Generation* generation = held.generation_;
    Engine& engine = *generation->engine;
    js::EngineHold& hold = *held.hold_;
    const bool in_hold =
        held.listed_ && function < exports_.size() &&
        At(word_.load(std::memory_order_acquire)) == generation &&
        !engine.exhausted() && js::HeldCallScope::Usable(hold) &&
        !engine.exports()[function].function.IsEmpty();
    // A pending Promise is awaited below; made only then (its empty result
    // costs an out-of-line construction on every call).
    std::optional<engine::AwaitedResult> awaited;
    // One object on every path, not moved on the way out.
    absl::StatusOr<Value> out =
        ABSL_PREDICT_TRUE(in_hold)
            ? CallInHold(hold, function, args, deadline, &awaited)
            : Call(function, args, deadline);
    if (!in_hold) return out;
    if (ABSL_PREDICT_FALSE(awaited.has_value())) {
      // The hold keeps the isolate locked; the scheduler needs it to settle
      // the Promise.
      v8::Unlocker unlocker(engine.isolate());
      out = awaited->Wait();
    }
    if (ABSL_PREDICT_FALSE(engine.exhausted())) {
      Retire(generation);  // the hold's count goes when the hold does
    }
    return out;
  }

  // CallHeld's entry, up to the result or a pending Promise handed to the
  // event loop (then `*awaited` is made and waits for it, and the Value
  // returned means nothing).
  ABSL_ATTRIBUTE_ALWAYS_INLINE absl::StatusOr<Value> CallInHold(
      js::EngineHold& hold, size_t function, absl::Span<const Value> args,
      absl::Time deadline, std::optional<engine::AwaitedResult>* awaited) {
    Engine& engine = hold.engine();
    js::HeldCallScope scope(hold, deadline);
    v8::Isolate* isolate = engine.isolate();
    const Engine::Export& target = engine.exports()[function];
    // Timers the call starts are its own: they go if it is stopped.
    const uint64_t call = engine.loop().NewCall();
    js::EventLoop::OwnerScope owner(engine.loop(), call);
    v8::Local<v8::Promise> pending;
    absl::StatusOr<Value> out = engine.CallFunction(
        scope, target.function.Get(isolate), target.receiver.Get(isolate), args,
        deadline, described_[function], &pending);
    if (ABSL_PREDICT_FALSE(out.ok() && !pending.IsEmpty())) {
      awaited->emplace();
      engine.loop().Await(call, pending, deadline, spec_.value_budget_bytes,
                          (*awaited)->Completion());
    }
    // A large object may have taken the heap over the cap without a full GC
    // since (engine.h CheckHeapIfSuspect).
    if (ABSL_PREDICT_FALSE(engine.over_cap_suspect())) {
      engine.CheckHeapIfSuspect();
      if (engine.exhausted()) out = engine.StopStatus(js::StopReason::kMemory);
    }
    return out;
  }

  // The generations this thread's held scopes count (HeldIsolate), up to a
  // few: a generation listed here is alive, so one found here by address
  // is that generation, never a new one at a freed one's address.
  class HeldGenerations {
   public:
    static bool Add(const Generation* generation) {
      if (count_ == kMax) return false;
      listed_[count_++] = generation;
      return true;
    }
    static void Remove(const Generation* generation) {
      for (int i = 0; i < count_; ++i) {
        if (listed_[i] == generation) {
          listed_[i] = listed_[--count_];
          return;
        }
      }
    }
    static bool Listed(const Generation* generation) {
      for (int i = 0; i < count_; ++i) {
        if (listed_[i] == generation) return true;
      }
      return false;
    }

   private:
    static constexpr int kMax = 8;
    static inline thread_local const Generation* listed_[kMax] = {};
    static inline thread_local int count_ = 0;
  };

  // The current generation when a held scope of this thread counts it and
  // it is not exhausted; else null (the call counts itself).
  Generation* HeldCurrent() const {
    Generation* current = At(word_.load(std::memory_order_acquire));
    // Only a listed generation is known alive here: compare first.
    if (current == nullptr || !HeldGenerations::Listed(current) ||
        current->engine->exhausted()) {
      return nullptr;
    }
    return current;
  }

  absl::Status CheckFunction(size_t function) const {
    if (function >= exports_.size()) {
      return absl::NotFoundError(
          absl::StrCat("JavaScript module '", spec_.module,
                       "' has no export number ", function));
    }
    return absl::OkStatus();
  }

  // Counts a call in the current generation (renewing an exhausted one).
  absl::StatusOr<Generation*> Enter(size_t function) {
    DUET_RETURN_IF_ERROR(CheckFunction(function));
    return EnterCurrent();
  }

  // Enter, for no function in particular.
  absl::StatusOr<Generation*> EnterCurrent() {
    for (int attempt = 0;; ++attempt) {
      uint64_t entered = word_.fetch_add(kOneCall, std::memory_order_acq_rel);
      Generation* generation = At(entered);
      // An exhausted engine still stops the call (kResourceExhausted) when
      // other calls keep exhausting each fresh one.
      if (generation != nullptr &&
          (!generation->engine->exhausted() || attempt >= 2)) {
        return generation;
      }
      // Counted on no or an exhausted generation: renew, then count again.
      Leave(generation);
      DUET_RETURN_IF_ERROR(Renew());
    }
  }

  // The call counted by Enter ended.
  void Exit(Generation* generation) {
    if (generation->engine->exhausted()) Retire(generation);
    Leave(generation);
  }

  JsImplementation(HostServices& services,
                   std::shared_ptr<js::EngineRegistry> registry,
                   ImplementationSpec spec)
      : services_(services),
        registry_(std::move(registry)),
        spec_(std::move(spec)) {}

  // The call up to its result, or up to the pending Promise it returned:
  // then the Promise is awaited with the Completion `make_completion()`
  // returns, `*awaiting` is set and the Value returned means nothing.
  // Kept out of line, as before they were templates, so the stack a call
  // uses before converting its result is unchanged (the hostile probe's
  // finding 04 pins a 999-deep result on a 512 KB stack to that margin).
  template <typename MakeCompletion>
  ABSL_ATTRIBUTE_NOINLINE absl::StatusOr<Value> CallIn(
      Engine& engine, size_t function, absl::Span<const Value> args,
      absl::Time deadline, MakeCompletion&& make_completion, bool* awaiting,
      const std::shared_ptr<CallCancellation>& cancellation = nullptr) {
    const Engine::Export& target = engine.exports()[function];
    absl::Status refused = target.function.IsEmpty()
                               ? NoLongerExported(function)
                               : NodeExited(engine);
    // One object on every path: the result is built in the caller's
    // object, never moved on the way out.
    absl::StatusOr<Value> out =
        ABSL_PREDICT_TRUE(refused.ok())
            ? CallInScope(engine, target, function, args, deadline,
                          make_completion, awaiting, cancellation)
            : absl::StatusOr<Value>(std::move(refused));
    return out;
  }

  absl::Status NoLongerExported(size_t function) const {
    return absl::FailedPreconditionError(absl::StrCat(
        "JavaScript module '", spec_.module, "' no longer exports '",
        exports_[function], "' after it was reloaded"));
  }

  // CallIn's entry: the scope, the call, a pending Promise handed to the
  // event loop, and the checks after the call, still inside the isolate.
  // (A held scope's calls have their own, CallInHold.)
  template <typename MakeCompletion>
  ABSL_ATTRIBUTE_NOINLINE absl::StatusOr<Value> CallInScope(
      Engine& engine, const Engine::Export& target, size_t function,
      absl::Span<const Value> args, absl::Time deadline,
      MakeCompletion&& make_completion, bool* awaiting,
      const std::shared_ptr<CallCancellation>& cancellation) {
    EngineScope scope(engine, deadline);
    v8::Isolate* isolate = engine.isolate();
    // Timers the call starts are its own: they go if it is stopped.
    const uint64_t call = engine.loop().NewCall();
    js::EventLoop::OwnerScope owner(engine.loop(), call);
    v8::Local<v8::Promise> pending;
    absl::StatusOr<Value> out = engine.CallFunction(
        scope, target.function.Get(isolate), target.receiver.Get(isolate), args,
        deadline, described_[function], &pending);
    if (out.ok() && !pending.IsEmpty()) {
      engine.loop().Await(call, pending, deadline, spec_.value_budget_bytes,
                          make_completion());
      *awaiting = true;
      if (cancellation != nullptr) {
        std::weak_ptr<js::EventLoop> loop = engine.loop().weak_from_this();
        cancellation->OnCancel([loop, call] {
          if (std::shared_ptr<js::EventLoop> alive = loop.lock()) {
            alive->Cancel(call);
          }
        });
      }
    }
    if (!*awaiting) {
      absl::Status exited = NodeExited(engine);
      if (!exited.ok()) out = std::move(exited);
    }
    // A large object may have taken the heap over the cap without a full GC
    // since (engine.h CheckHeapIfSuspect).
    if (engine.over_cap_suspect()) {
      engine.CheckHeapIfSuspect();
      if (engine.exhausted()) out = engine.StopStatus(js::StopReason::kMemory);
    }
    return out;
  }

  // A trusted engine whose script ended its Node.js environment
  // (process.exit(), an uncaught exception) runs no more code.
  absl::Status NodeExited(Engine& engine) const {
    js::NodeEnvironment* node = engine.node();
    if (node == nullptr || !node->exit_code().has_value()) {
      return absl::OkStatus();
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "JavaScript module '", spec_.module,
        "' ended its Node.js environment (exit code ", *node->exit_code(),
        ": process.exit() or an uncaught exception); Host::Reload starts it "
        "afresh"));
  }

  // A failure seen after the code was stopped is reported as the stop.
  static absl::Status Stopped(const Engine& engine, const EngineScope& scope,
                              absl::Status status) {
    absl::Status stopped = scope.stop_status();
    return stopped.ok() ? status : stopped;
  }

  // A load's failure; a deadline stop names the file and its limit.
  absl::Status LoadFailed(const Engine& engine, const EngineScope& scope,
                          absl::Status status) const {
    if (scope.stop_reason() != js::StopReason::kDeadline) {
      return Stopped(engine, scope, std::move(status));
    }
    std::filesystem::path file = spec_.entry.lexically_relative(spec_.root);
    if (file.empty() || *file.begin() == "..") file = spec_.entry;
    return absl::DeadlineExceededError(
        absl::StrCat(file.string(),
                     ": top-level code did not finish within its time "
                     "limit of ",
                     absl::FormatDuration(spec_.load_timeout)));
  }

  // Creates an engine and loads the entry file into it. The first load fixes
  // exports_; later ones map their functions onto it by name.
  absl::StatusOr<std::unique_ptr<Engine>> NewEngine(bool first)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    DUET_ASSIGN_OR_RETURN(
        std::unique_ptr<Engine> engine,
        Engine::Create(services_, spec_.module, spec_.root, /*repl=*/false,
                       spec_.memory_mb, spec_.value_budget_bytes, registry_,
                       spec_.node));
    if (!spec_.source.empty())
      engine->loader().UseSourceFor(spec_.entry, spec_.source);
    engine->set_permissions(spec_.permissions, spec_.root);
    engine->loader().SetPackagesRoot(spec_.packages_root);
    // A visit of the timers runs under the same limit as top-level code.
    engine->loop().set_timer_limit(spec_.load_timeout);
    // A trusted engine's Node.js loop too: each visit (timers, I/O
    // callbacks) is stopped past the same limit.
    if (engine->node() != nullptr) {
      engine->node()->StartLoop(*engine, spec_.load_timeout);
    }
    {
      // The top-level code runs under the load time limit, at the first
      // load and at every renewal alike (an infinite limit adds up to
      // InfiniteFuture, which arms nothing).
      EngineScope scope(*engine, absl::Now() + spec_.load_timeout);
      std::map<std::string,
               std::pair<v8::Local<v8::Value>, v8::Local<v8::Value>>>
          functions;
      absl::Status loaded =
          LoadEntry(*engine, scope.context(), absl::Now() + spec_.load_timeout,
                    &functions);
      if (engine->over_cap_suspect()) engine->CheckHeapIfSuspect();
      // A stop that arrived after the last JavaScript ran still means the
      // load did not finish in time (or within its memory).
      if (loaded.ok() && scope.stop_reason() != js::StopReason::kNone) {
        loaded = scope.stop_status();
      }
      if (loaded.ok() && engine->exhausted()) {
        loaded = engine->StopStatus(js::StopReason::kMemory);
      }
      if (!loaded.ok()) return LoadFailed(*engine, scope, loaded);
      v8::Isolate* isolate = engine->isolate();
      if (first) {
        for (const auto& entry : functions) {
          exports_.push_back(entry.first);
          described_.push_back(
              absl::StrCat("function '", spec_.module, ".", entry.first, "'"));
          async_.push_back(entry.second.first->IsAsyncFunction());
        }
      }
      std::vector<Engine::Export>& slots = engine->exports();
      slots.resize(exports_.size());
      for (size_t i = 0; i < exports_.size(); ++i) {
        auto it = functions.find(exports_[i]);
        if (it == functions.end()) continue;
        slots[i].function.Reset(isolate, it->second.first.As<v8::Function>());
        slots[i].receiver.Reset(isolate, it->second.second);
      }
    }
    return engine;
  }

  // One engine and the calls that entered it.
  struct Generation {
    Generation(std::unique_ptr<Engine> e, JsImplementation* o, int s)
        : engine(std::move(e)), owner(o), slot(s) {}
    // The last call of a generation may end inside its engine (engine.h).
    ~Generation() { js::DestroyEngine(std::move(engine)); }
    std::unique_ptr<Engine> engine;
    JsImplementation* owner;
    int slot;
    // Minus the calls that left; plus the calls that entered, once retired.
    std::atomic<int64_t> balance{0};
  };
  // word_: slot number + 1 (0: none) in the low 8 bits, calls that entered
  // that slot's generation above them (2^56 calls: never wraps).
  static constexpr int kSlotBits = 8;
  static constexpr int kSlots = (1 << kSlotBits) - 1;
  static constexpr uint64_t kOneCall = uint64_t{1} << kSlotBits;
  Generation* At(uint64_t word) const {
    uint64_t slot = word & (kOneCall - 1);
    if (slot == 0) return nullptr;
    return slots_[slot - 1].load(std::memory_order_acquire);
  }

  // Makes `engine` current, retiring the current one.
  absl::Status Publish(std::unique_ptr<Engine> engine)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    Settle(word_.exchange(0, std::memory_order_acq_rel));
    int slot = 0;
    while (slot < kSlots &&
           slots_[slot].load(std::memory_order_acquire) != nullptr) {
      ++slot;
    }
    if (slot == kSlots) {
      // Every retired isolate still has a call running (in a host call):
      // more would only add memory.
      return absl::ResourceExhaustedError(
          absl::StrCat("JavaScript module '", spec_.module, "' has ", kSlots,
                       " discarded isolates still finishing calls"));
    }
    slots_[slot].store(new Generation(std::move(engine), this, slot),
                       std::memory_order_release);
    word_.store(static_cast<uint64_t>(slot) + 1, std::memory_order_release);
    return absl::OkStatus();
  }

  // Retires the generation `old_word` pointed to: moves its entry count into
  // its balance, destroying it when all its calls already left.
  void Settle(uint64_t old_word) {
    Generation* old = At(old_word);
    if (old == nullptr) return;
    int64_t entered = static_cast<int64_t>(old_word >> kSlotBits);
    if (old->balance.fetch_add(entered, std::memory_order_acq_rel) + entered ==
        0) {
      Destroy(old);
    }
  }

  static void Leave(Generation* generation) {
    if (generation == nullptr) return;
    if (generation->balance.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      Destroy(generation);  // retired, and this was its last call
    }
  }

  static void Destroy(Generation* generation) {
    std::atomic<Generation*>& slot =
        generation->owner->slots_[generation->slot];
    delete generation;
    slot.store(nullptr, std::memory_order_release);
  }

  // Replaces a missing or exhausted current engine with a fresh one, unless
  // another call did so already.
  absl::Status Renew() {
    absl::MutexLock lock(&mutex_);
    Generation* current = At(word_.load(std::memory_order_acquire));
    if (current != nullptr && !current->engine->exhausted()) {
      return absl::OkStatus();
    }
    // Retire first: the exhausted isolate can go while the new one loads.
    Settle(word_.exchange(0, std::memory_order_acq_rel));
    DUET_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine,
                          NewEngine(/*first=*/false));
    return Publish(std::move(engine));
  }

  void Retire(Generation* generation) {
    absl::MutexLock lock(&mutex_);
    uint64_t word = word_.load(std::memory_order_acquire);
    if (At(word) != generation) return;  // retired already
    Settle(word_.exchange(0, std::memory_order_acq_rel));
  }

  using FunctionMap =
      std::map<std::string,
               std::pair<v8::Local<v8::Value>, v8::Local<v8::Value>>>;

  // A trusted engine's entry, loaded by Node (node_environment.h).
  absl::StatusOr<js::ModuleLoader::Loaded> LoadNodeEntry(
      Engine& engine, v8::Local<v8::Context> context, absl::Time deadline) {
    v8::Isolate* isolate = engine.isolate();
    v8::TryCatch try_catch(isolate);
    js::ModuleLoader::Loaded loaded;
    v8::Local<v8::Value> exports;
    if (!engine.node()
             ->LoadEntry(context, spec_.entry, engine.duet_api(), deadline,
                         &loaded.esm)
             .ToLocal(&exports)) {
      if (try_catch.HasTerminated())
        return engine.StatusFromTryCatch(try_catch);
      v8::Local<v8::Value> exception = try_catch.Exception();
      v8::Local<v8::Value> name;
      if (exception->IsNativeError() &&
          exception.As<v8::Object>()
              ->Get(context, js::Str(isolate, "name"))
              .ToLocal(&name) &&
          js::Utf8Lossy(isolate, name) == "SyntaxError") {
        return engine.SyntaxErrorStatus(try_catch);
      }
      return engine.StatusFromTryCatch(try_catch);
    }
    loaded.exports = exports;
    return loaded;
  }

  absl::Status LoadEntry(Engine& engine, v8::Local<v8::Context> context,
                         absl::Time deadline, FunctionMap* functions) {
    v8::Isolate* isolate = engine.isolate();
    DUET_ASSIGN_OR_RETURN(js::ModuleLoader::Loaded loaded,
                          engine.node() != nullptr
                              ? LoadNodeEntry(engine, context, deadline)
                              : engine.loader().LoadEntry(spec_.entry));
    v8::TryCatch try_catch(isolate);
    auto add = [&](const std::string& name, v8::Local<v8::Value> value,
                   v8::Local<v8::Value> receiver) {
      if (!value->IsFunction() || functions->count(name) > 0) return;
      (*functions)[name] = {value, receiver};
    };
    auto add_functions_of = [&](v8::Local<v8::Object> object,
                                v8::Local<v8::Value> receiver,
                                v8::Local<v8::Value>* default_export) {
      for (v8::Local<v8::Value> key : js::OwnEnumerableKeys(context, object)) {
        v8::Local<v8::Value> value;
        if (!object->Get(context, key).ToLocal(&value)) {
          if (try_catch.HasTerminated()) return;
          try_catch.Reset();  // e.g. an export still in its TDZ
          continue;
        }
        std::string name = js::Utf8Lossy(isolate, key);
        if (default_export != nullptr && name == "default") {
          *default_export = value;
          if (!value->IsFunction()) continue;
        }
        add(name, value, receiver);
      }
    };
    v8::Local<v8::Value> undefined = v8::Undefined(isolate);
    if (loaded.esm) {
      v8::Local<v8::Value> default_export;
      add_functions_of(loaded.exports.As<v8::Object>(), undefined,
                       &default_export);
      if (!default_export.IsEmpty() && default_export->IsObject() &&
          !default_export->IsFunction()) {
        v8::Local<v8::Object> object = default_export.As<v8::Object>();
        v8::Local<v8::Value> proto = object->GetPrototype();
        if (proto->IsNull() ||
            proto == v8::Object::New(isolate)->GetPrototype()) {
          add_functions_of(object, object, nullptr);
        }
      }
    } else {
      v8::Local<v8::Value> exports = loaded.exports;
      if (exports->IsFunction()) add("default", exports, undefined);
      if (exports->IsObject()) {
        add_functions_of(exports.As<v8::Object>(), exports, nullptr);
      }
    }
    if (try_catch.HasTerminated()) return engine.StatusFromTryCatch(try_catch);
    return absl::OkStatus();
  }

  HostServices& services_;
  std::shared_ptr<js::EngineRegistry> registry_;
  const ImplementationSpec spec_;
  std::vector<std::string> exports_;  // sorted; fixed by the first load
  // Parallel to exports_: "function 'module.name'", for messages.
  std::vector<std::string> described_;
  std::vector<bool> async_;  // parallel to exports_

  // The current Generation and the calls that entered it; 0: renew on the
  // next call. Changed only under mutex_.
  std::atomic<uint64_t> word_{0};
  absl::Mutex mutex_;  // serialises Renew, Retire and filling slots_
  // The current and the retired generations; a slot is emptied by whoever
  // destroys its generation.
  std::atomic<Generation*> slots_[kSlots] = {};
};

// The trailing dotted name of a REPL line: "x = Math.fl" -> {"Math"}, "fl".
struct DottedName {
  std::vector<std::string> path;
  std::string prefix;
};

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;
}

std::optional<DottedName> TrailingDottedName(std::string_view line) {
  size_t start = line.size();
  while (start > 0 && (IsNameChar(line[start - 1]) || line[start - 1] == '.')) {
    --start;
  }
  std::string_view text = line.substr(start);
  DottedName out;
  size_t dot;
  while ((dot = text.find('.')) != std::string_view::npos) {
    std::string_view part = text.substr(0, dot);
    if (!js::IsJsIdentifier(part)) return std::nullopt;  // "1.5", "a..b"
    out.path.emplace_back(part);
    text.remove_prefix(dot + 1);
  }
  if (!text.empty() && !js::IsJsIdentifier(text)) return std::nullopt;
  out.prefix = std::string(text);
  return out;
}

// Names declared at the top level of REPL input by let/const/class, which
// live in the script scope rather than on the global object.
std::vector<std::string> DeclaredNames(std::string_view code) {
  std::vector<std::string> names;
  size_t i = 0;
  while (i < code.size()) {
    if (!IsNameChar(code[i])) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < code.size() && IsNameChar(code[i])) ++i;
    std::string_view word = code.substr(start, i - start);
    if (word != "let" && word != "const" && word != "class") continue;
    for (;;) {  // let a = 1, b = 2 -> a, b (only the simple forms)
      while (i < code.size() && (code[i] == ' ' || code[i] == '\t')) ++i;
      size_t name_start = i;
      while (i < code.size() && IsNameChar(code[i])) ++i;
      std::string_view name = code.substr(name_start, i - name_start);
      if (!js::IsJsIdentifier(name)) break;
      names.emplace_back(name);
      if (word == "class") break;
      size_t comma = code.find_first_of(",;\n", i);
      if (comma == std::string_view::npos || code[comma] != ',') break;
      i = comma + 1;
    }
  }
  return names;
}

// Whether `source` compiles as a module named "<repl>" (which allows a
// top-level await); the SyntaxError is left for the caller's TryCatch.
bool CompilesAsModule(v8::Isolate* isolate, v8::Local<v8::String> source) {
  v8::ScriptOrigin origin(isolate, js::Str(isolate, "<repl>"), 0, 0, false, -1,
                          v8::Local<v8::Value>(), false, false,
                          /*is_module=*/true);
  v8::ScriptCompiler::Source module_source(source, origin);
  v8::Local<v8::Module> module;
  return v8::ScriptCompiler::CompileModule(isolate, &module_source)
      .ToLocal(&module);
}

class JsReplSession : public ReplSession {
 public:
  JsReplSession(HostServices& services,
                std::shared_ptr<js::EngineRegistry> registry,
                std::unique_ptr<Engine> engine)
      : services_(services),
        registry_(std::move(registry)),
        engine_(std::move(engine)) {}

  absl::StatusOr<std::string> Evaluate(std::string_view code) override {
    if (std::optional<size_t> bad = internal::FindInvalidUtf8(code)) {
      return absl::InvalidArgumentError(
          absl::StrCat("input is not valid UTF-8 (byte ", *bad, ")"));
    }
    if (engine_->exhausted()) {
      // The heap limit was hit by an earlier input: start afresh.
      DUET_ASSIGN_OR_RETURN(engine_,
                            Engine::Create(services_, "repl", {},
                                           /*repl=*/true, 0, 0, registry_));
      declared_.clear();
    }
    // Asked before taking the lock: HostServices may enter any engine.
    std::vector<std::string> modules = services_.ModuleNames();
    // An input awaiting a pending Promise waits for it here, without the
    // isolate's lock, so its timers run meanwhile (event_loop.h).
    engine::AwaitedResult awaited;
    // What the awaited Promise settles with is kept in this object (one
    // per input, so a Promise of an interrupted input that settles later
    // writes nowhere that matters).
    v8::Global<v8::Object> holder;
    {
      EngineScope scope(*engine_);
      std::optional<absl::StatusOr<std::string>> shown = EvaluateInScope(
          scope, code, modules, [&awaited] { return awaited.Completion(); },
          &holder);
      if (shown.has_value()) {
        holder.Reset();
        return *std::move(shown);
      }
    }
    absl::Status settled = awaited.Wait().status();
    EngineScope scope(*engine_);
    v8::Local<v8::Object> kept = holder.Get(engine_->isolate());
    holder.Reset();
    if (!settled.ok()) return WithoutWrapperFrames(settled, code);
    if (engine_->exhausted()) {
      return engine_->StopStatus(js::StopReason::kMemory);
    }
    v8::Local<v8::Value> value;
    if (!kept->Get(scope.context(), 0).ToLocal(&value)) {
      return engine_->CurrentFrameStopStatus();
    }
    return Show(value);
  }

  // Compiles without running: a SyntaxError at the very end of the input
  // ("Unexpected end of input", an unterminated template literal, a missing
  // closing bracket) means more lines are coming. An input that awaits is
  // asked of V8's module parser, which allows a top-level await.
  bool IsIncomplete(std::string_view code) override {
    if (engine_->exhausted() || internal::FindInvalidUtf8(code)) return false;
    size_t end = code.find_last_not_of(" \t\r\n");
    if (end == std::string_view::npos) return false;
    EngineScope scope(*engine_);
    v8::Isolate* isolate = engine_->isolate();
    v8::TryCatch try_catch(isolate);
    v8::Local<v8::String> source;
    if (!js::NewString(isolate, code).ToLocal(&source)) return false;
    v8::ScriptOrigin origin(isolate, js::Str(isolate, "<repl>"));
    v8::ScriptCompiler::Source script_source(source, origin);
    v8::Local<v8::UnboundScript> script;
    if (v8::ScriptCompiler::CompileUnboundScript(isolate, &script_source)
            .ToLocal(&script)) {
      return false;
    }
    if (js::MentionsAwait(code)) {
      // Parsed as a module, where V8 allows a top-level await; a module's
      // stricter rules only make more inputs complete-but-wrong.
      try_catch.Reset();
      if (CompilesAsModule(isolate, source)) return false;
    }
    v8::Local<v8::Message> message = try_catch.Message();
    if (!try_catch.HasCaught() || message.IsEmpty()) return false;
    std::string text = js::Utf8Lossy(isolate, message->Get());
    if (text.find("Unexpected end of input") != std::string::npos ||
        text.find("Unterminated template literal") != std::string::npos) {
      return true;
    }
    // V8 positions count UTF-16 units; so does `trimmed`.
    int trimmed = source->Length() - static_cast<int>(code.size() - 1 - end);
    if (text.find("missing ) after argument list") != std::string::npos) {
      // Reported at the last token when the input simply stops.
      return message->GetEndPosition() >= trimmed;
    }
    if (text.find("Invalid or unexpected token") != std::string::npos) {
      // A string continued with a trailing backslash, or an open comment.
      if (code[end] == '\\') return true;
      int start = message->GetStartPosition();
      v8::String::Value units(isolate, source);
      if (start >= 0 && start + 1 < units.length() && (*units)[start] == '/' &&
          (*units)[start + 1] == '*') {
        return true;
      }
    }
    return false;
  }

  std::vector<std::string> Complete(std::string_view line) override {
    std::optional<DottedName> name = TrailingDottedName(line);
    // Nothing typed yet completes to nothing, in every engine.
    const bool nothing_typed =
        name && name->path.empty() && name->prefix.empty();
    if (!name || nothing_typed || engine_->exhausted()) return {};
    // Host lists, fetched before taking the lock.
    std::vector<std::string> modules = services_.ModuleNames();
    EngineScope scope(*engine_);
    v8::Isolate* isolate = engine_->isolate();
    v8::Local<v8::Context> context = scope.context();
    BindModules(context, modules);
    v8::TryCatch try_catch(isolate);
    std::set<std::string> names;
    if (name->path.empty()) {
      CollectNames(context, context->Global(), &names);
      for (const std::string& declared : declared_) {
        if (Lookup(context, declared).has_value()) names.insert(declared);
      }
    } else {
      std::optional<v8::Local<v8::Value>> value =
          Lookup(context, name->path[0]);
      for (size_t i = 1; value && i < name->path.size(); ++i) {
        value = DataProperty(context, *value, name->path[i]);
      }
      // A Proxy's traps are user code: it completes to nothing.
      if (!value || (*value)->IsProxy()) return {};
      CollectNames(context, *value, &names);
    }
    std::string base;
    for (const std::string& part : name->path)
      absl::StrAppend(&base, part, ".");
    std::vector<std::string> out;
    for (const std::string& candidate : names) {
      if (candidate.compare(0, name->prefix.size(), name->prefix) == 0 &&
          js::IsJsIdentifier(candidate)) {
        out.push_back(base + candidate);
      }
    }
    return out;  // std::set order: sorted, unique
  }

 private:
  // Compiles and runs `code` inside `scope`: what it shows, or nothing when
  // it awaits a pending Promise (then the completion `make_completion()`
  // returns gets the end of the wait, and element 0 of *holder the value).
  template <typename MakeCompletion>
  std::optional<absl::StatusOr<std::string>> EvaluateInScope(
      EngineScope& scope, std::string_view code,
      const std::vector<std::string>& modules, MakeCompletion&& make_completion,
      v8::Global<v8::Object>* holder) {
    v8::Isolate* isolate = engine_->isolate();
    v8::Local<v8::Context> context = scope.context();
    BindModules(context, modules);
    v8::TryCatch try_catch(isolate);
    v8::Local<v8::String> source;
    if (!js::NewString(isolate, code).ToLocal(&source)) {
      return absl::InvalidArgumentError("input too long");
    }
    v8::ScriptOrigin origin(isolate, js::Str(isolate, "<repl>"));
    v8::Local<v8::Script> script;
    bool awaits = false;
    if (!v8::Script::Compile(context, source, &origin).ToLocal(&script)) {
      // Only input that names `await` is run as an async function: every
      // other input runs exactly as a script.
      if (!js::MentionsAwait(code)) {
        return engine_->SyntaxErrorStatus(try_catch);
      }
      try_catch.Reset();
      absl::StatusOr<v8::Local<v8::Script>> wrapped =
          CompileAwaiting(context, code, try_catch);
      if (!wrapped.ok()) return wrapped.status();
      script = *wrapped;
      awaits = true;
    } else if (js::MentionsAwait(code) &&
               !Lookup(context, "await").has_value()) {
      // A script where `await` is a name (`await (p)`, `await [a, b]`,
      // await`...`) whose variable does not exist: meant as an await.
      absl::StatusOr<v8::Local<v8::Script>> wrapped =
          CompileAwaiting(context, code, try_catch);
      try_catch.Reset();
      if (wrapped.ok()) {
        script = *wrapped;
        awaits = true;
      }
    }
    for (std::string& name : DeclaredNames(code)) {
      declared_.insert(std::move(name));
    }
    if (!awaits) {
      v8::Local<v8::Value> result;
      if (!script->Run(context).ToLocal(&result)) {
        return engine_->StatusFromTryCatch(try_catch);
      }
      DUET_RETURN_IF_ERROR(engine_->RunMicrotasks());
      return Show(result);
    }
    // Timers the input starts are its own: they go if it is stopped.
    js::EventLoop& loop = engine_->loop();
    const uint64_t call = loop.NewCall();
    v8::Local<v8::Value> result;
    {
      js::EventLoop::OwnerScope owner(loop, call);
      if (!script->Run(context).ToLocal(&result)) {
        return WithoutWrapperFrames(engine_->StatusFromTryCatch(try_catch),
                                    code);
      }
      DUET_RETURN_IF_ERROR(engine_->RunMicrotasks());
    }
    if (!result->IsPromise()) return Show(result);
    v8::Local<v8::Promise> promise = result.As<v8::Promise>();
    switch (promise->State()) {
      case v8::Promise::kFulfilled:
        return Show(promise->Result());
      case v8::Promise::kRejected:
        promise->MarkAsHandled();
        return WithoutWrapperFrames(
            engine_->StatusFromException(promise->Result(),
                                         v8::Local<v8::Message>()),
            code);
      case v8::Promise::kPending:
        break;
    }
    // The value is kept as it is (the REPL shows what does not convert to
    // a Value too); the event loop awaits the Promise that keeps it.
    v8::Local<v8::Object> kept_in = v8::Object::New(isolate);
    holder->Reset(isolate, kept_in);
    v8::Local<v8::Function> keep;
    v8::Local<v8::Promise> kept;
    if (!v8::Function::New(context, &JsReplSession::KeepAwaited, kept_in)
             .ToLocal(&keep) ||
        !promise->Then(context, keep).ToLocal(&kept)) {
      absl::Status stopped = scope.stop_status();
      if (!stopped.ok()) return stopped;
      return engine_->StatusFromTryCatch(try_catch,
                                         absl::StatusCode::kInternal);
    }
    // Stopped before the wait began: Interrupt found no call to end.
    if (absl::Status stopped = scope.stop_status(); !stopped.ok()) {
      return stopped;
    }
    loop.Await(call, kept, absl::InfiniteFuture(), 0, make_completion());
    // Stopped while the wait began: Interrupt may have looked for awaiting
    // calls before this one was there. Only this session awaits here.
    if (scope.stop_reason() != js::StopReason::kNone) loop.InterruptCalls();
    return std::nullopt;
  }

  // Keeps the value in the holder object (an own data property: no setter
  // a script defined runs).
  static void KeepAwaited(const v8::FunctionCallbackInfo<v8::Value>& info) {
    v8::Local<v8::Context> context = info.GetIsolate()->GetCurrentContext();
    js::IgnoreResult(
        info.Data().As<v8::Object>()->CreateDataProperty(context, 0, info[0]));
  }

  // The script that runs `code` as the body of an async function
  // (repl_await.h), returning its last expression when V8 accepts that; a
  // syntax error of the input otherwise.
  absl::StatusOr<v8::Local<v8::Script>> CompileAwaiting(
      v8::Local<v8::Context> context, std::string_view code,
      v8::TryCatch& try_catch) {
    v8::Isolate* isolate = context->GetIsolate();
    js::AwaitRewrite rewrite = js::RewriteTopLevelAwait(code);
    // The head is line 0: the input's lines keep their numbers.
    v8::ScriptOrigin origin(isolate, js::Str(isolate, "<repl>"), -1, 0);
    auto compile = [&](const std::string& text, v8::Local<v8::Script>* out) {
      v8::Local<v8::String> source;
      return js::NewString(isolate, text).ToLocal(&source) &&
             v8::Script::Compile(context, source, &origin).ToLocal(out);
    };
    v8::Local<v8::Script> script;
    // The earliest start whose tail is one expression; only the last few
    // are tried, so a long paste costs a bounded number of compiles.
    constexpr size_t kMostTried = 32;
    const std::vector<js::AwaitRewrite::Candidate>& candidates =
        rewrite.last_statements;
    for (size_t i = candidates.size() > kMostTried
                        ? candidates.size() - kMostTried
                        : 0;
         i < candidates.size(); ++i) {
      if (compile(rewrite.ExpressionProbe(candidates[i]), &script) &&
          compile(rewrite.ScriptReturning(candidates[i]), &script)) {
        return script;
      }
      try_catch.Reset();
    }
    if (compile(rewrite.Script(), &script)) return script;
    const int input_lines =
        static_cast<int>(std::count(code.begin(), code.end(), '\n')) + 1;
    v8::Local<v8::Message> message = try_catch.Message();
    if (!message.IsEmpty() &&
        message->GetLineNumber(context).FromMaybe(0) > input_lines) {
      // Found at the wrapper's end (the input stops short): V8's module
      // parser, which allows a top-level await, says where in the input.
      try_catch.Reset();
      v8::Local<v8::String> source;
      if (js::NewString(isolate, code).ToLocal(&source) &&
          !CompilesAsModule(isolate, source)) {
        return engine_->SyntaxErrorStatus(try_catch);
      }
      // Only the script wrapper refuses it: say so where it did.
      if (!compile(rewrite.Script(), &script)) {
        return engine_->SyntaxErrorStatus(try_catch);
      }
      return script;
    }
    return engine_->SyntaxErrorStatus(try_catch);
  }

  // `status` without the frame of the wrapper an awaiting input of `code`
  // runs in: the call on the line after the input's last.
  static absl::Status WithoutWrapperFrames(absl::Status status,
                                           std::string_view code) {
    if (status.ok()) return status;
    std::optional<ScriptError> error = GetScriptError(status);
    if (!error) return status;
    const int after_input =
        static_cast<int>(std::count(code.begin(), code.end(), '\n')) + 2;
    auto outside = [after_input](const StackFrame& frame) {
      return frame.file == "<repl>" && frame.function.empty() &&
             (frame.line == 0 || frame.line == after_input);
    };
    if (std::none_of(error->stack.begin(), error->stack.end(), outside)) {
      return status;
    }
    error->stack.erase(
        std::remove_if(error->stack.begin(), error->stack.end(), outside),
        error->stack.end());
    absl::Status rebuilt = MakeScriptError(*std::move(error), status.code());
    auto payload = rebuilt.GetPayload(internal::ToAbsl(kScriptErrorPayloadUrl));
    if (payload) {
      status.SetPayload(internal::ToAbsl(kScriptErrorPayloadUrl), *payload);
    }
    return status;
  }

  // What the REPL prints for a result: nothing for undefined.
  absl::StatusOr<std::string> Show(v8::Local<v8::Value> value) {
    if (value->IsUndefined()) return std::string();
    return engine_->Inspect(value);
  }

  // Binds each module as a global of its name. Exceptions it meets (a
  // global object turned hostile by user code) are dropped here.
  void BindModules(v8::Local<v8::Context> context,
                   const std::vector<std::string>& modules) {
    v8::Isolate* isolate = context->GetIsolate();
    v8::TryCatch try_catch(isolate);
    v8::Local<v8::Object> global = context->Global();
    for (const std::string& name : modules) {
      // The host refuses reserved names at load; checked again because a
      // global named __proto__ would replace the global's prototype.
      if (!js::IsJsIdentifier(name) || internal::IsReservedModuleName(name)) {
        continue;
      }
      v8::Local<v8::String> key = js::Str(isolate, name);
      // A name the user defined, or one bound before, stays as it is.
      if (global->HasOwnProperty(context, key).FromMaybe(true)) continue;
      // An own data property: Set would run a setter found on the
      // prototype chain (user code, or __proto__'s).
      js::IgnoreResult(
          global->CreateDataProperty(context, key, engine_->ModuleProxy(name)));
    }
  }

  // A global's value without running a getter: a data property of the
  // global object (or its prototypes), else a script-scope binding
  // (let/const/class), read by evaluating the bare identifier.
  std::optional<v8::Local<v8::Value>> Lookup(v8::Local<v8::Context> context,
                                             const std::string& name) {
    v8::Isolate* isolate = context->GetIsolate();
    if (!js::IsJsIdentifier(name)) return std::nullopt;
    bool accessor = false;
    if (std::optional<v8::Local<v8::Value>> value =
            DataProperty(context, context->Global(), name, &accessor)) {
      return value;
    }
    if (accessor) return std::nullopt;
    v8::TryCatch try_catch(isolate);
    v8::Local<v8::Script> script;
    v8::Local<v8::Value> value;
    v8::ScriptOrigin origin(isolate, js::Str(isolate, "duet:complete"));
    if (!v8::Script::Compile(context, js::Str(isolate, name), &origin)
             .ToLocal(&script) ||
        !script->Run(context).ToLocal(&value)) {
      return std::nullopt;  // not defined, or still in its TDZ
    }
    return value;
  }

  // `object[name]` when it is a data property found on the object or its
  // prototype chain (stopping at proxies); never runs getters or traps.
  static std::optional<v8::Local<v8::Value>> DataProperty(
      v8::Local<v8::Context> context, v8::Local<v8::Value> value,
      const std::string& name, bool* accessor = nullptr) {
    v8::Isolate* isolate = context->GetIsolate();
    if (value->IsNullOrUndefined()) return std::nullopt;
    v8::Local<v8::Object> object;
    if (!value->ToObject(context).ToLocal(&object)) return std::nullopt;
    v8::Local<v8::String> key = js::Str(isolate, name);
    for (int depth = 0; depth < 64 && !object->IsProxy(); ++depth) {
      v8::Local<v8::Value> descriptor;
      if (!object->GetOwnPropertyDescriptor(context, key)
               .ToLocal(&descriptor)) {
        return std::nullopt;
      }
      if (descriptor->IsObject()) {
        v8::Local<v8::Object> d = descriptor.As<v8::Object>();
        v8::Local<v8::String> value_key = js::Str(isolate, "value");
        if (!d->HasOwnProperty(context, value_key).FromMaybe(false)) {
          if (accessor != nullptr) *accessor = true;
          return std::nullopt;
        }
        v8::Local<v8::Value> out;
        if (!d->Get(context, value_key).ToLocal(&out)) return std::nullopt;
        return out;
      }
      v8::Local<v8::Value> proto = object->GetPrototype();
      if (!proto->IsObject()) return std::nullopt;
      object = proto.As<v8::Object>();
    }
    return std::nullopt;
  }

  // Own and inherited string-keyed property names, accessors included (by
  // name only), stopping at proxies.
  static void CollectNames(v8::Local<v8::Context> context,
                           v8::Local<v8::Value> value,
                           std::set<std::string>* names) {
    v8::Isolate* isolate = context->GetIsolate();
    if (value->IsNullOrUndefined()) return;
    v8::Local<v8::Object> object;
    if (!value->ToObject(context).ToLocal(&object)) return;
    for (int depth = 0; depth < 64 && !object->IsProxy(); ++depth) {
      v8::Local<v8::Array> keys;
      if (object
              ->GetOwnPropertyNames(context,
                                    static_cast<v8::PropertyFilter>(
                                        v8::ALL_PROPERTIES | v8::SKIP_SYMBOLS),
                                    v8::KeyConversionMode::kConvertToString)
              .ToLocal(&keys)) {
        for (uint32_t i = 0; i < keys->Length(); ++i) {
          v8::Local<v8::Value> key;
          if (keys->Get(context, i).ToLocal(&key)) {
            names->insert(js::Utf8Lossy(isolate, key));
          }
        }
      }
      // duet.modules and its modules list the names served now (from the
      // host); their prototypes keep every name ever looked up.
      if (js::IsLiveNames(context, object)) return;
      v8::Local<v8::Value> proto = object->GetPrototype();
      if (!proto->IsObject()) return;
      object = proto.As<v8::Object>();
    }
  }

  HostServices& services_;
  std::shared_ptr<js::EngineRegistry> registry_;
  std::unique_ptr<Engine> engine_;
  std::set<std::string> declared_;  // let/const/class names seen
};

class JavaScriptRuntime : public Runtime {
 public:
  explicit JavaScriptRuntime(HostServices& services) : services_(services) {}
  // Engines let go inside themselves are destroyed on the scheduler
  // (js::DestroyEngine); none may outlive `services_`.
  ~JavaScriptRuntime() override { registry_->FinishDestructions(); }

  Language language() const override { return Language::kJavaScript; }
  std::vector<std::string> file_extensions() const override {
    return {".js", ".mjs", ".cjs"};
  }

  absl::StatusOr<std::unique_ptr<Implementation>> Load(
      const ImplementationSpec& spec) override {
    return JsImplementation::Load(services_, registry_, spec);
  }

  absl::StatusOr<std::unique_ptr<ReplSession>> NewReplSession() override {
    DUET_ASSIGN_OR_RETURN(
        std::unique_ptr<Engine> engine,
        Engine::Create(services_, "repl", {}, /*repl=*/true, 0, 0, registry_));
    return std::unique_ptr<ReplSession>(
        new JsReplSession(services_, registry_, std::move(engine)));
  }

  void Interrupt() override { registry_->InterruptAll(); }

 private:
  HostServices& services_;
  std::shared_ptr<js::EngineRegistry> registry_ =
      std::make_shared<js::EngineRegistry>();
};

}  // namespace

int64_t LiveJavaScriptIsolatesForTesting() { return js::LiveIsolates(); }

absl::StatusOr<std::unique_ptr<Runtime>> CreateJavaScriptRuntime(
    HostServices& services) {
  js::EnsureV8Initialized();
  return std::unique_ptr<Runtime>(new JavaScriptRuntime(services));
}

}  // namespace duet
