"""The Python callee of the cross-language benchmarks.

Plain Python (no duet import): bench/peers/peer.js calls this same file
through node-calls-python, so both systems run the same Python code.
"""

import builtins


def add(a, b):
    return a + b


def echo(value):
    return value


def sum(values):
    return builtins.sum(values)
