# Leaves a non-daemon thread behind: interpreter shutdown joins such threads.
import threading
import time


def start():
    threading.Thread(target=time.sleep, args=(3600,)).start()
    return "started"
