"""The tutorial's claims: each verdict flips with its figure (shared.report.claims).

Every verdict is checked both ways: the same result set with the decisive figure flipped must
flip the conclusion (a conclusion that cannot change is a defect).
"""

from __future__ import annotations

import pytest

from shared.report.claims import FAILS, HOLDS, NOT_MEASURED, claims
from shared.report.results import results_from_json
from tests import report_samples as s
from tests.report_samples import entry, res, verdicts


def test_all_claims_hold_on_the_expected_figures() -> None:
    # the sample run has no behaviour, layouts or capacity rows: the four claims those judge
    # are not measured
    assert verdicts(results_from_json(s.full())) == [HOLDS] * 5 + [NOT_MEASURED] * 4


def test_no_figures_means_not_measured() -> None:
    assert verdicts(res([entry("yield_ns", "gevent", 1, "ns")])) == [NOT_MEASURED] * 9
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
    claim = claims(r)[0]
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
    claim = claims(res(rows))[4]
    assert claim.verdict == verdict
    assert f"thread {thread_ratio:.2f}" in claim.evidence


def test_cpu_ratio_is_computed_from_the_serial_row_when_not_recorded() -> None:
    rows = [
        entry("cpu_wall_s", "thread", 2.0, "s", variant="serial"),
        entry("cpu_wall_s", "gevent", 2.1, "s"),
        entry("cpu_wall_s", "thread", 1.0, "s", variant="threads"),
    ]
    claim = claims(res(rows))[4]
    assert claim.verdict == FAILS
    assert "thread 0.50" in claim.evidence
    assert "gevent 1.05" in claim.evidence
