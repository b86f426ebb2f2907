"""Fetch many URLs at once with asyncio tasks: ``fetch_all(urls, concurrency=, timeout=, client=)``.

What it shows: every place a request waits is an ``await``, where the event loop runs other
tasks until the socket is ready. n worker tasks in a ``TaskGroup``, each taking the next URL
when it is free (``shared.scenarios.fetcher.Work``, as a thread pool's workers do), so at most n
requests are in flight; each request's deadline cancels its task wherever it awaits (one
loop timer for the whole run, ``impls/asyncio_impl/deadline.py``: what ``asyncio.timeout``
does, without a timer per request). httpx's ``AsyncClient`` mirrors the sync ``Client`` the
other models use; aiohttp is asyncio's own client. The same code runs on uvloop
(``ModelWorker("asyncio", loop="uvloop")``, ``switchbench fetch --loop uvloop``).

Read first: shared/scenarios/fetcher.py (everything that is not the model), then this file beside
impls/gevent_impl/fetcher.py and impls/thread_impl/fetcher.py: they differ by the model.

The shape of a run (concurrency 50, timeout 1 s; T, N and K stand for figures; the ideal for
200 x /delay/100 is 4 waves of 0.1 s = 0.40 s, and the faults take about the 1 s timeout of
/delay/3000; where K < 200, one line per outcome follows, as for the faults). Every fault
ends as its own error kind, in every model and client alike. Measured rates, from a full
benchmark run, are in docs/results/report.md and the README's Results::

    $ python -m impls.asyncio_impl.fetcher
    httpx, 200 x /delay/100: T s, N req/s, K/200 ok
    httpx, faults: T s, N req/s, 0/7 ok
      (one line per fault, each with its error kind: see shared.scenarios.fetcher.demo)
    aiohttp, 200 x /delay/100: T s, N req/s, K/200 ok
    aiohttp, faults: T s, N req/s, 0/7 ok
      (the same seven fault lines)

Where httpx's line shows timeouts, that is the client, not the model: httpcore's pool rescans
every pooled connection for each request (encode/httpx#3215), so at concurrency 50 its CPU
per request grows until requests queue for the CPU past their 1 s deadline; aiohttp on the
same loop spends a small fraction of that. The fetch benchmarks measure both clients as they
are (docs/results/report.md).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from typing import Any

import aiohttp
import httpx

from impls.asyncio_impl import runner
from impls.asyncio_impl.deadline import Watchdog
from shared import spec
from shared.scenarios import clients, fetcher
from shared.spec import FetchResult

MODEL = "asyncio"

#: fetch one URL with the run's client, reporting to the attempt as the response arrives
Get = Callable[[fetcher.Attempt], Awaitable[None]]


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
    ``processes``, spread over that many asyncio worker processes (on this process's loop)."""
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
        return fetcher.across_processes(spec.kind_for(MODEL, loop=runner.LOOP), plan, urls)
    work = fetcher.Work(urls)
    runner.run(_run(plan, work))
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
    runner.run(_run(plan, work))
    return work.sent


async def _run(plan: fetcher.Plan, work: fetcher.Work) -> None:
    watchdog = Watchdog(plan.timeout)
    try:
        async with _open_client(plan) as get:
            async with asyncio.TaskGroup() as tasks:  # after Ctrl-C: cancels and awaits them
                # `concurrency` worker tasks, started now; leaving the block awaits them all
                # (the loop runs them meanwhile)
                for _ in range(work.workers(plan.concurrency)):
                    tasks.create_task(_work(get, watchdog, plan, work))
    finally:
        watchdog.close()


async def _work(get: Get, watchdog: Watchdog, plan: fetcher.Plan, work: fetcher.Work) -> None:
    """One worker: the next URL whenever this one is done, until there are none left."""
    # this worker's deadline, restarted for each of its requests
    deadline = watchdog.deadline()
    while (job := work.take()) is not None:
        if job is fetcher.REFILL:
            # the next URLs come over a pipe: wait for them in a thread, so the loop runs the
            # other tasks meanwhile
            await asyncio.to_thread(work.refill)
            continue
        index, url = job
        attempt = plan.attempt(url)
        # one deadline for the whole request: the loop cancels this task where it awaits
        deadline.start(plan.timeout)
        try:
            await get(attempt)
            outcome = attempt.result()
        except asyncio.CancelledError as exc:
            if not deadline.timed_out():
                raise
            outcome = attempt.failure(clients.DeadlineExceeded(exc))
        except Exception as exc:
            outcome = attempt.failure(exc)
        deadline.stop()
        work.put(index, outcome)


@contextlib.asynccontextmanager
async def _open_client(plan: fetcher.Plan) -> AsyncIterator[Get]:
    """The run's one client, its pool sized to ``concurrency``; closed when the run ends."""
    if plan.client == "httpx":
        async with httpx.AsyncClient(**clients.httpx_options(plan)) as session:
            yield partial(_get_httpx, session)
    else:
        async with clients.aiohttp_session(plan) as session:
            yield partial(_get_aiohttp, session)


async def _get_httpx(session: httpx.AsyncClient, attempt: fetcher.Attempt) -> None:
    # awaits the head: the loop runs other tasks meanwhile
    async with session.stream("GET", attempt.url) as response:
        attempt.head(response.status_code)
        async for chunk in response.aiter_raw():  # awaits each chunk as it arrives
            attempt.body(chunk)


async def _get_aiohttp(session: aiohttp.ClientSession, attempt: fetcher.Attempt) -> None:
    # awaits the head: the loop runs other tasks meanwhile
    async with session.get(attempt.url, allow_redirects=False) as response:
        attempt.head(response.status)
        if attempt.fits(response.content_length):
            attempt.body(await response.read())  # awaits the whole body
        else:
            async for chunk in response.content.iter_any():  # awaits each chunk as it arrives
                attempt.body(chunk)


if __name__ == "__main__":
    _ARGS = fetcher.demo_args(MODEL)
    fetcher.demo(MODEL, _ARGS, fetch_all)
