'use strict';
// node:timers over the event loop's global timers (event_loop.h).
// setImmediate runs its callback after the current call's microtasks, as a
// zero-delay timer does: duet has no separate check phase.

class Immediate {
  constructor(id) { this._id = id; }
  hasRef() { return true; }
  ref() { return this; }
  unref() { return this; }
}

function setImmediate(callback, ...args) {
  if (typeof callback !== 'function') {
    throw new TypeError(
      'The "callback" argument of setImmediate must be a function');
  }
  return new Immediate(globalThis.setTimeout(callback, 0, ...args));
}

function clearImmediate(immediate) {
  if (immediate instanceof Immediate) globalThis.clearTimeout(immediate._id);
}

module.exports = {
  setTimeout: (...args) => globalThis.setTimeout(...args),
  clearTimeout: (id) => globalThis.clearTimeout(id),
  setInterval: (...args) => globalThis.setInterval(...args),
  clearInterval: (id) => globalThis.clearInterval(id),
  setImmediate,
  clearImmediate,
  queueMicrotask: (callback) => globalThis.queueMicrotask(callback),
};
Object.defineProperty(module.exports, 'promises', {
  get() { return require('node/timers/promises'); },
  enumerable: true,
});
