"""Per-request deadlines for worker threads: a blocked thread cannot be interrupted.

gevent raises ``gevent.Timeout`` inside a waiting greenlet and asyncio cancels a waiting task;
a thread blocked in ``recv()`` can only be woken by its socket. So a thread's request keeps its
deadline in parts: every blocking call of the client is given the run's timeout (a connect,
the response head), and a body read, which may take many ``recv()`` calls, is watched: at the
deadline, a watchdog thread shuts the socket down and the blocked ``recv()`` returns.

One :class:`Watchdog` thread per run and one :class:`Deadline` per worker thread, reused for
each of its requests: starting a request is one assignment, watching a body is a lock (this
worker's own, so never contended but by the watchdog) taken twice. Every request has the same
timeout, so after looking at every worker at time t the watchdog knows that no request it has
not seen can expire before t + timeout: it sleeps until the earliest deadline it saw, or that;
nothing has to wake it when a request starts. Used by impls/thread_impl/fetcher.py.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

from shared.scenarios.clients import DeadlineExceeded
from shared.scenarios.fetcher import clock


class Deadline:
    """One worker thread's deadline: the request it runs now, and the socket it watches."""

    __slots__ = ("at", "_lock", "_sock")

    def __init__(self) -> None:
        #: the running request's deadline (``clock()`` seconds); only its own thread sets it
        self.at = float("inf")
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None

    def start(self, timeout: float) -> None:
        """A request starts now: it must be done within ``timeout`` seconds."""
        # under the lock: the watchdog reads `at` after this clock() or before it, never
        # between the two (a thread can be preempted anywhere, for as long as others run)
        with self._lock:
            self.at = clock() + timeout

    def left(self) -> float:
        """Seconds until the deadline; :class:`DeadlineExceeded` if none."""
        left = self.at - clock()
        if left <= 0:
            raise DeadlineExceeded
        return left

    @contextlib.contextmanager
    def watch(self, sock: socket.socket) -> Iterator[None]:
        """While inside, reaching the deadline shuts ``sock`` down (the read blocked on it
        ends); leaving after the deadline raises :class:`DeadlineExceeded`."""
        with self._lock:
            self.left()
            self._sock = sock
        try:
            yield
        except Exception as exc:
            if self._unwatch():
                raise DeadlineExceeded from exc  # what the cut read raised is moot
            raise
        if self._unwatch():
            raise DeadlineExceeded

    def _unwatch(self) -> bool:
        """Stop watching (the socket may go back to the pool); True if past the deadline."""
        with self._lock:
            self._sock = None
        return clock() >= self.at

    def read(self) -> float:
        """``at``, as the watchdog sees it."""
        with self._lock:
            return self.at

    def expire(self, now: float) -> None:
        """Called by the watchdog once ``at <= now``: shut the watched socket down, if any."""
        with self._lock:
            if self._sock is not None and self.at <= now:
                with contextlib.suppress(OSError):
                    self._sock.shutdown(socket.SHUT_RDWR)


class Watchdog:
    """One timer thread per run that cuts each watched read at its request's deadline."""

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._deadlines: list[Deadline] = []
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fetch-watchdog")

    def __enter__(self) -> Watchdog:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closed.set()
        self._thread.join()

    def deadline(self) -> Deadline:
        """A new worker's deadline, watched until the run ends."""
        deadline = Deadline()
        self._deadlines.append(deadline)  # one call: atomic under the GIL
        return deadline

    def _run(self) -> None:
        wait = self._timeout
        while not self._closed.wait(wait):  # sleeps until the soonest deadline, or closed
            now = clock()
            soonest = now + self._timeout  # no request started after now expires before
            for deadline in list(self._deadlines):
                at = deadline.read()
                if at <= now:
                    deadline.expire(now)
                elif at < soonest:
                    soonest = at
            wait = soonest - now
