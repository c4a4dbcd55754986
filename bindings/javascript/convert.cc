#include "javascript/convert.h"

#include <cmath>
#include <cstring>
#include <new>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "duet/internal/status_macros.h"
#include "duet/internal/strings.h"
#include "duet/internal/utf8.h"
#include "javascript/engine.h"

namespace duet::js {
namespace {

using internal::ConversionGuard;
using internal::ScopedPathElement;
using internal::ValuePath;

constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1
constexpr int64_t kMaxSafeInt64 = 9007199254740991;
// A Date holds at most 10^8 days either side of 1970 (ECMA-262 TimeClip).
constexpr int64_t kMaxDateMillis = 8640000000000000;

Value NumberToValue(double d) {
  if (std::isfinite(d) && std::trunc(d) == d &&
      std::fabs(d) <= kMaxSafeInteger && !(d == 0 && std::signbit(d))) {
    return Value(static_cast<int64_t>(d));
  }
  return Value(d);
}

absl::Status DepthError(const ValuePath& path) {
  return path.Error(absl::StrCat("value nested deeper than ",
                                 internal::kMaxValueDepth, " levels"));
}

// The guard's error: the stack names where the conversion was, the budget
// and the deadline the whole value (the path as the conversion began).
absl::Status GuardError(const ConversionGuard& guard, const ValuePath& path,
                        int value_depth) {
  return guard.Error(path.ToString(), path.ToString(value_depth));
}

class FromJs {
 public:
  FromJs(v8::Local<v8::Context> context, ValuePath& path,
         ConversionGuard& guard)
      : context_(context),
        isolate_(context->GetIsolate()),
        path_(path),
        value_depth_(path.depth()),
        guard_(guard) {}

  absl::Status Convert(v8::Local<v8::Value> v, Value* out) {
    if (v->IsNullOrUndefined()) {
      *out = Value();
      return absl::OkStatus();
    }
    if (v->IsBoolean()) {
      *out = Value(v->IsTrue());
      return absl::OkStatus();
    }
    if (v->IsInt32()) {
      *out = Value(static_cast<int64_t>(v.As<v8::Int32>()->Value()));
      return absl::OkStatus();
    }
    if (v->IsNumber()) {
      *out = NumberToValue(v.As<v8::Number>()->Value());
      return absl::OkStatus();
    }
    if (v->IsString()) {
      std::string s;
      DUET_RETURN_IF_ERROR(ConvertString(v.As<v8::String>(), &s));
      *out = Value(std::move(s));
      return absl::OkStatus();
    }
    if (v->IsBigInt()) {
      bool lossless = false;
      int64_t n = v.As<v8::BigInt>()->Int64Value(&lossless);
      if (!lossless) {
        return path_.Error(absl::StrCat("BigInt ", Utf8Lossy(isolate_, v),
                                        "n does not fit in a 64-bit integer"));
      }
      *out = Value(n);
      return absl::OkStatus();
    }
    if (v->IsSymbol()) {
      return path_.Error(absl::StrCat("cannot convert a Symbol (",
                                      Utf8Lossy(isolate_, v), ")"));
    }
    if (v->IsFunction()) {
      // Kept alive here for as long as the Value lives (engine.h).
      Engine* engine = Engine::From(isolate_);
      if (engine == nullptr) return path_.Error("cannot convert a function");
      *out = Value(engine->FunctionValue(v.As<v8::Function>()));
      return absl::OkStatus();
    }
    if (!v->IsObject()) {
      return path_.Error("cannot convert this JavaScript value");
    }
    if (v->IsProxy()) return path_.Error("cannot convert a Proxy");
    if (v->IsArrayBufferView()) {
      v8::Local<v8::ArrayBufferView> view = v.As<v8::ArrayBufferView>();
      if (!guard_.ChargePayload(view->ByteLength())) return Exceeded();
      std::string data(view->ByteLength(), '\0');
      if (!data.empty()) view->CopyContents(data.data(), data.size());
      *out = Value(Bytes(std::move(data)));
      return absl::OkStatus();
    }
    if (v->IsArrayBuffer()) {
      v8::Local<v8::ArrayBuffer> buffer = v.As<v8::ArrayBuffer>();
      size_t size = buffer->ByteLength();
      if (!guard_.ChargePayload(size)) return Exceeded();
      *out = Value(size == 0 ? Bytes() : Bytes(buffer->Data(), size));
      return absl::OkStatus();
    }
    if (v->IsDate()) {
      // A Date's time value is integral milliseconds inside TimeClip's
      // range, or NaN.
      double millis = v.As<v8::Date>()->ValueOf();
      if (std::isnan(millis)) {
        return path_.Error("cannot convert an Invalid Date (its time is NaN)");
      }
      *out = Value(absl::FromUnixMillis(static_cast<int64_t>(millis)));
      return absl::OkStatus();
    }
    v8::Local<v8::Object> object = v.As<v8::Object>();
    if (path_.depth() >= internal::kMaxValueDepth) return DepthError(path_);
    for (const v8::Local<v8::Object>& ancestor : stack_) {
      if (ancestor == object)
        return path_.Error("cannot convert a cyclic structure");
    }
    stack_.push_back(object);
    absl::Status status = ConvertObject(object, out);
    stack_.pop_back();
    return status;
  }

 private:
  absl::Status ConvertObject(v8::Local<v8::Object> object, Value* out) {
    if (object->IsArray()) {
      v8::Local<v8::Array> array = object.As<v8::Array>();
      uint32_t length = array->Length();
      if (!guard_.EnterContainer(length, sizeof(Value))) return Exceeded();
      Value::List list(length);
      for (uint32_t i = 0; i < length; ++i) {
        v8::HandleScope scope(isolate_);
        ScopedPathElement element(path_, i);
        if (!guard_.CountNode()) return Exceeded();
        v8::Local<v8::Value> item;
        if (!array->Get(context_, i).ToLocal(&item)) return Thrown();
        DUET_RETURN_IF_ERROR(Convert(item, &list[i]));
      }
      *out = Value(std::move(list));
      return absl::OkStatus();
    }
    if (object->IsMap()) {
      v8::Local<v8::Array> pairs = object.As<v8::Map>()->AsArray();
      uint32_t length = pairs->Length();
      if (!guard_.EnterContainer(length / 2, sizeof(Value::Map::Entry))) {
        return Exceeded();
      }
      Value::Map map;
      map.reserve(length / 2);
      for (uint32_t i = 0; i + 1 < length; i += 2) {
        v8::HandleScope scope(isolate_);
        if (!guard_.CountNode()) return Exceeded();
        v8::Local<v8::Value> key;
        v8::Local<v8::Value> item;
        if (!pairs->Get(context_, i).ToLocal(&key) ||
            !pairs->Get(context_, i + 1).ToLocal(&item)) {
          return Thrown();
        }
        if (!key->IsString()) {
          return path_.Error(
              absl::StrCat("cannot convert a Map with a non-string key (",
                           Utf8Lossy(isolate_, key), ")"));
        }
        std::string key_utf8;
        DUET_RETURN_IF_ERROR(ConvertString(key.As<v8::String>(), &key_utf8));
        ScopedPathElement element(path_, key_utf8);
        Value converted;
        DUET_RETURN_IF_ERROR(Convert(item, &converted));
        map.Set(std::move(key_utf8), std::move(converted));
      }
      *out = Value(std::move(map));
      return absl::OkStatus();
    }
    v8::Local<v8::Value> proto = object->GetPrototype();
    if (!proto->IsNull() && !IsObjectPrototype(proto)) {
      std::string name = Utf8Lossy(isolate_, object->GetConstructorName());
      return path_.Error(absl::StrCat(
          "cannot convert a ", name.empty() ? "class instance" : name,
          " object (only plain objects, arrays, Maps with string keys, "
          "Uint8Arrays and Dates convert)"));
    }
    v8::Local<v8::Array> keys;
    if (!object
             ->GetOwnPropertyNames(context_,
                                   static_cast<v8::PropertyFilter>(
                                       v8::ONLY_ENUMERABLE | v8::SKIP_SYMBOLS),
                                   v8::KeyConversionMode::kConvertToString)
             .ToLocal(&keys)) {
      return Thrown();
    }
    uint32_t length = keys->Length();
    if (!guard_.EnterContainer(length, sizeof(Value::Map::Entry))) {
      return Exceeded();
    }
    Value::Map map;
    map.reserve(length);
    for (uint32_t i = 0; i < length; ++i) {
      v8::HandleScope scope(isolate_);
      if (!guard_.CountNode()) return Exceeded();
      v8::Local<v8::Value> key;
      v8::Local<v8::Value> item;
      if (!keys->Get(context_, i).ToLocal(&key)) return Thrown();
      std::string key_utf8;
      DUET_RETURN_IF_ERROR(ConvertString(key.As<v8::String>(), &key_utf8));
      ScopedPathElement element(path_, key_utf8);
      if (!object->Get(context_, key).ToLocal(&item)) return Thrown();
      Value converted;
      DUET_RETURN_IF_ERROR(Convert(item, &converted));
      map.Set(std::move(key_utf8), std::move(converted));
    }
    *out = Value(std::move(map));
    return absl::OkStatus();
  }

  bool IsObjectPrototype(v8::Local<v8::Value> proto) {
    if (object_prototype_.IsEmpty()) {
      object_prototype_ = v8::Object::New(isolate_)->GetPrototype();
    }
    return proto == object_prototype_;
  }

  absl::Status Thrown() {
    return path_.Error("a JavaScript exception was thrown while reading");
  }

  absl::Status Exceeded() { return GuardError(guard_, path_, value_depth_); }

  // Charged before the copy at one byte per UTF-16 unit (a lower bound on
  // its UTF-8 size), the rest once its size is known.
  absl::Status ConvertString(v8::Local<v8::String> string, std::string* out) {
    const size_t length = static_cast<size_t>(string->Length());
    if (!guard_.ChargePayload(length)) return Exceeded();
    DUET_RETURN_IF_ERROR(StringToUtf8(isolate_, string, out, path_));
    if (out->size() > length && !guard_.ChargePayload(out->size() - length)) {
      return Exceeded();
    }
    return absl::OkStatus();
  }

  v8::Local<v8::Context> context_;
  v8::Isolate* isolate_;
  ValuePath& path_;
  const int value_depth_;  // the path's depth at the value being converted
  ConversionGuard& guard_;
  std::vector<v8::Local<v8::Object>> stack_;  // ancestors, for cycles
  v8::Local<v8::Value> object_prototype_;
};

absl::Status ToV8Impl(v8::Local<v8::Context> context, const Value& value,
                      ValuePath& path, int value_depth, ConversionGuard& guard,
                      v8::Local<v8::Value>* out) {
  v8::Isolate* isolate = context->GetIsolate();
  switch (value.kind()) {
    case Value::Kind::kNull:
      *out = v8::Null(isolate);
      return absl::OkStatus();
    case Value::Kind::kBool:
      *out = v8::Boolean::New(isolate, value.as_bool());
      return absl::OkStatus();
    case Value::Kind::kInt: {
      int64_t n = value.as_int();
      if (n >= -kMaxSafeInt64 && n <= kMaxSafeInt64) {
        *out = v8::Number::New(isolate, static_cast<double>(n));
      } else {
        *out = v8::BigInt::New(isolate, n);
      }
      return absl::OkStatus();
    }
    case Value::Kind::kFloat:
      *out = v8::Number::New(isolate, value.as_float());
      return absl::OkStatus();
    case Value::Kind::kString: {
      const std::string& s = value.as_string();
      if (std::optional<size_t> bad = internal::FindInvalidUtf8(s)) {
        return path.Error(
            absl::StrCat("string is not valid UTF-8 (byte ", *bad, ")"));
      }
      v8::Local<v8::String> string;
      if (!NewString(isolate, s).ToLocal(&string)) {
        return path.Error("string too long for JavaScript");
      }
      *out = string;
      return absl::OkStatus();
    }
    case Value::Kind::kBytes: {
      const std::string& data = value.as_bytes().data();
      *out = v8::Uint8Array::New(NewArrayBuffer(isolate, data), 0, data.size());
      return absl::OkStatus();
    }
    case Value::Kind::kTime: {
      const absl::Time time = value.as_time();
      const int64_t millis = absl::ToUnixMillis(time);
      if (time == absl::InfiniteFuture() || time == absl::InfinitePast() ||
          millis < -kMaxDateMillis || millis > kMaxDateMillis) {
        return path.Error(absl::StrCat(
            "time ", internal::FormatIsoTime(time),
            " is outside JavaScript's Date range (8.64e15 ms either side of "
            "1970: -271821-04-20T00:00:00.000Z to "
            "+275760-09-13T00:00:00.000Z)"));
      }
      v8::Local<v8::Value> date;
      if (!v8::Date::New(context, static_cast<double>(millis)).ToLocal(&date)) {
        return path.Error("could not make a Date");
      }
      *out = date;
      return absl::OkStatus();
    }
    case Value::Kind::kList: {
      if (path.depth() >= internal::kMaxValueDepth) return DepthError(path);
      const Value::List& list = value.as_list();
      if (!guard.EnterContainer(list.size(), 0)) {
        return GuardError(guard, path, value_depth);
      }
      std::vector<v8::Local<v8::Value>> items(list.size());
      for (size_t i = 0; i < list.size(); ++i) {
        ScopedPathElement element(path, i);
        if (!guard.CountNode()) return GuardError(guard, path, value_depth);
        DUET_RETURN_IF_ERROR(
            ToV8Impl(context, list[i], path, value_depth, guard, &items[i]));
      }
      *out = v8::Array::New(isolate, items.data(), items.size());
      return absl::OkStatus();
    }
    case Value::Kind::kMap: {
      if (path.depth() >= internal::kMaxValueDepth) return DepthError(path);
      if (!guard.EnterContainer(value.as_map().size(), 0)) {
        return GuardError(guard, path, value_depth);
      }
      v8::Local<v8::Object> object = v8::Object::New(isolate);
      for (const auto& [key, item] : value.as_map()) {
        ScopedPathElement element(path, key);
        if (!guard.CountNode()) return GuardError(guard, path, value_depth);
        if (internal::FindInvalidUtf8(key)) {
          return path.Error("map key is not valid UTF-8");
        }
        v8::Local<v8::String> name;
        if (!NewString(isolate, key).ToLocal(&name)) {
          return path.Error("map key too long for JavaScript");
        }
        v8::Local<v8::Value> converted;
        DUET_RETURN_IF_ERROR(
            ToV8Impl(context, item, path, value_depth, guard, &converted));
        // CreateDataProperty defines an own property even for "__proto__".
        if (object->CreateDataProperty(context, name, converted).IsNothing()) {
          return path.Error("could not set a property");
        }
      }
      *out = object;
      return absl::OkStatus();
    }
    case Value::Kind::kFunction: {
      Engine* engine = Engine::From(isolate);
      v8::Local<v8::Function> function;
      if (engine == nullptr ||
          !engine->FunctionToV8(value.as_function()).ToLocal(&function)) {
        return path.Error("could not make a JavaScript function");
      }
      *out = function;
      return absl::OkStatus();
    }
  }
  return path.Error("unknown value kind");
}

}  // namespace

absl::StatusOr<Value> ToValue(v8::Local<v8::Context> context,
                              v8::Local<v8::Value> value, ValuePath& path,
                              ConversionGuard& guard) {
  // A value too large for memory is an error, not a std::bad_alloc leaving
  // through V8's frames (this may run inside a V8 callback).
  try {
    Value out;
    FromJs converter(context, path, guard);
    DUET_RETURN_IF_ERROR(converter.Convert(value, &out));
    return out;
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the value at ", path.ToString(),
                     " is too large to convert (out of memory)"));
  }
}

absl::StatusOr<v8::Local<v8::Value>> ToV8(v8::Local<v8::Context> context,
                                          const Value& value, ValuePath& path,
                                          ConversionGuard& guard) {
  v8::Local<v8::Value> out;
  DUET_RETURN_IF_ERROR(
      ToV8Impl(context, value, path, path.depth(), guard, &out));
  return out;
}

absl::Status StringToUtf8(v8::Isolate* isolate, v8::Local<v8::String> string,
                          std::string* out, const ValuePath& path) {
  const int length = string->Length();
  if (string->IsOneByte()) {
    // Latin-1: common ASCII strings take the short path.
    uint8_t stack_buffer[256];
    std::vector<uint8_t> heap_buffer;
    uint8_t* buffer = stack_buffer;
    if (length > static_cast<int>(sizeof(stack_buffer))) {
      heap_buffer.resize(length);
      buffer = heap_buffer.data();
    }
    string->WriteOneByte(isolate, buffer, 0, length,
                         v8::String::NO_NULL_TERMINATION);
    internal::Latin1ToUtf8(buffer, length, out);
    return absl::OkStatus();
  }
  std::vector<uint16_t> buffer(length);
  string->Write(isolate, buffer.data(), 0, length,
                v8::String::NO_NULL_TERMINATION);
  size_t bad = 0;
  if (!internal::Utf16ToUtf8(buffer.data(), buffer.size(), out, &bad)) {
    return path.Error(absl::StrFormat(
        "string has a lone surrogate (U+%04X at index %d)", buffer[bad], bad));
  }
  return absl::OkStatus();
}

std::string Utf8Lossy(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  if (value.IsEmpty()) return "";
  v8::Local<v8::String> string;
  if (value->IsString()) {
    string = value.As<v8::String>();
  } else {
    // ToDetailString also describes Symbols, where ToString throws.
    v8::TryCatch try_catch(isolate);
    if (!value->ToDetailString(isolate->GetCurrentContext()).ToLocal(&string)) {
      return "";
    }
  }
  v8::String::Utf8Value utf8(isolate, string);
  if (*utf8 == nullptr) return "";
  return std::string(*utf8, utf8.length());
}

v8::MaybeLocal<v8::String> NewString(v8::Isolate* isolate,
                                     std::string_view utf8) {
  if (utf8.size() > static_cast<size_t>(v8::String::kMaxLength)) return {};
  return v8::String::NewFromUtf8(isolate, utf8.data(),
                                 v8::NewStringType::kNormal,
                                 static_cast<int>(utf8.size()));
}

v8::Local<v8::String> Str(v8::Isolate* isolate, std::string_view utf8) {
  v8::Local<v8::String> out;
  if (!NewString(isolate, utf8).ToLocal(&out))
    return v8::String::Empty(isolate);
  return out;
}

bool SetFunction(v8::Local<v8::Context> context, v8::Local<v8::Object> target,
                 const char* name, v8::FunctionCallback callback,
                 v8::Local<v8::Value> data) {
  v8::Isolate* isolate = context->GetIsolate();
  v8::Local<v8::Function> function;
  if (!v8::Function::New(context, callback, data).ToLocal(&function)) {
    return false;
  }
  function->SetName(Str(isolate, name));
  return target->Set(context, Str(isolate, name), function).FromMaybe(false);
}

v8::Local<v8::ArrayBuffer> NewArrayBuffer(v8::Isolate* isolate,
                                          std::string_view data) {
  if (data.empty()) return v8::ArrayBuffer::New(isolate, 0);
  char* copy = new char[data.size()];
  std::memcpy(copy, data.data(), data.size());
  std::unique_ptr<v8::BackingStore> store = v8::ArrayBuffer::NewBackingStore(
      copy, data.size(),
      [](void* bytes, size_t, void*) { delete[] static_cast<char*>(bytes); },
      nullptr);
  return v8::ArrayBuffer::New(isolate, std::move(store));
}

bool ScalarToV8(v8::Isolate* isolate, const Value& value,
                v8::Local<v8::Value>* out) {
  switch (value.kind()) {
    case Value::Kind::kNull:
      *out = v8::Null(isolate);
      return true;
    case Value::Kind::kBool:
      *out = v8::Boolean::New(isolate, value.as_bool());
      return true;
    case Value::Kind::kInt: {
      int64_t n = value.as_int();
      if (n >= INT32_MIN && n <= INT32_MAX) {
        *out = v8::Integer::New(isolate, static_cast<int32_t>(n));
        return true;
      }
      if (n < -kMaxSafeInt64 || n > kMaxSafeInt64) return false;  // BigInt
      *out = v8::Number::New(isolate, static_cast<double>(n));
      return true;
    }
    case Value::Kind::kFloat:
      *out = v8::Number::New(isolate, value.as_float());
      return true;
    default:
      return false;
  }
}

bool ScalarToValue(v8::Local<v8::Value> value, Value* out) {
  if (value->IsInt32()) {
    *out = Value(static_cast<int64_t>(value.As<v8::Int32>()->Value()));
  } else if (value->IsNumber()) {
    *out = NumberToValue(value.As<v8::Number>()->Value());
  } else if (value->IsNullOrUndefined()) {
    *out = Value();
  } else if (value->IsBoolean()) {
    *out = Value(value->IsTrue());
  } else {
    return false;
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

bool IsJsIdentifier(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              c == '$' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

}  // namespace duet::js
