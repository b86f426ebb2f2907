"""The benchmark harness's additions: fresh-worker rounds, per-round results, the summary."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.bench import timing
from shared.harness.worker import ModelWorker


class FakeBenchmark:
    """Runs pedantic's rounds the way pytest-benchmark does, without timing them."""

    name = "test_fake"
    group = "fake"
    stats = None

    def __init__(self) -> None:
        self.extra_info: dict[str, Any] = {}

    def pedantic(
        self,
        target: Callable[[], None],
        *,
        setup: Callable[[], None] | None = None,
        teardown: Callable[[], None] | None = None,
        rounds: int,
        warmup_rounds: int,
        iterations: int,
    ) -> None:
        assert iterations == 1
        for _ in range(warmup_rounds + rounds):
            if setup:
                setup()
            target()
            if teardown:
                teardown()


def test_time_fresh_calls_runs_every_round_in_a_new_worker() -> None:
    started: list[ModelWorker] = []

    def start() -> ModelWorker:
        started.append(ModelWorker("thread").start())
        return started[-1]

    timed = timing.time_fresh_calls(
        FakeBenchmark(), start, "shared.harness.introspect.state", {}, rounds=2, warmup_rounds=1
    )
    assert len(started) == 3
    assert [r["pid"] for r in timed.results] == [w.pid for w in started[1:]]
    assert timed.result == timed.results[-1]
    assert timed.median_s is None
    assert timed.overhead is None
    assert timed.roundtrip_s > 0
    assert not any(w.alive() for w in started)


def test_time_calls_keeps_every_timed_rounds_result() -> None:
    with ModelWorker("thread") as w:
        timed = timing.time_calls(
            FakeBenchmark(),
            w,
            "shared.harness.introspect.echo",
            {"a": 1},
            rounds=3,
            warmup_rounds=2,
        )
    assert timed.results == ({"a": 1},) * 3
