"""The repository explains itself and runs itself: facts about the checkout, not a model.

- Child processes (workers, the test server, the demo scripts the tests run) start from the
  root of this checkout and import its code, not another install's.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from shared.harness import proc

#: the checkout these tests belong to
ROOT = Path(__file__).resolve().parents[1]


def test_children_start_from_this_checkout_and_import_its_code() -> None:
    assert proc.ROOT == ROOT
    assert (proc.ROOT / "pyproject.toml").is_file()
    code = "import impls, shared; print(impls.__file__); print(shared.__file__)"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=proc.ROOT,
        env=proc.child_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    for path in done.stdout.split():
        assert Path(path).resolve().is_relative_to(ROOT), path
