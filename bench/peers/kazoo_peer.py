"""kazoo's ``Lock`` recipe (Debian python3-kazoo) as a side-by-side subject: every client is a KazooClient of
its own (its own session), locking with ``client.Lock(path)``, a contender node per acquisition and a watch on
its predecessor. Run with Debian's /usr/bin/python3:

    dotnet run -c Release --project bench/Baton.SideBySide -- \\
        --subject 'process:kazoo=/usr/bin/python3 bench/peers/kazoo_peer.py --hosts 127.0.0.1:2181'
"""

import argparse
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the work tree
from importlib.metadata import version  # noqa: E402
from kazoo.client import KazooClient  # noqa: E402
from sidebyside_peer import run  # noqa: E402

_p = argparse.ArgumentParser(add_help=False)
_p.add_argument("--hosts", required=True)
_p.add_argument("--root", default="/baton-bench-kazoo")
_ARGS = _p.parse_known_args()[0]


class Client:
    def __init__(self, name):
        self._client = KazooClient(hosts=_ARGS.hosts)
        self._client.start(timeout=15)
        self._lock = self._client.Lock(f"{_ARGS.root}/{name}", "bench")

    def acquire(self):
        self._lock.acquire(blocking=True)

    def release(self):
        self._lock.release()

    def close(self):
        self._client.stop()
        self._client.close()


if __name__ == "__main__":
    run("kazoo", Client, notes=f"kazoo {version('kazoo')} Lock, {_ARGS.hosts}")
