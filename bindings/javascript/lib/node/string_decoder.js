// node:string_decoder: decodes a byte stream in chunks, holding back a
// character split across chunks (utf8, utf16le) or a partial base64 group
// until the next write() or end().
'use strict';

const { Buffer, _bytesToString: bytesToString, _normalizeEncoding: normalizeEncoding } =
    require('node/buffer');

// How many of the last bytes of `bytes` start a UTF-8 character that is
// still incomplete (0 when the end is complete or not valid UTF-8).
function utf8IncompleteTail(bytes) {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const b = bytes[bytes.length - back];
    if ((b & 0xc0) === 0x80) continue;  // a continuation byte: keep looking
    const need = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 1;
    if (need <= back || b < 0xc2) return 0;
    // The continuation bytes seen so far must fit the lead (WHATWG ranges).
    const second = back >= 2 ? bytes[bytes.length - back + 1] : -1;
    if (second !== -1) {
      const lower = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
      const upper = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
      if (second < lower || second > upper) return 0;
    }
    return back;
  }
  return 0;
}

class StringDecoder {
  constructor(encoding) {
    const normalized = normalizeEncoding(encoding);
    if (normalized === undefined) {
      const error = new TypeError(`Unknown encoding: ${encoding}`);
      error.code = 'ERR_UNKNOWN_ENCODING';
      throw error;
    }
    this.encoding = normalized;
    this._pending = new Uint8Array(0);
  }

  write(buffer) {
    if (typeof buffer === 'string') return buffer;
    if (!ArrayBuffer.isView(buffer)) {
      const error = new TypeError('The "buf" argument must be an instance of Buffer, ' +
                                  'TypedArray, or DataView.');
      error.code = 'ERR_INVALID_ARG_TYPE';
      throw error;
    }
    let bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    if (this._pending.length > 0) bytes = Buffer.concat([this._pending, bytes]);
    let keep = 0;
    switch (this.encoding) {
      case 'utf8':
        keep = utf8IncompleteTail(bytes);
        break;
      case 'utf16le': {
        keep = bytes.length % 2;
        const end = bytes.length - keep;
        if (end >= 2) {
          const last = bytes[end - 2] | (bytes[end - 1] << 8);
          if (last >= 0xd800 && last <= 0xdbff) keep += 2;  // a high surrogate waits
        }
        break;
      }
      case 'base64':
      case 'base64url':
        keep = bytes.length % 3;
        break;
    }
    this._pending = Uint8Array.from(bytes.subarray(bytes.length - keep));
    return bytesToString(bytes, this.encoding, 0, bytes.length - keep);
  }

  end(buffer) {
    let out = buffer === undefined ? '' : this.write(buffer);
    const pending = this._pending;
    this._pending = new Uint8Array(0);
    if (pending.length > 0) {
      out += this.encoding === 'utf8' ? '\ufffd' :
          bytesToString(pending, this.encoding, 0, pending.length);
    }
    return out;
  }

  text(buffer, offset) {
    this._pending = new Uint8Array(0);
    return this.write(buffer.subarray(offset));
  }

  get lastNeed() {
    if (this._pending.length === 0) return 0;
    if (this.encoding === 'utf8') {
      const b = this._pending[0];
      return (b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2) - this._pending.length;
    }
    if (this.encoding === 'utf16le') return this._pending.length % 2 === 1 ? 1 : 2;
    return 3 - this._pending.length;
  }

  get lastTotal() {
    return this._pending.length + this.lastNeed;
  }
}

module.exports = { StringDecoder };
