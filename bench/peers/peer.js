// issue 13's JavaScript -> Python rows through node-calls-python, in the
// machine's node, written as jsdriver.js writes them for duet: the same
// Python file (bench/cross_fixtures/pymath/pymath.py), the same values, n
// synchronous calls per timed loop, each answer checked cheaply and whole
// values compared once before the timing.
//
// usage: node peer.js [REPETITIONS]  (prints Google Benchmark-style JSON:
// each repetition's mean per loop, then their median, with a `calls`
// counter giving n, so bench/report.py reads it as it reads duet's)
"use strict";
const os = require("os");
const path = require("path");
const { interpreter: py } = require("node-calls-python");

const pymath = py.importSync(
  path.join(__dirname, "..", "cross_fixtures", "pymath", "pymath.py"),
);

// The same values as bench/cross_fixtures/jsdriver/jsdriver.js.
const kMiB = 1 << 20;
const texts = {
  ascii: "duet bench text!".repeat(kMiB / 16),
  non_ascii: "a\u00e9\u20ac\u{1f600}bcdefg".repeat(kMiB / 16),
};
const ints = Array.from({ length: 100000 }, (_, i) => i);
const kIntsSum = (100000 * 99999) / 2;
const bytes = new Uint8Array(kMiB);
for (let i = 0; i < kMiB; i++) bytes[i] = (i * 7) & 255;

function fail(what) {
  throw new Error(`peer.js: ${what} returned a wrong answer`);
}

// node-calls-python hands Python bytes back as an ArrayBuffer.
function bytesOf(back) {
  if (back instanceof ArrayBuffer) return new Uint8Array(back);
  if (ArrayBuffer.isView(back)) {
    return new Uint8Array(back.buffer, back.byteOffset, back.byteLength);
  }
  return null;
}

const cases = [
  {
    name: "peer/js_to_python/add",
    calls: 1000,
    loop(n) {
      for (let i = 0; i < n; i++) {
        if (py.callSync(pymath, "add", 1, 2) !== 3) fail("add(1, 2)");
      }
    },
  },
  ...["ascii", "non_ascii"].map((kind) => ({
    name: `peer/string_echo/${kind}`,
    calls: 4,
    check() {
      return py.callSync(pymath, "echo", texts[kind]) === texts[kind];
    },
    loop(n) {
      const text = texts[kind];
      for (let i = 0; i < n; i++) {
        if (py.callSync(pymath, "echo", text).length !== text.length) {
          fail(`echo(${kind} text)`);
        }
      }
    },
  })),
  {
    name: "peer/int_sum/100000",
    calls: 4,
    loop(n) {
      for (let i = 0; i < n; i++) {
        if (py.callSync(pymath, "sum", ints) !== kIntsSum) fail("sum(ints)");
      }
    },
  },
  {
    name: "peer/bytes_echo/1MiB",
    calls: 4,
    check() {
      const back = bytesOf(py.callSync(pymath, "echo", bytes));
      if (back === null || back.length !== kMiB) return false;
      for (let i = 0; i < kMiB; i++) if (back[i] !== bytes[i]) return false;
      return true;
    },
    loop(n) {
      for (let i = 0; i < n; i++) {
        const back = bytesOf(py.callSync(pymath, "echo", bytes));
        if (back === null || back.length !== kMiB) fail("echo(bytes)");
      }
    },
  },
];

// Mean nanoseconds per loop over at least `seconds` of loops.
function measure(testCase, seconds) {
  let loops = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (loops === 0 || now < end) {
    testCase.loop(testCase.calls);
    loops++;
    now = process.hrtime.bigint();
  }
  return { ns: Number(now - start) / loops, loops };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
}

function main() {
  const repetitions = Number(process.argv[2] || 3);
  const benchmarks = [];
  for (const testCase of cases) {
    if (testCase.check && !testCase.check()) {
      benchmarks.push({
        name: testCase.name,
        run_name: testCase.name,
        run_type: "iteration",
        error_occurred: true,
        error_message: `${testCase.name}: the whole value came back different`,
      });
      continue;
    }
    measure(testCase, 0.1); // warm-up
    const times = [];
    for (let r = 0; r < repetitions; r++) {
      const { ns, loops } = measure(testCase, 0.5);
      times.push(ns);
      benchmarks.push({
        name: testCase.name,
        run_name: testCase.name,
        run_type: "iteration",
        repetition_index: r,
        iterations: loops,
        real_time: ns,
        time_unit: "ns",
        calls: testCase.calls,
      });
    }
    benchmarks.push({
      name: `${testCase.name}_median`,
      run_name: testCase.name,
      run_type: "aggregate",
      aggregate_name: "median",
      real_time: median(times),
      time_unit: "ns",
      calls: testCase.calls,
    });
  }
  const context = {
    executable: `node ${process.version} + node-calls-python`,
    load_avg: os.loadavg(),
  };
  process.stdout.write(JSON.stringify({ context, benchmarks }, null, 1) + "\n");
}

main();
