"""Peak memory of ``switchbench fetch`` against the length of its URL list: flat, or not.

    python benchmarks/fetch_memory.py                      # 10,000 and 1,000,000 URLs
    python benchmarks/fetch_memory.py --urls 10000,100000 --model gevent --client httpx

Writes N copies of ``/delay/0`` on the test server into a file, runs ``switchbench fetch
--urls-file`` on it with stdout thrown away, and reads the peak resident set (``VmHWM``) of the
command and of each worker it starts, polled until they exit. If the URL list or the results
were held in memory, the peaks would grow with N; streamed, they stay where the first
thousands put them. One line per run: N, seconds, peak RSS of the parent and the worker(s).
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    # run as a script: the repository root, not benchmarks/, must be on the path
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import argparse  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import psutil  # noqa: E402

from shared import spec  # noqa: E402
from shared.harness import proc  # noqa: E402
from shared.harness.server import ServerProcess  # noqa: E402


def peak_kib(pid: int) -> int | None:
    """The process's peak resident set so far (Linux ``VmHWM``), or None once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def measure(url: str, n: int, args: argparse.Namespace) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        for _ in range(n):
            f.write(url + "\n")
    try:
        cmd = ["-m", "shared.cli", "fetch", "--model", args.model, "--client", args.client]
        cmd += ["-c", str(args.concurrency), "--processes", str(args.processes), "--quiet"]
        cmd += ["--urls-file", f.name]
        t0 = time.perf_counter()
        child = proc.spawn(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        parent_peak = 0
        workers: dict[int, int] = {}
        while child.poll() is None:
            parent_peak = max(parent_peak, peak_kib(child.pid) or 0)
            for kid in psutil.Process(child.pid).children(recursive=True):
                workers[kid.pid] = max(workers.get(kid.pid, 0), peak_kib(kid.pid) or 0)
            time.sleep(0.2)
        wall = time.perf_counter() - t0
        err = child.stderr.read().decode() if child.stderr else ""
        if child.returncode != 0:
            raise RuntimeError(f"switchbench fetch exited {child.returncode}: {err}")
    finally:
        os.unlink(f.name)
    return {
        "n": n,
        "wall_s": wall,
        "parent_mib": parent_peak / 1024,
        "worker_mib": max(workers.values(), default=0) / 1024,
        "summary": err.strip().splitlines()[-1],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/fetch_memory.py",
        description="Peak RSS of switchbench fetch (parent and worker) against N URLs.",
    )
    parser.add_argument("--urls", default="10000,1000000", help="comma-separated counts")
    parser.add_argument("--model", default="gevent", choices=spec.MODELS)
    parser.add_argument("--client", default="geventhttpclient")
    parser.add_argument("-c", "--concurrency", type=int, default=100)
    parser.add_argument("--processes", type=int, default=1)
    args = parser.parse_args(argv)
    try:
        counts = [int(x) for x in args.urls.split(",")]
        spec.check_fetch_args(args.model, args.client, args.concurrency, 1.0, 0, args.processes)
    except ValueError as e:
        parser.error(str(e))
    if any(n < 1 for n in counts):
        parser.error("--urls must be counts >= 1")
    print(f"{'urls':>10} {'seconds':>8} {'parent MiB':>11} {'worker MiB':>11}")
    with ServerProcess() as server:
        for n in counts:
            r = measure(f"{server.url}/delay/0", n, args)
            print(
                f"{n:>10,} {r['wall_s']:>8.1f} {r['parent_mib']:>11.1f} {r['worker_mib']:>11.1f}"
                f"   {r['summary']}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
