// The tokenizer textstats uses. util.py implements the same rules, step for
// step, so both languages split every text into the same words.
//
// greeter ships a util.js too; relative imports keep the two apart.

const APOSTROPHES = new Set(["'", "\u2019"]); // ' and ’
const WORD_CHAR = /^[\p{L}\p{M}\p{N}]$/u; // Unicode categories L*, M*, N*

// A CJK ideograph: a word on its own (Chinese has no spaces).
function isHan(ch) {
  const cp = ch.codePointAt(0);
  return (
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x20000 && cp <= 0x3134f)
  );
}

function isWordChar(ch) {
  return WORD_CHAR.test(ch);
}

// The text's words, lowercased, in order.
export function words(text) {
  // Array.from walks code points, as a Python str does.
  const chars = Array.from(text.normalize("NFC").toLowerCase().normalize("NFC"));
  const out = [];
  let current = "";
  chars.forEach((ch, i) => {
    if (isHan(ch)) {
      if (current) {
        out.push(current);
        current = "";
      }
      out.push(ch);
    } else if (isWordChar(ch)) {
      current += ch;
    } else if (
      APOSTROPHES.has(ch) &&
      current &&
      i + 1 < chars.length &&
      isWordChar(chars[i + 1]) &&
      !isHan(chars[i + 1])
    ) {
      current += "'";
    } else if (current) {
      out.push(current);
      current = "";
    }
  });
  if (current) out.push(current);
  return out;
}

// Code point order, as Python compares strings. JavaScript's own < compares
// UTF-16 units, which puts an emoji before U+E000..U+FFFF.
export function compareCodePoints(a, b) {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0) - y[i].codePointAt(0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
