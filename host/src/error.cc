#include "duet/error.h"

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

std::string Serialize(const ScriptError& error) {
  std::string out;
  PutField(&out, LanguageName(error.language));
  PutField(&out, error.type);
  PutField(&out, error.message);
  PutField(&out, error.source_line);
  PutField(&out, std::to_string(error.stack.size()));
  for (const StackFrame& frame : error.stack) {
    PutField(&out, LanguageName(frame.language));
    PutField(&out, frame.file);
    PutField(&out, std::to_string(frame.line));
    PutField(&out, std::to_string(frame.column));
    PutField(&out, frame.function);
  }
  return out;
}

std::optional<ScriptError> Deserialize(std::string_view in) {
  ScriptError error;
  int frames = 0;
  if (!GetLanguage(&in, &error.language) || !GetField(&in, &error.type) ||
      !GetField(&in, &error.message) || !GetField(&in, &error.source_line) ||
      !GetInt(&in, &frames) || frames < 0) {
    return std::nullopt;
  }
  error.stack.resize(frames);
  for (StackFrame& frame : error.stack) {
    if (!GetLanguage(&in, &frame.language) || !GetField(&in, &frame.file) ||
        !GetInt(&in, &frame.line) || !GetInt(&in, &frame.column) ||
        !GetField(&in, &frame.function)) {
      return std::nullopt;
    }
  }
  return error;
}

std::string Headline(const ScriptError& error) {
  if (error.message.empty()) return error.type;
  if (error.type.empty()) return error.message;
  return absl::StrCat(error.type, ": ", error.message);
}

std::string OneLineStack(const ScriptError& error) {
  std::string out(LanguageName(error.language));
  for (const StackFrame& frame : error.stack) {
    absl::StrAppend(&out, "; at ");
    if (!frame.function.empty()) absl::StrAppend(&out, frame.function, " (");
    absl::StrAppend(&out, frame.file.empty() ? "<unknown>" : frame.file);
    if (frame.line > 0) absl::StrAppend(&out, ":", frame.line);
    if (frame.column > 0) absl::StrAppend(&out, ":", frame.column);
    if (!frame.function.empty()) out += ")";
  }
  return out;
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

std::string FormatError(const absl::Status& status) {
  std::optional<ScriptError> error = GetScriptError(status);
  if (!error) return std::string(status.message());
  std::string out = Headline(*error);
  if (!error->source_line.empty()) {
    absl::StrAppend(&out, "\n    ", error->source_line);
  }
  for (const StackFrame& frame : error->stack) {
    absl::StrAppend(&out, "\n  at ");
    if (!frame.function.empty()) absl::StrAppend(&out, frame.function, " (");
    absl::StrAppend(&out, frame.file.empty() ? "<unknown>" : frame.file);
    if (frame.line > 0) absl::StrAppend(&out, ":", frame.line);
    if (frame.column > 0) absl::StrAppend(&out, ":", frame.column);
    if (!frame.function.empty()) out += ")";
    absl::StrAppend(&out, " [", ToAbsl(LanguageName(frame.language)), "]");
  }
  return out;
}

}  // namespace duet
