"""Many threads increment one counter: never safe without a lock.

Read ``shared/scenarios/shared_state.py`` first (the tutorial's claim, what is counted), then
this file beside ``impls/asyncio_impl/shared_state.py`` and ``impls/gevent_impl/shared_state.py``.

There is no switch point to avoid: the interpreter may hand the GIL to another thread at
any call, between the read and the write included. How often it does depends on
``sys.getswitchinterval()``, the OS scheduler and luck: at the default 5 ms a short run
usually loses nothing. ``switch_inside`` runs the very same code with the interval at 1 µs,
so the race that is always there shows in a short run; even then some runs lose nothing
(the threads happened not to interleave) and the next loses most. ``threading.Lock``
around it loses none, every time.

Shape of a run (``python -m impls.thread_impl.shared_state``; figures in docs/results)::

    thread: 10 tasks x 5000 read-modify-write increments of one counter (50000 in all)
      no switch point inside: lost 0 (0.0%) in ... ms, switch interval 5 ms
      a switch point inside (none in the code; the interpreter preempts, here every 1 µs): ...
      the same under threading.Lock: lost 0 (0.0%) in ... ms, switch interval 0.001 ms
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from shared.scenarios import shared_state
from shared.scenarios.shared_state import Counter

MODEL = "thread"


def no_switch(
    tasks: int = shared_state.TASKS, increments: int = shared_state.INCREMENTS
) -> dict[str, Any]:
    """Increment with nothing between the read and the write, at the default switch interval
    (until a run loses one)."""
    return shared_state.until_lost(lambda: _together(tasks, increments, _plain, None))


def switch_inside(
    tasks: int = shared_state.TASKS, increments: int = shared_state.INCREMENTS
) -> dict[str, Any]:
    """The same code, the interpreter switching threads every microsecond (until a run loses
    one)."""
    interval = shared_state.SWITCH_INTERVAL_S
    return shared_state.until_lost(lambda: _together(tasks, increments, _plain, interval))


def locked(
    tasks: int = shared_state.TASKS, increments: int = shared_state.INCREMENTS
) -> dict[str, Any]:
    """The ``switch_inside`` increments under a ``threading.Lock``."""
    return _together(tasks, increments, _locked, shared_state.SWITCH_INTERVAL_S)


def run(
    tasks: int = shared_state.TASKS, increments: int = shared_state.INCREMENTS
) -> dict[str, Any]:
    """The demo: the three ways, printed; the result as ``--json`` shows it."""
    return shared_state.outcome(MODEL, tasks, increments, no_switch, switch_inside, locked)


def _plain(counter: Counter, increments: int, lock: threading.Lock) -> None:
    for _ in range(increments):
        value = counter.read()
        # the GIL may pass to another thread at this call: it may write meanwhile
        counter.write(value + 1)


def _locked(counter: Counter, increments: int, lock: threading.Lock) -> None:
    for _ in range(increments):
        # blocks this thread until the lock is free
        with lock:
            value = counter.read()
            # the GIL may pass to another thread here: it waits for the lock
            counter.write(value + 1)


def _together(
    tasks: int,
    increments: int,
    body: Callable[[Counter, int, threading.Lock], None],
    switch_interval_s: float | None,
) -> dict[str, Any]:
    saved = sys.getswitchinterval()
    if switch_interval_s is not None:
        sys.setswitchinterval(switch_interval_s)
    try:
        tally = shared_state.Tally(tasks, increments)
        lock = threading.Lock()
        everyone = threading.Barrier(tasks)

        def task() -> None:
            # blocks until every thread is up: a pool hands new work to an idle thread, and a
            # thread that finished before the next one started raced with nobody
            everyone.wait()
            body(tally.counter, increments, lock)

        with ThreadPoolExecutor(max_workers=tasks) as pool:
            # run each in a thread of its own
            futures = [pool.submit(task) for _ in range(tasks)]
            # blocks until every thread is done
            for future in futures:
                future.result()
        return tally.part()
    finally:
        sys.setswitchinterval(saved)


if __name__ == "__main__":
    _ARGS = shared_state.demo_args(MODEL)
    shared_state.demo(MODEL, _ARGS, run)
