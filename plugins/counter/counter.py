"""counter, Python implementation: a count kept between calls.

The count lives in this module, so it belongs to the Python implementation
alone. Switching counter to JavaScript (`:use counter js`, Host::Use) does not
carry it over: calls then see counter.js's own count, and switching back
finds this one where it was left.
"""

import duet

_count = 0


def increment(by):
    """Adds `by` and returns the new count."""
    global _count
    _count += by
    return _count


def get():
    return _count


def reset():
    """Sets the count to 0 and returns it."""
    global _count
    duet.log(f"counter reset (was {_count})")
    _count = 0
    return _count
