// Checks the web globals against web_globals_vectors.json (passed in as
// text by web_globals_test.cc): returns one line per vector that differs.
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

const hex = (text) => Uint8Array.from(text.match(/../g) || [], (h) => parseInt(h, 16));
const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const show = (value) => JSON.stringify(value);

function attempt(run) {
  try {
    return run();
  } catch (error) {
    return { error: error.name };
  }
}

export function check(text, domainToASCII, domainToUnicode) {
  const vectors = JSON.parse(text);
  const failures = [];
  const expect = (what, got, want) => {
    if (show(got) !== show(want)) failures.push(`${what}: got ${show(got)}, want ${show(want)}`);
  };

  for (const { input, base, ...want } of vectors.urls) {
    const got = describe(() => (base === null ? new URL(input) : new URL(input, base)));
    expect(`new URL(${show(input)}, ${show(base)})`, got, want);
    expect(`URL.canParse(${show(input)}, ${show(base)})`,
           base === null ? URL.canParse(input) : URL.canParse(input, base), !want.failure);
  }
  for (const { href, setter, value, expected } of vectors.setters) {
    const got = attempt(() => {
      const u = new URL(href);
      u[setter] = value;
      return u.href;
    });
    expect(`new URL(${show(href)}).${setter} = ${show(value)}`, got, expected);
  }
  for (const { init, entries, afterEdits } of vectors.searchParams) {
    const params = new URLSearchParams(init);
    expect(`new URLSearchParams(${show(init)}) entries`, [...params], entries);
    params.append('z', '1 2&=+é~*!()\'');
    params.set('a', 'n');
    params.sort();
    expect(`URLSearchParams(${show(init)}) after append/set/sort`, params.toString(), afterEdits);
  }
  if (domainToASCII !== undefined) {
    for (const { input, ascii, unicode } of vectors.domains) {
      expect(`domainToASCII(${show(input)})`, domainToASCII(input), ascii);
      if (domainToUnicode !== undefined) {
        expect(`domainToUnicode(${show(input)})`, domainToUnicode(input), unicode);
      }
    }
  }
  for (const { encoding, bytes, options, expected } of vectors.decoder) {
    const whole = attempt(() => new TextDecoder(encoding, options).decode(hex(bytes)));
    expect(`TextDecoder(${show(encoding)}, ${show(options)}).decode(${bytes})`, whole, expected);
    // Streamed a byte at a time, the text (or the error) is the same.
    const streamed = attempt(() => {
      const decoder = new TextDecoder(encoding, options);
      let out = '';
      for (const byte of hex(bytes)) out += decoder.decode(Uint8Array.of(byte), { stream: true });
      return out + decoder.decode();
    });
    expect(`TextDecoder(${show(encoding)}, ${show(options)}) streaming ${bytes}`, streamed,
           expected);
  }
  for (const { input, bytes } of vectors.encoder) {
    expect(`TextEncoder.encode(${show(input)})`, toHex(new TextEncoder().encode(input)), bytes);
  }
  for (const { op, input, expected } of vectors.base64) {
    const got = attempt(() => (op === 'atob' ? atob(input) : btoa(input)));
    expect(`${op}(${show(input)})`, got, expected);
  }
  return failures;
}
