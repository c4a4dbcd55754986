#include "javascript/repl_await.h"

#include <algorithm>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace duet::js {
namespace {

struct Token {
  enum class Kind { kName, kPunct, kString, kTemplate, kRegex, kNumber };
  Kind kind = Kind::kPunct;
  size_t begin = 0;
  size_t end = 0;
  // Bracket depth the token sits at: an opener and its closer share the
  // depth outside them.
  int depth = 0;
  bool newline_before = false;
};

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '$' || c == '#' ||
         c == '\\' || static_cast<unsigned char>(c) >= 0x80;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Longest first, so ">>>=" is one token.
constexpr std::string_view kPunctuators[] = {
    ">>>=", "...",  "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=",
    "||=",  "?\?=", "=>",  "==",  "!=",  "<=",  ">=",  "&&",  "||",
    "??",   "?.",   "++",  "--",  "+=",  "-=",  "*=",  "/=",  "%=",
    "&=",   "|=",   "^=",  "**",  "<<",  ">>"};

// Keywords after which a `/` starts a regular expression.
bool KeywordBeforeExpression(std::string_view word) {
  static const std::set<std::string_view> kWords = {
      "return", "typeof", "instanceof", "in",    "of",
      "new",    "delete", "void",       "throw", "case",
      "do",     "else",   "await",      "yield", "extends"};
  return kWords.count(word) > 0;
}

// Splits JavaScript source into tokens, keeping only what statement
// boundaries need: strings, templates (with their `${}` parts), regular
// expressions and comments are skipped whole.
class Scanner {
 public:
  explicit Scanner(std::string_view code) : code_(code) {}

  std::vector<Token> Scan() {
    std::vector<Token> tokens;
    ScanUntil(&tokens, /*in_substitution=*/false);
    return tokens;
  }

  // Whether a template's substitution names `await` (those tokens are not
  // returned: a template is one token).
  bool awaits_in_templates() const { return awaits_in_templates_; }

 private:
  // Scans tokens into *tokens (null: drop them) up to the end, or past the
  // `}` closing a template substitution.
  void ScanUntil(std::vector<Token>* tokens, bool in_substitution) {
    int depth = 0;
    bool newline = false;
    // What came before, for the regular expression / division question.
    const Token* previous = nullptr;
    Token last;  // when tokens is null
    while (pos_ < code_.size()) {
      char c = code_[pos_];
      if (c == '\n' || c == '\r') {
        newline = true;
        ++pos_;
        continue;
      }
      if (c == ' ' || c == '\t' || c == '\v' || c == '\f') {
        ++pos_;
        continue;
      }
      if (c == '/' && Peek(1) == '/') {
        while (pos_ < code_.size() && code_[pos_] != '\n') ++pos_;
        continue;
      }
      if (c == '/' && Peek(1) == '*') {
        size_t close = code_.find("*/", pos_ + 2);
        size_t end = close == std::string_view::npos ? code_.size() : close + 2;
        if (code_.substr(pos_, end - pos_).find('\n') !=
            std::string_view::npos) {
          newline = true;
        }
        pos_ = end;
        continue;
      }
      Token token;
      token.begin = pos_;
      token.newline_before = newline;
      newline = false;
      if (c == '}' && in_substitution && depth == 0) {
        ++pos_;
        return;
      }
      if (c == '\'' || c == '"') {
        token.kind = Token::Kind::kString;
        SkipString(c);
      } else if (c == '`') {
        token.kind = Token::Kind::kTemplate;
        SkipTemplate();
      } else if (IsDigit(c) || (c == '.' && IsDigit(Peek(1)))) {
        token.kind = Token::Kind::kNumber;
        SkipNumber();
      } else if (IsNameChar(c)) {
        token.kind = Token::Kind::kName;
        while (pos_ < code_.size() && IsNameChar(code_[pos_])) ++pos_;
      } else if (c == '/' && RegexMayStart(previous) && SkipRegex()) {
        token.kind = Token::Kind::kRegex;
      } else {
        token.kind = Token::Kind::kPunct;
        size_t length = 1;
        for (std::string_view punctuator : kPunctuators) {
          if (code_.substr(pos_, punctuator.size()) == punctuator) {
            length = punctuator.size();
            break;
          }
        }
        pos_ += length;
        if (c == ')' || c == ']' || c == '}') depth = std::max(depth - 1, 0);
      }
      token.end = pos_;
      token.depth = depth;
      if (token.kind == Token::Kind::kPunct && token.end == token.begin + 1 &&
          (c == '(' || c == '[' || c == '{')) {
        ++depth;
      }
      if (tokens != nullptr) {
        tokens->push_back(token);
        previous = &tokens->back();
      } else {
        last = token;
        previous = &last;
        if (token.kind == Token::Kind::kName &&
            code_.substr(token.begin, token.end - token.begin) == "await") {
          awaits_in_templates_ = true;
        }
      }
    }
  }

  char Peek(size_t ahead) const {
    return pos_ + ahead < code_.size() ? code_[pos_ + ahead] : '\0';
  }

  bool RegexMayStart(const Token* previous) const {
    if (previous == nullptr) return true;
    std::string_view text =
        code_.substr(previous->begin, previous->end - previous->begin);
    switch (previous->kind) {
      case Token::Kind::kName:
        return KeywordBeforeExpression(text);
      case Token::Kind::kPunct:
        return text != ")" && text != "]" && text != "++" && text != "--";
      default:
        return false;
    }
  }

  // Up to and past the closing quote; an unterminated string ends before
  // the line break.
  void SkipString(char quote) {
    ++pos_;
    while (pos_ < code_.size() && code_[pos_] != quote && code_[pos_] != '\n') {
      pos_ += code_[pos_] == '\\' ? 2 : 1;
    }
    pos_ = std::min(pos_, code_.size());
    if (pos_ < code_.size() && code_[pos_] == quote) ++pos_;
  }

  void SkipTemplate() {
    ++pos_;
    while (pos_ < code_.size() && code_[pos_] != '`') {
      if (code_[pos_] == '\\') {
        pos_ += 2;
      } else if (code_[pos_] == '$' && Peek(1) == '{') {
        pos_ += 2;
        ScanUntil(nullptr, /*in_substitution=*/true);
      } else {
        ++pos_;
      }
    }
    pos_ = std::min(pos_ + 1, code_.size());
  }

  void SkipNumber() {
    while (pos_ < code_.size()) {
      char c = code_[pos_];
      if (IsNameChar(c) || c == '.') {
        ++pos_;
      } else if ((c == '+' || c == '-') &&
                 (code_[pos_ - 1] == 'e' || code_[pos_ - 1] == 'E')) {
        ++pos_;
      } else {
        break;
      }
    }
  }

  // A regular expression literal up to its flags; false (nothing consumed)
  // when the line ends first: then the `/` was a division after all.
  bool SkipRegex() {
    size_t i = pos_ + 1;
    bool in_class = false;
    while (i < code_.size() && code_[i] != '\n') {
      char c = code_[i];
      if (c == '\\') {
        i += 2;
        continue;
      }
      if (c == '[') in_class = true;
      if (c == ']') in_class = false;
      if (c == '/' && !in_class) {
        ++i;
        while (i < code_.size() && IsNameChar(code_[i])) ++i;
        pos_ = i;
        return true;
      }
      ++i;
    }
    return false;
  }

  std::string_view code_;
  size_t pos_ = 0;
  bool awaits_in_templates_ = false;
};

// An edit of the input: `text` goes in at `at`, replacing `length` bytes.
struct Edit {
  size_t at = 0;
  size_t length = 0;
  std::string text;
};

class Rewriter {
 public:
  explicit Rewriter(std::string_view code)
      : code_(code), tokens_(Scanner(code).Scan()) {
    // Each closer's opener, for control statement headers.
    opener_.assign(tokens_.size(), tokens_.size());
    std::vector<size_t> open;
    for (size_t i = 0; i < tokens_.size(); ++i) {
      if (Is(i, "(") || Is(i, "[") || Is(i, "{")) open.push_back(i);
      if ((Is(i, ")") || Is(i, "]") || Is(i, "}")) && !open.empty()) {
        opener_[i] = open.back();
        open.pop_back();
      }
    }
  }

  AwaitRewrite Run() {
    std::set<size_t> declarations;  // token indexes starting one
    for (size_t i = 0; i < tokens_.size(); ++i) {
      if (tokens_[i].depth != 0 || !AtStatementStart(i)) continue;
      size_t next = i;
      if (Declaration(i, &next)) {
        declarations.insert(i);
        i = next - 1;
      }
    }
    AwaitRewrite out;
    std::vector<std::string> lets(let_names_.begin(), let_names_.end());
    std::vector<std::string> vars(var_names_.begin(), var_names_.end());
    if (!vars.empty()) absl::StrAppend(&out.head, "var ", Join(vars), "; ");
    if (!lets.empty()) absl::StrAppend(&out.head, "let ", Join(lets), "; ");
    absl::StrAppend(&out.head, "(async () => {");

    // Candidate starts of the last statement, in input offsets.
    std::vector<AwaitRewrite::Candidate> starts;
    size_t last = tokens_.size();
    while (last > 0 && Is(last - 1, ";") && tokens_[last - 1].depth == 0) {
      --last;
    }
    for (size_t i = 0; i < last; ++i) {
      if (tokens_[i].depth != 0 || declarations.count(i) > 0) continue;
      const size_t start = tokens_[i].begin;
      if (i == 0) {
        starts.push_back({start, 0});
      } else if (tokens_[i].newline_before &&
                 (Is(i - 1, ";") || Is(i - 1, "}") || !ContinuesLine(i - 1))) {
        starts.push_back({start, tokens_[i - 1].end});
      } else if (Is(i - 1, ";") || Is(i - 1, "}")) {
        starts.push_back({start, start});
      }
    }
    const size_t expression_end = last == 0 ? 0 : tokens_[last - 1].end;

    // Applies the edits in order (a closing `)` and an opening `(` at one
    // offset keep the order they were made in).
    std::stable_sort(edits_.begin(), edits_.end(),
                     [](const Edit& a, const Edit& b) { return a.at < b.at; });
    size_t from = 0;
    for (const Edit& edit : edits_) {
      out.body.append(code_.substr(from, edit.at - from));
      out.body.append(edit.text);
      from = edit.at + edit.length;
    }
    out.body.append(code_.substr(from));
    for (const AwaitRewrite::Candidate& candidate : starts) {
      out.last_statements.push_back(
          {Map(candidate.start),
           candidate.return_at == 0 ? 0 : Map(candidate.return_at)});
    }
    out.last_expression_end = Map(expression_end);
    return out;
  }

 private:
  static std::string Join(const std::vector<std::string>& names) {
    return absl::StrJoin(names, ", ");
  }

  std::string_view Text(size_t i) const {
    return code_.substr(tokens_[i].begin, tokens_[i].end - tokens_[i].begin);
  }
  bool Is(size_t i, std::string_view text) const {
    return i < tokens_.size() && tokens_[i].kind != Token::Kind::kString &&
           tokens_[i].kind != Token::Kind::kTemplate && Text(i) == text;
  }
  bool IsName(size_t i) const {
    return i < tokens_.size() && tokens_[i].kind == Token::Kind::kName;
  }

  // The body offset of input offset `at`, the start or the end of a token.
  // Only insertions (text that closes what comes before: `)`, `;`) are made
  // at such an offset outside declarations, so they all go before it.
  size_t Map(size_t at) const {
    size_t mapped = at;
    for (const Edit& edit : edits_) {
      if (edit.at > at) break;
      mapped = mapped + edit.text.size() - edit.length;
    }
    return mapped;
  }

  // Whether the line ending after token `i` goes on: an operator waiting
  // for its operand, or a keyword that needs what follows.
  bool ContinuesLine(size_t i) const {
    if (Is(i, ")") && opener_[i] > 0 && opener_[i] < tokens_.size()) {
      // `if (c)`, `while (c)`: the statement they govern follows.
      static const std::set<std::string_view> kHeaders = {"if", "while", "for",
                                                          "with"};
      const size_t before = opener_[i] - 1;
      if (IsName(before) && kHeaders.count(Text(before)) > 0) return true;
    }
    if (tokens_[i].kind == Token::Kind::kPunct) {
      std::string_view text = Text(i);
      return text != ")" && text != "]" && text != "}" && text != "++" &&
             text != "--" && text != ";";
    }
    if (tokens_[i].kind == Token::Kind::kName) {
      std::string_view text = Text(i);
      return KeywordBeforeExpression(text);
    }
    return false;
  }

  // Whether token `i` (at depth 0) starts a line's statement rather than
  // continuing the expression before it (automatic semicolon insertion).
  bool NextContinues(size_t i) const {
    if (tokens_[i].kind == Token::Kind::kTemplate) return true;
    if (tokens_[i].kind == Token::Kind::kName) {
      return Text(i) == "in" || Text(i) == "instanceof" || Text(i) == "of";
    }
    if (tokens_[i].kind != Token::Kind::kPunct) return false;
    std::string_view text = Text(i);
    return text != "++" && text != "--" && text != "{" && text != "!" &&
           text != "~" && text != ";";
  }

  bool AtStatementStart(size_t i) const {
    if (i == 0) return true;
    if (Is(i - 1, ";") || Is(i - 1, "}")) return true;
    return tokens_[i].newline_before && !ContinuesLine(i - 1);
  }

  // The index of the closer of the opener at `open`.
  size_t Closer(size_t open) const {
    for (size_t i = open + 1; i < tokens_.size(); ++i) {
      if (tokens_[i].depth == tokens_[open].depth &&
          tokens_[i].kind == Token::Kind::kPunct &&
          (Text(i) == ")" || Text(i) == "]" || Text(i) == "}")) {
        return i;
      }
    }
    return tokens_.size();
  }

  // A declaration starting at token `i`: records its edits and names, sets
  // *next past it.
  bool Declaration(size_t i, size_t* next) {
    std::string_view word = Text(i);
    if (!IsName(i)) return false;
    if (word == "var" || word == "let" || word == "const") {
      if (!IsName(i + 1) && !Is(i + 1, "[") && !Is(i + 1, "{")) return false;
      return Variables(i, next);
    }
    if (word == "class" && IsName(i + 1) && Text(i + 1) != "extends") {
      std::string name(Text(i + 1));
      size_t body = i + 2;
      while (body < tokens_.size() &&
             !(Is(body, "{") && tokens_[body].depth == 0)) {
        ++body;
      }
      size_t close = Closer(body);
      if (close >= tokens_.size()) return false;
      let_names_.insert(name);
      edits_.push_back({tokens_[i].begin, 0, name + "="});
      edits_.push_back({tokens_[close].end, 0, ";"});
      *next = close + 1;
      return true;
    }
    size_t function = i;
    if (word == "async" && Is(i + 1, "function") &&
        !tokens_[i + 1].newline_before) {
      function = i + 1;
    }
    if (Is(function, "function")) {
      size_t name = function + 1;
      if (Is(name, "*")) ++name;
      if (!IsName(name)) return false;
      std::string text(Text(name));
      var_names_.insert(text);
      edits_.push_back({tokens_[i].begin, 0,
                        absl::StrCat("this.", text, " = ", text, "; ")});
      *next = name + 1;
      return true;
    }
    return false;
  }

  // var / let / const: `void ((a = 1), ([b] = c))`, the names hoisted.
  bool Variables(size_t keyword, size_t* next) {
    const bool is_var = Text(keyword) == "var";
    struct Declarator {
      size_t first, last;  // token indexes
      bool initialised;
    };
    std::vector<Declarator> declarators;
    std::vector<std::string> names;
    size_t i = keyword + 1;
    for (;;) {
      Declarator declarator{i, i, false};
      if (IsName(i)) {
        names.emplace_back(Text(i));
      } else if (Is(i, "[") || Is(i, "{")) {
        size_t close = Closer(i);
        if (close >= tokens_.size()) return false;
        Targets(i, close + 1, &names);
        i = close;
      } else {
        return false;
      }
      declarator.last = i;
      ++i;
      if (Is(i, "=") && tokens_[i].depth == 0) {
        declarator.initialised = true;
        ++i;
        // The initialiser runs to a `,` or `;` at this depth, or to a line
        // end that automatic semicolon insertion ends it at.
        while (i < tokens_.size()) {
          if (tokens_[i].depth == 0) {
            if (Is(i, ",") || Is(i, ";")) break;
            if (tokens_[i].newline_before && !ContinuesLine(i - 1) &&
                !NextContinues(i)) {
              break;
            }
          }
          declarator.last = i;
          ++i;
        }
      }
      declarators.push_back(declarator);
      if (!Is(i, ",") || tokens_[i].depth != 0) break;
      ++i;
    }
    const bool several = declarators.size() > 1;
    edits_.push_back({tokens_[keyword].begin, Text(keyword).size(),
                      several ? "void (" : "void"});
    for (const Declarator& declarator : declarators) {
      edits_.push_back({tokens_[declarator.first].begin, 0, "("});
      edits_.push_back(
          {tokens_[declarator.last].end, 0,
           declarator.initialised || is_var ? ")" : "=undefined)"});
    }
    if (several) {
      edits_.push_back({tokens_[declarators.back().last].end, 0, ")"});
    }
    (is_var ? var_names_ : let_names_).insert(names.begin(), names.end());
    *next = i;
    return true;
  }

  // The names a binding target in tokens [first, end) binds: a name, or an
  // array or object pattern, with or without a default.
  void Targets(size_t first, size_t end, std::vector<std::string>* names) {
    if (first >= end) return;
    if (IsName(first)) {
      names->emplace_back(Text(first));
      return;
    }
    const bool object = Is(first, "{");
    if (!object && !Is(first, "[")) return;
    size_t close = std::min(Closer(first), end);
    const int inner = tokens_[first].depth + 1;
    size_t element = first + 1;
    for (size_t i = first + 1; i <= close; ++i) {
      if (i < close && !(Is(i, ",") && tokens_[i].depth == inner)) continue;
      if (element < i) Element(element, i, object, inner, names);
      element = i + 1;
    }
  }

  // One element of a pattern, tokens [first, end).
  void Element(size_t first, size_t end, bool object, int depth,
               std::vector<std::string>* names) {
    if (Is(first, "...")) {
      Targets(first + 1, end, names);
      return;
    }
    if (object) {
      for (size_t i = first; i < end; ++i) {
        if (Is(i, ":") && tokens_[i].depth == depth) {
          Targets(i + 1, end, names);
          return;
        }
      }
    }
    Targets(first, end, names);  // a name (shorthand), or a nested pattern
  }

  std::string_view code_;
  std::vector<Token> tokens_;
  std::vector<size_t> opener_;  // by token; tokens_.size() for none
  std::vector<Edit> edits_;
  std::set<std::string> var_names_;
  std::set<std::string> let_names_;
};

}  // namespace

bool MentionsAwait(std::string_view code) {
  Scanner scanner(code);
  std::vector<Token> tokens = scanner.Scan();
  if (scanner.awaits_in_templates()) return true;
  for (const Token& token : tokens) {
    if (token.kind == Token::Kind::kName &&
        code.substr(token.begin, token.end - token.begin) == "await") {
      return true;
    }
  }
  return false;
}

std::string AwaitRewrite::Script() const {
  return head + "\n" + body + "\n})()";
}

std::string AwaitRewrite::ScriptReturning(const Candidate& candidate) const {
  const std::string tail = body.substr(
      candidate.return_at, last_expression_end - candidate.return_at);
  const std::string rest = body.substr(last_expression_end) + "\n})()";
  if (candidate.return_at == 0) {
    return head + "return (\n" + tail + ");" + rest;
  }
  const char* opening =
      candidate.return_at == candidate.start ? "return (" : ";return (";
  return head + "\n" + body.substr(0, candidate.return_at) + opening + tail +
         ");" + rest;
}

std::string AwaitRewrite::ExpressionProbe(const Candidate& candidate) const {
  return "(async () => (" +
         body.substr(candidate.start, last_expression_end - candidate.start) +
         "\n))";
}

AwaitRewrite RewriteTopLevelAwait(std::string_view code) {
  return Rewriter(code).Run();
}

}  // namespace duet::js
