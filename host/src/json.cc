#include "duet/json.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "duet/internal/strings.h"
#include "duet/internal/utf8.h"
#include "duet/internal/value_path.h"

namespace duet {
namespace {

using internal::ToAbsl;

constexpr std::string_view kBytesKey = "$bytes";

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  absl::StatusOr<Value> ParseDocument() {
    if (std::optional<size_t> bad = internal::FindInvalidUtf8(text_)) {
      pos_ = *bad;
      return Error("invalid UTF-8");
    }
    SkipSpace();
    absl::StatusOr<Value> value = ParseValue(0);
    if (!value.ok()) return value;
    SkipSpace();
    if (pos_ != text_.size()) return Error("unexpected text after the value");
    return value;
  }

 private:
  absl::Status Error(std::string_view what) const {
    if (pos_ >= text_.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(ToAbsl(what), " (at the end of the input)"));
    }
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(what), " (at offset ", pos_, ")"));
  }

  void SkipSpace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
            text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool Consume(std::string_view word) {
    if (text_.substr(pos_, word.size()) == word) {
      pos_ += word.size();
      return true;
    }
    return false;
  }

  absl::StatusOr<Value> ParseValue(int depth) {
    if (depth > internal::kMaxValueDepth) {
      return Error(absl::StrCat("nested deeper than ", internal::kMaxValueDepth,
                                " levels"));
    }
    if (pos_ >= text_.size()) return Error("expected a value");
    char c = text_[pos_];
    switch (c) {
      case '{':
        return ParseObject(depth);
      case '[':
        return ParseArray(depth);
      case '"': {
        std::string s;
        if (absl::Status st = ParseString(&s); !st.ok()) return st;
        return Value(std::move(s));
      }
      case 't':
        if (Consume("true")) return Value(true);
        break;
      case 'f':
        if (Consume("false")) return Value(false);
        break;
      case 'n':
        if (Consume("null")) return Value();
        break;
      case 'N':
        if (Consume("NaN")) return Value(std::nan(""));
        break;
      case 'I':
        if (Consume("Infinity")) return Value(HUGE_VAL);
        break;
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber();
    }
    return Error(
        "expected a value (JSON: null, true, false, a number, a "
        "\"string\", [array] or {object})");
  }

  absl::StatusOr<Value> ParseNumber() {
    size_t start = pos_;
    if (Consume("-Infinity")) return Value(-HUGE_VAL);
    if (text_[pos_] == '-') ++pos_;
    auto digits = [&] {
      size_t from = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
        ++pos_;
      }
      return pos_ - from;
    };
    size_t int_digits = digits();
    if (int_digits == 0) return Error("expected digits");
    if (int_digits > 1 && text_[pos_ - int_digits] == '0') {
      pos_ -= int_digits;
      return Error("leading zeros are not allowed");
    }
    bool is_float = false;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      is_float = true;
      if (digits() == 0) return Error("expected digits after '.'");
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      is_float = true;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) {
        ++pos_;
      }
      if (digits() == 0) return Error("expected digits in the exponent");
    }
    std::string number(text_.substr(start, pos_ - start));
    errno = 0;
    if (is_float) return Value(std::strtod(number.c_str(), nullptr));
    long long parsed = std::strtoll(number.c_str(), nullptr, 10);
    if (errno == ERANGE) {
      pos_ = start;
      return Error(absl::StrCat("integer ", number,
                                " does not fit in 64 bits (write it as a "
                                "float, e.g. ",
                                number, ".0, to pass it as a float)"));
    }
    return Value(static_cast<int64_t>(parsed));
  }

  absl::Status ParseHex4(uint32_t* out) {
    if (pos_ + 4 > text_.size()) return Error("expected 4 hex digits");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text_[pos_ + i];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= c - '0';
      } else if (c >= 'a' && c <= 'f') {
        v |= c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        v |= c - 'A' + 10;
      } else {
        return Error("expected 4 hex digits");
      }
    }
    pos_ += 4;
    *out = v;
    return absl::OkStatus();
  }

  absl::Status ParseString(std::string* out) {
    ++pos_;  // opening quote
    while (true) {
      if (pos_ >= text_.size()) return Error("unterminated string");
      char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return absl::OkStatus();
      }
      if (static_cast<unsigned char>(c) < 0x20) {
        return Error("control character in a string (escape it)");
      }
      if (c != '\\') {
        out->push_back(c);
        ++pos_;
        continue;
      }
      ++pos_;
      if (pos_ >= text_.size()) return Error("unterminated string");
      char e = text_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out->push_back(e);
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          uint32_t c1 = 0;
          if (absl::Status st = ParseHex4(&c1); !st.ok()) return st;
          if (c1 >= 0xDC00 && c1 <= 0xDFFF) {
            return Error("lone surrogate escape in a string");
          }
          if (c1 >= 0xD800 && c1 <= 0xDBFF) {
            uint32_t c2 = 0;
            if (!Consume("\\u"))
              return Error("lone surrogate escape in a string");
            if (absl::Status st = ParseHex4(&c2); !st.ok()) return st;
            if (c2 < 0xDC00 || c2 > 0xDFFF) {
              return Error("lone surrogate escape in a string");
            }
            c1 = 0x10000 + ((c1 - 0xD800) << 10) + (c2 - 0xDC00);
          }
          internal::AppendUtf8(out, c1);
          break;
        }
        default:
          --pos_;
          return Error("unknown escape in a string");
      }
    }
  }

  absl::StatusOr<Value> ParseArray(int depth) {
    ++pos_;
    Value::List list;
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      return Value(std::move(list));
    }
    while (true) {
      SkipSpace();
      absl::StatusOr<Value> item = ParseValue(depth + 1);
      if (!item.ok()) return item;
      list.push_back(*std::move(item));
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        return Value(std::move(list));
      }
      return Error("expected ',' or ']' in an array");
    }
  }

  absl::StatusOr<Value> ParseObject(int depth) {
    ++pos_;
    Value::Map map;
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      return Value(std::move(map));
    }
    while (true) {
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != '"') {
        return Error("expected a \"key\" in an object");
      }
      std::string key;
      if (absl::Status st = ParseString(&key); !st.ok()) return st;
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != ':') {
        return Error("expected ':' after an object key");
      }
      ++pos_;
      SkipSpace();
      absl::StatusOr<Value> item = ParseValue(depth + 1);
      if (!item.ok()) return item;
      map.Set(std::move(key), *std::move(item));
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        break;
      }
      return Error("expected ',' or '}' in an object");
    }
    // {"$bytes": "<base64>"} is how bytes travel through JSON.
    if (map.size() == 1 && map.entries()[0].first == kBytesKey &&
        map.entries()[0].second.is_string()) {
      std::string decoded;
      if (!absl::Base64Unescape(map.entries()[0].second.as_string(),
                                &decoded)) {
        return Error("\"$bytes\" must hold base64");
      }
      return Value(Bytes(std::move(decoded)));
    }
    return Value(std::move(map));
  }

  std::string_view text_;
  size_t pos_ = 0;
};

void AppendNewline(std::string* out, const JsonOptions& options, int level) {
  if (options.indent <= 0) return;
  out->push_back('\n');
  out->append(static_cast<size_t>(options.indent * level), ' ');
}

void AppendJson(std::string* out, const Value& value,
                const JsonOptions& options, int level) {
  if (internal::AppendJsonScalar(out, value)) return;
  switch (value.kind()) {
    case Value::Kind::kBytes:
      out->append("{\"$bytes\": ");
      internal::AppendJsonQuoted(out,
                                 absl::Base64Escape(value.as_bytes().data()));
      out->push_back('}');
      return;
    case Value::Kind::kTime:
      internal::AppendJsonQuoted(out, internal::FormatIsoTime(value.as_time()));
      return;
    case Value::Kind::kList: {
      const Value::List& list = value.as_list();
      if (list.empty()) {
        out->append("[]");
        return;
      }
      out->push_back('[');
      for (size_t i = 0; i < list.size(); ++i) {
        if (i > 0) out->append(options.indent > 0 ? "," : ", ");
        AppendNewline(out, options, level + 1);
        AppendJson(out, list[i], options, level + 1);
      }
      AppendNewline(out, options, level);
      out->push_back(']');
      return;
    }
    case Value::Kind::kMap: {
      const Value::Map& map = value.as_map();
      if (map.empty()) {
        out->append("{}");
        return;
      }
      out->push_back('{');
      bool first = true;
      for (const auto& [key, item] : map) {
        if (!first) out->append(options.indent > 0 ? "," : ", ");
        first = false;
        AppendNewline(out, options, level + 1);
        internal::AppendJsonQuoted(out, key);
        out->append(": ");
        AppendJson(out, item, options, level + 1);
      }
      AppendNewline(out, options, level);
      out->push_back('}');
      return;
    }
    case Value::Kind::kFunction:
      // JSON has no functions: written for people to read, read back as
      // a map (json.h).
      out->append("{\"$function\": ");
      internal::AppendJsonQuoted(out, value.as_function()->name());
      out->push_back('}');
      return;
    default:  // the scalars, written above
      return;
  }
}

}  // namespace

namespace internal {

namespace {

// `text` is valid UTF-8: only quotes, backslashes and controls change.
void AppendJsonEscaped(std::string* out, std::string_view text) {
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buffer[8];
          std::snprintf(buffer, sizeof(buffer), "\\u%04x", c);
          out->append(buffer);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
}

}  // namespace

void AppendJsonQuoted(std::string* out, std::string_view text) {
  out->push_back('"');
  // Values are valid UTF-8, but file names need not be: each byte of an
  // invalid sequence becomes U+FFFD, so the output is always valid JSON.
  while (std::optional<size_t> bad = internal::FindInvalidUtf8(text)) {
    AppendJsonEscaped(out, text.substr(0, *bad));
    out->append("\xEF\xBF\xBD");  // U+FFFD
    text.remove_prefix(*bad + 1);
  }
  AppendJsonEscaped(out, text);
  out->push_back('"');
}

bool AppendJsonScalar(std::string* out, const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kNull:
      out->append("null");
      return true;
    case Value::Kind::kBool:
      out->append(value.as_bool() ? "true" : "false");
      return true;
    case Value::Kind::kInt:
      absl::StrAppend(out, value.as_int());
      return true;
    case Value::Kind::kFloat:
      out->append(FormatDouble(value.as_float()));
      return true;
    case Value::Kind::kString:
      AppendJsonQuoted(out, value.as_string());
      return true;
    default:
      return false;
  }
}

std::string FormatDouble(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  char buffer[32];
  for (int precision = 15; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  std::string text = buffer;
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
  return text;
}

}  // namespace internal

absl::StatusOr<Value> ParseJson(std::string_view text) {
  return Parser(text).ParseDocument();
}

std::string ToJson(const Value& value, const JsonOptions& options) {
  std::string out;
  AppendJson(&out, value, options, 0);
  return out;
}

}  // namespace duet
