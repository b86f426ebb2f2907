"""CPU-bound work in every model: the same results, no speed-up, and who can interrupt it.

The work function lives once in ``shared/scenarios/cpu.py``; each model's ``cpu.py`` only
schedules it.
Timing claims use generous ratios: the machine is small and shared.
"""

from __future__ import annotations

import itertools
import statistics

import pytest

from shared import spec
from shared.bench.stats import percentile
from shared.harness.fixtures import Workers, kind_params
from shared.scenarios import cpu

CHUNK_S = 0.060
INTERVAL_S = 0.010


@pytest.fixture(scope="module")
def chunk_n() -> int:
    return cpu.calibrate(CHUNK_S)


def test_work_is_deterministic_and_depends_on_n() -> None:
    assert cpu.work(1000) == cpu.work(1000)
    assert cpu.work(1000) != cpu.work(1001)
    assert cpu.serial(3, 500) == [cpu.work(500)] * 3


def test_calibrate_scales_with_the_target() -> None:
    short, long = cpu.calibrate(0.005), cpu.calibrate(0.05)
    assert 3 < long / short < 30


def test_lags_measure_lateness_from_the_previous_wake() -> None:
    wakes = [0.0, 0.010, 0.025, 0.0349999]
    assert cpu.lags(wakes, 0.010) == pytest.approx([0.0, 0.005, 0.0])
    stats = cpu.lag_stats(wakes, 0.010)
    assert stats["beats"] == 3
    assert stats["max_ms"] == pytest.approx(5.0)
    with pytest.raises(ValueError, match="never woke"):
        cpu.lag_stats([1.0], 0.010)


@pytest.mark.parametrize("kind", kind_params(spec.RUNNERS))
def test_spread_computes_the_serial_checksums(workers: Workers, kind: spec.WorkerKind) -> None:
    w = workers.get(kind)
    assert w.call("cpu.spread", chunks=5, n=20_000) == cpu.serial(5, 20_000)


@pytest.mark.parametrize("kind", kind_params(spec.RUNNERS))
def test_spreading_cpu_work_over_tasks_is_no_faster_than_serial(
    workers: Workers, kind: spec.WorkerKind, chunk_n: int
) -> None:
    w = workers.get(kind)
    args = {"chunks": 3, "n": chunk_n // 2}
    serial_s, spread_s = [], []
    for _ in range(3):  # interleaved, best of 3: the machine is shared
        serial_s.append(w.request("shared.scenarios.cpu.serial", args).elapsed_s)
        spread_s.append(w.request("cpu.spread", args).elapsed_s)
    # one interpreter, one GIL: tasks only take turns
    assert min(spread_s) > 0.7 * min(serial_s)


def heartbeat(workers: Workers, kind: spec.WorkerKind, n: int, chunks: int = 5) -> dict:
    w = workers.get(kind)
    beat = w.call("cpu.heartbeat", chunks=chunks, n=n, interval_s=INTERVAL_S)
    assert beat["checksums"] == [cpu.work(n)] * chunks
    return cpu.lag_stats(beat["wakes"], INTERVAL_S)


@pytest.mark.parametrize("kind", kind_params(spec.RUNNERS))
def test_heartbeat_sleeps_between_beats_and_its_lag_is_measured(
    workers: Workers, kind: spec.WorkerKind
) -> None:
    w = workers.get(kind)
    beat = w.call("cpu.heartbeat", chunks=3, n=1000, interval_s=INTERVAL_S)
    assert beat["checksums"] == [cpu.work(1000)] * 3
    wakes = beat["wakes"]
    assert len(wakes) >= 2
    assert wakes == sorted(wakes)
    # each wake comes after a real sleep of about the interval, not a spin (lags() counts an
    # early wake as no lag, so it cannot tell); half: a loop's cached clock may fire early
    gaps = [b - a for a, b in itertools.pairwise(wakes)]
    assert statistics.median(gaps) >= 0.5 * INTERVAL_S
    assert cpu.lag_stats(wakes, INTERVAL_S)["beats"] == len(gaps)


@pytest.mark.parametrize("kind", kind_params(k for k in spec.RUNNERS if k.model != "thread"))
def test_a_loop_or_hub_stalls_for_a_whole_chunk(
    workers: Workers, kind: spec.WorkerKind, chunk_n: int
) -> None:
    w = workers.get(kind)
    # what a chunk takes in this worker now, not what calibrating aimed at: this machine's
    # speed drifts (a CI run once timed the "60 ms" chunk at under 40 ms)
    chunk_ms = 1000 * min(
        w.request("shared.scenarios.cpu.work", {"n": chunk_n}).elapsed_s for _ in range(2)
    )
    stats = heartbeat(workers, kind, chunk_n)
    # the timer fires while a chunk runs; nobody can take the CPU back before it ends: the
    # wake comes about a chunk minus one interval late (within a chunk if it could preempt)
    assert stats["max_ms"] >= 0.6 * (chunk_ms - INTERVAL_S * 1000)


def test_threads_are_preempted_within_a_chunk(workers: Workers, chunk_n: int) -> None:
    w = workers.get("thread")
    chunks = 5
    beat = w.call("cpu.heartbeat", chunks=chunks, n=chunk_n, interval_s=INTERVAL_S)
    assert beat["checksums"] == [cpu.work(chunk_n)] * chunks
    lags_ms = [x * 1000 for x in cpu.lags(beat["wakes"], INTERVAL_S)]
    # the interpreter takes the GIL back every switch interval (5 ms), not once per chunk;
    # p90, not max: on a shared machine the OS may hold any thread back now and then
    assert percentile(lags_ms, 50) < 0.5 * CHUNK_S * 1000
    assert percentile(lags_ms, 90) < CHUNK_S * 1000
