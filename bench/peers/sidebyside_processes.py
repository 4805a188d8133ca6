"""Process-based measures for peers whose locks belong to a process (fasteners, oslo.concurrency
on fcntl/lockf, or any lock whose holders exclude each other only across processes).

Used by ``sidebyside_peer.run(..., processes=True)``. Workers and the handoff/waiting waiter are
forked processes, each opening its own client after the fork. Timestamps come from
``time.monotonic_ns()`` (CLOCK_MONOTONIC), which every process shares, so the holder's release time
and the waiter's acquire time can be subtracted across processes.
"""

import multiprocessing
import os
import random
import time

_fork = multiprocessing.get_context("fork")


def contended(open_client, o):
    """o.workers processes on one name for o.seconds; per-process counts."""
    counts = _fork.Array("q", o.workers, lock=False)
    deadline = _fork.Value("q", 0, lock=False)
    ready, go = _fork.Barrier(o.workers + 1), _fork.Barrier(o.workers + 1)

    def work(index):
        client = open_client(o.name)
        for _ in range(100):  # warm this process's path before the clock starts
            client.acquire()
            client.release()
        ready.wait()
        go.wait()
        stop_at = deadline.value
        n = 0
        while True:  # nothing inside the hold; a cycle counts when it finished before the deadline
            client.acquire()
            client.release()
            if time.monotonic_ns() >= stop_at:
                break
            n += 1
        counts[index] = n
        client.close()

    workers = [_fork.Process(target=work, args=(i,)) for i in range(o.workers)]
    for w in workers:
        w.start()
    ready.wait()  # every worker has started and warmed up
    deadline.value = time.monotonic_ns() + int(o.seconds * 1e9)
    go.wait()
    for w in workers:
        w.join()
        if w.exitcode != 0:
            raise RuntimeError(f"a worker process exited with code {w.exitcode}")
    return {"seconds": o.seconds, "per_worker": list(counts), "placement": "processes"}


class _Waiter:
    """A child process that, per message, acquires (blocking), sends the monotonic time its acquire
    returned, and releases."""

    def __init__(self, open_client, name):
        self._conn, child = _fork.Pipe()
        self.process = _fork.Process(target=self._serve, args=(open_client, name, child))
        self.process.start()

    @staticmethod
    def _serve(open_client, name, conn):
        client = open_client(name)
        while conn.recv() == "acquire":
            client.acquire()
            conn.send(time.monotonic_ns())
            client.release()
        client.close()

    def begin_acquire(self):
        self._conn.send("acquire")

    def acquired(self):
        return self._conn.poll()

    def acquired_at(self, timeout):
        if not self._conn.poll(timeout):
            raise RuntimeError(f"the waiter did not acquire within {timeout} s of the release")
        return self._conn.recv()

    def stop(self):
        self._conn.send("stop")
        self.process.join(30)


def handoff_samples(trial, o):
    """The handoff trials of the harness's method: an untimed warm-up of >= 50 trials with 1 ms holds for at
    least the warm-up time, then o.trials timed ones with random holds in o.hold_ms (seeded by o.seed)."""
    low, high = (int(x) for x in o.hold_ms.split("-"))
    rng = random.Random(o.seed)
    warm_until = time.monotonic_ns() + o.warmup_ms * 1_000_000
    i = 0
    while i < 50 or time.monotonic_ns() < warm_until:
        trial(1)
        i += 1
    return [trial(rng.randint(low, high)) for _ in range(o.trials)]


def handoff(open_client, o):
    """The holder is this process; the already-blocked waiter is a child process."""
    holder = open_client(o.name)
    waiter = _Waiter(open_client, o.name)

    def trial(hold_ms):
        holder.acquire()
        waiter.begin_acquire()
        time.sleep(hold_ms / 1000)
        if waiter.acquired():
            raise RuntimeError("the waiter acquired while the holder held the name")
        released = time.monotonic_ns()
        holder.release()
        return (waiter.acquired_at(30) - released) / 1e6

    try:
        return {"samples_ms": handoff_samples(trial, o), "placement": "cross-process"}
    finally:
        waiter.stop()
        holder.close()


def cpu_seconds(pid):
    """utime + stime of a whole process (all its threads), from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def waiting(open_client, o):
    """CPU time of a child process blocked o.wait_seconds on a lock this process holds."""
    holder = open_client(o.name)
    waiter = _Waiter(open_client, o.name)
    try:
        holder.acquire()
        waiter.begin_acquire()
        time.sleep(0.5)  # let it start and block
        before = cpu_seconds(waiter.process.pid)
        time.sleep(o.wait_seconds)
        used = cpu_seconds(waiter.process.pid) - before
        if waiter.acquired():
            raise RuntimeError("the waiter acquired while the holder held the name")
        holder.release()
        waiter.acquired_at(30)
        return {"seconds": o.wait_seconds, "cpu_seconds": used, "placement": "cross-process"}
    finally:
        waiter.stop()
        holder.close()
