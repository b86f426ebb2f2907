"""``switchbench fetch``: JSON lines in input order, a summary on stderr, exit codes 0/2/130."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from shared.harness.server import ServerProcess
from tests.helpers import run_python, start_python

KEYS = ["url", "status", "nbytes", "elapsed_s", "error"]


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return run_python(["-m", "shared.cli", "fetch", *args], stdin=stdin)


def lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


@pytest.mark.parametrize(
    ("model", "client", "extra"),
    [
        pytest.param("gevent", "geventhttpclient", [], id="gevent-geventhttpclient"),
        pytest.param("asyncio", "aiohttp", ["--loop", "uvloop"], id="uvloop-aiohttp"),
        pytest.param("thread", "httpx", [], id="thread-httpx"),
    ],
)
def test_prints_one_json_line_per_url_in_order_and_a_summary(
    server: ServerProcess, model: str, client: str, extra: list[str]
) -> None:
    urls = [f"{server.url}/delay/{ms}" for ms in (300, 0, 100)]
    urls += [f"{server.url}/status/503", "ftp://x", f"{server.url}/delay/0"]
    run = cli("--model", model, "--client", client, "-c", "3", "--timeout", "2", *extra, *urls)
    assert run.returncode == 0, run.stderr
    out = lines(run.stdout)
    assert [list(d) for d in out] == [KEYS] * len(urls)
    assert [d["url"] for d in out] == urls
    assert [d["error"] for d in out] == [None, None, None, "http", "invalid-url", None]
    assert out[3]["status"] == 503
    summary = run.stderr.strip().splitlines()[-1]
    assert summary.startswith(f"switchbench fetch: {model}")
    assert "6 URLs in" in summary
    assert "ok 4, invalid-url 1, connect 0, timeout 0, http 1, protocol 0, too-large 0" in summary
    assert "req/s" in summary
    assert server.stats()["count"] == 5


def test_reads_urls_from_a_file_skipping_blanks_and_comments(
    server: ServerProcess, tmp_path: Path
) -> None:
    f = tmp_path / "urls.txt"
    f.write_text(f"# a comment\n\n{server.url}/delay/0\n  {server.url}/status/404  \n\n")
    run = cli("--model", "thread", "--client", "urllib3", "--urls-file", str(f))
    assert run.returncode == 0, run.stderr
    assert [(d["url"], d["error"]) for d in lines(run.stdout)] == [
        (f"{server.url}/delay/0", None),
        (f"{server.url}/status/404", "http"),
    ]


def test_reads_urls_from_stdin(server: ServerProcess) -> None:
    run = cli(
        "--model", "gevent", "--client", "httpx", "--max-bytes", "10", "--urls-file", "-",
        stdin=f"{server.url}/bytes/11\n{server.url}/bytes/10\n",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert [d["error"] for d in lines(run.stdout)] == ["too-large", None]


def test_an_empty_url_list_prints_nothing_and_a_zero_summary(tmp_path: Path) -> None:
    f = tmp_path / "empty.txt"
    f.write_text("# nothing to fetch\n\n")
    run = cli("--model", "asyncio", "--client", "httpx", "--urls-file", str(f))
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""
    assert "0 URLs in 0.00 s, 0 req/s: ok 0, invalid-url 0" in run.stderr


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--model", "trio", "--client", "httpx", "http://x/"], "unknown model 'trio'"),
        (["--model", "thread", "--client", "aiohttp", "http://x/"], "unknown client 'aiohttp'"),
        (["--model", "thread", "--client", "httpx", "-c", "0", "http://x/"], "concurrency"),
        (["--model", "thread", "--client", "httpx", "--timeout", "0", "http://x/"], "timeout"),
        (["--model", "thread", "--client", "httpx", "--loop", "uvloop", "http://x/"], "--loop"),
        (["--model", "asyncio", "--client", "httpx", "--loop", "trio", "http://x/"], "loop"),
        (["--model", "thread", "--client", "httpx"], "give URLs or --urls-file"),
        (
            ["--model", "thread", "--client", "httpx", "--urls-file", "/no/such/file", "http://x/"],
            "not both",
        ),
        (
            ["--model", "thread", "--client", "httpx", "--urls-file", "/no/such/file"],
            "cannot read --urls-file /no/such/file: No such file or directory",
        ),
    ],
)
def test_bad_arguments_exit_2_with_a_one_line_reason(args: list[str], reason: str) -> None:
    run = cli(*args)
    assert run.returncode == 2
    assert run.stdout == ""
    assert len(run.stderr.strip().splitlines()) == 1
    assert reason in run.stderr


def test_ctrl_c_exits_130_and_leaves_no_worker(server: ServerProcess) -> None:
    urls = [f"{server.url}/delay/500"] * 50  # 10 s at -c 5
    proc = start_python(
        ["-m", "shared.cli", "fetch", "--model", "thread", "--client", "httpx", "-c", "5", *urls],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        end = time.monotonic() + 20
        while server.stats()["count"] == 0 and time.monotonic() < end:
            time.sleep(0.05)  # the worker is fetching
        workers = psutil.Process(proc.pid).children(recursive=True)
        assert workers, "no worker process found"
        os.kill(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert "interrupted" in err
    _, alive = psutil.wait_procs(workers, timeout=5)
    assert alive == []


def test_on_a_terminal_a_long_run_shows_progress_and_keeps_order_and_count(
    server: ServerProcess,
) -> None:
    import pty

    # 2500 URLs at -c 10; most are invalid URLs (instant), every 50th asks for its index in
    # bytes, and every 50th + 25 waits 0.4 s: 50 of those at -c 10 keep the run going ~2 s,
    # past the second after which progress appears
    urls = [
        f"{server.url}/bytes/{i}"
        if i % 50 == 0
        else f"{server.url}/delay/400"
        if i % 50 == 25
        else f"ftp://x/{i}"
        for i in range(2500)
    ]
    leader, follower = pty.openpty()
    try:
        proc = run_python(
            ["-m", "shared.cli", "fetch", "--model", "gevent", "--client", "geventhttpclient"]
            + ["-c", "10", "--urls-file", "-"],
            stdin="\n".join(urls),
            stderr=follower,
        )
        os.close(follower)
        follower = -1
        err = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal's other side is closed and drained
                break
            if not chunk:
                break
            err += chunk
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)
    assert proc.returncode == 0, err
    out = lines(proc.stdout)
    assert [d["url"] for d in out] == urls
    assert [d["nbytes"] for d in out[::50]] == list(range(0, 2500, 50))
    # tqdm's counter (stdin: no total), redrawn in place as the run goes, ends at the count
    assert err.count(b"\r") >= 2
    assert b"2500url [" in err
    assert b"2500 URLs in" in err
    assert server.stats()["count"] == 100
