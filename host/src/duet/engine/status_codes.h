// The status codes a plugin may choose for its own error (duet.Error(message,
// code) in either language), by the names scripts see on `e.code`
// (absl::StatusCodeToString): every code but OK. Both engines check a name
// here when the error is made, and map it back when the error leaves the
// script.
#ifndef DUET_ENGINE_STATUS_CODES_H_
#define DUET_ENGINE_STATUS_CODES_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace duet::engine {

// "CANCELLED", "UNKNOWN", ... "UNAUTHENTICATED", in code order.
const std::vector<std::string>& PluginStatusCodeNames();

// The code named `name` (exactly, as PluginStatusCodeNames spells it);
// nullopt for any other name, "OK" included.
std::optional<absl::StatusCode> PluginStatusCode(std::string_view name);

// What is wrong with `name` as a plugin's status code, listing the valid
// ones: "'NOPE' is not a status code; use one of CANCELLED, UNKNOWN, ...".
// Empty when `name` is valid.
std::string PluginStatusCodeProblem(std::string_view name);

}  // namespace duet::engine

#endif  // DUET_ENGINE_STATUS_CODES_H_
