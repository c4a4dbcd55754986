#include "duet/tools/bench.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "duet/error.h"
#include "duet/tools/text.h"

namespace duet::tools {
namespace {

constexpr char kBaselinePython[] =
    "def noop(*args):\n"
    "    return None\n";
constexpr char kBaselineJavaScript[] =
    "export function noop(...args) {\n"
    "  return null;\n"
    "}\n";

using Clock = std::chrono::steady_clock;

bool Stopped(const BenchOptions& options) {
  return options.stop != nullptr && options.stop->load();
}

// Value at fraction q of sorted `times` (nearest rank).
double Quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t index = static_cast<size_t>(q * static_cast<double>(sorted.size()));
  return sorted[std::min(index, sorted.size() - 1)];
}

// Warms up, then times `call` for `seconds`.
absl::StatusOr<Timing> Measure(
    const std::function<absl::StatusOr<Value>()>& call, double seconds,
    const BenchOptions& options) {
  const auto warmup = std::chrono::duration<double>(std::min(0.2, seconds / 5));
  const auto budget = std::chrono::duration<double>(seconds);
  for (auto start = Clock::now(); Clock::now() - start < warmup;) {
    if (Stopped(options)) return absl::CancelledError("interrupted");
    absl::StatusOr<Value> r = call();
    if (!r.ok()) return r.status();
  }
  // Enough samples for stable quantiles; capped so fast calls stay small.
  constexpr size_t kMaxSamples = 2'000'000;
  std::vector<double> times;
  times.reserve(1024);
  const auto start = Clock::now();
  auto now = start;
  while (now - start < budget && times.size() < kMaxSamples) {
    if (Stopped(options)) return absl::CancelledError("interrupted");
    const auto before = Clock::now();
    absl::StatusOr<Value> r = call();
    now = Clock::now();
    if (!r.ok()) return r.status();
    times.push_back(std::chrono::duration<double>(now - before).count());
  }
  const double total = std::chrono::duration<double>(now - start).count();
  return TimingOf(std::move(times), total);
}

// The median of `samples` drawn with replacement.
double ResampledMedian(const std::vector<double>& samples,
                       std::mt19937_64& random, std::vector<double>& scratch) {
  scratch.resize(samples.size());
  for (double& x : scratch) x = samples[random() % samples.size()];
  auto middle = scratch.begin() + static_cast<ptrdiff_t>(scratch.size() / 2);
  std::nth_element(scratch.begin(), middle, scratch.end());
  return *middle;
}

std::string Ratio(double ratio) {
  char text[32];
  std::snprintf(text, sizeof text, ratio >= 10 ? "%.0fx" : "%.2fx", ratio);
  return text;
}

std::string Percent(double share) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f%%", share * 100);
  return text;
}

Value TimingJson(const Timing& timing) {
  return Value::Map{{"calls", timing.calls},
                    {"calls_per_second", timing.calls_per_second},
                    {"median_s", timing.median},
                    {"p10_s", timing.p10},
                    {"p90_s", timing.p90}};
}

}  // namespace

Timing TimingOf(std::vector<double> seconds, double total_seconds) {
  std::sort(seconds.begin(), seconds.end());
  Timing timing;
  timing.calls = static_cast<int64_t>(seconds.size());
  timing.calls_per_second =
      total_seconds > 0 ? static_cast<double>(timing.calls) / total_seconds : 0;
  timing.median = Quantile(seconds, 0.5);
  timing.p10 = Quantile(seconds, 0.1);
  timing.p90 = Quantile(seconds, 0.9);
  if (seconds.size() <= kKeptSamples) {
    timing.samples = std::move(seconds);
  } else {
    timing.samples.reserve(kKeptSamples);
    for (size_t i = 0; i < kKeptSamples; ++i) {
      timing.samples.push_back(
          Quantile(seconds, (i + 0.5) / static_cast<double>(kKeptSamples)));
    }
  }
  return timing;
}

Comparison CompareTimings(const Timing& faster, const Timing& slower) {
  Comparison out;
  out.ratio = faster.median > 0 ? slower.median / faster.median : 1;
  if (faster.samples.size() < kMinBootstrapSamples ||
      slower.samples.size() < kMinBootstrapSamples) {
    out.test = Comparison::Test::kRangeOverlap;
    out.low = faster.p90 > 0 ? slower.p10 / faster.p90 : 1;
    out.high = faster.p10 > 0 ? slower.p90 / faster.p10 : 1;
    out.clear = slower.p10 > faster.p90;
    return out;
  }
  out.test = Comparison::Test::kBootstrap;
  constexpr int kResamples = 1000;
  // A fixed seed: the same timings always get the same verdict.
  std::mt19937_64 random(20261207);
  std::vector<double> ratios;
  ratios.reserve(kResamples);
  std::vector<double> scratch;
  for (int i = 0; i < kResamples; ++i) {
    const double fast = ResampledMedian(faster.samples, random, scratch);
    const double slow = ResampledMedian(slower.samples, random, scratch);
    ratios.push_back(fast > 0 ? slow / fast : 1);
  }
  std::sort(ratios.begin(), ratios.end());
  out.low = Quantile(ratios, 0.025);
  out.high = Quantile(ratios, 0.975);
  out.clear = out.low > kMinClearRatio;
  return out;
}

std::string DescribeComparison(const Comparison& comparison) {
  char range[64];
  std::snprintf(range, sizeof range, "%.2fx to %.2fx", comparison.low,
                comparison.high);
  if (comparison.test == Comparison::Test::kBootstrap) {
    return absl::StrCat("bootstrap 95% interval of the ratio of medians: ",
                        range);
  }
  return absl::StrCat("p10-p90 ranges ",
                      comparison.clear ? "do not overlap" : "overlap",
                      ", too few samples to bootstrap");
}

std::optional<Comparison> BenchReport::comparison() const {
  if (rows.size() < 2) return std::nullopt;
  return CompareTimings(fastest()->function, slowest()->function);
}

const BenchRow* BenchReport::fastest() const {
  const BenchRow* best = nullptr;
  for (const BenchRow& row : rows) {
    if (best == nullptr || row.function.median < best->function.median) {
      best = &row;
    }
  }
  return best;
}

const BenchRow* BenchReport::slowest() const {
  const BenchRow* worst = nullptr;
  for (const BenchRow& row : rows) {
    if (worst == nullptr || row.function.median > worst->function.median) {
      worst = &row;
    }
  }
  return worst;
}

double BenchReport::ratio() const {
  const BenchRow* fast = fastest();
  const BenchRow* slow = slowest();
  if (fast == nullptr || fast->function.median <= 0) return 1;
  return slow->function.median / fast->function.median;
}

// The baseline is a plugin given in memory: a call that does nothing, in
// each language, to time duet itself.
absl::Status EnsureBaseline(Host& host) {
  if (host.GetModule(kBaselineModule).ok()) return absl::OkStatus();
  PluginSource baseline;
  baseline.module = kBaselineModule;
  baseline.implementations = {
      {Language::kPython, kBaselinePython, "_duet_baseline.py"},
      {Language::kJavaScript, kBaselineJavaScript, "_duet_baseline.js"}};
  return host.LoadPlugin(baseline).status();
}

absl::StatusOr<BenchReport> RunBenchmark(Host& host, const std::string& module,
                                         const std::string& function,
                                         const Value::List& args,
                                         const BenchOptions& options) {
  absl::StatusOr<ModuleInfo> info = host.GetModule(module);
  if (!info.ok()) return info.status();
  BenchReport report;
  report.module = module;
  report.function = function;
  report.args = args;
  report.seconds = options.seconds;
  bool baseline = options.baseline;
  if (baseline) {
    if (absl::Status status = EnsureBaseline(host); !status.ok()) {
      report.baseline_problem = OneLine(status);
      baseline = false;
    }
  }
  if (options.runtime &&
      std::none_of(info->implementations.begin(), info->implementations.end(),
                   [&](const ImplementationInfo& impl) {
                     return impl.language == *options.runtime;
                   })) {
    return absl::NotFoundError(absl::StrCat("module '", module, "' has no ",
                                            NameOf(*options.runtime),
                                            " implementation"));
  }
  for (const ImplementationInfo& impl : info->implementations) {
    if (options.runtime && impl.language != *options.runtime) continue;
    BenchRow row;
    row.language = impl.language;
    auto call = [&]() {
      return host.Call(module, function, args, {std::nullopt, impl.language});
    };
    auto failed = [&](const absl::Status& status) {
      if (absl::IsCancelled(status)) return status;
      return absl::Status(
          status.code(),
          absl::StrCat(NameOf(impl.language), ": ", FormatError(status)));
    };
    // One call first: an error stops the bench before any timing.
    absl::StatusOr<Value> first = call();
    if (!first.ok()) return failed(first.status());
    row.result = *std::move(first);
    absl::StatusOr<Timing> timing = Measure(call, options.seconds, options);
    if (!timing.ok()) return failed(timing.status());
    row.function = *timing;
    if (baseline) {
      auto noop = [&]() {
        return host.Call(kBaselineModule, "noop", args,
                         {std::nullopt, impl.language});
      };
      // The no-op is steadier; half the time is plenty.
      absl::StatusOr<Timing> base =
          Measure(noop, std::max(0.02, options.seconds / 2), options);
      if (!base.ok()) return failed(base.status());
      row.baseline = *base;
    }
    report.rows.push_back(std::move(row));
  }
  return report;
}

std::string BenchText(const BenchReport& report, bool colour) {
  std::string out = absl::StrCat(
      Paint(absl::StrCat(report.module, ".",
                         CallLabel(report.function, report.args, 60)),
            Style::kBold, colour),
      ": ", FormatSeconds(report.seconds), " per implementation\n");
  const BenchRow* fastest = report.fastest();
  const bool several = report.rows.size() > 1;
  std::vector<std::vector<std::string>> table = {
      {"LANGUAGE", "CALLS/S", "MEDIAN", "P10", "P90", "DUET NO-OP", "CALLS",
       "RELATIVE"}};
  for (const BenchRow& row : report.rows) {
    std::string relative =
        !several          ? "-"
        : &row == fastest ? "fastest"
                          : Ratio(row.function.median /
                                  std::max(fastest->function.median, 1e-12)) +
                                " slower";
    table.push_back(
        {NameOf(row.language),
         GroupThousands(static_cast<int64_t>(row.function.calls_per_second)),
         FormatSeconds(row.function.median), FormatSeconds(row.function.p10),
         FormatSeconds(row.function.p90),
         row.baseline ? FormatSeconds(row.baseline->median) : "-",
         GroupThousands(row.function.calls), relative});
  }
  absl::StrAppend(&out, Table(table, {1, 2, 3, 4, 5, 6}));

  if (std::optional<Comparison> comparison = report.comparison()) {
    const BenchRow* slowest = report.slowest();
    if (comparison->clear) {
      absl::StrAppend(
          &out, Paint(NameOf(fastest->language), Style::kBold, colour), " is ",
          Ratio(report.ratio()), " faster than ", NameOf(slowest->language),
          " (median ", FormatSeconds(fastest->function.median), " vs ",
          FormatSeconds(slowest->function.median), " per call; ",
          DescribeComparison(*comparison), ").\n");
    } else {
      absl::StrAppend(
          &out, Paint("No clear difference", Style::kBold, colour), " between ",
          NameOf(fastest->language), " and ", NameOf(slowest->language),
          " (median ", FormatSeconds(fastest->function.median), " vs ",
          FormatSeconds(slowest->function.median), " per call; ",
          DescribeComparison(*comparison),
          comparison->test == Comparison::Test::kBootstrap
              ? absl::StrCat(", not all above ", Ratio(kMinClearRatio))
              : "",
          ").\n");
    }
  }
  // Who dominates: the function, or the call through duet?
  std::vector<std::string> shares;
  bool boundary_dominates = false;
  for (const BenchRow& row : report.rows) {
    if (!row.baseline || row.function.median <= 0) continue;
    const double share =
        std::min(1.0, row.baseline->median / row.function.median);
    boundary_dominates = boundary_dominates || share > 0.5;
    shares.push_back(absl::StrCat(FormatSeconds(row.baseline->median), " in ",
                                  NameOf(row.language), " (", Percent(share),
                                  " of a call)"));
  }
  if (!shares.empty()) {
    absl::StrAppend(
        &out, "A call through duet that does nothing costs ",
        absl::StrJoin(shares, ", "), ":\n",
        boundary_dominates
            ? "the call itself dominates; the languages differ more on fewer, "
              "larger calls.\n"
            : "the function's own work dominates.\n");
  } else if (!report.baseline_problem.empty()) {
    absl::StrAppend(&out, "(no baseline: ", report.baseline_problem, ")\n");
  }
  for (size_t i = 1; i < report.rows.size(); ++i) {
    if (!EquivalentByValue(report.rows[0].result, report.rows[i].result)) {
      absl::StrAppend(&out, Paint("note:", Style::kYellow, colour),
                      " the results differ: ", NameOf(report.rows[0].language),
                      " returned ", ShortJson(report.rows[0].result, 60), ", ",
                      NameOf(report.rows[i].language), " returned ",
                      ShortJson(report.rows[i].result, 60), "\n");
    }
  }
  return out;
}

Value BenchJson(const BenchReport& report) {
  Value::List rows;
  for (const BenchRow& row : report.rows) {
    Value::Map entry = TimingJson(row.function).as_map();
    entry.Set("language", NameOf(row.language));
    entry.Set("result", row.result);
    if (row.baseline) {
      entry.Set("baseline", TimingJson(*row.baseline));
      entry.Set("baseline_share",
                row.function.median > 0
                    ? std::min(1.0, row.baseline->median / row.function.median)
                    : 0.0);
    }
    rows.push_back(std::move(entry));
  }
  bool agree = true;
  for (size_t i = 1; i < report.rows.size(); ++i) {
    agree = agree &&
            EquivalentByValue(report.rows[0].result, report.rows[i].result);
  }
  Value::Map out{
      {"module", report.module},
      {"function", report.function},
      {"args", report.args},
      {"seconds", report.seconds},
      {"implementations", std::move(rows)},
      {"results_agree", agree},
  };
  if (const BenchRow* fastest = report.fastest()) {
    out.Set("fastest", NameOf(fastest->language));
    out.Set("ratio", report.ratio());
  }
  if (std::optional<Comparison> comparison = report.comparison()) {
    out.Set("comparison",
            Value::Map{{"test", comparison->test == Comparison::Test::kBootstrap
                                    ? "bootstrap"
                                    : "p10-p90 overlap"},
                       {"clear_difference", comparison->clear},
                       {"ratio_low", comparison->low},
                       {"ratio_high", comparison->high},
                       {"description", DescribeComparison(*comparison)}});
  }
  out.Set("baseline",
          report.baseline_problem.empty()
              ? Value(absl::StrCat(kBaselineModule,
                                   ".noop: the same arguments, returns null"))
              : Value());
  return Value(std::move(out));
}

}  // namespace duet::tools
