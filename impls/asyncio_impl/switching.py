"""What a task switch, spawn and parked task cost: asyncio's side of the switching scenario.

What it shows: two tasks handing control to each other through an ``asyncio.Event`` (every
handoff goes through the event loop: ``set()`` resolves the waiter's future, which schedules
the waiting task with ``call_soon``; the running task awaits its own Event, returning to the
loop, which steps the other task), the same with ``asyncio.sleep(0)``, the floors underneath
(a coroutine driven by ``send()``, a generator driven by ``next()``: no loop at all), creating
and joining many tasks in a ``TaskGroup``, and the memory a task parked on an Event keeps.
The same code runs on uvloop (``--loop uvloop``, or ``ModelWorker("asyncio", loop="uvloop")``).

Read first: ``shared/scenarios/switching.py`` (sizes, checks, results), then this file beside
``impls/gevent_impl/switching.py`` and ``impls/thread_impl/switching.py``: the functions are
the same, in the same order; only the scheduling differs.

The shape of a run: one line per figure, each measured once in this process (N stands for a
figure; the loop always runs the other ready task next, hence 100%; ``--loop uvloop`` prints
the same lines). Measured figures, from a full benchmark run (RSS in a fresh process each
round), are in docs/results/report.md and the README's Results::

    $ python -m impls.asyncio_impl.switching --quick
    switch_ns               N ns  Event ping-pong
    yield_ns                N ns  asyncio.sleep(0) (the other task ran next 100% of the time)
    raw_switch_ns           N ns  coroutine-send
    raw_switch_ns           N ns  generator-next
    spawn_join_us           N us  task-group, n=1000
    rss_kib                 N KiB  per parked task, n=1000
    (asyncio, pid PID; RSS figures after the first may reuse freed memory)
"""

from __future__ import annotations

import asyncio
import types
from collections.abc import Generator
from typing import Any

from impls.asyncio_impl import runner
from shared.scenarios import switching
from shared.scenarios.switching import clock

MODEL = "asyncio"


def ping_pong(n: int) -> dict[str, Any]:
    """``n`` one-way handoffs between two tasks, each woken by its own Event."""
    turns_each = switching.check_handoffs(n)
    return runner.run(_ping_pong(turns_each))


async def _ping_pong(turns_each: int) -> dict[str, Any]:
    turns: list[int] = []
    ping_go, pong_go = asyncio.Event(), asyncio.Event()

    async def ping() -> None:
        for _ in range(turns_each):
            turns.append(0)
            pong_go.set()  # makes pong runnable; nothing switches yet
            await ping_go.wait()  # returns to the loop, which steps pong
            ping_go.clear()

    async def pong() -> None:
        for _ in range(turns_each):
            await pong_go.wait()  # returns to the loop until ping sets it
            pong_go.clear()
            turns.append(1)
            ping_go.set()  # makes ping runnable; nothing switches yet

    t0 = clock()
    async with asyncio.TaskGroup() as players:  # waits at the end until both have finished
        players.create_task(ping())  # a task each, first stepped by the loop
        players.create_task(pong())
    return switching.handoffs_result(turns_each * 2, turns, clock() - t0)


def yield_loop(n: int) -> dict[str, Any]:
    """``n`` awaits of ``asyncio.sleep(0)``, half in each of two tasks."""
    turns_each = switching.check_handoffs(n)
    return runner.run(_yield_loop(turns_each))


async def _yield_loop(turns_each: int) -> dict[str, Any]:
    turns: list[int] = []

    async def player(me: int) -> None:
        for _ in range(turns_each):
            await asyncio.sleep(0)  # returns to the loop, which steps the other ready task
            turns.append(me)

    t0 = clock()
    async with asyncio.TaskGroup() as players:
        players.create_task(player(0))
        players.create_task(player(1))
    return switching.yields_result(MODEL, turns, clock() - t0)


def raw_switch(n: int, kind: str) -> dict[str, Any]:
    """``n`` one-way transfers into and out of a coroutine (``send``) or generator (``next``)."""
    round_trips = switching.check_handoffs(n)
    switching.check_raw_kind(MODEL, kind)
    if kind == "coroutine-send":
        coro = _echo()
        coro.send(None)  # runs _echo up to its first suspension
        x = 0
        t0 = clock()
        for _ in range(round_trips):
            x = coro.send(x)  # resumes _echo where it stopped; it suspends again, handing x + 1
        elapsed = clock() - t0
        coro.close()
    else:
        gen = _counter()
        t0 = clock()
        for _ in range(round_trips):
            x = next(gen)  # resumes the generator's frame; its yield hands back x + 1
        elapsed = clock() - t0
        gen.close()
    return switching.raw_result(kind, n, x, elapsed)


@types.coroutine
def _hand_back(x: int) -> Generator[int, int, int]:
    """Suspend the awaiting coroutine, handing ``x`` to whoever called ``send``; what the next
    ``send`` passes comes back out. An asyncio Future's ``__await__`` suspends the same way."""
    return (yield x)


async def _echo() -> None:
    x = await _hand_back(0)  # primed: suspended here before the timed sends
    while True:
        x = await _hand_back(x + 1)  # suspends: control goes back to the send() caller


def _counter() -> Generator[int, None, None]:
    x = 0
    while True:
        x += 1
        yield x  # suspends: control goes back to the next() caller


def spawn_join(n: int, repeat: int = 1, variant: str | None = None) -> dict[str, Any]:
    """``repeat`` times: create ``n`` tasks that do nothing in a TaskGroup, and join them."""
    switching.check_count("n", n)
    switching.check_count("repeat", repeat)
    variant = switching.check_spawn_variant(MODEL, variant)
    return runner.run(_spawn_join(n, repeat, variant))


async def _spawn_join(n: int, repeat: int, variant: str) -> dict[str, Any]:
    ran: list[None] = []

    async def task() -> None:
        ran.append(None)

    t0 = clock()
    for _ in range(repeat):
        async with asyncio.TaskGroup() as tasks:  # joins them all at the end of the block
            for _ in range(n):
                tasks.create_task(task())  # a task each, first stepped by the loop
    return switching.spawn_result(variant, n, repeat, len(ran), clock() - t0)


def parked_rss(n: int) -> dict[str, Any]:
    """RSS growth per task parked on one Event: read before and after parking ``n``."""
    switching.check_count("n", n)
    refusal = switching.memory_room(n + switching.WARM_TASKS)
    if refusal:
        return switching.rss_refused(n, refusal)
    return runner.run(_parked_rss(n))


async def _parked_rss(n: int) -> dict[str, Any]:
    gate = asyncio.Event()
    group: list[asyncio.Task[None]] = []
    try:
        await _park(group, switching.WARM_TASKS, gate)
        before = switching.rss_bytes()
        await _park(group, n, gate)
        after = switching.rss_bytes()
    except MemoryError as e:
        return switching.rss_refused(n, f"out of memory after {len(group)} tasks: {e!r}")
    finally:
        gate.set()  # makes every parked task runnable
        await asyncio.gather(*group)  # returns to the loop until they have all finished
    return switching.rss_result(n, before, after, sum(t.done() for t in group))


async def _park(group: list[asyncio.Task[None]], count: int, gate: asyncio.Event) -> None:
    """Create ``count`` tasks that block on ``gate``; return once all of them are blocked."""
    arrived: list[None] = []
    everyone_in = asyncio.Event()

    async def park() -> None:
        arrived.append(None)
        if len(arrived) >= count:
            everyone_in.set()
        await gate.wait()  # parked: the task keeps its coroutine frame until the gate opens

    for _ in range(count):
        group.append(asyncio.create_task(park()))  # a task each, first stepped by the loop
    await everyone_in.wait()  # returns to the loop until the last one has arrived


if __name__ == "__main__":
    _ARGS = switching.demo_args(MODEL)
    runner.use_loop(_ARGS.loop)
    switching.demo(MODEL, _ARGS, ping_pong, yield_loop, raw_switch, spawn_join, parked_rss)
