"""The scale figures read: layouts, capacity, two verdicts on the tutorial, two lines of advice.

Input: the rows of a benchmark run, each the ``extra_info`` dict a benchmark recorded
(``benchmarks/test_layouts.py``: ``scenario="layouts"``, ``metric="req_per_s"``;
``benchmarks/test_capacity.py``: ``metric="held_connections"``); other rows are ignored.
Output: tables as a header and rows of cells (any table formatter of the report prints them),
:class:`Verdict` for the tutorial's claims table and :class:`Line` for the decision guide.

- :func:`layouts_table`: one table per delay, every layout side by side, each against its
  model's one-process layout;
- :func:`capacity_table`: every step of every model, and :func:`capacity_limits`, what
  stopped each model;
- :func:`verdict_best_layout`: "processes x threads x coroutines is the best layout";
- :func:`verdict_50k`: "about 50,000 concurrent on a 4-CPU machine", scaled to this machine's
  CPUs (read from the rows);
- :func:`guide_lines`: when to add processes; many idle connections, from the memory per
  *held* connection (a connection with its socket, buffers and client state), not per
  parked task.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from typing import Any, NamedTuple

from shared.report.fmt import table_lines
from shared.report.metrics import FAILS, HOLDS, NOT_IN_RUN, NOT_MEASURED

Row = dict[str, Any]
Cells = tuple[list[str], list[list[str]]]


#: within this factor of the best, a layout counts as tied with it
TIE = 1.05
#: the tutorial's figure, and the CPUs it names
TUTORIAL_CONCURRENT = 50_000
TUTORIAL_CPUS = 4
#: a second process "helps" when it gives at least this much more
HELPS = 1.10

WHY_NO_GEVENT_THREADS = (
    "gevent has no T: after monkey.patch_all() a thread started in the process is a greenlet "
    "on the same hub, in the same OS thread, so T threads of K greenlets are T x K greenlets"
)
WHY_NO_THREAD_TASKS = "threads have no K: a thread runs one request at a time"


class Verdict(NamedTuple):
    claim: str
    verdict: str
    evidence: str


class Line(NamedTuple):
    topic: str
    text: str


# --- reading the rows ----------------------------------------------------------------------


def rows_in(results: Any) -> list[Row]:
    """The layouts and capacity rows of a report's ``Results`` (their ``extra_info``)."""
    return [r.info for r in results.scale]


def layout_rows(rows: Iterable[Row]) -> list[Row]:
    return [
        r
        for r in rows
        if r.get("scenario") == "layouts" and r.get("metric") == "req_per_s" and "layout" in r
    ]


def capacity_rows(rows: Iterable[Row]) -> list[Row]:
    return [r for r in rows if r.get("metric") == "held_connections"]


def _label(r: Row) -> str:
    return f"{r['model']} {r['layout']}"


def _num(x: float | None, fmt: str = ",.0f") -> str:
    return "—" if x is None else format(x, fmt)


def _cpus(rows: Iterable[Row]) -> int | None:
    for r in rows:
        cpus = r.get("cpus") or (r.get("machine") or {}).get("cpus")
        if cpus:
            return int(cpus)
    return None


def _delays(rows: list[Row]) -> list[int]:
    return sorted({r["delay_ms"] for r in rows})


def _best(rows: Iterable[Row]) -> Row | None:
    measured = [r for r in rows if r.get("value")]
    return max(measured, key=lambda r: r["value"]) if measured else None


def _one_process(rows: list[Row], r: Row) -> Row | None:
    """The best one-process layout of ``r``'s model at ``r``'s delay."""
    return _best(
        x
        for x in rows
        if x["model"] == r["model"] and x["delay_ms"] == r["delay_ms"] and x["processes"] == 1
    )


def _is_three_way(r: Row) -> bool:
    return r["processes"] > 1 and r["threads"] > 1 and r["tasks"] > 1


# --- tables --------------------------------------------------------------------------------


def layouts_table(rows: Iterable[Row], delay_ms: int) -> Cells:
    """Every layout at one delay, by model then layout: req/s, against the model's best
    one-process layout, latency, the CPU and RSS of all the client processes, the server's
    CPU."""
    mine = layout_rows(rows)
    header = ["model", "P x T x K", "req/s", "x 1 process", "p50 ms", "p99 ms"]
    header += ["client CPU", "client RSS MiB", "server CPU", "notes"]
    cells = []
    at = [r for r in mine if r["delay_ms"] == delay_ms]
    for r in sorted(at, key=lambda r: (r["model"], r["processes"], r["threads"], r["tasks"])):
        base = _one_process(mine, r)
        gain = r["value"] / base["value"] if base and r.get("value") else None
        server = _num(r.get("server_cpu"), ".2f")
        if r.get("server_processes"):
            server += f" of {r['server_processes']}"
        cells.append(
            [
                r["model"],
                r["layout"],
                _num(r.get("value")),
                _num(gain, ".2f"),
                _num(r.get("p50_ms"), ".1f"),
                _num(r.get("p99_ms"), ".1f"),
                _num(r.get("client_cpu"), ".2f"),
                _num(r.get("client_rss_mib"), ".0f"),
                server,
                r.get("note") or "",
            ]
        )
    return header, cells


def layouts_notes(rows: Iterable[Row]) -> list[str]:
    """What a reader needs beside the layout tables."""
    mine = layout_rows(rows)
    if not mine:
        return []
    total = mine[0].get("concurrency")
    return [
        f"Every layout holds {total} requests in flight in all: P processes x T threads x K "
        "tasks. asyncio runs an event loop of its own in each thread.",
        WHY_NO_GEVENT_THREADS + ".",
        WHY_NO_THREAD_TASKS + ".",
        "CPU is CPU seconds per wall second summed over processes (1.00 = one core); at 0 ms "
        "the clients and the server share the machine's cores.",
    ]


def capacity_table(rows: Iterable[Row]) -> Cells:
    """Every step of every model: held at the server, how long it took, errors, client
    memory per held connection, the processes and ports it used, or why it did not run."""
    header = ["model", "step", "held", "reached in s", "errors", "KiB per held"]
    header += ["client / server processes, ports", "notes"]
    cells = []
    for r in sorted(capacity_rows(rows), key=lambda r: (r["model"], r["n"])):
        errors = r.get("errors_by_kind") or {}
        where = (
            f"{r['client_processes']} / {r['server_processes']}, {r['server_ports']}"
            if r.get("client_processes")
            else "—"
        )
        reached = _num(r.get("reach_s"), ".1f") if r.get("reached") else "not reached"
        cells.append(
            [
                r["model"],
                f"{r['n']:,}",
                _num(r.get("value")),
                reached if r.get("value") is not None else "—",
                ", ".join(f"{k} {v:,}" for k, v in errors.items())
                or ("0" if r.get("value") is not None else "—"),
                _num(r.get("rss_kib_per_held"), ".1f"),
                where,
                r.get("note") or "",
            ]
        )
    return header, cells


def most_held(rows: Iterable[Row]) -> dict[str, Row]:
    """Each model's largest step it reached."""
    out: dict[str, Row] = {}
    for r in capacity_rows(rows):
        if r.get("reached") and r["n"] > out.get(r["model"], {"n": -1})["n"]:
            out[r["model"]] = r
    return out


def capacity_limits(rows: Iterable[Row]) -> dict[str, str]:
    """What stopped each model: the refusal or failure of its first step not reached, else
    what its last reached step says of the next one."""
    rows = capacity_rows(rows)
    out = {}
    for model in sorted({r["model"] for r in rows}):
        mine = sorted((r for r in rows if r["model"] == model), key=lambda r: r["n"])
        stopped = next((r for r in mine if not r.get("reached")), None)
        best = most_held(mine).get(model)
        if stopped is not None and not str(stopped.get("note", "")).startswith("not tried"):
            held = f"held {best['n']:,}; " if best else ""
            out[model] = f"{held}{stopped['n']:,} not reached: {stopped.get('note')}"
        elif best is not None:
            out[model] = f"held {best['n']:,}; next: {best.get('next_limit') or 'not recorded'}"
    return out


# --- verdicts ----------------------------------------------------------------------------------


def verdict_best_layout(rows: Iterable[Row]) -> Verdict:
    """ "processes x threads x coroutines is the best layout": at every delay measured, the
    best layout using all three (P, T and K > 1) is within TIE of the best of all."""
    claim = "Processes x threads x coroutines is the best layout (5 x 20 x 500)"
    mine = layout_rows(rows)
    parts, verdicts = [], []
    for delay in _delays(mine):
        at = [r for r in mine if r["delay_ms"] == delay]
        best = _best(at)
        mixed = _best(r for r in at if _is_three_way(r))
        if best is None or mixed is None:
            continue
        ok = mixed["value"] * TIE >= best["value"]
        verdicts.append(ok)
        part = (
            f"at {delay} ms the best of all is {_label(best)} ({best['value']:,.0f} req/s); "
            f"the best with all three is {_label(mixed)} ({mixed['value']:,.0f} req/s, "
            f"{mixed['value'] / best['value']:.2f}x)"
        )
        parts.append(part)
    if not verdicts:
        return Verdict(claim, NOT_MEASURED, "needs layouts rows with P, T and K > 1")
    verdict = HOLDS if all(verdicts) else FAILS
    rule = f"holds when the best three-way layout is within {TIE:.2f}x of the best"
    return Verdict(claim, verdict, "; ".join(parts) + f" ({rule})")


def verdict_50k(rows: Iterable[Row]) -> Verdict:
    """ "about 50,000 concurrent on a 4-CPU machine", judged on this machine's CPUs."""
    claim = "About 50,000 concurrent on a 4-CPU machine (5 x 20 x 500)"
    rows = list(rows)
    mine = capacity_rows(rows)
    cpus = _cpus(mine) or _cpus(rows)
    held = most_held(mine)
    if not held or not cpus:
        return Verdict(claim, NOT_MEASURED, "needs held_connections rows with the CPU count")
    target = TUTORIAL_CONCURRENT * cpus / TUTORIAL_CPUS
    top = max(held.values(), key=lambda r: r["n"])
    tried = max(r["n"] for r in mine if r.get("value") is not None)
    figures = ", ".join(
        f"{m} {r['n']:,} in {_num(r.get('reach_s'), '.1f')} s at "
        f"{_num(r.get('rss_kib_per_held'), '.1f')} KiB each"
        for m, r in sorted(held.items())
    )
    scaling = (
        f"scaled by CPUs, {TUTORIAL_CONCURRENT:,} x {cpus}/{TUTORIAL_CPUS} = {target:,.0f} "
        f"here, the reading most favourable to the claim if it were bound by CPU"
    )
    if top["n"] < target and tried < target:
        return Verdict(
            claim,
            NOT_MEASURED,
            f"the largest step run was {tried:,}, under the {target:,.0f} to check ({scaling}; "
            "run --capacity-full); held: " + figures,
        )
    verdict = HOLDS if top["n"] >= target else FAILS
    evidence = f"held at once: {figures}; {scaling}"
    if top["n"] >= TUTORIAL_CONCURRENT:
        evidence += (
            f"; {top['n']:,} held on {cpus} CPUs, so it is not the most a machine takes: "
            "holding a connection costs memory and descriptors, not CPU (the CPU shows in "
            "the seconds to reach the step)"
        )
    return Verdict(claim, verdict, evidence)


# --- decision guide ---------------------------------------------------------------------------


def process_gains(rows: Iterable[Row]) -> dict[tuple[str, int], float]:
    """(model, delay) -> the best P > 1 layout's req/s over the best one-process layout's."""
    mine = layout_rows(rows)
    out = {}
    for model in sorted({r["model"] for r in mine}):
        for delay in _delays(mine):
            at = [r for r in mine if r["model"] == model and r["delay_ms"] == delay]
            one = _best(r for r in at if r["processes"] == 1)
            more = _best(r for r in at if r["processes"] > 1)
            if one and more:
                out[(model, delay)] = more["value"] / one["value"]
    return out


def _advice_processes(rows: list[Row]) -> Line:
    topic = "When to add processes"
    gains = process_gains(rows)
    if not gains:
        return Line(topic, f"layouts {NOT_IN_RUN}.")
    mine = layout_rows(rows)
    parts = []
    for delay in sorted({d for _, d in gains}):
        at = {m: g for (m, d), g in gains.items() if d == delay}
        cpu = [r["client_cpu"] for r in mine if r["delay_ms"] == delay and r.get("client_cpu")]
        load = f", clients at {statistics.median(cpu):.2f} CPU (median)" if cpu else ""
        figures = ", ".join(f"{m} x{g:.2f}" for m, g in sorted(at.items()))
        parts.append(f"at {delay} ms{load}: a second process gave {figures}")
    helped = sorted({m for (m, _), g in gains.items() if g >= HELPS})
    if helped:
        verdict = (
            f"add processes when one process's client is CPU-bound (near 1.00 CPU, all one "
            f"interpreter can use): it helped {', '.join(helped)} by {HELPS:.2f}x or more"
        )
    else:
        verdict = f"no model gained {HELPS:.2f}x or more from a second process here"
    return Line(topic, f"{verdict}; " + "; ".join(parts) + ".")


def _advice_idle(rows: list[Row]) -> Line:
    topic = "Many idle connections"
    held = most_held(rows)
    if not held:
        return Line(topic, f"held_connections {NOT_IN_RUN}.")
    ranked = sorted(
        (r for r in held.values() if r.get("rss_kib_per_held") is not None),
        key=lambda r: r["rss_kib_per_held"],
    )
    figures = "; ".join(
        f"{r['model']} {r['rss_kib_per_held']:.1f} KiB per held connection at {r['n']:,}"
        for r in ranked
    )
    limits = capacity_limits(rows)
    stops = "; ".join(f"{m}: {text}" for m, text in sorted(limits.items()))
    least = [
        r["model"] for r in ranked if r["rss_kib_per_held"] <= ranked[0]["rss_kib_per_held"] * TIE
    ]
    if len(least) > 1:
        lead = (
            f"**{' and '.join(sorted(least))}** hold a connection for about the same client memory"
        )
    else:
        lead = f"**{least[0]}** holds a connection for the least client memory" if least else ""
    return Line(
        topic,
        f"{lead} ({figures}: the client's RSS growth while holding them, over the number the "
        f"server counted, socket, buffers and client state included). What stopped each: {stops}.",
    )


def guide_lines(rows: Iterable[Row]) -> list[Line]:
    """The decision guide's lines that rest on these figures."""
    rows = list(rows)
    return [_advice_processes(rows), _advice_idle(rows)]


def claims(rows: Iterable[Row]) -> list[Verdict]:
    """The tutorial's claims these figures judge, for the report's claims table."""
    rows = list(rows)
    return [verdict_best_layout(rows), verdict_50k(rows)]


# --- the report's section ---------------------------------------------------------------------


def _sections(rows: list[Row]) -> list[tuple[str, Cells]]:
    mine = layout_rows(rows)
    out = [
        (f"Layouts at {d} ms: P processes x T threads x K tasks", layouts_table(mine, d))
        for d in _delays(mine)
    ]
    if capacity_rows(rows):
        out.append(("Capacity: requests held in flight at once", capacity_table(rows)))
    return out


def _limits_lines(rows: list[Row]) -> list[str]:
    return [f"{m}: {text}" for m, text in capacity_limits(rows).items()]


def terminal_lines(rows: list[Row]) -> list[str]:
    """The layouts and capacity tables for a terminal; empty when the run recorded neither."""
    out: list[str] = []
    for title, (header, cells) in _sections(rows):
        out += ["", title, *table_lines(header, cells, text={"P x T x K", "notes"})]
    if not out:
        return []
    out += [f"  {note}" for note in layouts_notes(rows)]
    limits = _limits_lines(rows)
    if limits:
        out += ["  what stopped each model: " + "; ".join(limits)]
    return out[1:]


def markdown_lines(rows: list[Row]) -> list[str]:
    """The section for report.md (``## Scale``): layouts, capacity, what stopped each model."""
    out = ["## Scale: processes, layouts, capacity", ""]
    sections = _sections(rows)
    if not sections:
        return [*out, "Layouts and capacity not measured in this run.", ""]
    for title, (header, cells) in sections:
        out += [f"### {title}", ""]
        keep = len(header)
        out += [*table_lines(header, cells, markdown=True, keep=keep, text={"notes"}), ""]
    out += [f"- {note}" for note in layouts_notes(rows)]
    out += [f"- What stopped {line}" for line in _limits_lines(rows)]
    return [*out, ""]
