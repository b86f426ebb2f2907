"""asyncio's switching primitives timed in a fresh process, for the standalone cross-check.

``python -m benchmarks.standalone.switching_asyncio JSON`` (run by
``benchmarks/standalone_switching.py``); ``"loop": "uvloop"`` in the JSON runs every
measurement on uvloop. Written apart from ``impls/asyncio_impl/``: a second measurement
shares no code with what it checks.
"""

from __future__ import annotations

import asyncio
import types
from collections.abc import Callable, Coroutine, Generator
from typing import Any

from benchmarks.standalone import switching_common as common

#: the event loop each measurement runs on; uvloop's when the parent asks (see main)
new_loop: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    with asyncio.Runner(loop_factory=new_loop) as runner:
        return runner.run(coro)


def switch(n: int) -> None:
    """``n`` one-way handoffs between two tasks, each woken by its own Event."""

    async def main() -> None:
        a, b = asyncio.Event(), asyncio.Event()

        async def ping() -> None:
            for _ in range(n // 2):
                b.set()
                await a.wait()  # yields to the loop, which runs pong
                a.clear()

        async def pong() -> None:
            for _ in range(n // 2):
                await b.wait()  # yields to the loop, which runs ping
                b.clear()
                a.set()

        async with asyncio.TaskGroup() as tg:
            tg.create_task(ping())
            tg.create_task(pong())

    run(main())


def yields(n: int) -> None:
    """``n`` calls to ``asyncio.sleep(0)``, half in each of two tasks."""

    async def main() -> None:
        async def player() -> None:
            for _ in range(n // 2):
                await asyncio.sleep(0)  # yields to the loop, which runs the other task

        async with asyncio.TaskGroup() as tg:
            tg.create_task(player())
            tg.create_task(player())

    run(main())


@types.coroutine
def suspend(x: int) -> Generator[int, int, int]:
    return (yield x)


async def echo() -> None:
    x = await suspend(0)
    while True:
        x = await suspend(x + 1)


def gen() -> Generator[int, None, None]:
    x = 0
    while True:
        x += 1
        yield x


def raw(kind: str, n: int) -> None:
    """``n`` one-way transfers by a coroutine's ``send()`` or a generator's ``next()``."""
    x = 0
    if kind == "coroutine-send":
        c = echo()
        c.send(None)
        for _ in range(n // 2):
            x = c.send(x)
    else:
        g = gen()
        for _ in range(n // 2):
            x = next(g)
    assert x == n // 2


def spawn(n: int, repeat: int, variant: str) -> None:
    """``repeat`` times: create ``n`` tasks that do nothing in a TaskGroup and join them."""

    async def noop() -> None:
        pass

    async def main() -> None:
        for _ in range(repeat):
            async with asyncio.TaskGroup() as tg:
                for _ in range(n):
                    tg.create_task(noop())

    run(main())


def parked(n: int) -> float:
    """KiB of RSS per task parked on an Event (``common.kib_per_parked_task``, awaited)."""

    async def main() -> float:
        gate = asyncio.Event()

        async def park(count: int) -> list[asyncio.Task[None]]:
            box = [0]
            done = asyncio.Event()

            async def task() -> None:
                box[0] += 1
                if box[0] == count:
                    done.set()
                await gate.wait()

            ts = [asyncio.create_task(task()) for _ in range(count)]
            await done.wait()
            return ts

        ts = await park(common.WARM_TASKS)
        before = common.rss()
        ts += await park(n)
        after = common.rss()
        gate.set()
        await asyncio.gather(*ts)
        return (after - before) / n / 1024

    return run(main())


def main() -> None:
    global new_loop
    args = common.args()
    if args.get("loop") == "uvloop":
        import uvloop

        new_loop = uvloop.new_event_loop
    common.run_jobs(args["jobs"], switch=switch, yields=yields, raw=raw, spawn=spawn, parked=parked)


if __name__ == "__main__":
    main()
