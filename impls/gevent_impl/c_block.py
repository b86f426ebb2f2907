"""Ten C calls from greenlets: patching cannot reach them; the hub's threadpool can.

Read ``shared/scenarios/c_block.py`` first (what is measured), then this file beside
``impls/asyncio_impl/c_block.py`` and ``impls/thread_impl/c_block.py``.

- ``plain``: each greenlet calls C. ``monkey.patch_all()`` made ``time.sleep`` and sockets
  cooperative, but a C library's own calls are untouched: each call holds the hub to its
  end, and the greenlets take turns: serial time. A C database driver (psycopg2 without
  psycogreen) does the same.
- ``offloaded``: ``gevent.get_hub().threadpool.spawn(blocking_call, ms)``. The call runs in
  one of the hub's native threads (the pool sized here to the calls); it releases the GIL,
  so they overlap, and the greenlet waits in the hub meanwhile.
- ``python_waits``: the same waits as a patched ``time.sleep``: they overlap.

Shape of a run (``python -m impls.gevent_impl.c_block``; figures in docs/results)::

    gevent: 10 tasks each call C (blocking_call) for 50 ms; serial: ~500 ms
      plain concurrency (gevent.spawn (monkey-patched)): about serial (1.00 x serial)
      offloaded (gevent.get_hub().threadpool): about one call (0.1 x serial)
      the same waits as the model's own sleep: about one call (0.1 x serial)
      monkey.patch_all() reaches Python's socket, ssl, select, time, threading, ...
"""

from __future__ import annotations

if __name__ == "__main__":
    # Run as a demo: patch first, before anything imports socket, ssl or threading (inside
    # a worker, impls.gevent_impl.__main__ has patched already).
    from gevent import monkey

    monkey.patch_all()

import time  # noqa: E402 - after the patch: time.sleep yields to the hub
from typing import Any  # noqa: E402

import gevent  # noqa: E402

from shared.scenarios import c_block, probe  # noqa: E402
from shared.scenarios.cdriver import blocking_call  # noqa: E402

MODEL = "gevent"


def plain(calls: int = c_block.CALLS, call_ms: float = c_block.CALL_MS) -> float:
    """Milliseconds for the calls, each made straight from a greenlet."""
    clock = probe.Clock().start()
    # run each in a greenlet of its own; each holds the hub for its whole C call
    greenlets = [gevent.spawn(blocking_call, call_ms) for _ in range(calls)]
    # yields to the hub until every greenlet is done
    gevent.joinall(greenlets, raise_error=True)
    return clock.ms()


def offloaded(calls: int = c_block.CALLS, call_ms: float = c_block.CALL_MS) -> float:
    """Milliseconds for the calls, each sent to the hub's threadpool."""
    pool = gevent.get_hub().threadpool
    saved = pool.maxsize
    pool.maxsize = calls  # one native thread per call, set explicitly
    try:
        clock = probe.Clock().start()
        # run each call in a native thread of the hub's pool
        results = [pool.spawn(blocking_call, call_ms) for _ in range(calls)]
        # yields to the hub until every call has returned
        for result in results:
            result.get()
        return clock.ms()
    finally:
        pool.maxsize = saved


def python_waits(calls: int = c_block.CALLS, call_ms: float = c_block.CALL_MS) -> float:
    """Milliseconds for the same waits as a patched ``time.sleep``."""
    clock = probe.Clock().start()
    # run each in a greenlet of its own; each yields to the hub while it sleeps
    greenlets = [gevent.spawn(time.sleep, call_ms / 1000) for _ in range(calls)]
    # yields to the hub until every greenlet is done
    gevent.joinall(greenlets, raise_error=True)
    return clock.ms()


def run(calls: int = c_block.CALLS, call_ms: float = c_block.CALL_MS) -> dict[str, Any]:
    """The demo: serial, plain, offloaded, printed; the result as ``--json`` shows it."""
    return c_block.outcome(MODEL, calls, call_ms, plain, offloaded, python_waits)


if __name__ == "__main__":
    _ARGS = c_block.demo_args(MODEL)
    c_block.demo(MODEL, _ARGS, run)
