"""Every scenario file is a runnable demo, built the same way in every scenario and model.

Each shared half (``shared/scenarios/X.py``) offers ``demo_args(model, argv=None)`` (the
command line) and ``demo(model, args, ...)`` (what the demo does, given the model's own
functions); each model's ``impls/<model>_impl/X.py`` names itself once, ``MODEL = "<model>"``,
and its ``__main__`` block is ``_ARGS = X.demo_args(MODEL)`` then ``X.demo(MODEL, _ARGS, ...)``.
Read by AST: the pytest process never imports model code. The demos of eat/play, switching and
the fetcher are run by their own tests, the behaviour demos by ``test_behaviour_cli.py``; the
CPU demo is run here.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from shared import spec
from shared.harness import proc

#: every scenario file: the four of the tutorial's lessons, then the behaviour scenarios
SCENARIOS = ("eat_play", "switching", "fetcher", "cpu", *(b.module for b in spec.BEHAVIOURS))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


def _params(fn: ast.FunctionDef) -> list[str]:
    return [a.arg for a in fn.args.args]


def _main_calls(tree: ast.Module) -> list[str]:
    """The calls in the file's ``if __name__ == "__main__":`` blocks, unparsed (the gevent
    eat/play demo has two: it reads its arguments before it decides whether to patch)."""
    blocks = [n for n in tree.body if isinstance(n, ast.If) and "__main__" in ast.unparse(n.test)]
    assert blocks, "no `if __name__ == '__main__':` block"
    return [ast.unparse(n) for b in blocks for n in ast.walk(b) if isinstance(n, ast.Call)]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_each_shared_half_has_demo_args_and_demo(scenario: str) -> None:
    fns = _functions(_tree(proc.ROOT / "shared" / "scenarios" / f"{scenario}.py"))
    assert {"demo_args", "demo"} <= set(fns), sorted(fns)
    demo_args = fns["demo_args"]
    assert _params(demo_args) == ["model", "argv"]
    assert [ast.unparse(d) for d in demo_args.args.defaults] == ["None"]
    assert _params(fns["demo"])[:2] == ["model", "args"]


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("model", spec.MODELS)
def test_each_model_file_names_its_model_and_runs_the_shared_demo(
    scenario: str, model: str
) -> None:
    tree = _tree(proc.ROOT / "impls" / f"{model}_impl" / f"{scenario}.py")
    assigned = {
        t.id: n.value
        for n in tree.body
        if isinstance(n, ast.Assign)
        for t in n.targets
        if isinstance(t, ast.Name)
    }
    assert "MODEL" in assigned, "no MODEL constant"
    assert ast.literal_eval(assigned["MODEL"]) == model
    calls = _main_calls(tree)
    # the module may be imported under a private alias before the gevent patch
    assert any(re.fullmatch(rf"_?{scenario}\.demo_args\(MODEL\)", c) for c in calls), calls
    assert any(c.startswith(f"{scenario}.demo(MODEL, _ARGS, ") for c in calls), calls


def test_the_checks_see_a_file_that_drifts(tmp_path: Path) -> None:
    # the helpers really read what the tests above rely on (so that those can fail)
    drifted = tmp_path / "x.py"
    drifted.write_text(
        'MODEL = "thread"\n'
        "def demo_args(model, argv): ...\n"
        'if __name__ == "__main__":\n'
        '    x.demo("thread", x.demo_args("thread"))\n'
    )
    tree = _tree(drifted)
    assert _params(_functions(tree)["demo_args"]) == ["model", "argv"]
    assert _functions(tree)["demo_args"].args.defaults == []
    assert _main_calls(tree) == ["x.demo('thread', x.demo_args('thread'))", "x.demo_args('thread')"]


# --- the CPU demo, run as a script -------------------------------------------------------------

CPU_LINES = [
    r"(?P<model>\w+): 2 chunks of ~50 ms of pure-Python work",
    r"serial  \d+\.\d\d s",
    r"spread  \d+\.\d\d s  \(\d+\.\d\d x serial\)",
    r"heartbeat \(every 10 ms\): lag p50 \d+\.\d ms, p99 \d+\.\d ms, max \d+\.\d ms; "
    r"switch interval [\d.]+ ms",
]


def _cpu_demo(model: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", f"impls.{model}_impl.cpu", *args],
        cwd=proc.ROOT,
        env=proc.child_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("model", spec.MODELS)
def test_the_cpu_demo_prints_its_four_lines(model: str) -> None:
    done = _cpu_demo(model, "--chunks", "2")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # the gevent demo patches first: no MonkeyPatchWarning
    lines = done.stdout.splitlines()
    assert len(lines) == len(CPU_LINES), lines
    for line, pattern in zip(lines, CPU_LINES, strict=True):
        assert re.fullmatch(pattern, line), line
    assert lines[0].startswith(f"{model}: ")


@pytest.mark.parametrize("chunks", ["0", "101", "two"])
def test_the_cpu_demo_refuses_bad_chunks_with_exit_2_and_one_line(chunks: str) -> None:
    done = _cpu_demo("thread", "--chunks", chunks)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert (
        done.stderr.strip().splitlines()[-1].startswith("python -m impls.thread_impl.cpu: error:")
    )
