"""The report's Behaviour section from sample rows: the table's cells carry the figures, the
verdicts follow the figures (and change when they do), the advice cites them."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from shared.report import behaviour
from shared.report.claims import claims
from shared.report.groups import groups
from shared.report.guide import guide
from shared.report.markdown import markdown
from shared.report.results import results_from_json
from shared.report.terminal import terminal_lines

KINDS = ("gevent", "asyncio", "asyncio-uvloop", "thread")


def _rows(kind: str) -> list[dict[str, Any]]:
    """One row per scenario for ``kind``, figures shaped like a real run's."""
    thread = kind == "thread"
    base = {"metric": "behaviour", "kind": kind, "model": kind.split("-")[0]}
    lost = 10000 if thread else 45000
    return [
        {
            **base,
            "scenario": "cancel",
            "python_wait": {
                "stopped": True,
                "cancel_at_ms": 100.4,
                "stopped_at_ms": 101.0,
                "cleanup_ran": True,
            },
            "c_block": {
                "stopped": True,
                "block_ms": 300.2,
                "cancel_at_ms": 100.3 if thread else 300.3,
                "stopped_at_ms": 300.9,
                "cleanup_ran": True,
            },
            "trap": {
                "timeout_ms": 100.0,
                "timed_out": thread,
                "swallowed": 0 if thread else 1,
                "returned_at_ms": 100.6 if thread else 341.2,
                "work_ended_at_ms": 401.2 if thread else 341.2,
            },
        },
        {
            **base,
            "scenario": "blocking",
            "block_ms": 200.2,
            "sibling_lag_ms": 0.3 if thread else 201.0,
            "detected": not thread,
            "named": None if thread else ("blocking_call" if kind == "gevent" else "blocker"),
            "detector": None if thread else f"{kind} detector",
            "reported_at_ms": None if thread else (80.0 if kind == "gevent" else 201.5),
        },
        {
            **base,
            "scenario": "failure",
            "tasks": 10,
            "raised_to_caller": True,
            "siblings_cancelled": 9,
            "sibling_steps_after_failure": 0,
            "left_running": 0,
            "unstructured": {
                "how": "bare threading.Thread + join()" if thread else "asyncio.gather",
                "raised_to_caller": not thread,
                "siblings_cancelled": 0,
                "sibling_steps_after_failure": 160,
                "left_running": 0 if thread else 9,
            },
        },
        {
            **base,
            "scenario": "shared-state",
            "tasks": 10,
            "increments": 5000,
            "no_switch": {"lost": 0, "tries": 10, "switch_interval_s": 0.005},
            "switch_inside": {
                "lost": lost,
                "tries": 3 if thread else 1,
                "switch_interval_s": 1e-06 if thread else 0.005,
            },
            "locked": {"lost": 0},
        },
        {
            **base,
            "scenario": "c-block",
            "calls": 10,
            "call_ms": 50.0,
            "serial_ms": 504.0,
            "blocked_wall_ms": 55.0 if thread else 505.0,
            "offloaded_wall_ms": 56.0 if thread else 60.0,
            "offload": "none needed" if thread else f"{kind}'s offload",
        },
        {
            **base,
            "scenario": "context",
            "requests": 100,
            "crosstalk": 0,
            "offload_sees_context": kind.startswith("asyncio"),
            "local": "threading.local",
            "local_crosstalk": 99 if kind.startswith("asyncio") else 0,
        },
    ]


@pytest.fixture
def rows() -> list[dict[str, Any]]:
    return [r for k in KINDS for r in _rows(k)]


def _set(rows: list[dict[str, Any]], kind: str, scenario: str, **changes: Any) -> list[dict]:
    out = copy.deepcopy(rows)
    row = next(r for r in out if (r["kind"], r["scenario"]) == (kind, scenario))
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        target = row
        for p in parents:
            target = target[p]
        target[leaf] = value
    return out


def test_the_report_reads_the_rows_and_gives_them_their_own_section(
    rows: list[dict[str, Any]],
) -> None:
    entries = [{"extra_info": r, "stats": {"median": 1.0}} for r in rows]
    entries.append({"extra_info": {"metric": "switch_ns", "model": "gevent", "value": 900.0}})
    results = results_from_json({"benchmarks": entries})
    assert behaviour.rows_in(results) == rows
    # outcomes are not ranked in a table with the figures
    assert [g.metric for g in groups(results)] == ["switch_ns"]
    text = "\n".join(terminal_lines(results))
    assert text.count("Behaviour: what happens when things go wrong") == 1
    assert "    asyncio-uvloop  cancel at 100 ms, stopped 101 ms, cleanup ran" in text
    said = {c.claim: c.verdict for c in claims(results)}
    assert said[behaviour.CLAIM_LOCKS] == behaviour.PARTLY
    assert said[behaviour.CLAIM_HOLD] == behaviour.HOLDS
    topics = [a.topic for a in guide(results)]
    advice = [t for t, _, _ in behaviour.ADVICE]
    first = topics.index(advice[0])
    assert topics[first : first + len(advice)] == advice
    md = markdown(results, {}, {})
    assert md.count("## Behaviour") == 1
    assert "| outcome | gevent | asyncio | asyncio-uvloop | thread |" in md
    assert behaviour.CLAIM_LOCKS in md.split("## Results")[0]  # in the claims table


def test_the_table_has_a_column_per_kind_and_the_figures_in_its_cells(
    rows: list[dict[str, Any]],
) -> None:
    header, cells = behaviour.table(rows)
    assert header == ["outcome", *KINDS]
    by_label = {line[0]: dict(zip(header[1:], line[1:], strict=True)) for line in cells}
    c_call = by_label["cancel: in a C call"]
    assert c_call["asyncio"] == "cancel issued at 300 ms (block 300 ms), stopped 301 ms"
    assert c_call["thread"] == "cancel issued at 100 ms (block 300 ms), stopped 301 ms"
    assert by_label["cancel: bare except under a timeout"]["gevent"] == (
        "timeout swallowed (1x): caller back at 341 ms"
    )
    assert by_label["blocking: a C call holds a task"]["gevent"] == (
        "sibling lag 201 ms; detector names blocking_call, 80 ms into the call"
    )
    assert (
        by_label["blocking: a C call holds a task"]["thread"] == "sibling lag 0.3 ms; no detector"
    )
    assert by_label["shared-state: lost updates"]["thread"] == (
        "lost: no switch 0 in 10 runs, switch inside 10000 on run 3, locked 0 (of 50000)"
    )
    assert "9 left running" in by_label["failure: unstructured (the trap)"]["asyncio"]


def test_a_missing_or_broken_row_is_said_not_raised(rows: list[dict[str, Any]]) -> None:
    kept = [r for r in rows if not (r["kind"] == "gevent" and r["scenario"] == "c-block")]
    del next(r for r in kept if (r["kind"], r["scenario"]) == ("thread", "cancel"))["c_block"]
    header, cells = behaviour.table(kept)
    by_label = {line[0]: dict(zip(header[1:], line[1:], strict=True)) for line in cells}
    assert by_label["c-block: ten C calls"]["gevent"] == "—"
    assert by_label["cancel: in a C call"]["thread"] == "(fields missing)"
    assert by_label["cancel: Python-level wait"]["thread"].startswith("cancel at 100 ms")


def test_the_lock_claim_holds_only_without_a_switch_inside(rows: list[dict[str, Any]]) -> None:
    claim = behaviour.claims(rows)[0]
    assert claim.claim.startswith("Coroutines modify shared data without locks")
    assert claim.verdict == behaviour.PARTLY
    assert "lost gevent 45000, asyncio 45000, asyncio-uvloop 45000" in claim.evidence
    assert "thread 0 in 10 runs at the default switch interval and 10000 on run 3 at 1 µs" in (
        claim.evidence
    )
    # the verdict follows the figures
    lossless = rows
    for kind in ("gevent", "asyncio", "asyncio-uvloop"):
        lossless = _set(lossless, kind, "shared-state", switch_inside__lost=0)
    assert behaviour.claims(lossless)[0].verdict == behaviour.HOLDS
    leaky = _set(rows, "gevent", "shared-state", no_switch__lost=3)
    assert behaviour.claims(leaky)[0].verdict == behaviour.FAILS


def test_the_hold_claim_follows_the_siblings_lag(rows: list[dict[str, Any]]) -> None:
    claim = behaviour.claims(rows)[1]
    assert claim.claim.startswith("Coroutines hold the CPU and run only our own tasks")
    assert claim.verdict == behaviour.HOLDS
    assert "waited gevent 201 ms, asyncio 201 ms, asyncio-uvloop 201 ms" in claim.evidence
    assert "in threads it waited thread 0.3 ms" in claim.evidence
    assert "ten C calls from coroutines took gevent 505 ms" in claim.evidence
    preempted = _set(rows, "asyncio", "blocking", sibling_lag_ms=20.0)
    assert behaviour.claims(preempted)[1].verdict == behaviour.FAILS


def test_claims_without_rows_are_not_measured() -> None:
    verdicts = behaviour.claims([])
    assert [v.verdict for v in verdicts] == [behaviour.NOT_MEASURED] * 2


def test_the_advice_cites_the_figures(rows: list[dict[str, Any]]) -> None:
    advice = {a.topic: a.text for a in behaviour.guide(rows)}
    assert list(advice) == [
        "Work you must be able to cancel",
        "Code that calls C drivers",
        "Code that mutates shared state",
        "Knowing when the loop is blocked",
    ]
    cancel = advice["Work you must be able to cancel"]
    assert cancel.startswith("**gevent or asyncio** — ")
    assert "a running thread cannot be killed" in cancel
    assert "thread cancel issued at 100 ms, stopped 301 ms" in cancel
    assert "control back at gevent 341 ms" in cancel
    c_drivers = advice["Code that calls C drivers"]
    assert c_drivers.startswith("**thread** — ")
    assert "asyncio 60 ms (asyncio's offload)" in c_drivers
    assert "psycopg2 without psycogreen" in c_drivers
    assert (
        "gevent 0, asyncio 0, asyncio-uvloop 0, thread 0"
        in advice["Code that mutates shared state"]
    )
    detector = advice["Knowing when the loop is blocked"]
    assert detector.startswith("**gevent** tells you while the block lasts")
    assert "gevent named blocking_call 80 ms into a 200 ms call" in detector
    assert "asyncio named blocker 202 ms into a 200 ms call" in detector


def test_advice_without_rows_says_so() -> None:
    assert all(a.text.endswith("not measured in this run.") for a in behaviour.guide([]))


def test_the_section_as_text(rows: list[dict[str, Any]]) -> None:
    assert behaviour.terminal_lines([]) == []
    lines = behaviour.terminal_lines(rows)
    assert lines[0].startswith("Behaviour: what happens when things go wrong")
    assert "    asyncio-uvloop  cancel at 100 ms, stopped 101 ms, cleanup ran" in lines
    assert not any("**" in line for line in lines)
    md = "\n".join(
        behaviour.markdown_lines(_set(rows, "gevent", "failure", unstructured__how="a | b"))
    )
    assert md.startswith("## Behaviour\n")
    assert "| outcome | gevent | asyncio | asyncio-uvloop | thread |" in md
    assert "a \\| b" in md
    assert behaviour.markdown_lines([]) == ["## Behaviour", "", "not measured in this run.", ""]
