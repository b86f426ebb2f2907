"""The bare loop: the client alone, with OS threads, as the fetch sweep's reference.

What it shows: the least code that drives urllib3 (or httpx's sync ``Client``) at a given
concurrency, the way the standard library teaches threads: one client shared by
``concurrency`` worker threads of a ``ThreadPoolExecutor``, each sending the next request when
its last one is done and reading the whole body. No ``fetch_all``: no deadline, no per-URL
result, no check of the URL, no limit on the body. ``benchmarks/test_fetch.py`` runs it beside
``fetch_all`` at the same points (``variant="bare"``): the gap between the two is our fetcher's
own cost, not the model's.

The client is built as ``fetch_all`` builds it (``shared.scenarios.fetcher``: the same pool
size, keep-alive, no redirects, no retries). Read it beside impls/gevent_impl/bare.py and
impls/asyncio_impl/bare.py.

Shape of a run (``python -m impls.thread_impl.bare``: the test server, 2,000 x /delay/0 at
concurrency 100 with each client)::

    httpx: 2000 requests, N req/s, statuses {'200': 2000}
    urllib3: 2000 requests, N req/s, statuses {'200': 2000}
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import httpx
import urllib3

from shared.scenarios import clients, fetcher

MODEL = "thread"

#: one GET of the URL with the run's client, the whole body read; its status
Get = Callable[[str], int]


def get_all(
    url: str, *, requests: int, concurrency: int, timeout: float, client: str
) -> dict[str, int]:
    """GET ``url`` ``requests`` times, ``concurrency`` at once; how many of each status."""
    plan = fetcher.bare_plan(MODEL, concurrency=concurrency, timeout=timeout, client=client)
    # a range iterator's next() runs in C under the GIL: threads can share it without a lock
    todo = iter(range(requests))
    with _open_client(plan) as get, ThreadPoolExecutor(max_workers=plan.concurrency) as pool:
        # `concurrency` worker threads, started now
        workers = [
            pool.submit(_work, get, url, todo) for _ in range(min(plan.concurrency, requests))
        ]
        # blocks this thread until each worker is done
        return fetcher.tally(w.result() for w in workers)


def _work(get: Get, url: str, todo: Iterator[int]) -> Counter[int]:
    statuses: Counter[int] = Counter()
    for _ in todo:
        statuses[get(url)] += 1  # blocks this thread; the others run meanwhile
    return statuses


@contextlib.contextmanager
def _open_client(plan: fetcher.Plan) -> Iterator[Get]:
    if plan.client == "httpx":
        with httpx.Client(**clients.httpx_options(plan)) as session:
            yield partial(_get_httpx, session)
    else:
        with urllib3.PoolManager(**clients.urllib3_options(plan)) as manager:
            yield partial(_get_urllib3, manager)


def _get_httpx(session: httpx.Client, url: str) -> int:
    return session.get(url).status_code  # blocks this thread until the body is read


def _get_urllib3(manager: urllib3.PoolManager, url: str) -> int:
    return manager.request("GET", url).status  # blocks this thread until the body is read


if __name__ == "__main__":
    _ARGS = fetcher.bare_demo_args(MODEL)
    fetcher.bare_demo(MODEL, _ARGS, get_all)
