// Python plugins carrying their own packages (docs/python.md): vendor/ and a
// .venv's site-packages are the plugin's own import path, so two plugins
// carrying two versions of one package each get theirs, side by side; and
// sys.executable is the interpreter duet embeds. The package is duetdemo
// (tests/python/packages), installed as 1.0 and 2.0 into the build tree by
// pip at build time (tests/python/CMakeLists.txt).
// Python.h first, as CPython asks.
#include <Python.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>

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
using ::duet::testing::TempDir;

// Where pip installed duetdemo VERSION (a --target folder).
fs::path Installed(const std::string& version) {
  return fs::path(DUET_DEMO_PACKAGES) / ("duetdemo-" + version);
}

// What versions() returns when every part of duetdemo is `version`.
Value AllVersions(const std::string& version) {
  std::string all = version;
  for (int i = 1; i < 9; ++i) all += " " + version;
  return Value(all);
}

// The functions every test plugin has.
constexpr char kPluginSource[] = R"PY(
import importlib
import importlib.metadata
import importlib.resources
import importlib.util
import sys


def versions():
    """The version of each part of duetdemo, reached each way there is."""
    import duetdemo
    import duetdemo.sub
    from duetdemo.sub import version as sub_version
    return " ".join(duetdemo.versions() + [
        sub_version(),
        duetdemo.sub.version(),
        importlib.import_module("duetdemo.helpers").VERSION,
        importlib.metadata.version("duetdemo"),
        __import__("duetdemo").__version__,
        # importlib.resources imports the package on the plugin's behalf.
        (importlib.resources.files("duetdemo") / "helpers.py")
        .read_text().split('"')[1],
    ])


def import_error(name):
    try:
        importlib.import_module(name)
    except ImportError as error:
        return f"{type(error).__name__}: {error}"
    try:
        exec(f"import {name}", {"__name__": __name__})
    except ImportError as error:
        return f"{type(error).__name__}: {error}"
    return "imported"


def attribute(module, name):
    return repr(getattr(importlib.import_module(module), name, None))


def found(name):
    return importlib.util.find_spec(name) is not None


def loaded_copies():
    """How many private packages hold a duetdemo in sys.modules, and
    whether a plain one is there."""
    holders = {name.rpartition(".duetdemo")[0] for name in sys.modules
               if ".duetdemo" in name}
    return [len(holders), "duetdemo" in sys.modules]
)PY";

void WriteFile(const fs::path& file, const std::string& content) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << content;
}

// Writes plugin NAME (plugin.toml and main.py) into `dir`.
void WritePlugin(const fs::path& dir, const std::string& name) {
  WriteFile(
      dir / name / "plugin.toml",
      "name = \"" + name + "\"\n[implementations]\npython = \"main.py\"\n");
  WriteFile(dir / name / "main.py", kPluginSource);
}

// Copies duetdemo VERSION into `where` inside plugin NAME in `dir`.
void Vendor(const fs::path& dir, const std::string& name,
            const std::string& version, const fs::path& where = "vendor") {
  fs::path target = dir / name / where;
  fs::remove_all(target);
  fs::create_directories(target.parent_path());
  fs::copy(Installed(version), target, fs::copy_options::recursive);
}

class PythonPackagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(Installed("1.0") / "duetdemo"))
        << "the build installs duetdemo (target duetdemo_packages)";
    ASSERT_OK_AND_ASSIGN(host_, Host::Create());
  }

  fs::path WritePlugin(const std::string& name) {
    duet::WritePlugin(dir_.path(), name);
    return dir_.path() / name;
  }

  void Vendor(const std::string& name, const std::string& version,
              const fs::path& where = "vendor") {
    duet::Vendor(dir_.path(), name, version, where);
  }

  TempDir dir_;
  std::unique_ptr<Host> host_;
};

TEST_F(PythonPackagesTest, TwoPluginsUseTheirOwnVersionsSideBySide) {
  WritePlugin("old_user");
  Vendor("old_user", "1.0");
  WritePlugin("new_user");
  Vendor("new_user", "2.0");
  ASSERT_OK(host_->LoadPlugins(dir_.path()).status());

  const Value all_1 = AllVersions("1.0");
  const Value all_2 = AllVersions("2.0");
  EXPECT_THAT(host_->Call("old_user", "versions", {}), IsOkAndHolds(all_1));
  EXPECT_THAT(host_->Call("new_user", "versions", {}), IsOkAndHolds(all_2));
  // Neither replaced the other's: both copies are loaded, none as plain
  // `duetdemo`.
  EXPECT_THAT(host_->Call("old_user", "versions", {}), IsOkAndHolds(all_1));
  EXPECT_THAT(host_->Call("new_user", "loaded_copies", {}),
              IsOkAndHolds(Value(Value::List{2, false})));
}

TEST_F(PythonPackagesTest, AVirtualEnvironmentsSitePackagesIsThePluginsToo) {
  WritePlugin("venv_user");
  Vendor(
      "venv_user", "2.0",
      fs::path(".venv/lib") / ("python" DUET_PYTHON_VERSION) / "site-packages");
  WritePlugin("vendor_user");
  Vendor("vendor_user", "1.0");
  ASSERT_OK(host_->LoadPlugins(dir_.path()).status());

  EXPECT_THAT(host_->Call("venv_user", "versions", {}),
              IsOkAndHolds(AllVersions("2.0")));
  EXPECT_THAT(host_->Call("vendor_user", "versions", {}),
              IsOkAndHolds(AllVersions("1.0")));
}

TEST_F(PythonPackagesTest, AReloadAfterVendorChangedImportsTheNewVersion) {
  WritePlugin("upgraded");
  Vendor("upgraded", "1.0");
  ASSERT_OK(host_->LoadPlugins(dir_.path()).status());
  EXPECT_THAT(host_->Call("upgraded", "versions", {}),
              IsOkAndHolds(AllVersions("1.0")));

  Vendor("upgraded", "2.0");
  ASSERT_OK(host_->Reload("upgraded"));
  EXPECT_THAT(host_->Call("upgraded", "versions", {}),
              IsOkAndHolds(AllVersions("2.0")));
  // The 1.0 modules went with the code that loaded them.
  EXPECT_THAT(host_->Call("upgraded", "loaded_copies", {}),
              IsOkAndHolds(Value(Value::List{1, false})));
}

TEST_F(PythonPackagesTest, APluginWithoutVendorImportsAsBefore) {
  WritePlugin("carrier");
  Vendor("carrier", "1.0");
  WritePlugin("plain");
  dir_.Write("plain/helper.py", "VALUE = 'own file'\n");
  dir_.Write("plain/main.py",
             std::string(kPluginSource) +
                 "from . import helper\n\n\n"
                 "def helper_value():\n    return helper.VALUE\n");
  ASSERT_OK(host_->LoadPlugins(dir_.path()).status());
  ASSERT_THAT(host_->Call("carrier", "versions", {}),
              IsOkAndHolds(AllVersions("1.0")));

  // Another plugin's packages are not this one's.
  EXPECT_THAT(
      host_->Call("plain", "import_error", {"duetdemo"}),
      IsOkAndHolds(Value("ModuleNotFoundError: No module named 'duetdemo'")));
  EXPECT_THAT(host_->Call("plain", "found", {"duetdemo"}),
              IsOkAndHolds(Value(false)));
  EXPECT_THAT(host_->Call("plain", "helper_value", {}),
              IsOkAndHolds(Value("own file")));
  EXPECT_THAT(host_->Call("plain", "attribute", {"json", "__name__"}),
              IsOkAndHolds(Value("'json'")));
}

// What the plugin does not carry comes from the shared interpreter; the
// standard library always does, as in a virtual environment. A package
// also installed system-wide (Debian's typing_extensions) is the plugin's
// copy for that plugin, even once the shared one is loaded.
TEST_F(PythonPackagesTest, OnlyWhatThePluginCarriesIsItsOwn) {
  WritePlugin("shadow");
  dir_.Write("shadow/vendor/json/__init__.py", "FAKE = 'vendored json'\n");
  dir_.Write("shadow/vendor/typing_extensions.py", "FAKE = 'vendored'\n");
  WritePlugin("plain");
  ASSERT_OK(host_->LoadPlugins(dir_.path()).status());

  EXPECT_THAT(host_->Call("plain", "found", {"typing_extensions"}),
              IsOkAndHolds(Value(true)))
      << "Debian's python3-typing-extensions (a python3-mypy dependency) "
         "is missing";
  EXPECT_THAT(host_->Call("plain", "attribute", {"typing_extensions", "FAKE"}),
              IsOkAndHolds(Value("None")));
  EXPECT_THAT(host_->Call("shadow", "attribute", {"typing_extensions", "FAKE"}),
              IsOkAndHolds(Value("'vendored'")));
  EXPECT_THAT(host_->Call("shadow", "attribute", {"json", "FAKE"}),
              IsOkAndHolds(Value("None")));
  EXPECT_THAT(host_->Call("shadow", "attribute", {"json", "__name__"}),
              IsOkAndHolds(Value("'json'")));
  EXPECT_THAT(host_->Call("plain", "attribute", {"typing_extensions", "FAKE"}),
              IsOkAndHolds(Value("None")));
}

TEST_F(PythonPackagesTest, ImportErrorsNameTheModuleAsThePluginWroteIt) {
  WritePlugin("carrier");
  Vendor("carrier", "1.0");
  ASSERT_OK(host_->LoadPlugins(dir_.path()).status());
  EXPECT_THAT(host_->Call("carrier", "import_error", {"duetdemo.missing"}),
              IsOkAndHolds(Value("ModuleNotFoundError: No module named "
                                 "'duetdemo.missing'")));
  EXPECT_THAT(host_->Call("carrier", "import_error", {"duetdemo"}),
              IsOkAndHolds(Value("imported")));
}

// A .pth file's folder lines extend the plugin's path; its `import` lines,
// which would run code for the whole interpreter, are skipped.
TEST_F(PythonPackagesTest, PthFilesAddFoldersButRunNothing) {
  WritePlugin("pth_user");
  dir_.Write("pth_user/vendor/extra.pth",
             "# a comment\n../lib_extra\n"
             "import builtins; builtins.duet_pth_ran = True\n");
  dir_.Write("pth_user/lib_extra/extra_module.py",
             "VALUE = 'from lib_extra'\n");
  ASSERT_OK(host_->LoadPlugins(dir_.path()).status());
  EXPECT_THAT(host_->Call("pth_user", "attribute", {"extra_module", "VALUE"}),
              IsOkAndHolds(Value("'from lib_extra'")));
  EXPECT_THAT(
      host_->Call("pth_user", "attribute", {"builtins", "duet_pth_ran"}),
      IsOkAndHolds(Value("None")));
}

constexpr char kExecutableSource[] = R"PY(
import math
import multiprocessing
import subprocess
import sys


def child_version():
    """sys.version as a child started with sys.executable has it, and ours."""
    child = subprocess.run(
        [sys.executable, "-c", "import sys; print(sys.version)"],
        capture_output=True, text=True, check=True)
    return [child.stdout.strip(), sys.version]


def executable():
    return sys.executable


def spawn_pool():
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        return pool.map(math.sqrt, [1, 4, 9])
)PY";

TEST_F(PythonPackagesTest, SysExecutableIsTheEmbeddedPython) {
  dir_.Write("spawner/plugin.toml",
             "name = \"spawner\"\n[implementations]\npython = \"main.py\"\n");
  dir_.Write("spawner/main.py", kExecutableSource);
  ASSERT_OK(host_->LoadPlugins(dir_.path()).status());
  ASSERT_OK_AND_ASSIGN(Value versions,
                       host_->Call("spawner", "child_version", {}));
  ASSERT_TRUE(versions.is_list());
  ASSERT_EQ(versions.as_list().size(), 2u);
  EXPECT_EQ(versions.as_list()[0], versions.as_list()[1]);
  EXPECT_THAT(host_->Call("spawner", "spawn_pool", {}),
              IsOkAndHolds(Value(Value::List{1.0, 2.0, 3.0})));
}

// Not isolated, CPython alone takes the first python3 on PATH for
// sys.executable: here a script that is no Python at all.
TEST_F(PythonPackagesTest, SysExecutableIsNotThePython3OnPath) {
  host_.reset();  // the next Host starts the interpreter afresh
  fs::path impostor = dir_.Write("bin/python3", "#!/bin/sh\necho impostor\n");
  fs::permissions(impostor, fs::perms::owner_all);
  const char* path = std::getenv("PATH");
  const std::string saved_path = path != nullptr ? path : "/usr/bin:/bin";
  ::setenv("PATH", ((dir_.path() / "bin").string() + ":" + saved_path).c_str(),
           1);
  HostOptions options;
  options.python.isolated = false;
  absl::StatusOr<std::unique_ptr<Host>> host = Host::Create(options);
  ASSERT_OK(host.status());
  dir_.Write("spawner/plugin.toml",
             "name = \"spawner\"\n[implementations]\npython = \"main.py\"\n");
  dir_.Write("spawner/main.py", kExecutableSource);
  ASSERT_OK((*host)->LoadPlugins(dir_.path()).status());
  absl::StatusOr<Value> executable = (*host)->Call("spawner", "executable", {});
  absl::StatusOr<Value> versions =
      (*host)->Call("spawner", "child_version", {});
  ::setenv("PATH", saved_path.c_str(), 1);
  ASSERT_OK(executable.status());
  EXPECT_NE(executable->as_string(), impostor.string());
  ASSERT_OK(versions.status());
  ASSERT_EQ(versions->as_list().size(), 2u);
  EXPECT_EQ(versions->as_list()[0], versions->as_list()[1]);
}

// --- in an application's interpreter, in a child process -------------------

constexpr char kChildEnv[] = "DUET_PYTHON_PACKAGES_CHILD";

// The application initialised CPython and hooked __import__ itself. While
// duet is attached, a plugin's packages are its own and the application's
// hook still sees the other imports; once the Host is gone, what duet
// installed is gone and the application's hook and sys.executable are as
// they were.
TEST(PythonPackagesChild, AttachedInterpreterGetsItsImportsBack) {
  const char* dir = std::getenv(kChildEnv);
  if (dir == nullptr) GTEST_SKIP() << "runs only as a child process";
  WritePlugin(dir, "carrier");
  Vendor(dir, "carrier", "1.0");
  Py_InitializeEx(0);
  ASSERT_EQ(PyRun_SimpleString(R"PY(
import builtins, importlib, importlib.util, sys
app_imports = []
builtin_import = builtins.__import__
def app_import(name, *args, **kwargs):
    app_imports.append(name)
    return builtin_import(name, *args, **kwargs)
builtins.__import__ = app_import
app_executable = sys.executable = "/opt/app/bin/app"
originals = (importlib.import_module, importlib.util.find_spec,
             list(sys.meta_path))
)PY"),
            0);
  PyThreadState* main_thread = PyEval_SaveThread();
  {
    HostOptions options;
    options.languages = {Language::kPython};
    options.python.use_running_interpreter = true;
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Host> host,
                         Host::Create(std::move(options)));
    ASSERT_OK(host->LoadPlugins(dir).status());
    EXPECT_THAT(host->Call("carrier", "versions", {}),
                IsOkAndHolds(AllVersions("1.0")));
    EXPECT_THAT(host->Call("carrier", "attribute", {"sys", "executable"}),
                IsOkAndHolds(Value("'/opt/app/bin/app'")));
  }
  PyEval_RestoreThread(main_thread);
  EXPECT_EQ(PyRun_SimpleString(R"PY(
assert builtins.__import__ is app_import, builtins.__import__
assert (importlib.import_module, importlib.util.find_spec,
        list(sys.meta_path)) == originals
assert not [name for name in sys.modules if name.startswith("_duet")], \
    [name for name in sys.modules if name.startswith("_duet")]
assert sys.executable == app_executable
# The application's hook saw the plugin's imports it does not carry.
assert "importlib.metadata" in app_imports, app_imports
)PY"),
            0);
  EXPECT_EQ(Py_FinalizeEx(), 0);
}

TEST(PythonPackagesAttachedTest, AttachedInterpreterGetsItsImportsBack) {
  TempDir dir;
  ChildRun run = RunTestsInChild(
      "PythonPackagesChild.AttachedInterpreterGetsItsImportsBack", kChildEnv,
      dir.path().string(), dir.path());
  EXPECT_TRUE(run.passed()) << run.Describe();
}

}  // namespace
}  // namespace duet
