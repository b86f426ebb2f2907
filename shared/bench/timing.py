"""The benchmark harness: one way to time a model's code and record what it means.

Every benchmark, whatever the model, times ``ModelWorker.call`` with pytest-benchmark's
``pedantic`` (fixed rounds, warm-up), so every model pays the same harness cost. That cost
(a no-op call's round trip) is measured once per worker and recorded beside each result as
``harness_overhead`` = round trip / median round: a round must be long enough to keep it
under 1 %.

``record`` fills ``extra_info`` with the fields the report and outside tools read
(:data:`REQUIRED_FIELDS`: ``model``, ``variant``, ``client``, ``scenario``, ``metric``,
``value``, ``unit``; then the parameters, the harness's overhead, the versions and the machine;
docs/design.md shows where they go). Versions come from package metadata: the pytest process
never imports gevent.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.bench import machine
from shared.harness.worker import ModelWorker

#: a round must be at least this many no-op round trips long (harness overhead < 1 %)
MIN_ROUND_OVER_ROUNDTRIP = 100

REQUIRED_FIELDS = ("model", "variant", "client", "scenario", "metric", "value", "unit")


_ROUNDTRIP: dict[int, float] = {}


def roundtrip_s(worker: ModelWorker) -> float:
    """The worker's no-op round trip (median), measured once per worker process."""
    pid = worker.pid
    assert pid is not None, "worker not started"
    if pid not in _ROUNDTRIP:
        _ROUNDTRIP[pid] = worker.noop_roundtrip_s(samples=200)
    return _ROUNDTRIP[pid]


@dataclass(frozen=True)
class Timed:
    #: what the last timed call returned
    result: Any
    #: median seconds per round, or None when timing is off (--benchmark-disable)
    median_s: float | None
    #: the worker's no-op round trip in seconds
    roundtrip_s: float
    #: what each timed round's call returned, in order (one element under --benchmark-disable)
    results: tuple[Any, ...] = ()
    #: the fastest round in seconds (the least disturbed one on a busy machine), or None
    min_s: float | None = None

    @property
    def overhead(self) -> float | None:
        return None if not self.median_s else self.roundtrip_s / self.median_s


def time_calls(
    benchmark: Any,
    worker: ModelWorker,
    fn: str,
    kwargs: dict[str, Any],
    *,
    rounds: int,
    warmup_rounds: int = 1,
    before_each: Callable[[], None] | None = None,
) -> Timed:
    """Time ``worker.call(fn, **kwargs)``: ``rounds`` rounds of one call each, after warm-up.

    ``before_each`` runs untimed before every round (warm-up rounds too), e.g. a baseline
    measured right before each round so that the two meet the same machine.
    """
    rt = roundtrip_s(worker)
    box: list[Any] = []

    def target() -> None:
        box.append(worker.call(fn, **kwargs))

    benchmark.pedantic(
        target, setup=before_each, rounds=rounds, warmup_rounds=warmup_rounds, iterations=1
    )
    return Timed(
        box[-1],
        round_stat(benchmark, "median"),
        rt,
        tuple(box[-rounds:]),
        round_stat(benchmark, "min"),
    )


def time_fresh_calls(
    benchmark: Any,
    start: Callable[[], ModelWorker],
    fn: str,
    kwargs: dict[str, Any],
    *,
    rounds: int,
    warmup_rounds: int = 0,
) -> Timed:
    """Like :func:`time_calls`, but every round runs in a worker of its own.

    ``start()`` returns a started worker before each round; it is closed after the round.
    Both happen outside the timing. For what a used process would falsify: a second RSS
    reading in the same process reuses memory the first round freed. ``roundtrip_s`` is the
    median of the workers' no-op round trips.
    """
    box: list[Any] = []
    trips: list[float] = []
    live: list[ModelWorker] = []

    def setup() -> None:
        live.append(start())
        trips.append(roundtrip_s(live[-1]))

    def target() -> None:
        box.append(live[-1].call(fn, **kwargs))

    def teardown() -> None:
        live.pop().close()

    try:
        benchmark.pedantic(
            target,
            setup=setup,
            teardown=teardown,
            rounds=rounds,
            warmup_rounds=warmup_rounds,
            iterations=1,
        )
    finally:
        for w in live:  # under --benchmark-disable, pedantic calls no teardown
            w.close()
    median_rt = statistics.median(trips)
    return Timed(
        box[-1],
        round_stat(benchmark, "median"),
        median_rt,
        tuple(box[-rounds:]),
        round_stat(benchmark, "min"),
    )


def round_stat(benchmark: Any, name: str) -> float | None:
    """A statistic of the timed rounds, or None when timing is off (--benchmark-disable)."""
    stats = getattr(benchmark, "stats", None)
    return getattr(stats.stats, name) if stats is not None else None


def round_times(benchmark: Any) -> list[float]:
    """Seconds of each timed round, in order; empty when timing is off (--benchmark-disable)."""
    stats = getattr(benchmark, "stats", None)
    return list(stats.stats.data) if stats is not None else []


def record(
    benchmark: Any,
    *,
    model: str,
    variant: str,
    scenario: str,
    metric: str,
    value: float | None,
    unit: str,
    client: str | None = None,
    timed: Timed | None = None,
    **params: Any,
) -> dict[str, Any]:
    """Fill ``benchmark.extra_info`` with the fields every result carries; return it.

    ``value`` is the per-operation figure a reader wants (ns/switch, req/s, KiB/task), or
    None when it could not be measured (say why in ``params["note"]``).
    """
    info = benchmark.extra_info
    info.update(
        model=model,
        variant=variant,
        client=client,
        scenario=scenario,
        metric=metric,
        value=value,
        unit=unit,
        **params,
    )
    if timed is not None:
        info["round_median_s"] = timed.median_s
        info["round_min_s"] = timed.min_s
        info["harness_roundtrip_s"] = timed.roundtrip_s
        info["harness_overhead"] = timed.overhead
    info["versions"] = machine.versions()
    info["machine"] = machine.facts()
    return info
