// Host::Create for duet::duet: the host with every engine built in. The one
// place that knows both bindings; kept out of host/ so the core builds and
// tests without any engine and never includes a binding.
#include <utility>
#include <vector>

#include "duet/host.h"
#include "duet/runtime.h"
#include "javascript/javascript_runtime.h"
#include "python/python_runtime.h"

namespace duet {

absl::StatusOr<std::unique_ptr<Host>> Host::Create(HostOptions options) {
  std::vector<Language> languages = options.languages;
  if (languages.empty()) {
    languages.assign(std::begin(kAllLanguages), std::end(kAllLanguages));
  }
  std::vector<RuntimeFactory> factories;
  for (Language language : languages) {
    switch (language) {
      case Language::kPython:
        factories.push_back(PythonRuntimeFactory(options.python));
        break;
      case Language::kJavaScript:
        factories.push_back(CreateJavaScriptRuntime);
        break;
    }
  }
  return CreateHostWithRuntimes(std::move(options), std::move(factories));
}

}  // namespace duet
