"""How the report writes figures, parameters and tables: one place for every renderer.

Numbers keep three significant figures or a thousands separator (``fmt_num(14000.0)`` ->
``"14,000"``, ``fmt_num(0.0451)`` -> ``"0.0451"``); a missing figure is ``"—"``. Tables go
through :func:`table_lines`, the report's one table formatter: the terminal comparison, the
fetch tables per point and report.md all call it, as text or as markdown::

    model               ns  vs best
    gevent             900     best
    thread          14,000   15.56x
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from shared import spec
from shared.report.results import Row, number

#: what a cell without a figure shows
NONE = "—"


def fmt_num(x: float | None) -> str:
    if x is None:
        return NONE
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
    return NONE if x is None else f"{fmt_num(x)} {unit}".rstrip()


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


def side_text(row: Row, key: str) -> str:
    """A side figure of a row (``extra_info[key]``) as its table column shows it."""
    v = row.info.get(key)
    n = number(v)
    if key in ("efficiency", "server_cpu") and n is not None:
        text = fmt_share(n)
        if key == "server_cpu" and row.info.get("server_saturated"):
            text += " SATURATED"
        return text
    if key in ("ratio_to_serial", "client_cpu", "fetch_over_bare") and n is not None:
        flag = "!" if key == "fetch_over_bare" and n < spec.FETCH_OVER_BARE_AT_LEAST else ""
        return f"{n:.2f}{flag}"
    if isinstance(v, bool) or v is None:
        return NONE if v is None else str(v)
    return fmt_num(n) if n is not None else str(v)


def join_and(items: Sequence[str]) -> str:
    """``a``; ``a and b``; ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def plain(text: str) -> str:
    """Markdown emphasis and code marks removed, for the terminal."""
    return text.replace("**", "").replace("`", "")


#: columns of text, not figures, by title: aligned left (every other column but the first, right)
TEXT_COLUMNS = frozenset({"notes", "note"})


def table_lines(
    header: Sequence[str],
    cells: Sequence[Sequence[str]],
    *,
    markdown: bool = False,
    keep: int = 3,
    text: Collection[str] = TEXT_COLUMNS,
    indent: str = "  ",
) -> list[str]:
    """THE table formatter: aligned text columns for the terminal, or a markdown pipe table.

    A column after the first ``keep`` whose every cell is empty (``""`` or ``"—"``) is left
    out. The first column and the columns titled in ``text`` hold words and align left; the
    rest hold figures and align right (markdown: ``---:``). Text lines start with ``indent``.
    """
    shown = [
        i for i in range(len(header)) if i < keep or any(row[i] not in ("", NONE) for row in cells)
    ]
    head = [header[i] for i in shown]
    rows = [[row[i] for i in shown] for row in cells]
    left = [i == 0 or h in text for i, h in enumerate(head)]
    if markdown:

        def esc(x: str) -> str:
            return x.replace("|", "\\|")

        rule = "|" + "|".join("---" if lft else "---:" for lft in left) + "|"
        return [
            "| " + " | ".join(esc(h) for h in head) + " |",
            rule,
            *("| " + " | ".join(esc(x) for x in row) + " |" for row in rows),
        ]
    widths = [max(len(x) for x in col) for col in zip(head, *rows, strict=True)]

    def line(row: list[str]) -> str:
        out = [
            x.ljust(w) if lft else x.rjust(w) for x, w, lft in zip(row, widths, left, strict=True)
        ]
        return (indent + "  ".join(out)).rstrip()

    return [line(head), *(line(r) for r in rows)]
