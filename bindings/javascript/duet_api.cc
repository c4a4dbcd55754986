// The native side of the in-script `duet` API (bootstrap.h builds the
// JavaScript side on it): small free functions, each a V8 callback. Calls
// out to the host go through Engine::CallOut (engine::CallOut underneath).
#include "javascript/duet_api.h"

#include <string>
#include <utility>
#include <vector>

#include "duet/engine/call_out.h"
#include "duet/engine/status_codes.h"
#include "duet/host.h"
#include "javascript/convert.h"
#include "javascript/engine.h"

namespace duet::js {
namespace {

std::string ArgString(const v8::FunctionCallbackInfo<v8::Value>& info,
                      int index) {
  return Utf8Lossy(info.GetIsolate(), info[index]);
}

void ModuleFunctionCallback(const v8::FunctionCallbackInfo<v8::Value>& info);
void HostFunctionCallback(const v8::FunctionCallbackInfo<v8::Value>& info);

// Runs `host_call` with the isolate unlocked (engine::WithoutEngineLock).
// False when the entry was stopped meanwhile: its termination is pending,
// so the callback returns without touching JavaScript.
template <typename HostCall>
bool WithoutLock(Engine& engine, HostCall&& host_call) {
  HostCallScope lock(engine, /*release=*/false);
  return engine::WithoutEngineLock(lock, std::forward<HostCall>(host_call)) ==
         StopReason::kNone;
}

void MakeModuleFunction(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  const Engine::BoundName* bound =
      Engine::From(isolate)->BindName(ArgString(info, 0), ArgString(info, 1));
  v8::Local<v8::Function> function;
  if (!v8::Function::New(
           isolate->GetCurrentContext(), &ModuleFunctionCallback,
           v8::External::New(isolate, const_cast<Engine::BoundName*>(bound)))
           .ToLocal(&function)) {
    return;
  }
  function->SetName(Str(isolate, bound->function));
  info.GetReturnValue().Set(function);
}

void MakeHostFunction(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  const Engine::BoundName* bound =
      Engine::From(isolate)->BindName("", ArgString(info, 0));
  v8::Local<v8::Function> function;
  if (!v8::Function::New(
           isolate->GetCurrentContext(), &HostFunctionCallback,
           v8::External::New(isolate, const_cast<Engine::BoundName*>(bound)))
           .ToLocal(&function)) {
    return;
  }
  function->SetName(Str(isolate, bound->function));
  info.GetReturnValue().Set(function);
}

void ModuleFunctionCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  Engine* engine = Engine::From(info.GetIsolate());
  const Engine::BoundName* bound = static_cast<const Engine::BoundName*>(
      info.Data().As<v8::External>()->Value());
  engine->CallModuleOut(info, 0, bound->module, bound->function);
}

void HostFunctionCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  Engine* engine = Engine::From(info.GetIsolate());
  const Engine::BoundName* bound = static_cast<const Engine::BoundName*>(
      info.Data().As<v8::External>()->Value());
  const Engine::Frame* frame = engine->CurrentFrame();
  HostCallContext caller;
  caller.module = engine->log_source();
  caller.language = Language::kJavaScript;
  caller.deadline = frame != nullptr ? frame->deadline : absl::InfiniteFuture();
  engine->CallOut(info, 0, [&](absl::Span<const Value> args) {
    return engine->services().CallHostFunction(caller, bound->function, args);
  });
}

void CallCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  Engine* engine = Engine::From(info.GetIsolate());
  std::string text = info.Length() > 0 && info[0]->IsString()
                         ? ArgString(info, 0)
                         : std::string();
  absl::StatusOr<QualifiedName> name = SplitQualifiedName(text);
  if (!name.ok()) {
    engine->ThrowStatus(name.status());
    return;
  }
  engine->CallModuleOut(info, 1, name->module, name->function);
}

void ReturnNames(const v8::FunctionCallbackInfo<v8::Value>& info,
                 const std::vector<std::string>& names) {
  v8::Isolate* isolate = info.GetIsolate();
  std::vector<v8::Local<v8::Value>> items;
  items.reserve(names.size());
  for (const std::string& name : names) items.push_back(Str(isolate, name));
  info.GetReturnValue().Set(
      v8::Array::New(isolate, items.data(), items.size()));
}

void ModuleNamesCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  Engine* engine = Engine::From(info.GetIsolate());
  std::vector<std::string> names;
  if (WithoutLock(*engine, [&] { names = engine->services().ModuleNames(); })) {
    ReturnNames(info, names);
  }
}

void ModuleFunctionsCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  Engine* engine = Engine::From(info.GetIsolate());
  std::string module = ArgString(info, 0);
  absl::StatusOr<std::vector<std::string>> names;
  if (!WithoutLock(*engine, [&] {
        names = engine->services().ModuleFunctions(module);
      })) {
    return;
  }
  if (!names.ok()) {
    engine->ThrowStatus(names.status());
    return;
  }
  ReturnNames(info, *names);
}

void HostFunctionNamesCallback(
    const v8::FunctionCallbackInfo<v8::Value>& info) {
  Engine* engine = Engine::From(info.GetIsolate());
  std::vector<std::string> names;
  if (WithoutLock(*engine, [&] {
        names = engine->services().HostFunctionNames(engine->log_source());
      })) {
    ReturnNames(info, names);
  }
}

void LogCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  Engine* engine = Engine::From(info.GetIsolate());
  int level = info[0]->IsInt32() ? info[0].As<v8::Int32>()->Value() : 1;
  if (level < 0 || level > 3) level = 1;
  std::string message = ArgString(info, 1);
  WithoutLock(*engine, [&] {
    engine::LogLines(engine->services(), static_cast<LogLevel>(level),
                     engine->log_source(), message);
  });
}

// duet.Error's check of a code: "" or what is wrong with it.
void StatusCodeProblemCallback(
    const v8::FunctionCallbackInfo<v8::Value>& info) {
  info.GetReturnValue().Set(Str(
      info.GetIsolate(),
      engine::PluginStatusCodeProblem(Utf8Lossy(info.GetIsolate(), info[0]))));
}

// Whether the value is an error duet threw for a failed call, which
// `instanceof duet.Error` accepts as Python's `except duet.Error` does.
void CarriesStatusCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  info.GetReturnValue().Set(
      Engine::From(info.GetIsolate())->CarriesStatus(info[0]));
}

void PromiseStateCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  if (!info[0]->IsPromise()) return;
  v8::Local<v8::Promise> promise = info[0].As<v8::Promise>();
  v8::Local<v8::Value> items[2];
  switch (promise->State()) {
    case v8::Promise::kPending:
      items[0] = Str(isolate, "pending");
      items[1] = v8::Undefined(isolate);
      break;
    case v8::Promise::kFulfilled:
      items[0] = Str(isolate, "fulfilled");
      items[1] = promise->Result();
      break;
    case v8::Promise::kRejected:
      items[0] = Str(isolate, "rejected");
      items[1] = promise->Result();
      break;
  }
  info.GetReturnValue().Set(v8::Array::New(isolate, items, 2));
}

// ---- live-names objects: duet.modules and each duet.modules.M ----
//
// Such an object has no own properties of its own making: an interceptor
// with no getter answers `in`, the listings, descriptions and refusals from
// its hooks (internal field 0: { has(key), keys(), value(key) }, which read
// the live names), while a read passes it by and finds a name already
// resolved as a plain data property of its prototype, which V8's inline
// caches load like any other (bootstrap.h's liveNames keeps that cache,
// resolving a miss in the prototype's prototype).

constexpr int kHooksField = 0;

// hooks[hook](key), or empty when it threw (the exception is pending).
v8::MaybeLocal<v8::Value> CallHook(v8::Local<v8::Object> holder,
                                   const char* hook, v8::Local<v8::Value> key) {
  v8::Isolate* isolate = holder->GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Value> hooks = holder->GetInternalField(kHooksField);
  v8::Local<v8::Value> function;
  if (!hooks->IsObject() ||
      !hooks.As<v8::Object>()
           ->Get(context, Str(isolate, hook))
           .ToLocal(&function) ||
      !function->IsFunction()) {
    return {};
  }
  return function.As<v8::Function>()->Call(context, hooks,
                                           key.IsEmpty() ? 0 : 1, &key);
}

// True when `key` is a name the hooks list now.
bool IsLiveName(v8::Local<v8::Object> holder, v8::Local<v8::Name> key) {
  v8::Local<v8::Value> live;
  return key->IsString() && CallHook(holder, "has", key).ToLocal(&live) &&
         live->IsTrue();
}

void LiveNameQuery(v8::Local<v8::Name> key,
                   const v8::PropertyCallbackInfo<v8::Integer>& info) {
  // Not intercepted: the lookup goes on to the prototypes, which answer
  // false (the cache forgot a name no longer listed).
  if (!IsLiveName(info.Holder(), key)) return;
  info.GetReturnValue().Set(v8::Integer::New(info.GetIsolate(), v8::ReadOnly));
}

void LiveNameDescriptor(v8::Local<v8::Name> key,
                        const v8::PropertyCallbackInfo<v8::Value>& info) {
  if (!IsLiveName(info.Holder(), key)) return;
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Value> value;
  if (!CallHook(info.Holder(), "value", key).ToLocal(&value)) return;
  v8::Local<v8::Object> descriptor = v8::Object::New(isolate);
  if (descriptor->Set(context, Str(isolate, "value"), value).IsNothing() ||
      descriptor->Set(context, Str(isolate, "writable"), v8::False(isolate))
          .IsNothing() ||
      descriptor->Set(context, Str(isolate, "enumerable"), v8::True(isolate))
          .IsNothing() ||
      descriptor->Set(context, Str(isolate, "configurable"), v8::True(isolate))
          .IsNothing()) {
    return;
  }
  info.GetReturnValue().Set(descriptor);
}

void LiveNameEnumerator(const v8::PropertyCallbackInfo<v8::Array>& info) {
  v8::Local<v8::Value> keys;
  if (!CallHook(info.Holder(), "keys", {}).ToLocal(&keys) || !keys->IsArray()) {
    return;
  }
  info.GetReturnValue().Set(keys.As<v8::Array>());
}

// The message a Proxy trap's refusal gave before these objects were one.
void ThrowRefused(v8::Isolate* isolate, const char* trap,
                  v8::Local<v8::Name> key) {
  std::string name =
      key->IsString()
          ? Utf8Lossy(isolate, key)
          : "Symbol(" +
                Utf8Lossy(isolate, key.As<v8::Symbol>()->Description(isolate)) +
                ")";
  isolate->ThrowException(v8::Exception::TypeError(
      Str(isolate, "'" + std::string(trap) +
                       "' on proxy: trap returned falsish for property '" +
                       name + "'")));
}

void LiveNameDeleter(v8::Local<v8::Name> key,
                     const v8::PropertyCallbackInfo<v8::Boolean>& info) {
  if (info.ShouldThrowOnError()) {
    ThrowRefused(info.GetIsolate(), "deleteProperty", key);
    return;
  }
  info.GetReturnValue().Set(false);
}

// V8 takes an intercepted definition as done, so a refusal can only throw,
// also where Reflect.defineProperty would have returned false.
void LiveNameDefiner(v8::Local<v8::Name> key, const v8::PropertyDescriptor&,
                     const v8::PropertyCallbackInfo<v8::Value>& info) {
  ThrowRefused(info.GetIsolate(), "defineProperty", key);
}

// An array-index name ("0") reaches indexed interceptors only: each answers
// as its named one for the name's string.
v8::Local<v8::Name> IndexName(v8::Isolate* isolate, uint32_t index) {
  return Str(isolate, std::to_string(index));
}

void LiveIndexQuery(uint32_t index,
                    const v8::PropertyCallbackInfo<v8::Integer>& info) {
  LiveNameQuery(IndexName(info.GetIsolate(), index), info);
}

void LiveIndexDescriptor(uint32_t index,
                         const v8::PropertyCallbackInfo<v8::Value>& info) {
  LiveNameDescriptor(IndexName(info.GetIsolate(), index), info);
}

void LiveIndexDeleter(uint32_t index,
                      const v8::PropertyCallbackInfo<v8::Boolean>& info) {
  LiveNameDeleter(IndexName(info.GetIsolate(), index), info);
}

void LiveIndexDefiner(uint32_t index, const v8::PropertyDescriptor& descriptor,
                      const v8::PropertyCallbackInfo<v8::Value>& info) {
  LiveNameDefiner(IndexName(info.GetIsolate(), index), descriptor, info);
}

// Marks the live-names objects: a script can neither see nor set it.
v8::Local<v8::Private> LiveNamesMark(v8::Isolate* isolate) {
  return v8::Private::ForApi(isolate, Str(isolate, "duet.liveNames"));
}

// native.liveNames(hooks, cache): a new live-names object over `cache`.
void MakeLiveNames(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Function> constructor = info.Data().As<v8::Function>();
  v8::Local<v8::Object> object;
  // Its prototype is fixed when it is made: the template's objects have an
  // immutable one.
  if (!info[0]->IsObject() || !info[1]->IsObject() ||
      constructor->Set(context, Str(isolate, "prototype"), info[1])
          .IsNothing() ||
      !constructor->NewInstance(context).ToLocal(&object)) {
    return;
  }
  object->SetInternalField(kHooksField, info[0]);
  if (object->SetPrivate(context, LiveNamesMark(isolate), v8::True(isolate))
          .IsNothing()) {
    return;
  }
  info.GetReturnValue().Set(object);
}

bool InstallLiveNames(v8::Local<v8::Context> context,
                      v8::Local<v8::Object> native) {
  v8::Isolate* isolate = context->GetIsolate();
  v8::Local<v8::FunctionTemplate> type = v8::FunctionTemplate::New(isolate);
  // Named in the error of a conversion, which refuses them (their prototype
  // is not Object.prototype), as it refused the Proxies they were.
  type->SetClassName(Str(isolate, "duet.modules"));
  v8::Local<v8::ObjectTemplate> instance = type->InstanceTemplate();
  instance->SetInternalFieldCount(1);
  instance->SetImmutableProto();
  instance->SetHandler(v8::NamedPropertyHandlerConfiguration(
      /*getter=*/nullptr, /*setter=*/nullptr, &LiveNameQuery, &LiveNameDeleter,
      &LiveNameEnumerator, &LiveNameDefiner, &LiveNameDescriptor));
  // No enumerator: the named one lists index names too.
  instance->SetHandler(v8::IndexedPropertyHandlerConfiguration(
      /*getter=*/nullptr, /*setter=*/nullptr, &LiveIndexQuery,
      &LiveIndexDeleter, /*enumerator=*/nullptr, &LiveIndexDefiner,
      &LiveIndexDescriptor));
  v8::Local<v8::Function> constructor;
  return type->GetFunction(context).ToLocal(&constructor) &&
         SetFunction(context, native, "liveNames", &MakeLiveNames, constructor);
}

}  // namespace

bool IsLiveNames(v8::Local<v8::Context> context, v8::Local<v8::Object> object) {
  return object->HasPrivate(context, LiveNamesMark(context->GetIsolate()))
      .FromMaybe(false);
}

bool InstallNativeApi(v8::Local<v8::Context> context,
                      v8::Local<v8::Object> native, size_t cap_bytes) {
  v8::Isolate* isolate = context->GetIsolate();
  bool ok =
      InstallLiveNames(context, native) &&
      SetFunction(context, native, "moduleFunction", &MakeModuleFunction) &&
      SetFunction(context, native, "hostFunction", &MakeHostFunction) &&
      SetFunction(context, native, "call", &CallCallback) &&
      SetFunction(context, native, "moduleNames", &ModuleNamesCallback) &&
      SetFunction(context, native, "moduleFunctions",
                  &ModuleFunctionsCallback) &&
      SetFunction(context, native, "hostFunctionNames",
                  &HostFunctionNamesCallback) &&
      SetFunction(context, native, "log", &LogCallback) &&
      SetFunction(context, native, "promiseState", &PromiseStateCallback) &&
      SetFunction(context, native, "statusCodeProblem",
                  &StatusCodeProblemCallback) &&
      SetFunction(context, native, "carriesStatus", &CarriesStatusCallback) &&
      SetFunction(context, native, "isPromise",
                  [](const v8::FunctionCallbackInfo<v8::Value>& info) {
                    info.GetReturnValue().Set(info[0]->IsPromise());
                  }) &&
      SetFunction(context, native, "isDate",
                  [](const v8::FunctionCallbackInfo<v8::Value>& info) {
                    info.GetReturnValue().Set(info[0]->IsDate());
                  }) &&
      SetFunction(context, native, "isRegExp",
                  [](const v8::FunctionCallbackInfo<v8::Value>& info) {
                    info.GetReturnValue().Set(info[0]->IsRegExp());
                  }) &&
      SetFunction(context, native, "isError",
                  [](const v8::FunctionCallbackInfo<v8::Value>& info) {
                    info.GetReturnValue().Set(info[0]->IsNativeError());
                  }) &&
      SetFunction(context, native, "isProxy",
                  [](const v8::FunctionCallbackInfo<v8::Value>& info) {
                    info.GetReturnValue().Set(info[0]->IsProxy());
                  }) &&
      // The allocation guards (bootstrap.h) refuse a builtin call
      // that would pass the heap cap: stopped like a heap-limit hit.
      SetFunction(context, native, "outOfMemory",
                  [](const v8::FunctionCallbackInfo<v8::Value>& info) {
                    Engine::From(info.GetIsolate())->MarkExhausted();
                  });
  // At 8 bytes an element (a pointer or a double), more elements than this
  // cannot fit under the cap.
  ok = ok &&
       native
           ->Set(context, Str(isolate, "heapCapElements"),
                 v8::Number::New(isolate, static_cast<double>(cap_bytes / 8)))
           .FromMaybe(false);
  return ok;
}

}  // namespace duet::js
