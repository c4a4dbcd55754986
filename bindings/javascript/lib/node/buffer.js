// node:buffer: Buffer (a Uint8Array subclass, as in Node) with Node's
// encodings (utf8, hex, base64, base64url, latin1/binary, ascii,
// utf16le/ucs2), the integer/float/BigInt readers and writers, search,
// compare, fill and copy. Pure JavaScript over typed arrays, but for UTF-8.
'use strict';

const kMaxLength = 2 ** 32;
const kStringMaxLength = (1 << 29) - 24;

const { nodeError, received, invalidArgType, outOfRange } = require('internal/node_errors');
const webNatives = require('web/natives');

function typeError(code, message) {
  return nodeError(TypeError, code, message);
}

function rangeError(code, message) {
  return nodeError(RangeError, code, message);
}

// ---- encodings ----

function normalizeEncoding(encoding) {
  if (encoding === undefined || encoding === null || encoding === '') return 'utf8';
  switch (String(encoding).toLowerCase()) {
    case 'utf8':
    case 'utf-8':
      return 'utf8';
    case 'hex':
      return 'hex';
    case 'base64':
      return 'base64';
    case 'base64url':
      return 'base64url';
    case 'latin1':
    case 'binary':
      return 'latin1';
    case 'ascii':
      return 'ascii';
    case 'ucs2':
    case 'ucs-2':
    case 'utf16le':
    case 'utf-16le':
      return 'utf16le';
    default:
      return undefined;
  }
}

function checkEncoding(encoding) {
  const normalized = normalizeEncoding(encoding);
  if (normalized === undefined) {
    throw typeError('ERR_UNKNOWN_ENCODING', `Unknown encoding: ${encoding}`);
  }
  return normalized;
}

// UTF-8 goes through V8 (web_natives.cc), as in Node: a lone surrogate is
// written as U+FFFD, and decoding replaces each maximal invalid
// subsequence with one U+FFFD.
function utf8Encode(string) {
  const out = new Uint8Array(webNatives.utf8Length(string));
  webNatives.encodeUtf8Into(string, out);
  return out;
}

function utf8Length(string) {
  return webNatives.utf8Length(string);
}

function utf8Decode(bytes, start, end) {
  return webNatives.decodeUtf8(new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start),
                           false);
}

function latin1Decode(bytes, start, end, mask) {
  const part = bytes.subarray(start, end);
  return codesToString(mask ? part.map((b) => b & 0x7f) : part, part.length);
}

// Strings are built from char codes 8192 at a time: per-character string
// concatenation is several times slower on large buffers.
function codesToString(codes, length) {
  let out = '';
  for (let i = 0; i < length; i += 8192) {
    out += String.fromCharCode.apply(null, codes.subarray(i, Math.min(length, i + 8192)));
  }
  return out;
}

const kHexCodes = new Uint8Array(Array.from('0123456789abcdef', (c) => c.charCodeAt(0)));

function hexDecode(bytes, start, end) {
  const codes = new Uint16Array((end - start) * 2);
  for (let i = start, at = 0; i < end; i++) {
    codes[at++] = kHexCodes[bytes[i] >> 4];
    codes[at++] = kHexCodes[bytes[i] & 15];
  }
  return codesToString(codes, codes.length);
}

function utf16Decode(bytes, start, end) {
  const codes = new Uint16Array((end - start) >> 1);
  for (let i = 0; i < codes.length; i++) {
    codes[i] = bytes[start + 2 * i] | (bytes[start + 2 * i + 1] << 8);
  }
  return codesToString(codes, codes.length);
}

const kBase64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const kBase64Url = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const kBase64Codes = new Uint8Array(Array.from(kBase64, (c) => c.charCodeAt(0)));
const kBase64UrlCodes = new Uint8Array(Array.from(kBase64Url, (c) => c.charCodeAt(0)));
const kBase64Values = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) kBase64Values[kBase64.charCodeAt(i)] = i;
kBase64Values['-'.charCodeAt(0)] = 62;  // Node decodes both alphabets
kBase64Values['_'.charCodeAt(0)] = 63;

function base64Encode(bytes, start, end, url) {
  const alphabet = url ? kBase64UrlCodes : kBase64Codes;
  const codes = new Uint16Array(Math.ceil((end - start) / 3) * 4);
  let at = 0;
  let i = start;
  for (; i + 2 < end; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    codes[at++] = alphabet[n >> 18];
    codes[at++] = alphabet[(n >> 12) & 63];
    codes[at++] = alphabet[(n >> 6) & 63];
    codes[at++] = alphabet[n & 63];
  }
  if (i < end) {
    const n = (bytes[i] << 16) | (i + 1 < end ? bytes[i + 1] << 8 : 0);
    codes[at++] = alphabet[n >> 18];
    codes[at++] = alphabet[(n >> 12) & 63];
    if (i + 1 < end) codes[at++] = alphabet[(n >> 6) & 63];
    if (!url) {
      codes[at++] = 61;  // '='
      if (i + 1 >= end) codes[at++] = 61;
    }
  }
  return codesToString(codes, at);
}

// Node's lenient decoder: characters outside the alphabet are skipped,
// decoding stops at the first '='.
function base64Decode(string) {
  const values = new Uint8Array(string.length);
  let count = 0;
  for (let i = 0; i < string.length; i++) {
    const c = string.charCodeAt(i);
    if (c === 61) break;
    const v = c < 128 ? kBase64Values[c] : -1;
    if (v >= 0) values[count++] = v;
  }
  const out = new Uint8Array(Math.floor(count * 3 / 4));
  let at = 0;
  let i = 0;
  for (; i + 3 < count; i += 4) {
    const n = (values[i] << 18) | (values[i + 1] << 12) | (values[i + 2] << 6) | values[i + 3];
    out[at++] = n >> 16;
    out[at++] = (n >> 8) & 255;
    out[at++] = n & 255;
  }
  const rest = count - i;
  if (rest >= 2) {
    const n = (values[i] << 18) | (values[i + 1] << 12) | (rest > 2 ? values[i + 2] << 6 : 0);
    out[at++] = n >> 16;
    if (rest > 2) out[at++] = (n >> 8) & 255;
  }
  return out.subarray(0, at);
}

function hexValue(c) {
  if (c >= 48 && c <= 57) return c - 48;
  c |= 0x20;
  return c >= 97 && c <= 102 ? c - 87 : -1;
}

function hexEncode(string) {
  const out = new Uint8Array(string.length >>> 1);
  let i = 0;
  for (; i < out.length; i++) {
    const high = hexValue(string.charCodeAt(2 * i));
    const low = hexValue(string.charCodeAt(2 * i + 1));
    if (high < 0 || low < 0) break;  // Node stops at the first bad pair
    out[i] = high * 16 + low;
  }
  return out.subarray(0, i);
}

function stringToBytes(string, encoding) {
  switch (encoding) {
    case 'utf8':
      return utf8Encode(string);
    case 'hex':
      return hexEncode(string);
    case 'base64':
    case 'base64url':
      return base64Decode(string);
    case 'latin1':
    case 'ascii': {
      const out = new Uint8Array(string.length);
      for (let i = 0; i < string.length; i++) out[i] = string.charCodeAt(i) & 255;
      return out;
    }
    case 'utf16le': {
      const out = new Uint8Array(string.length * 2);
      for (let i = 0; i < string.length; i++) {
        const c = string.charCodeAt(i);
        out[2 * i] = c & 255;
        out[2 * i + 1] = c >> 8;
      }
      return out;
    }
  }
  throw typeError('ERR_UNKNOWN_ENCODING', `Unknown encoding: ${encoding}`);
}

function bytesToString(bytes, encoding, start, end) {
  switch (encoding) {
    case 'utf8':
      return utf8Decode(bytes, start, end);
    case 'hex':
      return hexDecode(bytes, start, end);
    case 'base64':
      return base64Encode(bytes, start, end, false);
    case 'base64url':
      return base64Encode(bytes, start, end, true);
    case 'latin1':
      return latin1Decode(bytes, start, end, false);
    case 'ascii':
      return latin1Decode(bytes, start, end, true);
    case 'utf16le':
      return utf16Decode(bytes, start, end);
  }
  throw typeError('ERR_UNKNOWN_ENCODING', `Unknown encoding: ${encoding}`);
}

// ---- Buffer ----

class FastBuffer extends Uint8Array {
  // A constructor with no arguments keeps Uint8Array's (buffer, offset, length).
}

function Buffer(arg, encodingOrOffset, length) {
  if (typeof arg === 'number') {
    if (typeof encodingOrOffset === 'string') {
      throw invalidArgType('string', 'of type string', arg);
    }
    return Buffer.alloc(arg);
  }
  return Buffer.from(arg, encodingOrOffset, length);
}
Object.defineProperty(Buffer, Symbol.species, { get() { return FastBuffer; } });
Buffer.prototype = FastBuffer.prototype;
Object.defineProperty(FastBuffer.prototype, 'constructor', {
  value: Buffer, writable: true, enumerable: false, configurable: true,
});
Object.setPrototypeOf(Buffer, Uint8Array);

Buffer.poolSize = 8 * 1024;

function fromBytes(bytes) {
  const out = new FastBuffer(bytes.length);
  out.set(bytes);
  return out;
}

function checkSize(size) {
  if (typeof size !== 'number') throw invalidArgType('size', 'of type number', size);
  if (!(size >= 0 && size <= kMaxLength)) {
    throw rangeError('ERR_OUT_OF_RANGE', 'The value of "size" is out of range. ' +
                     `It must be >= 0 && <= ${kMaxLength}. Received ${size}`);
  }
}

Buffer.from = function from(value, encodingOrOffset, length) {
  if (typeof value === 'string') {
    return fromBytes(stringToBytes(value, checkEncoding(encodingOrOffset)));
  }
  if (typeof value === 'object' && value !== null) {
    if (value instanceof ArrayBuffer ||
        (typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer)) {
      const offset = encodingOrOffset === undefined ? 0 : +encodingOrOffset || 0;
      if (offset > value.byteLength) {
        throw rangeError('ERR_BUFFER_OUT_OF_BOUNDS', '"offset" is outside of buffer bounds');
      }
      const count = length === undefined ? value.byteLength - offset : +length || 0;
      if (offset + count > value.byteLength) {
        throw rangeError('ERR_BUFFER_OUT_OF_BOUNDS', '"length" is outside of buffer bounds');
      }
      return new FastBuffer(value, offset, count);
    }
    if (ArrayBuffer.isView(value)) {
      if (value instanceof Uint8Array) return fromBytes(value);
      // Other typed arrays copy element by element (truncated to bytes), as in Node.
      const out = new FastBuffer(value.length);
      for (let i = 0; i < value.length; i++) out[i] = Number(value[i]);
      return out;
    }
    const primitive = value.valueOf && value.valueOf();
    if (primitive != null && primitive !== value) {
      return Buffer.from(primitive, encodingOrOffset, length);
    }
    if (typeof value.length === 'number' || Array.isArray(value)) {
      const out = new FastBuffer(value.length >>> 0);
      for (let i = 0; i < out.length; i++) out[i] = value[i];
      return out;
    }
    if (value.type === 'Buffer' && Array.isArray(value.data)) return fromBytes(value.data);
    if (typeof value[Symbol.toPrimitive] === 'function') {
      return Buffer.from(value[Symbol.toPrimitive]('string'), encodingOrOffset, length);
    }
  }
  throw invalidArgType('first argument',
                       'of type string or an instance of Buffer, ArrayBuffer, or Array ' +
                       'or an Array-like Object', value);
};

Buffer.of = function of(...items) {
  return fromBytes(items);
};

Buffer.alloc = function alloc(size, fill, encoding) {
  checkSize(size);
  const out = new FastBuffer(size);
  if (fill !== undefined && fill !== 0 && size > 0) out.fill(fill, 0, size, encoding);
  return out;
};

// No pooled, uninitialised memory here: the bytes are zeroed, which Node permits.
Buffer.allocUnsafe = function allocUnsafe(size) {
  checkSize(size);
  return new FastBuffer(size);
};
Buffer.allocUnsafeSlow = Buffer.allocUnsafe;

Buffer.isBuffer = function isBuffer(value) {
  return value instanceof Buffer;
};

Buffer.isEncoding = function isEncoding(encoding) {
  return typeof encoding === 'string' && encoding.length !== 0 &&
      normalizeEncoding(encoding) !== undefined;
};

Buffer.byteLength = function byteLength(string, encoding) {
  if (typeof string !== 'string') {
    if (ArrayBuffer.isView(string) || string instanceof ArrayBuffer) return string.byteLength;
    throw invalidArgType('string', 'of type string or an instance of Buffer or ArrayBuffer',
                         string);
  }
  const normalized = normalizeEncoding(encoding) || 'utf8';
  switch (normalized) {
    case 'utf8':
      return utf8Length(string);
    case 'utf16le':
      return string.length * 2;
    case 'latin1':
    case 'ascii':
      return string.length;
    case 'hex':
      return string.length >>> 1;
    default:
      return base64ByteLength(string);
  }
};

function base64ByteLength(string) {
  let length = string.length;
  if (length > 0 && string.charCodeAt(length - 1) === 61) length--;
  if (length > 1 && string.charCodeAt(length - 1) === 61) length--;
  return (length * 3) >>> 2;
}

function checkBytes(value, name) {
  if (!(value instanceof Uint8Array)) {
    throw invalidArgType(name, 'an instance of Buffer or Uint8Array', value);
  }
}

function compareBytes(a, b) {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

Buffer.compare = function compare(a, b) {
  checkBytes(a, 'buf1');
  checkBytes(b, 'buf2');
  return compareBytes(a, b);
};

Buffer.concat = function concat(list, totalLength) {
  if (!Array.isArray(list)) throw invalidArgType('list', 'an instance of Array', list);
  if (list.length === 0) return new FastBuffer(0);
  if (totalLength === undefined) {
    totalLength = 0;
    for (let i = 0; i < list.length; i++) {
      checkBytes(list[i], `list[${i}]`);
      totalLength += list[i].length;
    }
  }
  const out = Buffer.alloc(totalLength);
  let at = 0;
  for (let i = 0; i < list.length && at < totalLength; i++) {
    checkBytes(list[i], `list[${i}]`);
    const item = list[i];
    const count = Math.min(item.length, totalLength - at);
    out.set(count === item.length ? item : item.subarray(0, count), at);
    at += count;
  }
  return out;
};

Buffer.copyBytesFrom = function copyBytesFrom(view, offset = 0, length) {
  const end = length === undefined ? view.length : offset + length;
  const slice = view.slice(offset, end);
  return fromBytes(new Uint8Array(slice.buffer, slice.byteOffset, slice.byteLength));
};

const proto = Buffer.prototype;

function clampRange(buffer, start, end) {
  start = start === undefined ? 0 : Math.trunc(+start) || 0;
  end = end === undefined ? buffer.length : Math.trunc(+end) || 0;
  if (start < 0) start = 0;
  if (end > buffer.length) end = buffer.length;
  return [start, end];
}

proto.toString = function toString(encoding, start, end) {
  if (arguments.length === 0) return utf8Decode(this, 0, this.length);
  [start, end] = clampRange(this, start, end);
  if (end <= start) return '';
  return bytesToString(this, checkEncoding(encoding), start, end);
};
proto.toLocaleString = proto.toString;

proto.write = function write(string, offset, length, encoding) {
  if (typeof string !== 'string') throw invalidArgType('argument', 'of type string', string);
  if (typeof offset === 'string') {
    encoding = offset;
    offset = 0;
    length = this.length;
  } else if (typeof length === 'string') {
    encoding = length;
    length = undefined;
  }
  offset = offset === undefined ? 0 : offset >>> 0;
  if (offset > this.length) {
    throw rangeError('ERR_BUFFER_OUT_OF_BOUNDS', '"offset" is outside of buffer bounds');
  }
  const remaining = this.length - offset;
  length = length === undefined ? remaining : Math.min(remaining, length >>> 0);
  const normalized = checkEncoding(encoding);
  let bytes = stringToBytes(string, normalized);
  if (bytes.length > length) {
    let cut = length;
    if (normalized === 'utf8') {
      while (cut > 0 && (bytes[cut] & 0xc0) === 0x80) cut--;  // whole characters only
    } else if (normalized === 'utf16le') {
      cut -= cut % 2;
    }
    bytes = bytes.subarray(0, cut);
  }
  this.set(bytes, offset);
  return bytes.length;
};

proto.toJSON = function toJSON() {
  return { type: 'Buffer', data: Array.from(this) };
};

proto.equals = function equals(other) {
  checkBytes(other, 'otherBuffer');
  return this === other || compareBytes(this, other) === 0;
};

proto.compare = function compare(target, targetStart, targetEnd, sourceStart, sourceEnd) {
  checkBytes(target, 'target');
  const t = target.subarray(targetStart || 0, targetEnd === undefined ? target.length : targetEnd);
  const s = this.subarray(sourceStart || 0, sourceEnd === undefined ? this.length : sourceEnd);
  return compareBytes(s, t);
};

proto.subarray = function subarray(start, end) {
  [start, end] = sliceRange(this, start, end);
  return new FastBuffer(this.buffer, this.byteOffset + start, Math.max(end - start, 0));
};

// Buffer#slice shares memory (unlike Uint8Array#slice), as in Node.
proto.slice = proto.subarray;

function sliceRange(buffer, start, end) {
  const length = buffer.length;
  start = start === undefined ? 0 : Math.trunc(+start) || 0;
  end = end === undefined ? length : Math.trunc(+end) || 0;
  if (start < 0) start = Math.max(length + start, 0);
  else if (start > length) start = length;
  if (end < 0) end = Math.max(length + end, 0);
  else if (end > length) end = length;
  return [start, end];
}

function toNeedle(value, encoding) {
  if (typeof value === 'string') return stringToBytes(value, checkEncoding(encoding));
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'number') return Uint8Array.of(value & 255);
  throw invalidArgType('value', 'one of type number or string or an instance of Buffer or ' +
                       'Uint8Array', value);
}

function search(buffer, value, byteOffset, encoding, forward) {
  if (typeof byteOffset === 'string') {
    encoding = byteOffset;
    byteOffset = undefined;
  }
  const needle = toNeedle(value, encoding);
  const length = buffer.length;
  let from = byteOffset === undefined || byteOffset === null ?
      (forward ? 0 : length) : Math.trunc(+byteOffset);
  if (Number.isNaN(from)) from = forward ? 0 : length;
  if (from < 0) from += length;
  if (forward) {
    if (from < 0) from = 0;
    if (needle.length === 0) return Math.min(from, length);
    for (let i = from; i + needle.length <= length; i++) {
      if (matchesAt(buffer, needle, i)) return i;
    }
  } else {
    if (from < 0) return -1;
    if (needle.length === 0) return Math.min(from, length);
    for (let i = Math.min(from, length - needle.length); i >= 0; i--) {
      if (matchesAt(buffer, needle, i)) return i;
    }
  }
  return -1;
}

function matchesAt(buffer, needle, at) {
  for (let j = 0; j < needle.length; j++) {
    if (buffer[at + j] !== needle[j]) return false;
  }
  return true;
}

proto.indexOf = function indexOf(value, byteOffset, encoding) {
  return search(this, value, byteOffset, encoding, true);
};
proto.lastIndexOf = function lastIndexOf(value, byteOffset, encoding) {
  return search(this, value, byteOffset, encoding, false);
};
proto.includes = function includes(value, byteOffset, encoding) {
  return this.indexOf(value, byteOffset, encoding) !== -1;
};

proto.fill = function fill(value, offset, end, encoding) {
  if (typeof offset === 'string') {
    encoding = offset;
    offset = 0;
    end = this.length;
  } else if (typeof end === 'string') {
    encoding = end;
    end = this.length;
  }
  offset = offset === undefined ? 0 : offset;
  end = end === undefined ? this.length : end;
  if (offset < 0 || end > this.length) {
    throw rangeError('ERR_OUT_OF_RANGE', 'The value of "offset" is out of range.');
  }
  if (end <= offset) return this;
  if (typeof value === 'number' || typeof value === 'boolean') {
    Uint8Array.prototype.fill.call(this, Number(value) & 255, offset, end);
    return this;
  }
  const bytes = typeof value === 'string' ? stringToBytes(value, checkEncoding(encoding)) :
      toNeedle(value);
  if (bytes.length === 0) {
    if (typeof value === 'string' && value.length === 0) {
      Uint8Array.prototype.fill.call(this, 0, offset, end);
      return this;
    }
    throw typeError('ERR_INVALID_ARG_VALUE',
                    `The argument 'value' is invalid. Received ${received(value)}`);
  }
  for (let i = offset, j = 0; i < end; i++, j = (j + 1) % bytes.length) this[i] = bytes[j];
  return this;
};

proto.copy = function copy(target, targetStart, sourceStart, sourceEnd) {
  checkBytes(target, 'target');
  targetStart = targetStart === undefined ? 0 : Math.trunc(targetStart) || 0;
  sourceStart = sourceStart === undefined ? 0 : Math.trunc(sourceStart) || 0;
  sourceEnd = sourceEnd === undefined ? this.length : Math.trunc(sourceEnd) || 0;
  if (targetStart < 0) {
    throw rangeError('ERR_OUT_OF_RANGE', 'The value of "targetStart" is out of range. ' +
                     `It must be >= 0. Received ${targetStart}`);
  }
  if (sourceStart < 0) {
    throw rangeError('ERR_OUT_OF_RANGE', 'The value of "sourceStart" is out of range. ' +
                     `It must be >= 0. Received ${sourceStart}`);
  }
  if (sourceEnd > this.length) sourceEnd = this.length;
  if (targetStart >= target.length || sourceStart >= sourceEnd) return 0;
  const count = Math.min(sourceEnd - sourceStart, target.length - targetStart);
  target.set(this.subarray(sourceStart, sourceStart + count), targetStart);
  return count;
};

function swap(buffer, size) {
  if (buffer.length % size !== 0) {
    throw rangeError('ERR_INVALID_BUFFER_SIZE',
                     `Buffer size must be a multiple of ${size * 8}-bits`);
  }
  for (let i = 0; i < buffer.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = buffer[a];
      buffer[a] = buffer[b];
      buffer[b] = t;
    }
  }
  return buffer;
}
proto.swap16 = function swap16() { return swap(this, 2); };
proto.swap32 = function swap32() { return swap(this, 4); };
proto.swap64 = function swap64() { return swap(this, 8); };

// ---- numeric reads and writes ----

function view(buffer) {
  return new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

function checkOffset(buffer, offset, size) {
  if (offset === undefined) offset = 0;
  if (typeof offset !== 'number') throw invalidArgType('offset', 'of type number', offset);
  if (!Number.isInteger(offset) || offset < 0 || offset + size > buffer.length) {
    if (!Number.isInteger(offset)) throw outOfRange('offset', 'an integer', offset);
    if (buffer.length - size < 0) {
      throw rangeError('ERR_BUFFER_OUT_OF_BOUNDS',
                       'Attempt to access memory outside buffer bounds');
    }
    throw outOfRange('offset', `>= 0 and <= ${buffer.length - size}`, offset);
  }
  return offset;
}

function checkValue(value, min, max, size) {
  if (typeof value !== 'number' && typeof value !== 'bigint') {
    throw invalidArgType('value', 'of type number', value);
  }
  if (value > max || value < min) {
    const n = typeof min === 'bigint' ? 'n' : '';
    let range;
    if (size > 4 || typeof min === 'bigint') {
      range = min === 0 || min === 0n ? `>= 0${n} and < 2${n} ** ${size * 8}${n}` :
          `>= -(2${n} ** ${size * 8 - 1}${n}) and < 2${n} ** ${size * 8 - 1}${n}`;
    } else {
      range = `>= ${min} and <= ${max}`;
    }
    throw outOfRange('value', range, value);
  }
}

const kNumberTypes = [
  // [name, size, DataView getter/setter suffix, min, max]
  ['UInt8', 1, 'Uint8', 0, 0xff],
  ['Int8', 1, 'Int8', -0x80, 0x7f],
  ['UInt16', 2, 'Uint16', 0, 0xffff],
  ['Int16', 2, 'Int16', -0x8000, 0x7fff],
  ['UInt32', 4, 'Uint32', 0, 0xffffffff],
  ['Int32', 4, 'Int32', -0x80000000, 0x7fffffff],
  ['BigUInt64', 8, 'BigUint64', 0n, 0xffffffffffffffffn],
  ['BigInt64', 8, 'BigInt64', -0x8000000000000000n, 0x7fffffffffffffffn],
  ['Float', 4, 'Float32', -Infinity, Infinity],
  ['Double', 8, 'Float64', -Infinity, Infinity],
];

for (const [name, size, dataView, min, max] of kNumberTypes) {
  const getter = `get${dataView}`;
  const setter = `set${dataView}`;
  const endings = size === 1 ? [['', false]] : [['LE', true], ['BE', false]];
  for (const [suffix, little] of endings) {
    const read = function (offset) {
      offset = checkOffset(this, offset, size);
      return view(this)[getter](offset, little);
    };
    const write = function (value, offset) {
      if (name === 'Float' || name === 'Double') {
        if (typeof value !== 'number') throw invalidArgType('value', 'of type number', value);
      } else {
        checkValue(value, min, max, size);
      }
      offset = checkOffset(this, offset, size);
      view(this)[setter](offset, value, little);
      return offset + size;
    };
    for (const alias of name.startsWith('UInt') || name.startsWith('BigUInt') ?
        [name, name.replace('UInt', 'Uint')] : [name]) {
      Object.defineProperty(proto, `read${alias}${suffix}`, {
        value: read, writable: true, configurable: true,
      });
      Object.defineProperty(proto, `write${alias}${suffix}`, {
        value: write, writable: true, configurable: true,
      });
    }
  }
}

function checkByteLength(byteLength) {
  if (!Number.isInteger(byteLength) || byteLength < 1 || byteLength > 6) {
    throw rangeError('ERR_OUT_OF_RANGE', 'The value of "byteLength" is out of range. ' +
                     `It must be >= 1 and <= 6. Received ${byteLength}`);
  }
}

function readVariable(buffer, offset, byteLength, little, signed) {
  checkByteLength(byteLength);
  offset = checkOffset(buffer, offset, byteLength);
  let value = 0;
  for (let i = 0; i < byteLength; i++) {
    value = value * 256 + buffer[offset + (little ? byteLength - 1 - i : i)];
  }
  if (signed && value >= 2 ** (8 * byteLength - 1)) value -= 2 ** (8 * byteLength);
  return value;
}

function writeVariable(buffer, value, offset, byteLength, little, signed) {
  checkByteLength(byteLength);
  const bits = 8 * byteLength;
  if (signed) checkValue(value, -(2 ** (bits - 1)), 2 ** (bits - 1) - 1, byteLength);
  else checkValue(value, 0, 2 ** bits - 1, byteLength);
  offset = checkOffset(buffer, offset, byteLength);
  let rest = value < 0 ? value + 2 ** bits : value;
  for (let i = 0; i < byteLength; i++) {
    buffer[offset + (little ? i : byteLength - 1 - i)] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  return offset + byteLength;
}

for (const [suffix, little] of [['LE', true], ['BE', false]]) {
  for (const [name, signed] of [['UInt', false], ['Uint', false], ['Int', true]]) {
    Object.defineProperty(proto, `read${name}${suffix}`, {
      value(offset, byteLength) {
        return readVariable(this, offset, byteLength, little, signed);
      },
      writable: true,
      configurable: true,
    });
    Object.defineProperty(proto, `write${name}${suffix}`, {
      value(value, offset, byteLength) {
        return writeVariable(this, value, offset, byteLength, little, signed);
      },
      writable: true,
      configurable: true,
    });
  }
}

Object.defineProperty(proto, 'parent', {
  enumerable: true,
  configurable: true,
  get() { return this instanceof Buffer ? this.buffer : undefined; },
});
Object.defineProperty(proto, 'offset', {
  enumerable: true,
  configurable: true,
  get() { return this instanceof Buffer ? this.byteOffset : undefined; },
});

const kInspectMaxBytes = 50;
proto[Symbol.for('nodejs.util.inspect.custom')] = function inspectBuffer() {
  let shown = hexDecode(this, 0, Math.min(this.length, kInspectMaxBytes))
      .replace(/(.{2})/g, '$1 ').trim();
  if (this.length > kInspectMaxBytes) {
    shown += ` ... ${this.length - kInspectMaxBytes} more byte` +
        (this.length - kInspectMaxBytes > 1 ? 's' : '');
  }
  return `<${this.constructor.name} ${shown}>`.replace(' >', '>');
};
proto.inspect = proto[Symbol.for('nodejs.util.inspect.custom')];

function SlowBuffer(size) {
  return Buffer.allocUnsafe(size);
}

function isUtf8(input) {
  const bytes = input instanceof ArrayBuffer ? new Uint8Array(input) :
      new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  return utf8Decode(bytes, 0, bytes.length).indexOf('\ufffd') === -1 ||
      compareBytes(utf8Encode(utf8Decode(bytes, 0, bytes.length)), bytes) === 0;
}

function isAscii(input) {
  const bytes = input instanceof ArrayBuffer ? new Uint8Array(input) :
      new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  return bytes.every((b) => b < 0x80);
}

module.exports = {
  Buffer,
  SlowBuffer,
  kMaxLength,
  kStringMaxLength,
  constants: { MAX_LENGTH: kMaxLength, MAX_STRING_LENGTH: kStringMaxLength },
  INSPECT_MAX_BYTES: kInspectMaxBytes,
  isUtf8,
  isAscii,
  atob(data) { return globalThis.atob(data); },
  btoa(data) { return globalThis.btoa(data); },
  // For string_decoder, which shares the decoders.
  _bytesToString: bytesToString,
  _normalizeEncoding: normalizeEncoding,
};
Object.defineProperty(module.exports, 'Blob', {
  enumerable: true, get() { return globalThis.Blob; },
});
Object.defineProperty(module.exports, '_bytesToString', { enumerable: false });
Object.defineProperty(module.exports, '_normalizeEncoding', { enumerable: false });
