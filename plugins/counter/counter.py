"""counter, Python implementation: a count kept between calls.

The count lives in this module. plugin.toml's [state] names snapshot and
restore, so a switch to JavaScript (`:use counter js`, Host::Use) or a reload
carries the count over: duet calls snapshot() here and restore() on the side
taking over.
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


def snapshot():
    """The state a switch or reload carries over ([state] in plugin.toml)."""
    return {"count": _count}


def restore(state):
    """Takes over the state snapshot() gave, from either language."""
    global _count
    _count = state["count"]
