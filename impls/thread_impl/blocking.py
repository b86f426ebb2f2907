"""A thread that blocks in C: the control, where nobody else waits.

Read ``shared/scenarios/blocking.py`` first (what is measured, what each detector gives),
then this file beside ``impls/asyncio_impl/blocking.py`` and ``impls/gevent_impl/blocking.py``.

``blocker`` calls a 200 ms C function in its thread; ``ticker`` wants to wake every 10 ms in
another. The C call releases the GIL, so the ticker runs on as if nothing happened. There is
no detector to switch on (threads have none, and here need none).

Shape of a run (``python -m impls.thread_impl.blocking``; figures in docs/results)::

    thread: blocker holds a C call for ~200 ms; its sibling wants to wake every 10 ms
      sibling's worst lag: a few ms at most
      detector: none (threads are the control)
      what it gives you: nothing to detect: the C call released the GIL and the sibling ran on
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from shared.scenarios import blocking

MODEL = "thread"


def blocker(block_ms: float, seen: blocking.Run) -> None:
    """Start calm, then hold a C call for ``block_ms``."""
    # blocks this thread until the timer fires
    time.sleep(blocking.START_MS / 1000)
    # blocks this thread for the whole C call, the GIL released: other threads run
    seen.block(block_ms)


def ticker(seen: blocking.Run) -> None:
    """Wake every tick until the run is over, noting each wake-up."""
    seen.tick()
    while not seen.over:
        # blocks this thread until the timer fires (the GIL released)
        time.sleep(blocking.TICK_MS / 1000)
        seen.tick()


def run(block_ms: float = blocking.BLOCK_MS) -> dict[str, Any]:
    """The demo: blocker and ticker (no detector), printed; the result as ``--json``."""
    seen = blocking.Run()
    seen.clock.start()
    with ThreadPoolExecutor(max_workers=2) as pool:
        # run each in a thread of its own
        futures = [pool.submit(blocker, block_ms, seen), pool.submit(ticker, seen)]
        # blocks until both are done
        for future in futures:
            future.result()
    return blocking.outcome(MODEL, seen)


if __name__ == "__main__":
    _ARGS = blocking.demo_args(MODEL)
    blocking.demo(MODEL, _ARGS, run)
