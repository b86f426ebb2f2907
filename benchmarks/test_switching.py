"""Switching, spawning and memory per task: gevent, asyncio (and uvloop) and threads, like for like.

Every figure is measured inside the model's own worker (``shared.harness.worker``) and timed through
the shared harness (``shared.bench.timing``: pytest-benchmark ``pedantic``, a warm-up round, fixed
rounds); ``value`` is the median round divided by the operations in it, so the harness's own
cost (a no-op call's round trip, recorded as ``harness_overhead``) and the per-round set-up
(two tasks, a fresh asyncio loop) are inside it, kept small by making rounds long. The
in-worker ``perf_counter`` figure is recorded beside it as ``in_worker_value``.

Three switch figures, three different things:

- ``switch_ns``: one task hands control to another through the model's own Event, and the
  other runs. That is what a program pays when one task wakes another (a queue, a lock, an
  I/O completion): ``set()`` marks the waiter ready, the setter blocks in ``wait()``, and the
  scheduler (gevent's hub, the asyncio loop, the kernel plus the GIL) runs the waiter.
- ``yield_ns``: a task offers the CPU to whoever is ready (``sleep(0)``), with no Event and no
  waiter to wake: the scheduler's bare round trip. Threads have no such thing: their
  ``time.sleep(0)`` releases the GIL and asks the kernel to run someone else, with no promise
  of who; the result is recorded as variant ``time-sleep-0`` with ``peer_switch_ratio``, the
  share of sleeps after which the other thread really ran next (1.0 for gevent and asyncio).
- ``raw_switch_ns``: the floor under each model with no scheduler at all: ``greenlet.switch()``
  (what gevent's hub does at every switch), a coroutine's ``send()`` and a generator's
  ``next()`` (what every asyncio task step does). Per one-way transfer of control, like the
  two above, so a ``send()`` that goes in and comes back out counts as two. Threads have no
  switch a program can call (the kernel does it), so they have no row here.

``switch_ns`` has one more row, variant ``processes``: the thread model's ping-pong between two
processes (the tutorial's first way) through ``multiprocessing.Event``, started before the
in-worker clock starts (the harness's ``value`` includes their start).

``spawn_join_us``: spawn ``n`` no-op tasks then join them all, per task, batches repeated so
that every round is long. ``thread-pool`` is a different thing from ``thread``, labelled as
such: ``submit`` to a fresh ``ThreadPoolExecutor(max_workers=8)`` reuses 8 threads.
``process`` starts ``n`` processes from a fork server (``shared.scenarios.processes``) and
joins them: a process costs milliseconds, so it runs one batch of ``n`` = 100 a round
(group ``spawn_join_us n=100``).

``rss_kib_per_task``: RSS growth per task parked on one Event (psutil, inside the worker), in a
fresh worker for every round: a second reading in the same process would reuse memory the
first round freed (asyncio at n=1,000 then reads ~0 KiB). 100 tasks are parked first and stay
parked (they absorb one-off costs: the hub, the loop, first allocations), then RSS is read,
``n`` more are parked and RSS is read again. Threads keep the default stack size: 8 MiB of
virtual memory each, of which RSS counts only the touched pages, which is what a user pays
(the kernel's own per-thread memory is not in RSS). Where ``n`` threads cannot be started
here (caps and limits in ``shared.scenarios.switching.thread_room``), ``value`` is None with a
``note``.

Run: ``pytest benchmarks/ -k "switch or yield or spawn or rss"`` (~1-1.5 min on 2 idle cores;
``--quick``: fewer rounds, a quarter of the handoffs, spawn and RSS at n=1,000 only).
Besides pytest-benchmark's tables (seconds per round; every model in a group does the same
work per round, so they compare side by side) the run ends with each result's own figure per
operation.
``python benchmarks/standalone_switching.py`` measures the same primitives without the
harness, for comparison; on a shared machine use its ``--paired`` mode (see its docstring).

Noise: this machine is shared, and the same figure can move by x2 between two minutes.
``best_value`` (the fastest round) sits beside ``value``; compare runs made close together.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any

import pytest

from shared import spec
from shared.bench import timing
from shared.harness.fixtures import Workers, kind_params
from shared.harness.worker import ModelWorker
from shared.scenarios import processes, switching

#: the spawn variants of every kind that runs the scenarios, at each of the variant's sizes,
#: with the variant each records: the kind's own, or the spawn mechanism where it is not the
#: model's default (thread-pool, process)
SPAWN_CASES = [
    pytest.param(
        kind,
        mech,
        kind.variant if mech == kind.facts.spawn_variants[0] else mech,
        n,
        id=(kind.id if mech == kind.facts.spawn_variants[0] else mech) + f"-n{n}",
    )
    for kind in spec.RUNNERS
    for mech in kind.facts.spawn_variants
    for n in switching.spawn_sizes(mech)
]
#: every kind's Event ping-pong between its own tasks, then each model's others (thread:
#: between two processes), recorded under that variant; the id is the round-robin case's
SWITCH_PARAMS = [pytest.param(kind, None, kind.variant, id=kind.id) for kind in spec.RUNNERS] + [
    pytest.param(kind, other, other, id=f"{kind.id}-{other}")
    for kind in spec.DEFAULT_KINDS
    for other in kind.facts.ping_pongs
]
SWITCH_NOTES = {
    "processes": (
        "two processes started from a fork server before the timing starts, handing off "
        "through multiprocessing.Event (a lock and a semaphore in shared memory): no GIL "
        "between them, every handoff through the kernel"
    )
}
RAW_CASES = [
    pytest.param(kind, raw, id=raw) for kind in spec.DEFAULT_KINDS for raw in kind.facts.raw_kinds
]


def _per_op(timed: timing.Timed, ops: int, scale: float) -> dict[str, float | None]:
    """``value`` (median round / ops) and, beside it, ``best_value`` (fastest round / ops: the
    least disturbed on a busy machine) and ``in_worker_value`` (the median in-worker
    ``perf_counter`` time / ops: no harness, no set-up), all times ``scale``."""
    inner = statistics.median(r["elapsed_s"] for r in timed.results) / ops * scale
    return {
        "value": None if timed.median_s is None else timed.median_s / ops * scale,
        "best_value": None if timed.min_s is None else timed.min_s / ops * scale,
        "in_worker_value": inner,
    }


#: round-robin cycles per group: every kind's round, in turn, this many times
RR_CYCLES, QUICK_RR_CYCLES = 8, 3


@dataclass(frozen=True)
class Case:
    """One row of a switching group: a kind, and what one of its rounds calls."""

    id: str
    kind: spec.WorkerKind
    fn: str
    kwargs: dict[str, Any]
    ops: int


@pytest.fixture(scope="session")
def round_robin() -> dict[str, dict[str, list[float]]]:
    """Round-robin seconds per round, by group and case id, measured once per group."""
    return {}


def _round_robin(
    cache: dict[str, dict[str, list[float]]],
    group: str,
    cases: list[Case],
    workers: Workers,
    quick: bool,
) -> dict[str, list[float]]:
    """Every case's rounds taken in turn (one round of each, then again), so that a slow
    spell of the machine hits them all alike; timed as pytest-benchmark times a round
    (perf_counter around the worker call). Measured once, by the group's first test."""
    if group not in cache:
        for case in cases:  # warm-up: imports, first allocations
            workers.get(case.kind).call(case.fn, **case.kwargs)
        times: dict[str, list[float]] = {case.id: [] for case in cases}
        for _ in range(QUICK_RR_CYCLES if quick else RR_CYCLES):
            for case in cases:
                worker = workers.get(case.kind)
                t0 = time.perf_counter()
                worker.call(case.fn, **case.kwargs)
                times[case.id].append(time.perf_counter() - t0)
        cache[group] = times
    return cache[group]


def _rr_figures(times: list[float], ops: int, scale: float) -> dict[str, Any]:
    """``value`` from the round-robin rounds (median), ``value_min``/``value_max`` their
    spread, per operation: where two rows' spreads overlap, neither is faster."""
    return {
        "value": statistics.median(times) / ops * scale,
        "value_min": min(times) / ops * scale,
        "value_max": max(times) / ops * scale,
        "rr_rounds": len(times),
    }


def _figures(
    benchmark: Any, timed: timing.Timed, ops: int, scale: float, rr: list[float] | None
) -> dict[str, Any]:
    """The row's figures: ``value`` and its spread from the group's round-robin rounds, the
    test's own rounds beside it (``own_value``, ``best_value``, ``in_worker_value``)."""
    figures: dict[str, Any] = _per_op(timed, ops, scale)
    figures["own_value"] = figures["value"]
    if rr is not None and not benchmark.disabled:
        figures.update(_rr_figures(rr, ops, scale))
    return figures


def _switch_cases(n: int) -> list[Case]:
    """Every kind's Event ping-pong of ``n`` handoffs, and the default kinds' other ways."""
    return [Case(k.id, k, "switching.ping_pong", {"n": n}, n) for k in spec.RUNNERS] + [
        Case(f"{k.id}-{other}", k, "switching.ping_pong", {"n": n, "variant": other}, n)
        for k in spec.DEFAULT_KINDS
        for other in k.facts.ping_pongs
    ]


def _yield_cases(n: int) -> list[Case]:
    return [Case(k.id, k, "switching.yield_loop", {"n": n}, n) for k in spec.RUNNERS]


def _spawn_cases(n: int) -> list[Case]:
    """The spawn variants measured at ``n``, every kind's."""
    return [
        Case(
            f"{kind.id}-{mech}",
            kind,
            "switching.spawn_join",
            {"n": n, "repeat": switching.repeat_for(n, mech), "variant": mech},
            n * switching.repeat_for(n, mech),
        )
        for kind in spec.RUNNERS
        for mech in kind.facts.spawn_variants
        if n in switching.spawn_sizes(mech)
    ]


def _rounds(quick: bool) -> int:
    return switching.rounds(switching.ROUNDS, quick)


def _skip_large_when_quick(n: int, quick: bool) -> None:
    if quick and n > switching.QUICK_MAX_N:
        pytest.skip(f"--quick measures n <= {switching.QUICK_MAX_N} only")


@pytest.mark.benchmark(group="switch_ns")
@pytest.mark.parametrize(("kind", "between", "variant"), SWITCH_PARAMS)
def test_switch_ns(
    benchmark: Any,
    workers: Workers,
    quick: bool,
    round_robin: dict[str, dict[str, list[float]]],
    kind: spec.WorkerKind,
    between: str | None,
    variant: str,
) -> None:
    n = switching.handoffs(quick)
    rr = None
    if not benchmark.disabled:
        case = kind.id if between is None else f"{kind.id}-{between}"
        rr = _round_robin(round_robin, "switch_ns", _switch_cases(n), workers, quick)[case]
    worker = workers.get(kind)
    timed = timing.time_calls(
        benchmark,
        worker,
        "switching.ping_pong",
        {"n": n, "variant": between},
        rounds=_rounds(quick),
    )
    assert timed.result["handoffs"] == n
    figures = _figures(benchmark, timed, n, 1e9, rr)
    timing.record(
        benchmark,
        model=kind.model,
        variant=variant,
        scenario="switching",
        metric="switch_ns",
        unit="ns",
        timed=timed,
        n=n,
        primitive=f"{kind.facts.event} ping-pong"
        + (f" between {between}, multiprocessing.Event" if between else ""),
        note=SWITCH_NOTES.get(between),
        **figures,
    )


@pytest.mark.benchmark(group="yield_ns")
@pytest.mark.parametrize("kind", kind_params(spec.RUNNERS))
def test_yield_ns(
    benchmark: Any,
    workers: Workers,
    quick: bool,
    round_robin: dict[str, dict[str, list[float]]],
    kind: spec.WorkerKind,
) -> None:
    n = switching.handoffs(quick)
    rr = None
    if not benchmark.disabled:
        rr = _round_robin(round_robin, "yield_ns", _yield_cases(n), workers, quick)[kind.id]
    worker = workers.get(kind)
    timed = timing.time_calls(
        benchmark,
        worker,
        "switching.yield_loop",
        {"n": n},
        rounds=_rounds(quick),
    )
    assert timed.result["yields"] == n
    figures = _figures(benchmark, timed, n, 1e9, rr)
    note = None
    if kind.facts.yield_variant is not None:
        note = (
            "time.sleep(0) releases the GIL and asks the OS to run another thread; it is not"
            " a handoff to a peer (see peer_switch_ratio)"
        )
    timing.record(
        benchmark,
        model=kind.model,
        variant=kind.facts.yield_variant or kind.variant,
        scenario="switching",
        metric="yield_ns",
        unit="ns",
        timed=timed,
        n=n,
        primitive=timed.result["call"],
        peer_switch_ratio=statistics.median(r["peer_switch_ratio"] for r in timed.results),
        **figures,
        note=note,
    )


@pytest.mark.benchmark(group="raw_switch_ns")
@pytest.mark.parametrize(("kind", "raw"), RAW_CASES)
def test_raw_switch_ns(
    benchmark: Any, workers: Workers, quick: bool, kind: spec.WorkerKind, raw: str
) -> None:
    n = switching.RAW_SWITCHES
    worker = workers.get(kind)
    timed = timing.time_calls(
        benchmark,
        worker,
        "switching.raw_switch",
        {"n": n, "kind": raw},
        rounds=_rounds(quick),
    )
    assert timed.result["transfers"] == n
    figures = _per_op(timed, n, 1e9)
    timing.record(
        benchmark,
        model=kind.model,
        variant=raw,
        scenario="switching",
        metric="raw_switch_ns",
        unit="ns",
        timed=timed,
        n=n,
        **figures,
    )


@pytest.mark.parametrize(("kind", "spawn_variant", "variant", "n"), SPAWN_CASES)
def test_spawn_join_us(
    benchmark: Any,
    workers: Workers,
    quick: bool,
    round_robin: dict[str, dict[str, list[float]]],
    kind: spec.WorkerKind,
    spawn_variant: str,
    variant: str,
    n: int,
) -> None:
    _skip_large_when_quick(n, quick)
    benchmark.group = f"spawn_join_us n={n}"
    repeat = switching.repeat_for(n, spawn_variant)
    rr = None
    if not benchmark.disabled:
        times = _round_robin(round_robin, benchmark.group, _spawn_cases(n), workers, quick)
        rr = times[f"{kind.id}-{spawn_variant}"]
    worker = workers.get(kind)
    timed = timing.time_calls(
        benchmark,
        worker,
        "switching.spawn_join",
        {"n": n, "repeat": repeat, "variant": spawn_variant},
        rounds=switching.rounds(switching.SPAWN_ROUNDS, quick),
    )
    assert timed.result["tasks"] == n * repeat
    figures = _figures(benchmark, timed, n * repeat, 1e6, rr)
    timing.record(
        benchmark,
        model=kind.model,
        variant=variant,
        scenario="switching",
        metric="spawn_join_us",
        unit="us",
        timed=timed,
        n=n,
        repeat=repeat,
        mechanism=spawn_variant,
        pool_workers=switching.POOL_WORKERS if spawn_variant == "thread-pool" else None,
        start_method=processes.START_METHOD if spawn_variant == "process" else None,
        **figures,
    )


def _rss(benchmark: Any, quick: bool, n: int, kind: spec.WorkerKind) -> None:
    _skip_large_when_quick(n, quick)
    timed = timing.time_fresh_calls(
        benchmark,
        lambda: ModelWorker(kind.model, **kind.options).start(),
        "switching.parked_rss",
        {"n": n},
        rounds=switching.rounds(switching.RSS_ROUNDS[n], quick),
    )
    figures = [r["kib_per_task"] for r in timed.results]
    refused = [r["note"] for r in timed.results if r["kib_per_task"] is None]
    assert all(r["n"] == n for r in timed.results)
    timing.record(
        benchmark,
        model=kind.model,
        variant=kind.variant,
        scenario="switching",
        metric="rss_kib_per_task",
        value=None if refused else statistics.median(figures),
        unit="KiB",
        timed=None if refused else timed,  # a refusal's round is a trivial call, not a figure
        n=n,
        rounds_kib=figures,
        warm_tasks=switching.WARM_TASKS,
        stack_virtual_kib=timed.result.get("stack_virtual_kib"),
        note=refused[0] if refused else None,
    )


@pytest.mark.benchmark(group="rss_kib_per_task n=1000")
@pytest.mark.parametrize("kind", kind_params(spec.DEFAULT_KINDS))
def test_rss_kib_per_task_1000(benchmark: Any, quick: bool, kind: spec.WorkerKind) -> None:
    _rss(benchmark, quick, 1_000, kind)


@pytest.mark.benchmark(group="rss_kib_per_task n=10000")
@pytest.mark.parametrize("kind", kind_params(spec.DEFAULT_KINDS))
def test_rss_kib_per_task_10000(benchmark: Any, quick: bool, kind: spec.WorkerKind) -> None:
    _rss(benchmark, quick, 10_000, kind)


@pytest.mark.benchmark(group="rss_kib_per_task n=100000")
@pytest.mark.parametrize("kind", kind_params(spec.DEFAULT_KINDS))
def test_rss_kib_per_task_100000(benchmark: Any, quick: bool, kind: spec.WorkerKind) -> None:
    _rss(benchmark, quick, 100_000, kind)
