#include "duet/engine/stop.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "duet/internal/strings.h"

namespace duet::engine {
namespace {

std::string_view DefaultType(StopReason reason) {
  switch (reason) {
    case StopReason::kDeadline:
      return "DeadlineExceeded";
    case StopReason::kInterrupt:
      return "Interrupted";
    case StopReason::kMemory:
      return "OutOfMemory";
    case StopReason::kNone:
      break;
  }
  return "";
}

}  // namespace

absl::Status StopStatus(StopReason reason, StopDetails details) {
  const absl::string_view language = internal::ToAbsl(details.engine_name);
  std::string message;
  absl::StatusCode code = absl::StatusCode::kOk;
  switch (reason) {
    case StopReason::kNone:
      return absl::OkStatus();
    case StopReason::kDeadline:
      code = absl::StatusCode::kDeadlineExceeded;
      message = absl::StrCat(language, " execution stopped at its deadline");
      break;
    case StopReason::kInterrupt:
      code = absl::StatusCode::kCancelled;
      message = absl::StrCat(language, " execution interrupted");
      break;
    case StopReason::kMemory:
      code = absl::StatusCode::kResourceExhausted;
      if (details.memory_mb > 0) {
        message = absl::StrCat(
            language, " module '", internal::ToAbsl(details.module),
            "' exceeded its ", language, " heap limit of ", details.memory_mb,
            " MB (its isolate is discarded; the module is loaded afresh, "
            "losing its state, on the next call)");
      } else {
        message = absl::StrCat(
            language, " module '", internal::ToAbsl(details.module),
            "' ran out of ", language, " heap (its isolate is discarded)");
      }
      break;
  }
  ScriptError error;
  error.language = details.language;
  error.type =
      std::string(details.type.empty() ? DefaultType(reason) : details.type);
  error.message = message;
  error.stack = std::move(details.stack);
  absl::Status made = MakeScriptError(std::move(error), code);
  // The headline stays the plain sentence; the payload tells the rest.
  absl::Status out(code, message);
  made.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    out.SetPayload(url, payload);
  });
  return out;
}

internal::Watchdog::Ticket ArmDeadline(absl::Time deadline,
                                       std::function<void()> stop) {
  return internal::Watchdog::Shared().Arm(deadline, std::move(stop));
}

}  // namespace duet::engine
