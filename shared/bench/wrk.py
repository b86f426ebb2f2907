"""wrk, the reference client: what the test server gives a C client on this machine."""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

from shared.bench.sweep import TIMEOUT_S

#: what a wrk row says: the server's limit without a delay; with one, a reference only
WRK_NOTE = "wrk (2 threads) shares the machine's cores with the server"
WRK_DELAY_NOTE = (
    "with a delay, wrk is a reference, not a ceiling: each connection sends its next request "
    "the instant a response lands, so its requests reach the single-threaded server in step "
    "and their responses wait for it one after another (see p50 against the delay); a "
    "client that spreads its requests can get more"
)

WRK_MISSING = "wrk not installed: apt-get install wrk"


def wrk_path() -> str | None:
    return shutil.which("wrk")


def wrk_command(url: str, concurrency: int, seconds: int) -> list[str]:
    """wrk with 2 threads (1 for one connection: wrk needs connections >= threads)."""
    threads = min(2, concurrency)
    return [
        wrk_path() or "wrk",
        f"-t{threads}",
        f"-c{concurrency}",
        f"-d{seconds}s",
        "--timeout",
        f"{TIMEOUT_S:g}s",
        "--latency",
        url,
    ]


_UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not m:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(m.group(1)) * _UNITS_MS[m.group(2)]


def parse_wrk(text: str) -> dict[str, Any]:
    """``req_per_s``, ``requests``, ``duration_s``, ``p50_ms``..``p99_ms``, ``errors``."""
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    total = re.search(r"^\s*(\d+) requests in ([\d.]+\w+),", text, re.M)
    if not rate or not total:
        raise ValueError(f"cannot read wrk's output:\n{text}")
    out: dict[str, Any] = {
        "req_per_s": float(rate.group(1)),
        "requests": int(total.group(1)),
        "duration_s": _ms(total.group(2)) / 1000,
    }
    for q, value in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+\w+)\s*$", text, re.M):
        out[f"p{q}_ms"] = _ms(value)
    errors: dict[str, int] = {}
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if sock:
        for kind, n in zip(("connect", "read", "write", "timeout"), sock.groups(), strict=True):
            if int(n):
                errors[kind] = int(n)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if non2xx:
        errors["http"] = int(non2xx.group(1))
    out["errors"] = errors
    return out


def run_wrk(url: str, concurrency: int, seconds: int) -> dict[str, Any]:
    """Run wrk against ``url``; its parsed figures plus the command line."""
    cmd = wrk_command(url, concurrency, seconds)
    done = subprocess.run(  # noqa: S603 - wrk from PATH, our own arguments
        cmd, capture_output=True, text=True, timeout=seconds + TIMEOUT_S + 30, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.strip()}")
    return {**parse_wrk(done.stdout), "command": "wrk " + " ".join(cmd[1:])}
