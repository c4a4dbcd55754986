# Code that swallows the exception a deadline or an interrupt raises.
import duet


def swallow():
    duet.host.mark("swallowing")
    while True:
        try:
            for _ in range(100000):
                pass
        except BaseException:
            continue


class Sticky:
    # Runs when the object is dropped: after the call returned it, unless
    # the host drops it under the call's deadline.
    def __del__(self):
        duet.host.mark("finalizing")
        while True:
            pass


def give():
    return Sticky()
