"""The fetcher's non-model half, written once: checks, results, error kinds, client knobs, timing.

``impls/<model>_impl/fetcher.py`` hold only scheduling and I/O; everything they would
otherwise each write again lives here, so the three files differ by the model alone:

- :func:`plan` checks the arguments before any I/O and carries them;
- an :class:`Attempt` is one request: its clock, the status and body bytes as they arrive, the
  ``max_bytes`` limit, and the :data:`Outcome` it ends as (kept as plain columns in
  :class:`Work` until the run's :class:`~shared.spec.FetchResult` list is built at its end);
- ``shared/scenarios/clients.py`` maps what each client library raises to one of
  ``spec.ERROR_KINDS`` and gives every client the same knobs;
- :func:`summarize` and :func:`demo` serve the CLI and the runnable demos.

Client libraries are imported inside the functions for that client only: the thread worker
must never import gevent (``geventhttpclient`` would), and nothing here may import a model.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import gc
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from shared import spec
from shared.scenarios.clients import TooLarge, classify
from shared.spec import ErrorKind, FetchResult

clock = time.perf_counter


# --- arguments --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plan:
    """The checked arguments of one ``fetch_all`` call."""

    model: str
    client: str
    concurrency: int
    timeout: float
    max_bytes: int
    processes: int = 1

    def attempt(self, url: str) -> Attempt:
        """Start one request: its clock starts now (after any wait for a slot)."""
        return Attempt(url, self.client, self.max_bytes)


def bare_plan(model: str, *, concurrency: int, timeout: float, client: str) -> Plan:
    """The plan of a bare loop (``impls/<model>_impl/bare.py``): the same checks and client
    knobs as ``fetch_all``'s, for a loop with no deadline and no limit on the body."""
    spec.check_fetch_args(model, client, concurrency, timeout)
    return Plan(model, client, concurrency, float(timeout), spec.MAX_BODY_BYTES)


def tally(parts: Iterable[Counter[int]]) -> dict[str, int]:
    """A bare loop's statuses, counted over its workers (JSON keys: strings)."""
    total: Counter[int] = Counter()
    for part in parts:
        total.update(part)
    return {str(status): n for status, n in sorted(total.items())}


def plan(
    model: str,
    urls: object,
    *,
    concurrency: int,
    timeout: float,
    client: str,
    max_bytes: int,
    processes: int = 1,
) -> tuple[Plan, list[str]]:
    """Check every argument (``ValueError``) before any I/O; return the plan and the URLs."""
    spec.check_fetch_args(model, client, concurrency, timeout, max_bytes, processes)
    url_list = spec.check_urls(urls)
    return Plan(model, client, concurrency, float(timeout), max_bytes, processes), url_list


# --- the run's work ------------------------------------------------------------------------------


#: one request's outcome as a worker hands it over: ``FetchResult``'s fields as a plain tuple,
#: which :meth:`Work.put` takes apart at once
Outcome = tuple[str, int | None, int, float, ErrorKind | None]


class Work:
    """One run's URLs, shared by its ``concurrency`` workers, in every model alike: a worker
    takes the next URL when it is free and files the result under that URL's index, so the
    results come back in input order and no more than ``concurrency`` requests are in flight.

    Long-lived workers, as a thread pool has, not a task or greenlet per URL: every model then
    pays the same per request (no spawn for each; a spawn is measured on its own in
    benchmarks/test_switching.py). ``threads=True``: taking is under a lock, for workers that
    are OS threads; where one thread runs every worker (greenlets, tasks) nothing else can run
    between two lines of :meth:`take`, so it takes no lock. :meth:`stop` (after Ctrl-C) lets no
    worker take more.

    The results wait in columns of plain numbers and strings, one list per field, and become
    ``FetchResult`` objects only at the end: while the run lasts, no object the garbage
    collector tracks outlives its request. A tuple kept per request counts towards the
    collector's next pass: with one, asyncio + aiohttp's collector ran 33-37 times per 10,000
    requests (its bare loop: 10), 22 without (the final list's objects included), and
    fetch/bare went from 0.89 to 0.91 (medians of 25 round pairs in one process).
    """

    def __init__(self, urls: Sequence[str], *, threads: bool = False) -> None:
        n = len(urls)
        # one column per FetchResult field; a URL without a result has None in _url
        self._url: list[str | None] = [None] * n
        self._status: list[int | None] = [None] * n
        self._nbytes: list[int] = [0] * n
        self._elapsed: list[float] = [0.0] * n
        self._error: list[ErrorKind | None] = [None] * n
        self._lock = threading.Lock() if threads else None
        self._stopped = False
        # the URLs that are not absolute http(s) URLs get their result now, once per run:
        # no worker ever takes one
        skip = {i for i, url in enumerate(urls) if self._filed_if_invalid(i, url)}
        self._todo: Iterator[tuple[int, str]] = (
            ((i, url) for i, url in enumerate(urls) if i not in skip) if skip else enumerate(urls)
        )

    def workers(self, concurrency: int) -> int:
        """How many workers to start: ``concurrency``, never more than there are URLs."""
        return min(concurrency, len(self._url))

    def take(self) -> tuple[int, str] | None:
        """The next valid URL and its index; None when there are none left or the run is
        stopped."""
        if self._lock is None:
            return None if self._stopped else next(self._todo, None)
        with self._lock:
            return None if self._stopped else next(self._todo, None)

    def _filed_if_invalid(self, index: int, url: str) -> bool:
        """True, and its ``"invalid-url"`` result filed (no network touched), for a URL that
        is not an absolute http(s) URL: the same check and result for every model."""
        if spec.is_valid_url(url):
            return False
        self.put(index, invalid(url))
        return True

    def put(self, index: int, outcome: Outcome) -> None:
        (
            self._url[index],
            self._status[index],
            self._nbytes[index],
            self._elapsed[index],
            self._error[index],
        ) = outcome

    def stop(self) -> None:
        self._stopped = True

    def results(self) -> list[FetchResult]:
        """Every URL's result, in input order; RuntimeError if one has none."""
        missing = [i for i, url in enumerate(self._url) if url is None]
        if missing:
            raise RuntimeError(f"{len(missing)} URLs have no result, the first #{missing[0]}")
        columns = (self._url, self._status, self._nbytes, self._elapsed, self._error)
        # every object built here stays alive: a collector's pass in the middle would find
        # nothing to free (with it paused, 0.45 against 0.54 us a result at 10,000)
        with _collector_paused():
            return list(map(FetchResult, *cast(tuple[list[Any], ...], columns)))


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


#: what :meth:`StreamedWork.take` gives when the next URLs have not arrived yet: the worker
#: calls :meth:`StreamedWork.refill` the model's way (it waits on a pipe), then takes again
REFILL: Any = object()


class StreamedWork(Work):
    """The work of a streamed call (``fetch_stream``): the URLs come over the worker channel,
    a batch at a time as the caller feeds them, each with its index in the caller's input, and
    each result goes back the moment it is done (out of order: the caller puts them in order).
    """

    def __init__(self, stream: Any) -> None:
        super().__init__((), threads=True)  # refill runs in a thread
        self._stream = stream
        self._batch: collections.deque[tuple[int, str]] = collections.deque()
        self._ended = False
        self._reading = threading.Lock()
        #: results sent back
        self.sent = 0

    def workers(self, concurrency: int) -> int:
        return concurrency  # how many URLs will come is not known

    def take(self) -> tuple[int, str] | None:
        while True:
            with self._lock:
                if self._stopped:
                    return None
                if not self._batch:
                    return None if self._ended else REFILL
                index, url = self._batch.popleft()
            # the URLs come a batch at a time: each is checked as it is taken
            if not self._filed_if_invalid(index, url):
                return index, url

    def refill(self, wait: Callable[[Callable[[], Any]], Any] | None = None) -> None:
        """Wait for the caller's next batch. Blocking: call it where blocking is allowed, or
        give ``wait``, the model's way to run a blocking call without blocking the others
        (gevent: its hub's thread pool; the locks here are then taken by the calling greenlet,
        in the hub's thread: a patched lock must never be taken from another thread)."""
        with self._reading:  # one reader of the channel; the others find the batch it read
            with self._lock:
                if self._batch or self._ended:
                    return
            batch = wait(self._stream.receive) if wait else self._stream.receive()
            with self._lock:
                if batch is None:
                    self._ended = True
                else:
                    self._batch.extend((index, url) for index, url in batch)

    def put(self, index: int, outcome: Outcome) -> None:
        self._stream.send((index, FetchResult(*outcome)))
        self.sent += 1

    def results(self) -> list[FetchResult]:
        raise TypeError("a streamed run sends its results back as they come")


def across_processes(kind: spec.WorkerKind, plan: Plan, urls: list[str]) -> list[FetchResult]:
    """``fetch_all(..., processes=P)``: the same fetch spread over ``plan.processes`` workers
    of ``kind``, the concurrency split between them (shared.scenarios.fetch_dispatch)."""
    from shared.scenarios import fetch_dispatch  # the worker harness: only when it is used

    return fetch_dispatch.fetch_across(
        kind,
        urls,
        processes=plan.processes,
        concurrency=plan.concurrency,
        timeout=plan.timeout,
        client=plan.client,
        max_bytes=plan.max_bytes,
    )


# --- one request --------------------------------------------------------------------------------


def invalid(url: str) -> Outcome:
    """The result for a URL that is not an absolute http(s) URL: no network touched."""
    return (url, None, 0, 0.0, "invalid-url")


class Attempt:
    """One request in progress. The model's code reports what arrives; this decides the result."""

    __slots__ = ("url", "client", "max_bytes", "t0", "status", "nbytes")

    def __init__(self, url: str, client: str, max_bytes: int) -> None:
        self.url = url
        self.client = client
        self.max_bytes = max_bytes
        self.t0 = clock()
        self.status: int | None = None
        self.nbytes = 0

    def head(self, status: int) -> None:
        """The status line arrived."""
        self.status = status

    def fits(self, content_length: int | str | None) -> bool:
        """True when the response says its length and it is within ``max_bytes``: the body
        can be read whole, in one call; else it is read chunk by chunk, counted as it comes."""
        try:
            return content_length is not None and 0 <= int(content_length) <= self.max_bytes
        except ValueError:
            return False

    def body(self, chunk: bytes) -> None:
        """Count a chunk of the body; raise :class:`TooLarge` once past ``max_bytes``."""
        self.nbytes += len(chunk)
        if self.nbytes > self.max_bytes:
            raise TooLarge(f"body longer than {self.max_bytes} bytes")

    def result(self) -> Outcome:
        """The body was read to its end."""
        assert self.status is not None, "a response ended without a status"
        error: ErrorKind | None = "http" if self.status >= 400 else None
        return (self.url, self.status, self.nbytes, clock() - self.t0, error)

    def failure(self, exc: Exception) -> Outcome:
        """The request failed with ``exc``; re-raise it if it is not a per-URL failure (a bug)."""
        kind = classify(self.client, exc)
        if kind is None:
            raise exc
        return (self.url, self.status, self.nbytes, clock() - self.t0, kind)


def unused_port() -> int:
    """A loopback port nothing listens on (bound, then closed): connecting is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- summary and demo -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Summary:
    n: int
    wall_s: float
    counts: dict[str, int]  # "ok" and every error kind, in that order

    @property
    def req_per_s(self) -> float:
        return self.n / self.wall_s if self.wall_s > 0 else 0.0

    def line(self) -> str:
        """Every kind, zeros included: the same fields on every run."""
        kinds = ", ".join(f"{k} {v}" for k, v in self.counts.items())
        return f"{self.n} URLs in {self.wall_s:.2f} s, {self.req_per_s:.0f} req/s: {kinds}"

    def brief(self) -> str:
        ok = self.counts["ok"]
        return f"{self.wall_s:.2f} s, {self.req_per_s:.0f} req/s, {ok}/{self.n} ok"


def summarize(results: Sequence[FetchResult], wall_s: float) -> Summary:
    seen = Counter(r.error or "ok" for r in results)
    counts = {k: seen.get(k, 0) for k in ("ok", *spec.ERROR_KINDS)}
    return Summary(len(results), wall_s, counts)


def demo_args(model: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse ``python -m impls.<model>_impl.fetcher [URL...] [--client C] [-c N] [--timeout S]``."""
    parser = argparse.ArgumentParser(prog=f"python -m impls.{model}_impl.fetcher")
    parser.add_argument("urls", nargs="*", help="URLs to fetch (default: a local test batch)")
    parser.add_argument("--client", choices=spec.CLIENTS[model], help="default: each in turn")
    parser.add_argument("-c", "--concurrency", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=1.0)
    args = parser.parse_args(argv)
    try:
        client = args.client or spec.CLIENTS[model][0]
        spec.check_fetch_args(model, client, args.concurrency, args.timeout)
    except ValueError as e:
        parser.error(str(e))
    return args


def demo(model: str, args: argparse.Namespace, fetch_all: Callable[..., list[FetchResult]]) -> None:
    """``python -m impls.<model>_impl.fetcher [URL...]``: the same demo for every model.

    Without URLs, starts the test server and, with each of the model's clients, fetches
    200 x ``/delay/100`` at concurrency 50 (ideal: 4 waves of 0.1 s), then one URL per fault.
    Each client's faults end the same way in every model (PORT is the test server's, FREE a
    port nothing listens on)::

        httpx, faults: T s, N req/s, 0/7 ok
             1 x http://127.0.0.1:PORT/status/503       status 503, http
             1 x http://127.0.0.1:PORT/close            status None, protocol
             1 x http://127.0.0.1:PORT/truncated        status 200, protocol
             1 x http://127.0.0.1:PORT/garbage          status None, protocol
             1 x http://127.0.0.1:PORT/delay/3000       status None, timeout
             1 x http://127.0.0.1:FREE/                 status None, connect
             1 x ftp://x/                               status None, invalid-url
    """
    clients = [args.client] if args.client else list(spec.CLIENTS[model])
    runs = {f"{len(args.urls)} URLs": args.urls}
    with contextlib.ExitStack() as stack:
        if not args.urls:
            from shared.harness.server import ServerProcess

            srv = stack.enter_context(ServerProcess())
            stack.callback(srv.wait_idle)  # a timed-out /delay runs on in the server
            u = srv.url
            faults = ["/status/503", "/close", "/truncated", "/garbage", "/delay/3000"]
            refused = f"http://127.0.0.1:{unused_port()}/"
            runs = {
                "200 x /delay/100": [f"{u}/delay/100"] * 200,
                "faults": [u + path for path in faults] + [refused, "ftp://x/"],
            }
        for client in clients:
            for title, urls in runs.items():
                t0 = clock()
                results = fetch_all(
                    urls, concurrency=args.concurrency, timeout=args.timeout, client=client
                )
                print(f"{client}, {title}: {summarize(results, clock() - t0).brief()}")
                # the same outcome for the same URL on one line
                outcomes = Counter((r.url, r.status, r.error or "ok") for r in results)
                for (url, status, error), n in outcomes.items():
                    if len(outcomes) > 1 or n < len(urls):
                        print(f"  {n:4} x {url:38} status {status}, {error}")
    sys.stdout.flush()


def bare_demo_args(model: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse ``python -m impls.<model>_impl.bare [--client C] [-c N] [--requests N]
    [--delay MS]``."""
    parser = argparse.ArgumentParser(prog=f"python -m impls.{model}_impl.bare")
    parser.add_argument("--client", choices=spec.CLIENTS[model], help="default: each in turn")
    parser.add_argument("-c", "--concurrency", type=int, default=100)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--delay", type=int, default=0, help="the server's delay, ms")
    args = parser.parse_args(argv)
    if args.concurrency < 1 or args.requests < 1 or args.delay < 0:
        parser.error("-c and --requests must be >= 1, --delay >= 0")
    return args


def bare_demo(model: str, args: argparse.Namespace, get_all: Callable[..., dict[str, int]]) -> None:
    """``python -m impls.<model>_impl.bare``: each of the model's clients, alone, against the
    test server: ``--requests`` x ``/delay/{--delay}`` at ``-c``."""
    from shared.harness.server import ServerProcess

    with ServerProcess() as srv:
        for client in [args.client] if args.client else spec.CLIENTS[model]:
            kw = {"requests": args.requests, "concurrency": args.concurrency, "client": client}
            t0 = clock()
            statuses = get_all(f"{srv.url}/delay/{args.delay}", timeout=30.0, **kw)
            rate = args.requests / (clock() - t0)
            print(f"{client}: {args.requests} requests, {rate:.0f} req/s, statuses {statuses}")
    sys.stdout.flush()
