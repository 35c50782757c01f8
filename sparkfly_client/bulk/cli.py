"""``python -m sparkfly_client bulk {issue,void,export,status} ...``: the bulk jobs from a shell.

Exit status: 0 when every row is done, 1 when some failed, are unknown or are not finished (the job stopped),
2 for bad usage (nothing sent), 130 when interrupted (Ctrl+C or SIGTERM; rerun the same command to resume).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from typing import Any, Awaitable, Callable, Dict, List, Optional, TypeVar

from sparkfly_client import AsyncApiClient, Configuration
from sparkfly_client.bulk.export import DEFAULT_PER_PAGE, ExportReport, export_job
from sparkfly_client.bulk.jobs import BulkJobStopped, IssueJob, Job, JobReport, VoidJob
from sparkfly_client.bulk.journal import DONE, FAILED, PENDING, SENDING, UNKNOWN, Journal
from sparkfly_client.bulk.progress import make_progress
from sparkfly_client.bulk.rows import ISSUE, VOID, BulkInputError, read_csv
from sparkfly_client.bulk.run import DEFAULT_CONCURRENCY, MAX_CONCURRENCY

__all__ = ["main"]

PROG = "python -m sparkfly_client bulk"
EXIT_OK, EXIT_INCOMPLETE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
T = TypeVar("T")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Bulk jobs over the Sparkfly Credentials API.")
    connection = argparse.ArgumentParser(add_help=False)
    found = connection.add_argument_group(
        "server and credentials (default: the environment variables SPARKFLY_HOST, API_KEY, AUTH_IDENTITY, AUTH_KEY)"
    )
    found.add_argument("--host", help="base URL (default $SPARKFLY_HOST, else https://api.sparkfly.com)")
    found.add_argument("--api-key", help="the X-Auth-Token (default $API_KEY); prefer the variable: flags show in ps")
    found.add_argument("--auth-identity", help="account identity for GET /auth (default $AUTH_IDENTITY)")
    found.add_argument("--auth-key", help="API key for GET /auth (default $AUTH_KEY)")
    found.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{issue,void,export,status}")
    for name, column_help in (
        ("issue", "member_id, channel_id (required), offer_id, store_id, identifier, member_identifier, "
                  "campaign_id, reusable, printable"),
        ("void", "id or identifier (the active credential with that code)"),
    ):  # fmt: skip
        command = commands.add_parser(
            name, parents=[connection], help=f"{name} a credential per row of a CSV file (columns: {column_help})"
        )
        command.add_argument("rows", metavar="FILE.csv", help=f"CSV file with a header line; columns: {column_help}")
        command.add_argument("--journal", required=True, metavar="RUN.db", help="the journal: rerun with it to resume")
        command.add_argument(
            "--concurrency", type=int, default=DEFAULT_CONCURRENCY, metavar="N", help="requests in flight (default 8)"
        )
    export = commands.add_parser("export", parents=[connection], help="every credential a search matches, to a file")
    export.add_argument("--out", required=True, metavar="FILE", help="FILE.csv or FILE.jsonl")
    export.add_argument("--format", choices=("csv", "jsonl"), help="instead of the file name's suffix")
    export.add_argument("--per-page", type=int, default=DEFAULT_PER_PAGE, metavar="N", help="credentials per request")
    for flag in ("member-id", "offer-id", "store-id", "channel-id", "eligible-channel-id", "credential-type"):
        export.add_argument(f"--{flag}", type=int, metavar="N")
    export.add_argument("--identifier", metavar="CODE")
    export.add_argument("--ids", metavar="ID,ID,...", help="credential ids, comma-separated")
    export.add_argument("--redeemed", choices=("true", "false"))
    export.add_argument("--reusable", choices=("true", "false"))
    export.add_argument("--inactive-later-than", metavar="ISO-8601", help="e.g. 2024-01-01T00:00:00Z")
    status = commands.add_parser("status", help="the counts of a journal, and its failed and unknown rows")
    status.add_argument("--journal", required=True, metavar="RUN.db")
    return parser


def configuration_from(args: argparse.Namespace, environ: Dict[str, str], connections: int) -> Configuration:
    """The client's settings from the flags, else the environment; ``BulkInputError`` without credentials."""
    host = args.host or environ.get("SPARKFLY_HOST") or None
    api_key = args.api_key or environ.get("API_KEY")
    identity = args.auth_identity or environ.get("AUTH_IDENTITY")
    key = args.auth_key or environ.get("AUTH_KEY")
    try:
        if api_key:
            configuration = Configuration(host=host, connection_pool_maxsize=connections)
            configuration.api_key["X-Auth-Token"] = api_key
        elif identity and key:
            configuration = Configuration(
                host=host, auth_identity=identity, auth_key=key, connection_pool_maxsize=connections
            )
        else:
            raise BulkInputError(
                "no credentials: set API_KEY (or AUTH_IDENTITY and AUTH_KEY), or pass --api-key "
                "(or --auth-identity and --auth-key)"
            )
    except ValueError as exc:  # a host the client refuses
        raise BulkInputError(str(exc).splitlines()[0]) from None
    return configuration


def main(argv: Optional[List[str]] = None, environ: Optional[Dict[str, str]] = None) -> int:
    args = _parser().parse_args(argv)
    env = dict(os.environ if environ is None else environ)
    try:
        if args.command == "status":
            return status(args.journal)
        if args.command == "export":
            return _run_export(args, env)
        return _run_job(args, env)
    except BulkInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ImportError as exc:  # aiohttp, for the async client
        print(f'error: {exc}; the bulk tool needs it: pip install "sparkfly_client[cli]"', file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:  # while reading the input, before anything was sent
        print("interrupted before anything was sent", file=sys.stderr)
        return EXIT_INTERRUPTED


def _run_job(args: argparse.Namespace, env: Dict[str, str]) -> int:
    if not 1 <= args.concurrency <= MAX_CONCURRENCY:
        raise BulkInputError(f"--concurrency must be from 1 to {MAX_CONCURRENCY}, got {args.concurrency}")
    configuration = configuration_from(args, env, args.concurrency)
    job_class, schema = (IssueJob, ISSUE) if args.command == "issue" else (VoidJob, VOID)
    journal = Journal(args.journal, schema.action)
    try:
        journal.prepare(read_csv(args.rows), schema)

        async def work() -> JobReport:
            async with AsyncApiClient(configuration) as client:
                job: Job = job_class(client, journal, args.concurrency, make_progress(not args.quiet))
                holder.append(job)
                return await job.run()

        holder: List[Job] = []
        try:
            report = _run_interruptibly(work)
        except BulkJobStopped as stopped:
            print(f"error: {stopped}", file=sys.stderr)
            print(holder[0].report.summary())
            return EXIT_INCOMPLETE
        except (asyncio.CancelledError, KeyboardInterrupt):
            print(f"interrupted: run the same command again to resume from {args.journal}", file=sys.stderr)
            if holder:
                print(holder[0].report.summary())
            return EXIT_INTERRUPTED
    finally:
        journal.close()
    for problem in report.problems[:20]:
        print(problem, file=sys.stderr)
    if len(report.problems) > 20:
        print(f"... and {len(report.problems) - 20} more: {PROG} status --journal {args.journal}", file=sys.stderr)
    print(report.summary())
    return report.exit_code


def _run_export(args: argparse.Namespace, env: Dict[str, str]) -> int:
    if not 1 <= args.per_page <= 1000:
        raise BulkInputError(f"--per-page must be from 1 to 1000, got {args.per_page}")
    filters: Dict[str, Any] = {}
    for name in ("member_id", "offer_id", "store_id", "channel_id", "eligible_channel_id", "credential_type",
                 "identifier", "inactive_later_than"):  # fmt: skip
        if getattr(args, name) is not None:
            filters[name] = getattr(args, name)
    for name in ("redeemed", "reusable"):
        if getattr(args, name) is not None:
            filters[name] = getattr(args, name) == "true"
    if args.ids:
        try:
            filters["ids"] = [int(part) for part in args.ids.split(",")]
        except ValueError:
            raise BulkInputError(f"--ids must be whole numbers separated by commas, got {args.ids!r}") from None
    configuration = configuration_from(args, env, 1)

    async def work() -> ExportReport:
        async with AsyncApiClient(configuration) as client:
            progress = make_progress(not args.quiet)
            return await export_job(
                client, args.out, filters, kind=args.format, per_page=args.per_page, progress=progress
            )

    try:
        report = _run_interruptibly(work)
    except BulkJobStopped as stopped:
        print(f"error: {stopped}; run the same command again to go on from {args.out}.part", file=sys.stderr)
        return EXIT_INCOMPLETE
    except (asyncio.CancelledError, KeyboardInterrupt):
        print(f"interrupted: run the same command again to go on from {args.out}.part", file=sys.stderr)
        return EXIT_INTERRUPTED
    if report.resumed_after:
        print(f"went on from {args.out}.part after its page {report.resumed_after}", file=sys.stderr)
    print(report.summary())
    return report.exit_code


def _run_interruptibly(work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work()`` on a new event loop; Ctrl+C and SIGTERM cancel it, so it ends through its ``finally``."""

    async def guarded() -> T:
        task = asyncio.ensure_future(work())
        loop = asyncio.get_running_loop()
        handled = []
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(signum, task.cancel)
                handled.append(signum)
            except (NotImplementedError, RuntimeError):  # not on this platform, or not the main thread
                pass
        try:
            return await task
        finally:
            for signum in handled:
                loop.remove_signal_handler(signum)

    return asyncio.run(guarded())


def status(path: str) -> int:
    """Print a journal's counts and its failed and unknown rows; 0 when every row is done."""
    journal = Journal.open_existing(path)
    try:
        counts = journal.counts()
        total = sum(counts.values())
        print(f"journal {path}: bulk {journal.action} of {journal.input_name}, {total} rows")
        print(
            f"done {counts[DONE]}, failed {counts[FAILED]}, unknown {counts[UNKNOWN]}, "
            f"not finished {counts[PENDING] + counts[SENDING]}"
        )
        for problem in journal.problems():
            print(f"{problem.state}: {problem.reason}")
    finally:
        journal.close()
    return EXIT_OK if counts[DONE] == total else EXIT_INCOMPLETE


if __name__ == "__main__":
    sys.exit(main())
