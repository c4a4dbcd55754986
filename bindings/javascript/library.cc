#include "javascript/library.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "javascript/convert.h"
#include "javascript/fs_natives.h"
#include "javascript/node_natives.h"
#include "javascript/web_natives.h"

namespace duet::js {
namespace {

void CompileLibrary(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  if (info.Length() < 1 || !info[0]->IsString()) return;
  std::string name = Utf8Lossy(isolate, info[0]);
  std::optional<std::string_view> source = LibrarySource(name);
  if (!source) return;
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::ScriptOrigin origin(
      isolate, Str(isolate, absl::StrCat(kLibraryResourcePrefix, name, ".js")));
  v8::ScriptCompiler::Source compiler_source(Str(isolate, *source), origin);
  v8::Local<v8::String> params[] = {
      Str(isolate, "exports"), Str(isolate, "require"), Str(isolate, "module"),
      Str(isolate, "native")};
  v8::Local<v8::Function> function;
  if (!v8::ScriptCompiler::CompileFunction(context, &compiler_source, 4, params)
           .ToLocal(&function)) {
    return;  // the SyntaxError is pending
  }
  info.GetReturnValue().Set(function);
}

// The getter of a lazy global: runs the row's library module and returns
// what the global is; V8 then makes it a plain data property. Data is
// [require, table], table being {name: [module, export (absent: the module
// itself)]}.
void LazyGlobal(v8::Local<v8::Name> name,
                const v8::PropertyCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Array> data = info.Data().As<v8::Array>();
  v8::Local<v8::Value> require, table, row, module, key, exports, value;
  if (!data->Get(context, 0).ToLocal(&require) ||
      !data->Get(context, 1).ToLocal(&table) ||
      !table.As<v8::Object>()->Get(context, name).ToLocal(&row) ||
      !row->IsArray() ||
      !row.As<v8::Array>()->Get(context, 0).ToLocal(&module) ||
      !row.As<v8::Array>()->Get(context, 1).ToLocal(&key) ||
      !require.As<v8::Function>()
           ->Call(context, v8::Undefined(isolate), 1, &module)
           .ToLocal(&exports)) {
    return;  // an exception is pending
  }
  if (key->IsUndefined()) {
    info.GetReturnValue().Set(exports);
  } else if (exports->IsObject() &&
             exports.As<v8::Object>()->Get(context, key).ToLocal(&value)) {
    info.GetReturnValue().Set(value);
  }
}

// defineLazyGlobals(require, table): each name of `table` becomes a global
// that costs one accessor entry until first touched (lib/internal/globals.js).
void DefineLazyGlobals(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  if (info.Length() < 2 || !info[0]->IsFunction() || !info[1]->IsObject()) {
    isolate->ThrowException(v8::Exception::TypeError(
        Str(isolate, "defineLazyGlobals(require, table)")));
    return;
  }
  v8::Local<v8::Value> shared[] = {info[0], info[1]};
  v8::Local<v8::Array> data = v8::Array::New(isolate, shared, 2);
  v8::Local<v8::Array> names;
  if (!info[1].As<v8::Object>()->GetOwnPropertyNames(context).ToLocal(&names)) {
    return;
  }
  v8::Local<v8::Object> global = context->Global();
  for (uint32_t i = 0; i < names->Length(); ++i) {
    v8::Local<v8::Value> name;
    if (!names->Get(context, i).ToLocal(&name) || !name->IsString() ||
        global
            ->SetLazyDataProperty(context, name.As<v8::Name>(), &LazyGlobal,
                                  data, v8::DontEnum)
            .IsNothing()) {
      return;
    }
  }
}

}  // namespace

std::optional<std::string_view> LibrarySource(std::string_view name) {
  const LibraryFile* end = kLibraryFiles + kLibraryFileCount;
  const LibraryFile* found =
      std::lower_bound(kLibraryFiles, end, name,
                       [](const LibraryFile& file, std::string_view key) {
                         return std::string_view(file.name) < key;
                       });
  if (found == end || std::string_view(found->name) != name) {
    return std::nullopt;
  }
  return std::string_view(found->source);
}

bool InstallLibraryNatives(v8::Local<v8::Context> context,
                           v8::Local<v8::Object> native) {
  v8::Isolate* isolate = context->GetIsolate();
  v8::Local<v8::Function> compile;
  if (!v8::Function::New(context, &CompileLibrary).ToLocal(&compile)) {
    return false;
  }
  return native->Set(context, Str(isolate, "compileLibrary"), compile)
             .FromMaybe(false) &&
         SetFunction(context, native, "defineLazyGlobals",
                     &DefineLazyGlobals) &&
         InstallFsNatives(context, native) &&
         InstallNodeNatives(context, native) &&
         InstallWebNatives(context, native);
}

}  // namespace duet::js
