"""The decision guide follows the figures (shared.report.guide).

Every piece of advice is checked both ways: the same result set with the decisive figure
flipped must flip the advice (advice that cannot change is a defect).
"""

from __future__ import annotations

from typing import Any

import pytest

from shared.report.guide import guide
from shared.report.results import Results, results_from_json
from tests import report_samples as s
from tests.report_samples import entry, res


def advice(results: Results, topic: str) -> str:
    return next(a.text for a in guide(results) if a.topic.startswith(topic))


def test_guide_cites_figures_and_says_what_was_not_measured() -> None:
    full = {a.topic: a.text for a in guide(results_from_json(s.full()))}
    assert full["Many idle connections"].startswith("**asyncio** — 2.00 KiB")
    assert "thread could not reach N=100,000" in full["Many idle connections"]
    assert full["Many short requests"].startswith("**asyncio/uvloop+aiohttp** — 7,600 req/s")
    assert "server's own limit (wrk) is 12,000 req/s" in full["Many short requests"]
    assert "no model speeds it up" in full["CPU-heavy work"]
    assert "**thread**" in full["CPU-heavy work"]
    assert full["Code that must call blocking libraries"].startswith("**thread or gevent**")
    assert "asyncio.to_thread" in full["Code that must call blocking libraries"]
    assert "4.1x vs 1.4x" in full["Client library vs model"]
    empty = {a.topic: a.text for a in guide(res([entry("yield_ns", "gevent", 1, "ns")]))}
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


def test_switch_cost_names_no_winner_when_the_rounds_overlap() -> None:
    def rows(asyncio_min: float) -> Results:
        return res(
            [
                entry("switch_ns", "gevent", 1000, "ns", value_min=900, value_max=1400, n=1),
                entry(
                    "switch_ns", "asyncio", 1300, "ns", value_min=asyncio_min, value_max=1600, n=1
                ),
                entry("switch_ns", "thread", 20000, "ns", value_min=19000, value_max=21000, n=1),
            ]
        )

    text = advice(rows(1200), "Many idle")
    assert "switch cost: gevent and asyncio (a tie) 1,000 ns (asyncio 1,300 ns, a tie;" in text
    assert "thread 20,000 ns, 20x dearer" in text
    apart = advice(rows(1450), "Many idle")
    assert "switch cost: gevent 1,000 ns (asyncio 1,300 ns, 1.3x dearer;" in apart


@pytest.mark.parametrize(("bare_b", "winner"), [(9_400.0, False), (6_000.0, True)])
def test_no_short_request_winner_where_the_clients_alone_run_alike(
    bare_b: float, winner: bool
) -> None:
    # fetch_all 1.9x apart; the clients alone 3 % apart (a tie: our fetcher's cost) or 1.6x
    def pair(model: str, client: str, rate: float, bare: float) -> dict[str, Any]:
        return entry(
            "req_per_s",
            model,
            rate,
            "req/s",
            client=client,
            scenario="fetch",
            concurrency=100,
            delay_ms=0,
            bare_req_per_s=bare,
        )

    rows = [
        pair("gevent", "geventhttpclient", 10_890.0, 9_700.0),
        pair("asyncio", "aiohttp", 5_730.0, bare_b),
    ]
    text = {a.topic: a.text for a in guide(res(rows))}["Many short requests"]
    assert text.startswith("**gevent+geventhttpclient** —") is winner
    assert ("no winner between gevent+geventhttpclient and asyncio+aiohttp" in text) is not winner
    if not winner:
        assert "at c=100 the bare clients read 9,700 and 9,400 req/s" in text


@pytest.mark.parametrize("cpu", [0.98, 0.5])
def test_the_guide_names_the_pairs_bound_by_their_own_cpu(cpu: float) -> None:
    def row(model: str, delay: int, client_cpu: float) -> dict[str, Any]:
        return entry(
            "req_per_s",
            model,
            5_000.0,
            "req/s",
            client="x",
            scenario="fetch",
            concurrency=100,
            delay_ms=delay,
            client_cpu=client_cpu,
            client_cpu_us_per_req=client_cpu / 5_000 * 1e6,
        )

    rows = [row("gevent", 0, cpu), row("thread", 0, 0.4), row("gevent", 50, 0.2)]
    text = {a.topic: a.text for a in guide(res(rows))}["What bounds each pair"]
    if cpu >= 0.9:
        assert "at 0 ms, c=100: gevent+x (0.98 CPU, 196 us/req)" in text
        assert "thread+x (0.40" not in text
        assert "no pair was at 50 ms, c=100" in text
    else:
        assert "no pair was CPU-bound at any point" in text
