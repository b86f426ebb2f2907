"""The parallel implementations stay diffable: same public names, order and signatures.

Read by AST, never imported (the pytest process must not import model code). A scenario file
named here must exist in every model package and define the same public top-level functions
and classes, in the same order, with the same parameters.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from shared.spec import MODELS

IMPLS = Path(__file__).resolve().parent.parent / "impls"

#: scenario files compared across the models
SCENARIO_FILES = ["cpu.py"]


def public_api(path: Path) -> list[tuple[str, str, str]]:
    """(kind, name, parameters) of each public top-level def or class, in file order."""
    out = []
    for node in ast.parse(path.read_text(), filename=str(path)).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if node.name.startswith("_"):
                continue
            params = "" if isinstance(node, ast.ClassDef) else ast.unparse(node.args)
            kind = "class" if isinstance(node, ast.ClassDef) else "def"
            out.append((kind, node.name, params))
    return out


@pytest.mark.parametrize("name", SCENARIO_FILES)
def test_every_model_has_the_scenario_file(name: str) -> None:
    missing = [m for m in MODELS if not (IMPLS / f"{m}_impl" / name).is_file()]
    assert not missing, f"{name} missing in: {', '.join(missing)}"


@pytest.mark.parametrize("name", SCENARIO_FILES)
def test_public_names_order_and_signatures_match(name: str) -> None:
    apis = {m: public_api(IMPLS / f"{m}_impl" / name) for m in MODELS}
    first, *rest = MODELS
    assert apis[first], f"{first}_impl/{name} defines no public function"
    for m in rest:
        assert apis[m] == apis[first], f"{m}_impl/{name} differs from {first}_impl/{name}"


def test_public_api_reads_defs_in_order_and_skips_private(tmp_path: Path) -> None:
    f = tmp_path / "x.py"
    f.write_text("def b(x: int, *, y=1): ...\nasync def _a(): ...\nclass C: ...\ndef a(): ...\n")
    assert public_api(f) == [
        ("def", "b", "x: int, *, y=1"),
        ("class", "C", ""),
        ("def", "a", ""),
    ]
