/// @file
/// Timing a function in every implementation on the same input, next to what
/// a call through duet costs by itself: what `duet bench` and `:bench` run.
///
/// @code
///   absl::StatusOr<duet::tools::BenchReport> report =
///       duet::tools::RunBenchmark(host, "strings", "shout", {"hi"}, {});
///   if (report.ok()) std::cout << duet::tools::BenchText(*report, false);
/// @endcode
///
/// The baseline is a no-op function in each language that takes the same
/// arguments and returns null: the time of a call minus the time of the
/// no-op is what the function itself costs. It is a tiny plugin built into
/// this library (module _duet_baseline), written to a temporary directory,
/// loaded into the host once, and the directory removed again;
/// SelectModules (check.h) leaves it out.
///
/// Every function here runs on the calling thread; the Host may serve other
/// threads meanwhile (their calls share the engines and skew the timings).
#ifndef DUET_TOOLS_BENCH_H_
#define DUET_TOOLS_BENCH_H_

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "duet/host.h"
#include "duet/value.h"

namespace duet::tools {

/// The module name of the built-in no-op plugin (EnsureBaseline); listings
/// leave it out.
inline constexpr char kBaselineModule[] = "_duet_baseline";

/// Per-call times of one function in one language.
struct Timing {
  /// Timed calls made.
  int64_t calls = 0;
  /// calls / the seconds they took.
  double calls_per_second = 0;
  double median = 0;  ///< seconds per call
  /// 10th percentile, seconds per call.
  double p10 = 0;
  /// 90th percentile, seconds per call.
  double p90 = 0;
  /// Up to kKeptSamples evenly spaced order statistics of the per-call
  /// times, ascending: the distribution CompareTimings resamples.
  std::vector<double> samples;
};

/// Samples a Timing keeps; fewer than the calls made makes CompareTimings'
/// interval wider than the calls alone would, never narrower.
inline constexpr size_t kKeptSamples = 1000;

/// The Timing of per-call times `seconds` (any order) made in
/// `total_seconds`.
Timing TimingOf(std::vector<double> seconds, double total_seconds);

/// Whether two implementations' times differ by more than the noise, and
/// how that was decided.
struct Comparison {
  /// The tests CompareTimings chooses between.
  enum class Test {
    /// With at least kMinBootstrapSamples samples each: a bootstrap 95%
    /// interval of the ratio of medians (slower over faster, 1000
    /// resamples with a fixed seed). Clear when the whole interval is
    /// above kMinClearRatio.
    kBootstrap,
    /// With fewer samples: clear when the p10-p90 ranges do not overlap.
    kRangeOverlap,
  };
  Test test = Test::kRangeOverlap;  ///< which test decided
  /// The difference is outside the noise.
  bool clear = false;
  /// The slower median over the faster one.
  double ratio = 1;
  /// kBootstrap: the interval of `ratio`; kRangeOverlap: the slower p10
  /// over the faster p90 and the slower p90 over the faster p10.
  double low = 1;
  /// See `low`.
  double high = 1;
};

/// Samples each side needs for the bootstrap test.
inline constexpr size_t kMinBootstrapSamples = 20;
/// Medians closer than this (5%) are no clear difference even when the
/// interval excludes 1: timings on a shared machine drift that much between
/// runs, which resampling one run cannot see.
inline constexpr double kMinClearRatio = 1.05;

/// Compares `faster` (the smaller median) with `slower`.
Comparison CompareTimings(const Timing& faster, const Timing& slower);

/// The test and its numbers in words: "bootstrap 95% interval of the ratio
/// of medians: 1.48x to 1.57x", "p10-p90 ranges overlap, too few samples to
/// bootstrap".
std::string DescribeComparison(const Comparison& comparison);

/// One implementation's results in a BenchReport.
struct BenchRow {
  /// The implementation timed.
  Language language = Language::kPython;
  /// The function's own times.
  Timing function;
  std::optional<Timing> baseline;  ///< the no-op, same language and arguments
  Value result;                    ///< what the function returned
};

/// What RunBenchmark measured: one row per implementation.
struct BenchReport {
  /// The module benchmarked.
  std::string module;
  /// The function benchmarked.
  std::string function;
  /// The arguments of every call.
  Value::List args;
  double seconds = 0;            ///< per implementation
  std::vector<BenchRow> rows;    ///< in kAllLanguages order
  std::string baseline_problem;  ///< why there is no baseline, if none

  /// The row with the smallest median, and how many times faster it is than
  /// the slowest (1 with a single implementation).
  const BenchRow* fastest() const;
  /// The row with the largest median.
  const BenchRow* slowest() const;
  /// The slowest median over the fastest (1 with a single implementation).
  double ratio() const;
  /// CompareTimings(fastest, slowest); nullopt with a single
  /// implementation.
  std::optional<Comparison> comparison() const;
};

/// How RunBenchmark measures.
struct BenchOptions {
  double seconds = 0.5;  ///< of timed calls per implementation
  /// Time only this implementation (kNotFound when the module has none).
  std::optional<Language> runtime;
  /// Also time the no-op call (kBaselineModule) in each language.
  bool baseline = true;
  /// Polled between calls: set it to stop (the result is kCancelled).
  const std::atomic<bool>* stop = nullptr;
};

/// Loads the no-op plugin into `host` unless it is there already.
absl::Status EnsureBaseline(Host& host);

/// For each implementation: one call (an error ends the bench with that
/// error, prefixed by the language), a warm-up, then calls for
/// options.seconds; then the same for the baseline.
absl::StatusOr<BenchReport> RunBenchmark(Host& host, const std::string& module,
                                         const std::string& function,
                                         const Value::List& args,
                                         const BenchOptions& options);

/// The heading, the table, which language is faster by how much (or "no
/// clear difference", naming the test: CompareTimings), and whether the
/// function or the call through duet dominates.
std::string BenchText(const BenchReport& report, bool colour);
/// The object `duet bench --json` prints.
Value BenchJson(const BenchReport& report);

}  // namespace duet::tools

#endif  // DUET_TOOLS_BENCH_H_
