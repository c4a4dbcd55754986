#!/usr/bin/env python3
"""Prints issue 13's table from Google Benchmark JSON: one row per case,
duet beside its reference, the ratio, the target and whether it is met.

usage: report.py RESULTS_DIR            the rows of `make bench`
       report.py --peers RESULTS_DIR    the rows of `make bench-peers`

RESULTS_DIR holds the JSON files the benchmarks wrote (--benchmark_out,
3 repetitions, aggregates only); each figure is the median of the three.
A duet case and its reference come from one run of one binary (one
process, except the cold starts, which one binary times side by side). A
case that did not run says why instead of a number. The targets live here,
written as in the issue. Python 3 standard library only.
"""

import glob
import json
import os
import re
import sys

# Parts of a run name that say how a case ran, not which case it is.
_HOW_IT_RAN = re.compile(
    r"^(real_time|process_time|min_time:.*|repeats:.*|iterations:.*|threads:.*)$"
)

_UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def case_name(run_name):
    """BM_Cross/js_to_python/add/real_time -> BM_Cross/js_to_python/add;
    BENCHMARK_CAPTURE's "python / add" -> "python/add"."""
    parts = (p.strip() for p in run_name.split("/"))
    return "/".join(p for p in parts if not _HOW_IT_RAN.match(p))


class Result:
    """One case's median: nanoseconds per call, counters, or an error."""

    def __init__(self, ns=None, counters=None, error=None):
        self.ns = ns
        self.counters = counters or {}
        self.error = error


def _median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _median_of(found):
    """One Result from a case's results in several files (several processes,
    as the memory cases run): the median of each figure; an error wins."""
    for result in found:
        if result.error is not None:
            return result
    counters = {}
    for key in found[0].counters:
        values = [r.counters[key] for r in found if key in r.counters]
        counters[key] = _median(values)
    return Result(ns=_median([r.ns for r in found]), counters=counters)


def load_results(results_dir):
    """Every case in RESULTS_DIR/*.json by case name; the medians (of the
    repetitions in a file, then of the files a case is in)."""
    by_file = []
    loads = []
    for path in sorted(glob.glob(os.path.join(results_dir, "*.json"))):
        with open(path, encoding="utf-8") as f:
            try:
                data = json.load(f)
            except json.JSONDecodeError as e:
                print(f"report.py: {path} is not JSON ({e}); skipped",
                      file=sys.stderr)
                continue
        load = data.get("context", {}).get("load_avg")
        if load:
            loads.append((os.path.basename(path), load))
        results = {}
        single = {}
        for run in data.get("benchmarks", []):
            name = case_name(run.get("run_name", run.get("name", "")))
            if run.get("error_occurred"):
                results[name] = Result(error=run.get("error_message", "error"))
                continue
            aggregate = run.get("aggregate_name")
            if aggregate not in (None, "median"):
                continue
            scale = _UNIT_NS.get(run.get("time_unit", "ns"), 1.0)
            counters = {
                k: v for k, v in run.items() if isinstance(v, (int, float))
                and k not in ("real_time", "cpu_time", "iterations",
                              "repetitions", "repetition_index", "threads",
                              "family_index", "per_family_instance_index")
            }
            calls = counters.get("calls", 1) or 1
            result = Result(ns=run["real_time"] * scale / calls,
                            counters=counters)
            if aggregate == "median":
                results[name] = result
            else:
                single[name] = result
        # A run without repetitions has no aggregates: its one result counts.
        for name, result in single.items():
            results.setdefault(name, result)
        by_file.append(results)
    found = {}
    for results in by_file:
        for name, result in results.items():
            found.setdefault(name, []).append(result)
    return {name: _median_of(r) for name, r in found.items()}, loads


def format_ns(ns):
    if ns < 1e3:
        return f"{ns:.0f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.3g} µs"
    if ns < 1e9:
        return f"{ns / 1e6:.3g} ms"
    return f"{ns / 1e9:.3g} s"


class Measure:
    """A figure from the results: one case, or several added up."""

    def __init__(self, label, *names, missing="not run"):
        self.label = label
        self.names = names
        self.missing = missing

    def value(self, results):
        """(nanoseconds, None) or (None, why there is no figure)."""
        total = 0.0
        for name in self.names:
            result = results.get(name)
            if result is None:
                return None, self.missing
            if result.error is not None:
                return None, f"skipped: {result.error}"
            total += result.ns
        return total, None

    def text(self, value):
        return format_ns(value)


class RssPerImplementation(Measure):
    """MB of resident set per JavaScript implementation started at load:
    (rss with `many` plugins - rss with `few`) / (many - few)."""

    def __init__(self, label, few_name, few, many_name, many):
        super().__init__(label, few_name, many_name)
        self.few, self.many = few, many

    def value(self, results):
        rss = []
        for name in self.names:
            result = results.get(name)
            if result is None:
                return None, self.missing
            if result.error is not None:
                return None, f"skipped: {result.error}"
            if "rss_mb" not in result.counters:
                return None, f"{name} has no rss_mb counter"
            rss.append(result.counters["rss_mb"])
        return (rss[1] - rss[0]) / (self.many - self.few), None

    def text(self, value):
        return f"{value:.2f} MB"


class Target:
    """A target as the issue writes it, and how to judge it."""

    def __init__(self, text, max_ratio=None, max_value=None, proxy=False):
        self.text = text
        self.max_ratio = max_ratio
        self.max_value = max_value
        self.proxy = proxy  # an absolute stand-in for a peer ratio

    def met(self, value, ratio):
        if self.max_ratio is not None:
            if ratio is None:
                return "—"
            verdict = ratio <= self.max_ratio
        elif self.max_value is not None:
            verdict = value <= self.max_value
        else:
            return "—"
        word = "yes" if verdict else "NO"
        return f"{word} (proxy)" if self.proxy else word


NO_TARGET = Target("— (for reference)")


class Row:
    def __init__(self, case, duet, reference, target):
        self.case = case
        self.duet = duet
        self.reference = reference
        self.target = target

    def cells(self, results):
        duet, duet_missing = self.duet.value(results)
        reference, reference_missing = (
            self.reference.value(results) if self.reference else (None, None))
        duet_text = duet_missing or self.duet.text(duet)
        if self.reference is None:
            reference_text = "—"
        elif reference_missing:
            reference_text = f"{self.reference.label}: {reference_missing}"
        else:
            reference_text = (
                f"{self.reference.label} {self.reference.text(reference)}")
        ratio = None
        if duet is not None and reference is not None and reference > 0:
            ratio = duet / reference
        ratio_text = f"{ratio:.2f}×" if ratio is not None else "—"
        met = self.target.met(duet, ratio) if duet is not None else "—"
        return [self.case, duet_text, reference_text, ratio_text,
                self.target.text, met]


_NOT_BUILT = "not built yet (needs the held-lock scope API)"

BENCH_ROWS = [
    Row("C++ → Python `add(1, 2)`, Host::Call",
        Measure("", "BM_HostCall/python/add"),
        Measure("pybind11, GIL per call", "BM_RawPybind11CallGilPerCall/add"),
        Target("≤ 1.5× bare pybind11 with the GIL taken per call",
               max_ratio=1.5)),
    Row("C++ → Python `add(1, 2)`, Host::Call",
        Measure("", "BM_HostCall/python/add"),
        Measure("pybind11, GIL held", "BM_RawPybind11Call/add"), NO_TARGET),
    Row("C++ → JS `add(1, 2)`, Host::Call",
        Measure("", "BM_HostCall/javascript/add"),
        Measure("V8, v8::Locker per call", "BM_RawV8CallLockedPerCall/add"),
        Target("≤ 1.5× bare V8 with a Locker per call", max_ratio=1.5)),
    Row("C++ → JS `add(1, 2)`, Host::Call",
        Measure("", "BM_HostCall/javascript/add"),
        Measure("V8, Locker per call on a thread that parks its state "
                "(as duet does)", "BM_RawV8CallParkedPerCall/add"),
        NO_TARGET),
    Row("C++ → JS `add(1, 2)`, Host::Call",
        Measure("", "BM_HostCall/javascript/add"),
        Measure("V8, entered", "BM_RawV8Call/add"), NO_TARGET),
    Row("C++ → Python, resolved handle in a held-lock scope",
        Measure("", "BM_HeldLockCall/python/add", missing=_NOT_BUILT),
        Measure("pybind11, GIL held", "BM_RawPybind11Call/add"),
        Target("≤ 1.3× the bare call with the lock held", max_ratio=1.3)),
    Row("C++ → JS, resolved handle in a held-lock scope",
        Measure("", "BM_HeldLockCall/javascript/add", missing=_NOT_BUILT),
        Measure("V8, entered", "BM_RawV8Call/add"),
        Target("≤ 1.3× the bare call with the lock held", max_ratio=1.3)),
    Row("JS → Python `add(1, 2)` from a plugin",
        Measure("", "BM_Cross/js_to_python/add"),
        Measure("a JS call", "BM_Cross/js_local/add"),
        Target("≤ 1/3 of node-calls-python (about 300 ns here; "
               "ratio: make bench-peers)", max_value=300, proxy=True)),
    Row("Python → JS `add(1, 2)` from a plugin",
        Measure("", "BM_Cross/python_to_js/add"),
        Measure("a Python call", "BM_Cross/python_local/add"),
        Target("≤ 400 ns", max_value=400)),
    Row("Python → another Python module",
        Measure("", "BM_Cross/python_to_python/add"),
        Measure("a Python call", "BM_Cross/python_local/add"),
        Target("≤ 400 ns", max_value=400)),
    Row("JS → another JS module",
        Measure("", "BM_Cross/js_to_js/add"),
        Measure("a JS call", "BM_Cross/js_local/add"),
        Target("≤ 400 ns", max_value=400)),
    Row("1 MiB ASCII string, JS → Python `echo` → JS",
        Measure("", "BM_Large/string_echo/ascii"),
        Measure("memcpy 1 MiB", "BM_Raw/memcpy/1MiB"),
        Target("≤ 1/4 of node-calls-python (about 0.5 ms; "
               "ratio: make bench-peers)", max_value=0.5e6, proxy=True)),
    Row("1 MiB non-ASCII string, JS → Python `echo` → JS",
        Measure("", "BM_Large/string_echo/non_ascii"),
        Measure("memcpy 1 MiB", "BM_Raw/memcpy/1MiB"),
        Target("≤ 1/4 of node-calls-python (about 0.5 ms; "
               "ratio: make bench-peers)", max_value=0.5e6, proxy=True)),
    Row("100,000-int array, JS → Python `sum`",
        Measure("", "BM_Large/int_sum/100000"),
        Measure("raw floors added (pybind11 list build + V8 element reads)",
                "BM_Raw/pybind11_list_build/100000",
                "BM_Raw/v8_element_reads/100000"),
        Target("within 1.5× of the raw floors added (and ≤ 1/5 of "
               "node-calls-python: make bench-peers)", max_ratio=1.5)),
    Row("1 MiB Uint8Array, JS → Python `echo` → JS",
        Measure("", "BM_Large/bytes_echo/1MiB"),
        Measure("one memcpy of 1 MiB into memory a kept result last used",
                "BM_Raw/memcpy_aged/1MiB"),
        Target("≤ 50 µs (zero or one copy each way)", max_value=50e3)),
    Row("cold `duet call` on one plugin (Python)",
        Measure("", "BM_ColdStart/duet_call"),
        Measure("minimal both-engines program", "BM_ColdStart/minimal_engines"),
        Target("≤ 1.3× the minimal both-engines program", max_ratio=1.3)),
    Row("cold `duet call` on one plugin (--runtime javascript)",
        Measure("", "BM_ColdStart/duet_call_javascript"),
        Measure("minimal both-engines program", "BM_ColdStart/minimal_engines"),
        Target("≤ 1.3× the minimal both-engines program", max_ratio=1.3)),
    Row("memory per loaded JavaScript implementation",
        RssPerImplementation("", "BM_Startup/eager/1", 1,
                             "BM_Startup/eager/100", 100),
        None,
        Target("no worse than today (≈ 1 MB)", max_value=1.0)),
]

_PEER = "node-calls-python"

PEER_ROWS = [
    Row("JS → Python `add(1, 2)`",
        Measure("", "BM_Cross/js_to_python/add"),
        Measure(_PEER, "peer/js_to_python/add"),
        Target("≤ 1/3 of node-calls-python", max_ratio=1 / 3)),
    Row("1 MiB ASCII string, JS → Python `echo` → JS",
        Measure("", "BM_Large/string_echo/ascii"),
        Measure(_PEER, "peer/string_echo/ascii"),
        Target("≤ 1/4 of node-calls-python", max_ratio=1 / 4)),
    Row("1 MiB non-ASCII string, JS → Python `echo` → JS",
        Measure("", "BM_Large/string_echo/non_ascii"),
        Measure(_PEER, "peer/string_echo/non_ascii"),
        Target("≤ 1/4 of node-calls-python", max_ratio=1 / 4)),
    Row("100,000-int array, JS → Python `sum`",
        Measure("", "BM_Large/int_sum/100000"),
        Measure(_PEER, "peer/int_sum/100000"),
        Target("≤ 1/5 of node-calls-python", max_ratio=1 / 5)),
    Row("1 MiB Uint8Array, JS → Python `echo` → JS",
        Measure("", "BM_Large/bytes_echo/1MiB"),
        Measure(_PEER, "peer/bytes_echo/1MiB"),
        Target("≤ 50 µs (no peer ratio in the issue)", max_value=50e3)),
]


def render(rows, results):
    header = ["case", "duet", "reference", "ratio", "target", "met?"]
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(row.cells(results)) + " |")
    return "\n".join(lines)


def machine_load():
    try:
        with open("/proc/loadavg", encoding="ascii") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def main(argv):
    peers = "--peers" in argv
    paths = [a for a in argv if a != "--peers"]
    if len(paths) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    results, loads = load_results(paths[0])
    if not results:
        print(f"report.py: no benchmark results in {paths[0]}", file=sys.stderr)
        return 1
    print(render(PEER_ROWS if peers else BENCH_ROWS, results))
    print()
    print("Medians of 3 runs (repetitions, or processes); per call where a "
          "case loops n calls.")
    if loads:
        ones = [load[0] for _, load in loads]
        print(f"load average (1 min) as the {len(loads)} benchmark runs "
              f"started: {min(ones):.2f} to {max(ones):.2f}")
    print(f"load average now: {machine_load()} ({os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
