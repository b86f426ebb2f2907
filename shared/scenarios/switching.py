"""The model-free half of the switching scenario: sizes, argument checks, limits, results.

The three ``impls/<model>_impl/switching.py`` files hold only scheduling: who waits on what,
who wakes whom. Everything else lives here once (docs/design.md: how a scenario is split):
how many handoffs a round makes, the checks on ``n``, how RSS is read, whether this machine
can start ``n`` threads, and the result dicts, which also verify what the model did (the
ping-pong really alternated, every spawned task really ran) so that no number comes from a
run that went wrong.

What each function measures, in one line (the benchmarks in ``benchmarks/test_switching.py``
explain why these are different things):

- ``ping_pong(n)``: ``n`` one-way handoffs between two tasks through the model's own Event;
- ``yield_loop(n)``: ``n`` ``sleep(0)`` calls shared by two tasks;
- ``raw_switch(n, kind)``: ``n`` one-way transfers of control with no scheduler at all;
- ``spawn_join(n, repeat, variant)``: ``repeat`` batches of ``n`` no-op tasks, spawned and joined;
- ``parked_rss(n)``: RSS growth while ``n`` tasks are parked on one Event.

Nothing here imports gevent, asyncio or threading.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import time
from collections.abc import Callable, Sequence
from typing import Any

from shared import spec

# --- the variants each model offers: spec.MODEL_FACTS (raw_kinds, spawn_variants, event,
# yield_call) ------------------------------------------------------------------------------

NO_RAW_SWITCH = (
    "threads have no raw switch a program can call: the OS scheduler switches them"
    " (switch_ns measures a thread handoff)"
)

#: ``max_workers`` of the ``thread-pool`` spawn variant, set explicitly (not the library's
#: default, which depends on the CPU count)
POOL_WORKERS = 8

# --- sizes of a benchmark round ----------------------------------------------------------
# A round must be long against the harness's no-op round trip (~0.1 ms here) so that it stays
# under 1 % of the round: >= 20 ms on the fastest model (uvloop's sleep(0) is ~1.2 us here, a
# generator's next() ~35 ns). --quick keeps these sizes and runs fewer rounds.

#: one-way handoffs per round for ``switch_ns`` and ``yield_ns``; --quick takes a quarter
#: (5 ms a round on the fastest model: the round trip is then about 2 % of a round, and the
#: processes' ping-pong, ~75 us a handoff, stays within the quick run's minute and a half)
HANDOFFS = 20_000
QUICK_HANDOFFS = HANDOFFS // 4


def handoffs(quick: bool) -> int:
    """One-way handoffs per ``switch_ns``/``yield_ns`` round in a run, --quick or not."""
    return QUICK_HANDOFFS if quick else HANDOFFS


#: one-way transfers per round for ``raw_switch_ns``
RAW_SWITCHES = 1_000_000
#: tasks per ``spawn_join_us`` round: a batch of ``n`` is repeated ``repeat_for(n)`` times
SPAWN_SIZES: tuple[int, ...] = (1_000, 10_000)
SPAWN_TASKS_PER_ROUND = 5_000
#: a process costs milliseconds to start (a thread microseconds): the ``process`` spawn
#: variant runs one batch of these sizes a round, so that a round stays short
PROCESS_SPAWN_SIZES: tuple[int, ...] = (100,)
PROCESS_SPAWN = "process"
#: parked tasks for ``rss_kib_per_task``
RSS_SIZES: tuple[int, ...] = (1_000, 10_000, 100_000)
#: tasks parked before the first RSS reading; they stay parked, and absorb the one-off costs
#: (the hub or the loop, first-use allocations) that would otherwise be charged to ``n``
WARM_TASKS = 100

#: timed rounds after one warm-up round, (default, --quick), for switch, yield and raw
ROUNDS = (10, 3)
SPAWN_ROUNDS = (4, 3)
#: RSS rounds, each in a fresh worker (no warm-up round: the warm tasks are its warm-up), by
#: n; RSS barely varies between fresh processes, and threads at 10,000 take ~15 s a round
RSS_ROUNDS = {1_000: (3, 2), 10_000: (1, 1), 100_000: (1, 1)}
#: --quick measures spawn and RSS at this n only
QUICK_MAX_N = 1_000

#: upper bounds on any argument, so that a typo cannot start an endless loop
MAX_HANDOFFS = 50_000_000
MAX_TASKS = 1_000_000


def rounds(pair: tuple[int, int], quick: bool) -> int:
    return pair[1] if quick else pair[0]


def spawn_sizes(variant: str) -> tuple[int, ...]:
    """The ``n`` a spawn variant is measured at."""
    return PROCESS_SPAWN_SIZES if variant == PROCESS_SPAWN else SPAWN_SIZES


def repeat_for(n: int, variant: str | None = None) -> int:
    """How many batches of ``n`` tasks one ``spawn_join_us`` round runs."""
    return 1 if variant == PROCESS_SPAWN else max(1, SPAWN_TASKS_PER_ROUND // n)


# --- limits: can this machine hold n parked tasks? -----------------------------------------

#: never start more threads than this in one measurement. Every thread takes a pid from a
#: space shared by every process on the machine (Linux's default ``pid_max``, 32,768; this
#: machine's too), and other jobs run beside ours: a benchmark that takes most of it makes
#: their ``fork()`` fail. Half of the default space is our share; 10,000 + WARM_TASKS fit.
MAX_THREADS = 16_384
#: pids, threads and memory map entries left for everything else on the machine
HEADROOM = 1_024
#: an upper bound on the RSS of one parked task in any model here (four times the largest
#: figure measured, ~16 KiB for a thread); ``n`` tasks may use at most half of the free memory
BUDGET_KIB_PER_TASK = 64
#: memory map entries per thread: its stack, and the guard page below it
MAPS_PER_THREAD = 2


def _read_int(path: str) -> int | None:
    try:
        with open(path) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _tasks_on_machine() -> int | None:
    """Threads and processes alive on the whole machine (Linux: /proc/loadavg, 4th field)."""
    try:
        with open("/proc/loadavg") as f:
            return int(f.read().split()[3].split("/")[1])
    except (OSError, ValueError, IndexError):
        return None


def _maps_in_process() -> int | None:
    try:
        with open("/proc/self/maps", "rb") as f:
            return sum(1 for _ in f)
    except OSError:
        return None


def thread_stack_bytes() -> int:
    """The virtual size of a new thread's stack: ``threading.stack_size()`` is 0 (we keep the
    default), so glibc reserves RLIMIT_STACK's soft limit (8 MiB unless changed). Only the
    pages a thread touches count in RSS; that is what we measure."""
    soft, _ = resource.getrlimit(resource.RLIMIT_STACK)
    return soft if soft != resource.RLIM_INFINITY else 8 << 20


def memory_room(n: int, kib_each: int = BUDGET_KIB_PER_TASK, what: str = "tasks") -> str | None:
    """Why ``n`` parked tasks (or other things of ``kib_each`` at most) might not fit in
    memory, or None if they fit (any model)."""
    import psutil

    available = psutil.virtual_memory().available
    need = n * kib_each * 1024
    if need > available // 2:
        return (
            f"{n} {what} at up to {kib_each} KiB each need {need >> 20} MiB, more than"
            f" half of the {available >> 20} MiB available"
        )
    return None


def thread_room(n: int) -> str | None:
    """Why this process cannot start ``n`` more threads, or None if it can.

    Checked before trying, so that a refusal costs nothing and leaves nothing behind: our cap
    (:data:`MAX_THREADS`), the kernel's thread and pid limits against what the whole machine
    already runs, RLIMIT_NPROC (per user; counted against the whole machine, which is
    conservative, and not enforced for root), the memory map limit (two entries per thread),
    strict overcommit against the stacks' virtual size, and free memory. RLIMIT_AS is not
    checked: a start that fails anyway is caught by the caller.
    """
    if n > MAX_THREADS:
        return (
            f"{n} threads exceed this benchmark's cap of {MAX_THREADS}: the pid space"
            f" (pid_max {_read_int('/proc/sys/kernel/pid_max')}) is shared with every process"
            " on the machine"
        )
    running = _tasks_on_machine()
    nproc, _ = resource.getrlimit(resource.RLIMIT_NPROC)
    limits = [
        ("kernel.threads-max", _read_int("/proc/sys/kernel/threads-max"), running, 1),
        ("kernel.pid_max", _read_int("/proc/sys/kernel/pid_max"), running, 1),
        ("RLIMIT_NPROC", None if nproc == resource.RLIM_INFINITY else nproc, running, 1),
        ("vm.max_map_count", _read_int("/proc/sys/vm/max_map_count"), _maps_in_process(), 2),
    ]
    for name, limit, in_use, per_thread in limits:
        if limit is None or in_use is None:
            continue
        room = (limit - in_use - HEADROOM) // per_thread
        if n > room:
            return f"{n} threads do not fit under {name}={limit}: {in_use} in use, room for {room}"
    if _read_int("/proc/sys/vm/overcommit_memory") == 2:
        info = _meminfo()
        free = info.get("CommitLimit", 0) - info.get("Committed_AS", 0)
        if n * thread_stack_bytes() > free:
            return f"{n} thread stacks exceed the {free >> 20} MiB left under strict overcommit"
    return memory_room(n)


def _meminfo() -> dict[str, int]:
    out = {}
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                key, _, rest = line.partition(":")
                out[key] = int(rest.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return out


# --- argument checks ------------------------------------------------------------------------


def check_count(name: str, n: object, *, even: bool = False, maximum: int = MAX_TASKS) -> int:
    """``n`` as an int in ``[1, maximum]`` (even and >= 2 when ``even``), else ValueError."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise ValueError(f"{name} must be an integer, got {n!r}")
    if even and (n < 2 or n % 2):
        raise ValueError(f"{name} must be an even number >= 2 (two tasks take turns), got {n}")
    if not 1 <= n <= maximum:
        raise ValueError(f"{name} must be between 1 and {maximum}, got {n}")
    return n


def check_handoffs(n: object) -> int:
    """Half of ``n``: the turns each of the two tasks takes."""
    return check_count("n", n, even=True, maximum=MAX_HANDOFFS) // 2


def check_raw_kind(model: str, kind: str) -> str:
    spec.check_model(model)
    kinds = spec.MODEL_FACTS[model].raw_kinds
    if kind not in kinds:
        if not kinds:
            raise ValueError(NO_RAW_SWITCH)
        raise ValueError(
            f"unknown raw switch {kind!r} for {model}: choose one of {', '.join(kinds)}"
        )
    return kind


def check_ping_pong(model: str, variant: str | None) -> str | None:
    """None (between two of the model's tasks) or one of the model's other ping-pongs."""
    spec.check_model(model)
    others = spec.MODEL_FACTS[model].ping_pongs
    if variant is None:
        return None
    if not others:
        raise ValueError(f"the {model} model's ping-pong runs between its own tasks only")
    return spec.check_choice(variant, others, "ping-pong variant", f" for {model}")


def check_spawn_variant(model: str, variant: str | None) -> str:
    spec.check_model(model)
    variants = spec.MODEL_FACTS[model].spawn_variants
    if variant is None:
        return variants[0]
    return spec.check_choice(variant, variants, "spawn variant", f" for {model}")


# --- measuring ------------------------------------------------------------------------------

clock: Callable[[], float] = time.perf_counter


def rss_bytes() -> int:
    """This process's resident set size, after a full garbage collection."""
    import psutil

    gc.collect()
    return psutil.Process().memory_info().rss


# --- results (JSON-able dicts; each checks what the model did) ---------------------------


def handoffs_result(n: int, turns: list[int], elapsed_s: float) -> dict[str, Any]:
    """The ping-pong's result. ``turns`` logs who ran each turn (0 or 1), in order: two tasks
    that really handed off to each other ``n`` times alternate 0, 1, 0, 1... for ``n`` turns
    (RuntimeError otherwise)."""
    for i, who in enumerate(turns):
        if who != i % 2:
            raise RuntimeError(f"the ping-pong did not alternate: turn {i} ran task {who}")
    if len(turns) != n:
        raise RuntimeError(f"the ping-pong made {len(turns)} handoffs instead of {n}")
    return {"handoffs": n, "elapsed_s": elapsed_s}


def yields_result(model: str, turns: list[int], elapsed_s: float) -> dict[str, Any]:
    """``sleep(0)`` results: how many yields, and how often the other task ran next."""
    peer = sum(1 for a, b in zip(turns, turns[1:], strict=False) if a != b)
    return {
        "yields": len(turns),
        "call": spec.MODEL_FACTS[model].yield_call,
        "peer_switches": peer,
        "peer_switch_ratio": peer / max(1, len(turns) - 1),
        "elapsed_s": elapsed_s,
    }


def raw_result(kind: str, transfers: int, last: int, elapsed_s: float) -> dict[str, Any]:
    """A value went back and forth ``transfers // 2`` times, one added per round trip: the
    last one proves every transfer happened (RuntimeError otherwise)."""
    if last != transfers // 2:
        raise RuntimeError(f"{kind}: {last} round trips instead of {transfers // 2}")
    return {"kind": kind, "transfers": transfers, "elapsed_s": elapsed_s}


def spawn_result(variant: str, n: int, repeat: int, ran: int, elapsed_s: float) -> dict[str, Any]:
    """Every spawned task appended once to a list: ``ran`` must be ``n * repeat``."""
    if ran != n * repeat:
        raise RuntimeError(f"{variant}: {ran} tasks ran instead of {n * repeat}")
    return {"variant": variant, "n": n, "repeat": repeat, "tasks": ran, "elapsed_s": elapsed_s}


def rss_result(n: int, before: int, after: int, joined: int, **extra: Any) -> dict[str, Any]:
    """RSS growth per parked task. ``joined`` counts the tasks (warm ones included) that ended
    after the release: all of them, or RuntimeError."""
    if joined != n + WARM_TASKS:
        raise RuntimeError(f"{joined} parked tasks ended instead of {n + WARM_TASKS}")
    return {
        "n": n,
        "kib_per_task": (after - before) / n / 1024,
        "rss_before_kib": before // 1024,
        "rss_after_kib": after // 1024,
        "warm_tasks": WARM_TASKS,
        "note": None,
        **extra,
    }


def rss_refused(n: int, note: str, **extra: Any) -> dict[str, Any]:
    """The model could not park ``n`` tasks here: no figure, and why."""
    return {"n": n, "kib_per_task": None, "note": note, **extra}


# --- the demos (``python -m impls.<model>_impl.switching``) -------------------------------


def demo_args(model: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse ``python -m impls.<model>_impl.switching [--quick]`` (asyncio: ``[--loop L]``)."""
    parser = argparse.ArgumentParser(
        prog=f"python -m impls.{model}_impl.switching",
        description=f"Switch, yield, spawn and memory costs of the {model} model, measured once.",
    )
    parser.add_argument("--quick", action="store_true", help="spawn and RSS at n=1000 only")
    if model == "asyncio":
        parser.add_argument("--loop", choices=spec.LOOPS, default="asyncio")
    return parser.parse_args(argv)


def demo(
    model: str,
    args: argparse.Namespace,
    ping_pong: Callable[..., dict[str, Any]],
    yield_loop: Callable[..., dict[str, Any]],
    raw_switch: Callable[..., dict[str, Any]],
    spawn_join: Callable[..., dict[str, Any]],
    parked_rss: Callable[..., dict[str, Any]],
) -> None:
    """Run each measurement once and print one line per figure (in-process timing)."""
    for other in (None, *spec.MODEL_FACTS[model].ping_pongs):
        r = ping_pong(HANDOFFS, other)
        between = f", between {other}" if other else ""
        print(
            f"switch_ns      {r['elapsed_s'] / HANDOFFS * 1e9:10.0f} ns  Event ping-pong{between}"
        )
    r = yield_loop(HANDOFFS)
    print(
        f"yield_ns       {r['elapsed_s'] / HANDOFFS * 1e9:10.0f} ns  {r['call']}"
        f" (the other task ran next {r['peer_switch_ratio']:.0%} of the time)"
    )
    for kind in spec.MODEL_FACTS[model].raw_kinds:
        r = raw_switch(RAW_SWITCHES, kind)
        print(f"raw_switch_ns  {r['elapsed_s'] / RAW_SWITCHES * 1e9:10.0f} ns  {kind}")
    for variant in spec.MODEL_FACTS[model].spawn_variants:
        sizes = spawn_sizes(variant)
        for n in sizes[:1] if args.quick else sizes:
            repeat = repeat_for(n, variant)
            r = spawn_join(n, repeat, variant)
            per = r["elapsed_s"] / (n * repeat) * 1e6
            print(f"spawn_join_us  {per:10.1f} us  {variant}, n={n}")
    for n in RSS_SIZES[:1] if args.quick else RSS_SIZES:
        r = parked_rss(n)
        kib = r["kib_per_task"]
        figure = f"{kib:10.2f} KiB" if kib is not None else f"{'-':>10}    "
        print(f"rss_kib        {figure}  per parked task, n={n}  {r['note'] or ''}".rstrip())
    # the RSS lines reuse memory freed by the earlier ones: the benchmarks use a fresh process
    print(f"({model}, pid {os.getpid()}; RSS figures after the first may reuse freed memory)")
