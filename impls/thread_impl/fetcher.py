"""Fetch many URLs at once with OS threads: ``fetch_all(urls, concurrency=, timeout=, client=)``.

What it shows: plain blocking code in n worker threads of a ``ThreadPoolExecutor``, each
taking the next URL when it is free (``shared.scenarios.fetcher.Work``), each blocked in
``socket.recv()`` with the GIL released while it waits, preempted by the interpreter
otherwise. What threads cannot do is be interrupted: there is no ``Timeout`` to
raise inside a blocked thread, so each request's deadline is made of its parts: every
blocking call is given only the time left, and where a library fixes one read timeout for a
whole body (httpx), a watchdog thread shuts the socket down at the deadline, which makes the
blocked ``recv()`` return. httpx's sync ``Client`` is the same one the gevent model runs
patched; urllib3 is the threads' own pool.

Read first: shared/scenarios/fetcher.py (everything that is not the model), then this file beside
impls/gevent_impl/fetcher.py and impls/asyncio_impl/fetcher.py: they differ by the model.

The shape of a run (concurrency 50, timeout 1 s; T, N and K stand for figures; the ideal for
200 x /delay/100 is 4 waves of 0.1 s = 0.40 s, and the faults take about the 1 s timeout of
/delay/3000; where K < 200, one line per outcome follows, as for the faults). Every fault
ends as its own error kind, in every model and client alike. Measured rates, from a full
benchmark run, are in docs/results/report.md and the README's Results::

    $ python -m impls.thread_impl.fetcher
    httpx, 200 x /delay/100: T s, N req/s, K/200 ok
    httpx, faults: T s, N req/s, 0/7 ok
      (one line per fault, each with its error kind: see shared.scenarios.fetcher.demo)
    urllib3, 200 x /delay/100: T s, N req/s, K/200 ok
    urllib3, faults: T s, N req/s, 0/7 ok
      (the same seven fault lines)
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import httpx
import urllib3

from impls.thread_impl.deadline import Deadline, Watchdog
from shared import spec
from shared.scenarios import clients, fetcher
from shared.spec import FetchResult

MODEL = "thread"

#: fetch one URL with the run's client, reporting to the attempt as the response arrives
Get = Callable[[fetcher.Attempt, Deadline], None]


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
    ``processes``, spread over that many thread worker processes."""
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
    work = fetcher.Work(urls, threads=True)
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
    with _open_client(plan) as get, Watchdog(plan.timeout) as watchdog:
        with ThreadPoolExecutor(max_workers=plan.concurrency) as pool:
            try:
                # `concurrency` worker threads, started now
                workers = [
                    pool.submit(_work, get, watchdog, plan, work)
                    for _ in range(work.workers(plan.concurrency))
                ]
                for worker in workers:
                    worker.result()  # blocks this thread until the worker is done
            finally:
                # after Ctrl-C: no worker starts another request; leaving the pool waits for
                # the running ones, each within its deadline
                work.stop()


def _work(get: Get, watchdog: Watchdog, plan: fetcher.Plan, work: fetcher.Work) -> None:
    """One worker: the next URL whenever this one is done, until there are none left."""
    # this worker's deadline, restarted for each of its requests
    deadline = watchdog.deadline()
    while (job := work.take()) is not None:
        if job is fetcher.REFILL:
            work.refill()  # the next URLs come over a pipe: blocks this thread until they do
            continue
        index, url = job
        attempt = plan.attempt(url)
        # one deadline for the whole request: a blocked thread cannot be interrupted, so every
        # blocking call gets the time left, and the watchdog cuts a body still reading
        deadline.start(plan.timeout)
        try:
            get(attempt, deadline)
            outcome = attempt.result()
        except Exception as exc:
            outcome = attempt.failure(exc)
        work.put(index, outcome)


@contextlib.contextmanager
def _open_client(plan: fetcher.Plan) -> Iterator[Get]:
    """The run's one client, its pool sized to ``concurrency``; closed when the run ends."""
    if plan.client == "httpx":
        with httpx.Client(**clients.httpx_options(plan)) as session:
            yield partial(_get_httpx, session)
    else:
        # one pool of `concurrency` connections per (scheme, host, port)
        with urllib3.PoolManager(**clients.urllib3_options(plan)) as manager:
            yield partial(_get_urllib3, manager)


def _get_httpx(session: httpx.Client, attempt: fetcher.Attempt, deadline: Deadline) -> None:
    # blocks this thread until the head arrives (httpx gives each phase the whole timeout)
    with session.stream("GET", attempt.url) as response:
        attempt.head(response.status_code)
        # httpx gives the whole body one read timeout, so the watchdog holds the deadline;
        # `response.stream` (unlike iter_raw) keeps the connection ours until we stop watching
        with deadline.watch(response.extensions["network_stream"].get_extra_info("socket")):
            for chunk in response.stream:  # blocks this thread until each chunk arrives
                attempt.body(chunk)


def _get_urllib3(
    manager: urllib3.PoolManager, attempt: fetcher.Attempt, deadline: Deadline
) -> None:
    # blocks this thread until the head arrives, within the time left
    response = manager.request(
        "GET",
        attempt.url,
        preload_content=False,
        redirect=False,
        timeout=urllib3.Timeout(total=deadline.left()),
    )
    try:
        attempt.head(response.status)
        if response.connection is None:  # the head ended the response: no body to wait for
            attempt.body(response.read(decode_content=False))
            return
        # the body may take many reads, each within the socket's timeout: the watchdog holds
        # the deadline for them all
        with deadline.watch(response.connection.sock):
            if attempt.fits(response.headers.get("content-length")):
                attempt.body(response.read(decode_content=False))  # blocks until all is read
            else:
                # the read that ends the body hands the connection back to the pool (then None)
                while response.connection is not None:
                    chunk = response.read1(clients.CHUNK_BYTES, decode_content=False)  # blocks
                    if not chunk:
                        break
                    attempt.body(chunk)
    except BaseException:
        response.close()  # the body is not read to its end: the connection cannot be reused
        raise
    finally:
        response.release_conn()  # the connection (or, once closed, its slot) back to the pool


if __name__ == "__main__":
    _ARGS = fetcher.demo_args(MODEL)
    fetcher.demo(MODEL, _ARGS, fetch_all)
