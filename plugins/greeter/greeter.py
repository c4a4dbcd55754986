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


def make_greeter(greeting):
    """A function greeting with `greeting`: make_greeter("Bonjour")("monde")
    is "Bonjour, monde!". The function outlives this call and crosses
    languages like any value; its closure keeps `greeting`."""
    def greet_with(name):
        return f"{greeting}, {name}!"
    return greet_with
