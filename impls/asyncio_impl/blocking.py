"""A task that blocks the loop in C, and asyncio's own detector: debug mode.

Read ``shared/scenarios/blocking.py`` first (what is measured, what each detector gives),
then this file beside ``impls/gevent_impl/blocking.py`` and ``impls/thread_impl/blocking.py``.

``blocker`` calls a 200 ms C function straight from a coroutine; ``ticker`` wants to wake
every 10 ms. Nothing can take the loop back from a running step, so the ticker waits for the
whole call. Debug mode (``loop.set_debug(True)`` with ``loop.slow_callback_duration``) logs
the step once it returns, naming the task's coroutine (``blocker``), not the C call inside
it. The same code on uvloop gets the same report.

Shape of a run (``python -m impls.asyncio_impl.blocking``; figures in docs/results)::

    asyncio: blocker holds a C call for ~200 ms; its sibling wants to wake every 10 ms
      sibling's worst lag: about the whole call
      detector: asyncio debug mode (slow_callback_duration=0.05 s): reported 1 time(s), ...
      it names: blocker (task: blocker)
      report: Executing <Task finished name='Task-2' coro=<blocker() done, ...> took ... seconds
      what it gives you: the task's coroutine and how long its step took, ...
"""

from __future__ import annotations

import asyncio
from typing import Any

from impls.asyncio_impl import runner
from shared.scenarios import blocking

MODEL = "asyncio"


async def blocker(block_ms: float, seen: blocking.Run) -> None:
    """Start calm, then hold a C call for ``block_ms``."""
    # yields to the loop until the timer fires
    await asyncio.sleep(blocking.START_MS / 1000)
    # holds the loop for the whole C call: no other task runs
    seen.block(block_ms)


async def ticker(seen: blocking.Run) -> None:
    """Wake every tick until the run is over, noting each wake-up."""
    seen.tick()
    while not seen.over:
        # yields to the loop until the timer fires (and whoever holds the loop lets go)
        await asyncio.sleep(blocking.TICK_MS / 1000)
        seen.tick()


def run(block_ms: float = blocking.BLOCK_MS) -> dict[str, Any]:
    """The demo: blocker and ticker under the detector, printed; the result as ``--json``."""
    return blocking.outcome(MODEL, runner.run(_watched(block_ms)))


async def _watched(block_ms: float) -> blocking.Run:
    seen = blocking.Run()
    seen.clock.start()
    loop = asyncio.get_running_loop()
    # the detector: in debug mode the loop logs each step that held it too long
    loop.set_debug(True)
    loop.slow_callback_duration = blocking.REPORT_AFTER_MS / 1000
    with blocking.captured_log("asyncio", seen):
        async with asyncio.TaskGroup() as tg:
            # run each in a task of its own
            tg.create_task(blocker(block_ms, seen))
            tg.create_task(ticker(seen))
    return seen


if __name__ == "__main__":
    _ARGS = blocking.demo_args(MODEL)
    blocking.demo(MODEL, _ARGS, run)
