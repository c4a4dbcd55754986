// textstats, JavaScript implementation (an ES module): word counts of a
// text. The words come from words() in util.js, which mirrors util.py.
import { compareCodePoints, words } from "./util.js";

// {word: count}, in order of first appearance.
export function word_counts(text) {
  // A Map keeps insertion order even for words like "2024", which a plain
  // object would move to the front; duet converts it to a map all the same.
  const counts = new Map();
  for (const word of words(text)) {
    counts.set(word, (counts.get(word) || 0) + 1);
  }
  return counts;
}

// [[word, count], ...]: most frequent first, ties in code point order; at
// most n of them (every word when n is null).
export function top_words(text, n = null) {
  if (n !== null && n < 0) {
    throw new RangeError(`n must be 0 or more, got ${n}`);
  }
  const ranked = Array.from(word_counts(text).entries()).sort(
    (a, b) => b[1] - a[1] || compareCodePoints(a[0], b[0]),
  );
  // n may be a BigInt (past 2**53); any such n keeps every word.
  return n === null ? ranked : ranked.slice(0, Number(n));
}

// Counts of characters (code points), words, distinct words and lines, and
// the longest word (the first one on a tie; "" when there is none).
export function summary(text) {
  const all = words(text);
  let longest = "";
  for (const word of all) {
    if (Array.from(word).length > Array.from(longest).length) longest = word;
  }
  let lines = 0;
  if (text.length > 0) {
    lines = text.split("\n").length - 1 + (text.endsWith("\n") ? 0 : 1);
  }
  return {
    characters: Array.from(text).length,
    words: all.length,
    unique_words: new Set(all).size,
    lines,
    longest_word: longest,
  };
}

// [fn(word) for each word of the text], in order. fn is any function, in any
// language: a Python lambda arrives as a JavaScript function. Each call gets
// the word alone (Array.prototype.map would also pass the index and array).
export function map_words(text, fn) {
  if (typeof fn !== "function") {
    const got = fn === null ? "null" : typeof fn;
    throw new TypeError(`fn must be a function, got ${got}`);
  }
  return words(text).map((word) => fn(word));
}

