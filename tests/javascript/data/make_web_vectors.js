// Regenerates web_globals_vectors.json, the expected results
// web_globals_test.cc checks duet's web globals against, from Node.js (a
// reference implementation of the same standards):
//   node tests/javascript/data/make_web_vectors.js
// Where Node predates the current standard, the standard's answer is
// written in `overrides` below.
'use strict';
const fs = require('fs');
const path = require('path');
const url = require('url');
const inputs = require('./web_vector_inputs.js');

const fields = ['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname', 'port',
                'pathname', 'search', 'hash'];
function describe(make) {
  try {
    const u = make();
    const out = {};
    for (const f of fields) out[f] = u[f];
    return out;
  } catch (error) {
    return { failure: error.name };
  }
}

// The URL standard (2024 on) percent-encodes a space that ends an opaque
// path before "?" or "#", so dropping the query or fragment cannot change
// the path; Node 20 keeps the space. And a non-special URL without a host
// takes the port its host setter is given (the host state goes on to the
// port state); Node 20 drops it.
const overrides = {
  url: {
    'a: foo.com ?x': { href: 'a: foo.com%20?x', pathname: ' foo.com%20' },
    'a: foo.com #x': { href: 'a: foo.com%20#x', pathname: ' foo.com%20' },
  },
};

const urls = inputs.urls.map(([input, base]) => {
  const result = describe(() => (base === null ? new URL(input) : new URL(input, base)));
  Object.assign(result, overrides.url[input] || {});
  return { input, base, ...result };
});

const setters = [];
for (const href of inputs.setterHrefs) {
  for (const [setter, values] of Object.entries(inputs.setterValues)) {
    for (const value of values) {
      const u = new URL(href);
      let expected;
      try {
        u[setter] = value;
        expected = u.href;
      } catch (error) {
        expected = { error: error.name };
      }
      setters.push({ href, setter, value, expected });
    }
  }
}

const searchParams = inputs.searchParams.map((init) => {
  const params = new URLSearchParams(init);
  const entries = [...params];
  params.append('z', '1 2&=+é~*!()\'');
  params.set('a', 'n');
  params.sort();
  return { init, entries, afterEdits: params.toString() };
});

const domains = inputs.domains.map((domain) => ({
  input: domain, ascii: url.domainToASCII(domain), unicode: url.domainToUnicode(domain),
}));

const hex = (text) => Uint8Array.from(text.match(/../g) || [], (h) => parseInt(h, 16));
const decoder = [];
for (const encoding of ['utf-8', 'utf-16le', 'utf-16be']) {
  for (const bytes of inputs.decoderBytes) {
    for (const options of [{}, { fatal: true }, { ignoreBOM: true }]) {
      let expected;
      try {
        expected = new TextDecoder(encoding, options).decode(hex(bytes));
      } catch (error) {
        expected = { error: error.name };
      }
      // Streamed one byte at a time gives the same text.
      decoder.push({ encoding, bytes, options, expected });
    }
  }
}
// windows-1252 from the Encoding standard's index (Node decodes it as
// ISO-8859-1): 0x80..0x9f are the typographic characters, undefined bytes
// (0x81, 0x8d, 0x8f, 0x90, 0x9d) map to the C1 control of the same value.
const windows1252 = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039' +
    '\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161' +
    '\u203a\u0153\u009d\u017e\u0178';
let allBytes = '';
let allText = '';
for (let b = 0; b < 256; b++) {
  allBytes += b.toString(16).padStart(2, '0');
  allText += b >= 0x80 && b <= 0x9f ? windows1252[b - 0x80] : String.fromCharCode(b);
}
for (const label of ['windows-1252', 'latin1', 'ascii', 'iso-8859-1']) {
  decoder.push({ encoding: label, bytes: allBytes, options: {}, expected: allText });
}

const encoder = inputs.encoderStrings.map((input) => ({
  input, bytes: Buffer.from(new TextEncoder().encode(input)).toString('hex'),
}));

const base64 = [];
for (const input of inputs.base64.atob) {
  let expected;
  try { expected = atob(input); } catch (error) { expected = { error: error.name }; }
  base64.push({ op: 'atob', input, expected });
}
for (const input of inputs.base64.btoa) {
  let expected;
  try { expected = btoa(input); } catch (error) { expected = { error: error.name }; }
  base64.push({ op: 'btoa', input, expected });
}

const out = { generatedBy: `node ${process.version}`, urls, setters, searchParams, domains,
              decoder, encoder, base64 };
// One vector a line, so a diff shows which changed.
const lines = Object.entries(out).map(([key, value]) => {
  const body = Array.isArray(value)
      ? `[\n${value.map((item) => JSON.stringify(item)).join(',\n')}\n]` : JSON.stringify(value);
  return `${JSON.stringify(key)}: ${body}`;
});
fs.writeFileSync(path.join(__dirname, 'web_globals_vectors.json'), `{\n${lines.join(',\n')}\n}\n`);
console.log(`urls ${urls.length}, setters ${setters.length}, decoder ${decoder.length}`);
