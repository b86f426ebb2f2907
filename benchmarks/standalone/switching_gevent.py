"""gevent's switching primitives timed in a fresh process, for the standalone cross-check.

``python -m benchmarks.standalone.switching_gevent JSON`` (run by
``benchmarks/standalone_switching.py``). Written apart from ``impls/gevent_impl/``: a
second measurement shares no code with what it checks.
"""

from __future__ import annotations

# Patch first, before anything imports socket, ssl or threading (psutil, in the common
# module, imports threading), as the gevent worker does and a gevent script would.
from gevent import monkey

monkey.patch_all()

import gevent  # noqa: E402
import greenlet  # noqa: E402
from gevent.event import Event  # noqa: E402

from benchmarks.standalone import switching_common as common  # noqa: E402


def switch(n: int) -> None:
    """``n`` one-way handoffs between two greenlets, each woken by its own Event."""
    a, b = Event(), Event()

    def ping() -> None:
        for _ in range(n // 2):
            b.set()
            a.wait()  # yields to the hub, which runs pong
            a.clear()

    def pong() -> None:
        for _ in range(n // 2):
            b.wait()  # yields to the hub, which runs ping
            b.clear()
            a.set()

    gevent.joinall([gevent.spawn(ping), gevent.spawn(pong)])


def yields(n: int) -> None:
    """``n`` calls to ``gevent.sleep(0)``, half in each of two greenlets."""

    def player() -> None:
        for _ in range(n // 2):
            gevent.sleep(0)  # yields to the hub, which runs the other greenlet

    gevent.joinall([gevent.spawn(player), gevent.spawn(player)])


def raw(kind: str, n: int) -> None:
    """``n`` one-way ``greenlet.switch()`` transfers with a raw greenlet: no hub."""

    def echo(x: int) -> None:
        main = greenlet.getcurrent().parent
        while True:
            x = main.switch(x + 1)

    g = greenlet.greenlet(echo)
    x = 0
    for _ in range(n // 2):
        x = g.switch(x)
    assert x == n // 2


def spawn(n: int, repeat: int, variant: str) -> None:
    """``repeat`` times: spawn ``n`` greenlets that do nothing and join them."""

    def noop() -> None:
        pass

    for _ in range(repeat):
        gevent.joinall([gevent.spawn(noop) for _ in range(n)])


def parked(n: int) -> float:
    """KiB of RSS per greenlet parked on an Event."""
    gate = Event()
    greenlets: list[gevent.Greenlet] = []

    def park(count: int) -> None:
        box = [0]
        done = Event()

        def task() -> None:
            box[0] += 1
            if box[0] == count:
                done.set()
            gate.wait()  # parked: waits in the hub until the gate opens

        greenlets.extend(gevent.spawn(task) for _ in range(count))
        done.wait()

    try:
        return common.kib_per_parked_task(park, n)
    finally:
        gate.set()
        gevent.joinall(greenlets)


def main() -> None:
    args = common.args()
    common.run_jobs(args["jobs"], switch=switch, yields=yields, raw=raw, spawn=spawn, parked=parked)


if __name__ == "__main__":
    main()
