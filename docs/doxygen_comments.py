#!/usr/bin/env python3
"""Turns the `//` comments of public headers into Doxygen `///` comments.

    python3 docs/doxygen_comments.py host/include/duet/*.h \
        tools/include/duet/tools/*.h

Rewrites the files in place and is idempotent, so it can run again after
someone adds `//` comments. What changes, at namespace or class scope only
(never inside a function body):
  * the comment block at the top of a file becomes `/// @file` + its text;
  * a comment block directly above a declaration or #define becomes `///`;
  * a trailing `// text` after a member or enumerator (`...;` or `...,`)
    becomes `///< text`;
  * inside those, lines indented three or more spaces (examples, tables)
    become a @code block, except the continuation lines of a `*` bullet.
Comments followed by a blank line, `#include`s (IWYU pragmas), `#endif`
guards and access labels stay `//`.
"""

import re
import sys

# A brace opens a scope after one of these words and no parenthesis (a
# function body, even a template one, always has a parameter list).
SCOPE_KEYWORDS = re.compile(r"\b(namespace|class|struct|enum|union)\b")
TRAILING = re.compile(r"^(?P<code>.*?[;,])(?P<gap>\s+)//(?!/)\s?(?P<text>.*)$")
ACCESS_LABEL = re.compile(r"^\s*(public|private|protected)\s*:")


def code_part(line):
    """The line without a trailing // comment and without string contents."""
    without_strings = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    without_strings = re.sub(r"'(\\.|[^'\\])*'", "''", without_strings)
    return without_strings.split("//", 1)[0]


def comment_text(line):
    """(indent, text) of a `//` or `///` comment line."""
    match = re.match(r"^(\s*)///?(.*)$", line)
    return match.group(1), match.group(2)


def convert_block(lines, file_banner):
    """The `///` version of a block of `//` comment lines."""
    indent, _ = comment_text(lines[0])
    texts = []
    for line in lines:
        _, text = comment_text(line)
        if text.startswith(" "):
            text = text[1:]
        texts.append(text)
    if any(t.strip().startswith(("@code", "@file")) for t in texts):
        return lines  # already converted
    out = []
    if file_banner:
        out.append(f"{indent}/// @file")
    in_code = False
    in_bullet = False
    for text in texts:
        stripped = text.lstrip(" ")
        depth = len(text) - len(stripped)
        if stripped.startswith(("* ", "- ")):
            in_bullet = True
        elif depth == 0 or not stripped:
            in_bullet = False
        is_code = depth >= 2 and bool(stripped) and not in_bullet
        if is_code and not in_code:
            out.append(f"{indent}/// @code")
            in_code = True
        elif not is_code and in_code:
            out.append(f"{indent}/// @endcode")
            in_code = False
        out.append(f"{indent}///" + (f" {text}" if text else ""))
    if in_code:
        out.append(f"{indent}/// @endcode")
    return out


def documents_next(line):
    """Whether a comment directly above `line` documents it."""
    stripped = line.strip()
    if not stripped or stripped.startswith("}"):
        return False
    if stripped.startswith("#") and not stripped.startswith("#define"):
        return False
    return not ACCESS_LABEL.match(line)


def convert(source):
    lines = source.split("\n")
    out = []
    # One entry per open brace: True for namespace/class/struct/enum scope.
    scopes = []
    statement = ""  # code since the last ; { or }, to classify a brace
    i = 0
    first_block = True
    while i < len(lines):
        line = lines[i]
        at_scope = all(scopes)
        if re.match(r"^\s*//", line):
            block = []
            while i < len(lines) and re.match(r"^\s*//", lines[i]):
                block.append(lines[i])
                i += 1
            following = lines[i] if i < len(lines) else ""
            plain = [l for l in block if not re.match(r"^\s*///", l)]
            if first_block and not out:
                out.extend(convert_block(block, file_banner=True))
            elif at_scope and plain and documents_next(following):
                out.extend(convert_block(block, file_banner=False))
            else:
                out.extend(block)
            first_block = False
            continue
        first_block = False
        code = code_part(line)
        match = TRAILING.match(line)
        if (at_scope and match and not line.lstrip().startswith("#")
                and code.rstrip().endswith((";", ","))):
            line = f"{match.group('code')}{match.group('gap')}///< {match.group('text')}"
        if not line.lstrip().startswith("#"):
            for char in code:
                if char == "{":
                    scopes.append(bool(SCOPE_KEYWORDS.search(statement))
                                  and "(" not in statement)
                    statement = ""
                elif char == "}":
                    if scopes:
                        scopes.pop()
                    statement = ""
                elif char == ";":
                    statement = ""
                else:
                    statement += char
            statement += " "
        out.append(line)
        i += 1
    return "\n".join(out)


def main(paths):
    for path in paths:
        with open(path, encoding="utf-8") as f:
            source = f.read()
        converted = convert(source)
        if converted != source:
            with open(path, "w", encoding="utf-8") as f:
                f.write(converted)


if __name__ == "__main__":
    main(sys.argv[1:])
