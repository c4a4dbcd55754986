// duet::Value <-> Python objects, per the table in docs/values.md. The hot path
// of every call, so it speaks the raw CPython API. Both directions need the
// GIL.
//
//   internal::ValuePath path("args");
//   Value value;
//   absl::Status status = FromPython(object, path, &value);
//   // InvalidArgument "unsupported Python type 'set' at args[0].items[3]"
#ifndef DUET_BINDINGS_PYTHON_CONVERT_H_
#define DUET_BINDINGS_PYTHON_CONVERT_H_

#include <filesystem>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "duet/internal/conversion_guard.h"
#include "duet/internal/value_path.h"
#include "duet/value.h"
#include "pybind11/pybind11.h"

namespace duet::python {

// A new reference, or nullptr with *error set (InvalidArgument naming the
// path; kResourceExhausted / kDeadlineExceeded past a limit of `guard`,
// whose stack and deadline checks apply) and no Python exception pending.
// Paths are built only on failure: the value is converted again, tracking
// where.
PyObject* ToPython(const Value& value, internal::ValuePath& path,
                   internal::ConversionGuard& guard, absl::Status* error);

// The same for element `index` under `root` ("args" -> args[2]). The path
// is built only to word an error, so the call path allocates nothing.
PyObject* ToPython(const Value& value, const char* root, size_t index,
                   internal::ConversionGuard& guard, absl::Status* error);

// The Python object for a null, bool, int or float Value: a new reference,
// or nullptr with Python's error set when it cannot be allocated. Only for
// those kinds.
inline PyObject* ScalarToPython(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kBool:
      return Py_NewRef(value.as_bool() ? Py_True : Py_False);
    case Value::Kind::kInt:
      return PyLong_FromLongLong(value.as_int());
    case Value::Kind::kFloat:
      return PyFloat_FromDouble(value.as_float());
    default:
      return Py_NewRef(Py_None);
  }
}

// ToPython(value, root, index, ...) for a call's argument, with the
// scalars most arguments are (an int, a float, a bool, None) made inline,
// without two calls through the converter. The converter makes the rest,
// and words every failure.
inline PyObject* ArgumentToPython(const Value& value, const char* root,
                                  size_t index,
                                  internal::ConversionGuard& guard,
                                  absl::Status* error) {
  switch (value.kind()) {
    case Value::Kind::kNull:
    case Value::Kind::kBool:
    case Value::Kind::kInt:
    case Value::Kind::kFloat:
      if (PyObject* out = ScalarToPython(value)) return out;
      PyErr_Clear();  // out of memory: the converter tries again and says so
      break;
    default:
      break;
  }
  return ToPython(value, root, index, guard, error);
}

// Converts `object` (borrowed) into *out. InvalidArgument naming the type and
// the path for anything unconvertible; kResourceExhausted past the stack or
// the size budget of `guard` (shared by the values converted with it),
// kDeadlineExceeded past its deadline. No Python exception is left pending.
absl::Status FromPython(PyObject* object, internal::ValuePath& path,
                        internal::ConversionGuard& guard, Value* out);
// The same at `root` ("result"), or at element `index` under it.
absl::Status FromPython(PyObject* object, const char* root,
                        internal::ConversionGuard& guard, Value* out);
absl::Status FromPython(PyObject* object, const char* root, size_t index,
                        internal::ConversionGuard& guard, Value* out);

// A Python str for UTF-8 text, undecodable bytes replaced (for messages,
// names and other text that is not data). A new reference; nullptr only on
// memory exhaustion, with a Python exception set.
PyObject* TextToPython(std::string_view text);

// A Python str for a file system path, decoded as os.fsdecode does. A new
// reference; nullptr with a Python exception set on failure.
PyObject* PathToPython(const std::filesystem::path& path);

// str(object) as UTF-8 with unencodable characters escaped (for messages).
// Never fails; clears any Python error it meets.
std::string PythonToText(PyObject* object);

}  // namespace duet::python

#endif  // DUET_BINDINGS_PYTHON_CONVERT_H_
