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
