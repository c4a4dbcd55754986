#include "runtime_set.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "duet/internal/status_macros.h"
#include "duet/internal/strings.h"

namespace duet::internal {

absl::Status RuntimeSet::Start(std::vector<RuntimeFactory> factories,
                               HostServices& services) {
  for (RuntimeFactory& factory : factories) {
    DUET_ASSIGN_OR_RETURN(std::unique_ptr<Runtime> runtime, factory(services));
    std::unique_ptr<Runtime>& slot =
        runtimes_[LanguageIndex(runtime->language())];
    if (slot != nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("two runtimes for ",
                       internal::ToAbsl(LanguageName(runtime->language()))));
    }
    slot = std::move(runtime);
  }
  return absl::OkStatus();
}

Runtime* RuntimeSet::ForFile(const std::filesystem::path& file) const {
  const std::string extension = file.extension().string();
  for (const auto& runtime : runtimes_) {
    if (runtime == nullptr) continue;
    for (const std::string& claimed : runtime->file_extensions()) {
      if (claimed == extension) return runtime.get();
    }
  }
  return nullptr;
}

std::vector<Language> RuntimeSet::languages() const {
  std::vector<Language> out;
  for (Language language : kAllLanguages) {
    if (Get(language) != nullptr) out.push_back(language);
  }
  return out;
}

void RuntimeSet::InterruptAll() {
  for (auto& runtime : runtimes_) {
    if (runtime != nullptr) runtime->Interrupt();
  }
}

void RuntimeSet::Clear() {
  for (auto& runtime : runtimes_) runtime.reset();
}

}  // namespace duet::internal
