// The CPython engine. Declares only the factory: Python.h stays inside.
#ifndef DUET_BINDINGS_PYTHON_PYTHON_RUNTIME_H_
#define DUET_BINDINGS_PYTHON_PYTHON_RUNTIME_H_

#include <memory>

#include "absl/status/statusor.h"
#include "duet/runtime.h"

namespace duet {

// Starts (or joins) the process's one embedded interpreter. Several hosts
// may each hold a Python runtime; the interpreter is finalized when the last
// one is destroyed (and every Implementation and ReplSession it made, which
// keep it alive). A runtime created after that starts a fresh interpreter.
// kFailedPrecondition when the interpreter cannot start, or when something
// else in the process already started Python.
//
// The interpreter starts without signal handlers: SIGINT stays the
// application's and sys.exit() is an ordinary exception. Plugins' print()
// and sys.stderr go to HostServices::Log, never to the process's stdout.
// Load, Call and Evaluate may be called from any thread; each takes the GIL,
// and every call a script makes into HostServices releases it first.
absl::StatusOr<std::unique_ptr<Runtime>> CreatePythonRuntime(
    HostServices& services);

}  // namespace duet

#endif  // DUET_BINDINGS_PYTHON_PYTHON_RUNTIME_H_
