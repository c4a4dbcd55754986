# One long C call: no bytecode runs inside sum() until it returns, so
# nothing can stop it, and it must not hold up anything else either.
import duet


def crunch():
    duet.host.mark("crunching")
    return sum(range(2 * 10**8))
