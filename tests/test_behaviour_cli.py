"""The behaviour demos from the command line and as scripts: a readable run, then one JSON line
with the issue's fields; bad arguments exit 2 with one line.

``switchbench demo NAME --model M [--loop uvloop] --json`` for every scenario and kind, and
``python -m impls.<model>_impl.<module> --json`` for every scenario file. Run two at a time
(more starting interpreters on a busy 2-core machine would disturb the timings inside).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from shared import spec
from shared.harness import proc
from shared.scenarios import probe


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=proc.ROOT,
        env=proc.child_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _cli_args(name: str, kind: spec.WorkerKind) -> list[str]:
    loop = ["--loop", kind.loop] if kind.loop and kind.loop != spec.LOOPS[0] else []
    return ["-m", "shared.cli", "demo", name, "--model", kind.model, *loop, "--json"]


CLI_CASES = [
    pytest.param(b.name, k, id=f"{b.name}-{k.id}") for b in spec.BEHAVIOURS for k in spec.RUNNERS
]
SCRIPT_CASES = [
    pytest.param(b, m, id=f"{b.module}-{m}") for b in spec.BEHAVIOURS for m in spec.MODELS
]


@pytest.fixture(scope="module")
def done() -> Iterator[dict[tuple[str, str], Future[subprocess.CompletedProcess[str]]]]:
    """Every CLI and script run of this module, started two at a time."""
    with ThreadPoolExecutor(2) as ex:
        runs = {("cli", f"{p.values[0]}-{p.values[1].id}"): _cli_args(*p.values) for p in CLI_CASES}
        for p in SCRIPT_CASES:
            b, model = p.values
            runs[("script", f"{b.module}-{model}")] = [
                "-m",
                f"impls.{model}_impl.{b.module}",
                "--json",
            ]
        yield {key: ex.submit(_run, args) for key, args in runs.items()}


def _result(run: subprocess.CompletedProcess[str]) -> tuple[list[str], dict[str, Any]]:
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""  # no traceback, no warning (a late monkey-patch would warn here)
    *text, last = run.stdout.splitlines()
    return text, json.loads(last)


@pytest.mark.parametrize(("name", "kind"), CLI_CASES)
def test_cli_demo_prints_a_run_then_the_json_fields(
    done: dict, name: str, kind: spec.WorkerKind
) -> None:
    text, result = _result(done[("cli", f"{name}-{kind.id}")].result())
    assert text
    assert text[0].startswith(f"{kind.model}: ")
    assert (result["scenario"], result["kind"]) == (name, kind.id)
    assert probe.field_problems(spec.BEHAVIOUR[name].fields, result) == []


@pytest.mark.parametrize(("behaviour", "model"), SCRIPT_CASES)
def test_runs_as_a_script(done: dict, behaviour: spec.Behaviour, model: str) -> None:
    text, result = _result(done[("script", f"{behaviour.module}-{model}")].result())
    assert text
    assert text[0].startswith(f"{model}: ")
    assert (result["scenario"], result["model"]) == (behaviour.name, model)
    assert probe.field_problems(behaviour.fields, result) == []


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        pytest.param(["nope", "--model", "thread"], "invalid choice: 'nope'", id="scenario"),
        pytest.param(["cancel"], "required: --model", id="no-model"),
        pytest.param(["blocking", "--model", "x"], "invalid choice: 'x'", id="model"),
        pytest.param(
            ["context", "--model", "asyncio", "--loop", "x"], "invalid choice: 'x'", id="loop"
        ),
        pytest.param(
            ["failure", "--model", "gevent", "--loop", "uvloop"],
            "--loop applies to --model asyncio only, not gevent",
            id="loop-not-asyncio",
        ),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args: list[str], reason: str) -> None:
    run = _run(["-m", "shared.cli", "demo", *args])
    assert run.returncode == 2
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("switchbench demo")
    assert ": error: " in last
    assert reason in last
