"""eat/play with OS threads: the comparison the seed starts from, and the serial baseline.

What it shows, one variant per lesson (``--variant``):

- ``threads`` (default): one OS thread per task. ``time.sleep`` blocks only its own thread,
  and the OS runs the other: 2 s, not 3 s. The switching is the operating system's, not
  the program's (the seed's section 1).
- ``serial``: ``eat`` then ``play`` in one thread, one after the other: the 3 s baseline
  every other variant is measured against.
- ``processes``: one OS process per task, the tutorial's first way (``multiprocessing``,
  started from a fork server: ``shared/scenarios/processes.py``). The same 2 s, plus the time
  it takes to start two processes, which the total line shows; what the processes print comes
  back to this one over a queue.

Read first: the seed's section 1, ``shared/scenarios/eat_play.py`` (lines, timer, which process each
variant needs), then this file beside ``impls/gevent_impl/eat_play.py`` and
``impls/asyncio_impl/eat_play.py``.

Sample runs (scale 1, real runs on a 2-core machine)::

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
    $ python -m impls.thread_impl.eat_play --variant processes
    egon eat 1
    egon play 1
    egon play 2
    egon eat 2
    total 2.11 s (start-up 0.10 s)

The start-up of ``processes`` is the time until both processes have printed their first line;
the first run in a process also starts the fork server, later ones only fork from it.

Which thread prints its first line first is the OS's choice: ``eat``'s thread starts first
and nearly always prints first, but on a loaded machine ``egon play 1`` has come first. The
gevent and asyncio versions always print in spawn order: their schedulers are FIFO.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from shared.scenarios import eat_play, processes
from shared.spec import EAT_NAME


def eat(name: str, seconds: float, sleep: Callable[[float], None]) -> None:
    eat_play.say(name, "eat", 1)
    sleep(seconds)  # blocks this thread (or process) only; the OS runs the other; serial: none
    eat_play.say(name, "eat", 2)


def play(name: str, seconds: float, sleep: Callable[[float], None]) -> None:
    eat_play.say(name, "play", 1)
    sleep(seconds)  # blocks this thread (or process) only; the OS runs the other; serial: none
    eat_play.say(name, "play", 2)


def _together(name: str, eat_s: float, play_s: float, sleep: Callable[[float], None]) -> None:
    tasks = [
        threading.Thread(target=eat, args=(name, eat_s, sleep)),  # an OS thread per task
        threading.Thread(target=play, args=(name, play_s, sleep)),
    ]
    for t in tasks:
        t.start()
    for t in tasks:
        t.join()  # blocks the main thread until both threads have finished


def _apart(name: str, eat_s: float, play_s: float, sleep: Callable[[float], None]) -> float:
    """eat and play in a process each; return their start-up (until both have printed)."""
    ctx = processes.context()
    lines = ctx.Queue()  # what the processes print, in the order they print it
    tasks = [
        ctx.Process(target=processes.relayed, args=(lines, 0, eat, name, eat_s, sleep)),
        ctx.Process(target=processes.relayed, args=(lines, 1, play, name, play_s, sleep)),
    ]
    t0 = time.perf_counter()
    for t in tasks:
        t.start()  # an OS process per task, forked by the fork server
    # blocks this thread, printing what the processes send, until both have ended
    startup = processes.echo(lines, tasks, t0, eat_s + play_s)
    for t in tasks:
        t.join()  # blocks until the process has exited
    return startup


def run(variant: str | None = None, scale: float = 1.0) -> float:
    """Run one variant in this process: print the seed's lines and the total; return it."""
    variant, eat_s, play_s = eat_play.prepare("thread", variant, scale)
    with eat_play.timer() as total:
        if variant == "serial":
            eat(EAT_NAME, eat_s, time.sleep)
            play(EAT_NAME, play_s, time.sleep)
        elif variant == "processes":
            total.startup_s = _apart(EAT_NAME, eat_s, play_s, time.sleep)
        else:
            _together(EAT_NAME, eat_s, play_s, time.sleep)
    return total.seconds


if __name__ == "__main__":
    _ARGS = eat_play.script_args("thread")
    run(_ARGS.variant, _ARGS.scale)
