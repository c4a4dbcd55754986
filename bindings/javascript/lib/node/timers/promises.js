'use strict';
// node:timers/promises: setTimeout and setImmediate as promises,
// setInterval as an async iterator, and scheduler.wait/yield, each with an
// optional AbortSignal ({signal}) that rejects with an AbortError.

function abortError(signal) {
  const error = new Error('The operation was aborted');
  error.name = 'AbortError';
  error.code = 'ABORT_ERR';
  if (signal.reason !== undefined) error.cause = signal.reason;
  return error;
}

function delayed(delay, value, options = {}) {
  const { signal } = options;
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) {
      reject(abortError(signal));
      return;
    }
    let onAbort;
    const id = globalThis.setTimeout(() => {
      if (signal) signal.removeEventListener('abort', onAbort);
      resolve(value);
    }, delay);
    if (signal) {
      onAbort = () => {
        globalThis.clearTimeout(id);
        reject(abortError(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
    }
  });
}

// Yields `value` every `delay` ms; ticks that pass while the consumer is
// busy are counted and yielded at once, as Node does.
function setInterval(delay, value, options = {}) {
  const { signal } = options;
  let pending = 0;
  let waiting = null;
  let done = false;
  let id;
  let onAbort;
  const finish = () => {
    done = true;
    globalThis.clearInterval(id);
    if (signal) signal.removeEventListener('abort', onAbort);
  };
  if (signal && signal.aborted) {
    done = true;
  } else {
    id = globalThis.setInterval(() => {
      pending++;
      if (waiting !== null) {
        const { resolve } = waiting;
        waiting = null;
        pending--;
        resolve({ value, done: false });
      }
    }, delay);
    if (signal) {
      onAbort = () => {
        finish();
        if (waiting !== null) {
          const { reject } = waiting;
          waiting = null;
          reject(abortError(signal));
        }
      };
      signal.addEventListener('abort', onAbort, { once: true });
    }
  }
  return {
    next() {
      if (signal && signal.aborted) return Promise.reject(abortError(signal));
      if (done) return Promise.resolve({ value: undefined, done: true });
      if (pending > 0) {
        pending--;
        return Promise.resolve({ value, done: false });
      }
      return new Promise((resolve, reject) => { waiting = { resolve, reject }; });
    },
    return() {
      finish();
      if (waiting !== null) {
        waiting.resolve({ value: undefined, done: true });
        waiting = null;
      }
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() { return this; },
  };
}

const scheduler = {
  wait: (delay, options) => delayed(delay, undefined, options),
  yield: () => delayed(0, undefined),
};

module.exports = {
  setTimeout: (delay, value, options) => delayed(delay, value, options),
  setImmediate: (value, options) => delayed(0, value, options),
  setInterval,
  scheduler,
};
