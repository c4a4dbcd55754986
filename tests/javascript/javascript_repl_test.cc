// REPL engine parts: IsIncomplete (V8's parser decides), Complete (dotted
// names from the session's globals, never running getters) and how an input
// that awaits is rewritten (repl_await.h: what it declares, what it shows).
#include <string>
#include <vector>

#include "duet/error.h"
#include "javascript/repl_await.h"
#include "js_test_util.h"

namespace duet::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class JsReplTest : public JsTest {
 protected:
  void SetUp() override {
    JsTest::SetUp();
    services_.AddModuleFunction(
        "greeter", "greet",
        [](absl::Span<const Value>) -> absl::StatusOr<Value> {
          return Value("hi");
        });
    services_.AddModuleFunction(
        "greeter", "grumble",
        [](absl::Span<const Value>) -> absl::StatusOr<Value> {
          return Value("hm");
        });
    auto repl = runtime_->NewReplSession();
    ASSERT_TRUE(repl.ok()) << repl.status();
    repl_ = *std::move(repl);
  }

  std::unique_ptr<ReplSession> repl_;
};

TEST_F(JsReplTest, CompletesBuiltinsAndEveryKindOfDeclaration) {
  EXPECT_THAT(repl_->Complete("Math.fl"), ElementsAre("Math.floor"));
  EXPECT_THAT(repl_->Complete("x = Math.ma"), ElementsAre("Math.max"));
  EXPECT_THAT(repl_->Complete("JSON.str"), ElementsAre("JSON.stringify"));
  EXPECT_THAT(repl_->Complete("Object.prototype.hasOwn"),
              ElementsAre("Object.prototype.hasOwnProperty"));

  ASSERT_OK(repl_->Evaluate("var counterVar = 1; function counterFn() {}"));
  ASSERT_OK(
      repl_->Evaluate("let counterLet = { alpha: 1, alps: { deep: 2 } }"));
  ASSERT_OK(
      repl_->Evaluate("const counterConst = 'text'; class CounterClass {}"));
  EXPECT_THAT(
      repl_->Complete("counter"),
      ElementsAre("counterConst", "counterFn", "counterLet", "counterVar"));
  EXPECT_THAT(repl_->Complete("Counter"), ElementsAre("CounterClass"));
  EXPECT_THAT(repl_->Complete("counterLet.al"),
              ElementsAre("counterLet.alpha", "counterLet.alps"));
  EXPECT_THAT(repl_->Complete("counterLet.alps.d"),
              ElementsAre("counterLet.alps.deep"));
  // Inherited names, from a primitive's wrapper prototype too.
  EXPECT_THAT(repl_->Complete("counterConst.toUpp"),
              ElementsAre("counterConst.toUpperCase"));
  EXPECT_THAT(repl_->Complete("1.5"), IsEmpty());
}

TEST_F(JsReplTest, CompletionNeverRunsGettersOrProxyTraps) {
  ASSERT_OK(repl_->Evaluate(R"JS(
var calls = 0;
var lazy = { get value() { ++calls; return { inner: 1 }; }, plain: 1 };
var trap = new Proxy({}, { ownKeys() { ++calls; return []; },
                           getOwnPropertyDescriptor() { ++calls; } });
Object.defineProperty(globalThis, 'sneaky', { get() { ++calls; return {}; } });
calls = 0;  // (the value shown is 0, not the global object)
)JS"));
  EXPECT_THAT(repl_->Complete("lazy."),
              ::testing::IsSupersetOf({"lazy.plain", "lazy.value"}));
  EXPECT_THAT(repl_->Complete("lazy.value."), IsEmpty());
  EXPECT_THAT(repl_->Complete("trap."), IsEmpty());
  EXPECT_THAT(repl_->Complete("sneaky."), IsEmpty());
  EXPECT_THAT(repl_->Complete("snea"), ElementsAre("sneaky"));
  absl::StatusOr<std::string> calls = repl_->Evaluate("calls");
  ASSERT_OK(calls);
  EXPECT_EQ(*calls, "0");
}

TEST_F(JsReplTest, ModulesAreBoundAsOwnPropertiesNeverThroughSetters) {
  ASSERT_OK(repl_->Evaluate(R"JS(
Object.defineProperty(Object.prototype, 'late', {
  set(v) { globalThis.setterRan = true; },
  get() { return 'the getter'; },
  configurable: true,
});
)JS"));
  services_.AddModuleFunction(
      "late", "f", [](absl::Span<const Value>) -> absl::StatusOr<Value> {
        return Value(1);
      });
  EXPECT_THAT(repl_->Evaluate("[Object.getOwnPropertyNames(globalThis)"
                              ".includes('late'), typeof late, "
                              "typeof setterRan].join()"),
              IsOkAndHolds("'true,object,undefined'"));
}

TEST_F(JsReplTest, NamesEveryObjectInheritsAreNeverBoundAsGlobals) {
  ASSERT_OK(
      repl_->Evaluate("globalThis.prototypeBefore = "
                      "Object.getPrototypeOf(globalThis); "
                      "globalThis.stringBefore = String(globalThis)"));
  for (const char* name : {"__proto__", "constructor", "toString"}) {
    services_.AddModuleFunction(
        name, "f", [](absl::Span<const Value>) -> absl::StatusOr<Value> {
          return Value(1);
        });
  }
  EXPECT_THAT(
      repl_->Evaluate("Object.getPrototypeOf(globalThis) === prototypeBefore "
                      "&& globalThis.constructor === Object && "
                      "String(globalThis) === stringBefore"),
      IsOkAndHolds("true"));
}

TEST_F(JsReplTest, AnAwaitingInputKeepsEveryKindOfTopLevelDeclaration) {
  ASSERT_OK(repl_->Evaluate(
      "const {a, b: [c, ...rest], ...others} = await Promise.resolve("
      "{a: 1, b: [2, 3, 4], z: 5}), plain = 6; let none"));
  EXPECT_THAT(repl_->Evaluate("[a, c, rest, others, plain, none]"),
              IsOkAndHolds("[ 1, 2, [ 3, 4 ], { z: 5 }, 6, undefined ]"));
  // A function is hoisted inside the input as well as kept after it.
  ASSERT_OK(repl_->Evaluate(
      "var early = hoisted(); await 0; function hoisted() { return 'h'; }\n"
      "class Kept { m() { return 'k'; } }\n"
      "async function* counted() { yield await 1; }"));
  EXPECT_THAT(repl_->Evaluate("early + hoisted() + new Kept().m()"),
              IsOkAndHolds("'hhk'"));
  EXPECT_THAT(repl_->Evaluate("typeof counted"), IsOkAndHolds("'function'"));
  // Declarations inside blocks and functions stay theirs.
  ASSERT_OK(
      repl_->Evaluate("{ let inner = await 1; } (() => { var local = 2; })()"));
  EXPECT_THAT(repl_->Evaluate("typeof inner + typeof local"),
              IsOkAndHolds("'undefinedundefined'"));
  EXPECT_THAT(repl_->Complete("Kep"), ElementsAre("Kept"));
  EXPECT_THAT(repl_->Complete("await Math.fl"), ElementsAre("Math.floor"));
}

TEST_F(JsReplTest, AnAwaitingInputShowsItsLastExpressionStatement) {
  EXPECT_THAT(repl_->Evaluate("await 1; 'a' + 'b'"), IsOkAndHolds("'ab'"));
  EXPECT_THAT(repl_->Evaluate("const s = await 'x'\ns.toUpperCase()\ns + s;"),
              IsOkAndHolds("'xx'"));
  // One expression over several lines, as V8 reads it.
  EXPECT_THAT(repl_->Evaluate("await 2\n  * 3 // six"), IsOkAndHolds("6"));
  // Statements that are not expressions show nothing; the statement a
  // loop header governs is not the input's last.
  EXPECT_THAT(repl_->Evaluate("var hits = 0; for (let i = 0; i < 3; i++)\n"
                              "  hits += await 1"),
              IsOkAndHolds(""));
  EXPECT_THAT(repl_->Evaluate("hits"), IsOkAndHolds("3"));
  EXPECT_THAT(repl_->Evaluate("if (hits)\n  await 5"), IsOkAndHolds(""));
  // Strings, templates, comments and regular expressions hide brackets,
  // semicolons and the word await.
  EXPECT_THAT(repl_->Evaluate("await `a;}${'b;{'}` + ';}/* await' + "
                              "/}\\/;[/]/.source // ;}"),
              IsOkAndHolds("'a;}b;{;}/* await}\\\\/;[/]'"));
  // `await` that a script would read as a name (a call, an index, a
  // tag) awaits, unless the user made a variable of that name.
  EXPECT_THAT(repl_->Evaluate("await (async () => 1)()"), IsOkAndHolds("1"));
  EXPECT_THAT(repl_->Evaluate("await [1, 2]"), IsOkAndHolds("[ 1, 2 ]"));
  ASSERT_OK(repl_->Evaluate("var await = (x) => x * 2"));
  EXPECT_THAT(repl_->Evaluate("await (21)"), IsOkAndHolds("42"));
  // What does not convert to a Value shows as the REPL shows it, after a
  // timer too.
  EXPECT_THAT(repl_->Evaluate("await new Promise(r => setTimeout(\n"
                              "  () => r(new Map([[1, Symbol('s')]])), 10))"),
              IsOkAndHolds("Map(1) { 1 => Symbol(s) }"));
}

TEST_F(JsReplTest, AnAwaitingInputsErrorNamesItsOwnLineAndColumn) {
  absl::StatusOr<std::string> shown =
      repl_->Evaluate("\nawait null; throw new TypeError('late')");
  ASSERT_FALSE(shown.ok());
  std::optional<ScriptError> error = GetScriptError(shown.status());
  ASSERT_TRUE(error.has_value()) << shown.status();
  EXPECT_EQ(error->type, "TypeError");
  // The wrapper's frames are not the input's.
  ASSERT_EQ(error->stack.size(), 1u) << shown.status();
  EXPECT_EQ(error->stack[0].file, "<repl>");
  EXPECT_EQ(error->stack[0].line, 2);
  EXPECT_EQ(error->stack[0].column, 19);
  EXPECT_THAT(repl_->Evaluate("await Promise.reject(new RangeError('r'))"),
              StatusIs(absl::StatusCode::kUnknown, HasSubstr("RangeError: r")));
  // Only input that awaits is rewritten: any other keeps V8's own error.
  EXPECT_THAT(repl_->Evaluate("foo(1 2)"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("<repl>:1:5: SyntaxError")));
  EXPECT_THAT(repl_->Evaluate("function f() { await 1; }"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("await is only valid in async functions")));
}

TEST(ReplAwaitRewriteTest, HoistsTopLevelDeclarationsAndKeepsEveryLine) {
  js::AwaitRewrite rewrite = js::RewriteTopLevelAwait(
      "let [x, , {y = 1}] = await f(), z\n"
      "function g() {}\n"
      "class C {} // done\n"
      "for (var i of []) {}\n"
      "x + 1;");
  EXPECT_EQ(rewrite.head, "var g; let C, x, y, z; (async () => {");
  EXPECT_EQ(rewrite.body,
            "void ( ([x, , {y = 1}] = await f()), (z=undefined))\n"
            "this.g = g; function g() {}\n"
            "C=class C {}; // done\n"
            "for (var i of []) {}\n"
            "x + 1;");
  // The last statement may start at any line; its expression ends before
  // the semicolon.
  ASSERT_FALSE(rewrite.last_statements.empty());
  EXPECT_EQ(rewrite.body.substr(rewrite.last_statements.back().start),
            "x + 1;");
  EXPECT_EQ(rewrite.body[rewrite.last_expression_end], ';');
  EXPECT_EQ(std::count(rewrite.body.begin(), rewrite.body.end(), '\n'), 4);
}

TEST(ReplAwaitRewriteTest, MentionsAwaitOnlyOutsideStringsAndComments) {
  EXPECT_TRUE(js::MentionsAwait("x = await y"));
  EXPECT_TRUE(js::MentionsAwait("`${await y}`"));
  EXPECT_FALSE(js::MentionsAwait("'await' + \"await\" // await"));
  EXPECT_FALSE(js::MentionsAwait("/* await */ awaited + `await`"));
}

}  // namespace
}  // namespace duet::testing
