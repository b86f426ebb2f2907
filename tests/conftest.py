import sys

import pytest

from shared.harness.fixtures import server, test_server, workers

__all__ = ["server", "test_server", "workers"]

#: what must never be imported into the pytest process: gevent (its patching is
#: process-wide) and our gevent model, which imports it
GEVENT_MODULES = ("gevent", "impls.gevent_impl")


def gevent_modules_loaded() -> list[str]:
    """The modules of :data:`GEVENT_MODULES` (and their submodules) in this process."""
    return sorted(
        name
        for name in sys.modules
        if any(name == top or name.startswith(top + ".") for top in GEVENT_MODULES)
    )


def pytest_sessionfinish(session: pytest.Session) -> None:
    # After every test, whatever their order: no test, fixture, helper or plugin of ours
    # may have imported gevent here (test_isolation checks it once, at its own place).
    loaded = gevent_modules_loaded()
    if not loaded:
        return
    shown = ", ".join(loaded[:3]) + (f" and {len(loaded) - 3} more" if len(loaded) > 3 else "")
    line = f"switchbench: gevent was imported into the pytest process during the run ({shown})"
    if session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(line, red=True, bold=True)
    else:
        print(line, file=sys.stderr)
