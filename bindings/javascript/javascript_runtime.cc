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

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "duet/internal/status_macros.h"
#include "duet/internal/strings.h"
#include "duet/internal/utf8.h"
#include "duet/internal/value_path.h"
#include "javascript/convert.h"
#include "javascript/engine.h"

namespace duet {
namespace {

using internal::ToAbsl;
using js::Engine;
using js::EngineScope;

bool IsIdentifier(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              c == '$' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::vector<v8::Local<v8::Value>> OwnEnumerableKeys(
    v8::Local<v8::Context> context, v8::Local<v8::Object> object) {
  std::vector<v8::Local<v8::Value>> keys;
  v8::Local<v8::Array> names;
  if (!object
           ->GetOwnPropertyNames(context,
                                 static_cast<v8::PropertyFilter>(
                                     v8::ONLY_ENUMERABLE | v8::SKIP_SYMBOLS),
                                 v8::KeyConversionMode::kConvertToString)
           .ToLocal(&names)) {
    return keys;
  }
  for (uint32_t i = 0; i < names->Length(); ++i) {
    v8::Local<v8::Value> name;
    if (names->Get(context, i).ToLocal(&name)) keys.push_back(name);
  }
  return keys;
}

class JsImplementation : public Implementation {
 public:
  static absl::StatusOr<std::unique_ptr<Implementation>> Load(
      HostServices& services, const ImplementationSpec& spec) {
    std::unique_ptr<JsImplementation> impl(new JsImplementation(spec.module));
    DUET_ASSIGN_OR_RETURN(impl->engine_,
                          Engine::Create(services, spec.module, spec.root,
                                         /*repl=*/false));
    DUET_RETURN_IF_ERROR(impl->LoadEntry(spec));
    return std::unique_ptr<Implementation>(std::move(impl));
  }

  ~JsImplementation() override {
    if (engine_ == nullptr) return;
    v8::Locker locker(engine_->isolate());
    v8::Isolate::Scope isolate_scope(engine_->isolate());
    functions_.clear();  // Globals go before the isolate does.
  }

  Language language() const override { return Language::kJavaScript; }
  const std::vector<std::string>& exports() const override { return exports_; }

  absl::StatusOr<Value> Call(std::string_view function,
                             absl::Span<const Value> args) override {
    auto it = functions_.find(function);
    if (it == functions_.end()) {
      return absl::NotFoundError(absl::StrCat("JavaScript module '", module_,
                                              "' has no exported function '",
                                              ToAbsl(function), "'"));
    }
    const Export& target = it->second;
    EngineScope scope(*engine_);
    v8::Isolate* isolate = engine_->isolate();
    v8::Local<v8::Context> context = scope.context();
    v8::TryCatch try_catch(isolate);

    constexpr size_t kInlineArgs = 8;
    v8::Local<v8::Value> inline_argv[kInlineArgs];
    std::vector<v8::Local<v8::Value>> heap_argv;
    v8::Local<v8::Value>* argv = inline_argv;
    if (args.size() > kInlineArgs) {
      heap_argv.resize(args.size());
      argv = heap_argv.data();
    }
    internal::ValuePath path("args");
    for (size_t i = 0; i < args.size(); ++i) {
      internal::ScopedPathElement element(path, i);
      DUET_ASSIGN_OR_RETURN(argv[i], js::ToV8(context, args[i], path));
    }
    v8::Local<v8::Value> result;
    if (!target.function.Get(isolate)
             ->Call(context, target.receiver.Get(isolate),
                    static_cast<int>(args.size()), argv)
             .ToLocal(&result)) {
      return engine_->StatusFromTryCatch(try_catch);
    }
    isolate->PerformMicrotaskCheckpoint();
    if (result->IsPromise()) {  // an async function: settle it now
      DUET_RETURN_IF_ERROR(engine_->Settle(
          &result, absl::StrCat("function '", module_, ".", it->first, "'")));
    }
    internal::ValuePath result_path("result");
    absl::StatusOr<Value> value = js::ToValue(context, result, result_path);
    if (!value.ok() && try_catch.HasCaught()) {
      return engine_->StatusFromTryCatch(try_catch);
    }
    return value;
  }

 private:
  struct Export {
    v8::Global<v8::Function> function;
    v8::Global<v8::Value> receiver;
  };

  explicit JsImplementation(std::string module) : module_(std::move(module)) {}

  absl::Status LoadEntry(const ImplementationSpec& spec) {
    EngineScope scope(*engine_);
    v8::Isolate* isolate = engine_->isolate();
    v8::Local<v8::Context> context = scope.context();
    DUET_ASSIGN_OR_RETURN(Engine::Loaded loaded,
                          engine_->LoadEntry(spec.entry));
    v8::TryCatch try_catch(isolate);
    auto add = [&](const std::string& name, v8::Local<v8::Value> value,
                   v8::Local<v8::Value> receiver) {
      if (!value->IsFunction() || functions_.count(name) > 0) return;
      Export& slot = functions_[name];
      slot.function.Reset(isolate, value.As<v8::Function>());
      slot.receiver.Reset(isolate, receiver);
    };
    auto add_functions_of = [&](v8::Local<v8::Object> object,
                                v8::Local<v8::Value> receiver,
                                v8::Local<v8::Value>* default_export) {
      for (v8::Local<v8::Value> key : OwnEnumerableKeys(context, object)) {
        v8::Local<v8::Value> value;
        if (!object->Get(context, key).ToLocal(&value)) {
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
    for (const auto& [name, slot] : functions_) exports_.push_back(name);
    return absl::OkStatus();
  }

  std::string module_;
  std::unique_ptr<Engine> engine_;
  std::map<std::string, Export, std::less<>> functions_;
  std::vector<std::string> exports_;  // sorted (the map's order)
};

class JsReplSession : public ReplSession {
 public:
  JsReplSession(HostServices& services, std::unique_ptr<Engine> engine)
      : services_(services), engine_(std::move(engine)) {}

  absl::StatusOr<std::string> Evaluate(std::string_view code) override {
    if (std::optional<size_t> bad = internal::FindInvalidUtf8(code)) {
      return absl::InvalidArgumentError(
          absl::StrCat("input is not valid UTF-8 (byte ", *bad, ")"));
    }
    // Asked before taking the lock: HostServices may enter any engine.
    std::vector<std::string> modules = services_.ModuleNames();
    EngineScope scope(*engine_);
    v8::Isolate* isolate = engine_->isolate();
    v8::Local<v8::Context> context = scope.context();
    v8::TryCatch try_catch(isolate);
    v8::Local<v8::Object> global = context->Global();
    for (const std::string& name : modules) {
      if (!IsIdentifier(name)) continue;
      v8::Local<v8::String> key = js::Str(isolate, name);
      // A name the user defined, or one bound before, stays as it is.
      if (global->HasOwnProperty(context, key).FromMaybe(true)) continue;
      js::IgnoreResult(global->Set(context, key, engine_->ModuleProxy(name)));
    }
    try_catch.Reset();
    v8::Local<v8::String> source;
    if (!js::NewString(isolate, code).ToLocal(&source)) {
      return absl::InvalidArgumentError("input too long");
    }
    v8::ScriptOrigin origin(isolate, js::Str(isolate, "<repl>"));
    v8::Local<v8::Script> script;
    if (!v8::Script::Compile(context, source, &origin).ToLocal(&script)) {
      return engine_->SyntaxErrorStatus(try_catch);
    }
    v8::Local<v8::Value> result;
    if (!script->Run(context).ToLocal(&result)) {
      return engine_->StatusFromTryCatch(try_catch);
    }
    isolate->PerformMicrotaskCheckpoint();
    if (result->IsUndefined()) return std::string();
    return engine_->Inspect(result);
  }

 private:
  HostServices& services_;
  std::unique_ptr<Engine> engine_;
};

class JavaScriptRuntime : public Runtime {
 public:
  explicit JavaScriptRuntime(HostServices& services) : services_(services) {}

  Language language() const override { return Language::kJavaScript; }
  std::vector<std::string> file_extensions() const override {
    return {".js", ".mjs", ".cjs"};
  }

  absl::StatusOr<std::unique_ptr<Implementation>> Load(
      const ImplementationSpec& spec) override {
    return JsImplementation::Load(services_, spec);
  }

  absl::StatusOr<std::unique_ptr<ReplSession>> NewReplSession() override {
    DUET_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine,
                          Engine::Create(services_, "repl", {}, /*repl=*/true));
    return std::unique_ptr<ReplSession>(
        new JsReplSession(services_, std::move(engine)));
  }

 private:
  HostServices& services_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Runtime>> CreateJavaScriptRuntime(
    HostServices& services) {
  js::EnsureV8Initialized();
  return std::unique_ptr<Runtime>(new JavaScriptRuntime(services));
}

}  // namespace duet
