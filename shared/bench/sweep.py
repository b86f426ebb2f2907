"""The fetch sweep: its points, what a round is, and what a rate means.

A *pair* (``spec.Pair``) is a worker kind with one of its model's HTTP clients; a *point* is
a concurrency and a server delay. A *round* is one ``fetch_all`` call of ``requests`` URLs
``/delay/{ms}`` (:func:`fetch_round`): one client (and its connection pool) per round, as
``fetch_all`` is specified, so every round pays its own connection set-up. How many requests
a round holds and how many rounds a point gets is :mod:`shared.bench.sizing`'s job.

Shared by ``benchmarks/test_fetch.py`` (every round in a model worker) and
``benchmarks/standalone_fetch.py`` (every pair in a fresh process of its own, no harness), so
the two measure exactly the same thing. Model-free: :func:`fetch_round` imports the model's
fetcher only when it runs, inside the process that runs it.
"""

from __future__ import annotations

import importlib
import statistics
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from shared import spec
from shared.bench.stats import percentile

#: the sweep's points
CONCURRENCY: tuple[int, ...] = (1, 10, 100, 1000)
DELAYS_MS: tuple[int, ...] = (0, 50)
#: the points ``--quick`` keeps
QUICK_CONCURRENCY: tuple[int, ...] = (10, 100)

#: the points (concurrency) where every pair also runs its bare client (variant "bare")
BARE_CONCURRENCY: tuple[int, ...] = (100,)
#: the note of a row under ``spec.FETCH_OVER_BARE_AT_LEAST``
BELOW_BARE_NOTE = (
    "fetch_all ran at {fetch_over_bare:.2f} of its bare client's rate ({bare_req_per_s:.0f} "
    "req/s, in rounds interleaved with these): below 0.9, the fetcher's own cost"
)

#: per-request timeout: generous, a request that needs it is a failure worth seeing
TIMEOUT_S = 30.0
#: the server is single-threaded: at this share of one core it, not the client, is the limit
SATURATED_AT = 0.9
#: httpx below this fraction of the same model's other client gets a note saying why
HTTPX_FAR_BEHIND = 0.67
#: the note of a row whose client, with a server delay to wait on, is at
#: ``spec.CLIENT_CPU_BOUND_AT`` or more
CLIENT_BOUND_NOTE = (
    "the client used {cpu:.2f} CPU (1.00 = one core, all one interpreter can use): it is "
    "bound by its own work per request, not by waiting for the server"
)
HTTPX_NOTE = (
    "httpx is at {ratio} of {other} in the same model ({rate} vs {other_rate:.0f} req/s): "
    "httpcore's connection pool re-checks every connection on each request and, under "
    "asyncio, takes anyio locks, so its cost grows with concurrency (encode/httpx#3215); "
    "measured as is, no workaround on either side"
)


def point_id(concurrency: int, delay_ms: int) -> str:
    return f"c{concurrency}-d{delay_ms}"


def group(concurrency: int, delay_ms: int) -> str:
    """The pytest-benchmark group: one table per point, all pairs side by side."""
    return f"fetch delay={delay_ms}ms concurrency={concurrency}"


def delay_url(base_url: str, delay_ms: int) -> str:
    return f"{base_url}/delay/{delay_ms}"


def ideal_rate(concurrency: int, delay_ms: int) -> float | None:
    """``concurrency / delay`` requests per second; None without a delay (no such bound)."""
    return concurrency / (delay_ms / 1000) if delay_ms > 0 else None


def efficiency(rate: float | None, concurrency: int, delay_ms: int) -> float | None:
    ideal = ideal_rate(concurrency, delay_ms)
    return None if ideal is None or rate is None else rate / ideal


# --- one round ------------------------------------------------------------------------------


#: what a round runs: the project's fetcher, or the client alone (``impls/<model>_impl/bare.py``)
VARIANTS: tuple[str, ...] = ("fetch_all", "bare")


def fetch_round(
    *,
    model: str,
    url: str,
    requests: int,
    concurrency: int,
    timeout: float,
    client: str,
    variant: str = "fetch_all",
) -> dict[str, Any]:
    """One ``fetch_all`` of ``requests`` copies of ``url`` with ``model``'s fetcher, or with
    ``variant="bare"`` the same requests by the client alone (``bare.get_all``).

    Runs where it is called (a model worker, or a standalone process that has set up the
    model, gevent patched first). Returns a summary small enough to cross the worker channel
    cheaply: the in-process wall time of the call, the CPU time this process spent meanwhile
    (every thread of it), each request's own latency (``fetch_all`` only: the bare loop keeps
    no clock per request), and the error kinds (a non-200 answer counts as ``status-N``).
    """
    spec.check_fetch_args(model, client, concurrency, timeout)
    spec.check_choice(variant, VARIANTS, "variant")
    errors: Counter[str] = Counter()
    latencies: list[float] = []
    if variant == "bare":
        bare = importlib.import_module(f"impls.{model}_impl.bare")
        cpu0, t0 = time.process_time(), time.perf_counter()
        statuses = bare.get_all(
            url, requests=requests, concurrency=concurrency, timeout=timeout, client=client
        )
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        if sum(statuses.values()) != requests:
            raise RuntimeError(f"the bare loop answered {statuses} for {requests} requests")
        errors.update({f"status-{s}": n for s, n in statuses.items() if s != "200"})
    else:
        fetcher = importlib.import_module(f"impls.{model}_impl.fetcher")
        urls = [url] * requests
        cpu0, t0 = time.process_time(), time.perf_counter()
        results = fetcher.fetch_all(urls, concurrency=concurrency, timeout=timeout, client=client)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        if len(results) != requests:
            raise RuntimeError(f"fetch_all returned {len(results)} results for {requests} URLs")
        errors.update(fetch_errors(results))
        latencies = [r.elapsed_s for r in results]
    return {
        "variant": variant,
        "requests": requests,
        "elapsed_s": elapsed,
        "cpu_s": cpu,
        "latencies_s": latencies,
        "errors": dict(errors),
    }


def cpu_share(rounds: Iterable[dict[str, Any]]) -> float | None:
    """The client's CPU seconds per wall second over rounds (1.0 = one core)."""
    rounds = list(rounds)
    wall = sum(r["elapsed_s"] for r in rounds)
    return sum(r["cpu_s"] for r in rounds) / wall if wall else None


def versus_bare(
    bare: Sequence[dict[str, Any]], fetched: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """fetch_all against its bare client, from rounds run in pairs (a bare round, then a
    fetch_all round of as many requests): ``fetch_over_bare`` is the median over pairs of
    bare seconds / fetch_all seconds (in-worker times), with the pairs' min and max."""
    n = min(len(bare), len(fetched))
    if not n:
        return {"fetch_over_bare": None, "bare_req_per_s": None, "bare_cpu_us_per_req": None}
    ratios = sorted(b["elapsed_s"] / f["elapsed_s"] for b, f in zip(bare, fetched, strict=False))
    rates = sorted(r["requests"] / r["elapsed_s"] for r in bare[:n])
    return {
        "fetch_over_bare": statistics.median(ratios),
        "fetch_over_bare_min": ratios[0],
        "fetch_over_bare_max": ratios[-1],
        "bare_req_per_s": statistics.median(rates),
        "bare_req_per_s_min": rates[0],
        "bare_req_per_s_max": rates[-1],
        "bare_cpu_us_per_req": cpu_us_per_req(bare[:n]),
        "bare_client_cpu": cpu_share(bare[:n]),
        "bare_rounds": n,
    }


def cpu_us_per_req(rounds: Iterable[dict[str, Any]]) -> float | None:
    """The client's CPU time per request over rounds, in microseconds."""
    rounds = list(rounds)
    n = sum(r["requests"] for r in rounds)
    return 1e6 * sum(r["cpu_s"] for r in rounds) / n if n else None


def fetch_errors(results: Iterable[spec.FetchResult]) -> dict[str, int]:
    """Error kinds and counts of some fetch results; an answer other than 200 counts as
    ``status-N``."""
    errors: Counter[str] = Counter()
    for r in results:
        if r.error is not None:
            errors[r.error] += 1
        elif r.status != 200:
            errors[f"status-{r.status}"] += 1
    return dict(errors)


def error_kinds(rounds: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Error kinds and counts over rounds; empty when every request succeeded."""
    total: Counter[str] = Counter()
    for r in rounds:
        total.update(r["errors"])
    return dict(total)


def latency_ms(rounds: Iterable[dict[str, Any]]) -> tuple[float, float]:
    """p50 and p99 of every request's latency over the rounds, in milliseconds."""
    values = [s for r in rounds for s in r["latencies_s"]]
    return percentile(values, 50) * 1000, percentile(values, 99) * 1000


def client_bound_note(client_cpu: float | None, delay_ms: int) -> str | None:
    """The note a row carries when its client, not the waiting, set the rate: at a delayed
    point only (without a delay every client is busy by design)."""
    if not delay_ms or client_cpu is None or client_cpu < spec.CLIENT_CPU_BOUND_AT:
        return None
    return CLIENT_BOUND_NOTE.format(cpu=client_cpu)


def httpx_note(
    rate: float, other: str, other_rate: float, *, upper_bound: bool = False
) -> str | None:
    """The note an httpx row carries when it is far behind the model's other client;
    ``upper_bound``: ``rate`` is only known to be under that (a wave that timed out)."""
    if other_rate <= 0 or rate >= HTTPX_FAR_BEHIND * other_rate:
        return None
    under = "under " if upper_bound else ""
    return HTTPX_NOTE.format(
        ratio=f"{under}{rate / other_rate:.0%}",
        other=other,
        rate=f"{under}{rate:.0f}",
        other_rate=other_rate,
    )
