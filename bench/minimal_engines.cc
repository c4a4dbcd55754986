// The least a program embedding both engines does to make one call in
// each: start CPython, call a Python add(1, 2); start V8 (the libnode duet
// links) with a platform, an isolate and a context, call a JavaScript
// add(1, 2); print both results. coldstart_benchmark times this process
// beside a whole `duet call`, so the ratio is what duet adds to a cold
// start. Exits 1, naming the step, when a step fails.
#include <Python.h>
#include <libplatform/libplatform.h>
#include <v8.h>

#include <cstdint>
#include <cstdio>
#include <memory>

namespace {

// add(1, 2) in Python, or -1.
int64_t CallPythonAdd() {
  Py_InitializeEx(0);  // no signal handlers, as duet
  int64_t sum = -1;
  PyObject* globals = PyDict_New();
  PyObject* ran = PyRun_String("def add(a, b):\n    return a + b\n",
                               Py_file_input, globals, globals);
  PyObject* add = ran != nullptr ? PyDict_GetItemString(globals, "add")
                                 : nullptr;  // borrowed
  PyObject* result =
      add != nullptr ? PyObject_CallFunction(add, "ii", 1, 2) : nullptr;
  if (result != nullptr) sum = PyLong_AsLongLong(result);
  if (PyErr_Occurred()) PyErr_Print();
  Py_XDECREF(result);
  Py_XDECREF(ran);
  Py_DECREF(globals);
  Py_FinalizeEx();
  return sum;
}

// add(1, 2) in JavaScript, or -1.
int64_t CallJavaScriptAdd() {
  std::unique_ptr<v8::Platform> platform = v8::platform::NewDefaultPlatform();
  v8::V8::InitializePlatform(platform.get());
  v8::V8::Initialize();
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator(
      v8::ArrayBuffer::Allocator::NewDefaultAllocator());
  v8::Isolate::CreateParams params;
  params.array_buffer_allocator = allocator.get();
  v8::Isolate* isolate = v8::Isolate::New(params);
  int64_t sum = -1;
  {
    v8::Isolate::Scope isolate_scope(isolate);
    v8::HandleScope handle_scope(isolate);
    v8::Local<v8::Context> context = v8::Context::New(isolate);
    v8::Context::Scope context_scope(context);
    v8::Local<v8::Script> script;
    v8::Local<v8::Value> add;
    v8::Local<v8::Value> argv[] = {v8::Integer::New(isolate, 1),
                                   v8::Integer::New(isolate, 2)};
    v8::Local<v8::Value> result;
    if (v8::Script::Compile(
            context, v8::String::NewFromUtf8Literal(
                         isolate, "(function add(a, b) { return a + b; })"))
            .ToLocal(&script) &&
        script->Run(context).ToLocal(&add) && add->IsFunction() &&
        add.As<v8::Function>()
            ->Call(context, v8::Undefined(isolate), 2, argv)
            .ToLocal(&result)) {
      sum = result->IntegerValue(context).FromMaybe(-1);
    }
  }
  isolate->Dispose();
  v8::V8::Dispose();
  v8::V8::DisposePlatform();
  return sum;
}

}  // namespace

int main() {
  const int64_t python_sum = CallPythonAdd();
  if (python_sum != 3) {
    std::fprintf(stderr, "minimal_engines: Python add(1, 2) gave %lld\n",
                 static_cast<long long>(python_sum));
    return 1;
  }
  const int64_t javascript_sum = CallJavaScriptAdd();
  if (javascript_sum != 3) {
    std::fprintf(stderr, "minimal_engines: JavaScript add(1, 2) gave %lld\n",
                 static_cast<long long>(javascript_sum));
    return 1;
  }
  std::printf("%lld %lld\n", static_cast<long long>(python_sum),
              static_cast<long long>(javascript_sum));
  return 0;
}
