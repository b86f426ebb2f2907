"""The switching figures again, without the harness: a cross-check of benchmarks/test_switching.py.

Each model runs in a fresh ``python -c`` process of its own (gevent patches first, as its worker
does, and never shares a process with the others), measures the same primitives with plain
``time.perf_counter`` loops written here independently of ``impls/``, and prints JSON. Same
sizes and rounds as the benchmarks (``shared.scenarios.switching``): a warm-up round, then the
median
of the timed rounds divided by the operations in a round. The raw switches carry a value that
grows by one per round trip, as in the benchmarks (it proves the switches happened; at
~50 ns a transfer, that addition is part of the figure on both sides). RSS: every round in a
new process, 100 warm tasks parked first, as in the benchmarks.

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

from shared.scenarios import switching  # noqa: E402 - sizes only: the measuring code is below

# --- the code each fresh process runs --------------------------------------------------------

_COMMON = """
import gc, json, statistics, sys, time
import psutil
ARGS = json.loads(sys.argv[1])
clock = time.perf_counter

def timed(ops, scale, fn, *args, rounds):
    fn(*args)  # warm-up round; then median and fastest of the timed rounds, per operation
    times = []
    for _ in range(rounds):
        t0 = clock(); fn(*args); times.append(clock() - t0)
    return {"value": statistics.median(times) / ops * scale, "best": min(times) / ops * scale}

def rss():
    gc.collect()
    return psutil.Process().memory_info().rss
"""

GEVENT = (
    """
from gevent import monkey; monkey.patch_all()
"""
    + _COMMON
    + """
import gevent, greenlet
from gevent.event import Event

def switch(n):
    a, b = Event(), Event()
    def ping():
        for _ in range(n // 2):
            b.set(); a.wait(); a.clear()
    def pong():
        for _ in range(n // 2):
            b.wait(); b.clear(); a.set()
    gevent.joinall([gevent.spawn(ping), gevent.spawn(pong)])

def yields(n):
    def player():
        for _ in range(n // 2):
            gevent.sleep(0)
    gevent.joinall([gevent.spawn(player), gevent.spawn(player)])

def raw(kind, n):
    def echo(x):
        main = greenlet.getcurrent().parent
        while True:
            x = main.switch(x + 1)
    g = greenlet.greenlet(echo)
    x = 0
    for _ in range(n // 2):
        x = g.switch(x)
    assert x == n // 2

def spawn(n, repeat, variant):
    def noop():
        pass
    for _ in range(repeat):
        gevent.joinall([gevent.spawn(noop) for _ in range(n)])

def parked(n):
    gate = Event()
    def park(count):
        box = [0]; done = Event()
        def task():
            box[0] += 1
            if box[0] == count:
                done.set()
            gate.wait()
        gs = [gevent.spawn(task) for _ in range(count)]
        done.wait()
        return gs
    gs = park(100); before = rss(); gs += park(n); after = rss()
    gate.set(); gevent.joinall(gs)
    return (after - before) / n / 1024
"""
)

ASYNCIO = (
    _COMMON
    + """
import asyncio, types
LOOP = ARGS.get("loop", "asyncio")
if LOOP == "uvloop":
    import uvloop
    factory = uvloop.new_event_loop
else:
    factory = asyncio.new_event_loop

def run(coro):
    with asyncio.Runner(loop_factory=factory) as r:
        return r.run(coro)

def switch(n):
    async def main():
        a, b = asyncio.Event(), asyncio.Event()
        async def ping():
            for _ in range(n // 2):
                b.set(); await a.wait(); a.clear()
        async def pong():
            for _ in range(n // 2):
                await b.wait(); b.clear(); a.set()
        async with asyncio.TaskGroup() as tg:
            tg.create_task(ping()); tg.create_task(pong())
    run(main())

def yields(n):
    async def main():
        async def player():
            for _ in range(n // 2):
                await asyncio.sleep(0)
        async with asyncio.TaskGroup() as tg:
            tg.create_task(player()); tg.create_task(player())
    run(main())

@types.coroutine
def suspend(x):
    return (yield x)

async def echo():
    x = await suspend(0)
    while True:
        x = await suspend(x + 1)

def gen():
    x = 0
    while True:
        x += 1
        yield x

def raw(kind, n):
    x = 0
    if kind == "coroutine-send":
        c = echo(); c.send(None)
        for _ in range(n // 2):
            x = c.send(x)
    else:
        g = gen()
        for _ in range(n // 2):
            x = next(g)
    assert x == n // 2

def spawn(n, repeat, variant):
    async def noop():
        pass
    async def main():
        for _ in range(repeat):
            async with asyncio.TaskGroup() as tg:
                for _ in range(n):
                    tg.create_task(noop())
    run(main())

def parked(n):
    async def main():
        gate = asyncio.Event()
        async def park(count):
            box = [0]; done = asyncio.Event()
            async def task():
                box[0] += 1
                if box[0] == count:
                    done.set()
                await gate.wait()
            ts = [asyncio.create_task(task()) for _ in range(count)]
            await done.wait()
            return ts
        ts = await park(100); before = rss(); ts += await park(n); after = rss()
        gate.set(); await asyncio.gather(*ts)
        return (after - before) / n / 1024
    return run(main())
"""
)

THREAD = (
    _COMMON
    + """
import threading
from concurrent.futures import ThreadPoolExecutor

def switch(n):
    a, b = threading.Event(), threading.Event()
    def ping():
        for _ in range(n // 2):
            b.set(); a.wait(); a.clear()
    def pong():
        for _ in range(n // 2):
            b.wait(); b.clear(); a.set()
    ts = [threading.Thread(target=ping), threading.Thread(target=pong)]
    for t in ts: t.start()
    for t in ts: t.join()

def yields(n):
    def player():
        for _ in range(n // 2):
            time.sleep(0)
    ts = [threading.Thread(target=player) for _ in range(2)]
    for t in ts: t.start()
    for t in ts: t.join()

def spawn(n, repeat, variant):
    def noop():
        pass
    for _ in range(repeat):
        if variant == "thread":
            ts = [threading.Thread(target=noop) for _ in range(n)]
            for t in ts: t.start()
            for t in ts: t.join()
        else:
            with ThreadPoolExecutor(max_workers=ARGS["pool_workers"]) as pool:
                for f in [pool.submit(noop) for _ in range(n)]:
                    f.result()

def parked(n):
    gate = threading.Event()
    def park(count):
        arrived = []; done = threading.Event()
        def task():
            arrived.append(1)
            if len(arrived) >= count:
                done.set()
            gate.wait()
        ts = [threading.Thread(target=task) for _ in range(count)]
        for t in ts: t.start()
        done.wait()
        return ts
    ts = park(100); before = rss(); ts += park(n); after = rss()
    gate.set()
    for t in ts: t.join()
    return (after - before) / n / 1024
"""
)

_MAIN = """
out = {}
for job in ARGS["jobs"]:
    metric, n, rounds = job["metric"], job["n"], job["rounds"]
    if metric == "switch_ns":
        out[job["key"]] = timed(n, 1e9, switch, n, rounds=rounds)
    elif metric == "yield_ns":
        out[job["key"]] = timed(n, 1e9, yields, n, rounds=rounds)
    elif metric == "raw_switch_ns":
        out[job["key"]] = timed(n, 1e9, raw, job["kind"], n, rounds=rounds)
    elif metric == "spawn_join_us":
        ops = n * job["repeat"]
        out[job["key"]] = timed(ops, 1e6, spawn, n, job["repeat"], job["kind"], rounds=rounds)
    elif metric == "rss_kib_per_task":
        out[job["key"]] = {"value": parked(n), "best": None}
print(json.dumps(out))
"""

CODE = {"gevent": GEVENT + _MAIN, "asyncio": ASYNCIO + _MAIN, "thread": THREAD + _MAIN}

# --- what to measure (the benchmarks' sizes, rounds and labels) --------------------------------

# (model, loop, variant label) as in benchmarks/test_switching.py
EVENT_RUNS = [
    ("gevent", None, "patched"),
    ("asyncio", None, "asyncio"),
    ("asyncio", "uvloop", "uvloop"),
    ("thread", None, "threads"),
]


def key(metric: str, n: int, model: str, variant: str) -> str:
    return f"{metric} n={n} {model}/{variant}"


def _job(metric: str, n: int, rounds: int, model: str, variant: str, **more: Any) -> dict:
    label = key(metric, n, model, variant)
    return {"metric": metric, "n": n, "rounds": rounds, "key": label, **more}


def plan(quick: bool, only: str = "") -> dict[tuple[str, str | None], list[dict[str, Any]]]:
    """The timed jobs of each (model, loop) process (those whose key contains ``only``)."""
    rounds = switching.rounds(switching.ROUNDS, quick)
    spawn_rounds = switching.rounds(switching.SPAWN_ROUNDS, quick)
    handoffs = switching.HANDOFFS
    raw_n = switching.RAW_SWITCHES
    jobs: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
    for model, loop, variant in EVENT_RUNS:
        todo = jobs.setdefault((model, loop), [])
        todo.append(_job("switch_ns", handoffs, rounds, model, variant))
        yield_variant = "time-sleep-0" if model == "thread" else variant
        todo.append(_job("yield_ns", handoffs, rounds, model, yield_variant))
        for kind in switching.RAW_KINDS[model] if loop is None else ():
            todo.append(_job("raw_switch_ns", raw_n, rounds, model, kind, kind=kind))
        for n in switching.SPAWN_SIZES:
            if quick and n > switching.QUICK_MAX_N:
                continue
            for mech in switching.SPAWN_VARIANTS[model]:
                label = "thread-pool" if mech == "thread-pool" else variant
                repeat = switching.repeat_for(n)
                todo.append(
                    _job("spawn_join_us", n, spawn_rounds, model, label, kind=mech, repeat=repeat)
                )
    return {proc: [j for j in todo if only in j["key"]] for proc, todo in jobs.items()}


Figures = dict[str, float | None]  # {"value": median-based, "best": fastest round}


def run_process(model: str, args: dict[str, Any]) -> dict[str, Figures]:
    cmd = [sys.executable, "-c", CODE[model], json.dumps(args)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(quick: bool, only: str = "") -> dict[str, Figures]:
    results: dict[str, Figures] = {}
    for (model, loop), jobs in plan(quick, only).items():
        if not jobs:
            continue
        args: dict[str, Any] = {"jobs": jobs, "pool_workers": switching.POOL_WORKERS}
        if loop:
            args["loop"] = loop
        t0 = time.perf_counter()
        results.update(run_process(model, args))
        label = f"{model}/{loop}" if loop else model
        print(f"  {label}: {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    for n in switching.RSS_SIZES:
        if quick and n > switching.QUICK_MAX_N:
            continue
        for model, _, variant in [r for r in EVENT_RUNS if r[1] is None]:
            k = key("rss_kib_per_task", n, model, variant)
            if only not in k:
                continue
            if model == "thread" and n + switching.WARM_TASKS > switching.MAX_THREADS:
                results[k] = {"value": None, "best": None}  # over the thread cap: not attempted
                continue
            job = {"metric": "rss_kib_per_task", "n": n, "rounds": 1, "key": k}
            rounds = switching.rounds(switching.RSS_ROUNDS[n], quick)
            figures = [run_process(model, {"jobs": [job]})[k]["value"] for _ in range(rounds)]
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
    for (model, loop), jobs in plan(quick, only).items():
        if not jobs:
            continue
        with ModelWorker(model, loop=loop) as w:
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
                    args = {"jobs": [job], "pool_workers": switching.POOL_WORKERS, "loop": loop}
                    alone.append(run_process(model, args)[job["key"]]["value"])
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
