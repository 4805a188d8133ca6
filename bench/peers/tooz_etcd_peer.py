"""tooz's etcd driver (Debian python3-tooz with python3-etcd3gw: etcd's HTTP gateway) as a side-by-side
subject: every client is a tooz coordinator of its own (its own member id and lease), locking with
``get_lock(name)``; tooz retries a taken lock every second. Run with Debian's /usr/bin/python3:

    dotnet run -c Release --project bench/Baton.SideBySide -- \\
        --subject 'process:tooz-etcd=/usr/bin/python3 bench/peers/tooz_etcd_peer.py --url etcd3+http://127.0.0.1:2379?api_version=v3'

tooz 3.1 passes ``api_path=`` to ``etcd3gw.client()``, which etcd3gw 2.0 does not take: the client is
wrapped to set that path itself (the shared/RECIPES.md note); nothing else of tooz is changed.
"""

import argparse
import sys
import uuid

sys.dont_write_bytecode = True  # no __pycache__ in the work tree
import etcd3gw  # noqa: E402
from importlib.metadata import version  # noqa: E402
from sidebyside_peer import run  # noqa: E402

_client = etcd3gw.client


def _client_without_api_path(*args, api_path=None, **kwargs):
    client = _client(*args, **kwargs)
    if api_path:  # what tooz meant: the gateway's path for its api_version
        client.api_path = api_path if api_path.startswith("/") else "/" + api_path
    return client


etcd3gw.client = _client_without_api_path
import tooz.coordination  # noqa: E402
import tooz.drivers.etcd3gw  # noqa: E402

tooz.drivers.etcd3gw.etcd3gw.client = _client_without_api_path

_p = argparse.ArgumentParser(add_help=False)
_p.add_argument("--url", required=True)
URL = _p.parse_known_args()[0].url


class Client:
    def __init__(self, name):
        self._coordinator = tooz.coordination.get_coordinator(URL, f"bench-{uuid.uuid4().hex}".encode())
        self._coordinator.start(start_heart=True)
        self._lock = self._coordinator.get_lock(name.encode())

    def acquire(self):
        self._lock.acquire(blocking=True)

    def release(self):
        self._lock.release()

    def close(self):
        self._coordinator.stop()


if __name__ == "__main__":
    run("tooz-etcd", Client, notes=f"tooz {version('tooz')} etcd3gw driver ({version('etcd3gw')}), {URL}")
