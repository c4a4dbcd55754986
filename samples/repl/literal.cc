#include "literal.h"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace duet::cli {
namespace {

bool IsIdentifierStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}
bool IsIdentifierChar(char c) {
  return IsIdentifierStart(c) || std::isdigit(static_cast<unsigned char>(c));
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  absl::StatusOr<Value> Literal(int depth = 0) {
    if (depth > 64) return Error("nesting deeper than 64");
    SkipSpace();
    if (AtEnd()) return Error("expected a value");
    const char c = Peek();
    if (c == '"' || c == '\'') return String();
    if (c == '[' || c == '(') return List(c == '[' ? ']' : ')', depth);
    if (c == '{') return Map(depth);
    if (c == '-' || c == '+' || c == '.' ||
        std::isdigit(static_cast<unsigned char>(c))) {
      return Number();
    }
    if (IsIdentifierStart(c)) {
      std::string word = Identifier();
      if (word == "true" || word == "True") return Value(true);
      if (word == "false" || word == "False") return Value(false);
      if (word == "null" || word == "None" || word == "undefined") {
        return Value();
      }
      if (word == "NaN" || word == "nan") {
        return Value(std::numeric_limits<double>::quiet_NaN());
      }
      if (word == "Infinity" || word == "inf") {
        return Value(std::numeric_limits<double>::infinity());
      }
      return Error(absl::StrCat("'", word,
                                "' is not a literal (only values can be "
                                "passed: strings, numbers, lists, maps)"));
    }
    return Error(absl::StrCat("unexpected '", std::string(1, c), "'"));
  }

  void SkipSpace() {
    while (!AtEnd() && std::isspace(static_cast<unsigned char>(Peek()))) {
      ++pos_;
    }
  }
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }
  size_t pos() const { return pos_; }
  bool Eat(char c) {
    SkipSpace();
    if (!AtEnd() && Peek() == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  std::string Identifier() {
    size_t start = pos_;
    while (!AtEnd() && IsIdentifierChar(Peek())) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }
  absl::Status Error(std::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(what), " (at offset ", pos_, ")"));
  }

  // Comma-separated values up to `close`; trailing comma allowed.
  absl::StatusOr<Value::List> Sequence(char close, int depth) {
    Value::List items;
    while (true) {
      if (Eat(close)) return items;
      absl::StatusOr<Value> item = Literal(depth + 1);
      if (!item.ok()) return item.status();
      items.push_back(*std::move(item));
      if (Eat(',')) continue;
      if (Eat(close)) return items;
      return Error(
          absl::StrCat("expected ',' or '", std::string(1, close), "'"));
    }
  }

 private:
  absl::StatusOr<Value> List(char close, int depth) {
    ++pos_;
    absl::StatusOr<Value::List> items = Sequence(close, depth);
    if (!items.ok()) return items.status();
    return Value(*std::move(items));
  }

  absl::StatusOr<Value> Map(int depth) {
    ++pos_;
    Value::Map map;
    while (true) {
      if (Eat('}')) return Value(std::move(map));
      SkipSpace();
      std::string key;
      if (!AtEnd() && (Peek() == '"' || Peek() == '\'')) {
        absl::StatusOr<Value> quoted = String();
        if (!quoted.ok()) return quoted.status();
        key = quoted->as_string();
      } else if (!AtEnd() && IsIdentifierStart(Peek())) {
        key = Identifier();  // {a: 1}, as JavaScript allows
      } else {
        return Error("expected a key");
      }
      if (!Eat(':')) return Error("expected ':' after a key");
      absl::StatusOr<Value> value = Literal(depth + 1);
      if (!value.ok()) return value.status();
      map.Set(std::move(key), *std::move(value));
      if (Eat(',')) continue;
      if (Eat('}')) return Value(std::move(map));
      return Error("expected ',' or '}'");
    }
  }

  absl::StatusOr<Value> String() {
    const char quote = text_[pos_++];
    std::string out;
    while (true) {
      if (AtEnd()) return Error("unterminated string");
      char c = text_[pos_++];
      if (c == quote) return Value(std::move(out));
      if (c != '\\') {
        out += c;
        continue;
      }
      if (AtEnd()) return Error("unterminated string");
      char e = text_[pos_++];
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case '0':
          out += '\0';
          break;
        case 'u':
        case 'x':
        case 'U': {
          const size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          uint32_t cp = 0;
          if (e == 'u' && !AtEnd() && Peek() == '{') {  // \u{1F600}
            size_t close = text_.find('}', pos_);
            if (close == std::string_view::npos ||
                !absl::SimpleHexAtoi(
                    std::string(text_.substr(pos_ + 1, close - pos_ - 1)),
                    &cp)) {
              return Error("bad \\u{...} escape");
            }
            pos_ = close + 1;
          } else {
            if (pos_ + digits > text_.size() ||
                !absl::SimpleHexAtoi(std::string(text_.substr(pos_, digits)),
                                     &cp)) {
              return Error("bad escape");
            }
            pos_ += digits;
          }
          // A surrogate pair written as two \u escapes.
          if (cp >= 0xD800 && cp <= 0xDBFF && text_.substr(pos_, 2) == "\\u" &&
              pos_ + 6 <= text_.size()) {
            uint32_t low = 0;
            if (absl::SimpleHexAtoi(std::string(text_.substr(pos_ + 2, 4)),
                                    &low) &&
                low >= 0xDC00 && low <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
              pos_ += 6;
            }
          }
          if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return Error("escape is not a Unicode scalar value");
          }
          AppendUtf8(cp, &out);
          break;
        }
        default:  // \\ \" \' \/ and anything else: the character itself
          out += e;
      }
    }
  }

  absl::StatusOr<Value> Number() {
    size_t start = pos_;
    if (Peek() == '-' || Peek() == '+') ++pos_;
    if (!AtEnd() && IsIdentifierStart(Peek())) {  // -Infinity, -inf
      std::string word = Identifier();
      if (word == "Infinity" || word == "inf") {
        double inf = std::numeric_limits<double>::infinity();
        return Value(text_[start] == '-' ? -inf : inf);
      }
      return Error(absl::StrCat("'", word, "' is not a number"));
    }
    bool is_float = false;
    while (!AtEnd()) {
      char c = Peek();
      if (std::isdigit(static_cast<unsigned char>(c)) || c == '_') {
        ++pos_;
      } else if (c == '.' || c == 'e' || c == 'E') {
        is_float = true;
        ++pos_;
        if ((c == 'e' || c == 'E') && !AtEnd() &&
            (Peek() == '-' || Peek() == '+')) {
          ++pos_;
        }
      } else {
        break;
      }
    }
    std::string number;
    for (char c : text_.substr(start, pos_ - start)) {
      if (c != '_' && c != '+') number += c;
    }
    if (!is_float) {
      int64_t i = 0;
      if (absl::SimpleAtoi(number, &i)) return Value(i);
    }
    double d = 0;
    if (!absl::SimpleAtod(number, &d)) {
      return Error(absl::StrCat("'", number, "' is not a number"));
    }
    return Value(d);
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<Value> ParseLiteral(std::string_view text) {
  Parser parser(text);
  absl::StatusOr<Value> value = parser.Literal();
  if (!value.ok()) return value;
  parser.SkipSpace();
  if (!parser.AtEnd()) return parser.Error("unexpected text after the value");
  return value;
}

absl::StatusOr<CallExpression> ParseCallExpression(std::string_view text) {
  Parser parser(text);
  CallExpression call;
  parser.SkipSpace();
  call.module = parser.Identifier();
  if (call.module.empty() || !parser.Eat('.')) {
    return parser.Error("expected module.function(arguments...)");
  }
  parser.SkipSpace();
  call.function = parser.Identifier();
  if (call.function.empty()) return parser.Error("expected a function name");
  if (parser.Eat('(')) {
    absl::StatusOr<Value::List> args = parser.Sequence(')', 0);
    if (!args.ok()) return args.status();
    call.args = *std::move(args);
  }
  parser.SkipSpace();
  if (!parser.AtEnd()) return parser.Error("unexpected text after the call");
  return call;
}

}  // namespace duet::cli
