// The V8 engine. Declares only the factory: v8.h stays inside.
#ifndef DUET_BINDINGS_JAVASCRIPT_JAVASCRIPT_RUNTIME_H_
#define DUET_BINDINGS_JAVASCRIPT_JAVASCRIPT_RUNTIME_H_

#include <memory>

#include "absl/status/statusor.h"
#include "duet/runtime.h"

namespace duet {

// Initialises V8 once per process (never torn down: V8 cannot be initialised
// again) and returns a runtime that gives each loaded implementation its own
// isolate.
absl::StatusOr<std::unique_ptr<Runtime>> CreateJavaScriptRuntime(
    HostServices& services);

}  // namespace duet

#endif  // DUET_BINDINGS_JAVASCRIPT_JAVASCRIPT_RUNTIME_H_
