"""One process's part of a layout with threads: T threads, each one request at a time.

What it shows: the tutorial's processes x threads, without coroutines (K = 1): the model's
own ``fetch_all`` (``fetcher.py``) with ``threads`` worker threads, each blocked in its own
request. The threads share the process's GIL; a second process has a GIL of its own. The
processes are the caller's: ``benchmarks/test_layouts.py`` runs this function in P workers at
once (``shared.harness.fanout``).

Read first: ``shared/scenarios/layout.py`` (the layouts, the part's measures), then this file
beside ``impls/asyncio_impl/layout.py`` (threads of event loops) and
``impls/gevent_impl/layout.py`` (no threads).

The shape of a run: one round per layout and delay, P = 1 in this process, P = 2 in two
workers (N stands for a figure; the benchmark's, from many rounds, are in
docs/results/report.md)::

    $ python -m impls.thread_impl.layout
      1x120x1   0 ms    720 requests        N req/s  p50 N ms  p99 N ms  client CPU N
      1x120x1  50 ms    720 requests        N req/s  p50 N ms  p99 N ms  client CPU N
       2x60x1   0 ms    720 requests        N req/s  p50 N ms  p99 N ms  client CPU N
       2x60x1  50 ms    720 requests        N req/s  p50 N ms  p99 N ms  client CPU N
"""

from __future__ import annotations

from typing import Any

from impls.thread_impl import fetcher
from shared.scenarios import layout

MODEL = "thread"


def fetch_part(
    url: str, *, requests: int, threads: int, tasks: int, timeout: float, client: str
) -> dict[str, Any]:
    """``requests`` fetches of ``url`` by ``threads`` threads, one request each at a time
    (``tasks`` must be 1); what they took (``layout.Part.result``)."""
    part = layout.Part(
        MODEL, url, requests=requests, threads=threads, tasks=tasks, timeout=timeout, client=client
    )
    with part.measured() as done:
        # `threads` OS threads, each blocked in one request at a time, the GIL released
        done += fetcher.fetch_all(part.urls, concurrency=part.threads, **part.options)
    return part.result()


if __name__ == "__main__":
    _ARGS = layout.demo_args(MODEL)
    layout.demo(MODEL, _ARGS, fetch_part)
