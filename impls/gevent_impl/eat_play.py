"""eat/play with greenlets: the tutorial's gevent lessons, runnable.

What it shows, one variant per lesson (``--variant``):

- ``patched`` (default): the tutorial's final version. ``monkey.patch_all()`` makes the plain
  ``time.sleep`` yield to gevent's hub, so ``play`` runs while ``eat`` sleeps: 2 s, not 3 s.
- ``gevent-sleep``: the same with an explicit ``gevent.sleep``: 2 s.
- ``unpatched``: the same code as ``patched`` in a process that never patched: the real
  ``time.sleep`` blocks the only thread, so the greenlets run one after the other: 3 s.
- ``greenlet``: the tutorial's numbered example (with its ``g2.switch('taibai')  # 3`` line
  in). Raw greenlets switch only where the code says ``switch()`` and keep their state
  across it, but never on I/O: every sleep blocks, 3 s. A finished greenlet returns to its
  parent, not to whoever switched to it last, so here the main greenlet switches back into
  ``play`` at the end (in the tutorial ``eat`` is left suspended instead).

Read first: docs/tutorial.md (its greenlet and gevent sections), ``shared/scenarios/eat_play.py``
(lines, timer, which process each variant needs), then this file beside
``impls/asyncio_impl/eat_play.py`` and ``impls/thread_impl/eat_play.py``.

Sample runs (scale 1; the totals are the lessons' design, 2 s or 3 s, give or take a few ms)::

    $ python -m impls.gevent_impl.eat_play
    egon eat 1
    egon play 1
    egon play 2
    egon eat 2
    total 2.00 s
    $ python -m impls.gevent_impl.eat_play --variant unpatched
    egon eat 1
    egon eat 2
    egon play 1
    egon play 2
    total 3.00 s
    $ python -m impls.gevent_impl.eat_play --variant greenlet
    egon eat 1
    egon play 1
    egon eat 2
    egon play 2
    total 3.00 s

``--variant gevent-sleep`` prints what ``patched`` prints, also in 2.00 s.
"""

from __future__ import annotations  # a compiler directive, not an import: safe before the patch

MODEL = "gevent"

# Patch first, as the tutorial does: patch_all() swaps time.sleep, socket and threading for
# cooperative versions in place, and whatever took a reference to the originals before it
# (a `from time import sleep`, a lock or socket made at import, ssl's classes) keeps the
# blocking ones. The unpatched and greenlet lessons need the real standard library, so the
# script reads --variant before anything else (shared.scenarios.eat_play imports no socket,
# ssl or threading) and patches only for the variants that run in a patched process.
# Imported by a worker rather than run as a script, this block is skipped: the worker's own
# __main__ patched or not.
if __name__ == "__main__":
    from shared import spec as _spec
    from shared.scenarios import eat_play as _eat_play

    _ARGS = _eat_play.demo_args(MODEL)
    if _spec.lesson_kind(MODEL, _ARGS.variant).patch:
        from gevent import monkey

        monkey.patch_all()

import time  # noqa: E402 - after the patch (see above)
from collections.abc import Callable  # noqa: E402

import gevent  # noqa: E402
from greenlet import greenlet  # noqa: E402

from shared.scenarios import eat_play  # noqa: E402
from shared.spec import EAT_NAME  # noqa: E402


def eat(name: str, seconds: float, sleep: Callable[[float], None]) -> None:
    eat_play.say(name, "eat", 1)
    sleep(seconds)  # waits in the hub, which runs the other greenlet; unpatched: blocks them all
    eat_play.say(name, "eat", 2)


def play(name: str, seconds: float, sleep: Callable[[float], None]) -> None:
    eat_play.say(name, "play", 1)
    sleep(seconds)  # waits in the hub, which runs the other greenlet; unpatched: blocks them all
    eat_play.say(name, "play", 2)


def _together(name: str, eat_s: float, play_s: float, sleep: Callable[[float], None]) -> None:
    tasks = [
        gevent.spawn(eat, name, eat_s, sleep),  # a greenlet per task, started by the hub
        gevent.spawn(play, name, play_s, sleep),
    ]
    gevent.joinall(tasks)  # switches to the hub until both greenlets have finished


def _by_hand(name: str, eat_s: float, play_s: float) -> None:
    def eat_by_hand() -> None:
        eat_play.say(name, "eat", 1)
        play_g.switch()  # switch only because we say so; eat's frame waits here, intact
        time.sleep(eat_s)  # no switch on I/O: a raw greenlet blocks the thread
        eat_play.say(name, "eat", 2)

    def play_by_hand() -> None:
        eat_play.say(name, "play", 1)
        eat_g.switch()  # back into eat, where it left off
        time.sleep(play_s)  # no switch on I/O: a raw greenlet blocks the thread
        eat_play.say(name, "play", 2)

    eat_g, play_g = greenlet(eat_by_hand), greenlet(play_by_hand)
    eat_g.switch()  # runs eat until it returns to us, its parent
    play_g.switch()  # then play, from where it switched away


def run(variant: str | None = None, scale: float = 1.0) -> float:
    """Run one variant in this process: print the tutorial's lines and the total; return it."""
    variant, eat_s, play_s = eat_play.prepare(MODEL, variant, scale)
    with eat_play.timer() as total:
        if variant == "greenlet":
            _by_hand(EAT_NAME, eat_s, play_s)
        else:
            # time.sleep is looked up now: gevent's own after the patch, the real one without
            sleep = gevent.sleep if variant == "gevent-sleep" else time.sleep
            _together(EAT_NAME, eat_s, play_s, sleep)
    return total.seconds


if __name__ == "__main__":
    eat_play.demo(MODEL, _ARGS, run)
