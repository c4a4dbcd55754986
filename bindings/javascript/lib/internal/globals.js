'use strict';
// The globals duet adds beyond ECMAScript, console and the timers: each is
// installed as an accessor that loads its library module on first use and
// then becomes a plain data property (writable, configurable, not
// enumerable, as Web IDL globals are), so a plugin that never touches one
// pays nothing for it.

// global name -> [library module, export name (none: the module itself)]
const lazyGlobals = {
  setImmediate: ['node/timers', 'setImmediate'],
  clearImmediate: ['node/timers', 'clearImmediate'],
  Buffer: ['node/buffer', 'Buffer'],
  process: ['node/process'],
  TextEncoder: ['web/encoding', 'TextEncoder'],
  TextDecoder: ['web/encoding', 'TextDecoder'],
  URL: ['web/url', 'URL'],
  URLSearchParams: ['web/url', 'URLSearchParams'],
  structuredClone: ['web/structured_clone', 'structuredClone'],
  atob: ['web/base64', 'atob'],
  btoa: ['web/base64', 'btoa'],
  crypto: ['web/crypto', 'crypto'],
  performance: ['web/performance', 'performance'],
  AbortController: ['web/abort', 'AbortController'],
  AbortSignal: ['web/abort', 'AbortSignal'],
  Event: ['web/events', 'Event'],
  EventTarget: ['web/events', 'EventTarget'],
  CustomEvent: ['web/events', 'CustomEvent'],
  DOMException: ['web/dom_exception', 'DOMException'],
};

function settle(name, value) {
  Object.defineProperty(globalThis, name, {
    value, writable: true, enumerable: false, configurable: true,
  });
}

for (const name of Object.keys(lazyGlobals)) {
  const [from, key] = lazyGlobals[name];
  Object.defineProperty(globalThis, name, {
    get() {
      const value = key === undefined ? require(from) : require(from)[key];
      settle(name, value);
      return value;
    },
    set(value) { settle(name, value); },
    enumerable: false,
    configurable: true,
  });
}
