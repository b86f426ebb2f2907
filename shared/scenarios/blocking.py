"""One task blocks in C while a sibling ticks: every part of ``impls/<model>_impl/blocking.py``
that is not scheduling.

``blocker`` waits 20 ms, then calls :func:`~shared.scenarios.cdriver.blocking_call` for
200 ms; ``ticker`` wants to wake every 10 ms throughout. The sibling's worst lag is how long
the runtime let one task hold everyone else up. Each runtime's own detector is switched on
for the run, with a threshold of 50 ms, and what it reports is captured and parsed:

- asyncio's debug mode (``loop.set_debug(True)``, ``loop.slow_callback_duration``) logs
  ``Executing <Task ... coro=<blocker() ...> ...> took 0.200 seconds`` on the ``asyncio``
  logger *after* the step returns. It names the task's coroutine, never the function that
  blocked. uvloop honours the same two settings and logs the same message.
- gevent's monitor thread (``gevent.config.monitor_thread``, ``max_blocking_time``,
  ``Hub.start_periodic_monitoring_thread``) is a native thread that notices *while* the hub
  is held and emits ``gevent.events.EventLoopBlocked``, whose report carries the blocked
  thread's stack: its innermost frame is ``blocking_call`` itself, and its header names the
  greenlet (``blocker``).
- Threads are the control: there is no detector, and a C call that releases the GIL holds
  up no one.

``named`` is parsed from the detector's own report (:func:`named_in`), never filled in.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from shared.scenarios import cpu, probe
from shared.scenarios.cdriver import blocking_call

NAME = "blocking"
BLOCK_MS = 200.0
TICK_MS = 10.0
#: the blocker's calm start, and the ticks after its call, so the lag is measured around it
START_MS = 20.0
AFTER_MS = 30.0
#: the detectors' threshold: a task holding the loop or hub longer than this is reported
REPORT_AFTER_MS = 50.0

#: the detector each model turns on (None: the model has none)
DETECTOR = {
    "gevent": f"gevent monitor thread (max_blocking_time={REPORT_AFTER_MS / 1000:g} s)",
    "asyncio": f"asyncio debug mode (slow_callback_duration={REPORT_AFTER_MS / 1000:g} s)",
    "thread": None,
}
GIVES = {
    "gevent": "the blocked thread's stack (the C call's Python caller) and the greenlet, "
    "reported while the hub is held",
    "asyncio": "the task's coroutine and how long its step took, reported after it returned; "
    "no stack",
    "thread": "nothing to detect: the C call released the GIL and the sibling ran on",
}


@dataclass(repr=False)
class Run:
    """What one run observed (times in ms on :attr:`clock`)."""

    clock: probe.Clock = field(default_factory=probe.Clock)
    #: when the ticker woke, from its start
    wakes: list[float] = field(default_factory=list)
    block_started_ms: float = 0.0
    block_ms: float = 0.0
    #: ``(ms, text)`` of every report the detector made
    reports: list[tuple[float, str]] = field(default_factory=list)

    def __repr__(self) -> str:  # short: gevent's report shows the greenlet's arguments
        return "Run()"

    @property
    def total_ms(self) -> float:
        return START_MS + BLOCK_MS + AFTER_MS

    def block(self, block_ms: float) -> None:
        """The C call, timed."""
        self.block_started_ms = self.clock.ms()
        blocking_call(block_ms)
        self.block_ms = self.clock.ms() - self.block_started_ms

    def tick(self) -> None:
        """Note a wake-up of the ticker."""
        self.wakes.append(self.clock.ms())

    @property
    def over(self) -> bool:
        return bool(self.wakes) and self.wakes[-1] >= self.total_ms


# a frame line of a formatted stack: File "x.py", line 12, in blocking_call
_FRAME = re.compile(r'File "[^"]*", line \d+, in (\S+)')
# gevent's header: Greenlet <Greenlet "Greenlet-0" at 0x7f..: blocker> appears to be blocked
_GREENLET = re.compile(r": ([A-Za-z_][\w.]*)(?:\(.*\))?> appears to be blocked")
# asyncio's: Executing <Task finished name='Task-2' coro=<blocker() done, ...> took 0.201 seconds
_CORO = re.compile(r"coro=<(?:[\w.<>]+\.)?(\w+)\(\)")
_TOOK = re.compile(r"took (\d+(?:\.\d+)?) seconds")


def named_in(model: str, report: str) -> tuple[str | None, str | None]:
    """``(named, task)`` parsed from one detector report: what it points at, and the task.

    gevent: the innermost frame of the "Blocked Stack" section, and the greenlet of its
    header. asyncio: the coroutine of the "Executing <Task ...>" message, for both.
    """
    if model == "gevent":
        stack = report.partition("Blocked Stack")[2].partition("\nInfo:")[0]
        frames = _FRAME.findall(stack)
        task = _GREENLET.search(report)
        return (frames[-1] if frames else None), (task.group(1) if task else None)
    if model == "asyncio":
        coro = _CORO.search(report)
        name = coro.group(1) if coro else None
        return name, name
    return None, None


def _took_s(report: str) -> float:
    took = _TOOK.search(report)
    return float(took.group(1)) if took else 0.0


@contextlib.contextmanager
def captured_log(logger_name: str, run: Run) -> Iterator[None]:
    """Collect what ``logger_name`` logs at WARNING and above into ``run.reports``, and keep
    it off stderr (it is printed with the run instead)."""

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            run.reports.append((run.clock.ms(), record.getMessage()))

    logger = logging.getLogger(logger_name)
    handler = Collect(logging.WARNING)
    saved = logger.propagate, logger.level
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate, logger.level = saved


def outcome(model: str, run: Run) -> dict[str, Any]:
    """The scenario's result (checked against the contract), printed as a readable run."""
    lag = max(cpu.lags([w / 1000 for w in run.wakes], TICK_MS / 1000), default=0.0) * 1000
    # asyncio may log other slow steps too: the longest one is the block
    report = max(run.reports, key=lambda r: _took_s(r[1]), default=None)
    named, task = named_in(model, report[1]) if report else (None, None)
    result = probe.checked(
        NAME,
        {
            "block_ms": probe.ms(run.block_ms),
            "sibling_lag_ms": probe.ms(lag),
            "detected": bool(run.reports),
            "named": named,
            "detector": DETECTOR[model],
            "named_task": task,
            "reports": len(run.reports),
            "reported_at_ms": None
            if report is None
            else probe.ms(report[0] - run.block_started_ms),
            "report_excerpt": None if report is None else _excerpt(model, report[1]),
        },
    )
    show(model, result)
    return result


def _excerpt(model: str, report: str) -> str:
    """The lines of a report a reader needs: gevent's header and innermost frame, asyncio's
    message without its creation traceback."""
    if model == "gevent":
        lines = [x.strip() for x in report.splitlines() if x.strip()]
        head = next((x for x in lines if "appears to be blocked" in x), "")
        head = head[head.find("Greenlet") :]  # without the time stamp
        stack = report.partition("Blocked Stack")[2].partition("\nInfo:")[0]
        frames = [x.strip() for x in stack.splitlines() if x.strip().startswith("File")]
        return " | ".join(x for x in (head, frames[-1] if frames else "") if x)
    return re.sub(r" created at \S+", "", report)


def show(model: str, result: dict[str, Any]) -> None:
    say = probe.say
    say(
        f"{model}: blocker holds a C call for {result['block_ms']:.1f} ms; its sibling wants to "
        f"wake every {TICK_MS:g} ms"
    )
    say(f"  sibling's worst lag: {result['sibling_lag_ms']:.1f} ms")
    if result["detector"] is None:
        say("  detector: none (threads are the control)")
    else:
        when = result["reported_at_ms"]
        say(
            f"  detector: {result['detector']}: "
            + (
                f"reported {result['reports']} time(s), first {when:.1f} ms after the call began"
                if result["detected"]
                else "reported nothing"
            )
        )
        say(f"  it names: {result['named']} (task: {result['named_task']})")
        if result["report_excerpt"]:
            say(f"  report: {result['report_excerpt']}")
    say(f"  what it gives you: {GIVES[model]}")


def demo_args(model: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse ``python -m impls.<model>_impl.blocking [--json]``."""
    return probe.demo_args(NAME, model, argv)


def demo(model: str, args: argparse.Namespace, run: Callable[..., dict[str, Any]]) -> None:
    """What ``python -m impls.<model>_impl.blocking`` does: the readable run, then (``--json``)
    the result as one line."""
    probe.demo(NAME, model, args, run)
