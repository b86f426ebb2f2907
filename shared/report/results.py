"""Benchmark results as rows: pytest-benchmark's JSON in, one :class:`Row` per benchmark out.

Input is always pytest-benchmark's JSON shape (``{"benchmarks": [{"extra_info": {...},
"stats": {...}}, ...]}``): the session builds it at the end of ``pytest benchmarks/``
(shared.report.session) and ``switchbench report RESULTS.json`` reads it from a
``--benchmark-json`` file (:func:`load_results`). Everything is keyed on
``extra_info["metric"]`` (shared.bench.timing.record), never on test names, and whatever subset
of metrics is present is read: a metric that was not run is listed as such (:func:`not_run`).

A run, in short: ``results_from_json(data).rows`` -> ``[Row(metric="switch_ns",
model="gevent", value=900.0, unit="ns", params=(("n", 20000),), ...), ...]``.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared import spec
from shared.report.metrics import (
    HELD,
    LIMIT_MODELS,
    METRICS,
    PARAM_KEYS,
    SCALE_SCENARIOS,
    unit_factor,
)


class ReportError(Exception):
    """A results file that cannot be reported on; the message is one line."""


def number(x: Any) -> float | None:
    """A finite figure, or None for anything else (a bool, a string, NaN, a missing value)."""
    if isinstance(x, bool) or not isinstance(x, int | float):
        return None
    x = float(x)
    return x if math.isfinite(x) else None


@dataclass(frozen=True, eq=False)
class Row:
    """One benchmark's figure, in its metric's display unit."""

    metric: str
    scenario: str | None
    model: str
    variant: str | None
    client: str | None
    value: float | None
    unit: str
    params: tuple[tuple[str, Any], ...]
    info: dict[str, Any] = field(compare=False, repr=False)
    timed: bool = True
    name: str = ""
    #: the lowest and highest figure over the rounds behind ``value`` (``value_min`` and
    #: ``value_max`` in extra_info), in the display unit; None when not recorded
    spread: tuple[float, float] | None = None

    @property
    def note(self) -> str | None:
        note = self.info.get("note")
        return str(note) if note not in (None, "") else None

    def side(self, key: str) -> float | None:
        return number(self.info.get(key))

    def param(self, key: str) -> Any:
        return dict(self.params).get(key)

    @property
    def is_bare(self) -> bool:
        """A fetch pair's client alone (variant "bare"): the reference its fetch_all row is
        compared with in the fetch tables, not a pair to rank."""
        return self.variant == "bare"

    @property
    def is_limit(self) -> bool:
        return self.model in LIMIT_MODELS

    @property
    def limit_kind(self) -> str:
        """What a limit row is: without a server delay the most the server gives; with one,
        a reference a client may beat (wrk's lock-step connections queue at the server)."""
        return "reference" if number(self.param("delay_ms")) else "server limit"

    @property
    def label(self) -> str:
        if self.is_limit:
            return f"{self.model} ({self.limit_kind})"
        out = self.model
        default = spec.VARIANTS.get(self.model, (None,))[0]
        if self.variant and self.variant not in (self.model, default):
            out += f"/{self.variant}"
        if self.client:
            out += f"+{self.client}"
        return out


def _params(info: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(
        (k, info[k])
        for k in PARAM_KEYS
        if isinstance(info.get(k), str | int | float) and not isinstance(info.get(k), bool)
    )


def _common_params(rows: list[Row]) -> list[Row]:
    """Keep, per metric, only the parameter keys that every model's row carries."""
    common: dict[str, set[str]] = {}
    for metric in dict.fromkeys(r.metric for r in rows):
        mine = [r for r in rows if r.metric == metric]
        models = [r for r in mine if not r.is_limit] or mine
        common[metric] = set.intersection(*({k for k, _ in r.params} for r in models))
    return [
        dataclasses.replace(r, params=tuple(p for p in r.params if p[0] in common[r.metric]))
        for r in rows
    ]


def row_from_entry(entry: dict[str, Any]) -> Row | None:
    """A Row from one pytest-benchmark JSON benchmark, or None without switchbench fields."""
    info = entry.get("extra_info")
    if not isinstance(info, dict) or not isinstance(info.get("metric"), str):
        return None
    metric = info["metric"]
    meta = METRICS.get(metric)
    raw_unit = info.get("unit") if isinstance(info.get("unit"), str) else None
    value = number(info.get("value"))
    unit = raw_unit or (meta.unit if meta else "")
    factor: float | None = 1.0
    if meta is not None:
        factor = 1.0 if raw_unit is None else unit_factor(raw_unit, meta.unit)
        if factor is None:
            # a figure in a unit we cannot convert must not be ranked against the others
            info = {**info, "note": f"unit {raw_unit!r} is not convertible to {meta.unit}"}
            value = None
        elif value is not None:
            value *= factor
        unit = meta.unit
    low, high = number(info.get("value_min")), number(info.get("value_max"))
    spread = None
    if value is not None and factor is not None and low is not None and high is not None:
        spread = (low * factor, high * factor)
    scenario = info.get("scenario")
    return Row(
        metric=metric,
        scenario=str(scenario) if scenario is not None else None,
        model=str(info.get("model") or "?"),
        variant=str(info["variant"]) if info.get("variant") is not None else None,
        client=str(info["client"]) if info.get("client") is not None else None,
        value=value,
        unit=unit,
        params=_params(info),
        info=info,
        timed=isinstance(entry.get("stats"), dict),
        name=str(entry.get("name") or entry.get("fullname") or ""),
        spread=spread,
    )


@dataclass
class Results:
    rows: list[Row]
    #: the run had --benchmark-disable: benchmark bodies ran once, untimed
    timings_disabled: bool
    #: benchmarks without switchbench fields (not comparable, left out)
    skipped: int
    meta: dict[str, Any]
    #: the layouts and capacity rows: not in ``rows``, read by shared.report.scale alone
    scale: list[Row] = field(default_factory=list)

    def of(self, metric: str) -> list[Row]:
        return [r for r in self.rows if r.metric == metric]

    @property
    def metrics(self) -> list[str]:
        seen = list(dict.fromkeys(r.metric for r in self.rows))
        return [m for m in METRICS if m in seen] + [m for m in seen if m not in METRICS]

    @property
    def has_figures(self) -> bool:
        return any(r.value is not None for r in [*self.rows, *self.scale])


def is_scale(row: Row) -> bool:
    """A layouts or capacity row (shared.report.scale), not a one-process figure."""
    return row.metric == HELD or row.scenario in SCALE_SCENARIOS


def results_from_json(data: Any) -> Results:
    """Results from pytest-benchmark's JSON (a dict); ReportError when it is not that."""
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise ReportError("not a pytest-benchmark JSON file (no 'benchmarks' list)")
    every: list[Row] = []
    skipped = 0
    for entry in data["benchmarks"]:
        row = row_from_entry(entry) if isinstance(entry, dict) else None
        if row is None:
            skipped += 1
            continue
        every.append(row)
    scale = [r for r in every if is_scale(r)]
    rows = _common_params([r for r in every if not is_scale(r)])
    ours = data.get("switchbench") if isinstance(data.get("switchbench"), dict) else {}
    untimed = all(not r.timed for r in every)
    disabled = bool(ours.get("timings_disabled")) or (bool(every) and untimed)
    versions = next(
        (r.info["versions"] for r in every if isinstance(r.info.get("versions"), dict)), {}
    )
    machine = next(
        (r.info["machine"] for r in every if isinstance(r.info.get("machine"), dict)), {}
    )
    meta = {
        "datetime": data.get("datetime"),
        "command": ours.get("command"),
        "versions": versions,
        "machine": machine,
        "machine_info": data.get("machine_info") or {},
        "commit_info": data.get("commit_info") or {},
    }
    return Results(rows, disabled, skipped, meta, scale)


def load_results(path: str | Path) -> Results:
    """Read a saved ``--benchmark-json`` file; ReportError with a one-line reason otherwise."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportError(f"{p}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"{p}: cannot read: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(f"{p}: not JSON ({exc.msg} at line {exc.lineno})") from None
    try:
        res = results_from_json(data)
    except ReportError as exc:
        raise ReportError(f"{p}: {exc}") from None
    if not res.rows and not res.scale:
        raise ReportError(f"{p}: no switchbench results in it (no benchmark has extra_info.metric)")
    res.meta["raw"] = data
    return res


def not_run(results: Results) -> list[str]:
    """The metrics this run did not produce, with what they measure."""
    present = set(results.metrics)
    return [f"{m} ({meta.title})" for m, meta in METRICS.items() if m not in present]
