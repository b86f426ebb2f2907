"""Result sets in pytest-benchmark's JSON shape, for the report tests.

The figures are plausible for a 2-core machine, not measured: the tests check how the
report reads them (tables, ratios, verdicts), never the figures themselves.
"""

from __future__ import annotations

import copy
from typing import Any

from shared.report.claims import claims
from shared.report.groups import Group, groups
from shared.report.results import Results, results_from_json

STATS = {
    "min": 0.09,
    "max": 0.12,
    "mean": 0.1,
    "stddev": 0.01,
    "rounds": 5,
    "median": 0.1,
    "iqr": 0.01,
    "q1": 0.095,
    "q3": 0.105,
    "iqr_outliers": 0,
    "stddev_outliers": 1,
    "outliers": "1;0",
    "ld15iqr": 0.09,
    "hd15iqr": 0.12,
    "ops": 10.0,
    "total": 0.5,
    "data": [0.09, 0.1, 0.1, 0.11, 0.12],
    "iterations": 1,
}

VERSIONS = {"python": "3.11.9", "gevent": "24.11.1", "greenlet": "3.1.1", "uvloop": "0.21.0"}
MACHINE = {"cpus": 2, "platform": "Linux-x86_64", "implementation": "cpython"}


def entry(
    metric: str,
    model: str,
    value: float | None,
    unit: str,
    *,
    variant: str | None = None,
    client: str | None = None,
    scenario: str = "x",
    timed: bool = True,
    **params: Any,
) -> dict[str, Any]:
    """One benchmark as pytest-benchmark writes it, extra_info as timing.record fills it."""
    info = {
        "model": model,
        "variant": variant,
        "client": client,
        "scenario": scenario,
        "metric": metric,
        "value": value,
        "unit": unit,
        **params,
        "versions": VERSIONS,
        "machine": MACHINE,
        "harness_overhead": 0.001,
    }
    name = f"test_{scenario}[{model}-{variant}-{client}-{value}]"
    return {
        "group": scenario,
        "name": name,
        "fullname": f"benchmarks/test_{scenario}.py::{name}",
        "params": None,
        "param": None,
        "extra_info": info,
        "options": {"timer": "perf_counter"},
        "stats": copy.deepcopy(STATS) if timed else None,
    }


def switching() -> list[dict[str, Any]]:
    s = "switching"
    out = [
        entry("switch_ns", "gevent", 900, "ns", variant="patched", scenario=s),
        entry("switch_ns", "asyncio", 2500, "ns", variant="asyncio", scenario=s),
        entry("switch_ns", "asyncio", 1900, "ns", variant="uvloop", scenario=s),
        entry("switch_ns", "thread", 14000, "ns", variant="threads", scenario=s),
        entry("yield_ns", "gevent", 1100, "ns", variant="patched", scenario=s),
        entry("yield_ns", "asyncio", 3000, "ns", variant="asyncio", scenario=s),
        entry("yield_ns", "thread", 2600, "ns", variant="threads", scenario=s),
        entry("raw_switch_ns", "gevent", 250, "ns", variant="greenlet", scenario=s),
        entry("raw_switch_ns", "asyncio", 120, "ns", variant="coroutine-send", scenario=s),
        entry("raw_switch_ns", "asyncio", 45, "ns", variant="generator-next", scenario=s),
    ]
    for n, (g, a, t) in {1000: (6.0, 12.0, 80.0), 10000: (5.5, 11.0, 95.0)}.items():
        out += [
            entry("spawn_join_us", "gevent", g, "us", scenario=s, n=n),
            entry("spawn_join_us", "asyncio", a, "us", scenario=s, n=n),
            entry("spawn_join_us", "thread", t, "us", scenario=s, n=n),
        ]
    rss = {1000: (5.5, 2.3, 30.0), 10000: (5.2, 2.1, 28.0), 100000: (5.1, 2.0, None)}
    for n, (g, a, t) in rss.items():
        note = "could not start 100000 threads: can't start new thread" if t is None else None
        out += [
            entry("rss_kib_per_task", "gevent", g, "KiB", scenario=s, n=n),
            entry("rss_kib_per_task", "asyncio", a, "KiB", scenario=s, n=n),
            entry("rss_kib_per_task", "thread", t, "KiB", scenario=s, n=n, note=note),
        ]
    return out


#: req/s at delay 0 per (model, variant, client) and concurrency 1/10/100
FETCH_ZERO = {
    ("gevent", None, "httpx"): (700, 1500, 1600),
    ("gevent", None, "geventhttpclient"): (2500, 6000, 6500),
    ("asyncio", None, "httpx"): (600, 1700, 1800),
    ("asyncio", None, "aiohttp"): (1800, 5000, 5400),
    ("asyncio", "uvloop", "aiohttp"): (2200, 7000, 7600),
    ("thread", None, "httpx"): (800, 1400, 1300),
    ("thread", None, "urllib3"): (2000, 3500, 3300),
}


def fetch(delays: tuple[int, ...] = (0, 10, 100)) -> list[dict[str, Any]]:
    out = []
    s = "fetch"
    for delay in delays:
        for (model, variant, client), zero in FETCH_ZERO.items():
            for c, z in zip((1, 10, 100), zero, strict=True):
                ideal = c / (delay / 1000) if delay else None
                rps = z if ideal is None else min(ideal * 0.93, z)
                out.append(
                    entry(
                        "req_per_s",
                        model,
                        float(rps),
                        "req/s",
                        variant=variant,
                        client=client,
                        scenario=s,
                        concurrency=c,
                        delay_ms=delay,
                        efficiency=None if ideal is None else rps / ideal,
                        p50_ms=delay + 1000 * c / rps / 2,
                        p99_ms=delay + 1000 * c / rps * 2,
                        errors=0,
                        server_cpu=0.4,
                        server_saturated=False,
                    )
                )
        for c in (1, 10, 100):
            lim = 12000.0 if not delay else c / (delay / 1000) * 0.99
            out.append(
                entry(
                    "req_per_s",
                    "wrk",
                    lim,
                    "req/s",
                    client="wrk",
                    scenario=s,
                    concurrency=c,
                    delay_ms=delay,
                    note="a reference" if delay else None,
                )
            )
    return out


def cpu() -> list[dict[str, Any]]:
    s = "cpu"
    out = [
        entry("cpu_wall_s", "thread", 1.0, "s", variant="serial", scenario=s, ratio_to_serial=1.0),
        entry("cpu_wall_s", "gevent", 1.02, "s", scenario=s, ratio_to_serial=1.02),
        entry("cpu_wall_s", "asyncio", 1.01, "s", scenario=s, ratio_to_serial=1.01),
        entry(
            "cpu_wall_s", "thread", 1.04, "s", variant="threads", scenario=s, ratio_to_serial=1.04
        ),
    ]
    for model, (v, p99, mx) in {
        "gevent": (480.0, 500.0, 510.0),
        "asyncio": (470.0, 495.0, 505.0),
        "thread": (5.1, 6.0, 12.0),
    }.items():
        out.append(
            entry(
                "heartbeat_lag_ms",
                model,
                v,
                "ms",
                scenario=s,
                p99_ms=p99,
                max_ms=mx,
                switch_interval_s=0.005,
            )
        )
    return out


#: eat/play wall seconds at scale 0.1: concurrent 0.2 s, blocked 0.3 s
EAT_PLAY = {
    ("gevent", "patched"): 0.201,
    ("gevent", "gevent-sleep"): 0.201,
    ("gevent", "unpatched"): 0.302,
    ("gevent", "greenlet"): 0.301,
    ("asyncio", "asyncio"): 0.202,
    ("asyncio", "uvloop"): 0.201,
    ("asyncio", "blocking"): 0.302,
    ("asyncio", "generators"): 0.301,
    ("thread", "threads"): 0.201,
    ("thread", "serial"): 0.300,
}


def eat_play(overrides: dict[tuple[str, str], float] | None = None) -> list[dict[str, Any]]:
    figures = {**EAT_PLAY, **(overrides or {})}
    return [
        entry("wall_s", m, v, "s", variant=var, scenario="eat_play", scale=0.1)
        for (m, var), v in figures.items()
    ]


def run(*parts: list[dict[str, Any]]) -> dict[str, Any]:
    """A whole JSON file of the given benchmarks."""
    return {
        "machine_info": {"node": "test", "python_version": "3.11.9"},
        "commit_info": {"id": "0123456789abcdef", "dirty": False},
        "benchmarks": [b for part in parts for b in part],
        "datetime": "2025-01-01T00:00:00+00:00",
        "version": "5.3.1",
    }


def full() -> dict[str, Any]:
    return run(switching(), fetch(), cpu(), eat_play())


def res(*parts: list[dict[str, Any]]) -> Results:
    """The report's reading of a JSON file of these benchmarks."""
    return results_from_json(run(*parts))


def verdicts(results: Results) -> list[str]:
    """The verdict of each of the tutorial's claims, in order."""
    return [c.verdict for c in claims(results)]


def only(results: Results, metric: str, **params: Any) -> Group:
    """The one comparison group of ``metric`` at these parameters."""
    [g] = [
        g for g in groups(results, metric) if all(g.param_value(k) == v for k, v in params.items())
    ]
    return g
