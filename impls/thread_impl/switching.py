"""What a thread handoff, spawn and parked thread cost: the thread side of the switching scenario.

What it shows: two OS threads handing control to each other through a ``threading.Event``
(every handoff goes through the kernel: ``set()`` releases a lock the other thread sleeps on,
the kernel wakes it, and it must then take the GIL, which the setter gives up when it blocks
in its own ``wait()``), ``time.sleep(0)`` between two threads, starting and joining many
threads (and, as a separate variant, submitting to a ``ThreadPoolExecutor``), and the memory
a thread parked on an Event keeps.

What threads do not have: a yield to a chosen peer (``time.sleep(0)`` releases the GIL and
asks the OS to run someone else, with no promise of who: ``yield_loop`` reports how often the
other thread really ran next), and a raw switch a program can call (``raw_switch`` says so).

Thread stacks keep the default size (``threading.stack_size()`` is 0): glibc reserves 8 MiB
of virtual memory per thread (RLIMIT_STACK), but RSS counts only the pages a thread touches,
which is what a user pays. ``parked_rss`` checks the machine's limits before starting
thousands of threads and reports, instead of dying, when ``n`` does not fit.

Read first: ``shared/scenarios/switching.py`` (sizes, checks, limits, results), then this file
beside
``impls/gevent_impl/switching.py`` and ``impls/asyncio_impl/switching.py``: the functions are
the same, in the same order; only the scheduling differs.

The shape of a run: one line per figure, each measured once in this process (N stands for a
figure; P% is how often the OS ran the other thread next, which no one promises; no
``raw_switch_ns`` line). Measured figures, from a full benchmark run (RSS in a fresh process
each round), are in docs/results/report.md and the README's Results::

    $ python -m impls.thread_impl.switching --quick
    switch_ns               N ns  Event ping-pong
    yield_ns                N ns  time.sleep(0) (the other task ran next P% of the time)
    spawn_join_us           N us  thread, n=1000
    spawn_join_us           N us  thread-pool, n=1000
    rss_kib                 N KiB  per parked task, n=1000
    (thread, pid PID; RSS figures after the first may reuse freed memory)
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from shared.scenarios import switching
from shared.scenarios.switching import clock

MODEL = "thread"


def ping_pong(n: int) -> dict[str, Any]:
    """``n`` one-way handoffs between two threads, each woken by its own Event."""
    turns_each = switching.check_handoffs(n)
    turns: list[int] = []
    ping_go, pong_go = threading.Event(), threading.Event()

    def ping() -> None:
        for _ in range(turns_each):
            turns.append(0)
            pong_go.set()  # wakes pong's OS thread, which then waits for the GIL
            ping_go.wait()  # blocks in the kernel, giving up the GIL, until pong sets it
            ping_go.clear()

    def pong() -> None:
        for _ in range(turns_each):
            pong_go.wait()  # blocks in the kernel, giving up the GIL, until ping sets it
            pong_go.clear()
            turns.append(1)
            ping_go.set()  # wakes ping's OS thread, which then waits for the GIL

    t0 = clock()
    with ThreadPoolExecutor(max_workers=2) as pool:
        players = [pool.submit(ping), pool.submit(pong)]  # an OS thread each, run by the kernel
        for player in players:
            player.result()  # blocks until that thread's task has finished
    return switching.handoffs_result(n, turns, clock() - t0)


def yield_loop(n: int) -> dict[str, Any]:
    """``n`` calls to ``time.sleep(0)``, half in each of two threads: a yield to nobody in
    particular (the GIL is released and retaken; the other thread may or may not run)."""
    turns_each = switching.check_handoffs(n)
    turns: list[int] = []

    def player(me: int) -> None:
        for _ in range(turns_each):
            time.sleep(0)  # releases the GIL and retakes it; whoever gets it next runs
            turns.append(me)

    t0 = clock()
    with ThreadPoolExecutor(max_workers=2) as pool:
        players = [pool.submit(player, 0), pool.submit(player, 1)]
        for p in players:
            p.result()
    return switching.yields_result(MODEL, turns, clock() - t0)


def raw_switch(n: int, kind: str) -> dict[str, Any]:
    """Threads have no switch a program can call (the kernel switches them): ValueError."""
    raise ValueError(switching.NO_RAW_SWITCH)


def spawn_join(n: int, repeat: int = 1, variant: str | None = None) -> dict[str, Any]:
    """``repeat`` times: start ``n`` threads that do nothing and join them (``thread``), or
    submit ``n`` no-op calls to a fresh pool of POOL_WORKERS threads and wait for them all
    (``thread-pool``: the pool reuses its threads, so this measures a queue handoff, not a
    thread start)."""
    switching.check_count("n", n)
    switching.check_count("repeat", repeat)
    variant = switching.check_spawn_variant(MODEL, variant)
    ran: list[None] = []

    def task() -> None:
        ran.append(None)  # list.append is atomic under the GIL: safe from any thread

    t0 = clock()
    for _ in range(repeat):
        if variant == "thread":
            # raw threads, not a pool: starting a thread is what this variant measures (a pool
            # reuses its threads; that is the thread-pool variant)
            tasks = [threading.Thread(target=task) for _ in range(n)]
            for t in tasks:
                t.start()  # a new OS thread; start() waits until it runs
            for t in tasks:
                t.join()  # blocks until the thread has finished
        else:
            with ThreadPoolExecutor(max_workers=switching.POOL_WORKERS) as pool:
                futures = [pool.submit(task) for _ in range(n)]  # queued for the pool's threads
                for f in futures:
                    f.result()  # blocks until that call has run
    return switching.spawn_result(variant, n, repeat, len(ran), clock() - t0)


def parked_rss(n: int) -> dict[str, Any]:
    """RSS growth per thread parked on one Event: read before and after parking ``n``.

    The machine's limits are checked first (``switching.thread_room``); a start that fails
    anyway ("can't start new thread") releases the threads already started and reports.
    """
    switching.check_count("n", n)
    stack_kib = switching.thread_stack_bytes() // 1024
    refusal = switching.thread_room(n + switching.WARM_TASKS)
    if refusal:
        return switching.rss_refused(n, refusal, stack_virtual_kib=stack_kib)
    gate = threading.Event()
    group: list[threading.Thread] = []
    try:
        _park(group, switching.WARM_TASKS, gate)
        before = switching.rss_bytes()
        _park(group, n, gate)
        after = switching.rss_bytes()
    except RuntimeError as e:  # "can't start new thread": the OS refused one more
        note = f"thread start failed after {len(group)} threads: {e}"
        return switching.rss_refused(n, note, stack_virtual_kib=stack_kib)
    finally:
        gate.set()  # wakes every parked thread
        for t in group:
            t.join()  # blocks until that thread has finished
    joined = sum(not t.is_alive() for t in group)
    return switching.rss_result(n, before, after, joined, stack_virtual_kib=stack_kib)


def _park(group: list[threading.Thread], count: int, gate: threading.Event) -> None:
    """Start ``count`` threads that block on ``gate``; return once all of them are blocked."""
    arrived: list[None] = []
    everyone_in = threading.Event()

    def park() -> None:
        arrived.append(None)  # atomic under the GIL; the last to arrive sees len >= count
        if len(arrived) >= count:
            everyone_in.set()
        gate.wait()  # parked: the thread sleeps in the kernel until the gate opens

    for _ in range(count):
        # a raw thread, not a pool: the memory of n parked threads is what is measured, and a
        # pool would add its work queue and cap how many threads exist
        thread = threading.Thread(target=park)
        thread.start()  # a new OS thread; start() waits until it runs
        group.append(thread)
    everyone_in.wait()  # blocks until the last one has arrived


if __name__ == "__main__":
    _ARGS = switching.demo_args(MODEL)
    switching.demo(MODEL, _ARGS, ping_pong, yield_loop, raw_switch, spawn_join, parked_rss)
