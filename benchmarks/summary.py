"""Tables printed at the end of ``pytest benchmarks/``: the figures a reader chooses from.

pytest-benchmark's own tables show seconds per round, and a fetch round's size depends on
the pair (rounds are sized by time), so they cannot compare rates. Benchmarks here hand
their ``extra_info`` to :func:`remember`, which registers this module as a plugin the first
time; its :func:`pytest_terminal_summary` prints one table per fetch point with every pair
side by side (the CPU-bound figures are in the comparison of shared.report.terminal).
"""

from __future__ import annotations

import sys
from collections import defaultdict
from typing import Any

import pytest

RECORDS = pytest.StashKey[list[dict[str, Any]]]()
PLUGIN = "switchbench-sweep-summary"


def records(config: pytest.Config) -> list[dict[str, Any]]:
    return config.stash.setdefault(RECORDS, [])


def remember(config: pytest.Config, info: dict[str, Any]) -> None:
    """Keep ``info`` for the tables; the first call installs the plugin that prints them."""
    if not config.pluginmanager.has_plugin(PLUGIN):
        config.pluginmanager.register(sys.modules[__name__], PLUGIN)
    records(config).append(info)


def find(config: pytest.Config, **match: Any) -> dict[str, Any] | None:
    """The latest record whose fields equal ``match``."""
    for info in reversed(records(config)):
        if all(info.get(k) == v for k, v in match.items()):
            return info
    return None


def _num(x: float | None, fmt: str) -> str:
    return "-" if x is None else format(x, fmt)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"


def _table(rows: list[list[str]], head: list[str]) -> list[str]:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    fmt = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    return [fmt.format(*head), *(fmt.format(*r) for r in rows)]


def fetch_lines(recs: list[dict[str, Any]]) -> list[str]:
    points: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for r in recs:
        if r.get("metric") == "req_per_s":
            points[(r["delay_ms"], r["concurrency"])].append(r)
    out: list[str] = []
    for (delay, conc), rs in sorted(points.items()):
        wrk = next((r for r in rs if r["model"] == "wrk"), None)
        pairs = [r for r in rs if r["model"] != "wrk"]
        best = max((r["value"] for r in pairs if r["value"] is not None), default=None)
        ideal = f"ideal {conc / delay * 1000:,.0f} req/s" if delay else "no ideal rate"
        limit = f"wrk {wrk['value']:,.0f} req/s" if wrk and wrk["value"] else "wrk not run"
        out.append(f"fetch  delay={delay} ms  concurrency={conc}  ({ideal}; {limit})")
        rows = []
        for r in sorted(pairs, key=lambda r: -(r["value"] or 0)) + ([wrk] if wrk else []):
            label = r.get("pair") or r["model"]
            saturated = "!" if r.get("server_saturated") else ""
            of_best = r["value"] / best if best and r["value"] and r["model"] != "wrk" else None
            rows.append(
                [
                    label,
                    f"<{r['below_req_per_s']:,.0f}"
                    if r.get("below_req_per_s")
                    else _num(r["value"], ",.0f"),
                    _pct(of_best),
                    _pct(r.get("efficiency")),
                    _pct(r.get("of_wrk")),
                    _num(r.get("p50_ms"), ".1f"),
                    _num(r.get("p99_ms"), ".1f"),
                    _num(r.get("server_cpu"), ".2f") + saturated,
                    _num(r.get("client_cpu"), ".2f"),
                    _num(r.get("server_peak_inflight"), "d"),
                    _num(r.get("requests"), "d"),
                    "yes" if r.get("note") else "",
                ]
            )
        head = ["pair", "req/s", "of best", "eff", "of wrk", "p50 ms", "p99 ms"]
        head += ["srv cpu", "cli cpu", "peak", "requests", "note"]
        out += ["  " + line for line in _table(rows, head)]
        out.append("")
    if out:
        out.append(
            "<N = one wave did not finish in time (see its note); "
            "eff = req/s / (concurrency / delay); of wrk = req/s / wrk's req/s at the point; "
            "srv cpu = server CPU s per wall s (! = saturated); peak = most requests in "
            "flight at the server; notes in extra_info['note']"
        )
    return out


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    # the per-point detail the side-by-side comparison (shared.report.terminal) leaves out
    lines = fetch_lines(records(config))
    if lines:
        terminalreporter.write_sep("=", "switchbench: fetch sweep, per point")
        for line in lines:
            terminalreporter.write_line(line)
