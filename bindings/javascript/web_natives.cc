// Compiled without RTTI (CMakeLists.txt): it subclasses V8's serializer
// delegates, and libnode has no RTTI.
#include "javascript/web_natives.h"

#include <sys/random.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "javascript/convert.h"

namespace duet::js {
namespace {

void ThrowTypeError(v8::Isolate* isolate, std::string_view message) {
  isolate->ThrowException(v8::Exception::TypeError(Str(isolate, message)));
}

uint8_t* ViewData(v8::Local<v8::ArrayBufferView> view) {
  return static_cast<uint8_t*>(view->Buffer()->GetBackingStore()->Data()) +
         view->ByteOffset();
}

// randomBytes(uint8Array): fills the array from getrandom(2).
void RandomBytes(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  if (info.Length() < 1 || !info[0]->IsUint8Array()) {
    ThrowTypeError(isolate, "randomBytes: expected a Uint8Array");
    return;
  }
  v8::Local<v8::Uint8Array> array = info[0].As<v8::Uint8Array>();
  uint8_t* data = ViewData(array);
  size_t length = array->ByteLength();
  while (length > 0) {
    ssize_t got = getrandom(data, length, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      isolate->ThrowException(v8::Exception::Error(Str(
          isolate,
          absl::StrCat("randomBytes: getrandom failed (errno ", errno, ")"))));
      return;
    }
    data += got;
    length -= static_cast<size_t>(got);
  }
}

// Whether `bytes` is UTF-8 as the Encoding standard's decoder accepts it:
// no overlong forms, surrogates, code points past U+10FFFF or truncation.
bool IsValidUtf8(const uint8_t* bytes, size_t length) {
  size_t i = 0;
  while (i < length) {
    uint8_t byte = bytes[i++];
    if (byte <= 0x7f) continue;
    int needed;
    uint8_t lower = 0x80;
    uint8_t upper = 0xbf;
    if (byte >= 0xc2 && byte <= 0xdf) {
      needed = 1;
    } else if (byte >= 0xe0 && byte <= 0xef) {
      needed = 2;
      if (byte == 0xe0) lower = 0xa0;
      if (byte == 0xed) upper = 0x9f;
    } else if (byte >= 0xf0 && byte <= 0xf4) {
      needed = 3;
      if (byte == 0xf0) lower = 0x90;
      if (byte == 0xf4) upper = 0x8f;
    } else {
      return false;
    }
    for (int k = 0; k < needed; ++k) {
      if (i >= length || bytes[i] < lower || bytes[i] > upper) return false;
      lower = 0x80;
      upper = 0xbf;
      ++i;
    }
  }
  return true;
}

// utf8Length(string): the bytes TextEncoder makes of it (a lone surrogate
// is the three bytes of U+FFFD).
void Utf8Length(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  if (info.Length() < 1 || !info[0]->IsString()) {
    ThrowTypeError(isolate, "utf8Length: expected a string");
    return;
  }
  info.GetReturnValue().Set(
      static_cast<double>(info[0].As<v8::String>()->Utf8Length(isolate)));
}

// encodeUtf8Into(string, uint8Array): the array was sized by utf8Length
// (in JavaScript, where a failed allocation is a RangeError).
void EncodeUtf8Into(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  if (info.Length() < 2 || !info[0]->IsString() || !info[1]->IsUint8Array()) {
    ThrowTypeError(isolate, "encodeUtf8Into: expected (string, Uint8Array)");
    return;
  }
  v8::Local<v8::Uint8Array> array = info[1].As<v8::Uint8Array>();
  info[0].As<v8::String>()->WriteUtf8(
      isolate, reinterpret_cast<char*>(ViewData(array)),
      static_cast<int>(array->ByteLength()), nullptr,
      v8::String::REPLACE_INVALID_UTF8 | v8::String::NO_NULL_TERMINATION);
}

// decodeUtf8(uint8Array, fatal): V8's decoder replaces each maximal invalid
// subsequence with U+FFFD, as the Encoding standard does; with `fatal`,
// null for invalid input.
void DecodeUtf8(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  if (info.Length() < 2 || !info[0]->IsUint8Array()) {
    ThrowTypeError(isolate, "decodeUtf8: expected (Uint8Array, fatal)");
    return;
  }
  v8::Local<v8::Uint8Array> array = info[0].As<v8::Uint8Array>();
  const uint8_t* bytes = ViewData(array);
  size_t length = array->ByteLength();
  if (info[1]->BooleanValue(isolate) && !IsValidUtf8(bytes, length)) {
    info.GetReturnValue().SetNull();
    return;
  }
  if (length > static_cast<size_t>(v8::String::kMaxLength)) {
    isolate->ThrowException(v8::Exception::RangeError(
        Str(isolate, "decodeUtf8: the text is longer than a string can be")));
    return;
  }
  v8::Local<v8::String> text;
  if (!v8::String::NewFromUtf8(isolate, reinterpret_cast<const char*>(bytes),
                               v8::NewStringType::kNormal,
                               static_cast<int>(length))
           .ToLocal(&text)) {
    isolate->ThrowException(v8::Exception::RangeError(
        Str(isolate, "decodeUtf8: the text is longer than a string can be")));
    return;
  }
  info.GetReturnValue().Set(text);
}

void MonotonicMilliseconds(const v8::FunctionCallbackInfo<v8::Value>& info) {
  std::chrono::duration<double, std::milli> since_epoch =
      std::chrono::steady_clock::now().time_since_epoch();
  info.GetReturnValue().Set(since_epoch.count());
}

void WallClockMilliseconds(const v8::FunctionCallbackInfo<v8::Value>& info) {
  std::chrono::duration<double, std::milli> since_epoch =
      std::chrono::system_clock::now().time_since_epoch();
  info.GetReturnValue().Set(since_epoch.count());
}

// What cannot be cloned becomes a DOMException named DataCloneError (made by
// the constructor the caller passes); SharedArrayBuffers are shared, as a
// clone within one agent shares them.
class CloneSerializerDelegate : public v8::ValueSerializer::Delegate {
 public:
  CloneSerializerDelegate(v8::Isolate* isolate,
                          v8::Local<v8::Function> dom_exception)
      : isolate_(isolate), dom_exception_(dom_exception) {}

  void ThrowDataCloneError(v8::Local<v8::String> message) override {
    v8::Local<v8::Context> context = isolate_->GetCurrentContext();
    v8::Local<v8::Value> args[] = {message, Str(isolate_, "DataCloneError")};
    v8::Local<v8::Object> error;
    if (dom_exception_->NewInstance(context, 2, args).ToLocal(&error)) {
      isolate_->ThrowException(error);
    }
  }

  v8::Maybe<bool> WriteHostObject(v8::Isolate* isolate,
                                  v8::Local<v8::Object> object) override {
    ThrowDataCloneError(Str(
        isolate, absl::StrCat(Utf8Lossy(isolate, object->GetConstructorName()),
                              " object could not be cloned.")));
    return v8::Nothing<bool>();
  }

  v8::Maybe<uint32_t> GetSharedArrayBufferId(
      v8::Isolate* isolate, v8::Local<v8::SharedArrayBuffer> buffer) override {
    for (size_t i = 0; i < shared_.size(); ++i) {
      if (shared_[i] == buffer) return v8::Just(static_cast<uint32_t>(i));
    }
    shared_.push_back(buffer);
    return v8::Just(static_cast<uint32_t>(shared_.size() - 1));
  }

  const std::vector<v8::Local<v8::SharedArrayBuffer>>& shared() const {
    return shared_;
  }

 private:
  v8::Isolate* isolate_;
  v8::Local<v8::Function> dom_exception_;
  std::vector<v8::Local<v8::SharedArrayBuffer>> shared_;
};

class CloneDeserializerDelegate : public v8::ValueDeserializer::Delegate {
 public:
  explicit CloneDeserializerDelegate(
      const std::vector<v8::Local<v8::SharedArrayBuffer>>& shared)
      : shared_(shared) {}

  v8::MaybeLocal<v8::SharedArrayBuffer> GetSharedArrayBufferFromId(
      v8::Isolate* isolate, uint32_t id) override {
    if (id < shared_.size()) return shared_[id];
    isolate->ThrowException(v8::Exception::Error(
        Str(isolate, "structuredClone: unknown SharedArrayBuffer")));
    return {};
  }

 private:
  const std::vector<v8::Local<v8::SharedArrayBuffer>>& shared_;
};

// structuredClone(value, transferList, DOMException): the library checked
// that transferList holds distinct ArrayBuffers.
void StructuredClone(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  if (info.Length() < 3 || !info[1]->IsArray() || !info[2]->IsFunction()) {
    ThrowTypeError(isolate,
                   "structuredClone: expected (value, transferList, "
                   "DOMException)");
    return;
  }
  v8::Local<v8::Array> transfer_list = info[1].As<v8::Array>();
  std::vector<v8::Local<v8::ArrayBuffer>> transfers;
  for (uint32_t i = 0; i < transfer_list->Length(); ++i) {
    v8::Local<v8::Value> item;
    if (!transfer_list->Get(context, i).ToLocal(&item)) return;
    if (!item->IsArrayBuffer()) {
      ThrowTypeError(isolate,
                     "structuredClone: transfer list entries must be "
                     "ArrayBuffers");
      return;
    }
    transfers.push_back(item.As<v8::ArrayBuffer>());
  }
  CloneSerializerDelegate serializer_delegate(isolate,
                                              info[2].As<v8::Function>());
  for (size_t i = 0; i < transfers.size(); ++i) {
    if (!transfers[i]->IsDetachable() || transfers[i]->WasDetached()) {
      serializer_delegate.ThrowDataCloneError(Str(
          isolate, absl::StrCat("An ArrayBuffer in the transfer list (index ",
                                i, ") is detached or cannot be detached.")));
      return;
    }
  }

  v8::ValueSerializer serializer(isolate, &serializer_delegate);
  for (size_t i = 0; i < transfers.size(); ++i) {
    serializer.TransferArrayBuffer(static_cast<uint32_t>(i), transfers[i]);
  }
  serializer.WriteHeader();
  if (serializer.WriteValue(context, info[0]).IsNothing()) return;
  std::pair<uint8_t*, size_t> data = serializer.Release();
  struct FreeData {
    uint8_t* data;
    ~FreeData() { std::free(data); }
  } free_data{data.first};

  CloneDeserializerDelegate deserializer_delegate(serializer_delegate.shared());
  v8::ValueDeserializer deserializer(isolate, data.first, data.second,
                                     &deserializer_delegate);
  // The clone takes over the transferred buffers' memory; the originals are
  // detached once it exists.
  for (size_t i = 0; i < transfers.size(); ++i) {
    deserializer.TransferArrayBuffer(
        static_cast<uint32_t>(i),
        v8::ArrayBuffer::New(isolate, transfers[i]->GetBackingStore()));
  }
  v8::Local<v8::Value> clone;
  if (deserializer.ReadHeader(context).IsNothing() ||
      !deserializer.ReadValue(context).ToLocal(&clone)) {
    return;
  }
  for (v8::Local<v8::ArrayBuffer> transferred : transfers) {
    transferred->Detach();
  }
  info.GetReturnValue().Set(clone);
}

// webNatives(): the object of web natives, made when a library module first
// asks (web/natives.js keeps it), so an isolate that never touches a web
// global makes only this one function.
void WebNatives(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Object> natives = v8::Object::New(isolate);
  if (SetFunction(context, natives, "randomBytes", &RandomBytes) &&
      SetFunction(context, natives, "monotonicMilliseconds",
                  &MonotonicMilliseconds) &&
      SetFunction(context, natives, "wallClockMilliseconds",
                  &WallClockMilliseconds) &&
      SetFunction(context, natives, "structuredClone", &StructuredClone) &&
      SetFunction(context, natives, "utf8Length", &Utf8Length) &&
      SetFunction(context, natives, "encodeUtf8Into", &EncodeUtf8Into) &&
      SetFunction(context, natives, "decodeUtf8", &DecodeUtf8)) {
    info.GetReturnValue().Set(natives);
  }
}

}  // namespace

bool InstallWebNatives(v8::Local<v8::Context> context,
                       v8::Local<v8::Object> native) {
  v8::Isolate* isolate = context->GetIsolate();
  v8::Local<v8::Function> function;
  return v8::Function::New(context, &WebNatives).ToLocal(&function) &&
         native->Set(context, Str(isolate, "webNatives"), function)
             .FromMaybe(false);
}

}  // namespace duet::js
