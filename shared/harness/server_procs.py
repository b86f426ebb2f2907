"""The test server's processes: how many and on how many ports, and what they share.

The server (:mod:`shared.harness.server`) may run in several processes, forked before any
event loop exists. :class:`Stats` is created before the fork, in an anonymous shared memory
map, so all of them read and write the same counters under one lock. :class:`Delays` is each
process's own list of ``/delay`` requests waiting now, which ``/stats/release`` ends early in
every process. Imports no aiohttp: ``switchbench`` reads the options from here.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import mmap
import os
from typing import Any

#: the most processes and ports one server takes (a typo must not fork a thousand)
MAX_PROCESSES = 64
MAX_PORTS = 64

#: how often each process looks for a release asked of another process
RELEASE_POLL_S = 0.02


#: where each counter sits in the shared map, in 8-byte words; the pids follow them
_INFLIGHT, _PEAK, _COUNT, _RELEASED, _PIDS = range(5)


class Stats:
    """The server's counters, shared by all its processes (see the module's docstring).

    Created before the fork: the memory map is anonymous and shared, so every process reads
    and writes the same words; the lock (a POSIX semaphore) is inherited too. Every change
    takes the lock, so no update is lost between processes and ``peak`` is compared with the
    sum at the moment it changes. A server of one process takes no lock.
    """

    def __init__(self, processes: int = 1) -> None:
        import multiprocessing

        self._mem = mmap.mmap(-1, 8 * (_PIDS + processes))  # anonymous: MAP_SHARED
        self._words = memoryview(self._mem).cast("q")
        # one process needs no lock: its event loop runs one handler at a time
        self._lock: Any = multiprocessing.Lock() if processes > 1 else contextlib.nullcontext()
        self._processes = processes
        self.set_pid(0, os.getpid())

    def set_pid(self, index: int, pid: int) -> None:
        self._words[_PIDS + index] = pid

    @property
    def pids(self) -> list[int]:
        """Every process of the server, the first one first."""
        return [self._words[_PIDS + i] for i in range(self._processes)]

    @property
    def inflight(self) -> int:
        return self._words[_INFLIGHT]

    @property
    def peak(self) -> int:
        return self._words[_PEAK]

    @property
    def count(self) -> int:
        return self._words[_COUNT]

    @property
    def released(self) -> int:
        """How many releases were asked since the server started."""
        return self._words[_RELEASED]

    def started(self) -> None:
        w = self._words
        with self._lock:
            w[_INFLIGHT] += 1
            w[_COUNT] += 1
            if w[_INFLIGHT] > w[_PEAK]:
                w[_PEAK] = w[_INFLIGHT]

    def ended(self) -> None:
        with self._lock:
            self._words[_INFLIGHT] -= 1

    def reset(self) -> None:
        """Zero ``count``; ``peak`` starts again from what is in flight now."""
        w = self._words
        with self._lock:
            w[_PEAK] = w[_INFLIGHT]
            w[_COUNT] = 0

    def release(self) -> None:
        with self._lock:
            self._words[_RELEASED] += 1

    def as_dict(self) -> dict[str, Any]:
        w = self._words
        with self._lock:
            inflight, peak, count = w[_INFLIGHT], w[_PEAK], w[_COUNT]
        pids = self.pids
        return {
            "inflight": inflight,
            "peak": peak,
            "count": count,
            "pid": pids[0],
            "pids": pids,
            "served_by": os.getpid(),
        }


class Delays:
    """This process's ``/delay`` requests waiting now, so that a release can end them early."""

    def __init__(self) -> None:
        self._waiting: set[asyncio.Future[None]] = set()

    async def wait(self, seconds: float) -> None:
        # what asyncio.sleep does, with the future kept where a release can find it
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        timer = loop.call_later(seconds, _set_done, done)
        self._waiting.add(done)
        try:
            await done
        finally:
            timer.cancel()
            self._waiting.discard(done)

    def release(self) -> None:
        for done in self._waiting:
            _set_done(done)

    async def watch(self, stats: Stats) -> None:
        """Release this process's delays when another process was asked to (forever)."""
        seen = stats.released
        while True:
            await asyncio.sleep(RELEASE_POLL_S)
            if stats.released != seen:
                seen = stats.released
                self.release()


def _set_done(done: asyncio.Future[None]) -> None:
    if not done.done():
        done.set_result(None)


def add_scale_options(parser: argparse.ArgumentParser) -> None:
    """``--processes`` and ``--ports`` (``python -m shared.harness.server``, ``switchbench
    serve``)."""
    parser.add_argument(
        "--processes", type=int, default=1, help="server processes sharing the ports (1)"
    )
    parser.add_argument(
        "--ports", type=int, default=1, help="ports to listen on, from --port on (1)"
    )


def check_scale_options(port: int, processes: int, ports: int) -> str | None:
    """Why these options cannot run, in one line, or None."""
    if not 1 <= processes <= MAX_PROCESSES:
        return f"--processes must be in 1..{MAX_PROCESSES}, got {processes}"
    if not 1 <= ports <= MAX_PORTS:
        return f"--ports must be in 1..{MAX_PORTS}, got {ports}"
    if port and port + ports - 1 > 65535:
        return f"--port {port} with --ports {ports} goes past 65535"
    return None
