// Runs every row of contract.h against both engines:
// <Kind>/Contract.Run/<engine>_<row>, e.g. Values/Contract.Run/python_nan.
#include "contract/contract.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "duet/engine/held_lock.h"
#include "duet/engine/scheduler.h"
#include "duet/error.h"
#include "duet/runtime.h"
#include "gtest/gtest.h"
#include "testing/bounded.h"
#include "testing/engines.h"
#include "testing/recording_services.h"
#include "testing/runtime_testing.h"
#include "testing/temp_dir.h"

namespace duet::contract {

// --- row building -----------------------------------------------------------

ReplStep Evaluate(Text input, Text shows) {
  ReplStep step;
  step.input = std::move(input);
  step.shows = std::move(shows);
  return step;
}
ReplStep EvaluateFails(Text input, absl::StatusCode code, Fragments fragments,
                       std::vector<Frame> frames) {
  ReplStep step;
  step.input = std::move(input);
  step.code = code;
  step.fragments = std::move(fragments);
  step.frames = std::move(frames);
  return step;
}
ReplStep Incomplete(std::vector<std::string> python,
                    std::vector<std::string> javascript) {
  ReplStep step;
  step.kind = ReplStep::Kind::kIncomplete;
  step.inputs = {std::move(python), std::move(javascript)};
  step.incomplete = true;
  return step;
}
ReplStep Complete(std::vector<std::string> python,
                  std::vector<std::string> javascript) {
  ReplStep step = Incomplete(std::move(python), std::move(javascript));
  step.incomplete = false;
  return step;
}
ReplStep LoadModule(std::string name) {
  ReplStep step;
  step.kind = ReplStep::Kind::kLoadModule;
  step.input = Text(std::move(name));
  return step;
}
ReplStep Completes(Text line, std::vector<std::string> completions) {
  std::vector<std::string> copy = completions;
  return Completes(std::move(line), std::move(copy), std::move(completions));
}
ReplStep Completes(Text line, std::vector<std::string> python,
                   std::vector<std::string> javascript) {
  ReplStep step;
  step.kind = ReplStep::Kind::kComplete;
  step.input = std::move(line);
  step.completions = {std::move(python), std::move(javascript)};
  return step;
}

Row& Row::Sources(std::string python, std::string javascript) {
  source = Text(std::move(python), std::move(javascript));
  return *this;
}
Row& Row::Call(std::string function_name, std::vector<Value> call_args) {
  scenario = Scenario::kCall;
  function = std::move(function_name);
  args = std::move(call_args);
  return *this;
}
Row& Row::CallPastTheExports() {
  scenario = Scenario::kCall;
  past_the_exports = true;
  return *this;
}
Row& Row::Deadline(absl::Duration from_call_start) {
  deadline = from_call_start;
  return *this;
}
Row& Row::ThroughCallAsync() {
  through_call_async = true;
  return *this;
}
Row& Row::HoldingTheLock() {
  holding_lock = true;
  return *this;
}
Row& Row::ValueBudget(size_t bytes) {
  value_budget_bytes = bytes;
  return *this;
}
Row& Row::Load() {
  scenario = Scenario::kLoad;
  return *this;
}
Row& Row::InMemory() {
  in_memory = true;
  return *this;
}
Row& Row::LoadMissingFile() {
  scenario = Scenario::kLoad;
  missing_file = true;
  return *this;
}
Row& Row::Interrupt(std::string function_name, int callers) {
  scenario = Scenario::kInterrupt;
  function = std::move(function_name);
  threads = callers;
  return *this;
}
Row& Row::InterruptRepl(Text input) {
  scenario = Scenario::kInterruptRepl;
  repl_input = std::move(input);
  return *this;
}
Row& Row::Threads(int thread_count, int calls_each) {
  scenario = Scenario::kThreads;
  threads = thread_count;
  calls_per_thread = calls_each;
  return *this;
}
Row& Row::Repl(std::vector<ReplStep> steps) {
  scenario = Scenario::kRepl;
  repl = std::move(steps);
  return *this;
}
Row& Row::RacingStops(int calls) {
  scenario = Scenario::kRacingStops;
  threads = calls;
  return *this;
}
Row& Row::Returns(Both<Value> expected) {
  value = std::move(expected);
  return *this;
}
Row& Row::ReturnsMatching(std::string description,
                          std::function<bool(const Value&)> matches) {
  predicate_description = std::move(description);
  predicate = std::move(matches);
  return *this;
}
Row& Row::Fails(absl::StatusCode status_code,
                std::vector<std::string> message_fragments) {
  code = status_code;
  fragments = Fragments(std::move(message_fragments));
  return *this;
}
Row& Row::Fails(absl::StatusCode status_code, std::vector<std::string> python,
                std::vector<std::string> javascript) {
  code = status_code;
  fragments = {std::move(python), std::move(javascript)};
  return *this;
}
Row& Row::ErrorType(Text type) {
  error_type = std::move(type);
  return *this;
}
Row& Row::ErrorFromTheOtherEngine() {
  error_from_other_engine = true;
  return *this;
}
Row& Row::SourceLine(Text line) {
  source_line = std::move(line);
  return *this;
}
Row& Row::BuiltinType(Text type) {
  builtin_type = std::move(type);
  return *this;
}
Row& Row::Causes(Both<std::vector<std::string>> headlines) {
  causes = std::move(headlines);
  return *this;
}
Row& Row::Details(Both<Value> expected_details) {
  details = std::move(expected_details);
  return *this;
}
Row& Row::Frames(std::vector<Frame> expected_frames) {
  frames = std::move(expected_frames);
  whole_stack = true;
  return *this;
}
Row& Row::FramesStartWith(std::vector<Frame> expected_frames) {
  frames = std::move(expected_frames);
  whole_stack = false;
  return *this;
}
Row& Row::Logs(std::vector<std::string> lines) {
  logs = Both<std::vector<std::string>>(std::move(lines));
  return *this;
}
Row& Row::Logs(std::vector<std::string> python,
               std::vector<std::string> javascript) {
  logs =
      Both<std::vector<std::string>>(std::move(python), std::move(javascript));
  return *this;
}
Row& Row::Exports(std::vector<std::string> names) {
  exports = std::move(names);
  return *this;
}
Row& Row::Then(std::string then_function, Value then_value) {
  then = std::make_pair(std::move(then_function), std::move(then_value));
  return *this;
}
Row& Row::KnownDrift(Language language, std::string reason) {
  (language == Language::kPython ? known_drift.python
                                 : known_drift.javascript) = std::move(reason);
  return *this;
}

namespace {

namespace fs = std::filesystem;
using ::duet::testing::CallByName;
using ::duet::testing::InMemorySpec;
using ::duet::testing::RecordingServices;

constexpr char kModule[] = "contract";

Language Other(Language language) {
  return language == Language::kPython ? Language::kJavaScript
                                       : Language::kPython;
}

// The error a foreign.fail() call returns: raised by the other engine.
ScriptError ForeignError(Language language) {
  ScriptError error;
  error.language = Other(language);
  error.type = "ForeignError";
  error.message = "boom";
  error.stack.push_back(
      {Other(language), "/plugins/other/other.src", 3, 7, "explode"});
  return error;
}

// foreign.typed(type, message, builtin): an error of that type.
ScriptError TypedForeignError(Language language, absl::Span<const Value> args) {
  ScriptError error;
  error.language = Other(language);
  for (size_t i = 0; i < args.size() && i < 3; ++i) {
    if (!args[i].is_string()) continue;
    (i == 0   ? error.type
     : i == 1 ? error.message
              : error.builtin_type) = args[i].as_string();
  }
  error.stack.push_back(
      {Other(language), "/plugins/other/other.src", 5, 3, "typed"});
  return error;
}

// foreign.chained(): an error with details and a cause.
ScriptError ChainedForeignError(Language language) {
  ScriptError inner;
  inner.language = Other(language);
  inner.type = "TypeError";
  inner.builtin_type = "TypeError";
  inner.message = "inner";
  inner.stack.push_back(
      {Other(language), "/plugins/other/other.src", 9, 5, "check"});
  ScriptError error;
  error.language = Other(language);
  error.type = "WrapError";
  error.builtin_type =
      Other(language) == Language::kPython ? "Exception" : "Error";
  error.message = "outer";
  error.details = Value::Map{
      {"status", 404}, {"tags", Value::List{"a", "b"}}, {"code", "E_WRAP"}};
  error.stack.push_back(
      {Other(language), "/plugins/other/other.src", 12, 3, "wrap"});
  error.cause = std::make_shared<const ScriptError>(std::move(inner));
  return error;
}

using Param = std::tuple<Language, Row>;

}  // namespace

// gtest prints a case's parameter: the row's name says it.
void PrintTo(const Row& row, std::ostream* out) { *out << row.name; }

namespace {

class Contract : public ::testing::TestWithParam<Param> {
 protected:
  Language language() const { return std::get<0>(GetParam()); }
  const Row& row() const { return std::get<1>(GetParam()); }

  void SetUp() override {
    AddServices();
    auto runtime = ::duet::testing::CreateRuntime(language(), services_);
    ASSERT_TRUE(runtime.ok()) << runtime.status();
    runtime_ = *std::move(runtime);
    entry_ = dir_.path() / kModule /
             (kModule + ::duet::testing::EntryExtension(language()));
  }

  void TearDown() override {
    impl_.reset();
    runtime_.reset();
  }

  // Async functions of another module (async_rows.cc): awaited.later(ms,
  // value) ends with `value` after `ms` on a scheduler thread,
  // awaited.fail_later(ms, message) with kInvalidArgument; a caller's
  // cancellation ends either at once with kCancelled. awaited.peak() is the
  // most calls that were in flight together; awaited.wait_cancelled() waits
  // (up to a bound) for the first cancellation and returns how many there
  // were.
  struct AwaitedCalls {
    absl::Mutex mutex;
    int in_flight ABSL_GUARDED_BY(mutex) = 0;
    int peak ABSL_GUARDED_BY(mutex) = 0;
    int cancelled ABSL_GUARDED_BY(mutex) = 0;
  };
  void AddAwaitedServices() {
    auto calls = awaited_;
    auto start = [calls](bool fail) {
      return [calls, fail](std::vector<Value> args,
                           HostServices::ModuleCallDone done,
                           std::shared_ptr<CallCancellation> cancellation) {
        if (args.size() != 2 || !args[0].is_int()) {
          done(absl::InvalidArgumentError("takes (ms, value)"));
          return;
        }
        {
          absl::MutexLock lock(&calls->mutex);
          calls->peak = std::max(calls->peak, ++calls->in_flight);
        }
        struct Pending {
          std::atomic<bool> claimed{false};
          HostServices::ModuleCallDone done;
        };
        auto pending = std::make_shared<Pending>();
        pending->done = std::move(done);
        auto finish = [calls, pending](absl::StatusOr<Value> result,
                                       bool cancelled) {
          if (pending->claimed.exchange(true)) return;
          {
            absl::MutexLock lock(&calls->mutex);
            --calls->in_flight;
            if (cancelled) ++calls->cancelled;
          }
          pending->done(std::move(result));
        };
        absl::StatusOr<Value> result =
            fail ? absl::StatusOr<Value>(absl::InvalidArgumentError(
                       args[1].is_string() ? args[1].as_string() : "failed"))
                 : absl::StatusOr<Value>(args[1]);
        engine::Scheduler::Shared().Post(
            absl::Now() + absl::Milliseconds(args[0].as_int()),
            [finish, result] { finish(result, false); });
        if (cancellation != nullptr) {
          cancellation->OnCancel([finish] {
            finish(absl::CancelledError("cancelled by its caller"), true);
          });
        }
      };
    };
    services_.AddAsyncModuleFunction("awaited", "later", start(false));
    services_.AddAsyncModuleFunction("awaited", "fail_later", start(true));
    services_.AddModuleFunction(
        "awaited", "peak", [calls](absl::Span<const Value>) {
          absl::MutexLock lock(&calls->mutex);
          return absl::StatusOr<Value>(Value(int64_t{calls->peak}));
        });
    services_.AddModuleFunction(
        "awaited", "wait_cancelled", [calls](absl::Span<const Value>) {
          absl::MutexLock lock(&calls->mutex);
          calls->mutex.AwaitWithTimeout(
              absl::Condition(
                  +[](int* cancelled) { return *cancelled > 0; },
                  &calls->cancelled),
              absl::Seconds(10));
          return absl::StatusOr<Value>(Value(int64_t{calls->cancelled}));
        });
  }

  void AddServices() {
    using Args = absl::Span<const Value>;
    services_.AddModuleFunction(
        "math", "add", [](Args args) -> absl::StatusOr<Value> {
          if (args.size() != 2 || !args[0].is_int() || !args[1].is_int()) {
            return absl::InvalidArgumentError("math.add takes two ints");
          }
          return Value(args[0].as_int() + args[1].as_int());
        });
    services_.AddModuleFunction(
        "math", "describe", [](Args args) -> absl::StatusOr<Value> {
          return Value(
              DebugString(Value(Value::List(args.begin(), args.end()))));
        });
    services_.AddModuleFunction(
        "self", "call", [this](Args args) -> absl::StatusOr<Value> {
          if (args.empty() || !args[0].is_string()) {
            return absl::InvalidArgumentError("self.call takes a name first");
          }
          return CallByName(*impl_, args[0].as_string(), args.subspan(1),
                            call_deadline_);
        });
    services_.AddModuleFunction(
        "foreign", "fail", [this](Args) -> absl::StatusOr<Value> {
          return MakeScriptError(ForeignError(language()));
        });
    // A call into the row's module from another thread, while this one
    // waits: it can only run when the script's host call let the engine
    // lock go.
    services_.AddModuleFunction(
        "self", "call_elsewhere", [this](Args args) -> absl::StatusOr<Value> {
          if (args.empty() || !args[0].is_string()) {
            return absl::InvalidArgumentError(
                "self.call_elsewhere takes a name first");
          }
          absl::StatusOr<Value> result;
          std::thread elsewhere([&] {
            result = CallByName(*impl_, args[0].as_string(), args.subspan(1),
                                call_deadline_);
          });
          elsewhere.join();
          return result;
        });
    // self.apply(fn, x...): calls a function value (function_rows.cc).
    services_.AddModuleFunction(
        "self", "apply", [](Args args) -> absl::StatusOr<Value> {
          if (args.empty()) {
            return absl::InvalidArgumentError("self.apply takes a function");
          }
          return args[0].Call(args.subspan(1));
        });
    services_.AddModuleFunction(
        "foreign", "typed", [this](Args args) -> absl::StatusOr<Value> {
          return MakeScriptError(TypedForeignError(language(), args));
        });
    services_.AddModuleFunction(
        "foreign", "chained", [this](Args) -> absl::StatusOr<Value> {
          return MakeScriptError(ChainedForeignError(language()));
        });
    AddAwaitedServices();
    services_.AddModuleFunction("foreign", "missing",
                                [](Args) -> absl::StatusOr<Value> {
                                  return absl::NotFoundError("no such thing");
                                });
    services_.AddHostFunction(
        "now", [](Args) -> absl::StatusOr<Value> { return Value(42); });
    services_.AddHostFunction(
        "one_ms_later", [](Args args) -> absl::StatusOr<Value> {
          if (args.size() != 1 || !args[0].is_time()) {
            return absl::InvalidArgumentError("one_ms_later takes a time");
          }
          return Value(args[0].as_time() + absl::Milliseconds(1));
        });
    services_.AddHostFunction("started", [this](Args) -> absl::StatusOr<Value> {
      Started();
      return Value();
    });
    services_.AddHostFunction("wait_for_interrupt",
                              [this](Args) -> absl::StatusOr<Value> {
                                Started();
                                interrupted_.WaitForNotification();
                                return Value("resumed");
                              });
    services_.AddHostFunction("slow", [](Args) -> absl::StatusOr<Value> {
      absl::SleepFor(absl::Milliseconds(600));
      return Value("done");
    });
    // Exceptions the host must catch before they reach an engine.
    services_.AddHostFunction("burn", [](Args) -> absl::StatusOr<Value> {
      throw std::runtime_error("disk on fire");
    });
    services_.AddHostFunction("throw_int",
                              [](Args) -> absl::StatusOr<Value> { throw 42; });
    services_.AddHostFunction("refuse", [](Args) -> absl::StatusOr<Value> {
      return absl::PermissionDeniedError("no quota left");
    });
    services_.AddHostFunction(
        "caller", ContextualHostFunction([](const HostCallContext& context,
                                            Args) -> absl::StatusOr<Value> {
          return Value(Value::List{std::string(context.module),
                                   std::string(LanguageName(context.language)),
                                   context.deadline != absl::InfiniteFuture()});
        }));
    // Per-module functions: the row's own module sees "which" and "own";
    // "hidden" belongs to another module.
    services_.AddHostFunction(
        "which", [](Args) -> absl::StatusOr<Value> { return Value("host"); });
    services_.AddHostFunction(
        "which",
        [](Args) -> absl::StatusOr<Value> { return Value("contract's own"); },
        "contract");
    services_.AddHostFunction(
        "own", [](Args) -> absl::StatusOr<Value> { return Value("own"); },
        "contract");
    services_.AddHostFunction(
        "hidden", [](Args) -> absl::StatusOr<Value> { return Value("hidden"); },
        "other");
  }

  void Started() {
    absl::MutexLock lock(&started_mutex_);
    ++started_;
  }
  void WaitUntilStarted(int count) {
    auto reached = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(
                       started_mutex_) { return started_ >= count; };
    absl::MutexLock lock(&started_mutex_);
    started_mutex_.Await(absl::Condition(&reached));
  }

  // Records a mismatch; the row passes or fails on all of them at the end.
  void Check(bool ok, std::string what) {
    if (!ok) failures_.push_back(std::move(what));
  }

  std::string Fill(std::string fragment) const {
    return absl::StrReplaceAll(fragment, {{"{entry}", entry_.string()}});
  }

  absl::StatusOr<std::unique_ptr<Implementation>> LoadRow() {
    ImplementationSpec spec;
    if (row().in_memory) {
      spec = InMemorySpec(kModule, entry_, row().source.For(language()));
    } else {
      if (!row().missing_file) {
        dir_.Write(std::string(kModule) + "/" + entry_.filename().string(),
                   row().source.For(language()));
      }
      spec.module = kModule;
      spec.entry = entry_;
      spec.root = entry_.parent_path();
    }
    spec.value_budget_bytes = row().value_budget_bytes;
    return runtime_->Load(spec);
  }

  // The status (and result) against the row's expectation.
  void CheckOutcome(const absl::Status& status, const Value* result,
                    absl::StatusCode code, const Fragments& fragments,
                    const std::vector<Frame>& frames, bool whole_stack) {
    Check(status.code() == code,
          absl::StrCat("status is ", status.ToString(), ", expected code ",
                       absl::StatusCodeToString(code)));
    for (const std::string& fragment : fragments.For(language())) {
      std::string wanted = Fill(fragment);
      Check(absl::StrContains(status.message(), wanted),
            absl::StrCat("message \"", status.message(), "\" lacks \"", wanted,
                         "\""));
    }
    if (status.ok() && result != nullptr) {
      if (row().value.has_value()) {
        const Value& expected = row().value->For(language());
        Check(*result == expected,
              absl::StrCat("returned ", DebugString(*result), ", expected ",
                           DebugString(expected)));
      }
      if (row().predicate) {
        Check(row().predicate(*result),
              absl::StrCat("returned ", DebugString(*result),
                           ", expected a value that ",
                           row().predicate_description));
      }
    }
    std::optional<ScriptError> error = GetScriptError(status);
    if (row().error_type.has_value() && &frames == &row().frames) {
      Check(
          error.has_value() && error->type == row().error_type->For(language()),
          absl::StrCat("error type is ", error ? error->type : "(none)",
                       ", expected ", row().error_type->For(language())));
      const Language raised_by =
          row().error_from_other_engine ? Other(language()) : language();
      Check(error.has_value() && error->language == raised_by,
            absl::StrCat("the error is not from ",
                         std::string(LanguageName(raised_by))));
    }
    if (row().source_line.has_value() && &frames == &row().frames) {
      Check(error.has_value() &&
                error->source_line == row().source_line->For(language()),
            absl::StrCat(
                "source line is \"", error ? error->source_line : "(none)",
                "\", expected \"", row().source_line->For(language()), "\""));
    }
    if (&frames == &row().frames) CheckErrorExtras(error);
    if (whole_stack && !frames.empty() && error.has_value()) {
      Check(error->stack.size() == frames.size(),
            absl::StrCat("the stack has ", error->stack.size(),
                         " frames, expected ", frames.size(), ": ",
                         FormatError(status)));
    }
    for (size_t i = 0; i < frames.size(); ++i) {
      const Frame& want = frames[i];
      std::string file = want.file.empty() ? entry_.string() : want.file;
      if (!error.has_value() || error->stack.size() <= i) {
        Check(false, absl::StrCat("no stack frame ", i, " (expected ",
                                  want.function, " at ", file, ":", want.line,
                                  ") in ", FormatError(status)));
        continue;
      }
      const StackFrame& got = error->stack[i];
      Check((want.function == "*" || got.function == want.function) &&
                (want.line == 0 || got.line == want.line) && got.file == file,
            absl::StrCat("frame ", i, " is ", got.function, " at ", got.file,
                         ":", got.line, ", expected ", want.function, " at ",
                         file, ":", want.line));
    }
  }

  // builtin_type, causes and details, when the row states them.
  void CheckErrorExtras(const std::optional<ScriptError>& error) {
    if (row().builtin_type.has_value()) {
      const std::string& want = row().builtin_type->For(language());
      Check(error.has_value() && error->builtin_type == want,
            absl::StrCat("builtin type is ",
                         error ? error->builtin_type : "(no error)",
                         ", expected ", want));
    }
    if (row().causes.has_value()) {
      std::vector<std::string> got;
      for (const ScriptError* cause = error ? error->cause.get() : nullptr;
           cause != nullptr; cause = cause->cause.get()) {
        got.push_back(cause->message.empty()
                          ? cause->type
                          : absl::StrCat(cause->type, ": ", cause->message));
      }
      const std::vector<std::string>& want = row().causes->For(language());
      Check(got == want,
            absl::StrCat("causes are [", absl::StrJoin(got, " | "),
                         "], expected [", absl::StrJoin(want, " | "), "]"));
    }
    if (row().details.has_value()) {
      const Value& want = row().details->For(language());
      Check(error.has_value() && error->details == want,
            absl::StrCat("details are ",
                         error ? DebugString(error->details) : "(no error)",
                         ", expected ", DebugString(want)));
    }
  }

  void CheckLogs() {
    if (!row().logs.has_value()) return;
    std::vector<std::string> lines;
    for (const RecordingServices::LogLine& line : services_.logs()) {
      Check(line.source == kModule || line.source == "repl",
            absl::StrCat("log line from \"", line.source, "\""));
      lines.push_back(absl::StrCat(std::string(LogLevelName(line.level)), " ",
                                   line.message));
    }
    const std::vector<std::string>& expected = row().logs->For(language());
    Check(lines == expected,
          absl::StrCat("logged [", absl::StrJoin(lines, " | "), "], expected [",
                       absl::StrJoin(expected, " | "), "]"));
  }

  void CheckThen() {
    if (!row().then.has_value() || impl_ == nullptr) return;
    absl::StatusOr<Value> next = CallByName(*impl_, row().then->first, {});
    Check(next.ok() && *next == row().then->second,
          absl::StrCat(
              "the next call ", row().then->first, "() gave ",
              next.ok() ? DebugString(*next) : next.status().ToString()));
  }

  absl::StatusOr<Value> CallRow(Implementation& impl) {
    const absl::Time deadline = row().deadline == absl::InfiniteDuration()
                                    ? absl::InfiniteFuture()
                                    : absl::Now() + row().deadline;
    call_deadline_ = deadline;
    std::unique_ptr<HeldEngineLock> held;
    if (row().holding_lock) {
      held = impl.HoldLock();
      Check(held != nullptr, "HoldLock kept no lock");
    }
    if (row().past_the_exports) {
      return impl.Call(impl.exports().size(), row().args, deadline);
    }
    if (row().through_call_async) {
      const std::vector<std::string>& names = impl.exports();
      auto it = std::find(names.begin(), names.end(), row().function);
      if (it == names.end()) {
        return absl::NotFoundError(absl::StrCat("no export ", row().function));
      }
      absl::Notification done;
      absl::StatusOr<Value> result;
      impl.CallAsync(
          it - names.begin(), row().args, deadline,
          [&](absl::StatusOr<Value> out) {
            result = std::move(out);
            done.Notify();
          },
          /*cancellation=*/nullptr);
      done.WaitForNotification();
      return result;
    }
    if (auto* calling = dynamic_cast<engine::CallingHeldLock*>(held.get())) {
      // As the host calls while a duet::HeldFunction keeps such a lock.
      const std::vector<std::string>& names = impl.exports();
      auto it = std::find(names.begin(), names.end(), row().function);
      if (it == names.end()) {
        return absl::NotFoundError(absl::StrCat("no export ", row().function));
      }
      return calling->Call(it - names.begin(), row().args, deadline);
    }
    return CallByName(impl, row().function, row().args, deadline);
  }

  void RunLoad() {
    absl::StatusOr<std::unique_ptr<Implementation>> loaded = LoadRow();
    CheckOutcome(loaded.status(), nullptr, row().code, row().fragments,
                 row().frames, row().whole_stack);
    if (loaded.ok() && row().exports.has_value()) {
      Check((*loaded)->exports() == *row().exports,
            absl::StrCat(
                "exports are [", absl::StrJoin((*loaded)->exports(), ", "),
                "], expected [", absl::StrJoin(*row().exports, ", "), "]"));
    }
    if (loaded.ok()) impl_ = *std::move(loaded);
  }

  // Loads the row's module; false (with the failure recorded) when it fails.
  bool LoadForCall() {
    absl::StatusOr<std::unique_ptr<Implementation>> loaded = LoadRow();
    if (!loaded.ok()) {
      Check(false, absl::StrCat("load failed: ", loaded.status().ToString()));
      return false;
    }
    impl_ = *std::move(loaded);
    return true;
  }

  void RunCall() {
    if (!LoadForCall()) return;
    absl::StatusOr<Value> result = CallRow(*impl_);
    CheckOutcome(result.status(), result.ok() ? &*result : nullptr, row().code,
                 row().fragments, row().frames, row().whole_stack);
  }

  void RunInterrupt() {
    std::unique_ptr<ReplSession> repl;
    if (row().scenario == Scenario::kInterruptRepl) {
      absl::StatusOr<std::unique_ptr<ReplSession>> made =
          runtime_->NewReplSession();
      if (!made.ok()) {
        Check(false, absl::StrCat("no REPL: ", made.status().ToString()));
        return;
      }
      repl = *std::move(made);
    } else if (!LoadForCall()) {
      return;
    }
    const int callers = repl != nullptr ? 1 : std::max(row().threads, 1);
    // Each caller its own load of the module: one JavaScript isolate runs
    // one call at a time, so callers of one load would queue, not run.
    std::vector<std::unique_ptr<Implementation>> more_loads;
    for (int i = 1; i < callers; ++i) {
      absl::StatusOr<std::unique_ptr<Implementation>> loaded = LoadRow();
      if (!loaded.ok()) {
        Check(false, absl::StrCat("load failed: ", loaded.status().ToString()));
        return;
      }
      more_loads.push_back(*std::move(loaded));
    }
    runtime_->Interrupt();  // nothing runs yet: no effect on what follows
    std::vector<absl::Status> statuses(callers);
    std::vector<std::optional<Value>> results(callers);
    std::vector<std::thread> threads;
    for (int i = 0; i < callers; ++i) {
      threads.emplace_back([&, i] {
        if (repl != nullptr) {
          statuses[i] =
              repl->Evaluate(row().repl_input.For(language())).status();
        } else {
          absl::StatusOr<Value> called =
              CallRow(i == 0 ? *impl_ : *more_loads[i - 1]);
          statuses[i] = called.status();
          if (called.ok()) results[i] = *called;
        }
        Started();  // a call that ended early must not leave us waiting
      });
    }
    WaitUntilStarted(callers);
    runtime_->Interrupt();
    interrupted_.Notify();
    for (std::thread& thread : threads) thread.join();
    for (int i = 0; i < callers; ++i) {
      CheckOutcome(statuses[i], results[i] ? &*results[i] : nullptr, row().code,
                   row().fragments, row().frames, row().whole_stack);
    }
    if (repl != nullptr) {
      absl::StatusOr<std::string> after = repl->Evaluate("6 * 7");
      Check(after.ok() && *after == "42",
            absl::StrCat("the REPL after the interrupt gave ",
                         after.ok() ? *after : after.status().ToString()));
    }
  }

  void RunThreads() {
    if (!LoadForCall()) return;
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < row().threads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < row().calls_per_thread; ++i) {
          const int64_t n = int64_t{t} * 1000000 + i;
          absl::StatusOr<Value> result =
              CallByName(*impl_, row().function, {Value(n)});
          if (!result.ok() || *result != Value(n + 1)) ++wrong;
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    Check(wrong.load() == 0,
          absl::StrCat(wrong.load(), " of ",
                       row().threads * row().calls_per_thread,
                       " concurrent calls gave a wrong result"));
  }

  void RunRacingStops() {
    if (!LoadForCall()) return;
    const Value& expected = row().value->For(language());
    auto check_next_call = [&](std::string when) {
      absl::StatusOr<Value> next =
          CallByName(*impl_, row().function, row().args);
      Check(next.ok() && *next == expected,
            absl::StrCat(
                "the call after ", when, " gave ",
                next.ok() ? DebugString(*next) : next.status().ToString()));
    };
    for (int i = 0; i < row().threads; ++i) {
      absl::StatusOr<Value> raced =
          CallByName(*impl_, row().function, row().args,
                     absl::Now() + absl::Microseconds(50 * (i % 20)));
      Check(raced.ok() ||
                raced.status().code() == absl::StatusCode::kDeadlineExceeded,
            absl::StrCat("racing call ", i, ": ", raced.status().ToString()));
      check_next_call(absl::StrCat("racing call ", i));
    }
    for (int i = 0; i < 20; ++i) {
      runtime_->Interrupt();  // nothing runs: no effect
      check_next_call("an Interrupt with nothing running");
    }
  }

  void RunRepl() {
    absl::StatusOr<std::unique_ptr<ReplSession>> made =
        runtime_->NewReplSession();
    if (!made.ok()) {
      Check(false, absl::StrCat("no REPL: ", made.status().ToString()));
      return;
    }
    ReplSession& repl = **made;
    for (const ReplStep& step : row().repl) {
      const std::string& input = step.input.For(language());
      switch (step.kind) {
        case ReplStep::Kind::kEvaluate: {
          absl::StatusOr<std::string> shown = repl.Evaluate(input);
          if (step.code == absl::StatusCode::kOk) {
            Check(shown.ok() && *shown == step.shows.For(language()),
                  absl::StrCat("Evaluate(\"", input, "\") gave ",
                               shown.ok() ? "\"" + *shown + "\""
                                          : shown.status().ToString(),
                               ", expected \"", step.shows.For(language()),
                               "\""));
          } else {
            CheckOutcome(shown.status(), nullptr, step.code, step.fragments,
                         step.frames, /*whole_stack=*/false);
          }
          break;
        }
        case ReplStep::Kind::kIncomplete:
          for (const std::string& code : step.inputs.For(language())) {
            Check(repl.IsIncomplete(code) == step.incomplete,
                  absl::StrCat("IsIncomplete(\"", code, "\") is not ",
                               step.incomplete));
          }
          break;
        case ReplStep::Kind::kLoadModule:
          services_.AddModuleFunction(
              input, "f", [](absl::Span<const Value>) -> absl::StatusOr<Value> {
                return Value("late");
              });
          break;
        case ReplStep::Kind::kComplete: {
          std::vector<std::string> got = repl.Complete(input);
          const std::vector<std::string>& expected =
              step.completions.For(language());
          Check(got == expected,
                absl::StrCat("Complete(\"", input, "\") gave [",
                             absl::StrJoin(got, ", "), "], expected [",
                             absl::StrJoin(expected, ", "), "]"));
          break;
        }
      }
    }
  }

  void Run() {
    switch (row().scenario) {
      case Scenario::kLoad:
        RunLoad();
        break;
      case Scenario::kCall:
        RunCall();
        break;
      case Scenario::kInterrupt:
      case Scenario::kInterruptRepl:
        RunInterrupt();
        break;
      case Scenario::kThreads:
        RunThreads();
        break;
      case Scenario::kRepl:
        RunRepl();
        break;
      case Scenario::kRacingStops:
        RunRacingStops();
        break;
    }
    CheckLogs();
    CheckThen();
  }

  ::duet::testing::TempDir dir_;
  RecordingServices services_;
  std::shared_ptr<AwaitedCalls> awaited_ = std::make_shared<AwaitedCalls>();
  std::unique_ptr<Runtime> runtime_;
  std::unique_ptr<Implementation> impl_;
  fs::path entry_;
  absl::Time call_deadline_ = absl::InfiniteFuture();
  absl::Mutex started_mutex_;
  int started_ ABSL_GUARDED_BY(started_mutex_) = 0;
  absl::Notification interrupted_;
  std::vector<std::string> failures_;
};

TEST_P(Contract, Run) {
  // A broken deadline or interrupt fails the row rather than hanging it.
  ::duet::testing::RunBounded([this] { Run(); });
  const std::string& drift = row().known_drift.For(language());
  if (drift.empty()) {
    for (const std::string& failure : failures_) ADD_FAILURE() << failure;
    return;
  }
  if (failures_.empty()) {
    ADD_FAILURE() << "known drift \"" << drift
                  << "\" no longer happens: remove KnownDrift from the row";
    return;
  }
  std::cout << "known drift (expected to fail until fixed): " << drift << "\n";
  for (const std::string& failure : failures_) {
    std::cout << "  " << failure << "\n";
  }
}

std::string RowName(const ::testing::TestParamInfo<Param>& info) {
  return absl::StrCat(std::string(LanguageName(std::get<0>(info.param))), "_",
                      std::get<1>(info.param).name);
}

#define DUET_CONTRACT_ROWS(Kind, rows)                       \
  INSTANTIATE_TEST_SUITE_P(                                  \
      Kind, Contract,                                        \
      ::testing::Combine(::testing::ValuesIn(kAllLanguages), \
                         ::testing::ValuesIn(rows())),       \
      RowName)

DUET_CONTRACT_ROWS(Values, ValueRows);
DUET_CONTRACT_ROWS(ConversionErrors, ConversionErrorRows);
DUET_CONTRACT_ROWS(FastPaths, FastPathRows);
DUET_CONTRACT_ROWS(Errors, ErrorRows);
DUET_CONTRACT_ROWS(TypedErrors, TypedErrorRows);
DUET_CONTRACT_ROWS(Loading, LoadRows);
DUET_CONTRACT_ROWS(DuetApi, DuetApiRows);
DUET_CONTRACT_ROWS(Logging, LoggingRows);
DUET_CONTRACT_ROWS(Reentrancy, ReentrancyRows);
DUET_CONTRACT_ROWS(Threads, ThreadRows);
DUET_CONTRACT_ROWS(Deadlines, DeadlineRows);
DUET_CONTRACT_ROWS(Interrupts, InterruptRows);
DUET_CONTRACT_ROWS(Repl, ReplRows);
DUET_CONTRACT_ROWS(Async, AsyncRows);
DUET_CONTRACT_ROWS(Functions, FunctionRows);

}  // namespace
}  // namespace duet::contract
