// libFuzzer: any JSON the parser accepts prints and parses back to the same
// value; anything else is a clean error.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "duet/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<duet::Value> value = duet::ParseJson(text);
  if (!value.ok()) return 0;
  std::string printed = duet::ToJson(*value);
  absl::StatusOr<duet::Value> again = duet::ParseJson(printed);
  if (!again.ok()) std::abort();
  // NaN != NaN, so compare by value, which treats NaNs as equal, and also
  // require the kinds to survive (3.0 must stay a float).
  if (!duet::EquivalentByValue(*value, *again)) std::abort();
  if (duet::ToJson(*again) != printed) std::abort();
  return 0;
}
