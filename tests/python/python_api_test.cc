// Python-only parts of what crosses the boundary and of the duet module (the
// shared ones are contract rows): Python's own container types, print's
// rendering, and duet.ScriptError's Python attributes.
#include <limits>
#include <string>
#include <vector>

#include "python_test_fixture.h"

namespace duet::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST_F(PythonRuntimeTest, PythonOnlyValuesArriveAsDuetKinds) {
  auto probe = Probe();
  struct Case {
    const char* source;
    Value expected;
  };
  const Case cases[] = {
      {"0.1", Value(0.1)},
      {"[True, 1]", Value(Value::List{true, 1})},
      {"2**53 + 1", Value((int64_t{1} << 53) + 1)},
      {"memoryview(b'abcde')[::2]", Value(Bytes("ace"))},
      {"frozenset() or (1,)", Value(Value::List{1})},
  };
  for (const Case& c : cases) {
    ASSERT_OK_AND_ASSIGN(Value value,
                         CallByName(*probe, "ev", {Value(c.source)}));
    EXPECT_EQ(value, c.expected) << c.source;
  }
  EXPECT_THAT(CallByName(*probe, "ev", {Value("[frozenset()]")}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("'frozenset' at result[0]")));
  EXPECT_THAT(CallByName(*probe, "ev", {Value("2**63")}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("int does not fit in 64 bits at result")));
}

// A tzinfo's utcoffset() is Python code that runs while a result converts;
// when it changes a container being converted, that is an error, never a
// read of freed memory.
TEST_F(PythonRuntimeTest, TzinfoThatChangesTheValueBeingConverted) {
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("meddler", R"PY(
from datetime import datetime, timedelta, tzinfo


class Meddling(tzinfo):
    def __init__(self, container):
        self.container = container

    def utcoffset(self, t):
        self.container.clear()
        return timedelta(0)


def in_list():
    items = []
    items.extend([datetime(2026, 1, 1, tzinfo=Meddling(items)), 'x', 'y'])
    return items


def in_dict():
    d = {}
    d['t'] = datetime(2026, 1, 1, tzinfo=Meddling(d))
    d['u'] = 'x'
    return {'outer': d}
)PY"));
  EXPECT_THAT(CallByName(*plugin, "in_list", {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("container changed size while converting")));
  EXPECT_THAT(CallByName(*plugin, "in_dict", {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("container changed size while converting")));
}

TEST_F(PythonRuntimeTest, PrintAndLogRenderLikePython) {
  ::testing::internal::CaptureStdout();
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("talker", R"PY(
import duet

def talk():
    duet.log("hi", 42, None)
    print("partial", end="")
)PY"));
  ASSERT_OK(CallByName(*plugin, "talk", {}).status());
  EXPECT_THAT(::testing::internal::GetCapturedStdout(), IsEmpty());
  std::vector<std::string> lines;
  for (const auto& line : services_.logs()) {
    EXPECT_EQ(line.source, "talker");
    lines.push_back(std::string(LogLevelName(line.level)) + " " + line.message);
  }
  EXPECT_THAT(lines, ElementsAre("info hi 42 None", "info partial"));
}

TEST_F(PythonRuntimeTest, ScriptErrorFromAnotherLanguageHasPythonAttributes) {
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
        return {"str": str(e), "file": e.stack[0].file,
                "line": e.stack[0].line,
                "is_exception": isinstance(e, Exception)}
)PY"));
  ASSERT_OK_AND_ASSIGN(Value caught, CallByName(*plugin, "catch", {}));
  EXPECT_EQ(caught, Value(Value::Map{{"str", "TypeError: boom (javascript)"},
                                     {"file", "/plugins/js/js.js"},
                                     {"line", 3},
                                     {"is_exception", true}}));
}

// duet.modules.M.F is a native callable, not a Python function: it still
// reads like one (name, repr), refuses keywords by name, binds as a method
// when a class holds it (the instance is passed first), and keeps what
// _describe sets on it.
TEST_F(PythonRuntimeTest, ModuleFunctionBehavesLikeAFunction) {
  services_.AddModuleFunction(
      "js", "count", [](absl::Span<const Value> args) -> absl::StatusOr<Value> {
        return Value(static_cast<int64_t>(args.size()));
      });
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("caller", R"PY(
import duet

class Holder(dict):  # an instance converts (to a map)
    count = duet.modules.js.count

def probe():
    count = duet.modules.js.count
    try:
        count(1, key=2)
        keyword = "accepted"
    except TypeError as e:
        keyword = str(e)
    count.extra = "kept"
    return [count.__name__, count.__qualname__, repr(count), keyword,
            count(), count(*range(9)), Holder().count(1), Holder.count(1),
            count.extra, count is duet.modules.js.count]
)PY"));
  ASSERT_OK_AND_ASSIGN(Value result, CallByName(*plugin, "probe", {}));
  ASSERT_TRUE(result.is_list());
  EXPECT_EQ(result,
            Value(Value::List{"count", "js.count", "<duet function js.count>",
                              "js.count() takes positional arguments only (got "
                              "keyword argument 'key')",
                              0, 9, 2, 1, "kept", true}));
}

// Only duet makes a duet.modules.M.F: Python cannot make an empty one
// (whose repr read null pointers), and copy.copy / copy.deepcopy give the
// callable itself, as for the Python function it replaced (they raised
// "cannot pickle").
TEST_F(PythonRuntimeTest, ModuleFunctionIsMadeOnlyByDuet) {
  services_.AddModuleFunction(
      "js", "count", [](absl::Span<const Value> args) -> absl::StatusOr<Value> {
        return Value(static_cast<int64_t>(args.size()));
      });
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("caller", R"PY(
import copy
import duet

def probe():
    count = duet.modules.js.count
    try:
        type(count)()
        made = "made"
    except TypeError:
        made = "refused"
    copied = copy.copy(count)
    deep = copy.deepcopy({"f": count})["f"]
    return [made, copied is count, deep is count]
)PY"));
  EXPECT_THAT(CallByName(*plugin, "probe", {}),
              IsOkAndHolds(Value(Value::List{"refused", true, true})));
}

// duet.modules and its module objects read names without the __getattr__
// hook's type lookups (duet_module.cc GenericFirstGetAttr), still in the
// generic lookup's order: a data descriptor of the class (the _name slot)
// before the __dict__, the __dict__ before __getattr__, and a miss (or a
// str subclass) through __getattr__ as before.
TEST_F(PythonRuntimeTest, ModuleObjectsReadInTheGenericOrder) {
  services_.AddModuleFunction(
      "js", "count", [](absl::Span<const Value> args) -> absl::StatusOr<Value> {
        return Value(static_cast<int64_t>(args.size()));
      });
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("caller", R"PY(
import duet

class Name(str):
    pass

def probe():
    js = duet.modules.js
    count = js.count
    js.__dict__["_name"] = "shadowed"
    js.__dict__["extra"] = 5
    return [js is duet.modules.js, js.count is count, count(1, 2),
            js._name, js.extra, getattr(js, Name("count")) is count,
            type(js.other).__name__, js.other is js.other,
            hasattr(js, "__wrapped__"), hasattr(duet.modules, "__wrapped__"),
            getattr(duet.modules, Name("js")) is js]
)PY"));
  EXPECT_THAT(CallByName(*plugin, "probe", {}),
              IsOkAndHolds(Value(Value::List{true, true, 2, "js", 5, true,
                                             "ModuleFunction", true, false,
                                             false, true})));
}

// None, bools, ints and floats take a shorter way into a module call's
// arguments; ints past 64 bits and int subclasses take the general one,
// with its rules and its error path.
TEST_F(PythonRuntimeTest, ScalarArgumentsConvertAsAnyArgument) {
  services_.AddModuleFunction(
      "js", "echo", [](absl::Span<const Value> args) -> absl::StatusOr<Value> {
        return Value(Value::List(args.begin(), args.end()));
      });
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("caller", R"PY(
import duet
import enum

class Small(enum.IntEnum):
    ONE = 1

def scalars():
    return duet.modules.js.echo(None, True, False, 0, -2**63, 2**63 - 1, 1.5,
                                Small.ONE)

def too_big():
    try:
        duet.modules.js.echo(1, 2**63)
    except duet.Error as e:
        return [e.code, str(e)]
)PY"));
  ASSERT_OK_AND_ASSIGN(Value scalars, CallByName(*plugin, "scalars", {}));
  EXPECT_EQ(scalars,
            Value(Value::List{Value(), true, false, 0,
                              std::numeric_limits<int64_t>::min(),
                              std::numeric_limits<int64_t>::max(), 1.5, 1}));
  ASSERT_OK_AND_ASSIGN(Value too_big, CallByName(*plugin, "too_big", {}));
  ASSERT_TRUE(too_big.is_list());
  ASSERT_EQ(too_big.as_list().size(), 2u);
  EXPECT_EQ(too_big.as_list()[0], Value("INVALID_ARGUMENT"));
  EXPECT_THAT(too_big.as_list()[1].as_string(),
              HasSubstr("int does not fit in 64 bits at args[1]"));
}

}  // namespace
}  // namespace duet::testing
