"""The three switching.py files stay diffable: same public names, same order, same signatures.

Read by AST, never imported (the pytest process must not import model code). STYLE.md,
principle 1: a reader diffs ``impls/thread_impl/switching.py`` against the asyncio and gevent
ones, so the files must not drift apart.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from shared.spec import MODELS

IMPLS = Path(__file__).resolve().parent.parent / "impls"
FILENAME = "switching.py"


def public_api(path: Path) -> list[str]:
    """Each public top-level name in file order; functions with their parameters (names,
    kinds and defaults; annotations left out, as they may name model types)."""
    out = []
    for node in ast.parse(path.read_text(), filename=str(path)).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if not node.name.startswith("_"):
                a = node.args
                plain = ast.arguments(
                    posonlyargs=[ast.arg(x.arg) for x in a.posonlyargs],
                    args=[ast.arg(x.arg) for x in a.args],
                    vararg=a.vararg and ast.arg(a.vararg.arg),
                    kwonlyargs=[ast.arg(x.arg) for x in a.kwonlyargs],
                    kw_defaults=a.kw_defaults,
                    kwarg=a.kwarg and ast.arg(a.kwarg.arg),
                    defaults=a.defaults,
                )
                out.append(f"def {node.name}({ast.unparse(plain)})")
        elif isinstance(node, ast.ClassDef):
            if not node.name.startswith("_"):
                out.append(f"class {node.name}")
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            out += [t.id for t in targets if isinstance(t, ast.Name) and not t.id.startswith("_")]
    return out


def test_every_model_has_a_switching_file() -> None:
    missing = [m for m in MODELS if not (IMPLS / f"{m}_impl" / FILENAME).is_file()]
    assert not missing, f"{FILENAME} missing in: {', '.join(missing)}"


@pytest.mark.parametrize("model", MODELS[1:])
def test_public_names_order_and_signatures_match(model: str) -> None:
    first = public_api(IMPLS / f"{MODELS[0]}_impl" / FILENAME)
    assert "def ping_pong(n)" in first
    assert public_api(IMPLS / f"{model}_impl" / FILENAME) == first


def test_public_api_sees_a_drift(tmp_path: Path) -> None:
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("X = 1\n_y = 2\ndef f(n: int, k=1): ...\nasync def _g(): ...\nclass C: ...\n")
    b.write_text("X = 1\nasync def f(n, k=2): ...\nclass C: ...\n")
    assert public_api(a) == ["X", "def f(n, k=1)", "class C"]
    assert public_api(b) == ["X", "def f(n, k=2)", "class C"]
