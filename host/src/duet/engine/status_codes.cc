#include "duet/engine/status_codes.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace duet::engine {

const std::vector<std::string>& PluginStatusCodeNames() {
  static const std::vector<std::string>* const names = [] {
    auto* out = new std::vector<std::string>;
    // absl's codes are 1 (kCancelled) to 16 (kUnauthenticated); 0 is OK.
    for (int code = 1; code <= 16; ++code) {
      out->push_back(
          absl::StatusCodeToString(static_cast<absl::StatusCode>(code)));
    }
    return out;
  }();
  return *names;
}

std::optional<absl::StatusCode> PluginStatusCode(std::string_view name) {
  const std::vector<std::string>& names = PluginStatusCodeNames();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<absl::StatusCode>(i + 1);
  }
  return std::nullopt;
}

std::string PluginStatusCodeProblem(std::string_view name) {
  if (PluginStatusCode(name)) return "";
  std::string why = name == "OK" ? " (an error cannot succeed)" : "";
  return absl::StrCat(
      "'", std::string(name), "' is not a status code for an error", why,
      "; use one of ", absl::StrJoin(PluginStatusCodeNames(), ", "));
}

}  // namespace duet::engine
