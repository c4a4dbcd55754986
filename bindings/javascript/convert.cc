#include "javascript/convert.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <type_traits>
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
using internal::ValuePath;

constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1
constexpr int64_t kMaxSafeInt64 = 9007199254740991;
// A Date holds at most 10^8 days either side of 1970 (ECMA-262 TimeClip).
constexpr int64_t kMaxDateMillis = 8640000000000000;

// An integral number within 2^53 - 1 (not -0) is an int; any other a float.
Value NumberToValue(double d) {
  if (d >= -kMaxSafeInteger && d <= kMaxSafeInteger) {  // false for NaN
    const int64_t n = static_cast<int64_t>(d);
    if (static_cast<double>(n) == d && (n != 0 || !std::signbit(d))) {
      return Value(n);
    }
  }
  return Value(d);
}

// NumberToValue's Value appended to `list`, built in place: no temporary to
// move and no null element to replace (the array path reserves the list).
void AppendNumber(Value::List& list, double d) {
  if (d >= -kMaxSafeInteger && d <= kMaxSafeInteger) {  // false for NaN
    const int64_t n = static_cast<int64_t>(d);
    if (static_cast<double>(n) == d && (n != 0 || !std::signbit(d))) {
      list.emplace_back(n);
      return;
    }
  }
  list.emplace_back(d);
}

// Appends NumberToValue of each of `numbers[0..count)` to `list`, counting
// each as a node of `guard`. Returns how many it appended: fewer than
// `count` when the guard stopped it. Kept out of line so that its loop
// keeps its state in registers.
[[gnu::noinline]] size_t AppendNumbers(const double* numbers, size_t count,
                                       ConversionGuard& guard,
                                       Value::List& list) {
  for (size_t i = 0; i < count; ++i) {
    if (!guard.CountNode()) return i;
    AppendNumber(list, numbers[i]);
  }
  return count;
}

// Where a conversion is inside its value: one frame per container level on
// the C++ stack, so an element costs no allocation and no ValuePath push;
// the path is written out only to word an error.
class LazyPath {
 public:
  explicit LazyPath(const ValuePath& base)
      : base_(base), depth_(base.depth()) {}
  LazyPath(const LazyPath&) = delete;
  LazyPath& operator=(const LazyPath&) = delete;

 private:
  struct Frame {
    const Frame* parent;
    std::string_view key;
    size_t index;
    bool is_key;
  };

 public:
  // The path below the base, for the element in scope.
  class Element {
   public:
    Element(LazyPath& path, size_t index)
        : path_(path), frame_{path.top_, {}, index, false} {
      Enter();
    }
    Element(LazyPath& path, std::string_view key)
        : path_(path), frame_{path.top_, key, 0, true} {
      Enter();
    }
    ~Element() {
      path_.top_ = frame_.parent;
      --path_.depth_;
    }
    Element(const Element&) = delete;
    Element& operator=(const Element&) = delete;

   private:
    void Enter() {
      path_.top_ = &frame_;
      ++path_.depth_;
    }
    LazyPath& path_;
    Frame frame_;
  };

  int depth() const { return depth_; }

  ValuePath Full() const {
    std::vector<const Frame*> frames;
    for (const Frame* frame = top_; frame != nullptr; frame = frame->parent) {
      frames.push_back(frame);
    }
    ValuePath full = base_;
    for (auto it = frames.rbegin(); it != frames.rend(); ++it) {
      if ((*it)->is_key) {
        full.PushKey((*it)->key);
      } else {
        full.PushIndex((*it)->index);
      }
    }
    return full;
  }

  // kInvalidArgument "<what> at <path>".
  absl::Status Error(std::string_view what) const { return Full().Error(what); }

  absl::Status DepthError() const {
    return Error(absl::StrCat("value nested deeper than ",
                              internal::kMaxValueDepth, " levels"));
  }

  // The guard's error: the stack names where the conversion was, the budget
  // and the deadline the whole value (the base, where the conversion began).
  absl::Status GuardError(const ConversionGuard& guard) const {
    return guard.Error(Full().ToString(), base_.ToString());
  }

 private:
  const ValuePath& base_;
  const Frame* top_ = nullptr;
  int depth_;
};

// A lone surrogate's message, or "" when `string` converted into *out.
std::string StringToUtf8OrError(v8::Isolate* isolate,
                                v8::Local<v8::String> string,
                                std::string* out) {
  const int length = string->Length();
  if (string->IsOneByte()) {
    // Read through a buffer that stays in the L1 cache and appended: *out
    // is written once (not zero-filled first) and each piece is checked for
    // non-ASCII while it is hot. Only non-ASCII Latin-1 then grows *out.
    constexpr int kPiece = 8192;
    uint8_t piece[kPiece];
    out->clear();
    out->reserve(static_cast<size_t>(length));
    bool ascii = true;
    for (int start = 0; start < length; start += kPiece) {
      const int size = std::min(kPiece, length - start);
      string->WriteOneByte(isolate, piece, start, size,
                           v8::String::NO_NULL_TERMINATION);
      const std::string_view read(reinterpret_cast<const char*>(piece),
                                  static_cast<size_t>(size));
      ascii = ascii && internal::AsciiPrefixLength(read) == read.size();
      out->append(read);
    }
    if (!ascii) internal::Latin1ToUtf8InPlace(out);
    return "";
  }
  // Two-byte: read in pieces that stay in the L1 cache, each converted
  // while hot, so there is no whole UTF-16 copy in fresh pages. *out is
  // sized by the first piece's ratio and grows exactly by each piece.
  constexpr int kUnits = 4096;
  uint16_t piece[kUnits];
  out->clear();
  out->reserve(static_cast<size_t>(length));
  for (int start = 0; start < length;) {
    int size = std::min(kUnits, length - start);
    string->Write(isolate, piece, start, size, v8::String::NO_NULL_TERMINATION);
    // A pair is never split: a high surrogate ending a piece waits for the
    // next one, so only one at the very end is lone.
    if (start + size < length && (piece[size - 1] & 0xFC00) == 0xD800) --size;
    size_t bad = 0;
    if (!internal::AppendUtf16AsUtf8(piece, static_cast<size_t>(size), out,
                                     &bad)) {
      return absl::StrFormat("string has a lone surrogate (U+%04X at index %d)",
                             piece[bad], start + static_cast<int>(bad));
    }
    if (start == 0 && size < length) {
      out->reserve(out->size() * static_cast<size_t>(length) /
                       static_cast<size_t>(size) +
                   kUnits);
    }
    start += size;
  }
  return "";
}

// Strings and byte buffers at least this large, in a Value the conversion
// may consume, are handed to V8 instead of copied; decoded strings this
// large become external strings over the decoding buffer.
constexpr size_t kMinAdoptedBytes = 64 * 1024;

// An external string's payload, reported to V8 as external memory while
// this lives, as ArrayBuffers' are: V8 does not count it itself, so without
// it nothing would collect the strings of a loop that makes no other
// garbage (2.3 GB after 1,800 1 MiB echoes), and the heap cap would not
// see them (Engine::HeldBytes).
class ReportedBytes {
 public:
  ReportedBytes(v8::Isolate* isolate, size_t bytes)
      : isolate_(isolate), bytes_(static_cast<int64_t>(bytes)) {
    isolate_->AdjustAmountOfExternalAllocatedMemory(bytes_);
  }
  ~ReportedBytes() { isolate_->AdjustAmountOfExternalAllocatedMemory(-bytes_); }
  ReportedBytes(const ReportedBytes&) = delete;
  ReportedBytes& operator=(const ReportedBytes&) = delete;

 private:
  v8::Isolate* isolate_;
  int64_t bytes_;
};

// Characters V8 reads in place, in storage this owns (malloc'ed). V8
// disposes of it once the string is garbage.
template <typename Resource, typename Char>
class AdoptedCharacters final : public Resource {
 public:
  // Takes `data`, `length` characters from malloc.
  AdoptedCharacters(v8::Isolate* isolate, Char* data, size_t length)
      : data_(data),
        length_(length),
        reported_(isolate, length * sizeof(Char)) {}
  ~AdoptedCharacters() override { std::free(data_); }
  const Char* data() const override { return data_; }
  size_t length() const override { return length_; }

 private:
  Char* data_;
  size_t length_;
  ReportedBytes reported_;
};

using AdoptedTwoByte =
    AdoptedCharacters<v8::String::ExternalStringResource, uint16_t>;
using AdoptedLatin1 =
    AdoptedCharacters<v8::String::ExternalOneByteStringResource, char>;

// Storage from malloc, freed unless released.
struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};
using MallocBuffer = std::unique_ptr<uint16_t[], FreeDeleter>;

// An ASCII std::string V8 reads in place as an external one-byte string.
class AdoptedAscii final : public v8::String::ExternalOneByteStringResource {
 public:
  AdoptedAscii(v8::Isolate* isolate, std::string text)
      : text_(std::move(text)), reported_(isolate, text_.size()) {}
  const char* data() const override { return text_.data(); }
  size_t length() const override { return text_.size(); }

 private:
  std::string text_;
  ReportedBytes reported_;  // after text_: made from its size
};

// `buffer`'s storage, given up and shrunk to `bytes` where realloc can.
void* ReleaseFitted(MallocBuffer buffer, size_t bytes) {
  void* fitted = std::realloc(buffer.get(), bytes);
  if (fitted == nullptr) return buffer.release();  // left as it was
  buffer.release();                                // realloc took it
  return fitted;
}

// An external string over `adopted`, which V8 disposes of once it took it.
template <typename Adopted>
v8::MaybeLocal<v8::String> NewExternal(v8::Isolate* isolate, Adopted* adopted) {
  v8::MaybeLocal<v8::String> string;
  if constexpr (std::is_same_v<Adopted, AdoptedTwoByte>) {
    string = v8::String::NewExternalTwoByte(isolate, adopted);
  } else {
    string = v8::String::NewExternalOneByte(isolate, adopted);
  }
  if (string.IsEmpty()) delete adopted;  // refused, so not V8's to dispose
  return string;
}

// A JS string from `length` UTF-16 units at `units`, all below U+0100 when
// `latin1`. A large one becomes an external string over the same storage,
// `heap`, which holds `units` then (no copy into V8's heap, no fresh V8
// page); a smaller one is copied.
v8::MaybeLocal<v8::String> NewStringFromUnits(v8::Isolate* isolate,
                                              uint16_t* units,
                                              MallocBuffer heap, size_t length,
                                              bool latin1) {
  if (latin1) {
    // Narrowed in place: unit k becomes byte k, and the bytes written so
    // far lie in the units already read.
    auto* bytes = reinterpret_cast<uint8_t*>(units);
    for (size_t k = 0; k < length; ++k) {
      bytes[k] = static_cast<uint8_t>(units[k]);
    }
    if (length < kMinAdoptedBytes || heap == nullptr) {
      return v8::String::NewFromOneByte(
          isolate, bytes, v8::NewStringType::kNormal, static_cast<int>(length));
    }
    return NewExternal(
        isolate,
        new AdoptedLatin1(
            isolate, static_cast<char*>(ReleaseFitted(std::move(heap), length)),
            length));
  }
  const size_t bytes = length * sizeof(uint16_t);
  if (bytes < kMinAdoptedBytes || heap == nullptr) {
    return v8::String::NewFromTwoByte(
        isolate, units, v8::NewStringType::kNormal, static_cast<int>(length));
  }
  return NewExternal(
      isolate, new AdoptedTwoByte(isolate,
                                  static_cast<uint16_t*>(
                                      ReleaseFitted(std::move(heap), bytes)),
                                  length));
}

// A JS string for a duet string, which must be valid UTF-8; an error at
// `path` otherwise. `what` names it in messages ("string", "map key").
// ASCII text is copied as one-byte characters; other text is validated and
// decoded in one pass of our own (V8's decoder makes two: 25% of a 1 MiB
// non-ASCII echo) into UTF-16, or Latin-1 when it all fits.
absl::Status Utf8ToV8(v8::Isolate* isolate, std::string_view utf8,
                      const LazyPath& path, std::string_view what,
                      v8::Local<v8::String>* out) {
  const auto invalid = [&](size_t bad) {
    return path.Error(absl::StrCat(internal::ToAbsl(what),
                                   " is not valid UTF-8 (byte ", bad, ")"));
  };
  const auto too_long = [&] {
    return path.Error(
        absl::StrCat(internal::ToAbsl(what), " too long for JavaScript"));
  };
  if (utf8.size() > static_cast<size_t>(v8::String::kMaxLength)) {
    return too_long();
  }
  const size_t ascii = internal::AsciiPrefixLength(utf8);
  if (ascii == utf8.size()) {
    if (!v8::String::NewFromOneByte(
             isolate, reinterpret_cast<const uint8_t*>(utf8.data()),
             v8::NewStringType::kNormal, static_cast<int>(utf8.size()))
             .ToLocal(out)) {
      return too_long();
    }
    return absl::OkStatus();
  }
  // At most one UTF-16 unit per UTF-8 byte.
  constexpr size_t kStackUnits = 512;
  uint16_t stack_units[kStackUnits];
  uint16_t* units = stack_units;
  MallocBuffer heap;
  if (utf8.size() > kStackUnits) {
    heap.reset(
        static_cast<uint16_t*>(std::malloc(utf8.size() * sizeof(uint16_t))));
    if (heap == nullptr) {
      // No room to decode into: V8's decoder, which needs none.
      if (std::optional<size_t> bad = internal::FindInvalidUtf8(utf8)) {
        return invalid(*bad);
      }
      if (!v8::String::NewFromUtf8(isolate, utf8.data(),
                                   v8::NewStringType::kNormal,
                                   static_cast<int>(utf8.size()))
               .ToLocal(out)) {
        return too_long();
      }
      return absl::OkStatus();
    }
    units = heap.get();
  }
  bool latin1 = false;
  std::optional<size_t> length = internal::Utf8ToUtf16(utf8, units, &latin1);
  if (!length.has_value()) {
    return invalid(internal::FindInvalidUtf8(utf8).value_or(0));
  }
  if (!NewStringFromUnits(isolate, units, std::move(heap), *length, latin1)
           .ToLocal(out)) {
    return too_long();
  }
  return absl::OkStatus();
}

// Reads array[start..end) into numbers[i - start] while the elements are
// numbers. Returns `numbers` when every element was a number, else the
// first other element; numbers[end - start] then holds its index, as it
// does the index of an element whose read threw. Written once, on the way
// out (`finally` rethrows with the exception's own message and location),
// not per element; a terminated read runs no `finally` and leaves the
// chunk's start, which the caller wrote. Strict, so no caller sees its
// frame.
constexpr char kNumberReaderSource[] = R"JS('use strict';
let i = start;
try {
  for (; i < end; i++) {
    const item = array[i];
    if (typeof item !== 'number') return item;
    numbers[i - start] = item;
  }
} finally {
  numbers[end - start] = i;
}
return numbers;)JS";
constexpr char kNumberReaderKey[] = "duet.numberReader";
// Shorter arrays are read element by element: a reader call costs about
// as much as a few Object::Gets.
constexpr uint32_t kMinLengthForReader = 64;
constexpr uint32_t kReaderChunk = 4096;

class FromJs {
 public:
  FromJs(v8::Local<v8::Context> context, const ValuePath& path,
         ConversionGuard& guard)
      : context_(context),
        isolate_(context->GetIsolate()),
        path_(path),
        guard_(guard) {}

  // Object.prototype, made in the caller's HandleScope (the element scopes
  // below would free it) and only for a value that may need it.
  void PrepareFor(v8::Local<v8::Value> value) {
    if (value->IsObject() && !value->IsArrayBufferView() &&
        !value->IsFunction()) {
      object_prototype_ = v8::Object::New(isolate_)->GetPrototype();
    }
  }

  absl::Status Convert(v8::Local<v8::Value> v, Value* out) {
    // The most common kinds first: a number in an int array is a Smi.
    if (v->IsInt32()) {
      *out = Value(static_cast<int64_t>(v.As<v8::Int32>()->Value()));
      return absl::OkStatus();
    }
    if (v->IsNullOrUndefined()) {
      *out = Value();
      return absl::OkStatus();
    }
    if (v->IsBoolean()) {
      *out = Value(v->IsTrue());
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
      const size_t size = view->ByteLength();  // 0 once detached
      if (!guard_.ChargePayload(size)) return Exceeded();
      if (size != 0 && view->HasBuffer()) {
        // Copied once from where it lies (no zero-filled buffer first).
        const char* data = static_cast<const char*>(view->Buffer()->Data());
        *out = Value(Bytes(data + view->ByteOffset(), size));
        return absl::OkStatus();
      }
      // A small typed array inside the V8 heap: asking for its buffer
      // would make one, so it is copied out instead.
      std::string data(size, '\0');
      if (size != 0) view->CopyContents(data.data(), size);
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
    if (path_.depth() >= internal::kMaxValueDepth) return path_.DepthError();
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
    if (object->IsArray()) return ConvertArray(object.As<v8::Array>(), out);
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
        LazyPath::Element element(path_, key_utf8);
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
      LazyPath::Element element(path_, key_utf8);
      if (!object->Get(context_, key).ToLocal(&item)) return Thrown();
      Value converted;
      DUET_RETURN_IF_ERROR(Convert(item, &converted));
      map.Set(std::move(key_utf8), std::move(converted));
    }
    *out = Value(std::move(map));
    return absl::OkStatus();
  }

  // The list is reserved once and built in order, each element in place.
  absl::Status ConvertArray(v8::Local<v8::Array> array, Value* out) {
    const uint32_t length = array->Length();
    if (!guard_.EnterContainer(length, sizeof(Value))) return Exceeded();
    Value::List list;
    list.reserve(length);
    v8::Local<v8::Function> reader;
    if (length >= kMinLengthForReader && NumberReader().ToLocal(&reader)) {
      DUET_RETURN_IF_ERROR(ReadNumbers(array, reader, length, list));
    }
    // One HandleScope per run of elements rather than per element.
    constexpr uint32_t kElementsPerScope = 256;
    for (uint32_t start = static_cast<uint32_t>(list.size()); start < length;
         start += kElementsPerScope) {
      v8::HandleScope scope(isolate_);
      const uint32_t end = std::min(length, start + kElementsPerScope);
      for (uint32_t i = start; i < end; ++i) {
        LazyPath::Element element(path_, i);
        if (!guard_.CountNode()) return Exceeded();
        v8::Local<v8::Value> item;
        if (!array->Get(context_, i).ToLocal(&item)) return Thrown();
        DUET_RETURN_IF_ERROR(Convert(item, &list.emplace_back()));
      }
    }
    *out = Value(std::move(list));
    return absl::OkStatus();
  }

  // Appends the leading numbers of `array` (of `length` elements) to the
  // empty `list`, a chunk per call of `reader` (see kNumberReaderSource),
  // which reads elements exactly as Object::Get does (holes, getters and
  // the prototype chain included) at the speed of compiled JavaScript.
  // Stops after the first element that is not a number, converted here;
  // the caller goes on from list.size().
  absl::Status ReadNumbers(v8::Local<v8::Array> array,
                           v8::Local<v8::Function> reader, uint32_t length,
                           Value::List& list) {
    const uint32_t chunk = std::min(length, kReaderChunk);
    // The numbers and, after them, the index being read (for the path of an
    // exception), in memory of its own (see NewArrayBuffer).
    const size_t bytes = (chunk + 1) * sizeof(double);
    double* numbers = new double[chunk + 1];
    std::unique_ptr<v8::BackingStore> store = v8::ArrayBuffer::NewBackingStore(
        numbers, bytes,
        [](void* data, size_t, void*) { delete[] static_cast<double*>(data); },
        nullptr);
    v8::Local<v8::Float64Array> typed = v8::Float64Array::New(
        v8::ArrayBuffer::New(isolate_, std::move(store)), 0, chunk + 1);
    uint32_t start = 0;
    while (start < length) {
      v8::HandleScope scope(isolate_);
      const uint32_t end = std::min(length, start + chunk);
      v8::Local<v8::Value> argv[] = {
          array, v8::Integer::NewFromUnsigned(isolate_, start),
          v8::Integer::NewFromUnsigned(isolate_, end), typed};
      v8::Local<v8::Value> result;
      numbers[end - start] = start;  // also when the reader cannot start
      if (!reader->Call(context_, v8::Undefined(isolate_), 4, argv)
               .ToLocal(&result)) {
        LazyPath::Element element(path_,
                                  static_cast<size_t>(numbers[end - start]));
        return Thrown();
      }
      const uint32_t stop =
          result == typed ? end : static_cast<uint32_t>(numbers[end - start]);
      const size_t appended =
          AppendNumbers(numbers, stop - start, guard_, list);
      if (appended < stop - start) {
        LazyPath::Element element(path_, start + appended);
        return Exceeded();
      }
      if (stop < end) {
        LazyPath::Element element(path_, stop);
        if (!guard_.CountNode()) return Exceeded();
        return Convert(result, &list.emplace_back());
      }
      start = end;
    }
    return absl::OkStatus();
  }

  // The context's number reader, compiled on first use and kept on its
  // global object under a private key; empty when it cannot be made (the
  // caller then reads element by element).
  v8::MaybeLocal<v8::Function> NumberReader() {
    v8::Local<v8::Object> global = context_->Global();
    v8::Local<v8::Private> key =
        v8::Private::ForApi(isolate_, Str(isolate_, kNumberReaderKey));
    v8::Local<v8::Value> cached;
    if (global->GetPrivate(context_, key).ToLocal(&cached) &&
        cached->IsFunction()) {
      return cached.As<v8::Function>();
    }
    v8::TryCatch try_catch(isolate_);
    v8::ScriptCompiler::Source source(Str(isolate_, kNumberReaderSource));
    v8::Local<v8::String> params[] = {
        Str(isolate_, "array"), Str(isolate_, "start"), Str(isolate_, "end"),
        Str(isolate_, "numbers")};
    v8::Local<v8::Function> reader;
    if (!v8::ScriptCompiler::CompileFunction(context_, &source, 4, params)
             .ToLocal(&reader)) {
      if (try_catch.HasTerminated()) try_catch.ReThrow();
      return {};
    }
    IgnoreResult(global->SetPrivate(context_, key, reader));
    if (try_catch.HasTerminated()) try_catch.ReThrow();
    return reader;
  }

  bool IsObjectPrototype(v8::Local<v8::Value> proto) const {
    return proto == object_prototype_;
  }

  absl::Status Thrown() {
    return path_.Error("a JavaScript exception was thrown while reading");
  }

  absl::Status Exceeded() const { return path_.GuardError(guard_); }

  // Charged before the copy at one byte per UTF-16 unit (a lower bound on
  // its UTF-8 size), the rest once its size is known.
  absl::Status ConvertString(v8::Local<v8::String> string, std::string* out) {
    const size_t length = static_cast<size_t>(string->Length());
    if (!guard_.ChargePayload(length)) return Exceeded();
    std::string error = StringToUtf8OrError(isolate_, string, out);
    if (!error.empty()) return path_.Error(error);
    if (out->size() > length && !guard_.ChargePayload(out->size() - length)) {
      return Exceeded();
    }
    return absl::OkStatus();
  }

  v8::Local<v8::Context> context_;
  v8::Isolate* isolate_;
  LazyPath path_;
  ConversionGuard& guard_;
  std::vector<v8::Local<v8::Object>> stack_;  // ancestors, for cycles
  v8::Local<v8::Value> object_prototype_;
};

// An ArrayBuffer over `data`'s own storage, which it takes.
v8::Local<v8::ArrayBuffer> AdoptArrayBuffer(v8::Isolate* isolate,
                                            std::string&& data) {
  auto* owned = new std::string(std::move(data));
  std::unique_ptr<v8::BackingStore> store = v8::ArrayBuffer::NewBackingStore(
      owned->data(), owned->size(),
      [](void*, size_t, void* owner) {
        delete static_cast<std::string*>(owner);
      },
      owned);
  return v8::ArrayBuffer::New(isolate, std::move(store));
}

// `consume`: the caller gave up `value` (ToV8 of an rvalue), so its large
// strings and buffers move into V8 rather than being copied.
absl::Status ToV8Impl(v8::Local<v8::Context> context, const Value& value,
                      LazyPath& path, ConversionGuard& guard, bool consume,
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
      if (n >= INT32_MIN && n <= INT32_MAX) {
        *out = v8::Integer::New(isolate, static_cast<int32_t>(n));
      } else if (n >= -kMaxSafeInt64 && n <= kMaxSafeInt64) {
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
      const std::string& text = value.as_string();
      v8::Local<v8::String> string;
      if (consume && text.size() >= kMinAdoptedBytes &&
          text.size() <= static_cast<size_t>(v8::String::kMaxLength) &&
          internal::AsciiPrefixLength(text) == text.size()) {
        // Owned by the caller, who gave it up: see ToV8(Value&&).
        auto* adopted = new AdoptedAscii(
            isolate, std::move(const_cast<std::string&>(text)));
        if (!v8::String::NewExternalOneByte(isolate, adopted)
                 .ToLocal(&string)) {
          delete adopted;  // refused (too long), so not V8's to dispose
          return path.Error("string too long for JavaScript");
        }
      } else {
        DUET_RETURN_IF_ERROR(Utf8ToV8(isolate, text, path, "string", &string));
      }
      *out = string;
      return absl::OkStatus();
    }
    case Value::Kind::kBytes: {
      const std::string& data = value.as_bytes().data();
      const size_t size = data.size();
      v8::Local<v8::ArrayBuffer> buffer =
          consume && size >= kMinAdoptedBytes
              ? AdoptArrayBuffer(isolate,
                                 std::move(const_cast<std::string&>(data)))
              : NewArrayBuffer(isolate, data);
      *out = v8::Uint8Array::New(buffer, 0, size);
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
      if (path.depth() >= internal::kMaxValueDepth) return path.DepthError();
      const Value::List& list = value.as_list();
      if (!guard.EnterContainer(list.size(), 0)) return path.GuardError(guard);
      std::vector<v8::Local<v8::Value>> items(list.size());
      for (size_t i = 0; i < list.size(); ++i) {
        LazyPath::Element element(path, i);
        if (!guard.CountNode()) return path.GuardError(guard);
        DUET_RETURN_IF_ERROR(
            ToV8Impl(context, list[i], path, guard, consume, &items[i]));
      }
      *out = v8::Array::New(isolate, items.data(), items.size());
      return absl::OkStatus();
    }
    case Value::Kind::kMap: {
      if (path.depth() >= internal::kMaxValueDepth) return path.DepthError();
      if (!guard.EnterContainer(value.as_map().size(), 0)) {
        return path.GuardError(guard);
      }
      v8::Local<v8::Object> object = v8::Object::New(isolate);
      for (const auto& [key, item] : value.as_map()) {
        LazyPath::Element element(path, key);
        if (!guard.CountNode()) return path.GuardError(guard);
        v8::Local<v8::String> name;
        DUET_RETURN_IF_ERROR(Utf8ToV8(isolate, key, path, "map key", &name));
        v8::Local<v8::Value> converted;
        DUET_RETURN_IF_ERROR(
            ToV8Impl(context, item, path, guard, consume, &converted));
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
    converter.PrepareFor(value);
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
  LazyPath lazy_path(path);
  DUET_RETURN_IF_ERROR(
      ToV8Impl(context, value, lazy_path, guard, /*consume=*/false, &out));
  return out;
}

absl::StatusOr<v8::Local<v8::Value>> ToV8(v8::Local<v8::Context> context,
                                          Value&& value, ValuePath& path,
                                          ConversionGuard& guard) {
  v8::Local<v8::Value> out;
  LazyPath lazy_path(path);
  DUET_RETURN_IF_ERROR(
      ToV8Impl(context, value, lazy_path, guard, /*consume=*/true, &out));
  return out;
}

absl::Status StringToUtf8(v8::Isolate* isolate, v8::Local<v8::String> string,
                          std::string* out, const ValuePath& path) {
  std::string error = StringToUtf8OrError(isolate, string, out);
  if (!error.empty()) return path.Error(error);
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
  if (internal::AsciiPrefixLength(utf8) == utf8.size()) {
    return v8::String::NewFromOneByte(
        isolate, reinterpret_cast<const uint8_t*>(utf8.data()),
        v8::NewStringType::kNormal, static_cast<int>(utf8.size()));
  }
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
