// node:assert (and node:assert/strict): the assertions and AssertionError
// with the messages Node gives, including its "+ actual - expected" line
// diff of the two values (each property on a line of its own).
'use strict';

const util = require('node/util');

const deepEqual = util[Symbol.for('duet.util.deepEqual')];
const inspect = (value) => util.inspect(value, { depth: 1000 });

// One line per property, as Node's assert shows values (inspect with
// compact: false).
function expandedLines(value, depth = 0, seen = []) {
  const plain = value !== null && typeof value === 'object' && !util.types.isDate(value) &&
      !util.types.isRegExp(value) && !util.types.isBoxedPrimitive(value) &&
      !(value instanceof Error) && !util.types.isPromise(value) &&
      typeof value[util.inspect.custom] !== 'function' && !ArrayBuffer.isView(value);
  if (!plain || depth > 1000) return inspect(value).split('\n');
  if (seen.includes(value)) return ['[Circular *1]'];
  seen = [...seen, value];
  const proto = Object.getPrototypeOf(value);
  const ctor = proto === null ? '[Object: null prototype]' :
      proto.constructor && proto.constructor.name;
  let open;
  let close;
  let entries = [];
  const keyOf = (key) => (typeof key === 'symbol' ? `[${String(key)}]` :
      /^[A-Za-z_$][\w$]*$/.test(key) ? key : inspect(key));
  const nested = (prefix, item) => {
    const lines = expandedLines(item, depth + 1, seen);
    lines[0] = prefix + lines[0];
    return lines;
  };
  if (Array.isArray(value)) {
    open = ctor === 'Array' ? '[' : `${ctor}(${value.length}) [`;
    close = ']';
    for (let i = 0; i < value.length; i++) entries.push(nested('', value[i]));
    for (const key of Object.keys(value)) {
      if (!/^\d+$/.test(key)) entries.push(nested(`${keyOf(key)}: `, value[key]));
    }
  } else if (util.types.isMap(value)) {
    open = `${ctor}(${value.size}) {`;
    close = '}';
    for (const [k, v] of value) entries.push(nested(`${inspect(k)} => `, v));
  } else if (util.types.isSet(value)) {
    open = `${ctor}(${value.size}) {`;
    close = '}';
    for (const v of value) entries.push(nested('', v));
  } else {
    open = ctor === 'Object' ? '{' : `${ctor} {`;
    close = '}';
  }
  if (!Array.isArray(value)) {
    for (const key of Reflect.ownKeys(value)) {
      if (!Object.prototype.propertyIsEnumerable.call(value, key)) continue;
      entries.push(nested(`${keyOf(key)}: `, value[key]));
    }
  }
  if (entries.length === 0) return [`${open}${close}`];
  const lines = [open];
  entries.forEach((entryLines, i) => {
    if (i < entries.length - 1) entryLines[entryLines.length - 1] += ',';
    for (const line of entryLines) lines.push(`  ${line}`);
  });
  lines.push(close);
  return lines;
}

// A line diff (longest common subsequence) in Node's format.
function diff(actualLines, expectedLines) {
  const n = actualLines.length;
  const m = expectedLines.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = actualLines[i] === expectedLines[j] ? lcs[i + 1][j + 1] + 1 :
          Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && actualLines[i] === expectedLines[j]) {
      out.push(['  ', actualLines[i++]]);
      j++;
    } else if (i < n && (j >= m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out.push(['+ ', actualLines[i++]]);
    } else {
      out.push(['- ', expectedLines[j++]]);
    }
  }
  // Runs of more than four unchanged lines before a change keep two at
  // each end.
  const shown = [];
  let skipped = false;
  for (let k = 0; k < out.length;) {
    if (out[k][0] !== '  ') {
      shown.push(out[k][0] + out[k][1]);
      k++;
      continue;
    }
    let end = k;
    while (end < out.length && out[end][0] === '  ') end++;
    const run = out.slice(k, end).map(([mark, line]) => mark + line);
    if (run.length > 4 && end < out.length) {
      shown.push(...run.slice(0, 2), '...', ...run.slice(-2));
      skipped = true;
    } else {
      shown.push(...run);
    }
    k = end;
  }
  return { text: shown.join('\n'), skipped };
}

const kReadableOperator = {
  deepStrictEqual: 'Expected values to be strictly deep-equal:',
  strictEqual: 'Expected values to be strictly equal:',
  strictEqualObject: 'Expected "actual" to be reference-equal to "expected":',
  deepEqual: 'Expected values to be loosely deep-equal:',
  notDeepStrictEqual: 'Expected "actual" not to be strictly deep-equal to:',
  notStrictEqual: 'Expected "actual" to be strictly unequal to:',
  notStrictEqualObject: 'Expected "actual" not to be reference-equal to "expected":',
  notDeepEqual: 'Expected "actual" not to be loosely deep-equal to:',
  notIdentical: 'Values identical but not reference-equal:',
  notDeepEqualUnequal: 'Expected values not to be loosely deep-equal:',
};

function isObjectLike(value) {
  return value !== null && (typeof value === 'object' || typeof value === 'function');
}

function generatedMessage(actual, expected, operator) {
  if (operator === 'deepStrictEqual' || operator === 'strictEqual') {
    const actualLines = expandedLines(actual);
    const expectedLines = expandedLines(expected);
    let header = kReadableOperator[operator];
    if (operator === 'strictEqual' && isObjectLike(actual) && isObjectLike(expected)) {
      header = kReadableOperator.strictEqualObject;
    }
    if (actualLines.length === 1 && expectedLines.length === 1 &&
        (!isObjectLike(actual) || !isObjectLike(expected)) &&
        actualLines[0] !== expectedLines[0]) {
      return `${kReadableOperator[operator]}\n\n${actualLines[0]} !== ${expectedLines[0]}\n`;
    }
    if (actualLines.join('\n') === expectedLines.join('\n')) {
      const shown = actualLines.join('\n');
      return operator === 'strictEqual' && isObjectLike(actual) ?
          `Values have same structure but are not reference-equal:\n\n${shown}\n` :
          `${kReadableOperator.notIdentical}\n\n${shown}\n`;
    }
    const { text, skipped } = diff(actualLines, expectedLines);
    return `${header}\n+ actual - expected${skipped ? ' ... Lines skipped' : ''}\n\n${text}`;
  }
  if (operator === 'notDeepStrictEqual' || operator === 'notStrictEqual' ||
      operator === 'notDeepEqual') {
    const lines = expandedLines(actual);
    let header = kReadableOperator[operator];
    if (operator === 'notStrictEqual' && isObjectLike(actual)) {
      header = kReadableOperator.notStrictEqualObject;
    }
    if (lines.length === 1 && !isObjectLike(actual)) {
      return operator === 'notStrictEqual' ? `${header} ${lines[0]}` : `${header}\n\n${lines[0]}`;
    }
    return `${header}\n\n${lines.join('\n')}\n`;
  }
  if (operator === 'deepEqual') {
    return `${kReadableOperator.deepEqual}\n\n${expandedLines(actual).join('\n')}\n\n` +
        `should loosely deep-equal\n\n${expandedLines(expected).join('\n')}`;
  }
  return `${inspect(actual)} ${operator} ${inspect(expected)}`;
}

class AssertionError extends Error {
  constructor(options) {
    if (options === null || typeof options !== 'object') {
      const error = new TypeError('The "options" argument must be of type object. Received ' +
                                  (options === null ? 'null' : `type ${typeof options}`));
      error.code = 'ERR_INVALID_ARG_TYPE';
      throw error;
    }
    const { message, actual, expected, operator } = options;
    if (message !== undefined && message !== null) {
      super(String(message));
    } else {
      super(generatedMessage(actual, expected, operator));
    }
    this.generatedMessage = message === undefined || message === null;
    Object.defineProperty(this, 'name', {
      value: 'AssertionError [ERR_ASSERTION]', enumerable: false, writable: true,
      configurable: true,
    });
    this.code = 'ERR_ASSERTION';
    this.actual = actual;
    this.expected = expected;
    this.operator = operator;
    if (typeof Error.captureStackTrace === 'function') {
      Error.captureStackTrace(this, options.stackStartFn || options.stackStartFunction);
    }
    void this.stack;  // the stack names the class as it was built
    this.name = 'AssertionError';
  }

  toString() {
    return `${this.name} [${this.code}]: ${this.message}`;
  }
}

function fail(options) {
  if (options.message instanceof Error) throw options.message;
  throw new AssertionError(options);
}

function innerOk(fn, argLength, value, message) {
  if (value) return;
  let generated = message;
  if (argLength === 0) {
    generated = 'No value argument passed to `assert.ok()`';
  } else if (message === undefined || message === null) {
    generated = `${inspect(value)} == true`;
  } else if (message instanceof Error) {
    throw message;
  }
  const error = new AssertionError({
    actual: value, expected: true, message: generated, operator: '==', stackStartFn: fn,
  });
  error.generatedMessage = message === undefined || message === null;
  throw error;
}

function ok(...args) {
  innerOk(ok, args.length, ...args);
}

function equal(actual, expected, message) {
  // eslint-disable-next-line eqeqeq
  if (!(actual == expected || (Number.isNaN(actual) && Number.isNaN(expected)))) {
    fail({ actual, expected, message, operator: '==', stackStartFn: equal });
  }
}

function notEqual(actual, expected, message) {
  // eslint-disable-next-line eqeqeq
  if (actual == expected || (Number.isNaN(actual) && Number.isNaN(expected))) {
    fail({ actual, expected, message, operator: '!=', stackStartFn: notEqual });
  }
}

function strictEqual(actual, expected, message) {
  if (!Object.is(actual, expected)) {
    fail({ actual, expected, message, operator: 'strictEqual', stackStartFn: strictEqual });
  }
}

function notStrictEqual(actual, expected, message) {
  if (Object.is(actual, expected)) {
    fail({ actual, expected, message, operator: 'notStrictEqual', stackStartFn: notStrictEqual });
  }
}

function deepStrictEqual(actual, expected, message) {
  if (!deepEqual(actual, expected, true)) {
    fail({ actual, expected, message, operator: 'deepStrictEqual', stackStartFn: deepStrictEqual });
  }
}

function notDeepStrictEqual(actual, expected, message) {
  if (deepEqual(actual, expected, true)) {
    fail({ actual, expected, message, operator: 'notDeepStrictEqual',
           stackStartFn: notDeepStrictEqual });
  }
}

function looseDeepEqual(actual, expected, message) {
  if (!deepEqual(actual, expected, false)) {
    fail({ actual, expected, message, operator: 'deepEqual', stackStartFn: looseDeepEqual });
  }
}

function notLooseDeepEqual(actual, expected, message) {
  if (deepEqual(actual, expected, false)) {
    fail({ actual, expected, message, operator: 'notDeepEqual', stackStartFn: notLooseDeepEqual });
  }
}

const { invalidArgType } = require('internal/node_errors');

// Whether `actual` (what was thrown) matches `expected` (a class, a
// RegExp, a validation function or an object of properties); throws the
// AssertionError Node gives when it does not.
function expectedException(actual, expected, message, fn) {
  const generated = message === undefined;
  const fail = (options) => {
    const error = new AssertionError(options);
    error.generatedMessage = generated;
    throw error;
  };
  if (typeof expected === 'function') {
    if (expected.prototype !== undefined && actual instanceof expected) return;
    if (Error.isPrototypeOf(expected) || expected === Error) {
      if (message === undefined) {
        message = 'The error is expected to be an instance of ' +
            `"${expected.name}". Received ` +
            (isObjectLike(actual) && actual.constructor ? `"${actual.constructor.name}"` :
                `"${inspect(actual)}"`);
        if (isObjectLike(actual) && actual.message !== undefined) {
          message += `\n\nError message:\n\n${actual.message}`;
        }
      }
      fail({ actual, expected, message, operator: fn.name, stackStartFn: fn });
    }
    const result = expected.call({}, actual);
    if (result !== true) {
      if (message === undefined) {
        const name = expected.name ? `"${expected.name}" ` : '';
        message = `The ${name}validation function is expected to return "true". ` +
            `Received ${inspect(result)}`;
        if (actual instanceof Error) message += `\n\nCaught error:\n\n${actual}`;
      }
      fail({ actual, expected, message, operator: fn.name, stackStartFn: fn });
    }
    return;
  }
  if (util.types.isRegExp(expected)) {
    const text = String(actual);
    if (expected.test(text)) return;
    fail({
      actual, expected, operator: fn.name, stackStartFn: fn,
      message: message !== undefined ? message :
          `The input did not match the regular expression ${inspect(expected)}. ` +
          `Input:\n\n${inspect(text)}\n`,
    });
  }
  if (!isObjectLike(expected)) {
    throw invalidArgType('expected', 'of type function or an instance of Error, RegExp, or ' +
                         'Object', expected);
  }
  const keys = Object.keys(expected);
  if (expected instanceof Error) keys.push('name', 'message');
  if (keys.length === 0) {
    const error = new TypeError("The argument 'error' may not be an empty object. Received {}");
    error.code = 'ERR_INVALID_ARG_VALUE';
    throw error;
  }
  if (!isObjectLike(actual)) {
    fail({
      actual, expected, operator: fn.name, stackStartFn: fn,
      message: generated ? generatedMessage(actual, expected, 'deepStrictEqual') : message,
    });
  }
  for (const key of keys) {
    const want = expected[key];
    const got = isObjectLike(actual) ? actual[key] : undefined;
    if (typeof got === 'string' && util.types.isRegExp(want) && want.test(got)) continue;
    if (isObjectLike(actual) && key in actual && deepEqual(got, want, true)) continue;
    // Report as Node does: a "Comparison" of the keys that were asked for.
    const actualShown = new Comparison(actual, keys);
    const expectedShown = new Comparison(expected, keys, actual);
    fail({
      actual, expected, operator: fn.name, stackStartFn: fn,
      message: message !== undefined ? message :
          generatedMessage(actualShown, expectedShown, 'deepStrictEqual'),
    });
  }
}

class Comparison {
  constructor(object, keys, actual) {
    for (const key of keys) {
      if (key in object) {
        this[key] = actual !== undefined && typeof actual[key] === 'string' &&
            util.types.isRegExp(object[key]) && object[key].test(actual[key]) ?
            actual[key] : object[key];
      }
    }
  }
}

const kNoException = Symbol('no exception');

function getActual(fn) {
  if (typeof fn !== 'function') throw invalidArgType('fn', 'of type function', fn);
  try {
    fn();
  } catch (error) {
    return error;
  }
  return kNoException;
}

async function waitActual(promiseFn) {
  let promise;
  if (typeof promiseFn === 'function') {
    promise = promiseFn();
    if (!util.types.isPromise(promise) && !(isObjectLike(promise) &&
                                             typeof promise.then === 'function')) {
      const error = new TypeError('Expected instance of Promise to be returned from the ' +
                                  `"promiseFn" function but got ${inspect(promise)}.`);
      error.code = 'ERR_INVALID_RETURN_VALUE';
      throw error;
    }
  } else if (isObjectLike(promiseFn) && typeof promiseFn.then === 'function') {
    promise = promiseFn;
  } else {
    throw invalidArgType('promiseFn', 'of type function or an instance of Promise', promiseFn);
  }
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return kNoException;
}

function expectsError(fn, actual, error, message) {
  if (typeof error === 'string') {
    message = error;
    error = undefined;
  }
  if (actual === kNoException) {
    let details = '';
    if (error && error.name) details += ` (${error.name})`;
    details += message ? `: ${message}` : '.';
    const kind = fn === rejects ? 'rejection' : 'exception';
    fail({
      actual: undefined, expected: error, operator: fn.name, stackStartFn: fn,
      message: `Missing expected ${kind}${details}`,
    });
  }
  if (error !== undefined) expectedException(actual, error, message, fn);
}

function expectsNoError(fn, actual, error, message) {
  if (actual === kNoException) return;
  if (typeof error === 'string') {
    message = error;
    error = undefined;
  }
  if (error === undefined || (typeof error === 'function' && actual instanceof error) ||
      (util.types.isRegExp(error) && error.test(String(actual)))) {
    const details = message ? `: ${message}` : '.';
    const kind = fn === doesNotReject ? 'rejection' : 'exception';
    fail({
      actual, expected: error, operator: fn.name, stackStartFn: fn,
      message: `Got unwanted ${kind}${details}\nActual message: ` +
          `"${actual && actual.message}"`,
    });
  }
  throw actual;
}

function throws(promiseFn, ...args) {
  expectsError(throws, getActual(promiseFn), ...args);
}

async function rejects(promiseFn, ...args) {
  expectsError(rejects, await waitActual(promiseFn), ...args);
}

function doesNotThrow(fn, ...args) {
  expectsNoError(doesNotThrow, getActual(fn), ...args);
}

async function doesNotReject(fn, ...args) {
  expectsNoError(doesNotReject, await waitActual(fn), ...args);
}

function ifError(err) {
  if (err === null || err === undefined) return;
  let message = 'ifError got unwanted exception: ';
  if (isObjectLike(err) && typeof err.message === 'string') {
    message += err.message.length === 0 && err.constructor ? err.constructor.name : err.message;
  } else {
    message += inspect(err);
  }
  const error = new AssertionError({
    actual: err, expected: null, operator: 'ifError', message, stackStartFn: ifError,
  });
  error.generatedMessage = false;
  throw error;
}

function matches(fn, string, regexp, message, negate) {
  if (!util.types.isRegExp(regexp)) throw invalidArgType('regexp', 'an instance of RegExp', regexp);
  if (typeof string !== 'string' || regexp.test(string) === negate) {
    if (message instanceof Error) throw message;
    const generated = message === undefined;
    if (generated) {
      message = typeof string !== 'string' ?
          'The "string" argument must be of type string. Received type ' +
              `${typeof string} (${inspect(string)})` :
          (negate ? 'The input was expected to not match the regular expression ' :
              'The input did not match the regular expression ') +
              `${inspect(regexp)}. Input:\n\n${inspect(string)}\n`;
    }
    const error = new AssertionError({
      actual: string, expected: regexp, message, operator: fn.name, stackStartFn: fn,
    });
    error.generatedMessage = generated;
    throw error;
  }
}

function match(string, regexp, message) {
  matches(match, string, regexp, message, false);
}

function doesNotMatch(string, regexp, message) {
  matches(doesNotMatch, string, regexp, message, true);
}

function failCall(actual, expected, message, operator, stackStartFn) {
  if (arguments.length === 0) {
    message = 'Failed';
  } else if (arguments.length === 1) {
    message = actual;
    actual = undefined;
  } else if (arguments.length === 2) {
    operator = '!=';
  }
  if (message instanceof Error) throw message;
  const error = new AssertionError({
    actual, expected, operator: operator === undefined ? 'fail' : operator,
    stackStartFn: stackStartFn || failCall, message,
  });
  if (arguments.length < 2) error.generatedMessage = arguments.length === 0;
  throw error;
}

const assert = function assert(...args) {
  innerOk(assert, args.length, ...args);
};

Object.assign(assert, {
  AssertionError,
  ok,
  fail: failCall,
  equal,
  notEqual,
  strictEqual,
  notStrictEqual,
  deepEqual: looseDeepEqual,
  notDeepEqual: notLooseDeepEqual,
  deepStrictEqual,
  notDeepStrictEqual,
  throws,
  rejects,
  doesNotThrow,
  doesNotReject,
  ifError,
  match,
  doesNotMatch,
});

// assert/strict: the same assertions with the loose ones made strict.
const strict = function strict(...args) {
  innerOk(strict, args.length, ...args);
};
Object.assign(strict, assert, {
  equal: strictEqual,
  notEqual: notStrictEqual,
  deepEqual: deepStrictEqual,
  notDeepEqual: notDeepStrictEqual,
});
strict.strict = strict;
assert.strict = strict;

module.exports = assert;
