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
//
// Time limits and Interrupt. A Call past its deadline is stopped by raising
// duet.DeadlineExceeded in its thread (a BaseException, so `except
// Exception` does not catch it) and returns kDeadlineExceeded; Interrupt()
// raises KeyboardInterrupt in every Load, Call and Evaluate of this runtime
// running at that moment, which return kCancelled. The interpreter stays
// usable, and a stop never leaks into a later call. An infinite deadline
// arms nothing and costs nothing. What cannot be stopped promptly: CPython
// delivers these exceptions only between bytecodes, so a call blocked in C
// code -- time.sleep(100), a blocking socket or file read, a lock wait, a
// C extension's long loop -- runs on until that C code returns, and is
// stopped right after (the host waits meanwhile). A call waiting on a
// nested host call (Python calling JavaScript) is stopped when that call
// returns. Interrupt() takes the GIL, so it waits while C code holds it.
// A plugin that catches DeadlineExceeded / KeyboardInterrupt still has its
// call fail with that status, but what it does in its handler (even loop
// forever) is its own business; threads a plugin starts are never stopped.
//
// Memory. CPython has one heap for every Python plugin: no per-plugin limit
// (ImplementationSpec::memory_mb is ignored). A MemoryError becomes
// kResourceExhausted naming the module.
//
// Plugins are trusted code, not sandboxed: os._exit() ends the process, and
// os.close(1) closes the application's stdout (print() still reaches the
// log sink, which never uses file descriptors). sys.exit(), exit() and
// quit() are ordinary SystemExit exceptions (kUnknown); sys.stdout.close()
// is ignored, since the log streams are shared; endless recursion is a
// RecursionError (kUnknown) and the interpreter recovers.
absl::StatusOr<std::unique_ptr<Runtime>> CreatePythonRuntime(
    HostServices& services);

}  // namespace duet

#endif  // DUET_BINDINGS_PYTHON_PYTHON_RUNTIME_H_
