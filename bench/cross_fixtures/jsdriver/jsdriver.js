// Calls from JavaScript into other modules, n at a time, written as a
// plugin author would write them (duet.modules.NAME.FUNCTION(...) in the
// loop). One Host::Call times a loop; the benchmark divides by n. Every
// loop checks each answer cheaply and throws on a wrong one, so a broken
// path fails instead of being timed; the check_* functions compare whole
// values once, before the timing.
const duet = require("duet");

const kMiB = 1 << 20;

// 1 MiB of UTF-8 each: 16 ASCII characters, and 16 bytes of 1-, 2-, 3- and
// 4-byte characters (a two-byte V8 string with surrogate pairs).
const texts = {
  ascii: "duet bench text!".repeat(kMiB / 16),
  non_ascii: "a\u00e9\u20ac\u{1f600}bcdefg".repeat(kMiB / 16),
};

const ints = Array.from({ length: 100000 }, (_, i) => i);
const kIntsSum = (100000 * 99999) / 2;

const bytes = new Uint8Array(kMiB);
for (let i = 0; i < kMiB; i++) bytes[i] = (i * 7) & 255;

function add(a, b) {
  return a + b;
}

function fail(what) {
  throw new Error(`jsdriver: ${what} returned a wrong answer`);
}

// The reference: a call that stays in JavaScript.
function local_add(n) {
  for (let i = 0; i < n; i++) {
    if (add(1, 2) !== 3) fail("add(1, 2)");
  }
  return n;
}

function python_add(n) {
  for (let i = 0; i < n; i++) {
    if (duet.modules.pymath.add(1, 2) !== 3) fail("pymath.add(1, 2)");
  }
  return n;
}

function js_add(n) {
  for (let i = 0; i < n; i++) {
    if (duet.modules.jsmath.add(1, 2) !== 3) fail("jsmath.add(1, 2)");
  }
  return n;
}

// The same calls with the function looked up once: the difference from
// js_add is what the two duet.modules property lookups cost per call.
function js_add_looked_up_once(n) {
  const jsmathAdd = duet.modules.jsmath.add;
  for (let i = 0; i < n; i++) {
    if (jsmathAdd(1, 2) !== 3) fail("jsmath.add(1, 2)");
  }
  return n;
}

function python_echo_text(kind, n) {
  const text = texts[kind];
  for (let i = 0; i < n; i++) {
    if (duet.modules.pymath.echo(text).length !== text.length) {
      fail(`pymath.echo(${kind} text)`);
    }
  }
  return n;
}

function check_python_echo_text(kind) {
  return duet.modules.pymath.echo(texts[kind]) === texts[kind];
}

function python_sum_ints(n) {
  for (let i = 0; i < n; i++) {
    if (duet.modules.pymath.sum(ints) !== kIntsSum) fail("pymath.sum(ints)");
  }
  return n;
}

function python_echo_bytes(n) {
  for (let i = 0; i < n; i++) {
    const back = duet.modules.pymath.echo(bytes);
    if (!(back instanceof Uint8Array) || back.length !== kMiB) {
      fail("pymath.echo(bytes)");
    }
  }
  return n;
}

function check_python_echo_bytes() {
  const back = duet.modules.pymath.echo(bytes);
  if (!(back instanceof Uint8Array) || back.length !== kMiB) return false;
  for (let i = 0; i < kMiB; i++) {
    if (back[i] !== bytes[i]) return false;
  }
  return true;
}

module.exports = {
  local_add,
  python_add,
  js_add,
  js_add_looked_up_once,
  python_echo_text,
  check_python_echo_text,
  python_sum_ints,
  python_echo_bytes,
  check_python_echo_bytes,
};
