"""monkey.patch_all() stays inside the gevent worker, and is complete there."""

import sys

import pytest

from shared import spec
from shared.harness.fixtures import Workers, kind_params


def test_the_pytest_process_never_loads_gevent() -> None:
    # Run late in the session too (see the module order in this directory): no fixture,
    # helper or plugin of ours may import gevent here.
    assert "gevent" not in sys.modules
    assert not any(m.startswith("impls.gevent_impl") for m in sys.modules)


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
