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
//  * Function values (docs/values.md "Functions"): a JavaScript function
//    converted to duet stays in its isolate (Engine::FunctionValue) and is
//    called like an export (Engine::CallFunction); a function from elsewhere
//    becomes a JavaScript function that calls it out under the caller's
//    deadline (Engine::FunctionToV8). The engine's end kills them.
//  * Each isolate has an event loop (event_loop.h): setTimeout,
//    setInterval, clearTimeout, clearInterval, queueMicrotask. A Promise an
//    exported function returns is awaited without the isolate's lock until
//    it settles, the deadline passes or Interrupt; the timers a stopped call
//    started are dropped. A module's top-level await is settled by a
//    microtask checkpoint: one waiting on a timer is kFailedPrecondition.
//  * Limits (engine.h "Stopping"): a call runs under the shared watchdog
//    for its deadline and is stopped with TerminateExecution:
//    kDeadlineExceeded. Runtime::Interrupt stops every entry running in any
//    of the runtime's isolates (including ones waiting in a host call, when
//    they resume): kCancelled. A termination is always cancelled by the
//    entry that received it, so the isolate serves the next call.
//  * Memory: ImplementationSpec::memory_mb (clamped to 16 TiB; 0 or less:
//    V8's default for this machine) caps the isolate's heap and, separately,
//    its ArrayBuffer contents (over that: RangeError "Array buffer
//    allocation failed"). V8's own limit is the cap plus 1 GB + 64 MB, room
//    for the largest single object V8 allocates, because an allocation that
//    does not fit under V8's limit aborts the process without asking any
//    callback. The cap itself is enforced here: after every full GC (and a
//    full GC is forced at the next interrupt check or at the end of the
//    call when V8 starts marking with the heap over the cap) a heap still
//    over the cap stops the isolate's code and marks it exhausted; the call
//    returns kResourceExhausted, the isolate is discarded (destroyed when
//    its own last call returns), and the next call loads the module afresh
//    from its files in a new isolate -- the module's state (globals,
//    caches) is lost. Exports stay those of the first load. WebAssembly
//    memories are not counted.
//    What remains (measured on this build):
//     - Between full GCs the heap may exceed the cap by up to the headroom.
//       V8 posts the start of marking as a foreground task that nothing
//       runs, so one large object that leaves the heap over the cap is seen
//       only at the next full GC, often a later call: Array.from({length:
//       3.3e7}) under a 16 MB cap returns OK (284 MB peak RSS).
//     - A builtin that loops without checking for termination keeps
//       allocating after it was stopped; past cap + headroom V8 aborts the
//       process ("Fatal javascript OOM"), as it did before at the cap:
//       new Array(1e8).fill(0.5) under 512 MB (Array.prototype.fill on a
//       dictionary-mode array) aborts after 8.5 s at 2.0 GB RSS.
//       Array.from({length: 1e8}) under 64 MB stays inside the headroom:
//       kResourceExhausted after ~17 s at 1.5 GB RSS.
//  * Stack: every entry sets the isolate's stack limit from the real
//    thread stack (pthread_getattr_np), ~1 MB below the entry point but
//    never within 192 KB of the stack's end, so runaway recursion is a
//    RangeError at any nesting depth and on small thread stacks.
//  * No ambient authority: the global object holds the ECMAScript built-ins
//    plus `console`, the timers (and `duet` in the REPL) -- no process,
//    require (only the module-scoped one that refuses Node built-ins), fetch,
//    XMLHttpRequest, Buffer, Deno or Bun. `import()` of a built-in is
//    refused. WebAssembly stays: it is computation only, and a wasm module
//    reaches nothing but what its JavaScript importer passes it.
//  * Trusted implementations (ImplementationSpec::node, plugin.toml
//    `[javascript] node = true`) are the exception: their isolate and
//    context come from a Node.js environment (node_environment.h), Node
//    loads their entry and everything it imports, and they have the
//    process's whole authority. Calls, errors, limits, interrupts and
//    switching are as above; a call after process.exit() or an uncaught
//    exception is kFailedPrecondition.
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
