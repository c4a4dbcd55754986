// Function values through a Host with both engines: a JavaScript arrow
// function given to a Python module and the reverse (plugin to plugin), a
// C++ function through both, and what a reload does to functions a module
// handed out. The behaviour of one engine at a time is in the contract
// suite (tests/contract/function_rows.cc).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "duet/duet.h"
#include "duet/engine/function_owner.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/quiet_host.h"
#include "testing/status_matchers.h"

namespace duet {
namespace {

using ::duet::testing::IsOkAndHolds;
using ::duet::testing::StatusIs;
using ::testing::HasSubstr;

using FunctionValuesTest = ::duet::testing::QuietHostTest;

TEST_F(FunctionValuesTest, JavaScriptArrowFunctionCalledByAPythonModule) {
  Load("pymap", Language::kPython,
       "def map_list(fn, items):\n"
       "    return [fn(x) for x in items]\n");
  Load("jscaller", Language::kJavaScript,
       "import duet from 'duet';\n"
       "export function run() {\n"
       "  return duet.modules.pymap.map_list(x => x * 2, [1, 2, 3]);\n"
       "}\n");
  EXPECT_THAT(host_->Call("jscaller", "run", {}),
              IsOkAndHolds(Value(Value::List{2, 4, 6})));
}

TEST_F(FunctionValuesTest, PythonLambdaCalledByAJavaScriptModule) {
  Load("jsmap", Language::kJavaScript,
       "export function mapList(fn, items) { return items.map(x => fn(x)); "
       "}\n");
  Load("pycaller", Language::kPython,
       "import duet\n"
       "def run():\n"
       "    return duet.modules.jsmap.mapList(lambda x: x + 1, [1, 2])\n");
  EXPECT_THAT(host_->Call("pycaller", "run", {}),
              IsOkAndHolds(Value(Value::List{2, 3})));
}

TEST_F(FunctionValuesTest, CppFunctionThroughJavaScriptIntoPython) {
  Load("pyapply", Language::kPython,
       "def apply(fn, x):\n"
       "    return fn(x)\n");
  Load("jsforward", Language::kJavaScript,
       "import duet from 'duet';\n"
       "export function forward(fn, x) {\n"
       "  return duet.modules.pyapply.apply(fn, x);\n"
       "}\n");
  Value negate = Value::FromFunction(
      "negate", [](absl::Span<const Value> args) -> absl::StatusOr<Value> {
        return Value(-args[0].as_int());
      });
  EXPECT_THAT(host_->Call("jsforward", "forward", {negate, Value(5)}),
              IsOkAndHolds(Value(-5)));
}

TEST_F(FunctionValuesTest, AReloadReleasesTheHandlesAndKillsTheFunctions) {
  for (Language language : kAllLanguages) {
    SCOPED_TRACE(LanguageName(language));
    const std::string module =
        language == Language::kPython ? "pyclosure" : "jsclosure";
    Load(module, language,
         language == Language::kPython
             ? "def make(n):\n    return lambda: n\n"
             : "export function make(n) { return () => n; }\n");
    const int64_t before = engine::LiveFunctionHandles();
    absl::StatusOr<Value> made = host_->Call(module, "make", {Value(3)});
    ASSERT_TRUE(made.ok()) << made.status();
    EXPECT_EQ(engine::LiveFunctionHandles(), before + 1);
    EXPECT_THAT(made->Call({}), IsOkAndHolds(Value(3)));
    ASSERT_TRUE(host_->Reload(module).ok());
    EXPECT_EQ(engine::LiveFunctionHandles(), before);
    EXPECT_THAT(made->Call({}), StatusIs(absl::StatusCode::kFailedPrecondition,
                                         HasSubstr("unloaded or reloaded")));
  }
}

// A JavaScript module keeps a duet.modules function object across a
// reload of its target that turns the function from sync to async and back:
// each call runs the current implementation, awaited when it is async.
TEST_F(FunctionValuesTest, AKeptFunctionObjectFollowsAReloadToAsync) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("duet_review_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto write = [&](const std::string& text) {
    std::ofstream(dir / "target.py") << text;
  };
  write("def f():\n    return 1\n");
  ASSERT_OK(host_->LoadPlugin(dir / "target.py").status());
  Load("keeper", Language::kJavaScript,
       "import duet from 'duet';\n"
       "const f = duet.modules.target.f;\n"
       "export async function go() { return await f(); }\n");
  EXPECT_THAT(host_->Call("keeper", "go", {}), IsOkAndHolds(Value(1)));
  write(
      "import asyncio\nasync def f():\n    await asyncio.sleep(0)\n"
      "    return 2\n");
  ASSERT_OK(host_->Reload("target"));
  EXPECT_THAT(host_->Call("keeper", "go", {}), IsOkAndHolds(Value(2)));
  write("def f():\n    return 3\n");
  ASSERT_OK(host_->Reload("target"));
  EXPECT_THAT(host_->Call("keeper", "go", {}), IsOkAndHolds(Value(3)));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace duet
