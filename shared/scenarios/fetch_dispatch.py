"""A fetch spread over worker processes, its results streamed back in input order.

The parent side of ``switchbench fetch`` and of ``fetch_all(..., processes=P)``: it starts P
workers of one kind (``ModelWorker``: a model's own interpreter), splits ``concurrency``
between them so the cap holds for the whole run, feeds each its URLs a batch at a time as it
has room, and gives out every result as soon as it and every result before it are done.

Memory stays bounded whatever the number of URLs: the URLs are read lazily, a worker holds at
most about twice its share of the concurrency, and no URL is sent more than :attr:`window`
places ahead of the first result not yet given out, so at most that many results ever wait
for an earlier one. A slow request at the head holds the run back by at most its timeout.

The parent drives every worker from one ``select`` loop (no threads), so it runs the same in
a plain process, a gevent worker (patched ``select``) or an asyncio worker's thread.
"""

from __future__ import annotations

import contextlib
import select
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from shared import spec
from shared.harness import fanout
from shared.harness.worker import ModelWorker, StreamCall, WorkerTimeout
from shared.spec import FetchResult

#: the reorder window: how many results may wait for an earlier one, in multiples of the
#: concurrency, and at least MIN_WINDOW (a few hundred KB), so that a slow URL among many fast
#: ones holds back the run by its timeout without starving the other slots meanwhile
WINDOW_FACTOR = 8
MIN_WINDOW = 1024
#: a worker is fed again when it holds fewer than this many times its concurrency
ROOM_FACTOR = 2
#: the longest the loop waits for a worker before it calls ``on_tick``
TICK_S = 0.5
#: a worker silent this long past the request timeout is stuck
SILENCE_GRACE_S = 30.0


def split(total: int, parts: int) -> list[int]:
    """``total`` as ``parts`` near-equal shares, larger first: ``split(10, 3) == [4, 3, 3]``."""
    return [total // parts + (i < total % parts) for i in range(parts)]


@dataclass
class _Share:
    """One worker process, its share of the concurrency and what it holds now."""

    worker: ModelWorker
    concurrency: int
    call: StreamCall | None = None
    #: URLs sent to it whose results have not come back
    holds: int = 0
    ended: bool = False
    #: when it last sent a result (or was started)
    heard: float = 0.0


@dataclass
class Tally:
    """How far a run got: for progress lines and the summary."""

    #: URLs read from the input so far (all of them once ``input_done``)
    read: int = 0
    #: URLs sent to a worker
    sent: int = 0
    #: results that came back (given out or waiting for an earlier one)
    done: int = 0
    input_done: bool = False
    kinds: Counter[str] = field(default_factory=Counter)


class Dispatch:
    """``with Dispatch(kind, urls, ...) as d: for result in d: ...`` (input order).

    ``processes`` workers at most: never more than there are URLs, nor than ``concurrency``
    (each worker needs at least one request in flight). After an interrupt, :meth:`drain`
    collects what already came back, :meth:`ready` the in-order prefix of it and
    :meth:`leftovers` the rest (completed, but after a result that never came).
    """

    def __init__(
        self,
        kind: spec.WorkerKind,
        urls: Iterable[str],
        *,
        processes: int,
        concurrency: int,
        timeout: float,
        client: str,
        max_bytes: int = spec.MAX_BODY_BYTES,
    ) -> None:
        spec.check_fetch_args(kind.model, client, concurrency, timeout, max_bytes, processes)
        self.kind = kind
        self.concurrency = concurrency
        self.window = max(WINDOW_FACTOR * concurrency, MIN_WINDOW)
        self.tally = Tally()
        self._urls = iter(urls)
        self._ahead: list[str] = []
        self._processes = processes
        self._options = {"timeout": timeout, "client": client, "max_bytes": max_bytes}
        self._shares: list[_Share] = []
        self._waiting: dict[int, FetchResult] = {}
        self._next_out = 0
        self._stack = contextlib.ExitStack()
        #: called after every exchange with the workers, at least every TICK_S (progress)
        self.on_tick: Callable[[], None] | None = None

    # --- starting and stopping ---------------------------------------------------------------

    def __enter__(self) -> Dispatch:
        # read ahead as many URLs as processes: a short list starts fewer workers
        for url in self._urls:
            self._ahead.append(url)
            if len(self._ahead) == self._processes:
                break
        self.tally.read = len(self._ahead)
        if len(self._ahead) < self._processes:
            self.tally.input_done = True
        count = min(self._processes, self.concurrency, len(self._ahead))
        try:
            for share in split(self.concurrency, count) if count else []:
                worker = ModelWorker(self.kind.model, **self.kind.options)
                self._shares.append(_Share(self._stack.enter_context(worker), share))
            # every process imports its fetcher and clients at once, before the clock starts
            fanout.call_all(
                [s.worker for s in self._shares],
                "fetcher.fetch_all",
                [{"urls": [], "concurrency": s.concurrency, **self._options} for s in self._shares],
            )
            for s in self._shares:
                s.call = s.worker.stream(
                    "fetcher.fetch_stream", {"concurrency": s.concurrency, **self._options}
                )
                s.heard = time.monotonic()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop every worker (those still fetching are killed: nothing runs on)."""
        for s in self._shares:
            if s.call is not None and not s.call.done:
                s.worker.kill()
        self._stack.close()

    @property
    def processes(self) -> int:
        """How many worker processes the run uses."""
        return len(self._shares)

    # --- the run -----------------------------------------------------------------------------

    def __iter__(self) -> Iterator[FetchResult]:
        while True:
            yield from self.ready()
            if all(s.call is None or s.call.done for s in self._shares):
                if self._waiting:
                    raise RuntimeError(f"{len(self._waiting)} results came back out of place")
                return
            self._feed()
            self._exchange(timeout_s=TICK_S)
            self._check_alive()
            if self.on_tick is not None:
                self.on_tick()

    def ready(self) -> Iterator[FetchResult]:
        """The results that are next in input order, as far as they have come back."""
        while self._next_out in self._waiting:
            yield self._waiting.pop(self._next_out)
            self._next_out += 1

    def drain(self, within_s: float = 0.05) -> None:
        """Read what the workers already sent back, without feeding them (after Ctrl-C)."""
        with contextlib.suppress(Exception):
            while self._exchange(timeout_s=within_s, write=False):
                pass

    def leftovers(self) -> list[tuple[int, FetchResult]]:
        """Results that came back but wait for an earlier one that never will, by index."""
        return sorted(self._waiting.items())

    def _feed(self) -> None:
        """Give each worker URLs up to its room, never past the window."""
        for s in self._shares:
            if s.ended or s.call is None:
                continue
            room = ROOM_FACTOR * s.concurrency - s.holds
            room = min(room, self._next_out + self.window - self.tally.sent)
            batch = self._take(room) if room > 0 else []
            if batch:
                s.call.feed(batch)
                s.holds += len(batch)
            if self.tally.input_done and not self._ahead:
                s.call.end()
                s.ended = True

    def _take(self, n: int) -> list[tuple[int, str]]:
        """Up to ``n`` next URLs with their input index."""
        out = []
        while len(out) < n:
            if self._ahead:
                url = self._ahead.pop(0)
            else:
                url = next(self._urls, None)
                if url is None:
                    self.tally.input_done = True
                    break
                self.tally.read += 1
            out.append((self.tally.sent, url))
            self.tally.sent += 1
        return out

    def _exchange(self, timeout_s: float | None, *, write: bool = True) -> bool:
        """One ``select`` over every worker: write what they may take, read what they sent.
        True if anything was read."""
        calls = [s.call for s in self._shares if s.call is not None and not s.call.done]
        readable = [c.out_fd for c in calls]
        writable = [c.in_fd for c in calls if write and c.wants_write]
        if not readable:
            return False
        r, w, _ = select.select(readable, writable, [], timeout_s)
        by_fd = {c.out_fd: c for c in calls} | {c.in_fd: c for c in calls}
        for fd in w:
            by_fd[fd].flush()
        for fd in r:
            self._received(by_fd[fd])
        return bool(r)

    def _check_alive(self) -> None:
        """Every request ends within its timeout: a worker that holds URLs and sends nothing
        for much longer is stuck, and the run says so rather than hang."""
        limit = self._options["timeout"] + SILENCE_GRACE_S
        for s in self._shares:
            if s.holds and time.monotonic() - s.heard > limit:
                raise WorkerTimeout(
                    f"{s.worker!r} sent no result in {limit:g} s while holding {s.holds} URLs"
                )

    def _received(self, call: StreamCall) -> None:
        share = next(s for s in self._shares if s.call is call)
        share.heard = time.monotonic()
        for index, result in call.receive():
            self._waiting[index] = result
            share.holds -= 1
            self.tally.done += 1
            self.tally.kinds[result.error or "ok"] += 1


def fetch_across(
    kind: spec.WorkerKind, urls: list[str], *, processes: int, **options: Any
) -> list[FetchResult]:
    """Every URL's result in input order, the fetch spread over ``processes`` workers of
    ``kind`` (``fetch_all(..., processes=P)`` of every model)."""
    with Dispatch(kind, urls, processes=processes, **options) as run:
        results = list(run)
    if len(results) != len(urls):
        raise RuntimeError(f"{len(results)} results for {len(urls)} URLs")
    return results
