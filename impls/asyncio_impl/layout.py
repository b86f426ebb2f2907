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

The shape of a run: one round per layout and delay, P = 1 in this process, P = 2 in two
workers (N stands for a figure; the benchmark's, from many rounds, are in
docs/results/report.md)::

    $ python -m impls.asyncio_impl.layout
      1x1x120   0 ms    720 requests        N req/s  p50 N ms  p99 N ms  client CPU N
      1x1x120  50 ms    720 requests        N req/s  p50 N ms  p99 N ms  client CPU N
       1x4x30   0 ms    720 requests        N req/s  p50 N ms  p99 N ms  client CPU N
       1x4x30  50 ms    720 requests        N req/s  p50 N ms  p99 N ms  client CPU N
       2x1x60   0 ms    720 requests        N req/s  p50 N ms  p99 N ms  client CPU N
       2x1x60  50 ms    720 requests        N req/s  p50 N ms  p99 N ms  client CPU N
       2x4x15   0 ms    720 requests        N req/s  p50 N ms  p99 N ms  client CPU N
       2x4x15  50 ms    720 requests        N req/s  p50 N ms  p99 N ms  client CPU N
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


if __name__ == "__main__":
    _ARGS = layout.demo_args(MODEL)
    layout.demo(MODEL, _ARGS, fetch_part)
