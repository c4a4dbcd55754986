// The hostile-plugin suite: one test per finding of issue 7 (an outside attack
// run), each running its attack in a child process, so a crash (a signal) or
// a hang (killed at the timeout) is a failure naming the finding, never a
// dead or stuck test run. Most attacks run through hostile_probe (the host
// API); findings 2, 10 and 17 through the `duet` command.
//
// The plugins are in plugins/NN_finding/. What cannot be committed portably
// (a 100 KB generated manifest, symlinks, non-UTF-8 names) is made here in a
// temporary folder.
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "subprocess.h"
#include "testing/temp_dir.h"

namespace duet::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// Generous: a probe takes seconds when the host behaves; the probe bounds
// its own steps more tightly and says which one hung.
constexpr int kProcessTimeoutSeconds = 60;

fs::path Plugins(const std::string& finding) {
  return fs::path(DUET_HOSTILE_PLUGINS) / finding;
}

// How the child ended, with what it printed, for failure messages.
std::string Describe(const ProcessResult& result) {
  std::string how;
  if (result.exit_code == -1) {
    how = "hung: killed at its timeout";
  } else if (result.exit_code > 128) {
    int signal = result.exit_code - 128;
    how =
        absl::StrCat("killed by signal ", signal, " (", strsignal(signal), ")");
  } else {
    how = absl::StrCat("exit code ", result.exit_code);
  }
  return absl::StrCat(how, "\n--- stdout:\n", result.out.substr(0, 4000),
                      "\n--- stderr (last 4000 bytes):\n",
                      result.err.size() > 4000
                          ? result.err.substr(result.err.size() - 4000)
                          : result.err);
}

ProcessOptions WithTimeout(int seconds) {
  ProcessOptions options;
  options.timeout_seconds = seconds;
  return options;
}

// Runs one hostile_probe scenario against `dir` and expects its "ok" verdict.
void ExpectProbeHolds(const std::string& scenario, const fs::path& dir,
                      int timeout_seconds = kProcessTimeoutSeconds) {
  ProcessResult result = RunProcess({DUET_HOSTILE_PROBE_PATH, scenario, dir},
                                    WithTimeout(timeout_seconds));
  EXPECT_TRUE(result.exit_code == 0 &&
              absl::StrContains(result.out, "ok " + scenario))
      << scenario << ": " << Describe(result);
  // The verdict carries what was measured (peak RSS, heap growth, ...).
  std::cout << result.out;
}

// 1. One JS allocation larger than the heap cap aborted the process.
TEST(HostileTest, Finding01ArrayFillUnder16Mb) {
  ExpectProbeHolds("01_array_fill_16mb", Plugins("01_js_big_allocation"));
}
TEST(HostileTest, Finding01ArrayFillUnderDefaultCap) {
  ExpectProbeHolds("01_array_fill_default_cap", Plugins("01_js_big_allocation"),
                   100);
}
TEST(HostileTest, Finding01ArrayFromUnder64Mb) {
  ExpectProbeHolds("01_array_from_64mb", Plugins("01_js_big_allocation"));
}

// 2. A 50,000-deep dotted key overflowed the TOML parser's stack.
TEST(HostileTest, Finding02DeepTomlKey) {
  TempDir dir;
  fs::copy(Plugins("02_deep_toml"), dir.path(), fs::copy_options::recursive);
  std::string key = "x";
  for (int i = 0; i < 50000; ++i) key += ".a";
  dir.Write("deep/plugin.toml", key + " = 1\n");
  ProcessResult result =
      RunProcess({DUET_CLI_PATH, "list", "--plugins", dir.path().string()},
                 WithTimeout(kProcessTimeoutSeconds));
  ASSERT_TRUE(result.exit_code >= 0 && result.exit_code < 128)
      << Describe(result);
  EXPECT_THAT(result.err, HasSubstr("deep/plugin.toml")) << Describe(result);
  EXPECT_THAT(result.out, HasSubstr("good")) << Describe(result);
}

// 3. An unchecked memory_mb aborted the host (2^63-1) or wrapped to 0 (2^44).
TEST(HostileTest, Finding03MemoryMbInManifest) {
  ExpectProbeHolds("03_memory_mb_in_manifest", Plugins("03_huge_memory_mb"));
}
TEST(HostileTest, Finding03DefaultMemoryMb) {
  ExpectProbeHolds("03_default_memory_mb", Plugins("03_huge_memory_mb"));
}

// 4. Converting a 999-deep result on a small thread stack crashed.
TEST(HostileTest, Finding04DeepResultOn256KbStack) {
  ExpectProbeHolds("04_deep_result_256k_stack", Plugins("04_deep_result"));
}
TEST(HostileTest, Finding04DeepResultOn512KbStack) {
  ExpectProbeHolds("04_deep_result_512k_stack", Plugins("04_deep_result"));
}

// 5. A Python call inside C code held up JS deadlines and Interrupt().
TEST(HostileTest, Finding05PythonCCallBlocksOthers) {
  ExpectProbeHolds("05_python_c_call", Plugins("05_python_c_call"));
}

// 6. Top-level code ran with no deadline, at load and on isolate renewal.
TEST(HostileTest, Finding06TopLevelLoopWithTimeoutMs) {
  ExpectProbeHolds("06_top_level_loop_timeout_ms",
                   Plugins("06_top_level_loop/with_timeout_ms"));
}
TEST(HostileTest, Finding06TopLevelLoopWithDefaultTimeout) {
  ExpectProbeHolds("06_top_level_loop_default_timeout",
                   Plugins("06_top_level_loop/with_default_timeout"));
}
TEST(HostileTest, Finding06TopLevelLoopOnRenewal) {
  ExpectProbeHolds("06_top_level_loop_on_renewal",
                   Plugins("06_top_level_loop/renewal"));
}

// 7. Python code that swallows the stop, and finalizers outside any call.
TEST(HostileTest, Finding07SwallowedDeadline) {
  ExpectProbeHolds("07_swallowed_deadline", Plugins("07_python_stubborn"));
}
TEST(HostileTest, Finding07DestroyHostDuringSwallow) {
  ExpectProbeHolds("07_destroy_host_during_swallow",
                   Plugins("07_python_stubborn"));
}
TEST(HostileTest, Finding07FinalizerAfterReturn) {
  ExpectProbeHolds("07_finalizer_after_return", Plugins("07_python_stubborn"));
}
TEST(HostileTest, Finding07InterruptFinalizer) {
  ExpectProbeHolds("07_interrupt_finalizer", Plugins("07_python_stubborn"));
}

// 8. A cheap result converted into gigabytes of values, past its deadline.
TEST(HostileTest, Finding08HugeJavaScriptResult) {
  ExpectProbeHolds("08_huge_js_result", Plugins("08_huge_result"));
}
TEST(HostileTest, Finding08HugePythonResult) {
  ExpectProbeHolds("08_huge_python_result", Plugins("08_huge_result"));
}

// 9. An endless microtask chain outran the call's deadline and returned OK.
TEST(HostileTest, Finding09MicrotaskLoop) {
  ExpectProbeHolds("09_microtask_loop", Plugins("09_microtask_loop"));
}

// 10. A non-daemon Python thread made `duet call` hang at exit.
TEST(HostileTest, Finding10NonDaemonThreadDoesNotBlockExit) {
  ProcessResult result =
      RunProcess({DUET_CLI_PATH, "call", "--plugins",
                  Plugins("10_non_daemon_thread").string(), "lingering.start"},
                 WithTimeout(20));
  EXPECT_EQ(result.exit_code, 0) << Describe(result);
  EXPECT_THAT(result.out, HasSubstr("\"started\"")) << Describe(result);
}

// 11. Isolates discarded after heap hits piled up while other calls ran.
TEST(HostileTest, Finding11HeapHitsUnderLoad) {
  ExpectProbeHolds("11_heap_hits_under_load",
                   Plugins("11_heap_hits_under_load"));
}

// 12. Reloading a JS module while threads call it leaked per thread.
TEST(HostileTest, Finding12ReloadLeak) {
  ExpectProbeHolds("12_reload_leak", Plugins("12_reload_leak"));
}

// 13. A single-file plugin read another plugin's files.
TEST(HostileTest, Finding13SingleFileRoot) {
  ExpectProbeHolds("13_single_file_root", Plugins("13_single_file_root"));
}

// 14. require.resolve told existing from missing files outside the plugin.
TEST(HostileTest, Finding14ResolveOracle) {
  ExpectProbeHolds("14_resolve_oracle", Plugins("14_resolve_oracle"));
}

// 15. An implementation symlinked out of its plugin was loaded.
TEST(HostileTest, Finding15SymlinkedEntry) {
  TempDir dir;
  fs::copy(Plugins("15_symlinked_entry"), dir.path(),
           fs::copy_options::recursive);
  fs::create_symlink("../outside/outside.js",
                     dir.path() / "linked" / "linked.js");
  ExpectProbeHolds("15_symlinked_entry", dir.path());
}

// 16. A module named __proto__ became the JS REPL global's prototype.
TEST(HostileTest, Finding16ProtoModule) {
  ExpectProbeHolds("16_proto_module", Plugins("16_proto_module"));
}

// 17. `duet list --json` wrote a non-UTF-8 path raw: invalid JSON.
TEST(HostileTest, Finding17ListJsonWithNonUtf8Path) {
  TempDir dir;
  fs::copy(Plugins("17_non_utf8_dir/plain"), dir.path() / "bad\xff",
           fs::copy_options::recursive);
  ProcessResult listed = RunProcess(
      {DUET_CLI_PATH, "list", "--json", "--plugins", dir.path().string()},
      WithTimeout(kProcessTimeoutSeconds));
  ASSERT_EQ(listed.exit_code, 0) << Describe(listed);
  // Decoded strictly: Python would otherwise let invalid bytes through as
  // surrogate escapes.
  ProcessOptions check = WithTimeout(kProcessTimeoutSeconds);
  check.stdin_text = listed.out;
  ProcessResult parsed = RunProcess(
      {"/usr/bin/python3", "-c",
       "import json, sys; json.loads(sys.stdin.buffer.read().decode())"},
      check);
  EXPECT_EQ(parsed.exit_code, 0) << "duet list --json printed invalid JSON:\n"
                                 << listed.out << "\n"
                                 << parsed.err;
}

}  // namespace
}  // namespace duet::testing
