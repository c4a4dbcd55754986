'use strict';
// The globals duet adds beyond ECMAScript, console and the timers: each is
// a lazy data property (library.cc) that runs its library module when first
// read and then holds the value (writable, configurable, not enumerable, as
// Web IDL globals are), so a plugin that never touches one pays for one
// property entry, not a module.

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

native.defineLazyGlobals(require, lazyGlobals);
