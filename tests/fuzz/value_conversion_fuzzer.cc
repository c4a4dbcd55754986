// libFuzzer: a JSON-shaped value sent into each engine and back is the same
// value (JavaScript may turn an integral float into an int, which
// docs/values.md allows), or a clean InvalidArgument error — never a crash.
// JSON has no time, so here an object {"$time": N} is the time N ms after
// 1970 (any int64: most are outside an engine's range and must be refused
// cleanly).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string_view>

#include "duet/host.h"
#include "duet/json.h"

namespace {

// `value` with each {"$time": <int>} replaced by that time.
duet::Value WithTimes(duet::Value value) {
  if (value.is_list()) {
    for (duet::Value& item : value.as_list()) item = WithTimes(std::move(item));
  } else if (value.is_map()) {
    duet::Value::Map& map = value.as_map();
    if (map.size() == 1 && map.entries()[0].first == "$time" &&
        map.entries()[0].second.is_int()) {
      return absl::FromUnixMillis(map.entries()[0].second.as_int());
    }
    duet::Value::Map replaced;
    replaced.reserve(map.size());
    for (const auto& [key, item] : map) replaced.Set(key, WithTimes(item));
    return replaced;
  }
  return value;
}

duet::Host* SharedHost() {
  static duet::Host* host = [] {
    duet::HostOptions options;
    options.log_sink = [](duet::LogLevel, std::string_view, std::string_view) {
    };
    absl::StatusOr<std::unique_ptr<duet::Host>> made =
        duet::Host::Create(std::move(options));
    if (!made.ok()) {
      std::cerr << made.status() << "\n";
      std::abort();
    }
    absl::StatusOr<std::string> loaded = (*made)->LoadPlugin(DUET_PROBE_DIR);
    if (!loaded.ok()) {
      std::cerr << loaded.status() << "\n";
      std::abort();
    }
    return made->release();
  }();
  return host;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<duet::Value> value = duet::ParseJson(text);
  if (!value.ok()) return 0;
  *value = WithTimes(*std::move(value));
  for (duet::Language language : duet::kAllLanguages) {
    absl::StatusOr<duet::Value> back =
        SharedHost()->Call("probe", "echo", {*value}, {std::nullopt, language});
    if (!back.ok()) {
      if (back.status().code() != absl::StatusCode::kInvalidArgument) {
        std::cerr << back.status() << "\n";
        std::abort();
      }
      continue;
    }
    bool same = language == duet::Language::kPython
                    ? duet::ToJson(*back) == duet::ToJson(*value)
                    : duet::EquivalentByValue(*back, *value);
    if (!same) {
      std::cerr << duet::LanguageName(language) << ": " << *value
                << " came back as " << *back << "\n";
      std::abort();
    }
  }
  return 0;
}
