"""urllib3 alone, without any switchbench client code: what one request costs the client.

The thread model's fetch rate at a delayed point is bound by its client's CPU, not by
waiting: this measures that bound with nothing of ours in the way (only the test server is
ours). One thread in a loop gives urllib3's own CPU per request; ``--threads`` threads of
``ThreadPoolExecutor`` give its rate and CPU per request under one GIL.

    python benchmarks/bare_urllib3.py                      # 1 and 100 threads, /delay/0 and /50

The shape of a run (N, C and U stand for figures: the rate, the client's share of one core,
its CPU per request). Measured figures, and what they mean for the thread rows of the fetch
sweep, are in the README's Results::

    threads   delay  requests    req/s  client cpu  cpu us/req
          1       0      2000        N           C           U
        100      50      2000        N           C           U
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    # run as a script: the repository root, not benchmarks/, must be on the path
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import argparse  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

import urllib3  # noqa: E402

from shared.bench.machine import CpuMeter  # noqa: E402


def measure(base_url: str, threads: int, delay_ms: int, requests: int) -> dict[str, float]:
    """``requests`` GETs of ``/delay/{delay_ms}`` by ``threads`` threads sharing one pool."""
    url = f"{base_url}/delay/{delay_ms}"
    pool = urllib3.PoolManager(maxsize=threads, block=True, retries=False)

    def get(_: int) -> int:
        return pool.request("GET", url, timeout=30.0).status

    with ThreadPoolExecutor(max_workers=threads) as ex:
        list(ex.map(get, range(2 * threads)))  # warm: every connection open
        with CpuMeter(os.getpid()) as client:
            t0 = time.perf_counter()
            statuses = list(ex.map(get, range(requests)))
            wall = time.perf_counter() - t0
    pool.clear()
    if set(statuses) != {200}:
        raise RuntimeError(f"not every answer was 200: {sorted(set(statuses))}")
    assert client.share is not None  # this process is alive
    return {
        "req_per_s": requests / wall,
        "client_cpu": client.share,
        "cpu_us": 1e6 * client.share * wall / requests,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/bare_urllib3.py",
        description="urllib3 alone against the test server: req/s and client CPU per request.",
    )
    parser.add_argument("--requests", type=int, default=2000, help="per measurement (2000)")
    parser.add_argument(
        "--points",
        default="1-0,100-50",
        help="threads-delay_ms pairs, comma-separated (default: 1-0,100-50)",
    )
    args = parser.parse_args(argv)
    try:
        points = [tuple(int(x) for x in p.split("-")) for p in args.points.split(",")]
    except ValueError:
        parser.error(f"--points must look like 1-0,100-50, got {args.points!r}")
    if args.requests < 1 or any(len(p) != 2 or p[0] < 1 or p[1] < 0 for p in points):
        parser.error("--requests must be >= 1, threads >= 1 and delay_ms >= 0")

    from shared.harness.server import ServerProcess

    print(f"{'threads':>7} {'delay':>7} {'requests':>9} {'req/s':>8} {'client cpu':>11} "
          f"{'cpu us/req':>11}")  # fmt: skip
    with ServerProcess() as server:
        for threads, delay_ms in points:
            n = max(args.requests, 3 * threads)
            r = measure(server.url, threads, delay_ms, n)
            print(
                f"{threads:>7} {delay_ms:>7} {n:>9} {r['req_per_s']:>8,.0f} "
                f"{r['client_cpu']:>11.2f} {r['cpu_us']:>11.0f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
