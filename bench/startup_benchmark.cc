// Start-up with many plugins: Host::Create, LoadPlugins on a folder of N
// JavaScript plugins (generated into a temporary folder), one call to one
// of them, and the host's destruction, for N = 1, 10, 100, with
// HostOptions::start_mode on first use (the default) and at load.
//
//   BM_Startup/lazy/N    StartMode::kOnFirstUse: one isolate is made
//   BM_Startup/eager/N   StartMode::kAtLoad: N isolates are made
//
// Counters: rss_mb, the growth of the process's resident set between just
// before Host::Create and just after the call (the host still alive), in
// the last iteration; started, how many plugins ran their top-level code.
// The host runs JavaScript only, so the figures are the plugins' cost and
// not CPython's start (which a process pays once).
//
// Measured on the 2-core build VM (RelWithDebInfo, load average 9 from other
// builds), wall time per Host::Create + LoadPlugins + call + ~Host:
//   N      lazy            eager
//   1      16.5 ms  0.8 MB  15.7 ms   0.8 MB
//   10     17.8 ms  0.9 MB   160 ms   5.7 MB
//   100    39.6 ms  0.8 MB  1924 ms  90.8 MB
// Lazy grows only by reading N manifests (~0.2 ms each here); eager pays an
// isolate and a top-level run per plugin.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "duet/duet.h"
#include "process_stats.h"

namespace {

namespace fs = std::filesystem;

// A folder of `count` plugins p000, p001, ... each with its own manifest
// and a JavaScript file whose top-level code calls duet.host.started().
// Made once per count, removed at exit.
const fs::path& PluginFolder(int count) {
  static auto* folders = new std::map<int, fs::path>();
  auto found = folders->find(count);
  if (found != folders->end()) return found->second;
  std::string pattern =
      (fs::temp_directory_path() / "duet_startup_XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    std::cerr << "cannot make a temporary folder\n";
    std::exit(1);
  }
  fs::path root(pattern);
  for (int i = 0; i < count; ++i) {
    char name[16];
    std::snprintf(name, sizeof(name), "p%03d", i);
    fs::create_directories(root / name);
    std::ofstream(root / name / "plugin.toml")
        << "name = \"" << name << "\"\nversion = \"1.0.0\"\n"
        << "[implementations]\njavascript = \"" << name << ".js\"\n"
        << "[exports.add]\nparams = [\"int\", \"int\"]\nreturns = \"int\"\n";
    std::ofstream(root / name / (std::string(name) + ".js"))
        << "const duet = require(\"duet\");\n"
        << "duet.host.started();\n"
        << "const table = Array.from({length: 100}, (_, i) => i * i);\n"
        << "function add(a, b) { return a + b + table[0]; }\n"
        << "module.exports = { add };\n";
  }
  std::atexit([] {
    for (const auto& [count, folder] : *folders) {
      std::error_code ignored;
      fs::remove_all(folder, ignored);
    }
  });
  return folders->emplace(count, root).first->second;
}

void BM_Startup(benchmark::State& state, duet::StartMode mode) {
  const int count = static_cast<int>(state.range(0));
  const fs::path& folder = PluginFolder(count);
  std::atomic<int> started{0};
  double rss_mb = 0;
  for (auto _ : state) {
    started = 0;
    const double before = duet::bench::ResidentMegabytes();
    duet::HostOptions options;
    options.languages = {duet::Language::kJavaScript};
    options.start_mode = mode;
    absl::StatusOr<std::unique_ptr<duet::Host>> host =
        duet::Host::Create(std::move(options));
    if (!host.ok()) {
      state.SkipWithError(std::string(host.status().message()).c_str());
      return;
    }
    absl::Status registered = (*host)->RegisterFunction(
        "started",
        [&started](
            absl::Span<const duet::Value>) -> absl::StatusOr<duet::Value> {
          started.fetch_add(1);
          return duet::Value();
        });
    absl::StatusOr<duet::LoadReport> report = (*host)->LoadPlugins(folder);
    if (!registered.ok() || !report.ok() || !report->problems.empty()) {
      state.SkipWithError("the plugins did not load");
      return;
    }
    absl::StatusOr<duet::Value> sum = (*host)->Call("p000", "add", {2, 3});
    if (!sum.ok() || *sum != duet::Value(5)) {
      state.SkipWithError("the call failed");
      return;
    }
    rss_mb = duet::bench::ResidentMegabytes() - before;
    host->reset();
  }
  state.counters["rss_mb"] = rss_mb;
  state.counters["started"] = started.load();
}
BENCHMARK_CAPTURE(BM_Startup, lazy, duet::StartMode::kOnFirstUse)
    ->Arg(1)
    ->Arg(10)
    ->Arg(100)
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Startup, eager, duet::StartMode::kAtLoad)
    ->Arg(1)
    ->Arg(10)
    ->Arg(100)
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
