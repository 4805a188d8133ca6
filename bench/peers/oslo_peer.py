"""oslo.concurrency's ``lockutils.lock(name, external=True)`` (Debian python3-oslo.concurrency) as a
side-by-side subject: a process-local semaphore plus a fasteners lock file
``<dir>/<prefix>-<name>`` (kept), so its workers and its waiter are processes. Run with Debian's
/usr/bin/python3:

    dotnet run -c Release --project bench/Baton.SideBySide -- \\
        --subject 'process:oslo=/usr/bin/python3 bench/peers/oslo_peer.py --dir /dev/shm/x'
"""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the work tree
from importlib.metadata import version  # noqa: E402
from lockdir import lock_dir  # noqa: E402
from oslo_concurrency import lockutils  # noqa: E402
from sidebyside_peer import run  # noqa: E402

DIR = lock_dir()


class Client:
    def __init__(self, name):
        self._name = name
        self._held = None

    def acquire(self):
        held = lockutils.lock(self._name, lock_file_prefix="baton-bench", external=True, lock_path=DIR)
        held.__enter__()
        self._held = held

    def release(self):
        held, self._held = self._held, None
        held.__exit__(None, None, None)

    def close(self):
        pass


if __name__ == "__main__":
    run("oslo.concurrency", Client, processes=True,
        notes=f"oslo.concurrency {version('oslo.concurrency')} lock(external=True), fasteners lockf on a kept file; dir {DIR}")
