"""The decision guide: which model for which job, each sentence resting on this run's figures.

Five topics (many idle connections, many short requests, CPU-heavy work, code that must call
blocking libraries, client library vs model), each an :class:`Advice` whose text names the
winner in bold and cites the figures and ratios it rests on; a topic whose figures were not
in the run says so instead of guessing::

    Advice("Many idle connections", "**asyncio** — 2.00 KiB (gevent 5.10 KiB, 2.6x more) ...")
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from shared import spec
from shared.report import behaviour, scale
from shared.report.fmt import fmt_num, fmt_params, fmt_ratio, fmt_value, join_and
from shared.report.groups import (
    eatplay_rows,
    groups,
    is_serial,
    ratio_to_serial,
    serial_row,
    wall_ratio,
)
from shared.report.groups import overlap as rounds_overlap
from shared.report.metrics import (
    BLOCKED_MIN_RATIO,
    CONCURRENT_RATIO_TOLERANCE,
    CPU_NO_GAIN_MIN_RATIO,
    EXPECTED_CONCURRENT_RATIO,
    NEAR_SERVER_LIMIT,
    NOT_IN_RUN,
    TIE_FACTOR,
)
from shared.report.results import Results, Row, number

#: two pairs whose bare clients (the client alone, no fetch_all) are within this factor of
#: each other at one point are not ranked on their fetch_all figures
BARE_TIE = 1.10


@dataclass(frozen=True)
class Advice:
    topic: str
    text: str


def _per_label_best(rows: Iterable[Row], higher: bool) -> dict[str, Row]:
    best: dict[str, Row] = {}
    for r in rows:
        if r.value is None:
            continue
        cur = best.get(r.label)
        if cur is None or (r.value > cur.value if higher else r.value < cur.value):  # type: ignore[operator]
            best[r.label] = r
    return best


def _tied(best: Row, r: Row, higher: bool) -> bool:
    """Within the tie factor of the best, or their rounds' ranges overlap."""
    ratio = _ratio(best, r, higher)
    return ratio < TIE_FACTOR or rounds_overlap(best, r)


def _ratio(best: Row, r: Row, higher: bool) -> float:
    if higher:
        return best.value / r.value if r.value else math.inf  # type: ignore[operator]
    return r.value / best.value if best.value else math.inf  # type: ignore[operator]


def _lead(ranked: list[Row], higher: bool) -> str:
    """The best label, or every label tied with it: "gevent and asyncio/uvloop (a tie)"."""
    tied = [r.label for r in ranked[1:] if _tied(ranked[0], r, higher)]
    return join_and([ranked[0].label, *tied]) + " (a tie)" if tied else ranked[0].label


def _rank_text(ranked: list[Row], unit: str, higher: bool, what: str) -> str:
    """ "3.2 KiB (asyncio 1.5x more, thread 25x more)" for the best and the rest; a row tied
    with the best says so instead of a ratio."""
    best = ranked[0]
    rest = []
    for r in ranked[1:]:
        if _tied(best, r, higher):
            rest.append(f"{r.label} {fmt_value(r.value, unit)}, a tie")
        else:
            ratio = fmt_ratio(_ratio(best, r, higher))
            rest.append(f"{r.label} {fmt_value(r.value, unit)}, {ratio} {what}")
    return fmt_value(best.value, unit) + (f" ({'; '.join(rest)})" if rest else "")


def _advice_idle(results: Results) -> Advice:
    topic = "Many idle connections"
    mem = [g for g in groups(results, "rss_kib_per_task") if len(g.measured) >= 2]
    switch = groups(results, "switch_ns")
    if not mem and not any(g.measured for g in switch):
        return Advice(topic, f"rss_kib_per_task and switch_ns {NOT_IN_RUN}.")
    parts = []
    if mem:
        g = max(mem, key=lambda g: number(g.param_value("n")) or 0)
        ranked = g.measured
        where = fmt_params(g.params) or "the measured N"
        parts.append(
            f"**{_lead(ranked, False)}** — {_rank_text(ranked, 'KiB', False, 'more')} "
            f"per parked task at {where}"
        )
        unreached = [
            r
            for h in groups(results, "rss_kib_per_task")
            for r in h.missing
            if (number(h.param_value("n")) or 0) >= (number(g.param_value("n")) or 0)
        ]
        for r in unreached:
            parts.append(
                f"{r.label} could not reach {fmt_params(r.params)}"
                + (f" ({r.note})" if r.note else "")
            )
    else:
        parts.append(f"memory per task (rss_kib_per_task) {NOT_IN_RUN}")
    best_switch = _per_label_best((r for g in switch for r in g.rows), higher=False)
    if best_switch:
        ranked = sorted(best_switch.values(), key=lambda r: r.value)  # type: ignore[arg-type,return-value]
        parts.append(
            f"switch cost: {_lead(ranked, False)} {_rank_text(ranked, 'ns', False, 'dearer')} "
            "per switch"
        )
    else:
        parts.append(f"switch cost (switch_ns) {NOT_IN_RUN}")
    return Advice(topic, "; ".join(parts) + ".")


def _zero_delay_rows(results: Results) -> list[Row]:
    return [
        r
        for r in results.of("req_per_s")
        if not r.is_limit
        and not r.is_bare
        and number(r.param("delay_ms")) == 0
        and (r.value or 0) > 0
    ]


def _bare_rate(rows: list[Row], label: str, concurrency: Any) -> float | None:
    """The bare client's req/s of ``label``'s fetch row at delay 0 and ``concurrency``."""
    for r in rows:
        if r.label == label and r.param("concurrency") == concurrency:
            return number(r.info.get("bare_req_per_s"))
    return None


def _bare_tie(rows: list[Row], a: Row, b: Row) -> str | None:
    """Where ``a``'s and ``b``'s bare clients are within BARE_TIE of each other at a point
    both have one: "at c=100 the bare clients read 9,101 and 9,802 req/s"; else None."""
    for c in dict.fromkeys(r.param("concurrency") for r in rows if r.info.get("bare_req_per_s")):
        x, y = _bare_rate(rows, a.label, c), _bare_rate(rows, b.label, c)
        if x and y and max(x, y) / min(x, y) <= BARE_TIE:
            return f"at c={c} the bare clients read {fmt_num(x)} and {fmt_num(y)} req/s"
    return None


def _advice_short_requests(results: Results) -> Advice:
    topic = "Many short requests"
    rows = _zero_delay_rows(results)
    if not rows:
        return Advice(topic, f"req/s at delay 0 ms {NOT_IN_RUN}.")
    best = _per_label_best(rows, higher=True)
    ranked = sorted(best.values(), key=lambda r: -r.value)  # type: ignore[operator]
    top = ranked[0]
    # a pair whose client alone runs as fast as the top one's is not beaten by the model: the
    # gap between their fetch_all figures is our fetcher's cost, or the day's noise
    level = {r.label: why for r in ranked[1:] if (why := _bare_tie(rows, top, r))}
    level.update({r.label: "within the spread" for r in ranked[1:] if _tied(top, r, True)})
    rest = []
    for r in ranked[1:4]:
        ratio = top.value / r.value  # type: ignore[operator]
        at = f"c={r.param('concurrency')}"
        rest.append(f"{fmt_ratio(ratio)} {r.label} ({fmt_num(r.value)} at {at})")
    figures = (
        f"{fmt_value(top.value, 'req/s')} at delay 0 ms, concurrency "
        f"{top.param('concurrency')} (each pair at its best concurrency)"
        + (f"; that is {', '.join(rest)}" if rest else "")
    )
    if level:
        names = join_and([top.label, *level])
        reasons = "; ".join(f"{label}: {why}" for label, why in level.items())
        text = (
            f"**no winner between {names}**: their clients alone run within "
            f"{BARE_TIE - 1:.0%} of each other, or their figures within the spread ({reasons}), "
            f"so the gap below is our fetcher's cost, not the model's. {top.label}: {figures}"
        )
    else:
        text = f"**{top.label}** — {figures}"
    limits = [r for r in results.of("req_per_s") if r.is_limit and r.value is not None]
    limits = [r for r in limits if number(r.param("delay_ms")) in (0, None)]
    if limits:
        lim = max(limits, key=lambda r: r.value)  # type: ignore[arg-type,return-value]
        share = top.value / lim.value if lim.value else 0  # type: ignore[operator]
        text += f"; the server's own limit (wrk) is {fmt_value(lim.value, 'req/s')}"
        if share >= NEAR_SERVER_LIMIT:
            text += f" — the best model reaches {share:.0%} of it: the server bounds this figure"
    else:
        text += "; the server limit (wrk) was not measured"
    if top.info.get("server_saturated"):
        text += " (the server was saturated during this figure: it measures the server)"
    return Advice(topic, text + ".")


def _advice_client_cpu(results: Results) -> Advice:
    """Which pairs are bound by their own client's CPU at each fetch point."""
    topic = "What bounds each pair"
    # (delay, concurrency) -> each pair's row there and its client's CPU share
    points: dict[tuple[float, float], list[tuple[Row, float]]] = {}
    for r in results.of("req_per_s"):
        delay, conc = number(r.param("delay_ms")), number(r.param("concurrency"))
        cpu = number(r.info.get("client_cpu"))
        if r.is_limit or r.is_bare or delay is None or conc is None or cpu is None:
            continue
        points.setdefault((delay, conc), []).append((r, cpu))
    if not points:
        return Advice(topic, f"the clients' CPU (client_cpu) {NOT_IN_RUN}.")
    parts, free = [], []
    for (delay, conc), rows in sorted(points.items()):
        bound = sorted(
            ((r, cpu) for r, cpu in rows if cpu >= spec.CLIENT_CPU_BOUND_AT),
            key=lambda pair: pair[0].label,
        )
        where = f"{delay:g} ms, c={conc:g}"
        if not bound:
            free.append(where)
            continue
        named = []
        for r, cpu in bound:
            us = number(r.info.get("client_cpu_us_per_req"))
            per_request = "" if us is None else f", {us:,.0f} us/req"
            named.append(f"{r.label} ({cpu:.2f} CPU{per_request})")
        parts.append(f"at {where}: {', '.join(named)}")
    text = (
        f"a pair whose client process runs at {spec.CLIENT_CPU_BOUND_AT:.2f} CPU or more is "
        "bound by its own CPU (one interpreter's worth), and its req/s follows this machine's "
        "speed: compare its CPU per request, which moves little from machine to machine; "
    )
    text += "; ".join(parts) if parts else "no pair was CPU-bound at any point"
    if free and parts:
        text += f"; no pair was at {join_and(free)}"
    return Advice(topic, text + ".")


def _advice_cpu(results: Results) -> Advice:
    topic = "CPU-heavy work"
    parts = []
    gs = [g for g in groups(results, "cpu_wall_s") if g.measured]
    if gs:
        g = gs[-1]
        rows = [(r, ratio_to_serial(g, r)) for r in g.measured if not is_serial(r)]
        rows = [(r, x) for r, x in rows if x is not None]
        if rows:
            gain = sorted(
                [(r, x) for r, x in rows if x < CPU_NO_GAIN_MIN_RATIO], key=lambda t: t[1]
            )
            figures = ", ".join(f"{r.label} {x:.2f}" for r, x in rows)
            if gain:
                parts.append(
                    f"**{gain[0][0].label}** cuts the wall time to {gain[0][1]:.2f} of serial "
                    f"(wall time / serial: {figures})"
                )
            else:
                parts.append(
                    f"no model speeds it up (wall time / serial: {figures}, all >= "
                    f"{CPU_NO_GAIN_MIN_RATIO}): use processes (multiprocessing, "
                    "ProcessPoolExecutor) for the CPU part"
                )
        else:
            parts.append(f"ratio to serial {NOT_IN_RUN}")
    else:
        parts.append(f"cpu_wall_s {NOT_IN_RUN}")
    hb = _per_label_best(
        (r for g in groups(results, "heartbeat_lag_ms") for r in g.rows), higher=False
    )
    if hb:

        def lag(r: Row) -> float:
            return r.side("p99_ms") or r.value  # type: ignore[return-value]

        ranked = sorted(hb.values(), key=lag)
        figures = ", ".join(f"{r.label} {fmt_num(lag(r))} ms" for r in ranked)
        parts.append(
            f"to keep other tasks responsive while it runs, **{ranked[0].label}** has the "
            f"lowest heartbeat lag (p99: {figures})"
        )
    else:
        parts.append(f"heartbeat lag {NOT_IN_RUN}")
    return Advice(topic, "; ".join(parts) + ".")


def _advice_blocking(results: Results) -> Advice:
    topic = "Code that must call blocking libraries"
    gs = [g for g in groups(results, "wall_s") if serial_row(g.rows) is not None]
    if not gs:
        return Advice(topic, f"eat/play wall_s with its serial baseline {NOT_IN_RUN}.")
    g = gs[0]
    serial = serial_row(g.rows)
    assert serial is not None
    candidates = [
        ("thread", "threads", "threads (blocking calls release the GIL)"),
        ("gevent", "patched", "gevent with monkey.patch_all()"),
        ("gevent", "unpatched", "gevent without patching"),
        ("asyncio", "blocking", "asyncio with a blocking call in a coroutine"),
    ]
    overlap, blocked, unclear = [], [], []
    for model, variant, desc in candidates:
        rows = eatplay_rows(g, [(model, variant)])
        if not rows:
            continue
        ratio = wall_ratio(g, rows[0])
        if ratio is None:
            continue
        item = f"{desc} {fmt_num(rows[0].value)} s ({ratio:.2f} x serial)"
        if ratio <= EXPECTED_CONCURRENT_RATIO + CONCURRENT_RATIO_TOLERANCE:
            overlap.append((model, item))
        elif ratio >= BLOCKED_MIN_RATIO:
            blocked.append((model, item))
        else:
            unclear.append((model, item))
    if not (overlap or blocked or unclear):
        return Advice(topic, f"the blocking variants of eat/play {NOT_IN_RUN}.")
    parts = []
    if overlap:
        items = join_and([i for _, i in overlap])
        parts.append(f"these still overlap blocking `time.sleep` calls: {items}")
    if blocked:
        parts.append("these run them one after the other: " + join_and([i for _, i in blocked]))
    if unclear:
        parts.append("these are in between: " + join_and([i for _, i in unclear]))
    text = f"against a serial baseline of {fmt_num(serial.value)} s, " + "; ".join(parts)
    winners = list(dict.fromkeys(m for m, _ in overlap))
    lead = " or ".join(winners) if winners else "none of the measured options"
    text = f"**{lead}** — {text}"
    if any(m == "asyncio" for m, _ in blocked):
        text += ". In asyncio a blocking call must go to a thread (`asyncio.to_thread`)"
    return Advice(topic, text + ".")


@dataclass
class ClientVsModel:
    """req/s at one delay and concurrency: each model's fastest client against its httpx,
    and httpx across the models."""

    where: str
    #: (fastest client / httpx, model, fastest-client row, httpx row), largest effect first
    client_effects: list[tuple[float, str, Row, Row]]
    #: httpx rows, fastest first
    httpx_rows: list[Row]

    @property
    def model_effect(self) -> float | None:
        rows = self.httpx_rows
        return rows[0].value / rows[-1].value if len(rows) >= 2 else None  # type: ignore[operator]


def client_vs_model(results: Results) -> ClientVsModel | None:
    """The comparison at delay 0 (else the shortest delay), at the highest concurrency at
    which the most (model, client) pairs were measured; None without req/s figures."""
    rows = _zero_delay_rows(results)
    delay_text = "delay 0 ms"
    if not rows:
        rows = [
            r
            for r in results.of("req_per_s")
            if not r.is_limit and not r.is_bare and (r.value or 0) > 0
        ]
        delays = sorted({number(r.param("delay_ms")) for r in rows} - {None})  # type: ignore[type-var]
        if delays:
            rows = [r for r in rows if number(r.param("delay_ms")) == delays[0]]
            delay_text = f"delay {fmt_num(delays[0])} ms"
    if not rows:
        return None
    by_conc: dict[Any, list[Row]] = {}
    for r in rows:
        by_conc.setdefault(r.param("concurrency"), []).append(r)
    conc, at = max(by_conc.items(), key=lambda kv: (len(kv[1]), number(kv[0]) or 0))
    client_effects = []
    for model in dict.fromkeys(r.model for r in at):
        # the same model on the same loop: only the client differs
        mine = [r for r in at if r.model == model and r.label.split("+")[0] == model]
        httpx = [r for r in mine if r.client == "httpx"]
        other = [r for r in mine if r.client not in (None, "httpx")]
        if httpx and other:
            fast = max(other, key=lambda r: r.value)  # type: ignore[arg-type,return-value]
            client_effects.append((fast.value / httpx[0].value, model, fast, httpx[0]))  # type: ignore[operator]
    client_effects.sort(key=lambda t: -t[0])
    httpx_rows = sorted((r for r in at if r.client == "httpx"), key=lambda r: -r.value)  # type: ignore[operator]
    return ClientVsModel(f"{delay_text}, concurrency {conc}", client_effects, httpx_rows)


def _advice_client_vs_model(results: Results) -> Advice:
    topic = "Client library vs model"
    cvm = client_vs_model(results)
    if cvm is None:
        return Advice(topic, f"req/s per client {NOT_IN_RUN}.")
    where, client_effects, httpx_rows = cvm.where, cvm.client_effects, cvm.httpx_rows
    parts = []
    if client_effects:
        parts.append(
            "changing the client within a model: "
            + "; ".join(
                f"{m} {fast.client} {fmt_num(fast.value)} vs httpx {fmt_num(h.value)} req/s "
                f"= {fmt_ratio(eff)}"
                for eff, m, fast, h in client_effects
            )
        )
    else:
        parts.append(f"the same model with two clients {NOT_IN_RUN}")
    model_effect = cvm.model_effect
    if model_effect is not None:
        parts.append(
            "changing the model with httpx everywhere: "
            + ", ".join(f"{r.label} {fmt_num(r.value)}" for r in httpx_rows)
            + f" req/s = {fmt_ratio(model_effect)} best to worst"
        )
    else:
        parts.append(f"httpx under two models {NOT_IN_RUN}")
    text = f"at {where}: " + "; ".join(parts)
    if client_effects and model_effect is not None:
        top = client_effects[0][0]
        if top > model_effect * TIE_FACTOR:
            text = f"**the client library matters more than the model** ({fmt_ratio(top)} vs " + (
                f"{fmt_ratio(model_effect)}) " + text
            )
        elif model_effect > top * TIE_FACTOR:
            text = (
                f"**the model matters more than the client library** ({fmt_ratio(model_effect)} vs "
                + (f"{fmt_ratio(top)}) " + text)
            )
        else:
            text = "**client library and model matter about equally** " + text
    return Advice(topic, text + ".")


def guide(results: Results) -> list[Advice]:
    """Which model for which job, each sentence resting on this run's figures."""
    held = scale.rows_in(results)
    to_add, by_held = scale.guide_lines(held)
    idle = _advice_idle(results)
    if scale.capacity_rows(held):
        # a held connection carries its socket, buffers and client state; a parked task none
        parked = f"Memory per parked task (a task with no socket): {idle.text}"
        idle = Advice(idle.topic, f"{by_held.text} {parked}")
    return [
        idle,
        _advice_short_requests(results),
        _advice_client_cpu(results),
        _advice_cpu(results),
        _advice_blocking(results),
        _advice_client_vs_model(results),
        *(Advice(a.topic, a.text) for a in behaviour.guide(behaviour.rows_in(results))),
        Advice(to_add.topic, to_add.text),
    ]
