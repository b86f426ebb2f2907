"""Per-request deadlines for worker tasks: one loop timer per run, not one per request.

``asyncio.timeout()`` per request is the idiom, and it costs: each one pushes a timer onto
the loop's heap and cancels it when the request is done, so with ``concurrency`` requests in
flight every request pays a heap push and pop through ``TimerHandle.__lt__`` in Python, plus
the loop's sweeps of cancelled timers. At concurrency 100 that was a fifth of the fetcher's
CPU per request against aiohttp. The mechanism here is the same one ``asyncio.timeout`` uses
(a timer on the loop that cancels the waiting task, the ``CancelledError`` turned into a
timeout where it is caught, ``Task.uncancel`` so that other cancellations still count), shared
by all the run's workers: a request's start is one assignment, and the one timer wakes at the
soonest deadline. Every request has the same timeout, so a request started after the timer
last looked expires no sooner than ``timeout`` later: the timer never needs moving when a
request starts. Used by impls/asyncio_impl/fetcher.py.
"""

from __future__ import annotations

import asyncio
import time

#: the deadlines' clock: the one asyncio's own loop reads (``loop.time()`` is a Python call
#: around it on that loop, a cost per request); uvloop's ``loop.time()`` reads the same
#: monotonic clock, cached once per loop pass, so its timer may wake up to a pass early and
#: then finds nothing due yet
_clock = time.monotonic


class Deadline:
    """One worker task's deadline for the request it runs now."""

    __slots__ = ("at", "expired", "_task")

    def __init__(self, task: asyncio.Task[object]) -> None:
        #: the running request's deadline (:data:`_clock`), infinity between requests
        self.at = float("inf")
        #: the timer cancelled this task for the running request
        self.expired = False
        self._task = task

    def start(self, timeout: float) -> None:
        """A request starts now: it must be done within ``timeout`` seconds."""
        self.at = _clock() + timeout
        self.expired = False

    def stop(self) -> None:
        self.at = float("inf")

    def timed_out(self) -> bool:
        """Called where ``CancelledError`` was caught: True when it was this deadline's (the
        request timed out), False when someone else cancelled the task (re-raise it)."""
        self.at = float("inf")
        return self.expired and self._task.uncancel() == 0

    def expire(self) -> None:
        self.expired = True
        self._task.cancel()  # CancelledError where the task awaits


class Watchdog:
    """The run's one timer: cancels each worker whose request is past its deadline."""

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._loop = asyncio.get_running_loop()
        self._deadlines: list[Deadline] = []
        self._timer = self._loop.call_later(timeout, self._wake)

    def deadline(self) -> Deadline:
        """The calling worker task's deadline, watched until the run ends."""
        task = asyncio.current_task()
        assert task is not None, "call from a worker task"
        deadline = Deadline(task)
        self._deadlines.append(deadline)
        return deadline

    def close(self) -> None:
        self._timer.cancel()

    def _wake(self) -> None:
        now = _clock()
        soonest = now + self._timeout  # no request started after now expires before
        for deadline in self._deadlines:
            if deadline.at <= now:
                deadline.at = float("inf")
                deadline.expire()
            elif deadline.at < soonest:
                soonest = deadline.at
        self._timer = self._loop.call_later(soonest - now, self._wake)
