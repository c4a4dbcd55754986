#include "javascript/engine.h"

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <mutex>
#include <utility>

#include "absl/base/attributes.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "duet/engine/awaited_result.h"
#include "duet/engine/call_out.h"
#include "duet/engine/scheduler.h"
#include "duet/engine/status_carrier.h"
#include "duet/engine/status_codes.h"
#include "duet/host.h"
#include "duet/internal/conversion_guard.h"
#include "duet/internal/status_macros.h"
#include "duet/internal/strings.h"
#include "duet/internal/value_path.h"
#include "javascript/bootstrap.h"
#include "javascript/convert.h"
#include "javascript/duet_api.h"
#include "javascript/library.h"
#include "javascript/module_loader.h"
#include "javascript/node_environment.h"
#include "javascript/node_platform.h"

namespace duet::js {
namespace {

using internal::ToAbsl;

// Frames kept per exception. A trace this long may have been cut short.
constexpr int kStackFramesCaptured = 32;

v8::ArrayBuffer::Allocator* DefaultAllocator() {
  static v8::ArrayBuffer::Allocator* allocator =
      v8::ArrayBuffer::Allocator::NewDefaultAllocator();
  return allocator;
}

bool IsInternalScript(std::string_view name) {
  return name.rfind("duet:", 0) == 0;
}

// JavaScript's built-in error classes; Error first.
constexpr std::string_view kErrorClasses[] = {
    "Error",       "TypeError", "RangeError", "ReferenceError",
    "SyntaxError", "EvalError", "URIError",   "AggregateError"};

// The JavaScript class a Python error is thrown as: the mapping table of
// docs/errors.md, keyed by the Python built-in the error derives from.
std::string_view JavaScriptClassForPython(std::string_view builtin) {
  static constexpr std::pair<std::string_view, std::string_view> kTable[] = {
      {"TypeError", "TypeError"},
      {"AttributeError", "TypeError"},
      {"ValueError", "RangeError"},
      {"UnicodeError", "RangeError"},
      {"UnicodeDecodeError", "RangeError"},
      {"UnicodeEncodeError", "RangeError"},
      {"UnicodeTranslateError", "RangeError"},
      {"LookupError", "RangeError"},
      {"KeyError", "RangeError"},
      {"IndexError", "RangeError"},
      {"ArithmeticError", "RangeError"},
      {"ZeroDivisionError", "RangeError"},
      {"OverflowError", "RangeError"},
      {"FloatingPointError", "RangeError"},
      {"RecursionError", "RangeError"},
      {"NameError", "ReferenceError"},
      {"UnboundLocalError", "ReferenceError"},
      {"SyntaxError", "SyntaxError"},
      {"IndentationError", "SyntaxError"},
      {"TabError", "SyntaxError"},
  };
  for (const auto& [python, javascript] : kTable) {
    if (python == builtin) return javascript;
  }
  return "Error";
}

// Error properties that are the error itself, not its details.
bool IsErrorField(std::string_view name) {
  return name == "name" || name == "message" || name == "stack" ||
         name == "cause";
}

// The details of one error together, at most: a detail past it is left out.
constexpr size_t kDetailsBudgetBytes = 64 * 1024;

}  // namespace

// A function Value from elsewhere (C++, Python, another isolate) as it
// lives in this heap: a JavaScript function whose data points here. Freed
// when V8 collects the function (ForeignGone) or with the engine.
struct ForeignFunction {
  Value::CallablePtr callable;
  v8::Global<v8::Function> function;  // weak
};

namespace {

// What a wrapper costs beside its JavaScript function (the Callable, its
// closure, the handle), reported to V8 as external memory: V8 cannot see
// it, and without it a loop making wrappers grows without a full GC (a
// million callbacks took RSS from 42 MB to 607 MB).
constexpr int64_t kForeignFunctionBytes = 1024;

// Engine lock held. What the wrapper held may be a script function of
// another engine: its release is queued (engine/function_owner.h).
void DeleteForeign(ForeignFunction* foreign) {
  engine::EngineLockMark mark;
  foreign->function.Reset();
  delete foreign;
}

// A JavaScript function handed out as a Value. Calling it is an entry into
// its engine like an exported function's call.
class JsFunction : public Callable {
 public:
  JsFunction(std::shared_ptr<JsFunctionOwner> owner,
             v8::Global<v8::Function>* handle, std::string name)
      : owner_(std::move(owner)), handle_(handle), name_(std::move(name)) {}
  ~JsFunction() override { owner_->Drop(handle_); }

  absl::StatusOr<Value> Call(absl::Span<const Value> args,
                             absl::Time deadline) const override {
    engine::FunctionOwner::Call call(*owner_, name_);
    if (!call.status().ok()) return call.status();
    Engine& engine = owner_->engine();
    if (engine.exhausted()) return engine.StopStatus(StopReason::kMemory);
    absl::StatusOr<Value> out;
    // A Promise it returns is awaited as an export's is: on the event loop,
    // with the isolate free for its timers meanwhile.
    engine::AwaitedResult awaited;
    bool awaiting = false;
    {
      EngineScope scope(engine, deadline);
      const uint64_t call_id = engine.loop().NewCall();
      EventLoop::OwnerScope timers(engine.loop(), call_id);
      v8::Local<v8::Promise> pending;
      out = engine.CallFunction(
          scope, handle_->Get(engine.isolate()),
          v8::Undefined(engine.isolate()), args, deadline,
          absl::StrCat("function '", name_.empty() ? "(anonymous)" : name_,
                       "' of module '", owner_->module(), "'"),
          &pending);
      if (out.ok() && !pending.IsEmpty()) {
        awaiting = true;
        engine.loop().Await(call_id, pending, deadline,
                            engine.value_budget_bytes(), awaited.Completion());
      }
      if (engine.over_cap_suspect()) engine.CheckHeapIfSuspect();
    }
    if (awaiting) out = awaited.Wait();
    if (engine.exhausted()) return engine.StopStatus(StopReason::kMemory);
    return out;
  }
  const std::string& name() const override { return name_; }
  std::optional<Language> language() const override {
    return Language::kJavaScript;
  }

  const JsFunctionOwner* owner() const { return owner_.get(); }
  v8::Global<v8::Function>* handle() const { return handle_; }

 private:
  const std::shared_ptr<JsFunctionOwner> owner_;
  v8::Global<v8::Function>* const handle_;  // owned by owner_
  const std::string name_;
};

}  // namespace

void JsFunctionOwner::ReleaseHandle(void* handle) {
  delete static_cast<v8::Global<v8::Function>*>(handle);
}

void JsFunctionOwner::DrainUnderLock() {
  EngineScope scope(engine_);  // drains on entry
}

void EnsureV8Initialized() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Leaked on purpose: V8 cannot be initialised twice in one process, and
    // destroying the platform during static destruction trips UBSan
    // ("invalid vptr" on v8::Platform inside libnode).
    // `import x from "./x.json" assert { type: "json" }` (module_loader.cc).
    v8::V8::SetFlagsFromString("--harmony-import-assertions");
    // The platform is V8's default one for every plain isolate; it hands
    // the isolates of trusted plugins to Node's (node_platform.h).
    v8::V8::InitializePlatform(DuetPlatform());
    v8::V8::Initialize();
  });
}

// ---- lifetime ----

namespace {

std::atomic<int64_t> live_isolates{0};

// Larger limits are clamped, so the byte counts below never overflow; V8
// reserves nothing up front, so the clamp only has to be beyond any RAM.
constexpr int64_t kMaxMemoryMb = int64_t{1} << 24;  // 16 TiB
// The largest single object V8 10.2 allocates on this 64-bit build (a
// FixedArray or FixedDoubleArray of 1 GB, or a two-byte string of 2^29
// characters) with its header and some pages to spare.
constexpr size_t kHeadroomBytes = (size_t{1} << 30) + (size_t{64} << 20);

uint64_t PhysicalMemoryBytes() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long page_size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return uint64_t{4} << 30;
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size);
}

}  // namespace

int64_t LiveIsolates() { return live_isolates.load(); }

Engine::Engine(HostServices& services, std::string log_source)
    : services_(services), log_source_(std::move(log_source)) {}

absl::StatusOr<std::unique_ptr<Engine>> Engine::Create(
    HostServices& services, std::string log_source, std::filesystem::path root,
    bool repl, int64_t memory_mb, size_t value_budget_bytes,
    std::shared_ptr<EngineRegistry> registry, bool node) {
  EnsureV8Initialized();
  std::unique_ptr<Engine> engine(new Engine(services, std::move(log_source)));
  if (node) {
    DUET_ASSIGN_OR_RETURN(engine->node_, NodeEnvironment::Create());
  }
  engine->memory_mb_ = memory_mb;
  engine->value_budget_bytes_ = value_budget_bytes;
  v8::Isolate::CreateParams params;
  params.array_buffer_allocator = DefaultAllocator();
  if (memory_mb > 0) {
    engine->cap_bytes_ =
        static_cast<size_t>(std::min<int64_t>(memory_mb, kMaxMemoryMb)) << 20;
    // ArrayBuffer contents get the same budget again (budget_allocator.h).
    engine->allocator_ = NewBudgetAllocator(engine->cap_bytes_);
    params.array_buffer_allocator = engine->allocator_.get();
    params.constraints.ConfigureDefaultsFromHeapSize(0, engine->cap_bytes_);
  } else {
    params.constraints.ConfigureDefaults(PhysicalMemoryBytes(), 0);
    engine->cap_bytes_ =
        params.constraints.max_old_generation_size_in_bytes() +
        params.constraints.max_young_generation_size_in_bytes();
  }
  // V8 aborts the process when one allocation does not fit under its limit
  // and no GC makes room (CALL_AND_RETRY_LAST), without asking the
  // near-heap-limit callback. So V8's own limit leaves room for the largest
  // object it can allocate, and the cap is enforced after each full GC
  // (GcEpilogue); the young generation stays sized from the cap.
  // V8 would start with an allocation limit of half its maximum, past the
  // cap: start at the cap, so an allocation beyond it fails into a full GC
  // (GcEpilogue) and marking (MarkingStarts) begins there. Half the cap, as
  // V8 does by default, let 720 MB of kept arrays pass a 512 MB cap.
  size_t max_old = params.constraints.max_old_generation_size_in_bytes();
  params.constraints.set_initial_old_generation_size_in_bytes(max_old);
  params.constraints.set_max_old_generation_size_in_bytes(max_old +
                                                          kHeadroomBytes);
  engine->isolate_ = engine->node_ != nullptr
                         ? engine->node_->NewIsolate(params)
                         : v8::Isolate::New(params);
  if (engine->isolate_ == nullptr) {
    return absl::ResourceExhaustedError("could not create a V8 isolate");
  }
  live_isolates.fetch_add(1);
  engine->isolate_->SetData(0, engine.get());
  // Backstop for code that keeps allocating after it was told to stop.
  engine->isolate_->AddNearHeapLimitCallback(&Engine::NearHeapLimit,
                                             engine.get());
  engine->isolate_->AddGCEpilogueCallback(&Engine::GcEpilogue, engine.get(),
                                          v8::kGCTypeMarkSweepCompact);
  engine->isolate_->AddGCPrologueCallback(&Engine::MarkingStarts, engine.get(),
                                          v8::kGCTypeIncrementalMarking);
  engine->parked_ = std::make_shared<ParkedThreads>();
  engine->functions_ =
      std::make_shared<JsFunctionOwner>(*engine, engine->log_source_);
  if (registry != nullptr) {
    engine->registry_ = std::move(registry);
    engine->registry_->Add(engine.get());
  }
  engine->loader_ = std::make_unique<ModuleLoader>(*engine, root);
  engine->loop_ = std::make_shared<EventLoop>(*engine);
  DUET_RETURN_IF_ERROR(engine->Init(repl));
  return engine;
}

v8::MaybeLocal<v8::Value> Engine::RequireLibrary(std::string_view name) {
  v8::Local<v8::Value> argument = Str(isolate_, name);
  return require_library_.Get(isolate_)->Call(
      context(), v8::Undefined(isolate_), 1, &argument);
}

Engine* Engine::From(v8::Isolate* isolate) {
  return static_cast<Engine*>(isolate->GetData(0));
}

absl::Status Engine::Init(bool repl) {
  v8::Locker locker(isolate_);
  v8::Isolate::Scope isolate_scope(isolate_);
  v8::HandleScope handles(isolate_);
  isolate_->SetMicrotasksPolicy(v8::MicrotasksPolicy::kExplicit);
  isolate_->SetCaptureStackTraceForUncaughtExceptions(
      true, kStackFramesCaptured, v8::StackTrace::kDetailed);
  v8::Local<v8::Context> context;
  if (node_ != nullptr) {
    // Node installs its own module hooks while it bootstraps.
    if (!node_->NewContext().ToLocal(&context)) {
      return absl::InternalError("could not create a Node.js context");
    }
  } else {
    ModuleLoader::Install(isolate_);
    context = v8::Context::New(isolate_);
  }
  context_.Reset(isolate_, context);
  v8::Context::Scope context_scope(context);
  v8::TryCatch try_catch(isolate_);
  status_key_.Reset(isolate_,
                    v8::Private::New(isolate_, Str(isolate_, "duet::status")));
  callable_key_.Reset(
      isolate_, v8::Private::New(isolate_, Str(isolate_, "duet::callable")));
  for (std::string_view name : kErrorClasses) {
    v8::Local<v8::Value> constructor;
    v8::Local<v8::Value> prototype;
    if (!context->Global()
             ->Get(context, Str(isolate_, name))
             .ToLocal(&constructor) ||
        !constructor->IsFunction() ||
        !constructor.As<v8::Object>()
             ->Get(context, Str(isolate_, "prototype"))
             .ToLocal(&prototype)) {
      return absl::InternalError(
          absl::StrCat("the context has no ", ToAbsl(name)));
    }
    ErrorClass& added = error_classes_.emplace_back();
    added.name = name;
    added.constructor.Reset(isolate_, constructor.As<v8::Function>());
    added.prototype.Reset(isolate_, prototype);
  }

  v8::Local<v8::Object> native = v8::Object::New(isolate_);
  bool ok = InstallNativeApi(context, native, cap_bytes_) &&
            InstallLibraryNatives(context, native);
  if (ok && node_ != nullptr) {
    ok = native->Set(context, Str(isolate_, "trusted"), v8::True(isolate_))
             .FromMaybe(false);
  }
  if (!ok) return absl::InternalError("could not set up the duet bindings");

  v8::ScriptOrigin origin(isolate_, Str(isolate_, kBootstrapResourceName));
  v8::ScriptCompiler::Source source(Str(isolate_, kBootstrapSource), origin);
  v8::Local<v8::String> params[] = {Str(isolate_, "native")};
  v8::Local<v8::Function> bootstrap;
  v8::Local<v8::Value> native_value = native;
  v8::Local<v8::Value> result;
  if (!v8::ScriptCompiler::CompileFunction(context, &source, 1, params)
           .ToLocal(&bootstrap) ||
      !bootstrap->Call(context, v8::Undefined(isolate_), 1, &native_value)
           .ToLocal(&result) ||
      !result->IsObject()) {
    return absl::InternalError(
        absl::StrCat("the duet bootstrap failed: ",
                     FormatError(StatusFromTryCatch(try_catch))));
  }
  v8::Local<v8::Object> api = result.As<v8::Object>();
  v8::Local<v8::Value> duet, console, inspect, module_proxy, require_library;
  if (!api->Get(context, Str(isolate_, "duet")).ToLocal(&duet) ||
      !api->Get(context, Str(isolate_, "console")).ToLocal(&console) ||
      !api->Get(context, Str(isolate_, "inspect")).ToLocal(&inspect) ||
      !api->Get(context, Str(isolate_, "moduleProxy")).ToLocal(&module_proxy) ||
      !api->Get(context, Str(isolate_, "requireLibrary"))
           .ToLocal(&require_library) ||
      !require_library->IsFunction()) {
    return absl::InternalError("the duet bootstrap returned no API");
  }
  duet_.Reset(isolate_, duet.As<v8::Object>());
  inspect_.Reset(isolate_, inspect.As<v8::Function>());
  module_proxy_.Reset(isolate_, module_proxy.As<v8::Function>());
  require_library_.Reset(isolate_, require_library.As<v8::Function>());

  v8::Local<v8::Object> global = context->Global();
  // Node has its own console, timers and queueMicrotask.
  if (node_ != nullptr) return node_->Start(context);
  if (!EventLoop::InstallGlobals(context) ||
      global->Set(context, Str(isolate_, "console"), console).IsNothing() ||
      (repl && global->Set(context, Str(isolate_, "duet"), duet).IsNothing())) {
    return absl::InternalError("could not install duet globals");
  }
  return absl::OkStatus();
}

Engine::~Engine() {
  // Function Values of this engine fail from now on; calls of them still
  // running are stopped and waited for, before the lock is taken here.
  if (functions_ != nullptr) functions_->Kill([this] { Interrupt(); });
  if (registry_ != nullptr) registry_->Remove(this);
  if (isolate_ == nullptr) return;
  // No timer runs from here on (one running now is waited for).
  if (loop_ != nullptr) loop_->Close();
  if (node_ != nullptr) node_->StopLoop();
  // This thread's parked V8 thread state is released first; other threads
  // release theirs on their next entry or at exit (thread_state.h).
  ReleaseThreadStates(parked_);
  {
    v8::Locker locker(isolate_);
    v8::Isolate::Scope isolate_scope(isolate_);
    v8::HandleScope handles(isolate_);
    {
      // Whatever the wrappers held is dropped under this lock: queued.
      engine::EngineLockMark mark;
      if (loop_ != nullptr) loop_->DropAll();
      if (functions_ != nullptr) functions_->ReleaseAll();
      for (ForeignFunction* foreign : foreign_) DeleteForeign(foreign);
      foreign_.clear();
    }
    exports_.clear();
    loader_.reset();
    if (node_ != nullptr) node_->FreeUnderLock();
    duet_.Reset();
    inspect_.Reset();
    module_proxy_.Reset();
    require_library_.Reset();
    error_classes_.clear();
    status_key_.Reset();
    callable_key_.Reset();
    context_.Reset();
    // The isolate may outlive this engine until other threads release
    // their state: nothing may reach the engine, and a handed-over isolate
    // keeps as little heap as it can.
    isolate_->RemoveNearHeapLimitCallback(&Engine::NearHeapLimit, 0);
    isolate_->RemoveGCEpilogueCallback(&Engine::GcEpilogue, this);
    isolate_->RemoveGCPrologueCallback(&Engine::MarkingStarts, this);
    isolate_->SetData(0, nullptr);
    if (parked_->parked_hint.load(std::memory_order_relaxed) > 0) {
      isolate_->LowMemoryNotification();
    }
  }
  // Node's platform lets go of the isolate before it is disposed.
  if (node_ != nullptr) node_->Unregister();
  DisposeWhenUnparked(parked_, isolate_, std::move(allocator_));
  live_isolates.fetch_sub(1);
  node_.reset();
}

// ---- stopping ----

void EngineRegistry::Add(Engine* engine) {
  absl::MutexLock lock(&mutex_);
  engines_.push_back(engine);
}

void EngineRegistry::Remove(Engine* engine) {
  absl::MutexLock lock(&mutex_);
  engines_.erase(std::remove(engines_.begin(), engines_.end(), engine),
                 engines_.end());
}

void EngineRegistry::InterruptAll() {
  absl::MutexLock lock(&mutex_);
  for (Engine* engine : engines_) engine->Interrupt();
}

void EngineRegistry::PostDestruction(std::unique_ptr<Engine> engine) {
  uint64_t id;
  {
    absl::MutexLock lock(&doomed_mutex_);
    id = next_doomed_++;
    const Engine* address = engine.get();
    const NodeEnvironment* node = engine->node();
    doomed_.push_back(Doomed{id, std::move(engine), address, node});
  }
  engine::Scheduler::Shared().Post(
      absl::InfinitePast(),
      [registry = shared_from_this(), id] { registry->DestroyPosted(id); });
}

void EngineRegistry::DestroyPosted(uint64_t id) {
  absl::MutexLock lock(&doomed_mutex_);
  auto doomed = std::find_if(doomed_.begin(), doomed_.end(),
                             [id](const Doomed& d) { return d.id == id; });
  // Gone, or taken by FinishDestructions.
  if (doomed == doomed_.end() || doomed->engine == nullptr) return;
  DestroyDoomed(doomed);
}

void EngineRegistry::DestroyDoomed(std::list<Doomed>::iterator doomed) {
  std::unique_ptr<Engine> engine = std::move(doomed->engine);
  doomed_mutex_.Unlock();
  engine.reset();
  doomed_mutex_.Lock();
  doomed_.erase(doomed);  // a list's other entries may come and go meanwhile
  doomed_gone_.SignalAll();
}

void EngineRegistry::FinishDestructions() {
  absl::MutexLock lock(&doomed_mutex_);
  for (;;) {
    auto next = doomed_.end();
    bool under_way = false;
    for (auto doomed = doomed_.begin(); doomed != doomed_.end(); ++doomed) {
      // Its destruction waits for this thread to leave it.
      if (Engine::InsideOnThisThread(doomed->address, doomed->node)) continue;
      if (doomed->engine == nullptr) {
        under_way = true;
      } else {
        next = doomed;
        break;
      }
    }
    // Done here rather than waited for: every scheduler thread may be busy
    // (this one among them).
    if (next != doomed_.end()) {
      DestroyDoomed(next);
    } else if (under_way) {
      doomed_gone_.Wait(&doomed_mutex_);
    } else {
      return;
    }
  }
}

void DestroyEngine(std::unique_ptr<Engine> engine) {
  if (engine == nullptr) return;
  if (!engine->InsideOnThisThread()) return;  // destroyed here, as it goes
  // Another scheduler thread may take it while this thread is still inside:
  // ~Engine stops and waits for what runs in it, as from any other thread.
  if (std::shared_ptr<EngineRegistry> registry = engine->registry_) {
    registry->PostDestruction(std::move(engine));
    return;
  }
  std::shared_ptr<Engine> doomed(engine.release());
  engine::Scheduler::Shared().Post(absl::InfinitePast(),
                                   [doomed = std::move(doomed)] {});
}

bool Engine::InsideOnThisThread() const {
  return InsideOnThisThread(this, node_.get());
}

namespace {

// The innermost frame of the engine at `engine` on the calling thread, or
// null. The address is only compared: the engine may be being destroyed.
Engine::Frame* FrameOnThisThread(const Engine* engine) {
  return engine::ThreadFrames<Engine::Frame>::Find(
      [engine](const Engine::Frame* frame) { return frame->engine == engine; });
}

}  // namespace

bool Engine::InsideOnThisThread(const Engine* engine,
                                const NodeEnvironment* node) {
  return FrameOnThisThread(engine) != nullptr ||
         NodeEnvironment::IsLoopThreadOf(node);
}

Engine::Frame* Engine::CurrentFrame() const { return FrameOnThisThread(this); }

void Engine::Terminate(Frame* frame) {
  frame->terminated = true;
  // Node's callback bookkeeping (its async context stack) cannot survive a
  // callback cut short while Node may still call into JavaScript: a
  // stopped Node callback ends the environment first, as Node's own
  // Worker.terminate() does.
  if (frame->node_loop) node_->EndForStop();
  isolate_->TerminateExecution();
}

void Engine::RecordStop(Frame* frame, StopReason reason) {
  engine::RecordStop(frame->stop, reason);
  frame->stopped.store(true, std::memory_order_release);
}

void Engine::Stop(Frame* frame, StopReason reason) {
  SpinLockHolder lock(&stop_mutex_);
  RecordStop(frame, reason);
  // Only the frame holding the lock is running JavaScript; a waiting frame
  // is terminated when it takes the lock back (HostCallScope).
  if (frame->in_js && !frame->terminated) RequestStop(frame);
}

void Engine::Interrupt() {
  {
    SpinLockHolder lock(&stop_mutex_);
    frames_.ForEach([this](Frame* frame) {
      // A held scope's frame between its calls: the next call is not
      // stopped by an interrupt made before it.
      if (frame->idle.load(std::memory_order_acquire)) return;
      RecordStop(frame, StopReason::kInterrupt);
      if (frame->in_js && !frame->terminated) RequestStop(frame);
    });
  }
  // Calls awaiting a Promise hold no frame: they end too.
  loop_->InterruptCalls();
}

void Engine::RequestStop(Frame* frame) {
  // V8 runs the callback at the frame's next interrupt check, on the thread
  // running it, where the stack can be read; terminating from here would
  // win over the callback. A callback that arrives after the frame ended
  // finds no stopped frame and does nothing.
  isolate_->RequestInterrupt(&Engine::TerminateAtInterrupt, nullptr);
}

void Engine::TerminateAtInterrupt(v8::Isolate* isolate, void*) {
  Engine* engine = From(isolate);
  if (engine == nullptr) return;
  Frame* frame = engine->CurrentFrame();
  if (frame == nullptr) return;
  {
    SpinLockHolder lock(&engine->stop_mutex_);
    if (frame->stop == StopReason::kNone || frame->terminated) return;
  }
  engine->CaptureAndTerminate(frame);
}

void Engine::CaptureAndTerminate(Frame* frame) {
  std::vector<StackFrame> stack = CurrentStack();
  SpinLockHolder lock(&stop_mutex_);
  if (frame->terminated) return;
  frame->stopped_at = std::move(stack);
  Terminate(frame);
}

std::vector<StackFrame> Engine::CurrentStack() {
  v8::HandleScope handles(isolate_);
  v8::Local<v8::StackTrace> trace = v8::StackTrace::CurrentStackTrace(
      isolate_, kStackFramesCaptured, v8::StackTrace::kDetailed);
  return FramesFromTrace(trace, trace->GetFrameCount());
}

absl::Status Engine::StopStatus(StopReason reason,
                                std::vector<StackFrame> stopped_at) const {
  engine::StopDetails details;
  details.language = Language::kJavaScript;
  details.engine_name = "JavaScript";
  details.module = log_source_;
  details.memory_mb = memory_mb_;
  details.stack = std::move(stopped_at);
  // An interrupt of code that was not running any more still reports as one.
  if (reason == StopReason::kNone) reason = StopReason::kInterrupt;
  return engine::StopStatus(reason, std::move(details));
}

absl::Status Engine::CurrentFrameStopStatus() {
  Frame* frame = CurrentFrame();
  if (frame == nullptr) return absl::OkStatus();
  return FrameStopStatus(*frame);
}

absl::Status Engine::FrameStopStatus(const Frame& frame) const {
  // Every call asks, nearly always of a frame that was not stopped. A stop
  // recorded after this load is seen by the next check, as one recorded
  // just after the lock was let go would be.
  if (!frame.stopped.load(std::memory_order_acquire)) return absl::OkStatus();
  StopReason reason;
  std::vector<StackFrame> stopped_at;
  {
    SpinLockHolder lock(&stop_mutex_);
    reason = frame.stop;
    stopped_at = frame.stopped_at;
  }
  return StopStatus(reason, std::move(stopped_at));
}

void Engine::MarkExhausted() {
  exhausted_.store(true, std::memory_order_release);
  {
    SpinLockHolder lock(&stop_mutex_);
    frames_.ForEach([this](Frame* frame) {
      // An idle held frame: its next call finds the engine exhausted.
      if (frame->idle.load(std::memory_order_acquire)) return;
      RecordStop(frame, StopReason::kMemory);
      if (frame->in_js && !frame->terminated) Terminate(frame);
    });
  }
  isolate_->TerminateExecution();  // also outside any frame
}

void Engine::GcEpilogue(v8::Isolate* isolate, v8::GCType type,
                        v8::GCCallbackFlags flags, void* data) {
  // Runs after every full GC on the thread that ran it: what is left is
  // live, so over the cap the isolate is done.
  Engine* engine = static_cast<Engine*>(data);
  if (engine->exhausted()) return;
  if (engine->HeldBytes() > engine->cap_bytes_) engine->MarkExhausted();
}

size_t Engine::HeldBytes() const {
  v8::HeapStatistics stats;
  isolate_->GetHeapStatistics(&stats);
  // Large strings are external (convert.cc): their characters are outside
  // V8's heap, reported to it as external memory, as the wrappers of other
  // engines' functions are. A script that keeps them holds that memory.
  const int64_t external = isolate_->AdjustAmountOfExternalAllocatedMemory(0);
  return stats.used_heap_size() +
         static_cast<size_t>(std::max<int64_t>(external, 0));
}

void Engine::MarkingStarts(v8::Isolate* isolate, v8::GCType type,
                           v8::GCCallbackFlags flags, void* data) {
  // V8 starts marking when the heap grew past its allocation limit, e.g.
  // right after a large object. The heap may hold garbage, so only a full
  // GC can tell; it runs at the next interrupt check in JavaScript or when
  // the entry ends (CheckHeapIfSuspect), whichever comes first.
  Engine* engine = static_cast<Engine*>(data);
  if (engine->exhausted()) return;
  if (engine->HeldBytes() <= engine->cap_bytes_) return;
  if (engine->over_cap_suspect_.exchange(true, std::memory_order_relaxed)) {
    return;
  }
  isolate->RequestInterrupt(
      [](v8::Isolate* isolate, void* data) {
        static_cast<Engine*>(data)->CheckHeapIfSuspect();
      },
      engine);
}

void Engine::CheckHeapIfSuspect() {
  if (!over_cap_suspect_.exchange(false, std::memory_order_relaxed)) return;
  if (exhausted()) return;
  CollectGarbage();  // GcEpilogue decides on what survives it
}

void Engine::CollectGarbage() {
  isolate_->MemoryPressureNotification(v8::MemoryPressureLevel::kCritical);
  isolate_->MemoryPressureNotification(v8::MemoryPressureLevel::kNone);
}

size_t Engine::NearHeapLimit(void* data, size_t current_heap_limit,
                             size_t initial_heap_limit) {
  // Runs inside a GC when even the headroom above the cap is used up: a
  // builtin that loops without looking for termination kept allocating
  // after it was stopped. V8 aborts the process when the limit stays. It
  // stays: extending it let Array.prototype.fill on new Array(1e8) (512 MB
  // cap) reach 7.6 GB RSS in 2 minutes and still run, where keeping it
  // aborts after 8.5 s at 2.0 GB. Stopping everything still helps when V8
  // calls this for ineffective GCs short of the limit.
  static_cast<Engine*>(data)->MarkExhausted();
  return current_heap_limit;
}

void Engine::EnterFrame(Frame* frame) {
  frame->engine = this;
  engine::ThreadFrames<Frame>::Push(frame);
  SpinLockHolder lock(&stop_mutex_);
  frames_.Add(frame);
  if (exhausted()) {
    RecordStop(frame, StopReason::kMemory);
    Terminate(frame);
  }
}

void Engine::LeaveFrame(Frame* frame) {
  {
    SpinLockHolder lock(&stop_mutex_);
    frames_.Remove(frame);
    // Only this frame received this termination: clear it so it never
    // reaches a later call (also when it arrived after the code finished).
    if (frame->terminated) isolate_->CancelTerminateExecution();
  }
  engine::ThreadFrames<Frame>::Pop(frame);
}

void Engine::ListKeptFrame(Frame* frame) {
  frame->engine = this;
  frame->idle.store(true, std::memory_order_relaxed);
  SpinLockHolder lock(&stop_mutex_);
  frames_.Add(frame);
}

void Engine::UnlistKeptFrame(Frame* frame) {
  SpinLockHolder lock(&stop_mutex_);
  frames_.Remove(frame);
}

void Engine::BeginKeptFrame(Frame* frame) {
  // Recorded by an Interrupt() that found the last call still running but
  // came after its end's look (EndKeptFrame): not this call's. Checked
  // before the frame stops being idle, so a stop recorded after that is.
  if (frame->stopped.load(std::memory_order_acquire)) ClearKeptStop(frame);
  frame->idle.store(false, std::memory_order_release);
  engine::ThreadFrames<Frame>::Push(frame);
  // Only this thread, holding the lock, can exhaust the engine; the caller
  // looked before, but an entry of this thread may have since.
  if (ABSL_PREDICT_FALSE(exhausted())) {
    SpinLockHolder lock(&stop_mutex_);
    RecordStop(frame, StopReason::kMemory);
    Terminate(frame);
  }
}

void Engine::EndKeptFrame(Frame* frame) {
  engine::ThreadFrames<Frame>::Pop(frame);
  frame->idle.store(true, std::memory_order_release);
  // Only this thread terminates a frame, after recording its stop: a
  // termination this call received is seen here and cancelled. A stop
  // recorded after this look only requested an interrupt, which finds no
  // stop once the next call dropped it (BeginKeptFrame).
  if (frame->stopped.load(std::memory_order_acquire)) ClearKeptStop(frame);
}

void Engine::ClearKeptStop(Frame* frame) {
  SpinLockHolder lock(&stop_mutex_);
  if (frame->terminated) isolate_->CancelTerminateExecution();
  frame->terminated = false;
  frame->stop = StopReason::kNone;
  frame->stopped.store(false, std::memory_order_relaxed);
  frame->stopped_at.clear();
}

v8::Isolate* EngineScope::Prepare(Engine& engine, ThreadRecord** record) {
  *record = EnterThread(engine.isolate(), engine.parked_);
  return engine.isolate();
}

EngineHold::EngineHold(Engine& engine)
    : engine_(engine),
      locker_(EngineScope::Prepare(engine, &record_)),
      isolate_scope_(engine.isolate()),
      handles_(engine.isolate()),
      context_(engine.context()),
      context_scope_(context_) {
  ++record_->held_contexts;
  engine::EngineLockTaken();
  engine.ListKeptFrame(&frame_);
}

EngineHold::~EngineHold() {
  engine_.UnlistKeptFrame(&frame_);
  --record_->held_contexts;
  engine::EngineLockReleased();
}

namespace {

// V8 derives the stack limit from where the thread first entered the
// isolate; an entry from deep inside a JS -> Python -> JS chain (or a thread
// with a small stack) needs it from its own entry point `sp` and the real
// stack end. The limit moves no more than the entry point does, so an entry
// within 64 KB of the one that set it needs no new one (nor StackLimitFor).
ABSL_ATTRIBUTE_ALWAYS_INLINE inline void FollowEntryPoint(v8::Isolate* isolate,
                                                          ThreadRecord* record,
                                                          uintptr_t sp) {
  const uintptr_t last_sp = record->stack_limit_sp;
  if (last_sp == 0 ||
      (last_sp > sp ? last_sp - sp : sp - last_sp) > 64 * 1024) {
    uintptr_t limit = StackLimitFor(sp);
    uintptr_t last = record->stack_limit;
    if (last == 0 || (last > limit ? last - limit : limit - last) > 64 * 1024) {
      isolate->SetStackLimit(limit);
      record->stack_limit = limit;
      record->stack_limit_sp = sp;
    }
  }
}

}  // namespace

HeldCallScope::HeldCallScope(EngineHold& hold, absl::Time deadline)
    : hold_(hold),
      lock_(hold.engine_, &record_, &hold),
      handles_(hold.engine_.isolate()) {
  Engine& engine = hold.engine_;
  if (record_->open_scopes != 0) context_scope_.emplace(hold.context_);
  ++record_->open_scopes;
  FollowEntryPoint(engine.isolate(), record_,
                   reinterpret_cast<uintptr_t>(__builtin_frame_address(0)));
  hold.busy_ = true;
  Engine::Frame* frame = &hold.frame_;
  frame->deadline = deadline;
  engine::EngineLockTaken();
  engine.functions_->Drain();
  engine.SettleExternalMemory();
  engine.BeginKeptFrame(frame);
  if (deadline != absl::InfiniteFuture()) {
    Engine* target = &engine;
    ticket_ = internal::Watchdog::Shared().Arm(deadline, [target, frame] {
      target->Stop(frame, StopReason::kDeadline);
    });
  }
}

HeldCallScope::~HeldCallScope() {
  Engine& engine = hold_.engine_;
  // Waits for a running callback: no deadline stop comes after this.
  if (ticket_.has_value()) ticket_->Disarm();
  engine.EndKeptFrame(&hold_.frame_);
  hold_.busy_ = false;
  engine.functions_->Drain();  // those the call itself dropped
  engine.SettleExternalMemory();
  --record_->open_scopes;
  engine::EngineLockReleased();
}

EngineScope::EntryLock::EntryLock(Engine& engine, ThreadRecord** record,
                                  const EngineHold* hold) {
  // A hold's record is this thread's for the isolate while it is kept:
  // no thread-local lookup.
  v8::Isolate* isolate = hold != nullptr
                             ? (*record = hold->record_, engine.isolate())
                             : Prepare(engine, record);
  const ThreadRecord& here = **record;
  if (here.held_contexts > 0 && here.open_scopes == 0 &&
      v8::Isolate::TryGetCurrent() == isolate) {
    return;
  }
  locker.emplace(isolate);
  isolate_scope.emplace(isolate);
}

EngineScope::EngineScope(Engine& engine, absl::Time deadline)
    : engine_(engine),
      lock_(engine, &record_, /*hold=*/nullptr),
      handles_(engine.isolate()),
      context_(engine.context()) {
  if (record_->held_contexts == 0 || record_->open_scopes != 0) {
    context_scope_.emplace(context_);
  }
  ++record_->open_scopes;
  FollowEntryPoint(engine.isolate(), record_,
                   reinterpret_cast<uintptr_t>(__builtin_frame_address(0)));
  frame_.deadline = deadline;
  frame_.node_loop = engine.node_ != nullptr && engine.node_->OnLoopThread();
  engine::EngineLockTaken();
  // Function handles dropped while this engine was busy go now.
  engine.functions_->Drain();
  engine.SettleExternalMemory();
  engine.EnterFrame(&frame_);
  if (deadline != absl::InfiniteFuture()) {
    Engine* target = &engine;
    Engine::Frame* frame = &frame_;
    ticket_ = internal::Watchdog::Shared().Arm(deadline, [target, frame] {
      target->Stop(frame, StopReason::kDeadline);
    });
  }
}

EngineScope::~EngineScope() {
  // Waits for a running callback: the frame is still live.
  if (ticket_.has_value()) ticket_->Disarm();
  engine_.LeaveFrame(&frame_);
  engine_.functions_->Drain();  // those the entry itself dropped
  engine_.SettleExternalMemory();
  // Timers, I/O and ticks this entry started are the Node loop's to run.
  if (engine_.node_ != nullptr && !engine_.node_->OnLoopThread()) {
    engine_.node_->Wake();
  }
  --record_->open_scopes;
  engine::EngineLockReleased();
}

StopReason EngineScope::stop_reason() const {
  if (!frame_.stopped.load(std::memory_order_acquire)) return StopReason::kNone;
  SpinLockHolder lock(&engine_.stop_mutex_);
  return frame_.stop;
}

absl::Status EngineScope::stop_status() const {
  return engine_.FrameStopStatus(frame_);
}

HostCallScope::HostCallScope(Engine& engine, bool release)
    : engine_(engine), frame_(engine.CurrentFrame()) {
  if (release) Release();
}

HostCallScope::HostCallScope(Engine& engine, Engine::Frame* frame)
    : engine_(engine), frame_(frame) {}

HostCallScope::~HostCallScope() { Reacquire(); }

void HostCallScope::Release() {
  if (frame_ != nullptr) {
    SpinLockHolder lock(&engine_.stop_mutex_);
    frame_->in_js = false;
  }
  engine::EngineLockReleased();
  unlocker_.emplace(engine_.isolate());
}

StopReason HostCallScope::Reacquire() {
  if (!unlocker_.has_value()) return StopReason::kNone;
  unlocker_.reset();
  engine::EngineLockTaken();
  if (frame_ == nullptr) return StopReason::kNone;
  StopReason stop;
  bool terminate;
  {
    SpinLockHolder lock(&engine_.stop_mutex_);
    frame_->in_js = true;
    stop = frame_->stop;
    terminate = stop != StopReason::kNone && !frame_->terminated;
  }
  // Stopped while in the host call: it stops here, where it is.
  if (terminate) engine_.CaptureAndTerminate(frame_);
  return stop;
}

// ---- errors ----

std::vector<StackFrame> Engine::FramesFromTrace(v8::Local<v8::StackTrace> trace,
                                                int count) {
  std::vector<StackFrame> frames;
  for (int i = 0; i < count; ++i) {
    v8::Local<v8::StackFrame> frame = trace->GetFrame(isolate_, i);
    std::string file = Utf8Lossy(isolate_, frame->GetScriptName());
    if (file.empty() || IsInternalScript(file)) continue;
    StackFrame out;
    out.language = Language::kJavaScript;
    out.file = std::move(file);
    out.line = frame->GetLineNumber();
    out.column = frame->GetColumn();
    out.function = Utf8Lossy(isolate_, frame->GetFunctionName());
    frames.push_back(std::move(out));
  }
  return frames;
}

std::vector<StackFrame> Engine::FramesOf(v8::Local<v8::Value> exception,
                                         v8::Local<v8::Message> message) {
  std::vector<StackFrame> frames;
  v8::Local<v8::StackTrace> trace;
  if (!exception.IsEmpty() && exception->IsObject()) {
    trace = v8::Exception::GetStackTrace(exception);
  }
  if (trace.IsEmpty() && !message.IsEmpty()) trace = message->GetStackTrace();
  if (!trace.IsEmpty()) {
    int count = trace->GetFrameCount();
    // In a nested entry (JS -> host -> this isolate again) the trace also
    // holds the frames of the outer entries, still below us on this stack;
    // they are reported by the outer entry, so drop them here. This runs
    // after the call unwound, so the current stack is exactly those frames.
    if (count < kStackFramesCaptured) {
      int outer =
          v8::StackTrace::CurrentStackTrace(isolate_, kStackFramesCaptured)
              ->GetFrameCount();
      count = std::max(0, count - outer);
    }
    frames = FramesFromTrace(trace, count);
  }
  if (frames.empty() && !message.IsEmpty()) {
    // An exception made outside any script (one carrying a host status) has
    // no resource name: undefined, not a file called "undefined".
    v8::Local<v8::Value> resource = message->GetScriptResourceName();
    std::string file =
        resource->IsString() ? Utf8Lossy(isolate_, resource) : std::string();
    if (!file.empty() && !IsInternalScript(file)) {
      v8::Local<v8::Context> context = this->context();
      StackFrame out;
      out.language = Language::kJavaScript;
      out.file = std::move(file);
      out.line = message->GetLineNumber(context).FromMaybe(0);
      out.column = message->GetStartColumn(context).FromMaybe(-1) + 1;
      frames.push_back(std::move(out));
    }
  }
  return frames;
}

absl::Status Engine::StatusFromTryCatch(v8::TryCatch& try_catch,
                                        absl::StatusCode code) {
  if (try_catch.HasTerminated()) {
    // The frame that received the termination cancels it when it ends.
    absl::Status stopped = CurrentFrameStopStatus();
    if (!stopped.ok()) return stopped;
    return StopStatus(exhausted() ? StopReason::kMemory
                                  : StopReason::kInterrupt);
  }
  if (!try_catch.HasCaught()) {
    return absl::UnknownError("JavaScript failed without an exception");
  }
  return StatusFromException(try_catch.Exception(), try_catch.Message(), code);
}

std::optional<absl::Status> Engine::CarriedStatus(
    v8::Local<v8::Value> exception) {
  if (!exception->IsObject()) return std::nullopt;
  v8::Local<v8::Value> hidden;
  if (!exception.As<v8::Object>()
           ->GetPrivate(context(), status_key_.Get(isolate_))
           .ToLocal(&hidden) ||
      !hidden->IsArrayBuffer()) {
    return std::nullopt;
  }
  v8::Local<v8::ArrayBuffer> buffer = hidden.As<v8::ArrayBuffer>();
  return engine::DecodeStatus(std::string_view(
      static_cast<const char*>(buffer->Data()), buffer->ByteLength()));
}

ScriptError Engine::DescribeException(v8::Local<v8::Value> exception,
                                      v8::Local<v8::Message> message,
                                      v8::Local<v8::Value>* cause) {
  v8::Local<v8::Context> context = this->context();
  ScriptError error;
  error.language = Language::kJavaScript;
  error.stack = FramesOf(exception, message);
  if (!exception->IsNativeError()) {
    error.type = "Uncaught";
    error.message = exception->IsObject() ? Inspect(exception)
                                          : Utf8Lossy(isolate_, exception);
    return error;
  }
  v8::Local<v8::Object> object = exception.As<v8::Object>();
  v8::Local<v8::String> name_key = Str(isolate_, "name");
  v8::Local<v8::Value> name;
  v8::Local<v8::Value> text;
  if (object->Get(context, name_key).ToLocal(&name)) {
    error.type = Utf8Lossy(isolate_, name);
  }
  if (object->Get(context, Str(isolate_, "message")).ToLocal(&text)) {
    error.message = Utf8Lossy(isolate_, text);
  }
  // Up the prototype chain: the first built-in prototype is the builtin
  // type; when the name comes from one, the class never set its own, and a
  // subclass (class MyError extends Error {}) is named by its constructor.
  bool name_is_builtin = false;
  bool name_found = false;
  v8::Local<v8::Value> link = object;
  for (int i = 0; i < 64 && link->IsObject(); ++i) {
    v8::Local<v8::Object> here = link.As<v8::Object>();
    const ErrorClass* builtin = nullptr;
    for (const ErrorClass& klass : error_classes_) {
      if (klass.prototype.Get(isolate_)->StrictEquals(here)) builtin = &klass;
    }
    if (builtin != nullptr && error.builtin_type.empty()) {
      error.builtin_type = std::string(builtin->name);
    }
    if (!name_found &&
        here->HasOwnProperty(context, name_key).FromMaybe(false)) {
      name_found = true;
      name_is_builtin = builtin != nullptr;
    }
    if (name_found && !error.builtin_type.empty()) break;
    link = here->GetPrototype();
  }
  v8::Local<v8::Value> constructor;
  if (name_is_builtin &&
      object->Get(context, Str(isolate_, "constructor"))
          .ToLocal(&constructor) &&
      constructor->IsFunction()) {
    std::string class_name =
        Utf8Lossy(isolate_, constructor.As<v8::Function>()->GetName());
    if (!class_name.empty()) error.type = std::move(class_name);
  }
  if (error.type.empty()) error.type = "Error";

  // Own enumerable data properties that convert are its details.
  internal::ConversionGuard guard(absl::InfiniteFuture(), kDetailsBudgetBytes);
  Value::Map details;
  for (v8::Local<v8::Value> key : OwnEnumerableKeys(context, object)) {
    std::string field = Utf8Lossy(isolate_, key);
    if (IsErrorField(field)) continue;
    v8::Local<v8::Value> descriptor;
    v8::Local<v8::Value> value;
    v8::Local<v8::String> value_key = Str(isolate_, "value");
    if (!object->GetOwnPropertyDescriptor(context, key.As<v8::Name>())
             .ToLocal(&descriptor) ||
        !descriptor->IsObject() ||
        !descriptor.As<v8::Object>()
             ->HasOwnProperty(context, value_key)
             .FromMaybe(false) ||
        !descriptor.As<v8::Object>()->Get(context, value_key).ToLocal(&value) ||
        value->IsFunction()) {
      continue;  // an accessor: code, not data
    }
    internal::ValuePath path("details");
    absl::StatusOr<Value> converted = ToValue(context, value, path, guard);
    if (converted.ok()) details.Set(std::move(field), *std::move(converted));
  }
  if (!details.empty()) error.details = Value(std::move(details));

  v8::Local<v8::String> cause_key = Str(isolate_, "cause");
  v8::Local<v8::Value> caused_by;
  if (cause != nullptr &&
      object->HasOwnProperty(context, cause_key).FromMaybe(false) &&
      object->Get(context, cause_key).ToLocal(&caused_by) &&
      !caused_by->IsUndefined()) {
    *cause = caused_by;
  }
  return error;
}

std::shared_ptr<const ScriptError> Engine::CauseChain(
    v8::Local<v8::Value> exception, v8::Local<v8::Value> cause) {
  std::vector<v8::Local<v8::Value>> seen = {exception};
  std::vector<ScriptError> chain;
  std::shared_ptr<const ScriptError> tail;
  while (!cause.IsEmpty() && chain.size() < kMaxCauseDepth) {
    bool repeated = false;
    for (v8::Local<v8::Value> earlier : seen) {
      repeated |= earlier->StrictEquals(cause);
    }
    if (repeated) break;
    seen.push_back(cause);
    if (std::optional<absl::Status> carried = CarriedStatus(cause)) {
      if (std::optional<ScriptError> error = GetScriptError(*carried)) {
        tail = std::make_shared<const ScriptError>(*std::move(error));
        break;
      }
    }
    v8::Local<v8::Value> next;
    chain.push_back(DescribeException(cause, v8::Local<v8::Message>(), &next));
    cause = next;
  }
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    it->cause = std::move(tail);
    tail = std::make_shared<const ScriptError>(std::move(*it));
  }
  return tail;
}

namespace {

// The code a duet.Error made by the script chose (its `code`), when it
// names one other than UNKNOWN; nullopt for any other value. `duet` is the
// frozen in-script API, so duet.Error is the bootstrap's class.
std::optional<absl::StatusCode> ChosenCode(v8::Local<v8::Context> context,
                                           v8::Local<v8::Object> duet,
                                           v8::Local<v8::Value> exception) {
  v8::Isolate* isolate = context->GetIsolate();
  v8::Local<v8::Value> error_class;
  v8::Local<v8::Value> prototype;
  if (!exception->IsObject() ||
      !duet->Get(context, Str(isolate, "Error")).ToLocal(&error_class) ||
      !error_class->IsFunction() ||
      !error_class.As<v8::Object>()
           ->Get(context, Str(isolate, "prototype"))
           .ToLocal(&prototype)) {
    return std::nullopt;
  }
  // Walked here rather than with instanceof, which runs script code.
  bool is_duet_error = false;
  v8::Local<v8::Value> link = exception.As<v8::Object>()->GetPrototype();
  for (int i = 0; i < 64 && link->IsObject() && !is_duet_error; ++i) {
    is_duet_error = link->StrictEquals(prototype);
    link = link.As<v8::Object>()->GetPrototype();
  }
  v8::Local<v8::Value> code;
  if (!is_duet_error ||
      !exception.As<v8::Object>()
           ->Get(context, Str(isolate, "code"))
           .ToLocal(&code) ||
      !code->IsString()) {
    return std::nullopt;
  }
  std::optional<absl::StatusCode> chosen =
      engine::PluginStatusCode(Utf8Lossy(isolate, code));
  if (chosen == absl::StatusCode::kUnknown) return std::nullopt;
  return chosen;
}

}  // namespace

absl::Status Engine::StatusFromException(v8::Local<v8::Value> exception,
                                         v8::Local<v8::Message> message,
                                         absl::StatusCode code) {
  v8::HandleScope handles(isolate_);
  v8::TryCatch inner(isolate_);
  if (std::optional<absl::Status> original = CarriedStatus(exception)) {
    return AppendStackFrames(*original, FramesOf(exception, message));
  }
  v8::Local<v8::Value> cause;
  ScriptError error = DescribeException(exception, message, &cause);
  error.cause = CauseChain(exception, cause);
  std::optional<absl::StatusCode> chosen;
  if (!duet_.IsEmpty()) {
    chosen = ChosenCode(context(), duet_.Get(isolate_), exception);
  }
  if (!chosen) return MakeScriptError(std::move(error), code);
  // The plugin's own status: its code, its message as it wrote it.
  absl::Status status(*chosen, error.message);
  MakeScriptError(std::move(error), *chosen)
      .ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
        status.SetPayload(url, payload);
      });
  return status;
}

absl::Status Engine::SyntaxErrorStatus(v8::TryCatch& try_catch) {
  if (!try_catch.HasCaught() || try_catch.HasTerminated()) {
    return StatusFromTryCatch(try_catch);
  }
  v8::Local<v8::Context> context = this->context();
  absl::Status thrown =
      StatusFromException(try_catch.Exception(), try_catch.Message(),
                          absl::StatusCode::kInvalidArgument);
  std::optional<ScriptError> error = GetScriptError(thrown);
  v8::Local<v8::Message> message = try_catch.Message();
  if (!error || message.IsEmpty()) return thrown;
  std::string file = Utf8Lossy(isolate_, message->GetScriptResourceName());
  int line = message->GetLineNumber(context).FromMaybe(0);
  int column = message->GetStartColumn(context).FromMaybe(-1) + 1;
  v8::Local<v8::String> source_line;
  if (message->GetSourceLine(context).ToLocal(&source_line)) {
    error->source_line = Utf8Lossy(isolate_, source_line);
  }
  StackFrame frame;
  frame.language = Language::kJavaScript;
  frame.file = file;
  frame.line = line;
  frame.column = column;
  error->stack = {frame};
  std::string headline = absl::StrCat(file, ":", line, ":", column, ": ",
                                      error->type, ": ", error->message);
  absl::Status made =
      MakeScriptError(std::move(*error), absl::StatusCode::kInvalidArgument);
  absl::Status out(absl::StatusCode::kInvalidArgument, headline);
  made.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    out.SetPayload(url, payload);
  });
  return out;
}

v8::Local<v8::Object> Engine::ErrorObject(const absl::Status& status,
                                          const ScriptError* error, int depth) {
  v8::EscapableHandleScope handles(isolate_);
  v8::Local<v8::Context> context = this->context();
  std::string message =
      error ? error->message : std::string(internal::ToStd(status.message()));
  std::string name = error && !error->type.empty() ? error->type : "DuetError";
  // The class: the mapping table of docs/errors.md.
  std::string_view class_name = "Error";
  if (error != nullptr) {
    std::string_view builtin =
        error->builtin_type.empty() ? error->type : error->builtin_type;
    class_name = error->language == Language::kPython
                     ? JavaScriptClassForPython(builtin)
                     : builtin;
  }
  const ErrorClass* klass = &error_classes_.front();
  for (const ErrorClass& each : error_classes_) {
    if (each.name == class_name) klass = &each;
  }
  v8::Local<v8::Value> text = Str(isolate_, message);
  v8::Local<v8::Value> aggregate_args[] = {v8::Array::New(isolate_, 0), text};
  const bool aggregate = klass->name == "AggregateError";
  v8::Local<v8::Object> object;
  if (!klass->constructor.Get(isolate_)
           ->NewInstance(context, aggregate ? 2 : 1,
                         aggregate ? aggregate_args : &text)
           .ToLocal(&object)) {
    object = v8::Exception::Error(Str(isolate_, message)).As<v8::Object>();
  }
  auto define = [&](std::string_view key, v8::Local<v8::Value> value,
                    bool enumerable) {
    IgnoreResult(
        object->DefineOwnProperty(context, Str(isolate_, key), value,
                                  enumerable ? v8::None : v8::DontEnum));
  };
  auto define_text = [&](std::string_view key, std::string_view value,
                         bool enumerable) {
    define(key, Str(isolate_, value), enumerable);
  };
  define_text("name", name, false);
  define_text("code", internal::ToStd(absl::StatusCodeToString(status.code())),
              true);
  if (error) {
    define_text("language", LanguageName(error->language), true);
    // e.stack shows where the error really began (another module, maybe
    // another language) above the JavaScript frames that called it.
    std::string stack = absl::StrCat(name, ": ", message);
    for (const StackFrame& frame : error->stack) {
      absl::StrAppend(&stack, "\n    at ",
                      frame.function.empty() ? "<module>" : frame.function,
                      " (", frame.file, ":", frame.line);
      if (frame.column > 0) absl::StrAppend(&stack, ":", frame.column);
      absl::StrAppend(&stack, ") [", ToAbsl(LanguageName(frame.language)), "]");
    }
    v8::Local<v8::Value> js_stack;
    if (object->Get(context, Str(isolate_, "stack")).ToLocal(&js_stack) &&
        js_stack->IsString()) {
      // V8's text is "Error: message\n    at ...": keep its frames.
      std::string v8_text = Utf8Lossy(isolate_, js_stack);
      size_t frames = v8_text.find("\n    at ");
      if (frames != std::string::npos) stack += v8_text.substr(frames);
    }
    define_text("stack", stack, false);
    // Details: all under .details, and each as a property of its own unless
    // the error already has one of that name (code, language, toString...).
    if (error->details.is_map()) {
      internal::ConversionGuard guard(absl::InfiniteFuture(), 0);
      internal::ValuePath path("details");
      absl::StatusOr<v8::Local<v8::Value>> all =
          ToV8(context, error->details, path, guard);
      if (all.ok()) {
        for (const auto& [key, value] : error->details.as_map()) {
          v8::Local<v8::String> field = Str(isolate_, key);
          if (IsErrorField(key) || key == "details" ||
              object->Has(context, field).FromMaybe(true)) {
            continue;
          }
          v8::Local<v8::Value> converted;
          if (all->As<v8::Object>()->Get(context, field).ToLocal(&converted)) {
            define(key, converted, true);
          }
        }
        define("details", *all, false);
      }
    }
    if (error->cause != nullptr && depth < kMaxCauseDepth) {
      define("cause",
             ErrorObject(MakeScriptError(*error->cause), error->cause.get(),
                         depth + 1),
             false);
    }
  }
  std::string serialized = engine::EncodeStatus(status);
  v8::Local<v8::ArrayBuffer> buffer = NewArrayBuffer(isolate_, serialized);
  IgnoreResult(object->SetPrivate(context, status_key_.Get(isolate_), buffer));
  return handles.Escape(object);
}

void Engine::ThrowStatus(const absl::Status& status) {
  // A terminating isolate takes no exception; the stop is what is reported.
  if (isolate_->IsExecutionTerminating()) return;
  v8::HandleScope handles(isolate_);
  isolate_->ThrowException(ExceptionFor(status));
}

v8::Local<v8::Value> Engine::ExceptionFor(const absl::Status& status) {
  v8::EscapableHandleScope handles(isolate_);
  std::optional<ScriptError> error = GetScriptError(status);
  v8::Local<v8::Object> exception;
  {
    v8::TryCatch building(isolate_);  // a throwing getter is not what's thrown
    exception = ErrorObject(status, error ? &*error : nullptr, 0);
  }
  return handles.Escape(exception);
}

absl::Status Engine::RunMicrotasks() {
  isolate_->PerformMicrotaskCheckpoint();
  return CurrentFrameStopStatus();
}

absl::Status Engine::Settle(v8::Local<v8::Value>* value,
                            std::string_view what) {
  DUET_RETURN_IF_ERROR(RunMicrotasks());
  if (!(*value)->IsPromise()) return absl::OkStatus();
  v8::Local<v8::Promise> promise = value->As<v8::Promise>();
  switch (promise->State()) {
    case v8::Promise::kFulfilled:
      *value = promise->Result();
      return absl::OkStatus();
    case v8::Promise::kRejected:
      promise->MarkAsHandled();
      return StatusFromException(promise->Result(), v8::Local<v8::Message>());
    case v8::Promise::kPending:
      break;
  }
  return absl::FailedPreconditionError(absl::StrCat(
      ToAbsl(what),
      " returned a Promise that did not settle after its microtasks ran; "
      "a module's top-level code cannot wait for timers"));
}

// ---- function values ----

Value::CallablePtr Engine::FunctionValue(v8::Local<v8::Function> function) {
  v8::Local<v8::Value> data;
  if (function->GetPrivate(context(), callable_key_.Get(isolate_))
          .ToLocal(&data) &&
      data->IsExternal()) {
    return static_cast<ForeignFunction*>(data.As<v8::External>()->Value())
        ->callable;
  }
  auto* handle = new v8::Global<v8::Function>(isolate_, function);
  functions_->Adopt(handle);
  return std::make_shared<const JsFunction>(
      functions_, handle, Utf8Lossy(isolate_, function->GetDebugName()));
}

v8::MaybeLocal<v8::Function> Engine::FunctionToV8(
    const Value::CallablePtr& callable) {
  if (const auto* own = dynamic_cast<const JsFunction*>(callable.get());
      own != nullptr && own->owner() == functions_.get()) {
    return own->handle()->Get(isolate_);
  }
  v8::Local<v8::Context> context = this->context();
  auto* foreign = new ForeignFunction{callable, {}};
  v8::Local<v8::External> data = v8::External::New(isolate_, foreign);
  v8::Local<v8::Function> function;
  if (!v8::Function::New(context, &Engine::CallForeign, data, 0,
                         v8::ConstructorBehavior::kThrow)
           .ToLocal(&function)) {
    DeleteForeign(foreign);
    return {};
  }
  if (!callable->name().empty()) {
    function->SetName(Str(isolate_, callable->name()));
  }
  IgnoreResult(
      function->SetPrivate(context, callable_key_.Get(isolate_), data));
  foreign->function.Reset(isolate_, function);
  foreign->function.SetWeak(foreign, &Engine::ForeignGone,
                            v8::WeakCallbackType::kParameter);
  foreign_.insert(foreign);
  isolate_->AdjustAmountOfExternalAllocatedMemory(kForeignFunctionBytes);
  return function;
}

void Engine::CallForeign(const v8::FunctionCallbackInfo<v8::Value>& info) {
  Engine* engine = From(info.GetIsolate());
  if (engine == nullptr) return;
  // A copy: the wrapper may be collected while the lock is released.
  Value::CallablePtr callable =
      static_cast<ForeignFunction*>(info.Data().As<v8::External>()->Value())
          ->callable;
  const Frame* frame = engine->CurrentFrame();
  const absl::Time deadline =
      frame != nullptr ? frame->deadline : absl::InfiniteFuture();
  engine->CallOut(info, 0, [&](absl::Span<const Value> args) {
    return callable->Call(args, deadline);
  });
}

void Engine::ForeignGone(const v8::WeakCallbackInfo<ForeignFunction>& info) {
  ForeignFunction* foreign = info.GetParameter();
  Engine* engine = From(info.GetIsolate());
  if (engine != nullptr) {
    engine->foreign_.erase(foreign);
    // Inside the GC: no V8 calls; the next entry settles it.
    engine->foreign_freed_bytes_ += kForeignFunctionBytes;
  }
  DeleteForeign(foreign);
}

void Engine::SettleExternalMemory() {
  if (foreign_freed_bytes_ == 0) return;
  isolate_->AdjustAmountOfExternalAllocatedMemory(-foreign_freed_bytes_);
  foreign_freed_bytes_ = 0;
}

size_t Engine::FunctionHandleCount() const {
  return functions_->HandleCount() + foreign_.size();
}

template <typename Scope>
absl::StatusOr<Value> Engine::CallFunction(Scope& scope,
                                           v8::Local<v8::Function> function,
                                           v8::Local<v8::Value> receiver,
                                           absl::Span<const Value> args,
                                           absl::Time deadline,
                                           std::string_view what,
                                           v8::Local<v8::Promise>* pending) {
  // A failure seen after the code was stopped is reported as the stop.
  auto stopped = [&scope](absl::Status status) {
    absl::Status stop = scope.stop_status();
    return stop.ok() ? status : stop;
  };
  v8::Local<v8::Context> context = scope.context();
  v8::TryCatch try_catch(isolate_);

  constexpr size_t kInlineArgs = 8;
  v8::Local<v8::Value> inline_argv[kInlineArgs];
  std::vector<v8::Local<v8::Value>> heap_argv;
  v8::Local<v8::Value>* argv = inline_argv;
  if (args.size() > kInlineArgs) {
    heap_argv.resize(args.size());
    argv = heap_argv.data();
  }
  internal::ConversionGuard args_guard(deadline, 0);
  for (size_t i = 0; i < args.size(); ++i) {
    if (ScalarToV8(isolate_, args[i], &argv[i])) continue;
    internal::ValuePath path("args");
    internal::ScopedPathElement element(path, i);
    DUET_ASSIGN_OR_RETURN(argv[i], ToV8(context, args[i], path, args_guard));
  }
  v8::Local<v8::Value> result;
  if (!function->Call(context, receiver, static_cast<int>(args.size()), argv)
           .ToLocal(&result)) {
    // A guard that refused an allocation stops the call and throws.
    return stopped(StatusFromTryCatch(try_catch));
  }
  // An endless microtask chain is stopped like an endless loop: the call
  // did not finish, whatever it returned. (RunMicrotasks, with the frame
  // at hand.)
  isolate_->PerformMicrotaskCheckpoint();
  absl::Status drained = scope.stop_status();
  if (!drained.ok()) return drained;
  if (pending != nullptr && result->IsPromise() &&
      result.As<v8::Promise>()->State() == v8::Promise::kPending) {
    *pending = result.As<v8::Promise>();
    return Value();
  }
  if (result->IsPromise()) {  // an async function that is done already
    absl::Status settled = Settle(&result, what);
    if (!settled.ok()) return stopped(settled);
  }
  Value scalar;
  if (ScalarToValue(result, &scalar)) return scalar;
  internal::ValuePath result_path("result");
  internal::ConversionGuard guard(deadline, value_budget_bytes_);
  absl::StatusOr<Value> value = ToValue(context, result, result_path, guard);
  if (!value.ok() && try_catch.HasCaught()) {
    return StatusFromTryCatch(try_catch);
  }
  if (!value.ok()) return stopped(value.status());
  return value;
}

template absl::StatusOr<Value> Engine::CallFunction(
    EngineScope& scope, v8::Local<v8::Function> function,
    v8::Local<v8::Value> receiver, absl::Span<const Value> args,
    absl::Time deadline, std::string_view what,
    v8::Local<v8::Promise>* pending);
template absl::StatusOr<Value> Engine::CallFunction(
    HeldCallScope& scope, v8::Local<v8::Function> function,
    v8::Local<v8::Value> receiver, absl::Span<const Value> args,
    absl::Time deadline, std::string_view what,
    v8::Local<v8::Promise>* pending);

// ---- calls out of the engine ----

void Engine::CallModuleOut(const v8::FunctionCallbackInfo<v8::Value>& info,
                           int first_arg, std::string_view module,
                           std::string_view function) {
  std::shared_ptr<EventLoop::Foreign> own;
  const std::shared_ptr<EventLoop::Foreign>& foreign = loop_->TakeForeign(&own);
  CallOut(
      info, first_arg,
      [&](absl::Span<const Value> args) {
        return services_.CallModuleOrStart(
            module, function, args,
            [&] { return EventLoop::ForeignCompletion(foreign); },
            foreign->cancellation, &foreign->started);
      },
      foreign);
  foreign->in_use = false;  // CallOut returns with the isolate locked
}

bool Engine::ConvertArguments(const v8::FunctionCallbackInfo<v8::Value>& info,
                              int first_arg, int from,
                              const engine::CallerLimits& limits,
                              absl::InlinedVector<Value, 4>& args) {
  v8::Local<v8::Context> context = isolate_->GetCurrentContext();
  absl::Status conversion;
  {
    v8::TryCatch try_catch(isolate_);
    internal::ValuePath path("args");
    internal::ConversionGuard guard = engine::ArgumentGuard(limits);
    for (size_t i = from; i < args.size() && conversion.ok(); ++i) {
      v8::Local<v8::Value> arg = info[first_arg + static_cast<int>(i)];
      if (ScalarToValue(arg, &args[i])) continue;
      internal::ScopedPathElement element(path, i);
      absl::StatusOr<Value> value = ToValue(context, arg, path, guard);
      if (value.ok()) {
        args[i] = *std::move(value);
      } else if (try_catch.HasCaught()) {
        try_catch.ReThrow();  // a getter threw: let its exception through
        return false;
      } else {
        conversion = value.status();
      }
    }
  }
  if (!conversion.ok()) {
    ThrowStatus(conversion);  // outside the TryCatch above
    return false;
  }
  return true;
}

void Engine::CallOut(
    const v8::FunctionCallbackInfo<v8::Value>& info, int first_arg,
    absl::FunctionRef<absl::StatusOr<Value>(absl::Span<const Value>)> fn,
    const std::shared_ptr<EventLoop::Foreign>& foreign) {
  Frame* frame = CurrentFrame();
  engine::CallerLimits limits;
  limits.deadline = frame != nullptr ? frame->deadline : absl::InfiniteFuture();
  limits.value_budget_bytes = value_budget_bytes_;
  // In place for the few arguments most calls pass.
  absl::InlinedVector<Value, 4> args;
  const int count = info.Length() > first_arg ? info.Length() - first_arg : 0;
  // Small ints, most arguments, are made in place (ScalarToValue's first
  // case): no null Value made first and then replaced.
  int scalars = 0;
  args.reserve(count);
  while (scalars < count && info[first_arg + scalars]->IsInt32()) {
    args.emplace_back(static_cast<int64_t>(
        info[first_arg + scalars].As<v8::Int32>()->Value()));
    ++scalars;
  }
  args.resize(count);
  // Numbers, booleans and null cost the guard nothing, cannot fail and run
  // no JavaScript: converted in place, with no TryCatch or context.
  while (scalars < count &&
         ScalarToValue(info[first_arg + scalars], &args[scalars])) {
    ++scalars;
  }
  if (scalars < count &&
      !ConvertArguments(info, first_arg, scalars, limits, args)) {
    return;
  }
  HostCallScope lock(*this, frame);
  engine::OutboundResult out = engine::CallOut(lock, [&] { return fn(args); });
  if (foreign != nullptr && foreign->started) {
    // A call started elsewhere: the script gets a Promise for it; one
    // stopped meanwhile cancels it.
    if (out.stopped != StopReason::kNone) {
      foreign->cancellation->Cancel();
      return;
    }
    v8::Local<v8::Promise> promise;
    if (loop_->AdoptForeign(foreign, &promise)) {
      info.GetReturnValue().Set(promise);
    }
    return;
  }
  // Stopped meanwhile: the termination is pending, JavaScript won't resume.
  if (out.stopped != StopReason::kNone) return;
  if (!out.result.ok()) {
    ThrowStatus(out.result.status());
    return;
  }
  v8::Local<v8::Value> scalar;
  if (ScalarToV8(isolate_, *out.result, &scalar)) {
    info.GetReturnValue().Set(scalar);
    return;
  }
  internal::ValuePath path("result");
  internal::ConversionGuard guard = engine::ResultGuard(limits);
  absl::StatusOr<v8::Local<v8::Value>> converted =
      ToV8(isolate_->GetCurrentContext(), *std::move(out.result), path, guard);
  if (!converted.ok()) {
    ThrowStatus(converted.status());
    return;
  }
  info.GetReturnValue().Set(*converted);
  CollectExternalResults();
}

// V8 starts a collection for external memory only as the heap's own
// allocation advances its marking: a loop that gets large strings from
// calls out and makes no other garbage kept every one (600 MiB after 600
// 1 MiB results), until something else allocated.
constexpr int64_t kExternalResultBytes = int64_t{64} << 20;

void Engine::CollectExternalResults() {
  const int64_t external = isolate_->AdjustAmountOfExternalAllocatedMemory(0);
  if (external < external_bytes_collected_at_) {
    external_bytes_collected_at_ = external;
    return;
  }
  if (external - external_bytes_collected_at_ < kExternalResultBytes) return;
  CollectGarbage();
  external_bytes_collected_at_ =
      isolate_->AdjustAmountOfExternalAllocatedMemory(0);
}

const Engine::BoundName* Engine::BindName(std::string module,
                                          std::string function) {
  return &bound_names_.emplace_back(
      BoundName{std::move(module), std::move(function)});
}

// ---- REPL helpers ----

v8::Local<v8::Value> Engine::ModuleProxy(std::string_view name) {
  v8::EscapableHandleScope scope(isolate_);
  v8::Local<v8::Value> arg = Str(isolate_, name);
  v8::Local<v8::Value> proxy;
  if (!module_proxy_.Get(isolate_)
           ->Call(context(), v8::Undefined(isolate_), 1, &arg)
           .ToLocal(&proxy)) {
    return scope.Escape(v8::Undefined(isolate_).As<v8::Value>());
  }
  return scope.Escape(proxy);
}

std::string Engine::Inspect(v8::Local<v8::Value> value) {
  v8::HandleScope scope(isolate_);
  v8::TryCatch try_catch(isolate_);
  v8::Local<v8::Value> text;
  if (!inspect_.Get(isolate_)
           ->Call(context(), v8::Undefined(isolate_), 1, &value)
           .ToLocal(&text)) {
    return Utf8Lossy(isolate_, value);
  }
  return Utf8Lossy(isolate_, text);
}

}  // namespace duet::js
