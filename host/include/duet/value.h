// duet::Value — the one currency between C++, Python and JavaScript.
//
// A Value is a deep-copied tree: null, bool, int (int64), float (double),
// string (UTF-8), bytes, list, or map (string keys, insertion order kept).
// docs/values.md holds the mapping to each engine's types.
//
//   duet::Value point = duet::Value::Map{{"x", 1}, {"y", 2.5}};
//   point.as_map().Set("label", "origin");
//   int64_t x = point.as_map().Find("x")->as_int();
//
// Values are plain data: copyable, movable, and safe to share read-only
// between threads. They hold no engine resources.
#ifndef DUET_VALUE_H_
#define DUET_VALUE_H_

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace duet {

class Value;

// Raw bytes; distinct from a string, which must be UTF-8.
class Bytes {
 public:
  Bytes() = default;
  explicit Bytes(std::string data) : data_(std::move(data)) {}
  Bytes(const void* data, size_t size)
      : data_(static_cast<const char*>(data), size) {}

  const std::string& data() const { return data_; }
  std::string& data() { return data_; }
  size_t size() const { return data_.size(); }
  friend bool operator==(const Bytes& a, const Bytes& b) {
    return a.data_ == b.data_;
  }
  friend bool operator!=(const Bytes& a, const Bytes& b) { return !(a == b); }

 private:
  std::string data_;
};

// A map with string keys that remembers insertion order. Lookups are linear
// for small maps and hashed once a map grows (the index is built lazily).
class ValueMap {
 public:
  using Entry = std::pair<std::string, Value>;

  ValueMap();
  ValueMap(std::initializer_list<Entry> entries);
  ValueMap(const ValueMap& other);
  ValueMap(ValueMap&& other) noexcept;
  ValueMap& operator=(const ValueMap& other);
  ValueMap& operator=(ValueMap&& other) noexcept;
  ~ValueMap();

  // Inserts or replaces; a replaced key keeps its original position.
  void Set(std::string key, Value value);
  // Returns nullptr when absent. The pointer is valid until the map changes.
  const Value* Find(std::string_view key) const;
  Value* Find(std::string_view key);
  bool Contains(std::string_view key) const { return Find(key) != nullptr; }

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  void reserve(size_t n) { entries_.reserve(n); }
  const std::vector<Entry>& entries() const { return entries_; }
  std::vector<Entry>::const_iterator begin() const { return entries_.begin(); }
  std::vector<Entry>::const_iterator end() const { return entries_.end(); }

  // Order-sensitive equality (as the entries were inserted).
  friend bool operator==(const ValueMap& a, const ValueMap& b);
  friend bool operator!=(const ValueMap& a, const ValueMap& b) {
    return !(a == b);
  }

 private:
  struct Index;
  size_t FindIndex(std::string_view key) const;  // entries_.size() if absent

  std::vector<Entry> entries_;
  mutable std::unique_ptr<Index> index_;  // built on demand for large maps
};

class Value {
 public:
  enum class Kind { kNull, kBool, kInt, kFloat, kString, kBytes, kList, kMap };
  using List = std::vector<Value>;
  using Map = ValueMap;

  Value() = default;  // null
  Value(std::nullptr_t) {}
  Value(bool b) : data_(b) {}
  Value(int i) : data_(static_cast<int64_t>(i)) {}
  Value(int64_t i) : data_(i) {}
  Value(long long i) : data_(static_cast<int64_t>(i)) {}
  Value(double d) : data_(d) {}
  Value(const char* s) : data_(std::string(s)) {}
  Value(std::string_view s) : data_(std::string(s)) {}
  Value(std::string s) : data_(std::move(s)) {}
  Value(Bytes b) : data_(std::move(b)) {}
  Value(List l) : data_(std::move(l)) {}
  Value(Map m) : data_(std::move(m)) {}

  Kind kind() const { return static_cast<Kind>(data_.index()); }
  bool is_null() const { return kind() == Kind::kNull; }
  bool is_bool() const { return kind() == Kind::kBool; }
  bool is_int() const { return kind() == Kind::kInt; }
  bool is_float() const { return kind() == Kind::kFloat; }
  bool is_number() const { return is_int() || is_float(); }
  bool is_string() const { return kind() == Kind::kString; }
  bool is_bytes() const { return kind() == Kind::kBytes; }
  bool is_list() const { return kind() == Kind::kList; }
  bool is_map() const { return kind() == Kind::kMap; }

  // Accessors require the matching kind (checked by std::get; a mismatch
  // throws std::bad_variant_access, a programming error).
  bool as_bool() const { return std::get<bool>(data_); }
  int64_t as_int() const { return std::get<int64_t>(data_); }
  double as_float() const { return std::get<double>(data_); }
  // An int or a float as double.
  double as_number() const;
  const std::string& as_string() const { return std::get<std::string>(data_); }
  std::string& as_string() { return std::get<std::string>(data_); }
  const Bytes& as_bytes() const { return std::get<Bytes>(data_); }
  Bytes& as_bytes() { return std::get<Bytes>(data_); }
  const List& as_list() const { return std::get<List>(data_); }
  List& as_list() { return std::get<List>(data_); }
  const Map& as_map() const { return std::get<Map>(data_); }
  Map& as_map() { return std::get<Map>(data_); }

  // Structural equality: kinds must match exactly (1 != 1.0), floats compare
  // with ==, so NaN != NaN. See EquivalentByValue for the relaxed comparison.
  friend bool operator==(const Value& a, const Value& b) {
    return a.data_ == b.data_;
  }
  friend bool operator!=(const Value& a, const Value& b) { return !(a == b); }

 private:
  std::variant<std::monostate, bool, int64_t, double, std::string, Bytes, List,
               Map>
      data_;
};

// "null", "bool", "int", "float", "string", "bytes", "list", "map".
std::string_view KindName(Value::Kind kind);

// Equality by value, as `duet check` compares: an int and a float are equal
// when numerically equal (3 == 3.0), NaN equals NaN, -0.0 equals 0.0; maps
// compare as sets of keys. Everything else as operator==.
bool EquivalentByValue(const Value& a, const Value& b);

// A readable, JSON-like rendering for messages and logs (not parseable JSON:
// bytes print as b"..."); see duet/json.h for JSON.
std::string DebugString(const Value& value);

// Writes DebugString(value); also how GoogleTest prints values.
std::ostream& operator<<(std::ostream& out, const Value& value);

}  // namespace duet

#endif  // DUET_VALUE_H_
