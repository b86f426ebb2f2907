"""Processes, the tutorial's first way: how the thread model starts them and hears them print.

The thread model's files run a few variants in processes instead of threads, with the
standard library's ``multiprocessing`` (eat/play ``--variant processes``, the ``process``
spawn variant, the ping-pong ``between processes``). Everything about them that is not
scheduling lives here once.

Start method: ``forkserver``. A process forked straight from a worker would inherit the
worker's channel to its parent (the request and reply pipes) and, during a call, its captured
stdout; ``spawn`` starts a whole new interpreter for every process, many times dearer. The
fork server is started once per worker with only the descriptors it needs, already holding
the thread model's modules that run in processes (:data:`PRELOAD`); every process is forked
from it and inherits nothing of the worker. The fork server exits with the worker.

What a process prints goes to the fork server's stdout, not to the caller: :func:`relayed`
sends it back over a queue and :func:`echo` prints it in the caller, in the order it came.

Imported by the thread model only (``multiprocessing`` imports ``threading``).
"""

from __future__ import annotations

import contextlib
import io
import queue
import sys
import time
from collections.abc import Callable, Sequence
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import Any

START_METHOD = "forkserver"
#: imported by the fork server before it forks anything: the thread model's code that runs in
#: processes (a process then only unpickles its task, as a forked one would)
PRELOAD = ("impls.thread_impl.eat_play", "impls.thread_impl.switching")
#: how long a process may take to start, or to exit once its work is done
START_GRACE_S = 30.0
#: the most one handoff between two processes may take before a ping-pong is called hung
HANDOFF_BOUND_S = 0.01


def context() -> BaseContext:
    """The ``multiprocessing`` context every process of the thread model starts from."""
    import multiprocessing

    ctx = multiprocessing.get_context(START_METHOD)
    # a demo script is its own __main__: each process imports it afresh as that (a copy
    # preloaded under its module name would make runpy warn)
    main = getattr(sys.modules["__main__"], "__spec__", None)
    ctx.set_forkserver_preload([m for m in PRELOAD if main is None or m != main.name])
    return ctx


class _Relay(io.TextIOBase):
    """A process's stdout: every write goes to the caller as ``(index, text)``."""

    def __init__(self, lines: Any, index: int) -> None:
        self._lines = lines
        self._index = index

    def write(self, text: str) -> int:
        self._lines.put((self._index, text))
        return len(text)


def relayed(lines: Any, index: int, fn: Callable[..., object], *args: object) -> None:
    """A process's target: ``fn(*args)``, what it prints sent back over ``lines`` as it is
    printed, then ``(index, None)`` to say it ended."""
    try:
        with contextlib.redirect_stdout(_Relay(lines, index)):
            fn(*args)
    finally:
        lines.put((index, None))


def echo(lines: Any, tasks: Sequence[BaseProcess], t0: float, work_s: float) -> float:
    """Print what ``tasks`` send as it arrives, until each has ended (``RuntimeError`` if one
    dies first or it takes ``work_s`` + :data:`START_GRACE_S`); return the start-up: seconds
    from ``t0`` until the last of them printed for the first time."""
    first: dict[int, float] = {}
    ended: set[int] = set()
    deadline = t0 + work_s + START_GRACE_S
    while len(ended) < len(tasks):
        try:
            index, text = lines.get(timeout=0.1)
        except queue.Empty:
            dead = [t for i, t in enumerate(tasks) if i not in ended and t.exitcode is not None]
            if dead or time.perf_counter() > deadline:
                what = f"exited with {dead[0].exitcode}" if dead else "did not end in time"
                raise RuntimeError(f"a process {what} before it said it ended") from None
            continue
        if text is None:
            ended.add(index)
            continue
        first.setdefault(index, time.perf_counter())
        print(text, end="", flush=True)
    return max(first.values(), default=t0) - t0


def join_all(tasks: Sequence[BaseProcess], within_s: float = START_GRACE_S) -> None:
    """Wait for every process to exit; kill those still running after ``within_s``."""
    end = time.monotonic() + within_s
    for t in tasks:
        t.join(max(0.0, end - time.monotonic()))
    for t in tasks:
        if t.exitcode is None:
            t.kill()
            t.join()
