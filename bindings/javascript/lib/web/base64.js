'use strict';
// atob / btoa (HTML): base64 over "binary strings", one character per byte.

const { DOMException } = require('web/dom_exception');

const kAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const kDecode = new Int16Array(128).fill(-1);
for (let i = 0; i < kAlphabet.length; i++) kDecode[kAlphabet.charCodeAt(i)] = i;

function requireArgument(args, name) {
  if (args.length === 0) {
    throw new TypeError(`${name}: 1 argument required, but only 0 present`);
  }
}

function btoa(data) {
  requireArgument(arguments, 'btoa');
  const input = String(data);
  let out = '';
  let chunk = [];
  for (let i = 0; i < input.length; i += 3) {
    const a = input.charCodeAt(i);
    const b = i + 1 < input.length ? input.charCodeAt(i + 1) : 0;
    const c = i + 2 < input.length ? input.charCodeAt(i + 2) : 0;
    if (a > 0xff || b > 0xff || c > 0xff) {
      throw new DOMException('Invalid character', 'InvalidCharacterError');
    }
    const bits = (a << 16) | (b << 8) | c;
    chunk.push(kAlphabet.charCodeAt(bits >> 18), kAlphabet.charCodeAt((bits >> 12) & 63),
               i + 1 < input.length ? kAlphabet.charCodeAt((bits >> 6) & 63) : 61,
               i + 2 < input.length ? kAlphabet.charCodeAt(bits & 63) : 61);
    if (chunk.length >= 8192) {
      out += String.fromCharCode.apply(null, chunk);
      chunk = [];
    }
  }
  return out + String.fromCharCode.apply(null, chunk);
}

// The "forgiving-base64 decode" of the Infra standard.
function atob(data) {
  requireArgument(arguments, 'atob');
  let input = String(data).replace(/[\t\n\f\r ]+/g, '');
  if (input.length % 4 === 0) input = input.replace(/={1,2}$/, '');
  if (input.length % 4 === 1 || !/^[A-Za-z0-9+/]*$/.test(input)) {
    throw new DOMException('The string to be decoded is not correctly encoded.',
                           'InvalidCharacterError');
  }
  let out = '';
  let chunk = [];
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < input.length; i++) {
    buffer = (buffer << 6) | kDecode[input.charCodeAt(i)];
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      chunk.push((buffer >> bits) & 0xff);
      if (chunk.length >= 8192) {
        out += String.fromCharCode.apply(null, chunk);
        chunk = [];
      }
    }
  }
  return out + String.fromCharCode.apply(null, chunk);
}

exports.atob = atob;
exports.btoa = btoa;
