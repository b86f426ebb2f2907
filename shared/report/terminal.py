"""The comparison printed at the end of ``pytest benchmarks/`` and by ``switchbench report``.

:func:`terminal_lines` is the one end-of-run summary, in this order: a table per metric and
parameter set (a sweep over concurrency or N pivoted into one table, a column per value), the
fetch sweep per point with every pair's side figures, what was not run, the tutorial's
claims, the decision guide. The shape of a run::

    switch_ns — Event ping-pong switch, per one-way handoff (N=20,000) [ns, lower is better]
      model     ns  vs best
      ...
      => asyncio 1.2x cheaper switch than gevent, 2.7x than thread

    fetch  delay=50 ms  concurrency=100  (ideal 2,000 req/s; wrk 1,750 req/s)
      pair               req/s  of best  eff  of wrk  p50 ms  p99 ms  srv cpu  ...
      ...

    the tutorial's claims:
      [holds] A coroutine switch is cheaper than a thread switch (协程开销小): ...
    decision guide:
      Many idle connections: asyncio — ...

Pure text from :class:`~shared.report.results.Results`: nothing heavy is imported, so the
pytest process prints it at summary time without matplotlib.
"""

from __future__ import annotations

import math
from typing import Any

from shared.report import behaviour, scale
from shared.report.claims import claims
from shared.report.fmt import (
    NONE,
    fmt_num,
    fmt_param,
    fmt_params,
    plain,
    side_text,
    table_lines,
)
from shared.report.groups import Group, groups, reading, table, winner
from shared.report.guide import guide
from shared.report.results import Results, Row, not_run, number

#: parameters a benchmark sweeps over: the terminal shows their values as the columns of one
#: table instead of one table per value
SWEEP_KEYS = {"concurrency": "c", "n": "N"}


def sweeps(gs: list[Group]) -> list[tuple[str | None, list[Group]]]:
    """Bundle the groups that differ only in one sweep key: [(key or None, groups)]."""
    bundles: dict[tuple, list[Group]] = {}
    for g in gs:
        sweep = next((k for k in SWEEP_KEYS if k in dict(g.params)), None)
        rest = tuple(p for p in g.params if p[0] != sweep)
        bundles.setdefault((g.metric, sweep, rest), []).append(g)
    out: list[tuple[str | None, list[Group]]] = []
    for (_, sweep, _), bundle in bundles.items():
        if sweep is not None and len(bundle) > 1:
            out.append((sweep, bundle))
        else:
            out += [(None, [g]) for g in bundle]
    return out


def _pivot_lines(sweep: str, bundle: list[Group]) -> list[str]:
    """One table for a sweep: a row per model, a column per swept value, ratio in each cell."""
    first, last = bundle[0], bundle[-1]
    meta = first.meta
    short = SWEEP_KEYS[sweep]
    rest = tuple(p for p in first.params if p[0] != sweep)
    cols = [f"{short}={fmt_param(g.param_value(sweep))}" for g in bundle]
    order: list[str] = []
    cells: dict[str, dict[int, str]] = {}
    p99: dict[str, str] = {}
    for i, g in enumerate(reversed(bundle)):
        labels = g.labels()
        best = g.measured[:1]
        for r in [*g.measured, *g.missing]:
            label = labels[id(r)]
            if label not in cells:
                order.append(label)
                cells[label] = {}
            ratio = g.times_worse(r)
            if r.value is None:
                text = NONE
            elif best and r is best[0]:
                text = f"{fmt_num(r.value)} best"
            else:
                rt = "∞" if ratio is None or math.isinf(ratio) else f"{ratio:.2f}x"
                text = f"{fmt_num(r.value)} {rt}"
            cells[label][len(bundle) - 1 - i] = text
            if g is last and r.side("p99_ms") is not None:
                p99[label] = fmt_num(r.side("p99_ms"))
    header = ["model", *cols]
    show_p99 = any(k == "p99_ms" for k, _ in meta.columns) and bool(p99)
    if show_p99:
        header.append(f"p99 ms @{cols[-1]}")
    rows = []
    for label in order:
        row = [label, *(cells[label].get(i, "") for i in range(len(bundle)))]
        if show_p99:
            row.append(p99.get(label, NONE))
        rows.append(row)
    if any(g.limit is not None for g in bundle):
        lim_label = next(g.limit.label for g in bundle if g.limit is not None)
        row = [lim_label, *(fmt_num(g.limit.value) if g.limit else NONE for g in bundle)]
        rows.append([*row, *([""] if show_p99 else [])])
    better = "higher" if meta.higher_is_better else "lower"
    where = fmt_params(rest)
    title = f"{first.metric} — {meta.title}" + (f" ({where})" if where else "")
    out = [f"{title} [{meta.unit} by {sweep}; x = times worse than the best; {better} is better]"]
    out += table_lines(header, rows, keep=len(header))
    out.append(f"  => at {fmt_params([(sweep, last.param_value(sweep))])}: {reading(last)}")
    bests = [(c, winner(g)) for c, g in zip(cols, bundle, strict=True) if g.measured]
    if len({w for _, w in bests}) > 1:
        out.append("     best per column: " + ", ".join(f"{c} {w}" for c, w in bests))
    return out


# --- the fetch sweep, per point ------------------------------------------------------------

#: one column per figure the fetch benchmark records beside its rate (extra_info keys)
FETCH_HEADER = [
    "pair",
    "req/s",
    "of best",
    "eff",
    "of wrk",
    "p50 ms",
    "p99 ms",
    "srv cpu",
    "cli cpu",
    "cpu us/req",
    "f/bare",
    "peak",
    "requests",
    "note",
]
FETCH_LEGEND = (
    "<N = one wave did not finish in time (see its note); "
    "eff = req/s / (concurrency / delay); of wrk = req/s / wrk's req/s at the point; "
    "srv cpu = server CPU s per wall s (! = saturated); cpu us/req = the client's CPU time "
    "per request; f/bare = fetch_all's rate over its bare client's, in rounds interleaved "
    "with it (! = below 0.9: our fetcher's own cost); bare rows are the client alone; "
    "peak = most requests in flight at the server; notes in extra_info['note']"
)


def _figure(x: Any, spec: str) -> str:
    n = number(x)
    return NONE if n is None else format(n, spec)


def _pct(x: Any) -> str:
    return _figure(x, ".0%")


def _fetch_cells(r: Row, best: float | None) -> list[str]:
    info = r.info
    below = number(info.get("below_req_per_s"))
    of_best = (
        r.value / best if best and r.value and not r.is_limit and r.variant != "bare" else None
    )
    bare = info.get("variant") == "bare"
    return [
        str(info.get("pair") or r.label) + (" (bare)" if bare else ""),
        f"<{below:,.0f}" if below else _figure(r.value, ",.0f"),
        _pct(of_best),
        _pct(info.get("efficiency")),
        _pct(info.get("of_wrk")),
        _figure(info.get("p50_ms"), ".1f"),
        _figure(info.get("p99_ms"), ".1f"),
        _figure(info.get("server_cpu"), ".2f") + ("!" if info.get("server_saturated") else ""),
        _figure(info.get("client_cpu"), ".2f"),
        _figure(info.get("client_cpu_us_per_req"), ".0f"),
        side_text(r, "fetch_over_bare"),
        _figure(info.get("server_peak_inflight"), ".0f"),
        _figure(info.get("requests"), ".0f"),
        "yes" if r.note else "",
    ]


def fetch_point_lines(results: Results) -> list[str]:
    """One table per fetch point (delay, concurrency): every pair, fastest first, then wrk."""
    points: dict[tuple[float, float], list[Row]] = {}
    for r in results.of("req_per_s"):
        delay, conc = number(r.info.get("delay_ms")), number(r.info.get("concurrency"))
        if delay is not None and conc is not None:
            points.setdefault((delay, conc), []).append(r)
    out: list[str] = []
    for (delay, conc), rows in sorted(points.items()):
        wrk = next((r for r in rows if r.is_limit), None)
        pairs = sorted((r for r in rows if not r.is_limit), key=lambda r: -(r.value or 0))
        best = max(
            (r.value for r in pairs if r.value is not None and r.variant != "bare"), default=None
        )
        ideal = f"ideal {conc / delay * 1000:,.0f} req/s" if delay else "no ideal rate"
        limit = f"wrk {wrk.value:,.0f} req/s" if wrk and wrk.value else "wrk not run"
        out.append(f"fetch  delay={delay:g} ms  concurrency={conc:g}  ({ideal}; {limit})")
        cells = [_fetch_cells(r, best) for r in [*pairs, *([wrk] if wrk else [])]]
        out += table_lines(FETCH_HEADER, cells, keep=len(FETCH_HEADER))
        out.append("")
    if out:
        out.append(FETCH_LEGEND)
    return out


# --- the whole summary ---------------------------------------------------------------------


def terminal_lines(results: Results) -> list[str]:
    """The compact comparison printed at the end of ``pytest benchmarks/``."""
    out: list[str] = []
    if results.timings_disabled:
        n = len(results.rows) + len(results.scale)
        if not results.has_figures:
            out.append(
                f"timings disabled (--benchmark-disable): {n} benchmark(s) ran once as smoke "
                "tests; no figures to compare."
            )
            return out
        out.append(
            "timings disabled (--benchmark-disable): the figures below come from one untimed "
            "call each — a smoke run, not a basis for decisions."
        )
    empty = []
    for sweep, bundle in sweeps(groups(results)):
        if sweep is not None:
            out.append("")
            out += _pivot_lines(sweep, bundle)
            continue
        g = bundle[0]
        if not g.measured:
            empty.append(f"{g.metric} ({fmt_params(g.params) or 'default'}): {reading(g)}")
            continue
        out.append("")
        better = "higher" if g.meta.higher_is_better else "lower"
        out.append(f"{g.title} [{g.meta.unit}, {better} is better]")
        out += table_lines(*table(g))
        out.append(f"  => {reading(g)}")
    fetch = fetch_point_lines(results)
    if fetch:
        out += ["", "fetch sweep, per point (every pair side by side):", *fetch]
    outcomes = behaviour.terminal_lines(behaviour.rows_in(results))
    if outcomes:
        out += ["", *outcomes]
    layouts = scale.terminal_lines(scale.rows_in(results))
    if layouts:
        out += ["", *layouts]
    if empty:
        out.append("")
        out += [f"no figures: {e}" for e in empty]
    missing = not_run(results)
    if missing:
        out.append("")
        out.append("not run in this session: " + ", ".join(missing))
    if results.timings_disabled:
        return out
    out.append("")
    out.append("the tutorial's claims:")
    for c in claims(results):
        out.append(f"  [{c.verdict}] {c.claim}: {c.evidence}")
    out.append("")
    out.append("decision guide:")
    for a in guide(results):
        out.append(f"  {a.topic}: {plain(a.text)}")
    if results.skipped:
        out.append("")
        out.append(f"({results.skipped} benchmark(s) without switchbench fields left out)")
    return out
