"""The layout holds: imports among the project's packages flow one way, no module grows too long.

Read by AST, so the pytest process imports none of the code it checks (model code never enters
it). Every import counts, a lazy one inside a function too: a cycle that only closes at run time
is still a cycle for a reader following the imports.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: the packages whose modules must not import each other in a circle
PACKAGES = ("shared", "impls", "benchmarks")
#: the packages whose modules must stay short enough to read in one sitting
SHORT_PACKAGES = ("shared", "impls")
MAX_LINES = 600


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    """Module name -> file, for every ``.py`` file under the given top-level packages."""
    return {
        module_name(root, p): p
        for pkg in packages
        for p in sorted((root / pkg).rglob("*.py"))
        if "__pycache__" not in p.parts
    }


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """The dotted names an import statement may load (a ``from X import y`` may load X.y)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = node.module or ""
    if node.level:  # relative: resolved against the importing module's package
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, base] if base else package)
    return [base, *(f"{base}.{a.name}" for a in node.names)]


def import_graph(root: Path, packages: tuple[str, ...] = PACKAGES) -> dict[str, set[str]]:
    """Module -> the project modules it imports (and the packages those run on the way)."""
    known = modules(root, packages)
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        deps: set[str] = set()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for dotted in _imported(node, name, path.name == "__init__.py"):
                parts = dotted.split(".")
                # importing a.b.c runs a, then a.b, then a.b.c
                deps |= {m for i in range(len(parts)) if (m := ".".join(parts[: i + 1])) in known}
        deps.discard(name)
        graph[name] = deps
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None when the imports flow one way."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start in sorted(graph):
        if start in state:
            continue
        path = [start]
        todo = [iter(sorted(graph[start]))]
        state[start] = 1
        while todo:
            nxt = next(todo[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                todo.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                todo.append(iter(sorted(graph.get(nxt, ()))))
    return None


def too_long(root: Path, packages: tuple[str, ...], max_lines: int) -> dict[str, int]:
    """Module file -> its line count, for the modules longer than ``max_lines``."""
    out = {}
    for path in modules(root, packages).values():
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > max_lines:
            out[str(path.relative_to(root))] = n
    return out


def test_the_project_has_no_import_cycle() -> None:
    graph = import_graph(ROOT)
    assert {"shared.spec", "shared.report.plots", "impls.gevent_impl.fetcher"} <= set(graph)
    assert "shared.harness.worker" in graph["shared.bench.timing"]  # it sees real imports
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or ())


def test_no_module_in_shared_or_impls_is_over_the_limit() -> None:
    assert too_long(ROOT, SHORT_PACKAGES, MAX_LINES) == {}


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.mark.parametrize(
    "second",
    [
        "from shared import first\n",
        "import shared.first\n",
        "def later() -> None:\n    from shared.first import f\n",
        "from . import first\n",
    ],
)
def test_the_cycle_check_finds_a_cycle_however_it_is_written(tmp_path: Path, second: str) -> None:
    _write(
        tmp_path,
        {
            "shared/__init__.py": "",
            "shared/first.py": "from shared.second import g\n\ndef f() -> None: ...\n",
            "shared/second.py": second + "\ndef g() -> None: ...\n",
            "shared/third.py": "import shared.first\n",
        },
    )
    graph = import_graph(tmp_path, ("shared",))
    assert graph["shared.third"] == {"shared", "shared.first"}
    assert find_cycle(graph) in (
        ["shared.first", "shared.second", "shared.first"],
        ["shared.second", "shared.first", "shared.second"],
    )


def test_the_cycle_check_passes_imports_that_flow_one_way(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "shared/__init__.py": "",
            "shared/a.py": "import json\nfrom shared import b, c\n",
            "shared/b.py": "from shared.c import x\n",
            "shared/c.py": "x = 1\n",
        },
    )
    graph = import_graph(tmp_path, ("shared",))
    assert graph["shared.a"] == {"shared", "shared.b", "shared.c"}
    assert find_cycle(graph) is None


def test_the_length_check_names_a_long_module(tmp_path: Path) -> None:
    _write(tmp_path, {"impls/x/long.py": "x = 1\n" * 601, "impls/x/short.py": "x = 1\n" * 600})
    assert too_long(tmp_path, ("impls",), MAX_LINES) == {"impls/x/long.py": 601}


def test_child_processes_start_from_this_tree() -> None:
    # workers and demos run with proc.ROOT as cwd and first on sys.path: anything but this
    # repository's root lets a child import another installed copy of the project instead
    from shared.harness import proc

    assert proc.ROOT == ROOT
    assert (proc.ROOT / "pyproject.toml").is_file()
