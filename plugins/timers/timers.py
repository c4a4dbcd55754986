"""timers, Python implementation: coroutines on duet's asyncio loop.

Each export is an `async def`; the call awaits it, and while it sleeps the
loop runs other calls' coroutines. timers.js does the same with Promises.
"""

import asyncio

__all__ = ["wait", "both"]

MAX_MS = 10_000


def _checked(name, ms):
    if not 0 <= ms <= MAX_MS:
        raise ValueError(
            f"{name} must be from 0 to {MAX_MS} milliseconds, got {ms}")
    return ms


async def wait(ms):
    """Waits ms milliseconds, then returns ms."""
    await asyncio.sleep(_checked("ms", ms) / 1000)
    return ms


async def both(first_ms, second_ms):
    """Waits on two timers at once; returns what each gave (its ms) and the
    order they finished in, which shows they overlapped."""
    _checked("first_ms", first_ms)
    _checked("second_ms", second_ms)
    finished = []

    async def timer(name, ms):
        await asyncio.sleep(ms / 1000)
        finished.append(name)
        return ms

    first, second = await asyncio.gather(
        timer("first", first_ms), timer("second", second_ms))
    return {"first": first, "second": second, "finished": finished}
