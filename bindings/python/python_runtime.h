// The CPython engine. Declares only the factory: Python.h stays inside.
#ifndef DUET_BINDINGS_PYTHON_PYTHON_RUNTIME_H_
#define DUET_BINDINGS_PYTHON_PYTHON_RUNTIME_H_

#include <memory>

#include "absl/status/statusor.h"
#include "duet/runtime.h"

namespace duet {

// Starts (or joins) the process's one embedded interpreter. Several hosts
// may each hold a Python runtime; the interpreter is finalized when the last
// one is destroyed. kFailedPrecondition when the interpreter cannot start.
absl::StatusOr<std::unique_ptr<Runtime>> CreatePythonRuntime(
    HostServices& services);

}  // namespace duet

#endif  // DUET_BINDINGS_PYTHON_PYTHON_RUNTIME_H_
