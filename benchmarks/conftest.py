from typing import Any

import pytest

from shared.harness.fixtures import server, test_server, workers
from shared.report import session

__all__ = ["server", "test_server", "workers"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--quick",
        action="store_true",
        default=False,
        help="switchbench: fewer rounds and smaller sizes; the whole suite in about a minute",
    )
    parser.addoption(
        "--report-dir",
        default="benchmark-report",
        metavar="DIR",
        help="switchbench: write report.md, results.json and plots here after the run "
        "(default: benchmark-report)",
    )


@pytest.fixture(scope="session")
def quick(request: pytest.FixtureRequest) -> bool:
    """True under ``pytest benchmarks/ --quick``."""
    return bool(request.config.getoption("--quick"))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    # before the fixtures go: keep what an untimed (--benchmark-disable) benchmark recorded
    session.keep_untimed(item)


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    # after pytest-benchmark's own tables: the models side by side, then the report files
    session.terminal_summary(terminalreporter, config)
