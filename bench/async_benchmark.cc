// 10,000 calls awaiting at once through Host::CallAsync, per engine: each
// awaits a 20 ms timer (JavaScript setTimeout, Python asyncio.sleep). One
// iteration starts all 10,000 from one thread and waits for every
// completion. Counters:
//
//   threads       the process's threads while the calls wait (none is
//                 started per call)
//   rss_mb_first  RSS after the first iteration (the engines warmed up)
//   rss_mb_last   RSS after the last
//
// The plugin's JavaScript heap is capped at 64 MB: V8 collects lazily, so
// its RSS saws up and down below the cap, and a leak of the calls' Promises
// or callbacks would end in kResourceExhausted (the benchmark then fails)
// within a few iterations of 10,000 calls.
//
//   ./build/bench/async_benchmark --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "duet/duet.h"
#include "process_stats.h"

namespace {

constexpr int kCalls = 10000;

duet::Host* host = nullptr;

void BM_ConcurrentAwaits(benchmark::State& state, duet::Language language) {
  if (absl::Status used = host->Use("waiter", language); !used.ok()) {
    state.SkipWithError(std::string(used.message()).c_str());
    return;
  }
  double first_rss = 0;
  int threads = 0;
  int failures = 0;
  for (auto _ : state) {
    absl::Mutex mutex;
    int left = kCalls;
    for (int i = 0; i < kCalls; ++i) {
      host->CallAsync("waiter", "wait", {}, {},
                      [&](absl::StatusOr<duet::Value> result) {
                        absl::MutexLock lock(&mutex);
                        if (!result.ok()) ++failures;
                        --left;
                      });
    }
    threads = std::max(threads, duet::bench::ThreadCount());
    absl::MutexLock lock(&mutex);
    mutex.Await(absl::Condition(
        +[](int* left) { return *left == 0; }, &left));
    if (first_rss == 0) first_rss = duet::bench::ResidentMegabytes();
  }
  if (failures > 0) state.SkipWithError("some calls failed");
  state.counters["threads"] = threads;
  state.counters["rss_mb_first"] = first_rss;
  state.counters["rss_mb_last"] = duet::bench::ResidentMegabytes();
  state.SetItemsProcessed(state.iterations() * kCalls);
}
BENCHMARK_CAPTURE(BM_ConcurrentAwaits, python, duet::Language::kPython)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_ConcurrentAwaits, javascript, duet::Language::kJavaScript)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  std::unique_ptr<duet::Host> owned = duet::bench::QuietHostOrExit();
  host = owned.get();
  duet::PluginSource source;
  source.module = "waiter";
  source.limits.memory_mb = 64;
  source.implementations = {
      {duet::Language::kPython,
       "import asyncio\n\nasync def wait():\n    await asyncio.sleep(0.02)\n",
       "waiter.py"},
      {duet::Language::kJavaScript,
       "export async function wait() {\n"
       "  await new Promise((resolve) => setTimeout(resolve, 20));\n}\n",
       "waiter.mjs"}};
  if (absl::StatusOr<std::string> loaded = host->LoadPlugin(source);
      !loaded.ok()) {
    std::cerr << loaded.status() << "\n";
    return 1;
  }
  std::printf("rss_mb_before %.1f threads_before %d\n",
              duet::bench::ResidentMegabytes(), duet::bench::ThreadCount());
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
