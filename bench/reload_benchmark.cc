// Host::Reload under concurrent calls, per engine: a counter plugin with
// [state] hooks, in one language, is reloaded over and over while two
// threads call counter.increment(1) without pause. One iteration is one
// reload; run 10,000 of them:
//
//   ./build/bench/reload_benchmark --benchmark_filter=python
//
// Counters:
//   calls          increments made during the run
//   failed_calls   calls that did not return OK (must be 0)
//   lost_changes   increments the count does not show after the last
//                  reload (must be 0: the state moves with every reload)
//   failed_reloads reloads that did not return OK (must be 0)
//   reload_p50_ms, reload_p99_ms, reload_max_ms
//                  one reload, start to return: load beside, wait for the
//                  calls inside, snapshot, restore, swap
//   rss_mb_1000    RSS after the first 1,000 reloads (engines warmed up)
//   rss_mb_5000    after 5,000
//   rss_mb_last    after the last
//   malloc_mb_1000, malloc_mb_last
//                  what malloc has handed out and not had back: flat when
//                  no native allocation outlives its reload
//   py_blocks_1000, py_blocks_last, py_objects_1000, py_objects_last
//                  (Python) the interpreter's allocated blocks and the
//                  objects the collector tracks, after a collection: flat
//                  when no Python object outlives its reload
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "duet/duet.h"
#include "process_stats.h"

namespace {

constexpr int kReloads = 10000;
constexpr int kCallerThreads = 2;

duet::Host* host = nullptr;

// Bytes malloc hands out now (all arenas), apart from what RSS also counts
// (freed pages malloc keeps, the engines' own heaps).
double MallocInUseMb() {
  struct mallinfo2 info = mallinfo2();
  return static_cast<double>(info.uordblks + info.hblkhd) / (1 << 20);
}

duet::PluginSource Counter(const std::string& module, duet::Language active) {
  duet::PluginSource source;
  source.module = module;
  source.default_language = active;
  source.limits.memory_mb = 32;
  source.state = duet::StateHooks{"snapshot", "restore", 0};
  std::vector<duet::SourceText> both = {
      {duet::Language::kPython,
       "count = 0\n\n"
       "def increment(by):\n"
       "    global count\n"
       "    count += by\n"
       "    return count\n\n"
       "def get():\n"
       "    return count\n\n"
       "def snapshot():\n"
       "    return {'count': count}\n\n"
       "def restore(state):\n"
       "    global count\n"
       "    count = state['count']\n\n"
       "def heap():\n"
       "    import gc, sys\n"
       "    gc.collect()\n"
       "    return [sys.getallocatedblocks(), len(gc.get_objects())]\n",
       module + ".py"},
      {duet::Language::kJavaScript,
       "let count = 0;\n"
       "export function increment(by) { count += by; return count; }\n"
       "export function get() { return count; }\n"
       "export function snapshot() { return { count }; }\n"
       "export function restore(state) { count = state.count; }\n",
       module + ".mjs"}};
  source.implementations = {both[active == duet::Language::kPython ? 0 : 1]};
  return source;
}

double Percentile(std::vector<double> samples, double fraction) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  size_t index = static_cast<size_t>(fraction * (samples.size() - 1));
  return samples[index];
}

// [allocated blocks, tracked objects] of the interpreter; empty for
// JavaScript.
std::vector<double> PythonHeap(const std::string& module,
                               duet::Language language) {
  if (language != duet::Language::kPython) return {};
  absl::StatusOr<duet::Value> heap = host->Call(module, "heap", {});
  if (!heap.ok() || !heap->is_list()) return {};
  std::vector<double> out;
  for (const duet::Value& item : heap->as_list()) {
    out.push_back(item.is_int() ? static_cast<double>(item.as_int()) : 0);
  }
  return out;
}

void BM_ReloadUnderCalls(benchmark::State& state, duet::Language language) {
  const std::string module =
      language == duet::Language::kPython ? "counter_py" : "counter_js";
  if (absl::StatusOr<std::string> loaded =
          host->LoadPlugin(Counter(module, language));
      !loaded.ok()) {
    state.SkipWithError(std::string(loaded.status().message()).c_str());
    return;
  }
  std::atomic<bool> stop{false};
  std::atomic<int64_t> calls{0};
  std::atomic<int64_t> failed_calls{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < kCallerThreads; ++t) {
    callers.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        absl::StatusOr<duet::Value> result =
            host->Call(module, "increment", {duet::Value(1)});
        calls.fetch_add(1, std::memory_order_relaxed);
        if (!result.ok()) failed_calls.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::vector<double> reload_ms;
  reload_ms.reserve(kReloads);
  int64_t failed_reloads = 0;
  double rss_1000 = 0;
  double malloc_1000 = 0;
  std::vector<double> python_heap_1000;
  double rss_5000 = 0;
  for (auto _ : state) {
    absl::Time start = absl::Now();
    absl::Status reloaded = host->Reload(module);
    reload_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
    if (!reloaded.ok()) {
      if (failed_reloads++ == 0) std::cerr << reloaded << "\n";
    }
    if (reload_ms.size() == 1000) {
      rss_1000 = duet::bench::ResidentMegabytes();
      malloc_1000 = MallocInUseMb();
      python_heap_1000 = PythonHeap(module, language);
    }
    if (reload_ms.size() == 5000) rss_5000 = duet::bench::ResidentMegabytes();
  }
  stop = true;
  for (std::thread& caller : callers) caller.join();
  absl::StatusOr<duet::Value> count = host->Call(module, "get", {});
  int64_t shown = count.ok() && count->is_int() ? count->as_int() : -1;
  state.counters["calls"] = static_cast<double>(calls.load());
  state.counters["failed_calls"] = static_cast<double>(failed_calls.load());
  state.counters["lost_changes"] =
      static_cast<double>(calls.load() - failed_calls.load() - shown);
  state.counters["failed_reloads"] = static_cast<double>(failed_reloads);
  state.counters["reload_p50_ms"] = Percentile(reload_ms, 0.50);
  state.counters["reload_p99_ms"] = Percentile(reload_ms, 0.99);
  state.counters["reload_max_ms"] = Percentile(reload_ms, 1.0);
  state.counters["rss_mb_1000"] = rss_1000;
  state.counters["rss_mb_5000"] = rss_5000;
  state.counters["rss_mb_last"] = duet::bench::ResidentMegabytes();
  state.counters["malloc_mb_1000"] = malloc_1000;
  state.counters["malloc_mb_last"] = MallocInUseMb();
  std::vector<double> python_heap_last = PythonHeap(module, language);
  if (!python_heap_1000.empty() && !python_heap_last.empty()) {
    state.counters["py_blocks_1000"] = python_heap_1000[0];
    state.counters["py_blocks_last"] = python_heap_last[0];
    state.counters["py_objects_1000"] = python_heap_1000[1];
    state.counters["py_objects_last"] = python_heap_last[1];
  }
}
BENCHMARK_CAPTURE(BM_ReloadUnderCalls, python, duet::Language::kPython)
    ->Iterations(kReloads)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_ReloadUnderCalls, javascript, duet::Language::kJavaScript)
    ->Iterations(kReloads)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  std::unique_ptr<duet::Host> owned = duet::bench::QuietHostOrExit();
  host = owned.get();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
