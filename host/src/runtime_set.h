// The engines one host runs, at most one per language, indexed by language.
#ifndef DUET_HOST_SRC_RUNTIME_SET_H_
#define DUET_HOST_SRC_RUNTIME_SET_H_

#include <array>
#include <filesystem>
#include <iterator>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "duet/language.h"
#include "duet/runtime.h"

namespace duet::internal {

inline constexpr size_t kLanguageCount = std::size(kAllLanguages);

inline size_t LanguageIndex(Language language) {
  return static_cast<size_t>(language);
}

// Filled once by Start, emptied once by Clear; read-only in between, so
// readers take no lock.
class RuntimeSet {
 public:
  // Makes a runtime with each factory. kInvalidArgument for two runtimes of
  // one language; otherwise the first error a factory returns.
  absl::Status Start(std::vector<RuntimeFactory> factories,
                     HostServices& services);

  // Null when this host runs no engine for `language`.
  Runtime* Get(Language language) const {
    return runtimes_[LanguageIndex(language)].get();
  }
  // The runtime whose file_extensions() claims `file`'s extension, or null.
  Runtime* ForFile(const std::filesystem::path& file) const;
  // The languages with a runtime, in kAllLanguages order.
  std::vector<Language> languages() const;

  // Runtime::Interrupt on each; safe from any thread.
  void InterruptAll();
  // Destroys the runtimes, once nothing they made is left.
  void Clear();

 private:
  std::array<std::unique_ptr<Runtime>, kLanguageCount> runtimes_;
};

}  // namespace duet::internal

#endif  // DUET_HOST_SRC_RUNTIME_SET_H_
