'use strict';
// TextEncoder / TextDecoder (WHATWG Encoding): utf-8, utf-16le, utf-16be and
// windows-1252 (which the standard also names latin1, ascii, iso-8859-1).

const kReplacement = 0xfffd;

// Label -> encoding name, as the Encoding standard's table for these four.
const labels = new Map();
for (const [name, names] of [
  ['utf-8', ['unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'utf-8', 'utf8',
             'x-unicode20utf8']],
  ['utf-16le', ['csunicode', 'iso-10646-ucs-2', 'ucs-2', 'unicode', 'unicodefeff',
                'utf-16', 'utf-16le']],
  ['utf-16be', ['unicodefffe', 'utf-16be']],
  ['windows-1252', ['ansi_x3.4-1968', 'ascii', 'cp1252', 'cp819', 'csisolatin1', 'ibm819',
                    'iso-8859-1', 'iso-ir-100', 'iso8859-1', 'iso88591', 'iso_8859-1',
                    'iso_8859-1:1987', 'l1', 'latin1', 'us-ascii', 'windows-1252',
                    'x-cp1252']],
]) {
  for (const label of names) labels.set(label, name);
}

// windows-1252 bytes 0x80..0x9f; the rest map to themselves.
const windows1252High = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
  0x2039, 0x0152, 0x008d, 0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
  0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
];

function toBytes(input, where) {
  if (input === undefined) return new Uint8Array(0);
  if (ArrayBuffer.isView(input)) {
    return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  }
  const tag = Object.prototype.toString.call(input);
  if (tag === '[object ArrayBuffer]' || tag === '[object SharedArrayBuffer]') {
    return new Uint8Array(input);
  }
  throw new TypeError(
      `${where}: The "input" argument must be an ArrayBuffer or ArrayBufferView`);
}

// Collects UTF-16 code units and turns them into a string in chunks.
class StringBuilder {
  constructor() {
    this.parts = [];
    this.units = [];
  }
  push(unit) {
    this.units.push(unit);
    if (this.units.length >= 8192) this.flush();
  }
  pushCodePoint(cp) {
    if (cp > 0xffff) {
      cp -= 0x10000;
      this.push(0xd800 + (cp >> 10));
      this.push(0xdc00 + (cp & 0x3ff));
    } else {
      this.push(cp);
    }
  }
  flush() {
    if (this.units.length > 0) {
      this.parts.push(String.fromCharCode.apply(null, this.units));
      this.units = [];
    }
  }
  finish() {
    this.flush();
    return this.parts.join('');
  }
}

function decodeError(encoding) {
  return new TypeError(`The encoded data was not valid for encoding ${encoding}`);
}

// Each decoder keeps the state a streaming decode carries between calls.
class Utf8Decoder {
  constructor() { this.reset(); }
  reset() {
    this.codePoint = 0;
    this.bytesSeen = 0;
    this.bytesNeeded = 0;
    this.lower = 0x80;
    this.upper = 0xbf;
  }
  decode(bytes, out, fatal, flush) {
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i];
      if (this.bytesNeeded === 0) {
        if (byte <= 0x7f) {
          out.push(byte);
        } else if (byte >= 0xc2 && byte <= 0xdf) {
          this.bytesNeeded = 1;
          this.codePoint = byte & 0x1f;
        } else if (byte >= 0xe0 && byte <= 0xef) {
          if (byte === 0xe0) this.lower = 0xa0;
          if (byte === 0xed) this.upper = 0x9f;
          this.bytesNeeded = 2;
          this.codePoint = byte & 0xf;
        } else if (byte >= 0xf0 && byte <= 0xf4) {
          if (byte === 0xf0) this.lower = 0x90;
          if (byte === 0xf4) this.upper = 0x8f;
          this.bytesNeeded = 3;
          this.codePoint = byte & 0x7;
        } else {
          if (fatal) throw decodeError('utf-8');
          out.push(kReplacement);
        }
        continue;
      }
      if (byte < this.lower || byte > this.upper) {
        // The byte starts over: it is looked at again as a first byte.
        this.reset();
        if (fatal) throw decodeError('utf-8');
        out.push(kReplacement);
        i--;
        continue;
      }
      this.lower = 0x80;
      this.upper = 0xbf;
      this.codePoint = (this.codePoint << 6) | (byte & 0x3f);
      if (++this.bytesSeen === this.bytesNeeded) {
        out.pushCodePoint(this.codePoint);
        this.reset();
      }
    }
    if (flush && this.bytesNeeded !== 0) {
      this.reset();
      if (fatal) throw decodeError('utf-8');
      out.push(kReplacement);
    }
  }
}

class Utf16Decoder {
  constructor(bigEndian) {
    this.bigEndian = bigEndian;
    this.reset();
  }
  reset() {
    this.leadByte = -1;
    this.leadSurrogate = -1;
  }
  name() { return this.bigEndian ? 'utf-16be' : 'utf-16le'; }
  decode(bytes, out, fatal, flush) {
    for (let i = 0; i < bytes.length; i++) {
      if (this.leadByte === -1) {
        this.leadByte = bytes[i];
        continue;
      }
      const unit = this.bigEndian ? (this.leadByte << 8) | bytes[i]
                                  : (bytes[i] << 8) | this.leadByte;
      this.leadByte = -1;
      if (this.leadSurrogate !== -1) {
        const lead = this.leadSurrogate;
        this.leadSurrogate = -1;
        if (unit >= 0xdc00 && unit <= 0xdfff) {
          out.push(lead);
          out.push(unit);
          continue;
        }
        if (fatal) throw decodeError(this.name());
        out.push(kReplacement);
      }
      if (unit >= 0xd800 && unit <= 0xdbff) {
        this.leadSurrogate = unit;
      } else if (unit >= 0xdc00 && unit <= 0xdfff) {
        if (fatal) throw decodeError(this.name());
        out.push(kReplacement);
      } else {
        out.push(unit);
      }
    }
    if (flush && (this.leadByte !== -1 || this.leadSurrogate !== -1)) {
      this.reset();
      if (fatal) throw decodeError(this.name());
      out.push(kReplacement);
    }
  }
}

class Windows1252Decoder {
  reset() {}
  decode(bytes, out) {
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i];
      out.push(byte >= 0x80 && byte <= 0x9f ? windows1252High[byte - 0x80] : byte);
    }
  }
}

function makeDecoder(encoding) {
  switch (encoding) {
    case 'utf-8': return new Utf8Decoder();
    case 'utf-16le': return new Utf16Decoder(false);
    case 'utf-16be': return new Utf16Decoder(true);
    default: return new Windows1252Decoder();
  }
}

const decoderState = new WeakMap();

function decoderSlots(self, what) {
  const state = decoderState.get(self);
  if (state === undefined) {
    throw new TypeError(`TextDecoder.prototype.${what} called on an object that is not a TextDecoder`);
  }
  return state;
}

class TextDecoder {
  constructor(label = 'utf-8', options = {}) {
    const key = String(label).replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, '').toLowerCase();
    const encoding = labels.get(key);
    if (encoding === undefined) {
      throw new RangeError(`The "${label}" encoding is not supported`);
    }
    if (options === null || (typeof options !== 'object' && typeof options !== 'function' &&
                             options !== undefined)) {
      throw new TypeError('The "options" argument must be of type object');
    }
    const fatal = options !== undefined && Boolean(options.fatal);
    const ignoreBOM = options !== undefined && Boolean(options.ignoreBOM);
    decoderState.set(this, {
      encoding, fatal, ignoreBOM, decoder: makeDecoder(encoding), bomSeen: false,
      streaming: false,
    });
  }

  get encoding() { return decoderSlots(this, 'encoding').encoding; }
  get fatal() { return decoderSlots(this, 'fatal').fatal; }
  get ignoreBOM() { return decoderSlots(this, 'ignoreBOM').ignoreBOM; }

  decode(input = undefined, options = undefined) {
    const state = decoderSlots(this, 'decode');
    const bytes = toBytes(input, 'TextDecoder.decode');
    const stream = options !== undefined && options !== null && Boolean(options.stream);
    if (!state.streaming) {
      state.decoder.reset();
      state.bomSeen = false;
    }
    state.streaming = stream;
    if (state.encoding === 'utf-8' && !stream && state.decoder.bytesNeeded === 0) {
      // A whole input with nothing pending: V8's decoder does the work.
      let text = native.decodeUtf8(bytes, state.fatal);
      if (text === null) throw decodeError('utf-8');
      if (!state.bomSeen && !state.ignoreBOM && text.charCodeAt(0) === 0xfeff) {
        text = text.slice(1);
      }
      return text;
    }
    const out = new StringBuilder();
    try {
      state.decoder.decode(bytes, out, state.fatal, !stream);
    } catch (error) {
      state.streaming = false;
      throw error;
    }
    let text = out.finish();
    if (!state.bomSeen && text.length > 0) {
      state.bomSeen = true;
      if (!state.ignoreBOM && state.encoding !== 'windows-1252' &&
          text.charCodeAt(0) === 0xfeff) {
        text = text.slice(1);
      }
    }
    return text;
  }
}

// Writes as much of `input` as fits whole into `dest`; lone surrogates become
// U+FFFD. Returns [UTF-16 units read, bytes written].
function encodeUtf8Into(input, dest) {
  let read = 0;
  let written = 0;
  const capacity = dest.length;
  while (read < input.length) {
    let cp = input.charCodeAt(read);
    let units = 1;
    if (cp >= 0xd800 && cp <= 0xdfff) {
      const next = read + 1 < input.length ? input.charCodeAt(read + 1) : 0;
      if (cp <= 0xdbff && (next & 0xfc00) === 0xdc00) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00);
        units = 2;
      } else {
        cp = kReplacement;
      }
    }
    if (cp < 0x80) {
      if (written + 1 > capacity) break;
      dest[written++] = cp;
    } else if (cp < 0x800) {
      if (written + 2 > capacity) break;
      dest[written++] = 0xc0 | (cp >> 6);
      dest[written++] = 0x80 | (cp & 0x3f);
    } else if (cp < 0x10000) {
      if (written + 3 > capacity) break;
      dest[written++] = 0xe0 | (cp >> 12);
      dest[written++] = 0x80 | ((cp >> 6) & 0x3f);
      dest[written++] = 0x80 | (cp & 0x3f);
    } else {
      if (written + 4 > capacity) break;
      dest[written++] = 0xf0 | (cp >> 18);
      dest[written++] = 0x80 | ((cp >> 12) & 0x3f);
      dest[written++] = 0x80 | ((cp >> 6) & 0x3f);
      dest[written++] = 0x80 | (cp & 0x3f);
    }
    read += units;
  }
  return [read, written];
}

class TextEncoder {
  get encoding() { return 'utf-8'; }

  encode(input = '') {
    const text = String(input);
    const bytes = new Uint8Array(native.utf8Length(text));
    native.encodeUtf8Into(text, bytes);
    return bytes;
  }

  encodeInto(source, destination) {
    if (!(destination instanceof Uint8Array)) {
      throw new TypeError('TextEncoder.encodeInto: The "dest" argument must be a Uint8Array');
    }
    const [read, written] = encodeUtf8Into(String(source), destination);
    return { read, written };
  }
}

for (const [cls, tag] of [[TextEncoder, 'TextEncoder'], [TextDecoder, 'TextDecoder']]) {
  Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: tag, configurable: true });
}

exports.TextEncoder = TextEncoder;
exports.TextDecoder = TextDecoder;
