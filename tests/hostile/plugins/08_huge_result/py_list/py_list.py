# 800 MB of pointers to one object in Python; 10^8 duet values if converted.
def huge():
    return [None] * 10**8
