"""Layouts: one fetch load laid out as P processes x T threads x K tasks, the model-free half.

The tutorial combines its three ways, processes, threads and coroutines (5 x 20 x 500 on a
4-CPU machine). The layouts benchmark (``benchmarks/test_layouts.py``) keeps the total
concurrency fixed and lays it out in each way a model allows; ``impls/<model>_impl/layout.py``
runs one process's part of it:

- asyncio: T threads, each running an event loop of its own with K tasks (the model's own
  ``fetch_all`` in each thread: it starts a loop where it is called): P x T x K;
- thread: T threads, each one request at a time: P x T (K = 1);
- gevent: K greenlets on the process's hub: P x K. There is no T: in a patched process
  ``threading`` is gevent's, a thread started there is a greenlet on the same hub, so T
  threads of K greenlets are T x K greenlets in one OS thread, the layout P x (T x K).

The P processes are P workers of the model (``shared.harness.fanout``), each given its share
of the requests. A :class:`Part` runs inside each and reports its requests' latencies and
errors (counted as a fetch round counts them: ``shared.bench.sweep.fetch_errors``), its CPU
time (all its threads) and its peak RSS; :func:`merge` adds the parts of one round up.
:func:`demo` is what ``python -m impls.<model>_impl.layout`` prints: every layout of the
model, one round each, against a local test server.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from shared import spec
from shared.bench import sweep
from shared.scenarios.fetch_dispatch import split

#: the total concurrency every layout shares: divisible by every P x T below
TOTAL_CONCURRENCY = 120
#: the processes and, where a model has them, the threads per process that are laid out
PROCESSES: tuple[int, ...] = (1, 2)
THREADS: tuple[int, ...] = (1, 4)
#: requests per round = waves x the total concurrency, (default, --quick), with a delay and
#: without one: there a wave takes milliseconds, so a round needs more of them to be long
WAVES = (12, 6)
WAVES_WITHOUT_DELAY = (50, 20)
#: timed rounds per layout and delay, (default, --quick)
ROUNDS = (3, 1)

NO_THREADS = (
    "gevent has no threads in a layout: in a patched process a thread is a greenlet on the same "
    "hub, so T threads of K greenlets are T x K greenlets (give tasks=T x K)"
)
NO_TASKS = (
    "the thread model has no tasks in a layout: a thread runs one request at a time "
    "(give threads=T x K)"
)


@dataclass(frozen=True)
class Layout:
    """P processes x T threads x K tasks of one worker kind."""

    kind: spec.WorkerKind
    processes: int
    threads: int
    tasks: int

    @property
    def concurrency(self) -> int:
        return self.processes * self.threads * self.tasks

    @property
    def shape(self) -> str:
        return f"{self.processes}x{self.threads}x{self.tasks}"

    @property
    def id(self) -> str:
        return f"{self.kind.id}-{self.shape}"

    @property
    def client(self) -> str:
        """The model's own client: the fastest, so the layout is what is compared."""
        return self.kind.facts.own_client

    def parts(self, url: str, requests: int, timeout: float) -> list[dict[str, Any]]:
        """``fetch_part`` arguments for each process: the requests split between them."""
        return [
            {
                "url": url,
                "requests": n,
                "threads": self.threads,
                "tasks": self.tasks,
                "timeout": timeout,
                "client": self.client,
            }
            for n in split(requests, self.processes)
        ]


def layouts(
    kinds: Sequence[spec.WorkerKind] = spec.DEFAULT_KINDS, total: int = TOTAL_CONCURRENCY
) -> list[Layout]:
    """Every layout of ``total`` for each kind: P in PROCESSES and, where a model has both
    threads and tasks, T in THREADS; a model with one of them gives it the rest."""
    out = []
    for kind in kinds:
        axes = set(kind.facts.layout)
        for p in PROCESSES:
            if {"threads", "tasks"} <= axes:
                shapes = [(t, total // (p * t)) for t in THREADS]
            elif "threads" in axes:
                shapes = [(total // p, 1)]
            else:
                shapes = [(1, total // p)]
            for t, k in shapes:
                if p * t * k != total:
                    raise ValueError(f"{total} does not lay out as {p} x {t} x {k}")
                out.append(Layout(kind, p, t, k))
    return out


def waves(delay_ms: int, quick: bool) -> int:
    """How many times the total concurrency a round's requests are."""
    return (WAVES if delay_ms else WAVES_WITHOUT_DELAY)[quick]


def check_part(model: str, threads: int, tasks: int) -> None:
    """``ValueError`` for a part the model cannot lay out."""
    for name, n in (("threads", threads), ("tasks", tasks)):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {n!r}")
    axes = spec.MODEL_FACTS[model].layout
    if threads != 1 and "threads" not in axes:
        raise ValueError(NO_THREADS)
    if tasks != 1 and "tasks" not in axes:
        raise ValueError(NO_TASKS)


class Part:
    """One process's part of a layout, inside its worker: its URLs (all of them, and one
    share per thread), the fetch options, and what it measures."""

    def __init__(
        self,
        model: str,
        url: str,
        *,
        requests: int,
        threads: int,
        tasks: int,
        timeout: float,
        client: str,
    ) -> None:
        check_part(model, threads, tasks)
        spec.check_fetch_args(model, client, tasks, timeout)
        if isinstance(requests, bool) or not isinstance(requests, int) or requests < threads:
            raise ValueError(f"requests must be an integer >= threads ({threads}), got {requests}")
        self.threads = threads
        self.tasks = tasks
        self.urls = [url] * requests
        #: each thread's URLs
        self.shares = [[url] * n for n in split(requests, threads)]
        #: ``fetch_all``'s other arguments
        self.options: dict[str, Any] = {"timeout": timeout, "client": client}
        self._done: list[spec.FetchResult] = []
        self._elapsed_s = self._cpu_s = 0.0

    @contextlib.contextmanager
    def measured(self) -> Iterator[list[spec.FetchResult]]:
        """Time the block and its CPU (every thread of the process); the block adds each
        result to the list it is given."""
        cpu0, t0 = _cpu_s(), time.perf_counter()
        yield self._done
        self._elapsed_s = time.perf_counter() - t0
        self._cpu_s = _cpu_s() - cpu0

    def result(self) -> dict[str, Any]:
        if len(self._done) != len(self.urls):
            raise RuntimeError(f"{len(self._done)} results for {len(self.urls)} URLs")
        return {
            "requests": len(self._done),
            "elapsed_s": self._elapsed_s,
            "latencies_s": [r.elapsed_s for r in self._done],
            "errors": sweep.fetch_errors(self._done),
            "cpu_s": self._cpu_s,
            "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "pid": os.getpid(),
        }


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def merge(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One round of a layout from its processes' parts: requests, latencies and errors
    together; the wall of the slowest part; CPU seconds and peak RSS summed."""
    errors: Counter[str] = Counter()
    for p in parts:
        errors.update(p["errors"])
    return {
        "requests": sum(p["requests"] for p in parts),
        "elapsed_s": max(p["elapsed_s"] for p in parts),
        "latencies_s": [s for p in parts for s in p["latencies_s"]],
        "errors": dict(errors),
        "cpu_s": sum(p["cpu_s"] for p in parts),
        "peak_rss_kib": sum(p["peak_rss_kib"] for p in parts),
        "processes": len({p["pid"] for p in parts}),
    }


# --- the demos (``python -m impls.<model>_impl.layout``) --------------------------------------


def demo_args(model: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse ``python -m impls.<model>_impl.layout [--delay MS]... [--waves N]``."""
    parser = argparse.ArgumentParser(
        prog=f"python -m impls.{model}_impl.layout",
        description=(
            f"The {model} model's layouts of {TOTAL_CONCURRENCY} requests in flight (P "
            "processes x T threads x K tasks), one round each against a local test server."
        ),
    )
    parser.add_argument(
        "--delay",
        type=int,
        action="append",
        choices=sweep.DELAYS_MS,
        help="the server's delay in ms (repeatable; default: each)",
    )
    parser.add_argument(
        "--waves", type=int, default=WAVES[1], help=f"requests = waves x {TOTAL_CONCURRENCY}"
    )
    args = parser.parse_args(argv)
    if args.waves < 1:
        parser.error(f"--waves must be >= 1, got {args.waves}")
    return args


def demo(model: str, args: argparse.Namespace, fetch_part: Callable[..., dict[str, Any]]) -> None:
    """One round of each of the model's layouts: P = 1 in this process, more in workers.

    The rate is over the slowest part's own time (a worker's start is not in it)."""
    from shared.harness import fanout
    from shared.harness.server import ServerProcess

    kind = spec.kind_for(model)
    with ServerProcess(processes=os.cpu_count() or 1) as srv:
        for lay in layouts([kind]):
            for delay in args.delay or sweep.DELAYS_MS:
                requests = args.waves * lay.concurrency
                parts = lay.parts(sweep.delay_url(srv.url, delay), requests, sweep.TIMEOUT_S)
                if lay.processes == 1:
                    values = [fetch_part(**parts[0])]
                else:
                    values = [r.value for r in fanout.run_parts(kind, "layout.fetch_part", parts)]
                print(demo_line(lay, delay, merge(values)))
                srv.wait_idle()  # the next layout starts with nothing in flight


def demo_line(lay: Layout, delay_ms: int, r: dict[str, Any]) -> str:
    """``  2x4x15  50 ms   960 requests     N req/s  p50 N ms  p99 N ms  client CPU N``."""
    from shared.bench.stats import percentile

    ms = [s * 1000 for s in r["latencies_s"]]
    rate, cpu = r["requests"] / r["elapsed_s"], r["cpu_s"] / r["elapsed_s"]
    errors = f"  errors {r['errors']}" if r["errors"] else ""
    return (
        f"{lay.shape:>9}  {delay_ms:>2} ms  {r['requests']:>5} requests  {rate:>7.0f} req/s  "
        f"p50 {percentile(ms, 50):6.1f} ms  p99 {percentile(ms, 99):6.1f} ms  "
        f"client CPU {cpu:.2f}{errors}"
    )
