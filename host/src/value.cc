#include "duet/value.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <stdexcept>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "duet/internal/strings.h"
#include "duet/internal/value_path.h"

namespace duet {

// Small maps are searched linearly; past this size a hash index pays off.
static constexpr size_t kIndexThreshold = 16;

struct ValueMap::Index {
  absl::flat_hash_map<std::string, size_t> positions;
};

ValueMap::ValueMap() = default;
ValueMap::ValueMap(std::initializer_list<Entry> entries) {
  entries_.reserve(entries.size());
  for (const Entry& entry : entries) Set(entry.first, entry.second);
}
ValueMap::ValueMap(const ValueMap& other) : entries_(other.entries_) {}
ValueMap::ValueMap(ValueMap&& other) noexcept
    : entries_(std::move(other.entries_)), index_(std::move(other.index_)) {}
ValueMap& ValueMap::operator=(const ValueMap& other) {
  if (this != &other) {
    entries_ = other.entries_;
    index_.reset();
  }
  return *this;
}
ValueMap& ValueMap::operator=(ValueMap&& other) noexcept {
  entries_ = std::move(other.entries_);
  index_ = std::move(other.index_);
  return *this;
}
ValueMap::~ValueMap() = default;

size_t ValueMap::FindIndex(std::string_view key) const {
  if (entries_.size() < kIndexThreshold) {
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i].first == key) return i;
    }
    return entries_.size();
  }
  if (index_ == nullptr) {
    index_ = std::make_unique<Index>();
    index_->positions.reserve(entries_.size());
    for (size_t i = 0; i < entries_.size(); ++i) {
      index_->positions.emplace(entries_[i].first, i);
    }
  }
  auto it = index_->positions.find(internal::ToAbsl(key));
  return it == index_->positions.end() ? entries_.size() : it->second;
}

void ValueMap::Set(std::string key, Value value) {
  size_t at = FindIndex(key);
  if (at < entries_.size()) {
    entries_[at].second = std::move(value);
    return;
  }
  if (index_ != nullptr) index_->positions.emplace(key, entries_.size());
  entries_.emplace_back(std::move(key), std::move(value));
}

const Value* ValueMap::Find(std::string_view key) const {
  size_t at = FindIndex(key);
  return at < entries_.size() ? &entries_[at].second : nullptr;
}

Value* ValueMap::Find(std::string_view key) {
  size_t at = FindIndex(key);
  return at < entries_.size() ? &entries_[at].second : nullptr;
}

bool operator==(const ValueMap& a, const ValueMap& b) {
  return a.entries_ == b.entries_;
}

absl::Status Value::OutOfRangeError(const std::string& number) {
  return absl::OutOfRangeError(
      absl::StrCat(number, " does not fit a duet::Value int (int64)"));
}

void Value::ThrowOutOfRange(const std::string& number) {
  throw std::out_of_range(std::string(OutOfRangeError(number).message()));
}

absl::Time Value::ToMilliseconds(absl::Time t) {
  if (t == absl::InfiniteFuture() || t == absl::InfinitePast()) return t;
  // Floor, not truncation toward zero: dropping digits keeps the calendar
  // fields, before 1970 too.
  return absl::UnixEpoch() +
         absl::Floor(t - absl::UnixEpoch(), absl::Milliseconds(1));
}

namespace value_internal {
namespace {

std::string PathText(const PathStep* at) {
  std::vector<const PathStep*> steps;
  for (; at != nullptr; at = at->parent) steps.push_back(at);
  internal::ValuePath path("value");
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    const PathStep& step = **it;
    if (step.is_key) {
      path.PushKey(step.key);
    } else {
      path.PushIndex(step.index);
    }
  }
  return path.ToString();
}

}  // namespace

absl::Status KindMismatch(const PathStep* at, std::string_view expected,
                          Value::Kind found) {
  return absl::InvalidArgumentError(
      absl::StrCat(PathText(at), ": expected ", internal::ToAbsl(expected),
                   ", got ", internal::ToAbsl(KindName(found))));
}

absl::Status IntOutOfRange(const PathStep* at, int64_t value,
                           std::string_view type) {
  return absl::OutOfRangeError(absl::StrCat(
      PathText(at), ": ", value, " does not fit ", internal::ToAbsl(type)));
}

}  // namespace value_internal

namespace {

// The deadline of the C++ function Value running on this thread (the
// script call it runs for), so function Values it calls inherit it.
thread_local absl::Time cpp_function_deadline = absl::InfiniteFuture();

// A C++ function as a Callable (Value::FromFunction).
class CppCallable : public Callable {
 public:
  CppCallable(std::string name, Value::CppFunction function)
      : name_(std::move(name)), function_(std::move(function)) {}

  absl::StatusOr<Value> Call(absl::Span<const Value> args,
                             absl::Time deadline) const override {
    const absl::Time outer = cpp_function_deadline;
    cpp_function_deadline = std::min(outer, deadline);
    absl::StatusOr<Value> out = CallGuarded(args);
    cpp_function_deadline = outer;
    return out;
  }
  const std::string& name() const override { return name_; }
  std::optional<Language> language() const override { return std::nullopt; }

 private:
  absl::StatusOr<Value> CallGuarded(absl::Span<const Value> args) const {
    // An exception never unwinds into an engine that called us.
    try {
      return function_(args);
    } catch (const std::exception& e) {
      return absl::InternalError(absl::StrCat(
          "C++ function '", name_, "' threw an exception: ", e.what()));
    } catch (...) {
      return absl::InternalError(
          absl::StrCat("C++ function '", name_, "' threw an exception"));
    }
  }

  const std::string name_;
  const Value::CppFunction function_;
};

}  // namespace

Value Value::FromFunction(std::string name, CppFunction function) {
  return Value(std::make_shared<const CppCallable>(std::move(name),
                                                   std::move(function)));
}

absl::StatusOr<Value> Value::Call(absl::Span<const Value> args,
                                  absl::Time deadline) const {
  if (!is_function()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot call a value that is not a function (",
                     internal::ToAbsl(KindName(kind())), ")"));
  }
  // Inside a C++ function Value's call, never later than that call's deadline.
  return as_function()->Call(args, std::min(deadline, cpp_function_deadline));
}

double Value::as_number() const {
  return is_int() ? static_cast<double>(as_int()) : as_float();
}

std::string_view KindName(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::kNull:
      return "null";
    case Value::Kind::kBool:
      return "bool";
    case Value::Kind::kInt:
      return "int";
    case Value::Kind::kFloat:
      return "float";
    case Value::Kind::kString:
      return "string";
    case Value::Kind::kBytes:
      return "bytes";
    case Value::Kind::kList:
      return "list";
    case Value::Kind::kMap:
      return "map";
    case Value::Kind::kTime:
      return "time";
    case Value::Kind::kFunction:
      return "function";
  }
  return "unknown";
}

namespace {

bool NumbersEquivalent(const Value& a, const Value& b) {
  if (a.is_int() && b.is_int()) return a.as_int() == b.as_int();
  double x = a.as_number();
  double y = b.as_number();
  if (std::isnan(x) && std::isnan(y)) return true;
  if (a.is_int() != b.is_int()) {
    // Compare an int with a float exactly: the float must be integral and
    // convert back to the same int64.
    const Value& i = a.is_int() ? a : b;
    double f = a.is_int() ? y : x;
    if (!std::isfinite(f) || std::trunc(f) != f) return false;
    if (f < -9223372036854775808.0 || f >= 9223372036854775808.0) return false;
    return static_cast<int64_t>(f) == i.as_int();
  }
  return x == y;
}

void AppendDebug(std::string* out, const Value& value) {
  if (internal::AppendJsonScalar(out, value)) return;
  switch (value.kind()) {
    case Value::Kind::kTime:
      out->append(internal::FormatIsoTime(value.as_time()));
      return;
    case Value::Kind::kBytes: {
      out->append("b\"");
      for (unsigned char c : value.as_bytes().data()) {
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
          out->push_back(static_cast<char>(c));
        } else {
          char buffer[8];
          std::snprintf(buffer, sizeof(buffer), "\\x%02x", c);
          out->append(buffer);
        }
      }
      out->push_back('"');
      return;
    }
    case Value::Kind::kList: {
      out->push_back('[');
      bool first = true;
      for (const Value& item : value.as_list()) {
        if (!first) out->append(", ");
        first = false;
        AppendDebug(out, item);
      }
      out->push_back(']');
      return;
    }
    case Value::Kind::kMap: {
      out->push_back('{');
      bool first = true;
      for (const auto& [key, item] : value.as_map()) {
        if (!first) out->append(", ");
        first = false;
        internal::AppendJsonQuoted(out, key);
        out->append(": ");
        AppendDebug(out, item);
      }
      out->push_back('}');
      return;
    }
    case Value::Kind::kFunction: {
      const Callable& function = *value.as_function();
      std::optional<Language> language = function.language();
      absl::StrAppend(
          out, "<function ",
          function.name().empty() ? "(anonymous)" : function.name(), " (",
          language ? internal::ToAbsl(LanguageName(*language)) : "C++", ")>");
      return;
    }
    default:  // the scalars, written above
      return;
  }
}

}  // namespace

bool EquivalentByValue(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) return NumbersEquivalent(a, b);
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kList: {
      const Value::List& x = a.as_list();
      const Value::List& y = b.as_list();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i) {
        if (!EquivalentByValue(x[i], y[i])) return false;
      }
      return true;
    }
    case Value::Kind::kMap: {
      const Value::Map& x = a.as_map();
      const Value::Map& y = b.as_map();
      if (x.size() != y.size()) return false;
      for (const auto& [key, item] : x) {
        const Value* other = y.Find(key);
        if (other == nullptr || !EquivalentByValue(item, *other)) return false;
      }
      return true;
    }
    default:
      return a == b;
  }
}

std::string DebugString(const Value& value) {
  std::string out;
  AppendDebug(&out, value);
  return out;
}

std::ostream& operator<<(std::ostream& out, const Value& value) {
  return out << DebugString(value);
}

namespace internal {

std::string FormatIsoTime(absl::Time time) {
  if (time == absl::InfiniteFuture()) return "infinite-future";
  if (time == absl::InfinitePast()) return "infinite-past";
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::CivilSecond civil = absl::ToCivilSecond(time, utc);
  const absl::Duration into_second = time - absl::FromCivil(civil, utc);
  const int64_t millis = absl::ToInt64Milliseconds(into_second);
  const int64_t year = civil.year();
  // As JavaScript's toISOString: four digits for years 0 to 9999, else a
  // sign and six digits or more.
  std::string year_text = year >= 0 && year <= 9999
                              ? absl::StrFormat("%04d", year)
                              : absl::StrFormat("%c%06d", year < 0 ? '-' : '+',
                                                year < 0 ? -year : year);
  return absl::StrFormat("%s-%02d-%02dT%02d:%02d:%02d.%03dZ", year_text,
                         civil.month(), civil.day(), civil.hour(),
                         civil.minute(), civil.second(), millis);
}

}  // namespace internal

}  // namespace duet
