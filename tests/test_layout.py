"""The layout holds: child processes start from this tree."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_child_processes_start_from_this_tree() -> None:
    # workers and demos run with proc.ROOT as cwd and first on sys.path: anything but this
    # repository's root lets a child import another installed copy of the project instead
    from shared.harness import proc

    assert proc.ROOT == ROOT
    assert (proc.ROOT / "pyproject.toml").is_file()
