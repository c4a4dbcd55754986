"""textstats, Python implementation: word counts of a text.

The words come from util.words, which textstats.js mirrors in JavaScript.
"""

from . import util

__all__ = ["word_counts", "top_words", "summary", "map_words"]


def word_counts(text):
    """{word: count}, in order of first appearance."""
    counts = {}
    for word in util.words(text):
        counts[word] = counts.get(word, 0) + 1
    return counts


def top_words(text, n=None):
    """[[word, count], ...]: most frequent first, ties in code point order;
    at most n of them (every word when n is None)."""
    if n is not None and n < 0:
        raise ValueError(f"n must be 0 or more, got {n}")
    ranked = sorted(word_counts(text).items(), key=lambda kv: (-kv[1], kv[0]))
    if n is not None:
        ranked = ranked[:n]
    return [[word, count] for word, count in ranked]


def summary(text):
    """Counts of characters (code points), words, distinct words and lines,
    and the longest word (the first one on a tie; "" when there is none)."""
    words = util.words(text)
    longest = ""
    for word in words:
        if len(word) > len(longest):
            longest = word
    if not text:
        lines = 0
    else:
        lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    return {
        "characters": len(text),
        "words": len(words),
        "unique_words": len(set(words)),
        "lines": lines,
        "longest_word": longest,
    }


def map_words(text, fn):
    """[fn(word) for each word of the text], in order. fn is any function,
    in any language: a JavaScript arrow function arrives as a callable."""
    if not callable(fn):
        raise TypeError(
            f"fn must be a function, got {type(fn).__name__}")
    return [fn(word) for word in util.words(text)]
