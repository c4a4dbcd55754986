#include "duet_module.h"

#include <unistd.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "async_loop.h"
#include "call_context.h"
#include "convert.h"
#include "duet/engine/call_out.h"
#include "duet/engine/function_owner.h"
#include "duet/host.h"
#include "duet/internal/strings.h"
#include "duet/internal/value_path.h"
#include "duet/manifest.h"
#include "entry.h"
#include "errors.h"
#include "import_hook.h"
#include "python_runtime.h"
#include "structmember.h"

namespace duet::python {
namespace {

namespace py = pybind11;
using internal::ValuePath;

// The current context, or null with duet.Error set outside any entry.
CallContext* ContextOrError() {
  CallContext* context = CallContext::Current();
  if (context == nullptr) {
    SetPythonError(absl::FailedPreconditionError(
        "the duet API is only available while duet runs Python code on this "
        "thread (not from threads a plugin starts itself)"));
  }
  return context;
}

CallContext& RequireContext() {
  CallContext* context = ContextOrError();
  if (context == nullptr) throw py::error_already_set();
  return *context;
}

std::string NameArgument(py::handle name, const char* what) {
  if (!PyUnicode_Check(name.ptr())) {
    PyErr_Format(PyExc_TypeError, "%s must be str, not %s", what,
                 Py_TYPE(name.ptr())->tp_name);
    throw py::error_already_set();
  }
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(name.ptr(), &size);
  if (data == nullptr) throw py::error_already_set();
  return std::string(data, static_cast<size_t>(size));
}

// The deadline and size budget of the entry the script runs in.
engine::CallerLimits CurrentLimits() {
  engine::CallerLimits limits;
  if (const Entry* entry = Entry::Current()) {
    limits.deadline = entry->deadline();
    limits.value_budget_bytes = entry->value_budget_bytes();
  }
  return limits;
}

// The GIL, released for a host call (engine/call_out.h): at once
// (CallOut), or by the host once something could wait (CallOutDeferred).
class GilRelease : public engine::DeferrableEngineLock {
 public:
  void Release() override {
    engine::EngineLockReleased();
    state_ = PyEval_SaveThread();
  }
  StopReason Reacquire() override {
    if (state_ != nullptr) {
      PyEval_RestoreThread(std::exchange(state_, nullptr));
      engine::EngineLockTaken();
    }
    const Entry* entry = Entry::Current();
    return entry != nullptr ? entry->Stopped() : StopReason::kNone;
  }
  // Every Python implementation runs in the one interpreter, on its GIL.
  bool Covers(const Implementation& callee) const override {
    return IsPythonImplementation(callee);
  }

 private:
  PyThreadState* state_ = nullptr;  // null while the GIL is held
};

// A call's arguments, in place for the few most calls pass.
using Arguments = absl::InlinedVector<Value, 4>;

// Converts `count` positional arguments under one budget (ArgumentGuard).
// False with duet.Error set when one fails (its path says which).
bool ArgumentsToValues(PyObject* const* args, size_t count, Arguments* values) {
  values->resize(count);
  internal::ConversionGuard guard = engine::ArgumentGuard(CurrentLimits());
  for (size_t i = 0; i < count; ++i) {
    absl::Status status = FromPython(args[i], "args", i, guard, &(*values)[i]);
    if (!status.ok()) {
      SetPythonError(status);
      return false;
    }
  }
  return true;
}

Arguments ArgumentsToValues(const py::tuple& args) {
  Arguments values;
  if (!ArgumentsToValues(&PyTuple_GET_ITEM(args.ptr(), 0), args.size(),
                         &values)) {
    throw py::error_already_set();
  }
  return values;
}

// A new reference, or null with the Python error set.
PyObject* ResultToPythonOrNull(const absl::StatusOr<Value>& result) {
  if (!result.ok()) {
    SetPythonError(result.status());
    return nullptr;
  }
  // Most results are scalars: made inline, with no limits, path or guard.
  switch (result->kind()) {
    case Value::Kind::kNull:
    case Value::Kind::kBool:
    case Value::Kind::kInt:
    case Value::Kind::kFloat:
      if (PyObject* scalar = ScalarToPython(*result)) return scalar;
      PyErr_Clear();  // out of memory: the converter tries again and says so
      break;
    default:
      break;
  }
  ValuePath path("result");
  absl::Status error;
  internal::ConversionGuard guard = engine::ResultGuard(CurrentLimits());
  PyObject* object = ToPython(*result, path, guard, &error);
  if (object == nullptr) SetPythonError(error);
  return object;
}

py::object ResultToPython(const absl::StatusOr<Value>& result) {
  PyObject* object = ResultToPythonOrNull(result);
  if (object == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(object);
}

py::list NamesToPython(const std::vector<std::string>& names) {
  py::list list(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    PyObject* name = TextToPython(names[i]);
    if (name == nullptr) throw py::error_already_set();
    PyList_SET_ITEM(list.ptr(), static_cast<Py_ssize_t>(i), name);
  }
  return list;
}

LogLevel LevelFromIndex(int level) {
  switch (level) {
    case 0:
      return LogLevel::kDebug;
    case 2:
      return LogLevel::kWarning;
    case 3:
      return LogLevel::kError;
    default:
      return LogLevel::kInfo;
  }
}

// Runs `host_call` with the GIL released (engine::CallOut), or for a module
// call the host settles (`deferred`) released only once something could
// wait (engine::CallOutDeferred). Stopped while the host ran the call: stop
// here, whatever it returned. A new reference, or null with the Python
// error set.
PyObject* CallOutOrNull(absl::FunctionRef<absl::StatusOr<Value>()> host_call,
                        bool deferred = false) {
  GilRelease gil;
  engine::OutboundResult out = deferred
                                   ? engine::CallOutDeferred(gil, host_call)
                                   : engine::CallOut(gil, host_call);
  if (out.stopped != StopReason::kNone && SetErrorIfStopped()) return nullptr;
  return ResultToPythonOrNull(out.result);
}

py::object CallOut(absl::FunctionRef<absl::StatusOr<Value>()> host_call) {
  PyObject* object = CallOutOrNull(host_call);
  if (object == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(object);
}

// Runs `host_call` with the GIL released (engine::WithoutEngineLock); an
// entry stopped meanwhile stops here.
template <typename HostCall>
void WithoutGil(HostCall&& host_call) {
  GilRelease gil;
  if (engine::WithoutEngineLock(gil, std::forward<HostCall>(host_call)) !=
          StopReason::kNone &&
      SetErrorIfStopped()) {
    throw py::error_already_set();
  }
}

// Calls module_name.function_name with `count` positional arguments: a
// new reference, or null with the Python error set. Never throws, so the
// vectorcall of duet.modules.M.F needs no exception handling around it.
PyObject* CallModuleFunction(std::string_view module_name,
                             std::string_view function_name,
                             PyObject* const* args, size_t count) {
  CallContext* context = ContextOrError();
  if (context == nullptr) return nullptr;
  Arguments values;
  if (!ArgumentsToValues(args, count, &values)) return nullptr;
  HostServices& services = context->services();
  AsyncLoop* loop = context->async_loop();
  if (loop == nullptr) {
    return CallOutOrNull(
        [&] { return services.CallModule(module_name, function_name, values); },
        engine::SettlesDeferredLocks(services));
  }
  // A coroutine's step: an async function gives it an awaitable.
  std::shared_ptr<AsyncLoop::Awaited> awaited = loop->NewAwaited();
  bool started = false;
  PyObject* result = CallOutOrNull([&] {
    return services.CallModuleOrStart(
        module_name, function_name, values,
        [&] { return AsyncLoop::AwaitedCompletion(awaited); },
        awaited->cancellation, &started);
  });
  if (!started) return result;
  if (result == nullptr) {
    awaited->cancellation->Cancel();
    return nullptr;
  }
  Py_DECREF(result);  // None: the awaitable is the result
  try {
    return loop->Adopt(awaited).release().ptr();
  } catch (py::error_already_set& error) {
    error.restore();
    return nullptr;
  }
}

py::object CallModuleFunction(std::string_view module_name,
                              std::string_view function_name,
                              const py::tuple& args) {
  PyObject* result =
      CallModuleFunction(module_name, function_name,
                         &PyTuple_GET_ITEM(args.ptr(), 0), args.size());
  if (result == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(result);
}

// duet.modules.<module>.<function>(...) by its names (the proxies make
// ModuleFunction objects instead; this stays for their fallback).
py::object CallModule(py::handle module, py::handle function,
                      const py::tuple& args) {
  std::string module_name = NameArgument(module, "module name");
  std::string function_name = NameArgument(function, "function name");
  return CallModuleFunction(module_name, function_name, args);
}

// duet.modules.<module>.<function>: a native callable (vectorcall), so a
// call runs no Python frame, no pybind11 dispatch and converts no names.
// It has a __dict__ for what _describe sets (__signature__, __doc__) and
// binds as a method when stored in a class, as the Python function it
// replaces did.
struct ModuleFunctionObject {
  PyObject_HEAD vectorcallfunc vectorcall;
  PyObject* dict;
  std::string* module;
  std::string* function;
};

PyObject* CallModuleFunctionObject(PyObject* self, PyObject* const* args,
                                   size_t nargsf, PyObject* kwnames) {
  auto* object = reinterpret_cast<ModuleFunctionObject*>(self);
  if (kwnames != nullptr && PyTuple_GET_SIZE(kwnames) > 0) {
    PyErr_Format(PyExc_TypeError,
                 "%s.%s() takes positional arguments only (got keyword "
                 "argument '%U')",
                 object->module->c_str(), object->function->c_str(),
                 PyTuple_GET_ITEM(kwnames, 0));
    return nullptr;
  }
  return CallModuleFunction(*object->module, *object->function, args,
                            static_cast<size_t>(PyVectorcall_NARGS(nargsf)));
}

int TraverseModuleFunction(PyObject* self, visitproc visit, void* arg) {
  Py_VISIT(reinterpret_cast<ModuleFunctionObject*>(self)->dict);
  Py_VISIT(Py_TYPE(self));
  return 0;
}

int ClearModuleFunction(PyObject* self) {
  Py_CLEAR(reinterpret_cast<ModuleFunctionObject*>(self)->dict);
  return 0;
}

void DeallocModuleFunction(PyObject* self) {
  auto* object = reinterpret_cast<ModuleFunctionObject*>(self);
  PyTypeObject* type = Py_TYPE(self);
  PyObject_GC_UnTrack(self);
  ClearModuleFunction(self);
  delete object->module;
  delete object->function;
  type->tp_free(self);
  Py_DECREF(type);
}

PyObject* BindModuleFunction(PyObject* self, PyObject* instance,
                             PyObject* /*owner*/) {
  if (instance == nullptr || instance == Py_None) return Py_NewRef(self);
  return PyMethod_New(self, instance);
}

PyObject* ModuleFunctionRepr(PyObject* self) {
  auto* object = reinterpret_cast<ModuleFunctionObject*>(self);
  return PyUnicode_FromFormat("<duet function %s.%s>", object->module->c_str(),
                              object->function->c_str());
}

// copy.copy and copy.deepcopy give the object itself, as for the Python
// function it replaced (the default reduction cannot pickle it).
PyObject* ModuleFunctionCopy(PyObject* self, PyObject* /*memo*/) {
  return Py_NewRef(self);
}

PyMethodDef kModuleFunctionMethods[] = {
    {"__copy__", &ModuleFunctionCopy, METH_NOARGS, nullptr},
    {"__deepcopy__", &ModuleFunctionCopy, METH_O, nullptr},
    {nullptr, nullptr, 0, nullptr}};

PyMemberDef kModuleFunctionMembers[] = {
    {"__vectorcalloffset__", T_PYSSIZET,
     offsetof(ModuleFunctionObject, vectorcall), READONLY, nullptr},
    {"__dictoffset__", T_PYSSIZET, offsetof(ModuleFunctionObject, dict),
     READONLY, nullptr},
    {nullptr, 0, 0, 0, nullptr}};

PyGetSetDef kModuleFunctionGetSet[] = {
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, nullptr,
     nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

PyType_Slot kModuleFunctionSlots[] = {
    {Py_tp_call, reinterpret_cast<void*>(&PyVectorcall_Call)},
    {Py_tp_dealloc, reinterpret_cast<void*>(&DeallocModuleFunction)},
    {Py_tp_traverse, reinterpret_cast<void*>(&TraverseModuleFunction)},
    {Py_tp_clear, reinterpret_cast<void*>(&ClearModuleFunction)},
    {Py_tp_descr_get, reinterpret_cast<void*>(&BindModuleFunction)},
    {Py_tp_repr, reinterpret_cast<void*>(&ModuleFunctionRepr)},
    {Py_tp_methods, kModuleFunctionMethods},
    {Py_tp_members, kModuleFunctionMembers},
    {Py_tp_getset, kModuleFunctionGetSet},
    {0, nullptr}};

// Made only by NewModuleFunction: an instance Python made itself would
// have no names (its repr would read null pointers) and no vectorcall.
PyType_Spec kModuleFunctionSpec = {
    "duet.ModuleFunction", sizeof(ModuleFunctionObject), 0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL |
        Py_TPFLAGS_DISALLOW_INSTANTIATION,
    kModuleFunctionSlots};

// _native.module_function(type, module, function): a new ModuleFunction.
py::object NewModuleFunction(py::handle type, py::handle module,
                             py::handle function) {
  std::string module_name = NameArgument(module, "module name");
  std::string function_name = NameArgument(function, "function name");
  auto* type_object = reinterpret_cast<PyTypeObject*>(type.ptr());
  PyObject* self = type_object->tp_alloc(type_object, 0);
  if (self == nullptr) throw py::error_already_set();
  auto* object = reinterpret_cast<ModuleFunctionObject*>(self);
  object->vectorcall = &CallModuleFunctionObject;
  object->dict = nullptr;
  object->module = new std::string(std::move(module_name));
  object->function = new std::string(std::move(function_name));
  return py::reinterpret_steal<py::object>(self);
}

// duet.modules and its module objects keep each object they made in their
// instance __dict__. As their classes define __getattr__, CPython reads
// every attribute through slot_tp_getattr_hook, which looks __getattr__ and
// __getattribute__ up on the type before the generic lookup, for each of
// the two reads in duet.modules.M.F(). This reader runs the generic lookup
// at once (the same one the hook runs: data descriptors, the instance
// __dict__, the class) and gives a miss to the hook it replaced, which runs
// the lookup again and then __getattr__, so misses and errors are as before.
getattrofunc replaced_getattro = nullptr;

PyObject* GenericFirstGetAttr(PyObject* self, PyObject* name) {
  PyObject* found = _PyObject_GenericGetAttrWithDict(self, name, nullptr,
                                                     /*suppress=*/1);
  if (found != nullptr || PyErr_Occurred()) return found;
  return replaced_getattro(self, name);
}

// _native.read_generic_first(cls): cls, a class defining __getattr__ but
// not __getattribute__, reads through GenericFirstGetAttr.
void ReadGenericFirst(py::handle cls) {
  if (!PyType_Check(cls.ptr())) throw py::type_error("a class is needed");
  auto* type = reinterpret_cast<PyTypeObject*>(cls.ptr());
  if (type->tp_getattro == &GenericFirstGetAttr) return;
  py::str getattribute("__getattribute__");
  py::str getattr("__getattr__");
  const bool fits =
      type->tp_getattro != nullptr &&
      type->tp_getattro != PyObject_GenericGetAttr &&
      _PyType_Lookup(type, getattr.ptr()) != nullptr &&
      _PyType_Lookup(type, getattribute.ptr()) ==
          _PyType_Lookup(&PyBaseObject_Type, getattribute.ptr()) &&
      (replaced_getattro == nullptr || type->tp_getattro == replaced_getattro);
  if (!fits) {
    throw py::type_error(
        "read_generic_first: not a class defining __getattr__ only");
  }
  replaced_getattro = type->tp_getattro;
  type->tp_getattro = &GenericFirstGetAttr;
  PyType_Modified(type);
}

// duet.call("module.function", ...), split as the host splits it.
py::object CallQualified(py::handle qualified, const py::tuple& args) {
  std::string text = NameArgument(qualified, "duet.call() name");
  absl::StatusOr<QualifiedName> name = SplitQualifiedName(text);
  if (!name.ok()) return ResultToPython(name.status());
  return CallModuleFunction(name->module, name->function, args);
}

py::object CallHost(py::handle name, const py::tuple& args) {
  CallContext& context = RequireContext();
  std::string function_name = NameArgument(name, "host function name");
  Arguments values = ArgumentsToValues(args);
  HostCallContext caller;
  caller.module = context.source();
  caller.language = Language::kPython;
  caller.deadline = CurrentLimits().deadline;
  return CallOut([&] {
    return context.services().CallHostFunction(caller, function_name, values);
  });
}

py::list ModuleNames() {
  CallContext& context = RequireContext();
  std::vector<std::string> names;
  WithoutGil([&] { names = context.services().ModuleNames(); });
  return NamesToPython(names);
}

py::list ModuleFunctions(py::handle module) {
  CallContext& context = RequireContext();
  std::string module_name = NameArgument(module, "module name");
  absl::StatusOr<std::vector<std::string>> names;
  WithoutGil([&] { names = context.services().ModuleFunctions(module_name); });
  if (!names.ok()) RaiseStatus(names.status());
  return NamesToPython(*names);
}

// The annotation of a declared type as the Python stubs of `duet stubs`
// spell it (tools/src/stubs.cc, PythonType; tests/tools/engines_test.cc
// checks that inspect.signature and the stubs agree): what the binding
// accepts for a parameter (convert.cc), what it gives back for a result.
std::string PythonAnnotation(const TypeSpec& type, bool parameter) {
  auto element = [&] {
    return type.element() != nullptr
               ? PythonAnnotation(*type.element(), parameter)
               : std::string("Any");
  };
  std::string base;
  switch (type.kind()) {
    case TypeSpec::Kind::kAny:
      return "Any";
    case TypeSpec::Kind::kNull:
      return "None";
    case TypeSpec::Kind::kBool:
      base = "bool";
      break;
    case TypeSpec::Kind::kInt:
      base = "int";
      break;
    case TypeSpec::Kind::kFloat:
    case TypeSpec::Kind::kNumber:
      base = "float";
      break;
    case TypeSpec::Kind::kString:
      base = "str";
      break;
    case TypeSpec::Kind::kBytes:
      base = parameter ? "bytes | bytearray | memoryview" : "bytes";
      break;
    case TypeSpec::Kind::kList:
      base = parameter ? absl::StrCat("list[", element(), "] | tuple[",
                                      element(), ", ...]")
                       : absl::StrCat("list[", element(), "]");
      break;
    case TypeSpec::Kind::kMap:
      base = absl::StrCat(parameter ? "Mapping[str, " : "dict[str, ", element(),
                          "]");
      break;
  }
  return type.nullable() ? absl::StrCat(base, " | None") : base;
}

// duet.modules.<module>.<function>'s declaration, for its __signature__ and
// __doc__: None when undeclared, else (parameter annotations or None when
// params are not declared, return annotation or None, the declaration in
// plugin.toml's syntax).
py::object DeclaredExport(py::handle module, py::handle function) {
  CallContext& context = RequireContext();
  std::string module_name = NameArgument(module, "module name");
  std::string function_name = NameArgument(function, "function name");
  std::optional<ExportSpec> spec;
  WithoutGil([&] {
    spec = context.services().DeclaredExport(module_name, function_name);
  });
  if (!spec) return py::none();
  py::object params = py::none();
  std::vector<std::string> declared;
  if (spec->params_declared) {
    py::list annotations;
    for (const TypeSpec& param : spec->params) {
      annotations.append(PythonAnnotation(param, true));
      declared.push_back(param.ToString());
    }
    params = std::move(annotations);
  } else {
    declared.push_back("...");
  }
  py::object returns = py::none();
  if (spec->returns) returns = py::str(PythonAnnotation(*spec->returns, false));
  std::string text =
      absl::StrCat(function_name, "(", absl::StrJoin(declared, ", "), ") -> ",
                   spec->returns ? spec->returns->ToString() : "any");
  return py::make_tuple(params, returns, text);
}

py::list HostFunctionNames() {
  CallContext& context = RequireContext();
  std::vector<std::string> names;
  WithoutGil(
      [&] { names = context.services().HostFunctionNames(context.source()); });
  return NamesToPython(names);
}

void Log(int level, py::handle message) {
  CallContext& context = RequireContext();
  std::string text = PythonToText(message.ptr());
  WithoutGil([&] {
    engine::LogLines(context.services(), LevelFromIndex(level),
                     context.source(), text);
  });
}

// sys.stdout / sys.stderr. Outside any duet entry (a thread the plugin
// started, or interpreter shutdown) the text goes to the process's stderr:
// never to stdout, which belongs to the application.
void Write(int stream, py::handle text) {
  std::string utf8 = PythonToText(text.ptr());
  CallContext* context = CallContext::Current();
  if (context == nullptr) {
    py::gil_scoped_release release;
    size_t written = 0;
    while (written < utf8.size()) {
      ssize_t n = ::write(2, utf8.data() + written, utf8.size() - written);
      if (n <= 0) break;
      written += static_cast<size_t>(n);
    }
    return;
  }
  OutputStream output =
      stream == 1 ? OutputStream::kStderr : OutputStream::kStdout;
  std::vector<std::string> lines;
  context->Write(output, utf8, &lines);
  if (lines.empty()) return;
  py::gil_scoped_release release;
  for (const std::string& line : lines) {
    context->services().Log(LevelFor(output), context->source(), line);
  }
}

// duet.Function: a function Value from elsewhere (C++, JavaScript) in
// Python. Calling it is a call out like duet.call: arguments converted, the
// GIL released, the caller's deadline kept.
struct FunctionObject {
  Value::CallablePtr callable;
  ~FunctionObject() {
    // Deallocated with the GIL held (maybe on a thread no entry marked):
    // a script function of another engine is queued, never released here.
    engine::EngineLockMark mark;
    callable.reset();
  }
};

py::object CallFunctionObject(const FunctionObject& self,
                              const py::args& args) {
  RequireContext();
  Arguments values = ArgumentsToValues(args);
  const absl::Time deadline = CurrentLimits().deadline;
  const Value::CallablePtr callable = self.callable;
  return CallOut([&] { return callable->Call(values, deadline); });
}

std::string FunctionDisplayName(const Value::CallablePtr& callable) {
  std::optional<Language> language = callable->language();
  return absl::StrCat(
      callable->name().empty() ? "(anonymous)" : callable->name(), " (",
      internal::ToAbsl(language ? LanguageName(*language) : "C++"), ")");
}

}  // namespace

PyObject* WrapCallable(const Value::CallablePtr& callable) {
  try {
    return py::cast(FunctionObject{callable}).release().ptr();
  } catch (py::error_already_set& error) {
    error.restore();
    return nullptr;
  }
}

const Value::CallablePtr* UnwrapCallable(PyObject* object) {
  py::handle handle(object);
  if (!py::isinstance<FunctionObject>(handle)) return nullptr;
  return &handle.cast<const FunctionObject&>().callable;
}

namespace {

void DefineFunctionType(py::module_& native) {
  // pybind11 registers a type once per interpreter; an application's
  // interpreter (PythonOptions::use_running_interpreter) outlives our Hosts,
  // so a later Host finds the type already there and reuses it.
  py::handle registered =
      py::detail::get_type_handle(typeid(FunctionObject), false);
  if (registered) {
    native.attr("Function") = registered;
    return;
  }
  py::class_<FunctionObject>(native, "Function",
                             "A function from C++ or another language; call "
                             "it like any Python function.")
      .def("__call__", &CallFunctionObject)
      // A type's own __name__ cannot be a property; instances have none.
      .def("__getattr__",
           [](const FunctionObject& self, const std::string& name) {
             if (name != "__name__" && name != "__qualname__") {
               throw py::attribute_error(name);
             }
             return self.callable->name();
           })
      .def_property_readonly(
          "language",
          [](const FunctionObject& self) {
            std::optional<Language> language = self.callable->language();
            return std::string(language ? LanguageName(*language) : "C++");
          })
      .def("__repr__", [](const FunctionObject& self) {
        return absl::StrCat("<duet.Function ",
                            FunctionDisplayName(self.callable), ">");
      });
}

}  // namespace

void DefineNativeFunctions(py::module_& native) {
  DefineFunctionType(native);
  native.def("call_module", &CallModule);
  PyObject* module_function_type = PyType_FromSpec(&kModuleFunctionSpec);
  if (module_function_type == nullptr) throw py::error_already_set();
  native.attr("ModuleFunction") =
      py::reinterpret_steal<py::object>(module_function_type);
  native.def("module_function", &NewModuleFunction);
  native.def("read_generic_first", &ReadGenericFirst);
  native.def("call_qualified", &CallQualified);
  native.def("call_host", &CallHost);
  native.def("module_names", &ModuleNames);
  native.def("module_functions", &ModuleFunctions);
  native.def("declared_export", &DeclaredExport);
  native.def("host_function_names", &HostFunctionNames);
  native.def("log", &Log);
  native.def("write", &Write);
  DefineErrorFunctions(native);
  DefineImportHook(native);
  // Whether this thread is inside a call into a plugin (so print() is the
  // plugin's, for the log sink).
  native.def("in_entry", [] { return CallContext::Current() != nullptr; });
}

}  // namespace duet::python
