"""shared.report.scale reads layout and capacity rows: tables, verdicts, advice.

The rows below are samples in the shape the benchmarks record (extra_info), with figures
made up to steer each verdict one way or the other: the tests check the reading, not the
figures.
"""

from __future__ import annotations

from typing import Any

from shared.report import scale

MACHINE = {"cpus": 2}


def lay(model: str, shape: str, delay: int, rate: float, **extra: Any) -> dict[str, Any]:
    p, t, k = (int(x) for x in shape.split("x"))
    return {
        "model": model,
        "variant": model,
        "scenario": "layouts",
        "metric": "req_per_s",
        "value": rate,
        "unit": "req/s",
        "layout": shape,
        "processes": p,
        "threads": t,
        "tasks": k,
        "concurrency": p * t * k,
        "delay_ms": delay,
        "p50_ms": 10.0,
        "p99_ms": 30.0,
        "client_cpu": 1.0 if delay == 0 else 0.3,
        "client_rss_mib": 56.0 * p,
        "server_cpu": 0.5,
        "server_processes": 2,
        "machine": MACHINE,
        **extra,
    }


def layouts(three_way_0ms: float = 9_000) -> list[dict[str, Any]]:
    return [
        lay("gevent", "1x1x120", 0, 6_000),
        lay("gevent", "2x1x60", 0, 6_300),
        lay("asyncio", "1x1x120", 0, 5_000),
        lay("asyncio", "1x4x30", 0, 3_000),
        lay("asyncio", "2x1x60", 0, 8_000),
        lay("asyncio", "2x4x15", 0, three_way_0ms),
        lay("thread", "1x120x1", 0, 2_000),
        lay("thread", "2x60x1", 0, 3_000),
        lay("gevent", "1x1x120", 50, 2_200),
        lay("gevent", "2x1x60", 50, 2_210),
        lay("asyncio", "1x1x120", 50, 2_100),
        lay("asyncio", "2x4x15", 50, 2_150),
        lay("thread", "1x120x1", 50, 1_500),
        lay("thread", "2x60x1", 50, 2_100),
    ]


def cap(model: str, n: int, held: int | None, **extra: Any) -> dict[str, Any]:
    row = {
        "model": model,
        "variant": model,
        "scenario": "capacity",
        "metric": "held_connections",
        "value": held,
        "unit": "connections",
        "n": n,
        "reached": held is not None and held >= n,
        "machine": MACHINE,
    }
    if held is not None:
        row.update(
            reach_s=n / 3_000,
            errors_by_kind={},
            rss_kib_per_held={"gevent": 15.0, "asyncio": 12.0, "thread": 39.8}[model],
            client_processes=1 + n // 20_000,
            server_processes=1 + n // 15_000,
            server_ports=1 + n // 22_000,
        )
    return {**row, **extra}


THREAD_CAP = "threads (one per request in flight): 20000 threads exceed the cap (pid_max 32768)"


def capacity(top: int = 50_000) -> list[dict[str, Any]]:
    rows = []
    for model in ("gevent", "asyncio"):
        steps = [s for s in (1_000, 10_000, 20_000, 50_000) if s <= top]
        for i, n in enumerate(steps):
            nxt = "none: 50,000 is the last step" if n == 50_000 else "no limit known"
            rows.append(cap(model, n, n, next_limit=nxt if i == len(steps) - 1 else "x"))
    rows.append(cap("thread", 1_000, 1_000, next_limit="10,000: no limit known"))
    rows.append(cap("thread", 10_000, 10_000, next_limit=f"20,000: {THREAD_CAP}"))
    rows.append(cap("thread", 20_000, None, note=THREAD_CAP))
    return rows


# --- tables -----------------------------------------------------------------------------


def test_the_layouts_table_compares_each_layout_with_its_model_in_one_process() -> None:
    header, cells = scale.layouts_table(layouts() + capacity(), 0)
    assert header[:4] == ["model", "P x T x K", "req/s", "x 1 process"]
    assert len(cells) == 8  # the 0 ms layouts only, no capacity row
    by_layout = {(c[0], c[1]): c for c in cells}
    assert by_layout[("asyncio", "2x4x15")][2:4] == ["9,000", "1.80"]
    assert by_layout[("asyncio", "1x1x120")][3] == "1.00"
    assert by_layout[("thread", "2x60x1")][3] == "1.50"
    assert by_layout[("gevent", "2x1x60")][8] == "0.50 of 2"
    notes = " ".join(scale.layouts_notes(layouts()))
    assert "120 requests in flight" in notes
    assert "a greenlet on the same hub" in notes


def test_the_capacity_table_shows_every_step_and_why_one_did_not_run() -> None:
    header, cells = scale.capacity_table(capacity())
    assert header[:3] == ["model", "step", "held"]
    refused = next(c for c in cells if c[0] == "thread" and c[1] == "20,000")
    assert refused[2:5] == ["—", "—", "—"]
    assert refused[-1] == THREAD_CAP
    top = next(c for c in cells if c[0] == "asyncio" and c[1] == "50,000")
    assert top[2] == "50,000"
    assert top[5] == "12.0"
    assert top[6] == "3 / 4, 3"


def test_the_limit_each_model_hit() -> None:
    limits = scale.capacity_limits(capacity())
    assert limits["thread"] == f"held 10,000; 20,000 not reached: {THREAD_CAP}"
    assert limits["gevent"] == "held 50,000; next: none: 50,000 is the last step"
    short = scale.capacity_limits(capacity(top=10_000))
    assert short["asyncio"] == "held 10,000; next: no limit known"


# --- verdicts ----------------------------------------------------------------------------


def test_the_three_way_layout_holds_when_it_is_best_at_every_delay() -> None:
    v = scale.verdict_best_layout(layouts())
    assert v.verdict == scale.HOLDS
    assert "at 0 ms the best of all is asyncio 2x4x15 (9,000 req/s)" in v.evidence
    assert "at 50 ms the best of all is gevent 2x1x60 (2,210 req/s)" in v.evidence


def test_the_three_way_layout_fails_when_another_layout_beats_it() -> None:
    v = scale.verdict_best_layout(layouts(three_way_0ms=7_000))
    assert v.verdict == scale.FAILS
    assert "best with all three is asyncio 2x4x15 (7,000 req/s, 0.88x)" in v.evidence


def test_the_three_way_layout_is_not_measured_without_such_a_layout() -> None:
    rows = [r for r in layouts() if r["threads"] == 1 or r["tasks"] == 1]
    assert scale.verdict_best_layout(rows).verdict == scale.NOT_MEASURED


def test_50k_on_a_4_cpu_machine_scaled_to_2_cpus_holds_and_says_it_is_no_ceiling() -> None:
    v = scale.verdict_50k(capacity())
    assert v.verdict == scale.HOLDS
    assert "50,000 x 2/4 = 25,000" in v.evidence
    assert "not the most a machine takes" in v.evidence
    assert "thread 10,000" in v.evidence


def test_50k_is_not_measured_when_the_run_stopped_short_of_the_scaled_figure() -> None:
    v = scale.verdict_50k(capacity(top=10_000))
    assert v.verdict == scale.NOT_MEASURED
    assert "--capacity-full" in v.evidence


def test_50k_does_not_hold_when_a_big_enough_step_was_not_reached() -> None:
    rows = [
        {**r, "machine": {"cpus": 4}}
        for r in capacity(top=20_000) + [cap("gevent", 50_000, 31_000, note="held at most")]
    ]
    v = scale.verdict_50k(rows)
    assert v.verdict == scale.FAILS
    assert "50,000 x 4/4 = 50,000" in v.evidence


# --- the decision guide ----------------------------------------------------------------------


def test_add_processes_where_the_client_is_cpu_bound() -> None:
    gains = scale.process_gains(layouts())
    assert round(gains[("thread", 0)], 2) == 1.5
    assert round(gains[("asyncio", 0)], 2) == 1.8
    line = scale.guide_lines(layouts() + capacity())[0]
    assert line.topic == "When to add processes"
    assert "it helped asyncio, thread" in line.text
    assert "at 0 ms, clients at 1.00 CPU (median): a second process gave" in line.text


def test_many_idle_connections_rest_on_memory_per_held_connection() -> None:
    line = scale.guide_lines(capacity())[1]
    assert line.topic == "Many idle connections"
    assert line.text.startswith("**asyncio** holds a connection for the least client memory")
    assert "asyncio 12.0 KiB per held connection at 50,000" in line.text
    assert "thread 39.8 KiB per held connection at 10,000" in line.text
    assert THREAD_CAP in line.text


def test_models_within_a_tie_share_the_idle_connections_line() -> None:
    rows = [{**r, "rss_kib_per_held": 15.0} if r["model"] != "thread" else r for r in capacity()]
    line = scale.guide_lines(rows)[1]
    assert line.text.startswith("**asyncio and gevent** hold a connection for about the same")


def test_lines_say_so_when_nothing_was_measured() -> None:
    assert [x.text for x in scale.guide_lines([])] == [
        "layouts not measured in this run.",
        "held_connections not measured in this run.",
    ]


def test_the_report_gives_scale_rows_their_own_section_and_verdicts() -> None:
    from shared.report.claims import claims
    from shared.report.groups import groups
    from shared.report.guide import guide
    from shared.report.markdown import markdown
    from shared.report.results import results_from_json
    from shared.report.terminal import terminal_lines

    rows = layouts() + capacity()
    entries = [{"extra_info": r, "stats": {"median": 1.0}} for r in rows]
    entries.append({"extra_info": {"metric": "switch_ns", "model": "gevent", "value": 900.0}})
    results = results_from_json({"benchmarks": entries})
    assert scale.rows_in(results) == rows
    # a layout of 2 processes is not ranked against one-process fetch figures
    assert [g.metric for g in groups(results)] == ["switch_ns"]
    text = "\n".join(terminal_lines(results))
    assert text.count("Layouts at 0 ms: P processes x T threads x K tasks") == 1
    assert text.count("Capacity: requests held in flight at once") == 1
    said = {c.claim: c.verdict for c in claims(results)}
    assert said[scale.verdict_best_layout(rows).claim] == scale.HOLDS
    assert scale.verdict_50k(rows).claim in said
    advice = {a.topic: a.text for a in guide(results)}
    assert "When to add processes" in advice
    # idle connections: memory per held connection first, per parked task after
    idle = advice["Many idle connections"]
    assert idle.startswith(scale.guide_lines(rows)[1].text)
    assert "Memory per parked task (a task with no socket)" in idle
    md = markdown(results, {}, {})
    assert md.count("## Scale: processes, layouts, capacity") == 1
    assert "### Layouts at 50 ms" in md


def test_a_run_of_capacity_alone_still_gets_its_report() -> None:
    from shared.report.results import results_from_json
    from shared.report.terminal import terminal_lines

    entries = [{"extra_info": r, "stats": {"median": 1.0}} for r in capacity()]
    results = results_from_json({"benchmarks": entries})
    assert not results.rows
    assert results.has_figures
    assert "Capacity: requests held in flight at once" in "\n".join(terminal_lines(results))
