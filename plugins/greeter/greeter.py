"""greeter, Python implementation."""

from . import util


def greet(name):
    return util.GREETING.format(name)


def greet_all(names):
    return [greet(name) for name in names]


def reverse(text):
    """Reverses code points, so an emoji stays whole."""
    return "".join(reversed(util.code_points(text)))


def length(text):
    """Counts code points ("👋" is 1)."""
    return len(util.code_points(text))


def language():
    """Which implementation answered: handy after `:use greeter js`."""
    return "python"
