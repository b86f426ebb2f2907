"""Rows, units, groups, readings and tables follow the data (shared.report.results, .groups)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.report.claims import HOLDS
from shared.report.groups import groups, reading, table
from shared.report.results import ReportError, load_results, results_from_json
from shared.report.terminal import terminal_lines
from tests import report_samples as s
from tests.report_samples import entry, only, res, verdicts


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
    r = results_from_json(data)
    assert [x.value for x in r.rows] == [None, None, None]
    assert r.skipped == 2
    assert reading(groups(r)[0]) == "no figures"
    assert any("no figures: switch_ns" in line for line in terminal_lines(r))


def test_rows_that_would_collide_get_distinct_labels() -> None:
    r = res(
        [
            entry("switch_ns", "gevent", 900, "ns", payload=1),
            entry("switch_ns", "gevent", 950, "ns", payload=2),
        ]
    )
    [g] = groups(r)
    assert sorted(g.labels().values()) == ["gevent (payload=1)", "gevent (payload=2)"]


def test_lower_is_better_ratios_and_reading() -> None:
    g = only(res(s.switching()), "switch_ns")
    assert [x.label for x in g.measured] == ["gevent", "asyncio/uvloop", "asyncio", "thread"]
    assert [round(g.times_worse(x), 2) for x in g.measured] == [1.0, 2.11, 2.78, 15.56]  # type: ignore[arg-type]
    assert reading(g) == (
        "gevent 2.1x cheaper switch than asyncio/uvloop, 2.8x than asyncio, 16x than thread"
    )
    header, cells = table(g)
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
    text = reading(only(res(rows), "cpu_wall_s"))
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
    assert reading(g).startswith(
        "asyncio/uvloop+aiohttp 1.2x more req/s than gevent+geventhttpclient"
    )
    header, cells = table(g)
    assert "p99 ms" in header
    assert cells[-1][0] == "wrk (server limit)"
    assert cells[-1][2] == "server limit"
    assert cells[-1][-1] == ""


def test_the_limit_row_shows_its_note() -> None:
    g = only(res(s.fetch(delays=(10,))), "req_per_s", delay_ms=10, concurrency=100)
    _, cells = table(g)
    assert cells[-1][0] == "wrk (reference)"
    assert cells[-1][2] == "reference"
    assert cells[-1][-1] == "a reference"


def test_ties_and_missing_figures_in_the_reading() -> None:
    tie = res([entry("yield_ns", m, 1000 + i, "ns") for i, m in enumerate(("gevent", "asyncio"))])
    assert reading(groups(tie)[0]) == "gevent and asyncio within 5% of each other"
    g = only(res(s.switching()), "rss_kib_per_task", n=100000)
    text = reading(g)
    assert text.startswith("asyncio 2.5x less memory than gevent")
    assert "not measured: thread (could not start 100000 threads" in text
    assert table(g)[1][-1][1:3] == ["—", "—"]


def test_unknown_metric_is_shown_with_a_guessed_direction() -> None:
    r = res(
        [
            entry("echo_msgs_per_s", "gevent", 10, "msg/s"),
            entry("echo_msgs_per_s", "thread", 20, "msg/s"),
        ]
    )
    [g] = groups(r)
    assert g.meta.higher_is_better
    assert g.measured[0].label == "thread"
    assert "echo_msgs_per_s" in "\n".join(terminal_lines(r))


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
    with pytest.raises(ReportError, match=message) as exc:
        load_results(path)
    assert "\n" not in str(exc.value)


def test_a_key_on_some_rows_only_does_not_split_the_comparison() -> None:
    rows = s.eat_play()
    del rows[0]["extra_info"]["scale"]
    rows[4]["extra_info"]["loop"] = "asyncio"
    [g] = groups(res(rows))
    assert g.params == ()
    assert len(g.rows) == len(rows)
    assert verdicts(res(rows))[1:4] == [HOLDS] * 3


@pytest.mark.parametrize(("cpu", "shown"), [(0.4, "40%"), (40.0, "40%"), (1.0, "100%")])
def test_server_cpu_is_shown_as_a_percentage_whichever_way_it_was_recorded(
    cpu: float, shown: str
) -> None:
    rows = [
        entry("req_per_s", "gevent", 900.0, "req/s", concurrency=1, delay_ms=0, server_cpu=cpu),
        entry("req_per_s", "thread", 800.0, "req/s", concurrency=1, delay_ms=0, server_cpu=0.5),
    ]
    rows[1]["extra_info"]["server_saturated"] = True
    header, cells = table(groups(res(rows))[0])
    col = header.index("server cpu")
    assert [c[col] for c in cells] == [shown, "50% SATURATED"]


def test_overlapping_rounds_make_a_tie_whatever_the_medians() -> None:
    # 1.4x apart by their medians, but one slow spell put a round of each in the other's range
    rows = [
        entry("yield_ns", "gevent", 1000, "ns", value_min=900, value_max=1500),
        entry("yield_ns", "asyncio", 1400, "ns", value_min=1300, value_max=2000),
        entry("yield_ns", "thread", 30000, "ns", value_min=28000, value_max=33000),
    ]
    g = groups(res(rows))[0]
    assert [g.tied(r) for r in g.measured] == [False, True, False]
    text = reading(g)
    assert text.startswith("gevent and asyncio a tie: within 5% or their rounds overlap")
    assert "thread" in text.split(";")[1]
    header, cells = table(g)
    assert header[:4] == ["model", "ns", "rounds", "vs best"]
    assert [c[:4] for c in cells] == [
        ["gevent", "1,000", "900-1,500", "best"],
        ["asyncio", "1,400", "1,300-2,000", "tie"],
        ["thread", "30,000", "28,000-33,000", "30.00x"],
    ]
    apart = [entry("yield_ns", "gevent", 1000, "ns", value_min=900, value_max=1100)]
    apart += [entry("yield_ns", "asyncio", 1400, "ns", value_min=1300, value_max=2000)]
    g = groups(res(apart))[0]
    assert not g.tied(g.measured[1])
    assert reading(g).startswith("gevent 1.4x cheaper yield than asyncio")


def test_the_spread_is_converted_with_the_figure() -> None:
    [row] = res([entry("yield_ns", "gevent", 1.0, "us", value_min=0.9, value_max=1.2)]).rows
    assert row.value == pytest.approx(1000)
    assert row.spread == pytest.approx((900, 1200))
