"""fasteners.InterProcessLock (Debian python3-fasteners) as a side-by-side subject: a POSIX
fcntl/lockf lock on a kept file, taken by polling (non-blocking tries with sleeps of 10 ms growing to
100 ms), so its workers and its waiter are processes. Run with Debian's /usr/bin/python3:

    dotnet run -c Release --project bench/Baton.SideBySide -- \\
        --subject 'process:fasteners=/usr/bin/python3 bench/peers/fasteners_peer.py --dir /dev/shm/x'
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the work tree
import fasteners  # noqa: E402
from importlib.metadata import version  # noqa: E402
from lockdir import lock_dir  # noqa: E402
from sidebyside_peer import run  # noqa: E402

DIR = lock_dir()


class Client:
    def __init__(self, name):
        self._lock = fasteners.InterProcessLock(os.path.join(DIR, name))

    def acquire(self):
        self._lock.acquire()  # the defaults a user gets: blocking, delay 0.01 s, max_delay 0.1 s

    def release(self):
        self._lock.release()

    def close(self):
        pass


if __name__ == "__main__":
    run("fasteners", Client, processes=True,
        notes=f"fasteners {version('fasteners')} InterProcessLock, lockf on a kept file, polls; dir {DIR}")
