"""CPU-bound work with threads: the GIL lets one thread compute at a time.

The tutorial's rule (docs/tutorial.md): coroutines are for I/O; for computation, serial is as
good or better (计算密集型还是串行好).
Read ``shared/scenarios/cpu.py`` first (the work function, the serial baseline, the lag arithmetic),
then this file beside ``impls/gevent_impl/cpu.py`` and ``impls/asyncio_impl/cpu.py``.

- ``spread``: the batch over one thread per chunk. Only the thread holding the GIL runs
  Python code, so the chunks take turns: serial plus the cost of handing the GIL around.
- ``heartbeat``: a thread that wants to wake every 10 ms, beside one running 50 ms chunks.
  Unlike a hub or an event loop, the interpreter takes the GIL back from a running thread
  every ``sys.getswitchinterval()`` (5 ms): the wake-up waits about that, not a whole chunk.

The shape of a run (T, R and N stand for figures: R near 1 or above, varying from run to run
as the GIL is handed between threads on several cores; a lag near the switch interval, not a
chunk). Measured figures, from a full benchmark run, are in docs/results/report.md and the
README's Results::

    $ python -m impls.thread_impl.cpu
    thread: 8 chunks of ~50 ms of pure-Python work
    serial  T s
    spread  T s  (R x serial)
    heartbeat (every 10 ms): lag p50 N ms, p99 N ms, max N ms; switch interval 5 ms
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from shared.scenarios import cpu

MODEL = "thread"


def spread(chunks: int, n: int) -> list[int]:
    """``cpu.work(n)`` ``chunks`` times, one thread per chunk; checksums in order."""
    with ThreadPoolExecutor(max_workers=chunks) as pool:
        # run each chunk in a thread of its own
        futures = [pool.submit(cpu.work, n) for _ in range(chunks)]
        # blocks: the threads take turns holding the GIL until each chunk is done
        return [f.result() for f in futures]


def heartbeat(chunks: int, n: int, interval_s: float) -> dict[str, list]:
    """Wake every ``interval_s`` while another thread runs the chunks; the wake times."""
    done = threading.Event()
    wakes: list[float] = []
    checksums: list[int] = []

    def beat() -> None:
        wakes.append(cpu.now())
        while not done.is_set():
            # blocks: releases the GIL; on waking, asks the running thread to let go of it
            time.sleep(interval_s)
            wakes.append(cpu.now())

    def crunch() -> None:
        for _ in range(chunks):
            # holds the GIL, but the interpreter takes it back every switch interval
            checksums.append(cpu.work(n))
            # yields: releases the GIL between chunks
            time.sleep(0)
        done.set()

    # run the heartbeat and the work in threads of their own
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(beat), pool.submit(crunch)]
        for f in futures:
            f.result()
    return {"checksums": checksums, "wakes": wakes}


if __name__ == "__main__":
    _ARGS = cpu.demo_args(MODEL)
    cpu.demo(MODEL, _ARGS, spread, heartbeat)
