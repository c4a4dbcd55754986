// What starting the interpreter does to start sooner: duet's modules run
// from bytecode compiled at build time, and loading a plugin tells a
// coroutine function from a plain one without importing inspect.
#include <Python.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "duet/runtime.h"
#include "duet/value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "python/python_sources.h"
#include "python_bytecode.h"
#include "python_test_fixture.h"
#include "testing/child_process.h"

// Not part of Python.h, and needs it first.
#include "marshal.h"

namespace duet::testing {
namespace {

struct ModuleCase {
  const char* source;
  const char* file;
  const unsigned char* bytecode;
  size_t bytecode_size;
};

// The build compiled exactly the text that would otherwise be compiled at
// start, under the same file name, for this Python's bytecode format.
TEST_F(PythonRuntimeTest, BuildBytecodeIsTheSourceCompiled) {
  ASSERT_NE(Probe(), nullptr);  // the interpreter runs
  PyGILState_STATE gil = PyGILState_Ensure();
  EXPECT_EQ(PyImport_GetMagicNumber(), python::kBytecodeMagic);
  const ModuleCase cases[] = {
      {python::kDuetModuleSource, python::kDuetModuleFile,
       python::kDuetModuleCode, sizeof(python::kDuetModuleCode)},
      {python::kInternalModuleSource, python::kInternalModuleFile,
       python::kInternalModuleCode, sizeof(python::kInternalModuleCode)},
  };
  for (const ModuleCase& module : cases) {
    SCOPED_TRACE(module.file);
    PyObject* compiled =
        Py_CompileString(module.source, module.file, Py_file_input);
    PyObject* unmarshalled = PyMarshal_ReadObjectFromString(
        reinterpret_cast<const char*>(module.bytecode),
        static_cast<Py_ssize_t>(module.bytecode_size));
    ASSERT_NE(compiled, nullptr);
    ASSERT_NE(unmarshalled, nullptr);
    EXPECT_EQ(PyObject_RichCompareBool(compiled, unmarshalled, Py_EQ), 1);
    PyObject* filename = PyObject_GetAttrString(unmarshalled, "co_filename");
    ASSERT_NE(filename, nullptr);
    EXPECT_STREQ(PyUnicode_AsUTF8(filename), module.file);
    Py_DECREF(filename);
    Py_DECREF(compiled);
    Py_DECREF(unmarshalled);
  }
  PyGILState_Release(gil);
}

// An export is async as inspect.iscoroutinefunction says: a plain
// coroutine function (read from its code flags), and what only inspect sees
// through (a partial, a bound method); not a plain function, whatever it
// returns.
TEST_F(PythonRuntimeTest, CoroutineExportsAreAsyncWhateverTheirKind) {
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("kinds", R"PY(
import functools

__all__ = ["plain", "coroutine", "partial", "bound", "partial_of_plain",
           "returns_awaitable"]


def plain(x):
    return x + 1


async def coroutine(x):
    return x + 2


async def _scaled(factor, x):
    return x * factor


partial = functools.partial(_scaled, 10)
partial_of_plain = functools.partial(plain, 5)


class _Counter:
    async def add(self, x):
        return x + 3


bound = _Counter().add


def returns_awaitable(x):
    return coroutine(x)
)PY"));
  const std::vector<std::string>& exports = plugin->exports();
  auto is_async = [&](const std::string& name) {
    auto it = std::find(exports.begin(), exports.end(), name);
    EXPECT_NE(it, exports.end()) << name;
    return plugin->IsAsync(static_cast<size_t>(it - exports.begin()));
  };
  EXPECT_FALSE(is_async("plain"));
  EXPECT_TRUE(is_async("coroutine"));
  EXPECT_TRUE(is_async("partial"));
  EXPECT_TRUE(is_async("bound"));
  EXPECT_FALSE(is_async("partial_of_plain"));
  EXPECT_FALSE(is_async("returns_awaitable"));
  EXPECT_THAT(CallByName(*plugin, "coroutine", {Value(1)}),
              IsOkAndHolds(Value(3)));
  EXPECT_THAT(CallByName(*plugin, "partial", {Value(2)}),
              IsOkAndHolds(Value(20)));
  EXPECT_THAT(CallByName(*plugin, "bound", {Value(1)}), IsOkAndHolds(Value(4)));
  EXPECT_THAT(CallByName(*plugin, "partial_of_plain", {}),
              IsOkAndHolds(Value(6)));
}

// duet.Frame is made on first use (collections is not imported at start),
// and is the same namedtuple however it is reached.
TEST_F(PythonRuntimeTest, FrameIsANamedTupleMadeOnFirstUse) {
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("frames", R"PY(
import duet


def describe():
    from duet import Frame
    star = {}
    exec("from duet import *", star)
    frame = duet.Frame("python", "f.py", 1, 2, "g")
    return {
        "same": Frame is duet.Frame and star["Frame"] is Frame,
        "fields": list(Frame._fields),
        "repr": repr(frame),
        "line": frame.line,
        "module": Frame.__module__,
        "replaced": frame._replace(line=9).line,
        "missing": hasattr(duet, "NoSuchName"),
    }
)PY"));
  EXPECT_THAT(CallByName(*plugin, "describe", {}),
              IsOkAndHolds(Value(Value::Map{
                  {"same", true},
                  {"fields", Value::List{"language", "file", "line", "column",
                                         "function"}},
                  {"repr",
                   "Frame(language='python', file='f.py', line=1, column=2, "
                   "function='g')"},
                  {"line", 1},
                  {"module", "duet"},
                  {"replaced", 9},
                  {"missing", false}})));
}

// Asked to optimise (-O, here PYTHONOPTIMIZE in a non-isolated start), the
// interpreter compiles duet's modules from their text, as the bytecode
// built with asserts kept is not what -O would make; duet works the same.
TEST(PythonStartTest, OptimisedInterpreterCompilesTheModulesFromText) {
  TempDir dir;
  ChildRun run = RunTestsInChild("PythonStartChild.OptimisedStart",
                                 "PYTHONOPTIMIZE", "1", dir.path());
  EXPECT_TRUE(run.passed()) << run.Describe();
}

TEST(PythonStartChild, OptimisedStart) {
  const char* optimize = std::getenv("PYTHONOPTIMIZE");
  if (optimize == nullptr || std::string(optimize) != "1") {
    GTEST_SKIP() << "runs only as a child process (see above)";
  }
  RecordingServices services;
  PythonOptions options;
  options.isolated = false;  // reads PYTHONOPTIMIZE
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Runtime> runtime,
                       PythonRuntimeFactory(options)(services));
  TempDir plugins;
  std::filesystem::path entry = plugins.Write("opt/opt.py", R"PY(
import sys
import duet


def check():
    try:
        raise duet.Error("no such user", "NOT_FOUND")
    except duet.Error as e:
        code = e.code
    return {"optimize": sys.flags.optimize, "code": code,
            "frame": duet.Frame("python", "f.py", 1, 2, "g").line}
)PY");
  ImplementationSpec spec;
  spec.module = "opt";
  spec.entry = entry;
  spec.root = entry.parent_path();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Implementation> plugin,
                       runtime->Load(spec));
  EXPECT_THAT(CallByName(*plugin, "check", {}),
              IsOkAndHolds(Value(Value::Map{
                  {"optimize", 1}, {"code", "NOT_FOUND"}, {"frame", 1}})));
}

}  // namespace
}  // namespace duet::testing
