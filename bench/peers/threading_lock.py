"""Python's threading.Lock as a side-by-side subject: the floor of any Python peer (what the
interpreter and this measuring loop cost by themselves), and the template for new Python peers.

    dotnet run -c Release --project bench/Baton.SideBySide -- \
        --subjects baton:memory://,semaphoreslim,'process:python-threading=python3 bench/peers/threading_lock.py'
"""

import platform
import sys
import threading

sys.dont_write_bytecode = True  # no __pycache__ in the work tree
from sidebyside_peer import run  # noqa: E402

_locks = {}


class Client:
    def __init__(self, name):
        self._lock = _locks.setdefault(name, threading.Lock())

    def acquire(self):
        self._lock.acquire()

    def release(self):
        self._lock.release()

    def close(self):
        pass


if __name__ == "__main__":
    run("threading.Lock", Client, notes=f"CPython {platform.python_version()}")
