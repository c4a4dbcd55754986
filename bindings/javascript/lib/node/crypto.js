// node:crypto, the part that grants no authority: randomness (bytes from
// web/crypto's source, the operating system) and hashing through OpenSSL's
// libcrypto (createHash, createHmac, hash). A Hash keeps the chunks it is
// given and digests them in one native call at digest(), so nothing native
// outlives a call. No ciphers, keys, signatures or KDFs, and Hash/Hmac are
// not streams (there is no node:stream).
'use strict';

const { Buffer } = require('node/buffer');
const web = require('web/crypto');

const { nodeError, invalidArgType } = require('internal/node_errors');

function toBytes(data, encoding, name) {
  if (typeof data === 'string') return Buffer.from(data, encoding);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw invalidArgType(name, 'of type string or an instance of Buffer, TypedArray, or DataView',
                       data);
}

function encodeDigest(bytes, encoding) {
  const buffer = Buffer.from(bytes);
  return encoding === undefined || encoding === 'buffer' ? buffer : buffer.toString(encoding);
}

// ---- randomness ----

const kMaxChunk = 65536;  // getRandomValues's limit per call

function randomFillSync(buffer, offset = 0, size) {
  if (!ArrayBuffer.isView(buffer) && !(buffer instanceof ArrayBuffer)) {
    throw invalidArgType('buf', 'an instance of ArrayBuffer or ArrayBufferView', buffer);
  }
  const bytes = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) :
      new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (size === undefined) size = bytes.length - offset;
  if (offset < 0 || offset > bytes.length) {
    throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', 'The value of "offset" is out of range. ' +
                    `It must be >= 0 && <= ${bytes.length}. Received ${offset}`);
  }
  if (size < 0 || offset + size > bytes.length) {
    throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', 'The value of "size + offset" is out of ' +
                    `range. It must be <= ${bytes.length}. Received ${size + offset}`);
  }
  for (let at = offset; at < offset + size; at += kMaxChunk) {
    web.getRandomValues(bytes.subarray(at, Math.min(offset + size, at + kMaxChunk)));
  }
  return buffer;
}

function randomFill(buffer, offset, size, callback) {
  if (typeof offset === 'function') {
    callback = offset;
    offset = 0;
    size = undefined;
  } else if (typeof size === 'function') {
    callback = size;
    size = undefined;
  }
  if (typeof callback !== 'function') throw invalidArgType('callback', 'of type function', callback);
  randomFillSync(buffer, offset, size);
  queueMicrotask(() => callback(null, buffer));
}

function randomBytes(size, callback) {
  if (typeof size !== 'number' || !(size >= 0 && size <= 2 ** 31 - 1)) {
    if (typeof size !== 'number') throw invalidArgType('size', 'of type number', size);
    throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', 'The value of "size" is out of range. ' +
                    `It must be >= 0 && <= 2147483647. Received ${size}`);
  }
  const bytes = randomFillSync(Buffer.alloc(size));
  if (callback === undefined) return bytes;
  if (typeof callback !== 'function') throw invalidArgType('callback', 'of type function', callback);
  queueMicrotask(() => callback(null, bytes));
}

const kMaxRandomIntRange = 2 ** 48;

// A uniform integer in [min, max) by rejection sampling over 48 random bits.
function randomInt(min, max, callback) {
  if (typeof max === 'undefined' || typeof max === 'function') {
    callback = max;
    max = min;
    min = 0;
  }
  if (!Number.isSafeInteger(min)) throw invalidArgType('min', 'a safe integer', min);
  if (!Number.isSafeInteger(max)) throw invalidArgType('max', 'a safe integer', max);
  if (max <= min) {
    throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', 'The value of "max" is out of range. ' +
                    `It must be greater than the value of "min" (${min}). Received ${max}`);
  }
  const range = max - min;
  if (range > kMaxRandomIntRange) {
    throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', 'The value of "max - min" is out of range. ' +
                    `It must be <= ${kMaxRandomIntRange}. Received ${range}`);
  }
  const limit = kMaxRandomIntRange - (kMaxRandomIntRange % range);
  const bytes = new Uint8Array(6);
  let value;
  do {
    web.getRandomValues(bytes);
    value = bytes.reduce((n, b) => n * 256 + b, 0);
  } while (value >= limit);
  const result = min + (value % range);
  if (callback === undefined) return result;
  if (typeof callback !== 'function') throw invalidArgType('callback', 'of type function', callback);
  queueMicrotask(() => callback(null, result));
}

// ---- hashing ----

const kHashes = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512', 'sha512-224',
  'sha512-256', 'sha3-224', 'sha3-256', 'sha3-384', 'sha3-512', 'shake128', 'shake256'];

function digestBytes(algorithm, chunks, key) {
  const data = Buffer.concat(chunks);
  // Throws "Digest method not supported" (Node's message) for an unknown name.
  return new Uint8Array(native.nodeDigest(algorithm, data, key));
}

function finalized(state) {
  if (state.done) {
    throw nodeError(Error, 'ERR_CRYPTO_HASH_FINALIZED', 'Digest already called');
  }
}

class Hash {
  constructor(algorithm, options, key) {
    if (typeof algorithm !== 'string') throw invalidArgType('algorithm', 'of type string', algorithm);
    this._state = { algorithm, chunks: [], done: false, key };
    // Refuse an unknown algorithm now, as Node does, not at digest().
    digestBytes(algorithm, [], key);
  }
  update(data, encoding) {
    finalized(this._state);
    this._state.chunks.push(Buffer.from(toBytes(data, encoding, 'data')));
    return this;
  }
  digest(encoding) {
    finalized(this._state);
    this._state.done = true;
    return encodeDigest(digestBytes(this._state.algorithm, this._state.chunks, this._state.key),
                        encoding);
  }
  copy() {
    finalized(this._state);
    const copy = Object.create(Object.getPrototypeOf(this));
    copy._state = { ...this._state, chunks: this._state.chunks.slice() };
    return copy;
  }
}
Object.defineProperty(Hash.prototype, '_state', { writable: true, value: undefined });

class Hmac extends Hash {
  constructor(algorithm, key, options) {
    if (key === null || key === undefined) {
      throw invalidArgType('key', 'of type string or an instance of ArrayBuffer, Buffer, ' +
                           'TypedArray, DataView, KeyObject, or CryptoKey', key);
    }
    super(algorithm, options, Buffer.from(toBytes(key, options && options.encoding, 'key')));
  }
}
delete Hmac.prototype.copy;

function createHash(algorithm, options) {
  return new Hash(algorithm, options);
}

function createHmac(algorithm, key, options) {
  return new Hmac(algorithm, key, options);
}

// crypto.hash(algorithm, data, outputEncoding = 'hex'), Node 21's one-shot.
function hash(algorithm, data, outputEncoding = 'hex') {
  if (typeof data !== 'string' && !ArrayBuffer.isView(data)) {
    throw invalidArgType('data', 'of type string or an instance of Buffer, TypedArray, or ' +
                         'DataView', data);
  }
  return encodeDigest(digestBytes(algorithm, [toBytes(data, 'utf8', 'data')]), outputEncoding);
}

function timingSafeEqual(a, b) {
  if (!ArrayBuffer.isView(a) && !(a instanceof ArrayBuffer)) {
    throw invalidArgType('buf1', 'an instance of ArrayBuffer, Buffer, TypedArray, or DataView', a);
  }
  if (!ArrayBuffer.isView(b) && !(b instanceof ArrayBuffer)) {
    throw invalidArgType('buf2', 'an instance of ArrayBuffer, Buffer, TypedArray, or DataView', b);
  }
  const x = toBytes(a, undefined, 'buf1');
  const y = toBytes(b, undefined, 'buf2');
  if (x.length !== y.length) {
    throw nodeError(RangeError, 'ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH',
                    'Input buffers must have the same byte length');
  }
  let difference = 0;
  for (let i = 0; i < x.length; i++) difference |= x[i] ^ y[i];
  return difference === 0;
}

module.exports = {
  randomBytes,
  pseudoRandomBytes: randomBytes,
  randomFillSync,
  randomFill,
  randomInt,
  randomUUID: (options) => web.randomUUID(options),
  getRandomValues: (array) => web.getRandomValues(array),
  webcrypto: web.crypto,
  createHash,
  createHmac,
  Hash,
  Hmac,
  hash,
  getHashes: () => kHashes.slice(),
  timingSafeEqual,
  constants: {},
};
