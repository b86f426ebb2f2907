"""What each metric means, its unit, and the thresholds every verdict is judged by.

The bottom of the report package: it imports nothing of the report. A benchmark names its
metric in ``extra_info["metric"]`` (shared.bench.timing.record); :data:`METRICS` says how to
show and rank it, e.g. ``switch_ns`` in ns, lower is better, "gevent 1.6x cheaper switch than
thread". A metric not listed here is still shown, its direction guessed from its unit.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared import spec

# --- verdict thresholds (defined once; the claims, the guide and the tables use them) -------

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
#: a harness round trip above this share of a round makes the figure suspect (bench.timing)
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


#: the verdicts of the tutorial's claims, whichever module judges them (claims, behaviour,
#: scale), and what a line says of a figure the run did not produce
HOLDS = "holds"
FAILS = "does not hold"
NOT_MEASURED = "not measured"
NOT_IN_RUN = "not measured in this run"

#: the behaviour scenarios' rows: outcomes with a headline figure each, reported in their own
#: section (shared.report.behaviour), never ranked in a table with the others
BEHAVIOUR = "behaviour"
#: the scale benchmarks' rows (benchmarks/test_layouts.py, benchmarks/test_capacity.py): each
#: layout and each capacity step is read against its own model's other layouts and steps, in
#: their own section (shared.report.scale), never in the tables of one-process figures
SCALE_SCENARIOS = ("layouts", "capacity")
HELD = "held_connections"

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
            ("client_cpu", "client cpu"),
            ("client_cpu_us_per_req", "cpu us/req"),
            ("fetch_over_bare", "fetch/bare"),
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


def guess_metric(name: str, unit: str) -> Metric:
    """A metric this module does not know: higher is better for a rate, else lower."""
    higher = "/s" in unit or "per_s" in name or "ops" in unit
    return Metric(name, unit, higher, "higher" if higher else "lower")


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


# --- units ---------------------------------------------------------------------------------

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


def unit_factor(unit: str | None, target: str) -> float | None:
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
