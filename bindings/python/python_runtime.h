// The CPython engine. Declares only the factory: Python.h stays inside.
#ifndef DUET_BINDINGS_PYTHON_PYTHON_RUNTIME_H_
#define DUET_BINDINGS_PYTHON_PYTHON_RUNTIME_H_

#include <memory>

#include "absl/status/statusor.h"
#include "duet/host.h"
#include "duet/runtime.h"

namespace duet {

// Starts (or joins) the process's one embedded interpreter. Several hosts
// may each hold a Python runtime; the interpreter is finalized when the last
// one is destroyed (and every Implementation and ReplSession it made, which
// keep it alive). A runtime created after that starts a fresh interpreter.
// With PythonOptions::use_running_interpreter the application's interpreter
// is used instead and never finalised. kFailedPrecondition when the
// interpreter cannot start (naming the cause and the home), when the
// application already started Python and the options do not say to use it
// (or the other way round), or when a runtime alive meanwhile was given
// other PythonOptions (naming the field); see PythonOptions in duet/host.h.
//
// The interpreter starts without signal handlers: SIGINT stays the
// application's and sys.exit() is an ordinary exception. Plugins' print()
// and sys.stderr go to HostServices::Log, never to the process's stdout.
// Load, Call and Evaluate may be called from any thread; each takes the GIL,
// and every call a script makes into HostServices releases it first.
//
// An export that returns a coroutine (`async def`) is awaited: it runs as a
// Task on the runtime's asyncio loop, a thread of its own started by the
// first such call (async_loop.h); the deadline and Interrupt cancel the
// Task and the call returns kDeadlineExceeded / kCancelled.
//
// Time limits and Interrupt. A Call past its deadline is stopped by raising
// duet.DeadlineExceeded in its thread (a BaseException, so `except
// Exception` does not catch it) and returns kDeadlineExceeded; Interrupt()
// raises KeyboardInterrupt in every Load, Call and Evaluate of this runtime
// running at that moment, which return kCancelled. Load runs the module's
// top-level code under ImplementationSpec::load_timeout (kDeadlineExceeded
// naming the file and the limit), and dropping an implementation runs the
// module's finalisers under it too. The exception is raised again, at every
// line, until the entry returns, so a plugin that catches it cannot keep
// running; finalisers of arguments and results run inside the call. The
// interpreter stays usable, and a stop never leaks into a later call. An
// infinite deadline arms nothing and costs nothing. Neither the watchdog
// nor Interrupt() waits for the GIL (Interrupt() returns at once): a thread
// per interpreter delivers the stop once the GIL is free. What cannot be
// stopped promptly: C code that keeps running without returning to the
// interpreter -- sum(range(10**10)), time.sleep(100), a blocking read or
// lock wait, a C extension's long loop -- runs on until it returns and is
// stopped right after (the host waits meanwhile); see entry.h. A call
// waiting on a nested host call (Python calling JavaScript) is stopped when
// that call returns. Threads a plugin starts are never stopped; at
// interpreter shutdown non-daemon ones get 1 s in all, then each still
// running is named in a warning on stderr and abandoned.
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
//
// CreatePythonRuntime uses the default PythonOptions; PythonRuntimeFactory
// makes a factory that passes `options`.
absl::StatusOr<std::unique_ptr<Runtime>> CreatePythonRuntime(
    HostServices& services);
RuntimeFactory PythonRuntimeFactory(PythonOptions options);

namespace python {

// Whether `implementation` is a module's Python implementation (all run in
// the one interpreter, on its GIL).
bool IsPythonImplementation(const Implementation& implementation);

}  // namespace python
}  // namespace duet

#endif  // DUET_BINDINGS_PYTHON_PYTHON_RUNTIME_H_
