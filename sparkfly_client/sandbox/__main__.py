"""``python -m sparkfly_client.sandbox``: serve a sandbox; ``... demo``: run the documented examples against one."""

from __future__ import annotations

import argparse
import errno
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from sparkfly_client.sandbox.limits import DEFAULT_MAX_CONNECTIONS, DEFAULT_READ_TIMEOUT
from sparkfly_client.sandbox.members import check_member_count
from sparkfly_client.sandbox.ratelimit import check_rate_limit, check_rate_window
from sparkfly_client.sandbox.server import DEFAULTS, Sandbox
from sparkfly_client.sandbox.state import DEMO_CHANNELS, DEMO_OFFERS, DEMO_STORES

DEFAULT_PORT = 8056


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sparkfly_client.sandbox",
        description="A Sparkfly-compatible server on this machine. With 'demo': run every documented example "
        "against a fresh sandbox and exit non-zero if any fails.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free)")
    parser.add_argument("--token", default=DEFAULTS["token"], help="the static X-Auth-Token accepted")
    parser.add_argument("--identity", default=DEFAULTS["identity"], help="X-Auth-Identity that GET /auth accepts")
    parser.add_argument("--key", default=DEFAULTS["key"], help="X-Auth-Key that GET /auth accepts")
    parser.add_argument("--secret-key", default=DEFAULTS["secret_key"], help="REB-APIKEY of PUT /credentials/{id}")
    parser.add_argument("--jwt", default=DEFAULTS["jwt"], help="Bearer JWT of PUT /credentials/{id}")
    parser.add_argument("--token-ttl", type=float, default=24 * 3600.0, help="seconds a /auth token lasts")
    parser.add_argument(
        "--read-timeout", type=float, default=DEFAULT_READ_TIMEOUT, help="seconds a request may take to arrive whole"
    )
    parser.add_argument(
        "--max-connections", type=int, default=DEFAULT_MAX_CONNECTIONS, help="connections served at once"
    )
    parser.add_argument(
        "--rate-limit",
        type=_checked(int, check_rate_limit),
        default=None,
        metavar="N",
        help="serve at most N API requests per window, every client together (default: no limit)",
    )
    parser.add_argument(
        "--rate-window",
        type=_checked(float, check_rate_window),
        default=60.0,
        metavar="SECONDS",
        help="length of a rate-limit window, aligned to the clock (default 60)",
    )
    parser.add_argument(
        "--members",
        type=_checked(int, check_member_count),
        default=None,
        metavar="N",
        help="add members 1000 to 1000+N-1 (default 0; 100 for 'demo')",
    )
    commands = parser.add_subparsers(dest="command")
    demo = commands.add_parser("demo", help="run every ```python example of README.md and docs/*.md")
    demo.add_argument(
        "--root",
        type=Path,
        default=None,
        help="the folder holding README.md and docs/ (default: the checkout, else the copy the package carries)",
    )
    demo.add_argument("--verbose", "-v", action="store_true", help="show what failing examples printed")
    return parser


def _checked(convert: Callable[[str], Any], check: Callable[[Any], Any]) -> Callable[[str], Any]:
    """An argparse type: ``text`` converted, then checked as ``Sandbox(...)`` checks it."""

    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a {'whole ' if convert is int else ''}number: {text!r}") from None
        try:
            return check(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def _sandbox_settings(args: argparse.Namespace) -> Dict[str, Any]:
    return {
        "token": args.token,
        "identity": args.identity,
        "key": args.key,
        "secret_key": args.secret_key,
        "jwt": args.jwt,
        "token_ttl": args.token_ttl,
        "rate_limit": args.rate_limit,
        "rate_window": args.rate_window,
    }


def serve(args: argparse.Namespace) -> int:
    try:
        sandbox = Sandbox(
            args.host,
            args.port,
            read_timeout=args.read_timeout,
            max_connections=args.max_connections,
            members=args.members or 0,
            **_sandbox_settings(args),
        )
    except OSError as exc:
        print(_cannot_listen(args.host, args.port, exc), file=sys.stderr)
        return 1
    env = sandbox.environ()
    offers = ", ".join(f"{o.id}{'' if o.active else ' (inactive)'}" for o in DEMO_OFFERS.values())
    print(f"Sparkfly sandbox listening on {sandbox.url}  (Ctrl+C stops it)")
    print("Credentials it accepts:")
    print(f"  X-Auth-Token:   {sandbox.token}")
    print(
        f"  GET /auth:      X-Auth-Identity: {sandbox.identity}  X-Auth-Key: {sandbox.key}"
        f"  (tokens last {sandbox.token_ttl:g} s)"
    )
    print(f"  REB-APIKEY:     {sandbox.secret_key}")
    print(f"  Authorization:  Bearer {sandbox.jwt}")
    print(
        "Demo data: members "
        + sandbox.state.members.describe()
        + "; offers "
        + offers
        + "; channels "
        + ", ".join(map(str, DEMO_CHANNELS))
        + "; stores "
        + ", ".join(map(str, DEMO_STORES))
        + "; credential 56"
    )
    if sandbox.rate_limit is not None:
        print(
            f"Rate limit: {sandbox.rate_limit} requests per {sandbox.rate_window:g} s window, every client together"
            " (/auth and /__sandbox/ not counted)"
        )
    print("Point the examples at it:")
    # Every variable the documented examples read, so any of them runs by hand in that shell.
    print("  export " + " ".join(f"{name}={value}" for name, value in env.items()), flush=True)
    try:
        sandbox.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return 0


def _cannot_listen(host: str, port: int, error: OSError) -> str:
    """One line for a sandbox that cannot bind, saying what to do about it."""
    if error.errno == errno.EADDRINUSE:
        return (
            f"error: port {port} on {host} is already in use (another sandbox?); "
            f"pick another with --port N, or --port 0 for any free port"
        )
    return f"error: cannot listen on {host}:{port}: {error.strerror or error}; pick another address with --host/--port"


def demo(args: argparse.Namespace) -> int:
    from sparkfly_client.sandbox.examples import default_root, find_examples, run_examples

    root = args.root or default_root()
    examples = find_examples(root)
    if not examples:
        print(f"no ```python examples found under {root} (README.md, docs/*.md); pass --root", file=sys.stderr)
        return 2
    print(f"Running {len(examples)} documented examples, each against a fresh sandbox:", flush=True)
    settings = _sandbox_settings(args)
    if args.members is not None:
        settings["members"] = args.members
    results = run_examples(examples, sandbox_settings=settings)
    for result in results:
        print(result.summary())
        if args.verbose and result.failed:
            print("    " + (result.stdout + result.stderr).strip().replace("\n", "\n    "))
    failed = sum(result.failed for result in results)
    skipped = sum(result.skipped is not None for result in results)
    print(
        f"{len(results) - failed - skipped} of {len(results)} examples ran"
        + (f"; {skipped} skipped" if skipped else "")
        + (f"; {failed} FAILED" if failed else "")
    )
    return 1 if failed else 0


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    return demo(args) if args.command == "demo" else serve(args)


if __name__ == "__main__":
    sys.exit(main())
