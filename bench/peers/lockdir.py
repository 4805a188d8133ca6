"""The ``--dir DIR`` option of the lock-file peers: where their lock files go (tmpfs and disk
differ, so pass the same DIR as the other subjects of the run). Without it, a fresh temporary
directory, removed at exit."""

import argparse
import atexit
import shutil
import sys
import tempfile


def lock_dir(argv=None):
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--dir")
    options, _rest = p.parse_known_args(sys.argv[1:] if argv is None else argv)
    if options.dir:
        return options.dir
    made = tempfile.mkdtemp(prefix="baton-peer-")
    atexit.register(shutil.rmtree, made, True)
    return made
