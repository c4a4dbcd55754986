// The CPython engine against a RecordingServices host: loading, exports,
// conversions, errors, the in-script duet API, threads and lifetimes.
#include "python/python_runtime.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "duet/error.h"
#include "duet/runtime.h"
#include "duet/value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/recording_services.h"
#include "testing/status_matchers.h"

namespace duet {

void PrintTo(const Value& value, std::ostream* os) {
  *os << DebugString(value);
}

namespace {

namespace fs = std::filesystem;
using ::duet::testing::RecordingServices;
using ::duet::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

using ::duet::testing::IsOkAndHolds;

// Calls an export by name, as the host does: it resolves the index once.
absl::StatusOr<Value> CallByName(Implementation& impl, std::string_view name,
                                 absl::Span<const Value> args,
                                 absl::Time deadline = absl::InfiniteFuture()) {
  const std::vector<std::string>& exports = impl.exports();
  auto it = std::find(exports.begin(), exports.end(), name);
  if (it == exports.end()) {
    return absl::NotFoundError(
        absl::StrCat("no export '", std::string(name), "'"));
  }
  return impl.Call(static_cast<size_t>(it - exports.begin()), args, deadline);
}

const fs::path kFixtures = fs::path(DUET_SOURCE_DIR) / "tests/python/fixtures";

// Helpers any test plugin can use to inspect what crossed the boundary.
constexpr char kProbeSource[] = R"PY(
import math
import sys

import duet


def echo(*args):
    return args[0] if len(args) == 1 else list(args)


def types(*args):
    return [type(a).__name__ for a in args]


def ev(source):
    return eval(source)


def is_negative_zero(x):
    return x == 0.0 and math.copysign(1.0, x) < 0


def add(a, b):
    return a + b


def nested(depth):
    value = []
    for _ in range(depth - 1):
        value = [value]
    return value


def cycle():
    a = [1]
    a.append(a)
    return {"x": a}
)PY";

class PythonRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto runtime = CreatePythonRuntime(services_);
    ASSERT_OK(runtime.status());
    runtime_ = *std::move(runtime);
    temp_ = fs::temp_directory_path() /
            ("duet_python_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(temp_);
    fs::create_directories(temp_);
  }

  void TearDown() override {
    std::error_code ec;
    fs::remove_all(temp_, ec);
  }

  // Writes <temp>/<module>/<file> and returns its path.
  fs::path Write(const std::string& module, const std::string& file,
                 const std::string& source) {
    fs::path dir = temp_ / module;
    fs::create_directories(dir);
    std::ofstream(dir / file, std::ios::binary) << source;
    return dir / file;
  }

  absl::StatusOr<std::unique_ptr<Implementation>> LoadSource(
      const std::string& module, const std::string& source,
      Runtime* runtime = nullptr) {
    fs::path entry = Write(module, module + ".py", source);
    return (runtime ? runtime : runtime_.get())
        ->Load({module, entry, entry.parent_path(), false});
  }

  std::unique_ptr<Implementation> Probe() {
    auto loaded = LoadSource("probe", kProbeSource);
    EXPECT_OK(loaded.status());
    return loaded.ok() ? *std::move(loaded) : nullptr;
  }

  RecordingServices services_;
  std::unique_ptr<Runtime> runtime_;
  fs::path temp_;
};

// --- loading ----------------------------------------------------------------

TEST_F(PythonRuntimeTest, DescribesItself) {
  EXPECT_EQ(runtime_->language(), Language::kPython);
  EXPECT_THAT(runtime_->file_extensions(), ElementsAre(".py"));
}

TEST_F(PythonRuntimeTest, LoadsDirectoryPluginWithRelativeImports) {
  ASSERT_OK_AND_ASSIGN(
      auto greeter, runtime_->Load({"greeter", kFixtures / "greeter/greeter.py",
                                    kFixtures / "greeter", false}));
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
  ASSERT_OK_AND_ASSIGN(
      auto hello,
      runtime_->Load({"hello", kFixtures / "hello.py", kFixtures, true}));
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
  ASSERT_OK_AND_ASSIGN(auto alpha,
                       runtime_->Load({"alpha", kFixtures / "alpha/alpha.py",
                                       kFixtures / "alpha", false}));
  ASSERT_OK_AND_ASSIGN(auto beta,
                       runtime_->Load({"beta", kFixtures / "beta/beta.py",
                                       kFixtures / "beta", false}));
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

TEST_F(PythonRuntimeTest, ExportsPublicFunctionsDefinedInTheModule) {
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("pub", R"PY(
import json
from os.path import join

CONSTANT = 3

class Thing:
    pass

def zeta():
    pass

def alpha():
    pass

def _private():
    pass
)PY"));
  EXPECT_THAT(plugin->exports(), ElementsAre("alpha", "zeta"));
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

TEST_F(PythonRuntimeTest, FunctionIndexPastTheExportsIsNotFound) {
  auto probe = Probe();
  EXPECT_THAT(probe->Call(probe->exports().size(), {}, absl::InfiniteFuture()),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("probe")));
}

// --- conversions
// --------------------------------------------------------------

TEST_F(PythonRuntimeTest, ScalarsRoundTrip) {
  auto probe = Probe();
  const int64_t kMax = std::numeric_limits<int64_t>::max();
  const int64_t kMin = std::numeric_limits<int64_t>::min();
  const int64_t k2p53 = int64_t{1} << 53;
  std::vector<Value> values = {
      Value(),
      Value(true),
      Value(false),
      Value(0),
      Value(-1),
      Value(kMax),
      Value(kMin),
      Value(k2p53 - 1),
      Value(k2p53 + 1),
      Value(1.5),
      Value(3.0),
      Value(std::numeric_limits<double>::infinity()),
      Value(-std::numeric_limits<double>::infinity()),
      Value(std::numeric_limits<double>::max()),
      Value(std::numeric_limits<double>::denorm_min()),
      Value(""),
      Value("héllo wörld"),
      Value(std::string("nul\0inside", 10)),
      Value("astral \U0001F600 \U00010348"),
      Value(Bytes(std::string("\x00\xff\x80 bytes", 9))),
      Value(Bytes()),
  };
  for (const Value& value : values) {
    ASSERT_OK_AND_ASSIGN(Value back, CallByName(*probe, "echo", {value}));
    EXPECT_EQ(back, value) << DebugString(value);
  }
}

TEST_F(PythonRuntimeTest, SpecialFloatsRoundTrip) {
  auto probe = Probe();
  ASSERT_OK_AND_ASSIGN(Value nan,
                       CallByName(*probe, "echo", {Value(std::nan(""))}));
  ASSERT_TRUE(nan.is_float());
  EXPECT_TRUE(std::isnan(nan.as_float()));

  ASSERT_OK_AND_ASSIGN(Value zero, CallByName(*probe, "echo", {Value(-0.0)}));
  ASSERT_TRUE(zero.is_float());
  EXPECT_TRUE(std::signbit(zero.as_float()));
  ASSERT_OK_AND_ASSIGN(Value negative,
                       CallByName(*probe, "is_negative_zero", {Value(-0.0)}));
  EXPECT_EQ(negative, Value(true));
}

TEST_F(PythonRuntimeTest, ContainersRoundTripKeepingOrder) {
  auto probe = Probe();
  Value::Map map{{"zebra", 1},
                 {"apple", Value::List{1, "two", 3.0}},
                 {"", Value()},
                 {"a b", Value::Map{}}};
  std::vector<Value> values = {
      Value(Value::List{}),
      Value(Value::Map{}),
      Value(map),
      Value(Value::List{Value::List{Value::List{}},
                        Value::Map{{"k", Bytes("v")}}}),
  };
  for (const Value& value : values) {
    ASSERT_OK_AND_ASSIGN(Value back, CallByName(*probe, "echo", {value}));
    EXPECT_EQ(back, value) << DebugString(value);
  }
}

TEST_F(PythonRuntimeTest, DuetValuesArriveAsPythonTypes) {
  auto probe = Probe();
  ASSERT_OK_AND_ASSIGN(Value names,
                       CallByName(*probe, "types",
                                  {Value(), Value(true), Value(7), Value(1.5),
                                   Value("s"), Value(Bytes("b")),
                                   Value(Value::List{}), Value(Value::Map{})}));
  EXPECT_EQ(names, Value(Value::List{"NoneType", "bool", "int", "float", "str",
                                     "bytes", "list", "dict"}));
}

TEST_F(PythonRuntimeTest, PythonValuesArriveAsDuetKinds) {
  auto probe = Probe();
  struct Case {
    const char* source;
    Value expected;
  };
  const Case cases[] = {
      {"None", Value()},
      {"True", Value(true)},
      {"False", Value(false)},
      {"2**63 - 1", Value(std::numeric_limits<int64_t>::max())},
      {"-2**63", Value(std::numeric_limits<int64_t>::min())},
      {"2**53 + 1", Value((int64_t{1} << 53) + 1)},
      {"0.1", Value(0.1)},
      {"(1, 'two')", Value(Value::List{1, "two"})},
      {"[True, 1]", Value(Value::List{true, 1})},
      {"bytearray(b'ab')", Value(Bytes("ab"))},
      {"memoryview(b'abc')", Value(Bytes("abc"))},
      {"memoryview(b'abcde')[::2]", Value(Bytes("ace"))},
      {"{'b': 1, 'a': 2}", Value(Value::Map{{"b", 1}, {"a", 2}})},
      {"'a\\x00b'", Value(std::string("a\0b", 3))},
      {"'\\U0001F600'", Value("\U0001F600")},
  };
  for (const Case& c : cases) {
    ASSERT_OK_AND_ASSIGN(Value value,
                         CallByName(*probe, "ev", {Value(c.source)}));
    EXPECT_EQ(value, c.expected) << c.source;
  }
  ASSERT_OK_AND_ASSIGN(Value map,
                       CallByName(*probe, "ev", {Value("{'b': 1, 'a': 2}")}));
  EXPECT_EQ(map.as_map().entries()[0].first, "b");
}

TEST_F(PythonRuntimeTest, HundredLevelsOfNestingWork) {
  auto probe = Probe();
  Value value = Value::List{};
  for (int i = 0; i < 99; ++i) value = Value::List{value};
  ASSERT_OK_AND_ASSIGN(Value back, CallByName(*probe, "echo", {value}));
  EXPECT_EQ(back, value);
  ASSERT_OK_AND_ASSIGN(Value built, CallByName(*probe, "nested", {Value(100)}));
  EXPECT_EQ(built, value);
}

TEST_F(PythonRuntimeTest, TooDeepNestingIsRefused) {
  auto probe = Probe();
  EXPECT_THAT(CallByName(*probe, "nested", {Value(1001)}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("deeper"), HasSubstr("result["))));
  Value value = Value::List{};
  for (int i = 0; i < 1001; ++i) value = Value::List{value};
  EXPECT_THAT(CallByName(*probe, "echo", {value}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("deeper"), HasSubstr("args[0]"))));
}

TEST_F(PythonRuntimeTest, IntOverflowIsAnError) {
  auto probe = Probe();
  EXPECT_THAT(CallByName(*probe, "ev", {Value("2**63")}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("int does not fit in 64 bits at result")));
  EXPECT_THAT(
      CallByName(*probe, "ev", {Value("{'n': [0, -2**63 - 1]}")}),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("int does not fit in 64 bits at result.n[1]")));
}

TEST_F(PythonRuntimeTest, LoneSurrogateIsAnErrorNotAReplacement) {
  auto probe = Probe();
  EXPECT_THAT(CallByName(*probe, "ev", {Value("['ok', '\\ud800']")}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("surrogate"), HasSubstr("U+D800"),
                             HasSubstr("at result[1]"))));
  EXPECT_THAT(CallByName(*probe, "ev", {Value("{'\\udfff': 1}")}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("surrogate"), HasSubstr("at result"))));
}

TEST_F(PythonRuntimeTest, InvalidUtf8InADuetStringIsAnError) {
  auto probe = Probe();
  EXPECT_THAT(
      CallByName(*probe, "echo", {Value("ok"), Value(std::string("\xff"))}),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("UTF-8"), HasSubstr("args[1]"))));
  // A surrogate encoded as UTF-8 (CESU) is not UTF-8 either.
  EXPECT_THAT(
      CallByName(*probe, "echo",
                 {Value(Value::Map{{"k", std::string("\xed\xa0\x80")}})}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("args[0].k")));
}

TEST_F(PythonRuntimeTest, UnconvertibleValuesNameTypeAndPath) {
  auto probe = Probe();
  EXPECT_THAT(CallByName(*probe, "ev", {Value("{1, 2}")}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("'set' at result")));
  EXPECT_THAT(
      CallByName(*probe, "ev", {Value("{'items': [0, 1, 2, object()]}")}),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("'object' at result.items[3]")));
  EXPECT_THAT(CallByName(*probe, "ev", {Value("[frozenset()]")}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("'frozenset' at result[0]")));
  EXPECT_THAT(
      CallByName(*probe, "ev", {Value("[len]")}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at result[0]")));
  EXPECT_THAT(CallByName(*probe, "ev", {Value("(x for x in [])")}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("'generator' at result")));
  EXPECT_THAT(CallByName(*probe, "ev", {Value("{'a': {1: 'x'}}")}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("key of type 'int'"),
                             HasSubstr("at result.a"))));
  EXPECT_THAT(CallByName(*probe, "cycle", {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("cyclic structure at result.x[1]")));
}

// --- errors
// -------------------------------------------------------------------

TEST_F(PythonRuntimeTest, ExceptionBecomesScriptError) {
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("raiser", R"PY(
def _inner(x):
    raise ValueError(f"bad thing {x}")

def boom(x):
    return _inner(x)
)PY"));
  absl::StatusOr<Value> result = CallByName(*plugin, "boom", {Value(7)});
  ASSERT_THAT(result, StatusIs(absl::StatusCode::kUnknown,
                               HasSubstr("ValueError: bad thing 7")));
  std::optional<ScriptError> error = GetScriptError(result.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->language, Language::kPython);
  EXPECT_EQ(error->type, "ValueError");
  EXPECT_EQ(error->message, "bad thing 7");
  ASSERT_EQ(error->stack.size(), 2u) << FormatError(result.status());
  std::string file = (temp_ / "raiser/raiser.py").string();
  EXPECT_EQ(error->stack[0].file, file);
  EXPECT_EQ(error->stack[0].line, 3);
  EXPECT_EQ(error->stack[0].function, "_inner");
  EXPECT_GT(error->stack[0].column, 0);
  EXPECT_EQ(error->stack[1].file, file);
  EXPECT_EQ(error->stack[1].line, 6);
  EXPECT_EQ(error->stack[1].function, "boom");
}

TEST_F(PythonRuntimeTest, SyntaxErrorNamesFileAndLine) {
  auto loaded = LoadSource("broken", "x = 1\n\ndef f(:\n    pass\n");
  std::string file = (temp_ / "broken/broken.py").string();
  ASSERT_THAT(loaded, StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr(file + ":3: SyntaxError: ")));
  std::optional<ScriptError> error = GetScriptError(loaded.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->type, "SyntaxError");
  EXPECT_EQ(error->source_line, "def f(:");
  ASSERT_FALSE(error->stack.empty());
  EXPECT_EQ(error->stack[0].file, file);
  EXPECT_EQ(error->stack[0].line, 3);
}

TEST_F(PythonRuntimeTest, SyntaxErrorInARelativeImportNamesThatFile) {
  Write("importer", "util.py", "def ok(:\n");
  auto loaded = LoadSource("importer", "from . import util\n");
  EXPECT_THAT(loaded, StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr((temp_ / "importer/util.py").string() +
                                         ":1: SyntaxError")));
}

TEST_F(PythonRuntimeTest, NonUtf8SourceIsInvalidArgument) {
  auto loaded = LoadSource("latin", "# caf\xe9\ndef f():\n    pass\n");
  EXPECT_THAT(loaded,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("latin.py"), HasSubstr("UTF-8"))));
}

TEST_F(PythonRuntimeTest, MissingEntryIsNotFound) {
  EXPECT_THAT(runtime_->Load({"ghost", temp_ / "ghost.py", temp_, true}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("ghost.py")));
}

TEST_F(PythonRuntimeTest, RaiseAtImportIsUnknownWithScriptError) {
  auto loaded = LoadSource("explodes", "X = 1\nraise RuntimeError('nope')\n");
  ASSERT_THAT(loaded, StatusIs(absl::StatusCode::kUnknown,
                               HasSubstr("RuntimeError: nope")));
  std::optional<ScriptError> error = GetScriptError(loaded.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->type, "RuntimeError");
  ASSERT_EQ(error->stack.size(), 1u) << FormatError(loaded.status());
  EXPECT_EQ(error->stack[0].file, (temp_ / "explodes/explodes.py").string());
  EXPECT_EQ(error->stack[0].line, 2);
  EXPECT_EQ(error->stack[0].function, "");
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

// --- the duet API
// -------------------------------------------------------------

class DuetApiTest : public PythonRuntimeTest {
 protected:
  void SetUp() override {
    PythonRuntimeTest::SetUp();
    services_.AddModuleFunction(
        "math", "add",
        [](absl::Span<const Value> args) -> absl::StatusOr<Value> {
          return Value(args[0].as_int() + args[1].as_int());
        });
    services_.AddModuleFunction(
        "math", "describe",
        [](absl::Span<const Value> args) -> absl::StatusOr<Value> {
          return Value(
              DebugString(Value(Value::List(args.begin(), args.end()))));
        });
    services_.AddHostFunction(
        "now", [](absl::Span<const Value>) -> absl::StatusOr<Value> {
          return Value(Value::Map{{"t", 42}});
        });
  }
};

TEST_F(DuetApiTest, CallsModulesAndHostFunctions) {
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("user", R"PY(
import duet

def by_attribute():
    return duet.modules.math.add(1, 2)

def by_item():
    return duet.modules["math"].add(3, 4)

def by_name():
    return duet.call("math.add", 5, 6)

def host():
    return duet.host.now()["t"]

def listing():
    return [dir(duet.modules), dir(duet.modules.math), dir(duet.host),
            "math" in duet.modules]

def converted():
    return duet.modules.math.describe(None, (1, 2.5), b"x", {"k": [True]})
)PY"));
  EXPECT_THAT(CallByName(*plugin, "by_attribute", {}), IsOkAndHolds(Value(3)));
  EXPECT_THAT(CallByName(*plugin, "by_item", {}), IsOkAndHolds(Value(7)));
  EXPECT_THAT(CallByName(*plugin, "by_name", {}), IsOkAndHolds(Value(11)));
  EXPECT_THAT(CallByName(*plugin, "host", {}), IsOkAndHolds(Value(42)));
  ASSERT_OK_AND_ASSIGN(Value listing, CallByName(*plugin, "listing", {}));
  EXPECT_EQ(listing, Value(Value::List{Value::List{"math"},
                                       Value::List{"add", "describe"},
                                       Value::List{"now"}, true}));
  ASSERT_OK_AND_ASSIGN(Value converted, CallByName(*plugin, "converted", {}));
  EXPECT_THAT(converted.as_string(), HasSubstr("2.5"));
}

TEST_F(DuetApiTest, LogAndPrintGoToTheSink) {
  ::testing::internal::CaptureStdout();
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("talker", R"PY(
import sys
import duet

print("loading")

def talk():
    duet.log("hi", 42, None)
    print("to stdout")
    print("two\nlines")
    print("to stderr", file=sys.stderr)
    print("partial", end="")
)PY"));
  ASSERT_OK(CallByName(*plugin, "talk", {}).status());
  EXPECT_THAT(::testing::internal::GetCapturedStdout(), IsEmpty());
  std::vector<std::string> lines;
  for (const auto& line : services_.logs()) {
    EXPECT_EQ(line.source, "talker");
    lines.push_back(std::string(LogLevelName(line.level)) + " " + line.message);
  }
  EXPECT_THAT(lines, ElementsAre("info loading", "info hi 42 None",
                                 "info to stdout", "info two", "info lines",
                                 "warning to stderr", "info partial"));
}

TEST_F(DuetApiTest, ScriptErrorFromAnotherLanguageIsRaisedInPython) {
  ScriptError js;
  js.language = Language::kJavaScript;
  js.type = "TypeError";
  js.message = "boom";
  js.stack.push_back(
      {Language::kJavaScript, "/plugins/js/js.js", 3, 7, "explode"});
  const absl::Status original = MakeScriptError(js);
  services_.AddModuleFunction(
      "js", "fail",
      [original](absl::Span<const Value>) -> absl::StatusOr<Value> {
        return original;
      });
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("crosser", R"PY(
import duet

def catch():
    try:
        duet.modules.js.fail()
    except duet.ScriptError as e:
        return {"type": e.type, "language": e.language, "message": e.message,
                "code": e.code, "str": str(e), "file": e.stack[0].file,
                "line": e.stack[0].line, "is_error": isinstance(e, duet.Error),
                "is_exception": isinstance(e, Exception)}

def passthrough():
    duet.modules.js.fail()

def not_found():
    try:
        duet.modules.nope.f()
    except duet.ScriptError:
        return "wrong class"
    except duet.Error as e:
        return [e.code, str(e)]

def not_found_uncaught():
    duet.modules.math.nope()
)PY"));
  ASSERT_OK_AND_ASSIGN(Value caught, CallByName(*plugin, "catch", {}));
  EXPECT_EQ(caught, Value(Value::Map{{"type", "TypeError"},
                                     {"language", "javascript"},
                                     {"message", "boom"},
                                     {"code", "UNKNOWN"},
                                     {"str", "TypeError: boom (javascript)"},
                                     {"file", "/plugins/js/js.js"},
                                     {"line", 3},
                                     {"is_error", true},
                                     {"is_exception", true}}));

  // Uncaught, the original status comes back with the Python frames added.
  absl::StatusOr<Value> passed = CallByName(*plugin, "passthrough", {});
  ASSERT_THAT(passed, StatusIs(absl::StatusCode::kUnknown, "TypeError: boom"));
  std::optional<ScriptError> error = GetScriptError(passed.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->language, Language::kJavaScript);
  EXPECT_EQ(error->type, "TypeError");
  ASSERT_EQ(error->stack.size(), 2u) << FormatError(passed.status());
  EXPECT_EQ(error->stack[0], js.stack[0]);
  EXPECT_EQ(error->stack[1].language, Language::kPython);
  EXPECT_EQ(error->stack[1].function, "passthrough");
  EXPECT_EQ(error->stack[1].file, (temp_ / "crosser/crosser.py").string());

  ASSERT_OK_AND_ASSIGN(Value not_found, CallByName(*plugin, "not_found", {}));
  EXPECT_EQ(not_found,
            Value(Value::List{"NOT_FOUND", "no module named 'nope'"}));
  EXPECT_THAT(CallByName(*plugin, "not_found_uncaught", {}),
              StatusIs(absl::StatusCode::kNotFound,
                       "module 'math' has no function 'nope'"));
}

TEST_F(DuetApiTest, UnconvertibleArgumentToTheHostNamesThePath) {
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("sender", R"PY(
import duet

def send():
    return duet.modules.math.add(1, {"a": {1, 2}})

def surrogate():
    return duet.modules.math.add("\ud800", 1)

def caught():
    try:
        send()
    except duet.Error as e:
        return e.code
)PY"));
  EXPECT_THAT(CallByName(*plugin, "send", {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("'set' at args[1].a")));
  EXPECT_THAT(CallByName(*plugin, "surrogate", {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("surrogate"), HasSubstr("args[0]"))));
  EXPECT_THAT(CallByName(*plugin, "caught", {}),
              IsOkAndHolds(Value("INVALID_ARGUMENT")));
}

TEST_F(DuetApiTest, ReentersTheSameImplementationOnOneThread) {
  Implementation* self = nullptr;
  services_.AddModuleFunction(
      "loop", "back",
      [&self](absl::Span<const Value> args) -> absl::StatusOr<Value> {
        return CallByName(*self, "inner", args);
      });
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("reentrant", R"PY(
import duet

def outer(x):
    return duet.modules.loop.back(x) + 1

def inner(x):
    if x > 0:
        return duet.modules.loop.back(x - 1) * 2
    return 1
)PY"));
  self = plugin.get();
  // inner(3) = 2 * inner(2) = ... = 8, so outer(3) = 9.
  EXPECT_THAT(CallByName(*plugin, "outer", {Value(3)}), IsOkAndHolds(Value(9)));
}

TEST_F(DuetApiTest, ConcurrentCallsFromManyThreads) {
  Implementation* self = nullptr;
  services_.AddModuleFunction(
      "loop", "back",
      [&self](absl::Span<const Value> args) -> absl::StatusOr<Value> {
        return CallByName(*self, "add", {args[0], Value(1)});
      });
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("worker", R"PY(
import duet

def add(a, b):
    return a + b

def via_host(a):
    return duet.modules.loop.back(a)
)PY"));
  self = plugin.get();
  constexpr int kThreads = 4;
  constexpr int kCalls = 500;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        absl::StatusOr<Value> result =
            (i % 5 == 0)
                ? CallByName(*plugin, "via_host", {Value(i * 10 + t)})
                : CallByName(*plugin, "add", {Value(i), Value(t * 1000)});
        Value expected =
            (i % 5 == 0) ? Value(i * 10 + t + 1) : Value(i + t * 1000);
        if (!result.ok() || *result != expected) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

// --- lifetimes
// ----------------------------------------------------------------

TEST_F(PythonRuntimeTest, TwoRuntimesShareTheInterpreterAndTheirServices) {
  RecordingServices other_services;
  ASSERT_OK_AND_ASSIGN(auto other_runtime, CreatePythonRuntime(other_services));
  const char* source = "import duet\n\ndef hi(who):\n    duet.log('hi', who)\n";
  ASSERT_OK_AND_ASSIGN(auto mine, LoadSource("hi", source));
  ASSERT_OK_AND_ASSIGN(auto theirs,
                       LoadSource("hi", source, other_runtime.get()));
  ASSERT_OK(CallByName(*mine, "hi", {Value("mine")}).status());
  ASSERT_OK(CallByName(*theirs, "hi", {Value("theirs")}).status());
  ASSERT_EQ(services_.logs().size(), 1u);
  EXPECT_EQ(services_.logs()[0].message, "hi mine");
  ASSERT_EQ(other_services.logs().size(), 1u);
  EXPECT_EQ(other_services.logs()[0].message, "hi theirs");

  // The first runtime going away leaves the interpreter to the second.
  mine.reset();
  runtime_.reset();
  ASSERT_OK(CallByName(*theirs, "hi", {Value("again")}).status());
  EXPECT_EQ(other_services.logs().size(), 2u);
}

TEST_F(PythonRuntimeTest, RuntimeCanBeRecreatedAfterTheLastOneIsDestroyed) {
  const char* source =
      "COUNT = [0]\n\ndef bump():\n    COUNT[0] += 1\n"
      "    return COUNT[0]\n";
  {
    ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("counter", source));
    EXPECT_THAT(CallByName(*plugin, "bump", {}), IsOkAndHolds(Value(1)));
    EXPECT_THAT(CallByName(*plugin, "bump", {}), IsOkAndHolds(Value(2)));
  }
  runtime_.reset();  // the last runtime: the interpreter is finalised
  for (int round = 0; round < 2; ++round) {
    ASSERT_OK_AND_ASSIGN(runtime_, CreatePythonRuntime(services_));
    ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("counter", source));
    EXPECT_THAT(CallByName(*plugin, "bump", {}), IsOkAndHolds(Value(1)));
    ASSERT_OK_AND_ASSIGN(auto probe, LoadSource("probe", kProbeSource));
    EXPECT_THAT(
        CallByName(*probe, "ev", {Value("[1, 'x', b'y', {'k': None}]")}),
        IsOkAndHolds(Value(
            Value::List{1, "x", Bytes("y"), Value::Map{{"k", Value()}}})));
    plugin.reset();
    probe.reset();
    runtime_.reset();
  }
}

// A worker thread keeps its Python thread state between calls; it must not
// touch a state the interpreter's finalisation already freed.
TEST_F(PythonRuntimeTest, WorkerThreadOutlivesAnInterpreterRestart) {
  const char* source = "def f(x):\n    return x + 1\n";
  absl::Notification first_done, restarted;
  ASSERT_OK_AND_ASSIGN(auto loaded, LoadSource("worker", source));
  Implementation* plugin = loaded.get();
  absl::StatusOr<Value> first, second;
  std::thread worker([&] {
    first = CallByName(*plugin, "f", {Value(1)});
    first_done.Notify();
    restarted.WaitForNotification();
    second = CallByName(*plugin, "f", {Value(2)});
  });
  first_done.WaitForNotification();
  loaded.reset();
  runtime_.reset();  // finalised, the worker's kept state with it
  ASSERT_OK_AND_ASSIGN(runtime_, CreatePythonRuntime(services_));
  ASSERT_OK_AND_ASSIGN(loaded, LoadSource("worker", source));
  plugin = loaded.get();
  restarted.Notify();
  worker.join();  // exits holding a state of the current interpreter
  EXPECT_THAT(first, IsOkAndHolds(Value(2)));
  EXPECT_THAT(second, IsOkAndHolds(Value(3)));
  EXPECT_THAT(CallByName(*loaded, "f", {Value(3)}), IsOkAndHolds(Value(4)));
}

TEST_F(PythonRuntimeTest, ImplementationsAndSessionsKeepTheInterpreterAlive) {
  ASSERT_OK_AND_ASSIGN(
      auto plugin, LoadSource("survivor", "def f():\n    return 'alive'\n"));
  ASSERT_OK_AND_ASSIGN(auto repl, runtime_->NewReplSession());
  runtime_.reset();
  EXPECT_THAT(CallByName(*plugin, "f", {}), IsOkAndHolds(Value("alive")));
  plugin.reset();
  EXPECT_THAT(repl->Evaluate("6 * 7"), IsOkAndHolds(std::string("42")));
}

// --- REPL
// -----------------------------------------------------------------------

TEST_F(DuetApiTest, ReplEvaluatesAndKeepsState) {
  ASSERT_OK_AND_ASSIGN(auto repl, runtime_->NewReplSession());
  EXPECT_THAT(repl->Evaluate("1 + 2"), IsOkAndHolds(std::string("3")));
  EXPECT_THAT(repl->Evaluate("x = 5"), IsOkAndHolds(std::string("")));
  EXPECT_THAT(repl->Evaluate("x * 2"), IsOkAndHolds(std::string("10")));
  EXPECT_THAT(repl->Evaluate("None"), IsOkAndHolds(std::string("")));
  EXPECT_THAT(repl->Evaluate("'a' + \"b\""), IsOkAndHolds(std::string("'ab'")));
  EXPECT_THAT(repl->Evaluate("def f(n):\n    return n + 1\n"),
              IsOkAndHolds(std::string("")));
  EXPECT_THAT(repl->Evaluate("f(x)"), IsOkAndHolds(std::string("6")));
  EXPECT_THAT(repl->Evaluate("_"), IsOkAndHolds(std::string("6")));
  EXPECT_THAT(repl->Evaluate("[b'\\x00', {'k': (1,)}]"),
              IsOkAndHolds(std::string("[b'\\x00', {'k': (1,)}]")));
}

TEST_F(DuetApiTest, ReplBindsModulesAsGlobals) {
  ASSERT_OK_AND_ASSIGN(auto repl, runtime_->NewReplSession());
  EXPECT_THAT(repl->Evaluate("math.add(2, 3)"), IsOkAndHolds(std::string("5")));
  EXPECT_THAT(repl->Evaluate("duet.call('math.add', 1, 1)"),
              IsOkAndHolds(std::string("2")));
  // A module loaded later appears at the next input.
  services_.AddModuleFunction(
      "late", "f", [](absl::Span<const Value>) -> absl::StatusOr<Value> {
        return Value("late");
      });
  EXPECT_THAT(repl->Evaluate("late.f()"), IsOkAndHolds(std::string("'late'")));
  // A name the user rebinds stays theirs.
  EXPECT_THAT(repl->Evaluate("math = 3"), IsOkAndHolds(std::string("")));
  EXPECT_THAT(repl->Evaluate("math"), IsOkAndHolds(std::string("3")));
  // print() goes to the log sink.
  EXPECT_THAT(repl->Evaluate("print('shown')"), IsOkAndHolds(std::string("")));
  ASSERT_FALSE(services_.logs().empty());
  EXPECT_EQ(services_.logs().back().message, "shown");
  EXPECT_EQ(services_.logs().back().source, "repl");
}

TEST_F(PythonRuntimeTest, ReplErrors) {
  ASSERT_OK_AND_ASSIGN(auto repl, runtime_->NewReplSession());
  absl::StatusOr<std::string> divided = repl->Evaluate("1 / 0");
  ASSERT_THAT(divided, StatusIs(absl::StatusCode::kUnknown,
                                HasSubstr("ZeroDivisionError")));
  std::optional<ScriptError> error = GetScriptError(divided.status());
  ASSERT_TRUE(error.has_value());
  ASSERT_FALSE(error->stack.empty());
  EXPECT_EQ(error->stack[0].file, "<repl>");
  EXPECT_EQ(error->stack[0].line, 1);

  EXPECT_THAT(repl->Evaluate("1 +"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("<repl>:1: SyntaxError")));
  EXPECT_THAT(repl->Evaluate("raise SystemExit(1)"),
              StatusIs(absl::StatusCode::kUnknown, HasSubstr("SystemExit")));
  EXPECT_THAT(repl->Evaluate("'still' + ' here'"),
              IsOkAndHolds(std::string("'still here'")));
}

// --- time limits
// --------------------------------------------------------------

// Generous: a loaded two-core machine may take a while to deliver the stop;
// the tests check status codes, never durations.
absl::Time Soon() { return absl::Now() + absl::Milliseconds(200); }

constexpr char kSpinnerSource[] = R"PY(
import time
import duet

def spin():
    while True:
        pass

def spin_swallowing():
    try:
        while True:
            pass
    except Exception:
        return "swallowed"

def spin_catching_all():
    try:
        while True:
            pass
    except BaseException:
        return "caught"

def spin_after_log(tag):
    duet.log("started", tag)
    while True:
        pass

def sleep_then_log(seconds):
    time.sleep(seconds)
    duet.log("after sleep")
    return "slept"

def work(n):
    total = 0
    for i in range(n):
        total += i
    return total

def switch_interval(seconds):
    import sys
    old = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    return old

def ok():
    return "ok"
)PY";

TEST_F(PythonRuntimeTest, EndlessLoopStopsAtItsDeadlineAndTheNextCallWorks) {
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("spinner", kSpinnerSource));
  for (int round = 0; round < 2; ++round) {
    absl::StatusOr<Value> spun = CallByName(*plugin, "spin", {}, Soon());
    ASSERT_THAT(spun, StatusIs(absl::StatusCode::kDeadlineExceeded,
                               "Python execution stopped at its deadline"));
    // Where it was stopped travels along, for the report.
    std::optional<ScriptError> error = GetScriptError(spun.status());
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->type, "DeadlineExceeded");
    ASSERT_FALSE(error->stack.empty());
    EXPECT_EQ(error->stack[0].function, "spin");
    EXPECT_THAT(CallByName(*plugin, "ok", {}), IsOkAndHolds(Value("ok")));
  }
}

TEST_F(PythonRuntimeTest, ExceptExceptionDoesNotSwallowTheDeadline) {
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("spinner", kSpinnerSource));
  EXPECT_THAT(CallByName(*plugin, "spin_swallowing", {}, Soon()),
              StatusIs(absl::StatusCode::kDeadlineExceeded, ::testing::_));
  // Catching it anyway (BaseException) cleans up, but the call overran.
  EXPECT_THAT(CallByName(*plugin, "spin_catching_all", {}, Soon()),
              StatusIs(absl::StatusCode::kDeadlineExceeded, ::testing::_));
  EXPECT_THAT(CallByName(*plugin, "ok", {}), IsOkAndHolds(Value("ok")));
}

TEST_F(PythonRuntimeTest, DeadlineExceptionIsABaseException) {
  auto probe = Probe();
  EXPECT_THAT(
      CallByName(*probe, "ev",
                 {Value("[issubclass(duet.DeadlineExceeded, BaseException), "
                        "issubclass(duet.DeadlineExceeded, Exception)]")}),
      IsOkAndHolds(Value(Value::List{true, false})));
}

// A watchdog that fires as a call returns must never hit the thread's next
// call: every call here either finishes or is stopped, and each call
// without a deadline right after it succeeds. (A short GIL switch interval
// lets the watchdog in within microseconds, so the races really happen.)
TEST_F(PythonRuntimeTest, LateWatchdogNeverHitsTheNextCall) {
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("spinner", kSpinnerSource));
  ASSERT_OK_AND_ASSIGN(Value interval,
                       CallByName(*plugin, "switch_interval", {Value(1e-5)}));
  int stopped = 0;
  for (int i = 0; i < 200; ++i) {
    absl::StatusOr<Value> raced =
        CallByName(*plugin, "work", {Value(20000)},
                   absl::Now() + absl::Microseconds(50 * (i % 20)));
    if (!raced.ok()) {
      ASSERT_THAT(raced,
                  StatusIs(absl::StatusCode::kDeadlineExceeded, ::testing::_));
      ++stopped;
    }
    ASSERT_THAT(CallByName(*plugin, "work", {Value(20000)}),
                IsOkAndHolds(Value(199990000)))
        << "after call " << i;
  }
  std::cout << stopped << " of 200 racing calls were stopped\n";
  ASSERT_OK(CallByName(*plugin, "switch_interval", {interval}).status());
}

TEST_F(PythonRuntimeTest, CallsWithinTheirDeadlineAreUnaffected) {
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("spinner", kSpinnerSource));
  absl::Time far = absl::Now() + absl::Seconds(60);
  for (int i = 0; i < 100; ++i) {
    ASSERT_THAT(CallByName(*plugin, "work", {Value(100)}, far),
                IsOkAndHolds(Value(4950)));
  }
}

// Python waiting on a nested host call (JavaScript, say) cannot be stopped
// until that call returns; then it is, whatever the call returned.
TEST_F(PythonRuntimeTest, CallWaitingOnTheHostStopsWhenItResumes) {
  services_.AddModuleFunction(
      "slow", "wait", [](absl::Span<const Value>) -> absl::StatusOr<Value> {
        absl::SleepFor(absl::Milliseconds(600));
        return Value("done");
      });
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("waiter", R"PY(
import duet

def wait():
    result = duet.modules.slow.wait()
    duet.log("resumed with", result)
    return result

def wait_swallowing():
    try:
        duet.modules.slow.wait()
    except Exception:
        pass
    duet.log("resumed")
    return "swallowed"
)PY"));
  EXPECT_THAT(CallByName(*plugin, "wait", {}, Soon()),
              StatusIs(absl::StatusCode::kDeadlineExceeded, ::testing::_));
  EXPECT_THAT(CallByName(*plugin, "wait_swallowing", {}, Soon()),
              StatusIs(absl::StatusCode::kDeadlineExceeded, ::testing::_));
  EXPECT_THAT(services_.logs(), IsEmpty());
}

// Python -> host -> the same Python plugin, on one thread, both bound by the
// outer deadline: the inner call is stopped, and so is the outer one, even
// though it catches the inner call's failure and carries on.
TEST_F(PythonRuntimeTest, NestedPythonCallsAreAllStopped) {
  Implementation* self = nullptr;
  absl::Time deadline;
  services_.AddModuleFunction(
      "loop", "spin", [&](absl::Span<const Value>) -> absl::StatusOr<Value> {
        absl::StatusOr<Value> inner = CallByName(*self, "spin", {}, deadline);
        EXPECT_THAT(
            inner, StatusIs(absl::StatusCode::kDeadlineExceeded, ::testing::_));
        return inner;
      });
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("nest", R"PY(
import duet

def spin():
    while True:
        pass

def outer():
    try:
        duet.modules.loop.spin()
    except Exception:
        pass
    while True:
        pass
)PY"));
  self = plugin.get();
  deadline = Soon();
  EXPECT_THAT(CallByName(*plugin, "outer", {}, deadline),
              StatusIs(absl::StatusCode::kDeadlineExceeded, ::testing::_));
  EXPECT_THAT(CallByName(*plugin, "spin", {}, Soon()),
              StatusIs(absl::StatusCode::kDeadlineExceeded, ::testing::_));
}

// Async exceptions arrive between bytecodes: time.sleep (C code) runs to its
// end, and the call stops right after it, before the next line.
TEST_F(PythonRuntimeTest, TimeSleepIsNotCutShortButTheCallStopsAfterIt) {
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("spinner", kSpinnerSource));
  absl::Time start = absl::Now();
  EXPECT_THAT(CallByName(*plugin, "sleep_then_log", {Value(1.0)},
                         absl::Now() + absl::Milliseconds(100)),
              StatusIs(absl::StatusCode::kDeadlineExceeded, ::testing::_));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(900));
  EXPECT_THAT(services_.logs(), IsEmpty());
}

// --- Interrupt
// ------------------------------------------------------------------

// Waits until `count` log lines arrived (the plugins say "started").
void WaitForLogs(const RecordingServices& services, size_t count) {
  while (services.logs().size() < count) {
    absl::SleepFor(absl::Milliseconds(5));
  }
}

TEST_F(PythonRuntimeTest, InterruptStopsEveryRunningCallAndEvaluation) {
  runtime_->Interrupt();  // nothing running: nothing happens
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("spinner", kSpinnerSource));
  ASSERT_OK_AND_ASSIGN(auto repl, runtime_->NewReplSession());
  absl::StatusOr<Value> first, second;
  absl::StatusOr<std::string> evaluated;
  std::thread a(
      [&] { first = CallByName(*plugin, "spin_after_log", {Value("a")}); });
  std::thread b([&] {
    second = CallByName(*plugin, "spin_after_log", {Value("b")},
                        absl::Now() + absl::Hours(1));
  });
  std::thread c([&] {
    evaluated =
        repl->Evaluate("duet.log('started', 'repl')\nwhile True:\n    pass\n");
  });
  WaitForLogs(services_, 3);
  runtime_->Interrupt();
  a.join();
  b.join();
  c.join();
  EXPECT_THAT(first, StatusIs(absl::StatusCode::kCancelled,
                              "Python execution interrupted"));
  EXPECT_THAT(second, StatusIs(absl::StatusCode::kCancelled, ::testing::_));
  EXPECT_THAT(evaluated, StatusIs(absl::StatusCode::kCancelled, ::testing::_));
  std::optional<ScriptError> error = GetScriptError(first.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->type, "KeyboardInterrupt");
  // Later calls run normally.
  EXPECT_THAT(CallByName(*plugin, "ok", {}), IsOkAndHolds(Value("ok")));
  EXPECT_THAT(repl->Evaluate("1 + 1"), IsOkAndHolds(std::string("2")));
}

TEST_F(PythonRuntimeTest, InterruptReachesACallWaitingOnTheHost) {
  absl::Notification entered;
  services_.AddModuleFunction(
      "slow", "wait", [&](absl::Span<const Value>) -> absl::StatusOr<Value> {
        entered.Notify();
        absl::SleepFor(absl::Milliseconds(300));
        return Value("done");
      });
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("waiter", R"PY(
import duet

def wait():
    try:
        duet.modules.slow.wait()
    except Exception:
        pass
    while True:
        pass
)PY"));
  absl::StatusOr<Value> result;
  std::thread caller([&] { result = CallByName(*plugin, "wait", {}); });
  entered.WaitForNotification();
  runtime_->Interrupt();
  caller.join();
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kCancelled, ::testing::_));
}

// Only this runtime's calls: another runtime sharing the interpreter keeps
// running.
TEST_F(PythonRuntimeTest, InterruptLeavesOtherRuntimesAlone) {
  RecordingServices other_services;
  ASSERT_OK_AND_ASSIGN(auto other_runtime, CreatePythonRuntime(other_services));
  ASSERT_OK_AND_ASSIGN(auto mine, LoadSource("spinner", kSpinnerSource));
  ASSERT_OK_AND_ASSIGN(
      auto theirs, LoadSource("spinner", kSpinnerSource, other_runtime.get()));
  absl::StatusOr<Value> my_result, their_result;
  std::thread a(
      [&] { my_result = CallByName(*mine, "spin_after_log", {Value("a")}); });
  std::thread b([&] {
    their_result = CallByName(*theirs, "spin_after_log", {Value("b")},
                              absl::Now() + absl::Seconds(2));
  });
  WaitForLogs(services_, 1);
  WaitForLogs(other_services, 1);
  runtime_->Interrupt();
  a.join();
  b.join();
  EXPECT_THAT(my_result, StatusIs(absl::StatusCode::kCancelled, ::testing::_));
  EXPECT_THAT(their_result,
              StatusIs(absl::StatusCode::kDeadlineExceeded, ::testing::_));
}

// --- memory
// -----------------------------------------------------------------------

TEST_F(PythonRuntimeTest, MemoryErrorIsResourceExhaustedNamingTheModule) {
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("hog", R"PY(
def hog():
    return len(bytearray(1 << 60))

def ok():
    return "ok"
)PY"));
  absl::StatusOr<Value> hogged = CallByName(*plugin, "hog", {});
  EXPECT_THAT(
      hogged,
      StatusIs(absl::StatusCode::kResourceExhausted,
               AllOf(HasSubstr("module 'hog'"), HasSubstr("MemoryError"),
                     HasSubstr("cannot be limited per plugin"))));
  std::optional<ScriptError> error = GetScriptError(hogged.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->type, "MemoryError");
  EXPECT_THAT(CallByName(*plugin, "ok", {}), IsOkAndHolds(Value("ok")));

  ASSERT_OK_AND_ASSIGN(auto repl, runtime_->NewReplSession());
  EXPECT_THAT(repl->Evaluate("bytearray(1 << 60)"),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("REPL input ran out of memory")));
  EXPECT_THAT(LoadSource("hog_at_import", "X = bytearray(1 << 60)\n"),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("module 'hog_at_import'")));
}

TEST_F(PythonRuntimeTest, AResultTooLargeToConvertIsAnErrorNotAnAbort) {
#if defined(__SANITIZE_ADDRESS__)
  // ASan's shadow memory does not fit under an address-space cap, and its
  // allocator reports running out instead of throwing std::bad_alloc.
  GTEST_SKIP() << "needs a plain allocator under RLIMIT_AS";
#endif
  // 10**8 references to one int cost Python 800 MB but need 4 GB as duet
  // values: with 2 GB more address space allowed than the process uses now,
  // the conversion runs out of memory.
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("big", R"PY(
def big():
    return [0] * 10**8

def ok():
    return "ok"
)PY"));
  rlimit saved;
  ASSERT_EQ(getrlimit(RLIMIT_AS, &saved), 0);
  std::ifstream statm("/proc/self/statm");
  rlim_t pages = 0;
  statm >> pages;
  ASSERT_GT(pages, 0u);
  rlimit capped = saved;
  capped.rlim_cur = pages * sysconf(_SC_PAGESIZE) + (rlim_t{2} << 30);
  ASSERT_EQ(setrlimit(RLIMIT_AS, &capped), 0);
  absl::StatusOr<Value> result = CallByName(*plugin, "big", {});
  ASSERT_EQ(setrlimit(RLIMIT_AS, &saved), 0);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kResourceExhausted,
                               HasSubstr("too large to convert")));
  EXPECT_THAT(CallByName(*plugin, "ok", {}), IsOkAndHolds(Value("ok")));
}

// --- bad input
// ----------------------------------------------------------------------

TEST_F(PythonRuntimeTest, ClosingStdoutOrStderrDoesNotSilenceLaterPrints) {
  ASSERT_OK_AND_ASSIGN(auto closer, LoadSource("closer", R"PY(
import sys

def close():
    sys.stdout.close()
    sys.stderr.close()
    print("still printing")
    print("to stderr", file=sys.stderr)
    return [sys.stdout.closed, sys.stderr.closed]
)PY"));
  ASSERT_OK_AND_ASSIGN(auto other,
                       LoadSource("other", "def hi():\n    print('hi')\n"));
  EXPECT_THAT(CallByName(*closer, "close", {}),
              IsOkAndHolds(Value(Value::List{false, false})));
  ASSERT_OK(CallByName(*other, "hi", {}).status());
  std::vector<std::string> lines;
  for (const auto& line : services_.logs()) lines.push_back(line.message);
  EXPECT_THAT(lines, ElementsAre("still printing", "to stderr", "hi"));
}

// print() never reaches the process's file descriptors, so a plugin closing
// them (it can: plugins are trusted code) breaks only the application's own
// output, not the log sink.
TEST_F(PythonRuntimeTest, ClosingFileDescriptorsDoesNotBreakPrint) {
  int saved_out = ::dup(1);
  int saved_err = ::dup(2);
  ASSERT_GE(saved_out, 0);
  ASSERT_GE(saved_err, 0);
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("fdcloser", R"PY(
import os
import sys

def close():
    os.close(1)
    os.close(2)
    print("after closing fd 1")
    print("after closing fd 2", file=sys.stderr)
)PY"));
  absl::StatusOr<Value> result = CallByName(*plugin, "close", {});
  ::dup2(saved_out, 1);
  ::dup2(saved_err, 2);
  ::close(saved_out);
  ::close(saved_err);
  ASSERT_OK(result.status());
  ASSERT_EQ(services_.logs().size(), 2u);
  EXPECT_EQ(services_.logs()[0].message, "after closing fd 1");
  EXPECT_EQ(services_.logs()[1].message, "after closing fd 2");
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

TEST_F(PythonRuntimeTest, EndlessRecursionIsARecursionErrorAndPythonRecovers) {
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("recurse", R"PY(
def forever():
    return forever()

def deep(n):
    return 0 if n == 0 else 1 + deep(n - 1)
)PY"));
  for (int round = 0; round < 2; ++round) {
    absl::StatusOr<Value> result = CallByName(*plugin, "forever", {});
    ASSERT_THAT(result, StatusIs(absl::StatusCode::kUnknown,
                                 HasSubstr("RecursionError")));
    std::optional<ScriptError> error = GetScriptError(result.status());
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->type, "RecursionError");
    EXPECT_THAT(CallByName(*plugin, "deep", {Value(500)}),
                IsOkAndHolds(Value(500)));
  }
}

TEST_F(PythonRuntimeTest, HundredMegabyteStringRoundTrips) {
  auto probe = Probe();
  std::string big(100 << 20, 'x');
  big[12345] = 'y';
  ASSERT_OK_AND_ASSIGN(Value echoed, CallByName(*probe, "echo", {Value(big)}));
  ASSERT_TRUE(echoed.is_string());
  EXPECT_TRUE(echoed.as_string() == big);
  EXPECT_THAT(CallByName(*probe, "ev", {Value("len('x' * (100 << 20))")}),
              IsOkAndHolds(Value(int64_t{100} << 20)));
}

// --- REPL: incomplete input and completion
// ------------------------------------------

TEST_F(PythonRuntimeTest, IncompleteInputIsWhatPythonsParserSays) {
  ASSERT_OK_AND_ASSIGN(auto repl, runtime_->NewReplSession());
  for (const char* code :
       {"def f():", "def f():\n", "def f():\n    return 1",
        "def f():\n    return 1\n", "for x in y:\n", "(1,", "x = [1,\n 2\n",
        "'''abc", "'''abc\n", "print('a'", "\\"}) {
    EXPECT_TRUE(repl->IsIncomplete(code)) << code;
  }
  // A blank line ends a block, as in Python's REPL; wrong input is complete
  // (Evaluate reports the SyntaxError).
  for (const char* code :
       {"def f():\n    return 1\n\n", "def f():\r\n    return 1\r\n\r\n",
        "x = 1", "x = 1\n", "", "# note", "1 +", "1 +\n", "1 + )",
        "if x:\n    pass\n\n"}) {
    EXPECT_FALSE(repl->IsIncomplete(code)) << code;
  }
  EXPECT_FALSE(repl->IsIncomplete("\xff("));
  // What the duet command sends once a block is complete evaluates.
  EXPECT_THAT(repl->Evaluate("def twice(x):\n    y = x * 2\n    return y\n\n"),
              IsOkAndHolds(std::string("")));
  EXPECT_THAT(repl->Evaluate("twice(21)\n"), IsOkAndHolds(std::string("42")));
}

TEST_F(DuetApiTest, CompletesNamesFromTheSession) {
  services_.AddModuleFunction(
      "greeter", "greet",
      [](absl::Span<const Value>) -> absl::StatusOr<Value> { return Value(); });
  services_.AddModuleFunction(
      "greeter", "grumble",
      [](absl::Span<const Value>) -> absl::StatusOr<Value> { return Value(); });
  ASSERT_OK_AND_ASSIGN(auto repl, runtime_->NewReplSession());
  // Modules are bound before the first Evaluate.
  EXPECT_THAT(repl->Complete("gree"), ElementsAre("greeter"));
  EXPECT_THAT(repl->Complete("x = greeter.gr"),
              ElementsAre("greeter.greet", "greeter.grumble"));
  EXPECT_THAT(repl->Complete("math."),
              ElementsAre("math.add", "math.describe"));
  EXPECT_THAT(repl->Complete("duet.modules.gr"),
              ElementsAre("duet.modules.greeter"));
  EXPECT_THAT(repl->Complete("duet.host.n"), ElementsAre("duet.host.now"));
  EXPECT_THAT(repl->Complete("pri"), ElementsAre("print"));
  EXPECT_THAT(repl->Complete("whi"), ElementsAre("while"));
  EXPECT_THAT(repl->Complete("print(len"), ElementsAre("len"));
  ASSERT_OK(repl->Evaluate("import os\nvalue = 3\nvalues = [1]\n").status());
  EXPECT_THAT(repl->Complete("val"), ElementsAre("value", "values"));
  EXPECT_THAT(repl->Complete("os.path.jo"), ElementsAre("os.path.join"));
  EXPECT_THAT(repl->Complete("values.ap"), ElementsAre("values.append"));
  // Nothing to complete: not a name, or an expression's attribute.
  EXPECT_THAT(repl->Complete(""), IsEmpty());
  EXPECT_THAT(repl->Complete("3.fo"), IsEmpty());
  EXPECT_THAT(repl->Complete("f().x"), IsEmpty());
  EXPECT_THAT(repl->Complete("nosuch.x"), IsEmpty());
  EXPECT_THAT(repl->Complete("greeter.greet.x"), IsEmpty());
}

TEST_F(PythonRuntimeTest, CompletionRunsNoUserCode) {
  ASSERT_OK_AND_ASSIGN(auto repl, runtime_->NewReplSession());
  ASSERT_OK(repl->Evaluate(R"PY(
calls = []

class Tricky:
    plain = 1

    def method(self):
        pass

    @property
    def prop(self):
        calls.append("prop")
        return self

    def __getattr__(self, name):
        calls.append("getattr " + name)
        return self

    def __dir__(self):
        calls.append("dir")
        return ["fake"]

tricky = Tricky()
tricky.own = 2
)PY")
                .status());
  EXPECT_THAT(repl->Complete("tricky.p"),
              ElementsAre("tricky.plain", "tricky.prop"));
  EXPECT_THAT(repl->Complete("tricky.o"), ElementsAre("tricky.own"));
  EXPECT_THAT(repl->Complete("tricky.m"), ElementsAre("tricky.method"));
  EXPECT_THAT(repl->Complete("tricky.prop.p"), IsEmpty());
  EXPECT_THAT(repl->Complete("tricky.missing.p"), IsEmpty());
  EXPECT_THAT(repl->Complete("Tricky.pl"), ElementsAre("Tricky.plain"));
  EXPECT_THAT(repl->Evaluate("calls"), IsOkAndHolds(std::string("[]")));
  // Private names only when asked for.
  EXPECT_THAT(repl->Complete("tricky."),
              ElementsAre("tricky.method", "tricky.own", "tricky.plain",
                          "tricky.prop"));
  EXPECT_THAT(repl->Complete("tricky.__di"),
              ElementsAre("tricky.__dict__", "tricky.__dir__"));
}

// Call cost is measured by bench/call_benchmark; this checks that the kept
// Python thread state serves many calls correctly, on the main thread and on
// one that never held a Python thread state.
TEST_F(PythonRuntimeTest, ManyCallsFromAnyThreadAllReturnTheirResult) {
  auto probe = Probe();
  auto run = [&] {
    int wrong = 0;
    for (int64_t i = 0; i < 20000; ++i) {
      absl::StatusOr<Value> out =
          CallByName(*probe, "add", {Value(i), Value(2)});
      if (!out.ok() || *out != Value(i + 2)) ++wrong;
    }
    return wrong;
  };
  EXPECT_EQ(run(), 0);
  int wrong_on_thread = -1;
  std::thread([&] { wrong_on_thread = run(); }).join();
  EXPECT_EQ(wrong_on_thread, 0);
}

}  // namespace
}  // namespace duet
