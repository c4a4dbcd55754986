#include "convert.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <new>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "datetime.h"  // CPython's datetime C API
#include "duet/internal/status_macros.h"
#include "duet/internal/strings.h"
#include "duet/internal/utf8.h"
#include "functions.h"
#include "interpreter.h"

namespace duet::python {
namespace {

using internal::ConversionGuard;
using internal::kMaxValueDepth;
using internal::ScopedPathElement;
using internal::ValuePath;

constexpr char kTooDeep[] = "value nested deeper than 1000 levels";
static_assert(kMaxValueDepth == 1000, "update kTooDeep");

// Paths are tracked only to word an error: conversions run first without
// one (nullptr), and again with one only after failing.
class PathElement {
 public:
  PathElement(ValuePath* path, size_t index) : path_(path) {
    if (path_ != nullptr) path_->PushIndex(index);
  }
  PathElement(ValuePath* path, std::string_view key) : path_(path) {
    if (path_ != nullptr) path_->PushKey(key);
  }
  ~PathElement() {
    if (path_ != nullptr) path_->Pop();
  }
  PathElement(const PathElement&) = delete;
  PathElement& operator=(const PathElement&) = delete;

 private:
  ValuePath* path_;
};

absl::Status PathError(const ValuePath* path, std::string_view what) {
  return path != nullptr ? path->Error(what)
                         : absl::InvalidArgumentError(internal::ToAbsl(what));
}

// The pending Python error as text; clears it.
std::string TakePythonErrorText() {
  PyObject *type, *value, *traceback;
  PyErr_Fetch(&type, &value, &traceback);
  std::string text = value != nullptr ? PythonToText(value) : "unknown error";
  Py_XDECREF(type);
  Py_XDECREF(value);
  Py_XDECREF(traceback);
  return text;
}

// The datetime C API, imported on first use in each interpreter: a restart
// frees the old one's objects (its UTC timezone) and importing the module
// again makes new ones. nullptr with a Python error pending when the import
// fails. Only used under the GIL, which guards the cache.
PyDateTime_CAPI* DateTimeApi() {
  static uint64_t imported_in = 0;  // generations start at 1
  const uint64_t generation = InterpreterGeneration();
  if (PyDateTimeAPI == nullptr || imported_in != generation) {
    PyDateTime_IMPORT;
    imported_in = PyDateTimeAPI != nullptr ? generation : 0;
  }
  return PyDateTimeAPI;
}

// A UTC datetime for a time inside Python's range (years 1 to 9999).
PyObject* TimeToPython(absl::Time time, const ValuePath* path,
                       absl::Status* error) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::CivilSecond civil = absl::ToCivilSecond(time, utc);
  if (time == absl::InfiniteFuture() || time == absl::InfinitePast() ||
      civil.year() < 1 || civil.year() > 9999) {
    *error = PathError(
        path, absl::StrCat("time ", internal::FormatIsoTime(time),
                           " is outside Python's datetime range (years 1 to "
                           "9999)"));
    return nullptr;
  }
  if (DateTimeApi() == nullptr) {
    *error = PathError(
        path, absl::StrCat("cannot make a datetime: ", TakePythonErrorText()));
    return nullptr;
  }
  const int64_t micros =
      absl::ToInt64Microseconds(time - absl::FromCivil(civil, utc));
  return PyDateTimeAPI->DateTime_FromDateAndTime(
      static_cast<int>(civil.year()), civil.month(), civil.day(), civil.hour(),
      civil.minute(), civil.second(), static_cast<int>(micros),
      PyDateTime_TimeZone_UTC, PyDateTimeAPI->DateTimeType);
}

// The str for a duet string `s` (which may be invalid UTF-8 from C++:
// an error at `path` then).
PyObject* StringToPython(const std::string& s, const ValuePath* path,
                         absl::Status* error) {
  const auto invalid = [&] {
    std::optional<size_t> bad = internal::FindInvalidUtf8(s);
    *error = PathError(path, absl::StrCat("string is not valid UTF-8 (byte ",
                                          bad ? *bad : 0, ")"));
  };
  const size_t ascii = internal::AsciiPrefixLength(s);
  if (ascii == s.size()) {
    // ASCII: found by a vectorised scan and copied whole, where the
    // decoder checks and copies 8 bytes at a time.
    PyObject* out = PyUnicode_New(static_cast<Py_ssize_t>(s.size()), 127);
    if (out != nullptr) {
      std::memcpy(PyUnicode_1BYTE_DATA(out), s.data(), s.size());
      return out;
    }
    PyErr_Clear();  // out of memory: the decoder below meets it too
  } else {
    // Other text: made at its final width and decoded into it in one pass
    // that also validates (CPython's decoder widens as it meets wider
    // characters: a third of a 1 MiB non-ASCII echo).
    const internal::Utf8Shape shape =
        internal::MeasureUtf8(std::string_view(s).substr(ascii));
    const size_t count = ascii + shape.characters;
    PyObject* out = PyUnicode_New(static_cast<Py_ssize_t>(count),
                                  static_cast<Py_UCS4>(shape.max_code_point));
    if (out != nullptr) {
      std::optional<size_t> written;
      switch (PyUnicode_KIND(out)) {
        case PyUnicode_1BYTE_KIND:
          written = internal::Utf8ToLatin1(s, PyUnicode_1BYTE_DATA(out), count);
          break;
        case PyUnicode_2BYTE_KIND:
          written = internal::Utf8ToUcs2(s, PyUnicode_2BYTE_DATA(out), count);
          break;
        default:
          written = internal::Utf8ToUcs4(s, PyUnicode_4BYTE_DATA(out), count);
          break;
      }
      if (written == count) return out;
      Py_DECREF(out);
      invalid();  // valid text has exactly `count` code points
      return nullptr;
    }
    PyErr_Clear();  // out of memory: the decoder below meets it too
  }
  PyObject* out = PyUnicode_DecodeUTF8(
      s.data(), static_cast<Py_ssize_t>(s.size()), nullptr);
  if (out == nullptr) {
    PyErr_Clear();
    invalid();
  }
  return out;
}

// A failed check of `guard`, at `depth` levels below the converted value.
// Without a path the status is a placeholder: the caller words it.
absl::Status GuardError(const ConversionGuard& guard, const ValuePath* path,
                        int depth) {
  if (path == nullptr) return guard.Error("", "");
  return guard.Error(path->ToString(), path->ToString(path->depth() - depth));
}

PyObject* ToPythonAt(const Value& value, ValuePath* path, int depth,
                     ConversionGuard& guard, absl::Status* error) {
  switch (value.kind()) {
    case Value::Kind::kNull:
    case Value::Kind::kBool:
    case Value::Kind::kInt:
    case Value::Kind::kFloat:
      return ScalarToPython(value);
    case Value::Kind::kString:
      return StringToPython(value.as_string(), path, error);
    case Value::Kind::kTime:
      return TimeToPython(value.as_time(), path, error);
    case Value::Kind::kBytes: {
      const std::string& data = value.as_bytes().data();
      return PyBytes_FromStringAndSize(data.data(),
                                       static_cast<Py_ssize_t>(data.size()));
    }
    case Value::Kind::kList: {
      if (depth >= kMaxValueDepth) {
        *error = PathError(path, kTooDeep);
        return nullptr;
      }
      const Value::List& items = value.as_list();
      if (!guard.EnterContainer(items.size(), 0)) {
        *error = GuardError(guard, path, depth);
        return nullptr;
      }
      const size_t size = items.size();
      PyObject* list = PyList_New(static_cast<Py_ssize_t>(size));
      if (list == nullptr) return nullptr;
      for (size_t i = 0; i < size; ++i) {
        const Value& element_value = items[i];
        PyObject* item = nullptr;
        if (!guard.CountNode()) {
          PathElement element(path, i);
          *error = GuardError(guard, path, depth + 1);
        } else if (element_value.is_int()) {
          // Ints and floats inline: they need no path and fail only on
          // memory, which the caller reports at the value.
          item = PyLong_FromLongLong(element_value.as_int());
        } else if (element_value.is_float()) {
          item = PyFloat_FromDouble(element_value.as_float());
        } else {
          PathElement element(path, i);
          item = ToPythonAt(element_value, path, depth + 1, guard, error);
        }
        if (item == nullptr) {
          Py_DECREF(list);
          return nullptr;
        }
        PyList_SET_ITEM(list, static_cast<Py_ssize_t>(i), item);
      }
      return list;
    }
    case Value::Kind::kFunction: {
      PyObject* function = FunctionToPython(value.as_function());
      if (function == nullptr) {
        PyErr_Clear();
        *error = PathError(path, "could not make a Python function");
      }
      return function;
    }
    case Value::Kind::kMap: {
      if (depth >= kMaxValueDepth) {
        *error = PathError(path, kTooDeep);
        return nullptr;
      }
      if (!guard.EnterContainer(value.as_map().size(), 0)) {
        *error = GuardError(guard, path, depth);
        return nullptr;
      }
      PyObject* dict = PyDict_New();
      if (dict == nullptr) return nullptr;
      for (const auto& [key, item] : value.as_map()) {
        PathElement element(path, key);
        if (!guard.CountNode()) {
          *error = GuardError(guard, path, depth + 1);
          Py_DECREF(dict);
          return nullptr;
        }
        PyObject* py_key = StringToPython(key, path, error);
        if (py_key == nullptr) {
          Py_DECREF(dict);
          return nullptr;
        }
        PyObject* py_item = ToPythonAt(item, path, depth + 1, guard, error);
        if (py_item == nullptr) {
          Py_DECREF(py_key);
          Py_DECREF(dict);
          return nullptr;
        }
        int rc = PyDict_SetItem(dict, py_key, py_item);
        Py_DECREF(py_key);
        Py_DECREF(py_item);
        if (rc != 0) {
          Py_DECREF(dict);
          return nullptr;
        }
      }
      return dict;
    }
  }
  return Py_NewRef(Py_None);
}

// None, a bool, an int that fits 64 bits or a float into *out: these need
// no path, charge no budget and cannot fail. False for anything else
// (an int past 64 bits included, which the converter words).
bool ScalarFromPython(PyObject* object, Value* out) {
  if (object == Py_None) {
    *out = Value();
    return true;
  }
  if (object == Py_True || object == Py_False) {  // before int: bool is one
    *out = Value(object == Py_True);
    return true;
  }
  if (PyLong_Check(object)) {
    int overflow = 0;
    const long long n = PyLong_AsLongLongAndOverflow(object, &overflow);
    if (overflow != 0) return false;
    if (n == -1 && PyErr_Occurred()) {
      PyErr_Clear();
      return false;
    }
    *out = Value(static_cast<int64_t>(n));
    return true;
  }
  if (PyFloat_Check(object)) {
    *out = Value(PyFloat_AS_DOUBLE(object));
    return true;
  }
  return false;
}

// Python -> duet. Containers on the current branch are kept in `active_` so
// a cycle is reported instead of recursing until the depth limit.
class FromPythonConverter {
 public:
  FromPythonConverter(ValuePath* path, ConversionGuard& guard)
      : path_(path), guard_(guard) {}

  absl::Status Convert(PyObject* object, Value* out, int depth) {
    if (ScalarFromPython(object, out)) return absl::OkStatus();
    if (PyLong_Check(object)) {  // one ScalarFromPython declined
      int overflow = 0;
      long long n = PyLong_AsLongLongAndOverflow(object, &overflow);
      if (overflow != 0) return PathError(path_, "int does not fit in 64 bits");
      if (n == -1 && PyErr_Occurred()) return TakeError("int");
      *out = Value(static_cast<int64_t>(n));
      return absl::OkStatus();
    }
    if (PyUnicode_Check(object)) return ConvertString(object, out, depth);
    if (PyList_Check(object) || PyTuple_Check(object)) {
      return ConvertSequence(object, out, depth);
    }
    if (PyDict_Check(object)) return ConvertDict(object, out, depth);
    if (PyBytes_Check(object)) {
      if (!guard_.ChargePayload(
              static_cast<size_t>(PyBytes_GET_SIZE(object)))) {
        return Exceeded(depth);
      }
      *out = Value(Bytes(PyBytes_AS_STRING(object),
                         static_cast<size_t>(PyBytes_GET_SIZE(object))));
      return absl::OkStatus();
    }
    if (PyByteArray_Check(object)) {
      if (!guard_.ChargePayload(
              static_cast<size_t>(PyByteArray_GET_SIZE(object)))) {
        return Exceeded(depth);
      }
      *out = Value(Bytes(PyByteArray_AS_STRING(object),
                         static_cast<size_t>(PyByteArray_GET_SIZE(object))));
      return absl::OkStatus();
    }
    if (PyMemoryView_Check(object)) return ConvertBuffer(object, out, depth);
    // Last: the less common types pay for the check, not the others.
    if (DateTimeApi() == nullptr) {
      PyErr_Clear();  // then nothing here is a datetime
    } else if (PyDateTime_Check(object)) {
      return ConvertDateTime(object, out);
    } else if (PyDate_Check(object)) {
      return HintedError(
          absl::StrCat("unsupported Python type '", Py_TYPE(object)->tp_name,
                       "' (a date without a time of day)"),
          "pass a datetime with a timezone, e.g. "
          "datetime(d.year, d.month, d.day, tzinfo=timezone.utc)");
    }
    if (PyCallable_Check(object)) {
      // Held for as long as the Value lives (functions.h).
      absl::StatusOr<Value> function = CallableToValue(object);
      if (!function.ok()) {
        return PathError(path_, internal::ToStd(function.status().message()));
      }
      *out = *std::move(function);
      return absl::OkStatus();
    }
    return PathError(path_, absl::StrCat("unsupported Python type '",
                                         Py_TYPE(object)->tp_name, "'"));
  }

 private:
  absl::Status ConvertString(PyObject* object, Value* out, int depth) {
    // A compact non-ASCII str without cached UTF-8 is encoded from its own
    // characters straight into the Value's string: CPython's encoder would
    // build it in an over-sized buffer, copy it into the str's cache, and
    // the Value copy it again. One with a surrogate goes the way below,
    // which names it.
    if (PyUnicode_IS_COMPACT(object) && !PyUnicode_IS_ASCII(object) &&
        reinterpret_cast<PyCompactUnicodeObject*>(object)->utf8 == nullptr) {
      const size_t length = static_cast<size_t>(PyUnicode_GET_LENGTH(object));
      const int kind = PyUnicode_KIND(object);
      std::optional<size_t> size;
      if (kind == PyUnicode_1BYTE_KIND) {
        size = internal::Utf8SizeOfLatin1(PyUnicode_1BYTE_DATA(object), length);
      } else if (kind == PyUnicode_2BYTE_KIND) {
        size = internal::Utf8SizeOfUcs2(PyUnicode_2BYTE_DATA(object), length);
      } else {
        size = internal::Utf8SizeOfUcs4(PyUnicode_4BYTE_DATA(object), length);
      }
      if (size.has_value()) {
        if (!guard_.ChargePayload(*size)) return Exceeded(depth);
        std::string text(*size, '\0');
        if (kind == PyUnicode_1BYTE_KIND) {
          internal::WriteUtf8(PyUnicode_1BYTE_DATA(object), length,
                              text.data());
        } else if (kind == PyUnicode_2BYTE_KIND) {
          internal::WriteUtf8(PyUnicode_2BYTE_DATA(object), length,
                              text.data());
        } else {
          internal::WriteUtf8(PyUnicode_4BYTE_DATA(object), length,
                              text.data());
        }
        *out = Value(std::move(text));
        return absl::OkStatus();
      }
    }
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(object, &size);
    if (data != nullptr) {
      if (!guard_.ChargePayload(static_cast<size_t>(size))) {
        return Exceeded(depth);
      }
      *out = Value(std::string(data, static_cast<size_t>(size)));
      return absl::OkStatus();
    }
    PyErr_Clear();
    // Only a surrogate code point makes a str unencodable as UTF-8.
    Py_ssize_t length = PyUnicode_GetLength(object);
    for (Py_ssize_t i = 0; i < length; ++i) {
      Py_UCS4 c = PyUnicode_ReadChar(object, i);
      if (c >= 0xD800 && c <= 0xDFFF) {
        char hex[8];
        std::snprintf(hex, sizeof(hex), "%04X", static_cast<unsigned>(c));
        return PathError(path_, absl::StrCat("str contains a lone surrogate U+",
                                             hex, " (index ", i, ")"));
      }
    }
    PyErr_Clear();
    return PathError(path_, "str is not encodable as UTF-8");
  }

  // A datetime's tzinfo may be Python code (its utcoffset()), and that code
  // may change a list or dict being converted: each item is held while it
  // converts, and a changed size is an error.
  absl::Status ConvertSequence(PyObject* object, Value* out, int depth) {
    DUET_RETURN_IF_ERROR(Enter(object, depth));
    const bool is_list = PyList_Check(object);
    Value::List items;
    const Py_ssize_t size =
        is_list ? PyList_GET_SIZE(object) : PyTuple_GET_SIZE(object);
    if (!guard_.EnterContainer(static_cast<size_t>(size), sizeof(Value))) {
      return Exceeded(depth);
    }
    items.resize(static_cast<size_t>(size));
    for (Py_ssize_t i = 0; i < size; ++i) {
      if (is_list && PyList_GET_SIZE(object) != size) return ChangedSize();
      PyObject* item = Py_NewRef(is_list ? PyList_GET_ITEM(object, i)
                                         : PyTuple_GET_ITEM(object, i));
      PathElement element(path_, static_cast<size_t>(i));
      absl::Status status =
          guard_.CountNode()
              ? Convert(item, &items[static_cast<size_t>(i)], depth + 1)
              : Exceeded(depth + 1);
      Py_DECREF(item);
      if (!status.ok()) return status;
    }
    if (is_list && PyList_GET_SIZE(object) != size) return ChangedSize();
    active_.pop_back();
    *out = Value(std::move(items));
    return absl::OkStatus();
  }

  absl::Status ConvertDict(PyObject* object, Value* out, int depth) {
    DUET_RETURN_IF_ERROR(Enter(object, depth));
    const size_t size = static_cast<size_t>(PyDict_GET_SIZE(object));
    if (!guard_.EnterContainer(size, sizeof(Value::Map::Entry))) {
      return Exceeded(depth);
    }
    Value::Map map;
    map.reserve(size);
    Py_ssize_t position = 0;
    PyObject* key;
    PyObject* item;
    while (PyDict_Next(object, &position, &key, &item)) {
      if (!guard_.CountNode()) return Exceeded(depth);
      if (!PyUnicode_Check(key)) {
        return PathError(
            path_, absl::StrCat("dict key of type '", Py_TYPE(key)->tp_name,
                                "' (keys must be str)"));
      }
      Value key_value;
      absl::Status status = ConvertString(key, &key_value, depth);
      if (guard_.exceeded() != ConversionGuard::Limit::kNone) return status;
      if (!status.ok()) {
        return PathError(path_, absl::StrCat("dict key: ", status.message()));
      }
      std::string& key_string = key_value.as_string();
      PathElement element(path_, key_string);
      Value converted;
      Py_INCREF(item);
      status = Convert(item, &converted, depth + 1);
      Py_DECREF(item);
      if (!status.ok()) return status;
      if (static_cast<size_t>(PyDict_GET_SIZE(object)) != size) {
        return ChangedSize();
      }
      map.Set(std::move(key_string), std::move(converted));
    }
    active_.pop_back();
    *out = Value(std::move(map));
    return absl::OkStatus();
  }

  absl::Status ConvertBuffer(PyObject* object, Value* out, int depth) {
    Py_buffer view;
    if (PyObject_GetBuffer(object, &view, PyBUF_FULL_RO) != 0) {
      return TakeError("memoryview");
    }
    if (!guard_.ChargePayload(static_cast<size_t>(view.len))) {
      PyBuffer_Release(&view);
      return Exceeded(depth);
    }
    std::string data(static_cast<size_t>(view.len), '\0');
    int rc = PyBuffer_ToContiguous(data.data(), &view, view.len, 'C');
    PyBuffer_Release(&view);
    if (rc != 0) return TakeError("memoryview");
    *out = Value(Bytes(std::move(data)));
    return absl::OkStatus();
  }

  // An aware datetime as UTC; a naive one is an error saying how to fix it.
  absl::Status ConvertDateTime(PyObject* object, Value* out) {
    PyObject* tzinfo = PyDateTime_DATE_GET_TZINFO(object);
    absl::Duration offset;
    if (tzinfo != PyDateTime_TimeZone_UTC) {
      if (tzinfo == Py_None) return NaiveDateTime();
      // Asked of the datetime, which checks what its tzinfo returns.
      PyObject* delta = PyObject_CallMethod(object, "utcoffset", nullptr);
      if (delta == nullptr) return TakeError("datetime.utcoffset()");
      if (delta == Py_None) {
        Py_DECREF(delta);
        return NaiveDateTime();
      }
      if (!PyDelta_Check(delta)) {
        Py_DECREF(delta);
        return PathError(path_, "datetime.utcoffset() is not a timedelta");
      }
      offset = absl::Hours(24) * PyDateTime_DELTA_GET_DAYS(delta) +
               absl::Seconds(PyDateTime_DELTA_GET_SECONDS(delta)) +
               absl::Microseconds(PyDateTime_DELTA_GET_MICROSECONDS(delta));
      Py_DECREF(delta);
    }
    const absl::CivilSecond civil(
        PyDateTime_GET_YEAR(object), PyDateTime_GET_MONTH(object),
        PyDateTime_GET_DAY(object), PyDateTime_DATE_GET_HOUR(object),
        PyDateTime_DATE_GET_MINUTE(object), PyDateTime_DATE_GET_SECOND(object));
    const absl::Time local =
        absl::FromCivil(civil, absl::UTCTimeZone()) +
        absl::Microseconds(PyDateTime_DATE_GET_MICROSECOND(object));
    *out = Value(local - offset);  // the Value drops the microseconds
    return absl::OkStatus();
  }

  absl::Status NaiveDateTime() const {
    return HintedError(
        "naive datetime (no timezone)",
        "give it one, e.g. datetime.now(timezone.utc), or "
        "d.replace(tzinfo=timezone.utc) for a naive time that is UTC");
  }

  // "<what> at <path>: <hint>".
  absl::Status HintedError(std::string_view what, std::string_view hint) const {
    std::string where =
        path_ != nullptr ? absl::StrCat(" at ", path_->ToString()) : "";
    return absl::InvalidArgumentError(absl::StrCat(
        internal::ToAbsl(what), where, ": ", internal::ToAbsl(hint)));
  }

  absl::Status ChangedSize() const {
    return PathError(path_, "container changed size while converting");
  }

  absl::Status Enter(PyObject* object, int depth) {
    if (depth >= kMaxValueDepth) return PathError(path_, kTooDeep);
    if (std::find(active_.begin(), active_.end(), object) != active_.end()) {
      return PathError(path_, "cyclic structure");
    }
    active_.push_back(object);
    return absl::OkStatus();
  }

  // A Python error raised while reading a value, as InvalidArgument.
  absl::Status TakeError(std::string_view what) {
    std::string message = TakePythonErrorText();
    return PathError(path_, absl::StrCat("cannot read ", internal::ToAbsl(what),
                                         ": ", message));
  }

  // A failed check of the guard, `depth` levels below the value.
  absl::Status Exceeded(int depth) const {
    return GuardError(guard_, path_, depth);
  }

  ValuePath* path_;  // nullptr: not tracked
  ConversionGuard& guard_;
  std::vector<PyObject*> active_;
};

}  // namespace

// After a conversion without a path failed: words *error with `path`,
// converting again with it when the failure can be found again.
PyObject* ToPythonWithPath(const Value& value, ValuePath& path,
                           const ConversionGuard& guard, absl::Status* error) {
  if (guard.exceeded() == ConversionGuard::Limit::kDeadline) {
    // Converting again would only pass the deadline further.
    *error = guard.Error(path.ToString(), path.ToString());
    PyErr_Clear();
    return nullptr;
  }
  PyObject* out = nullptr;
  if (!error->ok()) {
    // Again, to say where: an invalid value or the stack fails again there.
    *error = absl::OkStatus();
    ConversionGuard again(guard.deadline(), 0);
    out = ToPythonAt(value, &path, 0, again, error);
  }
  if (out == nullptr && error->ok()) {
    // A Python failure (memory): report it as a status, not a pending error.
    *error = absl::ResourceExhaustedError(
        absl::StrCat("converting to Python failed at ", path.ToString()));
  }
  if (out == nullptr) PyErr_Clear();
  return out;
}

PyObject* ToPython(const Value& value, ValuePath& path, ConversionGuard& guard,
                   absl::Status* error) {
  PyObject* out = ToPythonAt(value, nullptr, 0, guard, error);
  if (out != nullptr) return out;
  return ToPythonWithPath(value, path, guard, error);
}

PyObject* ToPython(const Value& value, const char* root, size_t index,
                   ConversionGuard& guard, absl::Status* error) {
  PyObject* out = ToPythonAt(value, nullptr, 0, guard, error);
  if (out != nullptr) return out;
  ValuePath path(root);
  ScopedPathElement element(path, index);
  return ToPythonWithPath(value, path, guard, error);
}

// Converts without a path first (no allocation per value) and again with
// one only to word an error. A value too large for memory (a list of 10**9
// items) is an error, never a std::bad_alloc abort.
// A budget or deadline failure is about the whole value and is reported
// without converting again.
absl::Status ConvertFromPython(PyObject* object, ValuePath& path,
                               ConversionGuard& guard, Value* out) {
  try {
    absl::Status status =
        FromPythonConverter(nullptr, guard).Convert(object, out, 0);
    if (status.ok()) return status;
    if (guard.exceeded() == ConversionGuard::Limit::kBudget ||
        guard.exceeded() == ConversionGuard::Limit::kDeadline) {
      return guard.Error(path.ToString(), path.ToString());
    }
    ConversionGuard again(guard.deadline(), 0);
    absl::Status worded =
        FromPythonConverter(&path, again).Convert(object, out, 0);
    if (worded.ok()) {
      // Python code that ran during the first pass (a tzinfo's utcoffset)
      // changed the value: the first failure stands, placed at the root.
      *out = Value();
      return absl::Status(status.code(), absl::StrCat(status.message(), " at ",
                                                      path.ToString()));
    }
    return worded;
  } catch (const std::bad_alloc&) {
    *out = Value();  // give back what was built
    return absl::ResourceExhaustedError(
        absl::StrCat("the value at ", path.ToString(),
                     " is too large to convert (out of memory)"));
  }
}

absl::Status FromPython(PyObject* object, ValuePath& path,
                        ConversionGuard& guard, Value* out) {
  return ConvertFromPython(object, path, guard, out);
}

absl::Status FromPython(PyObject* object, const char* root,
                        ConversionGuard& guard, Value* out) {
  // As below: a scalar result (most are) needs no path.
  if (ScalarFromPython(object, out)) return absl::OkStatus();
  ValuePath path(root);
  return ConvertFromPython(object, path, guard, out);
}

absl::Status FromPython(PyObject* object, const char* root, size_t index,
                        ConversionGuard& guard, Value* out) {
  // The path is built only for what may fail: most arguments are scalars.
  if (ScalarFromPython(object, out)) return absl::OkStatus();
  ValuePath path(root);
  ScopedPathElement element(path, index);
  return ConvertFromPython(object, path, guard, out);
}

PyObject* TextToPython(std::string_view text) {
  return PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()),
                              "replace");
}

PyObject* PathToPython(const std::filesystem::path& path) {
  const std::string& native = path.native();
  return PyUnicode_DecodeFSDefaultAndSize(
      native.data(), static_cast<Py_ssize_t>(native.size()));
}

std::string PythonToText(PyObject* object) {
  PyObject* str =
      PyUnicode_Check(object) ? Py_NewRef(object) : PyObject_Str(object);
  if (str == nullptr) {
    PyErr_Clear();
    return absl::StrCat("<unprintable ", Py_TYPE(object)->tp_name, ">");
  }
  PyObject* bytes = PyUnicode_AsEncodedString(str, "utf-8", "backslashreplace");
  Py_DECREF(str);
  if (bytes == nullptr) {
    PyErr_Clear();
    return "<unprintable>";
  }
  std::string out(PyBytes_AS_STRING(bytes),
                  static_cast<size_t>(PyBytes_GET_SIZE(bytes)));
  Py_DECREF(bytes);
  return out;
}

}  // namespace duet::python
