"""eat/play with coroutines: the tutorial's demo on asyncio, and the generators under it.

What it shows, one variant per lesson (``--variant``):

- ``asyncio`` (default): two tasks on one event loop; ``await asyncio.sleep`` suspends a
  task and the loop runs the other: 2 s, not 3 s.
- ``uvloop``: the same code on uvloop (``runner.run`` picks the loop): 2 s.
- ``blocking``: the same tasks awaiting a coroutine that calls ``time.sleep``: it never
  gives the loop back, so the tasks run one after the other: 3 s.
- ``generators``: the tutorial's ``yield`` example, the root of ``await``. Two generators
  driven round-robin by hand switch at each ``yield`` and keep their state, but a generator
  cannot wait without holding the thread: its ``time.sleep`` blocks, 3 s.

Read first: docs/tutorial.md (its generator example: switch + keep state, but no switch on
I/O), ``shared/scenarios/eat_play.py`` (lines, timer, which process each variant needs),
``impls/asyncio_impl/runner.py``, then this file beside
``impls/gevent_impl/eat_play.py`` and ``impls/thread_impl/eat_play.py``.

Sample runs (scale 1; the totals are the lessons' design, 2 s or 3 s, give or take a few ms)::

    $ python -m impls.asyncio_impl.eat_play
    egon eat 1
    egon play 1
    egon play 2
    egon eat 2
    total 2.00 s
    $ python -m impls.asyncio_impl.eat_play --variant blocking
    egon eat 1
    egon eat 2
    egon play 1
    egon play 2
    total 3.00 s
    $ python -m impls.asyncio_impl.eat_play --variant generators
    egon eat 1
    egon play 1
    egon eat 2
    egon play 2
    total 3.00 s

``--variant uvloop`` prints what ``asyncio`` prints, also in 2.00 s.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Generator

from impls.asyncio_impl import runner
from shared import spec
from shared.scenarios import eat_play
from shared.spec import EAT_NAME

MODEL = "asyncio"


async def eat(name: str, seconds: float, sleep: Callable[[float], Awaitable[None]]) -> None:
    eat_play.say(name, "eat", 1)
    await sleep(seconds)  # suspends this task; the loop runs the other; blocking: stalls both
    eat_play.say(name, "eat", 2)


async def play(name: str, seconds: float, sleep: Callable[[float], Awaitable[None]]) -> None:
    eat_play.say(name, "play", 1)
    await sleep(seconds)  # suspends this task; the loop runs the other; blocking: stalls both
    eat_play.say(name, "play", 2)


async def _together(
    name: str, eat_s: float, play_s: float, sleep: Callable[[float], Awaitable[None]]
) -> None:
    async with asyncio.TaskGroup() as tasks:  # leaving the block awaits both tasks
        tasks.create_task(eat(name, eat_s, sleep))  # a task per coroutine, started by the loop
        tasks.create_task(play(name, play_s, sleep))


async def _blocking_sleep(seconds: float) -> None:
    time.sleep(seconds)  # noqa: ASYNC251 - the lesson: a blocking call holds the whole loop


def _by_hand(name: str, eat_s: float, play_s: float) -> None:
    def eat_by_hand() -> Generator[None, None, None]:
        eat_play.say(name, "eat", 1)
        yield  # switch back to the driver; eat's frame waits here, intact
        time.sleep(eat_s)  # no switch on I/O: a generator blocks the thread
        eat_play.say(name, "eat", 2)

    def play_by_hand() -> Generator[None, None, None]:
        eat_play.say(name, "play", 1)
        yield  # switch back to the driver; play's frame waits here, intact
        time.sleep(play_s)  # no switch on I/O: a generator blocks the thread
        eat_play.say(name, "play", 2)

    ready = deque([eat_by_hand(), play_by_hand()])
    while ready:  # round-robin: the tutorial's for-loop of next() calls, for two generators
        gen = ready.popleft()
        try:
            next(gen)  # runs gen from where it left off to its next yield
        except StopIteration:
            continue
        ready.append(gen)


def run(variant: str | None = None, scale: float = 1.0) -> float:
    """Run one variant in this process: print the tutorial's lines and the total; return it."""
    variant, eat_s, play_s = eat_play.prepare(MODEL, variant, scale, loop=runner.LOOP)
    with eat_play.timer() as total:
        if variant == "generators":
            _by_hand(EAT_NAME, eat_s, play_s)
        else:
            sleep = _blocking_sleep if variant == "blocking" else asyncio.sleep
            runner.run(_together(EAT_NAME, eat_s, play_s, sleep))
    return total.seconds


if __name__ == "__main__":
    _ARGS = eat_play.demo_args(MODEL)
    runner.use_loop(spec.lesson_kind(MODEL, _ARGS.variant).loop)
    eat_play.demo(MODEL, _ARGS, run)
