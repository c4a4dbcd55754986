// Host::CallAsync in the real engines: calls that await (a JavaScript
// Promise on timers, a Python coroutine on asyncio) are in flight together
// without a thread each; plain functions complete before CallAsync returns;
// errors, Interrupt and the host's destruction reach the callback.
#include <atomic>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "duet/duet.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/language_param.h"
#include "testing/quiet_host.h"
#include "testing/status_matchers.h"

namespace duet {
namespace {

using ::duet::testing::IsOkAndHolds;
using ::duet::testing::StatusIs;

// Each call says it arrived, waits 200 ms, and returns how many calls had
// arrived by the time it finished.
constexpr char kPython[] = R"PY(
import asyncio
import duet

async def wait_and_count():
    duet.host.arrive()
    await asyncio.sleep(0.2)
    return duet.host.arrivals()

async def forever():
    duet.host.arrive()
    await asyncio.sleep(3600)

def plain(x):
    return x + 1
)PY";
constexpr char kJavaScript[] = R"JS(
import duet from 'duet';

export async function wait_and_count() {
  duet.host.arrive();
  await new Promise((resolve) => setTimeout(resolve, 200));
  return duet.host.arrivals();
}

export async function forever() {
  duet.host.arrive();
  await new Promise((resolve) => setTimeout(resolve, 3600 * 1000));
}

export function plain(x) { return x + 1; }
)JS";

class CallAsyncTest : public ::testing::TestWithParam<Language> {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(testing::MakeQuietHost(HostOptions(), &host_));
    ASSERT_OK(host_->RegisterFunction(
        "arrive", [this](absl::Span<const Value>) -> absl::StatusOr<Value> {
          absl::MutexLock lock(&mutex_);
          ++arrivals_;
          return Value();
        }));
    ASSERT_OK(host_->RegisterFunction(
        "arrivals", [this](absl::Span<const Value>) -> absl::StatusOr<Value> {
          absl::MutexLock lock(&mutex_);
          return Value(arrivals_);
        }));
    PluginSource source;
    source.module = "waiter";
    source.implementations = {
        {Language::kPython, kPython, "waiter.py"},
        {Language::kJavaScript, kJavaScript, "waiter.mjs"}};
    ASSERT_OK(host_->LoadPlugin(source).status());
    ASSERT_OK(host_->Use("waiter", GetParam()));
  }

  void WaitForArrivals(int count) {
    absl::MutexLock lock(&mutex_);
    auto reached = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
      return arrivals_ >= count;
    };
    mutex_.Await(absl::Condition(&reached));
  }

  std::unique_ptr<Host> host_;
  absl::Mutex mutex_;
  int64_t arrivals_ ABSL_GUARDED_BY(mutex_) = 0;
  bool cancelled_ ABSL_GUARDED_BY(mutex_) = false;
  int64_t ticks_ ABSL_GUARDED_BY(mutex_) = 0;
};

// Overlap, shown without timing: had the calls run one after the other,
// the first would have finished before the second arrived and returned 1.
TEST_P(CallAsyncTest, TwoWaitingCallsOverlap) {
  std::future<absl::StatusOr<Value>> first =
      host_->CallAsync("waiter", "wait_and_count", {});
  std::future<absl::StatusOr<Value>> second =
      host_->CallAsync("waiter", "wait_and_count", {});
  EXPECT_THAT(first.get(), IsOkAndHolds(Value(2)));
  EXPECT_THAT(second.get(), IsOkAndHolds(Value(2)));
}

// Many calls in flight from one thread, which never blocks to start them.
TEST_P(CallAsyncTest, ManyCallsInFlightFromOneThread) {
  constexpr int kCalls = 50;
  std::vector<std::future<absl::StatusOr<Value>>> calls;
  for (int i = 0; i < kCalls; ++i) {
    calls.push_back(host_->CallAsync("waiter", "wait_and_count", {}));
  }
  for (auto& call : calls) {
    EXPECT_THAT(call.get(), IsOkAndHolds(Value(kCalls)));
  }
}

TEST_P(CallAsyncTest, APlainFunctionCompletesBeforeCallAsyncReturns) {
  bool done = false;
  std::thread::id where;
  host_->CallAsync("waiter", "plain", {Value(1)}, {},
                   [&](absl::StatusOr<Value> result) {
                     EXPECT_THAT(result, IsOkAndHolds(Value(2)));
                     where = std::this_thread::get_id();
                     done = true;
                   });
  EXPECT_TRUE(done);
  EXPECT_EQ(where, std::this_thread::get_id());
}

TEST_P(CallAsyncTest, ErrorsReachTheCallback) {
  EXPECT_THAT(host_->CallAsync("nowhere", "f", {}).get(),
              StatusIs(absl::StatusCode::kNotFound, ::testing::_));
  EXPECT_THAT(host_->CallAsync("waiter", "missing", {}).get(),
              StatusIs(absl::StatusCode::kNotFound, ::testing::_));
}

TEST_P(CallAsyncTest, TimeoutCoversTheWait) {
  CallOptions options;
  options.timeout = absl::Milliseconds(50);
  EXPECT_THAT(host_->CallAsync("waiter", "forever", {}, options).get(),
              StatusIs(absl::StatusCode::kDeadlineExceeded, ::testing::_));
}

TEST_P(CallAsyncTest, InterruptEndsWaitingCalls) {
  std::future<absl::StatusOr<Value>> first =
      host_->CallAsync("waiter", "forever", {});
  std::future<absl::StatusOr<Value>> second =
      host_->CallAsync("waiter", "forever", {});
  WaitForArrivals(2);
  host_->Interrupt();
  EXPECT_THAT(first.get(),
              StatusIs(absl::StatusCode::kCancelled, ::testing::_));
  EXPECT_THAT(second.get(),
              StatusIs(absl::StatusCode::kCancelled, ::testing::_));
}

TEST_P(CallAsyncTest, DestroyingTheHostEndsWaitingCalls) {
  std::future<absl::StatusOr<Value>> waiting =
      host_->CallAsync("waiter", "forever", {});
  WaitForArrivals(1);
  host_.reset();
  EXPECT_THAT(waiting.get(),
              StatusIs(absl::StatusCode::kCancelled, ::testing::_));
}

// The module is reloaded while a call awaits: the call finishes on the
// engine it started in (its last step then lets go of that engine, on the
// engine's own event loop), and the next call runs on the fresh one.
TEST_P(CallAsyncTest, ReloadingWhileACallAwaitsLetsItFinish) {
  for (int round = 1; round <= 3; ++round) {
    std::future<absl::StatusOr<Value>> waiting =
        host_->CallAsync("waiter", "wait_and_count", {});
    WaitForArrivals(2 * round - 1);
    ASSERT_OK(host_->Reload("waiter"));
    EXPECT_THAT(waiting.get(), IsOkAndHolds(Value(2 * round - 1)));
    EXPECT_THAT(host_->Call("waiter", "plain", {Value(round)}),
                IsOkAndHolds(Value(round + 1)));
    EXPECT_THAT(host_->Call("waiter", "wait_and_count", {}),
                IsOkAndHolds(Value(2 * round)));
  }
}

// A module in one language awaiting the async functions of a module in the
// other: a JavaScript caller gets a Promise, a Python coroutine an
// awaitable; stopping the caller cancels the callee.
constexpr char kRelayPython[] = R"PY(
import asyncio
import duet

async def both():
    return list(await asyncio.gather(duet.modules.waiter.wait_and_count(),
                                     duet.modules.waiter.wait_and_count()))

async def wait_forever():
    return await duet.modules.ticking.forever()
)PY";
constexpr char kRelayJavaScript[] = R"JS(
import duet from 'duet';

export async function both() {
  return await Promise.all([duet.modules.waiter.wait_and_count(),
                            duet.modules.waiter.wait_and_count()]);
}

export async function wait_forever() {
  return await duet.modules.ticking.forever();
}
)JS";
// The callee side: reports its cancellation (Python), or ticks until its
// timers are dropped (JavaScript).
constexpr char kTickingPython[] = R"PY(
import asyncio
import duet

async def forever():
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        duet.host.cancelled()
        raise
)PY";
constexpr char kTickingJavaScript[] = R"JS(
import duet from 'duet';

export async function forever() {
  setInterval(() => duet.host.tick(), 10);
  await new Promise((resolve) => setTimeout(resolve, 3600 * 1000));
}
)JS";

class CrossLanguageAwaitTest : public CallAsyncTest {
 protected:
  Language caller() const { return GetParam(); }
  Language callee() const {
    return GetParam() == Language::kPython ? Language::kJavaScript
                                           : Language::kPython;
  }
  void LoadRelay() {
    PluginSource relay;
    relay.module = "relay";
    relay.implementations = {
        {Language::kPython, kRelayPython, "relay.py"},
        {Language::kJavaScript, kRelayJavaScript, "relay.mjs"}};
    ASSERT_OK(host_->LoadPlugin(relay).status());
    ASSERT_OK(host_->Use("relay", caller()));
    ASSERT_OK(host_->Use("waiter", callee()));
  }
};

TEST_P(CrossLanguageAwaitTest, TwoAwaitedCallsOverlap) {
  LoadRelay();
  EXPECT_THAT(host_->Call("relay.both", {}),
              IsOkAndHolds(Value(Value::List{Value(2), Value(2)})));
}

TEST_P(CrossLanguageAwaitTest, StoppingTheCallerCancelsTheCallee) {
  PluginSource ticking;
  ticking.module = "ticking";
  ticking.implementations = {
      {Language::kPython, kTickingPython, "ticking.py"},
      {Language::kJavaScript, kTickingJavaScript, "ticking.mjs"}};
  ASSERT_OK(host_->RegisterFunction(
      "cancelled", [this](absl::Span<const Value>) -> absl::StatusOr<Value> {
        absl::MutexLock lock(&mutex_);
        cancelled_ = true;
        return Value();
      }));
  ASSERT_OK(host_->RegisterFunction(
      "tick", [this](absl::Span<const Value>) -> absl::StatusOr<Value> {
        absl::MutexLock lock(&mutex_);
        ++ticks_;
        return Value();
      }));
  ASSERT_OK(host_->LoadPlugin(ticking).status());
  ASSERT_OK(host_->Use("ticking", callee()));
  LoadRelay();
  CallOptions options;
  options.timeout = absl::Milliseconds(300);
  EXPECT_THAT(host_->Call("relay", "wait_forever", {}, options),
              StatusIs(absl::StatusCode::kDeadlineExceeded, ::testing::_));
  if (callee() == Language::kPython) {
    absl::MutexLock lock(&mutex_);
    EXPECT_TRUE(mutex_.AwaitWithTimeout(absl::Condition(&cancelled_),
                                        absl::Seconds(10)))
        << "the Python coroutine was never cancelled";
  } else {
    // Its interval stops with it: two quiet 100 ms windows in a row.
    int quiet = 0;
    const absl::Time give_up = absl::Now() + absl::Seconds(10);
    while (quiet < 2 && absl::Now() < give_up) {
      int64_t before;
      {
        absl::MutexLock lock(&mutex_);
        before = ticks_;
      }
      absl::SleepFor(absl::Milliseconds(100));
      absl::MutexLock lock(&mutex_);
      quiet = ticks_ == before ? quiet + 1 : 0;
    }
    EXPECT_EQ(quiet, 2) << "the JavaScript call's timers kept running";
  }
}

INSTANTIATE_TEST_SUITE_P(Callers, CrossLanguageAwaitTest,
                         ::testing::Values(Language::kPython,
                                           Language::kJavaScript),
                         ::duet::testing::LanguageParamName);

INSTANTIATE_TEST_SUITE_P(Engines, CallAsyncTest,
                         ::testing::Values(Language::kPython,
                                           Language::kJavaScript),
                         ::duet::testing::LanguageParamName);

}  // namespace
}  // namespace duet
