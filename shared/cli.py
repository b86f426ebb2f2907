"""``switchbench``: run the demos, fetch URLs with any model, serve the test server, report.

Every command that runs model code runs it in that model's own worker process
(shared.harness.worker), exactly as the tests and benchmarks do.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence

from shared import spec
from shared.scenarios import eat_play

#: a behaviour demo runs in well under 30 s; past this the worker is killed
BEHAVIOUR_DEADLINE_S = 60.0


def _cmd_serve(args: argparse.Namespace) -> int:
    from shared.harness import server

    return server.main(["--port", str(args.port)])


def _cmd_report(args: argparse.Namespace) -> int:
    from shared.report.results import ReportError, load_results
    from shared.report.terminal import terminal_lines
    from shared.report.write import write_report, written_lines

    try:
        results = load_results(args.results)
    except ReportError as exc:
        print(f"switchbench report: {exc}", file=sys.stderr)
        return 2
    for line in terminal_lines(results):
        print(line)
    print()
    written = write_report(results, results.meta["raw"], args.out)
    for line in written_lines(written):
        print(line)
    return 0


def _cmd_demo_eat_play(args: argparse.Namespace) -> int:
    from shared.harness.worker import ModelWorker, RemoteError

    try:
        variant = spec.check_variant(args.model, args.variant)
    except ValueError as e:
        args.parser.error(str(e))
    # the variant runs in a worker started the way it needs (patched or not, which loop)
    kind = spec.lesson_kind(args.model, variant)
    with ModelWorker(kind.model, **kind.options) as worker:
        try:
            reply = worker.request("eat_play.run", {"variant": variant, "scale": args.scale})
        except RemoteError as e:
            print(
                f"switchbench demo eat-play: {e.remote_type}: {e.remote_message}", file=sys.stderr
            )
            return 1
    sys.stdout.write(reply.stdout)
    return 0


def _cmd_demo_behaviour(args: argparse.Namespace) -> int:
    from shared.harness.worker import ModelWorker, RemoteError, WorkerError
    from shared.scenarios import probe

    b = spec.BEHAVIOUR[args.demo]
    if args.loop is not None and args.model != "asyncio":
        args.parser.error(f"--loop applies to --model asyncio only, not {args.model}")
    kind = spec.kind_for(args.model, loop=args.loop)
    with contextlib.ExitStack() as stack:
        kwargs = {}
        if b.needs_server:
            from shared.harness.server import ServerProcess

            kwargs["url"] = stack.enter_context(ServerProcess()).url
        worker = stack.enter_context(ModelWorker(kind.model, **kind.options))
        try:
            reply = worker.request(b.run_fn, kwargs, deadline_s=BEHAVIOUR_DEADLINE_S)
        except (RemoteError, WorkerError) as e:
            reason = f"{e.remote_type}: {e.remote_message}" if isinstance(e, RemoteError) else e
            print(f"switchbench demo {b.name}: {reason}", file=sys.stderr)
            return 1
    sys.stdout.write(reply.stdout)
    if args.json:
        print(probe.json_line(reply.value, scenario=b.name, kind=kind.id))
    return 0


def _cmd_fetch(args: argparse.Namespace) -> int:
    from shared import cli_fetch

    return cli_fetch.run(args)


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
        help="run a demo in a model's worker: the tutorial's eat-play, or a behaviour scenario",
        description=(
            "Run a demo in a model's own worker process: the tutorial's eat-play "
            "(docs/tutorial.md), or one of the behaviour scenarios (what happens when things go "
            "wrong)."
        ),
    )
    demos = demo.add_subparsers(dest="demo", required=True, metavar="DEMO")
    eat_play_parser = demos.add_parser(
        "eat-play",
        help="eat blocks 2 s, play 1 s: concurrently 2 s, one after the other 3 s",
        description=(
            "The tutorial's eat/play demo: prints its lines, then `total N.NN s` (measured in "
            "the worker, start-up excluded). Output appears when the run ends."
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
    for b in spec.BEHAVIOURS:
        behaviour = demos.add_parser(
            b.name,
            help=b.summary,
            description=(
                f"{b.summary[0].upper()}{b.summary[1:]}. Runs in the model's own worker and "
                "prints a readable run"
                + (" (starts a test server for it)" if b.needs_server else "")
                + "; --json ends it with the result as one JSON line."
            ),
        )
        behaviour.add_argument("--model", required=True, choices=spec.MODELS)
        behaviour.add_argument("--loop", choices=spec.LOOPS, help="asyncio only: the event loop")
        behaviour.add_argument(
            "--json", action="store_true", help="end with the result as one JSON line"
        )
        behaviour.set_defaults(func=_cmd_demo_behaviour, parser=behaviour)

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

    fetch = sub.add_parser(
        "fetch",
        help="fetch URLs concurrently with one model and client",
        description=(
            "Fetch URLs in the model's own worker process(es): one JSON line per URL on "
            "stdout (url, status, nbytes, elapsed_s, error), in input order, each written as "
            "soon as it and every one before it are done; progress (after a second) and a "
            "summary on stderr (counts by error kind, req/s with the workers' start excluded). "
            "The URLs are read lazily and memory stays bounded however many there are. "
            "Per-URL errors are results, not failures: exit 0 when the run completed, 1 when "
            "a worker failed, 2 for bad arguments. Ctrl-C or SIGTERM keeps what is done (the "
            'results still out of order are marked "out_of_order": true) and exits 130/143; '
            "a second one stops at once."
        ),
    )
    fetch.add_argument("urls", nargs="*", metavar="URL", help="URLs to fetch")
    fetch.add_argument(
        "--urls-file",
        metavar="F",
        help="read URLs from F, one a line (- for stdin; blank lines and # comments skipped)",
    )
    fetch.add_argument("--model", required=True, help=f"one of {', '.join(spec.MODELS)}")
    fetch.add_argument(
        "--client",
        required=True,
        help="; ".join(f"{m}: {', '.join(c)}" for m, c in spec.CLIENTS.items()),
    )
    fetch.add_argument(
        "-c", "--concurrency", type=int, default=10, help="requests in flight at most (10)"
    )
    fetch.add_argument(
        "--timeout", type=float, default=10.0, help="seconds per request, body included (10)"
    )
    fetch.add_argument(
        "--max-bytes",
        type=int,
        default=spec.MAX_BODY_BYTES,
        help=f"a longer body is a too-large error ({spec.MAX_BODY_BYTES})",
    )
    fetch.add_argument("--loop", help=f"asyncio only: {', '.join(spec.LOOPS)}")
    fetch.add_argument(
        "--processes",
        type=int,
        default=1,
        metavar="P",
        help="spread the run over P worker processes of the model, the concurrency split "
        "between them (1)",
    )
    fetch.add_argument(
        "-q", "--quiet", action="store_true", help="no progress on stderr, only the summary"
    )
    fetch.set_defaults(func=_cmd_fetch)
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
