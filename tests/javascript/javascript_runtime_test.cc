// Calls, errors, the in-script duet API, locking, promises and the REPL.
#include <malloc.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "js_test_util.h"

namespace duet::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Anything can be thrown in JavaScript; errors of other kinds still report.
TEST_F(JsTest, ThrownNonErrorsAndCustomErrorsReport) {
  ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("errors.mjs", R"JS(


export function throwString() { throw 'just a string'; }
export function throwObject() { throw { code: 7 }; }
class MyError extends Error { constructor(m) { super(m); this.name = 'MyError'; } }
export function custom() { throw new MyError('mine'); }
)JS"));
  absl::StatusOr<Value> out = CallByName(*impl, "throwString", {});
  std::optional<ScriptError> error = GetScriptError(out.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->type, "Uncaught");
  EXPECT_EQ(error->message, "just a string");
  ASSERT_FALSE(error->stack.empty());
  EXPECT_EQ(error->stack[0].line, 4);

  error = GetScriptError(CallByName(*impl, "throwObject", {}).status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message, "{ code: 7 }");

  EXPECT_THAT(CallByName(*impl, "custom", {}),
              StatusIs(absl::StatusCode::kUnknown, "MyError: mine"));
}

TEST_F(JsTest, DuetApiNamedImportsAndConsoleLevels) {
  services_.AddModuleFunction(
      "math", "add", [](absl::Span<const Value> args) -> absl::StatusOr<Value> {
        return args[0].as_int() + args[1].as_int();
      });
  services_.AddHostFunction(
      "now", [](absl::Span<const Value>) -> absl::StatusOr<Value> {
        return Value(1234);
      });
  ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("api.mjs", R"JS(
import { modules, call, host, log } from 'duet';
export function viaNamed(a, b) { return modules.math.add(a, b); }
export function viaCall(a, b) { return call('math.add', a, b); }
export function now() { return host.now(); }
export function logs() {
  log('plain', 1, { a: [1, 2] });
  console.log('%s is %d', 'x', 42);
  console.info('info');
  console.debug('debug');
  console.warn('warn', null);
  console.error(new Map([['k', 1]]));
}
)JS",
                                             "apimod"));
  EXPECT_EQ(*CallByName(*impl, "viaNamed", {Value(2), Value(2)}), Value(4));
  EXPECT_EQ(*CallByName(*impl, "viaCall", {Value(3), Value(4)}), Value(7));
  EXPECT_EQ(*CallByName(*impl, "now", {}), Value(1234));
  ASSERT_OK(CallByName(*impl, "logs", {}).status());
  std::vector<RecordingServices::LogLine> logs = services_.logs();
  ASSERT_EQ(logs.size(), 6u);
  EXPECT_EQ(logs[0].level, LogLevel::kInfo);
  EXPECT_EQ(logs[0].source, "apimod");
  EXPECT_EQ(logs[0].message, "plain 1 { a: [ 1, 2 ] }");
  EXPECT_EQ(logs[1].message, "x is 42");
  EXPECT_EQ(logs[2].level, LogLevel::kInfo);
  EXPECT_EQ(logs[3].level, LogLevel::kDebug);
  EXPECT_EQ(logs[4].level, LogLevel::kWarning);
  EXPECT_EQ(logs[4].message, "warn null");
  EXPECT_EQ(logs[5].level, LogLevel::kError);
  EXPECT_EQ(logs[5].message, "Map(1) { 'k' => 1 }");
}

TEST_F(JsTest, DuetApiFromCommonJs) {
  services_.AddModuleFunction(
      "text", "upper",
      [](absl::Span<const Value> args) -> absl::StatusOr<Value> {
        std::string s = args[0].as_string();
        for (char& c : s) c = static_cast<char>(std::toupper(c));
        return Value(s);
      });
  ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("api.js", R"JS(
const duet = require('duet');
exports.shout = (s) => duet.modules.text.upper(s) + '!';
exports.call = (s) => duet.call('text.upper', s);
exports.badName = () => { try { duet.call('nodot'); } catch (e) { return e.code; } };
)JS"));
  EXPECT_EQ(*CallByName(*impl, "shout", {Value("hi")}), Value("HI!"));
  EXPECT_EQ(*CallByName(*impl, "call", {Value("yo")}), Value("YO"));
  EXPECT_EQ(*CallByName(*impl, "badName", {}), Value("INVALID_ARGUMENT"));
}

// A module call converts its leading scalar arguments without a TryCatch
// (Engine::CallOut); what follows them still converts in order, a getter's
// exception still reaches the script, and a failure still names its index.
TEST_F(JsTest, ModuleCallArgumentsAfterScalars) {
  int calls = 0;
  services_.AddModuleFunction(
      "math", "list",
      [&calls](absl::Span<const Value> args) -> absl::StatusOr<Value> {
        ++calls;
        return Value(Value::List(args.begin(), args.end()));
      });
  ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("after_scalars.mjs", R"JS(
import duet from 'duet';
export function mixed() {
  return duet.modules.math.list(1, 2.5, { k: [true] }, null, 'x', false);
}
export function getterThrows() {
  try {
    duet.modules.math.list(1, 2, { get x() { throw new RangeError('no x'); } });
  } catch (e) { return [e.name, e.message]; }
}
export function unconvertible() {
  try { duet.modules.math.list(1, true, new Set([1])); } catch (e) {
    return [e.code, e.message];
  }
}
)JS"));
  EXPECT_THAT(
      CallByName(*impl, "mixed", {}),
      IsOkAndHolds(Value(Value::List{
          1, 2.5, Value::Map{{"k", Value::List{true}}}, Value(), "x", false})));
  EXPECT_EQ(calls, 1);
  EXPECT_THAT(CallByName(*impl, "getterThrows", {}),
              IsOkAndHolds(Value(Value::List{"RangeError", "no x"})));
  ASSERT_OK_AND_ASSIGN(Value unconvertible,
                       CallByName(*impl, "unconvertible", {}));
  ASSERT_TRUE(unconvertible.is_list());
  ASSERT_EQ(unconvertible.as_list().size(), 2u);
  EXPECT_EQ(unconvertible.as_list()[0], Value("INVALID_ARGUMENT"));
  EXPECT_THAT(unconvertible.as_list()[1].as_string(), HasSubstr("at args[2]"));
  EXPECT_EQ(calls, 1);  // neither failed call reached the host
}

// What a faster duet.modules must keep (bootstrap.h): names are looked up
// live, await/JSON probes see no `then`/`toJSON`, and nothing can be set,
// defined or deleted on either level.
TEST_F(JsTest, ModuleProxiesStayLiveAndReadOnly) {
  auto add = [](absl::Span<const Value> args) -> absl::StatusOr<Value> {
    return args[0].as_int() + args[1].as_int();
  };
  services_.AddModuleFunction("math", "add", add);
  ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("shape.mjs", R"JS(
import duet from 'duet';
const math = duet.modules.math;
export async function probes() {
  return [(await math) === math, (await duet.modules) === duet.modules,
          math.then === undefined, math.toJSON === undefined,
          duet.modules.then === undefined, JSON.stringify(math),
          math[Symbol.iterator] === undefined, duet.modules.math === math,
          typeof duet.modules.nope.f];
}
export function readOnly() {
  const refused = (f) => { try { f(); return 'allowed'; } catch (e) {
    return e instanceof TypeError ? 'refused' : 'other'; } };
  return [refused(() => { math.add = 1; }),
          refused(() => { duet.modules.other = 1; }),
          refused(() => { delete math.add; }),
          refused(() => { delete duet.modules.math; }),
          refused(() => Object.defineProperty(math, 'x', { value: 1 })),
          refused(() => Object.defineProperty(duet.modules, 'x', { value: 1 })),
          math.add(1, 2)];
}
export function names() {
  return [Object.keys(duet.modules), Object.keys(math), 'add' in math,
          'sub' in math, 'math' in duet.modules, 'text' in duet.modules];
}
export function sub() { return math.sub(5, 3); }
)JS"));
  EXPECT_THAT(CallByName(*impl, "probes", {}),
              IsOkAndHolds(Value(Value::List{true, true, true, true, true, "{}",
                                             true, true, "function"})));
  EXPECT_THAT(
      CallByName(*impl, "readOnly", {}),
      IsOkAndHolds(Value(Value::List{"refused", "refused", "refused", "refused",
                                     "refused", "refused", 3})));
  EXPECT_THAT(
      CallByName(*impl, "names", {}),
      IsOkAndHolds(Value(Value::List{Value::List{"math"}, Value::List{"add"},
                                     true, false, true, false})));
  EXPECT_THAT(CallByName(*impl, "sub", {}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("sub")));
  // Functions and modules that appear later are seen, through the same
  // objects the script already holds.
  services_.AddModuleFunction(
      "math", "sub", [](absl::Span<const Value> args) -> absl::StatusOr<Value> {
        return args[0].as_int() - args[1].as_int();
      });
  services_.AddModuleFunction("text", "add", add);
  EXPECT_THAT(CallByName(*impl, "names", {}),
              IsOkAndHolds(Value(Value::List{Value::List{"math", "text"},
                                             Value::List{"add", "sub"}, true,
                                             true, true, true})));
  EXPECT_THAT(CallByName(*impl, "sub", {}), IsOkAndHolds(Value(2)));
}

// The rest of what a script can see of duet.modules: every way of listing
// or describing a name follows the live names (removed ones disappear, even
// after they were looked up), a function looked up before its removal fails
// as a fresh lookup does, a name keeps its object, and sloppy code is refused
// without a throw.
TEST_F(JsTest, ModuleObjectsDescribeOnlyTheLiveNames) {
  auto add = [](absl::Span<const Value> args) -> absl::StatusOr<Value> {
    return args[0].as_int() + args[1].as_int();
  };
  services_.AddModuleFunction("math", "add", add);
  services_.AddModuleFunction("math", "sub", add);
  services_.AddModuleFunction("text", "add", add);
  ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("described.mjs", R"JS(
import duet from 'duet';
const math = duet.modules.math;
const sub = math.sub;  // looked up before its removal
const text = duet.modules.text;
const forIn = (object) => { const keys = []; for (const k in object) keys.push(k); return keys; };
export function shape() {
  const described = Object.getOwnPropertyDescriptor(math, 'add');
  return [Reflect.ownKeys(duet.modules), Reflect.ownKeys(math),
          Object.getOwnPropertyNames(math), forIn(duet.modules), forIn(math),
          Object.keys(Object.getOwnPropertyDescriptors(math)),
          typeof described.value, described.writable, described.enumerable,
          described.configurable, described.value === math.add,
          Object.getOwnPropertyDescriptor(duet.modules, 'math').value === math,
          Object.getOwnPropertyDescriptor(math, 'nope') === undefined,
          Object.getOwnPropertyDescriptor(math, 'then') === undefined,
          math.sub === sub, duet.modules.text === text,
          Reflect.set(math, 'add', 1), Reflect.deleteProperty(math, 'add'),
          Reflect.set(duet.modules, 'math', 1),
          Reflect.deleteProperty(duet.modules, 'math'), JSON.stringify(duet.modules)];
}
export function live() {
  return [Object.keys(duet.modules), Reflect.ownKeys(math), forIn(math),
          'sub' in math, 'text' in duet.modules,
          Object.getOwnPropertyDescriptor(math, 'sub') === undefined,
          Object.getOwnPropertyDescriptor(duet.modules, 'text') === undefined,
          Object.getOwnPropertyNames(duet.modules), math.sub === sub,
          duet.modules.text === text];
}
const failure = (f) => { try { f(); return 'allowed'; } catch (e) {
  return `${e.constructor.name} ${e.code} ${e.message}`; } };
// A module no longer served: asking its object for names fails as its
// calls do.
export function goneModule() {
  return [failure(() => 'add' in text), failure(() => Object.keys(text)),
          failure(() => Object.getOwnPropertyDescriptor(text, 'add'))];
}
export function returned() { return { modules: [duet.modules.math] }; }
export function removedCalls() {
  return [failure(() => sub(5, 3)), failure(() => duet.modules.math.sub(5, 3)),
          failure(() => text.add(1, 2)), failure(() => duet.modules.text.add(1, 2))];
}
)JS"));
  ASSERT_OK_AND_ASSIGN(auto sloppy, LoadSource("sloppy.js", R"JS(
const duet = require('duet');
const math = duet.modules.math;
function refused() {
  math.add = 1;
  duet.modules.math = 1;
  return [delete math.add, delete duet.modules.math, typeof math.add,
          duet.modules.math === math];
}
module.exports = { refused };
)JS"));
  EXPECT_THAT(CallByName(*impl, "shape", {}),
              IsOkAndHolds(Value(Value::List{Value::List{"math", "text"},
                                             Value::List{"add", "sub"},
                                             Value::List{"add", "sub"},
                                             Value::List{"math", "text"},
                                             Value::List{"add", "sub"},
                                             Value::List{"add", "sub"},
                                             "function",
                                             false,
                                             true,
                                             true,
                                             true,
                                             true,
                                             true,
                                             true,
                                             true,
                                             true,
                                             false,
                                             false,
                                             false,
                                             false,
                                             "{\"math\":{},\"text\":{}}"})));
  EXPECT_THAT(CallByName(*sloppy, "refused", {}),
              IsOkAndHolds(Value(Value::List{false, false, "function", true})));
  EXPECT_THAT(CallByName(*impl, "removedCalls", {}),
              IsOkAndHolds(Value(
                  Value::List{"allowed", "allowed", "allowed", "allowed"})));
  // A module object is not a value: refused where it stands.
  EXPECT_THAT(CallByName(*impl, "returned", {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("at result.modules[0]")));
  services_.RemoveModuleFunction("math", "sub");
  services_.RemoveModuleFunction("text", "add");
  EXPECT_THAT(CallByName(*impl, "live", {}),
              IsOkAndHolds(Value(Value::List{
                  Value::List{"math"}, Value::List{"add"}, Value::List{"add"},
                  false, false, true, true, Value::List{"math"}, true, true})));
  absl::StatusOr<Value> gone = CallByName(*impl, "goneModule", {});
  ASSERT_OK(gone.status());
  ASSERT_TRUE(gone->is_list());
  for (const Value& failed : gone->as_list()) {
    EXPECT_THAT(failed,
                StringValue(HasSubstr("NOT_FOUND no module named 'text'")));
  }
  absl::StatusOr<Value> removed = CallByName(*impl, "removedCalls", {});
  ASSERT_OK(removed.status());
  ASSERT_TRUE(removed->is_list());
  const Value::List& calls = removed->as_list();
  ASSERT_EQ(calls.size(), 4u);
  // The kept function and a fresh lookup fail alike, and name what is gone.
  EXPECT_EQ(calls[0], calls[1]);
  EXPECT_EQ(calls[2], calls[3]);
  EXPECT_THAT(calls[0], StringValue(HasSubstr("NOT_FOUND")));
  EXPECT_THAT(calls[0], StringValue(HasSubstr("sub")));
  EXPECT_THAT(calls[2], StringValue(HasSubstr("NOT_FOUND")));
  EXPECT_THAT(calls[2], StringValue(HasSubstr("text")));
}

// A function whose name is an array index ("0") is a name like any other:
// listed, described, spread, and neither deleted nor shadowed by a script.
TEST_F(JsTest, ModuleObjectsTreatIndexNamesLikeOtherNames) {
  auto zero = [](absl::Span<const Value>) -> absl::StatusOr<Value> {
    return Value(0);
  };
  services_.AddModuleFunction("math", "0", zero);
  services_.AddModuleFunction("math", "add", zero);
  ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("indexed.mjs", R"JS(
import duet from 'duet';
export function indexNames() {
  const math = duet.modules.math;
  let defined;
  try { Object.defineProperty(math, '1', { value: 1 }); defined = 'defined'; }
  catch (e) { defined = e.constructor.name; }
  return ['0' in math, Object.hasOwn(math, '0'),
          Object.getOwnPropertyDescriptor(math, '0') !== undefined,
          Object.keys({ ...math }), Object.entries(math).map(([k]) => k),
          Reflect.deleteProperty(math, '0'), defined, Object.hasOwn(math, '1'),
          math[0]()];
}
)JS"));
  EXPECT_THAT(CallByName(*impl, "indexNames", {}),
              IsOkAndHolds(Value(Value::List{
                  true, true, true, Value::List{"0", "add"},
                  Value::List{"0", "add"}, false, "TypeError", false, 0})));
}

TEST_F(JsTest, AnErrorFromAnotherLanguageShowsItsOwnStackInEStack) {
  services_.AddModuleFunction(
      "py", "fail", [](absl::Span<const Value>) -> absl::StatusOr<Value> {
        ScriptError error;
        error.language = Language::kPython;
        error.type = "KeyError";
        error.message = "'missing'";
        error.stack = {{Language::kPython, "/plugins/py.py", 4, 5, "fail"}};
        return MakeScriptError(std::move(error));
      });
  ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("catcher.mjs", R"JS(
import duet from 'duet';
export function caught() {
  try { duet.modules.py.fail(); } catch (e) { return e.stack; }
}
)JS"));
  EXPECT_THAT(CallByName(*impl, "caught", {}),
              IsOkAndHolds(StringValue(::testing::AllOf(
                  ::testing::StartsWith("KeyError: 'missing'\n    at fail "
                                        "(/plugins/py.py:4:5) [python]"),
                  ::testing::HasSubstr("catcher.mjs:4")))));
}

TEST_F(JsTest, ThreadsCrossingInOppositeDirectionsDoNotDeadlock) {
  Implementation* a = nullptr;
  Implementation* b = nullptr;
  services_.AddModuleFunction(
      "a", "leaf", [&](absl::Span<const Value> args) -> absl::StatusOr<Value> {
        return CallByName(*a, "leaf", args);
      });
  services_.AddModuleFunction(
      "b", "leaf", [&](absl::Span<const Value> args) -> absl::StatusOr<Value> {
        return CallByName(*b, "leaf", args);
      });
  const char* kSource = R"JS(
import duet from 'duet';
export function leaf(x) { return x + 1; }
export function across(other, x) { return duet.modules[other].leaf(x); }
)JS";
  Write("a.mjs", kSource);
  Write("b.mjs", kSource);
  ASSERT_OK_AND_ASSIGN(auto impl_a, Load("a.mjs", "a"));
  ASSERT_OK_AND_ASSIGN(auto impl_b, Load("b.mjs", "b"));
  a = impl_a.get();
  b = impl_b.get();
  std::atomic<int> failures{0};
  std::thread one([&] {
    for (int i = 0; i < 300; ++i) {
      if (*CallByName(*a, "across", {Value("b"), Value(i)}) != Value(i + 1))
        ++failures;
    }
  });
  std::thread two([&] {
    for (int i = 0; i < 300; ++i) {
      if (*CallByName(*b, "across", {Value("a"), Value(i)}) != Value(i + 1))
        ++failures;
    }
  });
  one.join();
  two.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(JsTest, AsyncFunctions) {
  ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("async.mjs", R"JS(
export async function twice(x) { await null; return 2 * (await Promise.resolve(x)); }
export async function fails() { await null; throw new SyntaxError('later'); }
export function never() { return new Promise(() => {}); }
)JS",
                                             "asyncmod"));
  EXPECT_EQ(*CallByName(*impl, "twice", {Value(21)}), Value(42));
  EXPECT_THAT(CallByName(*impl, "fails", {}),
              StatusIs(absl::StatusCode::kUnknown, "SyntaxError: later"));
  // A Promise nothing will settle is awaited until the call's deadline.
  EXPECT_THAT(
      CallByName(*impl, "never", {}, absl::Now() + absl::Milliseconds(50)),
      StatusIs(absl::StatusCode::kDeadlineExceeded, ::testing::_));
}

// Results render as node's util.inspect would.
TEST_F(JsTest, ReplRendersLikeNode) {
  services_.AddModuleFunction(
      "math", "add", [](absl::Span<const Value> args) -> absl::StatusOr<Value> {
        return args[0].as_int() + args[1].as_int();
      });
  ASSERT_OK_AND_ASSIGN(auto repl, runtime_->NewReplSession());
  auto eval = [&](std::string_view code) -> std::string {
    absl::StatusOr<std::string> out = repl->Evaluate(code);
    EXPECT_TRUE(out.ok()) << code << ": " << out.status();
    return out.ok() ? *out : "<error>";
  };
  EXPECT_EQ(eval("const greeting = 'hello'; greeting"), "'hello'");
  EXPECT_EQ(eval("\"it's\""), "\"it's\"");
  EXPECT_EQ(eval("({ a: 1, b: [1, 2] })"), "{ a: 1, b: [ 1, 2 ] }");
  EXPECT_EQ(eval("function f() {}; f"), "[Function: f]");
  EXPECT_EQ(eval("class Point { constructor() { this.x = 1; } }; new Point()"),
            "Point { x: 1 }");
  EXPECT_EQ(eval("new Map([['a', 1]])"), "Map(1) { 'a' => 1 }");
  EXPECT_EQ(eval("new Set([1, 'two'])"), "Set(2) { 1, 'two' }");
  EXPECT_EQ(eval("10n ** 20n"), "100000000000000000000n");
  EXPECT_EQ(eval("[undefined, null, -0, NaN, 1.5, true]"),
            "[ undefined, null, -0, NaN, 1.5, true ]");
  EXPECT_EQ(eval("({ a: { b: { c: { d: 1 } } } })"),
            "{ a: { b: { c: [Object] } } }");
  EXPECT_EQ(eval("[[], {}, new Uint8Array([1, 2])]"),
            "[ [], {}, Uint8Array(2) [ 1, 2 ] ]");
  EXPECT_EQ(eval("Promise.resolve(3)"), "Promise { 3 }");
  EXPECT_EQ(eval("const o = { name: 'loop' }; o.self = o; o"),
            "<ref *1> { name: 'loop', self: [Circular *1] }");
  EXPECT_EQ(eval("math"), "[duet module math]");
  // A throw on the input's second line names that line.
  absl::StatusOr<std::string> thrown =
      repl->Evaluate("\nthrow new Error('nope')");
  std::optional<ScriptError> error = GetScriptError(thrown.status());
  ASSERT_TRUE(error.has_value());
  ASSERT_FALSE(error->stack.empty());
  EXPECT_EQ(error->stack[0].file, "<repl>");
  EXPECT_EQ(error->stack[0].line, 2);
  EXPECT_THAT(
      repl->Evaluate("function ("),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("SyntaxError")));
}

// Each thread keeps its V8 thread state parked per isolate (thread_state.h):
// released at thread exit, or left alone when the isolate went first.
TEST_F(JsTest, ParkedThreadStateLifetimes) {
  constexpr char kSource[] = "export function add(a, b) { return a + b; }\n";
  // A thread that exits while the isolate lives.
  ASSERT_OK_AND_ASSIGN(auto first, LoadSource("first.mjs", kSource));
  std::thread([&] {
    EXPECT_THAT(CallByName(*first, "add", {Value(1), Value(2)}),
                IsOkAndHolds(Value(3)));
  }).join();
  EXPECT_THAT(CallByName(*first, "add", {Value(2), Value(2)}),
              IsOkAndHolds(Value(4)));
  // An isolate disposed while another thread still has state parked in it.
  ASSERT_OK_AND_ASSIGN(auto second, LoadSource("second.mjs", kSource));
  std::atomic<int> step{0};
  std::thread waiter([&] {
    EXPECT_THAT(CallByName(*second, "add", {Value(1), Value(1)}),
                IsOkAndHolds(Value(2)));
    step = 1;
    while (step.load() != 2) std::this_thread::yield();
    // The isolate is gone; this thread's state for it is never touched.
    EXPECT_THAT(CallByName(*first, "add", {Value(3), Value(3)}),
                IsOkAndHolds(Value(6)));
  });
  while (step.load() != 1) std::this_thread::yield();
  second.reset();
  step = 2;
  waiter.join();
  // Many short-lived isolates used from one long-lived thread.
  for (int i = 0; i < 40; ++i) {
    ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("many.mjs", kSource));
    std::thread([&] {
      EXPECT_THAT(CallByName(*impl, "add", {Value(i), Value(1)}),
                  IsOkAndHolds(Value(i + 1)));
    }).join();
    EXPECT_THAT(CallByName(*impl, "add", {Value(i), Value(2)}),
                IsOkAndHolds(Value(i + 2)));
  }
}

// Reloading while threads call: each calling thread parks V8 thread state in
// every isolate it enters (thread_state.h); none of it may outlive the
// runtime, even when another thread disposed the isolate first.
TEST_F(JsTest, ReloadingWhileThreadsCallLeavesNothingBehind) {
  constexpr char kSource[] = "export function add(a, b) { return a + b; }\n";
  Write("reload.mjs", kSource);
  {  // V8's process-wide state, allocated once, is not a leak.
    ASSERT_OK_AND_ASSIGN(auto warm, Load("reload.mjs"));
    std::thread([&] {
      ASSERT_TRUE(CallByName(*warm, "add", {1, 2}).ok());
    }).join();
  }
  const size_t before = mallinfo2().uordblks;
  constexpr int kThreads = 8;
  constexpr int kReloads = 200;
  {
    absl::Mutex mutex;
    std::shared_ptr<Implementation> current;
    ASSERT_OK_AND_ASSIGN(current, Load("reload.mjs"));
    std::atomic<int> generation{0};
    std::atomic<int> caught_up{0};  // threads that called this generation
    std::atomic<bool> stop{false};
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        // One call into each generation's isolate, then wait for the next.
        for (int seen = -1; !stop.load();) {
          std::shared_ptr<Implementation> impl;
          int now;
          {
            absl::MutexLock lock(&mutex);
            impl = current;
            now = generation.load();
          }
          if (now == seen) {
            std::this_thread::yield();
            continue;
          }
          if (!CallByName(*impl, "add", {Value(1), Value(2)}).ok()) {
            failures.fetch_add(1);
          }
          impl.reset();  // the last holder destroys a replaced one
          seen = now;
          caught_up.fetch_add(1);
        }
      });
    }
    for (int i = 1; i <= kReloads; ++i) {
      // Every thread has entered the current isolate before it is replaced.
      absl::Time give_up = absl::Now() + absl::Seconds(30);
      while (caught_up.load() < kThreads && absl::Now() < give_up) {
        std::this_thread::yield();
      }
      ASSERT_EQ(caught_up.load(), kThreads) << "reload " << i;
      ASSERT_OK_AND_ASSIGN(std::shared_ptr<Implementation> next,
                           Load("reload.mjs"));
      absl::MutexLock lock(&mutex);
      current.swap(next);
      caught_up = 0;
      generation = i;
      next.reset();
    }
    stop = true;
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(failures.load(), 0);
  }
  runtime_.reset();
  const size_t after = mallinfo2().uordblks;
  const double grown_mb = (static_cast<double>(after) - before) / (1 << 20);
  std::printf("[ heap ] %d reloads x %d calling threads: %+.2f MB\n", kReloads,
              kThreads, grown_mb);
  // A leaked thread state is about 8 KB: 200 x 8 of them would be 13 MB.
  EXPECT_LT(grown_mb, 3.0);
}

// A thread releases the state it parked in a destroyed engine's isolate at
// its next entry into any isolate, here one nested inside another engine's
// host call, and the isolate is disposed there.
TEST_F(JsTest, StateParkedInADestroyedEngineIsReleasedAtANestedEntry) {
  constexpr char kAdd[] = "export function add(a, b) { return a + b; }\n";
  ASSERT_OK_AND_ASSIGN(auto inner, LoadSource("inner.mjs", kAdd, "inner"));
  ASSERT_OK_AND_ASSIGN(auto outer, LoadSource("outer.mjs", R"JS(
import duet from 'duet';
export function viaHost(n) { return duet.host.viaInner(n) + 1; }
)JS",
                                              "outer"));
  ASSERT_OK_AND_ASSIGN(auto doomed, LoadSource("doomed.mjs", kAdd, "doomed"));
  std::atomic<int> step{0};
  services_.AddHostFunction(
      "viaInner", [&](absl::Span<const Value> args) -> absl::StatusOr<Value> {
        if (step.load() == 0) {  // the engine goes while `outer` waits here
          step = 1;
          while (step.load() != 2) std::this_thread::yield();
        }
        return CallByName(*inner, "add", {args[0], Value(10)});
      });
  std::thread caller([&] {
    EXPECT_THAT(CallByName(*doomed, "add", {Value(1), Value(1)}),
                IsOkAndHolds(Value(2)));
    EXPECT_THAT(CallByName(*outer, "viaHost", {Value(1)}),
                IsOkAndHolds(Value(12)));
    EXPECT_THAT(CallByName(*outer, "viaHost", {Value(2)}),
                IsOkAndHolds(Value(13)));
  });
  while (step.load() != 1) std::this_thread::yield();
  doomed.reset();  // `caller` still has state parked in its isolate
  step = 2;
  caller.join();
  EXPECT_THAT(CallByName(*outer, "viaHost", {Value(3)}),
              IsOkAndHolds(Value(14)));
}

TEST_F(JsTest, ThreadsTakeTurnsInOneIsolate) {
  ASSERT_OK_AND_ASSIGN(
      auto impl,
      LoadSource("turns.mjs",
                 "let n = 0;\nexport function next() { return ++n; }\n"));
  constexpr int kThreads = 4;
  constexpr int kCalls = 2000;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kCalls; ++i) {
        if (!CallByName(*impl, "next", {}).ok()) failures.fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_THAT(CallByName(*impl, "next", {}),
              IsOkAndHolds(Value(kThreads * kCalls + 1)));
}

// Call cost is measured by bench/call_benchmark; this checks that the fast
// paths (scalar arguments, parked thread state) stay correct over many calls
// from a thread that enters the isolate for the first time.
TEST_F(JsTest, ManyCallsFromANewThreadAllReturnTheirResult) {
  ASSERT_OK_AND_ASSIGN(
      auto impl,
      LoadSource("fast.mjs", "export function add(a, b) { return a + b; }\n"));
  int wrong = 0;
  std::thread([&] {
    for (int64_t i = 0; i < 20000; ++i) {
      absl::StatusOr<Value> out =
          CallByName(*impl, "add", {Value(i), Value(2)});
      if (!out.ok() || *out != Value(i + 2)) ++wrong;
    }
  }).join();
  EXPECT_EQ(wrong, 0);
}

}  // namespace
}  // namespace duet::testing
