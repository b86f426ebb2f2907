"""Per-request state across an I/O wait: every part of ``impls/<model>_impl/context.py`` that is
not scheduling.

``REQUESTS`` concurrent "requests" each store their id, wait on I/O (``GET /delay/20`` on a
raw socket), read the id back and count a mismatch as cross-talk. The id goes into three
stores at once, so the run shows what keeps requests apart in each model:

- :data:`REQUEST_ID`, a ``contextvars.ContextVar``: asyncio gives each task a copy of the
  context, greenlet gives each greenlet its own, each thread has its own: no cross-talk.
- the model's local object: ``threading.local`` for threads, ``gevent.local.local`` for
  gevent (what ``threading.local`` becomes after ``monkey.patch_all()``). asyncio has none:
  ``threading.local`` is shared by every task on the thread, and the run shows it.
- a plain shared attribute (:attr:`Tally.current`): the control, where every request
  overwrites the others. It shows that the count can see cross-talk.

Then whether work offloaded to a thread sees the caller's context: ``asyncio.to_thread``
copies it, ``loop.run_in_executor`` does not; gevent's threadpool and
``ThreadPoolExecutor.submit`` do not; ``contextvars.copy_context().run`` carries it over
anywhere. And whether a child task started from the caller sees it: an asyncio task copies
the context at creation; a new greenlet or thread starts with an empty one.
"""

from __future__ import annotations

import argparse
import contextvars
from collections.abc import Callable, Sequence
from typing import Any

from shared.scenarios import probe

NAME = "context"
REQUESTS = 100
IO_MS = 20

#: the request id, the way per-request state is meant to be kept
REQUEST_ID: contextvars.ContextVar[object] = contextvars.ContextVar("request_id", default=None)
#: what the offload checks set in the caller's context
MARK = "set-by-the-caller"

LOCAL = {
    "gevent": "gevent.local.local",
    "asyncio": "threading.local (shared by every task on the thread)",
    "thread": "threading.local",
}
OFFLOAD = {
    "gevent": "gevent.get_hub().threadpool.spawn",
    "asyncio": "asyncio.to_thread",
    "thread": "ThreadPoolExecutor.submit",
}
EXECUTOR = {
    "gevent": "gevent.get_hub().threadpool.spawn",
    "asyncio": "loop.run_in_executor",
    "thread": "ThreadPoolExecutor.submit",
}
CHILD = {"gevent": "gevent.spawn", "asyncio": "asyncio.create_task", "thread": "threading.Thread"}


def seen() -> object:
    """What :data:`REQUEST_ID` holds where this runs (the offload checks run it)."""
    return REQUEST_ID.get()


class Tally:
    """Store a request's id in the three places, read them back, count the mismatches."""

    def __init__(self) -> None:
        self.requests = 0
        #: the control: one attribute every request writes
        self.current: object = None
        self.crosstalk = {"contextvar": 0, "local": 0, "global": 0}

    def begin(self, request_id: int, local: Any) -> None:
        self.requests += 1
        REQUEST_ID.set(request_id)
        local.request_id = request_id
        self.current = request_id

    def end(self, request_id: int, local: Any) -> None:
        got = {"contextvar": REQUEST_ID.get(), "local": local.request_id, "global": self.current}
        for store, value in got.items():
            self.crosstalk[store] += value != request_id

    def counts(self) -> dict[str, int]:
        """``requests`` and the cross-talk per store (what ``requests()`` returns)."""
        return {"requests": self.requests, **self.crosstalk}


def offload_checks(
    *, offload: object, executor: object, copied: object, child: object
) -> dict[str, bool]:
    """What each way of running work elsewhere saw of :data:`MARK`, as booleans."""
    return {
        "offload_sees_context": offload == MARK,
        "executor_sees_context": executor == MARK,
        "copy_context_sees_context": copied == MARK,
        "child_sees_context": child == MARK,
    }


def outcome(model: str, counts: dict[str, int], checks: dict[str, bool]) -> dict[str, Any]:
    """The scenario's result (checked against the contract), printed as a readable run."""
    result = probe.checked(
        NAME,
        {
            "requests": counts["requests"],
            "crosstalk": counts["contextvar"],
            "offload_sees_context": checks["offload_sees_context"],
            "local_crosstalk": counts["local"],
            "global_crosstalk": counts["global"],
            "local": LOCAL[model],
            "offload": OFFLOAD[model],
            "executor": EXECUTOR[model],
            "executor_sees_context": checks["executor_sees_context"],
            "copy_context_sees_context": checks["copy_context_sees_context"],
            "child": CHILD[model],
            "child_sees_context": checks["child_sees_context"],
        },
    )
    show(model, result)
    return result


def show(model: str, result: dict[str, Any]) -> None:
    say = probe.say
    say(
        f"{model}: {result['requests']} concurrent requests keep their id across a {IO_MS} ms "
        "I/O wait; cross-talk (wrong id read back):"
    )
    say(f"  contextvars.ContextVar: {result['crosstalk']}")
    say(f"  {result['local']}: {result['local_crosstalk']}")
    say(f"  a plain shared attribute (the control): {result['global_crosstalk']}")
    say("does work run elsewhere see the caller's context?")
    for key, what in (
        ("offload", "offload_sees_context"),
        ("executor", "executor_sees_context"),
        ("child", "child_sees_context"),
    ):
        say(f"  {result[key]}: {probe.yes(result[what])}")
    copied = probe.yes(result["copy_context_sees_context"])
    say(f"  contextvars.copy_context().run in a thread: {copied}")


def demo_args(model: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse ``python -m impls.<model>_impl.context [--json] [--url URL]``."""
    return probe.demo_args(NAME, model, argv)


def demo(model: str, args: argparse.Namespace, run: Callable[..., dict[str, Any]]) -> None:
    """What ``python -m impls.<model>_impl.context`` does: the readable run, then (``--json``)
    the result as one line."""
    probe.demo(NAME, model, args, run)
