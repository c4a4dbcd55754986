'use strict';
// Event, CustomEvent and EventTarget (DOM standard), without a tree: an
// event is dispatched to its target only, so there is no capture or bubble
// path beyond it.

const kNone = 0;
const kAtTarget = 2;

const eventState = new WeakMap();

function eventSlots(self, what) {
  const state = eventState.get(self);
  if (state === undefined) {
    throw new TypeError(`Event.prototype.${what} called on an object that is not an Event`);
  }
  return state;
}

function timeStamp() {
  return require('web/performance').performance.now();
}

class Event {
  constructor(type, options = undefined) {
    if (arguments.length === 0) {
      throw new TypeError('The "type" argument must be specified');
    }
    if (options !== undefined && options !== null && typeof options !== 'object') {
      throw new TypeError('The "options" argument must be of type object');
    }
    const dict = options ?? {};
    eventState.set(this, {
      type: String(type),
      bubbles: Boolean(dict.bubbles),
      cancelable: Boolean(dict.cancelable),
      composed: Boolean(dict.composed),
      target: null,
      currentTarget: null,
      eventPhase: kNone,
      canceled: false,
      inPassiveListener: false,
      stopPropagation: false,
      stopImmediatePropagation: false,
      dispatching: false,
      timeStamp: timeStamp(),
    });
    // isTrusted is an own, unforgeable attribute in the spec.
    Object.defineProperty(this, 'isTrusted', {
      get: isTrustedGetter, enumerable: true, configurable: false,
    });
  }

  get type() { return eventSlots(this, 'type').type; }
  get target() { return eventSlots(this, 'target').target; }
  get srcElement() { return eventSlots(this, 'srcElement').target; }
  get currentTarget() { return eventSlots(this, 'currentTarget').currentTarget; }
  get eventPhase() { return eventSlots(this, 'eventPhase').eventPhase; }
  get bubbles() { return eventSlots(this, 'bubbles').bubbles; }
  get cancelable() { return eventSlots(this, 'cancelable').cancelable; }
  get composed() { return eventSlots(this, 'composed').composed; }
  get defaultPrevented() { return eventSlots(this, 'defaultPrevented').canceled; }
  get timeStamp() { return eventSlots(this, 'timeStamp').timeStamp; }
  get returnValue() { return !eventSlots(this, 'returnValue').canceled; }
  set returnValue(value) {
    if (!value) this.preventDefault();
  }
  get cancelBubble() { return eventSlots(this, 'cancelBubble').stopPropagation; }
  set cancelBubble(value) {
    if (value) eventSlots(this, 'cancelBubble').stopPropagation = true;
  }

  composedPath() {
    const state = eventSlots(this, 'composedPath');
    return state.dispatching && state.currentTarget !== null ? [state.currentTarget] : [];
  }
  stopPropagation() { eventSlots(this, 'stopPropagation').stopPropagation = true; }
  stopImmediatePropagation() {
    const state = eventSlots(this, 'stopImmediatePropagation');
    state.stopPropagation = true;
    state.stopImmediatePropagation = true;
  }
  preventDefault() {
    const state = eventSlots(this, 'preventDefault');
    if (state.cancelable && !state.inPassiveListener) state.canceled = true;
  }
}

function isTrustedGetter() { return false; }

const phases = { NONE: 0, CAPTURING_PHASE: 1, AT_TARGET: 2, BUBBLING_PHASE: 3 };
for (const [name, value] of Object.entries(phases)) {
  const descriptor = { value, enumerable: true };
  Object.defineProperty(Event, name, descriptor);
  Object.defineProperty(Event.prototype, name, descriptor);
}

const customDetails = new WeakMap();

class CustomEvent extends Event {
  constructor(type, options = undefined) {
    if (arguments.length === 0) {
      throw new TypeError('The "type" argument must be specified');
    }
    super(type, options);
    customDetails.set(this, options?.detail ?? null);
  }
  get detail() {
    if (!customDetails.has(this)) {
      throw new TypeError('CustomEvent.prototype.detail called on an object that is not a CustomEvent');
    }
    return customDetails.get(this);
  }
}

const listenerLists = new WeakMap();  // EventTarget -> Map(type -> [listener])

function flattenOptions(options) {
  if (typeof options === 'boolean') return { capture: options };
  if (options === undefined || options === null) return { capture: false };
  return {
    capture: Boolean(options.capture),
    once: Boolean(options.once),
    passive: options.passive === undefined ? undefined : Boolean(options.passive),
    signal: options.signal,
  };
}

function reportException(error) {
  // As a browser's "report the exception": the dispatch goes on.
  const console = globalThis.console;
  if (console !== undefined && typeof console.error === 'function') {
    console.error('Uncaught', error);
  }
}

function targetListeners(self, what) {
  const lists = listenerLists.get(self);
  if (lists === undefined) {
    throw new TypeError(`EventTarget.prototype.${what} called on an object that is not an EventTarget`);
  }
  return lists;
}

class EventTarget {
  constructor() {
    listenerLists.set(this, new Map());
  }

  addEventListener(type, callback, options = undefined) {
    const lists = targetListeners(this, 'addEventListener');
    if (arguments.length < 2) {
      throw new TypeError('addEventListener: 2 arguments required');
    }
    const { capture, once, passive, signal } = flattenOptions(options);
    if (signal !== undefined && !require('web/abort').isAbortSignal(signal)) {
      throw new TypeError('addEventListener: The "options.signal" property must be an AbortSignal');
    }
    if (callback === null || callback === undefined) return;
    if (typeof callback !== 'function' && typeof callback !== 'object') {
      throw new TypeError('addEventListener: The "listener" argument must be a function or an object');
    }
    if (signal !== undefined && signal.aborted) return;
    const key = String(type);
    let list = lists.get(key);
    if (list === undefined) {
      list = [];
      lists.set(key, list);
    }
    if (list.some((l) => l.callback === callback && l.capture === capture)) return;
    const listener = { callback, capture, once: Boolean(once), passive: Boolean(passive), removed: false };
    list.push(listener);
    if (signal !== undefined) {
      signal.addEventListener('abort', () => this.removeEventListener(key, callback, { capture }));
    }
  }

  removeEventListener(type, callback, options = undefined) {
    const lists = targetListeners(this, 'removeEventListener');
    const { capture } = flattenOptions(options);
    const list = lists.get(String(type));
    if (list === undefined) return;
    const index = list.findIndex((l) => l.callback === callback && l.capture === capture);
    if (index === -1) return;
    list[index].removed = true;
    list.splice(index, 1);
  }

  dispatchEvent(event) {
    const lists = targetListeners(this, 'dispatchEvent');
    const state = eventState.get(event);
    if (state === undefined) {
      throw new TypeError('dispatchEvent: The "event" argument must be an instance of Event');
    }
    if (state.dispatching) {
      throw new (require('web/dom_exception').DOMException)(
          'The event is already being dispatched', 'InvalidStateError');
    }
    state.dispatching = true;
    state.target = this;
    state.currentTarget = this;
    state.eventPhase = kAtTarget;
    const list = lists.get(state.type);
    try {
      // Listeners added during the dispatch do not run; removed ones do not either.
      for (const listener of list === undefined ? [] : list.slice()) {
        if (listener.removed) continue;
        if (listener.once) this.removeEventListener(state.type, listener.callback, listener);
        state.inPassiveListener = listener.passive;
        try {
          const callback = listener.callback;
          if (typeof callback === 'function') {
            callback.call(this, event);
          } else if (typeof callback.handleEvent === 'function') {
            callback.handleEvent(event);
          } else {
            throw new TypeError('The "listener" object has no handleEvent method');
          }
        } catch (error) {
          reportException(error);
        }
        state.inPassiveListener = false;
        if (state.stopImmediatePropagation) break;
      }
    } finally {
      state.dispatching = false;
      state.currentTarget = null;
      state.eventPhase = kNone;
      state.stopPropagation = false;
      state.stopImmediatePropagation = false;
    }
    return !state.canceled;
  }
}

for (const [cls, tag] of [[Event, 'Event'], [CustomEvent, 'CustomEvent'], [EventTarget, 'EventTarget']]) {
  Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: tag, configurable: true });
}

exports.Event = Event;
exports.CustomEvent = CustomEvent;
exports.EventTarget = EventTarget;
