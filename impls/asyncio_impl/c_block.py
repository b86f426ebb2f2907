"""Ten C calls from asyncio tasks: they take turns on the loop, unless sent to threads.

Read ``shared/scenarios/c_block.py`` first (what is measured), then this file beside
``impls/gevent_impl/c_block.py`` and ``impls/thread_impl/c_block.py``.

- ``plain``: each task calls C straight from its coroutine. A call never awaits, so each
  holds the loop to its end and the next task starts after it: serial time.
- ``offloaded``: ``await asyncio.to_thread(blocking_call, ms)``. The call runs in the loop's
  default executor (set here to one thread per call, not ``min(32, cpus + 4)``); the call
  releases the GIL, so they overlap, and the loop stays free meanwhile.
- ``python_waits``: the same waits as ``asyncio.sleep``: they overlap, of course.

Shape of a run (``python -m impls.asyncio_impl.c_block``; figures in docs/results)::

    asyncio: 10 tasks each call C (blocking_call) for 50 ms; serial: ~500 ms
      plain concurrency (TaskGroup tasks): about serial (1.00 x serial)
      offloaded (asyncio.to_thread): about one call (0.1 x serial)
      the same waits as the model's own sleep: about one call (0.1 x serial)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from impls.asyncio_impl import runner
from shared.scenarios import c_block, probe
from shared.scenarios.cdriver import blocking_call

MODEL = "asyncio"


def plain(calls: int = c_block.CALLS, call_ms: float = c_block.CALL_MS) -> float:
    """Milliseconds for the calls, each made straight from a task."""
    return runner.run(_timed(calls, lambda: _call(call_ms)))


def offloaded(calls: int = c_block.CALLS, call_ms: float = c_block.CALL_MS) -> float:
    """Milliseconds for the calls, each sent to a thread with ``asyncio.to_thread``."""
    return runner.run(_timed(calls, lambda: asyncio.to_thread(blocking_call, call_ms)))


def python_waits(calls: int = c_block.CALLS, call_ms: float = c_block.CALL_MS) -> float:
    """Milliseconds for the same waits as ``asyncio.sleep``."""
    return runner.run(_timed(calls, lambda: asyncio.sleep(call_ms / 1000)))


def run(calls: int = c_block.CALLS, call_ms: float = c_block.CALL_MS) -> dict[str, Any]:
    """The demo: serial, plain, offloaded, printed; the result as ``--json`` shows it."""
    return c_block.outcome(MODEL, calls, call_ms, plain, offloaded, python_waits)


async def _call(call_ms: float) -> None:
    # holds the loop for the whole C call: the other tasks wait their turn
    blocking_call(call_ms)


async def _timed(calls: int, one: Callable[[], Coroutine[Any, Any, Any]]) -> float:
    # to_thread uses the loop's default executor: one thread per call, set explicitly
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=calls))
    clock = probe.Clock().start()
    # blocks until every task is done
    async with asyncio.TaskGroup() as tg:
        for _ in range(calls):
            # run each in a task of its own
            tg.create_task(one())
    return clock.ms()


if __name__ == "__main__":
    _ARGS = c_block.demo_args(MODEL)
    c_block.demo(MODEL, _ARGS, run)
