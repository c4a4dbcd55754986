// node:util: format/formatWithOptions, inspect (the console's inspect, see
// bootstrap.h, plus the util.inspect.custom hook on the value itself),
// promisify/callbackify, inherits, deprecate, types, isDeepStrictEqual and
// the TextEncoder/TextDecoder of web/encoding.
'use strict';

const customInspect = Symbol.for('nodejs.util.inspect.custom');
const customPromisify = Symbol.for('nodejs.util.promisify.custom');

const { inspect: baseInspect } = require('internal/inspect');

function inspect(value, options) {
  if (typeof options !== 'object' || options === null) {
    // The legacy form inspect(value, showHidden, depth, colors).
    options = arguments.length > 2 ? { depth: arguments[2] } : {};
  }
  const depth = options.depth === undefined ? inspect.defaultOptions.depth :
      options.depth === null ? Infinity : options.depth;
  if (options.customInspect !== false && value !== null &&
      (typeof value === 'object' || typeof value === 'function') &&
      typeof value[customInspect] === 'function' && value[customInspect] !== inspect) {
    const result = value[customInspect](depth, { ...inspect.defaultOptions, ...options, depth },
                                        inspect);
    if (result !== value) {
      return typeof result === 'string' ? result : inspect(result, options);
    }
  }
  return baseInspect(value, { depth });
}
inspect.custom = customInspect;
inspect.defaultOptions = {
  showHidden: false,
  depth: 2,
  colors: false,
  customInspect: true,
  showProxy: false,
  maxArrayLength: 100,
  maxStringLength: 10000,
  breakLength: 128,
  compact: 3,
  sorted: false,
  getters: false,
  numericSeparator: false,
};
inspect.colors = Object.create(null);
inspect.styles = Object.create(null);

// %s prints String(value) when the value has a toString of its own making
// (or is a typed array); other objects are inspected.
function printsAsString(value) {
  if (types.isTypedArray(value)) return true;
  for (let o = value; o !== null; o = Object.getPrototypeOf(o)) {
    const ctor = Object.prototype.hasOwnProperty.call(o, 'constructor') ? o.constructor : undefined;
    if (typeof ctor === 'function' && globalThis[ctor.name] === ctor) return false;  // builtin
    if (Object.prototype.hasOwnProperty.call(o, 'toString')) return true;
  }
  return false;
}

function formatNumber(n) {
  return Object.is(n, -0) ? '-0' : `${n}`;
}

function formatWithOptions(inspectOptions, ...args) {
  const first = args[0];
  let out = '';
  let next = 1;
  if (typeof first === 'string') {
    if (args.length === 1) return first;
    let lastPos = 0;
    for (let i = 0; i < first.length - 1; i++) {
      if (first.charCodeAt(i) !== 37) continue;  // '%'
      const c = first[i + 1];
      if (c === '%') {
        out += first.slice(lastPos, i) + '%';
        lastPos = i + 2;
        i++;
        continue;
      }
      if (next >= args.length || !'sdifjoOc'.includes(c)) continue;
      const arg = args[next];
      let piece;
      switch (c) {
        case 's':
          if (typeof arg === 'number') piece = formatNumber(arg);
          else if (typeof arg === 'bigint') piece = `${arg}n`;
          else if (typeof arg === 'object' && arg !== null && !printsAsString(arg)) {
            piece = inspect(arg, { ...inspectOptions, depth: 0 });
          } else piece = String(arg);
          break;
        case 'j':
          try {
            piece = JSON.stringify(arg);
          } catch (error) {
            if (!(error instanceof TypeError) || !/circular/i.test(error.message)) throw error;
            piece = '[Circular]';
          }
          break;
        case 'd':
          if (typeof arg === 'bigint') piece = `${arg}n`;
          else if (typeof arg === 'symbol') piece = 'NaN';
          else piece = formatNumber(Number(arg));
          break;
        case 'O':
          piece = inspect(arg, inspectOptions);
          break;
        case 'o':
          piece = inspect(arg, { ...inspectOptions, showHidden: true, showProxy: true, depth: 4 });
          break;
        case 'i':
          if (typeof arg === 'bigint') piece = `${arg}n`;
          else if (typeof arg === 'symbol') piece = 'NaN';
          else piece = formatNumber(parseInt(arg));
          break;
        case 'f':
          piece = typeof arg === 'symbol' ? 'NaN' : formatNumber(parseFloat(arg));
          break;
        case 'c':
          piece = '';
          break;
      }
      out += first.slice(lastPos, i) + piece;
      lastPos = i + 2;
      i++;
      next++;
    }
    out += first.slice(lastPos);
  } else {
    next = 0;
  }
  for (; next < args.length; next++) {
    const arg = args[next];
    const piece = typeof arg === 'string' ? arg : inspect(arg, inspectOptions);
    out += out.length > 0 || next > 0 ? ` ${piece}` : piece;
  }
  return out;
}

function format(...args) {
  return formatWithOptions({}, ...args);
}

const { invalidArgType } = require('internal/node_errors');

function promisify(original) {
  if (typeof original !== 'function') {
    throw invalidArgType('original', 'of type function', original);
  }
  if (original[customPromisify]) {
    const fn = original[customPromisify];
    if (typeof fn !== 'function') {
      throw invalidArgType('util.promisify.custom', 'of type function', fn);
    }
    return Object.defineProperty(fn, customPromisify, { value: fn, configurable: true });
  }
  function fn(...args) {
    return new Promise((resolve, reject) => {
      Reflect.apply(original, this, [...args, (err, ...values) => {
        if (err) reject(err);
        else resolve(values[0]);
      }]);
    });
  }
  Object.setPrototypeOf(fn, Object.getPrototypeOf(original));
  Object.defineProperty(fn, customPromisify, { value: fn, configurable: true });
  return Object.defineProperties(fn, Object.getOwnPropertyDescriptors(original));
}
promisify.custom = customPromisify;

function callbackify(original) {
  if (typeof original !== 'function') {
    throw invalidArgType('original', 'of type function', original);
  }
  function callbackified(...args) {
    const callback = args.pop();
    if (typeof callback !== 'function') {
      throw invalidArgType('last argument', 'of type function', callback);
    }
    const onRejected = (reason) => {
      if (!reason) {
        const error = new Error('Promise was rejected with falsy value');
        error.code = 'ERR_FALSY_VALUE_REJECTION';
        error.reason = reason;
        reason = error;
      }
      callback(reason);
    };
    Reflect.apply(original, this, args).then(
        (value) => queueMicrotask(() => callback(null, value)),
        (reason) => queueMicrotask(() => onRejected(reason)));
  }
  Object.defineProperty(callbackified, 'name', { value: `${original.name}Callbackified` });
  Object.defineProperty(callbackified, 'length', { value: original.length + 1 });
  return callbackified;
}

function inherits(ctor, superCtor) {
  if (typeof ctor !== 'function') throw invalidArgType('ctor', 'of type function', ctor);
  if (typeof superCtor !== 'function') {
    throw invalidArgType('superCtor', 'of type function', superCtor);
  }
  if (superCtor.prototype === undefined) {
    throw invalidArgType('superCtor.prototype', 'of type object', superCtor.prototype);
  }
  Object.defineProperty(ctor, 'super_', { value: superCtor, writable: true, configurable: true });
  Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
}

const warnedCodes = new Set();
function deprecate(fn, message, code) {
  let warned = false;
  function deprecated(...args) {
    if (!warned && !(code !== undefined && warnedCodes.has(code))) {
      warned = true;
      if (code !== undefined) warnedCodes.add(code);
      require('node/process').emitWarning(message, 'DeprecationWarning', code);
    }
    return new.target ? Reflect.construct(fn, args, new.target) : Reflect.apply(fn, this, args);
  }
  Object.setPrototypeOf(deprecated, fn);
  if (fn.prototype) deprecated.prototype = fn.prototype;
  return deprecated;
}

// ---- types ----

const toTag = (value) => Object.prototype.toString.call(value).slice(8, -1);
const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);
const typedArrayTag =
    Object.getOwnPropertyDescriptor(TypedArrayPrototype, Symbol.toStringTag).get;
function typedArrayName(value) {
  return ArrayBuffer.isView(value) ? typedArrayTag.call(value) : undefined;
}

// Brand checks: each calls a builtin method that throws on a foreign receiver.
function brand(method) {
  return (value) => {
    if (value === null || typeof value !== 'object') return false;
    try {
      method.call(value);
      return true;
    } catch {
      return false;
    }
  };
}
const byteLengthGetter = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength').get;
const sharedByteLengthGetter = typeof SharedArrayBuffer === 'function' ?
    Object.getOwnPropertyDescriptor(SharedArrayBuffer.prototype, 'byteLength').get :
    undefined;
const isMap = brand(Object.getOwnPropertyDescriptor(Map.prototype, 'size').get);
const isSet = brand(Object.getOwnPropertyDescriptor(Set.prototype, 'size').get);
const isAnyArrayBuffer = (v) => isArrayBuffer(v) || isSharedArrayBuffer(v);
const isArrayBuffer = brand(byteLengthGetter);
const isSharedArrayBuffer =
    sharedByteLengthGetter ? brand(sharedByteLengthGetter) : () => false;
const boxed = (valueOf) => brand(valueOf);
const isNumberObject = boxed(Number.prototype.valueOf);
const isStringObject = boxed(String.prototype.valueOf);
const isBooleanObject = boxed(Boolean.prototype.valueOf);
const isBigIntObject = boxed(BigInt.prototype.valueOf);
const isSymbolObject = boxed(Symbol.prototype.valueOf);

const types = {
  isPromise: (v) => native.isPromise(v),
  isDate: (v) => native.isDate(v),
  isRegExp: (v) => native.isRegExp(v),
  isNativeError: (v) => native.isError(v),
  isProxy: (v) => native.isProxy(v),
  isMap,
  isSet,
  isWeakMap: brand(WeakMap.prototype.has),
  isWeakSet: brand(WeakSet.prototype.has),
  isMapIterator: (v) => toTag(v) === 'Map Iterator',
  isSetIterator: (v) => toTag(v) === 'Set Iterator',
  isArrayBuffer,
  isSharedArrayBuffer,
  isAnyArrayBuffer,
  isArrayBufferView: (v) => ArrayBuffer.isView(v),
  isDataView: (v) => ArrayBuffer.isView(v) && typedArrayName(v) === undefined,
  isTypedArray: (v) => typedArrayName(v) !== undefined,
  isNumberObject,
  isStringObject,
  isBooleanObject,
  isBigIntObject,
  isSymbolObject,
  isBoxedPrimitive: (v) => isNumberObject(v) || isStringObject(v) || isBooleanObject(v) ||
      isBigIntObject(v) || isSymbolObject(v),
  isAsyncFunction: (v) => typeof v === 'function' &&
      /^Async(Generator)?Function$/.test(toTag(v)),
  isGeneratorFunction: (v) => typeof v === 'function' && /GeneratorFunction$/.test(toTag(v)),
  isGeneratorObject: (v) => toTag(v) === 'Generator' || toTag(v) === 'AsyncGenerator',
  isArgumentsObject: (v) => toTag(v) === 'Arguments',
  isWeakRef: typeof WeakRef === 'function' ? brand(WeakRef.prototype.deref) : () => false,
  isModuleNamespaceObject: (v) => v !== null && typeof v === 'object' &&
      Object.getPrototypeOf(v) === null && v[Symbol.toStringTag] === 'Module',
  isExternal: () => false,
  isKeyObject: () => false,
  isCryptoKey: () => false,
};
for (const name of ['Uint8Array', 'Uint8ClampedArray', 'Uint16Array', 'Uint32Array',
  'Int8Array', 'Int16Array', 'Int32Array', 'Float32Array', 'Float64Array', 'BigInt64Array',
  'BigUint64Array']) {
  types[`is${name}`] = (v) => typedArrayName(v) === name;
}

// ---- deep equality (Node's isDeepStrictEqual; assert's loose mode too) ----

function isPrimitive(v) {
  return v === null || (typeof v !== 'object' && typeof v !== 'function');
}

function ownEnumerableKeys(value, strict) {
  const keys = Object.keys(value);
  if (!strict) return keys;
  for (const symbol of Object.getOwnPropertySymbols(value)) {
    if (Object.prototype.propertyIsEnumerable.call(value, symbol)) keys.push(symbol);
  }
  return keys;
}

function deepEqual(a, b, strict, memos) {
  if (a === b) return a !== 0 || !strict || Object.is(a, b);
  if (strict) {
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
      return typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) &&
          Number.isNaN(b);
    }
    if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  } else {
    if (a === null || typeof a !== 'object') {
      if (b === null || typeof b !== 'object') {
        // eslint-disable-next-line eqeqeq
        return a == b || (Number.isNaN(a) && Number.isNaN(b));
      }
      return false;
    }
    if (b === null || typeof b !== 'object') return false;
  }
  const tagA = toTag(a);
  if (tagA !== toTag(b)) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && a.length !== b.length) return false;
  if (types.isDate(a)) {
    if (!types.isDate(b) || a.getTime() !== b.getTime()) return false;
  } else if (types.isRegExp(a)) {
    if (!types.isRegExp(b) || a.source !== b.source || a.flags !== b.flags ||
        a.lastIndex !== b.lastIndex) {
      return false;
    }
  } else if (types.isNativeError(a) || a instanceof Error) {
    if (a.message !== b.message || a.name !== b.name) return false;
  } else if (ArrayBuffer.isView(a)) {
    if (typedArrayName(a) !== typedArrayName(b) || a.byteLength !== b.byteLength) return false;
    if (!strict && (typedArrayName(a) === 'Float32Array' ||
                    typedArrayName(a) === 'Float64Array')) {
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    } else {
      const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    }
    // Compare the keys beyond the indices below.
  } else if (isAnyArrayBuffer(a)) {
    if (!isAnyArrayBuffer(b) || a.byteLength !== b.byteLength) return false;
    const x = new Uint8Array(a);
    const y = new Uint8Array(b);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  } else if (types.isBoxedPrimitive(a)) {
    if (!Object.is(a.valueOf(), b.valueOf())) return false;
  } else if (types.isWeakMap(a) || types.isWeakSet(a) || types.isPromise(a)) {
    return false;  // never equal unless identical, as in Node
  }
  let keysA = ownEnumerableKeys(a, strict);
  let keysB = ownEnumerableKeys(b, strict);
  if (ArrayBuffer.isView(a)) {
    keysA = keysA.filter((k) => typeof k !== 'string' || !/^\d+$/.test(k));
    keysB = keysB.filter((k) => typeof k !== 'string' || !/^\d+$/.test(k));
  }
  if (keysA.length !== keysB.length) return false;
  for (const key of keysA) {
    if (!Object.prototype.propertyIsEnumerable.call(b, key)) return false;
  }
  if (memos === undefined) memos = { a: new Map(), b: new Map(), position: 0 };
  const seenA = memos.a.get(a);
  if (seenA !== undefined) {
    const seenB = memos.b.get(b);
    if (seenB !== undefined) return seenA === seenB;
  }
  memos.position++;
  memos.a.set(a, memos.position);
  memos.b.set(b, memos.position);
  const equal = keysEqual(a, b, keysA, strict, memos) && collectionsEqual(a, b, strict, memos);
  memos.a.delete(a);
  memos.b.delete(b);
  return equal;
}

function keysEqual(a, b, keys, strict, memos) {
  if (Array.isArray(a)) {
    for (let i = 0; i < a.length; i++) {
      const hasA = Object.prototype.hasOwnProperty.call(a, i);
      if (hasA !== Object.prototype.hasOwnProperty.call(b, i)) {
        if (strict) return false;
      }
      if (!deepEqual(a[i], b[i], strict, memos)) return false;
    }
  }
  for (const key of keys) {
    if (Array.isArray(a) && typeof key === 'string' && /^\d+$/.test(key)) continue;
    if (!deepEqual(a[key], b[key], strict, memos)) return false;
  }
  return true;
}

function collectionsEqual(a, b, strict, memos) {
  if (isSet(a)) {
    if (!isSet(b) || a.size !== b.size) return false;
    const rest = [];
    for (const value of a) {
      if (!b.has(value)) {
        if (isPrimitive(value) && strict) return false;
        rest.push(value);
      }
    }
    if (rest.length === 0) return true;
    const candidates = [...b].filter((v) => !a.has(v));
    for (const value of rest) {
      const at = candidates.findIndex((c) => deepEqual(value, c, strict, memos));
      if (at === -1) return false;
      candidates.splice(at, 1);
    }
    return true;
  }
  if (isMap(a)) {
    if (!isMap(b) || a.size !== b.size) return false;
    const rest = [];
    for (const [key, value] of a) {
      if (b.has(key)) {
        if (!deepEqual(value, b.get(key), strict, memos)) return false;
      } else {
        if (isPrimitive(key) && strict) return false;
        rest.push([key, value]);
      }
    }
    if (rest.length === 0) return true;
    const candidates = [...b].filter(([k]) => !a.has(k));
    for (const [key, value] of rest) {
      const at = candidates.findIndex(([k, v]) => deepEqual(key, k, strict, memos) &&
                                      deepEqual(value, v, strict, memos));
      if (at === -1) return false;
      candidates.splice(at, 1);
    }
    return true;
  }
  return !isSet(b) && !isMap(b);
}

function isDeepStrictEqual(a, b) {
  return deepEqual(a, b, true);
}

function stripVTControlCharacters(string) {
  if (typeof string !== 'string') throw invalidArgType('str', 'of type string', string);
  // eslint-disable-next-line no-control-regex
  return string.replace(/[\u001B\u009B][[\]()#;?]*(?:(?:(?:(?:;[-a-zA-Z\d/#&.:=?%@~_]+)*|[a-zA-Z\d]+(?:;[-a-zA-Z\d/#&.:=?%@~_]*)*)?\u0007)|(?:(?:\d{1,4}(?:;\d{0,4})*)?[\dA-PR-TZcf-ntqry=><~]))/g, '');
}

function toUSVString(string) {
  return String(string).replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
                                '\ufffd');
}

module.exports = {
  format,
  formatWithOptions,
  inspect,
  promisify,
  callbackify,
  inherits,
  deprecate,
  types,
  isDeepStrictEqual,
  stripVTControlCharacters,
  toUSVString,
  debuglog() {
    const log = () => {};
    log.enabled = false;
    return log;
  },
  isArray: Array.isArray,
  isBoolean: (v) => typeof v === 'boolean',
  isNull: (v) => v === null,
  isNullOrUndefined: (v) => v === null || v === undefined,
  isNumber: (v) => typeof v === 'number',
  isString: (v) => typeof v === 'string',
  isSymbol: (v) => typeof v === 'symbol',
  isUndefined: (v) => v === undefined,
  isRegExp: types.isRegExp,
  isObject: (v) => v !== null && typeof v === 'object',
  isDate: types.isDate,
  isError: (v) => types.isNativeError(v) || v instanceof Error,
  isFunction: (v) => typeof v === 'function',
  isPrimitive,
};
module.exports.debug = module.exports.debuglog;
for (const name of ['TextEncoder', 'TextDecoder']) {
  Object.defineProperty(module.exports, name, {
    enumerable: true,
    configurable: true,
    get() { return require('web/encoding')[name]; },
  });
}
// assert's deepEqual (loose) shares the walk; not a Node export.
Object.defineProperty(module.exports, Symbol.for('duet.util.deepEqual'), { value: deepEqual });
