"""One process's part of a layout with threads: T threads, each one request at a time.

What it shows: the tutorial's processes x threads, without coroutines (K = 1): the model's
own ``fetch_all`` (``fetcher.py``) with ``threads`` worker threads, each blocked in its own
request. The threads share the process's GIL; a second process has a GIL of its own. The
processes are the caller's: ``benchmarks/test_layouts.py`` runs this function in P workers at
once (``shared.harness.fanout``).

Read first: ``shared/scenarios/layout.py`` (the layouts, the part's measures), then this file
beside ``impls/asyncio_impl/layout.py`` (threads of event loops) and
``impls/gevent_impl/layout.py`` (no threads).

Shape of a run, in a worker (``ModelWorker("thread").call("layout.fetch_part", ...)``)::

    fetch_part(url, requests=1200, threads=60, tasks=1, timeout=30.0, client="urllib3")
    -> {"requests": 1200, "elapsed_s": ..., "latencies_s": [...1200], "errors": {},
        "cpu_s": ..., "peak_rss_kib": ..., "pid": ...}
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
