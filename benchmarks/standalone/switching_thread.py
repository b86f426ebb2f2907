"""Threads' switching primitives timed in a fresh process, for the standalone cross-check.

``python -m benchmarks.standalone.switching_thread JSON`` (run by
``benchmarks/standalone_switching.py``); ``"pool_workers"`` in the JSON sizes the
``thread-pool`` spawn variant. Written apart from ``impls/thread_impl/``: a second
measurement shares no code with what it checks. Threads have no raw switch.
"""

from __future__ import annotations

import functools
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from benchmarks.standalone import switching_common as common


def switch(n: int) -> None:
    """``n`` one-way handoffs between two threads, each woken by its own Event."""
    a, b = threading.Event(), threading.Event()

    def ping() -> None:
        for _ in range(n // 2):
            b.set()
            a.wait()  # blocks in the kernel, giving up the GIL, until pong sets it
            a.clear()

    def pong() -> None:
        for _ in range(n // 2):
            b.wait()  # blocks in the kernel, giving up the GIL, until ping sets it
            b.clear()
            a.set()

    ts = [threading.Thread(target=ping), threading.Thread(target=pong)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def yields(n: int) -> None:
    """``n`` calls to ``time.sleep(0)``, half in each of two threads."""

    def player() -> None:
        for _ in range(n // 2):
            time.sleep(0)  # releases the GIL; whoever gets it next runs

    ts = [threading.Thread(target=player) for _ in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def spawn(n: int, repeat: int, variant: str, *, pool_workers: int) -> None:
    """``repeat`` times: start ``n`` threads that do nothing and join them (``thread``), or
    submit ``n`` no-op calls to a fresh pool of ``pool_workers`` threads (``thread-pool``)."""

    def noop() -> None:
        pass

    for _ in range(repeat):
        if variant == "thread":
            ts = [threading.Thread(target=noop) for _ in range(n)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
        else:
            with ThreadPoolExecutor(max_workers=pool_workers) as pool:
                for f in [pool.submit(noop) for _ in range(n)]:
                    f.result()


def parked(n: int) -> float:
    """KiB of RSS per thread parked on an Event."""
    gate = threading.Event()
    threads: list[threading.Thread] = []

    def park(count: int) -> None:
        arrived: list[int] = []
        done = threading.Event()

        def task() -> None:
            arrived.append(1)
            if len(arrived) >= count:
                done.set()
            gate.wait()  # parked: sleeps in the kernel until the gate opens

        for _ in range(count):
            threads.append(threading.Thread(target=task))
            threads[-1].start()
        done.wait()

    try:
        return common.kib_per_parked_task(park, n)
    finally:
        gate.set()
        for t in threads:
            t.join()


def main() -> None:
    args = common.args()
    spawn_in_pool = functools.partial(spawn, pool_workers=args["pool_workers"])
    common.run_jobs(
        args["jobs"], switch=switch, yields=yields, raw=None, spawn=spawn_in_pool, parked=parked
    )


if __name__ == "__main__":
    main()
