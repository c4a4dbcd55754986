// Python-only parts of the REPL session (the shared ones are contract rows):
// repr() rendering and `_`, SystemExit, top-level async with / async for,
// and completion of keywords, imports and private names.
#include <string>

#include "python_test_fixture.h"

namespace duet::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST_F(PythonRuntimeTest, ReplRendersWithReprAndKeepsTheLastResult) {
  ASSERT_OK_AND_ASSIGN(auto repl, runtime_->NewReplSession());
  EXPECT_THAT(repl->Evaluate("3 + 3"), IsOkAndHolds(std::string("6")));
  EXPECT_THAT(repl->Evaluate("_"), IsOkAndHolds(std::string("6")));
  EXPECT_THAT(repl->Evaluate("[b'\\x00', {'k': (1,)}]"),
              IsOkAndHolds(std::string("[b'\\x00', {'k': (1,)}]")));
}

TEST_F(PythonRuntimeTest, ReplAwaitsAsPythonsAsyncioReplDoes) {
  ASSERT_OK_AND_ASSIGN(auto repl, runtime_->NewReplSession());
  ASSERT_OK(repl->Evaluate("import asyncio, contextlib").status());
  EXPECT_THAT(repl->Evaluate("await asyncio.sleep(0.01, result=[1, 'a'])"),
              IsOkAndHolds(std::string("[1, 'a']")));
  EXPECT_THAT(repl->Evaluate("_"), IsOkAndHolds(std::string("[1, 'a']")));
  // None is not shown and leaves `_` alone.
  EXPECT_THAT(repl->Evaluate("await asyncio.sleep(0)"),
              IsOkAndHolds(std::string("")));
  EXPECT_THAT(repl->Evaluate("_"), IsOkAndHolds(std::string("[1, 'a']")));
  // async with, async for and async comprehensions at the top level; what
  // they bind stays.
  ASSERT_OK(repl->Evaluate(R"PY(
@contextlib.asynccontextmanager
async def opened():
    yield 5

async def counted(n):
    for i in range(n):
        yield await asyncio.sleep(0, result=i)
)PY")
                .status());
  ASSERT_OK(repl->Evaluate("async with opened() as five:\n"
                           "    total = five\n"
                           "    async for i in counted(3):\n"
                           "        total += i\n\n")
                .status());
  EXPECT_THAT(repl->Evaluate("total"), IsOkAndHolds(std::string("8")));
  EXPECT_THAT(repl->Evaluate("[x async for x in counted(3)]"),
              IsOkAndHolds(std::string("[0, 1, 2]")));
  // An awaiting input's exception names its own lines.
  EXPECT_THAT(
      repl->Evaluate("await asyncio.sleep(0)\n{}['missing']\n"),
      StatusIs(absl::StatusCode::kUnknown, HasSubstr("KeyError: 'missing'")));
  EXPECT_THAT(repl->IsIncomplete("async with opened() as five:"),
              ::testing::IsTrue());
  EXPECT_THAT(repl->IsIncomplete("await asyncio.sleep(0"), ::testing::IsTrue());
  EXPECT_THAT(repl->IsIncomplete("await asyncio.sleep(0)"),
              ::testing::IsFalse());
}

TEST_F(PythonRuntimeTest, ReplSystemExitIsAnOrdinaryError) {
  ASSERT_OK_AND_ASSIGN(auto repl, runtime_->NewReplSession());
  EXPECT_THAT(repl->Evaluate("raise SystemExit(1)"),
              StatusIs(absl::StatusCode::kUnknown, HasSubstr("SystemExit")));
  EXPECT_THAT(repl->Evaluate("'still' + ' here'"),
              IsOkAndHolds(std::string("'still here'")));
}

TEST_F(PythonRuntimeTest, CompletesKeywordsImportsAndTheDuetModule) {
  services_.AddModuleFunction(
      "greeter", "greet",
      [](absl::Span<const Value>) -> absl::StatusOr<Value> { return Value(); });
  services_.AddHostFunction(
      "now", [](absl::Span<const Value>) -> absl::StatusOr<Value> {
        return Value(42);
      });
  ASSERT_OK_AND_ASSIGN(auto repl, runtime_->NewReplSession());
  // Modules are bound before the first Evaluate.
  EXPECT_THAT(repl->Complete("gree"), ElementsAre("greeter"));
  EXPECT_THAT(repl->Complete("duet.modules.gr"),
              ElementsAre("duet.modules.greeter"));
  EXPECT_THAT(repl->Complete("duet.host.n"), ElementsAre("duet.host.now"));
  EXPECT_THAT(repl->Complete("pri"), ElementsAre("print"));
  EXPECT_THAT(repl->Complete("whi"), ElementsAre("while"));
  EXPECT_THAT(repl->Complete("print(len"), ElementsAre("len"));
  ASSERT_OK(repl->Evaluate("import os\n").status());
  EXPECT_THAT(repl->Complete("os.path.jo"), ElementsAre("os.path.join"));
  // Nothing to complete: not a name, or an expression's attribute.
  EXPECT_THAT(repl->Complete("3.fo"), IsEmpty());
  EXPECT_THAT(repl->Complete("f().x"), IsEmpty());
}

TEST_F(PythonRuntimeTest,
       CompletionNeverCallsDirAndListsPrivateNamesOnRequest) {
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

    def __dir__(self):
        calls.append("dir")
        return ["fake"]

tricky = Tricky()
tricky.own = 2
)PY")
                .status());
  EXPECT_THAT(repl->Complete("tricky.o"), ElementsAre("tricky.own"));
  EXPECT_THAT(repl->Complete("tricky.m"), ElementsAre("tricky.method"));
  EXPECT_THAT(repl->Complete("Tricky.pl"), ElementsAre("Tricky.plain"));
  EXPECT_THAT(repl->Complete("tricky."),
              ElementsAre("tricky.method", "tricky.own", "tricky.plain",
                          "tricky.prop"));
  EXPECT_THAT(repl->Complete("tricky.__di"),
              ElementsAre("tricky.__dict__", "tricky.__dir__"));
  EXPECT_THAT(repl->Evaluate("calls"), IsOkAndHolds(std::string("[]")));
}

}  // namespace
}  // namespace duet::testing
