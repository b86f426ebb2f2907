"""Run one function in several fresh workers of one kind at once: P processes of one model.

``run_parts(kind, "layout.run", [{"...": 1}, {"...": 2}])`` starts one ``ModelWorker`` per part,
calls the function in each with its part's arguments, all at the same time, and returns the
replies in the order of the parts. A worker that dies or raises ends the whole call with that
error (naming the part); Ctrl-C or any other exception closes every worker: nothing runs on.

For a streamed fetch over P processes see :mod:`shared.scenarios.fetch_dispatch`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from shared import spec
from shared.harness.worker import ModelWorker, Reply, WorkerError


def start(kind: spec.WorkerKind, count: int, stack: contextlib.ExitStack) -> list[ModelWorker]:
    """``count`` started workers of ``kind``, closed with ``stack``; each has answered a no-op
    call, so its start-up is behind it."""
    workers = [stack.enter_context(ModelWorker(kind.model, **kind.options)) for _ in range(count)]
    for w in workers:
        w.call("__noop__")
    return workers


def call_all(
    workers: Sequence[ModelWorker],
    fn: str,
    parts: Sequence[dict[str, Any]],
    *,
    deadline_s: float | None = None,
) -> list[Reply]:
    """``fn(**parts[i])`` in ``workers[i]``, all at once; the replies in order.

    One waiting thread per worker (each blocks on its own pipe). If one part fails, the
    others' workers are closed so the call ends at once, and the failure is raised."""
    if len(workers) != len(parts):
        raise ValueError(f"{len(parts)} parts for {len(workers)} workers")

    def one(i: int) -> Reply:
        try:
            return workers[i].request(fn, parts[i], deadline_s=deadline_s)
        except WorkerError as e:
            raise WorkerError(f"part {i + 1} of {len(parts)}: {e}") from e

    with ThreadPoolExecutor(max_workers=max(1, len(parts))) as pool:
        futures = [pool.submit(one, i) for i in range(len(parts))]
        try:
            return [f.result() for f in futures]
        except BaseException:
            for w in workers:  # the other parts' pipes close: their threads return at once
                w.close()
            raise


def run_parts(
    kind: spec.WorkerKind,
    fn: str,
    parts: Sequence[dict[str, Any]],
    *,
    deadline_s: float | None = None,
) -> list[Reply]:
    """``fn(**part)`` for each part, each in a fresh worker of ``kind``, all at once."""
    with contextlib.ExitStack() as stack:
        return call_all(start(kind, len(parts), stack), fn, parts, deadline_s=deadline_s)
