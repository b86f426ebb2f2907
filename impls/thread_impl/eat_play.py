"""eat/play with OS threads: the comparison the tutorial starts from, and the serial baseline.

What it shows, one variant per lesson (``--variant``):

- ``threads`` (default): one OS thread per task. ``time.sleep`` blocks only its own thread,
  and the OS runs the other: 2 s, not 3 s. The switching is the operating system's, not
  the program's (the tutorial's second way to run ten tasks: 操作系统切换+保持状态).
- ``serial``: ``eat`` then ``play`` in one thread, one after the other: the 3 s baseline
  every other variant is measured against.

Read first: docs/tutorial.md (its first section: serial, parallel, concurrent, and three ways
to run ten tasks), ``shared/scenarios/eat_play.py`` (lines, timer, which process each variant
needs), then this file beside ``impls/gevent_impl/eat_play.py`` and
``impls/asyncio_impl/eat_play.py``.

Sample runs (scale 1; the totals are the lessons' design, 2 s or 3 s, give or take a few ms)::

    $ python -m impls.thread_impl.eat_play
    egon eat 1
    egon play 1
    egon play 2
    egon eat 2
    total 2.00 s
    $ python -m impls.thread_impl.eat_play --variant serial
    egon eat 1
    egon eat 2
    egon play 1
    egon play 2
    total 3.00 s

Which thread prints its first line first is the OS's choice: ``eat``'s thread starts first
and nearly always prints first, but on a loaded machine ``egon play 1`` has come first. The
gevent and asyncio versions always print in spawn order: their schedulers are FIFO.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from shared.scenarios import eat_play
from shared.spec import EAT_NAME

MODEL = "thread"


def eat(name: str, seconds: float, sleep: Callable[[float], None]) -> None:
    eat_play.say(name, "eat", 1)
    sleep(seconds)  # blocks this thread only; the OS runs the other; serial: there is no other
    eat_play.say(name, "eat", 2)


def play(name: str, seconds: float, sleep: Callable[[float], None]) -> None:
    eat_play.say(name, "play", 1)
    sleep(seconds)  # blocks this thread only; the OS runs the other; serial: there is no other
    eat_play.say(name, "play", 2)


def _together(name: str, eat_s: float, play_s: float, sleep: Callable[[float], None]) -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        tasks = [
            pool.submit(eat, name, eat_s, sleep),  # an OS thread per task, run by the OS
            pool.submit(play, name, play_s, sleep),
        ]
        for t in tasks:
            t.result()  # blocks the main thread until that task has finished


def run(variant: str | None = None, scale: float = 1.0) -> float:
    """Run one variant in this process: print the tutorial's lines and the total; return it."""
    variant, eat_s, play_s = eat_play.prepare(MODEL, variant, scale)
    with eat_play.timer() as total:
        if variant == "serial":
            eat(EAT_NAME, eat_s, time.sleep)
            play(EAT_NAME, play_s, time.sleep)
        else:
            _together(EAT_NAME, eat_s, play_s, time.sleep)
    return total.seconds


if __name__ == "__main__":
    _ARGS = eat_play.demo_args(MODEL)
    eat_play.demo(MODEL, _ARGS, run)
