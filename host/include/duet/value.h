/// @file
/// duet::Value — the one currency between C++, Python and JavaScript.
///
/// A Value is a deep-copied tree: null, bool, int (int64), float (double),
/// string (UTF-8), bytes, list, map (string keys, insertion order kept), or
/// time (an instant, to the millisecond); or a function, a shared handle to
/// something callable in any language (duet::Callable, below).
/// docs/values.md holds the mapping to each engine's types.
///
/// @code
///   duet::Value point = duet::Value::Map{{"x", 1}, {"y", 2.5}};
///   point.as_map().Set("label", "origin");
///   int64_t x = point.as_map().Find("x")->as_int();
/// @endcode
///
/// @code
///   duet::Value scores =
///       std::map<std::string, std::vector<int>>{{"ann", {3}}};
///   absl::StatusOr<std::map<std::string, std::vector<int>>> back =
///       scores.Get<std::map<std::string, std::vector<int>>>();
/// @endcode
///
/// @code
///   duet::Value twice = duet::Value::FromFunction(
///       "twice", [](absl::Span<const duet::Value> args)
///                    -> absl::StatusOr<duet::Value> {
///         return args[0].as_int() * 2;
///       });
///   host->Call("mapper", "map", {twice, duet::Value::List{1, 2}});
/// @endcode
///
/// Values are copyable, movable, and safe to share read-only between
/// threads. Plain data holds no engine resources; a function value holds a
/// reference to its script function, released when the last copy goes.
#ifndef DUET_VALUE_H_
#define DUET_VALUE_H_

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "duet/language.h"

namespace duet {

class Value;

/// Raw bytes; distinct from a string, which must be UTF-8.
class Bytes {
 public:
  Bytes() = default;
  ///@{
  /// A copy of the given bytes, any values (NUL included).
  explicit Bytes(std::string data) : data_(std::move(data)) {}
  Bytes(const void* data, size_t size)
      : data_(static_cast<const char*>(data), size) {}
  ///@}

  ///@{
  /// The bytes, held in a std::string.
  const std::string& data() const { return data_; }
  std::string& data() { return data_; }
  ///@}
  /// How many bytes.
  size_t size() const { return data_.size(); }
  ///@{
  /// Byte-wise comparison.
  friend bool operator==(const Bytes& a, const Bytes& b) {
    return a.data_ == b.data_;
  }
  friend bool operator!=(const Bytes& a, const Bytes& b) { return !(a == b); }
  ///@}

 private:
  std::string data_;
};

/// A map with string keys that remembers insertion order. Lookups are linear
/// for small maps and hashed once a map grows (the index is built lazily).
class ValueMap {
 public:
  /// A key and its value.
  using Entry = std::pair<std::string, Value>;

  ValueMap();
  /// The entries in order; a repeated key keeps its first position and its
  /// last value, as Set does.
  ValueMap(std::initializer_list<Entry> entries);
  ///@{
  /// Copies are deep.
  ValueMap(const ValueMap& other);
  ValueMap(ValueMap&& other) noexcept;
  ValueMap& operator=(const ValueMap& other);
  ValueMap& operator=(ValueMap&& other) noexcept;
  ///@}
  ~ValueMap();

  /// Inserts or replaces; a replaced key keeps its original position.
  void Set(std::string key, Value value);
  ///@{
  /// Returns nullptr when absent. The pointer is valid until the map changes.
  const Value* Find(std::string_view key) const;
  Value* Find(std::string_view key);
  ///@}
  /// Whether `key` has an entry.
  bool Contains(std::string_view key) const { return Find(key) != nullptr; }

  /// The number of entries.
  size_t size() const;
  /// Whether there are no entries.
  bool empty() const;
  /// Makes room for `n` entries. This and begin()/end() are defined after
  /// Value: they need it complete (C++20 library headers instantiate
  /// std::pair<std::string, Value> eagerly).
  void reserve(size_t n);
  ///@{
  /// The entries, in insertion order.
  const std::vector<Entry>& entries() const { return entries_; }
  std::vector<Entry>::const_iterator begin() const;
  std::vector<Entry>::const_iterator end() const;
  ///@}

  ///@{
  /// Order-sensitive equality (as the entries were inserted).
  friend bool operator==(const ValueMap& a, const ValueMap& b);
  friend bool operator!=(const ValueMap& a, const ValueMap& b) {
    return !(a == b);
  }
  ///@}

 private:
  struct Index;
  size_t FindIndex(std::string_view key) const;  ///< entries_.size() if absent

  std::vector<Entry> entries_;
  mutable std::unique_ptr<Index> index_;  ///< built on demand for large maps
};

/// Something callable from any language, held by a function Value: a script
/// function (kept alive in its engine) or a C++ function
/// (Value::FromFunction). Thread-safe: calls may come from any thread, at
/// once. Shared by every copy of the Values that hold it, and destroyed
/// with the last.
class Callable {
 public:
  virtual ~Callable() = default;

  /// Calls the function. Any thread; the caller holds no engine lock. A
  /// script function's call is an entry into its engine like any module
  /// call: it takes that engine's lock, is stopped at `deadline` or by
  /// Interrupt (kDeadlineExceeded, kCancelled), and a script exception is
  /// kUnknown with a ScriptError. kFailedPrecondition once the module the
  /// function came from was unloaded or reloaded.
  virtual absl::StatusOr<Value> Call(absl::Span<const Value> args,
                                     absl::Time deadline) const = 0;
  /// The function's name; "" for an anonymous one.
  virtual const std::string& name() const = 0;
  /// The language it is written in; nullopt for C++.
  virtual std::optional<Language> language() const = 0;
};

namespace value_internal {

template <typename T>
inline constexpr bool kIsCharacter =
    std::is_same_v<T, char> || std::is_same_v<T, wchar_t> ||
#if defined(__cpp_char8_t)
    std::is_same_v<T, char8_t> ||
#endif
    std::is_same_v<T, char16_t> || std::is_same_v<T, char32_t>;

/// Integer types a Value is made from: every one but bool and the character
/// types (a char is neither clearly a number nor a one-letter string).
template <typename T>
inline constexpr bool kIsInteger =
    std::is_integral_v<T> && !std::is_same_v<T, bool> && !kIsCharacter<T>;

/// Whether every value of T fits in int64_t.
template <typename T>
inline constexpr bool kFitsInt64 =
    std::numeric_limits<T>::max() <= static_cast<std::make_unsigned_t<int64_t>>(
                                         std::numeric_limits<int64_t>::max()) &&
    (std::is_unsigned_v<T> || sizeof(T) <= sizeof(int64_t));

template <typename T>
struct Reader;  ///< Value::Get<T>, defined below

}  // namespace value_internal

/// A value that crosses between C++, Python and JavaScript; see the file
/// comment. Implicit constructors make `host->Call("m", "f", {1, "two"})`
/// read naturally.
class Value {
 public:
  /// What a Value holds; KindName gives its name.
  enum class Kind {
    kNull,
    kBool,
    kInt,
    kFloat,
    kString,
    kBytes,
    kList,
    kMap,
    kTime,
    kFunction,
  };
  /// A list: Python list, JavaScript Array.
  using List = std::vector<Value>;
  /// A map with string keys: Python dict, JavaScript object.
  using Map = ValueMap;
  /// What a function Value holds.
  using CallablePtr = std::shared_ptr<const Callable>;
  /// A C++ function a Value can wrap (FromFunction).
  using CppFunction =
      std::function<absl::StatusOr<Value>(absl::Span<const Value>)>;

  ///@{
  /// Null: Python None, JavaScript null.
  Value() = default;
  Value(std::nullptr_t) {}
  ///@}
  /// A bool.
  Value(bool b) : data_(b) {}
  /// Every integer type (int8_t ... uint64_t, size_t, long long). A value
  /// beyond int64_t (a uint64_t over 2^63-1) cannot be represented: the
  /// constructor throws std::out_of_range, the same kind of programming error
  /// as as_int() on a string. FromInteger checks without throwing.
  template <typename T,
            std::enable_if_t<value_internal::kIsInteger<T>, int> = 0>
  Value(T i) : data_(ToInt64(i)) {}
  /// A float, from float, double or long double.
  template <typename T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
  Value(T d) : data_(static_cast<double>(d)) {}
  ///@{
  /// A string; the text must be UTF-8 (the engines refuse it otherwise).
  Value(const char* s) : data_(std::string(s)) {}
  Value(char* s) : data_(std::string(s)) {}
  Value(std::string_view s) : data_(std::string(s)) {}
  Value(std::string s) : data_(std::move(s)) {}
  ///@}
  /// Bytes: Python bytes, JavaScript Uint8Array.
  Value(Bytes b) : data_(std::move(b)) {}
  /// A list.
  Value(List l) : data_(std::move(l)) {}
  /// A map.
  Value(Map m) : data_(std::move(m)) {}
  /// A time: a JavaScript `Date`, a Python timezone-aware `datetime` (UTC).
  /// Kept to the millisecond, as a JavaScript Date is: finer digits are
  /// dropped, rounding toward the past (12:00:00.123999 becomes
  /// 12:00:00.123, and 1 us before 1970 becomes 1 ms before it). Any time
  /// is accepted here; an engine refuses one outside its range when the
  /// value crosses (docs/values.md).
  Value(absl::Time t) : data_(ToMilliseconds(t)) {}
  /// A time from the standard clock, as from absl::Time.
  Value(std::chrono::system_clock::time_point t) : Value(absl::FromChrono(t)) {}
  /// A function value; a null pointer makes a null Value.
  Value(CallablePtr function) {
    if (function != nullptr) data_ = std::move(function);
  }
  ///@{
  /// Standard containers of anything a Value is made from: a vector becomes a
  /// list, a map with string keys a map (an unordered_map's keys sorted, so
  /// the result does not depend on hashing), an optional its value or null.
  template <
      typename T, typename A,
      typename = std::enable_if_t<std::is_constructible_v<Value, const T&>>>
  Value(const std::vector<T, A>& items) : data_(List()) {
    List& list = std::get<List>(data_);
    list.reserve(items.size());
    for (const auto& item : items) list.emplace_back(item);
  }
  template <typename K, typename T, typename C, typename A,
            typename = std::enable_if_t<
                std::is_convertible_v<const K&, std::string_view> &&
                std::is_constructible_v<Value, const T&>>>
  Value(const std::map<K, T, C, A>& entries) : data_(Map()) {
    Map& map = std::get<Map>(data_);
    map.reserve(entries.size());
    for (const auto& [key, item] : entries) {
      map.Set(std::string(std::string_view(key)), Value(item));
    }
  }
  template <typename K, typename T, typename H, typename E, typename A,
            typename = std::enable_if_t<
                std::is_convertible_v<const K&, std::string_view> &&
                std::is_constructible_v<Value, const T&>>>
  Value(const std::unordered_map<K, T, H, E, A>& entries) : data_(Map()) {
    std::vector<const std::pair<const K, T>*> sorted;
    sorted.reserve(entries.size());
    for (const auto& entry : entries) sorted.push_back(&entry);
    std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
      return std::string_view(a->first) < std::string_view(b->first);
    });
    Map& map = std::get<Map>(data_);
    map.reserve(sorted.size());
    for (const auto* entry : sorted) {
      map.Set(std::string(std::string_view(entry->first)),
              Value(entry->second));
    }
  }
  template <typename T, typename = std::enable_if_t<
                            std::is_constructible_v<Value, const T&>>>
  Value(const std::optional<T>& value) {
    if (value.has_value()) *this = Value(*value);
  }
  ///@}
  /// Any other pointer would silently become a bool.
  template <typename T>
  Value(T*) = delete;
  template <typename T,
            std::enable_if_t<value_internal::kIsCharacter<T>, int> = 0>
  Value(T) = delete;

  /// An int Value from any integer, kOutOfRange when it does not fit int64_t.
  template <typename T,
            std::enable_if_t<value_internal::kIsInteger<T>, int> = 0>
  static absl::StatusOr<Value> FromInteger(T i) {
    if constexpr (!value_internal::kFitsInt64<T>) {
      if (!InInt64Range(i)) return OutOfRangeError(ToString(i));
    }
    return Value(static_cast<int64_t>(i));
  }

  /// A function value calling `function` (a C++ callable; scripts that
  /// receive it see a function of their language). `name` is what scripts and
  /// messages show. An exception `function` throws becomes kInternal, as for
  /// host functions; it must be thread-safe.
  static Value FromFunction(std::string name, CppFunction function);

  /// What this value holds.
  Kind kind() const { return static_cast<Kind>(data_.index()); }
  ///@{
  /// Whether kind() is that kind; is_number() is int or float.
  bool is_null() const { return kind() == Kind::kNull; }
  bool is_bool() const { return kind() == Kind::kBool; }
  bool is_int() const { return kind() == Kind::kInt; }
  bool is_float() const { return kind() == Kind::kFloat; }
  bool is_number() const { return is_int() || is_float(); }
  bool is_string() const { return kind() == Kind::kString; }
  bool is_bytes() const { return kind() == Kind::kBytes; }
  bool is_list() const { return kind() == Kind::kList; }
  bool is_map() const { return kind() == Kind::kMap; }
  bool is_time() const { return kind() == Kind::kTime; }
  bool is_function() const { return kind() == Kind::kFunction; }
  ///@}

  ///@{
  /// Accessors require the matching kind (checked by std::get; a mismatch
  /// throws std::bad_variant_access, a programming error). Get<T> checks and
  /// reports instead.
  bool as_bool() const { return std::get<bool>(data_); }
  int64_t as_int() const { return std::get<int64_t>(data_); }
  double as_float() const { return std::get<double>(data_); }
  ///@}
  /// An int or a float as double.
  double as_number() const;
  ///@{
  /// As as_bool(): the matching kind or std::bad_variant_access.
  const std::string& as_string() const { return std::get<std::string>(data_); }
  std::string& as_string() { return std::get<std::string>(data_); }
  const Bytes& as_bytes() const { return std::get<Bytes>(data_); }
  Bytes& as_bytes() { return std::get<Bytes>(data_); }
  const List& as_list() const { return std::get<List>(data_); }
  List& as_list() { return std::get<List>(data_); }
  const Map& as_map() const { return std::get<Map>(data_); }
  Map& as_map() { return std::get<Map>(data_); }
  ///@}

  /// The callable a function value holds (never null).
  const CallablePtr& as_function() const {
    return std::get<CallablePtr>(data_);
  }

  /// Calls a function value (Callable::Call); kInvalidArgument when this is
  /// not a function. Made inside a C++ function Value's call (a script
  /// calling back into C++), the deadline is never later than that call's.
  absl::StatusOr<Value> Call(
      absl::Span<const Value> args,
      absl::Time deadline = absl::InfiniteFuture()) const;

  /// Always a whole number of milliseconds since the Unix epoch.
  absl::Time as_time() const { return std::get<absl::Time>(data_); }

  /// The value as T, checked. T is bool, any integer type, float or double
  /// (an int converts), std::string, Bytes, List, Map, absl::Time,
  /// std::chrono::system_clock::time_point, Value, or a
  /// std::vector, std::map / std::unordered_map with std::string keys, or
  /// std::optional (null -> nullopt) of those. kInvalidArgument names the
  /// place and both kinds ("value[2].name: expected int, got string");
  /// kOutOfRange when an int does not fit T ("value[0]: 300 does not fit
  /// uint8").
  template <typename T>
  absl::StatusOr<T> Get() const;

  ///@{
  /// Structural equality: kinds must match exactly (1 != 1.0), floats compare
  /// with ==, so NaN != NaN; functions by identity (the same Callable). See
  /// EquivalentByValue for the relaxed comparison.
  friend bool operator==(const Value& a, const Value& b) {
    return a.data_ == b.data_;
  }
  friend bool operator!=(const Value& a, const Value& b) { return !(a == b); }
  ///@}

 private:
  template <typename T>
  static bool InInt64Range(T i) {
    if constexpr (std::is_unsigned_v<T>) {
      return i <= static_cast<std::make_unsigned_t<int64_t>>(
                      std::numeric_limits<int64_t>::max());
    } else {
      return i >= std::numeric_limits<int64_t>::min() &&
             i <= std::numeric_limits<int64_t>::max();
    }
  }
  template <typename T>
  static std::string ToString(T i) {
    if constexpr (std::is_unsigned_v<T>) {
      return std::to_string(static_cast<unsigned long long>(i));
    } else {
      return std::to_string(static_cast<long long>(i));
    }
  }
  template <typename T>
  static int64_t ToInt64(T i) {
    if constexpr (!value_internal::kFitsInt64<T>) {
      if (!InInt64Range(i)) ThrowOutOfRange(ToString(i));
    }
    return static_cast<int64_t>(i);
  }
  static absl::Status OutOfRangeError(const std::string& number);
  [[noreturn]] static void ThrowOutOfRange(const std::string& number);
  /// `t` rounded down to a whole millisecond; infinite times stay infinite.
  static absl::Time ToMilliseconds(absl::Time t);

  /// In Kind's order: kind() is the index.
  std::variant<std::monostate, bool, int64_t, double, std::string, Bytes, List,
               Map, absl::Time, CallablePtr>
      data_;
};

inline size_t ValueMap::size() const { return entries_.size(); }
inline bool ValueMap::empty() const { return entries_.empty(); }
inline void ValueMap::reserve(size_t n) { entries_.reserve(n); }
inline std::vector<ValueMap::Entry>::const_iterator ValueMap::begin() const {
  return entries_.begin();
}
inline std::vector<ValueMap::Entry>::const_iterator ValueMap::end() const {
  return entries_.end();
}

/// "null", "bool", "int", "float", "string", "bytes", "list", "map", "time",
/// "function".
std::string_view KindName(Value::Kind kind);

/// Equality by value, as `duet check` compares: an int and a float are equal
/// when numerically equal (3 == 3.0), NaN equals NaN, -0.0 equals 0.0; maps
/// compare as sets of keys. Everything else as operator==.
bool EquivalentByValue(const Value& a, const Value& b);

/// A readable, JSON-like rendering for messages and logs (not parseable JSON:
/// bytes print as b"...", a time unquoted in ISO 8601, UTC, to the
/// millisecond: 2026-12-06T18:00:00.000Z, a function as
/// <function name (python)>); see duet/json.h for JSON.
std::string DebugString(const Value& value);

/// Writes DebugString(value); also how GoogleTest prints values.
std::ostream& operator<<(std::ostream& out, const Value& value);

namespace value_internal {

/// Where a value sits inside the one Get<T> was called on; built into text
/// only when reading fails.
struct PathStep {
  const PathStep* parent;
  bool is_key;  ///< a map key, else a list index
  std::string_view key;
  size_t index;
};

absl::Status KindMismatch(const PathStep* at, std::string_view expected,
                          Value::Kind found);
absl::Status IntOutOfRange(const PathStep* at, int64_t value,
                           std::string_view type);

template <typename T>
std::string_view IntegerTypeName() {
  if constexpr (std::is_signed_v<T>) {
    if constexpr (sizeof(T) == 1) return "int8";
    if constexpr (sizeof(T) == 2) return "int16";
    if constexpr (sizeof(T) == 4) return "int32";
    return "int64";
  } else {
    if constexpr (sizeof(T) == 1) return "uint8";
    if constexpr (sizeof(T) == 2) return "uint16";
    if constexpr (sizeof(T) == 4) return "uint32";
    return "uint64";
  }
}

template <typename T>
struct Reader {
  static_assert(kIsInteger<T> || std::is_floating_point_v<T>,
                "Value::Get<T>: T is not a type a Value converts to");
  static absl::Status Read(const Value& value, const PathStep* at, T* out) {
    if constexpr (std::is_floating_point_v<T>) {
      if (!value.is_number()) return KindMismatch(at, "float", value.kind());
      *out = static_cast<T>(value.as_number());
    } else {
      if (!value.is_int()) return KindMismatch(at, "int", value.kind());
      int64_t i = value.as_int();
      bool fits;
      if constexpr (std::is_unsigned_v<T>) {
        fits =
            i >= 0 && static_cast<uint64_t>(i) <=
                          static_cast<uint64_t>(std::numeric_limits<T>::max());
      } else {
        fits = i >= std::numeric_limits<T>::min() &&
               i <= std::numeric_limits<T>::max();
      }
      if (!fits) return IntOutOfRange(at, i, IntegerTypeName<T>());
      *out = static_cast<T>(i);
    }
    return absl::OkStatus();
  }
};

template <>
struct Reader<Value> {
  static absl::Status Read(const Value& value, const PathStep*, Value* out) {
    *out = value;
    return absl::OkStatus();
  }
};

template <>
struct Reader<bool> {
  static absl::Status Read(const Value& value, const PathStep* at, bool* out) {
    if (!value.is_bool()) return KindMismatch(at, "bool", value.kind());
    *out = value.as_bool();
    return absl::OkStatus();
  }
};

template <>
struct Reader<std::string> {
  static absl::Status Read(const Value& value, const PathStep* at,
                           std::string* out) {
    if (!value.is_string()) return KindMismatch(at, "string", value.kind());
    *out = value.as_string();
    return absl::OkStatus();
  }
};

template <>
struct Reader<Bytes> {
  static absl::Status Read(const Value& value, const PathStep* at, Bytes* out) {
    if (!value.is_bytes()) return KindMismatch(at, "bytes", value.kind());
    *out = value.as_bytes();
    return absl::OkStatus();
  }
};

template <>
struct Reader<ValueMap> {
  static absl::Status Read(const Value& value, const PathStep* at,
                           ValueMap* out) {
    if (!value.is_map()) return KindMismatch(at, "map", value.kind());
    *out = value.as_map();
    return absl::OkStatus();
  }
};

template <>
struct Reader<absl::Time> {
  static absl::Status Read(const Value& value, const PathStep* at,
                           absl::Time* out) {
    if (!value.is_time()) return KindMismatch(at, "time", value.kind());
    *out = value.as_time();
    return absl::OkStatus();
  }
};

template <>
struct Reader<std::chrono::system_clock::time_point> {
  static absl::Status Read(const Value& value, const PathStep* at,
                           std::chrono::system_clock::time_point* out) {
    if (!value.is_time()) return KindMismatch(at, "time", value.kind());
    *out = absl::ToChronoTime(value.as_time());
    return absl::OkStatus();
  }
};

template <typename T, typename A>
struct Reader<std::vector<T, A>> {
  static absl::Status Read(const Value& value, const PathStep* at,
                           std::vector<T, A>* out) {
    if (!value.is_list()) return KindMismatch(at, "list", value.kind());
    const Value::List& items = value.as_list();
    out->clear();
    out->reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      PathStep step{at, false, {}, i};
      T item{};
      absl::Status status = Reader<T>::Read(items[i], &step, &item);
      if (!status.ok()) return status;
      out->push_back(std::move(item));
    }
    return absl::OkStatus();
  }
};

template <typename Container>
absl::Status ReadEntries(const Value& value, const PathStep* at,
                         Container* out) {
  if (!value.is_map()) return KindMismatch(at, "map", value.kind());
  out->clear();
  for (const auto& [key, item] : value.as_map()) {
    PathStep step{at, true, key, 0};
    typename Container::mapped_type read{};
    absl::Status status =
        Reader<typename Container::mapped_type>::Read(item, &step, &read);
    if (!status.ok()) return status;
    out->emplace(key, std::move(read));
  }
  return absl::OkStatus();
}

template <typename T, typename C, typename A>
struct Reader<std::map<std::string, T, C, A>> {
  static absl::Status Read(const Value& value, const PathStep* at,
                           std::map<std::string, T, C, A>* out) {
    return ReadEntries(value, at, out);
  }
};

template <typename T, typename H, typename E, typename A>
struct Reader<std::unordered_map<std::string, T, H, E, A>> {
  static absl::Status Read(const Value& value, const PathStep* at,
                           std::unordered_map<std::string, T, H, E, A>* out) {
    return ReadEntries(value, at, out);
  }
};

template <typename T>
struct Reader<std::optional<T>> {
  static absl::Status Read(const Value& value, const PathStep* at,
                           std::optional<T>* out) {
    if (value.is_null()) {
      out->reset();
      return absl::OkStatus();
    }
    T item{};
    absl::Status status = Reader<T>::Read(value, at, &item);
    if (!status.ok()) return status;
    *out = std::move(item);
    return absl::OkStatus();
  }
};

}  // namespace value_internal

template <typename T>
absl::StatusOr<T> Value::Get() const {
  T out{};
  absl::Status status =
      value_internal::Reader<T>::Read(*this, /*at=*/nullptr, &out);
  if (!status.ok()) return status;
  return out;
}

}  // namespace duet

#endif  // DUET_VALUE_H_
