"""Cancel a greenlet: ``Greenlet.kill()``, where it lands, and where it cannot.

Read ``shared/scenarios/cancel.py`` first (what is measured, and why), then this file beside
``impls/asyncio_impl/cancel.py`` and ``impls/thread_impl/cancel.py``.

- ``python_wait``: the greenlet waits on a (patched) socket; the caller kills it 100 ms in.
  ``GreenletExit`` lands in the ``recv``, the ``finally`` closes the socket, done.
- ``c_block``: the greenlet sits in a 300 ms C call that ``monkey.patch_all()`` cannot
  reach. The caller's own ``gevent.sleep`` cannot wake while the hub is held, so ``kill()``
  runs only once the call returns, and lands at the greenlet's next switch.
- ``swallowed``: ``gevent.Timeout(0.1)`` around work with a bare ``except:``: the timeout is
  swallowed, the work runs on, and the ``with`` block ends as if all went well.

Shape of a run (``python -m impls.gevent_impl.cancel``; figures in docs/results)::

    gevent: cancel a task 100 ms after it starts (ms from its start)
      Greenlet.kill() raises GreenletExit in the greenlet at its next switch to the hub; ...
    (a) waiting on a socket (GET /delay/5000): cancel issued at ~100 ms, stopped right after, ...
    (b) in a C call of ~300 ms (blocking_call): cancel issued at ~300 ms, stopped right after, ...
        the canceller runs on the loop/hub the C call holds: it could not even issue ...
    trap: a bare except around the work, under a 100 ms timeout: the caller never saw ...
"""

from __future__ import annotations

if __name__ == "__main__":
    # Run as a demo: patch first, before anything imports socket, ssl or threading (inside
    # a worker, impls.gevent_impl.__main__ has patched already).
    from gevent import monkey

    monkey.patch_all()

import socket  # noqa: E402 - after the patch: gevent's cooperative socket
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402

from shared.scenarios import cancel, probe  # noqa: E402

MODEL = "gevent"


def python_wait(url: str, cancel_after_ms: float = cancel.CANCEL_AFTER_MS) -> dict[str, Any]:
    """Cancel a task ``cancel_after_ms`` into its wait for a slow response on a socket."""
    delayed = f"{url}/delay/{cancel.DELAY_MS}"
    return _cancelled(lambda watch: _get(delayed, watch), cancel_after_ms)


def c_block(
    block_ms: float = cancel.BLOCK_MS, cancel_after_ms: float = cancel.CANCEL_AFTER_MS
) -> dict[str, Any]:
    """Cancel a task ``cancel_after_ms`` into a C call of ``block_ms``."""
    return _cancelled(lambda watch: _block(block_ms, watch), cancel_after_ms)


def swallowed(
    timeout_ms: float = cancel.TRAP_TIMEOUT_MS,
    steps: int = cancel.TRAP_STEPS,
    step_ms: float = cancel.TRAP_STEP_MS,
) -> dict[str, Any]:
    """The trap: a timeout around work whose bare ``except:`` swallows ``gevent.Timeout``."""
    trap = cancel.Trap()
    trap.clock.start()

    def stubborn() -> None:
        for _ in range(steps):
            try:
                # yields to the hub: the timeout's gevent.Timeout is raised here
                gevent.sleep(step_ms / 1000)
            except:  # noqa: E722 - the trap itself: a bare except swallows gevent.Timeout
                trap.swallowed += 1
        trap.work_ended_at_ms = trap.clock.ms()

    try:
        with gevent.Timeout(timeout_ms / 1000):
            stubborn()
    except gevent.Timeout:
        trap.timed_out = True
    trap.returned_at_ms = trap.clock.ms()
    return trap.as_dict()


def run(url: str) -> dict[str, Any]:
    """The demo: both cancels and the trap, printed; the result as ``--json`` shows it."""
    return cancel.outcome(MODEL, python_wait(url), c_block(), swallowed())


def _cancelled(body: Callable[[cancel.Watch], None], cancel_after_ms: float) -> dict[str, Any]:
    watch = cancel.Watch()

    def task_body() -> None:
        watch.clock.start()
        body(watch)

    # run the work in a greenlet of its own
    task = gevent.spawn(task_body)
    # yields to the hub until the timer fires (and whoever holds the hub lets go)
    gevent.sleep(cancel_after_ms / 1000)
    cancel_at = watch.clock.ms()
    # cancel: GreenletExit is raised in the greenlet at its next switch
    task.kill(block=False)
    # yields to the hub until the greenlet is dead, or gives up
    task.join(timeout=cancel.STOP_WAIT_MS / 1000)
    stopped_at = watch.clock.ms() if task.dead else None
    # yields until its natural end if it did not stop: nothing is left running
    task.join()
    task.get()  # an error of its own (say, no server) is the run's error
    return cancel.attempt(watch, cancel_at, stopped_at)


def _get(url: str, watch: cancel.Watch) -> None:
    host, port, request = probe.get_request(url)
    # yields to the hub until connected
    sock = socket.create_connection((host, port), timeout=probe.IO_TIMEOUT_S)
    try:
        sock.sendall(request)
        # yields to the hub until the server answers and closes: the kill lands here
        while sock.recv(65536):
            pass
        watch.completed = True
    finally:
        sock.close()
        watch.cleanup_ran = True


def _block(block_ms: float, watch: cancel.Watch) -> None:
    try:
        # holds the hub for the whole C call: no greenlet runs, not even the killer
        cancel.hold(watch, block_ms)
        # yields to the hub: the first place a kill can land
        gevent.sleep(cancel.REST_MS / 1000)
        watch.completed = True
    finally:
        watch.cleanup_ran = True


if __name__ == "__main__":
    _ARGS = cancel.demo_args(MODEL)
    cancel.demo(MODEL, _ARGS, run)
