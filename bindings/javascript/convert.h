// duet::Value <-> V8 values, following the table in docs/values.md.
//
// Both directions name the path inside the value on failure (args[0].x) and
// never leave a JavaScript exception pending of their own; a getter or Proxy
// trap that throws while a value is read does, and the conversion then
// returns kInvalidArgument too: callers check their TryCatch first.
#ifndef DUET_BINDINGS_JAVASCRIPT_CONVERT_H_
#define DUET_BINDINGS_JAVASCRIPT_CONVERT_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "duet/internal/conversion_guard.h"
#include "duet/internal/value_path.h"
#include "duet/value.h"
#include "v8.h"

namespace duet::js {

// JavaScript -> duet. Must run inside a HandleScope and `context`. Obeys
// `guard` (stack, size budget, deadline; see conversion_guard.h):
// kResourceExhausted or kDeadlineExceeded past one of its limits.
absl::StatusOr<Value> ToValue(v8::Local<v8::Context> context,
                              v8::Local<v8::Value> value,
                              internal::ValuePath& path,
                              internal::ConversionGuard& guard);

// duet -> JavaScript. Must run inside a HandleScope and `context`. Obeys
// `guard`'s stack and deadline checks.
absl::StatusOr<v8::Local<v8::Value>> ToV8(v8::Local<v8::Context> context,
                                          const Value& value,
                                          internal::ValuePath& path,
                                          internal::ConversionGuard& guard);
// The same for a value the caller gives up (a call's result): its large
// ASCII strings and byte buffers move into V8 (an external string, an
// ArrayBuffer over the same storage) instead of being copied. `value` is
// left valid but unspecified.
absl::StatusOr<v8::Local<v8::Value>> ToV8(v8::Local<v8::Context> context,
                                          Value&& value,
                                          internal::ValuePath& path,
                                          internal::ConversionGuard& guard);

// Fast paths for the call path: null, bool, int and float only (the same
// mapping as ToValue / ToV8, without building a ValuePath). False for any
// other kind, which then takes the general conversion.
bool ScalarToV8(v8::Isolate* isolate, const Value& value,
                v8::Local<v8::Value>* out);
bool ScalarToValue(v8::Local<v8::Value> value, Value* out);

// A JS string as UTF-8; kInvalidArgument at `path` for a lone surrogate.
absl::Status StringToUtf8(v8::Isolate* isolate, v8::Local<v8::String> string,
                          std::string* out, const internal::ValuePath& path);

// For messages and names: lone surrogates become U+FFFD. Empty handle -> "".
std::string Utf8Lossy(v8::Isolate* isolate, v8::Local<v8::Value> value);

// The object's own enumerable string keys (no symbols), in property order;
// empty when listing them throws.
std::vector<v8::Local<v8::Value>> OwnEnumerableKeys(
    v8::Local<v8::Context> context, v8::Local<v8::Object> object);

// An ASCII JavaScript identifier (letters, digits, '_' and '$'; no leading
// digit): a name usable after a dot.
bool IsJsIdentifier(std::string_view name);

// A JS string from UTF-8 the caller knows to be valid (V8 replaces invalid
// sequences). Empty on allocation failure (too long).
v8::MaybeLocal<v8::String> NewString(v8::Isolate* isolate,
                                     std::string_view utf8);
// Same, for a string that must exist (short literals, names).
v8::Local<v8::String> Str(v8::Isolate* isolate, std::string_view utf8);

// Sets `target[name]` to a function named `name` that runs `callback` (with
// `data` as FunctionCallbackInfo::Data). False with an exception pending.
bool SetFunction(v8::Local<v8::Context> context, v8::Local<v8::Object> target,
                 const char* name, v8::FunctionCallback callback,
                 v8::Local<v8::Value> data = {});

// An ArrayBuffer holding a copy of `data`, in memory of its own rather than
// from the isolate's allocator: v8::ArrayBuffer::New aborts the process when
// the allocator refuses (as an isolate over its budget does).
v8::Local<v8::ArrayBuffer> NewArrayBuffer(v8::Isolate* isolate,
                                          std::string_view data);

// For calls whose failure needs no handling (best-effort property sets).
template <typename T>
void IgnoreResult(const v8::Maybe<T>&) {}

}  // namespace duet::js

#endif  // DUET_BINDINGS_JAVASCRIPT_CONVERT_H_
