// Contract rows for how an engine behaves: script errors and their stacks,
// loading, the in-script duet API, logging, re-entrancy, threads, deadlines,
// Runtime::Interrupt and the REPL. How to add a row: see contract.h.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "contract/contract.h"
#include "duet/value.h"

namespace duet::contract {
namespace {

using Code = absl::StatusCode;

// Sources that use the duet API start with its import.
std::string Py(std::string body) { return "import duet\n" + body; }
std::string Js(std::string body) { return "import duet from 'duet';\n" + body; }

// `ok()` returns "ok": the Then() of rows that check the engine stays usable.
constexpr char kOkPython[] = "\ndef ok():\n    return 'ok'\n";
constexpr char kOkJavaScript[] = "\nexport function ok() { return 'ok'; }\n";

Row Stopper(std::string name, std::string python, std::string javascript) {
  Row row(std::move(name));
  row.Sources(Py(python + kOkPython), Js(javascript + kOkJavaScript));
  row.Then("ok", Value("ok"));
  return row;
}

// The loop is on line 4 in both, after Py() / Js() add the import.
constexpr char kSpinPython[] = R"PY(
def spin():
    while True: pass
)PY";
constexpr char kSpinJavaScript[] = R"JS(
export function spin() {
  while (true) {}
}
)JS";

}  // namespace

std::vector<Row> ErrorRows() {
  // Line numbers match in both sources: the rows check them once.
  const std::string python = R"PY(
def inner(x):
    raise ValueError(f"bad {x}")


def outer(x):
    return inner(x)


def forever():
    return forever()
)PY";
  const std::string javascript = R"JS(
function inner(x) {
  throw new TypeError(`bad ${x}`);
}

export function outer(x) {
  return inner(x);
}

export function forever() {
  return forever();
}
)JS";
  return {
      Row("script_exception_carries_type_message_and_frames")
          .Sources(python + kOkPython, javascript + kOkJavaScript)
          .Call("outer", {Value(7)})
          .Fails(Code::kUnknown, {"ValueError: bad 7"}, {"TypeError: bad 7"})
          .ErrorType({"ValueError", "TypeError"})
          .Frames({{"inner", 3}, {"outer", 7}})
          .Then("ok", Value("ok")),
      Row("endless_recursion_is_an_error_and_the_engine_recovers")
          .Sources(python + kOkPython, javascript + kOkJavaScript)
          .Call("forever")
          .Fails(Code::kUnknown)
          .ErrorType({"RecursionError", "RangeError"})
          .Then("ok", Value("ok")),
      Row("error_raised_by_the_language_itself")
          .Sources("\ndef f():\n    return int('not a number')\n",
                   "\nexport function f() {\n  return null.property;\n}\n")
          .Call("f")
          .Fails(Code::kUnknown)
          .ErrorType({"ValueError", "TypeError"})
          .FramesStartWith({{"f", 3}}),
      Row("calling_past_the_exports_is_not_found")
          .Sources(python, javascript)
          .CallPastTheExports()
          .Fails(Code::kNotFound, {"contract"}),
  };
}

std::vector<Row> LoadRows() {
  return {
      Row("syntax_error_names_file_and_line")
          .Sources("x = 1\n\ndef f(:\n    pass\n",
                   "export const x = 1;\n\n"
                   "export function broken() { return 1 +; }\n")
          .Load()
          .Fails(Code::kInvalidArgument, {"{entry}:3:", "SyntaxError"})
          .ErrorType("SyntaxError")
          .SourceLine({"def f(:", "export function broken() { return 1 +; }"})
          .FramesStartWith({{"*", 3}}),
      Row("raise_at_import_is_a_script_error_naming_file_and_line")
          .Sources("X = 1\nraise RuntimeError('nope')\n",
                   "export const X = 1;\nthrow new RangeError('nope');\n")
          .Load()
          .Fails(Code::kUnknown, {"RuntimeError: nope"}, {"RangeError: nope"})
          .ErrorType({"RuntimeError", "RangeError"})
          .Frames({{"", 2}}),
      Row("missing_file_is_not_found")
          .LoadMissingFile()
          .Fails(Code::kNotFound, {"{entry}"}),
      Row("source_that_is_not_utf8_is_invalid_argument")
          .Sources("# caf\xe9\ndef f():\n    pass\n",
                   "// caf\xe9\nexport function f() {}\n")
          .Load()
          .Fails(Code::kInvalidArgument, {"{entry}", "UTF-8"}),
      Row("exports_are_the_public_functions_sorted")
          .Sources(R"PY(
import json

CONSTANT = 3


class Thing:
    pass


def zeta():
    pass


def alpha():
    pass


def _private():
    pass
)PY",
                   R"JS(
function helper() {}
export function zeta() { helper(); }
export function alpha() {}
)JS")
          .Load()
          .Exports({"alpha", "zeta"}),
      // A plugin given as text (ImplementationSpec::source): nothing is read
      // from disk, yet stacks and messages name the entry.
      Row("source_given_in_memory_is_called")
          .Sources(Py("def greet(name):\n    return 'Hello, ' + name\n"),
                   Js("export function greet(name) { return 'Hello, ' + name; "
                      "}\n"))
          .InMemory()
          .Call("greet", {Value("Ann")})
          .Returns(Value("Hello, Ann")),
      Row("source_given_in_memory_names_the_entry_in_stacks")
          .Sources(
              Py("def fail():\n    raise ValueError('no')\n"),
              Js("export function fail() {\n  throw new TypeError('no');\n}\n"))
          .InMemory()
          .Call("fail")
          .Fails(Code::kUnknown, {"no"})
          .ErrorType({"ValueError", "TypeError"})
          .FramesStartWith({{"fail", 3}}),
      Row("source_given_in_memory_with_a_syntax_error_names_entry_and_line")
          .Sources(Py("def broken(:\n    pass\n"),
                   Js("export const broken = ;\n"))
          .InMemory()
          .Load()
          .Fails(Code::kInvalidArgument, {"{entry}:2"}),
      Stopper("source_given_in_memory_stops_at_its_deadline_where_it_ran",
              kSpinPython, kSpinJavaScript)
          .InMemory()
          .Call("spin")
          .Deadline(absl::Milliseconds(200))
          .Fails(Code::kDeadlineExceeded)
          .ErrorType("DeadlineExceeded")
          .FramesStartWith({{"spin", 4}}),
  };
}

std::vector<Row> DuetApiRows() {
  const Value described = Value(
      DebugString(Value(Value::List{Value(), Value::List{1, 2.5}, Bytes("x"),
                                    Value::Map{{"k", Value::List{true}}}})));
  return {
      Row("module_function_by_attribute")
          .Sources(Py("def f():\n    return duet.modules.math.add(1, 2)\n"),
                   Js("export function f() { return duet.modules.math.add(1, "
                      "2); }\n"))
          .Call("f")
          .Returns(Value(3)),
      Row("module_function_by_item")
          .Sources(
              Py("def f():\n    return duet.modules['math'].add(3, 4)\n"),
              Js("export function f() { return duet.modules['math'].add(3, "
                 "4); }\n"))
          .Call("f")
          .Returns(Value(7)),
      Row("duet_call_by_dotted_name")
          .Sources(Py("def f():\n    return duet.call('math.add', 5, 6)\n"),
                   Js("export function f() { return duet.call('math.add', 5, "
                      "6); }\n"))
          .Call("f")
          .Returns(Value(11)),
      Row("host_function")
          .Sources(Py("def f():\n    return duet.host.now()\n"),
                   Js("export function f() { return duet.host.now(); }\n"))
          .Call("f")
          .Returns(Value(42)),
      Row("host_function_exception_is_caught_in_the_script")
          .Sources(Py(R"PY(
def f():
    out = []
    for name in ("burn", "throw_int"):
        try:
            getattr(duet.host, name)()
        except duet.ScriptError:
            out.append("wrong class")
        except duet.Error as e:
            out.append([e.code, str(e)])
    return out
)PY"),
                   Js(R"JS(
export function f() {
  const out = [];
  for (const name of ['burn', 'throw_int']) {
    try { duet.host[name](); } catch (e) { out.push([e.code, e.message]); }
  }
  return out;
}
)JS"))
          .Call("f")
          .Returns(Value(Value::List{
              Value::List{"INTERNAL",
                          "host function 'burn' threw: disk on fire"},
              Value::List{"INTERNAL",
                          "host function 'throw_int' threw an "
                          "unknown exception"}})),
      Row("host_function_exception_uncaught_fails_the_call_with_kinternal")
          .Sources(Py("def f():\n    return duet.host.burn()\n" +
                      std::string(kOkPython)),
                   Js("export function f() { return duet.host.burn(); }\n" +
                      std::string(kOkJavaScript)))
          .Call("f")
          .Fails(Code::kInternal, {"host function 'burn' threw: disk on fire"})
          .Then("ok", Value("ok")),
      // docs/errors.md, "Errors inside a plugin": what a script sees of a
      // status a host function returns, and what its caller sees.
      Row("host_function_error_status_is_raised_with_its_code")
          .Sources(Py(R"PY(
def f():
    try:
        duet.host.refuse()
    except duet.ScriptError:
        return "wrong class"
    except duet.Error as e:
        return [type(e).__name__, e.code, str(e), isinstance(e, Exception)]
)PY"),
                   Js(R"JS(
export function f() {
  try { duet.host.refuse(); } catch (e) {
    return [e.name, e.code, e.message, e instanceof Error];
  }
}
)JS"))
          .Call("f")
          .Returns({Value(Value::List{"Error", "PERMISSION_DENIED",
                                      "no quota left", true}),
                    Value(Value::List{"DuetError", "PERMISSION_DENIED",
                                      "no quota left", true})}),
      Row("host_function_error_status_uncaught_is_the_callers_status")
          .Sources(Py("def f():\n    return duet.host.refuse()\n"),
                   Js("export function f() { return duet.host.refuse(); }\n"))
          .Call("f")
          .Fails(Code::kPermissionDenied, {"no quota left"}),
      Row("host_function_is_told_its_caller")
          .Sources(Py("def f():\n    return duet.host.caller()\n"),
                   Js("export function f() { return duet.host.caller(); }\n"))
          .Call("f")
          .Deadline(absl::Seconds(60))
          .Returns({Value(Value::List{"contract", "python", true}),
                    Value(Value::List{"contract", "javascript", true})}),
      Row("module_host_functions_hide_host_wide_ones_from_that_module_only")
          .Sources(Py(R"PY(
def f():
    try:
        duet.host.hidden()
    except duet.Error as e:
        return [duet.host.which(), duet.host.own(), e.code]
)PY"),
                   Js(R"JS(
export function f() {
  try { duet.host.hidden(); } catch (e) {
    return [duet.host.which(), duet.host.own(), e.code];
  }
}
)JS"))
          .Call("f")
          .Returns(Value(Value::List{"contract's own", "own", "NOT_FOUND"})),
      Row("modules_functions_and_host_functions_are_listed")
          .Sources(Py(R"PY(
def f():
    return [dir(duet.modules), dir(duet.modules.math), dir(duet.host),
            "math" in duet.modules, "nope" in duet.modules]
)PY"),
                   Js(R"JS(
export function f() {
  return [Object.keys(duet.modules), Object.keys(duet.modules.math),
          Object.keys(duet.host), 'math' in duet.modules,
          'nope' in duet.modules];
}
)JS"))
          .Call("f")
          .Returns(Value(Value::List{
              Value::List{"awaited", "foreign", "math", "self"},
              Value::List{"add", "describe"},
              Value::List{"burn", "caller", "now", "one_ms_later", "own",
                          "refuse", "slow", "started", "throw_int",
                          "wait_for_interrupt", "which"},
              true, false})),
      // A name looked up (and so kept) that no module serves is still not
      // listed, at either level.
      Row("names_looked_up_but_not_served_are_not_listed")
          .Sources(Py(R"PY(
def f():
    duet.modules.math.nope
    duet.modules.nope_module
    return [dir(duet.modules), dir(duet.modules.math),
            "nope_module" in duet.modules, "math" in duet.modules]
)PY"),
                   Js(R"JS(
export function f() {
  duet.modules.math.nope;
  duet.modules.nope_module;
  return [Object.keys(duet.modules), Object.keys(duet.modules.math),
          'nope_module' in duet.modules, 'math' in duet.modules];
}
)JS"))
          .Call("f")
          .Returns(Value(
              Value::List{Value::List{"awaited", "foreign", "math", "self"},
                          Value::List{"add", "describe"}, false, true})),
      // Both levels of duet.modules refuse assignment (Python:
      // AttributeError; JavaScript: a TypeError in strict code), and the
      // functions still call afterwards.
      Row("module_proxies_refuse_assignment_and_deletion")
          .Sources(Py(R"PY(
def f():
    out = []
    duet.modules.math.add  # looked up (and kept) before the deletion
    for target, name in ((duet.modules.math, "add"), (duet.modules, "math")):
        for change in (lambda: setattr(target, name, 1),
                       lambda: delattr(target, name)):
            try:
                change()
                out.append("allowed")
            except AttributeError:
                out.append("refused")
    out.append(duet.modules.math.add(1, 2))
    return out
)PY"),
                   Js(R"JS(
export function f() {
  const out = [];
  duet.modules.math.add;  // looked up (and kept) before the deletion
  for (const [target, name] of [[duet.modules.math, 'add'],
                                [duet.modules, 'math']]) {
    for (const change of [() => { target[name] = 1; },
                          () => { delete target[name]; }]) {
      try { change(); out.push('allowed'); } catch (e) {
        out.push(e instanceof TypeError ? 'refused' : 'other');
      }
    }
  }
  out.push(duet.modules.math.add(1, 2));
  return out;
}
)JS"))
          .Call("f")
          .Returns(Value(
              Value::List{"refused", "refused", "refused", "refused", 3})),
      Row("arguments_arrive_as_duet_values")
          .Sources(Py("def f():\n    return duet.modules.math.describe(None, "
                      "(1, 2.5), b'x', {'k': [True]})\n"),
                   Js("export function f() { return duet.modules.math.describe("
                      "null, [1, 2.5], new Uint8Array([120]), { k: [true] }); "
                      "}\n"))
          .Call("f")
          .Returns(described),
      Row("unknown_module_raises_a_duet_error_with_its_code")
          .Sources(Py(R"PY(
def f():
    try:
        duet.modules.nope.f()
    except duet.ScriptError:
        return "wrong class"
    except duet.Error as e:
        return [e.code, str(e), isinstance(e, Exception)]
)PY"),
                   Js(R"JS(
export function f() {
  try { duet.modules.nope.f(); } catch (e) {
    return [e.code, e.message, e instanceof Error];
  }
}
)JS"))
          .Call("f")
          .Returns(
              Value(Value::List{"NOT_FOUND", "no module named 'nope'", true})),
      Row("unknown_function_uncaught_keeps_its_status")
          .Sources(Py("def f():\n    duet.modules.math.nope()\n"),
                   Js("export function f() { duet.modules.math.nope(); }\n"))
          .Call("f")
          .Fails(Code::kNotFound, {"module 'math' has no function 'nope'"}),
      Row("host_error_rethrown_keeps_its_status")
          .Sources(Py(R"PY(
def f():
    try:
        duet.modules.foreign.missing()
    except duet.Error:
        raise
)PY"),
                   Js(R"JS(
export function f() {
  try { duet.modules.foreign.missing(); } catch (e) { throw e; }
}
)JS"))
          .Call("f")
          .Fails(Code::kNotFound, {"no such thing"}),
      Row("error_from_another_engine_is_caught_with_its_fields")
          .Sources(Py(R"PY(
def f():
    try:
        duet.modules.foreign.fail()
    except duet.ScriptError as e:
        return [e.type, e.message, e.language, e.code,
                isinstance(e, duet.Error), str(e)]
)PY"),
                   Js(R"JS(
export function f() {
  try { duet.modules.foreign.fail(); } catch (e) {
    return [e.name, e.message, e.language, e.code, e instanceof Error,
            String(e)];
  }
}
)JS"))
          .Call("f")
          .Returns({Value(Value::List{"ForeignError", "boom", "javascript",
                                      "UNKNOWN", true,
                                      "ForeignError: boom (javascript)"}),
                    Value(Value::List{"ForeignError", "boom", "python",
                                      "UNKNOWN", true, "ForeignError: boom"})}),
      Row("error_from_another_engine_wrapped_in_a_new_error")
          .Sources(Py(R"PY(
def f():
    try:
        duet.modules.foreign.fail()
    except duet.ScriptError as e:
        raise RuntimeError("wrapped: " + e.message)
)PY"),
                   Js(R"JS(
export function f() {
  try { duet.modules.foreign.fail(); } catch (e) {
    throw new Error('wrapped: ' + e.message);
  }
}
)JS"))
          .Call("f")
          .Fails(Code::kUnknown, {"RuntimeError: wrapped: boom"},
                 {"Error: wrapped: boom"})
          .ErrorType({"RuntimeError", "Error"}),
      Row("error_from_another_engine_uncaught_keeps_its_stack_and_adds_ours")
          .Sources(Py("\n\ndef f():\n    duet.modules.foreign.fail()\n"),
                   Js("\n\nexport function f() {\n"
                      "  duet.modules.foreign.fail();\n}\n"))
          .Call("f")
          .Fails(Code::kUnknown, {"ForeignError: boom"})
          .ErrorType("ForeignError")
          .ErrorFromTheOtherEngine()
          .Frames({{"explode", 3, "/plugins/other/other.src"}, {"f", 5}}),
      Row("unconvertible_argument_to_the_host_names_the_path")
          .Sources(Py("def f():\n    return duet.modules.math.add(1, "
                      "{'a': {1, 2}})\n"),
                   Js("export function f() { return duet.modules.math.add(1, "
                      "{ a: new Set([1]) }); }\n"))
          .Call("f")
          .Fails(Code::kInvalidArgument, {"at args[1].a"}),
      Row("unconvertible_argument_is_caught_as_invalid_argument")
          .Sources(Py(R"PY(
def f():
    try:
        duet.modules.math.add("\ud800", 1)
    except duet.Error as e:
        return e.code
)PY"),
                   Js(R"JS(
export function f() {
  try { duet.modules.math.add('\uD800', 1); } catch (e) { return e.code; }
}
)JS"))
          .Call("f")
          .Returns(Value("INVALID_ARGUMENT")),
      Row("duet_call_without_a_dot_is_invalid_argument")
          .Sources(Py(R"PY(
def f():
    try:
        duet.call("nodot")
    except duet.Error as e:
        return e.code
)PY"),
                   Js(R"JS(
export function f() {
  try { duet.call('nodot'); } catch (e) { return e.code; }
}
)JS"))
          .Call("f")
          .Returns(Value("INVALID_ARGUMENT")),
      // Module calls pass their arguments in a small inline buffer: none,
      // and more than it holds, arrive in order.
      Row("module_call_with_no_and_with_many_arguments")
          .Sources(Py(R"PY(
def f():
    describe = duet.modules.math.describe
    return [describe(), describe(1, "two", 3.5, None, [5], {"six": 6}, b"7")]
)PY"),
                   Js(R"JS(
export function f() {
  const describe = duet.modules.math.describe;
  return [describe(),
          describe(1, 'two', 3.5, null, [5], { six: 6 },
                   new Uint8Array([55]))];
}
)JS"))
          .Call("f")
          .Returns(
              Value(Value::List{DebugString(Value(Value::List{})),
                                DebugString(Value(Value::List{
                                    1, "two", 3.5, Value(), Value::List{5},
                                    Value::Map{{"six", 6}}, Bytes("7")}))})),
      Row("unconvertible_argument_past_the_inline_ones_names_the_path")
          .Sources(Py("def f():\n    return duet.modules.math.describe(1, 2, "
                      "3, 4, 5, [0, {'a': {1, 2}}])\n"),
                   Js("export function f() { return duet.modules.math."
                      "describe(1, 2, 3, 4, 5, [0, { a: new Set([1]) }]); }\n"))
          .Call("f")
          .Fails(Code::kInvalidArgument, {"at args[5][1].a"}),
      Row("argument_over_the_value_budget_is_refused")
          .Sources(Py("def f():\n    return duet.modules.math.describe('x' * "
                      "100000)\n"),
                   Js("export function f() { return duet.modules.math.describe("
                      "'x'.repeat(100000)); }\n"))
          .ValueBudget(1000)
          .Call("f")
          .Fails(Code::kResourceExhausted, {"args[0] is too large"}),
  };
}

std::vector<Row> LoggingRows() {
  return {
      Row("log_and_print_reach_the_log_service")
          .Sources(Py(R"PY(
import sys

print("loading")


def f():
    duet.log("hi", 42)
    print("to stdout")
    print("warned", file=sys.stderr)
)PY"),
                   Js(R"JS(
console.log('loading');

export function f() {
  duet.log('hi', 42);
  console.log('to stdout');
  console.warn('warned');
}
)JS"))
          .Call("f")
          .Logs({"info loading", "info hi 42", "info to stdout",
                 "warning warned"}),
      Row("a_message_of_two_lines_is_two_log_lines")
          .Sources(Py("def f():\n    print('two\\nlines')\n"),
                   Js("export function f() { console.log('two\\nlines'); }\n"))
          .Call("f")
          .Logs({"info two", "info lines"}),
      Row("duet_log_of_two_lines_is_two_log_lines")
          .Sources(Py("def f():\n    duet.log('a\\nb\\n')\n"),
                   Js("export function f() { duet.log('a\\nb\\n'); }\n"))
          .Call("f")
          .Logs({"info a", "info b", "info "}),
  };
}

std::vector<Row> ReentrancyRows() {
  return {
      Row("reenters_the_same_module_on_one_thread")
          .Sources(Py(R"PY(
def outer(x):
    return duet.call("self.call", "inner", x) + 1


def inner(x):
    if x > 0:
        return duet.modules.self.call("inner", x - 1) * 2
    return 1
)PY"),
                   Js(R"JS(
export function outer(x) {
  return duet.call('self.call', 'inner', x) + 1;
}

export function inner(x) {
  if (x > 0) return duet.modules.self.call('inner', x - 1) * 2;
  return 1;
}
)JS"))
          .Call("outer", {Value(3)})
          .Returns(Value(9)),  // inner(3) = 8
      Row("a_reentrant_error_lists_each_frame_once")
          .Sources(Py(R"PY(

def fail():
    raise ValueError("deep")


def outer():
    return duet.modules.self.call("fail")
)PY"),
                   Js(R"JS(

export function fail() {
  throw new RangeError('deep');
}

export function outer() {
  return duet.modules.self.call('fail');
}
)JS"))
          .Call("outer")
          .Fails(Code::kUnknown)
          .Frames({{"fail", 5}, {"outer", 9}}),
  };
}

std::vector<Row> ThreadRows() {
  const std::string python = Py(R"PY(
def inc(n):
    return n + 1


def inc_through_the_host(n):
    return duet.modules.self.call("inc", n)
)PY");
  const std::string javascript = Js(R"JS(
export function inc(n) { return n + 1; }
export function inc_through_the_host(n) {
  return duet.modules.self.call('inc', n);
}
)JS");
  return {
      Row("concurrent_calls_from_many_threads")
          .Sources(python, javascript)
          .Call("inc")
          .Threads(4, 500),
      Row("concurrent_calls_that_reenter_through_the_host")
          .Sources(python, javascript)
          .Call("inc_through_the_host")
          .Threads(4, 100),
  };
}

std::vector<Row> DeadlineRows() {
  const absl::Duration kSoon = absl::Milliseconds(200);
  return {
      Stopper("endless_loop_stops_at_its_deadline", kSpinPython,
              kSpinJavaScript)
          .Call("spin")
          .Deadline(kSoon)
          .Fails(Code::kDeadlineExceeded,
                 {"execution stopped at its deadline"}),
      // Where it stopped travels along, for the report.
      Stopper("deadline_error_names_the_frame_where_it_stopped", kSpinPython,
              kSpinJavaScript)
          .Call("spin")
          .Deadline(kSoon)
          .Fails(Code::kDeadlineExceeded)
          .ErrorType("DeadlineExceeded")
          .FramesStartWith({{"spin", 4}}),
      Stopper("a_deadline_already_past_stops_the_call", kSpinPython,
              kSpinJavaScript)
          .Call("spin")
          .Deadline(absl::ZeroDuration())
          .Fails(Code::kDeadlineExceeded),
      Stopper("catching_everything_does_not_swallow_the_deadline", R"PY(
def spin():
    try:
        while True:
            pass
    except BaseException:
        return "caught"
)PY",
              R"JS(
export function spin() {
  try { while (true) {} } catch (e) { return 'caught'; }
}
)JS")
          .Call("spin")
          .Deadline(kSoon)
          .Fails(Code::kDeadlineExceeded),
      // A script waiting on the host cannot be stopped until the host call
      // returns; then it is, whatever the call returned.
      Stopper("deadline_passing_in_a_host_call_stops_when_the_script_resumes",
              R"PY(
def wait():
    result = duet.host.slow()
    duet.log("resumed with", result)
    return result
)PY",
              R"JS(
export function wait() {
  const result = duet.host.slow();
  duet.log('resumed with', result);
  return result;
}
)JS")
          .Call("wait")
          .Deadline(absl::Milliseconds(100))
          .Fails(Code::kDeadlineExceeded)
          .Logs({}),
      Stopper("swallowing_the_host_call_failure_does_not_swallow_the_deadline",
              R"PY(
def wait():
    try:
        duet.host.slow()
    except Exception:
        pass
    duet.log("resumed")
    return "swallowed"
)PY",
              R"JS(
export function wait() {
  try { duet.host.slow(); } catch (e) {}
  duet.log('resumed');
  return 'swallowed';
}
)JS")
          .Call("wait")
          .Deadline(absl::Milliseconds(100))
          .Fails(Code::kDeadlineExceeded)
          .Logs({}),
      // Script -> host -> the same module, all bound by the outer deadline:
      // the outer call is stopped although it catches the inner failure.
      Stopper("nested_calls_are_all_stopped", std::string(kSpinPython) + R"PY(

def outer():
    try:
        duet.modules.self.call("spin")
    except Exception:
        pass
    while True:
        pass
)PY",
              std::string(kSpinJavaScript) + R"JS(
export function outer() {
  try { duet.modules.self.call('spin'); } catch (e) {}
  while (true) {}
}
)JS")
          .Call("outer")
          .Deadline(kSoon)
          .Fails(Code::kDeadlineExceeded),
      Row("a_stop_never_leaks_into_a_later_call")
          .Sources("def work(n):\n    return sum(range(n))\n",
                   "export function work(n) {\n  let s = 0;\n"
                   "  for (let i = 0; i < n; ++i) s += i;\n  return s;\n}\n")
          .Call("work", {Value(20000)})
          .RacingStops(200)
          .Returns(Value(199990000)),
      Row("calls_within_their_deadline_are_unaffected")
          .Sources("def work(n):\n    return sum(range(n))\n",
                   "export function work(n) {\n  let s = 0;\n"
                   "  for (let i = 0; i < n; ++i) s += i;\n  return s;\n}\n")
          .Call("work", {Value(100)})
          .Deadline(absl::Seconds(60))
          .Returns(Value(4950)),
  };
}

std::vector<Row> InterruptRows() {
  return {
      Stopper("interrupt_stops_every_running_call", R"PY(
def spin():
    duet.host.started()
    while True:
        pass
)PY",
              R"JS(
export function spin() {
  duet.host.started();
  while (true) {}
}
)JS")
          .Interrupt("spin", /*callers=*/3)
          .Fails(Code::kCancelled, {"execution interrupted"}),
      // Where it stopped travels along, for the report.
      Stopper("interrupt_error_names_the_frame_where_it_stopped", R"PY(
def spin():
    duet.host.started()
    while True: pass
)PY",
              R"JS(
export function spin() {
  duet.host.started();
  while (true) {}
}
)JS")
          .Interrupt("spin")
          .Fails(Code::kCancelled)
          .ErrorType({"KeyboardInterrupt", "Interrupted"})
          // The stop may land as started() returns or in the loop after.
          .FramesStartWith({{"spin", 0}}),
      Stopper("interrupt_stops_a_call_that_has_a_deadline", R"PY(
def spin():
    duet.host.started()
    while True:
        pass
)PY",
              R"JS(
export function spin() {
  duet.host.started();
  while (true) {}
}
)JS")
          .Interrupt("spin")
          .Deadline(absl::Hours(1))
          .Fails(Code::kCancelled),
      Stopper("catching_everything_does_not_swallow_the_interrupt", R"PY(
def spin():
    duet.host.started()
    try:
        while True:
            pass
    except BaseException:
        return "caught"
)PY",
              R"JS(
export function spin() {
  duet.host.started();
  try { while (true) {} } catch (e) { return 'caught'; }
}
)JS")
          .Interrupt("spin")
          .Fails(Code::kCancelled),
      Stopper("interrupt_reaches_a_call_waiting_on_the_host", R"PY(
def wait():
    try:
        duet.host.wait_for_interrupt()
    except Exception:
        pass
    while True:
        pass
)PY",
              R"JS(
export function wait() {
  try { duet.host.wait_for_interrupt(); } catch (e) {}
  while (true) {}
}
)JS")
          .Interrupt("wait")
          .Fails(Code::kCancelled),
      Row("interrupt_stops_a_repl_evaluation")
          .InterruptRepl({"duet.host.started()\nwhile True:\n    pass\n",
                          "duet.host.started(); while (true) {}"})
          .Fails(Code::kCancelled),
      Row("interrupt_stops_a_repl_evaluation_that_awaits")
          .InterruptRepl({"import asyncio\nduet.host.started()\n"
                          "await asyncio.sleep(3600)\n",
                          "duet.host.started(); await new Promise(() => {})"})
          .Fails(Code::kCancelled),
  };
}

std::vector<Row> ReplRows() {
  return {
      Row("evaluates_and_keeps_state")
          .Repl({Evaluate("1 + 2", "3"), Evaluate({"x = 5", "let x = 5"}, ""),
                 Evaluate("x * 2", "10"), Evaluate({"None", "undefined"}, ""),
                 Evaluate("'a' + \"b\"", "'ab'"),
                 Evaluate({"def f(n):\n    return n + 1\n",
                           "function f(n) { return n + 1; }"},
                          ""),
                 Evaluate("f(x)", "6")}),
      Row("modules_are_bound_as_globals")
          .Repl({Evaluate("math.add(2, 3)", "5"),
                 Evaluate("duet.call('math.add', 1, 1)", "2"),
                 // A module loaded later is bound at the next input.
                 LoadModule("later"), Evaluate("later.f()", "'late'"),
                 // A name the user rebinds stays theirs.
                 Evaluate("math = 3", {"", "3"}), Evaluate("math", "3")}),
      Row("print_reaches_the_log_service_as_repl")
          .Repl({Evaluate({"print('shown')", "console.log('shown')"}, "")})
          .Logs({"info shown"}),
      Row("errors_name_the_repl_and_the_line_and_the_state_survives")
          .Repl({Evaluate({"x = 5", "let x = 5"}, ""),
                 EvaluateFails(
                     {"1 / 0", "throw new Error('nope')"}, Code::kUnknown,
                     Fragments({"ZeroDivisionError"}, {"Error: nope"}),
                     {{"*", 1, "<repl>"}}),
                 EvaluateFails({"1 +", "let = ;"}, Code::kInvalidArgument,
                               Fragments(std::vector<std::string>{
                                   "<repl>:1", "SyntaxError"})),
                 Evaluate("x", "5")}),
      // What each language's own parser says; a blank line ends a Python
      // block, as in Python's REPL.
      Row("incomplete_input_is_what_the_parser_says")
          .Repl({Incomplete(
                     {"def f():", "def f():\n", "def f():\n    return 1",
                      "def f():\n    return 1\n", "for x in y:\n", "(1,",
                      "x = [1,\n 2\n", "'''abc", "'''abc\n", "print('a'", "\\"},
                     {"function f() {", "[1, 2,", "foo(1,", "foo(1", "({ a: 1,",
                      "`template ${1}", "`line one", "if (x) {\n  y();",
                      "let x =", "const o = {\n a: 1,\n", "class A {", "1 +"}),
                 Complete({"def f():\n    return 1\n\n",
                           "def f():\r\n    return 1\r\n\r\n", "x = 1",
                           "x = 1\n", "", "# note", "1 +", "1 +\n", "1 + )",
                           "if x:\n    pass\n\n", "\xff("},
                          {"", "   ", "1 + 1", "let = ;", "foo(1 2)", "}",
                           "function (", "let x", "[1, 2]", "if (x) { y(); }",
                           "`done`", "'unterminated", ")", "foo)", "f(a b",
                           "/* closed */"}),
                 // Deciding never runs anything.
                 Complete({"ran = True"}, {"globalThis.ran = true"}),
                 Evaluate({"'ran' in globals()", "typeof ran === 'boolean'"},
                          {"False", "false"}),
                 // What the duet command sends once a block is complete.
                 Evaluate({"def twice(x):\n    y = x * 2\n    return y\n\n",
                           "function twice(x) {\n  const y = x * 2;\n"
                           "  return y;\n}\n"},
                          ""),
                 Evaluate("twice(21)\n", "42")}),
      Row("completes_modules_and_user_globals")
          .Repl({Completes("mat", {"math"}),
                 Completes("x = math.a", {"math.add"}),
                 Completes("math.", {"math.add", "math.describe"}),
                 Evaluate({"my_value = 3\nmy_values = [1]\n",
                           "var my_value = 3; var my_values = [1];"},
                          ""),
                 Completes("my_v", {"my_value", "my_values"}),
                 Completes({"my_values.ap", "my_values.pu"},
                           {"my_values.append"}, {"my_values.push"}),
                 Completes("nosuch.x", {}), Completes("math.add.x", {})}),
      // Only what the host serves now: a name a script looked up that the
      // module does not serve is not offered.
      Row("completes_only_what_the_modules_serve")
          .Repl({Evaluate({"0 if hasattr(math, 'nosuch') else 0",
                           "(math.nosuch, 0)"},
                          "0"),
                 Completes("math.", {"math.add", "math.describe"}),
                 Completes("duet.modules.ma", {"duet.modules.math"}),
                 Completes("duet.modules.math.a", {"duet.modules.math.add"})}),
      Row("an_empty_line_completes_to_nothing").Repl({Completes("", {})}),
      Row("completion_runs_no_user_code")
          .Repl({Evaluate({R"PY(
calls = 0


class Tricky:
    plain = 1

    @property
    def prop(self):
        global calls
        calls += 1
        return self

    def __getattr__(self, name):
        global calls
        calls += 1
        return self


tricky = Tricky()
)PY",
                           R"JS(
var calls = 0;
var tricky = { get prop() { ++calls; return {}; }, plain: 1 };
)JS"},
                          ""),
                 Completes("tricky.pl", {"tricky.plain"}),
                 Completes("tricky.prop.p", {}),
                 Completes("tricky.missing.p", {}), Evaluate("calls", "0")}),
      // Top-level await, as node's REPL and `python -m asyncio` allow: the
      // input waits on the engine's event loop (timers run meanwhile), what
      // it declares stays, and input that does not await is unchanged.
      Row("top_level_await_waits_on_timers_and_keeps_what_it_declares")
          .Repl({Evaluate({"from asyncio import sleep",
                           "const sleep = (s, v) => new Promise(\n"
                           "  r => setTimeout(() => r(v), s * 1000))"},
                          ""),
                 Evaluate({"awaited_value = await sleep(0.05, 21)",
                           "const awaited_value = await sleep(0.05, 21)"},
                          ""),
                 Evaluate("awaited_value * 2", "42"),
                 Completes("awaited_v", {"awaited_value"}),
                 Evaluate("await sleep(0.05, 'done')", "'done'"),
                 Evaluate({"await sleep(0)", "await sleep(0)"}, ""),
                 Evaluate({"async def twice(n):\n"
                           "    return 2 * await sleep(0.01, n)\n\n",
                           "async function twice(n) {\n"
                           "  return 2 * await sleep(0.01, n);\n}"},
                          ""),
                 Evaluate({"y = await twice(awaited_value)",
                           "var y = await twice(awaited_value)"},
                          ""),
                 Evaluate("y", "42"),
                 Evaluate({"def later():\n    return y + 1\n\n",
                           "function later() { return y + 1; }"},
                          ""),
                 Evaluate("await sleep(0.01, later())", "43"),
                 Evaluate("1 + 1", "2")}),
      Row("a_rejected_await_is_an_error_and_the_state_survives")
          .Repl({Evaluate({"async def boom():\n"
                           "    raise ValueError('nope')\n\n",
                           "async function boom() {\n"
                           "  throw new RangeError('nope');\n}"},
                          ""),
                 EvaluateFails(
                     "await boom()", Code::kUnknown,
                     Fragments({"ValueError: nope"}, {"RangeError: nope"}),
                     {{"boom", 2, "<repl>"}}),
                 EvaluateFails({"await boom(", "await boom("},
                               Code::kInvalidArgument,
                               Fragments(std::vector<std::string>{
                                   "<repl>:1", "SyntaxError"})),
                 Evaluate("6 * 7", "42")}),
      Row("incomplete_input_that_awaits_is_what_the_parser_says")
          .Repl({Incomplete(
                     {"x = await f(", "async def f():", "async with lock:\n",
                      "async for x in y:\n", "await (\n"},
                     {"await f(", "const x = await f(1,",
                      "for await (const x of y) {", "await new Promise(r =>",
                      "await `a ${"}),
                 Complete({"await f()", "x = await f()\n", "await f(1 2)"},
                          {"await f()", "const x = await f()", "await f(1 2)",
                           "await"})}),
      // ---- calls made with the engine lock held (duet::HeldFunction) ----
      Row("a_call_holding_the_lock_returns_what_a_plain_call_does")
          .Sources("def add(a, b):\n    return [a + b, 'é', a, b]\n",
                   "export function add(a, b) {\n"
                   "  return [a + b, 'é', a, b];\n}\n")
          .Call("add", {Value(1), Value(2)})
          .HoldingTheLock()
          .Returns(
              Value(Value::List{Value(3), Value("é"), Value(1), Value(2)})),
      Row("a_call_holding_the_lock_fails_as_a_plain_call_does")
          .Sources(
              "def f():\n    raise ValueError('nope')\n",
              "export function f() {\n  throw new RangeError('nope');\n}\n")
          .Call("f")
          .HoldingTheLock()
          .Fails(Code::kUnknown, {"ValueError: nope"}, {"RangeError: nope"}),
      // The script's host calls let the lock go: another thread's call into
      // the same module runs meanwhile.
      Row("host_calls_release_a_held_lock")
          .Sources(Py(R"PY(
def inner(n):
    return n + 1
def outer(n):
    return duet.modules.self.call_elsewhere('inner', n) * 10
)PY"),
                   Js(R"JS(
export function inner(n) { return n + 1; }
export function outer(n) {
  return duet.modules.self.call_elsewhere('inner', n) * 10;
}
)JS"))
          .Call("outer", {Value(4)})
          .HoldingTheLock()
          .Returns(Value(50)),
      Stopper("a_deadline_stops_a_call_holding_the_lock", R"PY(
def spin():
    while True:
        pass
)PY",
              R"JS(
export function spin() {
  while (true) {}
}
)JS")
          .Call("spin")
          .Deadline(absl::Milliseconds(100))
          .HoldingTheLock()
          .Fails(Code::kDeadlineExceeded, {"stopped at its deadline"}),
      Stopper("interrupt_stops_a_call_holding_the_lock", R"PY(
def spin():
    duet.host.started()
    while True:
        pass
)PY",
              R"JS(
export function spin() {
  duet.host.started();
  while (true) {}
}
)JS")
          .Interrupt("spin")
          .HoldingTheLock()
          .Fails(Code::kCancelled, {"execution interrupted"}),
  };
}

}  // namespace duet::contract
