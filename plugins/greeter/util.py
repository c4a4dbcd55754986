"""Helpers for greeter. textstats ships a util.py too; the two never collide."""

GREETING = "Hello, {}!"


def code_points(text):
    """The text's code points, one string each (a Python str already is)."""
    return list(text)
