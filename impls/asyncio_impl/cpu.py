"""CPU-bound work with asyncio tasks: switching cannot make computation faster.

The tutorial's rule (docs/tutorial.md): coroutines are for I/O; for computation, serial is as
good or better (计算密集型还是串行好).
Read ``shared/scenarios/cpu.py`` first (the work function, the serial baseline, the lag arithmetic),
then this file beside ``impls/gevent_impl/cpu.py`` and ``impls/thread_impl/cpu.py``.

- ``spread``: the batch over one task per chunk. Tasks switch only at an ``await`` that
  suspends; a chunk has none, so they run one after the other: serial plus task cost.
- ``heartbeat``: a task that wants to wake every 10 ms, beside one running 50 ms chunks.
  The event loop cannot take the CPU back from a running task, so the wake-up waits for the
  chunk to end. Worse: a due timer only resolves a future, which then schedules the task,
  each a trip through the ready queue behind the cruncher's own next step, so the lag is
  often two or three chunks, not one.

The shape of a run (T, R and N stand for figures: R near 1, no gain; a lag of one chunk or
more). Measured figures, from a full benchmark run, are in docs/results/report.md and the
README's Results::

    $ python -m impls.asyncio_impl.cpu
    asyncio: 8 chunks of ~50 ms of pure-Python work
    serial  T s
    spread  T s  (R x serial)
    heartbeat (every 10 ms): lag p50 N ms, p99 N ms, max N ms; switch interval 5 ms
"""

from __future__ import annotations

import asyncio

from impls.asyncio_impl import runner
from shared.scenarios import cpu

MODEL = "asyncio"


def spread(chunks: int, n: int) -> list[int]:
    """``cpu.work(n)`` ``chunks`` times, one task per chunk; checksums in order."""
    return runner.run(_spread(chunks, n))


async def _spread(chunks: int, n: int) -> list[int]:
    async def one() -> int:
        return cpu.work(n)

    # blocks: the loop runs the tasks, each to its end (a chunk never awaits)
    async with asyncio.TaskGroup() as tg:
        # run each chunk in a task of its own
        tasks = [tg.create_task(one()) for _ in range(chunks)]
    return [t.result() for t in tasks]


def heartbeat(chunks: int, n: int, interval_s: float) -> dict[str, list]:
    """Wake every ``interval_s`` while another task runs the chunks; the wake times."""
    return runner.run(_heartbeat(chunks, n, interval_s))


async def _heartbeat(chunks: int, n: int, interval_s: float) -> dict[str, list]:
    done = asyncio.Event()
    wakes: list[float] = []
    checksums: list[int] = []

    async def beat() -> None:
        wakes.append(cpu.now())
        while not done.is_set():
            # yields to the loop until the timer fires (and the running task lets go)
            await asyncio.sleep(interval_s)
            wakes.append(cpu.now())

    async def crunch() -> None:
        for _ in range(chunks):
            # holds the loop: no other task runs until the chunk returns
            checksums.append(cpu.work(n))
            # yields to the loop between chunks
            await asyncio.sleep(0)
        done.set()

    # run the heartbeat and the work in tasks of their own
    async with asyncio.TaskGroup() as tg:
        tg.create_task(beat())
        tg.create_task(crunch())
    return {"checksums": checksums, "wakes": wakes}


if __name__ == "__main__":
    _ARGS = cpu.demo_args(MODEL)
    cpu.demo(MODEL, _ARGS, spread, heartbeat)
