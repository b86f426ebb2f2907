"""Benchmark results -> side-by-side tables, a decision guide, the seed's claims, plots.

Input is always pytest-benchmark's JSON shape (``{"benchmarks": [{"extra_info": {...},
"stats": {...}}, ...]}``): the session builds it at the end of ``pytest benchmarks/`` and
``switchbench report RESULTS.json`` reads it from a ``--benchmark-json`` file. Everything is
keyed on ``extra_info["metric"]`` (shared.bench.timing.record), never on test names, and reads
whatever subset of metrics is present: a metric that was not run is listed as such.

This module imports nothing heavy: the terminal comparison runs in the pytest process at
summary time. Plots live in :mod:`shared.report.plots`, which imports matplotlib when it draws.
"""

from __future__ import annotations

import dataclasses
import json
import math
import shlex
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared import spec

# --- verdict thresholds (defined once; the claims and the guide both use them) -------------

#: two figures closer than this factor are called a tie ("within 5%")
TIE_FACTOR = 1.05
#: "a coroutine switch is cheaper than a thread switch" holds when every coroutine figure is
#: at least this many times below the thread figure; a smaller gap is within the noise of a
#: small shared machine, so it does not count as "cheaper"
SWITCH_ADVANTAGE_MIN = 1.2
#: eat/play run concurrently takes max(eat, play) / (eat + play) of the serial time (2/3)
EXPECTED_CONCURRENT_RATIO = max(spec.EAT_SECONDS, spec.PLAY_SECONDS) / (
    spec.EAT_SECONDS + spec.PLAY_SECONDS
)
#: a variant "ran concurrently" when wall_s / serial wall_s is within this of 2/3, i.e. in
#: [0.54, 0.80]: start-up costs push it up a little, a blocked run sits at 1.0
CONCURRENT_RATIO_TOLERANCE = 0.13
#: a variant "blocked" (ran like the serial baseline) when wall_s / serial wall_s >= this
BLOCKED_MIN_RATIO = 0.9
#: CPU-bound work: a model "does not help" when its wall time is >= this fraction of serial
CPU_NO_GAIN_MIN_RATIO = 0.9
#: a harness round trip above this share of a round makes the figure suspect (bench.py)
HARNESS_OVERHEAD_MAX = 0.01
#: the best figure within this share of the server limit (wrk) measures the server
NEAR_SERVER_LIMIT = 0.9


# --- what each metric means ----------------------------------------------------------------


@dataclass(frozen=True)
class Metric:
    title: str
    #: the unit figures are shown in; rows recorded in another unit of the same kind are
    #: converted (ns <-> us <-> s, B <-> KiB <-> MiB)
    unit: str
    higher_is_better: bool
    #: "gevent 1.6x <phrase> than thread"
    phrase: str
    #: side figures shown next to the value, (extra_info key, column title)
    columns: tuple[tuple[str, str], ...] = ()


METRICS: dict[str, Metric] = {
    "switch_ns": Metric(
        "Event ping-pong switch, per one-way handoff", "ns", False, "cheaper switch"
    ),
    "yield_ns": Metric("sleep(0) yield", "ns", False, "cheaper yield"),
    "raw_switch_ns": Metric(
        "raw switch floor (greenlet.switch, coroutine send, generator next)",
        "ns",
        False,
        "cheaper raw switch",
    ),
    "spawn_join_us": Metric("spawn + join, per task", "us", False, "cheaper spawn+join"),
    "rss_kib_per_task": Metric("memory per parked task (RSS)", "KiB", False, "less memory"),
    "req_per_s": Metric(
        "HTTP fetch throughput",
        "req/s",
        True,
        "more req/s",
        (
            ("efficiency", "eff"),
            ("p50_ms", "p50 ms"),
            ("p99_ms", "p99 ms"),
            ("errors", "errors"),
            ("server_cpu", "server cpu"),
        ),
    ),
    "cpu_wall_s": Metric(
        "CPU-bound work, wall time", "s", False, "faster", (("ratio_to_serial", "x serial"),)
    ),
    "heartbeat_lag_ms": Metric(
        "heartbeat lag while CPU-bound work runs",
        "ms",
        False,
        "lower heartbeat lag",
        (("p99_ms", "p99 ms"), ("max_ms", "max ms")),
    ),
    "wall_s": Metric(
        "eat/play wall time", "s", False, "faster", (("ratio_to_serial", "x serial"),)
    ),
}

#: extra_info keys that describe a row, never a difference between two rows of a table
META_KEYS = frozenset(
    {
        "model",
        "variant",
        "client",
        "scenario",
        "metric",
        "value",
        "unit",
        "versions",
        "machine",
        "note",
        "round_median_s",
        "harness_roundtrip_s",
        "harness_overhead",
    }
)
#: side figures measured beside the value (never used to tell two rows apart)
FIGURE_KEYS = frozenset(
    {
        "efficiency",
        "p50_ms",
        "p90_ms",
        "p95_ms",
        "p99_ms",
        "max_ms",
        "min_ms",
        "mean_ms",
        "median_ms",
        "errors",
        "server_cpu",
        "server_saturated",
        "ratio_to_serial",
        "ideal_req_per_s",
        "elapsed_s",
        "requests",
        "count",
        "peak",
        "reached",
    }
)
#: the parameters a metric is compared at; a key counts for a metric only when every model's
#: row carries it (a key on some rows only describes those rows and must not split the
#: comparison). Other keys never split it: rows they tell apart get them in their labels.
PARAM_KEYS = ("delay_ms", "concurrency", "n", "scale")

#: the model rows that are the server's own limit, not a model
LIMIT_MODELS = frozenset({"wrk"})

#: eat/play variants that should overlap eat and play (2 s) and the serial baseline (3 s)
EATPLAY_CONCURRENT = (
    ("gevent", "patched"),
    ("gevent", "gevent-sleep"),
    ("asyncio", "asyncio"),
    ("asyncio", "uvloop"),
    ("thread", "threads"),
)
EATPLAY_SERIAL = ("thread", "serial")
COROUTINE_MODELS = ("gevent", "asyncio")

_TIME = {
    "ns": 1e-9,
    "nanoseconds": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "microseconds": 1e-6,
    "ms": 1e-3,
    "milliseconds": 1e-3,
    "s": 1.0,
    "sec": 1.0,
    "seconds": 1.0,
}
_SIZE = {
    "b": 1,
    "byte": 1,
    "bytes": 1,
    "kib": 1024,
    "kb": 1024,
    "mib": 1024**2,
    "mb": 1024**2,
    "gib": 1024**3,
    "gb": 1024**3,
}
_RATE = {"req/s", "rps", "requests/s", "req/sec", "reqs/s"}


#: the report's plots (shared.report.plots draws them): file stem -> what it shows
PLOT_CAPTIONS = {
    "throughput": "Throughput vs concurrency per model+client, one panel per server delay; "
    "dashed black = wrk against the same server (its limit without a delay, a reference "
    "with one), dotted = ideal concurrency / delay",
    "latency": "p50 and p99 latency vs concurrency per model+client",
    "switching": "Switch, yield and raw switch cost per operation; spawn+join cost vs N",
    "memory": "Memory per parked task vs N (log-log); x = a model that could not reach N",
    "cpu_bound": "CPU-bound work: wall time relative to serial, and heartbeat lag meanwhile",
    "eat_play": "eat/play wall time per model and variant against the serial baseline",
}


class ReportError(Exception):
    """A results file that cannot be reported on; the message is one line."""


# --- rows ----------------------------------------------------------------------------------


def number(x: Any) -> float | None:
    if isinstance(x, bool) or not isinstance(x, int | float):
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _unit_factor(unit: str | None, target: str) -> float | None:
    """Multiply a figure in ``unit`` by this to get ``target``; None when not convertible."""
    if not unit:
        return None
    u = unit.strip()
    if u.lower() in _RATE or target.lower() in _RATE:
        return 1.0 if u.lower() in _RATE and target.lower() in _RATE else None
    base = u.split("/")[0].split()[0] if u.split("/")[0].split() else ""
    if base in _TIME and target in _TIME:
        return _TIME[base] / _TIME[target]
    if base.lower() in _SIZE and target.lower() in _SIZE:
        return _SIZE[base.lower()] / _SIZE[target.lower()]
    return None


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

    @property
    def note(self) -> str | None:
        note = self.info.get("note")
        return str(note) if note not in (None, "") else None

    def side(self, key: str) -> float | None:
        return number(self.info.get(key))

    def param(self, key: str) -> Any:
        return dict(self.params).get(key)

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
    if meta is not None:
        factor = 1.0 if raw_unit is None else _unit_factor(raw_unit, meta.unit)
        if factor is None:
            # a figure in a unit we cannot convert must not be ranked against the others
            info = {**info, "note": f"unit {raw_unit!r} is not convertible to {meta.unit}"}
            value = None
        elif value is not None:
            value *= factor
        unit = meta.unit
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
    )


@dataclass
class Results:
    rows: list[Row]
    #: the run had --benchmark-disable: benchmark bodies ran once, untimed
    timings_disabled: bool
    #: benchmarks without switchbench fields (not comparable, left out)
    skipped: int
    meta: dict[str, Any]

    def of(self, metric: str) -> list[Row]:
        return [r for r in self.rows if r.metric == metric]

    @property
    def metrics(self) -> list[str]:
        seen = list(dict.fromkeys(r.metric for r in self.rows))
        return [m for m in METRICS if m in seen] + [m for m in seen if m not in METRICS]

    @property
    def has_figures(self) -> bool:
        return any(r.value is not None for r in self.rows)


def results_from_json(data: Any) -> Results:
    """Results from pytest-benchmark's JSON (a dict); ReportError when it is not that."""
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise ReportError("not a pytest-benchmark JSON file (no 'benchmarks' list)")
    rows: list[Row] = []
    skipped = 0
    untimed = 0
    for entry in data["benchmarks"]:
        row = row_from_entry(entry) if isinstance(entry, dict) else None
        if row is None:
            skipped += 1
            continue
        rows.append(row)
        untimed += not row.timed
    rows = _common_params(rows)
    ours = data.get("switchbench") if isinstance(data.get("switchbench"), dict) else {}
    disabled = bool(ours.get("timings_disabled")) or (bool(rows) and untimed == len(rows))
    versions = next(
        (r.info["versions"] for r in rows if isinstance(r.info.get("versions"), dict)), {}
    )
    machine = next((r.info["machine"] for r in rows if isinstance(r.info.get("machine"), dict)), {})
    meta = {
        "datetime": data.get("datetime"),
        "command": ours.get("command"),
        "versions": versions,
        "machine": machine,
        "machine_info": data.get("machine_info") or {},
        "commit_info": data.get("commit_info") or {},
    }
    return Results(rows, disabled, skipped, meta)


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
    if not res.rows:
        raise ReportError(f"{p}: no switchbench results in it (no benchmark has extra_info.metric)")
    res.meta["raw"] = data
    return res


# --- formatting ----------------------------------------------------------------------------


def fmt_num(x: float | None) -> str:
    if x is None:
        return "—"
    a = abs(x)
    if a >= 100 or (a >= 10 and x == int(x)):
        return f"{x:,.0f}"
    if a >= 10:
        return f"{x:.1f}"
    if a >= 1:
        return f"{x:.2f}"
    if a == 0:
        return "0"
    return f"{x:#.3g}"


def fmt_ratio(r: float) -> str:
    if math.isinf(r) or math.isnan(r):
        return "∞x"
    return f"{r:.1f}x" if r < 10 else f"{r:.0f}x"


def fmt_value(x: float | None, unit: str) -> str:
    return "—" if x is None else f"{fmt_num(x)} {unit}".rstrip()


def fmt_param(v: Any) -> str:
    n = number(v)
    if n is None:
        return str(v)
    return f"{n:,.0f}" if n == int(n) else fmt_num(n)


def fmt_params(params: Iterable[tuple[str, Any]]) -> str:
    parts = []
    for k, v in params:
        if k == "n" and number(v) is not None:
            parts.append(f"N={fmt_param(v)}")
        elif k == "delay_ms":
            parts.append(f"delay {fmt_param(v)} ms")
        elif k == "concurrency":
            parts.append(f"concurrency {v}")
        elif k == "switch_interval_s" and number(v) is not None:
            parts.append(f"switch interval {fmt_num(number(v) * 1000)} ms")  # type: ignore[operator]
        else:
            parts.append(f"{k}={v}")
    return ", ".join(parts)


def fmt_share(x: float) -> str:
    """A share as a percentage; figures above 2 are taken as already in percent (psutil's
    cpu_percent), since a fraction above 2 is not a share any benchmark here records."""
    return f"{x:.0f}%" if x > 2 else f"{x * 100:.0f}%"


def _side_text(row: Row, key: str) -> str:
    v = row.info.get(key)
    n = number(v)
    if key in ("efficiency", "server_cpu") and n is not None:
        text = fmt_share(n)
        if key == "server_cpu" and row.info.get("server_saturated"):
            text += " SATURATED"
        return text
    if key == "ratio_to_serial" and n is not None:
        return f"{n:.2f}"
    if isinstance(v, bool) or v is None:
        return "—" if v is None else str(v)
    return fmt_num(n) if n is not None else str(v)


# --- comparison groups ---------------------------------------------------------------------


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
        return METRICS.get(self.metric) or _guess_metric(self.metric, self.rows)

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


def _guess_metric(name: str, rows: Sequence[Row]) -> Metric:
    unit = next((r.unit for r in rows if r.unit), "")
    higher = "/s" in unit or "per_s" in name or "ops" in unit
    return Metric(name, unit, higher, "higher" if higher else "lower")


def _sort_key(params: tuple[tuple[str, Any], ...]) -> tuple:
    return tuple((k, (0, v) if number(v) is not None else (1, str(v))) for k, v in params)


def groups(results: Results, metric: str | None = None) -> list[Group]:
    """Groups per (metric, parameters), metrics in METRICS order, parameters ascending."""
    out: dict[tuple, Group] = {}
    limits: list[Row] = []
    for r in results.rows:
        if metric is not None and r.metric != metric:
            continue
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
    ties = [r for r in rows[1:] if (g.times_worse(r) or 0) < TIE_FACTOR]
    rest = [r for r in rows[1:] if r not in ties]
    head = labels[id(best)]
    within = f"within {round((TIE_FACTOR - 1) * 100)}% of each other"
    if ties and not rest and len(rows) > 2:
        text = f"all {len(rows)} {within} ({fmt_value(best.value, g.meta.unit)})"
    elif ties:
        text = f"{_and([head, *(labels[id(r)] for r in ties)])} {within}"
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


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _ratio_list(g: Group, rows: list[Row], labels: dict[int, str], lead: str) -> str:
    parts = []
    for i, r in enumerate(rows):
        ratio = g.times_worse(r)
        rtext = "∞x" if ratio is None or math.isinf(ratio) else fmt_ratio(ratio)
        parts.append(
            f"{rtext} {lead} {labels[id(r)]}" if i == 0 else f"{rtext} than {labels[id(r)]}"
        )
    return ", ".join(parts)


def ratio_to_serial(g: Group, row: Row) -> float | None:
    """A row's ratio to its group's serial baseline, recorded or computed."""
    recorded = row.side("ratio_to_serial")
    if recorded is not None:
        return recorded
    base = serial_row(g.rows)
    if base is None or base.value in (None, 0) or row.value is None:
        return None
    return row.value / base.value  # type: ignore[operator]


def _is_serial(r: Row) -> bool:
    return r.variant == "serial" or r.model == "serial"


def serial_row(rows: Iterable[Row]) -> Row | None:
    return next((r for r in rows if _is_serial(r) and r.value is not None), None)


# --- the seed's claims ---------------------------------------------------------------------

HOLDS = "holds"
FAILS = "does not hold"
NOT_MEASURED = "not measured"


@dataclass(frozen=True)
class Claim:
    claim: str
    verdict: str
    evidence: str


def _combine(parts: list[tuple[str, str]], groups_: list[Group]) -> tuple[str, str]:
    """Verdict over several parameter sets: any failure fails, all holding holds."""
    measured = [(v, e, g) for (v, e), g in zip(parts, groups_, strict=True) if v != NOT_MEASURED]
    if not measured:
        return NOT_MEASURED, parts[0][1] if parts else "no figures in this run"
    verdict = FAILS if any(v == FAILS for v, _, _ in measured) else HOLDS
    if len(measured) == 1:
        return verdict, measured[0][1]
    return verdict, "; ".join(f"{fmt_params(g.params) or 'default'}: {e}" for _, e, g in measured)


def _claim_over(
    results: Results, metric: str, judge: Callable[[Group], tuple[str, str]]
) -> tuple[str, str]:
    gs = groups(results, metric)
    if not gs:
        return NOT_MEASURED, f"no {metric} results in this run"
    return _combine([judge(g) for g in gs], gs)


def _switch_claim(g: Group) -> tuple[str, str]:
    labels = g.labels()
    threads = [r for r in g.measured if r.model == "thread"]
    coros = [r for r in g.measured if r.model in COROUTINE_MODELS]
    if not threads or not coros:
        return NOT_MEASURED, "needs switch_ns for thread and for gevent or asyncio"
    thread = min(threads, key=lambda r: r.value)  # type: ignore[arg-type,return-value]
    worst = max(coros, key=lambda r: r.value)  # type: ignore[arg-type,return-value]
    advantage = thread.value / worst.value if worst.value else math.inf  # type: ignore[operator]
    figures = ", ".join(f"{labels[id(r)]} {fmt_value(r.value, 'ns')}" for r in coros)
    evidence = (
        f"{figures} vs {labels[id(thread)]} {fmt_value(thread.value, 'ns')} per switch: "
        f"the dearest coroutine is {fmt_ratio(advantage)} cheaper "
        f"(needs >= {SWITCH_ADVANTAGE_MIN}x)"
    )
    return (HOLDS if advantage >= SWITCH_ADVANTAGE_MIN else FAILS), evidence


def _eatplay_rows(g: Group, pairs: Iterable[tuple[str, str]]) -> list[Row]:
    out = []
    for model, variant in pairs:
        default = spec.VARIANTS.get(model, (None,))[0]
        for r in g.measured:
            if r.model == model and (r.variant or default) == variant:
                out.append(r)
    return out


def _wall_ratio(g: Group, r: Row) -> float | None:
    base = serial_row(r2 for r2 in g.rows if (r2.model, r2.variant) == EATPLAY_SERIAL)
    if base is None or not base.value or r.value is None:
        return None
    return r.value / base.value


def _concurrent_ok(ratio: float) -> bool:
    return abs(ratio - EXPECTED_CONCURRENT_RATIO) <= CONCURRENT_RATIO_TOLERANCE


def _eatplay_claim(g: Group) -> tuple[str, str]:
    labels = g.labels()
    serial = serial_row(r for r in g.rows if (r.model, r.variant) == EATPLAY_SERIAL)
    conc = _eatplay_rows(g, EATPLAY_CONCURRENT)
    if serial is None or not conc:
        return NOT_MEASURED, "needs wall_s of thread/serial and of a concurrent variant"
    ratios = [(r, _wall_ratio(g, r)) for r in conc]
    if any(x is None for _, x in ratios):
        return NOT_MEASURED, f"serial wall_s is {fmt_num(serial.value)} s: no ratio"
    ok = all(_concurrent_ok(x) for _, x in ratios)  # type: ignore[arg-type]
    figures = ", ".join(f"{labels[id(r)]} {fmt_num(r.value)} s ({x:.2f})" for r, x in ratios)
    lo = EXPECTED_CONCURRENT_RATIO - CONCURRENT_RATIO_TOLERANCE
    hi = EXPECTED_CONCURRENT_RATIO + CONCURRENT_RATIO_TOLERANCE
    evidence = (
        f"{figures} vs serial {fmt_num(serial.value)} s; concurrent must be "
        f"{lo:.2f}-{hi:.2f} x serial (2 s / 3 s = {EXPECTED_CONCURRENT_RATIO:.2f})"
    )
    return (HOLDS if ok else FAILS), evidence


def _blocked_claim(model: str, variant: str) -> Callable[[Group], tuple[str, str]]:
    def judge(g: Group) -> tuple[str, str]:
        serial = serial_row(r for r in g.rows if (r.model, r.variant) == EATPLAY_SERIAL)
        rows = _eatplay_rows(g, [(model, variant)])
        if serial is None or not rows:
            return NOT_MEASURED, f"needs wall_s of {model}/{variant} and thread/serial"
        r = rows[0]
        ratio = _wall_ratio(g, r)
        if ratio is None:
            return NOT_MEASURED, f"serial wall_s is {fmt_num(serial.value)} s: no ratio"
        evidence = (
            f"{model}/{variant} {fmt_num(r.value)} s vs serial {fmt_num(serial.value)} s "
            f"= {ratio:.2f} x serial (blocked means >= {BLOCKED_MIN_RATIO})"
        )
        return (HOLDS if ratio >= BLOCKED_MIN_RATIO else FAILS), evidence

    return judge


def _cpu_claim(g: Group) -> tuple[str, str]:
    labels = g.labels()
    rows = [(r, ratio_to_serial(g, r)) for r in g.measured if not _is_serial(r)]
    rows = [(r, x) for r, x in rows if x is not None]
    if not rows:
        return NOT_MEASURED, "needs cpu_wall_s with ratio_to_serial (or a serial row)"
    ok = all(x >= CPU_NO_GAIN_MIN_RATIO for _, x in rows)
    figures = ", ".join(f"{labels[id(r)]} {x:.2f}" for r, x in rows)
    evidence = (
        f"wall time / serial: {figures} (no gain means >= {CPU_NO_GAIN_MIN_RATIO} for every model)"
    )
    return (HOLDS if ok else FAILS), evidence


def claims(results: Results) -> list[Claim]:
    """The seed's claims, each with a verdict and the figures it rests on."""
    spec_ = [
        (
            "A coroutine switch is cheaper than a thread switch (协程开销小)",
            "switch_ns",
            _switch_claim,
        ),
        (
            "eat/play run concurrently takes 2 s, not the serial 3 s",
            "wall_s",
            _eatplay_claim,
        ),
        (
            "A raw greenlet does not switch on I/O: it runs like serial",
            "wall_s",
            _blocked_claim("gevent", "greenlet"),
        ),
        (
            "Without monkey.patch_all(), time.sleep blocks gevent: it runs like serial",
            "wall_s",
            _blocked_claim("gevent", "unpatched"),
        ),
        (
            "Coroutines do not speed up CPU-bound work (计算密集型还是串行好)",
            "cpu_wall_s",
            _cpu_claim,
        ),
    ]
    out = []
    for text, metric, judge in spec_:
        verdict, evidence = _claim_over(results, metric, judge)
        out.append(Claim(text, verdict, evidence))
    return out


# --- the decision guide --------------------------------------------------------------------

NOT_IN_RUN = "not measured in this run"


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


def _rank_text(ranked: list[Row], unit: str, higher: bool, what: str) -> str:
    """ "3.2 KiB (asyncio 1.5x more, thread 25x more)" for the best and the rest."""
    best = ranked[0]
    rest = []
    for r in ranked[1:]:
        ratio = (
            (best.value / r.value if r.value else math.inf)
            if higher
            else (r.value / best.value if best.value else math.inf)
        )  # type: ignore[operator]
        rest.append(f"{r.label} {fmt_value(r.value, unit)}, {fmt_ratio(ratio)} {what}")
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
            f"**{ranked[0].label}** — {_rank_text(ranked, 'KiB', False, 'more')} "
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
            f"switch cost: {ranked[0].label} {_rank_text(ranked, 'ns', False, 'dearer')} per switch"
        )
    else:
        parts.append(f"switch cost (switch_ns) {NOT_IN_RUN}")
    return Advice(topic, "; ".join(parts) + ".")


def _zero_delay_rows(results: Results) -> list[Row]:
    return [
        r
        for r in results.of("req_per_s")
        if not r.is_limit and number(r.param("delay_ms")) == 0 and (r.value or 0) > 0
    ]


def _advice_short_requests(results: Results) -> Advice:
    topic = "Many short requests"
    rows = _zero_delay_rows(results)
    if not rows:
        return Advice(topic, f"req/s at delay 0 ms {NOT_IN_RUN}.")
    best = _per_label_best(rows, higher=True)
    ranked = sorted(best.values(), key=lambda r: -r.value)  # type: ignore[operator]
    top = ranked[0]
    rest = []
    for r in ranked[1:4]:
        ratio = top.value / r.value  # type: ignore[operator]
        at = f"c={r.param('concurrency')}"
        rest.append(f"{fmt_ratio(ratio)} {r.label} ({fmt_num(r.value)} at {at})")
    text = (
        f"**{top.label}** — {fmt_value(top.value, 'req/s')} at delay 0 ms, concurrency "
        f"{top.param('concurrency')} (each pair at its best concurrency)"
        + (f"; that is {', '.join(rest)}" if rest else "")
    )
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


def _advice_cpu(results: Results) -> Advice:
    topic = "CPU-heavy work"
    parts = []
    gs = [g for g in groups(results, "cpu_wall_s") if g.measured]
    if gs:
        g = gs[-1]
        rows = [(r, ratio_to_serial(g, r)) for r in g.measured if not _is_serial(r)]
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
        rows = _eatplay_rows(g, [(model, variant)])
        if not rows:
            continue
        ratio = _wall_ratio(g, rows[0])
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
        items = _and([i for _, i in overlap])
        parts.append(f"these still overlap blocking `time.sleep` calls: {items}")
    if blocked:
        parts.append("these run them one after the other: " + _and([i for _, i in blocked]))
    if unclear:
        parts.append("these are in between: " + _and([i for _, i in unclear]))
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
        rows = [r for r in results.of("req_per_s") if not r.is_limit and (r.value or 0) > 0]
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
    return [
        _advice_idle(results),
        _advice_short_requests(results),
        _advice_cpu(results),
        _advice_blocking(results),
        _advice_client_vs_model(results),
    ]


# --- tables ----------------------------------------------------------------------------------


def table(g: Group) -> tuple[list[str], list[list[str]]]:
    """Header and cells: label, value, times worse than the best, side figures, notes."""
    meta = g.meta
    labels = g.labels()
    header = ["model", meta.unit or "value", "vs best", *(title for _, title in meta.columns)]
    header.append("notes")
    cells = []
    best = g.measured[:1]
    for r in [*g.measured, *g.missing]:
        ratio = g.times_worse(r)
        if r.value is None:
            rtext = "—"
        elif best and r is best[0]:
            rtext = "best"
        else:
            rtext = "∞" if ratio is None or math.isinf(ratio) else f"{ratio:.2f}x"
        side = []
        for key, _ in meta.columns:
            if key == "ratio_to_serial":
                x = ratio_to_serial(g, r)
                side.append("—" if x is None else f"{x:.2f}")
            else:
                side.append(_side_text(r, key))
        cells.append([labels[id(r)], fmt_num(r.value), rtext, *side, _notes(r)])
    if g.limit is not None:
        lim = g.limit
        side = [_side_text(lim, key) for key, _ in meta.columns]
        extra = fmt_params(p for p in lim.params if p not in g.params)
        notes = "; ".join(n for n in (extra and f"measured at {extra}", lim.note) if n)
        cells.append([lim.label, fmt_num(lim.value), lim.limit_kind, *side, notes])
    return header, cells


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


def _text_table(header: list[str], cells: list[list[str]], indent: str = "  ") -> list[str]:
    keep = [i for i in range(len(header)) if i < 3 or any(row[i] not in ("", "—") for row in cells)]
    header = [header[i] for i in keep]
    cells = [[row[i] for i in keep] for row in cells]
    widths = [max(len(x) for x in col) for col in zip(header, *cells, strict=True)]

    def line(row: list[str]) -> str:
        out = [row[0].ljust(widths[0])]
        out += [x.rjust(w) for x, w in zip(row[1:-1], widths[1:-1], strict=True)]
        out.append(row[-1])
        return (indent + "  ".join(out)).rstrip()

    return [line(header), *(line(r) for r in cells)]


def _md_table(header: list[str], cells: list[list[str]]) -> list[str]:
    def esc(x: str) -> str:
        return x.replace("|", "\\|")

    keep = [i for i in range(len(header)) if i < 3 or any(row[i] not in ("", "—") for row in cells)]
    header = [header[i] for i in keep]
    cells = [[row[i] for i in keep] for row in cells]

    out = ["| " + " | ".join(esc(h) for h in header) + " |"]
    out.append(
        "|"
        + "|".join("---" if i == 0 or h == "notes" else "---:" for i, h in enumerate(header))
        + "|"
    )
    out += ["| " + " | ".join(esc(x) for x in row) + " |" for row in cells]
    return out


def not_run(results: Results) -> list[str]:
    """The metrics this run did not produce, with what they measure."""
    present = set(results.metrics)
    return [f"{m} ({meta.title})" for m, meta in METRICS.items() if m not in present]


def _plain(text: str) -> str:
    return text.replace("**", "").replace("`", "")


# --- terminal ------------------------------------------------------------------------------

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


def _winner(g: Group) -> str:
    rows = g.measured
    tied = [r for r in rows[1:] if (g.times_worse(r) or math.inf) < TIE_FACTOR]
    return f"{len(tied) + 1}-way tie" if tied else g.labels()[id(rows[0])]


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
                text = "—"
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
    header.append("")
    rows = []
    for label in order:
        row = [label, *(cells[label].get(i, "") for i in range(len(bundle)))]
        if show_p99:
            row.append(p99.get(label, "—"))
        rows.append([*row, ""])
    if any(g.limit is not None for g in bundle):
        lim_label = next(g.limit.label for g in bundle if g.limit is not None)
        row = [lim_label, *(fmt_num(g.limit.value) if g.limit else "—" for g in bundle)]
        rows.append([*row, *([""] if show_p99 else []), ""])
    better = "higher" if meta.higher_is_better else "lower"
    where = fmt_params(rest)
    title = f"{first.metric} — {meta.title}" + (f" ({where})" if where else "")
    out = [f"{title} [{meta.unit} by {sweep}; x = times worse than the best; {better} is better]"]
    out += _text_table(header, rows)
    out.append(f"  => at {fmt_params([(sweep, last.param_value(sweep))])}: {reading(last)}")
    bests = [(c, _winner(g)) for c, g in zip(cols, bundle, strict=True) if g.measured]
    if len({w for _, w in bests}) > 1:
        out.append("     best per column: " + ", ".join(f"{c} {w}" for c, w in bests))
    return out


def terminal_lines(results: Results) -> list[str]:
    """The compact comparison printed at the end of ``pytest benchmarks/``."""
    out: list[str] = []
    if results.timings_disabled:
        n = len(results.rows)
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
        out += _text_table(*table(g))
        out.append(f"  => {reading(g)}")
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
    out.append("the seed's claims:")
    for c in claims(results):
        out.append(f"  [{c.verdict}] {c.claim}: {c.evidence}")
    out.append("")
    out.append("decision guide:")
    for a in guide(results):
        out.append(f"  {a.topic}: {_plain(a.text)}")
    if results.skipped:
        out.append("")
        out.append(f"({results.skipped} benchmark(s) without switchbench fields left out)")
    return out


# --- markdown ------------------------------------------------------------------------------


def markdown(results: Results, plots: dict[str, str], not_drawn: dict[str, str]) -> str:
    """report.md: run details, decision guide, seed claims, tables, plots."""
    meta = results.meta
    out = ["# switchbench results", ""]
    run = []
    if meta.get("datetime"):
        run.append(f"run {meta['datetime']}")
    if meta.get("command"):
        run.append(f"command `{meta['command']}`")
    machine = meta.get("machine") or {}
    if machine:
        run.append(
            f"{machine.get('cpus', '?')} CPUs, {machine.get('platform', '?')}, "
            f"{machine.get('implementation', '?')}"
        )
    commit = meta.get("commit_info") or {}
    if commit.get("id"):
        run.append(f"commit {str(commit['id'])[:10]}" + (" (dirty)" if commit.get("dirty") else ""))
    out += ["; ".join(run) + ".", ""] if run else []
    versions = meta.get("versions") or {}
    if versions:
        out += ["Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".", ""]
    if results.timings_disabled:
        out += [
            "> **Timings were disabled** (`--benchmark-disable`): each benchmark ran once as a "
            "smoke test. "
            + (
                "Figures below come from untimed calls; do not decide from them."
                if results.has_figures
                else "There are no figures to compare."
            ),
            "",
        ]
    out += ["## Decision guide", ""]
    out += [f"- **{a.topic}:** {a.text}" for a in guide(results)]
    out += [
        "",
        f'Thresholds: a tie is within {TIE_FACTOR:.2f}x; "ran concurrently" means '
        f"{EXPECTED_CONCURRENT_RATIO - CONCURRENT_RATIO_TOLERANCE:.2f}-"
        f'{EXPECTED_CONCURRENT_RATIO + CONCURRENT_RATIO_TOLERANCE:.2f} x serial; "blocked" means '
        f">= {BLOCKED_MIN_RATIO} x serial; CPU work gains nothing at >= {CPU_NO_GAIN_MIN_RATIO} x "
        "serial (shared/report/core.py).",
        "",
        "## The seed's claims",
        "",
        "| claim | verdict | figures |",
        "|---|---|---|",
    ]
    out += [f"| {c.claim} | **{c.verdict}** | {c.evidence} |" for c in claims(results)]
    out += [
        "",
        "## Results",
        "",
        "Each table is one metric at one parameter set, best first; *vs best* is how many times "
        "worse than the best figure of that table (1.00x = as good). Units are per operation.",
        "",
    ]
    gs = groups(results)
    if not gs:
        out += ["No switchbench results in this run.", ""]
    for g in gs:
        unit = g.meta.unit
        out += [f"### {g.title}", ""]
        better = "higher" if g.meta.higher_is_better else "lower"
        out += [f"{unit}, {better} is better. {reading(g)}.", ""]
        out += _md_table(*table(g))
        out.append("")
    cvm = client_vs_model(results)
    if cvm is not None and (cvm.client_effects or cvm.model_effect is not None):
        out += [f"### Client library vs model ({cvm.where})", ""]
        out += ["| model | httpx req/s | fastest client | its req/s | client effect |"]
        out += ["|---|---:|---|---:|---:|"]
        for eff, model, fast, httpx in cvm.client_effects:
            out.append(
                f"| {model} | {fmt_num(httpx.value)} | {fast.client} | {fmt_num(fast.value)} "
                f"| {fmt_ratio(eff)} |"
            )
        if cvm.model_effect is not None:
            best, worst = cvm.httpx_rows[0], cvm.httpx_rows[-1]
            out += [
                "",
                f"Model effect with httpx everywhere: {best.label} {fmt_num(best.value)} vs "
                f"{worst.label} {fmt_num(worst.value)} req/s = {fmt_ratio(cvm.model_effect)}.",
            ]
        out.append("")
    missing = not_run(results)
    if missing:
        out += ["### Not run in this session", ""]
        out += [f"- {m}" for m in missing]
        out.append("")
    out += ["## Plots", ""]
    for name, path in plots.items():
        out += [f"**{PLOT_CAPTIONS.get(name, name)}**", "", f"![{name}]({path})", ""]
    if not_drawn:
        out += [f"- {name}: not drawn — {why}" for name, why in not_drawn.items()]
        out.append("")
    out += [
        "## Regenerate",
        "",
        "`switchbench report results.json --out DIR` renders this report again from the "
        "`results.json` next to it (or from any `pytest benchmarks/ --benchmark-json FILE`).",
        "",
    ]
    return "\n".join(out)


# --- writing the report --------------------------------------------------------------------


@dataclass
class Written:
    out_dir: Path
    report_md: Path
    results_json: Path
    plots: dict[str, Path]
    not_drawn: dict[str, str]
    warnings: list[str]


def write_report(results: Results, raw: dict[str, Any], out_dir: str | Path) -> Written:
    """report.md, results.json (``raw``, re-renderable) and the plots into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results_json = out / "results.json"
    results_json.write_text(json.dumps(raw, indent=2, default=str) + "\n", encoding="utf-8")
    try:
        from shared.report import plots as plotting
    except ImportError as exc:  # matplotlib missing: tables and guide still come out
        drawn: dict[str, Path] = {}
        not_drawn = {"all plots": f"matplotlib unavailable ({exc})"}
        caught: list[str] = []
    else:
        drawn, not_drawn, caught = plotting.draw_all(results, out)
    md = markdown(results, {k: p.name for k, p in drawn.items()}, not_drawn)
    report_md = out / "report.md"
    report_md.write_text(md, encoding="utf-8")
    return Written(out, report_md, results_json, drawn, not_drawn, caught)


def written_lines(w: Written) -> list[str]:
    lines = [f"report: {w.report_md} (results: {w.results_json.name})"]
    if w.plots:
        lines.append("plots: " + ", ".join(p.name for p in w.plots.values()))
    if w.not_drawn:
        lines.append("not drawn: " + "; ".join(f"{k} ({v})" for k, v in w.not_drawn.items()))
    lines += [f"plot warning: {x}" for x in w.warnings]
    return lines


# --- pytest glue (called from benchmarks/conftest.py; pytest itself is not imported) ------

_UNTIMED_ATTR = "_switchbench_untimed"


def note_untimed(item: Any) -> None:
    """Keep a benchmark's fields when it ran without stats (--benchmark-disable).

    pytest-benchmark only keeps timed benchmarks; untimed ones would vanish with their
    ``extra_info``. Call at teardown, before the fixtures go.
    """
    fixture = (getattr(item, "funcargs", None) or {}).get("benchmark")
    if fixture is None or getattr(fixture, "stats", None) is not None:
        return
    if getattr(fixture, "has_error", False) or getattr(fixture, "skipped", False):
        return
    info = getattr(fixture, "extra_info", None)
    if not isinstance(info, dict) or "metric" not in info:
        return
    entry = {
        "group": getattr(fixture, "group", None),
        "name": getattr(fixture, "name", item.name),
        "fullname": getattr(fixture, "fullname", item.nodeid),
        "params": getattr(fixture, "params", None),
        "param": getattr(fixture, "param", None),
        "extra_info": json.loads(json.dumps(info, default=str)),
        "options": {},
        "stats": None,
    }
    config = item.config
    if not hasattr(config, _UNTIMED_ATTR):
        setattr(config, _UNTIMED_ATTR, [])
    getattr(config, _UNTIMED_ATTR).append(entry)


def session_json(config: Any) -> dict[str, Any] | None:
    """This session's results in pytest-benchmark's JSON form (untimed ones appended)."""
    bs = getattr(config, "_benchmarksession", None)
    timed = [b for b in (bs.benchmarks if bs is not None else []) if not b.has_error]
    untimed = list(getattr(config, _UNTIMED_ATTR, []))
    if not timed and not untimed:
        return None
    from datetime import UTC, datetime

    data: dict[str, Any] = {
        "machine_info": {},
        "commit_info": {},
        "benchmarks": [],
        "datetime": datetime.now(UTC).isoformat(),
    }
    if timed and bs is not None:
        from pytest_benchmark.utils import safe_dumps

        hook = config.hook
        machine_info = bs.get_machine_info()
        commit_info = hook.pytest_benchmark_generate_commit_info(config=config)
        hook.pytest_benchmark_update_commit_info(config=config, commit_info=commit_info)
        data = hook.pytest_benchmark_generate_json(
            config=config,
            benchmarks=timed,
            include_data=True,
            machine_info=machine_info,
            commit_info=commit_info,
        )
        hook.pytest_benchmark_update_json(config=config, benchmarks=timed, output_json=data)
        data = json.loads(safe_dumps(data))
    data["benchmarks"].extend(untimed)
    args = list(getattr(config.invocation_params, "args", ()))
    data["switchbench"] = {
        "command": "pytest " + shlex.join(args),
        "timings_disabled": bool(bs is not None and bs.disabled),
    }
    return data


def terminal_summary(terminalreporter: Any, config: Any) -> None:
    """Print the comparison and write the report (``--report-dir``) for this session."""
    tr = terminalreporter
    tr.write_sep("=", "switchbench: models side by side")
    data = session_json(config)
    if data is None:
        tr.write_line("no switchbench benchmark ran in this session: no comparison, no report.")
        return
    results = results_from_json(data)
    if not results.rows:
        tr.write_line("no benchmark in this session recorded switchbench fields: no report.")
        return
    for line in terminal_lines(results):
        tr.write_line(line)
    tr.write_line("")
    out_dir = Path(config.getoption("--report-dir"))
    if not out_dir.is_absolute():
        out_dir = Path(config.invocation_params.dir) / out_dir
    try:
        written = write_report(results, data, out_dir)
    except Exception as exc:  # the run's results stand; say why the report is missing
        tr.write_line(f"report not written to {out_dir}: {type(exc).__name__}: {exc}", red=True)
        return
    for line in written_lines(written):
        tr.write_line(line)
