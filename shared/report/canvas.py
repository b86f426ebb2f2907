"""How the report's plots are drawn: one look for all of them (shared.report.plots says what).

Colour = model, dashes = the model's own client (solid = httpx), marker = variant; the server's
limit (wrk) in dashed black; log axes in plain numbers at 1-2-5 steps (1,000, not 10^3); one
legend per figure, below the panels. Figures are built on matplotlib's Agg canvas, never
pyplot, so drawing needs no display and keeps no global state.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullLocator

from shared import spec
from shared.report.fmt import fmt_num
from shared.report.results import Row

MODEL_COLORS = {"gevent": "tab:green", "asyncio": "tab:blue", "thread": "tab:orange"}
_OTHER_COLORS = ("tab:purple", "tab:brown", "tab:pink", "tab:olive", "tab:cyan", "tab:gray")
LIMIT_STYLE = {"color": "black", "linestyle": "--", "linewidth": 1.5}
DPI = 110


def color(model: str) -> str:
    if model in MODEL_COLORS:
        return MODEL_COLORS[model]
    return _OTHER_COLORS[sum(map(ord, model)) % len(_OTHER_COLORS)]


def style(r: Row) -> dict[str, Any]:
    """Colour = model, dashes = the model's own client (solid = httpx), marker = variant."""
    default = spec.VARIANTS.get(r.model, (None,))[0]
    marker = (
        "o" if r.variant in (None, default, r.model) else ("s" if r.variant == "uvloop" else "^")
    )
    dashed = r.client not in (None, "httpx")
    return {
        "color": color(r.model),
        "linestyle": "--" if dashed else "-",
        "marker": marker,
        "markersize": 5,
        "linewidth": 1.6,
    }


def new_figure(
    nrows: int, ncols: int, width: float, height: float
) -> tuple[Figure, list[list[Axes]]]:
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, [list(row) for row in axes]


def legend(fig: Figure, axes: Iterable[Axes]) -> None:
    """One legend for the figure, outside the panels, each label once."""
    seen: dict[str, Any] = {}
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(lab, h)
    if seen:
        fig.legend(
            list(seen.values()),
            list(seen.keys()),
            loc="outside lower center",
            ncols=min(4, len(seen)),
            fontsize=8,
        )


def _tick(v: float) -> str:
    return f"{v:,.0f}" if v == int(v) else f"{v:g}"


def plain_log(ax: Axes, x_values: Iterable[float] | None = None) -> None:
    """Readable log axes: ticks at 1-2-5 steps in plain numbers (1,000 not 10^3), x ticks at
    the measured values when given, and a linear axis when the data span less than 3x."""
    fmt = FuncFormatter(lambda v, _: _tick(v))
    if x_values is not None:
        xs = sorted(set(x_values))
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(FixedLocator(xs))
        ax.xaxis.set_major_formatter(fmt)
        ax.xaxis.set_minor_locator(NullLocator())
    axes = [(ax.yaxis, ax.get_ylim, ax.set_yscale, ax.get_yscale)]
    if x_values is None:
        axes.append((ax.xaxis, ax.get_xlim, ax.set_xscale, ax.get_xscale))
    for axis, get_lim, set_scale, get_scale in axes:
        if get_scale() != "log":
            continue
        lo, hi = get_lim()
        if lo > 0 and hi / lo < 3:
            set_scale("linear")
            continue
        axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        axis.set_major_formatter(fmt)
        axis.set_minor_locator(NullLocator())  # no unlabelled ticks (and far faster to draw)


def positive(x: float | None) -> bool:
    """A figure a log axis (or any bar) can show."""
    return x is not None and x > 0


def grid(n: int, max_cols: int = 3) -> tuple[int, int]:
    """(rows, columns) of a grid of ``n`` panels at most ``max_cols`` wide."""
    cols = min(n, max_cols)
    return math.ceil(n / cols), cols


def hide_unused(axes: list[list[Axes]], used: int) -> list[Axes]:
    """The first ``used`` panels in reading order; the rest of the grid hidden."""
    flat = [ax for row in axes for ax in row]
    for ax in flat[used:]:
        ax.set_visible(False)
    return flat[:used]


def hbars(ax: Axes, rows: list[Row], unit: str, title: str, log: bool = True) -> None:
    """One bar per row with a positive figure, lowest on top, each labelled with its figure."""
    rows = sorted((r for r in rows if r.value is not None and r.value > 0), key=lambda r: r.value)  # type: ignore[arg-type,return-value]
    names = [r.label for r in rows]
    ys = range(len(rows))
    ax.barh(list(ys), [r.value for r in rows], color=[color(r.model) for r in rows])
    ax.set_yticks(list(ys), names, fontsize=8)
    ax.invert_yaxis()
    for y, r in zip(ys, rows, strict=True):
        ax.annotate(
            f" {fmt_num(r.value)}",
            (r.value, y),  # type: ignore[arg-type]
            va="center",
            fontsize=8,
        )
    if log:
        ax.set_xscale("log")
        if rows:
            lo = min(r.value for r in rows)  # type: ignore[type-var]
            hi = max(r.value for r in rows)  # type: ignore[type-var]
            ax.set_xlim(lo / 2, hi * 6)
        plain_log(ax)
    ax.set_xlabel(unit)
    ax.set_title(title, fontsize=10)
    ax.grid(True, axis="x", which="major", alpha=0.3)


def model_legend(fig: Figure, models: Iterable[str], extra: Iterable[Any] = ()) -> None:
    """Colour key of the models (and any reference lines) below the panels."""
    handles = [Line2D([], [], color=color(m), linewidth=8, label=m) for m in dict.fromkeys(models)]
    handles += list(extra)
    if handles:
        fig.legend(handles=handles, loc="outside lower center", fontsize=8, ncols=len(handles))


def save(fig: Figure, path: Path) -> None:
    fig.savefig(path, format="png")
