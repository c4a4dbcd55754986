'use strict';
// The errors Node's built-ins throw (lib/node/*): the codes and the message
// formats of Node's lib/internal/errors.js, so a message a package matches
// on reads the same.

function nodeError(Type, code, message) {
  const error = new Type(message);
  error.code = code;
  return error;
}

function inspect(value) {
  return require('internal/inspect').inspect(value);
}

// What Node's messages say a value was ("Received ...").
function received(value) {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'function') return `function ${value.name}`;
  if (typeof value === 'object') {
    const name = value.constructor && value.constructor.name;
    return name ? `an instance of ${name}` : inspect(value);
  }
  let shown = inspect(value);
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return `type ${typeof value} (${shown})`;
}

function invalidArgType(name, expected, value) {
  const subject = name.endsWith(' argument') ? `The ${name}` :
      `The "${name}" ${name.includes('.') ? 'property' : 'argument'}`;
  return nodeError(TypeError, 'ERR_INVALID_ARG_TYPE',
                   `${subject} must be ${expected}. Received ${received(value)}`);
}

function withSeparators(digits) {
  let out = '';
  let i = digits.length;
  const start = digits[0] === '-' ? 1 : 0;
  for (; i >= start + 4; i -= 3) out = `_${digits.slice(i - 3, i)}${out}`;
  return `${digits.slice(0, i)}${out}`;
}

// Node prints big numbers in range errors with _ separators.
function shownNumber(value) {
  if (typeof value === 'bigint') {
    return `${value > 2n ** 32n || value < -(2n ** 32n) ? withSeparators(String(value)) :
        String(value)}n`;
  }
  if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) > 2 ** 32) {
    return withSeparators(String(value));
  }
  return inspect(value);
}

function outOfRange(name, range, value) {
  return nodeError(RangeError, 'ERR_OUT_OF_RANGE',
                   `The value of "${name}" is out of range. It must be ${range}. ` +
                   `Received ${shownNumber(value)}`);
}

// Node's validateNumber(value, name, min, max).
function validateNumber(value, name, min, max) {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if ((min !== undefined && value < min) || (max !== undefined && value > max) ||
      ((min !== undefined || max !== undefined) && Number.isNaN(value))) {
    const range = min !== undefined && max !== undefined ? `>= ${min} && <= ${max}` :
        min !== undefined ? `>= ${min}` : `<= ${max}`;
    throw outOfRange(name, range, value);
  }
}

module.exports = { nodeError, received, invalidArgType, outOfRange, validateNumber };
