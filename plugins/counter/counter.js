// counter, JavaScript implementation (CommonJS): a count kept between calls.
//
// The count lives in this module, so it belongs to the JavaScript
// implementation alone. Switching counter to Python does not carry it over:
// calls then see counter.py's own count, and switching back finds this one
// where it was left.

// A BigInt, so the count stays exact past 2**53 as Python's int does (duet
// hands large ints to JavaScript as BigInt and takes BigInts back as ints).
let count = 0n;

// Adds `by` and returns the new count.
function increment(by) {
  count += BigInt(by);
  return count;
}

function get() {
  return count;
}

// Sets the count to 0 and returns it.
function reset() {
  console.log(`counter reset (was ${count})`);
  count = 0n;
  return count;
}

module.exports = { increment, get, reset };
