// Reading `module.function(arg, ...)` as a person types it at the REPL
// (:compare, :bench): the arguments are literals in JSON, Python or
// JavaScript spelling.
//
//   absl::StatusOr<CallExpression> call =
//       ParseCallExpression("textstats.top_words('a b a', 2)");
//   // call->module == "textstats", call->args == {"a b a", 2}
#ifndef DUET_SAMPLES_REPL_LITERAL_H_
#define DUET_SAMPLES_REPL_LITERAL_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "duet/value.h"

namespace duet::cli {

struct CallExpression {
  std::string module;
  std::string function;
  Value::List args;
};

// Accepts: "double" or 'single' quoted strings with JSON/Python escapes,
// numbers (ints stay ints; NaN, Infinity, inf), true/false/null and
// True/False/None, [lists] and (tuples), {maps} with quoted or bare keys,
// trailing commas. `module.function` alone means no arguments.
// kInvalidArgument naming the offset and what was expected.
absl::StatusOr<CallExpression> ParseCallExpression(std::string_view text);

// One literal, as above.
absl::StatusOr<Value> ParseLiteral(std::string_view text);

}  // namespace duet::cli

#endif  // DUET_SAMPLES_REPL_LITERAL_H_
