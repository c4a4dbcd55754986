// Reliability: deadlines, heap limits, Runtime::Interrupt, stack overflow
// and the absence of ambient authority. Timing is never asserted: deadlines
// are generous and only status codes are checked.
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "js_test_util.h"

namespace duet::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

absl::Time In(absl::Duration d) { return absl::Now() + d; }

void SleepMs(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

class JsLimitsTest : public JsTest {
 protected:
  void SetUp() override {
    JsTest::SetUp();
    baseline_isolates_ = LiveJavaScriptIsolatesForTesting();
  }

  absl::StatusOr<std::unique_ptr<Implementation>> LoadLimited(
      std::string_view relative, std::string_view source, std::string module,
      int64_t memory_mb,
      absl::Duration load_timeout = absl::InfiniteDuration()) {
    Write(relative, source);
    ImplementationSpec spec;
    spec.module = std::move(module);
    spec.entry = root_ / relative;
    spec.root = root_;
    spec.memory_mb = memory_mb;
    spec.load_timeout = load_timeout;
    return runtime_->Load(spec);
  }

  // Runs `fn` on its own thread and waits for it at most 30 s: a hang fails
  // the test, and Runtime::Interrupt then ends it so the binary goes on.
  void RunBounded(const std::function<void()>& fn) {
    absl::Notification done;
    std::thread thread([&] {
      fn();
      done.Notify();
    });
    EXPECT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(30)))
        << "still running after 30 s";
    while (!done.WaitForNotificationWithTimeout(absl::Milliseconds(10))) {
      runtime_->Interrupt();
    }
    thread.join();
  }

  int64_t baseline_isolates_ = 0;
};

constexpr char kAdd[] = R"JS(
export function add(a, b) { return a + b; }
)JS";

constexpr char kBomb[] = R"JS(
let count = 0;
export function inc() { return ++count; }
export function bomb() {
  const a = [];
  while (true) a.push(new Array(1e6).fill(1));
}
)JS";

TEST_F(JsLimitsTest, HeapLimitIsResourceExhaustedAndTheModuleReloads) {
  ASSERT_OK_AND_ASSIGN(auto other, LoadSource("other.mjs", kAdd, "other"));
  ASSERT_OK_AND_ASSIGN(auto impl,
                       LoadLimited("bomb.mjs", kBomb, "bomber", /*mb=*/64));
  EXPECT_THAT(CallByName(*impl, "inc", {}), IsOkAndHolds(Value(1)));
  EXPECT_THAT(CallByName(*impl, "inc", {}), IsOkAndHolds(Value(2)));
  EXPECT_THAT(
      CallByName(*impl, "bomb", {}),
      StatusIs(
          absl::StatusCode::kResourceExhausted,
          AllOf(HasSubstr("'bomber'"),
                HasSubstr("exceeded its JavaScript heap limit of 64 MB"))));
  // A fresh isolate: the module's state starts over.
  EXPECT_THAT(CallByName(*impl, "inc", {}), IsOkAndHolds(Value(1)));
  EXPECT_THAT(CallByName(*other, "add", {Value(20), Value(22)}),
              IsOkAndHolds(Value(42)));
  // And again, to show the rebuilt isolate has the limit too.
  EXPECT_THAT(CallByName(*impl, "bomb", {}),
              StatusIs(absl::StatusCode::kResourceExhausted, ::testing::_));
  EXPECT_THAT(CallByName(*impl, "inc", {}), IsOkAndHolds(Value(1)));
}

// Strings a script keeps count against its heap cap, whatever their
// characters: 300 kept results of 1 MiB of ASCII, U+00E9 (Latin-1) or
// U+20AC (UCS2) do not fit 64 MB. Large strings are external, outside V8's
// heap (convert.cc), so the cap counts the external memory reported to V8
// (Engine::HeldBytes); before, ASCII ones grew past it to 1.2 GB.
TEST_F(JsLimitsTest, KeptStringResultsCountAgainstTheHeapCap) {
  constexpr size_t kMiB = size_t{1} << 20;
  for (const auto& [name, character] :
       {std::pair{"ascii", "a"}, std::pair{"latin1", "\xc3\xa9"},
        std::pair{"ucs2", "\xe2\x82\xac"}}) {
    services_.AddModuleFunction(
        "big", name, [character = character](absl::Span<const Value>) {
          std::string text;
          while (text.size() < kMiB) text += character;
          return absl::StatusOr<Value>(Value(std::move(text)));
        });
    ASSERT_OK_AND_ASSIGN(auto impl, LoadLimited("keep.mjs", R"JS(
import duet from 'duet';
const kept = [];
export function keep(name, n) {
  for (let i = 0; i < n; i++) kept.push(duet.modules.big[name]());
  return kept.length;
}
)JS",
                                                "keeper", /*memory_mb=*/64));
    EXPECT_THAT(CallByName(*impl, "keep", {Value(name), Value(300)}),
                StatusIs(absl::StatusCode::kResourceExhausted,
                         HasSubstr("heap limit of 64 MB")))
        << name;
  }
}

// Calls made while this thread keeps the isolate locked (HoldLock) count
// on the hold's entry of the isolate: one that exhausts the heap still
// retires it, the next call gets a fresh isolate, and the exhausted one
// goes when the hold does.
TEST_F(JsLimitsTest, HeapLimitUnderAHeldLockRetiresTheIsolate) {
  ASSERT_OK_AND_ASSIGN(auto impl,
                       LoadLimited("bomb.mjs", kBomb, "bomber", /*mb=*/64));
  const int64_t loaded = LiveJavaScriptIsolatesForTesting();
  {
    std::unique_ptr<HeldEngineLock> held = impl->HoldLock();
    ASSERT_NE(held, nullptr);
    EXPECT_THAT(CallByName(*impl, "inc", {}), IsOkAndHolds(Value(1)));
    EXPECT_THAT(CallByName(*impl, "inc", {}), IsOkAndHolds(Value(2)));
    EXPECT_THAT(CallByName(*impl, "bomb", {}),
                StatusIs(absl::StatusCode::kResourceExhausted,
                         HasSubstr("heap limit of 64 MB")));
    EXPECT_THAT(CallByName(*impl, "inc", {}), IsOkAndHolds(Value(1)));
    // The exhausted isolate stays while the hold keeps it.
    EXPECT_EQ(LiveJavaScriptIsolatesForTesting(), loaded + 1);
    EXPECT_THAT(CallByName(*impl, "bomb", {}),
                StatusIs(absl::StatusCode::kResourceExhausted, ::testing::_));
    EXPECT_THAT(CallByName(*impl, "inc", {}), IsOkAndHolds(Value(1)));
    EXPECT_THAT(CallByName(*impl, "inc", {}), IsOkAndHolds(Value(2)));
  }
  EXPECT_EQ(LiveJavaScriptIsolatesForTesting(), loaded);
  EXPECT_THAT(CallByName(*impl, "inc", {}), IsOkAndHolds(Value(3)));
}

TEST_F(JsLimitsTest, HeapLimitDuringModuleLoad) {
  EXPECT_THAT(LoadLimited("load_bomb.js", R"JS(
const a = [];
while (true) a.push(new Array(1e6).fill(1));
)JS",
                          "loadbomb", 64),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("heap limit of 64 MB")));
  ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("spin.mjs", kAdd));
  EXPECT_THAT(CallByName(*impl, "add", {Value(1), Value(2)}),
              IsOkAndHolds(Value(3)));
}

TEST_F(JsLimitsTest, TopLevelCodeStopsAtTheLoadTimeLimit) {
  // An endless loop, and an endless microtask chain, in CommonJS and ESM.
  const char* kLoop = "for (;;) {}\n";
  const char* kChain =
      "const loop = () => Promise.resolve().then(loop);\nloop();\n";
  for (const auto& [file, source] :
       std::vector<std::pair<std::string, std::string>>{
           {"loop.js", kLoop},
           {"loop.mjs", kLoop},
           {"chain.js", kChain},
           {"chain.mjs", kChain}}) {
    absl::StatusOr<std::unique_ptr<Implementation>> impl;
    RunBounded([&] {
      impl = LoadLimited(file, source, "looper", 0, absl::Milliseconds(200));
    });
    EXPECT_THAT(impl, StatusIs(absl::StatusCode::kDeadlineExceeded,
                               absl::StrCat(file,
                                            ": top-level code did not finish "
                                            "within its time limit of 200ms")));
  }
  ASSERT_OK_AND_ASSIGN(auto impl, LoadLimited("spin.mjs", kAdd, "plugin", 0,
                                              absl::Milliseconds(200)));
  EXPECT_THAT(CallByName(*impl, "add", {Value(1), Value(2)}),
              IsOkAndHolds(Value(3)));
}

TEST_F(JsLimitsTest, ReloadAfterTheHeapLimitStopsAtTheLoadTimeLimit) {
  std::atomic<bool> spin_on_load{false};
  services_.AddHostFunction(
      "spinOnLoad", [&](absl::Span<const Value>) -> absl::StatusOr<Value> {
        return Value(spin_on_load.load());
      });
  ASSERT_OK_AND_ASSIGN(auto impl, LoadLimited("bomb.mjs",
                                              absl::StrCat(R"JS(
import duet from 'duet';
if (duet.host.spinOnLoad()) for (;;) {}
)JS",
                                                           kBomb),
                                              "bomber", /*memory_mb=*/64,
                                              absl::Milliseconds(300)));
  EXPECT_THAT(CallByName(*impl, "inc", {}), IsOkAndHolds(Value(1)));
  EXPECT_THAT(CallByName(*impl, "bomb", {}),
              StatusIs(absl::StatusCode::kResourceExhausted, ::testing::_));
  // The renewal's top-level code hangs: that call fails ...
  spin_on_load = true;
  absl::StatusOr<Value> out;
  RunBounded([&] { out = CallByName(*impl, "inc", {}); });
  EXPECT_THAT(out, StatusIs(absl::StatusCode::kDeadlineExceeded,
                            "bomb.mjs: top-level code did not finish within "
                            "its time limit of 300ms"));
  // ... and the next call loads the module again.
  spin_on_load = false;
  EXPECT_THAT(CallByName(*impl, "inc", {}), IsOkAndHolds(Value(1)));
}

constexpr char kChains[] = R"JS(
import duet from 'duet';
const loop = () => Promise.resolve().then(loop);
export function chain() { loop(); return 1; }
export async function asyncChain() { loop(); return 1; }
export function startedChain() {
  Promise.resolve().then(() => duet.host.started()).then(loop);
  return 1;
}
export function add(a, b) { return a + b; }
)JS";

TEST_F(JsLimitsTest, DeadlineStopsAnEndlessMicrotaskChain) {
  ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("chains.mjs", kChains));
  for (const char* name : {"chain", "asyncChain"}) {
    absl::StatusOr<Value> out;
    RunBounded([&] {
      out = CallByName(*impl, name, {}, In(absl::Milliseconds(200)));
    });
    EXPECT_THAT(out, StatusIs(absl::StatusCode::kDeadlineExceeded,
                              "JavaScript execution stopped at its deadline"))
        << name;
    EXPECT_THAT(CallByName(*impl, "add", {Value(1), Value(2)}),
                IsOkAndHolds(Value(3)));
  }
}

// An async function's result is read once its promise settles
// (EventLoop::Settled), and reading a long array runs its getters: that
// read is part of the call, so the call's deadline and Interrupt stop it
// and the call ends with the stop's status, as a synchronous call's read
// does (slowElementNow).
constexpr char kSlowElement[] = R"JS(
import duet from 'duet';
function slowArray() {
  const a = Array.from({ length: 100 }, (_, i) => i);
  Object.defineProperty(a, 90, {
    get() { duet.host.started(); for (;;) {} }
  });
  return a;
}
export async function slowElement() {
  await new Promise((resolve) => setTimeout(resolve, 1));
  return slowArray();
}
export function slowElementNow() { return slowArray(); }
export function add(a, b) { return a + b; }
)JS";

class JsAwaitedReadTest : public JsLimitsTest {
 protected:
  void SetUp() override {
    JsLimitsTest::SetUp();
    services_.AddHostFunction(
        "started", [this](absl::Span<const Value>) -> absl::StatusOr<Value> {
          if (!started_.HasBeenNotified()) started_.Notify();
          return Value();
        });
  }
  // Runs `fn` on its own thread; after 5 s interrupts it until it ends
  // (then the test has failed).
  void RunForAtMost5s(const std::function<void()>& fn) {
    absl::Notification done;
    std::thread thread([&] {
      fn();
      done.Notify();
    });
    EXPECT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(5)))
        << "still running 5 s after a 300 ms deadline";
    while (!done.WaitForNotificationWithTimeout(absl::Milliseconds(10))) {
      runtime_->Interrupt();
    }
    thread.join();
  }
  absl::Notification started_;
};

TEST_F(JsAwaitedReadTest, DeadlineStopsTheReadOfAnAwaitedResult) {
  ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("slow.mjs", kSlowElement));
  for (const char* name : {"slowElementNow", "slowElement"}) {
    absl::StatusOr<Value> out;
    RunForAtMost5s([&] {
      out = CallByName(*impl, name, {}, In(absl::Milliseconds(300)));
    });
    EXPECT_THAT(out, StatusIs(absl::StatusCode::kDeadlineExceeded,
                              HasSubstr("stopped at its deadline")))
        << name;
  }
  EXPECT_THAT(CallByName(*impl, "add", {Value(1), Value(2)}),
              IsOkAndHolds(Value(3)));
}

TEST_F(JsAwaitedReadTest, InterruptStopsTheReadOfAnAwaitedResult) {
  ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("slow.mjs", kSlowElement));
  absl::StatusOr<Value> out;
  RunForAtMost5s([&] {
    std::thread interrupter([&] {
      started_.WaitForNotification();
      runtime_->Interrupt();
    });
    out = CallByName(*impl, "slowElement", {});
    if (!started_.HasBeenNotified()) started_.Notify();
    interrupter.join();
  });
  // Before e7b8473 this was kInvalidArgument "a JavaScript exception was
  // thrown while reading at result[90]"; since, "... at result[0]" (the
  // reader's finally does not run when execution is terminated).
  EXPECT_THAT(out, StatusIs(absl::StatusCode::kCancelled, ::testing::_));
  EXPECT_THAT(CallByName(*impl, "add", {Value(1), Value(2)}),
              IsOkAndHolds(Value(3)));
}

TEST_F(JsLimitsTest, InterruptStopsAnEndlessMicrotaskChain) {
  absl::Notification started;
  services_.AddHostFunction(
      "started", [&](absl::Span<const Value>) -> absl::StatusOr<Value> {
        if (!started.HasBeenNotified()) started.Notify();
        return Value();
      });
  ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("chains.mjs", kChains));
  absl::StatusOr<Value> out;
  RunBounded([&] {
    std::thread interrupter([&] {
      started.WaitForNotification();
      runtime_->Interrupt();
    });
    out = CallByName(*impl, "startedChain", {});
    if (!started.HasBeenNotified()) started.Notify();
    interrupter.join();
  });
  EXPECT_THAT(out, StatusIs(absl::StatusCode::kCancelled, ::testing::_));
  EXPECT_THAT(CallByName(*impl, "add", {Value(1), Value(2)}),
              IsOkAndHolds(Value(3)));
}

// Single allocations that do not fit under the cap, and loops inside
// builtins that do not look for termination: each is kResourceExhausted for
// its call (never a process abort), and the next call gets a fresh isolate.
constexpr char kBigAllocations[] = R"JS(
let count = 0;
export function inc() { return ++count; }
export function doubles(n) { return new Array(n).fill(0.5).length; }
export function arrayFrom(n) { return Array.from({length: n}).length; }
export function objects(mb) {
  const keep = [];
  for (let i = 0; i < mb * 1024; ++i) keep.push({a: i, b: [i, i + 1, i + 2]});
  return keep.length;
}
export function buffer(n) { return new ArrayBuffer(n).byteLength; }
export function keepDoubles(n, times) {
  const keep = [];
  for (let i = 0; i < times; ++i) keep.push(new Array(n).fill(0.5));
  return keep.length;
}
)JS";

constexpr char kSparseBuiltins[] = R"JS(
export function fillSparse(n) { new Array(n).fill(0.5); return 1; }
export function fillArrayLike(n) {
  return Array.prototype.fill.call({length: n}, 1).length;
}
export function fromArrayLike(n) { return Array.from({length: n}).length; }
export function fromGetter(n) {
  return Array.from({get length() { return n; }}).length;
}
export function subclassFrom(n) {
  class Sub extends Array {}
  return Sub.from({length: n}).length;
}
export function ordinary() {
  const big = new Array(1e7).fill(7);
  const range = Array.from({length: 5}, (_, i) => i * i);
  let reads = 0;
  const counted = Array.from({get length() { reads++; return 3; }});
  return [big.length, big[9999999], range, [1, 2, 3, 4].fill(0, 1, -1),
          Array.prototype.fill.call({length: 2}, 'x'), counted.length, reads,
          Array.prototype.fill.name, Array.prototype.fill.length,
          Array.from.name, Array.from.length,
          Object.keys(Array.prototype).length];
}
export function inc() { globalThis.count = (globalThis.count || 0) + 1; return globalThis.count; }
)JS";

// Array.prototype.fill and Array.from loop in C++ without looking for
// termination on sparse arrays and array-likes; past V8's headroom that
// aborted the process ("Fatal javascript OOM"). They are refused up front
// (more elements than the cap holds) or run as a stoppable loop.
TEST_F(JsLimitsTest, BuiltinsThatIgnoreTerminationStopAtTheCap) {
  ASSERT_OK_AND_ASSIGN(
      auto impl, LoadLimited("sparse.mjs", kSparseBuiltins, "sparse", 16));
  for (const char* function : {"fillSparse", "fillArrayLike", "fromArrayLike",
                               "fromGetter", "subclassFrom"}) {
    EXPECT_THAT(CallByName(*impl, "inc", {}), IsOkAndHolds(Value(1)));
    EXPECT_THAT(CallByName(*impl, function, {Value(40'000'000)}),
                StatusIs(absl::StatusCode::kResourceExhausted,
                         HasSubstr("heap limit of 16 MB")))
        << function;
  }
  // The default cap (512 MB): 1e8 elements, which aborted after 8 s.
  ASSERT_OK_AND_ASSIGN(
      auto roomy, LoadLimited("sparse.mjs", kSparseBuiltins, "sparse", 512));
  EXPECT_THAT(CallByName(*roomy, "fillSparse", {Value(100'000'000)}),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("heap limit of 512 MB")));
  EXPECT_THAT(CallByName(*roomy, "fromArrayLike", {Value(4'294'967'295)}),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("heap limit of 512 MB")));
}

TEST_F(JsLimitsTest, GuardedBuiltinsBehaveAsTheSpecSays) {
  ASSERT_OK_AND_ASSIGN(
      auto impl, LoadLimited("sparse.mjs", kSparseBuiltins, "sparse", 512));
  Value::Map array_like{
      {"0", Value("x")}, {"1", Value("x")}, {"length", Value(2)}};
  EXPECT_THAT(
      CallByName(*impl, "ordinary", {}),
      IsOkAndHolds(Value(Value::List{
          Value(10'000'000), Value(7),
          Value(Value::List{Value(0), Value(1), Value(4), Value(9), Value(16)}),
          Value(Value::List{Value(1), Value(0), Value(0), Value(4)}),
          Value(std::move(array_like)), Value(3), Value(1), Value("fill"),
          Value(1), Value("from"), Value(1), Value(0)})));
}

TEST_F(JsLimitsTest, OneLargeAllocationOverTheCapIsResourceExhausted) {
  for (int64_t memory_mb : {16, 64}) {
    ASSERT_OK_AND_ASSIGN(
        auto impl, LoadLimited("big.mjs", kBigAllocations, "big", memory_mb));
    EXPECT_THAT(CallByName(*impl, "inc", {}), IsOkAndHolds(Value(1)));
    // Twice the cap in one FixedDoubleArray.
    EXPECT_THAT(CallByName(*impl, "doubles", {Value(memory_mb << 18)}),
                StatusIs(absl::StatusCode::kResourceExhausted,
                         HasSubstr("exceeded its JavaScript heap limit")))
        << memory_mb << " MB";
    EXPECT_THAT(CallByName(*impl, "inc", {}), IsOkAndHolds(Value(1)));
    EXPECT_THAT(CallByName(*impl, "doubles", {Value(1e5)}),
                IsOkAndHolds(Value(100000)));
  }
}

TEST_F(JsLimitsTest, LargeAllocationsUnderTheHostDefaultCap) {
  ASSERT_OK_AND_ASSIGN(auto impl,
                       LoadLimited("big.mjs", kBigAllocations, "big", 512));
  // 240 MB at once fits; three of them kept do not.
  EXPECT_THAT(CallByName(*impl, "doubles", {Value(3e7)}),
              IsOkAndHolds(Value(30000000)));
  EXPECT_THAT(CallByName(*impl, "keepDoubles", {Value(3e7), Value(3)}),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("heap limit of 512 MB")));
  EXPECT_THAT(CallByName(*impl, "inc", {}), IsOkAndHolds(Value(1)));
}

// Array.from on an array-like of 1e8 elements loops in a builtin that never
// looks for termination; it runs to its end (~17 s, ~1.5 GB here) inside
// the headroom and is then stopped.
TEST_F(JsLimitsTest, BuiltinLoopThatIgnoresTerminationIsResourceExhausted) {
  ASSERT_OK_AND_ASSIGN(auto impl,
                       LoadLimited("big.mjs", kBigAllocations, "big", 64));
  EXPECT_THAT(CallByName(*impl, "arrayFrom", {Value(1e8)}),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("heap limit of 64 MB")));
  EXPECT_THAT(CallByName(*impl, "inc", {}), IsOkAndHolds(Value(1)));
  EXPECT_THAT(CallByName(*impl, "arrayFrom", {Value(1000)}),
              IsOkAndHolds(Value(1000)));
}

TEST_F(JsLimitsTest, AnyMemoryLimitIsUsable) {
  // Limits whose byte count overflows 64 bits are clamped, never wrapped.
  for (int64_t memory_mb : {int64_t{1}, int64_t{1} << 44, int64_t{1} << 53,
                            std::numeric_limits<int64_t>::max(), int64_t{-1},
                            std::numeric_limits<int64_t>::min()}) {
    ASSERT_OK_AND_ASSIGN(
        auto impl, LoadLimited("big.mjs", kBigAllocations, "big", memory_mb));
    EXPECT_THAT(CallByName(*impl, "buffer", {Value(1024)}),
                IsOkAndHolds(Value(1024)))
        << memory_mb;
    // ~8 MB kept: a full GC comes while over 1 MB is live, however large
    // the isolate's own heap is at the start.
    absl::StatusOr<Value> objects = CallByName(*impl, "objects", {Value(100)});
    if (memory_mb == 1) {
      EXPECT_THAT(objects,
                  StatusIs(absl::StatusCode::kResourceExhausted, ::testing::_));
    } else {
      EXPECT_THAT(objects, IsOkAndHolds(Value(100 * 1024))) << memory_mb;
    }
    EXPECT_THAT(CallByName(*impl, "inc", {}), IsOkAndHolds(Value(1)))
        << memory_mb;
  }
}

// Peak resident memory of this process so far, in MB.
int64_t PeakRssMb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) / 1024;
  }
  return -1;
}

// Makes VmHWM start again from the current RSS (Linux 4.0+), so a test
// measures its own peak, not that of the tests before it in this binary.
void ResetPeakRss() { std::ofstream("/proc/self/clear_refs") << "5"; }

TEST_F(JsLimitsTest, ManyThreadsHittingTheCapKeepMemoryBounded) {
  ResetPeakRss();
  ASSERT_OK_AND_ASSIGN(auto impl,
                       LoadLimited("bomb.mjs", kBomb, "bomber", /*mb=*/64));
  constexpr int kThreads = 8;
  constexpr int kBombers = 2;
  constexpr int kBombsEach = 15;
  std::atomic<int> exhausted{0};
  std::atomic<int> unexpected{0};
  std::atomic<int> bombers_left{kBombers};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      bool bomber = t < kBombers;
      // Callers keep calling while the bombers run, so some call of the
      // module is always in flight.
      for (int i = 0; bomber ? i < kBombsEach : bombers_left.load() > 0; ++i) {
        absl::StatusOr<Value> out =
            CallByName(*impl, bomber ? "bomb" : "inc", {});
        if (out.ok()) continue;
        if (out.status().code() == absl::StatusCode::kResourceExhausted) {
          exhausted.fetch_add(1);
        } else {
          unexpected.fetch_add(1);
          ADD_FAILURE() << out.status();
        }
      }
      if (bomber) bombers_left.fetch_sub(1);
    });
  }
  // A retired isolate lives only while a call that entered it unwinds: at
  // most one per thread, plus the current one.
  int64_t most_isolates = 0;
  while (bombers_left.load() > 0) {
    most_isolates = std::max(most_isolates, LiveJavaScriptIsolatesForTesting());
    SleepMs(1);
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_GE(exhausted.load(), kBombers * kBombsEach);
  // How many calls got through during the storm depends on scheduling; the
  // module must serve again once it is over.
  EXPECT_TRUE(CallByName(*impl, "inc", {}).ok());
  EXPECT_LE(most_isolates, baseline_isolates_ + kThreads + 1);
  EXPECT_LT(PeakRssMb(), 2048);
  EXPECT_LE(LiveJavaScriptIsolatesForTesting(), baseline_isolates_ + 1);
}

TEST_F(JsLimitsTest, RetiredIsolateIsFreedWhenItsOwnCallsEnd) {
  // `wait` parks a call in a host function until the test releases it.
  absl::Mutex mutex;
  int parked = 0;
  bool release_first = false;
  bool release_second = false;
  services_.AddHostFunction(
      "wait", [&](absl::Span<const Value> args) -> absl::StatusOr<Value> {
        absl::MutexLock lock(&mutex);
        ++parked;
        bool* release =
            args[0].as_int() == 1 ? &release_first : &release_second;
        mutex.Await(absl::Condition(release));
        return Value();
      });
  ASSERT_OK_AND_ASSIGN(auto impl, LoadLimited("wait.mjs", R"JS(
import duet from 'duet';
export function wait(which) { duet.host.wait(which); return which; }
export function bomb() {
  const a = [];
  while (true) a.push(new Array(1e6).fill(1));
}
export function add(a, b) { return a + b; }
)JS",
                                              "waiter", 64));
  EXPECT_EQ(LiveJavaScriptIsolatesForTesting(), baseline_isolates_ + 1);
  // The first call waits inside the first isolate, which then hits the cap.
  absl::StatusOr<Value> first;
  std::thread first_thread(
      [&] { first = CallByName(*impl, "wait", {Value(1)}); });
  {
    absl::MutexLock lock(&mutex);
    mutex.Await(absl::Condition(
        +[](int* n) { return *n == 1; }, &parked));
  }
  EXPECT_THAT(CallByName(*impl, "bomb", {}),
              StatusIs(absl::StatusCode::kResourceExhausted, ::testing::_));
  EXPECT_THAT(CallByName(*impl, "add", {Value(1), Value(2)}),
              IsOkAndHolds(Value(3)));
  EXPECT_EQ(LiveJavaScriptIsolatesForTesting(), baseline_isolates_ + 2);
  // A second call waits in the new isolate while the first one ends: the
  // retired isolate goes with its own last call.
  absl::StatusOr<Value> second;
  std::thread second_thread(
      [&] { second = CallByName(*impl, "wait", {Value(2)}); });
  {
    absl::MutexLock lock(&mutex);
    mutex.Await(absl::Condition(
        +[](int* n) { return *n == 2; }, &parked));
    release_first = true;
  }
  first_thread.join();
  // It either finished before JavaScript checked for the stop or was
  // stopped.
  if (!first.ok()) {
    EXPECT_EQ(first.status().code(), absl::StatusCode::kResourceExhausted);
  }
  EXPECT_EQ(LiveJavaScriptIsolatesForTesting(), baseline_isolates_ + 1);
  {
    absl::MutexLock lock(&mutex);
    release_second = true;
  }
  second_thread.join();
  EXPECT_THAT(second, IsOkAndHolds(Value(2)));
  EXPECT_EQ(LiveJavaScriptIsolatesForTesting(), baseline_isolates_ + 1);
}

TEST_F(JsLimitsTest, ArrayBufferContentsCountAgainstTheLimit) {
  ASSERT_OK_AND_ASSIGN(auto impl, LoadLimited("buffers.mjs", R"JS(
export function big(mb) { return new Uint8Array(mb * 1024 * 1024).length; }
export function echo(b) { return b; }
)JS",
                                              "buffers", 64));
  EXPECT_THAT(
      CallByName(*impl, "big", {Value(200)}),
      StatusIs(absl::StatusCode::kUnknown,
               HasSubstr("RangeError: Array buffer allocation failed")));
  EXPECT_THAT(CallByName(*impl, "big", {Value(8)}),
              IsOkAndHolds(Value(8 << 20)));
  Value bytes(Bytes(std::string(1 << 20, 'x')));
  EXPECT_THAT(CallByName(*impl, "echo", {bytes}), IsOkAndHolds(bytes));
}

TEST_F(JsLimitsTest, DeepRecursionIsARangeError) {
  ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("rec.mjs", R"JS(
export function recurse() { function f() { return f() + 1; } return f(); }
export function add(a, b) { return a + b; }
)JS"));
  absl::StatusOr<Value> out = CallByName(*impl, "recurse", {});
  EXPECT_THAT(out, StatusIs(absl::StatusCode::kUnknown,
                            HasSubstr("RangeError: Maximum call stack size")));
  EXPECT_THAT(CallByName(*impl, "add", {Value(1), Value(2)}),
              IsOkAndHolds(Value(3)));
}

// Runs `fn` on a thread with a stack of `bytes`.
void RunOnSmallStack(size_t bytes, std::function<void()> fn) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, bytes);
  pthread_t thread;
  auto trampoline = [](void* arg) -> void* {
    (*static_cast<std::function<void()>*>(arg))();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&thread, &attr, trampoline, &fn), 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
}

TEST_F(JsLimitsTest, DeepRecursionOnASmallThreadStackIsARangeError) {
  // V8 alone would allow ~1 MB of stack below the entry point: more than
  // this thread has.
  ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("rec.mjs", R"JS(
export function recurse() { function f(a, b, c) { return f(a, b, c) + 1; } return f(1, 2, 3); }
)JS"));
  absl::StatusOr<Value> out;
  RunOnSmallStack(512 * 1024, [&] { out = CallByName(*impl, "recurse", {}); });
  EXPECT_THAT(out,
              StatusIs(absl::StatusCode::kUnknown, HasSubstr("RangeError")));
}

TEST_F(JsLimitsTest, DeepRecursionInsideANestedChainIsARangeError) {
  // JS -> host -> JS -> ... 20 deep, then runaway recursion at the bottom,
  // on a thread whose first entry into the isolate is already deep.
  std::unique_ptr<Implementation> impl;
  services_.AddHostFunction(
      "down", [&](absl::Span<const Value> args) -> absl::StatusOr<Value> {
        return CallByName(*impl, "deep", args);
      });
  ASSERT_OK_AND_ASSIGN(impl, LoadSource("deep.mjs", R"JS(
import duet from 'duet';
export function deep(n) {
  if (n > 0) return duet.host.down(n - 1);
  function f() { return f() + 1; }
  return f();
}
)JS"));
  absl::StatusOr<Value> out;
  RunOnSmallStack(4 << 20, [&] {
    // Burn most of the stack in C++ before the first entry.
    std::function<void(int)> burn = [&](int depth) {
      volatile char pad[16 * 1024];
      pad[0] = static_cast<char>(depth);
      if (depth > 0) {
        burn(depth - 1);
      } else {
        out = CallByName(*impl, "deep", {Value(20)});
      }
      pad[1] = pad[0];
    };
    burn(150);  // ~2.4 MB
  });
  EXPECT_THAT(out,
              StatusIs(absl::StatusCode::kUnknown, HasSubstr("RangeError")));
  EXPECT_THAT(CallByName(*impl, "deep", {Value(3)}),
              StatusIs(absl::StatusCode::kUnknown, HasSubstr("RangeError")));
}

TEST_F(JsLimitsTest, NoAmbientAuthority) {
  ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("probe.mjs", R"JS(
const kStandard = new Set([
  // ECMAScript (V8 10.2)
  'Object', 'Function', 'Array', 'Number', 'parseFloat', 'parseInt',
  'Infinity', 'NaN', 'undefined', 'Boolean', 'String', 'Symbol', 'Date',
  'Promise', 'RegExp', 'Error', 'AggregateError', 'EvalError', 'RangeError',
  'ReferenceError', 'SyntaxError', 'TypeError', 'URIError', 'globalThis',
  'JSON', 'Math', 'Intl', 'ArrayBuffer', 'Uint8Array', 'Int8Array',
  'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array', 'Float32Array',
  'Float64Array', 'Uint8ClampedArray', 'BigUint64Array', 'BigInt64Array',
  'DataView', 'Map', 'BigInt', 'Set', 'WeakMap', 'WeakSet', 'Proxy',
  'Reflect', 'FinalizationRegistry', 'WeakRef', 'decodeURI',
  'decodeURIComponent', 'encodeURI', 'encodeURIComponent', 'escape',
  'unescape', 'eval', 'isFinite', 'isNaN', 'SharedArrayBuffer', 'Atomics',
  'WebAssembly',
  // duet: console, and the event loop's timers (they reach nothing)
  'console', 'setTimeout', 'setInterval', 'clearTimeout', 'clearInterval',
  'queueMicrotask',
  // duet's library (lib/internal/globals.js): each grants no authority
  'setImmediate', 'clearImmediate', 'Buffer', 'process',
  'TextEncoder', 'TextDecoder', 'URL', 'URLSearchParams', 'structuredClone', 'atob', 'btoa',
  'crypto', 'performance', 'AbortController', 'AbortSignal', 'Event', 'EventTarget',
  'CustomEvent', 'DOMException',
]);
export function extraGlobals() {
  return Object.getOwnPropertyNames(globalThis).filter((n) => !kStandard.has(n));
}
export function probe(code) {
  try { return String((0, eval)(code)); } catch (e) { return e.name + ': ' + e.message; }
}
export async function importFs() {
  try { await import('fs'); return 'imported'; } catch (e) { return e.message; }
}
export function exit() { process.exit(1); }
export function viaFunction() { return Function('return typeof require')(); }
)JS"));
  EXPECT_THAT(CallByName(*impl, "extraGlobals", {}),
              IsOkAndHolds(Value(Value::List{})));
  for (const char* name : {"require", "fetch", "XMLHttpRequest", "Deno", "Bun",
                           "module", "global", "WebSocket", "importScripts"}) {
    EXPECT_THAT(
        CallByName(*impl, "probe", {Value(absl::StrCat("typeof ", name))}),
        IsOkAndHolds(Value("undefined")))
        << name;
  }
  // WebAssembly stays (pure computation, no imports are provided), but a
  // module can only reach what its importer passes in: nothing of the host.
  EXPECT_THAT(CallByName(*impl, "probe", {Value("typeof WebAssembly.Module")}),
              IsOkAndHolds(Value("function")));
  EXPECT_THAT(
      CallByName(*impl, "importFs", {}),
      IsOkAndHolds(StringValue(HasSubstr("Node.js built-in modules are not "
                                         "available"))));
  EXPECT_THAT(CallByName(*impl, "viaFunction", {}),
              IsOkAndHolds(Value("undefined")));
  // process is duet's (lib/node/process.js): it cannot end the host.
  absl::StatusOr<Value> exited = CallByName(*impl, "exit", {});
  EXPECT_THAT(exited,
              StatusIs(absl::StatusCode::kUnknown,
                       HasSubstr("process.exit() is not available to a duet "
                                 "plugin")));
  // CommonJS: require of Node built-ins is refused.
  ASSERT_OK_AND_ASSIGN(auto cjs, LoadSource("probe.cjs", R"JS(
exports.load = (name) => {
  try { require(name); return 'loaded'; } catch (e) { return e.code + ': ' + e.message; }
};
)JS",
                                            "cjsprobe"));
  // (os is provided, without what describes the machine: node_builtins_test.)
  for (const char* name : {"fs", "child_process", "net", "node:fs", "http",
                           "worker_threads", "vm"}) {
    EXPECT_THAT(CallByName(*cjs, "load", {Value(name)}),
                IsOkAndHolds(StringValue(
                    AllOf(HasSubstr("MODULE_NOT_FOUND"),
                          HasSubstr("built-in modules are not available")))))
        << name;
  }
}

}  // namespace
}  // namespace duet::testing
