// Function values crossing the boundary (docs/values.md "Functions"): C++
// functions called from scripts, script functions called from C++ later
// and from other threads, identity, deadlines and re-entry. The rows run
// through the contract harness; the lifetimes (release, unload, cycles)
// need more than one call and are the FunctionLifetime tests below, also
// against both engines.
#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "contract/contract.h"
#include "duet/engine/function_owner.h"
#include "duet/error.h"
#include "duet/runtime.h"
#include "gtest/gtest.h"
#include "testing/engines.h"
#include "testing/language_param.h"
#include "testing/recording_services.h"
#include "testing/runtime_testing.h"
#include "testing/temp_dir.h"

namespace duet::contract {
namespace {

using Args = absl::Span<const Value>;

std::string Py(std::string body) { return "import duet\n" + body; }
std::string Js(std::string body) { return "import duet from 'duet';\n" + body; }

Value Add() {
  return Value::FromFunction("add", [](Args args) -> absl::StatusOr<Value> {
    if (args.size() != 2 || !args[0].is_int() || !args[1].is_int()) {
      return absl::InvalidArgumentError("add takes two ints");
    }
    return Value(args[0].as_int() + args[1].as_int());
  });
}

// One C++ function for the identity row: it must come back as itself.
const Value& Echoed() {
  static const Value* echoed = new Value(Value::FromFunction(
      "echoed", [](Args) -> absl::StatusOr<Value> { return Value(); }));
  return *echoed;
}

// Calls `function` on another thread, after the call that returned it.
absl::StatusOr<Value> CallOnAnotherThread(const Value& function,
                                          std::vector<Value> args,
                                          absl::Time deadline) {
  absl::StatusOr<Value> out;
  std::thread thread([&] { out = function.Call(args, deadline); });
  thread.join();
  return out;
}

}  // namespace

std::vector<Row> FunctionRows() {
  std::vector<Row> rows;
  rows.push_back(Row("cpp_function_called_with_arguments")
                     .Sources("def f(g):\n    return g(20, 22)\n",
                              "export function f(g) { return g(20, 22); }\n")
                     .Call("f", {Add()})
                     .Returns(Value(42)));
  rows.push_back(Row("cpp_function_has_its_name")
                     .Sources("def f(g):\n    return g.__name__\n",
                              "export function f(g) { return g.name; }\n")
                     .Call("f", {Add()})
                     .Returns(Value("add")));
  rows.push_back(
      Row("cpp_function_error_is_a_catchable_exception_with_its_code")
          .Sources(Py("def f(g):\n"
                      "    try:\n"
                      "        g()\n"
                      "    except duet.Error as e:\n"
                      "        return [e.code, e.message]\n"),
                   Js("export function f(g) {\n"
                      "  try { g(); } catch (e) { return [e.code, e.message]; "
                      "}\n"
                      "}\n"))
          .Call("f", {Add()})
          .Returns(
              Value(Value::List{"INVALID_ARGUMENT", "add takes two ints"})));
  rows.push_back(
      Row("cpp_function_exception_is_internal")
          .Sources("def f(g):\n    return g()\n",
                   "export function f(g) { return g(); }\n")
          .Call("f", {Value::FromFunction("burn",
                                          [](Args) -> absl::StatusOr<Value> {
                                            throw std::runtime_error(
                                                "disk on fire");
                                          })})
          .Fails(absl::StatusCode::kInternal,
                 {"C++ function 'burn' threw an exception: disk on fire"}));
  rows.push_back(Row("cpp_function_comes_back_as_itself")
                     .Sources("def f(g):\n    return [g, g]\n",
                              "export function f(g) { return [g, g]; }\n")
                     .Call("f", {Echoed()})
                     .Returns(Value(Value::List{Echoed(), Echoed()})));
  rows.push_back(
      Row("closure_keeps_its_state_and_is_called_later_from_another_thread")
          .Sources("def counter():\n"
                   "    count = 0\n"
                   "    def step(by):\n"
                   "        nonlocal count\n"
                   "        count += by\n"
                   "        return count\n"
                   "    return step\n",
                   "export function counter() {\n"
                   "  let count = 0;\n"
                   "  return function step(by) { count += by; return count; "
                   "};\n"
                   "}\n")
          .Call("counter")
          .ReturnsMatching(
              "is a function named step counting 1, 3 from another thread",
              [](const Value& step) {
                if (!step.is_function() || step.as_function()->name() != "step")
                  return false;
                absl::StatusOr<Value> first = CallOnAnotherThread(
                    step, {Value(1)}, absl::InfiniteFuture());
                absl::StatusOr<Value> second = CallOnAnotherThread(
                    step, {Value(2)}, absl::InfiniteFuture());
                return first.ok() && *first == Value(1) && second.ok() &&
                       *second == Value(3);
              }));
  rows.push_back(
      Row("script_function_error_is_a_script_error")
          .Sources("def f():\n"
                   "    def bad():\n"
                   "        raise ValueError('nope')\n"
                   "    return bad\n",
                   "export function f() {\n"
                   "  return function bad() { throw new TypeError('nope'); };\n"
                   "}\n")
          .Call("f")
          .ReturnsMatching(
              "fails with kUnknown and the script's error type",
              [](const Value& bad) {
                absl::StatusOr<Value> out = bad.Call({});
                std::optional<ScriptError> error = GetScriptError(out.status());
                return out.status().code() == absl::StatusCode::kUnknown &&
                       error.has_value() &&
                       (error->type == "ValueError" ||
                        error->type == "TypeError") &&
                       error->message == "nope";
              }));
  rows.push_back(
      Row("script_function_back_into_its_own_engine_is_the_original")
          .Sources(Py("def kept(x):\n"
                      "    return x\n"
                      "def is_kept(f):\n"
                      "    return f is kept\n"
                      "def keeper():\n"
                      "    return duet.modules.self.call('is_kept', kept)\n"),
                   Js("export function kept(x) { return x; }\n"
                      "export function isKept(f) { return f === kept; }\n"
                      "export function keeper() {\n"
                      "  return duet.modules.self.call('isKept', kept);\n"
                      "}\n"))
          .Call("keeper")
          .Returns(Value(true)));
  rows.push_back(Row("deadline_stops_a_looping_script_function")
                     .Sources("def f():\n"
                              "    def spin():\n"
                              "        while True:\n"
                              "            pass\n"
                              "    return spin\n",
                              "export function f() {\n"
                              "  return function spin() { while (true) {} };\n"
                              "}\n")
                     .Call("f")
                     .ReturnsMatching(
                         "is stopped at its deadline, and ran meanwhile",
                         [](const Value& spin) {
                           absl::StatusOr<Value> out = CallOnAnotherThread(
                               spin, {}, absl::Now() + absl::Milliseconds(200));
                           return out.status().code() ==
                                  absl::StatusCode::kDeadlineExceeded;
                         }));
  rows.push_back(Row("caller_deadline_covers_a_cpp_callback")
                     .Sources("def f(g):\n    return g()\n",
                              "export function f(g) { return g(); }\n")
                     .Call("f", {Value::FromFunction(
                                    "slow",
                                    [](Args) -> absl::StatusOr<Value> {
                                      absl::SleepFor(absl::Milliseconds(400));
                                      return Value("done");
                                    })})
                     .Deadline(absl::Milliseconds(100))
                     .Fails(absl::StatusCode::kDeadlineExceeded));
  rows.push_back(
      // script -> C++ -> script function: the inner call keeps the deadline.
      Row("script_function_called_from_cpp_keeps_the_callers_deadline")
          .Sources("def f(g):\n"
                   "    def spin():\n"
                   "        while True:\n"
                   "            pass\n"
                   "    return g(spin)\n",
                   "export function f(g) {\n"
                   "  return g(function spin() { while (true) {} });\n"
                   "}\n")
          .Call("f",
                {Value::FromFunction("call_it",
                                     [](Args args) -> absl::StatusOr<Value> {
                                       return args[0].Call({});
                                     })})
          .Deadline(absl::Milliseconds(200))
          .Fails(absl::StatusCode::kDeadlineExceeded));
  rows.push_back(
      // script -> C++ -> script function of the same engine, one thread.
      Row("reentrant_chain_into_the_same_engine")
          .Sources("def f(g):\n    return g(lambda x: x + 1)\n",
                   "export function f(g) { return g(x => x + 1); }\n")
          .Call("f", {Value::FromFunction(
                         "apply",
                         [](Args args) -> absl::StatusOr<Value> {
                           if (args.size() != 1) {
                             return absl::InvalidArgumentError("one argument");
                           }
                           return args[0].Call({Value(41)});
                         })})
          .Returns(Value(42)));
  rows.push_back(
      // script -> host -> a script function of the same engine, and back.
      Row("script_function_passed_to_a_module_and_called_there")
          .Sources(Py("def f():\n"
                      "    return duet.modules.self.apply(lambda x: x * 2, "
                      "21)\n"),
                   Js("export function f() {\n"
                      "  return duet.modules.self.apply(x => x * 2, 21);\n"
                      "}\n"))
          .Call("f")
          .Returns(Value(42)));
  rows.push_back(
      // The script function runs as an entry of its own (through C++): an
      // Interrupt stops it there, and the call it is nested in.
      Row("interrupt_stops_a_script_function_called_back")
          .Sources(Py("def spin():\n"
                      "    while True:\n"
                      "        pass\n"
                      "def f():\n"
                      "    def looping():\n"
                      "        duet.host.started()\n"
                      "        spin()\n"
                      "    return duet.modules.self.apply(looping)\n"),
                   Js("function spin() { while (true) {} }\n"
                      "export function f() {\n"
                      "  return duet.modules.self.apply(function looping() {\n"
                      "    duet.host.started();\n"
                      "    spin();\n"
                      "  });\n"
                      "}\n"))
          .Interrupt("f")
          .Fails(absl::StatusCode::kCancelled, {"execution interrupted"}));
  rows.push_back(Row("repl_passes_a_function_to_a_module")
                     .Repl({Evaluate({"self.apply(lambda x: x * 2, 21)",
                                      "self.apply(x => x * 2, 21)"},
                                     "42"),
                            Evaluate({"self.apply(self.apply, len, 'abc')",
                                      "self.apply(self.apply, s => s.length, "
                                      "'abc')"},
                                     "3")}));
  return rows;
}

namespace {

using ::duet::testing::CallByName;
using ::duet::testing::InMemorySpec;
using ::duet::testing::RecordingServices;

// Lifetimes: several calls, unload, reload.
class FunctionLifetime : public ::testing::TestWithParam<Language> {
 protected:
  void SetUp() override {
    auto runtime = ::duet::testing::CreateRuntime(GetParam(), services_);
    ASSERT_TRUE(runtime.ok()) << runtime.status();
    runtime_ = *std::move(runtime);
  }

  std::unique_ptr<Implementation> Load(const std::string& python,
                                       const std::string& javascript) {
    std::filesystem::path entry =
        dir_.path() /
        ("lifetime" + ::duet::testing::EntryExtension(GetParam()));
    absl::StatusOr<std::unique_ptr<Implementation>> loaded = runtime_->Load(
        InMemorySpec("lifetime", entry,
                     GetParam() == Language::kPython ? python : javascript));
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return loaded.ok() ? *std::move(loaded) : nullptr;
  }

  ::duet::testing::TempDir dir_;
  RecordingServices services_;
  std::unique_ptr<Runtime> runtime_;
};

constexpr char kClosurePy[] =
    "def make(n):\n"
    "    return lambda: n\n";
constexpr char kClosureJs[] = "export function make(n) { return () => n; }\n";

TEST_P(FunctionLifetime, DroppingTheValueReleasesTheHandle) {
  std::unique_ptr<Implementation> impl = Load(kClosurePy, kClosureJs);
  ASSERT_NE(impl, nullptr);
  const int64_t before = engine::LiveFunctionHandles();
  {
    absl::StatusOr<Value> made = CallByName(*impl, "make", {Value(7)});
    ASSERT_TRUE(made.ok()) << made.status();
    EXPECT_EQ(engine::LiveFunctionHandles(), before + 1);
    absl::StatusOr<Value> called = made->Call({});
    ASSERT_TRUE(called.ok()) << called.status();
    EXPECT_EQ(*called, Value(7));
  }
  // Dropped on a thread holding no engine lock: released at once.
  EXPECT_EQ(engine::LiveFunctionHandles(), before);
}

TEST_P(FunctionLifetime, ADropUnderAnEngineLockIsReleasedByTheNextEntry) {
  std::unique_ptr<Implementation> impl = Load(kClosurePy, kClosureJs);
  ASSERT_NE(impl, nullptr);
  const int64_t before = engine::LiveFunctionHandles();
  {
    absl::StatusOr<Value> made = CallByName(*impl, "make", {Value(7)});
    ASSERT_TRUE(made.ok()) << made.status();
    // As if dropped inside another engine's entry: never waits for this
    // engine's lock there.
    engine::EngineLockMark another_engine;
    made = Value();
  }
  EXPECT_EQ(engine::LiveFunctionHandles(), before + 1) << "queued";
  absl::StatusOr<Value> next = CallByName(*impl, "make", {Value(8)});
  ASSERT_TRUE(next.ok()) << next.status();
  // The entry released the queued handle; `next` holds one.
  EXPECT_EQ(engine::LiveFunctionHandles(), before + 1);
  next = Value();
  EXPECT_EQ(engine::LiveFunctionHandles(), before);
}

TEST_P(FunctionLifetime, UnloadKillsItsFunctionsAndReleasesTheirHandles) {
  std::unique_ptr<Implementation> impl = Load(kClosurePy, kClosureJs);
  ASSERT_NE(impl, nullptr);
  const int64_t before = engine::LiveFunctionHandles();
  absl::StatusOr<Value> made = CallByName(*impl, "make", {Value(7)});
  ASSERT_TRUE(made.ok()) << made.status();
  impl.reset();
  EXPECT_EQ(engine::LiveFunctionHandles(), before)
      << "the unload releases the handle the Value still refers to";
  absl::StatusOr<Value> called = made->Call({});
  EXPECT_EQ(called.status().code(), absl::StatusCode::kFailedPrecondition)
      << called.status();
  EXPECT_TRUE(absl::StrContains(called.status().message(),
                                "module 'lifetime': the module was unloaded"))
      << called.status();
}

TEST_P(FunctionLifetime, CycleThroughCppIsFreedAtUnload) {
  // The script keeps a C++ function that keeps the script's own function:
  // neither heap can see the cycle; unloading the module frees it.
  std::unique_ptr<Implementation> impl = Load(
      "kept = []\n"
      "def keep(g):\n"
      "    kept.append(g)\n"
      "    return lambda: len(kept)\n",
      "const kept = [];\n"
      "export function keep(g) { kept.push(g); return () => kept.length; "
      "}\n");
  ASSERT_NE(impl, nullptr);
  auto freed = std::make_shared<std::atomic<bool>>(false);
  struct Sentinel {
    explicit Sentinel(std::shared_ptr<std::atomic<bool>> flag)
        : freed(std::move(flag)) {}
    Sentinel(const Sentinel&) = delete;
    ~Sentinel() { *freed = true; }
    std::shared_ptr<std::atomic<bool>> freed;
  };
  auto holder = std::make_shared<Value>();
  {
    auto sentinel = std::make_shared<Sentinel>(freed);
    Value cpp = Value::FromFunction(
        "holder",
        [holder, sentinel](Args) -> absl::StatusOr<Value> { return *holder; });
    absl::StatusOr<Value> script = CallByName(*impl, "keep", {cpp});
    ASSERT_TRUE(script.ok()) << script.status();
    *holder = *script;  // C++ -> script function -> (script heap) -> C++
  }
  holder.reset();
  EXPECT_FALSE(*freed) << "a cycle across heaps is not collected while loaded";
  impl.reset();
  EXPECT_TRUE(*freed) << "unloading releases every handle, breaking it";
}

INSTANTIATE_TEST_SUITE_P(Engines, FunctionLifetime,
                         ::testing::ValuesIn(kAllLanguages),
                         ::duet::testing::LanguageParamName);

}  // namespace
}  // namespace duet::contract
