"""Per-request deadlines for worker greenlets: one hub timer per run, not one per request.

``with gevent.Timeout(seconds, exc):`` around each request is the idiom, and it costs: each
one creates a ``Timeout`` (an exception object) and starts and stops a timer on the hub's
loop, about 1.5 us a request here, against about 33 us for a whole request with
geventhttpclient at concurrency 100 — a twentieth of the fetcher's CPU. The mechanism here is
the one ``gevent.Timeout`` uses (a timer on the hub's loop whose callback throws the exception
into the waiting greenlet, where the hub switches to it), shared by all the run's workers: a
request's start is one assignment, and the one timer wakes at the soonest deadline. Every
request has the same timeout, so a request started after the timer last looked expires no
sooner than ``timeout`` later: the timer never needs moving when a request starts. Used by
impls/gevent_impl/fetcher.py; impls/asyncio_impl/deadline.py is its twin.
"""

from __future__ import annotations

import time

import gevent
from greenlet import greenlet

from shared.scenarios.clients import DeadlineExceeded

#: the clock deadlines are read on (not the loop's cached time: a worker that ran for a while
#: without yielding would start its request already late by it)
_clock = time.monotonic


class Deadline:
    """One worker greenlet's deadline for the request it runs now."""

    __slots__ = ("at", "_greenlet")

    def __init__(self, worker: greenlet) -> None:
        #: the running request's deadline (``_clock()``), infinity between requests
        self.at = float("inf")
        self._greenlet = worker

    def start(self, timeout: float) -> None:
        """A request starts now: it must be done within ``timeout`` seconds."""
        self.at = _clock() + timeout

    def stop(self) -> None:
        self.at = float("inf")

    def expire(self) -> None:
        """Called by the watchdog, in the hub: DeadlineExceeded where the greenlet waits."""
        self.at = float("inf")
        if not self._greenlet.dead:  # a killed worker (Ctrl-C) has nothing to time out
            self._greenlet.throw(DeadlineExceeded)  # runs it until it waits, then back here


class Watchdog:
    """The run's one hub timer: expires each worker whose request is past its deadline."""

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._loop = gevent.get_hub().loop
        self._deadlines: list[Deadline] = []
        self._timer = self._start(timeout)

    def deadline(self) -> Deadline:
        """The calling worker greenlet's deadline, watched until the run ends."""
        deadline = Deadline(gevent.getcurrent())
        self._deadlines.append(deadline)
        return deadline

    def close(self) -> None:
        self._timer.close()

    def _start(self, seconds: float) -> object:
        timer = self._loop.timer(max(seconds, 0.0))
        timer.start(self._wake)  # the callback runs in the hub
        return timer

    def _wake(self) -> None:
        self._timer.close()
        now = _clock()
        for deadline in self._deadlines:
            if deadline.at <= now:
                deadline.expire()
        # after the expiries (each ran a worker until it waited again): the soonest deadline
        # now, or a timeout from now, before which no request started later can expire
        now = _clock()
        soonest = min((d.at for d in self._deadlines), default=now + self._timeout)
        self._timer = self._start(min(soonest, now + self._timeout) - now)
