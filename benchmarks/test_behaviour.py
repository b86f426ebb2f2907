"""Behaviour, not just speed: the six behaviour scenarios, recorded per worker kind.

Each benchmark runs one scenario's ``run`` once (one round, no warm-up) in the kind's own
worker through the harness (``shared.bench.timing``), and records its whole result in
``extra_info``: ``metric="behaviour"`` for all six, ``scenario`` the scenario's name, the
result's fields beside it, and ``value`` the scenario's headline figure with its unit
(``spec.Behaviour.headline``: the C-blocked task's ``stopped_at_ms`` for cancel, the
sibling's lag for blocking, lost updates with a switch inside for shared-state, ...).
``shared.report.behaviour`` turns these rows into the Behaviour table, the tutorial's two
verdicts and the decision guide's advice.

The scenarios that need a test server get one of their own: a cancelled ``/delay/5000``
stays in flight on the server for its 5 s and must not count in the fetch benchmarks'
server figures. ``--quick`` shortens the two longest scenarios (fewer steps, shorter C calls).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from shared import spec
from shared.bench.timing import record, time_calls
from shared.harness.fixtures import Workers
from shared.harness.server import ServerProcess
from shared.scenarios import probe

#: the arguments ``--quick`` passes to shorten a run (the rest run as the demo does)
QUICK_KWARGS: dict[str, dict[str, Any]] = {
    "failure": {"steps": 6},
    "c-block": {"call_ms": 20.0},
}

CASES = [pytest.param(b, k, id=f"{b.name}-{k.id}") for b in spec.BEHAVIOURS for k in spec.RUNNERS]


@pytest.fixture(scope="module")
def behaviour_url() -> Iterator[str]:
    with ServerProcess() as srv:
        yield srv.url


@pytest.mark.parametrize(("behaviour", "kind"), CASES)
def test_behaviour(
    benchmark: Any,
    workers: Workers,
    quick: bool,
    behaviour_url: str,
    behaviour: spec.Behaviour,
    kind: spec.WorkerKind,
) -> None:
    benchmark.group = f"behaviour {behaviour.name}"
    kwargs = dict(QUICK_KWARGS.get(behaviour.name, {})) if quick else {}
    if behaviour.needs_server:
        kwargs["url"] = behaviour_url
    w = workers.get(kind)
    timed = time_calls(benchmark, w, behaviour.run_fn, kwargs, rounds=1, warmup_rounds=0)
    result = timed.result
    assert probe.field_problems(behaviour.fields, result) == []
    record(
        benchmark,
        model=kind.model,
        variant=kind.variant,
        scenario=behaviour.name,
        metric="behaviour",
        value=probe.headline_value(behaviour, result),
        unit=behaviour.unit,
        timed=timed,
        kind=kind.id,
        headline=behaviour.headline,
        quick=quick,
        **result,
    )
