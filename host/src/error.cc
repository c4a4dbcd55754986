#include "duet/error.h"

#include <cstring>
#include <utility>

#include "absl/status/status_payload_printer.h"
#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "duet/internal/strings.h"

namespace duet {
namespace {

using internal::ToAbsl;

// The payload is a flat list of length-prefixed fields ("5:hello"), so any
// byte can appear in a message or file name.
void PutField(std::string* out, std::string_view field) {
  absl::StrAppend(out, field.size(), ":", ToAbsl(field));
}

bool GetField(std::string_view* in, std::string* field) {
  size_t colon = in->find(':');
  if (colon == std::string_view::npos) return false;
  size_t length;
  if (!absl::SimpleAtoi(ToAbsl(in->substr(0, colon)), &length)) return false;
  if (in->size() < colon + 1 + length) return false;
  *field = std::string(in->substr(colon + 1, length));
  in->remove_prefix(colon + 1 + length);
  return true;
}

bool GetInt(std::string_view* in, int* value) {
  std::string field;
  return GetField(in, &field) && absl::SimpleAtoi(field, value);
}

bool GetLanguage(std::string_view* in, Language* language) {
  std::string field;
  if (!GetField(in, &field)) return false;
  std::optional<Language> parsed = ParseLanguage(field);
  if (!parsed) return false;
  *language = *parsed;
  return true;
}

// Payloads start with this; one without it is the first encoding (no
// builtin type, details or cause), still read.
constexpr std::string_view kPayloadMarker = "duet.ScriptError/2;";

// Details are plain data: a tag, then the value. Function values are
// handles, not data: they are left out.
bool PutValue(std::string* out, const Value& value) {
  if (value.is_null()) {
    out->push_back('n');
  } else if (value.is_bool()) {
    out->push_back(value.as_bool() ? 't' : 'f');
  } else if (value.is_int()) {
    out->push_back('i');
    PutField(out, std::to_string(value.as_int()));
  } else if (value.is_float()) {
    uint64_t bits;
    double number = value.as_float();
    std::memcpy(&bits, &number, sizeof(bits));
    out->push_back('d');
    PutField(out, std::to_string(bits));
  } else if (value.is_string()) {
    out->push_back('s');
    PutField(out, value.as_string());
  } else if (value.is_bytes()) {
    out->push_back('y');
    PutField(out, value.as_bytes().data());
  } else if (value.is_time()) {
    out->push_back('T');  // whole milliseconds since the epoch
    PutField(out, std::to_string(absl::ToUnixMillis(value.as_time())));
  } else if (value.is_list()) {
    std::string items;
    size_t count = 0;
    for (const Value& item : value.as_list()) {
      if (PutValue(&items, item)) ++count;
    }
    out->push_back('l');
    PutField(out, std::to_string(count));
    out->append(items);
  } else if (value.is_map()) {
    std::string entries;
    size_t count = 0;
    for (const auto& [key, item] : value.as_map()) {
      std::string entry;
      PutField(&entry, key);
      if (!PutValue(&entry, item)) continue;
      entries.append(entry);
      ++count;
    }
    out->push_back('m');
    PutField(out, std::to_string(count));
    out->append(entries);
  } else {
    return false;
  }
  return true;
}

template <typename Number>
bool GetNumber(std::string_view* in, Number* number) {
  std::string field;
  return GetField(in, &field) && absl::SimpleAtoi(field, number);
}

bool GetCount(std::string_view* in, size_t* count) {
  return GetNumber(in, count) &&
         *count <= in->size();  // every item takes a byte at least
}

bool GetValue(std::string_view* in, Value* out, int depth = 0) {
  if (in->empty() || depth > 1000) return false;
  char tag = in->front();
  in->remove_prefix(1);
  std::string field;
  switch (tag) {
    case 'n':
      *out = Value();
      return true;
    case 't':
    case 'f':
      *out = Value(tag == 't');
      return true;
    case 'i': {
      int64_t number;
      if (!GetNumber(in, &number)) return false;
      *out = Value(number);
      return true;
    }
    case 'd': {
      uint64_t bits;
      if (!GetNumber(in, &bits)) return false;
      double number;
      std::memcpy(&number, &bits, sizeof(number));
      *out = Value(number);
      return true;
    }
    case 's':
      if (!GetField(in, &field)) return false;
      *out = Value(std::move(field));
      return true;
    case 'y':
      if (!GetField(in, &field)) return false;
      *out = Value(Bytes(std::move(field)));
      return true;
    case 'T': {
      int64_t millis;
      if (!GetNumber(in, &millis)) return false;
      *out = Value(absl::FromUnixMillis(millis));
      return true;
    }
    case 'l': {
      size_t count;
      if (!GetCount(in, &count)) return false;
      Value::List items(count);
      for (Value& item : items) {
        if (!GetValue(in, &item, depth + 1)) return false;
      }
      *out = Value(std::move(items));
      return true;
    }
    case 'm': {
      size_t count;
      if (!GetCount(in, &count)) return false;
      Value::Map entries;
      for (size_t i = 0; i < count; ++i) {
        std::string key;
        Value item;
        if (!GetField(in, &key) || !GetValue(in, &item, depth + 1)) {
          return false;
        }
        entries.Set(std::move(key), std::move(item));
      }
      *out = Value(std::move(entries));
      return true;
    }
    default:
      return false;
  }
}

void PutError(std::string* out, const ScriptError& error, int depth) {
  PutField(out, LanguageName(error.language));
  PutField(out, error.type);
  PutField(out, error.message);
  PutField(out, error.source_line);
  PutField(out, std::to_string(error.stack.size()));
  for (const StackFrame& frame : error.stack) {
    PutField(out, LanguageName(frame.language));
    PutField(out, frame.file);
    PutField(out, std::to_string(frame.line));
    PutField(out, std::to_string(frame.column));
    PutField(out, frame.function);
  }
  if (depth < 0) return;  // the first encoding stops here
  PutField(out, error.builtin_type);
  if (!PutValue(out, error.details.is_map() ? error.details : Value())) {
    out->push_back('n');
  }
  const bool has_cause = error.cause != nullptr && depth < kMaxCauseDepth;
  out->push_back(has_cause ? 'c' : '.');
  if (has_cause) PutError(out, *error.cause, depth + 1);
}

std::string Serialize(const ScriptError& error) {
  std::string out(kPayloadMarker);
  PutError(&out, error, 0);
  return out;
}

// `depth` -1 reads the first encoding.
bool GetError(std::string_view* in, ScriptError* error, int depth) {
  int frames = 0;
  if (!GetLanguage(in, &error->language) || !GetField(in, &error->type) ||
      !GetField(in, &error->message) || !GetField(in, &error->source_line) ||
      !GetInt(in, &frames) || frames < 0 ||
      static_cast<size_t>(frames) > in->size()) {
    return false;
  }
  error->stack.resize(frames);
  for (StackFrame& frame : error->stack) {
    if (!GetLanguage(in, &frame.language) || !GetField(in, &frame.file) ||
        !GetInt(in, &frame.line) || !GetInt(in, &frame.column) ||
        !GetField(in, &frame.function)) {
      return false;
    }
  }
  if (depth < 0) return true;
  if (!GetField(in, &error->builtin_type) || !GetValue(in, &error->details) ||
      in->empty()) {
    return false;
  }
  char cause = in->front();
  in->remove_prefix(1);
  if (cause == '.') return true;
  if (cause != 'c' || depth >= kMaxCauseDepth) return false;
  auto caused_by = std::make_shared<ScriptError>();
  if (!GetError(in, caused_by.get(), depth + 1)) return false;
  error->cause = std::move(caused_by);
  return true;
}

std::optional<ScriptError> Deserialize(std::string_view in) {
  ScriptError error;
  int depth = -1;
  if (in.substr(0, kPayloadMarker.size()) == kPayloadMarker) {
    in.remove_prefix(kPayloadMarker.size());
    depth = 0;
  }
  if (!GetError(&in, &error, depth)) return std::nullopt;
  return error;
}

std::string Headline(const ScriptError& error) {
  if (error.message.empty()) return error.type;
  if (error.type.empty()) return error.message;
  return absl::StrCat(error.type, ": ", error.message);
}

void AppendOneLineFrames(std::string* out, const ScriptError& error) {
  for (const StackFrame& frame : error.stack) {
    absl::StrAppend(out, "; at ");
    if (!frame.function.empty()) absl::StrAppend(out, frame.function, " (");
    absl::StrAppend(out, frame.file.empty() ? "<unknown>" : frame.file);
    if (frame.line > 0) absl::StrAppend(out, ":", frame.line);
    if (frame.column > 0) absl::StrAppend(out, ":", frame.column);
    if (!frame.function.empty()) *out += ")";
  }
}

std::string OneLineStack(const ScriptError& error) {
  std::string out(LanguageName(error.language));
  AppendOneLineFrames(&out, error);
  for (const ScriptError* cause = error.cause.get(); cause != nullptr;
       cause = cause->cause.get()) {
    absl::StrAppend(&out, "; caused by ", Headline(*cause));
    AppendOneLineFrames(&out, *cause);
  }
  return out;
}

void AppendFrames(std::string* out, const ScriptError& error) {
  for (const StackFrame& frame : error.stack) {
    absl::StrAppend(out, "\n  at ");
    if (!frame.function.empty()) absl::StrAppend(out, frame.function, " (");
    absl::StrAppend(out, frame.file.empty() ? "<unknown>" : frame.file);
    if (frame.line > 0) absl::StrAppend(out, ":", frame.line);
    if (frame.column > 0) absl::StrAppend(out, ":", frame.column);
    if (!frame.function.empty()) *out += ")";
    absl::StrAppend(out, " [", ToAbsl(LanguageName(frame.language)), "]");
  }
}

// Whatever printer the application had installed before duet's; duet's
// hands every other payload to it.
absl::status_internal::StatusPayloadPrinter previous_printer = nullptr;

absl::optional<std::string> PrintPayload(absl::string_view type_url,
                                         const absl::Cord& payload) {
  if (type_url == ToAbsl(kScriptErrorPayloadUrl)) {
    std::optional<ScriptError> error = Deserialize(std::string(payload));
    if (error) return OneLineStack(*error);
  }
  if (previous_printer != nullptr) return previous_printer(type_url, payload);
  return absl::nullopt;
}

// So `std::cout << status` and Status::ToString() show a script error's
// stack instead of its serialised bytes. Installed the first time duet
// attaches a ScriptError, which is before any could be printed.
void InstallPayloadPrinter() {
  static const bool installed = [] {
    previous_printer = absl::status_internal::GetStatusPayloadPrinter();
    absl::status_internal::SetStatusPayloadPrinter(&PrintPayload);
    return true;
  }();
  (void)installed;
}

}  // namespace

absl::Status MakeScriptError(ScriptError error, absl::StatusCode code) {
  InstallPayloadPrinter();
  absl::Status status(code, Headline(error));
  status.SetPayload(ToAbsl(kScriptErrorPayloadUrl),
                    absl::Cord(Serialize(error)));
  return status;
}

std::optional<ScriptError> GetScriptError(const absl::Status& status) {
  absl::optional<absl::Cord> payload =
      status.GetPayload(ToAbsl(kScriptErrorPayloadUrl));
  if (!payload) return std::nullopt;
  return Deserialize(std::string(*payload));
}

absl::Status AppendStackFrames(const absl::Status& status,
                               const std::vector<StackFrame>& frames) {
  std::optional<ScriptError> error = GetScriptError(status);
  if (!error || frames.empty()) return status;
  error->stack.insert(error->stack.end(), frames.begin(), frames.end());
  absl::Status out = status;
  out.SetPayload(ToAbsl(kScriptErrorPayloadUrl), absl::Cord(Serialize(*error)));
  return out;
}

bool operator==(const ScriptError& a, const ScriptError& b) {
  if (a.language != b.language || a.type != b.type || a.message != b.message ||
      a.stack != b.stack || a.source_line != b.source_line ||
      a.builtin_type != b.builtin_type || a.details != b.details) {
    return false;
  }
  if (a.cause == nullptr || b.cause == nullptr) return a.cause == b.cause;
  return a.cause == b.cause || *a.cause == *b.cause;
}

std::string FormatError(const absl::Status& status) {
  std::optional<ScriptError> error = GetScriptError(status);
  if (!error) return std::string(status.message());
  std::string out = Headline(*error);
  if (!error->source_line.empty()) {
    absl::StrAppend(&out, "\n    ", error->source_line);
  }
  AppendFrames(&out, *error);
  for (const ScriptError* cause = error->cause.get(); cause != nullptr;
       cause = cause->cause.get()) {
    absl::StrAppend(&out, "\ncaused by: ", Headline(*cause));
    AppendFrames(&out, *cause);
  }
  return out;
}

}  // namespace duet
