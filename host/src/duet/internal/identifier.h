// Names that may be used as module, function and host-function names: they
// must work as attribute names in both Python and JavaScript.
#ifndef DUET_INTERNAL_IDENTIFIER_H_
#define DUET_INTERNAL_IDENTIFIER_H_

#include <array>
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

// Module names that are identifiers yet unsafe as names of REPL globals and
// namespace entries: what every JavaScript object inherits (a global named
// __proto__ would replace the global object's prototype) and Python's
// dunder names (__name__, __builtins__, ... in the REPL namespace).
inline bool IsReservedModuleName(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kObjectPrototype = {
      "__proto__",        "constructor",
      "toString",         "toLocaleString",
      "valueOf",          "hasOwnProperty",
      "isPrototypeOf",    "propertyIsEnumerable",
      "__defineGetter__", "__defineSetter__",
      "__lookupGetter__", "__lookupSetter__"};
  for (std::string_view reserved : kObjectPrototype) {
    if (name == reserved) return true;
  }
  return name.size() > 4 && name.substr(0, 2) == "__" &&
         name.substr(name.size() - 2) == "__";
}

// Why IsReservedModuleName refused a name, for error messages.
inline constexpr std::string_view kReservedModuleNameRule =
    "a name every JavaScript object inherits (constructor, toString, "
    "__proto__, ...) or a Python dunder name (__x__) cannot be a module name";

}  // namespace duet::internal

#endif  // DUET_INTERNAL_IDENTIFIER_H_
