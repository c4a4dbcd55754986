/// @file
/// JSON <-> duet::Value, for the command line and for tools.
///
/// Integers without a fraction or exponent parse as int (kInvalidArgument
/// when they do not fit in int64), other numbers as float. NaN, Infinity and
/// -Infinity are read and written as Python's json module does. Bytes are
/// written as {"$bytes": "<base64>"} and that one-key object reads back as
/// bytes. A time is written as its ISO 8601 string, UTC, to the millisecond
/// ("2026-12-06T18:00:00.000Z"); JSON has no time type, so parsing never
/// makes a time (that string reads back as a string). A function value has
/// no JSON form: it is written as {"$function": "<name>"} for people to
/// read, which reads back as a map. The output is always valid UTF-8: each
/// byte of an invalid UTF-8 sequence in a string or key (a file name can
/// hold one) is written as U+FFFD.
#ifndef DUET_JSON_H_
#define DUET_JSON_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "duet/value.h"

namespace duet {

/// kInvalidArgument naming the offset and what was expected on bad input.
absl::StatusOr<Value> ParseJson(std::string_view text);

/// How ToJson writes.
struct JsonOptions {
  int indent = 0;  ///< 0: compact, one line
};
/// `value` as JSON text; never fails (see the file comment for bytes,
/// NaN and invalid UTF-8).
std::string ToJson(const Value& value, const JsonOptions& options = {});

}  // namespace duet

#endif  // DUET_JSON_H_
