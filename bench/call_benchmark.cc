// What a call through duet costs, beside the bare engine call it wraps.
//
//   BM_HostCall/python/add        Host::Call("arith", "add", {1, 2})
//   BM_RawPybind11Call/add        add(1, 2) through pybind11, GIL held
//   BM_RawPybind11CallGilPerCall  the same, taking the GIL per call
//   BM_HostCall/javascript/add    the same in JavaScript
//   BM_RawV8Call/add              v8::Function::Call, isolate entered
//   BM_RawV8CallLockedPerCall     the same, taking v8::Locker per call
//   BM_RawV8CallParkedPerCall     the same on a thread that parks its V8
//                                 state (a kept Locker + Unlocker), as duet
//                                 does: each call's Locker is a nested one
//   BM_QualifiedCall/python/add   Host::Call("arith.add", {1, 2})
//   BM_FunctionCall/python/add    the same through a duet::Function resolved
//                                 once (host->Function("arith.add")), which
//                                 skips the name lookups
//   BM_HeldLockCall/python/add    the same inside a held-lock scope
//                                 (Function::Hold): the GIL kept across
//                                 calls, as in BM_RawPybind11Call
//
// The raw calls keep their lock and scopes across the loop, as a hand-rolled
// embedding would; Host::Call takes them on every call because it may be
// called from any thread. The targets (issue 13, bench/report.py): Host::Call
// within 1.5x of the raw call taking its lock per call. Every case checks
// its answer once before the timing, so a wrong one fails instead of being
// timed.
#include <benchmark/benchmark.h>
#include <pybind11/embed.h>
#include <v8.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "duet/duet.h"

namespace {

namespace py = pybind11;

duet::Host* host = nullptr;

void Check(const absl::Status& status, const char* what) {
  if (!status.ok()) {
    std::cerr << what << ": " << status << "\n";
    std::exit(1);
  }
}

// False, with the benchmark skipped saying why, when `result` is not
// `expected`.
bool Expect(benchmark::State& state, const absl::StatusOr<duet::Value>& result,
            const duet::Value& expected, const char* what) {
  if (result.ok() && *result == expected) return true;
  state.SkipWithError((std::string(what) + " returned " +
                       (result.ok() ? duet::ToJson(*result)
                                    : std::string(result.status().message())) +
                       ", not " + duet::ToJson(expected))
                          .c_str());
  return false;
}

// What the arith functions return for the arguments the cases pass.
duet::Value Expected(const char* function) {
  return std::string_view(function).find("add") != std::string_view::npos
             ? duet::Value(3)
             : duet::Value();
}

void BM_HostCall(benchmark::State& state, duet::Language language,
                 const char* function, std::vector<duet::Value> args) {
  Check(host->Use("arith", language), "Use");
  if (!Expect(state, host->Call("arith", function, args), Expected(function),
              function)) {
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<duet::Value> result = host->Call("arith", function, args);
    if (!result.ok()) {
      state.SkipWithError(std::string(result.status().message()).c_str());
      break;
    }
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK_CAPTURE(BM_HostCall, python / add, duet::Language::kPython, "add",
                  {1, 2});
BENCHMARK_CAPTURE(BM_HostCall, python / noop, duet::Language::kPython, "noop",
                  {});
BENCHMARK_CAPTURE(BM_HostCall, javascript / add, duet::Language::kJavaScript,
                  "add", {1, 2});
BENCHMARK_CAPTURE(BM_HostCall, javascript / noop, duet::Language::kJavaScript,
                  "noop", {});

// The "module.function" form against a handle resolved once, in pairs so
// they print side by side.
void BM_QualifiedCall(benchmark::State& state, duet::Language language,
                      const char* qualified_name,
                      std::vector<duet::Value> args) {
  Check(host->Use("arith", language), "Use");
  if (!Expect(state, host->Call(qualified_name, args), Expected(qualified_name),
              qualified_name)) {
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<duet::Value> result = host->Call(qualified_name, args);
    if (!result.ok()) {
      state.SkipWithError(std::string(result.status().message()).c_str());
      break;
    }
    benchmark::DoNotOptimize(result);
  }
}

void BM_FunctionCall(benchmark::State& state, duet::Language language,
                     const char* qualified_name,
                     std::vector<duet::Value> args) {
  Check(host->Use("arith", language), "Use");
  absl::StatusOr<duet::Function> function = host->Function(qualified_name);
  Check(function.status(), "Host::Function");
  if (!Expect(state, function->Call(args), Expected(qualified_name),
              qualified_name)) {
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<duet::Value> result = function->Call(args);
    if (!result.ok()) {
      state.SkipWithError(std::string(result.status().message()).c_str());
      break;
    }
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK_CAPTURE(BM_QualifiedCall, python / noop, duet::Language::kPython,
                  "arith.noop", {});
BENCHMARK_CAPTURE(BM_FunctionCall, python / noop, duet::Language::kPython,
                  "arith.noop", {});
BENCHMARK_CAPTURE(BM_QualifiedCall, python / add, duet::Language::kPython,
                  "arith.add", {1, 2});
BENCHMARK_CAPTURE(BM_FunctionCall, python / add, duet::Language::kPython,
                  "arith.add", {1, 2});
BENCHMARK_CAPTURE(BM_QualifiedCall, javascript / noop,
                  duet::Language::kJavaScript, "arith.noop", {});
BENCHMARK_CAPTURE(BM_FunctionCall, javascript / noop,
                  duet::Language::kJavaScript, "arith.noop", {});
BENCHMARK_CAPTURE(BM_QualifiedCall, javascript / add,
                  duet::Language::kJavaScript, "arith.add", {1, 2});
BENCHMARK_CAPTURE(BM_FunctionCall, javascript / add,
                  duet::Language::kJavaScript, "arith.add", {1, 2});

// Host::Call of echo({16 keys}): conversion work both ways.
void BM_HostCallEchoMap(benchmark::State& state, duet::Language language) {
  Check(host->Use("arith", language), "Use");
  duet::Value::Map map;
  for (int i = 0; i < 16; ++i) map.Set("key" + std::to_string(i), i);
  std::vector<duet::Value> args = {duet::Value(map)};
  if (!Expect(state, host->Call("arith", "echo", args), args[0], "echo")) {
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<duet::Value> result = host->Call("arith", "echo", args);
    benchmark::DoNotOptimize(result);
  }
}

void BM_RawPybind11Call(benchmark::State& state) {
  py::gil_scoped_acquire gil;
  py::dict scope;
  py::exec("def add(a, b):\n    return a + b\n", scope);
  py::object add = scope["add"];
  if (add(1, 2).cast<int64_t>() != 3) {
    state.SkipWithError("add(1, 2) is not 3");
    return;
  }
  for (auto _ : state) {
    int64_t result = add(1, 2).cast<int64_t>();
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK(BM_RawPybind11Call)->Name("BM_RawPybind11Call/add");

// The same call taking the GIL on every call, as any embedding callable from
// several threads must: the floor for Host::Call in Python.
//
// The thread keeps its Python thread state between calls, as such an
// embedding (and duet) does. Without one kept, pybind11 makes and deletes a
// thread state in every gil_scoped_acquire, whose frame stack is mmap'd and
// munmap'd each time: ~8 us instead of ~100 ns. That happened when this case
// ran first in its process, before any Host::Call had kept the main
// thread's state.
void KeepThisThreadsPythonState() {
  thread_local bool kept = false;
  if (kept) return;
  py::gil_scoped_acquire gil;
  gil.inc_ref();  // its count never returns to zero: the state stays
  kept = true;
}

void BM_RawPybind11CallGilPerCall(benchmark::State& state) {
  KeepThisThreadsPythonState();
  py::object add;
  {
    py::gil_scoped_acquire gil;
    py::dict scope;
    py::exec("def add(a, b):\n    return a + b\n", scope);
    add = scope["add"];
    if (add(1, 2).cast<int64_t>() != 3) {
      state.SkipWithError("add(1, 2) is not 3");
      add = py::object();
      return;
    }
  }
  // Warm-up: the first timed calls do not pay for cold caches.
  for (int i = 0; i < 1000; ++i) {
    py::gil_scoped_acquire gil;
    benchmark::DoNotOptimize(add(1, 2).cast<int64_t>());
  }
  for (auto _ : state) {
    py::gil_scoped_acquire gil;
    int64_t result = add(1, 2).cast<int64_t>();
    benchmark::DoNotOptimize(result);
  }
  py::gil_scoped_acquire gil;
  add = py::object();
}
BENCHMARK(BM_RawPybind11CallGilPerCall)
    ->Name("BM_RawPybind11CallGilPerCall/add");

void BM_RawV8Call(benchmark::State& state) {
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
    v8::Local<v8::String> source = v8::String::NewFromUtf8Literal(
        isolate, "(function add(a, b) { return a + b; })");
    v8::Local<v8::Script> script;
    v8::Local<v8::Value> compiled;
    if (!v8::Script::Compile(context, source).ToLocal(&script) ||
        !script->Run(context).ToLocal(&compiled)) {
      state.SkipWithError("could not compile add");
    } else {
      v8::Local<v8::Function> add = compiled.As<v8::Function>();
      v8::Local<v8::Value> receiver = v8::Undefined(isolate);
      v8::Local<v8::Value> argv[] = {v8::Integer::New(isolate, 1),
                                     v8::Integer::New(isolate, 2)};
      v8::Local<v8::Value> checked;
      if (!add->Call(context, receiver, 2, argv).ToLocal(&checked) ||
          checked->IntegerValue(context).FromMaybe(0) != 3) {
        state.SkipWithError("add(1, 2) is not 3");
      }
      for (auto _ : state) {
        v8::HandleScope call_scope(isolate);
        v8::Local<v8::Value> argv[] = {v8::Integer::New(isolate, 1),
                                       v8::Integer::New(isolate, 2)};
        v8::Local<v8::Value> result;
        if (!add->Call(context, receiver, 2, argv).ToLocal(&result)) break;
        int64_t sum = result->IntegerValue(context).FromMaybe(0);
        benchmark::DoNotOptimize(sum);
      }
    }
  }
  isolate->Dispose();
}
BENCHMARK(BM_RawV8Call)->Name("BM_RawV8Call/add");

// One add(1, 2) taking the V8 lock and scopes, as any embedder must when
// several threads share an isolate; the sum, or none when the call failed.
std::optional<int64_t> CallAddLocked(v8::Isolate* isolate,
                                     const v8::Global<v8::Context>& context,
                                     const v8::Global<v8::Function>& add) {
  v8::Locker locker(isolate);
  v8::Isolate::Scope isolate_scope(isolate);
  v8::HandleScope handle_scope(isolate);
  v8::Local<v8::Context> here = context.Get(isolate);
  v8::Context::Scope context_scope(here);
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Value> argv[] = {v8::Integer::New(isolate, 1),
                                 v8::Integer::New(isolate, 2)};
  v8::Local<v8::Value> result;
  if (!add.Get(isolate)
           ->Call(here, v8::Undefined(isolate), 2, argv)
           .ToLocal(&result)) {
    return std::nullopt;
  }
  return result->IntegerValue(here).FromMaybe(0);
}

// CallAddLocked per call. `park`: a Locker and an Unlocker kept across the
// loop, as duet keeps them per thread (bindings/javascript/thread_state.h),
// make each call's Locker a nested one, which restores the thread's archived
// state instead of creating and freeing it.
void RawV8CallLockedPerCall(benchmark::State& state, bool park) {
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator(
      v8::ArrayBuffer::Allocator::NewDefaultAllocator());
  v8::Isolate::CreateParams params;
  params.array_buffer_allocator = allocator.get();
  v8::Isolate* isolate = v8::Isolate::New(params);
  v8::Global<v8::Context> context;
  v8::Global<v8::Function> add;
  {
    v8::Locker locker(isolate);
    v8::Isolate::Scope isolate_scope(isolate);
    v8::HandleScope handle_scope(isolate);
    v8::Local<v8::Context> here = v8::Context::New(isolate);
    v8::Context::Scope context_scope(here);
    v8::Local<v8::Script> script;
    v8::Local<v8::Value> compiled;
    if (v8::Script::Compile(
            here, v8::String::NewFromUtf8Literal(
                      isolate, "(function add(a, b) { return a + b; })"))
            .ToLocal(&script) &&
        script->Run(here).ToLocal(&compiled)) {
      context.Reset(isolate, here);
      add.Reset(isolate, compiled.As<v8::Function>());
    }
  }
  {
    std::optional<v8::Locker> parked_locker;
    std::optional<v8::Unlocker> parked_unlocker;
    if (park) {
      parked_locker.emplace(isolate);
      parked_unlocker.emplace(isolate);
    }
    bool checked = !add.IsEmpty();
    // Warm-up: the first timed calls do not pay for cold caches.
    for (int i = 0; i < 1000 && checked; ++i) {
      checked = CallAddLocked(isolate, context, add) == 3;
    }
    if (!checked) {
      state.SkipWithError(add.IsEmpty() ? "could not compile add"
                                        : "add(1, 2) is not 3");
    } else {
      for (auto _ : state) {
        std::optional<int64_t> sum = CallAddLocked(isolate, context, add);
        if (!sum) break;
        benchmark::DoNotOptimize(*sum);
      }
    }
  }
  {
    v8::Locker locker(isolate);
    add.Reset();
    context.Reset();
  }
  isolate->Dispose();
}

// The floor for Host::Call in JavaScript as any embedder meets it.
void BM_RawV8CallLockedPerCall(benchmark::State& state) {
  RawV8CallLockedPerCall(state, /*park=*/false);
}
BENCHMARK(BM_RawV8CallLockedPerCall)->Name("BM_RawV8CallLockedPerCall/add");

// The honest floor for Host::Call in JavaScript from a thread that has
// called before, whose V8 state duet keeps parked.
void BM_RawV8CallParkedPerCall(benchmark::State& state) {
  RawV8CallLockedPerCall(state, /*park=*/true);
}
BENCHMARK(BM_RawV8CallParkedPerCall)->Name("BM_RawV8CallParkedPerCall/add");

// Calls through a resolved handle inside a held-lock scope
// (Function::Hold), whose references are BM_RawPybind11Call and
// BM_RawV8Call: those, too, take the engine lock once.
void BM_HeldLockCall(benchmark::State& state, duet::Language language) {
  Check(host->Use("arith", language), "Use");
  absl::StatusOr<duet::Function> function = host->Function("arith.add");
  Check(function.status(), "Host::Function");
  absl::StatusOr<duet::HeldFunction> held = function->Hold();
  if (!held.ok()) {
    state.SkipWithError(std::string(held.status().message()).c_str());
    return;
  }
  const std::vector<duet::Value> args = {1, 2};
  if (!Expect(state, held->Call(args), duet::Value(3), "arith.add")) return;
  for (auto _ : state) {
    absl::StatusOr<duet::Value> result = held->Call(args);
    if (!result.ok()) {
      state.SkipWithError(std::string(result.status().message()).c_str());
      break;
    }
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK_CAPTURE(BM_HeldLockCall, python / add, duet::Language::kPython);
BENCHMARK_CAPTURE(BM_HeldLockCall, javascript / add,
                  duet::Language::kJavaScript);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  // The host starts both engines; the raw benchmarks then borrow the same
  // interpreter and V8 platform.
  duet::HostOptions options;
  absl::StatusOr<std::unique_ptr<duet::Host>> created =
      duet::Host::Create(options);
  Check(created.status(), "Host::Create");
  host = created->get();
  absl::StatusOr<duet::LoadReport> report =
      host->LoadPlugins(DUET_BENCH_PLUGINS);
  Check(report.status(), "LoadPlugins");
  if (!report->problems.empty()) {
    Check(report->problems[0].status, "loading arith");
  }
  benchmark::RegisterBenchmark("BM_HostCall/python/echo_map16",
                               BM_HostCallEchoMap, duet::Language::kPython);
  benchmark::RegisterBenchmark("BM_HostCall/javascript/echo_map16",
                               BM_HostCallEchoMap, duet::Language::kJavaScript);

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  created->reset();
  return 0;
}
