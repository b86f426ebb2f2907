"""Runs last (file order): after every other test, the pytest process is still unpatched."""

from tests.test_isolation import test_the_pytest_process_never_loads_gevent as check


def test_pytest_process_still_unpatched_at_the_end() -> None:
    check()
