"""One of ten greenlets fails: a ``Group`` you kill yourself, against ``joinall`` alone.

Read ``shared/scenarios/failure.py`` first (what is measured), then this file beside
``impls/asyncio_impl/failure.py`` and ``impls/thread_impl/failure.py``.

gevent cancels nothing by itself: structure is the caller's to write.

- ``structured``: the greenlets in a ``Group``; ``gevent.joinall(raise_error=True)`` raises
  the first failure to the caller, and ``group.kill()`` in a ``finally`` raises
  ``GreenletExit`` in every sibling and waits for them: nothing is left running.
- ``unstructured``: ``joinall(raise_error=True)`` without the kill, gevent's ``gather``: the
  error reaches the caller, the siblings run on to their end.

Either way the hub also prints the failed greenlet's traceback to stderr; here it is
counted instead (``side_reports``).

Shape of a run (``python -m impls.gevent_impl.failure``; figures in docs/results)::

    gevent: 10 tasks step every 50 ms for 1 s; task 3 raises at 100 ms
      structured (Group + gevent.joinall(raise_error=True), then group.kill()): error ...
      trap (gevent.joinall(raise_error=True) without the kill): error reached the caller: ...
"""

from __future__ import annotations

if __name__ == "__main__":
    # Run as a demo: patch first, before anything imports socket, ssl or threading (inside
    # a worker, impls.gevent_impl.__main__ has patched already).
    from gevent import monkey

    monkey.patch_all()

import contextlib  # noqa: E402
import gc  # noqa: E402
import io  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
from gevent.pool import Group  # noqa: E402

from shared.scenarios import failure  # noqa: E402

MODEL = "gevent"


def structured(
    tasks: int = failure.TASKS, steps: int = failure.STEPS, fail_at_ms: float = failure.FAIL_AT_MS
) -> dict[str, Any]:
    """The tasks in a ``Group``, killed when one fails."""
    log = failure.Log(tasks)
    before = _live_greenlets()
    group = Group()
    raised = False
    with _side_reports() as side:
        # run each in a greenlet of its own, in the group
        children = [group.spawn(_worker, i, steps, fail_at_ms, log) for i in range(tasks)]
        try:
            # yields to the hub until all are done or the first one fails: raised here
            gevent.joinall(children, raise_error=True)
        except failure.Boom:
            raised = True
        finally:
            # yields until the rest are dead: GreenletExit raised in each at its next switch
            group.kill()
    return log.attempt(
        raised_to_caller=raised,
        cancelled=[isinstance(g.value, gevent.GreenletExit) for g in children],
        left_running=_live_greenlets() - before,
        side_reports=side.getvalue().count(" failed with "),
    )


def unstructured(
    tasks: int = failure.TASKS, steps: int = failure.STEPS, fail_at_ms: float = failure.FAIL_AT_MS
) -> dict[str, Any]:
    """The trap: ``joinall(raise_error=True)`` and nothing else; one fails."""
    log = failure.Log(tasks)
    before = _live_greenlets()
    raised = False
    with _side_reports() as side:
        # run each in a greenlet of its own
        children = [gevent.spawn(_worker, i, steps, fail_at_ms, log) for i in range(tasks)]
        try:
            # yields to the hub until all are done or the first one fails: raised here
            gevent.joinall(children, raise_error=True)
        except failure.Boom:
            raised = True
        left = _live_greenlets() - before
        # yields until the others end by themselves (nobody killed them)
        gevent.joinall(children)
    return log.attempt(
        raised_to_caller=raised,
        cancelled=[isinstance(g.value, gevent.GreenletExit) for g in children],
        left_running=left,
        side_reports=side.getvalue().count(" failed with "),
    )


def run(tasks: int = failure.TASKS, steps: int = failure.STEPS) -> dict[str, Any]:
    """The demo: both ways, printed; the result as ``--json`` shows it."""
    return failure.outcome(
        MODEL, tasks, steps, structured(tasks, steps), unstructured(tasks, steps)
    )


def _worker(index: int, steps: int, fail_at_ms: float, log: failure.Log) -> None:
    if index == failure.FAILING:
        # yields to the hub until the timer fires
        gevent.sleep(fail_at_ms / 1000)
        log.fail()
    for _ in range(steps):
        log.step(index)
        # yields to the hub until the timer fires: a kill lands here
        gevent.sleep(failure.STEP_MS / 1000)


@contextlib.contextmanager
def _side_reports() -> Iterator[io.StringIO]:
    """Collect what the hub prints about failed greenlets (instead of stderr)."""
    hub = gevent.get_hub()
    own = "exception_stream" in vars(hub)
    saved = hub.exception_stream
    hub.exception_stream = out = io.StringIO()
    try:
        yield out
    finally:
        if own:
            hub.exception_stream = saved
        else:
            del hub.exception_stream


def _live_greenlets() -> int:
    return sum(isinstance(o, gevent.Greenlet) and not o.dead for o in gc.get_objects())


if __name__ == "__main__":
    _ARGS = failure.demo_args(MODEL)
    failure.demo(MODEL, _ARGS, run)
