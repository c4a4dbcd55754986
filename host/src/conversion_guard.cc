#include "duet/internal/conversion_guard.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "duet/internal/strings.h"

namespace duet::internal {
namespace {

// A path shortened for a message: a 900-level path says no more than its
// first levels do. Cut on a UTF-8 character boundary.
std::string_view Shortened(std::string_view path, bool* cut) {
  constexpr size_t kMaxShown = 64;
  *cut = path.size() > kMaxShown;
  if (!*cut) return path;
  size_t end = kMaxShown;
  while (end > 0 && (static_cast<unsigned char>(path[end]) & 0xC0) == 0x80) {
    --end;
  }
  return path.substr(0, end);
}

std::string Megabytes(size_t bytes) {
  if (bytes % (size_t{1} << 20) == 0) {
    return absl::StrCat(bytes >> 20, " MB");
  }
  return absl::StrCat(bytes, " bytes");
}

}  // namespace

absl::Status ConversionGuard::Error(std::string_view path,
                                    std::string_view value) const {
  switch (exceeded_) {
    case Limit::kStack: {
      bool cut = false;
      std::string_view shown = Shortened(path, &cut);
      return absl::ResourceExhaustedError(absl::StrCat(
          "value nested too deeply for this thread's stack at ", ToAbsl(shown),
          cut ? "\u2026" : "", " (", StackRemaining() / 1024,
          " KB left; call from a thread with a larger stack or return a "
          "flatter value)"));
    }
    case Limit::kBudget:
      return absl::ResourceExhaustedError(absl::StrCat(
          ToAbsl(value), " is too large to convert: it takes more than its ",
          Megabytes(budget_bytes_),
          " value budget as duet values (the budget follows the plugin's "
          "[limits] memory_mb)"));
    case Limit::kDeadline:
      return absl::DeadlineExceededError(
          absl::StrCat("converting ", ToAbsl(value),
                       " did not finish by the call's deadline"));
    case Limit::kNone:
      break;
  }
  return absl::InternalError(
      absl::StrCat("conversion of ", ToAbsl(value), " reported no limit"));
}

}  // namespace duet::internal
