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

The shape of a run: one round per layout and delay, P = 1 in this process, P = 2 in two
workers (N stands for a figure; the benchmark's, from many rounds, are in
docs/results/report.md)::

    $ python -m impls.gevent_impl.layout
      1x1x120   0 ms    720 requests        N req/s  p50 N ms  p99 N ms  client CPU N
      1x1x120  50 ms    720 requests        N req/s  p50 N ms  p99 N ms  client CPU N
       2x1x60   0 ms    720 requests        N req/s  p50 N ms  p99 N ms  client CPU N
       2x1x60  50 ms    720 requests        N req/s  p50 N ms  p99 N ms  client CPU N
"""

# ruff: noqa: E402 - the imports below come after the patch on purpose

from __future__ import annotations

if __name__ == "__main__":
    # Run as a demo: patch first, before anything below imports socket, ssl or threading. In
    # the gevent worker, impls/gevent_impl/__main__.py has patched already.
    from gevent import monkey

    monkey.patch_all()

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


if __name__ == "__main__":
    _ARGS = layout.demo_args(MODEL)
    layout.demo(MODEL, _ARGS, fetch_part)
