// The native half of the in-script `duet` API (python_sources.h holds the
// rest): functions that convert their arguments to duet::Value, release the
// GIL, call the current HostServices (call_context.h), re-acquire the GIL
// and convert the result, raising duet.Error / duet.ScriptError on failure.
#ifndef DUET_BINDINGS_PYTHON_DUET_MODULE_H_
#define DUET_BINDINGS_PYTHON_DUET_MODULE_H_

#include "duet/value.h"
#include "pybind11/pybind11.h"

namespace duet::python {

// A duet.Function calling `callable`: a new reference, or nullptr with a
// Python error set. GIL held.
PyObject* WrapCallable(const Value::CallablePtr& callable);
// The Callable a duet.Function calls; nullptr for any other object.
const Value::CallablePtr* UnwrapCallable(PyObject* object);

// Defines call_module, call_host, module_names, module_functions,
// host_function_names, log, write and the Function class on `native`. Needs
// the GIL.
void DefineNativeFunctions(pybind11::module_& native);

}  // namespace duet::python

#endif  // DUET_BINDINGS_PYTHON_DUET_MODULE_H_
