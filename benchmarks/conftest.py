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
        "--capacity-full",
        action="store_true",
        default=False,
        help="switchbench: run every capacity step, up to 50,000 held connections (minutes); "
        "by default only 1,000 and 10,000 (--quick: 1,000)",
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


@pytest.fixture(scope="session")
def capacity_full(request: pytest.FixtureRequest) -> bool:
    """True under ``pytest benchmarks/ --capacity-full``."""
    return bool(request.config.getoption("--capacity-full"))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    # before the fixtures go: keep what an untimed (--benchmark-disable) benchmark recorded
    session.keep_untimed(item)


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    # after pytest-benchmark's own tables: the models side by side, then the report files
    session.terminal_summary(terminalreporter, config)


#: pytest-benchmark groups whose seconds per round are not the figure: a fetch round's size
#: depends on the pair (rounds are sized by time) and wrk runs for a fixed time, so ranking
#: them by seconds contradicts their req/s; a heartbeat round is the run around the figure;
#: a switching row's figure comes from its group's round-robin rounds, not its own
NOT_ROUND_TIME_GROUPS = ("fetch ", "cpu heartbeat", "switch_ns", "yield_ns", "spawn_join_us")


@pytest.hookimpl(wrapper=True)
def pytest_benchmark_group_stats(
    config: pytest.Config, benchmarks: list[Any], group_by: str
) -> list[tuple[str | None, list[Any]]]:
    # keep those groups out of pytest-benchmark's own tables (the JSON, saved before this
    # runs, keeps them whole); the end-of-run summary shows their figures
    groups = yield
    return [(name, b) for name, b in groups if not str(name).startswith(NOT_ROUND_TIME_GROUPS)]
