// hostile_probe: runs one attack from issue 7 against duet in this process
// and prints a one-line verdict. hostile_test runs it once per scenario, so a
// crash or a hang ends this process, not the test run.
//
//   hostile_probe SCENARIO DIR     (DIR: the scenario's plugin folder)
//
// Exit 0 with "ok SCENARIO: ..." when duet held; exit 1 with
// "FAILED SCENARIO: ..." when it did not. The probe uses duet's public API
// only, as an application embedding duet would. Each step that could hang
// runs under a generous bound, so a hang is reported as what hung.
#include <malloc.h>
#include <pthread.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "duet/duet.h"
#include "testing/sanitizers.h"

namespace {

namespace fs = std::filesystem;
using duet::Host;
using duet::Value;

std::string scenario_name;  // for the verdict line

// Far beyond any limit the attack plugins set (200 ms to 1 s) or any work
// they do when stopped in time: a step still running after it is hung.
constexpr absl::Duration kHangBound = absl::Seconds(15);

// Prints the failing verdict and leaves at once: a host that misbehaved may
// not tear down cleanly, and the verdict must not wait for it.
[[noreturn]] void Fail(const std::string& why) {
  std::cout << "FAILED " << scenario_name << ": " << why << std::endl;
  std::_Exit(1);
}

void Check(bool condition, const std::string& why) {
  if (!condition) Fail(why);
}

std::string Describe(const absl::Status& status) {
  return status.ok() ? std::string("OK") : status.ToString();
}
template <typename T>
std::string Describe(const absl::StatusOr<T>& result) {
  return Describe(result.status());
}

// Fails unless `status` is one of `codes`.
void ExpectCode(const absl::Status& status,
                std::initializer_list<absl::StatusCode> codes,
                const std::string& what) {
  for (absl::StatusCode code : codes) {
    if (status.code() == code) return;
  }
  std::string wanted;
  for (absl::StatusCode code : codes) {
    absl::StrAppend(&wanted, wanted.empty() ? "" : " or ",
                    absl::StatusCodeToString(code));
  }
  Fail(absl::StrCat(what, " returned ", Describe(status), ", expected ",
                    wanted));
}
template <typename T>
void ExpectCode(const absl::StatusOr<T>& result,
                std::initializer_list<absl::StatusCode> codes,
                const std::string& what) {
  ExpectCode(result.status(), codes, what);
}

// Waits for `pending` at most `limit`; past it the step hung.
template <typename T>
T AwaitBounded(std::future<T>& pending, const std::string& what,
               absl::Duration limit) {
  if (pending.wait_for(absl::ToChronoSeconds(limit)) !=
      std::future_status::ready) {
    Fail(absl::StrCat(what, " did not return within ",
                      absl::FormatDuration(limit), " (hang)"));
  }
  return pending.get();
}

// Runs `step` on its own thread and waits for it at most `limit`.
template <typename F>
auto Bounded(const std::string& what, absl::Duration limit, F step) {
  auto pending = std::async(std::launch::async, std::move(step));
  return AwaitBounded(pending, what, limit);
}

// Names the plugin code reached: scripts call duet.host.mark(NAME).
class Marks {
 public:
  void Add(std::string name) {
    absl::MutexLock lock(&mutex_);
    names_.insert(std::move(name));
  }
  bool Has(const std::string& name) {
    absl::MutexLock lock(&mutex_);
    return names_.count(name) > 0;
  }
  // Fails when no script marked `name` within `limit`.
  void WaitFor(const std::string& name, absl::Duration limit) {
    absl::MutexLock lock(&mutex_);
    auto marked = [&]() ABSL_SHARED_LOCKS_REQUIRED(mutex_) {
      return names_.count(name) > 0;
    };
    if (!mutex_.AwaitWithTimeout(absl::Condition(&marked), limit)) {
      Fail(absl::StrCat("the plugin never reached duet.host.mark(\"", name,
                        "\")"));
    }
  }

 private:
  absl::Mutex mutex_;
  std::set<std::string> names_ ABSL_GUARDED_BY(mutex_);
};

Marks marks;
std::atomic<int> load_count{0};
absl::Mutex log_mutex;
std::string log_text ABSL_GUARDED_BY(log_mutex);

// A host with the two functions the attack plugins call back:
// duet.host.mark(name) and duet.host.load_count() (how many times a module's
// top level has run). Everything logged is kept in `log_text`.
std::unique_ptr<Host> NewHost(duet::HostOptions options = {}) {
  // The probes attack loading itself: every plugin starts while it loads.
  options.start_mode = duet::StartMode::kAtLoad;
  options.log_sink = [](duet::LogLevel, std::string_view source,
                        std::string_view message) {
    absl::MutexLock lock(&log_mutex);
    log_text.append(source).append(": ").append(message).append("\n");
  };
  auto host = Host::Create(std::move(options));
  Check(host.ok(), absl::StrCat("Host::Create: ", Describe(host)));
  auto status = (*host)->RegisterFunction(
      "mark", [](absl::Span<const Value> args) -> absl::StatusOr<Value> {
        if (args.size() == 1 && args[0].is_string()) {
          marks.Add(args[0].as_string());
        }
        return Value();
      });
  Check(status.ok(), Describe(status));
  status = (*host)->RegisterFunction(
      "load_count", [](absl::Span<const Value>) -> absl::StatusOr<Value> {
        return Value(static_cast<int64_t>(++load_count));
      });
  Check(status.ok(), Describe(status));
  return std::move(*host);
}

void LoadPlugin(Host& host, const fs::path& location) {
  auto module = Bounded("LoadPlugin", kHangBound,
                        [&] { return host.LoadPlugin(location); });
  Check(module.ok(), absl::StrCat("LoadPlugin(", location.string(),
                                  "): ", Describe(module)));
}

duet::LoadReport LoadPlugins(Host& host, const fs::path& dir) {
  auto report =
      Bounded("LoadPlugins", kHangBound, [&] { return host.LoadPlugins(dir); });
  Check(report.ok(), absl::StrCat("LoadPlugins: ", Describe(report)));
  return *std::move(report);
}

bool Loaded(const duet::LoadReport& report, const std::string& module) {
  for (const std::string& name : report.loaded) {
    if (name == module) return true;
  }
  return false;
}

// The problem reported for the plugin at `dir / entry`, if any.
const duet::PluginProblem* ProblemFor(const duet::LoadReport& report,
                                      const std::string& entry) {
  for (const duet::PluginProblem& problem : report.problems) {
    if (problem.location.filename() == entry ||
        problem.location.parent_path().filename() == entry) {
      return &problem;
    }
  }
  return nullptr;
}

std::string ProblemsText(const duet::LoadReport& report) {
  std::string text;
  for (const duet::PluginProblem& problem : report.problems) {
    absl::StrAppend(&text, "[", problem.location.string(), ": ",
                    problem.status.ToString(), "] ");
  }
  return text.empty() ? "no problems" : text;
}

absl::StatusOr<Value> CallBounded(Host& host, const std::string& module,
                                  const std::string& function,
                                  std::vector<Value> args = {},
                                  duet::CallOptions options = {},
                                  absl::Duration limit = kHangBound) {
  return Bounded(absl::StrCat(module, ".", function, "()"), limit,
                 [&] { return host.Call(module, function, args, options); });
}

duet::CallOptions Timeout(absl::Duration limit) {
  duet::CallOptions options;
  options.timeout = limit;
  return options;
}

// --- Finding 1: one JS allocation larger than the heap cap -----------------
// V8 used to abort the process ("Fatal JavaScript OOM") instead of letting
// the call fail. `module` is also the plugin's folder name.
std::string BigAllocation(const fs::path& dir, const std::string& module) {
  std::unique_ptr<Host> host = NewHost();
  LoadPlugin(*host, dir / module);
  // new Array(1e8) is a dictionary-mode array: filling it up to the 512 MB
  // default cap takes V8 tens of seconds on a loaded machine.
  auto blown = CallBounded(*host, module, "blow", {}, {}, absl::Seconds(75));
  ExpectCode(blown, {absl::StatusCode::kResourceExhausted},
             absl::StrCat(module, ".blow()"));
  auto after = CallBounded(*host, module, "ping");
  Check(after.ok() && *after == Value("pong"),
        absl::StrCat("the call after the heap hit returned ", Describe(after)));
  return "blow() returned kResourceExhausted, the next call returned OK";
}

// --- Finding 3: memory_mb out of range ---------------------------------------
std::string HugeMemoryMbInManifest(const fs::path& dir) {
  std::unique_ptr<Host> host = NewHost();
  duet::LoadReport report = LoadPlugins(*host, dir);
  std::string loaded;
  for (std::string module : {"max_int64", "two_pow_44"}) {
    if (Loaded(report, module)) {
      // Shows what the unchecked cap does: an abort, or a failed allocation.
      auto allocated = CallBounded(*host, module, "allocate");
      absl::StrAppend(&loaded, module, " was loaded (allocate() returned ",
                      Describe(allocated), "); ");
    }
  }
  Check(loaded.empty(), loaded);
  for (std::string module : {"max_int64", "two_pow_44"}) {
    const duet::PluginProblem* problem = ProblemFor(report, module);
    Check(problem != nullptr,
          absl::StrCat(module, " is neither loaded nor reported: ",
                       ProblemsText(report)));
    Check(problem->status.code() == absl::StatusCode::kInvalidArgument &&
              absl::StrContains(problem->status.message(), "memory_mb"),
          absl::StrCat(module,
                       " refused, but not as kInvalidArgument naming "
                       "memory_mb: ",
                       problem->status.ToString()));
  }
  return "both plugins refused with kInvalidArgument naming memory_mb";
}

std::string HugeDefaultMemoryMb(const fs::path&) {
  for (int64_t memory_mb : {INT64_MAX, int64_t{1} << 44}) {
    duet::HostOptions options;
    options.default_memory_mb = memory_mb;
    auto host = Host::Create(options);
    Check(!host.ok(), absl::StrCat("Host::Create accepted default_memory_mb = ",
                                   memory_mb));
    Check(host.status().code() == absl::StatusCode::kInvalidArgument &&
              absl::StrContains(host.status().message(), "default_memory_mb"),
          absl::StrCat("Host::Create refused default_memory_mb = ", memory_mb,
                       " but not as kInvalidArgument naming the field: ",
                       host.status().ToString()));
  }
  return "Host::Create refused both out-of-range default_memory_mb values";
}

// --- Finding 4: a deep result on a small thread stack -----------------------
// Runs `work` on a new thread with a stack of `stack_bytes`.
void RunOnStack(size_t stack_bytes, std::function<void()> work) {
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setstacksize(&attributes, stack_bytes);
  pthread_t thread;
  auto trampoline = [](void* work) -> void* {
    (*static_cast<std::function<void()>*>(work))();
    return nullptr;
  };
  Check(pthread_create(&thread, &attributes, trampoline, &work) == 0,
        "pthread_create failed");
  pthread_attr_destroy(&attributes);
  pthread_join(thread, nullptr);
}

std::string DeepResultOnSmallStack(const fs::path& dir, size_t stack_kb) {
  std::unique_ptr<Host> host = NewHost();
  LoadPlugin(*host, dir / "nested");
  absl::Status on_small_stack;
  RunOnStack(stack_kb * 1024 * duet::testing::kStackScale, [&] {
    // Only the status leaves this thread: a value this deep is dropped
    // here too, which must not overflow the stack either.
    on_small_stack = host->Call("nested", "deep", {}).status();
  });
  // What matters is that no stack overflows. 256 KB cannot hold 999
  // levels; 512 KB holds them or not depending on the converters' frame
  // sizes (they shrank when JavaScript functions became values), so there
  // OK is as good an answer.
  if (stack_kb >= 512) {
    ExpectCode(on_small_stack,
               {absl::StatusCode::kResourceExhausted, absl::StatusCode::kOk},
               absl::StrCat("nested.deep() on a ", stack_kb, " KB stack"));
  } else {
    ExpectCode(on_small_stack, {absl::StatusCode::kResourceExhausted},
               absl::StrCat("nested.deep() on a ", stack_kb, " KB stack"));
  }
  auto on_main = CallBounded(*host, "nested", "deep");
  Check(on_main.ok(),
        absl::StrCat("nested.deep() on the main thread: ", Describe(on_main)));
  int depth = 1;
  for (const Value* level = &*on_main;
       level->is_list() && !level->as_list().empty();
       level = &level->as_list()[0]) {
    ++depth;
  }
  Check(depth == 999, absl::StrCat("the main thread got a list ", depth,
                                   " deep, expected 999"));
  return absl::StrCat(absl::StatusCodeToString(on_small_stack.code()), " on a ",
                      stack_kb,
                      " KB stack; the main thread got the 999-deep list");
}

// --- Finding 5: a long Python C call holds up JS deadlines and Interrupt ----
std::string PythonCCallBlocksOthers(const fs::path& dir) {
  std::unique_ptr<Host> host = NewHost();
  duet::LoadReport report = LoadPlugins(*host, dir);
  Check(report.problems.empty(), ProblemsText(report));
  std::atomic<bool> python_returned{false};
  // The Python call's own deadline passes first: stopping it must not make
  // anything else wait for the GIL.
  std::thread python([&] {
    (void)host->Call("slow_python", "crunch", {},
                     Timeout(absl::Milliseconds(100)));
    python_returned = true;
  });
  marks.WaitFor("crunching", kHangBound);
  auto spin = CallBounded(*host, "busy_js", "spin", {},
                          Timeout(absl::Milliseconds(200)), absl::Seconds(45));
  Check(!python_returned,
        absl::StrCat("busy_js.spin() with a 200ms limit returned (",
                     Describe(spin),
                     ") only after the Python C call had finished"));
  ExpectCode(spin, {absl::StatusCode::kDeadlineExceeded}, "busy_js.spin()");
  host->Interrupt();
  Check(!python_returned,
        "Host::Interrupt() returned only after the Python C call had finished");
  python.join();
  return "the JS deadline and Interrupt() returned while Python was in sum()";
}

// --- Finding 6: top-level code that never finishes ---------------------------
std::string TopLevelLoop(const fs::path& dir, duet::HostOptions options) {
  std::unique_ptr<Host> host = NewHost(std::move(options));
  duet::LoadReport report = LoadPlugins(*host, dir);
  for (std::string module : {"js_loop", "py_loop"}) {
    const duet::PluginProblem* problem = ProblemFor(report, module);
    Check(problem != nullptr &&
              problem->status.code() == absl::StatusCode::kDeadlineExceeded,
          absl::StrCat(module, " was not refused with kDeadlineExceeded: ",
                       ProblemsText(report)));
  }
  return "LoadPlugins finished; both plugins refused with kDeadlineExceeded";
}

std::string TopLevelLoopWithTimeoutMs(const fs::path& dir) {
  return TopLevelLoop(dir, {});
}

std::string TopLevelLoopWithDefaultTimeout(const fs::path& dir) {
  duet::HostOptions options;
  options.default_timeout = absl::Milliseconds(200);
  return TopLevelLoop(dir, std::move(options));
}

// The isolate rebuilt after a heap-limit hit re-runs the top level, which
// now loops forever: the next call must fail, not hang.
std::string TopLevelLoopOnRenewal(const fs::path& dir) {
  std::unique_ptr<Host> host = NewHost();
  LoadPlugin(*host, dir / "reborn_loop");
  auto blown = CallBounded(*host, "reborn_loop", "blow");
  ExpectCode(blown, {absl::StatusCode::kResourceExhausted},
             "reborn_loop.blow()");
  auto next = CallBounded(*host, "reborn_loop", "ping");
  ExpectCode(next,
             {absl::StatusCode::kDeadlineExceeded,
              absl::StatusCode::kResourceExhausted},
             "the call after the heap hit (reborn_loop.ping())");
  return absl::StrCat("the call after the heap hit returned ",
                      absl::StatusCodeToString(next.status().code()));
}

// --- Finding 7: Python code that swallows the stop ---------------------------
std::string SwallowedDeadline(const fs::path& dir) {
  std::unique_ptr<Host> host = NewHost();
  LoadPlugin(*host, dir / "stubborn");
  auto swallowed = CallBounded(*host, "stubborn", "swallow");
  ExpectCode(swallowed, {absl::StatusCode::kDeadlineExceeded},
             "stubborn.swallow() with a 200ms limit");
  return "stubborn.swallow() returned kDeadlineExceeded";
}

std::string DestroyHostDuringSwallow(const fs::path& dir) {
  std::unique_ptr<Host> host = NewHost();
  LoadPlugin(*host, dir / "stubborn");
  auto in_flight = std::async(std::launch::async, [&] {
    return host->Call("stubborn", "swallow", {}, Timeout(absl::Hours(1)));
  });
  marks.WaitFor("swallowing", kHangBound);
  Bounded("destroying the Host during stubborn.swallow()", kHangBound,
          [&] { host.reset(); });
  auto result = AwaitBounded(in_flight, "the in-flight call", absl::Seconds(5));
  Check(!result.ok(), "the in-flight stubborn.swallow() returned OK");
  return absl::StrCat("the Host was destroyed; the in-flight call returned ",
                      absl::StatusCodeToString(result.status().code()));
}

std::string FinalizerAfterReturn(const fs::path& dir) {
  std::unique_ptr<Host> host = NewHost();
  LoadPlugin(*host, dir / "stubborn");
  auto given = CallBounded(*host, "stubborn", "give");
  Check(!given.ok(), "stubborn.give() returned OK");
  return absl::StrCat("stubborn.give() (a looping __del__) returned ",
                      Describe(given));
}

std::string InterruptFinalizer(const fs::path& dir) {
  std::unique_ptr<Host> host = NewHost();
  LoadPlugin(*host, dir / "stubborn");
  auto given = std::async(std::launch::async, [&] {
    return host->Call("stubborn", "give", {}, Timeout(absl::Hours(1)));
  });
  marks.WaitFor("finalizing", kHangBound);
  host->Interrupt();
  auto result =
      AwaitBounded(given, "stubborn.give() after Interrupt()", kHangBound);
  Check(!result.ok(), "stubborn.give() returned OK");
  return absl::StrCat("Interrupt() stopped the __del__; give() returned ",
                      absl::StatusCodeToString(result.status().code()));
}

// --- Finding 8: a cheap result that converts into gigabytes ------------------
std::string HugeResult(const fs::path& dir, const std::string& module) {
  std::unique_ptr<Host> host = NewHost();
  LoadPlugin(*host, dir / module);
  // Stopped by its limits, not converted for minutes; how soon is not
  // timed here (allocating 800 MB takes seconds on a loaded machine).
  auto huge = CallBounded(*host, module, "huge");
  ExpectCode(huge,
             {absl::StatusCode::kResourceExhausted,
              absl::StatusCode::kDeadlineExceeded},
             absl::StrCat(module, ".huge()"));
  return absl::StrCat(module, ".huge() returned ",
                      absl::StatusCodeToString(huge.status().code()));
}

// --- Finding 9: an endless microtask chain -----------------------------------
std::string MicrotaskLoop(const fs::path& dir) {
  std::unique_ptr<Host> host = NewHost();
  LoadPlugin(*host, dir / "microtasks");
  auto result = CallBounded(*host, "microtasks", "f");
  ExpectCode(result, {absl::StatusCode::kDeadlineExceeded},
             "microtasks.f() with a 1s limit");
  return "microtasks.f() returned kDeadlineExceeded";
}

// --- Finding 11: heap hits while other threads call the same module ----------
int64_t PeakRssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (absl::StartsWith(line, "VmHWM:")) {
      return std::stoll(line.substr(6));
    }
  }
  return -1;
}

std::string HeapHitsUnderLoad(const fs::path& dir) {
  // A 64 MB heap and the isolates being replaced take a few hundred MB;
  // isolates kept until no call of the module was in flight took 2.1 GB
  // over 66 heap hits.
  constexpr int64_t kPeakRssBoundKb = 1500 * 1024;
  constexpr int kHeapHits = 60;
  std::unique_ptr<Host> host = NewHost();
  LoadPlugin(*host, dir / "hog");
  std::atomic<bool> stop{false};
  std::atomic<int> fills{0}, cheap_calls{0};
  absl::Mutex mutex;
  // The first status that was neither OK nor a heap hit.
  std::string unexpected;
  auto caller = [&](const char* function, std::atomic<int>& count) {
    while (!stop) {
      absl::Status status = host->Call("hog", function, {}).status();
      ++count;
      if (!status.ok() &&
          status.code() != absl::StatusCode::kResourceExhausted) {
        absl::MutexLock lock(&mutex);
        if (unexpected.empty()) {
          unexpected =
              absl::StrCat("hog.", function, "(): ", status.ToString());
        }
      }
    }
  };
  std::vector<std::future<void>> callers;
  for (int i = 0; i < 8; ++i) {
    callers.push_back(std::async(std::launch::async, [&, i] {
      if (i < 2) {
        caller("fill", fills);
      } else {
        caller("cheap", cheap_calls);
      }
    }));
  }
  // Counted in heap hits, not seconds, so a loaded machine does the same
  // work; the bound only turns no progress into a failure.
  absl::Time give_up = absl::Now() + 2 * kHangBound;
  while (fills < kHeapHits && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  stop = true;
  for (auto& pending : callers) {
    AwaitBounded(pending, "a calling thread (stall)", kHangBound);
  }
  host.reset();
  {
    absl::MutexLock lock(&mutex);
    Check(unexpected.empty(), unexpected);
  }
  int64_t peak_kb = PeakRssKb();
  Check(peak_kb < kPeakRssBoundKb,
        absl::StrCat("peak RSS ", peak_kb / 1024, " MB (bound ",
                     kPeakRssBoundKb / 1024, " MB) after ", fills.load(),
                     " heap hits"));
  Check(fills >= kHeapHits,
        absl::StrCat("only ", fills.load(), " fill() calls returned in ",
                     absl::FormatDuration(2 * kHangBound)));
  return absl::StrCat(fills.load(), " fill() and ", cheap_calls.load(),
                      " cheap() calls; peak RSS ", peak_kb / 1024, " MB");
}

// --- Finding 12: reloading a JS module while threads call it leaks -----------
std::string ReloadLeak(const fs::path& dir) {
  // Measured on the leaking code: 8.4 to 10.2 MB (6 to 8 KB per calling
  // thread and reload); the same run without reloads grows by about 45 KB.
  constexpr size_t kGrowthBoundBytes = 3 << 20;
  constexpr int kReloads = 150;
  // One full cycle first, so one-time set-up (engines, caches) is not
  // counted as growth.
  {
    std::unique_ptr<Host> host = NewHost();
    LoadPlugin(*host, dir / "reloaded");
    (void)host->Call("reloaded", "ping", {1});
  }
  size_t before = mallinfo2().uordblks;
  {
    std::unique_ptr<Host> host = NewHost();
    LoadPlugin(*host, dir / "reloaded");
    std::atomic<bool> stop{false};
    std::vector<std::future<void>> callers;
    for (int i = 0; i < 8; ++i) {
      callers.push_back(std::async(std::launch::async, [&] {
        while (!stop) (void)host->Call("reloaded", "ping", {1});
      }));
    }
    for (int i = 0; i < kReloads; ++i) {
      absl::Status reloaded = host->Reload("reloaded");
      Check(reloaded.ok(), absl::StrCat("Reload: ", reloaded.ToString()));
    }
    stop = true;
    for (auto& pending : callers) {
      AwaitBounded(pending, "a calling thread", kHangBound);
    }
  }
  size_t after = mallinfo2().uordblks;
  int64_t growth = static_cast<int64_t>(after) - static_cast<int64_t>(before);
  Check(growth < static_cast<int64_t>(kGrowthBoundBytes),
        absl::StrCat("malloc'd bytes in use grew by ", growth / 1024,
                     " KB over ", kReloads, " reloads with 8 callers (bound ",
                     kGrowthBoundBytes / 1024, " KB)"));
  return absl::StrCat("malloc'd bytes in use grew by ", growth / 1024,
                      " KB over ", kReloads, " reloads with 8 callers");
}

// --- Finding 13: a single-file plugin reads its neighbour's files ------------
std::string SingleFileRoot(const fs::path& dir) {
  constexpr char kSecret[] = "victim-secret-7f3a9c";
  std::unique_ptr<Host> host = NewHost();
  duet::LoadReport report = LoadPlugins(*host, dir);
  Check(Loaded(report, "spy"),
        absl::StrCat("spy did not load: ", ProblemsText(report)));
  auto peeked = CallBounded(*host, "spy", "peek");
  Check(!peeked.ok(), absl::StrCat("spy.peek() read victim/config.json: ",
                                   peeked.ok() ? DebugString(*peeked) : ""));
  Check(peeked.status().code() == absl::StatusCode::kUnknown,
        absl::StrCat("spy.peek() failed, but not with a script error: ",
                     Describe(peeked)));
  Check(!absl::StrContains(peeked.status().ToString(), kSecret),
        absl::StrCat("the secret appears in the error: ", Describe(peeked)));
  absl::MutexLock lock(&log_mutex);
  Check(!absl::StrContains(log_text, kSecret),
        absl::StrCat("the secret appears in the log: ", log_text));
  return absl::StrCat("spy.peek() failed: ", peeked.status().message());
}

// --- Finding 14: require.resolve tells which outside files exist -------------
std::string ResolveOracle(const fs::path& dir) {
  std::unique_ptr<Host> host = NewHost();
  LoadPlugin(*host, dir / "prober");
  std::string escape;
  for (int i = 0; i < 20; ++i) escape += "../";
  for (std::string prefix : {std::string("/etc/"), escape + "etc/"}) {
    std::string answers[2];
    int i = 0;
    for (std::string file : {"shadow", "does-not-exist-duet"}) {
      auto answer =
          CallBounded(*host, "prober", "resolve", {Value(prefix + file)});
      Check(answer.ok() && answer->is_string(),
            absl::StrCat("prober.resolve(): ", Describe(answer)));
      Check(!absl::StartsWith(answer->as_string(), "resolved"),
            absl::StrCat("require.resolve(\"", prefix, file,
                         "\") resolved: ", answer->as_string()));
      answers[i++] =
          absl::StrReplaceAll(answer->as_string(), {{file, "<FILE>"}});
    }
    Check(answers[0] == answers[1],
          absl::StrCat("an existing and a missing file outside the plugin "
                       "give different errors: \"",
                       answers[0], "\" vs \"", answers[1], "\""));
  }
  return "existing and missing outside files give the same error";
}

// --- Finding 15: an implementation that is a symlink out of the plugin -------
std::string SymlinkedEntry(const fs::path& dir) {
  std::unique_ptr<Host> host = NewHost();
  duet::LoadReport report = LoadPlugins(*host, dir);
  if (Loaded(report, "linked")) {
    auto escaped = CallBounded(*host, "linked", "escaped");
    Fail(
        absl::StrCat("linked was loaded; escaped() returned ",
                     escaped.ok() ? DebugString(*escaped) : Describe(escaped)));
  }
  const duet::PluginProblem* problem = ProblemFor(report, "linked");
  Check(problem != nullptr &&
            absl::StrContains(problem->status.message(), "linked.js"),
        absl::StrCat("no problem naming linked.js: ", ProblemsText(report)));
  return absl::StrCat("refused: ", problem->status.message());
}

// --- Finding 16: a module named __proto__ ------------------------------------
std::string ProtoModule(const fs::path& dir) {
  std::unique_ptr<Host> host = NewHost();
  duet::LoadReport report = LoadPlugins(*host, dir);
  if (!Loaded(report, "__proto__")) {
    const duet::PluginProblem* problem = ProblemFor(report, "proto");
    Check(problem != nullptr &&
              absl::StrContains(problem->status.message(), "__proto__"),
          absl::StrCat("__proto__ neither loaded nor refused by name: ",
                       ProblemsText(report)));
    return absl::StrCat("refused at load: ", problem->status.message());
  }
  auto shown = Bounded("Evaluate(String(globalThis))", kHangBound, [&] {
    absl::StatusOr<std::unique_ptr<duet::ReplConsole>> console =
        host->OpenRepl(duet::Language::kJavaScript);
    if (!console.ok()) return absl::StatusOr<std::string>(console.status());
    return (*console)->Evaluate("String(globalThis)");
  });
  Check(
      !marks.Has("plugin code ran"),
      absl::StrCat("String(globalThis) in the JS REPL ran the plugin's code (",
                   shown.ok() ? *shown : Describe(shown), ")"));
  // The probe itself works: calling the plugin does mark.
  (void)CallBounded(*host, "__proto__", "toString");
  Check(marks.Has("plugin code ran"), "__proto__.toString() did not mark");
  return "loaded; String(globalThis) ran no plugin code";
}

struct Scenario {
  const char* name;
  std::function<std::string(const fs::path& dir)> run;
};

const std::vector<Scenario>& Scenarios() {
  using namespace std::placeholders;
  static const auto* scenarios = new std::vector<Scenario>{
      {"01_array_fill_16mb", std::bind(BigAllocation, _1, "fill_16mb")},
      {"01_array_fill_default_cap",
       std::bind(BigAllocation, _1, "fill_default_cap")},
      {"01_array_from_64mb", std::bind(BigAllocation, _1, "from_64mb")},
      {"03_memory_mb_in_manifest", HugeMemoryMbInManifest},
      {"03_default_memory_mb", HugeDefaultMemoryMb},
      {"04_deep_result_256k_stack", std::bind(DeepResultOnSmallStack, _1, 256)},
      {"04_deep_result_512k_stack", std::bind(DeepResultOnSmallStack, _1, 512)},
      {"05_python_c_call", PythonCCallBlocksOthers},
      {"06_top_level_loop_timeout_ms", TopLevelLoopWithTimeoutMs},
      {"06_top_level_loop_default_timeout", TopLevelLoopWithDefaultTimeout},
      {"06_top_level_loop_on_renewal", TopLevelLoopOnRenewal},
      {"07_swallowed_deadline", SwallowedDeadline},
      {"07_destroy_host_during_swallow", DestroyHostDuringSwallow},
      {"07_finalizer_after_return", FinalizerAfterReturn},
      {"07_interrupt_finalizer", InterruptFinalizer},
      {"08_huge_js_result", std::bind(HugeResult, _1, "js_holey")},
      {"08_huge_python_result", std::bind(HugeResult, _1, "py_list")},
      {"09_microtask_loop", MicrotaskLoop},
      {"11_heap_hits_under_load", HeapHitsUnderLoad},
      {"12_reload_leak", ReloadLeak},
      {"13_single_file_root", SingleFileRoot},
      {"14_resolve_oracle", ResolveOracle},
      {"15_symlinked_entry", SymlinkedEntry},
      {"16_proto_module", ProtoModule},
  };
  return *scenarios;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: hostile_probe SCENARIO DIR\nscenarios:\n";
    for (const Scenario& scenario : Scenarios()) {
      std::cerr << "  " << scenario.name << "\n";
    }
    return 2;
  }
  scenario_name = argv[1];
  for (const Scenario& scenario : Scenarios()) {
    if (scenario_name == scenario.name) {
      std::string verdict = scenario.run(argv[2]);
      std::cout << "ok " << scenario_name << ": " << verdict << std::endl;
      return 0;
    }
  }
  std::cerr << "hostile_probe: unknown scenario " << scenario_name << "\n";
  return 2;
}
