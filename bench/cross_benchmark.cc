// Calls between plugins and large values crossing engines, beside the raw
// engine work they stand for, in one process (issue 13's rows).
//
// A driver plugin (bench/cross_fixtures) loops n calls written as a plugin
// author writes them, duet.modules.NAME.FUNCTION(...); one Host::Call times
// the loop and the counter `calls` says n, so per call = real time / calls
// (what a user sees: the loop and the one Host::Call are included).
//
//   BM_Cross/js_to_python/add         jsdriver: pymath.add(1, 2), n times
//   BM_Cross/js_to_js/add             jsdriver: jsmath.add(1, 2)
//   BM_Cross/js_to_js_looked_up_once/add
//                                     the same with jsmath.add read once
//                                     before the loop (the lookups' share)
//   BM_Cross/js_local/add             jsdriver: a JavaScript function (ref)
//   BM_Cross/python_to_js/add         pydriver: jsmath.add(1, 2)
//   BM_Cross/python_to_python/add     pydriver: pymath.add(1, 2)
//   BM_Cross/python_local/add         pydriver: a Python function (ref)
//   BM_Large/string_echo/ascii        jsdriver: pymath.echo(1 MiB ASCII)
//   BM_Large/string_echo/non_ascii    the same, 1 MiB of UTF-8 in 1-4 bytes
//   BM_Large/int_sum/100000           jsdriver: pymath.sum(100,000 ints)
//   BM_Large/bytes_echo/1MiB          jsdriver: pymath.echo(1 MiB Uint8Array)
//
// The raw floors, in the same process (the V8 ones in an isolate of their
// own on duet's V8 platform, the Python ones in duet's interpreter):
//
//   BM_Raw/memcpy/1MiB                std::memcpy of 1 MiB
//   BM_Raw/memcpy_aged/1MiB           the same into the oldest of 64 MiB of
//                                     buffers used in turn: where a copy
//                                     lands when each result stays alive
//                                     until V8 collects external memory
//                                     (about every 64 MiB), as results
//                                     handed to JavaScript do
//   BM_Raw/pybind11_list_build/100000 py::cast of a vector of 100,000 ints
//   BM_Raw/v8_element_reads/100000    Object::Get + IntegerValue of each of
//                                     a JavaScript array's 100,000 ints
//   BM_Raw/value_list/100000          a duet::Value list of 100,000 ints
//                                     built in place, read once and freed:
//                                     what the list between the engines
//                                     costs the int sum
//
// Every case checks its answer: the drivers throw on a wrong one, and the
// whole value is compared once before the timing.
#include <benchmark/benchmark.h>
#include <pybind11/embed.h>
#include <pybind11/stl.h>
#include <v8.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "duet/duet.h"
#include "process_stats.h"

namespace {

namespace py = pybind11;

constexpr int kMiB = 1 << 20;
constexpr int kIntCount = 100000;
constexpr int64_t kIntSum = int64_t{kIntCount} * (kIntCount - 1) / 2;

duet::Host* host = nullptr;

// Runs `module.function(args..., calls)` once per iteration: a driver loop
// of `calls` calls. `check`, when given, is called once first and must
// return true (it compares whole values).
void BM_DriverLoop(benchmark::State& state, const char* module,
                   const char* function, std::vector<duet::Value> args,
                   int calls, const char* check,
                   std::vector<duet::Value> check_args) {
  if (check != nullptr) {
    absl::StatusOr<duet::Value> checked = host->Call(module, check, check_args);
    if (!checked.ok() || *checked != duet::Value(true)) {
      state.SkipWithError(
          (std::string(module) + "." + check + " did not return true: " +
           (checked.ok() ? std::string("false")
                         : std::string(checked.status().message())))
              .c_str());
      return;
    }
  }
  args.push_back(duet::Value(calls));
  for (auto _ : state) {
    absl::StatusOr<duet::Value> result = host->Call(module, function, args);
    if (!result.ok() || *result != duet::Value(calls)) {
      state.SkipWithError(
          (std::string(module) + "." + function + ": " +
           (result.ok() ? std::string("wrong count")
                        : std::string(result.status().message())))
              .c_str());
      return;
    }
  }
  state.counters["calls"] = calls;
}

void BM_Memcpy(benchmark::State& state) {
  std::vector<char> from(kMiB);
  for (int i = 0; i < kMiB; ++i) from[i] = static_cast<char>(i * 7);
  std::vector<char> to(kMiB);
  for (auto _ : state) {
    std::memcpy(to.data(), from.data(), kMiB);
    benchmark::DoNotOptimize(to.data());
    benchmark::ClobberMemory();
  }
  if (std::memcmp(to.data(), from.data(), kMiB) != 0) {
    state.SkipWithError("memcpy copied something else");
  }
  state.counters["calls"] = 1;
}

// The bytes echo's floor: a 1 MiB result handed to JavaScript lives until
// V8 next collects its external memory (about 64 MiB later; duet's own
// collection of large results starts at the same amount), so whichever
// copy fills the memory a result lives in writes to a buffer last touched
// 64 results ago, long out of the caches.
void BM_MemcpyAged(benchmark::State& state) {
  constexpr int kRing = 64;
  std::vector<char> from(kMiB);
  for (int i = 0; i < kMiB; ++i) from[i] = static_cast<char>(i * 7);
  std::vector<std::vector<char>> ring(kRing, std::vector<char>(kMiB));
  int next = 0;
  for (auto _ : state) {
    std::memcpy(ring[next].data(), from.data(), kMiB);
    benchmark::DoNotOptimize(ring[next].data());
    benchmark::ClobberMemory();
    next = (next + 1) % kRing;
  }
  for (const std::vector<char>& to : ring) {
    if (state.iterations() >= kRing &&
        std::memcmp(to.data(), from.data(), kMiB) != 0) {
      state.SkipWithError("memcpy copied something else");
      break;
    }
  }
  state.counters["calls"] = 1;
}

// A Python list of 100,000 ints made from C++ values, the GIL held: the
// least the Python half of handing over an int array can cost.
void BM_Pybind11ListBuild(benchmark::State& state) {
  std::vector<int64_t> values(kIntCount);
  std::iota(values.begin(), values.end(), 0);
  py::gil_scoped_acquire gil;
  {
    py::list list = py::cast(values);
    if (py::len(list) != kIntCount ||
        py::module_::import("builtins").attr("sum")(list).cast<int64_t>() !=
            kIntSum) {
      state.SkipWithError("the list is not 0..99999");
      return;
    }
  }
  for (auto _ : state) {
    py::list list = py::cast(values);
    benchmark::DoNotOptimize(list.ptr());
  }
  state.counters["calls"] = 1;
}

// Reads each element of a 100,000-int JavaScript array as an embedder
// would (Object::Get, IntegerValue), the isolate entered: the least the V8
// half of handing over an int array can cost.
void BM_V8ElementReads(benchmark::State& state) {
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator(
      v8::ArrayBuffer::Allocator::NewDefaultAllocator());
  v8::Isolate::CreateParams params;
  params.array_buffer_allocator = allocator.get();
  v8::Isolate* isolate = v8::Isolate::New(params);
  {
    v8::Locker locker(isolate);
    v8::Isolate::Scope isolate_scope(isolate);
    v8::HandleScope handle_scope(isolate);
    v8::Local<v8::Context> context = v8::Context::New(isolate);
    v8::Context::Scope context_scope(context);
    v8::Local<v8::Script> script;
    v8::Local<v8::Value> made;
    if (!v8::Script::Compile(
             context, v8::String::NewFromUtf8Literal(
                          isolate, "Array.from({length: 100000}, (_, i) => i)"))
             .ToLocal(&script) ||
        !script->Run(context).ToLocal(&made) || !made->IsArray()) {
      state.SkipWithError("could not make the array");
    } else {
      v8::Local<v8::Array> array = made.As<v8::Array>();
      auto sum_elements = [&]() {
        v8::HandleScope elements_scope(isolate);
        int64_t sum = 0;
        const uint32_t length = array->Length();
        for (uint32_t i = 0; i < length; ++i) {
          v8::Local<v8::Value> element;
          if (!array->Get(context, i).ToLocal(&element)) return int64_t{-1};
          sum += element->IntegerValue(context).FromMaybe(0);
        }
        return sum;
      };
      if (sum_elements() != kIntSum) {
        state.SkipWithError("the elements do not add up to 4999950000");
      } else {
        for (auto _ : state) {
          int64_t sum = sum_elements();
          benchmark::DoNotOptimize(sum);
        }
      }
    }
  }
  isolate->Dispose();
  state.counters["calls"] = 1;
}

// The duet::Value list a JavaScript array of ints becomes on its way to
// Python, on its own: appended in place (as the JavaScript conversion
// does), read once (as the Python one does) and freed.
void BM_ValueList(benchmark::State& state) {
  for (auto _ : state) {
    duet::Value::List list;
    list.reserve(kIntCount);
    for (int i = 0; i < kIntCount; ++i) list.emplace_back(int64_t{i});
    benchmark::ClobberMemory();
    int64_t sum = 0;
    for (const duet::Value& item : list) sum += item.as_int();
    if (sum != kIntSum) {
      state.SkipWithError("the list does not add up to 4999950000");
      return;
    }
  }
  state.counters["calls"] = 1;
}

void Register() {
  constexpr int kSmallCalls = 1000;
  constexpr int kLargeCalls = 4;
  struct Loop {
    const char* name;
    const char* module;
    const char* function;
    std::vector<duet::Value> args;
    int calls;
    const char* check;
    std::vector<duet::Value> check_args;
    benchmark::TimeUnit unit;
  };
  const std::vector<Loop> loops = {
      {"BM_Cross/js_to_python/add",
       "jsdriver",
       "python_add",
       {},
       kSmallCalls,
       nullptr,
       {},
       benchmark::kMicrosecond},
      {"BM_Cross/js_to_js/add",
       "jsdriver",
       "js_add",
       {},
       kSmallCalls,
       nullptr,
       {},
       benchmark::kMicrosecond},
      {"BM_Cross/js_to_js_looked_up_once/add",
       "jsdriver",
       "js_add_looked_up_once",
       {},
       kSmallCalls,
       nullptr,
       {},
       benchmark::kMicrosecond},
      {"BM_Cross/js_local/add",
       "jsdriver",
       "local_add",
       {},
       kSmallCalls,
       nullptr,
       {},
       benchmark::kMicrosecond},
      {"BM_Cross/python_to_js/add",
       "pydriver",
       "js_add",
       {},
       kSmallCalls,
       nullptr,
       {},
       benchmark::kMicrosecond},
      {"BM_Cross/python_to_python/add",
       "pydriver",
       "python_add",
       {},
       kSmallCalls,
       nullptr,
       {},
       benchmark::kMicrosecond},
      {"BM_Cross/python_local/add",
       "pydriver",
       "local_add",
       {},
       kSmallCalls,
       nullptr,
       {},
       benchmark::kMicrosecond},
      {"BM_Large/string_echo/ascii",
       "jsdriver",
       "python_echo_text",
       {duet::Value("ascii")},
       kLargeCalls,
       "check_python_echo_text",
       {duet::Value("ascii")},
       benchmark::kMillisecond},
      {"BM_Large/string_echo/non_ascii",
       "jsdriver",
       "python_echo_text",
       {duet::Value("non_ascii")},
       kLargeCalls,
       "check_python_echo_text",
       {duet::Value("non_ascii")},
       benchmark::kMillisecond},
      {"BM_Large/int_sum/100000",
       "jsdriver",
       "python_sum_ints",
       {},
       kLargeCalls,
       nullptr,
       {},
       benchmark::kMillisecond},
      {"BM_Large/bytes_echo/1MiB",
       "jsdriver",
       "python_echo_bytes",
       {},
       kLargeCalls,
       "check_python_echo_bytes",
       {},
       benchmark::kMillisecond},
  };
  for (const Loop& loop : loops) {
    benchmark::RegisterBenchmark(loop.name, BM_DriverLoop, loop.module,
                                 loop.function, loop.args, loop.calls,
                                 loop.check, loop.check_args)
        ->Unit(loop.unit)
        ->UseRealTime();
  }
  benchmark::RegisterBenchmark("BM_Raw/memcpy/1MiB", BM_Memcpy)
      ->Unit(benchmark::kMicrosecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("BM_Raw/memcpy_aged/1MiB", BM_MemcpyAged)
      ->Unit(benchmark::kMicrosecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("BM_Raw/pybind11_list_build/100000",
                               BM_Pybind11ListBuild)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("BM_Raw/v8_element_reads/100000",
                               BM_V8ElementReads)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("BM_Raw/value_list/100000", BM_ValueList)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  // The host starts both engines; the raw benchmarks borrow its interpreter
  // and V8 platform.
  std::unique_ptr<duet::Host> owned_host = duet::bench::QuietHostOrExit();
  host = owned_host.get();
  absl::StatusOr<duet::LoadReport> report =
      host->LoadPlugins(DUET_BENCH_CROSS_PLUGINS);
  if (!report.ok() || !report->problems.empty()) {
    std::cerr << "loading " << DUET_BENCH_CROSS_PLUGINS << ": "
              << (report.ok() ? report->problems[0].status : report.status())
              << "\n";
    return 1;
  }
  Register();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  owned_host.reset();
  return 0;
}
