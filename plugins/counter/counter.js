// counter, JavaScript implementation (CommonJS): a count kept between calls.
//
// The count lives in this module. plugin.toml's [state] names snapshot and
// restore, so a switch to Python (`:use counter py`, Host::Use) or a reload
// carries the count over: duet calls snapshot() here and restore() on the
// side taking over.

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

// The state a switch or reload carries over ([state] in plugin.toml).
function snapshot() {
  return { count };
}

// Takes over the state snapshot() gave, from either language: a small count
// arrives as a Number, a large one as a BigInt.
function restore(state) {
  count = BigInt(state.count);
}

module.exports = { increment, get, reset, snapshot, restore };
