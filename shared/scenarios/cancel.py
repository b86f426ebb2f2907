"""Cancel a task 100 ms after it starts: every part of ``impls/<model>_impl/cancel.py`` that
is not scheduling.

Each model cancels the way its documentation teaches: asyncio ``Task.cancel()``, gevent
``Greenlet.kill()``, threads a ``threading.Event`` the thread checks plus shutting down
the socket it waits on. A running thread cannot be killed: Python has no call that stops
another thread, so a thread stops only where its own code looks at the flag.

Two waits, one cancel each, all times in ms from the task's start (:class:`Watch`):

- ``python_wait``: a ``GET /delay/5000`` on a raw socket, a Python-level wait. The cancel
  lands in the wait; the task stops at once and its ``finally`` runs.
- ``c_block``: :func:`~shared.scenarios.cdriver.blocking_call` for 300 ms, then 1 s of
  Python-level wait. Nothing interrupts the C call. In asyncio and gevent it is worse: the
  code that would cancel runs on the same loop or hub, which the call holds, so the cancel
  cannot even be *issued* until the call returns (``cancel_at_ms >= block_ms``). A thread's
  caller runs in a thread of its own: it issues the cancel on time, and the C call ignores
  it just the same.

And the classic trap (``trap``): a timeout of 100 ms around work whose code catches every
exception (a bare ``except:`` or ``except BaseException:``). ``CancelledError`` and
``gevent.Timeout`` derive from ``BaseException`` precisely so that ``except Exception``
lets them through; the bare form swallows them, the work runs on, and the caller is never
told its timeout fired. A thread has nothing to swallow: its caller's timeout only stops
the caller's wait, and the thread runs on.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from shared.scenarios import probe
from shared.scenarios.cdriver import blocking_call

NAME = "cancel"
DELAY_MS = 5000
CANCEL_AFTER_MS = 100.0
BLOCK_MS = 300.0
#: the Python-level wait after the C call, where a cancel can land
REST_MS = 1000.0
#: how long a caller waits for the task to stop once it issued the cancel
STOP_WAIT_MS = 1000.0
#: the trap: a timeout around ``TRAP_STEPS`` waits of ``TRAP_STEP_MS`` each
TRAP_TIMEOUT_MS = 100.0
TRAP_STEPS = 5
TRAP_STEP_MS = 80.0

#: what each model's cancel is, and what it cannot do
HOW = {
    "gevent": (
        "Greenlet.kill() raises GreenletExit in the greenlet at its next switch to the hub; "
        "a greenlet inside a C call has not switched, and the killer itself waits for the hub."
    ),
    "asyncio": (
        "Task.cancel() throws CancelledError into the task at its next await; a task inside a "
        "C call reaches no await, and the canceller itself waits for the loop."
    ),
    "thread": (
        "A running thread cannot be killed: Python has no call that stops another thread. "
        "The cancel is cooperative: a threading.Event the thread checks, and shutting down "
        "the socket it waits on so that its recv() returns."
    ),
}
TRAP = {
    "gevent": (
        "gevent.Timeout derives from BaseException: a bare `except:` (or `except "
        "BaseException:`) swallows it, and the `with gevent.Timeout(...)` block ends as if "
        "in time. Catch Exception, or re-raise."
    ),
    "asyncio": (
        "CancelledError derives from BaseException: `except BaseException:` (or a bare "
        "`except:`) swallows it, and `asyncio.timeout()` then raises no TimeoutError. Catch "
        "Exception, or re-raise."
    ),
    "thread": (
        "future.result(timeout=...) stops only the caller's wait: the thread runs on to its "
        "end, and the executor waits for it on shutdown."
    ),
}


@dataclass
class Watch:
    """What a cancelled task reports about itself (the task fills it in)."""

    clock: probe.Clock = field(default_factory=probe.Clock)
    #: the task ran to its natural end: the cancel never took
    completed: bool = False
    #: the task's ``finally`` ran
    cleanup_ran: bool = False
    #: how long the C call really held the task
    block_ms: float | None = None


def hold(watch: Watch, block_ms: float) -> None:
    """The C call, timed: :func:`blocking_call` for ``block_ms``, measured into ``watch``."""
    t0 = watch.clock.ms()
    blocking_call(block_ms)
    watch.block_ms = watch.clock.ms() - t0


def attempt(watch: Watch, cancel_at_ms: float, stopped_at_ms: float | None) -> dict[str, Any]:
    """One cancel's fields: the cancel was issued at ``cancel_at_ms``; the caller saw the
    task end at ``stopped_at_ms`` (None: not within :data:`STOP_WAIT_MS`)."""
    out: dict[str, Any] = {"stopped": stopped_at_ms is not None and not watch.completed}
    if watch.block_ms is not None:
        out["block_ms"] = probe.ms(watch.block_ms)
    out["cancel_at_ms"] = probe.ms(cancel_at_ms)
    out["stopped_at_ms"] = None if stopped_at_ms is None else probe.ms(stopped_at_ms)
    out["cleanup_ran"] = watch.cleanup_ran
    return out


@dataclass
class Trap:
    """What the swallowing trap shows (times in ms from its start)."""

    clock: probe.Clock = field(default_factory=probe.Clock)
    #: cancels or timeouts the bare except caught
    swallowed: int = 0
    #: the caller saw its timeout fire (TimeoutError, gevent.Timeout)
    timed_out: bool = False
    returned_at_ms: float = 0.0
    work_ended_at_ms: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "timeout_ms": TRAP_TIMEOUT_MS,
            "timed_out": self.timed_out,
            "swallowed": self.swallowed,
            "returned_at_ms": probe.ms(self.returned_at_ms),
            "work_ended_at_ms": probe.ms(self.work_ended_at_ms),
        }


def outcome(
    model: str, python_wait: dict[str, Any], c_block: dict[str, Any], trap: dict[str, Any]
) -> dict[str, Any]:
    """The scenario's result (checked against the contract), printed as a readable run."""
    result = probe.checked(NAME, {"python_wait": python_wait, "c_block": c_block, "trap": trap})
    show(model, result)
    return result


def _stopped(part: dict[str, Any]) -> str:
    if not part["stopped"]:
        return "did NOT stop"
    return f"stopped at {part['stopped_at_ms']:.1f} ms"


def show(model: str, result: dict[str, Any]) -> None:
    say = probe.say
    pw, cb, trap = result["python_wait"], result["c_block"], result["trap"]
    say(f"{model}: cancel a task {CANCEL_AFTER_MS:g} ms after it starts (ms from its start)")
    say(f"  {HOW[model]}")
    say(
        f"(a) waiting on a socket (GET /delay/{DELAY_MS}): cancel issued at "
        f"{pw['cancel_at_ms']:.1f} ms, {_stopped(pw)}, cleanup ran: {probe.yes(pw['cleanup_ran'])}"
    )
    say(
        f"(b) in a C call of {cb['block_ms']:.1f} ms (blocking_call): cancel issued at "
        f"{cb['cancel_at_ms']:.1f} ms, {_stopped(cb)}, cleanup ran: {probe.yes(cb['cleanup_ran'])}"
    )
    if cb["cancel_at_ms"] >= cb["block_ms"]:
        say(
            "    the canceller runs on the loop/hub the C call holds: it could not even issue "
            "the cancel until the call returned"
        )
    else:
        say("    the cancel was issued during the call, from another thread; the call ignored it")
    say(
        f"trap: a bare except around the work, under a {trap['timeout_ms']:g} ms timeout: "
        f"the caller {'saw' if trap['timed_out'] else 'never saw'} the timeout and got control "
        f"back at {trap['returned_at_ms']:.1f} ms; the work ended at "
        f"{trap['work_ended_at_ms']:.1f} ms ({trap['swallowed']} cancel(s) swallowed)"
    )
    say(f"  {TRAP[model]}")


def demo_args(model: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse ``python -m impls.<model>_impl.cancel [--json] [--url URL]``."""
    return probe.demo_args(NAME, model, argv)


def demo(model: str, args: argparse.Namespace, run: Callable[..., dict[str, Any]]) -> None:
    """What ``python -m impls.<model>_impl.cancel`` does: the readable run, then (``--json``)
    the result as one line."""
    probe.demo(NAME, model, args, run)
