"""The tokenizer textstats uses. util.js implements the same rules, step for
step, so both languages split every text into the same words.

greeter ships a util.py too; relative imports keep the two apart.
"""

import unicodedata

_APOSTROPHES = ("'", "\u2019")  # ' and ’


def _is_han(ch):
    """A CJK ideograph: a word on its own (Chinese has no spaces)."""
    cp = ord(ch)
    return (0x3400 <= cp <= 0x4DBF or 0x4E00 <= cp <= 0x9FFF
            or 0xF900 <= cp <= 0xFAFF or 0x20000 <= cp <= 0x3134F)


def _is_word_char(ch):
    """Letters, marks and digits: Unicode categories L*, M*, N*."""
    return unicodedata.category(ch)[0] in "LMN"


def words(text):
    """The text's words, lowercased, in order."""
    text = unicodedata.normalize(
        "NFC", unicodedata.normalize("NFC", text).lower())
    out = []
    current = []
    for i, ch in enumerate(text):  # a str iterates code points
        if _is_han(ch):
            if current:
                out.append("".join(current))
                current = []
            out.append(ch)
        elif _is_word_char(ch):
            current.append(ch)
        elif (ch in _APOSTROPHES and current and i + 1 < len(text)
              and _is_word_char(text[i + 1]) and not _is_han(text[i + 1])):
            current.append("'")
        elif current:
            out.append("".join(current))
            current = []
    if current:
        out.append("".join(current))
    return out

