// The V8 engine. Declares only the factory: v8.h stays inside.
//
// Behaviour in brief (details beside the code that does it):
//  * One isolate per loaded Implementation and per ReplSession; every entry
//    takes a v8::Locker, and every call out to HostServices (duet.modules,
//    duet.call, duet.host, duet.log, console.*) runs under a v8::Unlocker,
//    so re-entering the same isolate and crossing threads work.
//  * Modules (module_loader.cc): .mjs ESM, .cjs CommonJS, .js by the nearest
//    package.json "type" inside the plugin, else CommonJS first and ESM when
//    that fails with an ESM-only syntax error. require() of JSON, relative
//    files and packages in the plugin's node_modules ("exports" with
//    import/require/default conditions and subpaths, else "main", else
//    index.js). Node built-ins are refused; nothing resolves outside the
//    plugin root. Each file is evaluated once per isolate.
//  * Exports (javascript_runtime.cc): ESM function exports (a plain-object
//    default export adds its functions, named exports win); CommonJS
//    function properties of module.exports, and "default" when
//    module.exports is itself a function.
//  * Errors: a throw becomes kUnknown + ScriptError (type = error.name, or
//    "Uncaught" for a non-Error); syntax and link errors at load are
//    kInvalidArgument "file:line:column: SyntaxError: ...". A failed
//    HostServices call is thrown into JS as an Error named after the
//    ScriptError type (else "DuetError") with .code and .language; if it
//    escapes, the original status returns with the JS frames appended.
//  * duet.modules.NAME is a proxy created without asking the host, so an
//    unknown module fails (DuetError, code NOT_FOUND) when one of its
//    functions is called, not when it is named.
//  * Promises from exported functions (and top-level await) are settled by
//    a microtask checkpoint; one still pending is kFailedPrecondition (no
//    event loop, no timers).
//  * Limits (engine.h "Stopping"): a call runs under the shared watchdog
//    for its deadline and is stopped with TerminateExecution:
//    kDeadlineExceeded. Runtime::Interrupt stops every entry running in any
//    of the runtime's isolates (including ones waiting in a host call, when
//    they resume): kCancelled. A termination is always cancelled by the
//    entry that received it, so the isolate serves the next call.
//  * Memory: ImplementationSpec::memory_mb caps the isolate's heap
//    (ResourceConstraints) and, separately, its ArrayBuffer contents (over
//    that: RangeError "Array buffer allocation failed"). Reaching the heap
//    limit never aborts the process: a near-heap-limit callback terminates
//    the isolate's code with some headroom and marks it exhausted; the call
//    returns kResourceExhausted, the isolate is disposed, and the next call
//    loads the module afresh from its files in a new isolate -- the
//    module's state (globals, caches) is lost. Exports stay those of the
//    first load. WebAssembly memories are not counted.
//  * Stack: every entry sets the isolate's stack limit from the real
//    thread stack (pthread_getattr_np), ~1 MB below the entry point but
//    never within 192 KB of the stack's end, so runaway recursion is a
//    RangeError at any nesting depth and on small thread stacks.
//  * No ambient authority: the global object holds the ECMAScript built-ins
//    plus `console` (and `duet` in the REPL) -- no process, require (only
//    the module-scoped one that refuses Node built-ins), fetch, timers,
//    XMLHttpRequest, Buffer, Deno or Bun. `import()` of a built-in is
//    refused. WebAssembly stays: it is computation only, and a wasm module
//    reaches nothing but what its JavaScript importer passes it.
//  * Threads: each thread keeps its V8 thread state parked per isolate
//    between calls (thread_state.h), which halves the cost of the per-call
//    v8::Locker.
//  * REPL: IsIncomplete compiles without running and asks V8's error
//    position/message whether the input simply stopped; Complete walks
//    own and inherited property names without running getters or proxy
//    traps (module proxies list the host's ModuleFunctions); let/const/
//    class names are remembered from the inputs that declared them.
#ifndef DUET_BINDINGS_JAVASCRIPT_JAVASCRIPT_RUNTIME_H_
#define DUET_BINDINGS_JAVASCRIPT_JAVASCRIPT_RUNTIME_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "duet/runtime.h"

namespace duet {

// Initialises V8 once per process (never torn down: V8 cannot be initialised
// again) and returns a runtime that gives each loaded implementation its own
// isolate.
absl::StatusOr<std::unique_ptr<Runtime>> CreateJavaScriptRuntime(
    HostServices& services);

// How many V8 isolates this process holds now (every runtime's engines,
// current and retired), for tests that check retired isolates are freed.
int64_t LiveJavaScriptIsolatesForTesting();

}  // namespace duet

#endif  // DUET_BINDINGS_JAVASCRIPT_JAVASCRIPT_RUNTIME_H_
