"""One process's part of a layout with asyncio: T threads, each an event loop with K tasks.

What it shows: the tutorial's processes x threads x coroutines, the asyncio way. Each of
``threads`` OS threads runs the model's own ``fetch_all`` (``fetcher.py``), which starts an
event loop of its own in the thread it is called from, with ``tasks`` worker tasks on it.
The loops share the process's GIL: they wait for the network side by side, but only one of
them runs Python code at a time. The processes are the caller's: ``benchmarks/test_layouts.py``
runs this function in P workers at once (``shared.harness.fanout``).

Read first: ``shared/scenarios/layout.py`` (the layouts, the part's measures), then this file
beside ``impls/gevent_impl/layout.py`` (no threads) and ``impls/thread_impl/layout.py`` (no
tasks).

Shape of a run, in a worker (``ModelWorker("asyncio").call("layout.fetch_part", ...)``)::

    fetch_part(url, requests=600, threads=4, tasks=15, timeout=30.0, client="aiohttp")
    -> {"requests": 600, "elapsed_s": ..., "latencies_s": [...600], "errors": {},
        "cpu_s": ..., "peak_rss_kib": ..., "pid": ...}
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from impls.asyncio_impl import fetcher
from shared.scenarios import layout

MODEL = "asyncio"


def fetch_part(
    url: str, *, requests: int, threads: int, tasks: int, timeout: float, client: str
) -> dict[str, Any]:
    """``requests`` fetches of ``url`` over ``threads`` threads, each an event loop of its
    own with ``tasks`` tasks; what they took (``layout.Part.result``)."""
    part = layout.Part(
        MODEL, url, requests=requests, threads=threads, tasks=tasks, timeout=timeout, client=client
    )
    with part.measured() as done, ThreadPoolExecutor(max_workers=part.threads) as pool:
        # an OS thread per share; in each, fetch_all runs an event loop of its own
        runs = [
            pool.submit(fetcher.fetch_all, urls, concurrency=part.tasks, **part.options)
            for urls in part.shares
        ]
        for run in runs:
            done += run.result()  # blocks this thread until that thread's loop has finished
    return part.result()
