/// @file
/// The script languages duet embeds.
#ifndef DUET_LANGUAGE_H_
#define DUET_LANGUAGE_H_

#include <iosfwd>
#include <optional>
#include <string_view>

namespace duet {

/// A script language, hence an engine: CPython or V8.
enum class Language { kPython, kJavaScript };

/// Every Language, in the order listings show them.
inline constexpr Language kAllLanguages[] = {Language::kPython,
                                             Language::kJavaScript};

/// "python" or "javascript".
std::string_view LanguageName(Language language);

/// Accepts "python", "py", "javascript", "js" (case-insensitive).
std::optional<Language> ParseLanguage(std::string_view name);

/// Writes LanguageName(language); also how GoogleTest prints a Language.
std::ostream& operator<<(std::ostream& out, Language language);

}  // namespace duet

#endif  // DUET_LANGUAGE_H_
