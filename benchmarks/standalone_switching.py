"""The switching figures again, without the harness: a cross-check of benchmarks/test_switching.py.

Each worker kind runs in a fresh process of its own, ``python -m
benchmarks.standalone.switching_<model>`` (gevent's patches first, as its worker does, and
never shares a process with the others), measures the same primitives with plain
``time.perf_counter`` loops written there independently of ``impls/``, and prints JSON. Same
sizes and rounds as the benchmarks (``shared.scenarios.switching``): a warm-up round, then
the median of the timed rounds divided by the operations in a round. The raw switches carry
a value that grows by one per round trip, as in the benchmarks (it proves the switches
happened; at ~50 ns a transfer, that addition is part of the figure on both sides). RSS:
every round in a new process, 100 warm tasks parked first, as in the benchmarks.

Run from the repository root::

    python benchmarks/standalone_switching.py [--quick] [--json OUT.json]
    python benchmarks/standalone_switching.py --compare BENCH.json  # a --benchmark-json file

``--compare`` puts the figures beside those of a ``pytest benchmarks/ --benchmark-json`` run
and prints the ratio benchmark / standalone.

On a busy machine the same figure can move by x2 within a minute, so two runs minutes apart
may disagree for reasons neither controls. ``--paired K`` answers the real question (does the
harness change the figure?) with K alternating blocks per figure: a block of rounds through a
``ModelWorker`` (the harness path: ``w.call`` timed as pytest-benchmark times it, same warm-up
and rounds), then a block in a fresh standalone process, and so on; it prints the median of
each side and the median of the K paired ratios::

    python benchmarks/standalone_switching.py --quick --paired 3
    python benchmarks/standalone_switching.py --paired 3 --only spawn_join_us  # default sizes
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shared import spec  # noqa: E402
from shared.scenarios import switching  # noqa: E402 - sizes only: benchmarks/standalone/ measures

# --- what to measure (the benchmarks' sizes, rounds and labels) --------------------------------


def key(metric: str, n: int, model: str, variant: str) -> str:
    return f"{metric} n={n} {model}/{variant}"


def _job(metric: str, n: int, rounds: int, model: str, variant: str, **more: Any) -> dict:
    label = key(metric, n, model, variant)
    return {"metric": metric, "n": n, "rounds": rounds, "key": label, **more}


def plan(quick: bool, only: str = "") -> dict[spec.WorkerKind, list[dict[str, Any]]]:
    """The timed jobs of each worker kind's process (those whose key contains ``only``),
    labelled as ``benchmarks/test_switching.py`` records them."""
    rounds = switching.rounds(switching.ROUNDS, quick)
    spawn_rounds = switching.rounds(switching.SPAWN_ROUNDS, quick)
    handoffs = switching.HANDOFFS
    raw_n = switching.RAW_SWITCHES
    jobs: dict[spec.WorkerKind, list[dict[str, Any]]] = {}
    for kind in spec.RUNNERS:
        model, variant, facts = kind.model, kind.variant, kind.facts
        todo = jobs.setdefault(kind, [])
        todo.append(_job("switch_ns", handoffs, rounds, model, variant))
        todo.append(_job("yield_ns", handoffs, rounds, model, facts.yield_variant or variant))
        for raw in facts.raw_kinds if kind in spec.DEFAULT_KINDS else ():
            todo.append(_job("raw_switch_ns", raw_n, rounds, model, raw, kind=raw))
        for n in switching.SPAWN_SIZES:
            if quick and n > switching.QUICK_MAX_N:
                continue
            for mech in facts.spawn_variants:
                label = variant if mech == facts.spawn_variants[0] else mech
                repeat = switching.repeat_for(n)
                todo.append(
                    _job("spawn_join_us", n, spawn_rounds, model, label, kind=mech, repeat=repeat)
                )
    return {kind: [j for j in todo if only in j["key"]] for kind, todo in jobs.items()}


Figures = dict[str, float | None]  # {"value": median-based, "best": fastest round}


def child_args(kind: spec.WorkerKind, jobs: list[dict[str, Any]]) -> list[str]:
    """``python`` arguments of the fresh process that measures ``jobs`` for a worker kind."""
    settings = {"jobs": jobs, "loop": kind.loop, "pool_workers": switching.POOL_WORKERS}
    return ["-m", f"benchmarks.standalone.switching_{kind.model}", json.dumps(settings)]


def run_process(kind: spec.WorkerKind, jobs: list[dict[str, Any]]) -> dict[str, Figures]:
    cmd = [sys.executable, *child_args(kind, jobs)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(quick: bool, only: str = "") -> dict[str, Figures]:
    results: dict[str, Figures] = {}
    for kind, jobs in plan(quick, only).items():
        if not jobs:
            continue
        t0 = time.perf_counter()
        results.update(run_process(kind, jobs))
        label = kind.id.replace("-", "/")
        print(f"  {label}: {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    for n in switching.RSS_SIZES:
        if quick and n > switching.QUICK_MAX_N:
            continue
        for kind in spec.DEFAULT_KINDS:
            k = key("rss_kib_per_task", n, kind.model, kind.variant)
            if only not in k:
                continue
            if kind.model == "thread" and n + switching.WARM_TASKS > switching.MAX_THREADS:
                results[k] = {"value": None, "best": None}  # over the thread cap: not attempted
                continue
            job = {"metric": "rss_kib_per_task", "n": n, "rounds": 1, "key": k}
            rounds = switching.rounds(switching.RSS_ROUNDS[n], quick)
            figures = [run_process(kind, [job])[k]["value"] for _ in range(rounds)]
            results[k] = {"value": statistics.median(figures), "best": None}
    return results


def _harness_call(job: dict[str, Any]) -> tuple[str, dict[str, Any], int, float]:
    """The impls function (and kwargs, ops per round, unit scale) the benchmark times for a job."""
    n = job["n"]
    if job["metric"] == "switch_ns":
        return "switching.ping_pong", {"n": n}, n, 1e9
    if job["metric"] == "yield_ns":
        return "switching.yield_loop", {"n": n}, n, 1e9
    if job["metric"] == "raw_switch_ns":
        return "switching.raw_switch", {"n": n, "kind": job["kind"]}, n, 1e9
    kwargs = {"n": n, "repeat": job["repeat"], "variant": job["kind"]}
    return "switching.spawn_join", kwargs, n * job["repeat"], 1e6


def paired(quick: bool, pairs: int, only: str = "") -> None:
    """Alternate harness blocks and standalone blocks per figure; print the paired ratios."""
    from shared.harness.worker import ModelWorker

    print(f"{'figure (median round / ops)':<48} {'harness':>9} {'standalone':>10} {'ratio':>6}"
          f" {'min':>5} {'max':>5}")  # fmt: skip
    for kind, jobs in plan(quick, only).items():
        if not jobs:
            continue
        with ModelWorker(kind.model, **kind.options) as w:
            for job in jobs:
                fn, kwargs, ops, scale = _harness_call(job)
                harness, alone = [], []
                for _ in range(pairs):
                    w.call(fn, **kwargs)  # warm-up round, as in the benchmark
                    times = []
                    for _ in range(job["rounds"]):
                        t0 = time.perf_counter()
                        w.call(fn, **kwargs)
                        times.append(time.perf_counter() - t0)
                    harness.append(statistics.median(times) / ops * scale)
                    alone.append(run_process(kind, [job])[job["key"]]["value"])
                ratios = [h / a for h, a in zip(harness, alone, strict=True)]
                print(
                    f"{job['key']:<48} {_fmt(statistics.median(harness)):>9}"
                    f" {_fmt(statistics.median(alone)):>10} {statistics.median(ratios):>6.2f}"
                    f" {min(ratios):>5.2f} {max(ratios):>5.2f}",
                    flush=True,
                )


def from_benchmark_json(path: Path) -> dict[str, Figures]:
    data = json.loads(path.read_text())
    out = {}
    for b in data["benchmarks"]:
        info = b["extra_info"]
        if info.get("scenario") == "switching":
            k = key(info["metric"], info["n"], info["model"], info["variant"])
            out[k] = {"value": info["value"], "best": info.get("best_value")}
    return out


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a is not None and b else ""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the benchmarks' --quick sizes")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--compare", type=Path, help="a pytest --benchmark-json file")
    parser.add_argument("--paired", type=int, metavar="K", help="K harness/standalone pairs")
    parser.add_argument("--only", default="", help="figures whose name contains this text")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    if args.paired:
        paired(args.quick, args.paired, args.only)
        print(f"(paired total {time.perf_counter() - t0:.0f} s)")
        return
    results = measure(args.quick, args.only)
    bench = from_benchmark_json(args.compare) if args.compare else {}
    head = f"{'figure (median round / ops; best = fastest round)':<48} {'standalone':>10}"
    if args.compare:
        head += f" {'benchmark':>10} {'ratio':>6} {'best s':>8} {'best b':>8} {'ratio':>6}"
    print(head)
    for k, s in results.items():
        line = f"{k:<48} {_fmt(s['value']):>10}"
        if args.compare:
            b = bench.get(k, {"value": None, "best": None})
            line += f" {_fmt(b['value']):>10} {_ratio(b['value'], s['value']):>6}"
            line += f" {_fmt(s['best']):>8} {_fmt(b['best']):>8} {_ratio(b['best'], s['best']):>6}"
        print(line.rstrip())
    print(f"(standalone total {time.perf_counter() - t0:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
