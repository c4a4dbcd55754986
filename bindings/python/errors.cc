#include "errors.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "convert.h"
#include "duet/engine/status_carrier.h"
#include "duet/error.h"
#include "duet/internal/strings.h"
#include "interpreter.h"

namespace duet::python {
namespace {

using internal::ToAbsl;
using internal::ToStd;

constexpr char kStatusCapsule[] = "duet.status";
constexpr char kStatusAttribute[] = "_duet_status";

// The capsule holds the status as engine::EncodeStatus bytes, the same as
// the JavaScript engine keeps; a capsule cannot be made from Python, so a
// script cannot forge one.
void DeleteStatusCapsule(PyObject* capsule) {
  delete static_cast<std::string*>(
      PyCapsule_GetPointer(capsule, kStatusCapsule));
}

// The status SetPythonError attached to `exception`, if any.
std::optional<absl::Status> AttachedStatus(PyObject* exception) {
  Globals& globals = GetGlobals();
  int is_duet_error = PyObject_IsInstance(exception, globals.error_class.ptr());
  if (is_duet_error != 1) {
    PyErr_Clear();
    return std::nullopt;
  }
  PyObject* capsule = PyObject_GetAttrString(exception, kStatusAttribute);
  if (capsule == nullptr) {
    PyErr_Clear();
    return std::nullopt;
  }
  std::optional<absl::Status> status;
  if (PyCapsule_IsValid(capsule, kStatusCapsule)) {
    status = engine::DecodeStatus(*static_cast<const std::string*>(
        PyCapsule_GetPointer(capsule, kStatusCapsule)));
  }
  Py_DECREF(capsule);
  return status;
}

int ToInt(PyObject* object) {
  long n = PyLong_Check(object) ? PyLong_AsLong(object) : 0;
  if (n == -1 && PyErr_Occurred()) PyErr_Clear();
  return static_cast<int>(n);
}

// A frame from the first three items of a (file, line, column, ...) tuple.
StackFrame FrameAt(PyObject* tuple) {
  StackFrame frame;
  frame.language = Language::kPython;
  frame.file = PythonToText(PyTuple_GET_ITEM(tuple, 0));
  frame.line = ToInt(PyTuple_GET_ITEM(tuple, 1));
  frame.column = ToInt(PyTuple_GET_ITEM(tuple, 2));
  return frame;
}

// [(file, line, column, function)] from describe() into frames.
std::vector<StackFrame> ParseFrames(PyObject* list) {
  std::vector<StackFrame> frames;
  if (!PyList_Check(list)) return frames;
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); ++i) {
    PyObject* item = PyList_GET_ITEM(list, i);
    if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 4) continue;
    StackFrame frame = FrameAt(item);
    frame.function = PythonToText(PyTuple_GET_ITEM(item, 3));
    frames.push_back(std::move(frame));
  }
  return frames;
}

// `status` with its message replaced, code and payloads kept.
absl::Status WithMessage(const absl::Status& status, std::string message) {
  absl::Status out(status.code(), message);
  status.ForEachPayload(
      [&out](absl::string_view url, const absl::Cord& payload) {
        out.SetPayload(url, payload);
      });
  return out;
}

}  // namespace

absl::Status TakePythonError(ErrorContext context) {
  PyObject* type = nullptr;
  PyObject* value = nullptr;
  PyObject* traceback = nullptr;
  PyErr_Fetch(&type, &value, &traceback);
  if (type == nullptr) {
    return absl::InternalError("Python failed without setting an exception");
  }
  PyErr_NormalizeException(&type, &value, &traceback);
  if (traceback != nullptr && value != nullptr) {
    PyException_SetTraceback(value, traceback);
  }
  py::object owned_type = py::reinterpret_steal<py::object>(type);
  py::object exception = py::reinterpret_steal<py::object>(value);
  py::object owned_traceback = py::reinterpret_steal<py::object>(traceback);
  if (!exception) {
    return absl::UnknownError(reinterpret_cast<PyTypeObject*>(type)->tp_name);
  }

  ScriptError error;
  error.language = Language::kPython;
  PyObject* syntax = nullptr;
  py::object description = py::reinterpret_steal<py::object>(
      PyObject_CallOneArg(GetGlobals().describe.ptr(), exception.ptr()));
  if (description && PyTuple_Check(description.ptr()) &&
      PyTuple_GET_SIZE(description.ptr()) == 4) {
    error.type = PythonToText(PyTuple_GET_ITEM(description.ptr(), 0));
    error.message = PythonToText(PyTuple_GET_ITEM(description.ptr(), 1));
    error.stack = ParseFrames(PyTuple_GET_ITEM(description.ptr(), 2));
    syntax = PyTuple_GET_ITEM(description.ptr(), 3);
  } else {
    PyErr_Clear();
    error.type = Py_TYPE(exception.ptr())->tp_name;
    error.message = PythonToText(exception.ptr());
  }

  if (std::optional<absl::Status> original = AttachedStatus(exception.ptr())) {
    return AppendStackFrames(*original, error.stack);
  }

  if (syntax == nullptr || !PyTuple_Check(syntax) ||
      PyTuple_GET_SIZE(syntax) != 4) {
    return MakeScriptError(std::move(error));
  }
  // A SyntaxError: its location heads the stack.
  StackFrame where = FrameAt(syntax);
  error.source_line = PythonToText(PyTuple_GET_ITEM(syntax, 3));
  std::string headline = absl::StrCat(where.file, ":", where.line, ": ",
                                      error.type, ": ", error.message);
  error.stack.insert(error.stack.begin(), std::move(where));
  if (context != ErrorContext::kCompile) {
    return MakeScriptError(std::move(error));
  }
  return WithMessage(
      MakeScriptError(std::move(error), absl::StatusCode::kInvalidArgument),
      std::move(headline));
}

absl::Status TakePythonErrorAs(absl::StatusCode code, std::string message) {
  absl::Status taken = TakePythonError(ErrorContext::kRun);
  std::optional<ScriptError> error = GetScriptError(taken);
  if (!error) return absl::Status(code, message);
  return WithMessage(MakeScriptError(*std::move(error), code),
                     std::move(message));
}

void SetPythonError(const absl::Status& status) {
  Globals& globals = GetGlobals();
  auto text = [](std::string_view s) {
    return py::reinterpret_steal<py::object>(TextToPython(s));
  };
  try {
    py::object code = text(absl::StatusCodeToString(status.code()));
    py::object exception;
    if (std::optional<ScriptError> error = GetScriptError(status)) {
      py::list stack;
      for (const StackFrame& frame : error->stack) {
        stack.append(globals.frame_class(text(LanguageName(frame.language)),
                                         text(frame.file), frame.line,
                                         frame.column, text(frame.function)));
      }
      exception =
          globals.script_error_class(text(error->message), text(error->type),
                                     text(LanguageName(error->language)), stack,
                                     code, text(error->source_line));
    } else {
      exception = globals.error_class(text(ToStd(status.message())), code);
    }
    auto encoded = std::make_unique<std::string>(engine::EncodeStatus(status));
    py::object capsule = py::reinterpret_steal<py::object>(
        PyCapsule_New(encoded.get(), kStatusCapsule, DeleteStatusCapsule));
    if (!capsule) throw py::error_already_set();
    encoded.release();  // the capsule owns it now
    exception.attr(kStatusAttribute) = capsule;
    PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exception.ptr())),
                    exception.ptr());
  } catch (py::error_already_set& e) {
    e.restore();
  }
}

void RaiseStatus(const absl::Status& status) {
  SetPythonError(status);
  throw py::error_already_set();
}

}  // namespace duet::python
