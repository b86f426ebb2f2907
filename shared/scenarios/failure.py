"""One of ten tasks fails: every part of ``impls/<model>_impl/failure.py`` that is not
scheduling.

Ten tasks each take a step every 50 ms for 1 s and count their steps; task 3 raises
:class:`Boom` at 100 ms instead. Two ways to run them in each model:

- ``structured``, the idiom that ends the siblings when one fails: asyncio's
  ``TaskGroup`` (cancels them, raises an ``ExceptionGroup``); gevent's
  ``joinall(raise_error=True)`` in a ``Group`` then ``group.kill()`` (gevent cancels nothing
  by itself: the kill is the caller's to write); threads' ``ThreadPoolExecutor`` with
  ``wait(return_when=FIRST_EXCEPTION)`` and a ``threading.Event`` the workers check (a
  running thread cannot be cancelled, only asked to stop).
- ``unstructured``, the traps: ``asyncio.gather`` (the error reaches the caller, the
  siblings run on), ``gevent.joinall(raise_error=True)`` without the kill (gevent's
  gather), a bare ``threading.Thread`` (the error reaches only ``threading.excepthook``; the
  caller never hears of it).

For each: did the error reach the caller, how many siblings were cancelled, how many steps
the siblings took after the failure, and how many tasks the runtime itself still counts as
running once the caller has its answer (``asyncio.all_tasks()``, live greenlets,
``threading.enumerate()``).

The failure at 100 ms falls on the siblings' own step grid (their third step is due at
100 ms too). A loop or hub runs every timer that is due in one pass, so a sibling whose
step came due in the same pass as the failure takes it before any structure can hear of
the failure: up to one step per sibling counts as "after" even under a TaskGroup. Every
later step is a structure failing to stop them.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from shared.scenarios import probe

NAME = "failure"
TASKS = 10
STEP_MS = 50.0
STEPS = 20
FAIL_AT_MS = 100.0
#: the task that fails
FAILING = 3

#: each model's structure (the idiom) and its trap
STRUCTURE = {
    "gevent": "Group + gevent.joinall(raise_error=True), then group.kill()",
    "asyncio": "asyncio.TaskGroup",
    "thread": "ThreadPoolExecutor + wait(FIRST_EXCEPTION), then a stop Event",
}
UNSTRUCTURED = {
    "gevent": "gevent.joinall(raise_error=True) without the kill",
    "asyncio": "asyncio.gather",
    "thread": "bare threading.Thread + join()",
}
#: where the runtime reports a failure besides the caller
SIDE_CHANNEL = {
    "gevent": "the hub (prints each failed greenlet's traceback to stderr)",
    "asyncio": "the loop's exception handler",
    "thread": "threading.excepthook",
}


class Boom(Exception):
    """The failure: raised by task :data:`FAILING` at :data:`FAIL_AT_MS`."""


@dataclass
class Log:
    """When each task stepped and when the failure came (ms from the start)."""

    tasks: int
    clock: probe.Clock = field(default_factory=probe.Clock)
    steps: list[list[float]] = field(default_factory=list)
    failed_at_ms: float | None = None

    def __post_init__(self) -> None:
        self.steps = [[] for _ in range(self.tasks)]
        self.clock.start()

    def step(self, index: int) -> None:
        self.steps[index].append(self.clock.ms())

    def fail(self) -> None:
        self.failed_at_ms = self.clock.ms()
        raise Boom(f"task {FAILING} failed at {self.failed_at_ms:.1f} ms")

    def steps_after_failure(self) -> int:
        if self.failed_at_ms is None:
            raise RuntimeError("no task failed: the run did not happen as designed")
        at = self.failed_at_ms
        return sum(t > at for i, times in enumerate(self.steps) if i != FAILING for t in times)

    def attempt(
        self,
        *,
        raised_to_caller: bool,
        cancelled: Sequence[bool],
        left_running: int,
        side_reports: int,
    ) -> dict[str, Any]:
        """One run's fields: ``cancelled`` says, task by task, whether the runtime (or the
        stop flag) ended it; the failing task does not count, nor do steps before the
        failure."""
        return {
            "raised_to_caller": raised_to_caller,
            "siblings_cancelled": sum(c for i, c in enumerate(cancelled) if i != FAILING),
            "sibling_steps_after_failure": self.steps_after_failure(),
            "left_running": left_running,
            "side_reports": side_reports,
            "failed_at_ms": probe.ms(self.failed_at_ms or 0.0),
        }


def outcome(
    model: str, tasks: int, steps: int, structured: dict[str, Any], unstructured: dict[str, Any]
) -> dict[str, Any]:
    """The scenario's result (checked against the contract), printed as a readable run."""
    result = probe.checked(
        NAME,
        {
            **structured,
            "tasks": tasks,
            "steps": steps,
            "structure": STRUCTURE[model],
            "unstructured": {**unstructured, "how": UNSTRUCTURED[model]},
        },
    )
    show(model, result)
    return result


def _line(model: str, how: str, r: dict[str, Any], siblings: int) -> str:
    return (
        f"{how}: error reached the caller: {probe.yes(r['raised_to_caller'])}; siblings "
        f"cancelled {r['siblings_cancelled']}/{siblings}; sibling steps after the failure "
        f"{r['sibling_steps_after_failure']}; left running once the caller had its answer "
        f"{r['left_running']}; reported by {SIDE_CHANNEL[model]}: {r['side_reports']} time(s)"
    )


def show(model: str, result: dict[str, Any]) -> None:
    say = probe.say
    siblings = result["tasks"] - 1
    say(
        f"{model}: {result['tasks']} tasks step every {STEP_MS:g} ms for "
        f"{STEP_MS * result['steps'] / 1000:g} s; task {FAILING} raises at {FAIL_AT_MS:g} ms"
    )
    say("  " + _line(model, f"structured ({result['structure']})", result, siblings))
    trap = result["unstructured"]
    say("  " + _line(model, f"trap ({trap['how']})", trap, siblings))


def demo_args(model: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse ``python -m impls.<model>_impl.failure [--json]``."""
    return probe.demo_args(NAME, model, argv)


def demo(model: str, args: argparse.Namespace, run: Callable[..., dict[str, Any]]) -> None:
    """What ``python -m impls.<model>_impl.failure`` does: the readable run, then (``--json``)
    the result as one line."""
    probe.demo(NAME, model, args, run)
