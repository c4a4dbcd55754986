'use strict';
// URL and URLSearchParams (WHATWG URL standard): the basic URL parser's state
// machine, host parsing (domains through IDNA with Punycode, IPv4 in all its
// legacy forms, IPv6, opaque hosts), the percent-encode sets and the
// application/x-www-form-urlencoded format.

const kSpecialPorts = new Map([
  ['ftp', 21], ['file', null], ['http', 80], ['https', 443], ['ws', 80], ['wss', 443],
]);

function isSpecialScheme(scheme) {
  return kSpecialPorts.has(scheme);
}

// ---- strings ----

// USVString conversion: lone surrogates become U+FFFD.
function toUSVString(value) {
  const input = String(value);
  if (!/[\ud800-\udfff]/.test(input)) return input;
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const unit = input.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < input.length &&
        (input.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      out += input[i] + input[i + 1];
      i++;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      out += '\ufffd';
    } else {
      out += input[i];
    }
  }
  return out;
}

const isAsciiDigit = (c) => c >= 0x30 && c <= 0x39;
const isAsciiHexDigit = (c) =>
  isAsciiDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
const isAsciiAlpha = (c) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isAsciiAlphanumeric = (c) => isAsciiAlpha(c) || isAsciiDigit(c);

// ---- percent-encoding ----

const inC0ControlSet = (c) => c < 0x20 || c > 0x7e;
const inFragmentSet = (c) =>
  inC0ControlSet(c) || c === 0x20 || c === 0x22 || c === 0x3c || c === 0x3e || c === 0x60;
const inQuerySet = (c) =>
  inC0ControlSet(c) || c === 0x20 || c === 0x22 || c === 0x23 || c === 0x3c || c === 0x3e;
const inSpecialQuerySet = (c) => inQuerySet(c) || c === 0x27;
const inPathSet = (c) => inQuerySet(c) || c === 0x3f || c === 0x60 || c === 0x7b || c === 0x7d;
const inUserinfoSet = (c) =>
  inPathSet(c) || c === 0x2f || c === 0x3a || c === 0x3b || c === 0x3d || c === 0x40 ||
  (c >= 0x5b && c <= 0x5e) || c === 0x7c;
const inComponentSet = (c) =>
  inUserinfoSet(c) || (c >= 0x24 && c <= 0x26) || c === 0x2b || c === 0x2c;
const inFormSet = (c) =>
  inComponentSet(c) || c === 0x21 || (c >= 0x27 && c <= 0x29) || c === 0x7e;

const hexByte = Array.from({ length: 256 },
                           (_, i) => '%' + i.toString(16).toUpperCase().padStart(2, '0'));

function utf8Bytes(codePoint) {
  if (codePoint < 0x80) return [codePoint];
  if (codePoint < 0x800) return [0xc0 | (codePoint >> 6), 0x80 | (codePoint & 0x3f)];
  if (codePoint < 0x10000) {
    return [0xe0 | (codePoint >> 12), 0x80 | ((codePoint >> 6) & 0x3f),
            0x80 | (codePoint & 0x3f)];
  }
  return [0xf0 | (codePoint >> 18), 0x80 | ((codePoint >> 12) & 0x3f),
          0x80 | ((codePoint >> 6) & 0x3f), 0x80 | (codePoint & 0x3f)];
}

function percentEncodeCodePoint(codePoint, inSet, spaceAsPlus = false) {
  if (spaceAsPlus && codePoint === 0x20) return '+';
  if (!inSet(codePoint)) return String.fromCodePoint(codePoint);
  let out = '';
  for (const byte of utf8Bytes(codePoint)) out += hexByte[byte];
  return out;
}

function percentEncodeString(input, inSet, spaceAsPlus = false) {
  let out = '';
  for (const ch of input) out += percentEncodeCodePoint(ch.codePointAt(0), inSet, spaceAsPlus);
  return out;
}

function utf8Encode(input) {
  const bytes = [];
  for (const ch of input) bytes.push(...utf8Bytes(ch.codePointAt(0)));
  return bytes;
}

function utf8DecodeWithoutBOM(bytes) {
  const { TextDecoder } = require('web/encoding');
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(new Uint8Array(bytes));
}

function percentDecodeBytes(bytes) {
  const out = [];
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === 0x25 && i + 2 < bytes.length && isAsciiHexDigit(bytes[i + 1]) &&
        isAsciiHexDigit(bytes[i + 2])) {
      out.push(parseInt(String.fromCharCode(bytes[i + 1], bytes[i + 2]), 16));
      i += 2;
    } else {
      out.push(byte);
    }
  }
  return out;
}

function percentDecodeString(input) {
  return percentDecodeBytes(utf8Encode(input));
}

// ---- Punycode (RFC 3492) ----

const kBase = 36;
const kTMin = 1;
const kTMax = 26;
const kSkew = 38;
const kDamp = 700;
const kInitialBias = 72;
const kInitialN = 128;

function adapt(delta, numPoints, firstTime) {
  delta = firstTime ? Math.floor(delta / kDamp) : delta >> 1;
  delta += Math.floor(delta / numPoints);
  let k = 0;
  while (delta > ((kBase - kTMin) * kTMax) >> 1) {
    delta = Math.floor(delta / (kBase - kTMin));
    k += kBase;
  }
  return k + Math.floor(((kBase - kTMin + 1) * delta) / (delta + kSkew));
}

const digitChar = (d) => String.fromCharCode(d < 26 ? d + 97 : d + 22);

function punycodeEncode(input) {
  const codePoints = Array.from(input, (ch) => ch.codePointAt(0));
  let out = '';
  for (const cp of codePoints) if (cp < 0x80) out += String.fromCharCode(cp);
  const basicLength = out.length;
  let handled = basicLength;
  if (basicLength > 0) out += '-';
  let n = kInitialN;
  let delta = 0;
  let bias = kInitialBias;
  while (handled < codePoints.length) {
    let m = Infinity;
    for (const cp of codePoints) if (cp >= n && cp < m) m = cp;
    delta += (m - n) * (handled + 1);
    n = m;
    for (const cp of codePoints) {
      if (cp < n) delta++;
      if (cp === n) {
        let q = delta;
        for (let k = kBase; ; k += kBase) {
          const t = k <= bias ? kTMin : k >= bias + kTMax ? kTMax : k - bias;
          if (q < t) break;
          out += digitChar(t + ((q - t) % (kBase - t)));
          q = Math.floor((q - t) / (kBase - t));
        }
        out += digitChar(q);
        bias = adapt(delta, handled + 1, handled === basicLength);
        delta = 0;
        handled++;
      }
    }
    delta++;
    n++;
  }
  return out;
}

// Returns the decoded string, or null when `input` is not valid Punycode.
function punycodeDecode(input) {
  const output = [];
  const lastDelimiter = input.lastIndexOf('-');
  for (let j = 0; j < Math.max(lastDelimiter, 0); j++) {
    const c = input.charCodeAt(j);
    if (c >= 0x80) return null;
    output.push(c);
  }
  let n = kInitialN;
  let bias = kInitialBias;
  let i = 0;
  for (let index = lastDelimiter > 0 ? lastDelimiter + 1 : 0; index < input.length;) {
    const oldi = i;
    for (let w = 1, k = kBase; ; k += kBase) {
      if (index >= input.length) return null;
      const c = input.charCodeAt(index++);
      const digit = c - 48 < 10 ? c - 22 : c - 65 < 26 ? c - 65 : c - 97 < 26 ? c - 97 : kBase;
      if (digit >= kBase || digit < 0) return null;
      i += digit * w;
      if (i > 0x7fffffff) return null;
      const t = k <= bias ? kTMin : k >= bias + kTMax ? kTMax : k - bias;
      if (digit < t) break;
      w *= kBase - t;
      if (w > 0x7fffffff) return null;
    }
    bias = adapt(i - oldi, output.length + 1, oldi === 0);
    n += Math.floor(i / (output.length + 1));
    if (n > 0x10ffff) return null;
    i %= output.length + 1;
    output.splice(i++, 0, n);
  }
  return String.fromCodePoint(...output);
}

// ---- hosts ----

// Code points UTS 46 maps to nothing; the rest of its mapping is close to
// lower case after NFKC, which is what domainToASCII applies.
const kIdnaIgnored = /[\u00ad\u034f\u180b-\u180d\u200b\u2060\ufe00-\ufe0f\ufeff]/g;
const kIdnaDots = /[\u3002\uff0e\uff61]/g;
// Controls, unassigned code points (noncharacters among them), private use,
// surrogates and U+FFFD are disallowed in a label.
const kIdnaDisallowed = /[\p{Cc}\p{Cn}\p{Co}\p{Cs}\ufffd]/u;
const kForbiddenHost = /[\u0000\u0009\u000a\u000d\u0020#/:<>?@[\\\]^|]/;
const kForbiddenDomain = /[\u0000-\u001f\u0020#%/:<>?@[\\\]^|\u007f]/;

// UTS 46 ToASCII with CheckHyphens, CheckBidi and VerifyDnsLength off, as
// the URL standard asks; null on failure.
function domainToASCIIInternal(domain) {
  const asciiOnly = !/[^\u0000-\u007f]/.test(domain);
  if (asciiOnly && !domain.split('.').some((label) => /^xn--/i.test(label))) {
    const lower = domain.toLowerCase();
    return lower === '' ? null : lower;
  }
  const mapped = domain.replace(kIdnaIgnored, '').toLowerCase().normalize('NFKC')
                     .toLowerCase().replace(kIdnaDots, '.');
  const labels = mapped.split('.');
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label.startsWith('xn--')) {
      const decoded = punycodeDecode(label.slice(4));
      if (decoded === null || decoded === '' || !/[^\u0000-\u007f]/.test(decoded) ||
          decoded.normalize('NFC') !== decoded || decoded !== decoded.toLowerCase() ||
          kIdnaDisallowed.test(decoded)) {
        return null;
      }
    } else if (/[^\u0000-\u007f]/.test(label)) {
      if (kIdnaDisallowed.test(label) || /^\p{M}/u.test(label)) {
        return null;
      }
      labels[i] = 'xn--' + punycodeEncode(label);
    }
  }
  const result = labels.join('.');
  if (result === '') return null;
  return result;
}

function endsInANumber(input) {
  const parts = input.split('.');
  if (parts[parts.length - 1] === '') {
    if (parts.length === 1) return false;
    parts.pop();
  }
  const last = parts[parts.length - 1];
  if (last !== '' && /^[0-9]+$/.test(last)) return true;
  return parseIPv4Number(last) !== null;
}

function parseIPv4Number(input) {
  if (input === '') return null;
  let radix = 10;
  if (input.length >= 2 && (input.startsWith('0x') || input.startsWith('0X'))) {
    input = input.slice(2);
    radix = 16;
  } else if (input.length >= 2 && input[0] === '0') {
    input = input.slice(1);
    radix = 8;
  }
  if (input === '') return 0;
  const valid = radix === 10 ? /^[0-9]+$/ : radix === 16 ? /^[0-9A-Fa-f]+$/ : /^[0-7]+$/;
  if (!valid.test(input)) return null;
  return parseInt(input, radix);
}

function parseIPv4(input) {
  const parts = input.split('.');
  if (parts[parts.length - 1] === '' && parts.length > 1) parts.pop();
  if (parts.length > 4) return null;
  const numbers = [];
  for (const part of parts) {
    const n = parseIPv4Number(part);
    if (n === null) return null;
    numbers.push(n);
  }
  for (let i = 0; i < numbers.length - 1; i++) if (numbers[i] > 255) return null;
  const last = numbers[numbers.length - 1];
  if (last >= 256 ** (5 - numbers.length)) return null;
  let ipv4 = last;
  for (let i = 0; i < numbers.length - 1; i++) ipv4 += numbers[i] * 256 ** (3 - i);
  return ipv4;
}

function serializeIPv4(address) {
  const out = [];
  for (let i = 0; i < 4; i++) {
    out.unshift(String(address % 256));
    address = Math.floor(address / 256);
  }
  return out.join('.');
}

function parseIPv6(input) {
  const address = [0, 0, 0, 0, 0, 0, 0, 0];
  let pieceIndex = 0;
  let compress = null;
  let pointer = 0;
  const c = (at) => (at < input.length ? input.charCodeAt(at) : NaN);
  if (c(pointer) === 0x3a) {
    if (c(pointer + 1) !== 0x3a) return null;
    pointer += 2;
    compress = ++pieceIndex;
  }
  while (pointer < input.length) {
    if (pieceIndex === 8) return null;
    if (c(pointer) === 0x3a) {
      if (compress !== null) return null;
      pointer++;
      compress = ++pieceIndex;
      continue;
    }
    let value = 0;
    let length = 0;
    while (length < 4 && isAsciiHexDigit(c(pointer))) {
      value = value * 0x10 + parseInt(input[pointer], 16);
      pointer++;
      length++;
    }
    if (c(pointer) === 0x2e) {
      if (length === 0) return null;
      pointer -= length;
      if (pieceIndex > 6) return null;
      let numbersSeen = 0;
      while (pointer < input.length) {
        let ipv4Piece = null;
        if (numbersSeen > 0) {
          if (c(pointer) === 0x2e && numbersSeen < 4) pointer++;
          else return null;
        }
        if (!isAsciiDigit(c(pointer))) return null;
        while (isAsciiDigit(c(pointer))) {
          const number = c(pointer) - 0x30;
          if (ipv4Piece === null) ipv4Piece = number;
          else if (ipv4Piece === 0) return null;
          else ipv4Piece = ipv4Piece * 10 + number;
          if (ipv4Piece > 255) return null;
          pointer++;
        }
        address[pieceIndex] = address[pieceIndex] * 0x100 + ipv4Piece;
        numbersSeen++;
        if (numbersSeen === 2 || numbersSeen === 4) pieceIndex++;
      }
      if (numbersSeen !== 4) return null;
      break;
    } else if (c(pointer) === 0x3a) {
      pointer++;
      if (pointer >= input.length) return null;
    } else if (pointer < input.length) {
      return null;
    }
    address[pieceIndex++] = value;
  }
  if (compress !== null) {
    let swaps = pieceIndex - compress;
    pieceIndex = 7;
    while (pieceIndex !== 0 && swaps > 0) {
      const swapWith = compress + swaps - 1;
      [address[pieceIndex], address[swapWith]] = [address[swapWith], address[pieceIndex]];
      pieceIndex--;
      swaps--;
    }
  } else if (pieceIndex !== 8) {
    return null;
  }
  return address;
}

function serializeIPv6(address) {
  // The first longest run of two or more zero pieces becomes "::".
  let compress = null;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (address[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && address[j] === 0) j++;
    if (j - i > bestLength) {
      bestLength = j - i;
      compress = i;
    }
    i = j;
  }
  let out = '';
  let ignore0 = false;
  for (let i = 0; i < 8; i++) {
    if (ignore0 && address[i] === 0) continue;
    ignore0 = false;
    if (compress === i) {
      out += i === 0 ? '::' : ':';
      ignore0 = true;
      continue;
    }
    out += address[i].toString(16);
    if (i !== 7) out += ':';
  }
  return out;
}

function parseOpaqueHost(input) {
  if (kForbiddenHost.test(input)) return null;
  return percentEncodeString(input, inC0ControlSet);
}

// Returns the serialized host, or null on failure.
function parseHost(input, isOpaque) {
  if (input.startsWith('[')) {
    if (!input.endsWith(']')) return null;
    const address = parseIPv6(input.slice(1, -1));
    return address === null ? null : `[${serializeIPv6(address)}]`;
  }
  if (isOpaque) return parseOpaqueHost(input);
  const domain = utf8DecodeWithoutBOM(percentDecodeString(input));
  const asciiDomain = domainToASCIIInternal(domain);
  if (asciiDomain === null || kForbiddenDomain.test(asciiDomain)) return null;
  if (endsInANumber(asciiDomain)) {
    const ipv4 = parseIPv4(asciiDomain);
    return ipv4 === null ? null : serializeIPv4(ipv4);
  }
  return asciiDomain;
}

// ---- the basic URL parser ----

const kFailure = Symbol('failure');

function isWindowsDriveLetter(string, normalizedOnly = false) {
  return string.length === 2 && isAsciiAlpha(string.charCodeAt(0)) &&
         (string[1] === ':' || (!normalizedOnly && string[1] === '|'));
}

function startsWithWindowsDriveLetter(codePoints, pointer) {
  const rest = codePoints.length - pointer;
  if (rest < 2) return false;
  if (!isAsciiAlpha(codePoints[pointer]) ||
      (codePoints[pointer + 1] !== 0x3a && codePoints[pointer + 1] !== 0x7c)) {
    return false;
  }
  if (rest === 2) return true;
  const third = codePoints[pointer + 2];
  return third === 0x2f || third === 0x5c || third === 0x3f || third === 0x23;
}

const isSingleDot = (s) => s === '.' || s.toLowerCase() === '%2e';
const isDoubleDot = (s) => {
  const lower = s.toLowerCase();
  return lower === '..' || lower === '.%2e' || lower === '%2e.' || lower === '%2e%2e';
};

function hasOpaquePath(url) {
  return typeof url.path === 'string';
}

function shortenPath(url) {
  const path = url.path;
  if (url.scheme === 'file' && path.length === 1 && isWindowsDriveLetter(path[0], true)) return;
  path.pop();
}

function includesCredentials(url) {
  return url.username !== '' || url.password !== '';
}

function cannotHaveCredentialsOrPort(url) {
  return url.host === null || url.host === '' || url.scheme === 'file';
}

function newURLRecord() {
  return {
    scheme: '', username: '', password: '', host: null, port: null, path: [],
    query: null, fragment: null,
  };
}

function cloneRecord(url) {
  return { ...url, path: hasOpaquePath(url) ? url.path : url.path.slice() };
}

// The state machine. Returns a URL record, or kFailure. With `stateOverride`,
// changes `url` in place (the setters) and returns it, or kFailure, or
// undefined for "return" without a change.
function basicParse(input, base = null, url = null, stateOverride = null) {
  if (url === null) {
    url = newURLRecord();
    input = input.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
  }
  input = input.replace(/[\t\n\r]/g, '');
  let state = stateOverride ?? 'scheme start';
  let buffer = '';
  let atSignSeen = false;
  let insideBrackets = false;
  let passwordTokenSeen = false;
  const codePoints = Array.from(input, (ch) => ch.codePointAt(0));
  const EOF = -1;
  for (let pointer = 0; pointer <= codePoints.length; pointer++) {
    const c = pointer < codePoints.length ? codePoints[pointer] : EOF;
    const ch = c === EOF ? '' : String.fromCodePoint(c);
    switch (state) {
      case 'scheme start':
        if (c !== EOF && isAsciiAlpha(c)) {
          buffer += ch.toLowerCase();
          state = 'scheme';
        } else if (stateOverride === null) {
          state = 'no scheme';
          pointer--;
        } else {
          return kFailure;
        }
        break;

      case 'scheme':
        if (c !== EOF && (isAsciiAlphanumeric(c) || c === 0x2b || c === 0x2d || c === 0x2e)) {
          buffer += ch.toLowerCase();
        } else if (c === 0x3a) {
          if (stateOverride !== null) {
            if (isSpecialScheme(url.scheme) !== isSpecialScheme(buffer)) return undefined;
            if ((includesCredentials(url) || url.port !== null) && buffer === 'file') {
              return undefined;
            }
            if (url.scheme === 'file' && url.host === '') return undefined;
          }
          url.scheme = buffer;
          if (stateOverride !== null) {
            if (url.port === kSpecialPorts.get(url.scheme)) url.port = null;
            return url;
          }
          buffer = '';
          if (url.scheme === 'file') {
            state = 'file';
          } else if (isSpecialScheme(url.scheme) && base !== null &&
                     base.scheme === url.scheme) {
            state = 'special relative or authority';
          } else if (isSpecialScheme(url.scheme)) {
            state = 'special authority slashes';
          } else if (codePoints[pointer + 1] === 0x2f) {
            state = 'path or authority';
            pointer++;
          } else {
            url.path = '';
            state = 'opaque path';
          }
        } else if (stateOverride === null) {
          buffer = '';
          state = 'no scheme';
          pointer = -1;
        } else {
          return kFailure;
        }
        break;

      case 'no scheme':
        if (base === null || (hasOpaquePath(base) && c !== 0x23)) {
          return kFailure;
        } else if (hasOpaquePath(base) && c === 0x23) {
          url.scheme = base.scheme;
          url.path = base.path;
          url.query = base.query;
          url.fragment = '';
          state = 'fragment';
        } else if (base.scheme !== 'file') {
          state = 'relative';
          pointer--;
        } else {
          state = 'file';
          pointer--;
        }
        break;

      case 'special relative or authority':
        if (c === 0x2f && codePoints[pointer + 1] === 0x2f) {
          state = 'special authority ignore slashes';
          pointer++;
        } else {
          state = 'relative';
          pointer--;
        }
        break;

      case 'path or authority':
        if (c === 0x2f) {
          state = 'authority';
        } else {
          state = 'path';
          pointer--;
        }
        break;

      case 'relative':
        url.scheme = base.scheme;
        if (c === 0x2f) {
          state = 'relative slash';
        } else if (isSpecialScheme(url.scheme) && c === 0x5c) {
          state = 'relative slash';
        } else {
          url.username = base.username;
          url.password = base.password;
          url.host = base.host;
          url.port = base.port;
          url.path = base.path.slice();
          url.query = base.query;
          if (c === 0x3f) {
            url.query = '';
            state = 'query';
          } else if (c === 0x23) {
            url.fragment = '';
            state = 'fragment';
          } else if (c !== EOF) {
            url.query = null;
            shortenPath(url);
            state = 'path';
            pointer--;
          }
        }
        break;

      case 'relative slash':
        if (isSpecialScheme(url.scheme) && (c === 0x2f || c === 0x5c)) {
          state = 'special authority ignore slashes';
        } else if (c === 0x2f) {
          state = 'authority';
        } else {
          url.username = base.username;
          url.password = base.password;
          url.host = base.host;
          url.port = base.port;
          state = 'path';
          pointer--;
        }
        break;

      case 'special authority slashes':
        if (c === 0x2f && codePoints[pointer + 1] === 0x2f) {
          state = 'special authority ignore slashes';
          pointer++;
        } else {
          state = 'special authority ignore slashes';
          pointer--;
        }
        break;

      case 'special authority ignore slashes':
        if (c !== 0x2f && c !== 0x5c) {
          state = 'authority';
          pointer--;
        }
        break;

      case 'authority':
        if (c === 0x40) {
          if (atSignSeen) buffer = '%40' + buffer;
          atSignSeen = true;
          for (const bufferChar of buffer) {
            const cp = bufferChar.codePointAt(0);
            if (cp === 0x3a && !passwordTokenSeen) {
              passwordTokenSeen = true;
              continue;
            }
            const encoded = percentEncodeCodePoint(cp, inUserinfoSet);
            if (passwordTokenSeen) url.password += encoded;
            else url.username += encoded;
          }
          buffer = '';
        } else if (c === EOF || c === 0x2f || c === 0x3f || c === 0x23 ||
                   (isSpecialScheme(url.scheme) && c === 0x5c)) {
          if (atSignSeen && buffer === '') return kFailure;
          pointer -= Array.from(buffer).length + 1;
          buffer = '';
          state = 'host';
        } else {
          buffer += ch;
        }
        break;

      case 'host':
      case 'hostname':
        if (stateOverride !== null && url.scheme === 'file') {
          pointer--;
          state = 'file host';
        } else if (c === 0x3a && !insideBrackets) {
          if (buffer === '') return kFailure;
          if (stateOverride === 'hostname') return undefined;
          const host = parseHost(buffer, !isSpecialScheme(url.scheme));
          if (host === null) return kFailure;
          url.host = host;
          buffer = '';
          state = 'port';
        } else if (c === EOF || c === 0x2f || c === 0x3f || c === 0x23 ||
                   (isSpecialScheme(url.scheme) && c === 0x5c)) {
          pointer--;
          if (isSpecialScheme(url.scheme) && buffer === '') return kFailure;
          if (stateOverride !== null && buffer === '' &&
              (includesCredentials(url) || url.port !== null)) {
            return undefined;
          }
          const host = parseHost(buffer, !isSpecialScheme(url.scheme));
          if (host === null) return kFailure;
          url.host = host;
          buffer = '';
          state = 'path start';
          if (stateOverride !== null) return url;
        } else {
          if (c === 0x5b) insideBrackets = true;
          if (c === 0x5d) insideBrackets = false;
          buffer += ch;
        }
        break;

      case 'port':
        if (c !== EOF && isAsciiDigit(c)) {
          buffer += ch;
        } else if (c === EOF || c === 0x2f || c === 0x3f || c === 0x23 ||
                   (isSpecialScheme(url.scheme) && c === 0x5c) || stateOverride !== null) {
          if (buffer !== '') {
            const port = parseInt(buffer, 10);
            if (port > 65535) return kFailure;
            url.port = port === kSpecialPorts.get(url.scheme) ? null : port;
            buffer = '';
          }
          if (stateOverride !== null) return url;
          state = 'path start';
          pointer--;
        } else {
          return kFailure;
        }
        break;

      case 'file':
        url.scheme = 'file';
        url.host = '';
        if (c === 0x2f || c === 0x5c) {
          state = 'file slash';
        } else if (base !== null && base.scheme === 'file') {
          url.host = base.host;
          url.path = base.path.slice();
          url.query = base.query;
          if (c === 0x3f) {
            url.query = '';
            state = 'query';
          } else if (c === 0x23) {
            url.fragment = '';
            state = 'fragment';
          } else if (c !== EOF) {
            url.query = null;
            if (!startsWithWindowsDriveLetter(codePoints, pointer)) {
              shortenPath(url);
            } else {
              url.path = [];
            }
            state = 'path';
            pointer--;
          }
        } else {
          state = 'path';
          pointer--;
        }
        break;

      case 'file slash':
        if (c === 0x2f || c === 0x5c) {
          state = 'file host';
        } else {
          if (base !== null && base.scheme === 'file') {
            url.host = base.host;
            if (!startsWithWindowsDriveLetter(codePoints, pointer) && base.path.length > 0 &&
                isWindowsDriveLetter(base.path[0], true)) {
              url.path.push(base.path[0]);
            }
          }
          state = 'path';
          pointer--;
        }
        break;

      case 'file host':
        if (c === EOF || c === 0x2f || c === 0x5c || c === 0x3f || c === 0x23) {
          pointer--;
          if (stateOverride === null && isWindowsDriveLetter(buffer)) {
            state = 'path';
          } else if (buffer === '') {
            url.host = '';
            if (stateOverride !== null) return url;
            state = 'path start';
          } else {
            let host = parseHost(buffer, false);
            if (host === null) return kFailure;
            if (host === 'localhost') host = '';
            url.host = host;
            if (stateOverride !== null) return url;
            buffer = '';
            state = 'path start';
          }
        } else {
          buffer += ch;
        }
        break;

      case 'path start':
        if (isSpecialScheme(url.scheme)) {
          state = 'path';
          if (c !== 0x2f && c !== 0x5c) pointer--;
        } else if (stateOverride === null && c === 0x3f) {
          url.query = '';
          state = 'query';
        } else if (stateOverride === null && c === 0x23) {
          url.fragment = '';
          state = 'fragment';
        } else if (c !== EOF) {
          state = 'path';
          if (c !== 0x2f) pointer--;
        } else if (stateOverride !== null && url.host === null) {
          url.path.push('');
        }
        break;

      case 'path':
        if (c === EOF || c === 0x2f || (isSpecialScheme(url.scheme) && c === 0x5c) ||
            (stateOverride === null && (c === 0x3f || c === 0x23))) {
          const slash = c === 0x2f || (isSpecialScheme(url.scheme) && c === 0x5c);
          if (isDoubleDot(buffer)) {
            shortenPath(url);
            if (!slash) url.path.push('');
          } else if (isSingleDot(buffer) && !slash) {
            url.path.push('');
          } else if (!isSingleDot(buffer)) {
            if (url.scheme === 'file' && url.path.length === 0 && isWindowsDriveLetter(buffer)) {
              buffer = buffer[0] + ':';
            }
            url.path.push(buffer);
          }
          buffer = '';
          if (c === 0x3f) {
            url.query = '';
            state = 'query';
          }
          if (c === 0x23) {
            url.fragment = '';
            state = 'fragment';
          }
        } else {
          buffer += percentEncodeCodePoint(c, inPathSet);
        }
        break;

      case 'opaque path':
        if (c === 0x3f) {
          url.query = '';
          state = 'query';
        } else if (c === 0x23) {
          url.fragment = '';
          state = 'fragment';
        } else if (c === 0x20) {
          const next = codePoints[pointer + 1];
          // A space before a query or fragment (or the end) is encoded so that
          // stripping trailing spaces cannot change the path.
          if (next === 0x3f || next === 0x23) url.path += '%20';
          else url.path += ' ';
        } else if (c !== EOF) {
          url.path += percentEncodeCodePoint(c, inC0ControlSet);
        }
        break;

      case 'query':
        if ((stateOverride === null && c === 0x23) || c === EOF) {
          const inSet = isSpecialScheme(url.scheme) ? inSpecialQuerySet : inQuerySet;
          url.query += percentEncodeString(buffer, inSet);
          buffer = '';
          if (c === 0x23) {
            url.fragment = '';
            state = 'fragment';
          }
        } else if (c !== EOF) {
          buffer += ch;
        }
        break;

      case 'fragment':
        if (c !== EOF) url.fragment += percentEncodeCodePoint(c, inFragmentSet);
        break;

      default:
        throw new Error(`URL parser: unknown state ${state}`);
    }
  }
  return url;
}

function serializePath(url) {
  if (hasOpaquePath(url)) return url.path;
  let out = '';
  for (const segment of url.path) out += '/' + segment;
  return out;
}

function serializeURL(url, excludeFragment = false) {
  let out = url.scheme + ':';
  if (url.host !== null) {
    out += '//';
    if (includesCredentials(url)) {
      out += url.username;
      if (url.password !== '') out += ':' + url.password;
      out += '@';
    }
    out += url.host;
    if (url.port !== null) out += ':' + url.port;
  }
  if (url.host === null && !hasOpaquePath(url) && url.path.length > 1 && url.path[0] === '') {
    out += '/.';
  }
  out += serializePath(url);
  if (url.query !== null) out += '?' + url.query;
  if (!excludeFragment && url.fragment !== null) out += '#' + url.fragment;
  return out;
}

function serializeOrigin(url) {
  switch (url.scheme) {
    case 'blob': {
      if (hasOpaquePath(url)) {
        const inner = basicParse(url.path);
        if (inner !== kFailure && (inner.scheme === 'http' || inner.scheme === 'https')) {
          return serializeOrigin(inner);
        }
      }
      return 'null';
    }
    case 'ftp':
    case 'http':
    case 'https':
    case 'ws':
    case 'wss':
      return `${url.scheme}://${url.host}${url.port === null ? '' : ':' + url.port}`;
    default:
      return 'null';
  }
}

// ---- application/x-www-form-urlencoded ----

function parseUrlencoded(input) {
  const out = [];
  for (const sequence of input.split('&')) {
    if (sequence === '') continue;
    const equals = sequence.indexOf('=');
    let name = equals === -1 ? sequence : sequence.slice(0, equals);
    let value = equals === -1 ? '' : sequence.slice(equals + 1);
    name = name.replace(/\+/g, ' ');
    value = value.replace(/\+/g, ' ');
    out.push([utf8DecodeWithoutBOM(percentDecodeString(name)),
              utf8DecodeWithoutBOM(percentDecodeString(value))]);
  }
  return out;
}

function serializeUrlencoded(list) {
  return list.map(([name, value]) =>
    `${percentEncodeString(name, inFormSet, true)}=${percentEncodeString(value, inFormSet, true)}`)
      .join('&');
}

// ---- URLSearchParams ----

const paramsState = new WeakMap();

function paramsSlots(self, what) {
  const state = paramsState.get(self);
  if (state === undefined) {
    throw new TypeError(`URLSearchParams.prototype.${what} called on an object that is not a URLSearchParams`);
  }
  return state;
}

function updateParams(state) {
  if (state.url === null) return;
  const serialized = serializeUrlencoded(state.list);
  const record = urlState.get(state.url);
  record.query = serialized === '' ? null : serialized;
}

class URLSearchParams {
  constructor(init = undefined) {
    const state = { list: [], url: null };
    paramsState.set(this, state);
    if (init === undefined || init === null) {
      if (init === null) state.list = parseUrlencoded('null');
      return;
    }
    if (typeof init === 'object' || typeof init === 'function') {
      if (typeof init[Symbol.iterator] === 'function') {
        for (const pair of init) {
          if (pair === null || (typeof pair !== 'object' && typeof pair !== 'function') ||
              typeof pair[Symbol.iterator] !== 'function') {
            throw new TypeError('URLSearchParams: each query pair must be an iterable [name, value] tuple');
          }
          const items = Array.from(pair);
          if (items.length !== 2) {
            throw new TypeError('URLSearchParams: each query pair must be an iterable [name, value] tuple');
          }
          state.list.push([toUSVString(items[0]), toUSVString(items[1])]);
        }
      } else {
        for (const key of Reflect.ownKeys(init)) {
          if (typeof key !== 'string') continue;
          const descriptor = Reflect.getOwnPropertyDescriptor(init, key);
          if (descriptor !== undefined && descriptor.enumerable) {
            state.list.push([toUSVString(key), toUSVString(init[key])]);
          }
        }
      }
      return;
    }
    let text = toUSVString(init);
    if (text.startsWith('?')) text = text.slice(1);
    state.list = parseUrlencoded(text);
  }

  get size() { return paramsSlots(this, 'size').list.length; }

  append(name, value) {
    const state = paramsSlots(this, 'append');
    if (arguments.length < 2) throw new TypeError('URLSearchParams.append: 2 arguments required');
    state.list.push([toUSVString(name), toUSVString(value)]);
    updateParams(state);
  }

  delete(name, value = undefined) {
    const state = paramsSlots(this, 'delete');
    if (arguments.length < 1) throw new TypeError('URLSearchParams.delete: 1 argument required');
    const key = toUSVString(name);
    const match = value === undefined ? null : toUSVString(value);
    state.list = state.list.filter(([n, v]) => !(n === key && (match === null || v === match)));
    updateParams(state);
  }

  get(name) {
    const state = paramsSlots(this, 'get');
    if (arguments.length < 1) throw new TypeError('URLSearchParams.get: 1 argument required');
    const key = toUSVString(name);
    const pair = state.list.find(([n]) => n === key);
    return pair === undefined ? null : pair[1];
  }

  getAll(name) {
    const state = paramsSlots(this, 'getAll');
    if (arguments.length < 1) throw new TypeError('URLSearchParams.getAll: 1 argument required');
    const key = toUSVString(name);
    return state.list.filter(([n]) => n === key).map(([, v]) => v);
  }

  has(name, value = undefined) {
    const state = paramsSlots(this, 'has');
    if (arguments.length < 1) throw new TypeError('URLSearchParams.has: 1 argument required');
    const key = toUSVString(name);
    const match = value === undefined ? null : toUSVString(value);
    return state.list.some(([n, v]) => n === key && (match === null || v === match));
  }

  set(name, value) {
    const state = paramsSlots(this, 'set');
    if (arguments.length < 2) throw new TypeError('URLSearchParams.set: 2 arguments required');
    const key = toUSVString(name);
    const text = toUSVString(value);
    const index = state.list.findIndex(([n]) => n === key);
    if (index === -1) {
      state.list.push([key, text]);
    } else {
      state.list[index][1] = text;
      state.list = state.list.filter(([n], i) => i <= index || n !== key);
    }
    updateParams(state);
  }

  sort() {
    const state = paramsSlots(this, 'sort');
    // Stable, by UTF-16 code units.
    const indexed = state.list.map((pair, i) => [pair, i]);
    indexed.sort(([a, i], [b, j]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : i - j));
    state.list = indexed.map(([pair]) => pair);
    updateParams(state);
  }

  forEach(callback, thisArg = undefined) {
    const state = paramsSlots(this, 'forEach');
    if (typeof callback !== 'function') {
      throw new TypeError('URLSearchParams.forEach: the "callback" argument must be a function');
    }
    for (let i = 0; i < state.list.length; i++) {
      const [name, value] = state.list[i];
      callback.call(thisArg, value, name, this);
    }
  }

  keys() { return makeParamsIterator(paramsSlots(this, 'keys'), 'key'); }
  values() { return makeParamsIterator(paramsSlots(this, 'values'), 'value'); }
  entries() { return makeParamsIterator(paramsSlots(this, 'entries'), 'key+value'); }

  toString() {
    return serializeUrlencoded(paramsSlots(this, 'toString').list);
  }
}
URLSearchParams.prototype[Symbol.iterator] = URLSearchParams.prototype.entries;

const paramsIteratorPrototype = Object.create(
    Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())), {
      next: {
        value: function next() {
          const state = this[kIteratorState];
          if (state === undefined) throw new TypeError('next called on an incompatible object');
          const list = state.params.list;
          if (state.index >= list.length) return { value: undefined, done: true };
          const [name, value] = list[state.index++];
          const result = state.kind === 'key' ? name : state.kind === 'value' ? value
                                                                             : [name, value];
          return { value: result, done: false };
        },
        writable: true, configurable: true,
      },
      [Symbol.toStringTag]: { value: 'URLSearchParams Iterator', configurable: true },
    });
const kIteratorState = Symbol('URLSearchParams iterator state');

function makeParamsIterator(params, kind) {
  const iterator = Object.create(paramsIteratorPrototype);
  Object.defineProperty(iterator, kIteratorState, { value: { params, kind, index: 0 } });
  return iterator;
}

// ---- URL ----

const urlState = new WeakMap();  // URL -> URL record
const urlQueryObjects = new WeakMap();  // URL -> its URLSearchParams

function urlSlots(self, what) {
  const record = urlState.get(self);
  if (record === undefined) {
    throw new TypeError(`URL.prototype.${what} called on an object that is not a URL`);
  }
  return record;
}

function invalidURL(input, base) {
  const error = new TypeError(base === undefined ? `Invalid URL: ${input}`
                                                 : `Invalid URL: ${input} (base ${base})`);
  error.code = 'ERR_INVALID_URL';
  error.input = input;
  if (base !== undefined) error.base = base;
  return error;
}

function parseURL(input, base) {
  let baseRecord = null;
  if (base !== undefined) {
    baseRecord = basicParse(toUSVString(base));
    if (baseRecord === kFailure) return kFailure;
  }
  return basicParse(toUSVString(input), baseRecord);
}

function resetQueryObject(self, record) {
  const params = urlQueryObjects.get(self);
  if (params !== undefined) {
    paramsState.get(params).list = record.query === null ? [] : parseUrlencoded(record.query);
  }
}

class URL {
  constructor(url, base = undefined) {
    if (arguments.length === 0) throw new TypeError('URL: 1 argument required, but only 0 present');
    const record = parseURL(url, base);
    if (record === kFailure) {
      throw invalidURL(toUSVString(url), base === undefined ? undefined : toUSVString(base));
    }
    urlState.set(this, record);
  }

  static canParse(url, base = undefined) {
    if (arguments.length === 0) {
      throw new TypeError('URL.canParse: 1 argument required, but only 0 present');
    }
    return parseURL(url, base) !== kFailure;
  }

  get href() { return serializeURL(urlSlots(this, 'href')); }
  set href(value) {
    const record = urlSlots(this, 'href');
    const text = toUSVString(value);
    const parsed = basicParse(text);
    if (parsed === kFailure) throw invalidURL(text);
    Object.assign(record, parsed);
    resetQueryObject(this, record);
  }

  get origin() { return serializeOrigin(urlSlots(this, 'origin')); }

  get protocol() { return urlSlots(this, 'protocol').scheme + ':'; }
  set protocol(value) {
    const record = urlSlots(this, 'protocol');
    updateRecord(record, toUSVString(value) + ':', 'scheme start');
  }

  get username() { return urlSlots(this, 'username').username; }
  set username(value) {
    const record = urlSlots(this, 'username');
    if (cannotHaveCredentialsOrPort(record)) return;
    record.username = percentEncodeString(toUSVString(value), inUserinfoSet);
  }

  get password() { return urlSlots(this, 'password').password; }
  set password(value) {
    const record = urlSlots(this, 'password');
    if (cannotHaveCredentialsOrPort(record)) return;
    record.password = percentEncodeString(toUSVString(value), inUserinfoSet);
  }

  get host() {
    const record = urlSlots(this, 'host');
    if (record.host === null) return '';
    return record.port === null ? record.host : `${record.host}:${record.port}`;
  }
  set host(value) {
    const record = urlSlots(this, 'host');
    if (hasOpaquePath(record)) return;
    updateRecord(record, toUSVString(value), 'host');
  }

  get hostname() {
    const record = urlSlots(this, 'hostname');
    return record.host === null ? '' : record.host;
  }
  set hostname(value) {
    const record = urlSlots(this, 'hostname');
    if (hasOpaquePath(record)) return;
    updateRecord(record, toUSVString(value), 'hostname');
  }

  get port() {
    const record = urlSlots(this, 'port');
    return record.port === null ? '' : String(record.port);
  }
  set port(value) {
    const record = urlSlots(this, 'port');
    if (cannotHaveCredentialsOrPort(record)) return;
    const text = toUSVString(value);
    if (text === '') record.port = null;
    else updateRecord(record, text, 'port');
  }

  get pathname() { return serializePath(urlSlots(this, 'pathname')); }
  set pathname(value) {
    const record = urlSlots(this, 'pathname');
    if (hasOpaquePath(record)) return;
    const saved = record.path;
    record.path = [];
    if (updateRecord(record, toUSVString(value), 'path start') === false) record.path = saved;
  }

  get search() {
    const record = urlSlots(this, 'search');
    return record.query === null || record.query === '' ? '' : '?' + record.query;
  }
  set search(value) {
    const record = urlSlots(this, 'search');
    let text = toUSVString(value);
    if (text === '') {
      record.query = null;
      resetQueryObject(this, record);
      return;
    }
    if (text.startsWith('?')) text = text.slice(1);
    const saved = record.query;
    record.query = '';
    if (updateRecord(record, text, 'query') === false) record.query = saved;
    resetQueryObject(this, record);
  }

  get searchParams() {
    const record = urlSlots(this, 'searchParams');
    let params = urlQueryObjects.get(this);
    if (params === undefined) {
      params = new URLSearchParams();
      const state = paramsState.get(params);
      state.list = record.query === null ? [] : parseUrlencoded(record.query);
      state.url = this;
      urlQueryObjects.set(this, params);
    }
    return params;
  }

  get hash() {
    const record = urlSlots(this, 'hash');
    return record.fragment === null || record.fragment === '' ? '' : '#' + record.fragment;
  }
  set hash(value) {
    const record = urlSlots(this, 'hash');
    let text = toUSVString(value);
    if (text === '') {
      record.fragment = null;
      return;
    }
    if (text.startsWith('#')) text = text.slice(1);
    record.fragment = '';
    updateRecord(record, text, 'fragment');
  }

  toString() { return serializeURL(urlSlots(this, 'toString')); }
  toJSON() { return serializeURL(urlSlots(this, 'toJSON')); }
}

// Runs the state machine with a state override on a copy of `record` and
// keeps the result only when it succeeded; returns false on failure.
function updateRecord(record, input, stateOverride) {
  const copy = cloneRecord(record);
  const result = basicParse(input, null, copy, stateOverride);
  if (result === kFailure) return false;
  Object.assign(record, copy);
  return true;
}

for (const name of ['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname',
                    'port', 'pathname', 'search', 'searchParams', 'hash', 'toString',
                    'toJSON']) {
  Object.defineProperty(URL.prototype, name, { enumerable: true });
}
Object.defineProperty(URL.prototype, Symbol.toStringTag, { value: 'URL', configurable: true });
Object.defineProperty(URLSearchParams.prototype, Symbol.toStringTag,
                      { value: 'URLSearchParams', configurable: true });

// Node's url.domainToASCII / domainToUnicode: '' for an invalid domain.
function domainToASCII(domain) {
  const result = domainToASCIIInternal(toUSVString(domain));
  if (result === null || kForbiddenDomain.test(result)) return '';
  return result;
}

function domainToUnicode(domain) {
  const ascii = domainToASCII(domain);
  if (ascii === '') return '';
  return ascii.split('.').map((label) => {
    if (!label.startsWith('xn--')) return label;
    const decoded = punycodeDecode(label.slice(4));
    return decoded === null ? label : decoded;
  }).join('.');
}

exports.URL = URL;
exports.URLSearchParams = URLSearchParams;
exports.domainToASCII = domainToASCII;
exports.domainToUnicode = domainToUnicode;
exports.punycodeEncode = punycodeEncode;
exports.punycodeDecode = punycodeDecode;
