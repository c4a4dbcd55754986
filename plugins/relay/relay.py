"""relay, Python implementation: calls other modules through duet.

duet.modules.NAME.FUNCTION(...) and duet.call("NAME.FUNCTION", ...) reach a
module in whichever language its active implementation runs.
"""

import duet


def greet_and_count(name):
    greeting = duet.modules.greeter.greet(name)
    return {
        "greeting": greeting,
        "word_counts": duet.call("textstats.word_counts", greeting),
    }


def loud_greeting(name):
    return duet.modules.shout.shout(duet.modules.greeter.greet(name))


def loud_hello(name):
    """hello is Python only and calls shout, which is JavaScript only."""
    return duet.modules.hello.loud(name)


def route():
    """Which language answers where: relay itself, and greeter behind it."""
    return {"relay": "python", "greeter": duet.modules.greeter.language()}


def banner(text):
    """Uses duet.host.app_name(), a function the application registers."""
    return f"[{duet.host.app_name()}] {text}"
