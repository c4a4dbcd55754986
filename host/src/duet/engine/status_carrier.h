// One way to carry an absl::Status through a script exception and back out
// unchanged: when the host fails a call a script made (duet.call, a nested
// module's error), the engine raises a script exception that holds the
// encoded status; when that exception leaves the script uncaught, the
// engine finds the bytes and returns the original status (its code and
// payloads, with the script's frames appended) rather than a new error.
// Engines keep the bytes where their scripts cannot forge them (a V8
// private symbol, a PyCapsule); the encoding and the check that bytes are
// ours live here.
#ifndef DUET_ENGINE_STATUS_CARRIER_H_
#define DUET_ENGINE_STATUS_CARRIER_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace duet::engine {

// The status as bytes: a marker, the code, the message, every payload.
std::string EncodeStatus(const absl::Status& status);

// The status EncodeStatus encoded; nullopt for bytes it did not make (no
// marker, truncated, trailing garbage, an out-of-range code).
std::optional<absl::Status> DecodeStatus(std::string_view bytes);

}  // namespace duet::engine

#endif  // DUET_ENGINE_STATUS_CARRIER_H_
