// libFuzzer: a JSON-shaped value sent into each engine and back is the same
// value (JavaScript may turn an integral float into an int, which
// docs/values.md allows), or a clean InvalidArgument error — never a crash.
// Each value goes three ways: C++ -> engine -> C++ (probe.echo), and through
// a module call a script makes (probe.call of probe.echo, whose active
// implementation is Python): JavaScript -> Python and Python -> Python.
// JSON has no time, so here an object {"$time": N} is the time N ms after
// 1970 (any int64: most are outside an engine's range and must be refused
// cleanly). JSON inputs are small, so {"$repeat": [V, N]} is V repeated N
// times: a string or bytes N times over (up to 1 MiB, so the paths for large
// strings and buffers run), anything else a list of N copies (up to 4,096,
// so long arrays take the engines' chunked paths).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include "duet/host.h"
#include "duet/json.h"

namespace {

constexpr size_t kMaxRepeatedBytes = size_t{1} << 20;
constexpr int64_t kMaxRepeatedItems = 4096;
// What all the markers of one input may make together, so nested repeats
// cannot multiply into gigabytes.
constexpr size_t kMaxMarkedBytes = size_t{8} << 20;

// About how many bytes `value` takes (strings and bytes by length, 16 a
// node), counting no further than `limit`.
size_t ApproximateBytes(const duet::Value& value, size_t limit) {
  size_t total = 16;
  if (value.is_string()) total += value.as_string().size();
  if (value.is_bytes()) total += value.as_bytes().size();
  if (value.is_list()) {
    for (const duet::Value& item : value.as_list()) {
      if (total >= limit) break;
      total += ApproximateBytes(item, limit - total);
    }
  }
  if (value.is_map()) {
    for (const auto& [key, item] : value.as_map()) {
      if (total >= limit) break;
      total += key.size() + ApproximateBytes(item, limit - total);
    }
  }
  return total;
}

// `text` `times` times over, at most kMaxRepeatedBytes long and what is
// left of `*budget`, which it uses up.
std::string Repeated(const std::string& text, int64_t times, size_t* budget) {
  std::string out;
  if (text.empty() || times <= 0) return out;
  const size_t count =
      std::min<size_t>(static_cast<size_t>(times),
                       std::min(kMaxRepeatedBytes, *budget) / text.size());
  out.reserve(count * text.size());
  for (size_t i = 0; i < count; ++i) out += text;
  *budget -= out.size();
  return out;
}

// `value` with each {"$time": <int>} replaced by that time and each
// {"$repeat": [V, <int>]} by V repeated (see the top of this file), all
// repeats together within `*budget` bytes.
duet::Value WithMarkers(duet::Value value, size_t* budget) {
  if (value.is_list()) {
    for (duet::Value& item : value.as_list()) {
      item = WithMarkers(std::move(item), budget);
    }
  } else if (value.is_map()) {
    duet::Value::Map& map = value.as_map();
    if (map.size() == 1) {
      const auto& [key, marked] = map.entries()[0];
      if (key == "$time" && marked.is_int()) {
        return absl::FromUnixMillis(marked.as_int());
      }
      if (key == "$repeat" && marked.is_list() &&
          marked.as_list().size() == 2 && marked.as_list()[1].is_int()) {
        duet::Value item = WithMarkers(marked.as_list()[0], budget);
        const int64_t times = marked.as_list()[1].as_int();
        if (item.is_string()) return Repeated(item.as_string(), times, budget);
        if (item.is_bytes()) {
          return duet::Bytes(Repeated(item.as_bytes().data(), times, budget));
        }
        const size_t each = ApproximateBytes(item, *budget + 1);
        const size_t count =
            std::min<size_t>(static_cast<size_t>(std::clamp<int64_t>(
                                 times, 0, kMaxRepeatedItems)),
                             *budget / each);
        *budget -= count * each;
        return duet::Value::List(count, item);
      }
    }
    duet::Value::Map replaced;
    replaced.reserve(map.size());
    for (const auto& [key, item] : map) {
      replaced.Set(key, WithMarkers(item, budget));
    }
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

// Whether `back` is `sent` after a trip through `language`: exact through
// Python alone, by value once JavaScript has held it (its number rule).
bool SameAfter(bool through_javascript, const duet::Value& back,
               const duet::Value& sent) {
  return through_javascript ? duet::EquivalentByValue(back, sent)
                            : duet::ToJson(back) == duet::ToJson(sent);
}

// A value that fails to convert is a clean InvalidArgument; any other
// failure, or a different value back, aborts.
void Check(const absl::StatusOr<duet::Value>& back, const duet::Value& sent,
           bool through_javascript, std::string_view how) {
  if (!back.ok()) {
    if (back.status().code() != absl::StatusCode::kInvalidArgument) {
      std::cerr << how << ": " << back.status() << "\n";
      std::abort();
    }
    return;
  }
  if (!SameAfter(through_javascript, *back, sent)) {
    std::cerr << how << ": " << sent << " came back as " << *back << "\n";
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<duet::Value> value = duet::ParseJson(text);
  if (!value.ok()) return 0;
  size_t budget = kMaxMarkedBytes;
  *value = WithMarkers(*std::move(value), &budget);
  for (duet::Language language : duet::kAllLanguages) {
    const bool javascript = language == duet::Language::kJavaScript;
    duet::CallOptions in_language{std::nullopt, language};
    Check(SharedHost()->Call("probe", "echo", {*value}, in_language), *value,
          javascript, duet::LanguageName(language));
    // probe.call("probe.echo", [value]) in `language`: a module call from a
    // script into probe's active implementation, Python.
    Check(SharedHost()->Call("probe", "call",
                             {duet::Value("probe.echo"),
                              duet::Value(duet::Value::List{*value})},
                             in_language),
          *value, javascript,
          std::string(duet::LanguageName(language)) + " -> python");
  }
  return 0;
}
