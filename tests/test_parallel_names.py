"""The scenario files of the three models define the same public names, in the same order.

Parallel files stay parallel (docs/design.md): a reader diffs ``impls/thread_impl/X.py``
against ``impls/asyncio_impl/X.py``, so the files must not drift apart. Read by AST: the
pytest process never imports model code.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from shared.spec import BEHAVIOURS, MODELS
from tests.helpers import ROOT

IMPLS = ROOT / "impls"

#: the behaviour scenarios' files (shared.spec.BEHAVIOURS)
BEHAVIOUR_FILES = [f"{b.module}.py" for b in BEHAVIOURS]
#: every scenario file name; one not yet written in any model is skipped
SCENARIO_FILES = [
    "eat_play.py",
    "fetcher.py",
    "bare.py",
    "deadline.py",
    "switching.py",
    "cpu.py",
    "layout.py",
    *BEHAVIOUR_FILES,
]


def _public_defs(path: Path) -> list[tuple[str, ast.stmt]]:
    """The module's top-level public functions, classes and assignments, in file order."""
    defs = []
    for node in ast.parse(path.read_text(), filename=str(path)).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names = [node.name]
        elif isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names = [node.target.id]
        else:
            continue
        public = [n for n in names if not n.startswith("_")]
        if public:
            defs.append((", ".join(public), node))
    return defs


def _signature(node: ast.stmt) -> str | None:
    """Parameter names, kinds and defaults, without annotations (they name model types)."""
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    args = ast.arguments(
        posonlyargs=[ast.arg(a.arg) for a in node.args.posonlyargs],
        args=[ast.arg(a.arg) for a in node.args.args],
        vararg=node.args.vararg and ast.arg(node.args.vararg.arg),
        kwonlyargs=[ast.arg(a.arg) for a in node.args.kwonlyargs],
        kw_defaults=node.args.kw_defaults,
        kwarg=node.args.kwarg and ast.arg(node.args.kwarg.arg),
        defaults=node.args.defaults,
    )
    return f"{node.name}({ast.unparse(args)})"


def _files(filename: str) -> dict[str, Path]:
    paths = {m: IMPLS / f"{m}_impl" / filename for m in MODELS}
    present = {m: p for m, p in paths.items() if p.exists()}
    if not present:
        pytest.skip(f"{filename} is not written yet in any model")
    missing = sorted(set(MODELS) - set(present))
    assert not missing, f"{filename} exists in {sorted(present)} but not in {missing}"
    return present


@pytest.mark.parametrize("filename", SCENARIO_FILES)
def test_same_public_names_in_the_same_order(filename: str) -> None:
    names = {m: [name for name, _ in _public_defs(p)] for m, p in _files(filename).items()}
    first = names[MODELS[0]]
    assert first, f"{filename} defines no public name"
    for model, got in names.items():
        assert got == first, f"{filename}: {model} has {got}, {MODELS[0]} has {first}"


@pytest.mark.parametrize("filename", SCENARIO_FILES)
def test_same_signatures(filename: str) -> None:
    sigs = {
        m: [_signature(node) for _, node in _public_defs(p)] for m, p in _files(filename).items()
    }
    first = sigs[MODELS[0]]
    for model, got in sigs.items():
        assert got == first, f"{filename}: {model} has {got}, {MODELS[0]} has {first}"


def test_the_check_sees_a_drift(tmp_path: Path) -> None:
    # the helpers really read names, order and parameters (so the tests above can fail)
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("X = 1\n_y = 2\ndef f(a, b=1): ...\nasync def g(): ...\nclass C: ...\n")
    b.write_text("X = 1\nasync def f(a, b=2): ...\ndef g(): ...\nclass C: ...\n")
    assert [name for name, _ in _public_defs(a)] == ["X", "f", "g", "C"]
    assert [name for name, _ in _public_defs(b)] == ["X", "f", "g", "C"]
    assert [_signature(node) for _, node in _public_defs(a)] == [None, "f(a, b=1)", "g()", None]
    assert [_signature(node) for _, node in _public_defs(b)][1] == "f(a, b=2)"
