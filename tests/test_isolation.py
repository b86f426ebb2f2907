"""monkey.patch_all() stays inside the gevent worker, and is complete there."""

import sys
from pathlib import Path

import pytest

from shared import spec
from shared.harness.fixtures import Workers, kind_params
from tests.helpers import ROOT, run_python


def test_the_pytest_process_never_loads_gevent() -> None:
    # no fixture, helper or plugin of ours may import gevent here; checked again when the
    # session ends, after every test (pytest_sessionfinish in conftest.py)
    assert "gevent" not in sys.modules
    assert not any(m.startswith("impls.gevent_impl") for m in sys.modules)


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        pytest.param("import gevent", "(gevent, ", id="gevent"),
        pytest.param("import impls.gevent_impl", "(impls.gevent_impl)", id="gevent-model"),
        pytest.param("import asyncio", None, id="neither"),
    ],
)
def test_the_session_fails_if_a_test_imported_gevent(
    tmp_path: Path, statement: str, named: str | None
) -> None:
    # a tiny test file that passes, run by pytest under our conftest in a child process
    (tmp_path / "test_tiny.py").write_text(f"def test_passes() -> None:\n    {statement}\n")
    run = run_python(
        ["-m", "pytest", "-p", "tests.conftest", "-p", "no:cacheprovider"]
        + ["-c", str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path), str(tmp_path)]
    )
    assert "1 passed" in run.stdout, run.stdout + run.stderr
    verdict = [line for line in run.stdout.splitlines() if "gevent was imported" in line]
    if named is None:
        assert (run.returncode, verdict) == (0, [])
        return
    assert run.returncode == pytest.ExitCode.TESTS_FAILED
    assert len(verdict) == 1
    assert verdict[0].startswith("switchbench: gevent was imported into the pytest process")
    assert named in verdict[0]


def test_gevent_worker_is_fully_patched_without_warnings(workers: Workers) -> None:
    state = workers.get("gevent").call("shared.harness.introspect.state")
    assert state["info"]["patch"] is True
    assert all(state["patched"][m] for m in ("socket", "ssl", "threading", "time", "select"))
    assert state["threading_real"] is False
    assert state["info"]["startup_warnings"] == []


def test_unpatched_gevent_worker_has_the_real_stdlib(workers: Workers) -> None:
    state = workers.get("gevent", patch=False).call("shared.harness.introspect.state")
    assert state["info"]["patch"] is False
    assert state["gevent_imported"] is False
    assert state["threading_real"] is True


@pytest.mark.parametrize("kind", kind_params(k for k in spec.WORKER_KINDS if k.model != "gevent"))
def test_asyncio_and_thread_workers_never_load_gevent(
    workers: Workers, kind: spec.WorkerKind
) -> None:
    state = workers.get(kind).call("shared.harness.introspect.state")
    assert state["gevent_imported"] is False
    assert state["threading_real"] is True


@pytest.mark.parametrize(("loop", "module"), [("asyncio", "asyncio"), ("uvloop", "uvloop")])
def test_asyncio_worker_runs_on_the_loop_it_was_given(
    workers: Workers, loop: str, module: str
) -> None:
    state = workers.get("asyncio", loop=loop).call("shared.harness.introspect.state")
    assert state["loop_module"].split(".")[0] == module
