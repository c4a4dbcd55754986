/// @file
/// Differential testing: random inputs from a function's declared parameter
/// types ([exports.NAME] params), sent to every implementation, until two
/// disagree; the disagreeing input is then shrunk to a small one.
///
/// Agreement: both return values equal by value (EquivalentByValue), or both
/// fail (any error). One failing while the other returns is a disagreement.
/// Generation is deterministic for a seed (a 64-bit Mersenne Twister, used
/// only through its raw output, whose sequence the C++ standard fixes).
/// `duet check --fuzz N` runs this.
///
/// @code
///   std::vector<duet::tools::FuzzFunctionReport> reports =
///       duet::tools::Fuzz(host, modules, {}, nullptr);
///   for (const auto& report : reports) {
///     if (report.finding) ...  // report.finding->shrunk disagrees
///   }
/// @endcode
#ifndef DUET_TOOLS_FUZZ_H_
#define DUET_TOOLS_FUZZ_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "duet/host.h"
#include "duet/manifest.h"
#include "duet/value.h"

namespace duet::tools {

inline constexpr uint64_t kDefaultFuzzSeed = 20240229;

/// Random values of a TypeSpec: small ones first (size grows with the
/// input's index), with the edges that break implementations mixed in:
/// empty and Unicode-heavy strings (accents, combining marks, CJK, emoji
/// beyond the BMP, right-to-left text, NUL), 0, -1, 2^31, 2^53 +- 1, int64
/// limits, -0.0, NaN, Infinity, integral floats, tiny and huge floats, and
/// nested lists and maps.
class ValueGenerator {
 public:
  explicit ValueGenerator(uint64_t seed) : random_(seed) {}
  Value Generate(const TypeSpec& type, int size);

 private:
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : random_() % n; }
  bool OneIn(uint64_t n) { return Below(n) == 0; }
  Value Any(int size);
  Value Int(int size);
  Value Float(int size);
  std::string String(int size);

  std::mt19937_64 random_;
};

/// Smaller values of `type` than `value`, simplest first: null (when
/// nullable), "", [], {}, 0; then shorter strings and lists, fewer keys,
/// smaller numbers, each element shrunk in turn.
std::vector<Value> ShrinkCandidates(const TypeSpec& type, const Value& value);

/// The agreement rule above, for two results of the same call (the REPL's
/// :compare uses it too).
bool ResultsAgree(const absl::StatusOr<Value>& a,
                  const absl::StatusOr<Value>& b);

struct ImplementationResult {
  Language language = Language::kPython;
  absl::StatusOr<Value> result;
};

struct FuzzFinding {
  Value::List input;        ///< the first input that disagreed
  int64_t input_index = 0;  ///< 1-based
  Value::List shrunk;       ///< the smallest input found that still disagrees
  int shrink_steps = 0;
  /// An input they agreed on earlier disagrees now: the implementations keep
  /// state and it drifted apart, so `shrunk` is `input`, unshrunk.
  bool state_diverged = false;
  std::vector<ImplementationResult> results;  ///< on `shrunk`
};

struct FuzzFunctionReport {
  std::string module;
  std::string function;
  int64_t inputs = 0;   ///< tried
  std::string skipped;  ///< why the function was not fuzzed, if it was not
  std::optional<FuzzFinding> finding;
};

struct FuzzOptions {
  int64_t inputs = 100;  ///< per function
  uint64_t seed = kDefaultFuzzSeed;
};

/// Fuzzes each function every implementation of a module exports and whose
/// params are declared. Calls `on_report` as each function is done.
std::vector<FuzzFunctionReport> Fuzz(
    Host& host, const std::vector<ModuleInfo>& modules,
    const FuzzOptions& options,
    const std::function<void(const FuzzFunctionReport&)>& on_report,
    const std::atomic<bool>* stop = nullptr);

/// How many functions of a run disagreed, agreed and were skipped.
struct FuzzTally {
  int disagree = 0;
  int agree = 0;
  int skipped = 0;
};
FuzzTally TallyFuzz(const std::vector<FuzzFunctionReport>& reports);

/// The widest "module.function" a run over `modules` can report, in
/// terminal columns: the `name_width` that aligns FuzzReportText.
size_t FuzzNameWidth(const std::vector<ModuleInfo>& modules);

/// The human report: a heading naming the seed, lines for each function as
/// it is done, and a summary ("1 function disagrees, 3 agree").
std::string FuzzHeading(const FuzzOptions& options);
std::string FuzzReportText(const FuzzFunctionReport& report, size_t name_width,
                           bool colour);
std::string FuzzSummaryText(const std::vector<FuzzFunctionReport>& reports);

/// The JSON of the whole run.
Value FuzzJson(const std::vector<FuzzFunctionReport>& reports,
               const FuzzOptions& options);

}  // namespace duet::tools

#endif  // DUET_TOOLS_FUZZ_H_
