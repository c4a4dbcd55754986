// The JavaScript half of the in-script `duet` API, console and the REPL's
// node-like inspect(). Compiled once per isolate as a function of `native`
// (the C++ callbacks, see engine.cc) under the resource name "duet:bootstrap",
// whose frames are dropped from stack traces.
#ifndef DUET_BINDINGS_JAVASCRIPT_BOOTSTRAP_H_
#define DUET_BINDINGS_JAVASCRIPT_BOOTSTRAP_H_

namespace duet::js {

inline constexpr char kBootstrapResourceName[] = "duet:bootstrap";

// Returns {duet, console, inspect, moduleProxy, requireLibrary}.
inline constexpr char kBootstrapSource[] = R"JS(
'use strict';
const ObjectPrototype = Object.prototype;
const proxyNames = new WeakMap();  // module proxy -> module name

function hiddenKey(key) {
  // Keys a module proxy never forwards: await/JSON/inspection probes.
  return typeof key !== 'string' || key === 'then' || key === 'toJSON';
}

// duet.modules and each duet.modules.M are live-names objects
// (native.liveNames, duet_api.cc): `in`, the listings and descriptions ask
// `list()` each time, and nothing can be set, defined or deleted. A read
// runs no code once its name is resolved: `resolve(key)`'s value is kept as
// a read-only data property of `cache`, the object's prototype, where V8's
// inline caches find it; a miss (or a hidden key) reaches the Proxy under
// it. A name no longer listed is dropped from `cache` when `in` or a
// description asks for it (`resolve` returns the same value again).
function liveNames(list, resolve) {
  const cache = Object.create(new Proxy(Object.create(null), {
    get(target, key) {
      if (hiddenKey(key)) return undefined;
      const value = resolve(key);
      Object.defineProperty(cache, key, {
        value, writable: false, enumerable: false, configurable: true,
      });
      return value;
    },
    has() { return false; },
    ownKeys() { return []; },
    getOwnPropertyDescriptor() { return undefined; },
    set() { return false; },
    defineProperty() { return false; },
    deleteProperty() { return false; },
  }));
  return native.liveNames({
    has(key) {
      if (list().includes(key)) return true;
      delete cache[key];
      return false;
    },
    keys: list,
    value: resolve,
  }, cache);
}

const moduleProxies = new Map();
function moduleProxy(name) {
  let proxy = moduleProxies.get(name);
  if (proxy !== undefined) return proxy;
  const functions = new Map();
  proxy = liveNames(() => native.moduleFunctions(name), (key) => {
    let fn = functions.get(key);
    if (fn === undefined) {
      fn = native.moduleFunction(name, key);
      functions.set(key, fn);
    }
    return fn;
  });
  proxyNames.set(proxy, name);
  moduleProxies.set(name, proxy);
  return proxy;
}

const modules = liveNames(() => native.moduleNames(), moduleProxy);
proxyNames.set(modules, '');

const hostFunctions = new Map();
const host = new Proxy(Object.create(null), {
  get(target, key) {
    if (hiddenKey(key)) return undefined;
    let fn = hostFunctions.get(key);
    if (fn === undefined) {
      fn = native.hostFunction(key);
      hostFunctions.set(key, fn);
    }
    return fn;
  },
  has(target, key) { return typeof key === 'string' && native.hostFunctionNames().includes(key); },
  ownKeys() { return native.hostFunctionNames(); },
  getOwnPropertyDescriptor(target, key) {
    if (typeof key !== 'string' || !native.hostFunctionNames().includes(key)) return undefined;
    return { value: this.get(target, key), writable: false, enumerable: true, configurable: true };
  },
  set() { return false; },
  defineProperty() { return false; },
  deleteProperty() { return false; },
});
proxyNames.set(host, '<host>');

// ---- inspect: a small node-like util.inspect ----

const kBreakLength = 80;
const kMaxItems = 100;

function quote(s) {
  let q = "'";
  if (s.includes("'")) {
    if (!s.includes('"')) q = '"';
    else if (!s.includes('`') && !s.includes('${')) q = '`';
  }
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (ch === q || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).toUpperCase().padStart(2, '0');
    else if (c >= 0xd800 && c <= 0xdfff) out += '\\u' + c.toString(16).toUpperCase();
    else out += ch;
  }
  return q + out + q;
}

function formatKey(key) {
  if (typeof key === 'symbol') return '[' + key.toString() + ']';
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : quote(key);
}

function brand(fn, value) {
  try { fn.call(value); return true; } catch { return false; }
}
const mapSize = Object.getOwnPropertyDescriptor(Map.prototype, 'size').get;
const setSize = Object.getOwnPropertyDescriptor(Set.prototype, 'size').get;
const abByteLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength').get;
const typedArrayProto = Object.getPrototypeOf(Uint8Array.prototype);
const taToStringTag = Object.getOwnPropertyDescriptor(typedArrayProto, Symbol.toStringTag).get;

function constructorName(value) {
  let obj = value;
  while (obj !== null) {
    const desc = Object.getOwnPropertyDescriptor(obj, 'constructor');
    if (desc !== undefined && typeof desc.value === 'function' && desc.value.name !== '') {
      return desc.value.name;
    }
    obj = Object.getPrototypeOf(obj);
  }
  return null;
}

function functionBase(fn) {
  let source = '';
  try { source = Function.prototype.toString.call(fn); } catch {}
  const name = fn.name;
  if (source.startsWith('class') && /^class\s*[A-Za-z_${]/.test(source)) {
    let base = name ? `[class ${name}` : '[class (anonymous)';
    const parent = Object.getPrototypeOf(fn);
    if (typeof parent === 'function' && parent.name) base += ` extends ${parent.name}`;
    return base + ']';
  }
  let kind = 'Function';
  const ctor = constructorName(fn);
  if (ctor === 'AsyncFunction' || ctor === 'GeneratorFunction' || ctor === 'AsyncGeneratorFunction') {
    kind = ctor;
  }
  return name ? `[${kind}: ${name}]` : `[${kind} (anonymous)]`;
}

function ownKeys(value, skipIndices) {
  const keys = Object.keys(value);
  const out = skipIndices ? keys.filter((k) => !/^(0|[1-9][0-9]*)$/.test(k)) : keys;
  for (const sym of Object.getOwnPropertySymbols(value)) {
    if (Object.prototype.propertyIsEnumerable.call(value, sym)) out.push(sym);
  }
  return out;
}

function formatProperty(ctx, value, key, level) {
  const desc = Object.getOwnPropertyDescriptor(value, key);
  let shown;
  if (desc === undefined) shown = formatValue(ctx, value[key], level + 1);
  else if (desc.get !== undefined) shown = desc.set !== undefined ? '[Getter/Setter]' : '[Getter]';
  else if (desc.set !== undefined) shown = '[Setter]';
  else shown = formatValue(ctx, desc.value, level + 1);
  return `${formatKey(key)}: ${shown}`;
}

function formatList(ctx, items, level, render) {
  const out = [];
  const n = Math.min(items.length, kMaxItems);
  let holes = 0;
  for (let i = 0; i < n; i++) {
    if (!(i in items)) { holes++; continue; }
    if (holes > 0) {
      out.push(`<${holes} empty item${holes > 1 ? 's' : ''}>`);
      holes = 0;
    }
    out.push(render(items[i]));
  }
  if (holes > 0) out.push(`<${holes} empty item${holes > 1 ? 's' : ''}>`);
  if (items.length > n) {
    const more = items.length - n;
    out.push(`... ${more} more item${more > 1 ? 's' : ''}`);
  }
  return out;
}

function join(ctx, entries, open, close, level) {
  if (entries.length === 0) return `${open}${close}`;
  const indent = '  '.repeat(level);
  let length = open.length + close.length + indent.length + entries.length * 2;
  for (const e of entries) length += e.length;
  if (length <= kBreakLength && !entries.some((e) => e.includes('\n'))) {
    return `${open} ${entries.join(', ')} ${close}`;
  }
  return `${open}\n${indent}  ${entries.join(`,\n${indent}  `)}\n${indent}${close}`;
}

function formatValue(ctx, value, level) {
  switch (typeof value) {
    case 'string': return quote(value);
    case 'number': return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint': return `${value}n`;
    case 'boolean': return String(value);
    case 'undefined': return 'undefined';
    case 'symbol': return value.toString();
  }
  if (value === null) return 'null';
  if (proxyNames.has(value)) {
    const name = proxyNames.get(value);
    if (name === '') return '[duet modules]';
    if (name === '<host>') return '[duet host functions]';
    return `[duet module ${name}]`;
  }
  if (ctx.seen.includes(value)) {
    let index = ctx.circular.get(value);
    if (index === undefined) {
      index = ctx.circular.size + 1;
      ctx.circular.set(value, index);
    }
    return `[Circular *${index}]`;
  }
  ctx.seen.push(value);
  let out;
  try {
    out = formatObject(ctx, value, level);
  } finally {
    ctx.seen.pop();
  }
  const index = ctx.circular.get(value);
  return index === undefined ? out : `<ref *${index}> ${out}`;
}

function formatObject(ctx, value, level) {
  const deep = level > ctx.depth;
  const ctor = constructorName(value);
  const tag = (base) => (ctor === base ? '' : `${ctor === null ? '[' + base + ': null prototype]' : ctor} `);
  const each = (v) => formatValue(ctx, v, level + 1);
  let keys;
  let open;
  let close = '}';
  let entries = [];
  if (typeof value === 'function') {
    const base = functionBase(value);
    keys = ownKeys(value, false);
    if (keys.length === 0) return base;
    if (deep) return base;
    open = `${base} {`;
  } else if (Array.isArray(value)) {
    const prefix = ctor === 'Array' ? '' : `${tag('Array')}(${value.length}) `;
    keys = ownKeys(value, true);
    if (value.length === 0 && keys.length === 0) return `${prefix}[]`;
    if (deep) return '[Array]';
    open = `${prefix}[`;
    close = ']';
    entries = formatList(ctx, value, level, each);
  } else if (brand(mapSize, value)) {
    keys = ownKeys(value, false);
    const size = mapSize.call(value);
    open = `${ctor || 'Map'}(${size}) {`;
    if (size === 0 && keys.length === 0) return `${open}}`;
    if (deep) return `[${ctor || 'Map'}]`;
    let i = 0;
    for (const [k, v] of Map.prototype.entries.call(value)) {
      if (i++ >= kMaxItems) { entries.push(`... ${size - kMaxItems} more items`); break; }
      entries.push(`${each(k)} => ${each(v)}`);
    }
  } else if (brand(setSize, value)) {
    keys = ownKeys(value, false);
    const size = setSize.call(value);
    open = `${ctor || 'Set'}(${size}) {`;
    if (size === 0 && keys.length === 0) return `${open}}`;
    if (deep) return `[${ctor || 'Set'}]`;
    let i = 0;
    for (const v of Set.prototype.values.call(value)) {
      if (i++ >= kMaxItems) { entries.push(`... ${size - kMaxItems} more items`); break; }
      entries.push(each(v));
    }
  } else if (taToStringTag.call(value) !== undefined) {
    keys = ownKeys(value, true);
    open = `${ctor || taToStringTag.call(value)}(${value.length}) [`;
    close = ']';
    if (value.length === 0 && keys.length === 0) return `${open}]`;
    if (deep) return `[${ctor || 'TypedArray'}]`;
    entries = formatList(ctx, value, level, each);
  } else if (brand(abByteLength, value)) {
    const bytes = new Uint8Array(value);
    let hex = Array.from(bytes.subarray(0, 50), (b) => b.toString(16).padStart(2, '0')).join(' ');
    if (bytes.length > 50) hex += ` ... ${bytes.length - 50} more bytes`;
    return `${ctor || 'ArrayBuffer'} { [Uint8Contents]: <${hex}>, byteLength: ${bytes.length} }`;
  } else if (native.isDate(value)) {
    const time = Date.prototype.getTime.call(value);
    return Number.isNaN(time) ? 'Invalid Date' : Date.prototype.toISOString.call(value);
  } else if (native.isRegExp(value)) {
    return RegExp.prototype.toString.call(value);
  } else if (native.isError(value)) {
    const base = typeof value.stack === 'string' && value.stack !== ''
        ? value.stack : Error.prototype.toString.call(value);
    keys = ownKeys(value, false).filter((k) => k !== 'stack' && k !== 'message');
    if (keys.length === 0 || deep) return level > 0 ? `[${base}]` : base;
    open = `${base} {`;
  } else if (native.isPromise(value)) {
    const [state, result] = native.promiseState(value);
    open = `${tag('Promise') || 'Promise '}{`;
    if (deep) return '[Promise]';
    entries.push(state === 'pending' ? '<pending>'
        : state === 'rejected' ? `<rejected> ${each(result)}` : each(result));
    keys = ownKeys(value, false);
  } else {
    keys = ownKeys(value, false);
    const prefix = ctor === 'Object' ? '' : tag('Object');
    if (keys.length === 0) return `${prefix}{}`;
    if (deep) return `[${ctor === null ? 'Object: null prototype' : ctor}]`;
    open = `${prefix}{`;
  }
  for (const key of keys) entries.push(formatProperty(ctx, value, key, level));
  return join(ctx, entries, open, close, level);
}

function inspect(value, options) {
  const depth = options !== undefined && typeof options.depth === 'number' ? options.depth : 2;
  return formatValue({ depth, seen: [], circular: new Map() }, value, 0);
}

// ---- console / duet.log formatting (node's util.format, simplified) ----

function format(args) {
  const parts = [];
  let i = 0;
  if (typeof args[0] === 'string') {
    i = 1;
    if (args.length > 1 && args[0].includes('%')) {
      parts.push(args[0].replace(/%([sdifjoOc%])/g, (match, c) => {
        if (c === '%') return '%';
        if (i >= args.length) return match;
        const a = args[i++];
        switch (c) {
          case 's':
            if (typeof a === 'string') return a;
            if (typeof a === 'bigint') return `${a}n`;
            if (typeof a === 'object' && a !== null) return inspect(a, { depth: 1 });
            return Object.is(a, -0) ? '-0' : String(a);
          case 'd':
          case 'i':
            if (typeof a === 'bigint') return `${a}n`;
            if (typeof a === 'symbol') return 'NaN';
            return String(c === 'i' ? parseInt(a) : Number(a));
          case 'f': return typeof a === 'symbol' ? 'NaN' : String(parseFloat(a));
          case 'j':
            try { return JSON.stringify(a); } catch { return '[Circular]'; }
          case 'o':
          case 'O': return inspect(a, { depth: c === 'o' ? 4 : 2 });
          default: return '';  // %c: CSS, ignored
        }
      }));
    } else {
      parts.push(args[0]);
    }
  }
  for (; i < args.length; i++) {
    parts.push(typeof args[i] === 'string' ? args[i] : inspect(args[i]));
  }
  return parts.join(' ');
}

const kDebug = 0, kInfo = 1, kWarning = 2, kError = 3;

// console: node's methods and output formats. group() indents every line
// that follows by two spaces until groupEnd().
let groupIndent = '';
function emit(level, text) {
  native.log(level, groupIndent === '' ? text : groupIndent + text.split('\n').join('\n' + groupIndent));
}

const counts = new Map();
const timers = new Map();
// console.table and the duration format are in lib/web/console.js, loaded
// on first use.
const consoleLibrary = () => requireLibrary('web/console');
const timerNow = () => requireLibrary('web/natives').monotonicMilliseconds();

const console = {
  log(...args) { emit(kInfo, format(args)); },
  info(...args) { emit(kInfo, format(args)); },
  debug(...args) { emit(kDebug, format(args)); },
  warn(...args) { emit(kWarning, format(args)); },
  error(...args) { emit(kError, format(args)); },
  trace(...args) {
    const stack = new Error().stack.split('\n').slice(2).join('\n');
    emit(kDebug, `Trace${args.length ? ': ' + format(args) : ''}\n${stack}`);
  },
  dir(value, options) { emit(kInfo, inspect(value, options)); },
  dirxml(...args) { emit(kInfo, format(args)); },
  assert(condition, ...args) {
    if (condition) return;
    args[0] = `Assertion failed${args.length === 0 ? '' : `: ${args[0]}`}`;
    emit(kWarning, format(args));
  },
  count(label = 'default') {
    const key = `${label}`;
    const count = (counts.get(key) ?? 0) + 1;
    counts.set(key, count);
    emit(kInfo, `${key}: ${count}`);
  },
  countReset(label = 'default') {
    const key = `${label}`;
    if (!counts.has(key)) return emit(kWarning, `Warning: Count for '${key}' does not exist`);
    counts.delete(key);
  },
  group(...label) {
    if (label.length > 0) emit(kInfo, format(label));
    groupIndent += '  ';
  },
  groupCollapsed(...label) {
    if (label.length > 0) emit(kInfo, format(label));
    groupIndent += '  ';
  },
  groupEnd() {
    groupIndent = groupIndent.slice(0, -2);
  },
  table(data, properties) {
    const text = consoleLibrary().table(data, properties);
    emit(kInfo, text === undefined ? format([data]) : text);
  },
  time(label = 'default') {
    const key = `${label}`;
    if (timers.has(key)) {
      return emit(kWarning, `Warning: Label '${key}' already exists for console.time()`);
    }
    timers.set(key, timerNow());
  },
  timeLog(label = 'default', ...data) {
    const key = `${label}`;
    if (!timers.has(key)) {
      return emit(kWarning, `Warning: No such label '${key}' for console.timeLog()`);
    }
    const text = `${key}: ${consoleLibrary().formatDuration(timerNow() - timers.get(key))}`;
    emit(kInfo, data.length === 0 ? text : `${text} ${format(data)}`);
  },
  timeEnd(label = 'default') {
    const key = `${label}`;
    if (!timers.has(key)) {
      return emit(kWarning, `Warning: No such label '${key}' for console.timeEnd()`);
    }
    emit(kInfo, `${key}: ${consoleLibrary().formatDuration(timerNow() - timers.get(key))}`);
    timers.delete(key);
  },
};

// ---- allocation guards ----
// Array.prototype.fill and Array.from add one element per index in a C++
// loop that never looks for termination when the array is sparse (or an
// array-like): asked for 1e8 elements they allocate gigabytes after the
// memory limit stopped them, and V8 then aborts the whole process. A call
// that would create more elements than the heap cap can hold at 8 bytes
// each is refused before it starts, as the heap limit would refuse it
// later. Other large calls take the spec's steps here, in a loop that the
// memory and time limits can stop; up to 2**23 elements (at most ~600 MB
// even as a growing dictionary, inside V8's headroom over the cap) stay
// with the builtin.
{
  const kBuiltinElements = 2 ** 23;
  const capElements = native.heapCapElements;
  const outOfMemory = native.outOfMemory;
  const isProxy = native.isProxy;
  const ArrayCtor = Array;
  const ArrayIsArray = Array.isArray;
  const ReflectApply = Reflect.apply;
  const ObjectCtor = Object;
  const ObjectDefineProperty = Object.defineProperty;
  const ObjectGetOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  const ObjectHasOwn = Object.hasOwn;
  const NumberIsNaN = Number.isNaN;
  const NumberIsFinite = Number.isFinite;
  const MathMin = Math.min;
  const MathMax = Math.max;
  const MathTrunc = Math.trunc;
  const RangeErrorCtor = RangeError;
  const TypeErrorCtor = TypeError;
  const SymbolIterator = Symbol.iterator;

  const toIntegerOrInfinity = (value) => {
    const n = +value;
    if (NumberIsNaN(n) || n === 0) return 0;
    return NumberIsFinite(n) ? MathTrunc(n) : n;
  };
  const toLength = (value) =>
      MathMin(MathMax(toIntegerOrInfinity(value), 0), 2 ** 53 - 1);
  const clampIndex = (n, length) =>
      n < 0 ? MathMax(length + n, 0) : MathMin(n, length);
  const checkCount = (what, count) => {
    if (count <= capElements) return;
    outOfMemory();
    throw new RangeErrorCtor(
        `${what} would create ${count} elements, past the memory limit`);
  };
  const install = (object, name, guarded, original) => {
    ObjectDefineProperty(guarded, 'name', {__proto__: null, value: name});
    ObjectDefineProperty(guarded, 'length',
                         {__proto__: null, value: original.length});
    ObjectDefineProperty(object, name, {
      __proto__: null, value: guarded, writable: true, enumerable: false,
      configurable: true,
    });
  };

  const fill = ArrayCtor.prototype.fill;
  const plainIndex = (value) =>
      value === undefined || typeof value === 'number';
  install(ArrayCtor.prototype, 'fill', function(value, start, end) {
    // A real array's length and numeric indices read without running code,
    // so the builtin may read them again.
    const plain = ArrayIsArray(this) && !isProxy(this) && plainIndex(start) &&
        plainIndex(end);
    if (!plain && (this === null || this === undefined)) {
      throw new TypeErrorCtor('Array.prototype.fill called on null or undefined');
    }
    const object = ObjectCtor(this);
    const length = toLength(object.length);
    let k = clampIndex(toIntegerOrInfinity(start), length);
    const final = end === undefined ?
        length : clampIndex(toIntegerOrInfinity(end), length);
    checkCount('Array.prototype.fill', final - k);
    if (plain && final - k <= kBuiltinElements) {
      return ReflectApply(fill, this, [value, start, end]);
    }
    for (; k < final; k++) object[k] = value;  // strict: a failed set throws
    return object;
  }, fill);

  const from = ArrayCtor.from;
  install(ArrayCtor, 'from', function(items, mapfn, thisArg) {
    const arrayLike = items !== null && items !== undefined &&
        (typeof items === 'object' || typeof items === 'function') &&
        !isProxy(items) && !(SymbolIterator in items);
    // Iterables run JavaScript for every element, where the limits apply.
    if (!arrayLike) return ReflectApply(from, this, arguments);
    const described = ObjectGetOwnPropertyDescriptor(items, 'length');
    if (described !== undefined && ObjectHasOwn(described, 'value') &&
        typeof described.value === 'number') {
      const length = toLength(described.value);
      checkCount('Array.from', length);
      if (length <= kBuiltinElements) {
        return ReflectApply(from, this, arguments);
      }
    }
    // A subclass constructs its own result.
    if (this !== ArrayCtor) return ReflectApply(from, this, arguments);
    if (mapfn !== undefined && typeof mapfn !== 'function') {
      throw new TypeErrorCtor(`${typeof mapfn} is not a function`);
    }
    const length = toLength(items.length);
    checkCount('Array.from', length);
    const out = new ArrayCtor(length);
    for (let k = 0; k < length; k++) {
      const value = mapfn === undefined ?
          items[k] : ReflectApply(mapfn, thisArg, [items[k], k]);
      ObjectDefineProperty(out, k, {
        __proto__: null, value, writable: true, enumerable: true,
        configurable: true,
      });
    }
    out.length = length;
    return out;
  }, from);
}

// ---- duet.Error: a plugin's error with the status code its caller gets ----

const BuiltinError = Error;
const statusCodeProblem = native.statusCodeProblem;
const carriesStatus = native.carriesStatus;
const functionHasInstance = Function.prototype[Symbol.hasInstance];

function checkCode(code, where) {
  if (typeof code !== 'string') {
    throw new TypeError(`${where}: code must be a string naming a status ` +
                        `code (such as 'NOT_FOUND'), not ${typeof code}`);
  }
  const problem = statusCodeProblem(code);
  if (problem !== '') throw new RangeError(`${where}: ${problem}`);
}

// Named Error, as Python's duet.Error: a subclass that sets no name is named
// by its class (class NotFound extends duet.Error {}). A subclass may give
// a default code as `static code = 'NOT_FOUND'`. As in Python, every error
// duet throws for a failed call is `instanceof duet.Error` (though made of
// the built-in class its type maps to).
const DuetError = class Error extends BuiltinError {
  static [Symbol.hasInstance](value) {
    return functionHasInstance.call(this, value) ||
        (this === DuetError && carriesStatus(value));
  }

  constructor(message, code, options) {
    super(message, options);
    const where = new.target === DuetError ? 'duet.Error' : new.target.name;
    if (code === undefined) {
      code = new.target.code;
      checkCode(code, `${where}.code`);
    } else {
      checkCode(code, `${where}(message, code)`);
    }
    Object.defineProperty(this, 'code', {
      value: code, writable: true, enumerable: true, configurable: true,
    });
  }
};
Object.defineProperty(DuetError, 'code', {
  value: 'UNKNOWN', writable: false, enumerable: false, configurable: false,
});

const duet = Object.freeze({
  modules,
  host,
  call: native.call,
  log(...args) { native.log(kInfo, format(args)); },
  Error: DuetError,
});

// duet's JavaScript library (library.h): modules run once, on first
// require, each as a function (exports, require, module, native).
const libraryModules = new Map([
  ['internal/inspect', { exports: { inspect, format } }],
]);
function requireLibrary(name) {
  let module = libraryModules.get(name);
  if (module !== undefined) return module.exports;
  const body = native.compileLibrary(name);
  if (body === undefined) throw new Error(`duet: no library module '${name}'`);
  module = { exports: {} };
  libraryModules.set(name, module);
  try {
    body.call(module.exports, module.exports, requireLibrary, module, native);
  } catch (error) {
    libraryModules.delete(name);
    throw error;
  }
  return module.exports;
}
// A trusted (Node.js) engine has Node's own globals.
if (!native.trusted) requireLibrary('internal/globals');

return { duet, console, inspect, moduleProxy, requireLibrary };
)JS";

}  // namespace duet::js

#endif  // DUET_BINDINGS_JAVASCRIPT_BOOTSTRAP_H_
