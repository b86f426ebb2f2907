"""One of ten asyncio tasks fails: ``TaskGroup`` against the ``gather`` trap.

Read ``shared/scenarios/failure.py`` first (what is measured), then this file beside
``impls/gevent_impl/failure.py`` and ``impls/thread_impl/failure.py``.

- ``structured``: a ``TaskGroup``. When task 3 raises, the group cancels the nine siblings
  at their next ``await``, waits for them, and raises an ``ExceptionGroup`` to the caller:
  nothing is left running.
- ``unstructured``: ``gather`` without ``return_exceptions``. The error reaches the caller
  at once, and the nine siblings run on to their end, unsupervised.

Shape of a run (``python -m impls.asyncio_impl.failure``; figures in docs/results)::

    asyncio: 10 tasks step every 50 ms for 1 s; task 3 raises at 100 ms
      structured (asyncio.TaskGroup): error reached the caller: yes; siblings cancelled 9/9; ...
      trap (asyncio.gather): error reached the caller: yes; siblings cancelled 0/9; ...
"""

from __future__ import annotations

import asyncio
from typing import Any

from impls.asyncio_impl import runner
from shared.scenarios import failure

MODEL = "asyncio"


def structured(
    tasks: int = failure.TASKS, steps: int = failure.STEPS, fail_at_ms: float = failure.FAIL_AT_MS
) -> dict[str, Any]:
    """The tasks in a ``TaskGroup``; one fails."""
    return runner.run(_structured(tasks, steps, fail_at_ms))


def unstructured(
    tasks: int = failure.TASKS, steps: int = failure.STEPS, fail_at_ms: float = failure.FAIL_AT_MS
) -> dict[str, Any]:
    """The trap: the tasks under ``gather``; one fails."""
    return runner.run(_unstructured(tasks, steps, fail_at_ms))


def run(tasks: int = failure.TASKS, steps: int = failure.STEPS) -> dict[str, Any]:
    """The demo: both ways, printed; the result as ``--json`` shows it."""
    return failure.outcome(
        MODEL, tasks, steps, structured(tasks, steps), unstructured(tasks, steps)
    )


async def _worker(index: int, steps: int, fail_at_ms: float, log: failure.Log) -> None:
    if index == failure.FAILING:
        # yields to the loop until the timer fires
        await asyncio.sleep(fail_at_ms / 1000)
        log.fail()
    for _ in range(steps):
        log.step(index)
        # yields to the loop until the timer fires: a cancel lands here
        await asyncio.sleep(failure.STEP_MS / 1000)


def _side_reports() -> list[str]:
    """Count what reaches the loop's exception handler (instead of stderr)."""
    seen: list[str] = []
    asyncio.get_running_loop().set_exception_handler(lambda _, ctx: seen.append(ctx["message"]))
    return seen


def _left_running() -> int:
    return len(asyncio.all_tasks() - {asyncio.current_task()})


async def _structured(tasks: int, steps: int, fail_at_ms: float) -> dict[str, Any]:
    log = failure.Log(tasks)
    side = _side_reports()
    children: list[asyncio.Task[None]] = []
    raised = False
    try:
        # blocks until every task is done; the first failure cancels the others
        async with asyncio.TaskGroup() as tg:
            # run each in a task of its own
            children = [tg.create_task(_worker(i, steps, fail_at_ms, log)) for i in range(tasks)]
    except* failure.Boom:
        raised = True
    return log.attempt(
        raised_to_caller=raised,
        cancelled=[t.cancelled() for t in children],
        left_running=_left_running(),
        side_reports=len(side),
    )


async def _unstructured(tasks: int, steps: int, fail_at_ms: float) -> dict[str, Any]:
    log = failure.Log(tasks)
    side = _side_reports()
    # run each in a task of its own
    children = [asyncio.create_task(_worker(i, steps, fail_at_ms, log)) for i in range(tasks)]
    raised = False
    try:
        # yields until all are done or the first one fails: that error is raised here
        await asyncio.gather(*children)
    except failure.Boom:
        raised = True
    left = _left_running()
    # yields until the others end by themselves (nobody cancelled them)
    await asyncio.wait(children)
    return log.attempt(
        raised_to_caller=raised,
        cancelled=[t.cancelled() for t in children],
        left_running=left,
        side_reports=len(side),
    )


if __name__ == "__main__":
    _ARGS = failure.demo_args(MODEL)
    failure.demo(MODEL, _ARGS, run)
