"""What a thread handoff, spawn and parked thread cost: the thread side of the switching scenario.

What it shows: two OS threads handing control to each other through a ``threading.Event``
(every handoff goes through the kernel: ``set()`` releases a lock the other thread sleeps on,
the kernel wakes it, and it must then take the GIL, which the setter gives up when it blocks
in its own ``wait()``), ``time.sleep(0)`` between two threads, starting and joining many
threads (and, as a separate variant, submitting to a ``ThreadPoolExecutor``), and the memory
a thread parked on an Event keeps.

Processes, the tutorial's first way, as variants of the same functions: the ping-pong between
two processes through ``multiprocessing.Event`` (no GIL between them, a lock and a semaphore
in shared memory instead), and starting and joining processes (``process``), each forked by a
fork server (``shared/scenarios/processes.py``).

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
``raw_switch_ns`` line; the first process started also starts the fork server). Measured
figures, from a full benchmark run (RSS in a fresh process each round), are in
docs/results/report.md and the README's Results::

    $ python -m impls.thread_impl.switching --quick
    switch_ns               N ns  Event ping-pong
    switch_ns               N ns  Event ping-pong, between processes
    yield_ns                N ns  time.sleep(0) (the other task ran next P% of the time)
    spawn_join_us           N us  thread, n=1000
    spawn_join_us           N us  thread-pool, n=1000
    spawn_join_us           N us  process, n=100
    rss_kib                 N KiB  per parked task, n=1000
    (thread, pid PID; RSS figures after the first may reuse freed memory)
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from shared.scenarios import processes, switching
from shared.scenarios.switching import clock

MODEL = "thread"


def ping_pong(n: int, variant: str | None = None) -> dict[str, Any]:
    """``n`` one-way handoffs between two threads, each woken by its own Event (``variant``
    ``"processes"``: between two processes, through ``multiprocessing.Event``)."""
    if switching.check_ping_pong(MODEL, variant) == "processes":
        return _ping_pong_processes(n)
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


def _ping_pong_processes(n: int) -> dict[str, Any]:
    """The same handoffs between two processes, timed once both are ready (a process takes
    milliseconds to start; ``spawn_join`` measures that). Each turn is logged in shared
    memory by the process that ran it, at the next free place."""
    turns_each = switching.check_handoffs(n)
    ctx = processes.context()
    turns = ctx.RawArray("b", n)
    cursor = ctx.RawValue("q", 0)
    ping_go, pong_go, done = ctx.Event(), ctx.Event(), ctx.Event()
    ready = ctx.Barrier(3)
    shared = (turns, cursor, ping_go, pong_go, ready, turns_each)
    players = [ctx.Process(target=_player, args=(me, done, *shared)) for me in (0, 1)]
    for player in players:
        player.start()  # an OS process each, forked by the fork server
    try:
        ready.wait(timeout=processes.START_GRACE_S)  # blocks until both processes run
        t0 = clock()
        # blocks in the kernel until ping has taken its last turn
        if not done.wait(processes.START_GRACE_S + n * processes.HANDOFF_BOUND_S):
            raise RuntimeError(f"the ping-pong between processes did not end ({n} handoffs)")
        elapsed = clock() - t0
    finally:
        processes.join_all(players)  # blocks until both processes have exited
    return switching.handoffs_result(n, list(turns[: cursor.value]), elapsed)


def _player(
    me: int,
    done: Any,
    turns: Any,
    cursor: Any,
    ping_go: Any,
    pong_go: Any,
    ready: Any,
    turns_each: int,
) -> None:
    """ping (0) or pong (1) in a process of its own: ``ping_pong``'s players, with the log
    in shared memory."""

    def log() -> None:
        turns[cursor.value] = me  # only the process whose turn it is writes: no lock
        cursor.value += 1

    ready.wait()
    for _ in range(turns_each):
        if me == 0:
            log()
            pong_go.set()  # wakes pong's process in the kernel
            ping_go.wait()  # blocks in the kernel until pong sets it
            ping_go.clear()
        else:
            pong_go.wait()  # blocks in the kernel until ping sets it
            pong_go.clear()
            log()
            ping_go.set()  # wakes ping's process in the kernel
    if me == 0:
        done.set()


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
    thread start), or start ``n`` processes and join them (``process``: each forked by the
    fork server, counting itself in shared memory)."""
    switching.check_count("n", n)
    switching.check_count("repeat", repeat)
    variant = switching.check_spawn_variant(MODEL, variant)
    if variant == "process":
        return _spawn_join_processes(n, repeat)
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


def _spawn_join_processes(n: int, repeat: int) -> dict[str, Any]:
    ctx = processes.context()
    ran = ctx.Value("q", 0)  # a counter in shared memory, with its own lock
    t0 = clock()
    for _ in range(repeat):
        tasks = [ctx.Process(target=_count_me, args=(ran,)) for _ in range(n)]
        for t in tasks:
            t.start()  # a new OS process, forked by the fork server
        for t in tasks:
            t.join()  # blocks until the process has exited
    return switching.spawn_result("process", n, repeat, ran.value, clock() - t0)


def _count_me(ran: Any) -> None:
    with ran.get_lock():  # processes share no GIL: the counter needs its lock
        ran.value += 1


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
