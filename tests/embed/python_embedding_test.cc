// HostOptions::python (PythonOptions, duet/host.h): how the one CPython
// interpreter is started, or borrowed from the application.
//
// PythonOptionsTest runs in this process: duet's own interpreter starts
// afresh with each test's first Host and is finalised with its last, so each
// test sees the options (and environment) it sets. What needs a process of
// its own -- an application that initialised CPython itself, or a start
// that fails -- is a PythonEmbeddingChild test, run by a PythonEmbeddingTest
// in a child process of this binary (skipped when run directly).
//
// Python.h first, as CPython asks.
#include <Python.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "duet/duet.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/child_process.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace duet {
namespace {

namespace fs = std::filesystem;
using ::duet::testing::ChildRun;
using ::duet::testing::IsOkAndHolds;
using ::duet::testing::RunTestsInChild;
using ::duet::testing::StatusIs;
using ::duet::testing::TempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kProbeSource[] = R"PY(
import __main__
import importlib
import importlib.util
import sys


def app_marker():
    return getattr(__main__, "app_marker", None)


def can_import(name):
    return importlib.util.find_spec(name) is not None


def imported_value(name):
    return importlib.import_module(name).VALUE


def base_prefix():
    return sys.base_prefix


def prefix():
    return sys.prefix


def shout(text):
    print("plugin says", text)
    return text.upper()
)PY";

// Lines the log sink received, as "source: message".
class LogLines {
 public:
  LogSink Sink() {
    return [this](LogLevel, std::string_view source, std::string_view message) {
      std::lock_guard<std::mutex> lock(mutex_);
      lines_.push_back(std::string(source) + ": " + std::string(message));
    };
  }
  std::vector<std::string> Get() {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

HostOptions PythonOnly(PythonOptions python, LogSink sink = nullptr) {
  HostOptions options;
  options.languages = {Language::kPython};
  options.python = std::move(python);
  options.log_sink = sink ? std::move(sink)
                          : [](LogLevel, std::string_view, std::string_view) {};
  return options;
}

// A Python-only host with the probe plugin loaded; null (and a test
// failure) when either step fails.
std::unique_ptr<Host> ProbeHost(PythonOptions python, LogSink sink = nullptr) {
  absl::StatusOr<std::unique_ptr<Host>> host =
      Host::Create(PythonOnly(std::move(python), std::move(sink)));
  EXPECT_OK(host.status());
  if (!host.ok()) return nullptr;
  PluginSource probe;
  probe.module = "probe";
  probe.implementations = {{Language::kPython, kProbeSource, "probe.py"}};
  EXPECT_OK((*host)->LoadPlugin(probe).status());
  return *std::move(host);
}

// Sets an environment variable for the scope, then sets it to `after`
// (unset when null).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value,
            std::optional<std::string> after = std::nullopt)
      : name_(name), after_(std::move(after)) {
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (after_) {
      ::setenv(name_, after_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> after_;
};

// --- in this process ---------------------------------------------------------

TEST(PythonOptionsTest, IsolatedByDefaultIgnoringPythonPath) {
  TempDir dir;
  dir.Write("from_environment.py", "VALUE = 1\n");
  ScopedEnv python_path("PYTHONPATH", dir.path().string());
  {
    std::unique_ptr<Host> host = ProbeHost({});
    ASSERT_NE(host, nullptr);
    EXPECT_THAT(host->Call("probe", "can_import", {"from_environment"}),
                IsOkAndHolds(Value(false)));
  }
  // The same environment, not isolated: PYTHONPATH counts.
  PythonOptions from_environment;
  from_environment.isolated = false;
  std::unique_ptr<Host> host = ProbeHost(from_environment);
  ASSERT_NE(host, nullptr);
  EXPECT_THAT(host->Call("probe", "imported_value", {"from_environment"}),
              IsOkAndHolds(Value(1)));
}

// A python3 on PATH in a virtual environment: the python3 command would
// take its prefix, as does a start that is not isolated.
TEST(PythonOptionsTest, IsolatedIgnoresAVirtualEnvironmentOnPath) {
  TempDir venv;
  fs::path program = venv.Write("bin/python3", "");
  fs::permissions(program, fs::perms::owner_all);
  venv.Write("pyvenv.cfg", "home = /usr/bin\n");
  const char* path = std::getenv("PATH");
  ScopedEnv path_with_venv(
      "PATH",
      absl::StrCat((venv.path() / "bin").string(), ":",
                   path != nullptr ? path : "/usr/bin:/bin"),
      path != nullptr ? path : "");
  const std::string venv_prefix = venv.path().string();
  {
    std::unique_ptr<Host> host = ProbeHost({});
    ASSERT_NE(host, nullptr);
    absl::StatusOr<Value> prefix = host->Call("probe", "prefix", {});
    ASSERT_OK(prefix.status());
    EXPECT_NE(prefix->as_string(), venv_prefix);
  }
  PythonOptions from_environment;
  from_environment.isolated = false;
  std::unique_ptr<Host> host = ProbeHost(from_environment);
  ASSERT_NE(host, nullptr);
  EXPECT_THAT(host->Call("probe", "prefix", {}),
              IsOkAndHolds(Value(venv_prefix)));
}

TEST(PythonOptionsTest, ExtraPathsComeFirstInTheirOrder) {
  TempDir first;
  TempDir second;
  first.Write("shared_name.py", "VALUE = 'first'\n");
  second.Write("shared_name.py", "VALUE = 'second'\n");
  second.Write("only_second.py", "VALUE = 'second only'\n");
  PythonOptions python;
  python.extra_paths = {first.path(), second.path()};
  std::unique_ptr<Host> host = ProbeHost(python);
  ASSERT_NE(host, nullptr);
  EXPECT_THAT(host->Call("probe", "imported_value", {"shared_name"}),
              IsOkAndHolds(Value("first")));
  EXPECT_THAT(host->Call("probe", "imported_value", {"only_second"}),
              IsOkAndHolds(Value("second only")));
  // Not there without the option: a fresh interpreter starts without them.
  host.reset();
  host = ProbeHost({});
  ASSERT_NE(host, nullptr);
  EXPECT_THAT(host->Call("probe", "can_import", {"only_second"}),
              IsOkAndHolds(Value(false)));
}

// A home is that start's: the next start without one is back to the
// interpreter's own prefix (CPython itself would keep the earlier home).
TEST(PythonOptionsTest, AHomeAppliesToTheStartThatGivesIt) {
  std::string own_prefix;
  {
    std::unique_ptr<Host> host = ProbeHost({});
    ASSERT_NE(host, nullptr);
    absl::StatusOr<Value> found = host->Call("probe", "base_prefix", {});
    ASSERT_OK(found.status());
    own_prefix = found->as_string();
  }
  // Another prefix with the same standard library.
  TempDir home;
  const std::string stdlib =
      absl::StrCat("python", PY_MAJOR_VERSION, ".", PY_MINOR_VERSION);
  fs::create_directories(home.path() / "lib");
  fs::create_directory_symlink(fs::path(own_prefix) / "lib" / stdlib,
                               home.path() / "lib" / stdlib);
  {
    PythonOptions python;
    python.home = home.path();
    std::unique_ptr<Host> host = ProbeHost(python);
    ASSERT_NE(host, nullptr);
    EXPECT_THAT(host->Call("probe", "base_prefix", {}),
                IsOkAndHolds(Value(home.path().string())));
  }
  std::unique_ptr<Host> host = ProbeHost({});
  ASSERT_NE(host, nullptr);
  EXPECT_THAT(host->Call("probe", "base_prefix", {}),
              IsOkAndHolds(Value(own_prefix)));
}

TEST(PythonOptionsTest, AHostWithOtherOptionsMeanwhileIsRefusedNamingTheField) {
  TempDir first;
  TempDir second;
  PythonOptions python;
  python.extra_paths = {first.path()};
  std::unique_ptr<Host> running = ProbeHost(python);
  ASSERT_NE(running, nullptr);

  PythonOptions other_paths;
  other_paths.extra_paths = {second.path()};
  EXPECT_THAT(Host::Create(PythonOnly(other_paths)).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("PythonOptions::extra_paths"),
                             HasSubstr(second.path().string()),
                             HasSubstr(first.path().string()))));
  PythonOptions not_isolated = python;
  not_isolated.isolated = false;
  EXPECT_THAT(Host::Create(PythonOnly(not_isolated)).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("PythonOptions::isolated is false")));
  PythonOptions attach = python;
  attach.use_running_interpreter = true;
  EXPECT_THAT(Host::Create(PythonOnly(attach)).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("PythonOptions::use_running_interpreter")));
  // The same options share the interpreter.
  EXPECT_OK(Host::Create(PythonOnly(python)).status());

  // Once the interpreter's last Host is gone, the next may choose anew.
  running.reset();
  std::unique_ptr<Host> next = ProbeHost(other_paths);
  EXPECT_NE(next, nullptr);
}

TEST(PythonOptionsTest, HomeWithUseRunningInterpreterIsInvalid) {
  PythonOptions python;
  python.use_running_interpreter = true;
  python.home = "/usr";
  EXPECT_THAT(Host::Create(PythonOnly(python)).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("PythonOptions::home")));
}

TEST(PythonOptionsTest, UseRunningInterpreterWithoutOneSaysSo) {
  ASSERT_FALSE(Py_IsInitialized());
  PythonOptions python;
  python.use_running_interpreter = true;
  EXPECT_THAT(Host::Create(PythonOnly(python)).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("no Python interpreter is running")));
  // Nothing was started: duet may still start its own.
  EXPECT_FALSE(Py_IsInitialized());
  EXPECT_NE(ProbeHost({}), nullptr);
}

// --- in a child process
// -------------------------------------------------------

constexpr char kChildEnv[] = "DUET_PYTHON_EMBEDDING_CHILD";

// In a child: a scratch directory the parent made. Null in the parent.
const char* ChildDir() { return std::getenv(kChildEnv); }

#define SKIP_UNLESS_CHILD()                                     \
  if (ChildDir() == nullptr) {                                  \
    GTEST_SKIP() << "runs only as a child process (see below)"; \
  }

// Runs PythonEmbeddingChild.<name> in a child process; returns how it went
// after expecting it to pass.
ChildRun ExpectChildPasses(const std::string& name) {
  TempDir dir;
  ChildRun run = RunTestsInChild(absl::StrCat("PythonEmbeddingChild.", name),
                                 kChildEnv, dir.path().string(), dir.path());
  EXPECT_TRUE(run.passed()) << run.Describe();
  return run;
}

// The application as an embedder of CPython would be: it initialises the
// interpreter, keeps the GIL on its main thread, and sets a global.
TEST(PythonEmbeddingChild, UsesTheApplicationsInterpreterHoldingTheGil) {
  SKIP_UNLESS_CHILD();
  Py_InitializeEx(0);
  ASSERT_EQ(PyRun_SimpleString("import sys\n"
                               "sys.dont_write_bytecode = False\n"
                               "app_marker = 'set by the application'\n"),
            0);

  // Without the option duet refuses, and says which option to set.
  EXPECT_THAT(
      Host::Create(PythonOnly({})).status(),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               HasSubstr("HostOptions::python.use_running_interpreter")));

  LogLines log;
  PythonOptions python;
  python.use_running_interpreter = true;
  std::unique_ptr<Host> host = ProbeHost(python, log.Sink());
  ASSERT_NE(host, nullptr);
  // The same interpreter: the plugin sees the application's global.
  EXPECT_THAT(host->Call("probe", "app_marker", {}),
              IsOkAndHolds(Value("set by the application")));
  // A plugin's print goes to the log sink; the application's own print,
  // outside calls, still goes where it went (the parent looks for it).
  EXPECT_THAT(host->Call("probe", "shout", {"hi"}), IsOkAndHolds(Value("HI")));
  EXPECT_THAT(log.Get(), ::testing::Contains("probe: plugin says hi"));
  ASSERT_EQ(PyRun_SimpleString("print('application print while attached', "
                               "flush=True)"),
            0);
  EXPECT_THAT(
      log.Get(),
      Not(::testing::Contains(HasSubstr("application print while attached"))));

  host.reset();
  // Not finalised; duet's modules are gone, the application's are not.
  ASSERT_TRUE(Py_IsInitialized());
  EXPECT_EQ(PyRun_SimpleString(
                "import sys\n"
                "assert 'duet' not in sys.modules, 'duet still imported'\n"
                "assert '_duet_plugins' not in sys.modules\n"
                "assert app_marker == 'set by the application'\n"
                "assert not sys.dont_write_bytecode\n"
                "print('application print after the host', flush=True)\n"),
            0);
  // A second attachment works as the first did.
  host = ProbeHost(python);
  ASSERT_NE(host, nullptr);
  EXPECT_THAT(host->Call("probe", "app_marker", {}),
              IsOkAndHolds(Value("set by the application")));
  host.reset();
  EXPECT_EQ(Py_FinalizeEx(), 0);
}

// The application releases the GIL after initialising; duet's calls then
// come from several threads, each taking it for itself.
TEST(PythonEmbeddingChild, UsesTheApplicationsInterpreterFromManyThreads) {
  SKIP_UNLESS_CHILD();
  Py_InitializeEx(0);
  ASSERT_EQ(PyRun_SimpleString("app_marker = 'shared'"), 0);
  PyThreadState* main_state = PyEval_SaveThread();
  {
    PythonOptions python;
    python.use_running_interpreter = true;
    TempDir extra;
    extra.Write("extra_module.py", "VALUE = 7\n");
    python.extra_paths = {extra.path()};
    std::unique_ptr<Host> host = ProbeHost(python);
    ASSERT_NE(host, nullptr);
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&host] {
        for (int call = 0; call < 20; ++call) {
          EXPECT_THAT(host->Call("probe", "app_marker", {}),
                      IsOkAndHolds(Value("shared")));
        }
        EXPECT_THAT(host->Call("probe", "imported_value", {"extra_module"}),
                    IsOkAndHolds(Value(7)));
      });
    }
    for (std::thread& thread : threads) thread.join();
  }
  PyEval_RestoreThread(main_state);
  ASSERT_TRUE(Py_IsInitialized());
  // extra_paths left sys.path with the Host.
  EXPECT_EQ(PyRun_SimpleString("import sys\n"
                               "assert not any('duet_test_' in p for p in "
                               "sys.path), sys.path\n"),
            0);
  EXPECT_EQ(Py_FinalizeEx(), 0);
}

// The application finalises its interpreter after the Host and starts
// another: the next Host uses the new one; after that is finalised too, a
// Host with default options starts duet's own.
TEST(PythonEmbeddingChild, FollowsTheApplicationAcrossRestarts) {
  SKIP_UNLESS_CHILD();
  PythonOptions python;
  python.use_running_interpreter = true;
  for (const char* marker : {"first", "second"}) {
    Py_InitializeEx(0);
    ASSERT_EQ(
        PyRun_SimpleString(absl::StrCat("app_marker = '", marker, "'").c_str()),
        0);
    std::unique_ptr<Host> host = ProbeHost(python);
    ASSERT_NE(host, nullptr);
    EXPECT_THAT(host->Call("probe", "app_marker", {}),
                IsOkAndHolds(Value(marker)));
    // pybind11's state (the types it makes) belongs to this interpreter, not
    // the one finalised before: pybind11 records it in the builtins.
    EXPECT_EQ(
        PyRun_SimpleString("import builtins\n"
                           "assert any(name.startswith('__pybind11_internals') "
                           "for name in vars(builtins))\n"),
        0);
    host.reset();
    ASSERT_EQ(Py_FinalizeEx(), 0);
  }
  std::unique_ptr<Host> host = ProbeHost({});
  ASSERT_NE(host, nullptr);
  EXPECT_THAT(host->Call("probe", "app_marker", {}),
              IsOkAndHolds(Value(nullptr)));
}

// A home without a standard library is refused before CPython is touched:
// nothing on stderr, and a later Host with a good home starts.
TEST(PythonEmbeddingChild, AHomeWithoutAStandardLibraryIsAStatus) {
  SKIP_UNLESS_CHILD();
  fs::path home = fs::path(ChildDir()) / "no_python_here";
  PythonOptions python;
  python.home = home;
  EXPECT_THAT(
      Host::Create(PythonOnly(python)).status(),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               AllOf(HasSubstr(home.string()), HasSubstr("no Python 3."))));
  EXPECT_FALSE(Py_IsInitialized());
  std::unique_ptr<Host> host = ProbeHost({});
  ASSERT_NE(host, nullptr);
  EXPECT_THAT(host->Call("probe", "shout", {"still here"}),
              IsOkAndHolds(Value("STILL HERE")));
}

// A home that looks right but is not: CPython itself fails. Its complaint
// (the path configuration it prints) is in the Status, not on stderr, and
// the process lives on; CPython cannot start again, and a later Host says
// so.
TEST(PythonEmbeddingChild, ACPythonStartFailureIsAStatus) {
  SKIP_UNLESS_CHILD();
  fs::path home = fs::path(ChildDir()) / "hollow_python";
  fs::create_directories(
      home / "lib" /
      absl::StrCat("python", PY_MAJOR_VERSION, ".", PY_MINOR_VERSION) /
      "encodings");
  PythonOptions python;
  python.home = home;
  absl::Status failed = Host::Create(PythonOnly(python)).status();
  EXPECT_THAT(failed, StatusIs(absl::StatusCode::kFailedPrecondition,
                               AllOf(HasSubstr("cannot start the Python"),
                                     HasSubstr(home.string()),
                                     HasSubstr("Python path configuration"))));
  EXPECT_THAT(Host::Create(PythonOnly({})).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("cannot start again")));
}

TEST(PythonEmbeddingTest, UsesTheApplicationsInterpreterHoldingTheGil) {
  ChildRun run =
      ExpectChildPasses("UsesTheApplicationsInterpreterHoldingTheGil");
  EXPECT_THAT(run.output, HasSubstr("application print while attached"));
  EXPECT_THAT(run.output, HasSubstr("application print after the host"));
}

TEST(PythonEmbeddingTest, UsesTheApplicationsInterpreterFromManyThreads) {
  ExpectChildPasses("UsesTheApplicationsInterpreterFromManyThreads");
}

TEST(PythonEmbeddingTest, FollowsTheApplicationAcrossRestarts) {
  ExpectChildPasses("FollowsTheApplicationAcrossRestarts");
}

TEST(PythonEmbeddingTest, AHomeWithoutAStandardLibraryIsAStatus) {
  ChildRun run = ExpectChildPasses("AHomeWithoutAStandardLibraryIsAStatus");
  EXPECT_THAT(run.output, Not(HasSubstr("Python path configuration")));
}

TEST(PythonEmbeddingTest, ACPythonStartFailureIsAStatus) {
  ChildRun run = ExpectChildPasses("ACPythonStartFailureIsAStatus");
  EXPECT_THAT(run.output, Not(HasSubstr("Python path configuration")));
}

}  // namespace
}  // namespace duet
