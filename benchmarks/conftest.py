import pytest

from shared.testing import server, test_server, workers

__all__ = ["server", "test_server", "workers"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--quick",
        action="store_true",
        default=False,
        help="switchbench: fewer rounds and smaller sizes; the whole suite in about a minute",
    )


@pytest.fixture(scope="session")
def quick(request: pytest.FixtureRequest) -> bool:
    """True under ``pytest benchmarks/ --quick``."""
    return bool(request.config.getoption("--quick"))


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """After pytest-benchmark's tables (seconds per round): each result's own figure."""
    from shared import bench

    if bench.RECORDED:
        terminalreporter.section("switchbench: value per operation")
        for line in bench.summary_lines(bench.RECORDED):
            terminalreporter.write_line(line)
