"""Per-request state in asyncio: a ``ContextVar`` per task; ``threading.local`` is shared.

Read ``shared/scenarios/context.py`` first (the three stores, the offload checks), then this
file beside ``impls/gevent_impl/context.py`` and ``impls/thread_impl/context.py``.

- ``requests``: one task per request. Each task runs in a copy of the context taken when it
  was created, so ``REQUEST_ID.set()`` in one is invisible to the others: no cross-talk.
  All tasks run on one thread, so a ``threading.local`` is one object for all of them: it
  cross-talks like a plain shared attribute.
- ``offloaded``: ``asyncio.to_thread`` runs the function in a copy of the caller's
  context; ``loop.run_in_executor`` does not (pass ``contextvars.copy_context().run``);
  a task made with ``create_task`` starts with a copy.

Shape of a run (``python -m impls.asyncio_impl.context``; figures in docs/results)::

    asyncio: 100 concurrent requests keep their id across a 20 ms I/O wait; cross-talk ...
      contextvars.ContextVar: 0
      threading.local (shared by every task on the thread): most of them
      a plain shared attribute (the control): most of them
    does work run elsewhere see the caller's context?
      asyncio.to_thread: yes
      loop.run_in_executor: no
      asyncio.create_task: yes
      contextvars.copy_context().run in a thread: yes
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from typing import Any

from impls.asyncio_impl import runner
from shared.scenarios import context, probe

MODEL = "asyncio"


def requests(url: str, n: int = context.REQUESTS) -> dict[str, int]:
    """``n`` concurrent requests, each keeping its id across an I/O wait; the cross-talk."""
    return runner.run(_requests(f"{url}/delay/{context.IO_MS}", n))


def offloaded() -> dict[str, bool]:
    """Whether work run in a thread, or in a child task, sees the caller's context."""
    return runner.run(_offloaded())


def run(url: str) -> dict[str, Any]:
    """The demo: the requests and the offload checks, printed; the result as ``--json``."""
    return context.outcome(MODEL, requests(url), offloaded())


async def _handle(request_id: int, url: str, tally: context.Tally, local: threading.local) -> None:
    tally.begin(request_id, local)
    host, port, request = probe.get_request(url)
    async with asyncio.timeout(probe.IO_TIMEOUT_S):
        # yields to the loop until connected
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(request)
            # yields to the loop until the server answers: the other requests run meanwhile
            await reader.read()
        finally:
            writer.close()
    tally.end(request_id, local)


async def _requests(url: str, n: int) -> dict[str, int]:
    tally = context.Tally()
    local = threading.local()  # one thread: one object for every task
    # blocks until every request is done
    async with asyncio.TaskGroup() as tg:
        for request_id in range(n):
            # run each in a task of its own, in a copy of the context
            tg.create_task(_handle(request_id, url, tally, local))
    return tally.counts()


async def _seen() -> object:
    return context.seen()


async def _offloaded() -> dict[str, bool]:
    loop = asyncio.get_running_loop()
    token = context.REQUEST_ID.set(context.MARK)
    try:
        # each yields to the loop until the thread (or the child task) has answered
        return context.offload_checks(
            offload=await asyncio.to_thread(context.seen),
            executor=await loop.run_in_executor(None, context.seen),
            copied=await loop.run_in_executor(None, contextvars.copy_context().run, context.seen),
            child=await asyncio.create_task(_seen()),
        )
    finally:
        context.REQUEST_ID.reset(token)


if __name__ == "__main__":
    _ARGS = context.demo_args(MODEL)
    context.demo(MODEL, _ARGS, run)
