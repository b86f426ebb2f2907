"""The parallel implementations stay parallel: same public names, same order, same signatures.

Read by AST, never imported (the pytest process must not import model code). Private names
(a leading underscore) may differ: that is where a model's own machinery lives.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from shared import spec

IMPLS = Path(__file__).resolve().parent.parent / "impls"

#: scenario files that every model package must have
SCENARIOS = ["fetcher.py"]


def public_surface(path: Path) -> list[tuple[str, str]]:
    """(name, signature) of each public top-level def, class and assignment, in file order."""
    surface: list[tuple[str, str]] = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            surface.append((node.name, f"({ast.unparse(node.args)})"))
        elif isinstance(node, ast.ClassDef):
            surface.append((node.name, "class"))
        elif isinstance(node, ast.Assign):
            surface += [(t.id, "=") for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            surface.append((node.target.id, "="))
    return [(name, sig) for name, sig in surface if not name.startswith("_")]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_model_defines_the_same_public_names_in_the_same_order(scenario: str) -> None:
    surfaces = {m: public_surface(IMPLS / f"{m}_impl" / scenario) for m in spec.MODELS}
    first, *others = spec.MODELS
    assert surfaces[first], f"{scenario} defines nothing public"
    for model in others:
        assert surfaces[model] == surfaces[first], f"{model}_impl/{scenario} vs {first}_impl"


def test_the_surface_reader_sees_what_it_must(tmp_path: Path) -> None:
    path = tmp_path / "sample.py"
    path.write_text("X = 1\n_y = 2\ndef f(a, *, b=1): ...\nasync def g(): ...\nclass C: ...\n")
    assert public_surface(path) == [("X", "="), ("f", "(a, *, b=1)"), ("g", "()"), ("C", "class")]
