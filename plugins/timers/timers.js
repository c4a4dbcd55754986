// timers, JavaScript implementation (an ES module): async functions on the
// isolate's event loop. Each export returns a Promise; the call awaits it,
// and while a timer runs the loop serves other calls. timers.py does the
// same with coroutines.
const MAX_MS = 10000;

function checked(name, ms) {
  // Written so that NaN fails too.
  if (!(ms >= 0 && ms <= MAX_MS)) {
    throw new RangeError(
      `${name} must be from 0 to ${MAX_MS} milliseconds, got ${ms}`,
    );
  }
  return ms;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Waits ms milliseconds, then returns ms.
export async function wait(ms) {
  await sleep(checked("ms", ms));
  return ms;
}

// Waits on two timers at once; returns what each gave (its ms) and the order
// they finished in, which shows they overlapped.
export async function both(first_ms, second_ms) {
  checked("first_ms", first_ms);
  checked("second_ms", second_ms);
  const finished = [];
  const timer = async (name, ms) => {
    await sleep(ms);
    finished.push(name);
    return ms;
  };
  const [first, second] = await Promise.all([
    timer("first", first_ms),
    timer("second", second_ms),
  ]);
  return { first, second, finished };
}
