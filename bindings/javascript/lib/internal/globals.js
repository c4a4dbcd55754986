'use strict';
// The globals duet adds beyond ECMAScript, console and the timers: each is
// installed as an accessor that loads its library module on first use and
// then becomes a plain data property (writable, configurable, not
// enumerable, as Web IDL globals are), so a plugin that never touches one
// pays nothing for it.

// global name -> [library module, export name]
const lazyGlobals = {
  setImmediate: ['node/timers', 'setImmediate'],
  clearImmediate: ['node/timers', 'clearImmediate'],
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
      const value = require(from)[key];
      settle(name, value);
      return value;
    },
    set(value) { settle(name, value); },
    enumerable: false,
    configurable: true,
  });
}
