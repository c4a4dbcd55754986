#include "javascript/node_environment.h"

#include <poll.h>

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "javascript/convert.h"
#include "javascript/engine.h"
#include "javascript/node_platform.h"
#include "node.h"
#include "uv.h"

namespace duet::js {
namespace {

// The environment whose loop the calling thread runs, if any.
thread_local const NodeEnvironment* loop_thread_of = nullptr;

// Node's per-process setup, once, leaving to duet what duet already did or
// must keep: V8 and its platform, stdio, signal handlers, OpenSSL's and
// V8's options, resource limits. An unhandled rejection is a warning, not
// the end of the environment, as a host must outlive its plugins' slips.
absl::Status InitializeNodeOnce() {
  static absl::Status* status = [] {
    using Flags = node::ProcessInitializationFlags::Flags;
    auto flags = static_cast<Flags>(
        node::ProcessInitializationFlags::kNoInitializeV8 |
        node::ProcessInitializationFlags::kNoInitializeNodeV8Platform |
        node::ProcessInitializationFlags::kNoStdioInitialization |
        node::ProcessInitializationFlags::kNoDefaultSignalHandling |
        node::ProcessInitializationFlags::kNoPrintHelpOrVersionOutput |
        node::ProcessInitializationFlags::kNoAdjustResourceLimits |
        node::ProcessInitializationFlags::kNoUseLargePages);
    std::unique_ptr<node::InitializationResult> result =
        node::InitializeOncePerProcess({"duet", "--unhandled-rejections=warn"},
                                       flags);
    if (result->exit_code() != 0 || !result->errors().empty()) {
      return new absl::Status(absl::InternalError(absl::StrCat(
          "Node.js could not be initialised (exit code ", result->exit_code(),
          "): ", absl::StrJoin(result->errors(), "; "))));
    }
    return new absl::Status();
  }();
  return *status;
}

// Loads the entry with Node's loaders. "duet" resolves to the duet API for
// require(); ES modules reach it as the global `duet`. Node decides the
// entry's format as it would for `node entry`: .mjs and .cjs by extension,
// .js by the nearest package.json's "type".
constexpr char kLoadEntrySource[] = R"js(
'use strict';
const Module = nativeRequire('module');
const fs = nativeRequire('fs');
const path = nativeRequire('path');
const { pathToFileURL } = nativeRequire('url');
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === 'duet') return duet;
  return load.apply(this, arguments);
};
globalThis.duet = duet;
let esm = entry.endsWith('.mjs');
if (!esm && !entry.endsWith('.cjs')) {
  for (let dir = path.dirname(entry); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      try {
        esm = JSON.parse(fs.readFileSync(file, 'utf8')).type === 'module';
      } catch {}
      break;
    }
    if (path.dirname(dir) === dir) break;
  }
}
if (!esm) return [false, Module._load(entry, null, false)];
const importer = new Module(entry, null);
importer.filename = entry;
importer.paths = Module._nodeModulePaths(path.dirname(entry));
importer._compile('module.exports = (url) => import(url);', entry);
return [true, importer.exports(pathToFileURL(entry).href)];
)js";

}  // namespace

absl::StatusOr<std::unique_ptr<NodeEnvironment>> NodeEnvironment::Create() {
  absl::Status initialized = InitializeNodeOnce();
  if (!initialized.ok()) return initialized;
  std::unique_ptr<NodeEnvironment> environment(new NodeEnvironment);
  environment->loop_ = new uv_loop_t;
  int error = uv_loop_init(environment->loop_);
  if (error != 0) {
    delete environment->loop_;
    environment->loop_ = nullptr;
    return absl::ResourceExhaustedError(absl::StrCat(
        "could not create a libuv loop for Node.js: ", uv_strerror(error)));
  }
  environment->wake_ = new uv_async_t;
  uv_async_init(environment->loop_, environment->wake_, [](uv_async_t*) {});
  // Waking never keeps the loop (or Node's teardown) alive.
  uv_unref(reinterpret_cast<uv_handle_t*>(environment->wake_));
  return environment;
}

NodeEnvironment::~NodeEnvironment() {
  StopLoop();
  if (loop_ == nullptr) return;
  if (wake_ != nullptr) {
    uv_close(reinterpret_cast<uv_handle_t*>(wake_), [](uv_handle_t* handle) {
      delete reinterpret_cast<uv_async_t*>(handle);
    });
  }
  // Runs the close callbacks of the handles Node and the platform closed.
  uv_run(loop_, UV_RUN_DEFAULT);
  if (uv_loop_close(loop_) == 0) delete loop_;  // else leaked, not corrupted
}

v8::Isolate* NodeEnvironment::NewIsolate(
    const v8::Isolate::CreateParams& params) {
  isolate_ = v8::Isolate::Allocate();
  // Registered before Initialize, which may post tasks already.
  DuetPlatform()->RegisterIsolate(isolate_, loop_);
  registered_ = true;
  v8::Isolate::Initialize(isolate_, params);
  node::SetIsolateUpForNode(isolate_);
  return isolate_;
}

v8::MaybeLocal<v8::Context> NodeEnvironment::NewContext() {
  return node::NewContext(isolate_);
}

absl::Status NodeEnvironment::Start(v8::Local<v8::Context> context) {
  isolate_data_ =
      node::CreateIsolateData(isolate_, loop_, DuetPlatform(), nullptr);
  // No inspector (it would listen for debuggers); the rest as in `node`.
  auto flags = static_cast<node::EnvironmentFlags::Flags>(
      node::EnvironmentFlags::kDefaultFlags |
      node::EnvironmentFlags::kNoCreateInspector);
  env_ = node::CreateEnvironment(isolate_data_, context, {"duet"}, {}, flags);
  if (env_ == nullptr) {
    return absl::InternalError("could not create the Node.js environment");
  }
  // process.exit() and an uncaught exception end this environment, never
  // the host process.
  node::SetProcessExitHandler(env_, [this](node::Environment* env, int code) {
    exit_code_.store(code);
    node::Stop(env);
  });
  v8::MaybeLocal<v8::Value> loaded = node::LoadEnvironment(
      env_,
      [this](const node::StartExecutionCallbackInfo& info)
          -> v8::MaybeLocal<v8::Value> {
        process_.Reset(isolate_, info.process_object);
        native_require_.Reset(isolate_, info.native_require);
        return v8::Undefined(isolate_);
      });
  if (loaded.IsEmpty() || native_require_.IsEmpty()) {
    return absl::InternalError("the Node.js environment did not start");
  }
  return absl::OkStatus();
}

void NodeEnvironment::StartLoop(Engine& engine, absl::Duration visit_limit) {
  loop_thread_ = std::thread(
      [this, engine = &engine, visit_limit] { RunLoop(engine, visit_limit); });
}

void NodeEnvironment::RunLoop(Engine* engine, absl::Duration visit_limit) {
  loop_thread_of = this;
  const int fd = uv_backend_fd(loop_);
  while (!stopping_.load()) {
    int timeout;
    {
      EngineScope scope(*engine, absl::Now() + visit_limit);
      if (stopping_.load()) break;
      RunOnce();
      timeout = uv_backend_timeout(loop_);
    }
    pollfd ready = {fd, POLLIN, 0};
    poll(&ready, 1, timeout);
  }
  loop_thread_of = nullptr;
}

bool NodeEnvironment::IsLoopThreadOf(const NodeEnvironment* environment) {
  return environment != nullptr && loop_thread_of == environment;
}

void NodeEnvironment::RunOnce() {
  uv_run(loop_, UV_RUN_NOWAIT);
  DuetPlatform()->FlushForegroundTasks(isolate_);
  // Closing a callback scope runs process.nextTick callbacks and
  // microtasks, as after any callback Node makes.
  v8::HandleScope handles(isolate_);
  if (exit_code_.load() < 0) {
    node::CallbackScope ticks(env_, v8::Object::New(isolate_), {0, 0});
  }
}

void NodeEnvironment::EndForStop() {
  int expected = -1;
  if (exit_code_.compare_exchange_strong(expected, kStoppedExitCode) &&
      env_ != nullptr) {
    node::Stop(env_);
  }
}

void NodeEnvironment::Wake() {
  if (wake_ != nullptr) uv_async_send(wake_);
}

std::optional<int> NodeEnvironment::exit_code() const {
  int code = exit_code_.load();
  if (code < 0) return std::nullopt;
  return code;
}

v8::MaybeLocal<v8::Value> NodeEnvironment::LoadEntry(
    v8::Local<v8::Context> context, const std::filesystem::path& entry,
    v8::Local<v8::Object> duet, absl::Time deadline, bool* esm) {
  v8::EscapableHandleScope handles(isolate_);
  v8::ScriptOrigin origin(isolate_, Str(isolate_, "duet:node/load_entry.js"));
  v8::ScriptCompiler::Source source(Str(isolate_, kLoadEntrySource), origin);
  v8::Local<v8::String> params[] = {Str(isolate_, "nativeRequire"),
                                    Str(isolate_, "duet"),
                                    Str(isolate_, "entry")};
  v8::Local<v8::Value> args[] = {native_require_.Get(isolate_), duet,
                                 Str(isolate_, entry.string())};
  v8::Local<v8::Function> function;
  v8::Local<v8::Value> result;
  if (!v8::ScriptCompiler::CompileFunction(context, &source, 3, params)
           .ToLocal(&function) ||
      !function->Call(context, v8::Undefined(isolate_), 3, args)
           .ToLocal(&result)) {
    return {};
  }
  v8::Local<v8::Array> pair = result.As<v8::Array>();
  v8::Local<v8::Value> is_esm, exports;
  if (!pair->Get(context, 0).ToLocal(&is_esm) ||
      !pair->Get(context, 1).ToLocal(&exports)) {
    return {};
  }
  *esm = is_esm->IsTrue();
  if (*esm && exports->IsPromise()) {
    // The ES loader reads files through libuv: turn the loop until the
    // import settles (the load's own lock keeps other entries out).
    v8::Local<v8::Promise> promise = exports.As<v8::Promise>();
    const int fd = uv_backend_fd(loop_);
    while (promise->State() == v8::Promise::kPending &&
           !isolate_->IsExecutionTerminating() && exit_code_.load() < 0) {
      RunOnce();
      if (promise->State() != v8::Promise::kPending) break;
      absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) break;
      int timeout = uv_backend_timeout(loop_);
      // Rounded up, and saturating when the load has no deadline.
      const int64_t left_ms =
          absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1)));
      if (timeout < 0 || timeout > left_ms)
        timeout = static_cast<int>(std::min<int64_t>(left_ms, 1 << 30));
      pollfd ready = {fd, POLLIN, 0};
      poll(&ready, 1, timeout);
    }
    if (promise->State() == v8::Promise::kRejected) {
      promise->MarkAsHandled();
      isolate_->ThrowException(promise->Result());
      return {};
    }
    if (promise->State() == v8::Promise::kPending) {
      isolate_->ThrowException(v8::Exception::Error(
          Str(isolate_, absl::StrCat("the ES module ", entry.string(),
                                     " did not finish loading in time"))));
      return {};
    }
    exports = promise->Result();
  }
  return handles.Escape(exports);
}

void NodeEnvironment::StopLoop() {
  if (!loop_thread_.joinable()) return;
  stopping_.store(true);
  Wake();
  loop_thread_.join();
}

void NodeEnvironment::FreeUnderLock() {
  process_.Reset();
  native_require_.Reset();
  if (env_ != nullptr) {
    node::FreeEnvironment(env_);
    env_ = nullptr;
  }
  if (isolate_data_ != nullptr) {
    node::FreeIsolateData(isolate_data_);
    isolate_data_ = nullptr;
  }
}

void NodeEnvironment::Unregister() {
  if (!registered_) return;
  DuetPlatform()->UnregisterIsolate(isolate_);
  registered_ = false;
}

}  // namespace duet::js
