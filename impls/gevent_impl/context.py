"""Per-request state in gevent: each greenlet has its own context, and ``gevent.local``.

Read ``shared/scenarios/context.py`` first (the three stores, the offload checks), then this
file beside ``impls/asyncio_impl/context.py`` and ``impls/thread_impl/context.py``.

- ``requests``: one greenlet per request. Every greenlet has a ``contextvars`` context of
  its own, and ``gevent.local.local`` (what ``threading.local`` becomes after
  ``monkey.patch_all()``) keeps one value per greenlet: no cross-talk in either.
- ``offloaded``: the hub's threadpool runs the function in a native thread with an empty
  context; so does a new greenlet (``gevent.spawn`` copies nothing, unlike
  ``asyncio.create_task``). ``contextvars.copy_context().run`` carries it over.

Shape of a run (``python -m impls.gevent_impl.context``; figures in docs/results)::

    gevent: 100 concurrent requests keep their id across a 20 ms I/O wait; cross-talk ...
      contextvars.ContextVar: 0
      gevent.local.local: 0
      a plain shared attribute (the control): most of them
    does work run elsewhere see the caller's context?
      gevent.get_hub().threadpool.spawn: no
      gevent.get_hub().threadpool.spawn: no
      gevent.spawn: no
      contextvars.copy_context().run in a thread: yes
"""

from __future__ import annotations

if __name__ == "__main__":
    # Run as a demo: patch first, before anything imports socket, ssl or threading (inside
    # a worker, impls.gevent_impl.__main__ has patched already).
    from gevent import monkey

    monkey.patch_all()

import contextvars  # noqa: E402
import socket  # noqa: E402 - after the patch: gevent's cooperative socket
from typing import Any  # noqa: E402

import gevent  # noqa: E402
import gevent.local  # noqa: E402

from shared.scenarios import context, probe  # noqa: E402

MODEL = "gevent"


def requests(url: str, n: int = context.REQUESTS) -> dict[str, int]:
    """``n`` concurrent requests, each keeping its id across an I/O wait; the cross-talk."""
    tally = context.Tally()
    local = gevent.local.local()  # one value per greenlet
    delayed = f"{url}/delay/{context.IO_MS}"
    # run each in a greenlet of its own, with a context of its own
    greenlets = [gevent.spawn(_handle, i, delayed, tally, local) for i in range(n)]
    # yields to the hub until every request is done
    gevent.joinall(greenlets, raise_error=True)
    return tally.counts()


def offloaded() -> dict[str, bool]:
    """Whether work run in a thread, or in a child greenlet, sees the caller's context."""
    pool = gevent.get_hub().threadpool
    token = context.REQUEST_ID.set(context.MARK)
    try:
        # each yields to the hub until the thread (or the child greenlet) has answered
        return context.offload_checks(
            offload=pool.spawn(context.seen).get(),
            executor=pool.spawn(context.seen).get(),
            copied=pool.spawn(contextvars.copy_context().run, context.seen).get(),
            child=gevent.spawn(context.seen).get(),
        )
    finally:
        context.REQUEST_ID.reset(token)


def run(url: str) -> dict[str, Any]:
    """The demo: the requests and the offload checks, printed; the result as ``--json``."""
    return context.outcome(MODEL, requests(url), offloaded())


def _handle(request_id: int, url: str, tally: context.Tally, local: gevent.local.local) -> None:
    tally.begin(request_id, local)
    host, port, request = probe.get_request(url)
    # yields to the hub until connected
    sock = socket.create_connection((host, port), timeout=probe.IO_TIMEOUT_S)
    try:
        sock.sendall(request)
        # yields to the hub until the server answers: the other requests run meanwhile
        while sock.recv(65536):
            pass
    finally:
        sock.close()
    tally.end(request_id, local)


if __name__ == "__main__":
    _ARGS = context.demo_args(MODEL)
    context.demo(MODEL, _ARGS, run)
