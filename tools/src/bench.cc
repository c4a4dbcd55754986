#include "duet/tools/bench.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

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
  std::sort(times.begin(), times.end());
  Timing timing;
  timing.calls = static_cast<int64_t>(times.size());
  timing.calls_per_second = total > 0 ? timing.calls / total : 0;
  timing.median = Quantile(times, 0.5);
  timing.p10 = Quantile(times, 0.1);
  timing.p90 = Quantile(times, 0.9);
  return timing;
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
  for (const ImplementationInfo& impl : info->implementations) {
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

  if (several) {
    const BenchRow* slowest = report.slowest();
    absl::StrAppend(
        &out, Paint(NameOf(fastest->language), Style::kBold, colour), " is ",
        Ratio(report.ratio()), " faster than ", NameOf(slowest->language),
        " (median ", FormatSeconds(fastest->function.median), " vs ",
        FormatSeconds(slowest->function.median), " per call).\n");
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
  out.Set("baseline",
          report.baseline_problem.empty()
              ? Value(absl::StrCat(kBaselineModule,
                                   ".noop: the same arguments, returns null"))
              : Value());
  return Value(std::move(out));
}

}  // namespace duet::tools
