"""The report: tables, ratios, readings, seed verdicts and the decision guide follow the data.

Every verdict and every piece of advice is checked both ways: the same result set with the
decisive figure flipped must flip the conclusion (a conclusion that cannot change is a defect).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from shared.report import core as report
from shared.report.core import FAILS, HOLDS, NOT_MEASURED, Results
from tests import report_samples as s
from tests.report_samples import entry

ROOT = Path(__file__).resolve().parents[1]


def res(*parts: list[dict[str, Any]]) -> Results:
    return report.results_from_json(s.run(*parts))


def verdicts(results: Results) -> list[str]:
    return [c.verdict for c in report.claims(results)]


def advice(results: Results, topic: str) -> str:
    return next(a.text for a in report.guide(results) if a.topic.startswith(topic))


def only(results: Results, metric: str, **params: Any) -> report.Group:
    [g] = [
        g
        for g in report.groups(results, metric)
        if all(g.param_value(k) == v for k, v in params.items())
    ]
    return g


# --- rows, units, groups -------------------------------------------------------------------


def test_rows_carry_the_figures_and_parameters_keyed_on_metric() -> None:
    r = res(s.fetch(delays=(10,)))
    g = only(r, "req_per_s", delay_ms=10, concurrency=100)
    assert g.params == (("delay_ms", 10), ("concurrency", 100))
    assert [x.label for x in g.measured][:2] == [
        "asyncio/uvloop+aiohttp",
        "gevent+geventhttpclient",
    ]
    assert g.limit is not None
    assert g.limit.label == "wrk (reference)"  # with a delay a client may beat wrk
    assert all(not x.is_limit for x in g.rows)


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [(1.5, "us", 1500.0), (900, "ns/switch", 900.0), (2e-6, "s", 2000.0), (7, None, 7.0)],
)
def test_values_are_converted_to_the_metrics_unit(
    value: float, unit: str | None, expected: float
) -> None:
    [row] = res([entry("switch_ns", "gevent", value, unit)]).rows  # type: ignore[arg-type]
    assert row.value == pytest.approx(expected)
    assert row.unit == "ns"


def test_memory_units_convert_and_unknown_units_are_kept() -> None:
    rows = res(
        [
            entry("rss_kib_per_task", "gevent", 4096, "B", n=10),
            entry("rss_kib_per_task", "thread", 0.5, "MiB", n=10),
            entry("rss_kib_per_task", "asyncio", 3, "pages", n=10),
        ]
    ).rows
    assert [r.value for r in rows] == [4.0, 512.0, None]
    assert rows[2].note == "unit 'pages' is not convertible to KiB"


def test_bad_values_become_none_and_foreign_benchmarks_are_counted() -> None:
    data = s.run(
        [
            entry("switch_ns", "gevent", float("nan"), "ns"),
            entry("switch_ns", "asyncio", True, "ns"),  # type: ignore[arg-type]
            entry("switch_ns", "thread", "fast", "ns"),  # type: ignore[arg-type]
        ]
    )
    data["benchmarks"] += [{"name": "plain", "extra_info": {}, "stats": s.STATS}, "junk"]
    r = report.results_from_json(data)
    assert [x.value for x in r.rows] == [None, None, None]
    assert r.skipped == 2
    assert report.reading(report.groups(r)[0]) == "no figures"
    assert any("no figures: switch_ns" in line for line in report.terminal_lines(r))


def test_rows_that_would_collide_get_distinct_labels() -> None:
    r = res(
        [
            entry("switch_ns", "gevent", 900, "ns", payload=1),
            entry("switch_ns", "gevent", 950, "ns", payload=2),
        ]
    )
    [g] = report.groups(r)
    assert sorted(g.labels().values()) == ["gevent (payload=1)", "gevent (payload=2)"]


# --- tables and readings -------------------------------------------------------------------


def test_lower_is_better_ratios_and_reading() -> None:
    g = only(res(s.switching()), "switch_ns")
    assert [x.label for x in g.measured] == ["gevent", "asyncio/uvloop", "asyncio", "thread"]
    assert [round(g.times_worse(x), 2) for x in g.measured] == [1.0, 2.11, 2.78, 15.56]  # type: ignore[arg-type]
    assert report.reading(g) == (
        "gevent 2.1x cheaper switch than asyncio/uvloop, 2.8x than asyncio, 16x than thread"
    )
    header, cells = report.table(g)
    assert header[:3] == ["model", "ns", "vs best"]
    assert cells[0][:3] == ["gevent", "900", "best"]
    assert cells[-1][:3] == [
        "thread",
        "14,000",
        "15.56x",
    ]


def test_cpu_reading_compares_each_model_with_serial_in_its_own_worker() -> None:
    # absolute times say gevent is fastest; the same-worker ratios say nobody gained
    rows = [
        entry("cpu_wall_s", "gevent", 0.25, "s", variant="patched", ratio_to_serial=0.98),
        entry("cpu_wall_s", "thread", 0.43, "s", variant="threads", ratio_to_serial=1.06),
    ]
    text = report.reading(only(res(rows), "cpu_wall_s"))
    assert (
        text == "wall time / serial in the same worker: gevent 0.98, thread 1.06 (below 1 = a gain)"
    )
    assert "faster" not in text


def test_higher_is_better_ratios_and_reading() -> None:
    g = only(res(s.fetch(delays=(0,))), "req_per_s", delay_ms=0, concurrency=100)
    assert g.measured[0].label == "asyncio/uvloop+aiohttp"
    worst = g.measured[-1]
    assert worst.label == "thread+httpx"
    assert g.times_worse(worst) == pytest.approx(7600 / 1300)
    assert report.reading(g).startswith(
        "asyncio/uvloop+aiohttp 1.2x more req/s than gevent+geventhttpclient"
    )
    header, cells = report.table(g)
    assert "p99 ms" in header
    assert cells[-1][0] == "wrk (server limit)"
    assert cells[-1][2] == "server limit"
    assert cells[-1][-1] == ""


def test_the_limit_row_shows_its_note() -> None:
    g = only(res(s.fetch(delays=(10,))), "req_per_s", delay_ms=10, concurrency=100)
    _, cells = report.table(g)
    assert cells[-1][0] == "wrk (reference)"
    assert cells[-1][2] == "reference"
    assert cells[-1][-1] == "a reference"


def test_ties_and_missing_figures_in_the_reading() -> None:
    tie = res([entry("yield_ns", m, 1000 + i, "ns") for i, m in enumerate(("gevent", "asyncio"))])
    assert report.reading(report.groups(tie)[0]) == "gevent and asyncio within 5% of each other"
    g = only(res(s.switching()), "rss_kib_per_task", n=100000)
    text = report.reading(g)
    assert text.startswith("asyncio 2.5x less memory than gevent")
    assert "not measured: thread (could not start 100000 threads" in text
    assert report.table(g)[1][-1][1:3] == ["—", "—"]


def test_terminal_pivots_sweeps_into_columns() -> None:
    lines = report.terminal_lines(res(s.switching()))
    text = "\n".join(lines)
    assert "spawn_join_us — spawn + join, per task [us by n" in text
    header = next(line for line in lines if "N=1,000" in line and "N=10,000" in line)
    assert header.split() == ["model", "N=1,000", "N=10,000"]
    assert "  => at N=10,000: gevent 2.0x cheaper spawn+join than asyncio, 17x than thread" in lines


def test_missing_scenarios_are_listed_as_not_run() -> None:
    r = res(s.switching())
    missing = report.not_run(r)
    assert [m.split()[0] for m in missing] == [
        "req_per_s",
        "cpu_wall_s",
        "heartbeat_lag_ms",
        "wall_s",
    ]
    assert any(
        line.startswith("not run in this session: req_per_s") for line in report.terminal_lines(r)
    )


def test_unknown_metric_is_shown_with_a_guessed_direction() -> None:
    r = res(
        [
            entry("echo_msgs_per_s", "gevent", 10, "msg/s"),
            entry("echo_msgs_per_s", "thread", 20, "msg/s"),
        ]
    )
    [g] = report.groups(r)
    assert g.meta.higher_is_better
    assert g.measured[0].label == "thread"
    assert "echo_msgs_per_s" in "\n".join(report.terminal_lines(r))


# --- timings disabled ----------------------------------------------------------------------


def test_disabled_timings_print_one_line_not_a_broken_table(tmp_path: Path) -> None:
    data = s.run([entry("switch_ns", m, None, "ns", timed=False) for m in ("gevent", "thread")])
    r = report.results_from_json(data)
    assert r.timings_disabled
    assert not r.has_figures
    lines = report.terminal_lines(r)
    assert len(lines) == 1
    assert lines[0].startswith("timings disabled (--benchmark-disable)")
    (tmp_path / "switching.png").write_bytes(b"stale")
    w = report.write_report(r, data, tmp_path)
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
    lines = report.terminal_lines(r)
    assert "not a basis for decisions" in lines[0]
    assert any("gevent" in x and "best" in x for x in lines)
    assert not any("decision guide" in x for x in lines)


# --- the seed's claims: each verdict flips with its figure ---------------------------------


def test_all_claims_hold_on_the_expected_figures() -> None:
    assert verdicts(report.results_from_json(s.full())) == [HOLDS] * 5


def test_no_figures_means_not_measured() -> None:
    assert verdicts(res([entry("yield_ns", "gevent", 1, "ns")])) == [NOT_MEASURED] * 5
    partial = res([entry("switch_ns", "gevent", 900, "ns")])
    assert verdicts(partial)[0] == NOT_MEASURED


@pytest.mark.parametrize(("thread_ns", "verdict"), [(14000, HOLDS), (1000, FAILS), (2600, FAILS)])
def test_switch_claim_follows_the_thread_switch_cost(thread_ns: float, verdict: str) -> None:
    r = res(
        [
            entry("switch_ns", "gevent", 900, "ns"),
            entry("switch_ns", "asyncio", 2500, "ns"),
            entry("switch_ns", "thread", thread_ns, "ns"),
        ]
    )
    claim = report.claims(r)[0]
    assert claim.verdict == verdict
    assert f"thread {thread_ns:,} ns" in claim.evidence


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, [HOLDS, HOLDS, HOLDS]),
        ({("gevent", "patched"): 0.3}, [FAILS, HOLDS, HOLDS]),
        ({("thread", "threads"): 0.1}, [FAILS, HOLDS, HOLDS]),
        ({("gevent", "greenlet"): 0.2}, [HOLDS, FAILS, HOLDS]),
        ({("gevent", "unpatched"): 0.2}, [HOLDS, HOLDS, FAILS]),
        ({("gevent", "unpatched"): 0.25}, [HOLDS, HOLDS, FAILS]),
    ],
)
def test_eat_play_claims_follow_wall_times(overrides: dict, expected: list[str]) -> None:
    assert verdicts(res(s.eat_play(overrides)))[1:4] == expected


def test_eat_play_claims_need_the_serial_baseline() -> None:
    rows = [e for e in s.eat_play() if e["extra_info"]["variant"] != "serial"]
    assert verdicts(res(rows))[1:4] == [NOT_MEASURED] * 3


@pytest.mark.parametrize(("thread_ratio", "verdict"), [(1.04, HOLDS), (0.5, FAILS), (0.89, FAILS)])
def test_cpu_claim_follows_the_ratio_to_serial(thread_ratio: float, verdict: str) -> None:
    rows = s.cpu()
    for e in rows:
        if e["extra_info"]["metric"] == "cpu_wall_s" and e["extra_info"]["variant"] == "threads":
            e["extra_info"]["ratio_to_serial"] = thread_ratio
    claim = report.claims(res(rows))[4]
    assert claim.verdict == verdict
    assert f"thread {thread_ratio:.2f}" in claim.evidence


def test_cpu_ratio_is_computed_from_the_serial_row_when_not_recorded() -> None:
    rows = [
        entry("cpu_wall_s", "thread", 2.0, "s", variant="serial"),
        entry("cpu_wall_s", "gevent", 2.1, "s"),
        entry("cpu_wall_s", "thread", 1.0, "s", variant="threads"),
    ]
    claim = report.claims(res(rows))[4]
    assert claim.verdict == FAILS
    assert "thread 0.50" in claim.evidence
    assert "gevent 1.05" in claim.evidence


# --- the decision guide follows the figures ------------------------------------------------


def test_guide_cites_figures_and_says_what_was_not_measured() -> None:
    full = {a.topic: a.text for a in report.guide(report.results_from_json(s.full()))}
    assert full["Many idle connections"].startswith("**asyncio** — 2.00 KiB")
    assert "thread could not reach N=100,000" in full["Many idle connections"]
    assert full["Many short requests"].startswith("**asyncio/uvloop+aiohttp** — 7,600 req/s")
    assert "server's own limit (wrk) is 12,000 req/s" in full["Many short requests"]
    assert "no model speeds it up" in full["CPU-heavy work"]
    assert "**thread**" in full["CPU-heavy work"]
    assert full["Code that must call blocking libraries"].startswith("**thread or gevent**")
    assert "asyncio.to_thread" in full["Code that must call blocking libraries"]
    assert "4.1x vs 1.4x" in full["Client library vs model"]
    empty = {a.topic: a.text for a in report.guide(res([entry("yield_ns", "gevent", 1, "ns")]))}
    assert all("not measured in this run" in t for t in empty.values())


def test_idle_connection_advice_follows_memory() -> None:
    rows = [
        entry("rss_kib_per_task", "gevent", 2.0, "KiB", n=1000),
        entry("rss_kib_per_task", "asyncio", 5.0, "KiB", n=1000),
    ]
    assert advice(res(rows), "Many idle").startswith("**gevent** — 2.00 KiB")
    rows[0]["extra_info"]["value"] = 9.0
    assert advice(res(rows), "Many idle").startswith("**asyncio** — 5.00 KiB")


def test_short_request_advice_follows_req_per_s_and_flags_the_server_limit() -> None:
    rows = s.fetch(delays=(0,))
    assert advice(res(rows), "Many short").startswith("**asyncio/uvloop+aiohttp**")
    for e in rows:
        if e["extra_info"]["client"] == "urllib3" and e["extra_info"]["concurrency"] == 10:
            e["extra_info"]["value"] = 11500.0
    text = advice(res(rows), "Many short")
    assert text.startswith("**thread+urllib3** — 11,500 req/s")
    assert "the server bounds this figure" in text


def test_cpu_advice_names_a_model_that_gains() -> None:
    rows = s.cpu()
    rows[3]["extra_info"]["ratio_to_serial"] = 0.55
    assert advice(res(rows), "CPU").startswith("**thread** cuts the wall time to 0.55 of serial")


def test_blocking_advice_follows_the_blocking_variants() -> None:
    text = advice(res(s.eat_play({("asyncio", "blocking"): 0.2})), "Code that must")
    assert "asyncio.to_thread" not in text
    assert "still overlap" in text
    assert "asyncio with a blocking call in a coroutine 0.200 s" in text
    none = advice(
        res(s.eat_play({("thread", "threads"): 0.3, ("gevent", "patched"): 0.3})), "Code that must"
    )
    assert none.startswith("**none of the measured options**")


def test_client_vs_model_advice_flips_with_the_figures() -> None:
    rows = [
        entry("req_per_s", "asyncio", 1000.0, "req/s", client="httpx", concurrency=10, delay_ms=0),
        entry(
            "req_per_s", "asyncio", 1100.0, "req/s", client="aiohttp", concurrency=10, delay_ms=0
        ),
        entry("req_per_s", "thread", 3000.0, "req/s", client="httpx", concurrency=10, delay_ms=0),
    ]
    text = advice(res(rows), "Client")
    assert text.startswith("**the model matters more than the client library** (3.0x vs 1.1x)")
    rows[1]["extra_info"]["value"] = 9000.0
    assert advice(res(rows), "Client").startswith(
        "**the client library matters more than the model**"
    )


# --- files: markdown, plots, results.json --------------------------------------------------


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_report_writes_markdown_json_and_readable_plots(tmp_path: Path) -> None:
    import matplotlib.image

    data = s.full()
    w = report.write_report(report.results_from_json(data), data, tmp_path / "out")
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
    for section in ("## Decision guide", "## The seed's claims", "## Results", "## Plots"):
        assert section in md
    assert "![throughput](throughput.png)" in md
    assert "| gevent | 1,600 | geventhttpclient | 6,500 | 4.1x |" in md
    assert "Model effect with httpx everywhere: asyncio+httpx 1,800 vs thread+httpx 1,300" in md
    assert json.loads(w.results_json.read_text()) == data


def test_plots_without_data_are_not_drawn_and_the_report_says_so(tmp_path: Path) -> None:
    data = s.run(s.cpu())
    (tmp_path / "throughput.png").write_bytes(b"old run")
    w = report.write_report(report.results_from_json(data), data, tmp_path)
    assert list(w.plots) == ["cpu_bound"]
    assert not (tmp_path / "throughput.png").exists()
    md = w.report_md.read_text()
    assert "- throughput: not drawn — no req_per_s figures" in md
    assert "- memory: not drawn — no rss_kib_per_task figures with N" in md


def test_terminal_comparison_does_not_import_matplotlib() -> None:
    code = (
        "import sys; from shared.report import core as report; "
        "from tests import report_samples as s; "
        "lines = report.terminal_lines(report.results_from_json(s.full())); "
        "assert len(lines) > 20; assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)


# --- load errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("{not json", "not JSON"),
        ('{"rows": []}', "not a pytest-benchmark JSON file"),
        ('{"benchmarks": [{"extra_info": {}}]}', "no switchbench results"),
    ],
)
def test_bad_results_files_raise_a_one_line_reason(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "results.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(report.ReportError, match=message) as exc:
        report.load_results(path)
    assert "\n" not in str(exc.value)


def test_a_key_on_some_rows_only_does_not_split_the_comparison() -> None:
    rows = s.eat_play()
    del rows[0]["extra_info"]["scale"]
    rows[4]["extra_info"]["loop"] = "asyncio"
    [g] = report.groups(res(rows))
    assert g.params == ()
    assert len(g.rows) == len(rows)
    assert verdicts(res(rows))[1:4] == [HOLDS] * 3


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
    r = report.results_from_json(data)
    lines = report.terminal_lines(r)
    assert lines
    md = report.markdown(r, {}, {})
    assert "## The seed's claims" in md
    if how == "zero":
        w = report.write_report(r, data, tmp_path)
        assert w.warnings == []
        assert not any(why.startswith("failed") for why in w.not_drawn.values())


@pytest.mark.parametrize(("cpu", "shown"), [(0.4, "40%"), (40.0, "40%"), (1.0, "100%")])
def test_server_cpu_is_shown_as_a_percentage_whichever_way_it_was_recorded(
    cpu: float, shown: str
) -> None:
    rows = [
        entry("req_per_s", "gevent", 900.0, "req/s", concurrency=1, delay_ms=0, server_cpu=cpu),
        entry("req_per_s", "thread", 800.0, "req/s", concurrency=1, delay_ms=0, server_cpu=0.5),
    ]
    rows[1]["extra_info"]["server_saturated"] = True
    header, cells = report.table(report.groups(res(rows))[0])
    col = header.index("server cpu")
    assert [c[col] for c in cells] == [shown, "50% SATURATED"]
