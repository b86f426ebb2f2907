"""Per-request state with threads: each thread has its own context and ``threading.local``.

Read ``shared/scenarios/context.py`` first (the three stores, the offload checks), then this
file beside ``impls/asyncio_impl/context.py`` and ``impls/gevent_impl/context.py``.

- ``requests``: one thread per request. A thread has a ``contextvars`` context of its own
  and its own slot in a ``threading.local``: no cross-talk in either.
- ``offloaded``: ``ThreadPoolExecutor.submit`` runs the function in the worker thread's own
  context, not the caller's; a new ``threading.Thread`` starts with an empty one.
  ``contextvars.copy_context().run`` carries it over.

Shape of a run (``python -m impls.thread_impl.context``; figures in docs/results)::

    thread: 100 concurrent requests keep their id across a 20 ms I/O wait; cross-talk ...
      contextvars.ContextVar: 0
      threading.local: 0
      a plain shared attribute (the control): most of them
    does work run elsewhere see the caller's context?
      ThreadPoolExecutor.submit: no
      ThreadPoolExecutor.submit: no
      threading.Thread: no
      contextvars.copy_context().run in a thread: yes
"""

from __future__ import annotations

import contextvars
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from shared.scenarios import context, probe

MODEL = "thread"


def requests(url: str, n: int = context.REQUESTS) -> dict[str, int]:
    """``n`` concurrent requests, each keeping its id across an I/O wait; the cross-talk."""
    tally = context.Tally()
    local = threading.local()  # one value per thread
    delayed = f"{url}/delay/{context.IO_MS}"
    with ThreadPoolExecutor(max_workers=n) as pool:
        # run each in a thread of its own, with a context of its own
        futures = [pool.submit(_handle, i, delayed, tally, local) for i in range(n)]
        # blocks until every request is done
        for future in futures:
            future.result()
    return tally.counts()


def offloaded() -> dict[str, bool]:
    """Whether work run in a thread, or in a child thread, sees the caller's context."""
    token = context.REQUEST_ID.set(context.MARK)
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            # each blocks this thread until the other one has answered
            offload = pool.submit(context.seen).result()
            executor = pool.submit(context.seen).result()
            copied = pool.submit(contextvars.copy_context().run, context.seen).result()
        child: list[object] = []
        thread = threading.Thread(target=lambda: child.append(context.seen()))
        thread.start()
        thread.join()
        return context.offload_checks(
            offload=offload, executor=executor, copied=copied, child=child[0]
        )
    finally:
        context.REQUEST_ID.reset(token)


def run(url: str) -> dict[str, Any]:
    """The demo: the requests and the offload checks, printed; the result as ``--json``."""
    return context.outcome(MODEL, requests(url), offloaded())


def _handle(request_id: int, url: str, tally: context.Tally, local: threading.local) -> None:
    tally.begin(request_id, local)
    host, port, request = probe.get_request(url)
    # blocks this thread until connected
    sock = socket.create_connection((host, port), timeout=probe.IO_TIMEOUT_S)
    try:
        sock.sendall(request)
        # blocks this thread until the server answers: the other threads run meanwhile
        while sock.recv(65536):
            pass
    finally:
        sock.close()
    tally.end(request_id, local)


if __name__ == "__main__":
    _ARGS = context.demo_args(MODEL)
    context.demo(MODEL, _ARGS, run)
