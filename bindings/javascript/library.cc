#include "javascript/library.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "javascript/convert.h"

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
      .FromMaybe(false);
}

}  // namespace duet::js
