"""report.md: the run, the decision guide, the tutorial's claims, every table, the plots.

Rendered from :class:`~shared.report.results.Results` alone (plots are passed in by name, as
:mod:`shared.report.write` drew them), so the same results always give the same file. The
shape of the file::

    # switchbench results
    run 2025-01-01T00:00:00+00:00; command `pytest benchmarks/`; 2 CPUs, ...
    ## Decision guide            - **Many idle connections:** **asyncio** — ...
    ## The tutorial's claims     | claim | verdict | figures |
    ## Results                   ### switch_ns — ... (a table per metric and parameters)
    ## Plots                     ![throughput](throughput.png) ...
    ## Regenerate                `switchbench report results.json --out DIR`
"""

from __future__ import annotations

from shared.report import behaviour, scale
from shared.report.claims import claims
from shared.report.fmt import fmt_num, fmt_ratio, table_lines
from shared.report.groups import groups, reading, table
from shared.report.guide import client_vs_model, guide
from shared.report.metrics import (
    BLOCKED_MIN_RATIO,
    CONCURRENT_RATIO_TOLERANCE,
    CPU_NO_GAIN_MIN_RATIO,
    EXPECTED_CONCURRENT_RATIO,
    TIE_FACTOR,
)
from shared.report.results import Results, not_run

#: the report's plots (shared.report.plots.PLOTS draws them): file stem -> what it shows
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


def markdown(results: Results, plots: dict[str, str], not_drawn: dict[str, str]) -> str:
    """report.md: run details, decision guide, the tutorial's claims, tables, plots."""
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
        "serial (shared/report/metrics.py).",
        "",
        "## The tutorial's claims",
        "",
    ]
    out += table_lines(
        ["claim", "verdict", "figures"],
        [[c.claim, f"**{c.verdict}**", c.evidence] for c in claims(results)],
        markdown=True,
        text={"verdict", "figures"},
    )
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
        out += table_lines(*table(g), markdown=True)
        out.append("")
    cvm = client_vs_model(results)
    if cvm is not None and (cvm.client_effects or cvm.model_effect is not None):
        out += [f"### Client library vs model ({cvm.where})", ""]
        header = ["model", "httpx req/s", "fastest client", "its req/s", "client effect"]
        cells = [
            [model, fmt_num(httpx.value), str(fast.client), fmt_num(fast.value), fmt_ratio(eff)]
            for eff, model, fast, httpx in cvm.client_effects
        ]
        out += table_lines(header, cells, markdown=True, keep=len(header), text={"fastest client"})
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
    out += behaviour.markdown_lines(behaviour.rows_in(results))
    out += scale.markdown_lines(scale.rows_in(results))
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
