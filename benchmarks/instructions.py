"""Count the machine instructions one call costs, sync and async, against the floor: a figure that does not move
with the machine's load, for telling a small change from noise.

    python benchmarks/instructions.py            # needs valgrind (cachegrind)

For each client (the SDK and the floor of benchmarks/run.py and benchmarks/async_bench.py: urllib3 or
aiohttp plus pydantic; async, also the floor with the same guarantees of async_bench.py), a child interpreter
runs under cachegrind making ``--calls`` calls after a warm-up, and again making ``--calls`` more; the
difference, divided by the extra calls, is the instructions of one call (the interpreter's start-up, the imports
and the warm-up cancel out). The server is the canned one of benchmarks/server.py, running natively.
Instructions are not CPU time (cache misses are not counted), but with one hash seed for every child they repeat
to within a few dozen from run to run: a change that adds work shows up however busy the machine is.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import FLOOR, FLOOR_GUARANTEED, SDK  # noqa: E402
from run import floor_client, sdk_client  # noqa: E402
from server import canned_server  # noqa: E402

#: async: the floor with the same guarantees too (aiohttp's resend stopped by a middleware, a ClientTimeout), the
#: floor of the async target
CLIENTS = (("sync", FLOOR), ("sync", SDK), ("async", FLOOR), ("async", FLOOR_GUARANTEED), ("async", SDK))
#: the layers of benchmarks/async_layers.py, counted with --layers
LAYERS = (("async", "transport alone"), ("async", "least pipeline"))
OPERATIONS = ("get_credential", "create_credential")
WARMUP = 50


# --- the child: make the calls --------------------------------------------------------------------


def sync_calls(kind: str, url: str) -> Dict[str, Callable[[], Any]]:
    return (sdk_client(url) if kind == SDK else floor_client(url)).calls


async def async_run(kind: str, url: str, operation: str, calls: int) -> None:
    # The clients of benchmarks/async_bench.py (or the layers of async_layers.py), made here: an aiohttp session
    # belongs to the running loop.
    from async_bench import make_clients
    from async_layers import make_clients as make_layers

    clients = (make_layers if ("async", kind) in LAYERS else make_clients)(url, connections=64)
    call = next(client for client in clients if client.name == kind).calls[operation]
    for _ in range(WARMUP + calls):
        await call()
    for client in clients:
        await client.close()


def child(driver: str, kind: str, url: str, operation: str, calls: int) -> None:
    if driver == "async":
        asyncio.run(async_run(kind, url, operation, calls))
        return
    call = sync_calls(kind, url)[operation]
    for _ in range(WARMUP + calls):
        call()


# --- the parent: run the children under cachegrind ------------------------------------------------


def instructions(driver: str, kind: str, url: str, operation: str, calls: int) -> int:
    command = [
        "valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
        sys.executable, str(Path(__file__).resolve()), "--child", driver, kind, url, operation, str(calls),
    ]  # fmt: skip
    # One hash seed for every child, so that dict and set layouts (and their probing) match from run to run.
    environment = {**os.environ, "PYTHONHASHSEED": "0"}
    finished = subprocess.run(command, capture_output=True, text=True, check=False, env=environment)
    found = re.search(r"I\s+refs:\s+([\d,]+)", finished.stderr)
    if finished.returncode != 0 or not found:
        raise SystemExit(f"cachegrind failed for {driver} {kind} {operation}:\n{finished.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def per_call(driver: str, kind: str, url: str, operation: str, calls: int) -> float:
    few, many = (instructions(driver, kind, url, operation, n) for n in (calls, 2 * calls))
    return (many - few) / calls


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200, help="calls counted per client and operation")
    parser.add_argument("--driver", choices=("sync", "async"), help="only this driver")
    parser.add_argument("--operation", choices=OPERATIONS, help="only this operation")
    parser.add_argument("--layers", action="store_true", help="count the layers of async_layers.py too")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        driver, kind, url, operation, calls = args.child
        child(driver, kind, url, operation, int(calls))
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed: this benchmark counts instructions with cachegrind")
    cases: List[Tuple[str, str, str]] = [
        (d, k, op)
        for op in OPERATIONS
        for d, k in (*CLIENTS, *(LAYERS if args.layers else ()))
        if args.driver in (None, d) and args.operation in (None, op)
    ]
    with canned_server() as server, ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        counts = pool.map(lambda case: per_call(case[0], case[1], server.url, case[2], args.calls), cases)
        counted = dict(zip(cases, counts))
    print(f"# Instructions per call (cachegrind, {args.calls} calls after {WARMUP} warm-up calls)\n")
    print("| call | driver | client | instructions/call | / floor | / floor, same guarantees (async) |")
    print("|---|---|---|---:|---:|---:|")
    for driver, kind, operation in cases:
        count = counted[driver, kind, operation]
        floor = counted[driver, FLOOR, operation]
        guaranteed = counted.get((driver, FLOOR_GUARANTEED, operation))
        against_guaranteed = "" if guaranteed is None else f"{count / guaranteed:.2f}"
        print(f"| {operation} | {driver} | {kind} | {count:,.0f} | {count / floor:.2f} | {against_guaranteed} |")


if __name__ == "__main__":
    main()
