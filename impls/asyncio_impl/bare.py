"""The bare loop: the client alone, with asyncio tasks, as the fetch sweep's reference.

What it shows: the least code that drives aiohttp (or httpx's ``AsyncClient``) at a given
concurrency, the way asyncio's own documentation would write it: one session, ``concurrency``
worker tasks in a ``TaskGroup``, each sending the next request when its last one is done and
reading the whole body. No ``fetch_all``: no deadline, no per-URL result, no check of the URL,
no limit on the body. ``benchmarks/test_fetch.py`` runs it beside ``fetch_all`` at the same
points (``variant="bare"``): the gap between the two is our fetcher's own cost, not the model's.

The client is built as ``fetch_all`` builds it (``shared.scenarios.fetcher``: the same pool
size, keep-alive, no redirects, no retries). Read it beside impls/gevent_impl/bare.py and
impls/thread_impl/bare.py.

Shape of a run (``python -m impls.asyncio_impl.bare``: the test server, 2,000 x /delay/0 at
concurrency 100 with each client)::

    httpx: 2000 requests, N req/s, statuses {'200': 2000}
    aiohttp: 2000 requests, N req/s, statuses {'200': 2000}
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from functools import partial

import aiohttp
import httpx

from impls.asyncio_impl import runner
from shared.scenarios import clients, fetcher

MODEL = "asyncio"

#: one GET of the URL with the run's client, the whole body read; its status
Get = Callable[[str], Awaitable[int]]


def get_all(
    url: str, *, requests: int, concurrency: int, timeout: float, client: str
) -> dict[str, int]:
    """GET ``url`` ``requests`` times, ``concurrency`` at once; how many of each status."""
    plan = fetcher.bare_plan(MODEL, concurrency=concurrency, timeout=timeout, client=client)
    return runner.run(_get_all(plan, url, requests))


async def _get_all(plan: fetcher.Plan, url: str, requests: int) -> dict[str, int]:
    todo = iter(range(requests))
    async with _open_client(plan) as get:
        async with asyncio.TaskGroup() as tasks:
            # `concurrency` worker tasks, started now; leaving the block awaits them all
            workers = [
                tasks.create_task(_work(get, url, todo))
                for _ in range(min(plan.concurrency, requests))
            ]
    return fetcher.tally(w.result() for w in workers)


async def _work(get: Get, url: str, todo: Iterator[int]) -> Counter[int]:
    statuses: Counter[int] = Counter()
    for _ in todo:
        statuses[await get(url)] += 1  # the loop runs other tasks while this one awaits
    return statuses


@contextlib.asynccontextmanager
async def _open_client(plan: fetcher.Plan) -> AsyncIterator[Get]:
    if plan.client == "httpx":
        async with httpx.AsyncClient(**clients.httpx_options(plan)) as session:
            yield partial(_get_httpx, session)
    else:
        async with clients.aiohttp_session(plan) as session:
            yield partial(_get_aiohttp, session)


async def _get_httpx(session: httpx.AsyncClient, url: str) -> int:
    return (await session.get(url)).status_code  # awaits the head and the body


async def _get_aiohttp(session: aiohttp.ClientSession, url: str) -> int:
    async with session.get(url) as response:  # awaits the head
        await response.read()  # awaits the whole body
        return response.status


if __name__ == "__main__":
    _ARGS = fetcher.bare_demo_args(MODEL)
    fetcher.bare_demo(MODEL, _ARGS, get_all)
