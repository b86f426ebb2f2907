"""End to end: a real pytest-benchmark session prints the comparison and writes the report;
``switchbench report`` renders the saved JSON; pytest-benchmark's own options keep working;
a benchmark finds what the session recorded before it (shared.report.session).

The session runs a tiny benchmark file (timed sleeps recorded with ``shared.bench.timing.record``)
in a subprocess with the project's pytest configuration and ``benchmarks/conftest.py`` loaded
as a plugin, as ``pytest benchmarks/`` loads it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from shared import cli
from shared.harness.proc import ROOT

TINY_BENCH = """
import time

import pytest

from shared.bench.timing import record


COSTS = [("gevent", 2e-4), ("asyncio", 4e-4), ("thread", 2e-3)]


@pytest.mark.parametrize(("model", "cost_s"), COSTS)
def test_switch(benchmark, model, cost_s):
    benchmark.pedantic(time.sleep, args=(cost_s,), rounds=3, iterations=1)
    stats = getattr(benchmark, "stats", None)
    # pretend one round is 100 switches: a real figure, timed by pytest-benchmark
    value = stats.stats.median / 100 * 1e9 if stats is not None else None
    record(benchmark, model=model, variant=None, scenario="switching", metric="switch_ns",
           value=value, unit="ns")
"""

#: a fetch point as benchmarks/test_fetch.py records it: wrk first, then a pair that reads
#: wrk's rate through session.find, then a pair too slow to time that records why and skips
TINY_FETCH = """
import pytest

from shared.bench.timing import record
from shared.report import session

POINT = {"scenario": "fetch", "metric": "req_per_s", "unit": "req/s", "concurrency": 100,
         "delay_ms": 50}


def test_wrk(benchmark):
    benchmark.pedantic(lambda: None, rounds=2, iterations=1)
    record(benchmark, model="wrk", variant="wrk", client="wrk", pair="wrk", value=2000.0,
           **POINT)


def test_pair(benchmark, request):
    benchmark.pedantic(lambda: None, rounds=2, iterations=1)
    wrk = session.find(request.config, model="wrk", concurrency=100, delay_ms=50)
    assert session.find(request.config, model="wrk", concurrency=10) is None
    record(benchmark, model="asyncio", variant="asyncio", client="aiohttp",
           pair="asyncio-aiohttp", value=1500.0, of_wrk=1500.0 / wrk["value"], **POINT)


def test_too_slow(benchmark):
    record(benchmark, model="thread", variant="threads", client="httpx", pair="thread-httpx",
           value=None, note="a probe did not finish in time", **POINT)
    pytest.skip("too slow to time")
"""

pytestmark = pytest.mark.slow


def run_pytest(bench: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-c",
        str(ROOT / "pyproject.toml"),
        "--rootdir",
        str(ROOT),
        "-p",
        "benchmarks.conftest",
        str(bench),
        "-q",
        *args,
    ]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=180)


@dataclass
class Saved:
    proc: subprocess.CompletedProcess[str]
    bench: Path
    json: Path
    report_dir: Path
    storage: Path


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Saved:
    tmp = tmp_path_factory.mktemp("session")
    bench = tmp / "test_tiny_bench.py"
    bench.write_text(TINY_BENCH)
    out = Saved(
        proc=subprocess.CompletedProcess([], 0),
        bench=bench,
        json=tmp / "run.json",
        report_dir=tmp / "report",
        storage=tmp / "storage",
    )
    out.proc = run_pytest(
        bench,
        "--benchmark-json",
        str(out.json),
        "--report-dir",
        str(out.report_dir),
        "--benchmark-storage",
        f"file://{out.storage}",
        "--benchmark-autosave",
    )
    return out


def test_session_prints_the_comparison_and_writes_the_report(saved: Saved) -> None:
    assert saved.proc.returncode == 0, saved.proc.stdout + saved.proc.stderr
    stdout = saved.proc.stdout
    # after pytest-benchmark's own table, ours: the three models side by side
    assert stdout.index("switchbench: models side by side") > stdout.index("benchmark: 3 tests")
    section = stdout[stdout.index("switchbench: models side by side") :]
    table = section[section.index("switch_ns — ") : section.index("  => ")]
    assert {line.split()[0] for line in table.splitlines()[2:]} == {"gevent", "asyncio", "thread"}
    assert "[holds]" in section or "[does not hold]" in section
    assert f"report: {saved.report_dir / 'report.md'}" in section
    md = (saved.report_dir / "report.md").read_text()
    assert "### switch_ns" in md
    assert "![switching](switching.png)" in md
    assert (saved.report_dir / "switching.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # results.json is this run in pytest-benchmark's form: the same benchmarks and fields
    ours = json.loads((saved.report_dir / "results.json").read_text())
    theirs = json.loads(saved.json.read_text())
    assert [b["extra_info"] for b in ours["benchmarks"]] == [
        b["extra_info"] for b in theirs["benchmarks"]
    ]
    assert all(b["stats"]["rounds"] == 3 for b in ours["benchmarks"])


def test_switchbench_report_renders_a_saved_benchmark_json(saved: Saved, tmp_path: Path) -> None:
    out = tmp_path / "rendered"
    proc = subprocess.run(
        [sys.executable, "-m", "shared.cli", "report", str(saved.json), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "switch_ns — Event ping-pong switch" in proc.stdout
    session_md = (saved.report_dir / "report.md").read_text()
    cli_md = (out / "report.md").read_text()
    # same run, same tables, claims and guide (only the run line differs: no command recorded)
    assert (
        cli_md[cli_md.index("## Decision guide") :]
        == session_md[session_md.index("## Decision guide") :]
    )
    assert (out / "switching.png").is_file()
    assert json.loads((out / "results.json").read_text()) == json.loads(saved.json.read_text())


def test_benchmark_compare_still_works(saved: Saved, tmp_path: Path) -> None:
    proc = run_pytest(
        saved.bench,
        "--benchmark-compare",
        "--benchmark-storage",
        f"file://{saved.storage}",
        "--report-dir",
        str(tmp_path / "report"),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "(NOW)" in proc.stdout
    assert "(0001_" in proc.stdout
    assert "switchbench: models side by side" in proc.stdout


def test_disabled_timings_keep_the_fields_and_print_one_line(saved: Saved, tmp_path: Path) -> None:
    report_dir = tmp_path / "report"
    proc = run_pytest(saved.bench, "--benchmark-disable", "--report-dir", str(report_dir))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "timings disabled (--benchmark-disable): 3 benchmark(s) ran once" in proc.stdout
    data = json.loads((report_dir / "results.json").read_text())
    assert data["switchbench"]["timings_disabled"] is True
    assert [b["extra_info"]["model"] for b in data["benchmarks"]] == ["gevent", "asyncio", "thread"]
    assert all(b["stats"] is None and b["extra_info"]["value"] is None for b in data["benchmarks"])
    assert "Timings were disabled" in (report_dir / "report.md").read_text()
    # the results.json of a report renders again, here with no figures and no plots
    again = tmp_path / "again"
    assert cli.main(["report", str(report_dir / "results.json"), "--out", str(again)]) == 0
    assert (again / "report.md").read_text() == (report_dir / "report.md").read_text()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "no such file"),
        ("[1, 2", "not JSON"),
        ('{"benchmarks": 3}', "not a pytest-benchmark"),
    ],
)
def test_switchbench_report_bad_file_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, reason: str
) -> None:
    path = tmp_path / "in.json"
    if content is not None:
        path.write_text(content)
    assert cli.main(["report", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("switchbench report: ")
    assert reason in err
    assert err.count("\n") == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("timing", ["timed", "--benchmark-disable"])
def test_one_summary_holds_the_fetch_tables_and_rows_found_in_the_session(
    tmp_path: Path, timing: str
) -> None:
    bench = tmp_path / "test_tiny_fetch.py"
    bench.write_text(TINY_FETCH)
    report_dir = tmp_path / "report"
    args = ["--report-dir", str(report_dir)] + ([timing] if timing != "timed" else [])
    proc = run_pytest(bench, *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 passed, 1 skipped" in proc.stdout
    out = proc.stdout
    # one end-of-run summary, and the fetch tables per point are in it
    assert out.count("switchbench: models side by side") == 1
    section = out[out.index("switchbench: models side by side") :]
    title = "fetch  delay=50 ms  concurrency=100  (ideal 2,000 req/s; wrk 2,000 req/s)"
    assert title in section
    rows = section[section.index(title) :].splitlines()
    pair = next(line.split() for line in rows if line.split()[:1] == ["asyncio-aiohttp"])
    assert pair[1:5] == ["1,500", "100%", "—", "75%"]  # req/s, of best, eff, of wrk
    slow = next(line.split() for line in rows if line.split()[:1] == ["thread-httpx"])
    assert slow[1] == "—"
    assert slow[-1] == "yes"
    # the row that skipped keeps its reason, in the summary and in results.json
    assert "not measured: thread+httpx (a probe did not finish in time)" in section
    data = json.loads((report_dir / "results.json").read_text())
    assert [b["extra_info"]["pair"] for b in data["benchmarks"]] == [
        "wrk",
        "asyncio-aiohttp",
        "thread-httpx",
    ]
    assert data["benchmarks"][-1]["stats"] is None
