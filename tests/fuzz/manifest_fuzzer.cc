// libFuzzer: plugin.toml parsing never crashes, and whatever it accepts is a
// manifest that loading can rely on (a name, at least one implementation).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "duet/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<duet::ParsedManifest> parsed =
      duet::ParseManifest(text, "fuzz/plugin.toml");
  if (!parsed.ok()) {
    // Every error names the file.
    if (parsed.status().message().find("fuzz/plugin.toml") ==
        absl::string_view::npos) {
      std::abort();
    }
    return 0;
  }
  const duet::Manifest& manifest = parsed->manifest;
  if (manifest.name.empty() || manifest.implementations.empty()) std::abort();
  for (const duet::ExportSpec& spec : manifest.exports) {
    for (const duet::TypeSpec& param : spec.params) {
      // Printing a parsed type and parsing it again gives the same type.
      absl::StatusOr<duet::TypeSpec> again =
          duet::TypeSpec::Parse(param.ToString());
      if (!again.ok() || again->ToString() != param.ToString()) std::abort();
    }
  }
  return 0;
}
