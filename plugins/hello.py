"""hello: a single-file plugin. Its module name is the file name, and it has
a Python implementation only."""

import duet


def hello(name):
    return f"hello from Python, {name}"


def loud(name):
    """Calls shout, which is JavaScript only."""
    return duet.modules.shout.shout(hello(name))
