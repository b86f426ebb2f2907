"""benchmarks/bare_urllib3.py: urllib3 alone measures what it says, and bad input is refused."""

from __future__ import annotations

import pytest

from benchmarks import bare_urllib3
from shared.harness.server import ServerProcess


def test_measure_counts_every_request_and_the_client_cpu(server: ServerProcess) -> None:
    server.reset()
    # enough requests for the CPU they take to span several of the OS's 10 ms clock ticks
    # (with 40, a fast machine read 0 us per request one run in five)
    r = bare_urllib3.measure(server.url, threads=4, delay_ms=0, requests=400)
    assert server.stats()["count"] == 400 + 2 * 4  # the timed requests plus the warm-up
    assert server.stats()["peak"] <= 4
    assert r["req_per_s"] > 0
    assert r["cpu_us"] > 0
    assert 0 < r["client_cpu"] <= 4  # CPU seconds per wall second of this process


@pytest.mark.parametrize("argv", [["--points", "x"], ["--points", "0-50"], ["--requests", "0"]])
def test_bad_arguments_are_refused_before_any_server_starts(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        bare_urllib3.main(argv)
    assert exc.value.code == 2
    assert "error:" in capsys.readouterr().err
