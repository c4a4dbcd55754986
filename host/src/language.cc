#include "duet/language.h"

#include <ostream>

#include "absl/strings/ascii.h"
#include "duet/internal/strings.h"
#include "duet/log.h"

namespace duet {

std::string_view LanguageName(Language language) {
  switch (language) {
    case Language::kPython:
      return "python";
    case Language::kJavaScript:
      return "javascript";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& out, Language language) {
  return out << LanguageName(language);
}

std::optional<Language> ParseLanguage(std::string_view name) {
  std::string lower = absl::AsciiStrToLower(internal::ToAbsl(name));
  if (lower == "python" || lower == "py") return Language::kPython;
  if (lower == "javascript" || lower == "js") return Language::kJavaScript;
  return std::nullopt;
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "unknown";
}

}  // namespace duet
