"""The tutorial's claims, each judged from this run's figures: holds, does not hold, not measured.

The tutorial the project grew from makes five claims that a benchmark can check (a coroutine
switch is cheap, eat/play overlaps, a raw greenlet and unpatched gevent block, CPU-bound work
gains nothing). :func:`claims` gives each a verdict and the figures it rests on, with the
threshold it was judged by (shared.report.metrics)::

    Claim("eat/play run concurrently takes 2 s, not the serial 3 s", "holds",
          "gevent 0.201 s (0.67), ... vs serial 0.300 s; concurrent must be 0.54-0.80 x serial")

A verdict over several parameter sets fails when any of them fails.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from shared.report import behaviour, scale
from shared.report.fmt import fmt_num, fmt_params, fmt_ratio, fmt_value
from shared.report.groups import (
    Group,
    eatplay_rows,
    eatplay_serial,
    groups,
    is_serial,
    ratio_to_serial,
    wall_ratio,
)
from shared.report.metrics import (
    BLOCKED_MIN_RATIO,
    CONCURRENT_RATIO_TOLERANCE,
    CPU_NO_GAIN_MIN_RATIO,
    EXPECTED_CONCURRENT_RATIO,
    FAILS,
    HOLDS,
    NOT_MEASURED,
    SWITCH_ADVANTAGE_MIN,
)
from shared.report.results import Results

#: eat/play variants that should overlap eat and play (2 s) against the serial baseline (3 s)
EATPLAY_CONCURRENT = (
    ("gevent", "patched"),
    ("gevent", "gevent-sleep"),
    ("asyncio", "asyncio"),
    ("asyncio", "uvloop"),
    ("thread", "threads"),
)
COROUTINE_MODELS = ("gevent", "asyncio")


@dataclass(frozen=True)
class Claim:
    claim: str
    verdict: str
    evidence: str


def _combine(parts: list[tuple[str, str]], groups_: list[Group]) -> tuple[str, str]:
    """Verdict over several parameter sets: any failure fails, all holding holds."""
    measured = [(v, e, g) for (v, e), g in zip(parts, groups_, strict=True) if v != NOT_MEASURED]
    if not measured:
        return NOT_MEASURED, parts[0][1] if parts else "no figures in this run"
    verdict = FAILS if any(v == FAILS for v, _, _ in measured) else HOLDS
    if len(measured) == 1:
        return verdict, measured[0][1]
    return verdict, "; ".join(f"{fmt_params(g.params) or 'default'}: {e}" for _, e, g in measured)


def _claim_over(
    results: Results, metric: str, judge: Callable[[Group], tuple[str, str]]
) -> tuple[str, str]:
    gs = groups(results, metric)
    if not gs:
        return NOT_MEASURED, f"no {metric} results in this run"
    return _combine([judge(g) for g in gs], gs)


def _switch_claim(g: Group) -> tuple[str, str]:
    labels = g.labels()
    threads = [r for r in g.measured if r.model == "thread"]
    coros = [r for r in g.measured if r.model in COROUTINE_MODELS]
    if not threads or not coros:
        return NOT_MEASURED, "needs switch_ns for thread and for gevent or asyncio"
    thread = min(threads, key=lambda r: r.value)  # type: ignore[arg-type,return-value]
    worst = max(coros, key=lambda r: r.value)  # type: ignore[arg-type,return-value]
    advantage = thread.value / worst.value if worst.value else math.inf  # type: ignore[operator]
    figures = ", ".join(f"{labels[id(r)]} {fmt_value(r.value, 'ns')}" for r in coros)
    evidence = (
        f"{figures} vs {labels[id(thread)]} {fmt_value(thread.value, 'ns')} per switch: "
        f"the dearest coroutine is {fmt_ratio(advantage)} cheaper "
        f"(needs >= {SWITCH_ADVANTAGE_MIN}x)"
    )
    return (HOLDS if advantage >= SWITCH_ADVANTAGE_MIN else FAILS), evidence


def _concurrent_ok(ratio: float) -> bool:
    return abs(ratio - EXPECTED_CONCURRENT_RATIO) <= CONCURRENT_RATIO_TOLERANCE


def _eatplay_claim(g: Group) -> tuple[str, str]:
    labels = g.labels()
    serial = eatplay_serial(g)
    conc = eatplay_rows(g, EATPLAY_CONCURRENT)
    if serial is None or not conc:
        return NOT_MEASURED, "needs wall_s of thread/serial and of a concurrent variant"
    ratios = [(r, wall_ratio(g, r)) for r in conc]
    if any(x is None for _, x in ratios):
        return NOT_MEASURED, f"serial wall_s is {fmt_num(serial.value)} s: no ratio"
    ok = all(_concurrent_ok(x) for _, x in ratios)  # type: ignore[arg-type]
    figures = ", ".join(f"{labels[id(r)]} {fmt_num(r.value)} s ({x:.2f})" for r, x in ratios)
    lo = EXPECTED_CONCURRENT_RATIO - CONCURRENT_RATIO_TOLERANCE
    hi = EXPECTED_CONCURRENT_RATIO + CONCURRENT_RATIO_TOLERANCE
    evidence = (
        f"{figures} vs serial {fmt_num(serial.value)} s; concurrent must be "
        f"{lo:.2f}-{hi:.2f} x serial (2 s / 3 s = {EXPECTED_CONCURRENT_RATIO:.2f})"
    )
    return (HOLDS if ok else FAILS), evidence


def _blocked_claim(model: str, variant: str) -> Callable[[Group], tuple[str, str]]:
    def judge(g: Group) -> tuple[str, str]:
        serial = eatplay_serial(g)
        rows = eatplay_rows(g, [(model, variant)])
        if serial is None or not rows:
            return NOT_MEASURED, f"needs wall_s of {model}/{variant} and thread/serial"
        r = rows[0]
        ratio = wall_ratio(g, r)
        if ratio is None:
            return NOT_MEASURED, f"serial wall_s is {fmt_num(serial.value)} s: no ratio"
        evidence = (
            f"{model}/{variant} {fmt_num(r.value)} s vs serial {fmt_num(serial.value)} s "
            f"= {ratio:.2f} x serial (blocked means >= {BLOCKED_MIN_RATIO})"
        )
        return (HOLDS if ratio >= BLOCKED_MIN_RATIO else FAILS), evidence

    return judge


def _cpu_claim(g: Group) -> tuple[str, str]:
    labels = g.labels()
    rows = [(r, ratio_to_serial(g, r)) for r in g.measured if not is_serial(r)]
    rows = [(r, x) for r, x in rows if x is not None]
    if not rows:
        return NOT_MEASURED, "needs cpu_wall_s with ratio_to_serial (or a serial row)"
    ok = all(x >= CPU_NO_GAIN_MIN_RATIO for _, x in rows)
    figures = ", ".join(f"{labels[id(r)]} {x:.2f}" for r, x in rows)
    evidence = (
        f"wall time / serial: {figures} (no gain means >= {CPU_NO_GAIN_MIN_RATIO} for every model)"
    )
    return (HOLDS if ok else FAILS), evidence


def claims(results: Results) -> list[Claim]:
    """The tutorial's claims, each with a verdict and the figures it rests on."""
    spec_ = [
        (
            "A coroutine switch is cheaper than a thread switch (协程开销小)",
            "switch_ns",
            _switch_claim,
        ),
        (
            "eat/play run concurrently takes 2 s, not the serial 3 s",
            "wall_s",
            _eatplay_claim,
        ),
        (
            "A raw greenlet does not switch on I/O: it runs like serial",
            "wall_s",
            _blocked_claim("gevent", "greenlet"),
        ),
        (
            "Without monkey.patch_all(), time.sleep blocks gevent: it runs like serial",
            "wall_s",
            _blocked_claim("gevent", "unpatched"),
        ),
        (
            "Coroutines do not speed up CPU-bound work (计算密集型还是串行好)",
            "cpu_wall_s",
            _cpu_claim,
        ),
    ]
    out = []
    for text, metric, judge in spec_:
        verdict, evidence = _claim_over(results, metric, judge)
        out.append(Claim(text, verdict, evidence))
    out += [Claim(*v) for v in behaviour.claims(behaviour.rows_in(results))]
    out += [Claim(*v) for v in scale.claims(scale.rows_in(results))]
    return out
