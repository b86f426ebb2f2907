"""What the report prints and writes: the terminal summary, report.md, results.json, plots.

shared.report.terminal (the one end-of-run summary, the fetch tables per point included),
shared.report.markdown, shared.report.write and shared.report.plots.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from shared.harness.proc import ROOT
from shared.report.markdown import PLOT_CAPTIONS, markdown
from shared.report.results import not_run, results_from_json
from shared.report.terminal import fetch_point_lines, terminal_lines
from shared.report.write import write_report
from tests import report_samples as s
from tests.report_samples import entry, res


def test_terminal_pivots_sweeps_into_columns() -> None:
    lines = terminal_lines(res(s.switching()))
    text = "\n".join(lines)
    assert "spawn_join_us — spawn + join, per task [us by n" in text
    header = next(line for line in lines if "N=1,000" in line and "N=10,000" in line)
    assert header.split() == ["model", "N=1,000", "N=10,000"]
    assert "  => at N=10,000: gevent 2.0x cheaper spawn+join than asyncio, 17x than thread" in lines


def test_missing_scenarios_are_listed_as_not_run() -> None:
    r = res(s.switching())
    missing = not_run(r)
    assert [m.split()[0] for m in missing] == [
        "req_per_s",
        "cpu_wall_s",
        "heartbeat_lag_ms",
        "wall_s",
    ]
    assert any(line.startswith("not run in this session: req_per_s") for line in terminal_lines(r))


def test_disabled_timings_print_one_line_not_a_broken_table(tmp_path: Path) -> None:
    data = s.run([entry("switch_ns", m, None, "ns", timed=False) for m in ("gevent", "thread")])
    r = results_from_json(data)
    assert r.timings_disabled
    assert not r.has_figures
    lines = terminal_lines(r)
    assert len(lines) == 1
    assert lines[0].startswith("timings disabled (--benchmark-disable)")
    (tmp_path / "switching.png").write_bytes(b"stale")
    w = write_report(r, data, tmp_path)
    assert w.plots == {}
    assert not (tmp_path / "switching.png").exists()
    md = w.report_md.read_text()
    assert "Timings were disabled" in md
    assert "not measured in this run" in md
    assert json.loads(w.results_json.read_text()) == data


def test_disabled_timings_with_some_untimed_figures_say_so() -> None:
    r = res(
        [
            entry("rss_kib_per_task", m, v, "KiB", timed=False, n=10)
            for m, v in (("gevent", 5), ("thread", 30))
        ]
    )
    lines = terminal_lines(r)
    assert "not a basis for decisions" in lines[0]
    assert any("gevent" in x and "best" in x for x in lines)
    assert not any("decision guide" in x for x in lines)


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_report_writes_markdown_json_and_readable_plots(tmp_path: Path) -> None:
    import matplotlib.image

    data = s.full()
    w = write_report(results_from_json(data), data, tmp_path / "out")
    assert sorted(w.plots) == sorted(
        ["throughput", "latency", "switching", "memory", "cpu_bound", "eat_play"]
    )
    assert w.not_drawn == {}
    assert w.warnings == []
    for path in w.plots.values():
        width, height = _png_size(path)
        assert width > 400
        assert height > 300
        assert path.stat().st_size > 10_000
        pixels = matplotlib.image.imread(path)
        assert pixels.std() > 0.05  # something is drawn, not a blank canvas
    md = w.report_md.read_text()
    for section in ("## Decision guide", "## The tutorial's claims", "## Results", "## Plots"):
        assert section in md
    assert "![throughput](throughput.png)" in md
    assert "| gevent | 1,600 | geventhttpclient | 6,500 | 4.1x |" in md
    assert "Model effect with httpx everywhere: asyncio+httpx 1,800 vs thread+httpx 1,300" in md
    assert json.loads(w.results_json.read_text()) == data


def test_plots_without_data_are_not_drawn_and_the_report_says_so(tmp_path: Path) -> None:
    data = s.run(s.cpu())
    (tmp_path / "throughput.png").write_bytes(b"old run")
    w = write_report(results_from_json(data), data, tmp_path)
    assert list(w.plots) == ["cpu_bound"]
    assert not (tmp_path / "throughput.png").exists()
    md = w.report_md.read_text()
    assert "- throughput: not drawn — no req_per_s figures" in md
    assert "- memory: not drawn — no rss_kib_per_task figures with N" in md


def test_terminal_comparison_does_not_import_matplotlib() -> None:
    code = (
        "import sys; from shared.report.results import results_from_json; "
        "from shared.report.terminal import terminal_lines; "
        "from tests import report_samples as s; "
        "lines = terminal_lines(results_from_json(s.full())); "
        "assert len(lines) > 20; assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)


def _transform(data: dict[str, Any], how: str) -> dict[str, Any]:
    for i, b in enumerate(data["benchmarks"]):
        info = b["extra_info"]
        if how == "none":
            info["value"] = None
        elif how == "zero":
            info["value"] = 0
            info.update(
                {k: 0 for k in ("p50_ms", "p99_ms", "max_ms", "ratio_to_serial") if k in info}
            )
        elif how == "half":
            if i % 2:
                info["metric"] = None  # not a switchbench row any more
        elif how == "no-params":
            for k in ("n", "concurrency", "delay_ms", "scale"):
                info.pop(k, None)
        elif how == "strings":
            info.update(value=str(info["value"]), unit=None, p99_ms="x", efficiency="y")
    return data


@pytest.mark.parametrize("how", ["none", "zero", "half", "no-params", "strings"])
def test_degenerate_figures_never_break_the_report(how: str, tmp_path: Path) -> None:
    data = _transform(s.full(), how)
    r = results_from_json(data)
    lines = terminal_lines(r)
    assert lines
    md = markdown(r, {}, {})
    assert "## The tutorial's claims" in md
    if how == "zero":
        w = write_report(r, data, tmp_path)
        assert w.warnings == []
        assert not any(why.startswith("failed") for why in w.not_drawn.values())


# --- the fetch sweep, per point ----------------------------------------------------------


def _rec(pair: str, value: float | None, **kw: Any) -> dict[str, Any]:
    """A fetch benchmark as benchmarks/test_fetch.py records it (``pair``, figures beside)."""
    model = "wrk" if pair == "wrk" else pair.split("-")[0]
    return entry("req_per_s", model, value, "req/s", scenario="fetch", pair=pair, **kw)


def test_fetch_tables_put_every_pair_of_a_point_side_by_side() -> None:
    recs = [
        _rec("thread-httpx", 100.0, delay_ms=50, concurrency=100, note="slow"),
        _rec("asyncio-aiohttp", 1900.0, delay_ms=50, concurrency=100, efficiency=0.95),
        _rec("wrk", 1980.0, delay_ms=50, concurrency=100),
        _rec("asyncio-aiohttp", 3000.0, delay_ms=0, concurrency=10),
        _rec("gevent-httpx", None, delay_ms=50, concurrency=100, note="too slow"),
    ]
    r = res(recs)
    lines = fetch_point_lines(r)
    text = "\n".join(lines)
    assert "delay=0 ms  concurrency=10" in text
    assert "delay=50 ms  concurrency=100  (ideal 2,000 req/s; wrk 1,980 req/s)" in text
    block = lines[lines.index(next(x for x in lines if "concurrency=100" in x)) :]
    order = [row.split()[0] for row in block[2:6]]
    assert order == ["asyncio-aiohttp", "thread-httpx", "gevent-httpx", "wrk"]
    assert "95%" in block[2]
    # they are part of the one end-of-run summary, after the comparison tables
    summary = terminal_lines(r)
    start = summary.index(lines[0])
    assert summary[start : start + len(lines)] == lines
    assert start > summary.index(
        "  => asyncio 19x more req/s than thread; not measured: gevent (too slow)"
    )


def test_fetch_tables_show_the_side_figures_each_row_recorded() -> None:
    recs = [
        _rec(
            "asyncio-aiohttp",
            1800.0,
            delay_ms=50,
            concurrency=100,
            efficiency=0.9,
            of_wrk=1.05,
            p50_ms=52.04,
            p99_ms=60.0,
            server_cpu=0.91,
            server_saturated=True,
            client_cpu=0.5,
            client_cpu_us_per_req=250.4,
            fetch_over_bare=0.85,
            server_peak_inflight=100,
            requests=3000,
        ),
        _rec("thread-httpx", None, delay_ms=50, concurrency=100, below_req_per_s=80.0, note="x"),
        _rec("asyncio-aiohttp", 1900.0, delay_ms=50, concurrency=100, variant="bare"),
    ]
    lines = fetch_point_lines(res(recs))
    header = lines[1].split("  ")
    cells = {line.split()[0]: line.split() for line in lines[2:5] if "(bare)" not in line}
    assert [h.strip() for h in header if h.strip()][:3] == ["pair", "req/s", "of best"]
    assert cells["asyncio-aiohttp"][1:] == [
        "1,800",
        "100%",
        "90%",
        "105%",
        "52.0",
        "60.0",
        "0.91!",
        "0.50",
        "250",
        "0.85!",  # below 0.9 of its bare client: flagged
        "100",
        "3000",
    ]
    # the bare client shows beside its pair, named so, and is no pair's "best"
    bare = next(line.split() for line in lines if "(bare)" in line)
    assert bare[:4] == ["asyncio-aiohttp", "(bare)", "1,900", "—"]
    assert cells["thread-httpx"][1] == "<80"
    assert cells["thread-httpx"][-1] == "yes"
    assert lines[-1].startswith("<N = one wave did not finish in time")
    assert fetch_point_lines(res(s.switching())) == []


def test_every_plot_has_a_caption() -> None:
    from shared.report.plots import PLOTS

    assert list(PLOTS) == list(PLOT_CAPTIONS)
