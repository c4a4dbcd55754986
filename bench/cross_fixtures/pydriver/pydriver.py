"""Calls from Python into other modules, n at a time.

Written as a plugin author would write them (duet.modules.NAME.FUNCTION(...)
in the loop). One Host::Call times a loop; the benchmark divides by n. Each
answer is checked and a wrong one raises, so a broken path fails instead of
being timed.
"""

import duet


def add(a, b):
    return a + b


def _fail(what):
    raise ValueError(f"pydriver: {what} returned a wrong answer")


def local_add(n):
    """The reference: a call that stays in Python."""
    for _ in range(n):
        if add(1, 2) != 3:
            _fail("add(1, 2)")
    return n


def js_add(n):
    for _ in range(n):
        if duet.modules.jsmath.add(1, 2) != 3:
            _fail("jsmath.add(1, 2)")
    return n


def python_add(n):
    for _ in range(n):
        if duet.modules.pymath.add(1, 2) != 3:
            _fail("pymath.add(1, 2)")
    return n
