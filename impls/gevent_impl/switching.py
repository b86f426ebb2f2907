"""What a greenlet switch, spawn and parked greenlet cost: gevent's side of the switching scenario.

What it shows: two greenlets handing control to each other through a ``gevent.event.Event``
(every handoff goes through gevent's hub: ``set()`` schedules the waiter, the waiter's
``wait()`` switches to the hub, the hub switches to the waiter), the same with
``gevent.sleep(0)``, the floor underneath (a raw ``greenlet.switch()`` with no hub), spawning
and joining many greenlets, and the memory a greenlet parked on an Event keeps.

Read first: ``shared/scenarios/switching.py`` (sizes, checks, results), then this file beside
``impls/asyncio_impl/switching.py`` and ``impls/thread_impl/switching.py``: the functions are
the same, in the same order; only the scheduling differs.

The shape of a run: one line per figure, each measured once in this process (N stands for a
figure; the hub always runs the other ready greenlet next, hence 100%). Measured figures, from
a full benchmark run (RSS in a fresh process each round), are in docs/results/report.md and
the README's Results::

    $ python -m impls.gevent_impl.switching --quick
    switch_ns               N ns  Event ping-pong
    yield_ns                N ns  gevent.sleep(0) (the other task ran next 100% of the time)
    raw_switch_ns           N ns  greenlet
    spawn_join_us           N us  spawn, n=1000
    rss_kib                 N KiB  per parked task, n=1000
    (gevent, pid PID; RSS figures after the first may reuse freed memory)
"""

from __future__ import annotations  # a compiler directive, not an import: safe before the patch

# Patch first, as the tutorial does and as the gevent worker does: nothing here needs it (no I/O,
# no blocking stdlib call), but run as a script this module measures the process a gevent
# program really runs in. Imported by a worker, this block is skipped: the worker patched.
if __name__ == "__main__":
    from gevent import monkey

    monkey.patch_all()

from typing import Any  # noqa: E402 - after the patch (see above)

import gevent  # noqa: E402
import greenlet  # noqa: E402
from gevent.event import Event  # noqa: E402

from shared.scenarios import switching  # noqa: E402
from shared.scenarios.switching import clock  # noqa: E402

MODEL = "gevent"


def ping_pong(n: int) -> dict[str, Any]:
    """``n`` one-way handoffs between two greenlets, each woken by its own Event."""
    turns_each = switching.check_handoffs(n)
    turns: list[int] = []
    ping_go, pong_go = Event(), Event()

    def ping() -> None:
        for _ in range(turns_each):
            turns.append(0)
            pong_go.set()  # makes pong runnable; nothing switches yet
            ping_go.wait()  # yields to the hub, which switches to pong
            ping_go.clear()

    def pong() -> None:
        for _ in range(turns_each):
            pong_go.wait()  # yields to the hub until ping sets it
            pong_go.clear()
            turns.append(1)
            ping_go.set()  # makes ping runnable; nothing switches yet

    t0 = clock()
    players = [gevent.spawn(ping), gevent.spawn(pong)]  # a greenlet each, started by the hub
    gevent.joinall(players, raise_error=True)  # switches to the hub until both have finished
    return switching.handoffs_result(n, turns, clock() - t0)


def yield_loop(n: int) -> dict[str, Any]:
    """``n`` calls to ``gevent.sleep(0)``, half in each of two greenlets."""
    turns_each = switching.check_handoffs(n)
    turns: list[int] = []

    def player(me: int) -> None:
        for _ in range(turns_each):
            gevent.sleep(0)  # yields to the hub, which runs the other ready greenlet
            turns.append(me)

    t0 = clock()
    players = [gevent.spawn(player, 0), gevent.spawn(player, 1)]
    gevent.joinall(players, raise_error=True)
    return switching.yields_result(MODEL, turns, clock() - t0)


def raw_switch(n: int, kind: str) -> dict[str, Any]:
    """``n`` one-way ``greenlet.switch()`` calls between this greenlet and a raw one: no hub."""
    round_trips = switching.check_handoffs(n)
    switching.check_raw_kind(MODEL, kind)

    def echo(x: int) -> None:
        caller = greenlet.getcurrent().parent
        while True:
            x = caller.switch(x + 1)  # straight back to the caller, stack and all

    other = greenlet.greenlet(echo)
    x = 0
    t0 = clock()
    for _ in range(round_trips):
        x = other.switch(x)  # straight into echo, where it stopped
    elapsed = clock() - t0
    other.throw(greenlet.GreenletExit)  # ends echo; back here
    return switching.raw_result(kind, n, x, elapsed)


def spawn_join(n: int, repeat: int = 1, variant: str | None = None) -> dict[str, Any]:
    """``repeat`` times: spawn ``n`` greenlets that do nothing, then join them all."""
    switching.check_count("n", n)
    switching.check_count("repeat", repeat)
    variant = switching.check_spawn_variant(MODEL, variant)
    ran: list[None] = []

    def task() -> None:
        ran.append(None)

    t0 = clock()
    for _ in range(repeat):
        tasks = [gevent.spawn(task) for _ in range(n)]  # a greenlet each, started by the hub
        gevent.joinall(tasks, raise_error=True)  # the hub runs them all, then switches back
    return switching.spawn_result(variant, n, repeat, len(ran), clock() - t0)


def parked_rss(n: int) -> dict[str, Any]:
    """RSS growth per greenlet parked on one Event: read before and after parking ``n``."""
    switching.check_count("n", n)
    refusal = switching.memory_room(n + switching.WARM_TASKS)
    if refusal:
        return switching.rss_refused(n, refusal)
    gate = Event()
    group: list[gevent.Greenlet] = []
    try:
        _park(group, switching.WARM_TASKS, gate)
        before = switching.rss_bytes()
        _park(group, n, gate)
        after = switching.rss_bytes()
    except MemoryError as e:
        return switching.rss_refused(n, f"out of memory after {len(group)} greenlets: {e!r}")
    finally:
        gate.set()  # makes every parked greenlet runnable
        gevent.joinall(group, raise_error=True)  # the hub runs them to their end
    return switching.rss_result(n, before, after, sum(g.dead for g in group))


def _park(group: list[gevent.Greenlet], count: int, gate: Event) -> None:
    """Spawn ``count`` greenlets that block on ``gate``; return once all of them are blocked."""
    arrived: list[None] = []
    everyone_in = Event()

    def park() -> None:
        arrived.append(None)
        if len(arrived) >= count:
            everyone_in.set()
        gate.wait()  # parked: the greenlet's stack slice is saved until the gate opens

    for _ in range(count):
        group.append(gevent.spawn(park))  # a greenlet each, started by the hub
    everyone_in.wait()  # yields to the hub until the last one has arrived


if __name__ == "__main__":
    _ARGS = switching.demo_args(MODEL)
    switching.demo(MODEL, _ARGS, ping_pong, yield_loop, raw_switch, spawn_join, parked_rss)
