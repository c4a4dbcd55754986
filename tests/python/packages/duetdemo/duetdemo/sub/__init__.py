import duetdemo.helpers
# A relative import reaches the same module as the absolute one.
from .. import helpers as relative_helpers


def version():
    if relative_helpers is not duetdemo.helpers:
        raise ImportError("duetdemo.helpers imported twice")
    return duetdemo.helpers.VERSION
