// The engine contract suite: every behaviour both engines share, written
// once as a row and run against each engine through duet::Runtime (no Host).
//
// How to add a row: pick the rows file of its kind (value_rows.cc for what
// crosses the boundary, error_rows.cc for error types, causes and details,
// behaviour_rows.cc for the rest) and append
//
//   Row("nested_map")
//       .Sources(R"PY(def f(x): ...)PY", R"JS(export function f(x) {...})JS")
//       .Call("f", {Value(1)})
//       .Returns(Value(2));
//
// Sources are the module "contract" in each language, loaded from
// <tmp>/contract/contract.py or .mjs. A row states what it does (Call, Load,
// Repl, Interrupt, Threads) and what it expects (Returns, Fails, ErrorType,
// BuiltinType, Causes, Details, Frames, Logs, Exports, Then). Where the
// languages legitimately differ (type names, how a value is spelled) pass one
// value per engine: {python, js}. Message fragments may say "{entry}" for the
// entry file's path.
//
// The fixture's HostServices offers every row the same world:
//   math.add(a, b), math.describe(...)   DebugString of the arguments
//   self.call(name, ...)                 re-enters the row's own module
//   foreign.fail()                       a ScriptError from the other engine
//   foreign.typed(type, message, builtin) one of the given type and builtin
//   foreign.chained()                    "WrapError: outer" with details
//                                        {status: 404, tags: [a, b], code:
//                                        "E_WRAP"} caused by "TypeError:
//                                        inner"
//   foreign.missing()                    kNotFound "no such thing"
//   self.apply(fn, args...)              calls the function value fn
//   self.call_elsewhere(name, ...)       self.call on another thread, waited
//                                        for: needs the engine lock free
//   host: now() -> 42, one_ms_later(time) -> time + 1 ms,
//         started() (Interrupt rows wait for it),
//         wait_for_interrupt() returns once the row has interrupted,
//         slow() sleeps 600 ms and returns "done"
//
// A row that exposes a difference the engines should not have (drift) keeps
// expecting the shared behaviour and is marked KnownDrift(engine, reason):
// it still runs, and fails once the drift is gone so the mark is removed.
#ifndef DUET_TESTS_CONTRACT_CONTRACT_H_
#define DUET_TESTS_CONTRACT_CONTRACT_H_

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "duet/language.h"
#include "duet/value.h"

namespace duet::contract {

// One value per engine; most rows give one value for both.
template <typename T>
struct Both {
  Both() = default;
  // One value for both engines: anything a T is made from.
  template <typename U,
            typename = std::enable_if_t<std::is_convertible_v<U&&, T>>>
  Both(U&& both)  // NOLINT(runtime/explicit)
      : python(both), javascript(std::forward<U>(both)) {}
  Both(T for_python, T for_javascript)
      : python(std::move(for_python)), javascript(std::move(for_javascript)) {}
  const T& For(Language language) const {
    return language == Language::kPython ? python : javascript;
  }
  T python{};
  T javascript{};
};

using Text = Both<std::string>;
using Fragments = Both<std::vector<std::string>>;

enum class Scenario {
  kCall,           // load, then call `function(args)` once
  kLoad,           // only load; the expectation is about Load
  kInterrupt,      // the call runs on a thread; Runtime::Interrupt once started
  kInterruptRepl,  // the same for a REPL evaluation of `repl_input`
  // `threads` threads make `calls_per_thread` calls each: function(n) must
  // return n + 1, n different for every call.
  kThreads,
  kRepl,  // a REPL session runs `repl` steps
  // `threads` calls whose deadlines fall around their end, each followed by
  // one without a deadline that must return `value`; then Interrupt with
  // nothing running, each followed by such a call: no stop leaks into a
  // later call.
  kRacingStops,
};

// A stack frame the error must carry, innermost first.
struct Frame {
  Frame(std::string function_name, int line_number, std::string file_name = "")
      : function(std::move(function_name)),
        line(line_number),
        file(std::move(file_name)) {}
  std::string function;  // "" for top-level code; "*" for any name
  int line = 0;          // 0 for any line
  // The file: the row's entry file unless this says otherwise ("<repl>").
  std::string file;
};

// One REPL input and what it must give.
struct ReplStep {
  enum class Kind { kEvaluate, kIncomplete, kComplete, kLoadModule };
  Kind kind = Kind::kEvaluate;
  Text input;
  // kEvaluate: the rendered result, or an error.
  Text shows;
  absl::StatusCode code = absl::StatusCode::kOk;
  Fragments fragments;
  std::vector<Frame> frames;
  // kIncomplete: every one of `inputs` is (or is not) incomplete.
  bool incomplete = false;
  Both<std::vector<std::string>> inputs;
  // kComplete.
  Both<std::vector<std::string>> completions;
};

ReplStep Evaluate(Text input, Text shows);
// `frames`: the innermost frames of the error.
ReplStep EvaluateFails(Text input, absl::StatusCode code, Fragments fragments,
                       std::vector<Frame> frames = {});
// IsIncomplete is true for every input; Complete: false (complete input,
// right or wrong: Evaluate reports the error).
ReplStep Incomplete(std::vector<std::string> python,
                    std::vector<std::string> javascript);
ReplStep Complete(std::vector<std::string> python,
                  std::vector<std::string> javascript);
// The host loads module `name` (its f() returns "late") while the session
// runs.
ReplStep LoadModule(std::string name);
ReplStep Completes(Text line, std::vector<std::string> completions);
ReplStep Completes(Text line, std::vector<std::string> python,
                   std::vector<std::string> javascript);

struct Row {
  explicit Row(std::string name) : name(std::move(name)) {}

  // --- what the row does
  Row& Sources(std::string python, std::string javascript);
  Row& Call(std::string function_name, std::vector<Value> call_args = {});
  // Calls the index one past the exports (the host never does; engines must
  // refuse it).
  Row& CallPastTheExports();
  Row& Deadline(absl::Duration from_call_start);
  // The call (Call and Interrupt scenarios) goes through
  // Implementation::CallAsync; the row waits for its completion.
  Row& ThroughCallAsync();
  // The call is made with the implementation's lock kept by the calling
  // thread (Implementation::HoldLock), as a duet::HeldFunction makes it.
  Row& HoldingTheLock();
  Row& ValueBudget(size_t bytes);
  Row& Load();
  Row& LoadMissingFile();
  // Gives the engine the source text (ImplementationSpec::source) instead of
  // a file; stacks and messages still name {entry}.
  Row& InMemory();
  // `callers` threads call `function_name`; once each has called
  // duet.host.started() (or wait_for_interrupt()), Runtime::Interrupt.
  Row& Interrupt(std::string function_name, int callers = 1);
  Row& InterruptRepl(Text input);
  Row& Threads(int thread_count, int calls_each);
  Row& Repl(std::vector<ReplStep> steps);
  Row& RacingStops(int calls);

  // --- what it expects
  Row& Returns(Both<Value> value);
  // For values == cannot compare (NaN, -0.0).
  Row& ReturnsMatching(std::string description,
                       std::function<bool(const Value&)> predicate);
  // Fails with `code`, the message holding every fragment.
  Row& Fails(absl::StatusCode code, std::vector<std::string> fragments = {});
  Row& Fails(absl::StatusCode code, std::vector<std::string> python,
             std::vector<std::string> javascript);
  // The ScriptError's type ("*": any); raised by this engine unless
  // ErrorFromTheOtherEngine.
  Row& ErrorType(Text type);
  Row& ErrorFromTheOtherEngine();
  Row& SourceLine(Text line);
  // The ScriptError's builtin_type.
  Row& BuiltinType(Text type);
  // The headlines ("Type: message") of the ScriptError's causes, outermost
  // first: the whole chain.
  Row& Causes(Both<std::vector<std::string>> headlines);
  // The ScriptError's details.
  Row& Details(Both<Value> details);
  // The error's whole stack; FramesStartWith: its innermost frames.
  Row& Frames(std::vector<Frame> frames);
  Row& FramesStartWith(std::vector<Frame> frames);
  // Every line logged, as "level message".
  Row& Logs(std::vector<std::string> lines);
  Row& Logs(std::vector<std::string> python,
            std::vector<std::string> javascript);
  Row& Exports(std::vector<std::string> names);
  // After the call, `then_function()` returns `then_value`: the engine
  // stays usable.
  Row& Then(std::string then_function, Value then_value);
  Row& KnownDrift(Language language, std::string reason);

  std::string name;
  Text source;
  Scenario scenario = Scenario::kCall;
  std::string function;
  std::vector<Value> args;
  bool past_the_exports = false;
  bool missing_file = false;
  bool in_memory = false;
  bool through_call_async = false;
  bool holding_lock = false;
  absl::Duration deadline = absl::InfiniteDuration();
  size_t value_budget_bytes = 0;
  Text repl_input;
  int threads = 0;
  int calls_per_thread = 0;
  std::vector<ReplStep> repl;

  absl::StatusCode code = absl::StatusCode::kOk;
  std::optional<Both<Value>> value;
  std::string predicate_description;
  std::function<bool(const Value&)> predicate;
  Fragments fragments;
  std::optional<Text> error_type;
  bool error_from_other_engine = false;
  std::optional<Text> source_line;
  std::optional<Text> builtin_type;
  std::optional<Both<std::vector<std::string>>> causes;
  std::optional<Both<Value>> details;
  std::vector<Frame> frames;
  bool whole_stack = true;
  std::optional<Both<std::vector<std::string>>> logs;
  std::optional<std::vector<std::string>> exports;
  std::optional<std::pair<std::string, Value>> then;
  Text known_drift;
};

std::vector<Row> ValueRows();
std::vector<Row> ConversionErrorRows();
std::vector<Row> FastPathRows();
std::vector<Row> ErrorRows();
std::vector<Row> TypedErrorRows();
std::vector<Row> LoadRows();
std::vector<Row> DuetApiRows();
std::vector<Row> LoggingRows();
std::vector<Row> ReentrancyRows();
std::vector<Row> ThreadRows();
std::vector<Row> DeadlineRows();
std::vector<Row> InterruptRows();
std::vector<Row> ReplRows();
std::vector<Row> AsyncRows();     // async_rows.cc
std::vector<Row> FunctionRows();  // function_rows.cc

}  // namespace duet::contract

#endif  // DUET_TESTS_CONTRACT_CONTRACT_H_
