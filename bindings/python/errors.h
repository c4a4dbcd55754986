// Python exceptions <-> absl::Status.
//
// A Python exception becomes MakeScriptError(language python, type, message,
// stack innermost first); duet's own frames are left out. An exception that
// carries a status (duet.Error raised by a failed HostServices call) gives
// that original status back, with the Python frames it crossed appended. A
// duet.Error a script made with a code (duet.Error("gone", "NOT_FOUND"))
// fails with that code and its own message, the ScriptError attached.
// The other way, a failed status is raised in Python as duet.ScriptError
// (when it has a ScriptError payload) or duet.Error, the status attached.
#ifndef DUET_BINDINGS_PYTHON_ERRORS_H_
#define DUET_BINDINGS_PYTHON_ERRORS_H_

#include <string>

#include "absl/status/status.h"
#include "pybind11/pybind11.h"

namespace duet::python {

enum class ErrorContext {
  kRun,      // running code: every exception is kUnknown
  kCompile,  // loading / compiling source: SyntaxError is kInvalidArgument
};

// Takes (and clears) the pending Python exception. Needs the GIL.
absl::Status TakePythonError(ErrorContext context);

// TakePythonError(kRun) restated as `code` with `message`: the ScriptError
// payload (type, message, the stack where the script was) is kept. For
// exceptions duet gives its own meaning (a stop, MemoryError).
absl::Status TakePythonErrorAs(absl::StatusCode code, std::string message);

// Sets duet.Error / duet.ScriptError for `status` as the pending Python
// exception. Needs the GIL and a live interpreter lease.
void SetPythonError(const absl::Status& status);

// Adds to `native` (the _duet_native module) what duet.Error needs to check
// a code: status_code_problem(name) -> "" or what is wrong with it.
void DefineErrorFunctions(pybind11::module_& native);

// SetPythonError, then throws py::error_already_set for pybind11 to restore.
[[noreturn]] void RaiseStatus(const absl::Status& status);

}  // namespace duet::python

#endif  // DUET_BINDINGS_PYTHON_ERRORS_H_
