"""The process-peer protocol of bench/Baton.SideBySide, for peers written in Python.

A peer script calls ``run(label, open_client)``: it parses the options the harness appends
(--measures, --cycles, --warmup-cycles, --warmup-ms, --seconds, --workers, --trials, --hold-ms,
--seed, --name, --wait-seconds), measures the PEERS.md method and prints one JSON object on stdout.
Only raw data is printed (samples, per-worker counts, seconds, CPU seconds); the harness computes
every median, p99, rate and percentage, so all subjects are summarised by the same code.

``open_client(name)`` returns an object with ``acquire()`` (blocks until held), ``release()`` and
``close()``. By default workers and the handoff/waiting waiter are threads of this process, which
suits locks that exclude threads (threading.Lock, tooz/redis, kazoo). Locks held per process
(fasteners and oslo on fcntl/lockf) pass ``processes=True``: the contended workers and the waiter are
then forked processes (``sidebyside_processes.py``), and the results say ``"placement":
"cross-process"`` / ``"processes"``.

Measures: uncontended, contended, handoff (PEERS.md) and waiting: the CPU a waiter blocked
--wait-seconds on a held lock uses (its process's utime+stime; for thread waiters the whole process).
"""

import argparse
import gc
import json
import sys
import threading
import time

import sidebyside_processes


def _options(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--measures", default="uncontended,contended,handoff")
    p.add_argument("--cycles", type=int, default=2000)
    p.add_argument("--warmup-cycles", type=int, default=1000)
    p.add_argument("--warmup-ms", type=int, default=500)
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--trials", type=int, default=30)
    p.add_argument("--hold-ms", default="50-150")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--name", default="sidebyside-python")
    p.add_argument("--wait-seconds", type=float, default=5)
    options, _unknown = p.parse_known_args(argv)  # newer harnesses may add options
    return options


def _uncontended(open_client, o):
    client = open_client(o.name)
    try:
        warm_until = time.perf_counter_ns() + o.warmup_ms * 1_000_000
        i = 0
        while i < o.warmup_cycles or time.perf_counter_ns() < warm_until:
            client.acquire()
            client.release()
            i += 1
        samples = []
        gc.collect()
        now = time.perf_counter_ns
        for _ in range(o.cycles):
            started = now()
            client.acquire()
            client.release()
            samples.append((now() - started) / 1000)
        return {"samples_us": samples}
    finally:
        client.close()


def _contended(open_client, o):
    clients = [open_client(o.name) for _ in range(o.workers)]
    counts = [0] * o.workers
    start = threading.Barrier(o.workers + 1)
    deadline = [0]

    def work(index):
        client = clients[index]
        start.wait()
        stop_at = deadline[0]
        n = 0
        while True:  # nothing inside the hold; a cycle counts when it finished before the deadline
            client.acquire()
            client.release()
            if time.monotonic_ns() >= stop_at:
                break
            n += 1
        counts[index] = n

    threads = [threading.Thread(target=work, args=(i,)) for i in range(o.workers)]
    for t in threads:
        t.start()
    deadline[0] = time.monotonic_ns() + int(o.seconds * 1e9)
    start.wait()
    for t in threads:
        t.join()
    for c in clients:
        c.close()
    return {"seconds": o.seconds, "per_worker": counts}


def _handoff(open_client, o):
    holder, waiter = open_client(o.name), open_client(o.name)

    def trial(hold_ms):
        holder.acquire()
        acquired = []

        def wait():
            waiter.acquire()
            acquired.append(time.monotonic_ns())
            waiter.release()

        t = threading.Thread(target=wait)
        t.start()
        time.sleep(hold_ms / 1000)
        if acquired:
            raise RuntimeError("the waiter acquired while the holder held the name")
        released = time.monotonic_ns()
        holder.release()
        t.join(30)
        if not acquired:
            raise RuntimeError("the waiter did not acquire within 30 s of the release")
        return (acquired[0] - released) / 1e6

    try:
        return {"samples_ms": sidebyside_processes.handoff_samples(trial, o), "placement": "in-process"}
    finally:
        holder.close()
        waiter.close()


def _waiting(open_client, o):
    holder, waiter = open_client(o.name), open_client(o.name)
    holder.acquire()
    t = threading.Thread(target=lambda: (waiter.acquire(), waiter.release()))
    t.start()
    time.sleep(0.5)
    before = time.process_time()
    time.sleep(o.wait_seconds)
    used = time.process_time() - before
    holder.release()
    t.join(30)
    holder.close()
    waiter.close()
    return {"seconds": o.wait_seconds, "cpu_seconds": used, "placement": "in-process (whole process)"}


def run(label, open_client, notes=None, argv=None, processes=False):
    """Measures what the harness asked for and prints the JSON result on stdout. With
    ``processes=True`` contended workers and waiters are forked processes (see the module doc)."""
    o = _options(sys.argv[1:] if argv is None else argv)
    measures = [m.strip() for m in o.measures.split(",") if m.strip()]
    result = {"subject": label}
    if notes:
        result["notes"] = notes
    try:
        if "uncontended" in measures:
            result["uncontended"] = _uncontended(open_client, o)
        procs = sidebyside_processes
        if "contended" in measures:
            result["contended"] = (procs.contended if processes else _contended)(open_client, o)
        if "handoff" in measures:
            result["handoff"] = (procs.handoff if processes else _handoff)(open_client, o)
        if "waiting" in measures:
            result["waiting"] = (procs.waiting if processes else _waiting)(open_client, o)
    except Exception as e:  # report what was measured, and why the rest was not
        result["error"] = f"{type(e).__name__}: {e}"
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
