// Loading Python plugins: directory and single-file plugins, relative
// imports, __all__, reloading, and SystemExit as an ordinary exception.
#include <filesystem>
#include <string>
#include <vector>

#include "python_test_fixture.h"

namespace duet::testing {
namespace {

namespace fs = std::filesystem;

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST_F(PythonRuntimeTest, DescribesItself) {
  EXPECT_EQ(runtime_->language(), Language::kPython);
  EXPECT_THAT(runtime_->file_extensions(), ElementsAre(".py"));
}

TEST_F(PythonRuntimeTest, LoadsDirectoryPluginWithRelativeImports) {
  ASSERT_OK_AND_ASSIGN(
      auto greeter,
      runtime_->Load({"greeter", PythonFixtures() / "greeter/greeter.py",
                      PythonFixtures() / "greeter", false}));
  EXPECT_EQ(greeter->language(), Language::kPython);
  // `join` (imported) and `_upper` (private) are not exports.
  EXPECT_THAT(greeter->exports(), ElementsAre("greet", "shout"));
  EXPECT_THAT(CallByName(*greeter, "greet", {Value("world")}),
              IsOkAndHolds(Value("Hello, world!")));
  ASSERT_OK_AND_ASSIGN(Value shouted,
                       CallByName(*greeter, "shout", {Value("hey")}));
  EXPECT_EQ(shouted, Value("HEY!"));
}

TEST_F(PythonRuntimeTest, LoadsSingleFilePlugin) {
  ASSERT_OK_AND_ASSIGN(auto hello,
                       runtime_->Load({"hello", PythonFixtures() / "hello.py",
                                       PythonFixtures(), true}));
  EXPECT_THAT(hello->exports(), ElementsAre("hello"));
  ASSERT_OK_AND_ASSIGN(Value result, CallByName(*hello, "hello", {}));
  EXPECT_EQ(result, Value("hello world"));
}

// A single file is the whole plugin: relative imports reach no sibling
// (another plugin's files), whatever root the spec names.
TEST_F(PythonRuntimeTest, ASingleFilePluginReachesNoSiblingFiles) {
  Write("plugins", "helper.py", "SECRET = 'helper secret'\n");
  Write("plugins/victim", "secret.py", "SECRET = 'victim secret'\n");
  fs::path spy = Write("plugins", "spy.py", R"PY(
def sibling():
    try:
        from . import helper
        return helper.SECRET
    except ImportError as e:
        return "refused"

def nested():
    try:
        from .victim import secret
        return secret.SECRET
    except ImportError as e:
        return "refused"
)PY");
  for (const fs::path& root : {spy.parent_path(), spy}) {
    ASSERT_OK_AND_ASSIGN(
        auto impl, runtime_->Load({"spy", spy, root, /*single_file=*/true}));
    EXPECT_THAT(CallByName(*impl, "sibling", {}),
                IsOkAndHolds(Value("refused")));
    EXPECT_THAT(CallByName(*impl, "nested", {}),
                IsOkAndHolds(Value("refused")));
  }
}

TEST_F(PythonRuntimeTest, TwoPluginsWithUtilDoNotCollide) {
  ASSERT_OK_AND_ASSIGN(
      auto alpha, runtime_->Load({"alpha", PythonFixtures() / "alpha/alpha.py",
                                  PythonFixtures() / "alpha", false}));
  ASSERT_OK_AND_ASSIGN(
      auto beta, runtime_->Load({"beta", PythonFixtures() / "beta/beta.py",
                                 PythonFixtures() / "beta", false}));
  ASSERT_OK_AND_ASSIGN(Value a, CallByName(*alpha, "which", {}));
  ASSERT_OK_AND_ASSIGN(Value b, CallByName(*beta, "which", {}));
  EXPECT_EQ(a, Value("alpha util"));
  EXPECT_EQ(b, Value("beta util"));
}

TEST_F(PythonRuntimeTest, PluginDirectoryIsNotOnSysPath) {
  Write("lonely", "helper.py", "X = 1\n");
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("lonely", R"PY(
import os
import sys

def on_path():
    here = os.path.dirname(__file__)
    return here in sys.path or "" in sys.path

def absolute_import():
    import helper
)PY"));
  ASSERT_OK_AND_ASSIGN(Value on_path, CallByName(*plugin, "on_path", {}));
  EXPECT_EQ(on_path, Value(false));
  auto imported = CallByName(*plugin, "absolute_import", {});
  ASSERT_THAT(imported, StatusIs(absl::StatusCode::kUnknown,
                                 HasSubstr("ModuleNotFoundError")));
}

TEST_F(PythonRuntimeTest, ReloadingSeesTheNewSource) {
  ASSERT_OK_AND_ASSIGN(auto first,
                       LoadSource("reload", "def version():\n    return 1\n"));
  Write("reload", "util.py", "V = 2\n");
  ASSERT_OK_AND_ASSIGN(auto second,
                       LoadSource("reload",
                                  "from . import util\n\ndef version():\n"
                                  "    return util.V\n"));
  ASSERT_OK_AND_ASSIGN(Value one, CallByName(*first, "version", {}));
  ASSERT_OK_AND_ASSIGN(Value two, CallByName(*second, "version", {}));
  EXPECT_EQ(one, Value(1));
  EXPECT_EQ(two, Value(2));
}

TEST_F(PythonRuntimeTest, AllOverridesPublicFunctions) {
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("listed", R"PY(
from os.path import join

__all__ = ["zeta", "_hidden", "join", "Maker"]

class Maker:
    pass

def zeta():
    return "z"

def _hidden():
    return "h"

def unlisted():
    pass
)PY"));
  EXPECT_THAT(plugin->exports(),
              ElementsAre("Maker", "_hidden", "join", "zeta"));
  ASSERT_OK_AND_ASSIGN(Value hidden, CallByName(*plugin, "_hidden", {}));
  EXPECT_EQ(hidden, Value("h"));
  EXPECT_THAT(CallByName(*plugin, "unlisted", {}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("unlisted")));
}

TEST_F(PythonRuntimeTest, AllNamingANonCallableIsRefused) {
  EXPECT_THAT(LoadSource("badall", "__all__ = ['VALUE']\nVALUE = 3\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("'VALUE'"), HasSubstr("not callable"),
                             HasSubstr("badall.py"))));
  EXPECT_THAT(
      LoadSource("missing", "__all__ = ['ghost']\n"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'ghost'")));
}

TEST_F(PythonRuntimeTest, SyntaxErrorInARelativeImportNamesThatFile) {
  Write("importer", "util.py", "def ok(:\n");
  auto loaded = LoadSource("importer", "from . import util\n");
  EXPECT_THAT(loaded,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr((temp() / "importer/util.py").string() +
                                 ":1: SyntaxError")));
}

TEST_F(PythonRuntimeTest, SysExitIsAnOrdinaryException) {
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("quitter", R"PY(
import sys

def quit():
    sys.exit(3)

def still_here():
    return "yes"
)PY"));
  auto result = CallByName(*plugin, "quit", {});
  ASSERT_THAT(result,
              StatusIs(absl::StatusCode::kUnknown, HasSubstr("SystemExit")));
  EXPECT_EQ(GetScriptError(result.status())->type, "SystemExit");
  ASSERT_OK_AND_ASSIGN(Value here, CallByName(*plugin, "still_here", {}));
  EXPECT_EQ(here, Value("yes"));
  EXPECT_THAT(LoadSource("exit_at_import", "import sys\nsys.exit(0)\n"),
              StatusIs(absl::StatusCode::kUnknown, HasSubstr("SystemExit")));
}

TEST_F(PythonRuntimeTest, ExitAndQuitAreOrdinaryExceptions) {
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("quitters", R"PY(
def builtin_exit():
    exit(2)

def builtin_quit():
    quit()

def raised():
    raise SystemExit("bye")

def ok():
    return "ok"
)PY"));
  for (const char* name : {"builtin_exit", "builtin_quit", "raised"}) {
    absl::StatusOr<Value> result = CallByName(*plugin, name, {});
    ASSERT_THAT(result, StatusIs(absl::StatusCode::kUnknown, ::testing::_))
        << name;
    EXPECT_EQ(GetScriptError(result.status())->type, "SystemExit") << name;
    EXPECT_THAT(CallByName(*plugin, "ok", {}), IsOkAndHolds(Value("ok")));
  }
}

}  // namespace
}  // namespace duet::testing
