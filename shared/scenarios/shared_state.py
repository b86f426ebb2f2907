"""Many tasks increment one counter: every part of ``impls/<model>_impl/shared_state.py``
that is not scheduling.

The tutorial says coroutines "modify shared data without locks" (修改共享数据不需加锁).
Here ``TASKS`` tasks each do ``INCREMENTS`` read-modify-write increments of one
:class:`Counter`, three ways, and count the updates lost (``tasks * increments - value``):

- ``no_switch``: nothing between the read and the write. A coroutine cannot be interrupted
  there, so none is lost. A thread can: the interpreter may hand the GIL to another thread
  at any call, here every ``sys.getswitchinterval()`` (5 ms by default).
- ``switch_inside``: a switch point between the read and the write. asyncio:
  ``await asyncio.sleep(0)``, visible in the code. gevent: ``time.sleep(0)``, which
  ``monkey.patch_all()`` turned into a yield to the hub: the switch point you cannot see
  (any patched socket, lock or sleep call is one). Threads: the very same code as
  ``no_switch``, with the switch interval lowered to 1 µs so that the preemption that can
  always happen happens in a short run. Usually: whether two threads interleave inside the
  section at all is up to the OS and the GIL, and some runs lose nothing even then.
- ``locked``: the ``switch_inside`` code under the model's lock (``asyncio.Lock``,
  ``gevent.lock.BoundedSemaphore``, ``threading.Lock``; threads at 1 µs too).

``no_switch`` and ``switch_inside`` run up to :data:`TRIES` times and stop at the first
run that lost an update (:func:`until_lost`), reporting that run and how many ``tries`` it
took: a coroutine's outcome is the same every time (a loss shows at once; none shows in
ten tries), a thread's depends on the OS: on a busy machine a woken thread may get no core
until the running one is done, and then nothing interleaves.

The claim holds only as long as no switch point sits inside the critical section, and
nothing in the code tells a gevent reader where those are.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from shared.scenarios import probe

NAME = "shared-state"
TASKS = 10
INCREMENTS = 5000
#: threads' switch interval for ``switch_inside`` and ``locked``
SWITCH_INTERVAL_S = 1e-6
#: runs of ``no_switch`` and ``switch_inside`` at most, until one loses an update
TRIES = 10

SWITCH_POINT = {
    "gevent": "time.sleep(0), patched into a yield to the hub: a switch point you cannot see",
    "asyncio": "await asyncio.sleep(0)",
    "thread": (
        f"none in the code; the interpreter preempts, here every {SWITCH_INTERVAL_S * 1e6:g} µs"
    ),
}
LOCK = {
    "gevent": "gevent.lock.BoundedSemaphore",
    "asyncio": "asyncio.Lock",
    "thread": "threading.Lock",
}


class Counter:
    """The shared state: one integer, read and written through method calls (at a call the
    interpreter may switch threads; a coroutine switches only where it yields)."""

    def __init__(self) -> None:
        self.value = 0

    def read(self) -> int:
        return self.value

    def write(self, value: int) -> None:
        self.value = value


class Tally:
    """Time one way of incrementing and count what it lost."""

    def __init__(self, tasks: int, increments: int) -> None:
        if tasks < 1 or increments < 1:
            raise ValueError(f"need tasks >= 1 and increments >= 1, got {tasks}, {increments}")
        self.tasks, self.increments = tasks, increments
        self.counter = Counter()
        self._t0 = time.perf_counter()

    def part(self) -> dict[str, Any]:
        """``lost``, the wall time and the switch interval in effect (threads' knob)."""
        return {
            "lost": self.tasks * self.increments - self.counter.value,
            "wall_ms": probe.ms((time.perf_counter() - self._t0) * 1000),
            "switch_interval_s": sys.getswitchinterval(),
        }


def until_lost(once: Callable[[], dict[str, Any]], tries: int = TRIES) -> dict[str, Any]:
    """Run ``once`` until a run loses an update, at most ``tries`` times; that last run's
    part, with ``tries`` (how many runs it took)."""
    if tries < 1:
        raise ValueError(f"tries must be >= 1, got {tries}")
    n = 0
    while True:
        part = once()
        n += 1
        if part["lost"] or n == tries:
            return {**part, "tries": n}


#: one way of incrementing: ``(tasks, increments) -> its part of the result``
Way = Callable[[int, int], dict[str, Any]]


def outcome(
    model: str, tasks: int, increments: int, no_switch: Way, switch_inside: Way, locked: Way
) -> dict[str, Any]:
    """Run the model's three ways; the scenario's result (checked against the contract),
    printed as a readable run."""
    result = probe.checked(
        NAME,
        {
            "tasks": tasks,
            "increments": increments,
            "no_switch": no_switch(tasks, increments),
            "switch_inside": {
                **switch_inside(tasks, increments),
                "switch_point": SWITCH_POINT[model],
            },
            "locked": {**locked(tasks, increments), "lock": LOCK[model]},
        },
    )
    show(model, result)
    return result


def show(model: str, result: dict[str, Any]) -> None:
    say = probe.say
    total = result["tasks"] * result["increments"]
    say(
        f"{model}: {result['tasks']} tasks x {result['increments']} read-modify-write increments "
        f"of one counter ({total} in all)"
    )
    for key, what in (
        ("no_switch", "no switch point inside"),
        ("switch_inside", f"a switch point inside ({SWITCH_POINT[model]})"),
        ("locked", f"the same under {LOCK[model]}"),
    ):
        part = result[key]
        runs = part.get("tries", 1)
        if runs == 1:
            took = ""
        elif part["lost"]:
            took = f" on run {runs} (the {runs - 1} before lost none)"
        else:
            took = f" in each of {runs} runs"
        interval_ms = part["switch_interval_s"] * 1000
        say(
            f"  {what}: lost {part['lost']} ({part['lost'] / total:.1%}){took}; "
            f"{part['wall_ms']:.1f} ms a run, switch interval {interval_ms:g} ms"
        )


def demo_args(model: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse ``python -m impls.<model>_impl.shared_state [--json]``."""
    return probe.demo_args(NAME, model, argv)


def demo(model: str, args: argparse.Namespace, run: Callable[..., dict[str, Any]]) -> None:
    """What ``python -m impls.<model>_impl.shared_state`` does: the readable run, then (``--json``)
    the result as one line."""
    probe.demo(NAME, model, args, run)
