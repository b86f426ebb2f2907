"""The fetch sweep: which pairs, which points, how big a round is, and what a round means.

Shared by ``benchmarks/test_fetch.py`` (every round in a model worker) and
``benchmarks/standalone_fetch.py`` (every pair in a fresh process of its own, no harness), so
the two measure exactly the same thing. Model-free: :func:`fetch_round` imports the model's
fetcher only when it runs, inside the process that runs it.

A *pair* is a model (on a loop) and an HTTP client; a *point* is a concurrency and a server
delay. A *round* is one ``fetch_all`` call of ``requests`` URLs ``/delay/{ms}``: one client
(and its connection pool) per round, as ``fetch_all`` is specified, so every round pays its
own connection set-up.

Rounds are sized by time, not by count (:func:`probe`): short probe rounds at the same point
measure the pair's rate, and the timed rounds get about ``budget_s`` worth of requests at
that rate, never more than the ideal rate allows and always whole waves of ``concurrency``
requests (so that with a server delay the ideal ``concurrency / delay`` is reachable). A
slow pair gets fewer requests and rounds, not a longer run; a pair that cannot finish one
wave of ``concurrency`` requests within :data:`PROBE_DEADLINE_S` is reported as such, not
waited for.
"""

from __future__ import annotations

import importlib
import math
import re
import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from shared import spec
from shared.bench.stats import percentile

#: the sweep's points
CONCURRENCY: tuple[int, ...] = (1, 10, 100, 1000)
DELAYS_MS: tuple[int, ...] = (0, 50)
#: the points ``--quick`` keeps
QUICK_CONCURRENCY: tuple[int, ...] = (10, 100)

#: per-request timeout: generous, a request that needs it is a failure worth seeing
TIMEOUT_S = 30.0
#: seconds per timed round without and with a server delay, and timed rounds per point.
#: Every fetch_all pays a fixed start-up (its client, its connections: ~50 ms at concurrency
#: 100 on 2 cores) and its first wave meets a cold pool, so a delayed round needs many waves
#: for the rate to reflect the steady state: 3 s = 60 waves of 50 ms. Measured at c=100,
#: 50 ms: 30-wave rounds read 1-3 points of efficiency below 60-wave ones
BUDGET_S = 0.6
DELAY_BUDGET_S = 3.0
QUICK_BUDGET_S = 0.15
#: a round is long enough when the run's start-up is at most this share of it (few
#: connections start fast: their rounds can be shorter), but at least MIN_BUDGET_S
STARTUP_SHARE = 1 / 60
MIN_BUDGET_S = 0.3
ROUNDS = 3
QUICK_ROUNDS = 2
#: a warm-up round before the probe (imports, first client): a few requests, not timed
WARMUP_REQUESTS = 10
#: at delay 0 a probe round has at least this many requests, so its rate means something
PROBE_MIN_REQUESTS = 50
#: a pair whose steady rate is at least this fraction of the ideal, or whose one-wave rate
#: (start-up included) is at least the second, is sized at the ideal: two probes, so that one
#: disturbed by the machine cannot shorten a fast pair's rounds
KEEPS_UP = 0.5
KEEPS_UP_ONE_WAVE = 0.4
#: a probe bigger than this is preceded by one of this size, to tell whether a whole wave
#: can finish in time
SMALL_PROBE_REQUESTS = 100
#: a wave that takes longer than this is given up: the pair cannot serve this concurrency in
#: a bounded run; its worker is killed and the point says so
PROBE_DEADLINE_S = 10.0
#: the server is single-threaded: at this share of one core it, not the client, is the limit
SATURATED_AT = 0.9
#: httpx below this fraction of the same model's other client gets a note saying why
HTTPX_FAR_BEHIND = 0.67
#: a client at this share of one core, with a server delay to wait on, is bound by its own
#: CPU: for threads that is the GIL's one core, for an event loop or hub its one thread
CLIENT_BOUND_AT = 0.9
CLIENT_BOUND_NOTE = (
    "the client used {cpu:.2f} CPU (1.00 = one core, all one interpreter can use): it is "
    "bound by its own work per request, not by waiting for the server"
)
#: what a wrk row says: the server's limit without a delay; with one, a reference only
WRK_NOTE = "wrk (2 threads) shares the machine's cores with the server"
WRK_DELAY_NOTE = (
    "with a delay, wrk is a reference, not a ceiling: each connection sends its next request "
    "the instant a response lands, so its requests reach the single-threaded server in step "
    "and their responses wait for it one after another (see p50 against the delay); a "
    "client that spreads its requests can get more"
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


# --- sizing ---------------------------------------------------------------------------------


def ideal_rate(concurrency: int, delay_ms: int) -> float | None:
    """``concurrency / delay`` requests per second; None without a delay (no such bound)."""
    return concurrency / (delay_ms / 1000) if delay_ms > 0 else None


def efficiency(rate: float | None, concurrency: int, delay_ms: int) -> float | None:
    ideal = ideal_rate(concurrency, delay_ms)
    return None if ideal is None or rate is None else rate / ideal


def probe_requests(concurrency: int, delay_ms: int) -> int:
    """One full wave; at delay 0 at least :data:`PROBE_MIN_REQUESTS`."""
    return concurrency if delay_ms > 0 else max(concurrency, PROBE_MIN_REQUESTS)


def budget_s(delay_ms: int, quick: bool) -> float:
    if quick:
        return QUICK_BUDGET_S
    return DELAY_BUDGET_S if delay_ms > 0 else BUDGET_S


def size_requests(concurrency: int, delay_ms: int, rate: float, budget_s: float) -> int:
    """Requests for a round of about ``budget_s`` at ``rate`` (never above the ideal), in
    whole waves of ``concurrency`` (at least one)."""
    if rate <= 0 or budget_s <= 0:
        raise ValueError("rate and budget_s must be > 0")
    waves = max(1, round(_capped(concurrency, delay_ms, rate) * budget_s / concurrency))
    return waves * concurrency


def rounds_for(
    concurrency: int, delay_ms: int, rate: float, requests: int, budget_s: float, max_rounds: int
) -> int:
    """``max_rounds``, or fewer when one round at ``rate`` is much longer than ``budget_s``: a
    slow pair gets fewer rounds, never much more than ``max_rounds * budget_s`` beyond one
    round (a quarter more, so that whole waves rounding a round up keep every round)."""
    round_s = requests / _capped(concurrency, delay_ms, rate)
    return min(max_rounds, max(1, math.floor(1.25 * max_rounds * budget_s / round_s)))


def steady_rate(wave: int, one_s: float, three_s: float) -> float:
    """Requests per second once a run is going: two more waves cost ``three_s - one_s``.

    A run's fixed start-up (client, connections) is in both. Kept between the three-wave
    average and twice that, so a noisy difference cannot run away.
    """
    average = 3 * wave / three_s
    if three_s <= one_s:
        return average
    return min(max(2 * wave / (three_s - one_s), average), 2 * average)


def _capped(concurrency: int, delay_ms: int, rate: float) -> float:
    ideal = ideal_rate(concurrency, delay_ms)
    return rate if ideal is None else min(rate, ideal)


@dataclass(frozen=True)
class Plan:
    """How the timed rounds of one pair at one point are run, and what the probes saw."""

    requests: int
    rounds: int
    #: one wave given up after the deadline instead of probed (a pair too slow to probe)
    bounded: bool
    #: requests per second of the first probe, and the steady rate if it was measured
    probe_req_per_s: float
    steady_req_per_s: float | None
    #: what one wave took beyond its share at the sizing rate (the run's start-up), if probed
    startup_s: float | None
    #: every probe round's summary (for their errors)
    probes: tuple[dict[str, Any], ...]
    #: the seconds a round was sized for
    budget_s: float


class Run(Protocol):
    def __call__(self, requests: int, deadline_s: float | None) -> dict[str, Any]: ...


def probe(
    run: Run,
    concurrency: int,
    delay_ms: int,
    *,
    budget_s: float,
    max_rounds: int,
    deadline_s: float,
) -> Plan:
    """Size the timed rounds from probe rounds, each ``run(requests, deadline_s)``.

    1. :data:`SMALL_PROBE_REQUESTS` at most: if a whole wave would take more than a quarter
       of ``deadline_s`` at that rate, the pair gets one timed wave with a deadline (bounded).
    2. Else one wave (when the first probe was less), under ``deadline_s``. A wave longer
       than a third of the budget makes a slow pair: one timed round of at least two
       waves, sized at that rate.
    3. Else three waves: the difference is the steady rate, without the run's start-up,
       which a one-wave probe would count against it. A pair that keeps up with the ideal
       (:data:`KEEPS_UP`) is sized at the ideal (so its rounds are long enough to show how
       close it gets); others at their steady rate. Rounds last ``budget_s`` at
       most, less when the start-up is small anyway (:data:`STARTUP_SHARE`).
    ``run`` raises what it raises when a deadline passes.
    """
    wave = probe_requests(concurrency, delay_ms)
    small_n = min(wave, SMALL_PROBE_REQUESTS)
    probes = [run(small_n, None)]
    rate = small_n / probes[-1]["elapsed_s"]
    if wave > small_n and wave / rate > deadline_s / 4:
        return Plan(wave, 1, True, rate, None, None, tuple(probes), budget_s)
    if wave > small_n:
        probes.append(run(wave, deadline_s))
        rate = wave / probes[-1]["elapsed_s"]
    one_s = probes[-1]["elapsed_s"]
    if one_s > budget_s / 3:
        # two waves when they fit in the point's time: the first opens the connections, the
        # next reuses them, as any longer run does (a pool that slows down once full shows)
        waves = 2 if 2 * one_s <= max_rounds * budget_s else 1
        requests = max(waves * wave, size_requests(concurrency, delay_ms, rate, budget_s))
        return Plan(requests, 1, False, rate, None, None, tuple(probes), budget_s)
    probes.append(run(3 * wave, deadline_s))
    steady = steady_rate(wave, one_s, probes[-1]["elapsed_s"])
    ideal = ideal_rate(concurrency, delay_ms)
    if ideal is not None and (steady >= KEEPS_UP * ideal or rate >= KEEPS_UP_ONE_WAVE * ideal):
        sizing = ideal
    else:
        sizing = steady
    # what a wave costs beyond its share at that rate; rounds no longer than it takes for this
    # start-up to be a small part of them
    startup = max(0.0, one_s - wave / sizing)
    budget_s = min(budget_s, max(MIN_BUDGET_S, startup / STARTUP_SHARE))
    requests = size_requests(concurrency, delay_ms, sizing, budget_s)
    rounds = rounds_for(concurrency, delay_ms, sizing, requests, budget_s, max_rounds)
    return Plan(requests, rounds, False, rate, steady, startup, tuple(probes), budget_s)


# --- one round ------------------------------------------------------------------------------


def fetch_round(
    *, model: str, url: str, requests: int, concurrency: int, timeout: float, client: str
) -> dict[str, Any]:
    """One ``fetch_all`` of ``requests`` copies of ``url`` with ``model``'s fetcher.

    Runs where it is called (a model worker, or a standalone process that has set up the
    model, gevent patched first). Returns a summary small enough to cross the worker channel
    cheaply: the in-process wall time of the call, each request's own latency, and the error
    kinds (a non-200 answer counts as ``status-N``).
    """
    spec.check_fetch_args(model, client, concurrency, timeout)
    fetcher = importlib.import_module(f"impls.{model}_impl.fetcher")
    urls = [url] * requests
    t0 = time.perf_counter()
    results = fetcher.fetch_all(urls, concurrency=concurrency, timeout=timeout, client=client)
    elapsed = time.perf_counter() - t0
    if len(results) != requests:
        raise RuntimeError(f"fetch_all returned {len(results)} results for {requests} URLs")
    errors: Counter[str] = Counter()
    for r in results:
        if r.error is not None:
            errors[r.error] += 1
        elif r.status != 200:
            errors[f"status-{r.status}"] += 1
    return {
        "requests": requests,
        "elapsed_s": elapsed,
        "latencies_s": [r.elapsed_s for r in results],
        "errors": dict(errors),
    }


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
    if not delay_ms or client_cpu is None or client_cpu < CLIENT_BOUND_AT:
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


# --- the machine ----------------------------------------------------------------------------


class CpuMeter:
    """CPU seconds a process used per wall second over a ``with`` block (1.0 = one core);
    None when the process is gone by the end."""

    def __init__(self, pid: int) -> None:
        import psutil

        self._proc = psutil.Process(pid)
        self._cpu0 = self._wall0 = 0.0
        self.share: float | None = None

    def _cpu(self) -> float:
        t = self._proc.cpu_times()
        return t.user + t.system

    def __enter__(self) -> CpuMeter:
        self._cpu0, self._wall0 = self._cpu(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        import psutil

        wall = time.perf_counter() - self._wall0
        try:
            cpu = self._cpu()
        except psutil.NoSuchProcess:  # it was killed (a deadline): its share is unknown
            return
        self.share = (cpu - self._cpu0) / wall if wall > 0 else None


def fd_limit() -> int:
    """This process's soft limit on open files (its children inherit it)."""
    import resource

    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def fds_needed(concurrency: int) -> int:
    """Descriptors a client needs for ``concurrency`` connections, with room for the rest."""
    return concurrency + 256


# --- wrk: what the server can give ----------------------------------------------------------

WRK_MISSING = "wrk not installed: apt-get install wrk"


def wrk_path() -> str | None:
    return shutil.which("wrk")


def wrk_command(url: str, concurrency: int, seconds: int) -> list[str]:
    """wrk with 2 threads (1 for one connection: wrk needs connections >= threads)."""
    threads = min(2, concurrency)
    return [
        wrk_path() or "wrk",
        f"-t{threads}",
        f"-c{concurrency}",
        f"-d{seconds}s",
        "--timeout",
        f"{TIMEOUT_S:g}s",
        "--latency",
        url,
    ]


_UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not m:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(m.group(1)) * _UNITS_MS[m.group(2)]


def parse_wrk(text: str) -> dict[str, Any]:
    """``req_per_s``, ``requests``, ``duration_s``, ``p50_ms``..``p99_ms``, ``errors``."""
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    total = re.search(r"^\s*(\d+) requests in ([\d.]+\w+),", text, re.M)
    if not rate or not total:
        raise ValueError(f"cannot read wrk's output:\n{text}")
    out: dict[str, Any] = {
        "req_per_s": float(rate.group(1)),
        "requests": int(total.group(1)),
        "duration_s": _ms(total.group(2)) / 1000,
    }
    for q, value in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+\w+)\s*$", text, re.M):
        out[f"p{q}_ms"] = _ms(value)
    errors: dict[str, int] = {}
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if sock:
        for kind, n in zip(("connect", "read", "write", "timeout"), sock.groups(), strict=True):
            if int(n):
                errors[kind] = int(n)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if non2xx:
        errors["http"] = int(non2xx.group(1))
    out["errors"] = errors
    return out


def run_wrk(url: str, concurrency: int, seconds: int) -> dict[str, Any]:
    """Run wrk against ``url``; its parsed figures plus the command line."""
    cmd = wrk_command(url, concurrency, seconds)
    done = subprocess.run(  # noqa: S603 - wrk from PATH, our own arguments
        cmd, capture_output=True, text=True, timeout=seconds + TIMEOUT_S + 30, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.strip()}")
    return {**parse_wrk(done.stdout), "command": "wrk " + " ".join(cmd[1:])}
