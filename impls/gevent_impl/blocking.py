"""A greenlet that blocks the hub in C, and gevent's own detector: the monitor thread.

Read ``shared/scenarios/blocking.py`` first (what is measured, what each detector gives),
then this file beside ``impls/asyncio_impl/blocking.py`` and ``impls/thread_impl/blocking.py``.

``blocker`` calls a 200 ms C function that ``monkey.patch_all()`` cannot reach; ``ticker``
wants to wake every 10 ms. Nothing can take the hub back from a running greenlet, so the
ticker waits for the whole call. The monitor thread (``gevent.config.monitor_thread``,
``max_blocking_time``) is a native thread: it notices *during* the call and emits
``gevent.events.EventLoopBlocked`` with the blocked thread's stack, whose innermost frame is
``blocking_call``. Its report goes to us here instead of stderr
(``print_blocking_reports = False``).

Shape of a run (``python -m impls.gevent_impl.blocking``; figures in docs/results)::

    gevent: blocker holds a C call for ~200 ms; its sibling wants to wake every 10 ms
      sibling's worst lag: about the whole call
      detector: gevent monitor thread (max_blocking_time=0.05 s): reported N time(s), first ...
      it names: blocking_call (task: blocker)
      report: ... Greenlet <...: blocker> appears to be blocked | File ..., in blocking_call
      what it gives you: the blocked thread's stack (the C call's Python caller) and ...
"""

from __future__ import annotations

if __name__ == "__main__":
    # Run as a demo: patch first, before anything imports socket, ssl or threading (inside
    # a worker, impls.gevent_impl.__main__ has patched already).
    from gevent import monkey

    monkey.patch_all()

import contextlib  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
from gevent import events  # noqa: E402

from shared.scenarios import blocking  # noqa: E402

MODEL = "gevent"


def blocker(block_ms: float, seen: blocking.Run) -> None:
    """Start calm, then hold a C call for ``block_ms``."""
    # yields to the hub until the timer fires
    gevent.sleep(blocking.START_MS / 1000)
    # holds the hub for the whole C call: no other greenlet runs
    seen.block(block_ms)


def ticker(seen: blocking.Run) -> None:
    """Wake every tick until the run is over, noting each wake-up."""
    seen.tick()
    while not seen.over:
        # yields to the hub until the timer fires (and whoever holds the hub lets go)
        gevent.sleep(blocking.TICK_MS / 1000)
        seen.tick()


def run(block_ms: float = blocking.BLOCK_MS) -> dict[str, Any]:
    """The demo: blocker and ticker under the detector, printed; the result as ``--json``."""
    seen = blocking.Run()
    seen.clock.start()
    with _monitored(seen):
        # run each in a greenlet of its own
        tasks = [gevent.spawn(blocker, block_ms, seen), gevent.spawn(ticker, seen)]
        # yields to the hub until both are done
        gevent.joinall(tasks, raise_error=True)
    return blocking.outcome(MODEL, seen)


@contextlib.contextmanager
def _monitored(seen: blocking.Run) -> Iterator[None]:
    """The detector for the run: the hub's monitor thread, its reports collected in ``seen``."""
    config = gevent.config
    saved = {
        name: getattr(config, name)
        for name in ("monitor_thread", "max_blocking_time", "print_blocking_reports")
    }

    def on_event(event: object) -> None:  # called in the monitor thread
        if isinstance(event, events.EventLoopBlocked):
            seen.reports.append((seen.clock.ms(), "\n".join(event.info)))

    config.monitor_thread = True
    config.max_blocking_time = blocking.REPORT_AFTER_MS / 1000
    config.print_blocking_reports = False
    events.subscribers.append(on_event)
    hub = gevent.get_hub()
    ours = hub.periodic_monitoring_thread is None
    monitor = hub.start_periodic_monitoring_thread()
    try:
        yield
    finally:
        events.subscribers.remove(on_event)
        if ours:  # stop it: the worker runs other scenarios after this one
            monitor.kill()
            hub.periodic_monitoring_thread = None
        for name, value in saved.items():
            setattr(config, name, value)


if __name__ == "__main__":
    _ARGS = blocking.demo_args(MODEL)
    blocking.demo(MODEL, _ARGS, run)
