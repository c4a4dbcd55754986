#!/usr/bin/env python3
"""Tests of bench/report.py on hand-made Google Benchmark JSON: medians per
call, ratios, targets judged, and a case that did not run saying why."""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402


def aggregate(run_name, real_time, unit="ns", **counters):
    entry = {"name": run_name + "_median", "run_name": run_name,
             "run_type": "aggregate", "aggregate_name": "median",
             "real_time": real_time, "cpu_time": real_time,
             "time_unit": unit}
    entry.update(counters)
    return entry


def mean(run_name, real_time):
    entry = aggregate(run_name, real_time)
    entry["aggregate_name"] = "mean"
    entry["name"] = run_name + "_mean"
    return entry


class ReportTest(unittest.TestCase):

    def write(self, directory, name, benchmarks, load=(1.0, 2.0, 3.0)):
        with open(os.path.join(directory, name), "w", encoding="utf-8") as f:
            json.dump({"context": {"load_avg": list(load)},
                       "benchmarks": benchmarks}, f)

    def row(self, rows, case, results):
        for row in rows:
            if row.case == case:
                return row.cells(results)
        self.fail(f"no row {case}")

    def test_case_name_drops_how_it_ran(self):
        self.assertEqual(
            report.case_name("BM_ColdStart/duet_call/min_time:1.000/real_time"),
            "BM_ColdStart/duet_call")
        self.assertEqual(
            report.case_name("BM_Startup/eager/100/process_time/real_time"),
            "BM_Startup/eager/100")
        self.assertEqual(report.case_name("BM_HostCall/python / add"),
                         "BM_HostCall/python/add")

    def test_median_per_call_ratio_and_target(self):
        with tempfile.TemporaryDirectory() as d:
            self.write(d, "cross.json", [
                mean("BM_Cross/js_to_python/add/real_time", 9999.0),
                aggregate("BM_Cross/js_to_python/add/real_time", 250.0,
                          unit="us", calls=1000),
                aggregate("BM_Cross/js_local/add/real_time", 5.0, unit="us",
                          calls=1000),
                aggregate("BM_Cross/python_to_js/add/real_time", 500.0,
                          unit="us", calls=1000),
                aggregate("BM_Cross/python_local/add/real_time", 50.0,
                          unit="us", calls=1000),
            ])
            results, loads = report.load_results(d)
        self.assertEqual(loads, [("cross.json", [1.0, 2.0, 3.0])])
        self.assertAlmostEqual(results["BM_Cross/js_to_python/add"].ns, 250.0)
        cells = self.row(report.BENCH_ROWS,
                         "JS → Python `add(1, 2)` from a plugin", results)
        self.assertEqual(cells[1], "250 ns")
        self.assertEqual(cells[2], "a JS call 5 ns")
        self.assertEqual(cells[3], "50.00×")
        self.assertEqual(cells[5], "yes (proxy)")
        cells = self.row(report.BENCH_ROWS,
                         "Python → JS `add(1, 2)` from a plugin", results)
        self.assertEqual(cells[1], "500 ns")
        self.assertEqual(cells[5], "NO")

    def test_ratio_target_and_floors_added(self):
        with tempfile.TemporaryDirectory() as d:
            self.write(d, "cross.json", [
                aggregate("BM_Large/int_sum/100000/real_time", 16.0,
                          unit="ms", calls=4),
                aggregate("BM_Raw/pybind11_list_build/100000/real_time", 2.0,
                          unit="ms", calls=1),
                aggregate("BM_Raw/v8_element_reads/100000/real_time", 1.0,
                          unit="ms", calls=1),
            ])
            results, _ = report.load_results(d)
        cells = self.row(report.BENCH_ROWS,
                         "100,000-int array, JS → Python `sum`", results)
        self.assertEqual(cells[1], "4 ms")
        self.assertEqual(cells[3], "1.33×")
        self.assertEqual(cells[5], "yes")

    def test_missing_and_failed_cases_say_why(self):
        with tempfile.TemporaryDirectory() as d:
            self.write(d, "call.json", [
                aggregate("BM_RawPybind11Call/add", 80.0),
                {"name": "BM_HostCall/python/add",
                 "run_name": "BM_HostCall/python/add", "run_type": "iteration",
                 "error_occurred": True, "error_message": "no arith"},
            ])
            results, _ = report.load_results(d)
        cells = self.row(report.BENCH_ROWS,
                         "C++ → Python, resolved handle in a held-lock scope",
                         results)
        self.assertTrue(cells[1].startswith("not built yet"), cells[1])
        self.assertEqual(cells[3], "—")
        self.assertEqual(cells[5], "—")
        cells = self.row(report.BENCH_ROWS,
                         "C++ → JS `add(1, 2)`, Host::Call", results)
        self.assertEqual(cells[1], "not run")
        for row in report.BENCH_ROWS:
            if row.case == "C++ → Python `add(1, 2)`, Host::Call":
                self.assertEqual(row.cells(results)[1], "skipped: no arith")

    def test_host_call_beside_both_v8_floors(self):
        with tempfile.TemporaryDirectory() as d:
            self.write(d, "call.json", [
                aggregate("BM_HostCall/javascript / add", 450.0),
                aggregate("BM_RawV8CallLockedPerCall/add", 400.0),
                aggregate("BM_RawV8CallParkedPerCall/add", 250.0),
            ])
            results, _ = report.load_results(d)
        rows = [row.cells(results) for row in report.BENCH_ROWS
                if row.case == "C++ → JS `add(1, 2)`, Host::Call"]
        ratios = sorted(cells[3] for cells in rows if cells[3] != "—")
        self.assertEqual(ratios, ["1.12×", "1.80×"])
        parked = [cells for cells in rows if "parks its state" in cells[2]]
        self.assertEqual(len(parked), 1)
        self.assertEqual(parked[0][3], "1.80×")
        self.assertEqual(parked[0][5], "—")

    def test_memory_per_implementation(self):
        with tempfile.TemporaryDirectory() as d:
            self.write(d, "startup.json", [
                aggregate("BM_Startup/eager/1/process_time/real_time", 15.0,
                          unit="ms", rss_mb=1.5),
                aggregate("BM_Startup/eager/100/process_time/real_time",
                          1900.0, unit="ms", rss_mb=100.5),
            ])
            results, _ = report.load_results(d)
        cells = self.row(report.BENCH_ROWS,
                         "memory per loaded JavaScript implementation",
                         results)
        self.assertEqual(cells[1], "1.00 MB")
        self.assertEqual(cells[5], "yes")

    def test_a_case_in_several_files_is_their_median(self):
        with tempfile.TemporaryDirectory() as d:
            for i, rss in enumerate([100.0, 90.0, 300.0]):
                self.write(d, f"startup-{i}.json", [
                    aggregate("BM_Startup/eager/100", 2000.0 + i, unit="ms",
                              rss_mb=rss)])
            results, loads = report.load_results(d)
        self.assertEqual(len(loads), 3)
        self.assertEqual(results["BM_Startup/eager/100"].counters["rss_mb"],
                         100.0)
        self.assertAlmostEqual(results["BM_Startup/eager/100"].ns, 2001e6)

    def test_peer_rows(self):
        with tempfile.TemporaryDirectory() as d:
            self.write(d, "duet.json", [
                aggregate("BM_Cross/js_to_python/add/real_time", 1000.0,
                          unit="us", calls=1000)])
            self.write(d, "peer.json", [
                aggregate("peer/js_to_python/add", 1.6e6, calls=1000)])
            results, _ = report.load_results(d)
        cells = self.row(report.PEER_ROWS, "JS → Python `add(1, 2)`", results)
        self.assertEqual(cells[2], "node-calls-python 1.6 µs")
        self.assertEqual(cells[3], "0.62×")
        self.assertEqual(cells[5], "NO")


if __name__ == "__main__":
    unittest.main()
