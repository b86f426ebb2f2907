"""Comparison groups: one metric at one parameter set, the models side by side, and what it says.

``groups(results)`` gives one :class:`Group` per (metric, parameters), best row first; its
server-limit row (wrk) rides along, never ranked. :func:`reading` turns a group into the one
line a reader acts on, :func:`table` into the header and cells every renderer lays out::

    Group(metric="switch_ns", params=(("n", 20000),), rows=[gevent, asyncio, thread])
    reading(g) -> "gevent 2.8x cheaper switch than asyncio, 16x than thread"
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from shared import spec
from shared.report.fmt import (
    NONE,
    fmt_num,
    fmt_params,
    fmt_ratio,
    fmt_value,
    join_and,
    side_text,
)
from shared.report.metrics import (
    BEHAVIOUR,
    FIGURE_KEYS,
    HARNESS_OVERHEAD_MAX,
    META_KEYS,
    METRICS,
    TIE_FACTOR,
    Metric,
    guess_metric,
)
from shared.report.results import Results, Row, number

#: the eat/play baseline every eat/play variant is measured against (3 s: eat, then play)
EATPLAY_SERIAL = ("thread", "serial")


@dataclass
class Group:
    """One metric at one parameter set: the models side by side."""

    metric: str
    scenario: str | None
    params: tuple[tuple[str, Any], ...]
    rows: list[Row]
    limit: Row | None = None

    @property
    def meta(self) -> Metric:
        unit = next((r.unit for r in self.rows if r.unit), "")
        return METRICS.get(self.metric) or guess_metric(self.metric, unit)

    @property
    def measured(self) -> list[Row]:
        """Rows with a figure, best first."""
        rows = [r for r in self.rows if r.value is not None]
        return sorted(rows, key=lambda r: -r.value if self.meta.higher_is_better else r.value)  # type: ignore[operator]

    @property
    def missing(self) -> list[Row]:
        return [r for r in self.rows if r.value is None]

    def times_worse(self, row: Row) -> float | None:
        """How many times worse than the best row (1.0 for the best)."""
        best = self.measured[:1]
        if row.value is None or not best:
            return None
        b = best[0].value
        assert b is not None
        if self.meta.higher_is_better:
            return b / row.value if row.value > 0 else math.inf
        if b <= 0:
            return 1.0 if row.value <= 0 else math.inf
        return row.value / b

    def tied(self, row: Row) -> bool:
        """A row that cannot be told from the best one: within :data:`TIE_FACTOR` of it, or
        its rounds' range overlapping the best's (a ranking one noisy round could swap)."""
        best = self.measured[:1]
        if not best or row is best[0] or row.value is None:
            return False
        if (self.times_worse(row) or math.inf) < TIE_FACTOR:
            return True
        return overlap(best[0], row)

    @property
    def title(self) -> str:
        where = fmt_params(self.params)
        return f"{self.metric} — {self.meta.title}" + (f" ({where})" if where else "")

    def param_value(self, key: str) -> Any:
        return dict(self.params).get(key)

    def labels(self) -> dict[int, str]:
        """Row labels, disambiguated by their differing fields where two would collide."""
        out = {id(r): r.label for r in self.rows}
        by_label: dict[str, list[Row]] = {}
        for r in self.rows:
            by_label.setdefault(r.label, []).append(r)
        for label, same in by_label.items():
            if len(same) < 2:
                continue
            keys = sorted({k for r in same for k in r.info} - META_KEYS - FIGURE_KEYS)
            diff = [k for k in keys if len({repr(r.info.get(k)) for r in same}) > 1]
            for i, r in enumerate(same):
                extra = ", ".join(f"{k}={r.info.get(k)}" for k in diff) or f"#{i + 1}"
                out[id(r)] = f"{label} ({extra})"
        return out


def overlap(a: Row, b: Row) -> bool:
    """True when the two rows' ranges over their rounds overlap: their order is not settled."""
    x, y = a.spread, b.spread
    return x is not None and y is not None and x[0] <= y[1] and y[0] <= x[1]


def _sort_key(params: tuple[tuple[str, Any], ...]) -> tuple:
    return tuple((k, (0, v) if number(v) is not None else (1, str(v))) for k, v in params)


def groups(results: Results, metric: str | None = None) -> list[Group]:
    """Groups per (metric, parameters), metrics in METRICS order, parameters ascending."""
    out: dict[tuple, Group] = {}
    limits: list[Row] = []
    for r in results.rows:
        if metric is not None and r.metric != metric:
            continue
        if r.metric == BEHAVIOUR:
            continue  # outcomes, not figures to rank: their own section (shared.report.behaviour)
        if r.is_bare:
            continue  # a bare row shows in the fetch table beside its pair, not ranked
        if r.is_limit:
            limits.append(r)
            continue
        # keyed on the metric and its parameters, never on test or scenario names
        key = (r.metric, r.params)
        out.setdefault(key, Group(r.metric, r.scenario, r.params, [])).rows.append(r)
    order = {m: i for i, m in enumerate(results.metrics)}
    result = sorted(out.values(), key=lambda g: (order.get(g.metric, 99), _sort_key(g.params)))
    for g in result:
        g.limit = _matching_limit(g, [x for x in limits if x.metric == g.metric])
    return result


def _matching_limit(g: Group, limits: list[Row]) -> Row | None:
    """The server-limit row for a group: same parameters, else the same delay (best one)."""
    limits = [x for x in limits if x.value is not None]
    exact = [x for x in limits if x.params == g.params]
    if exact:
        return max(exact, key=lambda x: x.value)  # type: ignore[arg-type,return-value]
    delay = dict(g.params).get("delay_ms")
    same = [x for x in limits if x.param("delay_ms") == delay]
    return max(same, key=lambda x: x.value) if same else None  # type: ignore[arg-type,return-value]


# --- what a group says ---------------------------------------------------------------------


def reading(g: Group) -> str:
    """One line a reader can act on: "gevent 1.6x cheaper switch than asyncio, 15x than thread"."""
    labels = g.labels()
    rows = g.measured
    missing = g.missing
    if not rows:
        why = "; ".join(f"{labels[id(r)]}: {r.note}" for r in missing if r.note)
        return "no figures" + (f" ({why})" if why else "")
    if g.metric == "cpu_wall_s" and all(number(r.info.get("ratio_to_serial")) for r in rows):
        # each model's batch is compared with the serial batch in its own worker; absolute
        # times from different processes differ by more than the models do on a shared machine
        ratios = ", ".join(f"{labels[id(r)]} {number(r.info['ratio_to_serial']):.2f}" for r in rows)
        return f"wall time / serial in the same worker: {ratios} (below 1 = a gain)"
    best = rows[0]
    ties = [r for r in rows[1:] if g.tied(r)]
    rest = [r for r in rows[1:] if r not in ties]
    head = labels[id(best)]
    within = f"within {round((TIE_FACTOR - 1) * 100)}% of each other"
    if any(r.spread is not None for r in rows):
        within = f"a tie: within {round((TIE_FACTOR - 1) * 100)}% or their rounds overlap"
    if ties and not rest and len(rows) > 2:
        text = f"all {len(rows)} {within} ({fmt_value(best.value, g.meta.unit)})"
    elif ties:
        text = f"{join_and([head, *(labels[id(r)] for r in ties)])} {within}"
        if rest:
            text += "; " + _ratio_list(g, rest, labels, lead=f"{g.meta.phrase} than")
    elif rest:
        text = f"{head} " + _ratio_list(g, rest, labels, lead=f"{g.meta.phrase} than")
    else:
        text = f"only {head} measured"
    if missing:
        text += "; not measured: " + ", ".join(
            labels[id(r)] + (f" ({r.note})" if r.note else "") for r in missing
        )
    return text


def _ratio_list(g: Group, rows: list[Row], labels: dict[int, str], lead: str) -> str:
    parts = []
    for i, r in enumerate(rows):
        ratio = g.times_worse(r)
        rtext = "∞x" if ratio is None or math.isinf(ratio) else fmt_ratio(ratio)
        parts.append(
            f"{rtext} {lead} {labels[id(r)]}" if i == 0 else f"{rtext} than {labels[id(r)]}"
        )
    return ", ".join(parts)


def winner(g: Group) -> str:
    """The best row's label, or "N-way tie" when others are within the tie factor of it."""
    rows = g.measured
    tied = [r for r in rows[1:] if g.tied(r)]
    return f"{len(tied) + 1}-way tie" if tied else g.labels()[id(rows[0])]


# --- serial baselines ----------------------------------------------------------------------


def is_serial(r: Row) -> bool:
    return r.variant == "serial" or r.model == "serial"


def serial_row(rows: Iterable[Row]) -> Row | None:
    return next((r for r in rows if is_serial(r) and r.value is not None), None)


def ratio_to_serial(g: Group, row: Row) -> float | None:
    """A row's ratio to its group's serial baseline, recorded or computed."""
    recorded = row.side("ratio_to_serial")
    if recorded is not None:
        return recorded
    base = serial_row(g.rows)
    if base is None or base.value in (None, 0) or row.value is None:
        return None
    return row.value / base.value  # type: ignore[operator]


def eatplay_rows(g: Group, pairs: Iterable[tuple[str, str]]) -> list[Row]:
    """The measured eat/play rows of these (model, variant) pairs, in their order."""
    out = []
    for model, variant in pairs:
        default = spec.VARIANTS.get(model, (None,))[0]
        for r in g.measured:
            if r.model == model and (r.variant or default) == variant:
                out.append(r)
    return out


def eatplay_serial(g: Group) -> Row | None:
    return serial_row(r for r in g.rows if (r.model, r.variant) == EATPLAY_SERIAL)


def wall_ratio(g: Group, r: Row) -> float | None:
    """An eat/play row's wall time over the serial baseline's (2/3 = ran concurrently)."""
    base = eatplay_serial(g)
    if base is None or not base.value or r.value is None:
        return None
    return r.value / base.value


# --- a group as a table --------------------------------------------------------------------


def table(g: Group) -> tuple[list[str], list[list[str]]]:
    """Header and cells: label, value, times worse than the best, side figures, notes."""
    meta = g.meta
    labels = g.labels()
    header = ["model", meta.unit or "value", "vs best", *(title for _, title in meta.columns)]
    spread = any(r.spread is not None for r in g.rows)
    if spread:
        header.insert(2, "rounds")
    header.append("notes")
    cells = []
    best = g.measured[:1]
    for r in [*g.measured, *g.missing]:
        ratio = g.times_worse(r)
        if r.value is None:
            rtext = NONE
        elif best and r is best[0]:
            rtext = "best"
        elif g.tied(r):
            rtext = "tie"
        else:
            rtext = "∞" if ratio is None or math.isinf(ratio) else f"{ratio:.2f}x"
        side = []
        for key, _ in meta.columns:
            if key == "ratio_to_serial":
                x = ratio_to_serial(g, r)
                side.append(NONE if x is None else f"{x:.2f}")
            else:
                side.append(side_text(r, key))
        rounds = [_range_text(r)] if spread else []
        cells.append([labels[id(r)], fmt_num(r.value), *rounds, rtext, *side, _notes(r)])
    if g.limit is not None:
        lim = g.limit
        side = [side_text(lim, key) for key, _ in meta.columns]
        extra = fmt_params(p for p in lim.params if p not in g.params)
        notes = "; ".join(n for n in (extra and f"measured at {extra}", lim.note) if n)
        rounds = [NONE] if spread else []
        cells.append([lim.label, fmt_num(lim.value), *rounds, lim.limit_kind, *side, notes])
    return header, cells


def _range_text(r: Row) -> str:
    """The rounds' lowest to highest figure: ``"1,200-1,450"``."""
    return NONE if r.spread is None else f"{fmt_num(r.spread[0])}-{fmt_num(r.spread[1])}"


def _notes(r: Row) -> str:
    notes = []
    if r.note:
        notes.append(r.note)
    overhead = r.side("harness_overhead")
    if overhead is not None and overhead > HARNESS_OVERHEAD_MAX:
        notes.append(f"harness overhead {overhead:.1%} (> {HARNESS_OVERHEAD_MAX:.0%})")
    if not r.timed and r.value is not None:
        notes.append("untimed")
    return "; ".join(notes)
