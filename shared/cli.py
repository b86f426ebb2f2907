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
