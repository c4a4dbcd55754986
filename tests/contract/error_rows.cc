// Contract rows for errors that keep their types across languages: the
// mapping table of docs/errors.md (one row per line), cause chains, details
// and JavaScript subclass names. How to add a row: see contract.h.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "contract/contract.h"
#include "duet/value.h"

namespace duet::contract {
namespace {

using Code = absl::StatusCode;

// caught() catches foreign.typed(type, "bad", builtin) for each
// [type, builtin] of the row and returns, per error: its class name (Python)
// or name (JavaScript), its .type (Python) or the name its stack starts with
// (JavaScript), its language, whether it is a duet.ScriptError (an Error),
// and the built-in classes it is an instance of.
constexpr char kCatchPython[] = R"PY(import builtins
import duet

CLASSES = ["TypeError", "ValueError", "NameError", "SyntaxError",
           "LookupError", "KeyError", "ArithmeticError", "ZeroDivisionError",
           "UnicodeError"]


def describe(e):
    return [type(e).__name__, e.type, e.language,
            isinstance(e, duet.ScriptError)] + [
        name for name in CLASSES if isinstance(e, getattr(builtins, name))]


def caught():
    out = []
    for kind, builtin in ERRORS:
        try:
            duet.modules.foreign.typed(kind, "bad", builtin)
        except duet.ScriptError as e:
            out.append(describe(e))
    return out


def same_language():
    try:
        duet.modules.self.call("raiser")
    except duet.ScriptError as e:
        return describe(e)


def raiser():
    raise RAISED
)PY";

constexpr char kCatchJavaScript[] = R"JS(import duet from 'duet';

const CLASSES = ['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError',
                 'EvalError', 'URIError', 'AggregateError'];

function describe(e) {
  return [e.name, e.stack.split(':')[0], e.language, e instanceof Error,
          ...CLASSES.filter((name) => e instanceof globalThis[name])];
}

export function caught() {
  const out = [];
  for (const [kind, builtin] of ERRORS) {
    try {
      duet.modules.foreign.typed(kind, 'bad', builtin);
    } catch (e) {
      out.push(describe(e));
    }
  }
  return out;
}

export function same_language() {
  try {
    duet.modules.self.call('raiser');
  } catch (e) {
    return describe(e);
  }
}

export function raiser() {
  throw RAISED;
}
)JS";

// One foreign error of `type` (builtin `builtin`, "" for the type itself)
// and what the catching language makes of it.
struct Caught {
  std::string type;
  std::string builtin;               // "" for `type` itself, "-" for none
  std::vector<std::string> classes;  // built-ins it is an instance of
};

std::string Substitute(std::string source, const std::string& errors,
                       const std::string& raised) {
  size_t at = source.find("ERRORS");
  source.replace(at, 6, errors);
  at = source.find("RAISED");
  source.replace(at, 6, raised);
  return source;
}

std::string ErrorList(const std::vector<Caught>& errors) {
  std::vector<std::string> items;
  for (const Caught& error : errors) {
    items.push_back(absl::StrCat("['", error.type, "', '",
                                 error.builtin.empty()  ? error.type
                                 : error.builtin == "-" ? ""
                                                        : error.builtin,
                                 "']"));
  }
  return absl::StrCat("[", absl::StrJoin(items, ", "), "]");
}

Value Expected(const std::vector<Caught>& errors, const char* language) {
  Value::List out;
  for (const Caught& error : errors) {
    Value::List one{error.type, error.type, language, true};
    for (const std::string& name : error.classes) one.push_back(name);
    out.push_back(Value(std::move(one)));
  }
  return Value(std::move(out));
}

// A line of the mapping table: JavaScript errors caught in Python (the
// Python engine's half) and Python errors caught in JavaScript (the
// JavaScript engine's half).
Row Mapping(std::string name, std::vector<Caught> into_python,
            std::vector<Caught> into_javascript) {
  Row row(std::move(name));
  row.Sources(
      Substitute(kCatchPython, ErrorList(into_python), "ValueError()"),
      Substitute(kCatchJavaScript, ErrorList(into_javascript), "new Error()"));
  row.Call("caught");
  row.Returns({Expected(into_python, "javascript"),
               Expected(into_javascript, "python")});
  return row;
}

// An error raised by the same language in a nested call (self.call) and
// caught by the outer one.
Row SameLanguage(std::string name, std::string python_raise,
                 std::string javascript_throw, Both<Value> expected) {
  Row row(std::move(name));
  row.Sources(Substitute(kCatchPython, "[]", python_raise),
              Substitute(kCatchJavaScript, "[]", javascript_throw));
  row.Call("same_language");
  row.Returns(std::move(expected));
  return row;
}

// Rows for the status code a plugin chooses: duet.Error(message, code) in
// either language (docs/errors.md, "Errors inside a plugin").
std::vector<Row> ChosenStatusCodeRows() {
  std::vector<Row> rows = {
      Row("plugin_error_chooses_its_status_code")
          .Sources(R"PY(import duet


def f():
    raise duet.Error("no such user", "NOT_FOUND")
)PY",
                   R"JS(import duet from 'duet';


export function f() {
  throw new duet.Error('no such user', 'NOT_FOUND');
}
)JS")
          .Call("f")
          .Fails(Code::kNotFound, {"no such user"})
          .ErrorType("Error")
          .BuiltinType({"Exception", "Error"})
          .Frames({Frame("f", 5)}),
      Row("plugin_error_subclass_gives_a_default_code")
          .Sources(R"PY(import duet


class NotFound(duet.Error):
    code = "NOT_FOUND"


def f():
    raise NotFound("no such user")
)PY",
                   R"JS(import duet from 'duet';

class NotFound extends duet.Error {
  static code = 'NOT_FOUND';
}

export function f() {
  throw new NotFound('no such user');
}
)JS")
          .Call("f")
          .Fails(Code::kNotFound, {"no such user"})
          .ErrorType("NotFound"),
      Row("plugin_error_subclass_passes_its_code_up")
          .Sources(R"PY(import duet


class Taken(duet.Error):
    def __init__(self, name):
        super().__init__(f"{name} is taken", "ALREADY_EXISTS")


def f():
    raise Taken("ada")
)PY",
                   R"JS(import duet from 'duet';

class Taken extends duet.Error {
  constructor(name) {
    super(`${name} is taken`, 'ALREADY_EXISTS');
  }
}

export function f() {
  throw new Taken('ada');
}
)JS")
          .Call("f")
          .Fails(Code::kAlreadyExists, {"ada is taken"})
          .ErrorType("Taken"),
      Row("plugin_error_without_a_code_is_unknown")
          .Sources(R"PY(import duet


def f():
    raise duet.Error("no such user")
)PY",
                   R"JS(import duet from 'duet';

export function f() {
  throw new duet.Error('no such user');
}
)JS")
          .Call("f")
          .Fails(Code::kUnknown, {"Error: no such user"})
          .ErrorType("Error"),
      Row("plugin_error_with_an_unknown_code_is_refused_when_made")
          .Sources(R"PY(import duet


def f():
    raise duet.Error("no such user", "MISSING")
)PY",
                   R"JS(import duet from 'duet';

export function f() {
  throw new duet.Error('no such user', 'MISSING');
}
)JS")
          .Call("f")
          .Fails(Code::kUnknown,
                 {"duet.Error(message, code): 'MISSING' is not a status code",
                  "use one of CANCELLED, UNKNOWN, INVALID_ARGUMENT, "
                  "DEADLINE_EXCEEDED, NOT_FOUND",
                  "UNAUTHENTICATED"})
          .ErrorType({"ValueError", "RangeError"}),
      Row("plugin_error_with_ok_is_refused_when_made")
          .Sources(R"PY(import duet


def f():
    raise duet.Error("fine", "OK")
)PY",
                   R"JS(import duet from 'duet';

export function f() {
  throw new duet.Error('fine', 'OK');
}
)JS")
          .Call("f")
          .Fails(Code::kUnknown,
                 {"'OK' is not a status code for an error (an error cannot "
                  "succeed); use one of CANCELLED"})
          .ErrorType({"ValueError", "RangeError"}),
      Row("plugin_error_with_a_code_that_is_not_a_name_is_refused")
          .Sources(R"PY(import duet


def f():
    raise duet.Error("no such user", 404)
)PY",
                   R"JS(import duet from 'duet';

export function f() {
  throw new duet.Error('no such user', 404);
}
)JS")
          .Call("f")
          .Fails(Code::kUnknown,
                 {"duet.Error(message, code): code must be a str naming a "
                  "status code (such as 'NOT_FOUND'), not int"},
                 {"duet.Error(message, code): code must be a string naming a "
                  "status code (such as 'NOT_FOUND'), not number"})
          .ErrorType("TypeError"),
      Row("plugin_error_subclass_with_an_unknown_default_is_refused")
          .Sources(R"PY(import duet


def f():
    class Gone(duet.Error):
        code = "GONE"
    raise Gone("no such user")
)PY",
                   R"JS(import duet from 'duet';

export function f() {
  class Gone extends duet.Error {
    static code = 'GONE';
  }
  throw new Gone('no such user');
}
)JS")
          .Call("f")
          .Fails(Code::kUnknown,
                 {"class f.<locals>.Gone: 'GONE' is not a status code"},
                 {"Gone.code: 'GONE' is not a status code"})
          .ErrorType({"ValueError", "RangeError"}),
      Row("plain_error_with_a_code_field_is_still_unknown")
          .Sources(R"PY(
def f():
    error = LookupError("no such user")
    error.code = "NOT_FOUND"
    raise error
)PY",
                   R"JS(
export function f() {
  const error = new Error('no such user');
  error.code = 'NOT_FOUND';
  throw error;
}
)JS")
          .Call("f")
          .Fails(Code::kUnknown, {"no such user"})
          .ErrorType({"LookupError", "Error"}),
      Row("plugin_error_code_is_seen_by_a_calling_script")
          .Sources(R"PY(import duet


def raiser():
    raise duet.Error("no such user", "NOT_FOUND")


def f():
    try:
        duet.modules.self.call("raiser")
    except duet.Error as e:
        return [e.code, e.message, e.type, e.language]
)PY",
                   R"JS(import duet from 'duet';

export function raiser() {
  throw new duet.Error('no such user', 'NOT_FOUND');
}

export function f() {
  try {
    duet.modules.self.call('raiser');
  } catch (e) {
    return [e.code, e.message, e.name, e.language];
  }
}
)JS")
          .Call("f")
          .Returns({Value(Value::List{"NOT_FOUND", "no such user", "Error",
                                      "python"}),
                    Value(Value::List{"NOT_FOUND", "no such user", "Error",
                                      "javascript"})}),
      Row("plugin_error_code_passes_through_a_script_that_lets_it_go")
          .Sources(R"PY(import duet


def raiser():
    raise duet.Error("no such user", "NOT_FOUND")


def f():
    return duet.modules.self.call("raiser")
)PY",
                   R"JS(import duet from 'duet';


export function raiser() {
  throw new duet.Error('no such user', 'NOT_FOUND');
}

export function f() {
  return duet.modules.self.call('raiser');
}
)JS")
          .Call("f")
          .Fails(Code::kNotFound, {"no such user"})
          .ErrorType("Error")
          .FramesStartWith({Frame("raiser", 5), Frame("f", 9)}),
      Row("plugin_error_passes_on_a_caught_code_with_its_own_message")
          .Sources(R"PY(import duet


def f():
    try:
        duet.modules.foreign.missing()
    except duet.Error as e:
        raise duet.Error(f"user lookup: {e.message}", e.code) from e
)PY",
                   R"JS(import duet from 'duet';

export function f() {
  try {
    duet.modules.foreign.missing();
  } catch (e) {
    throw new duet.Error(`user lookup: ${e.message}`, e.code, { cause: e });
  }
}
)JS")
          .Call("f")
          .Fails(Code::kNotFound, {"user lookup: no such thing"})
          .ErrorType("Error")
          .Causes({{"Error: no such thing"}, {"DuetError: no such thing"}}),
      // Top-level code is no different: the load fails with the code.
      Row("plugin_error_at_load_fails_it_with_its_code")
          .Sources(
              "import duet\nraise duet.Error('no config', "
              "'FAILED_PRECONDITION')\n",
              "import duet from 'duet';\nthrow new duet.Error('no config', "
              "'FAILED_PRECONDITION');\n")
          .Load()
          .Fails(Code::kFailedPrecondition, {"no config"})
          .ErrorType("Error")
          .Frames({{"", 2}}),
      Row("errors_duet_raises_are_duet_errors")
          .Sources(R"PY(import duet


class NotFound(duet.Error):
    code = "NOT_FOUND"


def f():
    out = []
    for call in (duet.modules.foreign.missing, duet.modules.foreign.fail):
        try:
            call()
        except Exception as e:
            out.append([isinstance(e, duet.Error), isinstance(e, NotFound)])
    out.append([isinstance(ValueError("x"), duet.Error),
                isinstance(NotFound("x"), duet.Error)])
    return out
)PY",
                   R"JS(import duet from 'duet';

class NotFound extends duet.Error {
  static code = 'NOT_FOUND';
}

export function f() {
  const out = [];
  for (const call of [duet.modules.foreign.missing, duet.modules.foreign.fail]) {
    try {
      call();
    } catch (e) {
      out.push([e instanceof duet.Error, e instanceof NotFound]);
    }
  }
  out.push([new RangeError('x') instanceof duet.Error,
            new NotFound('x') instanceof duet.Error]);
  return out;
}
)JS")
          .Call("f")
          .Returns(Value(Value::List{Value::List{true, false},
                                     Value::List{true, false},
                                     Value::List{false, true}})),
  };
  // Every code a plugin can choose (absl's, but OK) arrives as itself.
  for (int number = 1; number <= 16; ++number) {
    const Code code = static_cast<Code>(number);
    const std::string name = absl::StatusCodeToString(code);
    rows.push_back(
        Row(absl::StrCat("plugin_error_code_", absl::AsciiStrToLower(name)))
            .Sources(absl::StrCat("import duet\n\n\ndef f():\n"
                                  "    raise duet.Error('chosen', '",
                                  name, "')\n"),
                     absl::StrCat("import duet from 'duet';\n\n"
                                  "export function f() {\n"
                                  "  throw new duet.Error('chosen', '",
                                  name, "');\n}\n"))
            .Call("f")
            .Fails(code, {"chosen"})
            .ErrorType("Error"));
  }
  return rows;
}

}  // namespace

std::vector<Row> TypedErrorRows() {
  std::vector<Row> rows = {
      // --- the mapping table, one row per line
      Mapping("type_error_is_type_error_both_ways",
              {{"TypeError", "", {"TypeError"}}},
              {{"TypeError", "", {"TypeError"}}}),
      Mapping("range_error_is_value_error_and_value_error_is_range_error",
              {{"RangeError", "", {"ValueError"}}},
              {{"ValueError", "", {"RangeError"}},
               {"UnicodeDecodeError", "", {"RangeError"}}}),
      Mapping("reference_error_is_name_error_both_ways",
              {{"ReferenceError", "", {"NameError"}}},
              {{"NameError", "", {"ReferenceError"}},
               {"UnboundLocalError", "", {"ReferenceError"}}}),
      Mapping("syntax_error_is_syntax_error_both_ways",
              {{"SyntaxError", "", {"SyntaxError"}}},
              {{"SyntaxError", "", {"SyntaxError"}},
               {"IndentationError", "", {"SyntaxError"}}}),
      Mapping("uri_error_is_value_error_and_lookup_errors_are_range_errors",
              {{"URIError", "", {"ValueError"}}},
              {{"KeyError", "", {"RangeError"}},
               {"IndexError", "", {"RangeError"}}}),
      Mapping("arithmetic_and_recursion_errors_are_range_errors",
              {{"EvalError", "", {}}},
              {{"ZeroDivisionError", "", {"RangeError"}},
               {"OverflowError", "", {"RangeError"}},
               {"RecursionError", "", {"RangeError"}}}),
      Mapping("attribute_error_is_type_error", {{"AggregateError", "", {}}},
              {{"AttributeError", "", {"TypeError"}}}),
      Mapping("other_types_are_only_script_errors",
              {{"Error", "", {}}, {"Uncaught", "-", {}}},
              {{"RuntimeError", "", {}},
               {"OSError", "", {}},
               {"Exception", "", {}}}),
      Mapping("a_subclass_maps_by_its_nearest_builtin_and_keeps_its_name",
              {{"BadInput", "TypeError", {"TypeError"}},
               {"OutOfBounds", "RangeError", {"ValueError"}}},
              {{"BadInput", "ValueError", {"RangeError"}},
               {"MissingKey", "KeyError", {"RangeError"}}}),
      SameLanguage(
          "same_language_errors_keep_their_builtin_class",
          "ZeroDivisionError('zero')", "new URIError('uri')",
          {Value(Value::List{"ZeroDivisionError", "ZeroDivisionError", "python",
                             true, "ArithmeticError", "ZeroDivisionError"}),
           Value(Value::List{"URIError", "URIError", "javascript", true,
                             "URIError"})}),
      SameLanguage(
          "a_builtin_that_takes_more_arguments_maps_to_its_base",
          "b'\\xff'.decode('utf-8')", "new AggregateError([], 'none')",
          {Value(Value::List{"UnicodeDecodeError", "UnicodeDecodeError",
                             "python", true, "ValueError", "UnicodeError"}),
           Value(Value::List{"AggregateError", "AggregateError", "javascript",
                             true, "AggregateError"})}),

      // --- what the raiser reports: type, builtin type
      Row("error_subclass_without_a_name_is_named_by_its_class")
          .Sources(R"PY(
class HttpError(Exception):
    pass


class NotFound(HttpError):
    pass


def f():
    raise NotFound("no page")
)PY",
                   R"JS(
class HttpError extends Error {}
class NotFound extends HttpError {}

export function f() {
  throw new NotFound('no page');
}
)JS")
          .Call("f")
          .Fails(Code::kUnknown, {"NotFound: no page"})
          .ErrorType("NotFound")
          .BuiltinType({"Exception", "Error"}),
      Row("error_subclass_of_a_builtin_reports_that_builtin")
          .Sources(R"PY(
class BadInput(ValueError):
    pass


def f():
    raise BadInput("no")
)PY",
                   R"JS(
class BadInput extends RangeError {}

export function f() {
  throw new BadInput('no');
}
)JS")
          .Call("f")
          .Fails(Code::kUnknown, {"BadInput: no"})
          .ErrorType("BadInput")
          .BuiltinType({"ValueError", "RangeError"}),
      Row("error_name_set_by_the_script_wins_over_its_class")
          .Sources(R"PY(
def f():
    raise LookupError("gone")
)PY",
                   R"JS(
class Gone extends Error {}
Gone.prototype.name = 'GoneError';

export function f() {
  throw new Gone('gone');
}
)JS")
          .Call("f")
          .Fails(Code::kUnknown)
          .ErrorType({"LookupError", "GoneError"})
          .BuiltinType({"LookupError", "Error"}),

      // --- causes
      Row("cause_chain_leaves_with_the_error")
          .Sources(R"PY(
def f():
    try:
        try:
            {}["id"]
        except KeyError as e:
            raise TypeError("middle") from e
    except TypeError as e:
        raise ValueError("outer") from e
)PY",
                   R"JS(
export function f() {
  const inner = new RangeError('inner');
  const middle = new TypeError('middle', { cause: inner });
  throw new Error('outer', { cause: middle });
}
)JS")
          .Call("f")
          .Fails(Code::kUnknown, {"outer"})
          .ErrorType({"ValueError", "Error"})
          .Causes({{"TypeError: middle", "KeyError: 'id'"},
                   {"TypeError: middle", "RangeError: inner"}}),
      Row("cause_chain_arrives_as_cause")
          .Sources(R"PY(import duet


def f():
    try:
        duet.modules.foreign.chained()
    except duet.ScriptError as e:
        cause = e.__cause__
        return [type(cause).__name__, cause.message, cause.language,
                isinstance(cause, TypeError), cause.__cause__ is None]
)PY",
                   R"JS(import duet from 'duet';

export function f() {
  try {
    duet.modules.foreign.chained();
  } catch (e) {
    const cause = e.cause;
    return [cause.name, cause.message, cause.language,
            cause instanceof TypeError, cause.cause === undefined];
  }
}
)JS")
          .Call("f")
          .Returns(
              {Value(
                   Value::List{"TypeError", "inner", "javascript", true, true}),
               Value(Value::List{"TypeError", "inner", "python", true, true})}),
      Row("cause_chain_of_an_uncaught_foreign_error_is_kept")
          .Sources("import duet\n\ndef f():\n"
                   "    duet.modules.foreign.chained()\n",
                   "import duet from 'duet';\n\nexport function f() {\n"
                   "  duet.modules.foreign.chained();\n}\n")
          .Call("f")
          .Fails(Code::kUnknown, {"WrapError: outer"})
          .ErrorType("WrapError")
          .ErrorFromTheOtherEngine()
          .Causes(std::vector<std::string>{"TypeError: inner"}),
      Row("foreign_error_wrapped_becomes_the_cause")
          .Sources(R"PY(import duet


def f():
    try:
        duet.modules.foreign.chained()
    except duet.ScriptError as e:
        raise RuntimeError("wrapped") from e
)PY",
                   R"JS(import duet from 'duet';

export function f() {
  try {
    duet.modules.foreign.chained();
  } catch (e) {
    throw new Error('wrapped', { cause: e });
  }
}
)JS")
          .Call("f")
          .Fails(Code::kUnknown, {"wrapped"})
          .ErrorType({"RuntimeError", "Error"})
          .Causes(
              std::vector<std::string>{"WrapError: outer", "TypeError: inner"}),
      Row("duet_error_as_cause_keeps_its_code")
          .Sources(R"PY(import duet


def f():
    try:
        duet.modules.foreign.missing()
    except duet.Error as e:
        raise ValueError("lookup failed") from e
)PY",
                   R"JS(import duet from 'duet';

export function f() {
  try {
    duet.modules.foreign.missing();
  } catch (e) {
    throw new RangeError('lookup failed', { cause: e });
  }
}
)JS")
          .Call("f")
          .Fails(Code::kUnknown, {"lookup failed"})
          .Causes({{"Error: no such thing"}, {"DuetError: no such thing"}}),
      Row("cause_cycle_is_cut_where_it_closes")
          .Sources(R"PY(
def f():
    a = ValueError("a")
    b = KeyError("b")
    a.__cause__ = b
    b.__cause__ = a
    raise a
)PY",
                   R"JS(
export function f() {
  const a = new Error('a');
  const b = new TypeError('b', { cause: a });
  a.cause = b;
  throw a;
}
)JS")
          .Call("f")
          .Fails(Code::kUnknown)
          .Causes({{"KeyError: 'b'"}, {"TypeError: b"}}),
      Row("cause_chain_is_cut_at_sixteen")
          .Sources(R"PY(
def f():
    error = ValueError("0")
    for i in range(1, 40):
        outer = ValueError(str(i))
        outer.__cause__ = error
        error = outer
    raise error
)PY",
                   R"JS(
export function f() {
  let error = new Error('0');
  for (let i = 1; i < 40; i++) error = new Error(String(i), { cause: error });
  throw error;
}
)JS")
          .Call("f")
          .Fails(Code::kUnknown, {"39"})
          .Causes({[] {
                     std::vector<std::string> out;
                     for (int i = 38; i > 38 - 16; --i) {
                       out.push_back(absl::StrCat("ValueError: ", i));
                     }
                     return out;
                   }(),
                   [] {
                     std::vector<std::string> out;
                     for (int i = 38; i > 38 - 16; --i) {
                       out.push_back(absl::StrCat("Error: ", i));
                     }
                     return out;
                   }()}),

      // --- details
      Row("plain_data_fields_leave_as_details")
          .Sources(R"PY(
def f():
    e = ValueError("bad request")
    e.status = 404
    e.tags = ["a", 1.5, None]
    e.unconvertible = {1, 2}
    e.retry = lambda: 1
    e._private = "hidden"
    raise e
)PY",
                   R"JS(
export function f() {
  const e = new RangeError('bad request');
  e.status = 404;
  e.tags = ['a', 1.5, null];
  e.unconvertible = Symbol('s');
  e.retry = () => 1;
  Object.defineProperty(e, 'hidden', { value: 1, enumerable: false });
  Object.defineProperty(e, 'computed', { get() { return 1; }, enumerable: true });
  throw e;
}
)JS")
          .Call("f")
          .Fails(Code::kUnknown, {"bad request"})
          .Details(Value(Value::Map{{"status", 404},
                                    {"tags", Value::List{"a", 1.5, Value()}}})),
      Row("details_arrive_as_fields")
          .Sources(R"PY(import duet


def f():
    try:
        duet.modules.foreign.chained()
    except duet.ScriptError as e:
        return [e.status, e.tags, e.code, e.details]
)PY",
                   R"JS(import duet from 'duet';

export function f() {
  try {
    duet.modules.foreign.chained();
  } catch (e) {
    return [e.status, e.tags, e.code, e.details,
            Object.keys(e).includes('status')];
  }
}
)JS")
          .Call("f")
          .Returns(
              {Value(Value::List{404, Value::List{"a", "b"}, "UNKNOWN",
                                 Value::Map{{"status", 404},
                                            {"tags", Value::List{"a", "b"}},
                                            {"code", "E_WRAP"}}}),
               Value(Value::List{404, Value::List{"a", "b"}, "UNKNOWN",
                                 Value::Map{{"status", 404},
                                            {"tags", Value::List{"a", "b"}},
                                            {"code", "E_WRAP"}},
                                 true})}),
      Row("errors_without_fields_have_no_details")
          .Sources("def f():\n    raise ValueError('plain')\n",
                   "export function f() {\n  throw new Error('plain');\n}\n")
          .Call("f")
          .Fails(Code::kUnknown)
          .Details(Value()),
  };
  for (Row& row : ChosenStatusCodeRows()) rows.push_back(std::move(row));
  return rows;
}

}  // namespace duet::contract
