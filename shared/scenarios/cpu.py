"""CPU-bound work, the tutorial's other half (docs/tutorial.md): coroutines are for I/O; for
computation, serial is as good or better.

The work is one pure-Python function, :func:`work`, that never blocks on I/O and never
yields: it holds the interpreter (and the GIL) from start to end. Every model runs the very
same function (``impls/<model>_impl/cpu.py``); this module owns it, the serial baseline,
the calibration and the arithmetic on heartbeat wake times, so the model files hold only
scheduling (docs/design.md: how a scenario is split).

Two experiments, one file per model:

- ``spread(chunks, n)``: the batch ``[work(n)] * chunks`` spread over ``chunks`` tasks
  (greenlets, asyncio tasks, threads). Compare its wall time with :func:`serial`: no model
  makes pure-Python work faster; switching only adds cost.
- ``heartbeat(chunks, n, interval_s)``: one task wants to wake every ``interval_s`` while
  another runs the chunks. A hub or an event loop cannot take the CPU back from a chunk, so
  a wake-up waits for the whole chunk; the interpreter preempts a thread every
  ``sys.getswitchinterval()`` seconds (5 ms by default).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from shared.bench.stats import percentile

#: the heartbeat's period and the length of one CPU chunk in the heartbeat experiment
HEARTBEAT_INTERVAL_S = 0.010
CHUNK_S = 0.050

_MASK = 0x7FFF_FFFF


def work(n: int) -> int:
    """``n`` steps of a linear congruential generator; returns a checksum of the steps.

    Pure Python: no I/O, no call that releases the GIL or yields to a scheduler.
    """
    x = n & _MASK
    acc = 0
    for _ in range(n):
        x = (x * 1_103_515_245 + 12_345) & _MASK
        acc ^= x
    return acc


def serial(chunks: int, n: int) -> list[int]:
    """The baseline: the same batch, one chunk after the other, no tasks at all."""
    return [work(n) for _ in range(chunks)]


def calibrate(seconds: float, *, probe_n: int = 100_000, samples: int = 5) -> int:
    """The ``n`` for which :func:`work` takes about ``seconds`` in this interpreter (the best
    of a few samples: on a shared machine the others are the noise)."""
    best = math.inf
    for _ in range(samples):
        t0 = time.perf_counter()
        work(probe_n)
        best = min(best, time.perf_counter() - t0)
    return max(1, round(probe_n * seconds / best))


def now() -> float:
    """The clock every model's heartbeat reads (monotonic, sub-microsecond)."""
    return time.perf_counter()


def lags(wakes: Sequence[float], interval_s: float) -> list[float]:
    """Seconds each wake-up came late: ``wakes[i] - (wakes[i-1] + interval_s)``.

    ``wakes[0]`` is when the heartbeat started; each later entry is a wake-up after a sleep
    of ``interval_s`` begun at the previous one. A timer may fire a few microseconds early by
    the loop's cached clock: that is no lag, so it counts as 0.
    """
    return [max(0.0, b - a - interval_s) for a, b in zip(wakes, wakes[1:], strict=False)]


def lag_stats(wakes: Sequence[float], interval_s: float) -> dict[str, Any]:
    """``beats``, ``p50_ms``, ``p99_ms``, ``max_ms`` of the heartbeat's lateness."""
    ls = lags(wakes, interval_s)
    if not ls:
        raise ValueError("the heartbeat never woke: no lag to measure")
    return {
        "beats": len(ls),
        "p50_ms": percentile(ls, 50) * 1000,
        "p99_ms": percentile(ls, 99) * 1000,
        "max_ms": max(ls) * 1000,
    }


# --- the demos (``python -m impls.<model>_impl.cpu``) -------------------------------------

#: chunks per batch in the demo by default, and the most it takes
DEMO_CHUNKS = 8
MAX_DEMO_CHUNKS = 100


def demo_args(model: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse ``python -m impls.<model>_impl.cpu [--chunks N]``."""
    parser = argparse.ArgumentParser(
        prog=f"python -m impls.{model}_impl.cpu",
        description=(
            f"CPU-bound work with the {model} model: a batch serial and spread over tasks, "
            "then a heartbeat's lag beside it."
        ),
    )
    parser.add_argument(
        "--chunks",
        type=int,
        default=DEMO_CHUNKS,
        help=f"chunks of ~{CHUNK_S * 1000:.0f} ms per batch (default %(default)s)",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.chunks <= MAX_DEMO_CHUNKS:
        parser.error(f"--chunks must be between 1 and {MAX_DEMO_CHUNKS}, got {args.chunks}")
    return args


def demo(
    model: str,
    args: argparse.Namespace,
    spread: Callable[[int, int], list[int]],
    heartbeat: Callable[[int, int, float], dict[str, Any]],
) -> None:
    """What ``python -m impls.<model>_impl.cpu`` prints: the same lines for every model."""
    chunks = args.chunks
    n = calibrate(CHUNK_S)
    t0 = now()
    expected = serial(chunks, n)
    serial_s = now() - t0
    t0 = now()
    got = spread(chunks, n)
    spread_s = now() - t0
    assert got == expected, "the spread batch computed something else"
    print(f"{model}: {chunks} chunks of ~{CHUNK_S * 1000:.0f} ms of pure-Python work")
    print(f"serial  {serial_s:.2f} s")
    print(f"spread  {spread_s:.2f} s  ({spread_s / serial_s:.2f} x serial)")
    beat = heartbeat(chunks, n, HEARTBEAT_INTERVAL_S)
    stats = lag_stats(beat["wakes"], HEARTBEAT_INTERVAL_S)
    print(
        f"heartbeat (every {HEARTBEAT_INTERVAL_S * 1000:.0f} ms): lag p50 {stats['p50_ms']:.1f} "
        f"ms, p99 {stats['p99_ms']:.1f} ms, max {stats['max_ms']:.1f} ms; "
        f"switch interval {sys.getswitchinterval() * 1000:g} ms"
    )
