"""Many greenlets increment one counter: safe without a lock only until a patched call.

Read ``shared/scenarios/shared_state.py`` first (the tutorial's claim, what is counted), then
this file beside ``impls/asyncio_impl/shared_state.py`` and ``impls/thread_impl/shared_state.py``.

A greenlet is never interrupted until it switches, so a read-modify-write with no switch
inside loses nothing. But after ``monkey.patch_all()`` an innocent ``time.sleep(0)`` (or any
socket, lock or sleep call) switches to the hub: nothing in the code says so, and every
other greenlet reads the same value meanwhile. ``gevent.lock.BoundedSemaphore`` around the
same code loses none.

Shape of a run (``python -m impls.gevent_impl.shared_state``; figures in docs/results)::

    gevent: 10 tasks x 5000 read-modify-write increments of one counter (50000 in all)
      no switch point inside: lost 0 (0.0%) in ... ms, switch interval 5 ms
      a switch point inside (time.sleep(0), patched into a yield to the hub: ...): lost most ...
      the same under gevent.lock.BoundedSemaphore: lost 0 (0.0%) in ... ms, switch interval 5 ms
"""

from __future__ import annotations

if __name__ == "__main__":
    # Run as a demo: patch first, before anything imports socket, ssl or threading (inside
    # a worker, impls.gevent_impl.__main__ has patched already).
    from gevent import monkey

    monkey.patch_all()

import time  # noqa: E402 - after the patch: time.sleep yields to the hub
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
from gevent.lock import BoundedSemaphore  # noqa: E402

from shared.scenarios import shared_state  # noqa: E402
from shared.scenarios.shared_state import Counter  # noqa: E402

MODEL = "gevent"


def no_switch(
    tasks: int = shared_state.TASKS, increments: int = shared_state.INCREMENTS
) -> dict[str, Any]:
    """Increment with nothing between the read and the write (until a run loses one)."""
    return shared_state.until_lost(lambda: _together(tasks, increments, _plain))


def switch_inside(
    tasks: int = shared_state.TASKS, increments: int = shared_state.INCREMENTS
) -> dict[str, Any]:
    """Increment with a patched ``time.sleep(0)`` between the read and the write (until a
    run loses one)."""
    return shared_state.until_lost(lambda: _together(tasks, increments, _switching))


def locked(
    tasks: int = shared_state.TASKS, increments: int = shared_state.INCREMENTS
) -> dict[str, Any]:
    """The ``switch_inside`` increments under a ``gevent.lock.BoundedSemaphore``."""
    return _together(tasks, increments, _locked)


def run(
    tasks: int = shared_state.TASKS, increments: int = shared_state.INCREMENTS
) -> dict[str, Any]:
    """The demo: the three ways, printed; the result as ``--json`` shows it."""
    return shared_state.outcome(MODEL, tasks, increments, no_switch, switch_inside, locked)


def _plain(counter: Counter, increments: int, lock: BoundedSemaphore) -> None:
    for _ in range(increments):
        value = counter.read()
        counter.write(value + 1)  # no switch since the read: no other greenlet ran


def _switching(counter: Counter, increments: int, lock: BoundedSemaphore) -> None:
    for _ in range(increments):
        value = counter.read()
        # yields to the hub (patched): every other greenlet may read the same value meanwhile
        time.sleep(0)
        counter.write(value + 1)


def _locked(counter: Counter, increments: int, lock: BoundedSemaphore) -> None:
    for _ in range(increments):
        # yields to the hub until the lock is free
        with lock:
            value = counter.read()
            # yields to the hub (patched): the others wait for the lock
            time.sleep(0)
            counter.write(value + 1)


def _together(
    tasks: int,
    increments: int,
    body: Callable[[Counter, int, BoundedSemaphore], None],
) -> dict[str, Any]:
    tally = shared_state.Tally(tasks, increments)
    lock = BoundedSemaphore(1)
    # run each in a greenlet of its own
    greenlets = [gevent.spawn(body, tally.counter, increments, lock) for _ in range(tasks)]
    # yields to the hub until every greenlet is done
    gevent.joinall(greenlets, raise_error=True)
    return tally.part()


if __name__ == "__main__":
    _ARGS = shared_state.demo_args(MODEL)
    shared_state.demo(MODEL, _ARGS, run)
