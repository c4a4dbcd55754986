// node:string_decoder: decodes a byte stream in chunks, holding back a
// character split across chunks (utf8, utf16le) or a partial base64 group
// until the next write() or end().
'use strict';

const { _bytesToString: bytesToString, _normalizeEncoding: normalizeEncoding } =
    require('node/buffer');

// Follows Node's decoder (src/string_decoder.cc) step by step, so chunk
// boundaries produce the same pieces as in Node: a character cut at the end
// of a chunk waits in `_buffered` until `_missing` more bytes arrive.
class StringDecoder {
  constructor(encoding) {
    const normalized = normalizeEncoding(encoding);
    if (normalized === undefined) {
      const error = new TypeError(`Unknown encoding: ${encoding}`);
      error.code = 'ERR_UNKNOWN_ENCODING';
      throw error;
    }
    this.encoding = normalized;
    this._buffered = [];
    this._missing = 0;
  }

  write(buffer) {
    if (typeof buffer === 'string') return buffer;
    if (!ArrayBuffer.isView(buffer)) {
      const error = new TypeError('The "buf" argument must be an instance of Buffer, ' +
                                  'TypedArray, or DataView.');
      error.code = 'ERR_INVALID_ARG_TYPE';
      throw error;
    }
    let data = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    const encoding = this.encoding;
    if (encoding !== 'utf8' && encoding !== 'utf16le' && encoding !== 'base64' &&
        encoding !== 'base64url') {
      return bytesToString(data, encoding, 0, data.length);
    }
    let prepend = '';
    if (this._missing > 0) {
      if (encoding === 'utf8') {
        // A byte that is not a continuation ends the cut character early.
        for (let i = 0; i < data.length && i < this._missing; i++) {
          if ((data[i] & 0xc0) !== 0x80) {
            this._missing = 0;
            this._buffered.push(...data.subarray(0, i));
            data = data.subarray(i);
            break;
          }
        }
      }
      const found = Math.min(data.length, this._missing);
      this._buffered.push(...data.subarray(0, found));
      data = data.subarray(found);
      this._missing -= found;
      if (this._missing === 0) {
        const bytes = Uint8Array.from(this._buffered);
        prepend = bytesToString(bytes, encoding, 0, bytes.length);
        this._buffered = [];
      }
    }
    if (data.length === 0) return prepend;
    let keep = 0;
    if (encoding === 'utf8' && (data[data.length - 1] & 0x80) !== 0) {
      for (let i = data.length - 1; ; --i) {
        keep++;
        if ((data[i] & 0xc0) === 0x80) {
          if (keep >= 4 || i === 0) {
            keep = 0;
            break;
          }
        } else {
          let need;
          if ((data[i] & 0xe0) === 0xc0) need = 2;
          else if ((data[i] & 0xf0) === 0xe0) need = 3;
          else if ((data[i] & 0xf8) === 0xf0) need = 4;
          if (need === undefined || keep >= need) {
            keep = 0;
          } else {
            this._missing = need - keep;
          }
          break;
        }
      }
    } else if (encoding === 'utf16le') {
      if (data.length % 2 === 1) {
        keep = 1;
        this._missing = 1;
      } else if ((data[data.length - 1] & 0xfc) === 0xd8) {
        keep = 2;  // a high surrogate waits for its pair
        this._missing = 2;
      }
    } else if (encoding === 'base64' || encoding === 'base64url') {
      keep = data.length % 3;
      if (keep > 0) this._missing = 3 - keep;
    }
    if (keep > 0) this._buffered = Array.from(data.subarray(data.length - keep));
    return prepend + bytesToString(data, encoding, 0, data.length - keep);
  }

  end(buffer) {
    const out = buffer === undefined ? '' : this.write(buffer);
    let buffered = this._buffered;
    // A lone trailing byte of UTF-16 is dropped, as Node does.
    if (this.encoding === 'utf16le' && buffered.length % 2 === 1) buffered = buffered.slice(0, -1);
    this._buffered = [];
    this._missing = 0;
    if (buffered.length === 0) return out;
    const bytes = Uint8Array.from(buffered);
    return out + bytesToString(bytes, this.encoding, 0, bytes.length);
  }

  text(buffer, offset) {
    this._buffered = [];
    this._missing = 0;
    return this.write(buffer.subarray(offset));
  }

  get lastNeed() {
    return this._missing;
  }

  get lastTotal() {
    return this._buffered.length + this._missing;
  }
}

module.exports = { StringDecoder };
