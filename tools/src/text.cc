#include "duet/tools/text.h"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "duet/error.h"
#include "duet/json.h"

namespace duet::tools {
namespace {

std::string Flatten(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
    text.pop_back();
  }
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

// Cuts at a code point boundary so the result stays valid UTF-8.
std::string Cut(std::string text, size_t max_width) {
  if (max_width == 0 || CodePoints(text) <= max_width) return text;
  size_t keep = max_width > 3 ? max_width - 3 : max_width;
  size_t i = 0;
  for (size_t points = 0; i < text.size() && points < keep; ++points) {
    ++i;
    while (i < text.size() &&
           (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) {
      ++i;
    }
  }
  text.resize(i);
  return text + "...";
}

// Decodes the code point at text[*i] and advances *i; U+FFFD for a bad byte.
uint32_t NextCodePoint(std::string_view text, size_t* i) {
  const auto byte = [&](size_t k) {
    return static_cast<unsigned char>(text[k]);
  };
  unsigned char c = byte(*i);
  size_t length = c < 0x80             ? 1
                  : (c & 0xE0) == 0xC0 ? 2
                  : (c & 0xF0) == 0xE0 ? 3
                  : (c & 0xF8) == 0xF0 ? 4
                                       : 0;
  if (length == 0 || *i + length > text.size()) {
    ++*i;
    return 0xFFFD;
  }
  uint32_t cp = length == 1 ? c : c & (0x7F >> length);
  for (size_t k = 1; k < length; ++k) cp = (cp << 6) | (byte(*i + k) & 0x3F);
  *i += length;
  return cp;
}

int CodePointWidth(uint32_t cp) {
  struct Range {
    uint32_t first, last;
  };
  static constexpr Range kZero[] = {
      {0x0300, 0x036F},   {0x0483, 0x0489},   {0x0591, 0x05BD},
      {0x0610, 0x061A},   {0x064B, 0x065F},   {0x200B, 0x200F},
      {0x20D0, 0x20FF},   {0xFE00, 0xFE0F},   {0xFE20, 0xFE2F},
      {0x1F3FB, 0x1F3FF}, {0xE0100, 0xE01EF},
  };
  static constexpr Range kWide[] = {
      {0x1100, 0x115F},   {0x2E80, 0x303E},   {0x3041, 0x33FF},
      {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},
      {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE30, 0xFE4F},
      {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x1F300, 0x1F64F},
      {0x1F900, 0x1F9FF}, {0x20000, 0x3FFFD},
  };
  for (const Range& r : kZero) {
    if (cp >= r.first && cp <= r.last) return 0;
  }
  for (const Range& r : kWide) {
    if (cp >= r.first && cp <= r.last) return 2;
  }
  return 1;
}

}  // namespace

std::string OneLine(const absl::Status& status) {
  if (std::optional<ScriptError> error = GetScriptError(status)) {
    std::string line = absl::StrCat(error->type, ": ", error->message);
    for (const StackFrame& frame : error->stack) {
      if (frame.file.empty()) continue;
      absl::StrAppend(&line, " (", frame.file, ":", frame.line, ")");
      break;
    }
    return Flatten(std::move(line));
  }
  return Flatten(std::string(status.message()));
}

std::string ShortJson(const Value& value, size_t max_width) {
  return Cut(ToJson(value), max_width);
}

std::string CallLabel(std::string_view function, absl::Span<const Value> args,
                      size_t max_width) {
  std::vector<std::string> parts;
  parts.reserve(args.size());
  for (const Value& arg : args) parts.push_back(ToJson(arg));
  std::string label =
      absl::StrCat(std::string(function), "(", absl::StrJoin(parts, ", "));
  size_t limit = max_width > 1 ? max_width - 1 : 0;
  return Cut(std::move(label), limit) + ")";
}

std::string Table(const std::vector<std::vector<std::string>>& rows,
                  const std::vector<size_t>& right_aligned) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      const size_t padding = widths[i] - DisplayWidth(row[i]);
      const bool right = std::find(right_aligned.begin(), right_aligned.end(),
                                   i) != right_aligned.end();
      if (right) line.append(padding, ' ');
      line += row[i];
      if (!right && i + 1 < row.size()) line.append(padding, ' ');
      if (i + 1 < row.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

std::string GroupThousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string FormatSeconds(double seconds) {
  static constexpr struct {
    double scale;
    const char* unit;
  } kUnits[] = {{1e-9, "ns"}, {1e-6, "us"}, {1e-3, "ms"}, {1, "s"}};
  size_t u = 0;
  while (u + 1 < std::size(kUnits) && seconds >= kUnits[u + 1].scale) ++u;
  double value = seconds / kUnits[u].scale;
  int decimals = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f %s", decimals, value,
                kUnits[u].unit);
  return buffer;
}

size_t CodePoints(std::string_view text) {
  size_t n = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

size_t DisplayWidth(std::string_view text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size();) {
    width += CodePointWidth(NextCodePoint(text, &i));
  }
  return width;
}

std::string Paint(std::string_view text, Style style, bool colour) {
  if (!colour || text.empty()) return std::string(text);
  static constexpr const char* kCodes[] = {"1",  "2",  "31", "32",
                                           "33", "34", "35"};
  return absl::StrCat("\x1b[", kCodes[static_cast<int>(style)], "m",
                      std::string(text), "\x1b[0m");
}

}  // namespace duet::tools
