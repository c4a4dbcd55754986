// node:querystring: parse/stringify/escape/unescape with Node's rules
// (repeated keys become arrays, '+' decodes to a space, maxKeys, malformed
// escapes kept as they are, a null-prototype result).
'use strict';

function unescapeBuffer(s, decodeSpaces) {
  const { Buffer } = require('node/buffer');
  const out = Buffer.alloc(Buffer.byteLength(s));
  const source = Buffer.from(s);
  const hex = (c) => (c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 :
      c >= 97 && c <= 102 ? c - 87 : -1);
  let at = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === 43 && decodeSpaces) {  // '+'
      out[at++] = 32;
    } else if (c === 37 && i + 2 < source.length && hex(source[i + 1]) >= 0 &&
               hex(source[i + 2]) >= 0) {
      out[at++] = hex(source[i + 1]) * 16 + hex(source[i + 2]);
      i += 2;
    } else {
      out[at++] = c;
    }
  }
  return out.subarray(0, at);
}

function unescape(s, decodeSpaces) {
  try {
    return decodeURIComponent(s);
  } catch {
    return unescapeBuffer(s, decodeSpaces).toString();
  }
}

function escape(value) {
  if (typeof value !== 'string') {
    if (typeof value === 'object') return '';
    value = String(value);
  }
  try {
    return encodeURIComponent(value);
  } catch {
    const error = new URIError('URI malformed');
    error.code = 'ERR_INVALID_URI';
    throw error;
  }
}

function stringifyPrimitive(v) {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return `${v}`;
  if (typeof v === 'bigint') return `${v}`;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return '';
}

function stringify(object, sep = '&', eq = '=', options) {
  sep = sep || '&';
  eq = eq || '=';
  const encode = options && typeof options.encodeURIComponent === 'function' ?
      options.encodeURIComponent : escape;
  if (object === null || typeof object !== 'object') return '';
  const fields = [];
  for (const key of Object.keys(object)) {
    const value = object[key];
    const ks = encode(stringifyPrimitive(key)) + eq;
    if (Array.isArray(value)) {
      for (const item of value) fields.push(ks + encode(stringifyPrimitive(item)));
    } else {
      fields.push(ks + encode(stringifyPrimitive(value)));
    }
  }
  return fields.join(sep);
}

function parse(qs, sep = '&', eq = '=', options) {
  const result = Object.create(null);
  if (typeof qs !== 'string' || qs.length === 0) return result;
  sep = sep ? String(sep) : '&';
  eq = eq ? String(eq) : '=';
  let maxKeys = 1000;
  if (options && typeof options.maxKeys === 'number') maxKeys = options.maxKeys;
  const decode = options && typeof options.decodeURIComponent === 'function' ?
      options.decodeURIComponent : unescape;
  let pairs = qs.split(sep);
  if (maxKeys > 0 && pairs.length > maxKeys) pairs = pairs.slice(0, maxKeys);
  const decodePart = (part) => {
    const spaced = part.replace(/\+/g, ' ');
    if (decode === unescape) return unescape(spaced, true);
    try {
      return decode(spaced);
    } catch {
      return unescape(spaced, true);
    }
  };
  for (const pair of pairs) {
    if (pair.length === 0) continue;
    const at = pair.indexOf(eq);
    const key = decodePart(at >= 0 ? pair.slice(0, at) : pair);
    const value = at >= 0 ? decodePart(pair.slice(at + eq.length)) : '';
    if (!(key in result)) result[key] = value;
    else if (Array.isArray(result[key])) result[key].push(value);
    else result[key] = [result[key], value];
  }
  return result;
}

module.exports = {
  parse,
  decode: parse,
  stringify,
  encode: stringify,
  escape,
  unescape,
  unescapeBuffer,
};
