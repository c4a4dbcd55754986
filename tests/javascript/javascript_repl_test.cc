// REPL engine parts: IsIncomplete (V8's parser decides) and Complete
// (dotted names from the session's globals, never running getters).
#include <string>
#include <vector>

#include "js_test_util.h"

namespace duet::testing {
namespace {

using ::testing::ElementsAre;
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

}  // namespace
}  // namespace duet::testing
