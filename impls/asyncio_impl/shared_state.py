"""Many asyncio tasks increment one counter: safe without a lock only until an ``await``.

Read ``shared/scenarios/shared_state.py`` first (the tutorial's claim, what is counted), then
this file beside ``impls/gevent_impl/shared_state.py`` and ``impls/thread_impl/shared_state.py``.

A task is never interrupted between two awaits, so a read-modify-write with no ``await``
inside loses nothing. One ``await asyncio.sleep(0)`` between the read and the write lets
every other task read the same value: most increments are lost. ``asyncio.Lock`` around the
same code loses none.

Shape of a run (``python -m impls.asyncio_impl.shared_state``; figures in docs/results)::

    asyncio: 10 tasks x 5000 read-modify-write increments of one counter (50000 in all)
      no switch point inside: lost 0 (0.0%) in ... ms, switch interval 5 ms
      a switch point inside (await asyncio.sleep(0)): lost most of them ...
      the same under asyncio.Lock: lost 0 (0.0%) in ... ms, switch interval 5 ms
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from impls.asyncio_impl import runner
from shared.scenarios import shared_state
from shared.scenarios.shared_state import Counter

MODEL = "asyncio"


def no_switch(
    tasks: int = shared_state.TASKS, increments: int = shared_state.INCREMENTS
) -> dict[str, Any]:
    """Increment with nothing between the read and the write (until a run loses one)."""
    return shared_state.until_lost(lambda: runner.run(_together(tasks, increments, _plain)))


def switch_inside(
    tasks: int = shared_state.TASKS, increments: int = shared_state.INCREMENTS
) -> dict[str, Any]:
    """Increment with ``await asyncio.sleep(0)`` between the read and the write (until a run
    loses one)."""
    return shared_state.until_lost(lambda: runner.run(_together(tasks, increments, _switching)))


def locked(
    tasks: int = shared_state.TASKS, increments: int = shared_state.INCREMENTS
) -> dict[str, Any]:
    """The ``switch_inside`` increments under an ``asyncio.Lock``."""
    return runner.run(_together(tasks, increments, _locked))


def run(
    tasks: int = shared_state.TASKS, increments: int = shared_state.INCREMENTS
) -> dict[str, Any]:
    """The demo: the three ways, printed; the result as ``--json`` shows it."""
    return shared_state.outcome(MODEL, tasks, increments, no_switch, switch_inside, locked)


async def _plain(counter: Counter, increments: int, lock: asyncio.Lock) -> None:
    for _ in range(increments):
        value = counter.read()
        counter.write(value + 1)  # no await since the read: no other task ran


async def _switching(counter: Counter, increments: int, lock: asyncio.Lock) -> None:
    for _ in range(increments):
        value = counter.read()
        # yields to the loop: every other task may read the same value meanwhile
        await asyncio.sleep(0)
        counter.write(value + 1)


async def _locked(counter: Counter, increments: int, lock: asyncio.Lock) -> None:
    for _ in range(increments):
        # yields to the loop until the lock is free
        async with lock:
            value = counter.read()
            # yields to the loop: the others wait for the lock
            await asyncio.sleep(0)
            counter.write(value + 1)


async def _together(
    tasks: int,
    increments: int,
    body: Callable[[Counter, int, asyncio.Lock], Awaitable[None]],
) -> dict[str, Any]:
    tally = shared_state.Tally(tasks, increments)
    lock = asyncio.Lock()
    # blocks until every task is done
    async with asyncio.TaskGroup() as tg:
        for _ in range(tasks):
            # run each in a task of its own
            tg.create_task(body(tally.counter, increments, lock))
    return tally.part()


if __name__ == "__main__":
    _ARGS = shared_state.demo_args(MODEL)
    shared_state.demo(MODEL, _ARGS, run)
