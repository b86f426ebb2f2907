"""The report's plots (PNG, matplotlib's Agg canvas): one file per question, drawn from Results.

Imported only when a report is written (``shared.report.write.write_report``), so the terminal
comparison never pays for matplotlib. A plot whose figures are absent from the run is not
drawn, and an old PNG of that name is removed so a report never shows a stale plot.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from shared.report import canvas
from shared.report.fmt import fmt_num, fmt_params
from shared.report.groups import groups, ratio_to_serial, serial_row
from shared.report.metrics import CPU_NO_GAIN_MIN_RATIO, EXPECTED_CONCURRENT_RATIO, METRICS
from shared.report.results import Results, Row, number


def _delays(rows: Iterable[Row]) -> list[float | None]:
    ds = {number(r.param("delay_ms")) for r in rows}
    return sorted(d for d in ds if d is not None) + ([None] if None in ds else [])


def _delay_title(d: float | None) -> str:
    return "delay not recorded" if d is None else f"server delay {fmt_num(d)} ms"


def _series(rows: Iterable[Row], x_key: str, y: Callable[[Row], float | None]) -> dict[str, list]:
    """label -> [(x, y, row)] sorted by x, rows without a numeric x or y left out."""
    out: dict[str, list] = {}
    for r in rows:
        x, v = number(r.param(x_key)), y(r)
        if x is None or v is None or v <= 0:
            continue
        out.setdefault(r.label, []).append((x, v, r))
    return {k: sorted(v, key=lambda t: t[0]) for k, v in out.items()}


def _fetch_panels(metric_rows: list[Row]) -> list[tuple[float | None, list[Row], list[Row]]]:
    """Per delay: (delay, model rows with a concurrency and req/s, server-limit rows)."""
    panels = []
    for d in _delays(metric_rows):
        rows = [r for r in metric_rows if number(r.param("delay_ms")) == d]
        # a point needs a concurrency (the x axis) and a positive figure (the log y axis)
        models = [
            r
            for r in rows
            if not r.is_limit
            and canvas.positive(r.value)
            and number(r.param("concurrency")) is not None
        ]
        limits = [r for r in rows if r.is_limit and canvas.positive(r.value)]
        if models:
            panels.append((d, models, limits))
    return panels


def plot_throughput(results: Results, path: Path) -> str | None:
    rows = [r for r in results.of("req_per_s") if r.value is not None and not r.is_bare]
    panels = _fetch_panels(rows)
    if not panels:
        return "no req_per_s figures with a concurrency to plot them against"
    nrows, ncols = canvas.grid(len(panels))
    fig, axes = canvas.new_figure(nrows, ncols, 4.6 * ncols + 2.6, 3.8 * nrows + 0.6)
    used = canvas.hide_unused(axes, len(panels))
    for ax, (d, models, limits) in zip(used, panels, strict=True):
        xs: list[float] = []
        for label, pts in _series(models, "concurrency", lambda r: r.value).items():
            ax.plot(
                [p[0] for p in pts], [p[1] for p in pts], label=label, **canvas.style(pts[0][2])
            )
            xs += [p[0] for p in pts]
            sat = [p for p in pts if p[2].info.get("server_saturated")]
            if sat:
                ax.plot(
                    [p[0] for p in sat],
                    [p[1] for p in sat],
                    linestyle="none",
                    marker="o",
                    markersize=11,
                    markerfacecolor="none",
                    markeredgecolor="red",
                    label="server saturated",
                )
        _draw_limit(ax, limits, xs)
        if d and xs:
            lo, hi = min(xs), max(xs)
            ax.plot(
                [lo, hi],
                [lo / (d / 1000), hi / (d / 1000)],
                color="gray",
                linestyle=":",
                linewidth=1.2,
                label="ideal: concurrency / delay",
            )
        ax.set_yscale("log")
        canvas.plain_log(ax, xs)
        ax.set_title(_delay_title(d), fontsize=10)
        ax.set_xlabel("concurrency (requests in flight)")
        ax.set_ylabel("throughput (req/s)")
        ax.grid(True, which="major", alpha=0.3)
    fig.suptitle("HTTP fetch throughput vs concurrency (higher is better)")
    canvas.legend(fig, used)
    canvas.save(fig, path)
    return None


def _draw_limit(ax: Axes, limits: list[Row], xs: list[float]) -> None:
    """The server's own limit (wrk): a line over concurrency, or a level when measured once."""
    if not limits:
        return
    pts = sorted(
        (c, r.value)
        for r in limits
        if (c := number(r.param("concurrency"))) is not None and r.value
    )
    if len(pts) >= 2:
        ax.plot([p[0] for p in pts], [p[1] for p in pts], label="wrk", **canvas.LIMIT_STYLE)
    else:
        level = max(r.value for r in limits)  # type: ignore[type-var]
        ax.axhline(level, label="wrk", **canvas.LIMIT_STYLE)


def plot_latency(results: Results, path: Path) -> str | None:
    rows = [r for r in results.of("req_per_s") if not r.is_limit and not r.is_bare]
    keys = [("p50_ms", "p50"), ("p99_ms", "p99")]
    panels = [
        (d, [r for r in rows if number(r.param("delay_ms")) == d])
        for d in _delays(rows)
        if any(
            canvas.positive(r.side(k)) and number(r.param("concurrency")) is not None
            for r in rows
            if number(r.param("delay_ms")) == d
            for k, _ in keys
        )
    ]
    if not panels:
        return "no p50_ms/p99_ms figures with a concurrency to plot them against"
    ncols = min(len(panels), 4)
    fig, axes = canvas.new_figure(2, ncols, 4.2 * ncols + 2.6, 7.2)
    used = []
    for col in range(ncols, len(axes[0])):
        for row in axes:
            row[col].set_visible(False)
    for col, (d, prow) in enumerate(panels[:ncols]):
        for i, (key, name) in enumerate(keys):
            ax = axes[i][col]
            used.append(ax)
            xs: list[float] = []
            for label, pts in _series(prow, "concurrency", lambda r, k=key: r.side(k)).items():
                ax.plot(
                    [p[0] for p in pts], [p[1] for p in pts], label=label, **canvas.style(pts[0][2])
                )
                xs += [p[0] for p in pts]
            if d:
                ax.axhline(d, color="gray", linestyle=":", linewidth=1.2, label="server delay")
            ax.set_yscale("log")
            canvas.plain_log(ax, xs)
            ax.set_title(f"{name} latency, {_delay_title(d)}", fontsize=10)
            ax.set_xlabel("concurrency (requests in flight)")
            ax.set_ylabel(f"{name} latency (ms)")
            ax.grid(True, which="major", alpha=0.3)
    title = "HTTP request latency vs concurrency (lower is better)"
    if len(panels) > ncols:
        title += f"; first {ncols} delays of {len(panels)}"
    fig.suptitle(title)
    canvas.legend(fig, used)
    canvas.save(fig, path)
    return None


def plot_switching(results: Results, path: Path) -> str | None:
    bars = [
        (m, results.of(m))
        for m in ("switch_ns", "yield_ns", "raw_switch_ns")
        if any(r.value for r in results.of(m))
    ]
    spawn = [r for r in results.of("spawn_join_us") if r.value]
    n = len(bars) + bool(spawn)
    if not n:
        return "no switch_ns, yield_ns, raw_switch_ns or spawn_join_us figures"
    nrows, ncols = canvas.grid(n, 2)
    fig, axes = canvas.new_figure(nrows, ncols, 5.4 * ncols + 1.4, 3.6 * nrows + 0.6)
    used = canvas.hide_unused(axes, n)
    models: list[str] = []
    for ax, (m, rows) in zip(used, bars, strict=False):
        meta = METRICS[m]
        canvas.hbars(ax, rows, f"{meta.unit} per operation (log scale)", f"{m}: {meta.title}")
        models += [r.model for r in rows if r.value]
    if spawn:
        ax = used[-1]
        series = _series(spawn, "n", lambda r: r.value)
        for label, pts in series.items():
            ax.plot(
                [p[0] for p in pts], [p[1] for p in pts], label=label, **canvas.style(pts[0][2])
            )
            models.append(pts[0][2].model)
        no_n = [r for r in spawn if number(r.param("n")) is None]
        if no_n and not series:
            canvas.hbars(ax, no_n, "µs per task", "spawn_join_us: spawn + join, per task")
        else:
            ax.set_yscale("log")
            canvas.plain_log(ax, [p[0] for pts in series.values() for p in pts])
            ax.set_xlabel("N tasks spawned and joined (log scale)")
            ax.set_ylabel("µs per task (log scale)")
            ax.set_title("spawn_join_us: spawn + join, per task", fontsize=10)
            ax.grid(True, which="major", alpha=0.3)
            ax.legend(fontsize=8)
    what = " and ".join(w for w, present in (("Switch", bars), ("spawn", spawn)) if present)
    fig.suptitle(f"{what.capitalize()} cost per operation (lower is better)")
    canvas.model_legend(fig, models)
    canvas.save(fig, path)
    return None


def plot_memory(results: Results, path: Path) -> str | None:
    rows = results.of("rss_kib_per_task")
    series = _series(rows, "n", lambda r: r.value)
    if not series:
        return "no rss_kib_per_task figures with N"
    fig, axes = canvas.new_figure(1, 1, 7.8, 4.6)
    ax = axes[0][0]
    for label, pts in series.items():
        ax.plot([p[0] for p in pts], [p[1] for p in pts], label=label, **canvas.style(pts[0][2]))
    # a model that could not reach N: an x on the axis at that N, named in the legend
    for r in rows:
        n = number(r.param("n"))
        if r.value is None and n is not None:
            ax.plot(
                [n],
                [0],
                linestyle="none",
                marker="x",
                markersize=10,
                markeredgewidth=2,
                color=canvas.color(r.model),
                transform=ax.get_xaxis_transform(),
                clip_on=False,
                label=f"{r.label}: could not reach N={n:,.0f}",
            )
    ax.set_yscale("log")
    canvas.plain_log(ax, [p[0] for pts in series.values() for p in pts])
    ax.set_xlabel("N parked tasks (log scale)")
    ax.set_ylabel("RSS per task (KiB, log scale)")
    ax.set_title("Memory per parked task vs N (lower is better)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    canvas.save(fig, path)
    return None


def plot_cpu_bound(results: Results, path: Path) -> str | None:
    cpu_groups = [
        g
        for g in groups(results, "cpu_wall_s")
        if any(canvas.positive(ratio_to_serial(g, r)) for r in g.measured)
    ]
    hb = [r for r in results.of("heartbeat_lag_ms") if canvas.positive(r.value)]
    n = bool(cpu_groups) + bool(hb)
    if not n:
        return "no heartbeat_lag_ms or cpu_wall_s figures"
    fig, axes = canvas.new_figure(1, n, 5.6 * n + 1.2, 4.4)
    used = axes[0]
    models: list[str] = []
    if cpu_groups:
        ax = used[0]
        g = cpu_groups[-1]
        pts = [(r, ratio_to_serial(g, r)) for r in g.measured]
        pts = [(r, x) for r, x in pts if canvas.positive(x)]
        if pts:
            ys = range(len(pts))
            ax.barh(list(ys), [x for _, x in pts], color=[canvas.color(r.model) for r, _ in pts])
            ax.set_yticks(list(ys), [r.label for r, _ in pts], fontsize=8)
            ax.invert_yaxis()
            for y, (_, x) in zip(ys, pts, strict=True):
                ax.annotate(f" {x:.2f}", (x, y), va="center", fontsize=8)
            ax.axvline(1.0, color="black", linestyle="--", label="serial (1.0)")
            ax.axvline(
                CPU_NO_GAIN_MIN_RATIO,
                color="gray",
                linestyle=":",
                label=f"no-gain threshold ({CPU_NO_GAIN_MIN_RATIO})",
            )
            ax.set_xlim(0, max(1.2, max(x for _, x in pts)) * 1.45)
            ax.legend(fontsize=8, loc="lower right")
            models += [r.model for r, _ in pts]
        ax.set_xlabel("wall time / serial wall time (lower is better)")
        ax.set_title("CPU-bound work: wall time relative to serial", fontsize=10)
    if hb:
        ax = used[-1]
        hb = sorted(hb, key=lambda r: r.label)
        keys = [("value", "heartbeat_lag_ms"), ("p99_ms", "p99"), ("max_ms", "max")]
        keys = [k for k in keys if k[0] == "value" or any(r.side(k[0]) for r in hb)]
        width = 0.8 / len(keys)
        for i, (key, name) in enumerate(keys):
            vals = [(r.value if key == "value" else r.side(key)) or 0 for r in hb]
            xs = [j + (i - (len(keys) - 1) / 2) * width for j in range(len(hb))]
            ax.bar(
                xs,
                vals,
                width,
                color=[canvas.color(r.model) for r in hb],
                alpha=[1.0, 0.65, 0.35][i % 3],
                edgecolor="black",
                linewidth=0.5,
                label=name,
            )
        ax.set_xticks(range(len(hb)), [r.label for r in hb], fontsize=8, rotation=20)
        interval = next((x for r in hb if (x := r.side("switch_interval_s")) is not None), None)
        if interval:
            ax.axhline(
                interval * 1000,
                color="gray",
                linestyle=":",
                label=f"thread switch interval ({fmt_num(interval * 1000)} ms)",
            )
        ax.set_yscale("log")
        shown = [
            v
            for r in hb
            for v in (r.value, r.side("p99_ms"), r.side("max_ms"))
            if canvas.positive(v)
        ]
        # bars rise from a third of the lowest figure; headroom above them for the legend
        ax.set_ylim(min(shown) / 3, max(shown) * 30)
        canvas.plain_log(ax)
        ax.set_ylabel("heartbeat lag (ms, log scale)")
        ax.set_title("Heartbeat lag while CPU-bound work runs (lower is better)", fontsize=10)
        handles = [
            Patch(facecolor="gray", alpha=[1.0, 0.65, 0.35][i % 3], edgecolor="black", label=name)
            for i, (_, name) in enumerate(keys)
        ]
        handles += [h for h in ax.get_legend_handles_labels()[0] if isinstance(h, Line2D)]
        ax.legend(handles=handles, fontsize=8, loc="upper right", ncols=2)
        models += [r.model for r in hb]
    fig.suptitle("CPU-bound work")
    canvas.model_legend(fig, models)
    canvas.save(fig, path)
    return None


def plot_eat_play(results: Results, path: Path) -> str | None:
    gs = [g for g in groups(results, "wall_s") if any(canvas.positive(r.value) for r in g.rows)]
    if not gs:
        return "no wall_s figures"
    gs = gs[:3]
    fig, axes = canvas.new_figure(
        1, len(gs), 6.0 * len(gs) + 1.2, 0.32 * max(len(g.rows) for g in gs) + 2.2
    )
    models: list[str] = []
    lines: dict[str, Any] = {}
    for ax, g in zip(axes[0], gs, strict=True):
        canvas.hbars(
            ax,
            g.rows,
            "wall time (s)",
            "eat/play" + (f" ({p})" if (p := fmt_params(g.params)) else ""),
            log=False,
        )
        serial = serial_row(g.rows)
        if serial is not None and serial.value:
            lines["serial"] = ax.axvline(
                serial.value, color="black", linestyle="--", label="serial baseline"
            )
            lines["ideal"] = ax.axvline(
                serial.value * EXPECTED_CONCURRENT_RATIO,
                color="tab:green",
                linestyle=":",
                label="concurrent ideal (2/3 of serial)",
            )
        hi = max(r.value for r in g.measured)  # type: ignore[type-var]
        ax.set_xlim(0, hi * 1.25)
        models += [r.model for r in g.measured]
    fig.suptitle("eat/play: the tutorial's demo, 2 s concurrent vs 3 s serial (lower is better)")
    canvas.model_legend(fig, models, lines.values())
    canvas.save(fig, path)
    return None


#: file stem -> drawer; what each shows is shared.report.markdown.PLOT_CAPTIONS
PLOTS: dict[str, Callable[[Results, Path], str | None]] = {
    "throughput": plot_throughput,
    "latency": plot_latency,
    "switching": plot_switching,
    "memory": plot_memory,
    "cpu_bound": plot_cpu_bound,
    "eat_play": plot_eat_play,
}


def draw_all(results: Results, out_dir: Path) -> tuple[dict[str, Path], dict[str, str], list[str]]:
    """Draw every plot with data; return (drawn name -> path, not drawn name -> why, warnings).

    Warnings are collected, not raised: under pytest's ``filterwarnings = error`` a cosmetic
    matplotlib warning must not cost the report; they are listed for the reader instead.
    """
    drawn: dict[str, Path] = {}
    skipped: dict[str, str] = {}
    caught: list[str] = []
    for name, draw in PLOTS.items():
        path = out_dir / f"{name}.png"
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                why = draw(results, path)
            except Exception as exc:  # one broken plot must not cost the others
                why = f"failed: {type(exc).__name__}: {exc}"
        caught += [f"{name}: {x.category.__name__}: {x.message}" for x in w]
        if why is None:
            drawn[name] = path
        else:
            skipped[name] = why
            path.unlink(missing_ok=True)
    return drawn, skipped, caught
