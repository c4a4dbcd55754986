// Both engines, made the way a host makes them, for tests that run one body
// against each. Link duet_python and duet_javascript to use it.
#ifndef DUET_TESTS_TESTING_ENGINES_H_
#define DUET_TESTS_TESTING_ENGINES_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "duet/language.h"
#include "duet/runtime.h"
#include "javascript/javascript_runtime.h"
#include "python/python_runtime.h"

namespace duet::testing {

inline absl::StatusOr<std::unique_ptr<Runtime>> CreateRuntime(
    Language language, HostServices& services) {
  switch (language) {
    case Language::kPython:
      return CreatePythonRuntime(services);
    case Language::kJavaScript:
      return CreateJavaScriptRuntime(services);
  }
  return absl::InvalidArgumentError("no engine for this language");
}

// The extension of a plugin's entry file: ".py", or ".mjs" (ES module).
inline std::string EntryExtension(Language language) {
  return language == Language::kPython ? ".py" : ".mjs";
}

}  // namespace duet::testing

#endif  // DUET_TESTS_TESTING_ENGINES_H_
