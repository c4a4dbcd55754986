#include "import_hook.h"

#include <Python.h>

#include <climits>

namespace duet::python {
namespace {

namespace py = pybind11;

// The hook's bound state, its `self`: (plugin_import, next_import,
// plugin_owned, next_is_builtin, "__name__", "_duet_").
enum StateItem {
  kPluginImport,
  kNextImport,
  kPluginOwned,
  kNextIsBuiltin,
  kNameKey,
  kPrefix
};

// `text` up to (not including) its `dots`th '.'; all of it when it has
// fewer. A new reference, or nullptr with an error set.
PyObject* DottedHead(PyObject* text, int dots) {
  const Py_ssize_t length = PyUnicode_GET_LENGTH(text);
  Py_ssize_t end = -1;
  for (int i = 0; i < dots; ++i) {
    end = PyUnicode_FindChar(text, '.', end + 1, length, 1);
    if (end == -2) return nullptr;
    if (end == -1) break;
  }
  if (end == -1) {
    Py_INCREF(text);
    return text;
  }
  return PyUnicode_Substring(text, 0, end);
}

// Whether the import is certainly none the importing plugin carries: a
// relative import, an import from a module that belongs to no plugin that
// carries packages, or of a top-level name that plugin was found not to
// carry (the cache of python_sources.h's _PluginImports.owns). Those go
// straight on; the Python side decides the rest. Never leaves an error set.
bool PassOn(PyObject* state, PyObject* const* args) {
  PyObject* name = args[0];
  PyObject* globals = args[1];
  if (!PyUnicode_CheckExact(name) || !PyDict_CheckExact(globals) ||
      !PyLong_CheckExact(args[4])) {
    return false;
  }
  const long level = PyLong_AsLong(args[4]);
  if (level == -1 && PyErr_Occurred()) {
    PyErr_Clear();
    return false;
  }
  if (level != 0) return true;
  PyObject* module =
      PyDict_GetItemWithError(globals, PyTuple_GET_ITEM(state, kNameKey));
  if (module == nullptr) {
    if (!PyErr_Occurred()) return true;  // exec'd code, no plugin's module
    PyErr_Clear();
    return false;
  }
  if (!PyUnicode_CheckExact(module)) return false;
  const Py_ssize_t prefixed = PyUnicode_Tailmatch(
      module, PyTuple_GET_ITEM(state, kPrefix), 0, PY_SSIZE_T_MAX, -1);
  if (prefixed != 1) {
    if (prefixed < 0) PyErr_Clear();
    return prefixed == 0;
  }
  // "_duet_plugins.<module>_<serial>" or "_duet_vendor.<module>_<serial>".
  PyObject* key = DottedHead(module, 2);
  if (key == nullptr) {
    PyErr_Clear();
    return false;
  }
  PyObject* owned =
      PyDict_GetItemWithError(PyTuple_GET_ITEM(state, kPluginOwned), key);
  Py_DECREF(key);
  if (owned == nullptr) {
    if (!PyErr_Occurred()) return true;  // a plugin that carries nothing
    PyErr_Clear();
    return false;
  }
  if (!PyDict_CheckExact(owned)) return false;
  PyObject* top = DottedHead(name, 1);
  if (top == nullptr) {
    PyErr_Clear();
    return false;
  }
  PyObject* carried = PyDict_GetItemWithError(owned, top);
  Py_DECREF(top);
  if (carried == nullptr && PyErr_Occurred()) PyErr_Clear();
  return carried == Py_False;
}

// __import__(name, globals, locals, fromlist, level), as the eval loop
// calls it: five positional arguments.
PyObject* ImportHook(PyObject* state, PyObject* const* args, Py_ssize_t nargs,
                     PyObject* kwnames) {
  if (kwnames == nullptr && nargs == 5 && PassOn(state, args)) {
    if (PyTuple_GET_ITEM(state, kNextIsBuiltin) != Py_True) {
      return PyObject_Vectorcall(PyTuple_GET_ITEM(state, kNextImport), args,
                                 nargs, nullptr);
    }
    // PassOn read the level: an exact int, 0 or relative.
    const long level = PyLong_AsLong(args[4]);
    if (level < 0 || level > INT_MAX) {
      PyErr_SetString(PyExc_ValueError, "level must be >= 0");
      return nullptr;
    }
    return PyImport_ImportModuleLevelObject(args[0], args[1], args[2], args[3],
                                            static_cast<int>(level));
  }
  return PyObject_Vectorcall(PyTuple_GET_ITEM(state, kPluginImport), args,
                             nargs, kwnames);
}

PyMethodDef import_hook_def = {
    "__import__",
    reinterpret_cast<PyCFunction>(
        reinterpret_cast<void (*)(void)>(&ImportHook)),
    METH_FASTCALL | METH_KEYWORDS,
    "__import__(name, globals=None, locals=None, fromlist=(), level=0): "
    "duet's, finding the packages a plugin carries for that plugin's "
    "modules."};

}  // namespace

void DefineImportHook(py::module_& native) {
  native.def("import_hook", [](py::object plugin_import, py::object next_import,
                               py::dict plugin_owned) {
    py::module_ builtins = py::module_::import("builtins");
    // The built-in __import__ (not another hook an application installed):
    // CPython's import is called directly, without parsing its arguments.
    const bool next_is_builtin =
        PyCFunction_Check(next_import.ptr()) &&
        PyCFunction_GET_SELF(next_import.ptr()) == builtins.ptr() &&
        py::str(next_import.attr("__name__")).equal(py::str("__import__"));
    py::tuple state = py::make_tuple(
        plugin_import, next_import, plugin_owned, py::bool_(next_is_builtin),
        py::reinterpret_steal<py::str>(PyUnicode_InternFromString("__name__")),
        py::str("_duet_"));
    PyObject* hook = PyCFunction_NewEx(&import_hook_def, state.ptr(), nullptr);
    if (hook == nullptr) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(hook);
  });
}

}  // namespace duet::python
