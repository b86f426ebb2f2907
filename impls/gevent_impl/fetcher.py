"""Fetch many URLs at once with greenlets: ``fetch_all(urls, concurrency=, timeout=, client=)``.

What it shows: once the standard library is monkey-patched, plain blocking code becomes
concurrent. httpx's *sync* ``Client`` blocks in ``socket.recv()``; the patched socket parks
the greenlet and gevent's hub runs another one until data arrives. n worker greenlets, each
taking the next URL when it is free (``shared.scenarios.fetcher.Work``, as a thread pool's workers
do), keep at most n requests in flight; each request's deadline is raised by the hub inside
the greenlet wherever it waits, as ``gevent.Timeout`` does, from one timer for the whole run
(impls/gevent_impl/deadline.py). geventhttpclient is gevent's own client, written for its
sockets.

Read first: shared/scenarios/fetcher.py (everything that is not the model), then this file beside
impls/asyncio_impl/fetcher.py and impls/thread_impl/fetcher.py: they differ by the model.

The shape of a run (concurrency 50, timeout 1 s; T, N and K stand for figures; the ideal for
200 x /delay/100 is 4 waves of 0.1 s = 0.40 s, and the faults take about the 1 s timeout of
/delay/3000; where K < 200, one line per outcome follows, as for the faults). Every fault
ends as its own error kind, in every model and client alike. Measured rates, from a full
benchmark run, are in docs/results/report.md and the README's Results::

    $ python -m impls.gevent_impl.fetcher
    httpx, 200 x /delay/100: T s, N req/s, K/200 ok
    httpx, faults: T s, N req/s, 0/7 ok
      (one line per fault, each with its error kind: see shared.scenarios.fetcher.demo)
    geventhttpclient, 200 x /delay/100: T s, N req/s, K/200 ok
    geventhttpclient, faults: T s, N req/s, 0/7 ok
      (the same seven fault lines)
"""

# ruff: noqa: E402 - the imports below come after the patch on purpose

from __future__ import annotations

if __name__ == "__main__":
    # Run as a demo: patch first, before anything below imports socket, ssl or threading
    # (a module imported earlier keeps the blocking originals). In the gevent worker,
    # impls/gevent_impl/__main__.py has patched already.
    from gevent import monkey

    monkey.patch_all()

import contextlib
import signal
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import gevent
import gevent.monkey
import gevent.pool
import httpx
from geventhttpclient import URL, HTTPClient
from geventhttpclient.response import HTTPSocketPoolResponse

from impls.gevent_impl.deadline import Watchdog
from shared import spec
from shared.scenarios import clients, fetcher
from shared.spec import FetchResult

MODEL = "gevent"

#: fetch one URL with the run's client, reporting to the attempt as the response arrives
Get = Callable[[fetcher.Attempt], None]


def fetch_all(
    urls: list[str],
    *,
    concurrency: int,
    timeout: float,
    client: str,
    max_bytes: int = spec.MAX_BODY_BYTES,
    processes: int = 1,
) -> list[FetchResult]:
    """One result per URL, in input order, never more than ``concurrency`` in flight; with
    ``processes``, spread over that many gevent worker processes."""
    plan, urls = fetcher.plan(
        MODEL,
        urls,
        concurrency=concurrency,
        timeout=timeout,
        client=client,
        max_bytes=max_bytes,
        processes=processes,
    )
    if plan.processes > 1:
        return fetcher.across_processes(spec.kind_for(MODEL), plan, urls)
    work = fetcher.Work(urls)
    _run(plan, work)
    return work.results()


def fetch_stream(
    stream: Any, *, concurrency: int, timeout: float, client: str, max_bytes: int
) -> int:
    """``fetch_all`` for a caller that feeds the URLs over the worker channel and takes each
    result back the moment it is done (``switchbench fetch``); returns how many were sent."""
    plan, _ = fetcher.plan(
        MODEL, [], concurrency=concurrency, timeout=timeout, client=client, max_bytes=max_bytes
    )
    work = fetcher.StreamedWork(stream)
    _run(plan, work)
    return work.sent


def _run(plan: fetcher.Plan, work: fetcher.Work) -> None:
    if not gevent.monkey.is_module_patched("socket"):  # httpx would block the whole hub
        raise RuntimeError("the gevent fetcher needs gevent.monkey.patch_all() first")
    workers = gevent.pool.Group()
    watchdog = Watchdog(plan.timeout)
    with _interrupts_here(), _open_client(plan) as get:
        try:
            # `concurrency` worker greenlets, started now
            for _ in range(work.workers(plan.concurrency)):
                workers.spawn(_work, get, watchdog, plan, work)
            workers.join(raise_error=True)  # blocks this greenlet until every worker is done
        finally:
            watchdog.close()
            workers.kill()  # after Ctrl-C: stop the greenlets still running, then close the client


@contextlib.contextmanager
def _interrupts_here() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt in the calling greenlet, where it waits for the workers.

    Python raises it wherever the main thread happens to be, which here is often a worker
    greenlet half-way through a request (between taking a pooled connection and giving it
    back): that worker dies holding the connection, and it stays open until the garbage
    collector finds the traceback. ``asyncio.Runner`` does the same for the asyncio model: its
    SIGINT handler cancels the main task instead of raising in a random callback.
    """
    caller, hub = gevent.getcurrent(), gevent.get_hub()

    def interrupt(signum: int, frame: object) -> None:
        # runs between two bytecodes of whichever greenlet runs now: only schedule the raise
        hub.loop.run_callback_threadsafe(caller.throw, KeyboardInterrupt)

    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield  # the program handles SIGINT its own way: leave it to it
        return
    try:
        signal.signal(signal.SIGINT, interrupt)
    except ValueError:  # not the process's main thread: signals are not ours to take
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _work(get: Get, watchdog: Watchdog, plan: fetcher.Plan, work: fetcher.Work) -> None:
    """One worker: the next URL whenever this one is done, until there are none left."""
    # this worker's deadline, restarted for each of its requests
    deadline = watchdog.deadline()
    while (job := work.take()) is not None:
        if job is fetcher.REFILL:
            # the next URLs come over a pipe: read them in the hub's thread pool, so the hub
            # runs the other greenlets meanwhile (this greenlet waits for the reader)
            work.refill(gevent.get_hub().threadpool.apply)
            continue
        index, url = job
        attempt = plan.attempt(url)
        # one deadline for the whole request: the hub raises it in this greenlet where it waits
        deadline.start(plan.timeout)
        try:
            get(attempt)
            outcome = attempt.result()
        except Exception as exc:
            outcome = attempt.failure(exc)
        deadline.stop()
        work.put(index, outcome)


@contextlib.contextmanager
def _open_client(plan: fetcher.Plan) -> Iterator[Get]:
    """The run's one client, its pool sized to ``concurrency``; closed when the run ends."""
    if plan.client == "httpx":
        with httpx.Client(**clients.httpx_options(plan)) as session:
            yield partial(_get_httpx, session)
    else:
        # geventhttpclient talks to one host per client: one per (scheme, host, port)
        hosts: dict[tuple[str, str, int | None], _SendOnce] = {}
        # each URL parsed once per run: its host's client and the path to send
        targets: dict[str, tuple[_SendOnce, str]] = {}
        try:
            yield partial(_get_geventhttpclient, hosts, targets, plan)
        finally:
            for host_client in hosts.values():
                host_client.close()


def _get_httpx(session: httpx.Client, attempt: fetcher.Attempt) -> None:
    # blocks until the head arrives: the patched socket yields to the hub meanwhile
    with session.stream("GET", attempt.url) as response:
        attempt.head(response.status_code)
        for chunk in response.iter_raw():  # yields to the hub until each chunk arrives
            attempt.body(chunk)


def _get_geventhttpclient(
    hosts: dict[tuple[str, str, int | None], _SendOnce],
    targets: dict[str, tuple[_SendOnce, str]],
    plan: fetcher.Plan,
    attempt: fetcher.Attempt,
) -> None:
    target = targets.get(attempt.url)
    if target is None:  # no I/O here: no other greenlet runs meanwhile
        url = URL(attempt.url)
        key = (url.scheme, url.host, url.port)
        host_client = hosts.get(key)
        if host_client is None:
            options = clients.geventhttpclient_options(plan)
            host_client = hosts[key] = _SendOnce.from_url(url, **options)
        target = targets[attempt.url] = (host_client, url.request_uri)
    host_client, request_uri = target
    # blocks until the head arrives: gevent's socket yields to the hub meanwhile
    with host_client.get_once(request_uri) as response:
        attempt.head(response.status_code)
        if attempt.fits(response.content_length):
            attempt.body(response.read())  # yields until the whole body arrives
        else:
            while chunk := response.read(clients.CHUNK_BYTES):  # yields until the chunk arrives
                attempt.body(chunk)


class _SendOnce(HTTPClient):
    """geventhttpclient's ``get()`` resends a GET whose connection closes before the response,
    up to pool size + 1 times; the other clients here send every request once, so this does.
    """

    def get_once(self, request_uri: str) -> HTTPSocketPoolResponse:
        request = self._build_request("GET", request_uri).encode("latin-1")
        pool = self._connection_pool
        sock = pool.get_socket()  # a pooled connection, or a new one (yields while connecting)
        try:
            sock.sendall(request)
        except BaseException:
            pool.release_socket(sock)
            raise
        # reads the head; on any failure, and once the body is read, it releases the socket
        return HTTPSocketPoolResponse(
            sock,
            pool,
            block_size=self.block_size,
            method="GET",
            headers_type=self.headers_type,
        )


if __name__ == "__main__":
    _ARGS = fetcher.demo_args(MODEL)
    fetcher.demo(MODEL, _ARGS, fetch_all)
