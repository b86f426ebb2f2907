"""CPU-bound work with greenlets: switching cannot make computation faster.

The tutorial's rule (docs/tutorial.md): coroutines are for I/O; for computation, serial is as
good or better (计算密集型还是串行好).
Read ``shared/scenarios/cpu.py`` first (the work function, the serial baseline, the lag arithmetic),
then this file beside ``impls/asyncio_impl/cpu.py`` and ``impls/thread_impl/cpu.py``.

- ``spread``: the batch over one greenlet per chunk. Greenlets switch only when one blocks
  or yields; a chunk does neither, so they run one after the other: serial plus spawn cost.
- ``heartbeat``: a greenlet that wants to wake every 10 ms, beside one running 50 ms chunks.
  The hub cannot take the CPU back from a running greenlet, so the wake-up waits for the
  chunk to end: lag of about a whole chunk. Between chunks the worker yields with
  ``gevent.idle()``: with ``gevent.sleep(0)`` the hub runs it again before it looks at its
  timers, and the heartbeat waits for many chunks at once (try it).

The shape of a run (T, R and N stand for figures: R near 1, no gain; a lag near a whole
chunk). Measured figures, from a full benchmark run, are in docs/results/report.md and the
README's Results::

    $ python -m impls.gevent_impl.cpu
    gevent: 8 chunks of ~50 ms of pure-Python work
    serial  T s
    spread  T s  (R x serial)
    heartbeat (every 10 ms): lag p50 N ms, p99 N ms, max N ms; switch interval 5 ms
"""

from __future__ import annotations

if __name__ == "__main__":
    # Run as a demo: patch first, as the tutorial does, before anything imports socket, ssl or
    # threading (inside a worker, impls.gevent_impl.__main__ has patched already).
    from gevent import monkey

    monkey.patch_all()

import gevent  # noqa: E402
from gevent.event import Event  # noqa: E402

from shared.scenarios import cpu  # noqa: E402

MODEL = "gevent"


def spread(chunks: int, n: int) -> list[int]:
    """``cpu.work(n)`` ``chunks`` times, one greenlet per chunk; checksums in order."""
    # run each chunk in a greenlet of its own
    tasks = [gevent.spawn(cpu.work, n) for _ in range(chunks)]
    # blocks: the hub runs the greenlets, each to its end (a chunk never yields)
    gevent.joinall(tasks, raise_error=True)
    return [t.value for t in tasks]


def heartbeat(chunks: int, n: int, interval_s: float) -> dict[str, list]:
    """Wake every ``interval_s`` while another greenlet runs the chunks; the wake times."""
    done = Event()
    wakes: list[float] = []
    checksums: list[int] = []

    def beat() -> None:
        wakes.append(cpu.now())
        while not done.is_set():
            # yields to the hub until the timer fires (and the running greenlet lets go)
            gevent.sleep(interval_s)
            wakes.append(cpu.now())

    def crunch() -> None:
        for _ in range(chunks):
            # holds the hub: no other greenlet runs until the chunk returns
            checksums.append(cpu.work(n))
            # yields to the hub for one full loop cycle between chunks (timers fire; with
            # gevent.sleep(0) the hub may resume this greenlet before it checks its timers)
            gevent.idle()
        done.set()

    # run the heartbeat and the work in greenlets of their own
    tasks = [gevent.spawn(beat), gevent.spawn(crunch)]
    gevent.joinall(tasks, raise_error=True)
    return {"checksums": checksums, "wakes": wakes}


if __name__ == "__main__":
    _ARGS = cpu.demo_args(MODEL)
    cpu.demo(MODEL, _ARGS, spread, heartbeat)
