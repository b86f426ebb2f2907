"""What every standalone switching process shares: its argument, the timing loop, RSS.

``switching_<model>.py`` import it (the gevent one only after ``monkey.patch_all()``) and
hand their primitives to :func:`run_jobs`. Plain ``time.perf_counter`` loops: nothing from
``impls/`` or ``shared/``, so the figures are a second, independent measurement.
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import psutil

clock = time.perf_counter

#: tasks parked before the first RSS reading, as in the benchmarks
WARM_TASKS = 100

#: ``{"value": median round / ops, "best": fastest round / ops}``, times the unit's scale
Figures = dict[str, float | None]


def timed(ops: int, scale: float, fn: Callable[..., object], *args: Any, rounds: int) -> Figures:
    """A warm-up call, then ``rounds`` timed calls of ``fn(*args)``, per operation."""
    fn(*args)
    times = []
    for _ in range(rounds):
        t0 = clock()
        fn(*args)
        times.append(clock() - t0)
    return {"value": statistics.median(times) / ops * scale, "best": min(times) / ops * scale}


def rss() -> int:
    """This process's resident memory, in bytes, after a full garbage collection."""
    gc.collect()
    return psutil.Process().memory_info().rss


def kib_per_parked_task(park: Callable[[int], None], n: int) -> float:
    """RSS growth per task, in KiB, as ``park(n)`` parks ``n`` more after ``WARM_TASKS``
    parked first (they absorb one-off costs). The caller releases them all afterwards."""
    park(WARM_TASKS)
    before = rss()
    park(n)
    return (rss() - before) / n / 1024


def args() -> dict[str, Any]:
    """The parent's one argument, JSON: ``{"jobs": [...]}`` and the model's settings."""
    return json.loads(sys.argv[1])


def run_jobs(
    jobs: list[dict[str, Any]],
    *,
    switch: Callable[[int], None],
    yields: Callable[[int], None],
    raw: Callable[[str, int], None] | None,
    spawn: Callable[[int, int, str], None],
    parked: Callable[[int], float],
) -> None:
    """Measure each job; print the figures by job key, as one JSON line."""
    out: dict[str, Figures] = {}
    for job in jobs:
        metric, n, rounds = job["metric"], job["n"], job["rounds"]
        if metric == "switch_ns":
            out[job["key"]] = timed(n, 1e9, switch, n, rounds=rounds)
        elif metric == "yield_ns":
            out[job["key"]] = timed(n, 1e9, yields, n, rounds=rounds)
        elif metric == "raw_switch_ns" and raw is not None:
            out[job["key"]] = timed(n, 1e9, raw, job["kind"], n, rounds=rounds)
        elif metric == "spawn_join_us":
            ops = n * job["repeat"]
            out[job["key"]] = timed(ops, 1e6, spawn, n, job["repeat"], job["kind"], rounds=rounds)
        elif metric == "rss_kib_per_task":
            out[job["key"]] = {"value": parked(n), "best": None}
        else:
            raise ValueError(f"this process cannot measure {job['key']!r}")
    print(json.dumps(out))
