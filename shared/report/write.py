"""The report's files: report.md, results.json (the run, re-renderable) and the plots.

``write_report(results, raw, out_dir)`` writes them into ``out_dir`` and says what it wrote::

    report: benchmark-report/report.md (results: results.json)
    plots: throughput.png, latency.png, switching.png, memory.png, cpu_bound.png, eat_play.png

Plots need matplotlib, imported here only when a report is written (:mod:`shared.report.plots`);
without it the tables, claims and guide still come out and the report says why no plot did.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.report.markdown import markdown
from shared.report.results import Results


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
