// builtins.__import__ once a plugin carries packages (python_sources.h, "the
// packages a plugin carries"). It runs for every import statement in the
// process, so what it can decide at a glance it decides in C and passes on
// to the __import__ it replaced, at about that one's cost: an import from a
// module of no plugin that carries packages, a relative import, a name the
// importing plugin was found not to carry. The rest goes to the Python side.
#ifndef DUET_BINDINGS_PYTHON_IMPORT_HOOK_H_
#define DUET_BINDINGS_PYTHON_IMPORT_HOOK_H_

#include "pybind11/pybind11.h"

namespace duet::python {

// Defines `_native.import_hook(plugin_import, next_import, plugin_owned)`,
// which returns the hook. `plugin_owned` maps "_duet_plugins.<m>_<n>" and
// "_duet_vendor.<m>_<n>" of each plugin load that carries packages to its
// {top-level name: whether the plugin carries it} cache. What the hook does
// not pass on to `next_import` (called directly through CPython's import
// when it is the built-in __import__) it hands to `plugin_import`, with the
// same arguments. Needs the GIL.
void DefineImportHook(pybind11::module_& native);

}  // namespace duet::python

#endif  // DUET_BINDINGS_PYTHON_IMPORT_HOOK_H_
