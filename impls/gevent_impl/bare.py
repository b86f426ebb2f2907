"""The bare loop: the client alone, with greenlets, as the fetch sweep's reference.

What it shows: the least code that drives geventhttpclient (or httpx's sync ``Client``,
patched) at a given concurrency, the way gevent's examples write it: one client,
``concurrency`` worker greenlets in a ``gevent.pool.Pool``, each sending the next request when
its last one is done and reading the whole body. No ``fetch_all``: no deadline, no per-URL
result, no check of the URL, no limit on the body. ``benchmarks/test_fetch.py`` runs it beside
``fetch_all`` at the same points (``variant="bare"``): the gap between the two is our fetcher's
own cost, not the model's.

The client is built as ``fetch_all`` builds it (``shared.scenarios.fetcher``: the same pool
size, keep-alive, no redirects, no retries). Read it beside impls/asyncio_impl/bare.py and
impls/thread_impl/bare.py.

Shape of a run (``python -m impls.gevent_impl.bare``: the test server, 2,000 x /delay/0 at
concurrency 100 with each client)::

    httpx: 2000 requests, N req/s, statuses {'200': 2000}
    geventhttpclient: 2000 requests, N req/s, statuses {'200': 2000}
"""

# ruff: noqa: E402 - the imports below come after the patch on purpose

from __future__ import annotations

if __name__ == "__main__":
    # Run as a demo: patch first, before anything below imports socket, ssl or threading.
    # In the gevent worker, impls/gevent_impl/__main__.py has patched already.
    from gevent import monkey

    monkey.patch_all()

import contextlib
from collections import Counter
from collections.abc import Callable, Iterator
from functools import partial

import gevent.pool
import httpx
from geventhttpclient import URL, HTTPClient

from shared.scenarios import clients, fetcher

MODEL = "gevent"

#: one GET of the URL with the run's client, the whole body read; its status
Get = Callable[[str], int]


def get_all(
    url: str, *, requests: int, concurrency: int, timeout: float, client: str
) -> dict[str, int]:
    """GET ``url`` ``requests`` times, ``concurrency`` at once; how many of each status."""
    plan = fetcher.bare_plan(MODEL, concurrency=concurrency, timeout=timeout, client=client)
    todo = iter(range(requests))
    with _open_client(plan, url) as get:
        pool = gevent.pool.Pool(plan.concurrency)
        # `concurrency` worker greenlets, started now
        workers = [
            pool.spawn(_work, get, url, todo) for _ in range(min(plan.concurrency, requests))
        ]
        pool.join(raise_error=True)  # blocks this greenlet until every worker is done
    return fetcher.tally(w.value for w in workers)


def _work(get: Get, url: str, todo: Iterator[int]) -> Counter[int]:
    statuses: Counter[int] = Counter()
    for _ in todo:
        statuses[get(url)] += 1  # the hub runs other greenlets while this one waits
    return statuses


@contextlib.contextmanager
def _open_client(plan: fetcher.Plan, url: str) -> Iterator[Get]:
    if plan.client == "httpx":
        with httpx.Client(**clients.httpx_options(plan)) as session:
            yield partial(_get_httpx, session)
    else:
        target = URL(url)
        host_client = HTTPClient.from_url(target, **clients.geventhttpclient_options(plan))
        try:
            yield partial(_get_geventhttpclient, host_client, target.request_uri)
        finally:
            host_client.close()


def _get_httpx(session: httpx.Client, url: str) -> int:
    return session.get(url).status_code  # the patched socket yields to the hub meanwhile


def _get_geventhttpclient(host_client: HTTPClient, request_uri: str, url: str) -> int:
    with host_client.get(request_uri) as response:  # yields until the head arrives
        response.read()  # yields until the whole body arrives
        return response.status_code


if __name__ == "__main__":
    _ARGS = fetcher.bare_demo_args(MODEL)
    fetcher.bare_demo(MODEL, _ARGS, get_all)
