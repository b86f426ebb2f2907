"""Cancel an asyncio task: ``Task.cancel()``, where it lands, and where it cannot.

Read ``shared/scenarios/cancel.py`` first (what is measured, and why), then this file beside
``impls/gevent_impl/cancel.py`` and ``impls/thread_impl/cancel.py``.

- ``python_wait``: the task waits on a socket; the caller cancels it 100 ms in. The
  ``CancelledError`` lands in the ``await``, the ``finally`` closes the socket, done.
- ``c_block``: the task sits in a 300 ms C call. The caller's own ``asyncio.sleep`` cannot
  wake while the loop is held, so ``task.cancel()`` runs only once the call returns, and
  lands at the task's next ``await``.
- ``swallowed``: ``asyncio.timeout(0.1)`` around work that catches ``BaseException``: the
  cancel is swallowed, the work runs on, and no ``TimeoutError`` ever reaches the caller.

Shape of a run (``python -m impls.asyncio_impl.cancel``; figures in docs/results)::

    asyncio: cancel a task 100 ms after it starts (ms from its start)
      Task.cancel() throws CancelledError into the task at its next await; ...
    (a) waiting on a socket (GET /delay/5000): cancel issued at ~100 ms, stopped right after, ...
    (b) in a C call of ~300 ms (blocking_call): cancel issued at ~300 ms, stopped right after, ...
        the canceller runs on the loop/hub the C call holds: it could not even issue ...
    trap: a bare except around the work, under a 100 ms timeout: the caller never saw ...
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from impls.asyncio_impl import runner
from shared.scenarios import cancel, probe

MODEL = "asyncio"


def python_wait(url: str, cancel_after_ms: float = cancel.CANCEL_AFTER_MS) -> dict[str, Any]:
    """Cancel a task ``cancel_after_ms`` into its wait for a slow response on a socket."""
    delayed = f"{url}/delay/{cancel.DELAY_MS}"
    return runner.run(_cancelled(lambda watch: _get(delayed, watch), cancel_after_ms))


def c_block(
    block_ms: float = cancel.BLOCK_MS, cancel_after_ms: float = cancel.CANCEL_AFTER_MS
) -> dict[str, Any]:
    """Cancel a task ``cancel_after_ms`` into a C call of ``block_ms``."""
    return runner.run(_cancelled(lambda watch: _block(block_ms, watch), cancel_after_ms))


def swallowed(
    timeout_ms: float = cancel.TRAP_TIMEOUT_MS,
    steps: int = cancel.TRAP_STEPS,
    step_ms: float = cancel.TRAP_STEP_MS,
) -> dict[str, Any]:
    """The trap: a timeout around work whose ``except BaseException`` swallows the cancel."""
    return runner.run(_swallowed(timeout_ms, steps, step_ms))


def run(url: str) -> dict[str, Any]:
    """The demo: both cancels and the trap, printed; the result as ``--json`` shows it."""
    return cancel.outcome(MODEL, python_wait(url), c_block(), swallowed())


async def _cancelled(
    body: Callable[[cancel.Watch], Awaitable[None]], cancel_after_ms: float
) -> dict[str, Any]:
    watch = cancel.Watch()

    async def task_body() -> None:
        watch.clock.start()
        await body(watch)

    # run the work in a task of its own
    task = asyncio.create_task(task_body())
    # yields to the loop until the timer fires (and whoever holds the loop lets go)
    await asyncio.sleep(cancel_after_ms / 1000)
    cancel_at = watch.clock.ms()
    # cancel: CancelledError is thrown into the task at its next await
    task.cancel()
    # yields to the loop until the task is done, or gives up
    done, _ = await asyncio.wait({task}, timeout=cancel.STOP_WAIT_MS / 1000)
    stopped_at = watch.clock.ms() if done else None
    # yields until its natural end if it did not stop: nothing is left running
    await asyncio.wait({task})
    if not task.cancelled():
        task.result()  # an error of its own (say, no server) is the run's error
    return cancel.attempt(watch, cancel_at, stopped_at)


async def _get(url: str, watch: cancel.Watch) -> None:
    host, port, request = probe.get_request(url)
    async with asyncio.timeout(probe.IO_TIMEOUT_S):
        # yields to the loop until connected
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(request)
            # yields to the loop until the server answers and closes: the cancel lands here
            await reader.read()
            watch.completed = True
        finally:
            writer.close()
            watch.cleanup_ran = True


async def _block(block_ms: float, watch: cancel.Watch) -> None:
    try:
        # holds the loop for the whole C call: no task runs, not even the canceller
        cancel.hold(watch, block_ms)
        # yields to the loop: the first place a cancel can land
        await asyncio.sleep(cancel.REST_MS / 1000)
        watch.completed = True
    finally:
        watch.cleanup_ran = True


async def _swallowed(timeout_ms: float, steps: int, step_ms: float) -> dict[str, Any]:
    trap = cancel.Trap()
    trap.clock.start()

    async def stubborn() -> None:
        for _ in range(steps):
            try:
                # yields to the loop: the timeout's CancelledError lands here
                await asyncio.sleep(step_ms / 1000)
            except BaseException:  # noqa: B036 - the trap itself: it swallows CancelledError
                trap.swallowed += 1
        trap.work_ended_at_ms = trap.clock.ms()

    try:
        async with asyncio.timeout(timeout_ms / 1000):
            await stubborn()
    except TimeoutError:
        trap.timed_out = True
    trap.returned_at_ms = trap.clock.ms()
    return trap.as_dict()


if __name__ == "__main__":
    _ARGS = cancel.demo_args(MODEL)
    cancel.demo(MODEL, _ARGS, run)
