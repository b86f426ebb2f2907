"""One process's part of a layout with gevent: K greenlets on the process's one hub.

What it shows: the tutorial's processes x coroutines, the gevent way: the model's own
``fetch_all`` (``fetcher.py``) with ``tasks`` worker greenlets. There are no threads in a
gevent layout: ``monkey.patch_all()`` replaced ``threading``, so a thread started here is one
more greenlet on the same hub, in the same OS thread; T threads of K greenlets would be
T x K greenlets. The processes are the caller's: ``benchmarks/test_layouts.py`` runs this
function in P workers at once (``shared.harness.fanout``).

Read first: ``shared/scenarios/layout.py`` (the layouts, the part's measures), then this file
beside ``impls/asyncio_impl/layout.py`` (threads of event loops) and
``impls/thread_impl/layout.py`` (no tasks).

Shape of a run, in a patched worker (``ModelWorker("gevent").call("layout.fetch_part", ...)``)::

    fetch_part(url, requests=1200, threads=1, tasks=60, timeout=30.0,
               client="geventhttpclient")
    -> {"requests": 1200, "elapsed_s": ..., "latencies_s": [...1200], "errors": {},
        "cpu_s": ..., "peak_rss_kib": ..., "pid": ...}
"""

from __future__ import annotations

from typing import Any

from impls.gevent_impl import fetcher
from shared.scenarios import layout

MODEL = "gevent"


def fetch_part(
    url: str, *, requests: int, threads: int, tasks: int, timeout: float, client: str
) -> dict[str, Any]:
    """``requests`` fetches of ``url`` by ``tasks`` greenlets (``threads`` must be 1: here a
    thread is a greenlet); what they took (``layout.Part.result``)."""
    part = layout.Part(
        MODEL, url, requests=requests, threads=threads, tasks=tasks, timeout=timeout, client=client
    )
    with part.measured() as done:
        # `tasks` greenlets on this process's hub, each yielding to it while it waits
        done += fetcher.fetch_all(part.urls, concurrency=part.tasks, **part.options)
    return part.result()
