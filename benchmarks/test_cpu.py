"""CPU-bound work: coroutines are for I/O; for computation, serial is as good or better.

Two scenarios, the same pure-Python chunks (``shared.scenarios.cpu.work``) in every model:

- ``cpu_wall_s``: a fixed batch of chunks run serially, and spread over one task per chunk
  (greenlets, asyncio tasks, threads). ``ratio_to_serial`` is the median over rounds of one
  spread round against the serial batch run right before it in the same worker (pairs close
  in time: this machine's speed drifts over seconds; ``ratio_min``/``ratio_max`` beside). The
  serial row itself is recorded as model ``thread``, variant ``serial`` (as in eat/play: the
  plain interpreter, no tasks).
- ``heartbeat_lag_ms``: a task that wants to wake every 10 ms beside one running 50 ms
  chunks. ``value`` is the p99 lag; ``max_ms`` and ``p99_ms`` beside it. A hub or an event
  loop waits for the chunk; threads are preempted every ``sys.getswitchinterval()``
  (``switch_interval_s``).

Chunk sizes are calibrated once in the pytest process (pure Python runs at the same speed
in every worker), so every model gets exactly the same work.
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any

import pytest

from shared import spec
from shared.bench.timing import record, round_times, time_calls
from shared.harness.fixtures import Workers, kind_params
from shared.scenarios import cpu

#: chunks per batch and seconds per chunk for the batch; the heartbeat uses cpu.CHUNK_S
CHUNKS, QUICK_CHUNKS = 8, 4
BATCH_CHUNK_S, QUICK_BATCH_CHUNK_S = 0.050, 0.010
BEAT_CHUNKS, QUICK_BEAT_CHUNKS = 10, 4
ROUNDS, QUICK_ROUNDS = 5, 3


@pytest.fixture(scope="module")
def beat_n() -> int:
    """Iterations of ``cpu.work`` for one ``cpu.CHUNK_S`` chunk, calibrated once."""
    return cpu.calibrate(cpu.CHUNK_S)


@pytest.fixture(scope="module")
def batch(quick: bool, beat_n: int) -> dict[str, int]:
    chunk_s = QUICK_BATCH_CHUNK_S if quick else BATCH_CHUNK_S
    return {"chunks": QUICK_CHUNKS if quick else CHUNKS, "n": round(beat_n * chunk_s / cpu.CHUNK_S)}


def test_cpu_serial(
    benchmark: Any,
    workers: Workers,
    quick: bool,
    batch: dict[str, int],
) -> None:
    """The baseline: the batch, one chunk after the other, no tasks."""
    benchmark.group = "cpu batch"
    w = workers.get("thread")
    rounds = QUICK_ROUNDS if quick else ROUNDS
    timed = time_calls(benchmark, w, "shared.scenarios.cpu.serial", batch, rounds=rounds)
    assert timed.result == cpu.serial(1, batch["n"]) * batch["chunks"]
    record(
        benchmark,
        model="thread",
        variant="serial",
        scenario="cpu",
        metric="cpu_wall_s",
        value=timed.median_s,
        unit="s",
        timed=timed,
        ratio_to_serial=1.0 if timed.median_s else None,
        chunk_s=BATCH_CHUNK_S if not quick else QUICK_BATCH_CHUNK_S,
        switch_interval_s=sys.getswitchinterval(),
        **batch,
    )


@pytest.mark.parametrize("kind", kind_params(spec.RUNNERS))
def test_cpu_spread(
    benchmark: Any,
    workers: Workers,
    quick: bool,
    batch: dict[str, int],
    kind: spec.WorkerKind,
) -> None:
    """The batch over one task per chunk, against the serial batch in the same worker."""
    benchmark.group = "cpu batch"
    w = workers.get(kind)
    rounds = QUICK_ROUNDS if quick else ROUNDS
    serial_s: list[float] = []

    def serial_first() -> None:
        # the serial batch right before each spread round, in the same worker: the two
        # halves of a pair meet the same machine, which on a shared one changes by the second
        t0 = time.perf_counter()
        w.call("shared.scenarios.cpu.serial", **batch)
        serial_s.append(time.perf_counter() - t0)

    timed = time_calls(benchmark, w, "cpu.spread", batch, rounds=rounds, before_each=serial_first)
    assert timed.result == cpu.serial(1, batch["n"]) * batch["chunks"]
    spread_s = round_times(benchmark)
    # the last ones: one per timed round (the first came before the warm-up round)
    paired = serial_s[len(serial_s) - len(spread_s) :]
    ratios = [sp / se for sp, se in zip(spread_s, paired, strict=True)]
    record(
        benchmark,
        model=kind.model,
        variant=kind.variant,
        scenario="cpu",
        metric="cpu_wall_s",
        value=timed.median_s,
        unit="s",
        timed=timed,
        ratio_to_serial=statistics.median(ratios) if ratios else None,
        ratio_min=min(ratios) if ratios else None,
        ratio_max=max(ratios) if ratios else None,
        serial_s=statistics.median(paired or serial_s),  # all there is with timing off
        chunk_s=BATCH_CHUNK_S if not quick else QUICK_BATCH_CHUNK_S,
        switch_interval_s=sys.getswitchinterval(),
        **batch,
    )


@pytest.mark.parametrize("kind", kind_params(spec.RUNNERS))
def test_cpu_heartbeat(
    benchmark: Any,
    workers: Workers,
    quick: bool,
    beat_n: int,
    kind: spec.WorkerKind,
) -> None:
    """How late a 10 ms heartbeat wakes while another task runs 50 ms chunks."""
    benchmark.group = "cpu heartbeat"
    w = workers.get(kind)
    chunks = QUICK_BEAT_CHUNKS if quick else BEAT_CHUNKS
    args = {"chunks": chunks, "n": beat_n, "interval_s": cpu.HEARTBEAT_INTERVAL_S}
    # what one chunk really takes in this worker now (the calibration aimed at cpu.CHUNK_S)
    chunk_s = w.request("shared.scenarios.cpu.work", {"n": beat_n}).elapsed_s
    timed = time_calls(benchmark, w, "cpu.heartbeat", args, rounds=1)
    assert timed.result["checksums"] == [cpu.work(beat_n)] * chunks
    lag = cpu.lag_stats(timed.result["wakes"], cpu.HEARTBEAT_INTERVAL_S)
    record(
        benchmark,
        model=kind.model,
        variant=kind.variant,
        scenario="cpu",
        metric="heartbeat_lag_ms",
        value=lag["p99_ms"],
        unit="ms",
        timed=timed,
        interval_ms=cpu.HEARTBEAT_INTERVAL_S * 1000,
        chunk_ms=cpu.CHUNK_S * 1000,
        chunk_ms_measured=chunk_s * 1000,
        chunks=chunks,
        n=beat_n,
        switch_interval_s=sys.getswitchinterval(),
        **lag,
    )
