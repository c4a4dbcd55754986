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

/// The seed of a run that names none, so runs repeat.
inline constexpr uint64_t kDefaultFuzzSeed = 20240229;

/// Random values of a TypeSpec: small ones first (size grows with the
/// input's index), with the edges that break implementations mixed in:
/// empty strings and the characters where Python's and JavaScript's rules
/// differ (whitespace such as U+001C-U+001F, U+0085 and U+FEFF; case mappings
/// such as ß, ŉ, ǅ, İ, ı and final sigma; non-ASCII digits; accents,
/// combining marks, CJK, emoji beyond the BMP, right-to-left text, NUL),
/// 0, -1, 2^31, 2^53 +- 1, int64
/// limits, -0.0, NaN, Infinity, integral floats, tiny and huge floats, and
/// nested lists and maps.
class ValueGenerator {
 public:
  /// The same seed gives the same values.
  explicit ValueGenerator(uint64_t seed) : random_(seed) {}
  /// One value of `type`; a larger `size` allows longer strings and lists,
  /// more keys and deeper nesting.
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

/// What one implementation returned for an input.
struct ImplementationResult {
  /// The implementation called.
  Language language = Language::kPython;
  /// Its result or error.
  absl::StatusOr<Value> result;
};

/// An input on which the implementations disagree.
struct FuzzFinding {
  Value::List input;        ///< the first input that disagreed
  int64_t input_index = 0;  ///< 1-based
  Value::List shrunk;       ///< the smallest input found that still disagrees
  /// How many smaller inputs replaced `input` on the way to `shrunk`.
  int shrink_steps = 0;
  /// An input they agreed on earlier disagrees now: the implementations keep
  /// state and it drifted apart, so `shrunk` is `input`, unshrunk.
  bool state_diverged = false;
  std::vector<ImplementationResult> results;  ///< on `shrunk`
};

/// The outcome of fuzzing one function.
struct FuzzFunctionReport {
  /// The module fuzzed.
  std::string module;
  /// The function fuzzed.
  std::string function;
  int64_t inputs = 0;   ///< tried
  std::string skipped;  ///< why the function was not fuzzed, if it was not
  /// The disagreement found; none when they agreed on every input.
  std::optional<FuzzFinding> finding;
};

/// How Fuzz runs.
struct FuzzOptions {
  int64_t inputs = 100;  ///< per function
  /// Seeds the ValueGenerator: the same seed repeats the run.
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
  /// Functions with a finding.
  int disagree = 0;
  /// Functions fuzzed without one.
  int agree = 0;
  /// Functions not fuzzed (no declared params).
  int skipped = 0;
};
/// Counts `reports` into a FuzzTally.
FuzzTally TallyFuzz(const std::vector<FuzzFunctionReport>& reports);

/// The widest "module.function" a run over `modules` can report, in
/// terminal columns: the `name_width` that aligns FuzzReportText.
size_t FuzzNameWidth(const std::vector<ModuleInfo>& modules);

/// The human report: a heading naming the seed, lines for each function as
/// it is done, and a summary ("1 function disagrees, 3 agree").
std::string FuzzHeading(const FuzzOptions& options);
/// The lines for one function, `module.function` padded to `name_width`.
std::string FuzzReportText(const FuzzFunctionReport& report, size_t name_width,
                           bool colour);
/// The closing summary line.
std::string FuzzSummaryText(const std::vector<FuzzFunctionReport>& reports);

/// The JSON of the whole run.
Value FuzzJson(const std::vector<FuzzFunctionReport>& reports,
               const FuzzOptions& options);

}  // namespace duet::tools

#endif  // DUET_TOOLS_FUZZ_H_
