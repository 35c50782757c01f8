"""The async SDK against the floor with the same guarantees, each timed in a warmed process of its own, the two
taking turns round by round: ``python benchmarks/async_bench.py --separate``.

For each concurrency, each round starts a fresh interpreter per client, one client after the other (the one to go
first alternating from round to round), all against one canned server (benchmarks/server.py). A child warms its
client up, times batches of each call and prints the median CPU per call of each (its own ``time.process_time``)
as one line of JSON. A client's figure is the median over rounds; the ratio is the SDK's figure over the floor's,
and the range is the lowest and highest of the rounds' own ratios.

It imports no benchmark script but ``common`` and ``server``: a child is ``async_bench.py --alone``, run by its
path.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

import aiohttp
import pydantic
from common import FLOOR_GUARANTEED, SDK, us
from server import canned_server

#: (client name, tasks calling at once) -> the argv of a child timing that client alone
ChildCommand = Callable[[str, int], List[str]]
#: per client, per call: the seconds of CPU per call of each round's child
RoundFigures = Dict[str, Dict[str, List[float]]]
#: the floor, then the client measured against it
CLIENTS = (FLOOR_GUARANTEED, SDK)


@dataclass
class Row:
    """One call's line of a table: each client's median over rounds, their ratio and its range over rounds."""

    call: str
    floor: float
    client: float
    ratio: float
    lowest: float
    highest: float


def turn_order(clients: Tuple[str, str], round_: int) -> Tuple[str, str]:
    """The clients in the order their processes run in ``round_``: the first goes first in even rounds."""
    return clients if round_ % 2 == 0 else (clients[1], clients[0])


def run_child(command: List[str]) -> Dict[str, float]:
    """Run one child to its end; its last line of output is ``{call: seconds of CPU per call}``."""
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"{command[1:]} failed ({done.returncode}):\n{done.stderr}")
    figures: Dict[str, float] = json.loads(done.stdout.splitlines()[-1])
    return figures


def time_rounds(child: ChildCommand, clients: Tuple[str, str], tasks: int, rounds: int) -> RoundFigures:
    """Each client's figures, one per round, each from a fresh process of its own."""
    figures: RoundFigures = {name: {} for name in clients}
    for round_ in range(rounds):
        for name in turn_order(clients, round_):
            for call, seconds in run_child(child(name, tasks)).items():
                figures[name].setdefault(call, []).append(seconds)
    return figures


def rows(figures: RoundFigures, clients: Tuple[str, str]) -> List[Row]:
    """One row per call, in the order the children timed them: ``clients`` is (the floor, the client)."""
    floor, client = (figures[name] for name in clients)
    table = []
    for call, floor_rounds in floor.items():
        client_rounds = client[call]
        ratios = [mine / theirs for mine, theirs in zip(client_rounds, floor_rounds)]
        floor_median, client_median = statistics.median(floor_rounds), statistics.median(client_rounds)
        table.append(Row(call, floor_median, client_median, client_median / floor_median, min(ratios), max(ratios)))
    return table


def print_table(table: Sequence[Row], clients: Tuple[str, str], tasks: int) -> None:
    print(f"\n### {tasks} task{'s' if tasks > 1 else ''} at once\n")
    print(f"| call | {clients[0]}: CPU µs/call | {clients[1]}: CPU µs/call | CPU / floor | range over rounds |")
    print("|---|---:|---:|---:|---|")
    for row in table:
        print(
            f"| {row.call} | {us(row.floor)} | {us(row.client)} | {row.ratio:.2f} | "
            f"{row.lowest:.2f} to {row.highest:.2f} |"
        )


def report(script: Path, batches: int, scale: float, concurrency: int, rounds: int) -> None:
    """Time the two clients at 1 task and at ``concurrency`` against one canned server, each child being ``script``
    (async_bench.py) run with ``--alone``; print a table for each concurrency."""
    started = time.perf_counter()
    concurrencies = sorted({1, concurrency})
    print(f"## Async client (AsyncApiClient) against `{FLOOR_GUARANTEED}`, each in a process of its own\n")
    print(
        f"aiohttp {aiohttp.__version__}, pydantic {pydantic.VERSION}, asyncio's default event loop. The floor: "
        f"`{FLOOR_GUARANTEED}` (aiohttp + pydantic models keeping unknown fields, aiohttp's own resend stopped by "
        "a client middleware, the SDK's default limits as a `ClientTimeout`). Per round, each client in a fresh "
        "process of its own (one canned server for all), the two taking turns, the first alternating: warm-up, "
        f"then {batches} batches of each call, {max(1, int(1000 * scale))} calls per batch (small calls), "
        f"{max(1, int(40 * scale))} (list; at least one round of as many calls as tasks); a process gives the "
        f"median of its batches' CPU (its own `time.process_time`) per call. Connections per client: "
        f"{concurrency}. Each figure: median of {rounds} rounds; ratio: {SDK} / floor of those medians; range: "
        "the lowest and highest of the rounds' own ratios."
    )
    with canned_server() as server:

        def child(name: str, tasks: int) -> List[str]:
            options = (
                f"--url={server.url} --tasks={tasks} --concurrency={concurrency} --batches={batches} --scale={scale}"
            )
            return [sys.executable, str(script), "--alone", name, *options.split()]

        for tasks in concurrencies:
            print_table(rows(time_rounds(child, CLIENTS, tasks, rounds), CLIENTS), CLIENTS, tasks)
    print(f"\nRun time: {time.perf_counter() - started:.0f} s ({rounds * len(concurrencies) * 2} processes).")
