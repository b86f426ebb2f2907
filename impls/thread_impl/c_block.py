"""Ten C calls from threads: they overlap, no offload needed.

Read ``shared/scenarios/c_block.py`` first (what is measured), then this file beside
``impls/asyncio_impl/c_block.py`` and ``impls/gevent_impl/c_block.py``.

- ``plain``: each thread calls C. The call releases the GIL, so the ten overlap: about one
  call's time.
- ``offloaded``: threads need no offload; the same pool, measured again.
- ``python_waits``: the same waits as ``time.sleep``: they overlap too.

Shape of a run (``python -m impls.thread_impl.c_block``; figures in docs/results)::

    thread: 10 tasks each call C (blocking_call) for 50 ms; serial: ~500 ms
      plain concurrency (ThreadPoolExecutor): about one call (0.1 x serial)
      offloaded (none needed (the same thread pool)): about one call (0.1 x serial)
      the same waits as the model's own sleep: about one call (0.1 x serial)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from shared.scenarios import c_block, probe
from shared.scenarios.cdriver import blocking_call

MODEL = "thread"


def plain(calls: int = c_block.CALLS, call_ms: float = c_block.CALL_MS) -> float:
    """Milliseconds for the calls, each made from a thread of its own."""
    return _timed(calls, lambda: blocking_call(call_ms))


def offloaded(calls: int = c_block.CALLS, call_ms: float = c_block.CALL_MS) -> float:
    """Threads need no offload: the same pool, measured again."""
    return plain(calls, call_ms)


def python_waits(calls: int = c_block.CALLS, call_ms: float = c_block.CALL_MS) -> float:
    """Milliseconds for the same waits as ``time.sleep``."""
    return _timed(calls, lambda: time.sleep(call_ms / 1000))


def run(calls: int = c_block.CALLS, call_ms: float = c_block.CALL_MS) -> dict[str, Any]:
    """The demo: serial, plain, offloaded, printed; the result as ``--json`` shows it."""
    return c_block.outcome(MODEL, calls, call_ms, plain, offloaded, python_waits)


def _timed(calls: int, one: Callable[[], None]) -> float:
    clock = probe.Clock().start()
    with ThreadPoolExecutor(max_workers=calls) as pool:
        # run each in a thread of its own; a C call or a sleep releases the GIL
        futures = [pool.submit(one) for _ in range(calls)]
        # blocks until every thread is done
        for future in futures:
            future.result()
    return clock.ms()


if __name__ == "__main__":
    _ARGS = c_block.demo_args(MODEL)
    c_block.demo(MODEL, _ARGS, run)
