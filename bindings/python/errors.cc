#include "errors.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "convert.h"
#include "duet/engine/status_carrier.h"
#include "duet/engine/status_codes.h"
#include "duet/error.h"
#include "duet/internal/conversion_guard.h"
#include "duet/internal/strings.h"
#include "duet/internal/value_path.h"
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

// Attaches `status` to `exception` in a capsule (see DeleteStatusCapsule).
void AttachStatus(const py::object& exception, const absl::Status& status) {
  auto encoded = std::make_unique<std::string>(engine::EncodeStatus(status));
  py::object capsule = py::reinterpret_steal<py::object>(
      PyCapsule_New(encoded.get(), kStatusCapsule, DeleteStatusCapsule));
  if (!capsule) throw py::error_already_set();
  encoded.release();  // the capsule owns it now
  exception.attr(kStatusAttribute) = capsule;
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

// The details of one error together, at most: a detail past it is left out.
constexpr size_t kDetailsBudgetBytes = 64 * 1024;

// {name: value} from describe() as a Value map. A value that does not
// convert (a set, an object) is left out: details never make an error fail.
Value DetailsFrom(PyObject* dict) {
  if (dict == nullptr || !PyDict_Check(dict) || PyDict_GET_SIZE(dict) == 0) {
    return Value();
  }
  internal::ConversionGuard guard(absl::InfiniteFuture(), kDetailsBudgetBytes);
  Value::Map details;
  PyObject* key;
  PyObject* item;
  Py_ssize_t position = 0;
  while (PyDict_Next(dict, &position, &key, &item)) {
    if (!PyUnicode_Check(key)) continue;
    internal::ValuePath path("details");
    Value value;
    if (FromPython(item, path, guard, &value).ok()) {
      details.Set(PythonToText(key), std::move(value));
    }
  }
  if (details.empty()) return Value();
  return Value(std::move(details));
}

// One exception as describe() sees it. `description` keeps describe()'s
// tuple, from which *cause (its __cause__) and *syntax are borrowed; both
// null when absent.
ScriptError Describe(PyObject* exception, py::object* description,
                     PyObject** cause, PyObject** syntax) {
  ScriptError error;
  error.language = Language::kPython;
  *cause = nullptr;
  *syntax = nullptr;
  *description = py::reinterpret_steal<py::object>(
      PyObject_CallOneArg(GetGlobals().describe.ptr(), exception));
  PyObject* tuple = description->ptr();
  if (tuple != nullptr && PyTuple_Check(tuple) &&
      PyTuple_GET_SIZE(tuple) == 7) {
    error.type = PythonToText(PyTuple_GET_ITEM(tuple, 0));
    error.message = PythonToText(PyTuple_GET_ITEM(tuple, 1));
    error.stack = ParseFrames(PyTuple_GET_ITEM(tuple, 2));
    *syntax = PyTuple_GET_ITEM(tuple, 3);
    error.builtin_type = PythonToText(PyTuple_GET_ITEM(tuple, 4));
    error.details = DetailsFrom(PyTuple_GET_ITEM(tuple, 5));
    PyObject* caused_by = PyTuple_GET_ITEM(tuple, 6);
    if (caused_by != Py_None) *cause = caused_by;
  } else {
    PyErr_Clear();
    error.type = Py_TYPE(exception)->tp_name;
    error.message = PythonToText(exception);
  }
  return error;
}

// The chain from `cause` (the __cause__ of `exception`), cut at
// kMaxCauseDepth and where it comes back to an exception already in it. An
// exception duet raised for a status with a ScriptError is that error, its
// own causes included.
std::shared_ptr<const ScriptError> CauseChain(PyObject* exception,
                                              PyObject* cause) {
  // Every exception met, held: a __str__ run by describe() could drop the
  // last other reference to the next one.
  std::vector<py::object> seen = {
      py::reinterpret_borrow<py::object>(exception)};
  std::vector<ScriptError> chain;
  std::shared_ptr<const ScriptError> tail;
  while (cause != nullptr && chain.size() < kMaxCauseDepth) {
    bool repeated = false;
    for (const py::object& earlier : seen) repeated |= earlier.ptr() == cause;
    if (repeated) break;
    seen.push_back(py::reinterpret_borrow<py::object>(cause));
    if (std::optional<absl::Status> carried = AttachedStatus(cause)) {
      if (std::optional<ScriptError> error = GetScriptError(*carried)) {
        tail = std::make_shared<const ScriptError>(*std::move(error));
        break;
      }
    }
    py::object description;
    PyObject* syntax;
    PyObject* next;
    chain.push_back(Describe(cause, &description, &next, &syntax));
    if (next != nullptr) seen.push_back(description);  // holds `next`
    cause = next;
  }
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    it->cause = std::move(tail);
    tail = std::make_shared<const ScriptError>(std::move(*it));
  }
  return tail;
}

// The Python exception for `error` (and, as its __cause__, for its causes):
// a duet.ScriptError of the class make_error picks, carrying `status` (for
// a cause: a status of its own) so it leaves Python as it came.
py::object ScriptErrorObject(const ScriptError& error,
                             const absl::Status& status, int depth = 0) {
  Globals& globals = GetGlobals();
  auto text = [](std::string_view s) {
    return py::reinterpret_steal<py::object>(TextToPython(s));
  };
  py::object cause = py::none();
  if (error.cause != nullptr && depth < kMaxCauseDepth) {
    cause = ScriptErrorObject(*error.cause, MakeScriptError(*error.cause),
                              depth + 1);
  }
  py::list stack;
  for (const StackFrame& frame : error.stack) {
    stack.append(globals.frame_class(text(LanguageName(frame.language)),
                                     text(frame.file), frame.line, frame.column,
                                     text(frame.function)));
  }
  py::object details = py::none();
  if (error.details.is_map()) {
    internal::ConversionGuard guard(absl::InfiniteFuture(), 0);
    internal::ValuePath path("details");
    absl::Status ignored;
    PyObject* converted = ToPython(error.details, path, guard, &ignored);
    if (converted != nullptr) {
      details = py::reinterpret_steal<py::object>(converted);
    }
  }
  py::object exception = globals.internal.attr("make_error")(
      text(error.message), text(error.type), text(LanguageName(error.language)),
      stack, text(absl::StatusCodeToString(status.code())),
      text(error.source_line), text(error.builtin_type), details, cause);
  AttachStatus(exception, status);
  return exception;
}

// The code a duet.Error made by a script chose (its `code`), when it names
// one other than UNKNOWN; nullopt for any other exception.
std::optional<absl::StatusCode> ChosenCode(PyObject* exception) {
  int is_duet_error =
      PyObject_IsInstance(exception, GetGlobals().error_class.ptr());
  if (is_duet_error != 1) {
    PyErr_Clear();
    return std::nullopt;
  }
  PyObject* code = PyObject_GetAttrString(exception, "code");
  if (code == nullptr) {
    PyErr_Clear();
    return std::nullopt;
  }
  std::optional<absl::StatusCode> chosen;
  if (PyUnicode_Check(code)) {
    chosen = engine::PluginStatusCode(PythonToText(code));
  }
  Py_DECREF(code);
  if (chosen == absl::StatusCode::kUnknown) return std::nullopt;
  return chosen;
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

  py::object description;
  PyObject* syntax;
  PyObject* cause;
  ScriptError error = Describe(exception.ptr(), &description, &cause, &syntax);

  if (std::optional<absl::Status> original = AttachedStatus(exception.ptr())) {
    return AppendStackFrames(*original, error.stack);
  }
  error.cause = CauseChain(exception.ptr(), cause);
  if (std::optional<absl::StatusCode> chosen = ChosenCode(exception.ptr())) {
    std::string message = error.message;
    return WithMessage(MakeScriptError(std::move(error), *chosen),
                       std::move(message));
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
  try {
    py::object exception;
    if (std::optional<ScriptError> error = GetScriptError(status)) {
      exception = ScriptErrorObject(*error, status);
    } else {
      exception = globals.error_class(
          py::reinterpret_steal<py::object>(
              TextToPython(ToStd(status.message()))),
          py::reinterpret_steal<py::object>(
              TextToPython(absl::StatusCodeToString(status.code()))));
      AttachStatus(exception, status);
    }
    PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exception.ptr())),
                    exception.ptr());
  } catch (py::error_already_set& e) {
    e.restore();
  }
}

void DefineErrorFunctions(py::module_& native) {
  native.def("status_code_problem", [](const std::string& name) {
    return engine::PluginStatusCodeProblem(name);
  });
}

void RaiseStatus(const absl::Status& status) {
  SetPythonError(status);
  throw py::error_already_set();
}

}  // namespace duet::python
