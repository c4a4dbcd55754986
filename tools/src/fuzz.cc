#include "duet/tools/fuzz.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "duet/tools/text.h"

namespace duet::tools {
namespace {

// Pieces strings are made of: mostly plain ASCII, and, grouped by the rule
// they test, the characters on which Python's and JavaScript's string
// functions differ. Lone surrogates are not among them: neither language
// can pass one to duet (docs/values.md, "Strings are always UTF-8").
constexpr std::string_view kPlainAtoms[] = {
    "a", "b", "c", "x", "z", "A", "Q", "Z",  "0",  "1", "7", " ", " ",
    ".", ",", "!", "?", "-", "_", "'", "\"", "\\", "/", "#", "%", "\t",
};
// Whitespace: str.isspace() / str.split() against JavaScript's \s and
// trim().
constexpr std::string_view kWhitespaceAtoms[] = {
    "\n",      // newline
    "\r\n",    // CRLF
    "\x0b",    // vertical tab: both
    "\x0c",    // form feed: both
    "\x1c",    // file separator: Python only
    "\x1d",    // group separator: Python only
    "\x1e",    // record separator: Python only
    "\x1f",    // unit separator: Python only
    "\u0085",  // next line: Python only
    "\ufeff",  // byte order mark: JavaScript only
    "\u180e",  // Mongolian vowel separator: whitespace in older Unicode
    "\u00a0",  // no-break space: both
    "\u2028",  // line separator: both
    "\u2029",  // paragraph separator: both
    "\u3000",  // ideographic space: both
    "\u200b",  // zero-width space: neither
};
// Case mapping: upper(), lower(), title(), casefold() against
// toUpperCase(), toLowerCase(), and length changes on the way.
constexpr std::string_view kCaseAtoms[] = {
    "\u00df",        // ß: upper is "SS"
    "\u1e9e",        // ẞ: lower is ß
    "\u0149",        // ŉ: upper is two code points
    "\u01c5",        // ǅ: titlecase, neither upper nor lower
    "\u0130",        // İ: lower is i + combining dot
    "\u0131",        // ı: dotless i, upper is I
    "i\u0307",       // i + combining dot: what İ lowers to
    "\u03a3",        // Σ: lower is σ or final ς by position
    "\u039f\u03a3",  // ΟΣ: ends in a final sigma
    "\u0390",        // ΐ: upper is three code points
    "\u017f",        // ſ: upper is S
    "\u212a",        // Kelvin sign: lower is k
    "\u1fb3",        // ᾳ: upper and title differ
    "\uab70",        // Cherokee small letter: upper is U+13A0
    "\ufb01",        // ﬁ ligature: upper is "FI"
};
// Digits and numbers: isdigit(), isnumeric(), int() against /\d/ and
// Number().
constexpr std::string_view kDigitAtoms[] = {
    "\u0661\u0662",  // Arabic-Indic digits
    "\u096b",        // Devanagari 5
    "\uff13",        // fullwidth 3
    "\u00b2",        // superscript 2: isdigit() but not int()
    "\u00bd",        // ½: isnumeric() only
    "\u216b",        // Roman numeral twelve
    "\U0001d7d9",    // mathematical double-struck 1, beyond the BMP
    "1_000",         // int() reads underscores
    "0x1f",          // hexadecimal
    "1e3",           // exponent
};
// Unicode at large: composition, scripts, UTF-16 surrogate pairs, NUL.
constexpr std::string_view kUnicodeAtoms[] = {
    std::string_view("\0", 1),   // NUL inside a string
    "\u00e9",                    // é, precomposed
    "e\u0301",                   // é, e + combining acute
    "\u00ad",                    // soft hyphen
    "\u202e",                    // right-to-left override
    "\u4e2d",                    // 中
    "\u6587",                    // 文
    "\ud55c",                    // 한
    "\u05e9\u05dc\u05d5\u05dd",  // שלום, right to left
    "\u0639\u0631\u0628\u064a",  // عربي
    "\uffff",                    // the last BMP code point, a noncharacter
    "\U00010000",                // the first code point beyond the BMP
    "\U0010ffff",                // the last code point
    "\U0001F600",                // 😀 (2 UTF-16 units)
    "\U0001F44B\U0001F3FD",      // 👋🏽, emoji + skin tone
    "\U0001F468\u200d\U0001F469\u200d\U0001F467",  // family, ZWJ sequence
    "\U0001F1EB\U0001F1F7",  // 🇫🇷, regional indicators
    "\U0001D518",            // 𝔘, mathematical fraktur
};

// Picks uniformly among the groups first, so a group of few characters is
// tried as often as a large one.
struct AtomGroup {
  const std::string_view* atoms;
  size_t size;
};
constexpr AtomGroup kTrickyGroups[] = {
    {kWhitespaceAtoms, std::size(kWhitespaceAtoms)},
    {kCaseAtoms, std::size(kCaseAtoms)},
    {kDigitAtoms, std::size(kDigitAtoms)},
    {kUnicodeAtoms, std::size(kUnicodeAtoms)},
};

constexpr int64_t kIntEdges[] = {
    0,
    1,
    -1,
    2,
    10,
    -10,
    255,
    256,
    65536,
    2147483647,
    -2147483648LL,
    4294967296LL,
    9007199254740991LL,  // 2^53 - 1: the largest exact JS integer
    -9007199254740991LL,
    9007199254740992LL,  // 2^53: a BigInt in JavaScript
    9007199254740993LL,
    std::numeric_limits<int64_t>::max(),
    std::numeric_limits<int64_t>::min(),
};

constexpr double kFloatEdges[] = {
    0.0,
    -0.0,
    0.5,
    -1.5,
    1.0,  // integral: comes back from JavaScript as an int
    3.0,
    0.1,
    1e-300,
    5e-324,  // the smallest subnormal
    1e300,
    1.7976931348623157e308,
    9007199254740993.0,
    std::numeric_limits<double>::quiet_NaN(),
    std::numeric_limits<double>::infinity(),
    -std::numeric_limits<double>::infinity(),
};

uint64_t Fnv1a(std::string_view text) {
  uint64_t hash = 14695981039346656037ULL;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

// Code points of a UTF-8 string, each as its bytes.
std::vector<std::string> SplitCodePoints(const std::string& text) {
  std::vector<std::string> out;
  for (size_t i = 0; i < text.size();) {
    size_t n = 1;
    while (i + n < text.size() &&
           (static_cast<unsigned char>(text[i + n]) & 0xC0) == 0x80) {
      ++n;
    }
    out.push_back(text.substr(i, n));
    i += n;
  }
  return out;
}

std::string Join(const std::vector<std::string>& parts, size_t from,
                 size_t to) {
  std::string out;
  for (size_t i = from; i < to && i < parts.size(); ++i) out += parts[i];
  return out;
}

// How complicated a value is; shrinking only ever moves down this order, so
// it ends.
double Complexity(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kNull:
      return 0;
    case Value::Kind::kBool:
      return value.as_bool() ? 2 : 1;
    case Value::Kind::kInt: {
      int64_t i = value.as_int();
      double magnitude =
          i == std::numeric_limits<int64_t>::min()
              ? 64
              : std::log2(static_cast<double>(i < 0 ? -i : i) + 1);
      return 2 + magnitude + (i < 0 ? 0.5 : 0);
    }
    case Value::Kind::kFloat: {
      double d = value.as_float();
      if (std::isnan(d) || std::isinf(d)) return 1100;
      double magnitude = std::log2(std::fabs(d) + 1);
      bool fraction = d != std::floor(d);
      // Tiny fractions count as complex too: 5e-324 is not simpler than 1.
      double tiny = fraction && std::fabs(d) < 1 ? -std::log2(std::fabs(d)) : 0;
      return 3 + magnitude + (fraction ? 1 : 0) + tiny +
             (std::signbit(d) ? 0.5 : 0);
    }
    case Value::Kind::kString: {
      double total = 1;
      for (const std::string& cp : SplitCodePoints(value.as_string())) {
        total += cp == "a" ? 1 : cp.size() == 1 ? 1.5 : 2 + cp.size();
      }
      return total;
    }
    case Value::Kind::kBytes:
      return 1 + static_cast<double>(value.as_bytes().size());
    case Value::Kind::kTime: {
      // Like an int of milliseconds: 1970 is the simplest time.
      const double millis =
          absl::ToDoubleMilliseconds(value.as_time() - absl::UnixEpoch());
      return 2 + std::log2(std::fabs(millis) + 1) + (millis < 0 ? 0.5 : 0);
    }
    case Value::Kind::kList: {
      double total = 1;
      for (const Value& item : value.as_list()) total += 1 + Complexity(item);
      return total;
    }
    case Value::Kind::kMap: {
      double total = 1;
      for (const auto& [key, item] : value.as_map()) {
        total += 1 + Complexity(Value(key)) + Complexity(item);
      }
      return total;
    }
    case Value::Kind::kFunction:
      return 1;
  }
  return 0;
}

uint64_t Magnitude(int64_t i) {
  return i < 0 ? 0 - static_cast<uint64_t>(i) : static_cast<uint64_t>(i);
}

// Whether `a` is a simpler value than `b`. Numbers of one kind compare
// exactly (a double's log2 cannot tell 2^53 + 2 from 2^53 + 1).
bool Simpler(const Value& a, const Value& b) {
  if (a.is_int() && b.is_int()) {
    const uint64_t ma = Magnitude(a.as_int()), mb = Magnitude(b.as_int());
    if (ma != mb) return ma < mb;
    return a.as_int() > b.as_int();  // 5 is simpler than -5
  }
  if (a.is_float() && b.is_float()) {
    const double ca = Complexity(a), cb = Complexity(b);
    if (ca != cb) return ca < cb;
    return std::fabs(a.as_float()) < std::fabs(b.as_float());
  }
  return Complexity(a) < Complexity(b);
}

const TypeSpec& AnyType() {
  static const auto* any = new TypeSpec();
  return *any;
}

constexpr size_t kMaxCandidates = 96;

}  // namespace

// ---------------------------------------------------------------------------
// Generating.

Value ValueGenerator::Generate(const TypeSpec& type, int size) {
  if (type.nullable() && OneIn(6)) return Value();
  const TypeSpec& element =
      type.element() != nullptr ? *type.element() : AnyType();
  switch (type.kind()) {
    case TypeSpec::Kind::kAny:
      return Any(size);
    case TypeSpec::Kind::kNull:
      return Value();
    case TypeSpec::Kind::kBool:
      return Value(OneIn(2));
    case TypeSpec::Kind::kInt:
      return Int(size);
    case TypeSpec::Kind::kFloat:
      return Float(size);
    case TypeSpec::Kind::kNumber:
      return OneIn(2) ? Int(size) : Float(size);
    case TypeSpec::Kind::kString:
      return Value(String(size));
    case TypeSpec::Kind::kBytes: {
      std::string bytes(Below(static_cast<uint64_t>(size) + 1), '\0');
      for (char& c : bytes) c = static_cast<char>(Below(256));
      return Value(Bytes(std::move(bytes)));
    }
    case TypeSpec::Kind::kList: {
      Value::List items;
      const uint64_t n = Below(std::min<uint64_t>(size, 8) + 1);
      for (uint64_t i = 0; i < n; ++i) {
        items.push_back(Generate(element, std::max(1, size / 2)));
      }
      return Value(std::move(items));
    }
    case TypeSpec::Kind::kMap: {
      Value::Map map;
      const uint64_t n = Below(std::min<uint64_t>(size, 6) + 1);
      for (uint64_t i = 0; i < n; ++i) {
        map.Set(String(std::max(1, size / 3)),
                Generate(element, std::max(1, size / 2)));
      }
      return Value(std::move(map));
    }
  }
  return Value();
}

Value ValueGenerator::Any(int size) {
  const uint64_t kinds = size > 1 ? 7 : 5;
  switch (Below(kinds)) {
    case 0:
      return Value();
    case 1:
      return Value(OneIn(2));
    case 2:
      return Int(size);
    case 3:
      return Float(size);
    case 4:
      return Value(String(size));
    case 5: {
      TypeSpec list = *TypeSpec::Parse("list");
      return Generate(list, size / 2);
    }
    default: {
      TypeSpec map = *TypeSpec::Parse("map");
      return Generate(map, size / 2);
    }
  }
}

Value ValueGenerator::Int(int size) {
  if (OneIn(5)) return Value(kIntEdges[Below(std::size(kIntEdges))]);
  if (OneIn(20)) return Value(static_cast<int64_t>(random_()));
  const int64_t range = 3 + static_cast<int64_t>(size) * 10;
  return Value(static_cast<int64_t>(Below(2 * range + 1)) - range);
}

Value ValueGenerator::Float(int size) {
  if (OneIn(4)) return Value(kFloatEdges[Below(std::size(kFloatEdges))]);
  const double unit = static_cast<double>(random_() >> 11) * 0x1.0p-53;
  const double range = 1 + size * 10.0;
  double d = (unit * 2 - 1) * range;
  if (OneIn(4)) d = std::round(d);  // integral floats: 3.0
  return Value(d);
}

std::string ValueGenerator::String(int size) {
  std::string out;
  const uint64_t n = Below(static_cast<uint64_t>(size) + 1);
  for (uint64_t i = 0; i < n; ++i) {
    if (Below(10) < 6) {
      out += kPlainAtoms[Below(std::size(kPlainAtoms))];
    } else {
      const AtomGroup& group = kTrickyGroups[Below(std::size(kTrickyGroups))];
      out += group.atoms[Below(group.size)];
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Shrinking.

std::vector<Value> ShrinkCandidates(const TypeSpec& type, const Value& value) {
  std::vector<Value> out;
  auto add = [&](Value candidate) {
    if (out.size() < kMaxCandidates && candidate != value) {
      out.push_back(std::move(candidate));
    }
  };
  if (type.nullable() && !value.is_null()) add(Value());
  const TypeSpec& element =
      type.element() != nullptr ? *type.element() : AnyType();
  switch (value.kind()) {
    case Value::Kind::kNull:
    case Value::Kind::kFunction:  // nothing smaller
      break;
    case Value::Kind::kBool:
      if (value.as_bool()) add(Value(false));
      break;
    case Value::Kind::kInt: {
      const int64_t x = value.as_int();
      add(Value(int64_t{0}));
      if (x < 0 && x != std::numeric_limits<int64_t>::min()) add(Value(-x));
      // x - x/2, x - x/4, ... x - sign: a binary search towards 0.
      const bool negative = x < 0;
      uint64_t magnitude =
          negative ? 0 - static_cast<uint64_t>(x) : static_cast<uint64_t>(x);
      for (uint64_t delta = magnitude / 2; delta > 0; delta /= 2) {
        const uint64_t smaller = magnitude - delta;
        add(Value(negative ? static_cast<int64_t>(0 - smaller)
                           : static_cast<int64_t>(smaller)));
      }
      if (magnitude > 0) {
        const uint64_t smaller = magnitude - 1;
        add(Value(negative ? static_cast<int64_t>(0 - smaller)
                           : static_cast<int64_t>(smaller)));
      }
      break;
    }
    case Value::Kind::kFloat: {
      const double d = value.as_float();
      add(Value(0.0));
      if (std::isnan(d) || std::isinf(d)) {
        add(Value(1.0));
        break;
      }
      if (d < 0) add(Value(-d));
      if (d != std::floor(d)) add(Value(std::trunc(d)));
      add(Value(d / 2));
      break;
    }
    case Value::Kind::kString: {
      std::vector<std::string> cps = SplitCodePoints(value.as_string());
      const size_t n = cps.size();
      if (n == 0) break;
      add(Value(""));
      add(Value(Join(cps, 0, n / 2)));
      add(Value(Join(cps, n / 2, n)));
      for (size_t i = 0; i < n; ++i) {
        add(Value(Join(cps, 0, i) + Join(cps, i + 1, n)));
      }
      for (size_t i = 0; i < n; ++i) {
        if (cps[i] == "a") continue;
        add(Value(Join(cps, 0, i) + "a" + Join(cps, i + 1, n)));
      }
      break;
    }
    case Value::Kind::kBytes: {
      const std::string& bytes = value.as_bytes().data();
      if (bytes.empty()) break;
      add(Value(Bytes()));
      add(Value(Bytes(bytes.substr(0, bytes.size() / 2))));
      for (size_t i = 0; i < bytes.size(); ++i) {
        add(Value(Bytes(bytes.substr(0, i) + bytes.substr(i + 1))));
      }
      break;
    }
    case Value::Kind::kTime:
      add(Value(absl::UnixEpoch()));
      break;
    case Value::Kind::kList: {
      const Value::List& items = value.as_list();
      const size_t n = items.size();
      if (n == 0) break;
      add(Value(Value::List()));
      add(Value(Value::List(items.begin(), items.begin() + n / 2)));
      add(Value(Value::List(items.begin() + n / 2, items.end())));
      for (size_t i = 0; i < n; ++i) {
        Value::List fewer = items;
        fewer.erase(fewer.begin() + i);
        add(Value(std::move(fewer)));
      }
      for (size_t i = 0; i < n; ++i) {
        for (Value& smaller : ShrinkCandidates(element, items[i])) {
          Value::List copy = items;
          copy[i] = std::move(smaller);
          add(Value(std::move(copy)));
        }
      }
      break;
    }
    case Value::Kind::kMap: {
      const Value::Map& map = value.as_map();
      if (map.empty()) break;
      add(Value(Value::Map()));
      for (size_t skip = 0; skip < map.size(); ++skip) {
        Value::Map fewer;
        for (size_t i = 0; i < map.size(); ++i) {
          if (i != skip) {
            fewer.Set(map.entries()[i].first, map.entries()[i].second);
          }
        }
        add(Value(std::move(fewer)));
      }
      for (size_t i = 0; i < map.size(); ++i) {
        for (Value& smaller :
             ShrinkCandidates(element, map.entries()[i].second)) {
          Value::Map copy = map;
          copy.Set(map.entries()[i].first, std::move(smaller));
          add(Value(std::move(copy)));
        }
      }
      break;
    }
  }
  // Under `any`, a simpler kind is a smaller value too.
  if (type.kind() == TypeSpec::Kind::kAny && !value.is_null()) {
    add(Value());
  }
  return out;
}

// ---------------------------------------------------------------------------
// Running.

bool ResultsAgree(const absl::StatusOr<Value>& a,
                  const absl::StatusOr<Value>& b) {
  if (a.ok() != b.ok()) return false;
  return !a.ok() || EquivalentByValue(*a, *b);
}

namespace {

class Differ {
 public:
  Differ(Host& host, const ModuleInfo& module, std::string function,
         const std::atomic<bool>* stop)
      : host_(host),
        module_(module),
        function_(std::move(function)),
        stop_(stop) {
    // A runaway input should not stall the run; a plugin's own tighter
    // limit still applies.
    absl::Duration timeout = absl::Seconds(5);
    if (module.manifest && module.manifest->limits.timeout_ms > 0) {
      timeout = std::min(
          timeout, absl::Milliseconds(module.manifest->limits.timeout_ms));
    }
    options_.timeout = timeout;
  }

  std::vector<ImplementationResult> Run(const Value::List& args) {
    std::vector<ImplementationResult> results;
    for (const ImplementationInfo& impl : module_.implementations) {
      CallOptions options = options_;
      options.implementation = impl.language;
      results.push_back(
          {impl.language, host_.Call(module_.name, function_, args, options)});
    }
    return results;
  }

  static bool Disagree(const std::vector<ImplementationResult>& results) {
    for (size_t i = 1; i < results.size(); ++i) {
      if (!ResultsAgree(results[0].result, results[i].result)) return true;
    }
    return false;
  }

  bool stopped() const { return stop_ != nullptr && stop_->load(); }

 private:
  Host& host_;
  const ModuleInfo& module_;
  std::string function_;
  const std::atomic<bool>* stop_;
  CallOptions options_;
};

// Greedy: take the first simpler input that still disagrees, repeat until
// none does (or the budget of calls is spent).
void Shrink(Differ& differ, const std::vector<TypeSpec>& params,
            FuzzFinding& finding) {
  constexpr int kMaxAttempts = 20000;
  Value::List current = finding.input;
  int attempts = 0;
  bool improved = true;
  while (improved && attempts < kMaxAttempts && !differ.stopped()) {
    improved = false;
    for (size_t k = 0; k < params.size() && !improved; ++k) {
      for (Value& candidate : ShrinkCandidates(params[k], current[k])) {
        if (!Simpler(candidate, current[k])) continue;
        if (++attempts > kMaxAttempts || differ.stopped()) break;
        Value::List trial = current;
        trial[k] = std::move(candidate);
        std::vector<ImplementationResult> results = differ.Run(trial);
        if (Differ::Disagree(results)) {
          current = std::move(trial);
          finding.results = std::move(results);
          ++finding.shrink_steps;
          improved = true;
          break;
        }
      }
    }
  }
  finding.shrunk = std::move(current);
}

const ExportSpec* FindExport(const Manifest& manifest,
                             const std::string& name) {
  for (const ExportSpec& spec : manifest.exports) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

}  // namespace

std::vector<FuzzFunctionReport> Fuzz(
    Host& host, const std::vector<ModuleInfo>& modules,
    const FuzzOptions& options,
    const std::function<void(const FuzzFunctionReport&)>& on_report,
    const std::atomic<bool>* stop) {
  std::vector<FuzzFunctionReport> reports;
  for (const ModuleInfo& module : modules) {
    if (module.implementations.size() < 2) continue;  // nothing to compare
    // Functions every implementation exports, in sorted order.
    std::vector<std::string> shared = module.implementations[0].exports;
    for (const ImplementationInfo& impl : module.implementations) {
      std::vector<std::string> both;
      std::set_intersection(shared.begin(), shared.end(), impl.exports.begin(),
                            impl.exports.end(), std::back_inserter(both));
      shared = std::move(both);
    }
    for (const std::string& function : shared) {
      if (stop != nullptr && stop->load()) return reports;
      FuzzFunctionReport report;
      report.module = module.name;
      report.function = function;
      const ExportSpec* spec =
          module.manifest ? FindExport(*module.manifest, function) : nullptr;
      if (spec == nullptr || !spec->params_declared) {
        report.skipped = "no declared params in plugin.toml";
        if (on_report) on_report(report);
        reports.push_back(std::move(report));
        continue;
      }
      Differ differ(host, module, function, stop);
      // Each function draws from its own stream, so adding a module or a
      // function leaves the inputs of the others as they were.
      ValueGenerator generator(options.seed ^
                               Fnv1a(module.name + "." + function));
      const int64_t inputs = spec->params.empty() ? 1 : options.inputs;
      std::optional<Value::List> agreed;  // the first input both agreed on
      for (int64_t i = 1; i <= inputs && !differ.stopped(); ++i) {
        const int size =
            1 + static_cast<int>(i * 24 / std::max<int64_t>(inputs, 1));
        Value::List args;
        for (const TypeSpec& param : spec->params) {
          args.push_back(generator.Generate(param, size));
        }
        report.inputs = i;
        std::vector<ImplementationResult> results = differ.Run(args);
        if (!Differ::Disagree(results)) {
          if (!agreed) agreed = std::move(args);
          continue;
        }
        FuzzFinding finding;
        finding.input = args;
        finding.input_index = i;
        finding.results = std::move(results);
        // If an input they agreed on now gets different answers, the
        // implementations keep state and it has drifted apart: every later
        // input disagrees, so shrinking would only mislead.
        if (agreed && Differ::Disagree(differ.Run(*agreed))) {
          finding.state_diverged = true;
          finding.shrunk = finding.input;
        } else {
          Shrink(differ, spec->params, finding);
        }
        report.finding = std::move(finding);
        break;
      }
      if (on_report) on_report(report);
      reports.push_back(std::move(report));
    }
  }
  return reports;
}

// ---------------------------------------------------------------------------
// Reporting.

namespace {

std::string ResultText(const absl::StatusOr<Value>& result) {
  if (result.ok()) return ShortJson(*result, 72);
  return "error: " + OneLine(result.status());
}

Value ResultJson(const ImplementationResult& result) {
  Value::Map entry{{"language", NameOf(result.language)}};
  if (result.result.ok()) {
    entry.Set("value", *result.result);
  } else {
    entry.Set("error", OneLine(result.result.status()));
  }
  return Value(std::move(entry));
}

}  // namespace

FuzzTally TallyFuzz(const std::vector<FuzzFunctionReport>& reports) {
  FuzzTally tally;
  for (const FuzzFunctionReport& report : reports) {
    if (!report.skipped.empty()) {
      ++tally.skipped;
    } else {
      ++(report.finding ? tally.disagree : tally.agree);
    }
  }
  return tally;
}

size_t FuzzNameWidth(const std::vector<ModuleInfo>& modules) {
  size_t name_width = 0;
  for (const ModuleInfo& module : modules) {
    for (const ImplementationInfo& impl : module.implementations) {
      for (const std::string& function : impl.exports) {
        name_width = std::max(
            name_width, DisplayWidth(module.name) + 1 + DisplayWidth(function));
      }
    }
  }
  return name_width;
}

std::string FuzzHeading(const FuzzOptions& options) {
  return absl::StrCat("fuzzing with seed ", options.seed, " (--seed ",
                      options.seed, " repeats this run), up to ",
                      options.inputs, " inputs per function\n");
}

std::string FuzzSummaryText(const std::vector<FuzzFunctionReport>& reports) {
  if (reports.empty()) {
    return "nothing to fuzz: no module has two implementations\n";
  }
  const FuzzTally tally = TallyFuzz(reports);
  std::string summary = absl::StrCat(
      tally.disagree,
      tally.disagree == 1 ? " function disagrees, " : " functions disagree, ",
      tally.agree, " agree");
  if (tally.skipped > 0)
    absl::StrAppend(&summary, ", ", tally.skipped, " skipped");
  return summary + "\n";
}

std::string FuzzReportText(const FuzzFunctionReport& report, size_t name_width,
                           bool colour) {
  std::string name = absl::StrCat(report.module, ".", report.function);
  const size_t width = DisplayWidth(name);
  if (width < name_width) name.append(name_width - width, ' ');
  if (!report.skipped.empty()) {
    return absl::StrCat(name, "  ", Paint("skipped", Style::kDim, colour),
                        "   ", report.skipped, "\n");
  }
  if (!report.finding) {
    return absl::StrCat(name, "  ", Paint("agree", Style::kGreen, colour),
                        "     ", report.inputs,
                        report.inputs == 1 ? " input" : " inputs", "\n");
  }
  const FuzzFinding& finding = *report.finding;
  std::string out = absl::StrCat(
      name, "  ", Paint("DISAGREE", Style::kRed, colour), "  on input ",
      finding.input_index,
      finding.state_diverged
          ? " (not shrunk: an input they agreed on earlier now disagrees, "
            "so the implementations keep state that has drifted apart):\n    "
      : finding.shrink_steps == 0
          ? ":\n    "
          : absl::StrCat(", shrunk in ", finding.shrink_steps,
                         finding.shrink_steps == 1 ? " step" : " steps",
                         " to:\n    "),
      CallLabel(report.function, finding.shrunk, 100), "\n");
  for (const ImplementationResult& result : finding.results) {
    std::string language = NameOf(result.language);
    language.resize(std::max<size_t>(language.size(), 10), ' ');
    absl::StrAppend(&out, "      ", language, "  ", ResultText(result.result),
                    "\n");
  }
  if (finding.shrunk != finding.input) {
    absl::StrAppend(&out, "    first found as ",
                    CallLabel(report.function, finding.input, 100), "\n");
  }
  return out;
}

Value FuzzJson(const std::vector<FuzzFunctionReport>& reports,
               const FuzzOptions& options) {
  Value::List functions;
  int64_t disagreements = 0;
  for (const FuzzFunctionReport& report : reports) {
    Value::Map entry{{"module", report.module},
                     {"function", report.function},
                     {"inputs", report.inputs}};
    if (!report.skipped.empty()) {
      entry.Set("skipped", report.skipped);
    } else {
      entry.Set("agree", !report.finding.has_value());
    }
    if (report.finding) {
      ++disagreements;
      Value::List results;
      for (const ImplementationResult& result : report.finding->results) {
        results.push_back(ResultJson(result));
      }
      entry.Set("counterexample",
                Value::Map{{"args", report.finding->shrunk},
                           {"first_found", report.finding->input},
                           {"input_index", report.finding->input_index},
                           {"shrink_steps", report.finding->shrink_steps},
                           {"state_diverged", report.finding->state_diverged},
                           {"results", std::move(results)}});
    }
    functions.push_back(std::move(entry));
  }
  return Value::Map{
      {"seed", static_cast<int64_t>(options.seed)},
      {"inputs_per_function", options.inputs},
      {"ok", disagreements == 0},
      {"disagreements", disagreements},
      {"functions", std::move(functions)},
  };
}

}  // namespace duet::tools
