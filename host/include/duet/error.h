/// @file
/// Errors: every fallible duet call returns absl::Status or absl::StatusOr<T>.
///
/// Codes (docs/errors.md says when each is used):
/// @code
///   kUnknown            a script raised or threw; a ScriptError payload says
///                       which language, exception type, message and stack.
///   kNotFound           unknown module, function, implementation or plugin.
///   kInvalidArgument    bad arguments, an unconvertible value (the message
///                       names the path inside it, e.g. args[0].items[3]), a
///                       bad manifest (the message names file and line), a
///                       syntax error at load.
///   kFailedPrecondition a language the module has no implementation for.
///   kDeadlineExceeded   a call ran past its time limit.
///   kResourceExhausted  a call ran past its memory limit or value budget,
///                       or nested too deep.
///   kCancelled          Host::Interrupt stopped the call, or the host is
///                       shutting down.
/// @endcode
/// A ScriptError payload may ride on other codes too (a syntax error, a
/// stopped Python call): ask GetScriptError rather than testing the code.
///
/// @code
///   absl::StatusOr<duet::Value> result = host->Call("greeter", "greet", {1});
///   if (auto error = duet::GetScriptError(result.status())) {
///     std::cerr << error->type << " at " << error->stack[0].file;
///   }
/// @endcode
#ifndef DUET_ERROR_H_
#define DUET_ERROR_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "duet/language.h"
#include "duet/value.h"

namespace duet {

/// One frame of a script's stack, innermost first.
struct StackFrame {
  Language language = Language::kPython;  ///< of the code in this frame
  std::string file;                       ///< path as the engine reported it
  int line = 0;                           ///< 1-based; 0 when unknown
  int column = 0;                         ///< 1-based; 0 when unknown
  std::string function;                   ///< empty for top-level code

  /// Every field equal.
  friend bool operator==(const StackFrame& a, const StackFrame& b) {
    return a.language == b.language && a.file == b.file && a.line == b.line &&
           a.column == b.column && a.function == b.function;
  }
};

/// What a script raised. When an error crosses languages (JS calls Python,
/// which raises), `language` and `type` stay those of the original raiser and
/// the frames of every language it passed through are appended to `stack`.
/// docs/errors.md maps `builtin_type` to the classes each language raises it
/// as, and says what `details` and `cause` hold.
struct ScriptError {
  Language language = Language::kPython;  ///< of the original raiser
  std::string type;               ///< "ValueError", "TypeError", "MyError", ...
  std::string message;            ///< the exception's message, without the type
  std::vector<StackFrame> stack;  ///< innermost first, every language
  /// For syntax errors: the offending source line, when the engine gives one.
  std::string source_line;
  /// The nearest built-in exception class of `language` that `type` is or
  /// derives from: "ValueError" for `class Bad(ValueError)`, "TypeError" for
  /// `class Bad extends TypeError`. Empty when there is none (a thrown
  /// non-Error) or the raiser did not say.
  std::string builtin_type;
  /// The error's plain data fields (JavaScript own properties, Python
  /// instance attributes) that convert to Values, by name; a map, or null.
  Value details;
  /// What caused it (JavaScript `cause`, Python `__cause__`), at most
  /// kMaxCauseDepth deep; null when nothing did.
  std::shared_ptr<const ScriptError> cause;

  ///@{
  /// Field by field, causes included (compared by content, not pointer).
  friend bool operator==(const ScriptError& a, const ScriptError& b);
  friend bool operator!=(const ScriptError& a, const ScriptError& b) {
    return !(a == b);
  }
  ///@}
};

/// Causes kept below an error; deeper ones (and cycles) are cut off.
inline constexpr int kMaxCauseDepth = 16;

/// The payload type URL under which a ScriptError travels in an absl::Status.
inline constexpr std::string_view kScriptErrorPayloadUrl =
    "type.duet.dev/duet.ScriptError";

/// An absl::Status with code `code` (kUnknown for a script exception), the
/// message "Type: message", and `error` attached as payload.
absl::Status MakeScriptError(
    ScriptError error, absl::StatusCode code = absl::StatusCode::kUnknown);

/// The ScriptError carried by `status`, if any.
std::optional<ScriptError> GetScriptError(const absl::Status& status);

/// Appends frames to the ScriptError in `status` (no-op without one). Used
/// when an error passes back out through another language.
absl::Status AppendStackFrames(const absl::Status& status,
                               const std::vector<StackFrame>& frames);

/// Streaming a status (`std::cerr << status`, Status::ToString) shows a
/// ScriptError on one line, after the message:
/// "[type.duet.dev/duet.ScriptError= 'javascript; at relay (/p/relay.js:12:5);
/// at /p/relay.js:3:1']".
///
/// A multi-line report for people: "Type: message", then the source line and
/// "  at function (file:line:column) [language]" per frame, then for each
/// cause "caused by: Type: message" and its frames. Statuses without a
/// ScriptError print as their message.
std::string FormatError(const absl::Status& status);

}  // namespace duet

#endif  // DUET_ERROR_H_
