'use strict';
// crypto.getRandomValues and crypto.randomUUID (WebCrypto), with bytes from
// the operating system. There is no crypto.subtle.

const { DOMException } = require('web/dom_exception');

const kMaxBytes = 65536;
const typedArrayTag =
    Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype),
                                    Symbol.toStringTag).get;
const integerArrays = new Set([
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array',
  'Uint32Array', 'BigInt64Array', 'BigUint64Array',
]);

function getRandomValues(array) {
  if (arguments.length === 0) {
    throw new TypeError('crypto.getRandomValues: 1 argument required, but only 0 present');
  }
  const tag = ArrayBuffer.isView(array) ? typedArrayTag.call(array) : undefined;
  if (!integerArrays.has(tag)) {
    throw new DOMException(
        'The data argument must be an integer-type TypedArray', 'TypeMismatchError');
  }
  if (array.byteLength > kMaxBytes) {
    throw new DOMException(
        `The ArrayBufferView's byte length (${array.byteLength}) exceeds the number of ` +
        `bytes of entropy available via this API (${kMaxBytes})`, 'QuotaExceededError');
  }
  native.randomBytes(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  return array;
}

const hex = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function randomUUID() {
  const bytes = new Uint8Array(16);
  native.randomBytes(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;  // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80;  // variant 10
  let out = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) out += '-';
    out += hex[bytes[i]];
  }
  return out;
}

const kConstruct = Symbol('Crypto construction');

class Crypto {
  constructor(token) {
    if (token !== kConstruct) throw new TypeError('Illegal constructor');
  }
  getRandomValues(array) {
    return getRandomValues.apply(undefined, arguments);
  }
  randomUUID() {
    return randomUUID();
  }
}
Object.defineProperty(Crypto.prototype, Symbol.toStringTag, { value: 'Crypto', configurable: true });

exports.crypto = new Crypto(kConstruct);
exports.Crypto = Crypto;
exports.getRandomValues = getRandomValues;
exports.randomUUID = randomUUID;
