"""``switchbench``: run the demos, fetch URLs with any model, serve the test server, report.

Every command that runs model code runs it in that model's own worker process
(shared.worker), exactly as the tests and benchmarks do.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from shared import eat_play, spec


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


def _cmd_demo_eat_play(args: argparse.Namespace) -> int:
    from shared.worker import ModelWorker, RemoteError

    try:
        variant = spec.check_variant(args.model, args.variant)
    except ValueError as e:
        args.parser.error(str(e))
    # the variant runs in a worker started the way it needs (patched or not, which loop)
    with ModelWorker(args.model, **eat_play.worker_options(args.model, variant)) as worker:
        try:
            reply = worker.request("eat_play.run", {"variant": variant, "scale": args.scale})
        except RemoteError as e:
            print(
                f"switchbench demo eat-play: {e.remote_type}: {e.remote_message}", file=sys.stderr
            )
            return 1
    sys.stdout.write(reply.stdout)
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

    demo = sub.add_parser(
        "demo",
        help="run one of the seed's demos in a model's worker",
        description="Run one of the seed's demos in a model's own worker process.",
    )
    demos = demo.add_subparsers(dest="demo", required=True, metavar="DEMO")
    eat_play_parser = demos.add_parser(
        "eat-play",
        help="eat blocks 2 s, play 1 s: concurrently 2 s, one after the other 3 s",
        description=(
            "The seed's eat/play demo: prints its lines, then `total N.NN s` (measured in the "
            "worker, start-up excluded). Output appears when the run ends."
        ),
    )
    eat_play_parser.add_argument("--model", required=True, choices=spec.MODELS)
    eat_play_parser.add_argument(
        "--variant", help="the lesson to run; per model: " + eat_play.variants_help()
    )
    eat_play_parser.add_argument(
        "--scale",
        type=eat_play.scale_arg,
        default=1.0,
        help="multiply the seconds, e.g. 0.1 for a quick run (default 1)",
    )
    eat_play_parser.set_defaults(func=_cmd_demo_eat_play, parser=eat_play_parser)

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
