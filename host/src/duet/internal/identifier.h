// Names that may be used as module, function and host-function names: they
// must work as attribute names in both Python and JavaScript.
#ifndef DUET_INTERNAL_IDENTIFIER_H_
#define DUET_INTERNAL_IDENTIFIER_H_

#include <string_view>

namespace duet::internal {

// ASCII letters, digits and '_', not starting with a digit, not empty.
inline bool IsIdentifier(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace duet::internal

#endif  // DUET_INTERNAL_IDENTIFIER_H_
