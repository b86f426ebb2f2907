"""The fetch sweep without the harness: each pair in a fresh process, timed by itself.

A check on ``benchmarks/test_fetch.py``: the same rounds (``shared.bench.sweep.fetch_round``, sized
the same way from a probe round, or with ``--compare`` exactly as many requests and rounds
as the harness ran) run in a fresh interpreter per pair and point that imports the model's
fetcher directly: no worker, no pipe, no pytest. If the two disagree, the harness is
measuring itself.

    python benchmarks/standalone_fetch.py                      # concurrency 10, 100 x delay 0, 50
    python benchmarks/standalone_fetch.py --points c100-d50 --pairs asyncio-aiohttp
    python benchmarks/standalone_fetch.py --compare bench.json # beside pytest --benchmark-json

It starts its own test server. One JSON line per measurement with ``--json``.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    if "--child" in sys.argv and sys.argv[sys.argv.index("--model") + 1] == "gevent":
        # A gevent child patches first, before anything imports socket, ssl or threading,
        # exactly as the gevent worker does.
        from gevent import monkey

        monkey.patch_all()
    # run as a script: the repository root, not benchmarks/, must be on the path
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

from shared import spec  # noqa: E402
from shared.bench import machine, sizing, sweep  # noqa: E402

DEFAULT_POINTS = [(c, d) for d in sweep.DELAYS_MS for c in sweep.QUICK_CONCURRENCY]


# --- child: one pair at one point, in a fresh process ---------------------------------------


def child(args: argparse.Namespace) -> int:
    from shared.harness import proc

    proc.die_with_parent()
    if args.loop:
        from impls.asyncio_impl import runner

        runner.use_loop(args.loop)
    fetch = {
        "model": args.model,
        "url": sweep.delay_url(args.url, args.delay),
        "concurrency": args.concurrency,
        "timeout": sweep.TIMEOUT_S,
        "client": args.client,
    }

    def run(requests: int, deadline_s: float | None) -> dict[str, Any]:
        # no deadline in-process: the parent stops a child that overruns its time limit
        return sweep.fetch_round(**fetch, requests=requests)

    run(sizing.WARMUP_REQUESTS, None)
    if args.requests:
        # the harness's own round size (--compare): the same work, so the rates compare
        # like for like (a round's start-up weighs more in a smaller one)
        probes: list[dict[str, Any]] = []
        requests, rounds = args.requests, args.rounds
        steady = startup = None
    else:
        budget = args.budget or sizing.budget_s(args.delay, quick=False)
        plan = sizing.size_rounds(
            run,
            args.concurrency,
            args.delay,
            budget_s=budget,
            max_rounds=args.rounds,
            deadline_s=sizing.PROBE_DEADLINE_S,
        )
        probes = list(plan.probes)
        requests, rounds = plan.requests, (1 if plan.bounded else plan.rounds)
        steady, startup = plan.steady_req_per_s, plan.startup_s
    walls, results = [], []
    with machine.CpuMeter(args.server_pid) as srv, machine.CpuMeter(os.getpid()) as cli:
        for _ in range(rounds):
            t0 = time.perf_counter()
            results.append(sweep.fetch_round(**fetch, requests=requests))
            walls.append(time.perf_counter() - t0)
    errors = sweep.error_kinds([*probes, *results])
    p50, p99 = sweep.latency_ms(results)
    rate = requests / statistics.median(walls)
    out = {
        "requests": requests,
        "rounds": rounds,
        "req_per_s": rate,
        "efficiency": sweep.efficiency(rate, args.concurrency, args.delay),
        "p50_ms": p50,
        "p99_ms": p99,
        "server_cpu": srv.share,
        "client_cpu": cli.share,
        "steady_req_per_s": steady,
        "startup_s": startup,
        "errors": errors,
    }
    print(json.dumps(out), flush=True)
    return 0


# --- parent: the server, one child per pair and point, the table ---------------------------


def run_child(
    pair: spec.Pair,
    concurrency: int,
    delay_ms: int,
    url: str,
    server_pid: int,
    budget: float,
    rounds: int,
    requests: int | None = None,
) -> dict[str, Any]:
    """One pair at one point in a fresh process: ``requests`` per round when given, else
    sized by a probe as the benchmark sizes it."""
    from shared.harness import proc

    cmd = [
        os.path.relpath(os.path.abspath(__file__), proc.ROOT),
        "--child",
        "--model", pair.model,
        "--client", pair.client,
        "--url", url,
        "--concurrency", str(concurrency),
        "--delay", str(delay_ms),
        "--server-pid", str(server_pid),
        "--rounds", str(rounds),
    ]  # fmt: skip
    if budget is not None:
        cmd += ["--budget", str(budget)]
    if requests is not None:
        cmd += ["--requests", str(requests)]
    if pair.kind.loop:
        cmd += ["--loop", pair.kind.loop]
    # bounded: the probe's deadline, then rounds sized to the budget (see shared.bench.sweep.plan)
    per_round = budget or sizing.budget_s(delay_ms, quick=False)
    limit = 10 + sizing.PROBE_DEADLINE_S + 2 * (rounds * per_round + sizing.PROBE_DEADLINE_S)
    child_proc = proc.spawn(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    try:
        stdout, _ = child_proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        proc.stop(child_proc)
        return {"req_per_s": None, "note": f"did not finish within {limit:g} s"}
    if child_proc.returncode != 0:
        return {"req_per_s": None, "note": f"child failed (exit {child_proc.returncode})"}
    return json.loads(stdout.decode().strip().splitlines()[-1])


def harness_figures(path: str) -> dict[tuple[str, int, int], dict[str, Any]]:
    """``pair, concurrency, delay -> extra_info`` from a ``pytest --benchmark-json`` file."""
    with open(path) as f:
        data = json.load(f)
    out = {}
    for b in data.get("benchmarks", []):
        info = b.get("extra_info", {})
        if info.get("metric") == "req_per_s":
            out[(info.get("pair"), info["concurrency"], info["delay_ms"])] = info
    return out


def parse_points(text: str) -> list[tuple[int, int]]:
    points = []
    for item in text.split(","):
        c, _, d = item.strip().removeprefix("c").partition("-d")
        points.append((int(c), int(d)))
    return points


def _fmt(x: float | None, spec: str) -> str:
    return "-" if x is None else format(x, spec)


def parent(args: argparse.Namespace) -> int:
    from shared.harness.server import ServerProcess

    points = parse_points(args.points) if args.points else DEFAULT_POINTS
    pairs = [p for p in spec.PAIRS if not args.pairs or p.id in args.pairs.split(",")]
    harness = harness_figures(args.compare) if args.compare else {}
    head = f"{'pair':<24} {'point':<10} {'req/s':>8} {'eff':>5} {'p50 ms':>7} {'p99 ms':>8}"
    head += f" {'srv cpu':>7} {'cli cpu':>7} {'requests':>8}"
    if harness:
        head += f" {'harness':>8} {'ratio':>6}"
    print(head)
    with ServerProcess() as server:
        for c, d in points:
            for pair in pairs:
                server.reset()
                h = harness.get((pair.id, c, d))
                if h and h.get("requests") and not h.get("below_req_per_s"):
                    # the harness's round size and count: the same work in a fresh process
                    rounds, requests = h.get("rounds") or args.rounds, h["requests"]
                else:
                    rounds, requests = args.rounds, None
                r = run_child(pair, c, d, server.url, server.pid, args.budget, rounds, requests)
                line = (
                    f"{pair.id:<24} {sweep.point_id(c, d):<10} {_fmt(r['req_per_s'], ',.0f'):>8} "
                    f"{_fmt(r.get('efficiency'), '.0%'):>5} {_fmt(r.get('p50_ms'), '.1f'):>7} "
                    f"{_fmt(r.get('p99_ms'), '.1f'):>8} {_fmt(r.get('server_cpu'), '.2f'):>7} "
                    f"{_fmt(r.get('client_cpu'), '.2f'):>7} {_fmt(r.get('requests'), 'd'):>8}"
                )
                if harness:
                    hv = h["value"] if h else None
                    ratio = r["req_per_s"] / hv if hv and r["req_per_s"] else None
                    line += f" {_fmt(hv, ',.0f'):>8} {_fmt(ratio, '.2f'):>6}"
                if r.get("errors"):
                    line += f"  errors {r['errors']}"
                if r.get("note"):
                    line += f"  {r['note']}"
                print(line, flush=True)
                if args.json:
                    row = {"pair": pair.id, "concurrency": c, "delay_ms": d, **r}
                    with open(args.json, "a") as f:
                        f.write(json.dumps(row) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/standalone_fetch.py",
        description="The fetch sweep, each pair in a fresh process without the worker harness.",
    )
    parser.add_argument("--points", help="e.g. c100-d50,c10-d0 (default: c10, c100 x d0, d50)")
    parser.add_argument("--pairs", help="comma-separated pair ids, e.g. asyncio-aiohttp")
    parser.add_argument(
        "--budget", type=float, help="seconds per round (default: as the benchmarks size them)"
    )
    parser.add_argument(
        "--rounds", type=int, default=sizing.ROUNDS, help="timed rounds per point (default: 3)"
    )
    parser.add_argument(
        "--compare",
        help="pytest --benchmark-json file to print beside; each pair then runs the rounds "
        "the harness ran (same requests per round, same count)",
    )
    parser.add_argument("--json", help="append one JSON line per measurement to this file")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--loop", help=argparse.SUPPRESS)
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--concurrency", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--delay", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--server-pid", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if (args.budget is not None and args.budget <= 0) or args.rounds < 1:
        parser.error("--budget must be > 0 and --rounds >= 1")
    return child(args) if args.child else parent(args)


if __name__ == "__main__":
    sys.exit(main())
