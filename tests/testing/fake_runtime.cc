#include "testing/fake_runtime.h"

#include <atomic>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "duet/error.h"
#include "duet/json.h"

namespace duet::testing {
namespace {

absl::Mutex hooks_mutex;
std::map<std::string, FakeHook>& Hooks() {
  static auto* hooks = new std::map<std::string, FakeHook>();
  return *hooks;
}

absl::StatusOr<Value> RunFakeHook(const std::string& key,
                                  absl::Span<const Value> args) {
  FakeHook hook;
  {
    absl::MutexLock lock(&hooks_mutex);
    auto h = Hooks().find(key);
    if (h == Hooks().end()) {
      return absl::NotFoundError(absl::StrCat("no hook ", key));
    }
    hook = h->second;
  }
  return hook(args);
}

struct Function {
  std::string action;    // "return", "echo", ...
  std::string argument;  // the rest of the line
  int line = 0;
};

// Bumped by FakeRuntime::Interrupt; a sleeping call stops when it changes.
std::atomic<int> interrupt_epoch{0};

std::atomic<int> held_locks{0};
std::atomic<int> held_lock_thread_mismatches{0};

// A held scope's lock: counted while it lives, checked to end on its thread.
class FakeHeldLock : public HeldEngineLock {
 public:
  FakeHeldLock() { held_locks.fetch_add(1); }
  ~FakeHeldLock() override {
    if (std::this_thread::get_id() != thread_) {
      held_lock_thread_mismatches.fetch_add(1);
    }
    held_locks.fetch_sub(1);
  }

 private:
  const std::thread::id thread_ = std::this_thread::get_id();
};

class FakeImplementation : public Implementation {
 public:
  FakeImplementation(Language language, HostServices& services,
                     std::string module, std::string file,
                     const std::map<std::string, Function>& functions)
      : language_(language),
        services_(services),
        module_(std::move(module)),
        file_(std::move(file)) {
    for (const auto& [name, function] : functions) {
      exports_.push_back(name);
      functions_.push_back(function);
    }
  }

  Language language() const override { return language_; }
  const std::vector<std::string>& exports() const override { return exports_; }
  std::unique_ptr<HeldEngineLock> HoldLock() override {
    return std::make_unique<FakeHeldLock>();
  }

  absl::StatusOr<Value> Call(size_t index, absl::Span<const Value> args,
                             absl::Time deadline) override {
    const std::string& name = exports_[index];
    const Function& f = functions_[index];
    if (f.action == "sleep") {
      // Sleeps in small steps, as an engine would check for termination.
      int epoch = interrupt_epoch.load();
      absl::Time end = absl::Now() + absl::Milliseconds(std::stoi(f.argument));
      while (absl::Now() < end) {
        if (absl::Now() >= deadline) {
          return absl::DeadlineExceededError("fake call stopped at deadline");
        }
        if (interrupt_epoch.load() != epoch) {
          return absl::CancelledError("fake call interrupted");
        }
        absl::SleepFor(absl::Milliseconds(1));
      }
      return Value("slept");
    }
    if (f.action == "return") return ParseJson(f.argument);
    if (f.action == "echo") return Value(Value::List(args.begin(), args.end()));
    if (f.action == "language")
      return Value(std::string(LanguageName(language_)));
    if (f.action == "count") return Value(static_cast<int64_t>(++count_));
    if (f.action == "format") {
      if (args.size() != 1 || !args[0].is_string()) {
        return absl::InvalidArgumentError("format takes one string");
      }
      return Value(
          absl::StrReplaceAll(f.argument, {{"{0}", args[0].as_string()}}));
    }
    if (f.action == "raise") {
      std::pair<std::string, std::string> parts =
          absl::StrSplit(f.argument, absl::MaxSplits(' ', 1));
      ScriptError error;
      error.language = language_;
      error.type = parts.first;
      error.message = parts.second;
      error.stack.push_back({language_, file_, f.line, 1, std::string(name)});
      return MakeScriptError(std::move(error));
    }
    if (f.action == "call") {
      std::pair<std::string, std::string> target =
          absl::StrSplit(f.argument, absl::MaxSplits('.', 1));
      absl::StatusOr<Value> result =
          services_.CallModule(target.first, target.second, args);
      if (!result.ok()) {
        return AppendStackFrames(result.status(), {{language_, file_, f.line, 1,
                                                    std::string(name)}});
      }
      return result;
    }
    if (f.action == "host") {
      HostCallContext caller;
      caller.module = module_;
      caller.language = language_;
      caller.deadline = deadline;
      return services_.CallHostFunction(caller, f.argument, args);
    }
    if (f.action == "hook") return RunFakeHook(f.argument, args);
    return absl::InternalError(absl::StrCat("unknown fake action ", f.action));
  }

 private:
  Language language_;
  HostServices& services_;
  std::string module_;
  std::string file_;
  std::vector<std::string> exports_;
  std::vector<Function> functions_;  // parallel to exports_
  std::atomic<int64_t> count_{0};
};

class FakeSession : public ReplSession {
 public:
  FakeSession(Language language, HostServices& services)
      : language_(language), services_(services) {}

  // "MOD.FN" calls a function without arguments; anything else echoes.
  absl::StatusOr<std::string> Evaluate(std::string_view code) override {
    std::string text(code);
    if (absl::StrContains(text, ".")) {
      std::pair<std::string, std::string> target =
          absl::StrSplit(text, absl::MaxSplits('.', 1));
      absl::StatusOr<Value> result =
          services_.CallModule(target.first, target.second, {});
      if (!result.ok()) return result.status();
      return ToJson(*result);
    }
    return absl::StrCat(std::string(LanguageName(language_)), ": ", text);
  }

  // Unfinished while a '(' is open.
  bool IsIncomplete(std::string_view code) override {
    int depth = 0;
    for (char c : code) depth += c == '(' ? 1 : c == ')' ? -1 : 0;
    return depth > 0;
  }

  // Module names, then "module.function" for the module before the dot.
  std::vector<std::string> Complete(std::string_view line) override {
    std::vector<std::string> out;
    std::string text(line);
    for (const std::string& module : services_.ModuleNames()) {
      if (absl::StartsWith(module, text)) out.push_back(module);
      absl::StatusOr<std::vector<std::string>> functions =
          services_.ModuleFunctions(module);
      if (!functions.ok()) continue;
      for (const std::string& function : *functions) {
        std::string dotted = absl::StrCat(module, ".", function);
        if (absl::StartsWith(dotted, text) &&
            text.find('.') != std::string::npos) {
          out.push_back(dotted);
        }
      }
    }
    return out;
  }

 private:
  Language language_;
  HostServices& services_;
};

class FakeRuntime : public Runtime {
 public:
  FakeRuntime(Language language, HostServices& services)
      : language_(language), services_(services) {}

  Language language() const override { return language_; }
  std::vector<std::string> file_extensions() const override {
    return {language_ == Language::kPython ? ".py" : ".js"};
  }

  absl::StatusOr<std::unique_ptr<Implementation>> Load(
      const ImplementationSpec& spec) override {
    // In-memory source wins over the file, as in the real engines.
    std::ifstream file;
    std::istringstream text(spec.source);
    if (spec.source.empty()) file.open(spec.entry);
    std::istream& in =
        spec.source.empty() ? static_cast<std::istream&>(file) : text;
    if (!in)
      return absl::NotFoundError(
          absl::StrCat("cannot read ", spec.entry.string()));
    std::map<std::string, Function> functions;
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      absl::string_view text = absl::StripAsciiWhitespace(line);
      if (text.empty() || absl::StartsWith(text, "#")) continue;
      if (absl::ConsumePrefix(&text, "raise ")) {
        std::pair<std::string, std::string> parts =
            absl::StrSplit(text, absl::MaxSplits(' ', 1));
        ScriptError error;
        error.language = language_;
        error.type = parts.first;
        error.message = parts.second;
        error.stack.push_back({language_, spec.entry.string(), number, 1, ""});
        return MakeScriptError(std::move(error));
      }
      if (absl::ConsumePrefix(&text, "hook ")) {
        absl::StatusOr<Value> ran = RunFakeHook(std::string(text), {});
        if (!ran.ok()) return ran.status();
        continue;
      }
      if (absl::ConsumePrefix(&text, "call ")) {
        std::pair<std::string, std::string> target =
            absl::StrSplit(text, absl::MaxSplits('.', 1));
        absl::StatusOr<Value> called =
            services_.CallModule(target.first, target.second, {});
        if (!called.ok()) return called.status();
        continue;
      }
      if (text == "syntax error") {
        return absl::InvalidArgumentError(absl::StrCat(
            spec.entry.string(), ":", number, ": SyntaxError: invalid syntax"));
      }
      if (!absl::ConsumePrefix(&text, "def ")) {
        return absl::InvalidArgumentError(absl::StrCat(
            spec.entry.string(), ":", number, ": not a fake line"));
      }
      std::pair<std::string, std::string> def =
          absl::StrSplit(text, absl::MaxSplits(':', 1));
      std::string body(absl::StripAsciiWhitespace(def.second));
      std::pair<std::string, std::string> action =
          absl::StrSplit(body, absl::MaxSplits(' ', 1));
      functions[std::string(absl::StripAsciiWhitespace(def.first))] = {
          action.first, action.second, number};
    }
    return std::make_unique<FakeImplementation>(
        language_, services_, spec.module, spec.entry.string(), functions);
  }

  absl::StatusOr<std::unique_ptr<ReplSession>> NewReplSession() override {
    return std::make_unique<FakeSession>(language_, services_);
  }

  void Interrupt() override { ++interrupt_epoch; }

 private:
  Language language_;
  HostServices& services_;
};

}  // namespace

void SetFakeHook(const std::string& key, FakeHook hook) {
  absl::MutexLock lock(&hooks_mutex);
  Hooks()[key] = std::move(hook);
}

int FakeHeldLocks() { return held_locks.load(); }
int FakeHeldLockThreadMismatches() {
  return held_lock_thread_mismatches.load();
}

void ClearFakeHooks() {
  absl::MutexLock lock(&hooks_mutex);
  Hooks().clear();
}

RuntimeFactory FakeRuntimeFactory(Language language) {
  return
      [language](
          HostServices& services) -> absl::StatusOr<std::unique_ptr<Runtime>> {
        return std::make_unique<FakeRuntime>(language, services);
      };
}

}  // namespace duet::testing
