"""Which event loop the asyncio model's coroutines run on.

Every entry point of the asyncio model calls :func:`run` instead of ``asyncio.run`` so the
same code runs on asyncio's own loop or on uvloop, chosen once per process
(``ModelWorker("asyncio", loop="uvloop")`` or ``--loop uvloop``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from shared import spec

T = TypeVar("T")

LOOP = "asyncio"


def use_loop(name: str) -> None:
    global LOOP
    LOOP = spec.check_loop(name)
    if LOOP == "uvloop":
        import uvloop  # noqa: F401 - loaded at start-up, not inside the first timed run


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    if LOOP == "uvloop":
        import uvloop

        return uvloop.new_event_loop
    return asyncio.new_event_loop


def run(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on the loop this process was told to use."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(coro)
