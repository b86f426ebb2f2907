"""One of ten threads fails: ``wait(FIRST_EXCEPTION)`` and a stop flag, against a bare
``Thread``.

Read ``shared/scenarios/failure.py`` first (what is measured), then this file beside
``impls/asyncio_impl/failure.py`` and ``impls/gevent_impl/failure.py``.

A running thread cannot be cancelled (``Future.cancel()`` only stops work that has not
started): the siblings stop because they check a ``threading.Event``.

- ``structured``: a ``ThreadPoolExecutor``; ``wait(return_when=FIRST_EXCEPTION)`` returns
  when task 3 raises, the caller sets the stop flag and re-raises the error from its
  future; leaving the ``with`` block joins every thread: nothing is left running.
- ``unstructured``: bare ``threading.Thread`` objects. The error goes to
  ``threading.excepthook`` (which prints it); ``join()`` never raises, so the caller never
  hears of it, and the siblings run on to their end.

Shape of a run (``python -m impls.thread_impl.failure``; figures in docs/results)::

    thread: 10 tasks step every 50 ms for 1 s; task 3 raises at 100 ms
      structured (ThreadPoolExecutor + wait(FIRST_EXCEPTION), then a stop Event): error ...
      trap (bare threading.Thread + join()): error reached the caller: no; siblings ...
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import Any

from shared.scenarios import failure

MODEL = "thread"


def structured(
    tasks: int = failure.TASKS, steps: int = failure.STEPS, fail_at_ms: float = failure.FAIL_AT_MS
) -> dict[str, Any]:
    """The tasks in a thread pool, asked to stop when one fails."""
    log = failure.Log(tasks)
    before = set(threading.enumerate())
    stop = threading.Event()
    raised = False
    with _side_reports() as side:
        with ThreadPoolExecutor(max_workers=tasks) as pool:
            # run each in a thread of its own
            futures = [pool.submit(_worker, i, steps, fail_at_ms, log, stop) for i in range(tasks)]
            # blocks until all are done or the first one fails
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
            # no running thread can be cancelled: ask the rest to stop
            stop.set()
            try:
                for future in done:
                    future.result()  # the failure, raised here
            except failure.Boom:
                raised = True
        # leaving the pool's block joined every thread
    return log.attempt(
        raised_to_caller=raised,
        cancelled=[f.exception() is None and f.result() for f in futures],
        left_running=len(set(threading.enumerate()) - before),
        side_reports=len(side),
    )


def unstructured(
    tasks: int = failure.TASKS, steps: int = failure.STEPS, fail_at_ms: float = failure.FAIL_AT_MS
) -> dict[str, Any]:
    """The trap: bare ``Thread`` objects, joined; one fails."""
    log = failure.Log(tasks)
    before = set(threading.enumerate())
    stop = threading.Event()  # never set: nobody learns of the failure
    stopped = [False] * tasks  # what each worker returned: did the flag stop it?
    raised = False

    def task(index: int) -> None:
        stopped[index] = _worker(index, steps, fail_at_ms, log, stop)

    with _side_reports() as side:
        # run each in a thread of its own
        threads = [threading.Thread(target=task, args=(i,)) for i in range(tasks)]
        for thread in threads:
            thread.start()
        try:
            # blocks until each thread ends; a thread's exception never reaches here
            for thread in threads:
                thread.join()
        except failure.Boom:
            raised = True
        left = len(set(threading.enumerate()) - before)
    return log.attempt(
        raised_to_caller=raised,
        cancelled=stopped,
        left_running=left,
        side_reports=len(side),
    )


def run(tasks: int = failure.TASKS, steps: int = failure.STEPS) -> dict[str, Any]:
    """The demo: both ways, printed; the result as ``--json`` shows it."""
    return failure.outcome(
        MODEL, tasks, steps, structured(tasks, steps), unstructured(tasks, steps)
    )


def _worker(
    index: int, steps: int, fail_at_ms: float, log: failure.Log, stop: threading.Event
) -> bool:
    """Step until done; True if the stop flag ended it."""
    if index == failure.FAILING:
        # blocks this thread until the timer fires
        time.sleep(fail_at_ms / 1000)
        log.fail()
    for _ in range(steps):
        log.step(index)
        # blocks until the step's time is up or the flag is set: the only place it stops
        if stop.wait(failure.STEP_MS / 1000):
            return True
    return False


@contextlib.contextmanager
def _side_reports() -> Iterator[list[str]]:
    """Collect what reaches threading.excepthook (instead of stderr)."""
    seen: list[str] = []
    saved = threading.excepthook
    threading.excepthook = lambda args: seen.append(args.exc_type.__name__)
    try:
        yield seen
    finally:
        threading.excepthook = saved


if __name__ == "__main__":
    _ARGS = failure.demo_args(MODEL)
    failure.demo(MODEL, _ARGS, run)
