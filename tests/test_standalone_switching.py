"""benchmarks/standalone_switching.py: it plans every figure the benchmarks record, under the
same names, and each model's fresh process (``benchmarks/standalone/``) measures its share.

The measuring modules run in child processes only: the gevent one patches, and the pytest
process must never import gevent.
"""

from __future__ import annotations

import json

import pytest

from benchmarks import standalone_switching as standalone
from benchmarks import test_switching as bench
from shared import spec
from shared.harness.fixtures import kind_params
from shared.scenarios import switching
from tests.helpers import run_python


def test_plan_names_every_figure_as_the_benchmarks_record_it() -> None:
    # --compare joins the two runs on these names: one missing or misnamed is a lost row
    n, raw_n = switching.HANDOFFS, switching.RAW_SWITCHES
    want = set()
    for p in bench.SWITCH_PARAMS:
        kind, _, variant = p.values
        want.add(standalone.key("switch_ns", n, kind.model, variant))
    for kind in spec.RUNNERS:
        want.add(
            standalone.key("yield_ns", n, kind.model, kind.facts.yield_variant or kind.variant)
        )
    for p in bench.RAW_CASES:
        kind, raw = p.values
        want.add(standalone.key("raw_switch_ns", raw_n, kind.model, raw))
    for p in bench.SPAWN_CASES:
        kind, _, variant, size = p.values
        want.add(standalone.key("spawn_join_us", size, kind.model, variant))
    planned = [job["key"] for jobs in standalone.plan(quick=False).values() for job in jobs]
    assert len(planned) == len(set(planned))
    assert set(planned) == want
    quick = [job["key"] for jobs in standalone.plan(quick=True).values() for job in jobs]
    assert set(quick) == {k for k in want if f" n={switching.SPAWN_SIZES[-1]} " not in k}


def _tiny_jobs(kind: spec.WorkerKind) -> list[dict]:
    """Every kind of job a process of this kind gets, at sizes that take milliseconds."""
    jobs = standalone.plan(quick=True)[kind]
    for job in jobs:
        job.update(n=20, rounds=2, repeat=2)
    if kind in spec.DEFAULT_KINDS:
        k = standalone.key("rss_kib_per_task", 50, kind.model, kind.variant)
        jobs.append({"metric": "rss_kib_per_task", "n": 50, "rounds": 1, "key": k})
    return jobs


@pytest.mark.parametrize("kind", kind_params(spec.RUNNERS))
def test_each_kinds_fresh_process_measures_every_job_it_is_given(kind: spec.WorkerKind) -> None:
    jobs = _tiny_jobs(kind)
    run = run_python(standalone.child_args(kind, jobs))
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""  # the gevent process patches first: no MonkeyPatchWarning
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    assert list(figures) == [job["key"] for job in jobs]
    for job in jobs:
        value, best = figures[job["key"]]["value"], figures[job["key"]]["best"]
        assert isinstance(value, float)
        if job["metric"] != "rss_kib_per_task":
            assert 0 < best <= value


def test_a_process_refuses_a_job_it_cannot_measure() -> None:
    job = {"metric": "raw_switch_ns", "n": 10, "rounds": 1, "key": "raw", "kind": "greenlet"}
    run = run_python(standalone.child_args(spec.kind_for("thread"), [job]))
    assert run.returncode == 1
    assert "this process cannot measure 'raw'" in run.stderr
