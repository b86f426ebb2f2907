"""``switchbench``: run the demos, fetch URLs with any model, serve the test server, report.

Every command that runs model code runs it in that model's own worker process
(shared.worker), exactly as the tests and benchmarks do.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from shared import spec


def _cmd_serve(args: argparse.Namespace) -> int:
    from shared import server

    return server.main(["--port", str(args.port)])


def _cmd_report(args: argparse.Namespace) -> int:
    from shared import report

    try:
        results = report.load_results(args.results)
    except report.ReportError as exc:
        print(f"switchbench report: {exc}", file=sys.stderr)
        return 2
    for line in report.terminal_lines(results):
        print(line)
    print()
    written = report.write_report(results, results.meta["raw"], args.out)
    for line in report.written_lines(written):
        print(line)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="switchbench",
        description=(
            "The same programs written with gevent, asyncio and threads, checked for identical "
            "behaviour and measured side by side. The benchmarks themselves run with "
            "`pytest benchmarks/`."
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser(
        "serve",
        help="run the local test server in the foreground",
        description="Run the test server on 127.0.0.1 until Ctrl-C; prints its URL first.",
    )
    serve.add_argument("--port", type=int, default=0, help="TCP port; 0 picks a free one")
    serve.set_defaults(func=_cmd_serve)

    rep = sub.add_parser(
        "report",
        help="render the comparison, plots and decision guide from a saved benchmark run",
        description=(
            "Read a pytest-benchmark JSON file (`pytest benchmarks/ --benchmark-json FILE`, or "
            "the results.json of a report) and write report.md, results.json and plots."
        ),
    )
    rep.add_argument("results", metavar="RESULTS.json", help="pytest-benchmark JSON file")
    rep.add_argument(
        "--out",
        default="benchmark-report",
        metavar="DIR",
        help="output directory (default: %(default)s)",
    )
    rep.set_defaults(func=_cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("switchbench: interrupted", file=sys.stderr)
        return 130


__all__ = ["main", "build_parser", "spec"]


if __name__ == "__main__":
    sys.exit(main())
