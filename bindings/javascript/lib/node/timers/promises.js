'use strict';
// node:timers/promises: setTimeout and setImmediate as promises, with an
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

module.exports = {
  setTimeout: (delay, value, options) => delayed(delay, value, options),
  setImmediate: (value, options) => delayed(0, value, options),
};
