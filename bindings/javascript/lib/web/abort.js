'use strict';
// AbortController and AbortSignal (DOM standard).

const { EventTarget, Event } = require('web/events');
const { DOMException } = require('web/dom_exception');

const kConstruct = Symbol('AbortSignal construction');
const signalState = new WeakMap();

function signalSlots(self, what) {
  const state = signalState.get(self);
  if (state === undefined) {
    throw new TypeError(`AbortSignal.prototype.${what} called on an object that is not an AbortSignal`);
  }
  return state;
}

function isAbortSignal(value) {
  return signalState.has(value);
}

function signalAbort(signal, reason) {
  const state = signalState.get(signal);
  if (state.aborted) return;
  state.aborted = true;
  state.reason = reason === undefined
      ? new DOMException('This operation was aborted', 'AbortError') : reason;
  const dependents = state.dependents;
  state.dependents = [];
  for (const algorithm of state.algorithms.splice(0)) algorithm();
  signal.dispatchEvent(new Event('abort'));
  for (const ref of dependents) {
    const dependent = ref.deref();
    if (dependent !== undefined) signalAbort(dependent, state.reason);
  }
}

function createSignal() {
  return new AbortSignal(kConstruct);
}

class AbortSignal extends EventTarget {
  constructor(token) {
    if (token !== kConstruct) throw new TypeError('Illegal constructor');
    super();
    signalState.set(this, {
      aborted: false, reason: undefined, onabort: null, algorithms: [], dependents: [],
    });
  }

  get aborted() { return signalSlots(this, 'aborted').aborted; }
  get reason() { return signalSlots(this, 'reason').reason; }

  throwIfAborted() {
    const state = signalSlots(this, 'throwIfAborted');
    if (state.aborted) throw state.reason;
  }

  get onabort() { return signalSlots(this, 'onabort').onabort; }
  set onabort(handler) {
    const state = signalSlots(this, 'onabort');
    if (state.handlerListener === undefined) {
      state.handlerListener = (event) => {
        if (typeof state.onabort === 'function') state.onabort.call(this, event);
      };
      this.addEventListener('abort', state.handlerListener);
    }
    state.onabort = typeof handler === 'function' || (handler !== null && typeof handler === 'object')
        ? handler : null;
  }

  static abort(reason = undefined) {
    const signal = createSignal();
    signalAbort(signal, reason);
    return signal;
  }

  static timeout(milliseconds) {
    const delay = Number(milliseconds);
    if (!Number.isFinite(delay) || delay < 0 || delay > Number.MAX_SAFE_INTEGER) {
      throw new TypeError(
          'AbortSignal.timeout: The "delay" argument must be a non-negative finite number');
    }
    const signal = createSignal();
    setTimeout(() => {
      signalAbort(signal, new DOMException('The operation was aborted due to timeout',
                                           'TimeoutError'));
    }, Math.trunc(delay));
    return signal;
  }

  static any(signals) {
    const list = Array.from(signals);
    for (const signal of list) {
      if (!isAbortSignal(signal)) {
        throw new TypeError('AbortSignal.any: every element must be an AbortSignal');
      }
    }
    const result = createSignal();
    for (const signal of list) {
      if (signal.aborted) {
        signalAbort(result, signal.reason);
        return result;
      }
    }
    // The sources hold their dependents weakly, so a dropped result is freed.
    const ref = new WeakRef(result);
    for (const signal of list) signalState.get(signal).dependents.push(ref);
    return result;
  }
}

const controllerSignals = new WeakMap();

class AbortController {
  constructor() {
    controllerSignals.set(this, createSignal());
  }
  get signal() {
    const signal = controllerSignals.get(this);
    if (signal === undefined) {
      throw new TypeError('AbortController.prototype.signal called on an object that is not an AbortController');
    }
    return signal;
  }
  abort(reason = undefined) {
    signalAbort(this.signal, reason);
  }
}

for (const [cls, tag] of [[AbortSignal, 'AbortSignal'], [AbortController, 'AbortController']]) {
  Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: tag, configurable: true });
}

exports.AbortController = AbortController;
exports.AbortSignal = AbortSignal;
exports.isAbortSignal = isAbortSignal;
