#include "duet/engine/status_carrier.h"

#include <cstdint>
#include <cstring>

#include "absl/strings/cord.h"
#include "duet/internal/strings.h"

namespace duet::engine {
namespace {

// Versioned, so bytes from an older encoding are refused, not misread.
constexpr std::string_view kMarker = "duet.status/1\n";

void PutString(std::string* out, std::string_view s) {
  uint64_t size = s.size();
  out->append(reinterpret_cast<const char*>(&size), sizeof(size));
  out->append(s.data(), s.size());
}

bool GetString(std::string_view* in, std::string* out) {
  uint64_t size;
  if (in->size() < sizeof(size)) return false;
  std::memcpy(&size, in->data(), sizeof(size));
  in->remove_prefix(sizeof(size));
  if (in->size() < size) return false;
  out->assign(in->data(), size);
  in->remove_prefix(size);
  return true;
}

}  // namespace

std::string EncodeStatus(const absl::Status& status) {
  std::string out(kMarker);
  uint32_t code = static_cast<uint32_t>(status.code());
  out.append(reinterpret_cast<const char*>(&code), sizeof(code));
  PutString(&out, internal::ToStd(status.message()));
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    PutString(&out, internal::ToStd(url));
    PutString(&out, std::string(payload));
  });
  return out;
}

std::optional<absl::Status> DecodeStatus(std::string_view in) {
  if (in.substr(0, kMarker.size()) != kMarker) return std::nullopt;
  in.remove_prefix(kMarker.size());
  uint32_t code;
  if (in.size() < sizeof(code)) return std::nullopt;
  std::memcpy(&code, in.data(), sizeof(code));
  in.remove_prefix(sizeof(code));
  // absl::StatusCode runs from kOk (0) to kUnauthenticated (16).
  if (code > static_cast<uint32_t>(absl::StatusCode::kUnauthenticated)) {
    return std::nullopt;
  }
  std::string message;
  if (!GetString(&in, &message)) return std::nullopt;
  absl::Status status(static_cast<absl::StatusCode>(code), message);
  while (!in.empty()) {
    std::string url;
    std::string payload;
    if (!GetString(&in, &url) || !GetString(&in, &payload)) return std::nullopt;
    status.SetPayload(url, absl::Cord(payload));
  }
  return status;
}

}  // namespace duet::engine
