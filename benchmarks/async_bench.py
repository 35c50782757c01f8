"""Measure what an AsyncApiClient call costs against the async floor: aiohttp plus pydantic doing the same work.

    python -m pip install -e ".[async]" && python benchmarks/async_bench.py

Against the canned-response server of benchmarks/server.py (a child process), each client makes
the calls of benchmarks/run.py: ``get_credential``, ``create_credential`` and ``get_credentials``
answering 1,000 credentials. Clients, all in one asyncio event loop:

- ``sparkfly_client``: ``AsyncApiClient`` and ``AsyncCredentialsApi``, default settings but for a
  pool of as many connections as tasks calling at once.
- ``aiohttp+json``: ``ClientSession.request``, ``await resp.read()`` and ``json.loads`` (no models).
- ``floor``: the same with ``model_validate_json`` into plain pydantic models (benchmarks/floor_models.py).
- ``floor, unknown fields kept``: the floor with models that keep unknown fields, as the SDK's do.
- ``floor, same guarantees``: that floor as an application would give it the SDK's guarantees with aiohttp's
  own settings: a client middleware that stops aiohttp resending a request on its own, and the SDK's default
  limits as a ``ClientTimeout`` (5 s to connect, 30 s without data, 60 s in all).

Each aiohttp client is one ``ClientSession`` with keep-alive and a connector of as many
connections as the SDK's pool. CPU is this process's CPU time (``time.process_time``), so the event
loop's own work is counted with the calls it runs. At concurrency 1 a round is one awaited call; at
concurrency N it is N calls gathered as N tasks on one client. Each client takes turns with the floor
alone, round by round (the order rotating from batch to batch; see ``common.floor_pairs``); each figure is
the median over batches after a warm-up, in µs per call (a round's CPU divided by its calls).

With ``--separate``, the SDK and ``floor, same guarantees`` are timed instead each in a warmed process of its own
(benchmarks/separate.py): per round and client a fresh interpreter times ``--batches`` batches (default 5) of each
call at 1 task and at ``--concurrency`` tasks and gives the median; ``--rounds`` rounds (default 5), the two taking
turns; a figure is the median over rounds, with the range of the rounds' ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import aiohttp  # noqa: E402
from common import (  # noqa: E402
    CREDENTIAL_ID,
    FLOOR,
    FLOOR_GUARANTEED,
    FLOOR_KEEPING,
    SDK,
    TOKEN,
    Timing,
    check_answers,
    floor_pairs,
    floor_request_body,
    load_average,
    paired_rows,
    rotated,
    sdk_calls,
    us,
)
from floor_models import (  # noqa: E402
    FloorCredentialList,
    FloorCredentialResponse,
    KeepingCredentialList,
    KeepingCredentialResponse,
)
from separate import report as report_separately  # noqa: E402
from server import canned_server  # noqa: E402

import sparkfly_client  # noqa: E402

AsyncCall = Callable[[], Awaitable[Any]]
#: (operation, concurrency) in the order they are measured, and the target of each: CPU / floor at most.
CASES: Tuple[Tuple[str, int, float], ...] = (
    ("get_credential", 1, 1.10),
    ("create_credential", 1, 1.10),
    ("get_credential", 64, 1.10),
    ("create_credential", 64, 1.10),
    ("get_credentials", 1, 1.15),
)


@dataclass
class AsyncClient:
    """One way of making the three calls; each callable makes one complete call and returns its result."""

    name: str
    calls: Dict[str, AsyncCall]
    close: Callable[[], Awaitable[None]]


# --- the clients ------------------------------------------------------------------------------


def sdk_client(url: str, connections: int) -> AsyncClient:
    configuration = sparkfly_client.Configuration(host=url, connection_pool_maxsize=connections)
    configuration.api_key["X-Auth-Token"] = TOKEN
    api_client = sparkfly_client.AsyncApiClient(configuration)
    return AsyncClient(SDK, sdk_calls(sparkfly_client.AsyncCredentialsApi(api_client)), api_client.close)


def aiohttp_client(
    name: str,
    url: str,
    connections: int,
    decode_one: Callable[[bytes], Any],
    decode_list: Callable[[bytes], Any],
    encode_input: Callable[[], bytes],
    **session_settings: Any,
) -> AsyncClient:
    """Raw aiohttp: one session (made here, so in the running event loop), the body read whole, then decoded."""
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections), **session_settings)
    headers = {"Accept": "application/json", "User-Agent": "bench", "X-Auth-Token": TOKEN}
    post_headers = {**headers, "Content-Type": "application/json"}
    one_url = f"{url}/v1.0/credentials/{CREDENTIAL_ID}"
    list_url = f"{url}/v1.0/credentials?member_id=56"
    create_url = f"{url}/v1.0/credentials"

    async def fetch(method: str, target: str, decoder: Callable[[bytes], Any], **kwargs: Any) -> Any:
        async with session.request(method, target, **kwargs) as response:
            return decoder(await response.read())

    return AsyncClient(
        name,
        {
            "get_credential": lambda: fetch("GET", one_url, decode_one, headers=headers),
            "create_credential": lambda: fetch(
                "POST", create_url, decode_one, data=encode_input(), headers=post_headers
            ),
            "get_credentials": lambda: fetch("GET", list_url, decode_list, headers=headers),
        },
        session.close,
    )


async def no_resend(
    request: aiohttp.ClientRequest, handler: Callable[[aiohttp.ClientRequest], Awaitable[aiohttp.ClientResponse]]
) -> aiohttp.ClientResponse:
    """aiohttp resends a GET, PUT or DELETE once when a kept-alive connection fails, unless the failure it sees
    is of another kind: the way an application stops it with aiohttp's own settings."""
    try:
        return await handler(request)
    except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError) as exc:
        raise RuntimeError("the connection failed; not resent") from exc


def client_makers(url: str, connections: int) -> Dict[str, Callable[[], AsyncClient]]:
    """Each client's maker by its name; a client is made in the running event loop."""

    def encode_json() -> bytes:
        return json.dumps({"credential": {"member_id": 56, "offer_id": 56, "channel_id": 56}}).encode()

    plain, keeping = (FloorCredentialResponse, FloorCredentialList), (KeepingCredentialResponse, KeepingCredentialList)
    return {
        SDK: lambda: sdk_client(url, connections),
        "aiohttp+json": lambda: aiohttp_client("aiohttp+json", url, connections, json.loads, json.loads, encode_json),
        FLOOR: lambda: aiohttp_client(
            FLOOR, url, connections, *(m.model_validate_json for m in plain), floor_request_body
        ),
        FLOOR_KEEPING: lambda: aiohttp_client(
            FLOOR_KEEPING, url, connections, *(m.model_validate_json for m in keeping), floor_request_body
        ),
        FLOOR_GUARANTEED: lambda: aiohttp_client(
            FLOOR_GUARANTEED,
            url,
            connections,
            *(m.model_validate_json for m in keeping),
            floor_request_body,
            middlewares=(no_resend,),
            timeout=aiohttp.ClientTimeout(total=60.0, sock_connect=5.0, sock_read=30.0),
        ),
    }


def make_clients(url: str, connections: int) -> List[AsyncClient]:
    return [make() for make in client_makers(url, connections).values()]


# --- measurements -----------------------------------------------------------------------------


async def check_results(clients: List[AsyncClient]) -> None:
    """Every client must decode the same answers, or the comparison is meaningless."""
    for client in clients:
        calls = client.calls
        one, many = await calls["get_credential"](), await calls["get_credentials"]()
        check_answers(client.name, one, many, await calls["create_credential"]())


def one_round(call: AsyncCall, concurrency: int) -> Callable[[], Awaitable[Any]]:
    """A round: one awaited call, or ``concurrency`` calls as tasks gathered at once."""
    if concurrency == 1:
        return call

    def gathered() -> Awaitable[Any]:
        return asyncio.gather(*(call() for _ in range(concurrency)))

    return gathered


def batch_plan(operation: str, tasks: int, scale: float) -> Tuple[int, int]:
    """(warm-up rounds, rounds per batch) of ``operation`` at ``tasks`` tasks."""
    calls_per_batch = 40 if operation == "get_credentials" else 1000
    rounds = max(1, int(calls_per_batch * scale) // tasks)
    return max(1, (5 if operation == "get_credentials" else 200) // tasks), rounds


async def time_alone(url: str, name: str, tasks: int, connections: int, batches: int, scale: float) -> Dict[str, float]:
    """One client, the only one in this process: the median of its batches' CPU per call of each call, in seconds."""
    client = client_makers(url, connections)[name]()
    medians = {}
    try:
        await check_results([client])
        for operation, call in client.calls.items():
            warmup, rounds = batch_plan(operation, tasks, scale)
            round_ = one_round(call, tasks)
            for _ in range(warmup):
                await round_()
            per_call = []
            for _ in range(batches):
                gc.collect()
                start = time.process_time()
                for _ in range(rounds):
                    await round_()
                per_call.append((time.process_time() - start) / (rounds * tasks))
            medians[operation] = statistics.median(per_call)
    finally:
        await client.close()
    return medians


async def time_rounds(
    clients: List[AsyncClient], operation: str, concurrency: int, warmup: int, rounds: int, batches: int
) -> Dict[str, Timing]:
    """Per-call CPU and wall time of each client, one figure per batch of ``rounds`` rounds per client."""
    timings = {client.name: Timing() for client in clients}
    for client in clients:
        round_ = one_round(client.calls[operation], concurrency)
        for _ in range(warmup):
            await round_()
    cpu_clock, wall_clock = time.process_time, time.perf_counter
    for batch in range(batches):
        turn = [(client.name, one_round(client.calls[operation], concurrency)) for client in rotated(clients, batch)]
        cpu = dict.fromkeys(timings, 0.0)
        wall = dict.fromkeys(timings, 0.0)
        gc.collect()
        for _ in range(rounds):
            for name, round_ in turn:
                cpu0, wall0 = cpu_clock(), wall_clock()
                await round_()
                cpu1, wall1 = cpu_clock(), wall_clock()
                cpu[name] += cpu1 - cpu0
                wall[name] += wall1 - wall0
        calls = rounds * concurrency
        for name, timing in timings.items():
            timing.cpu.append(cpu[name] / calls)
            timing.wall.append(wall[name] / calls)
    return timings


async def time_pairs(
    clients: List[AsyncClient], operation: str, concurrency: int, warmup: int, rounds: int, batches: int
) -> Dict[str, Dict[str, Timing]]:
    """Each client's timings in its pair with the floor (``common.floor_pairs``), by the client's name."""
    timed = {}
    for pair in floor_pairs(clients):
        timed[pair[1].name] = await time_rounds(pair, operation, concurrency, warmup, rounds, batches)
    return timed


# --- report -----------------------------------------------------------------------------------


async def measure(url: str, batches: int, scale: float, concurrency: int) -> Dict[Tuple[str, int], float]:
    """Print the table of CPU and wall per call; return the SDK's CPU / floor of each case."""
    cases = [(op, concurrency if c > 1 else 1, limit) for op, c, limit in CASES]
    clients = make_clients(url, max(c for _, c, _ in cases))
    ratios: Dict[Tuple[str, int], float] = {}
    against_guaranteed: Dict[Tuple[str, int], float] = {}
    try:
        await check_results(clients)
        print(
            "Each client takes turns with the floor alone, round by round; the floor's figures are of its turns "
            "with the SDK.\n"
        )
        print("| call | tasks | client | CPU µs/call | wall µs/call | floor CPU µs/call, same turns | CPU / floor |")
        print("|---|---:|---|---:|---:|---:|---:|")
        for operation, tasks, _ in cases:
            warmup, rounds = batch_plan(operation, tasks, scale)
            timed = await time_pairs(clients, operation, tasks, warmup, rounds, batches)
            for name, timing, floor_timing in paired_rows(timed):
                cpu, wall = statistics.median(timing.cpu), statistics.median(timing.wall)
                floor_cpu = statistics.median(floor_timing.cpu)
                if name == SDK:
                    ratios[operation, tasks] = cpu / floor_cpu
                    guaranteed = timed[FLOOR_GUARANTEED]  # each against the floor of its own turns
                    against_guaranteed[operation, tasks] = (cpu / floor_cpu) / (
                        statistics.median(guaranteed[FLOOR_GUARANTEED].cpu) / statistics.median(guaranteed[FLOOR].cpu)
                    )
                print(
                    f"| {operation} | {tasks} | {name} | {us(cpu)} | {us(wall)} | {us(floor_cpu)} | "
                    f"{cpu / floor_cpu:.2f} |"
                )
    finally:
        for client in clients:
            await client.close()
    print("\n| target | measured | met |")
    print("|---|---:|---|")
    for operation, tasks, limit in cases:
        ratio = ratios[operation, tasks]
        print(
            f"| {operation}, {tasks} task{'s' if tasks > 1 else ''}: CPU / floor <= {limit:.2f} | {ratio:.2f} | "
            f"{'yes' if ratio <= limit else 'no'} |"
        )
    print(
        "\nFor comparison, not a target: the SDK against the floor with the same guarantees, derived across two "
        "pairs as (SDK / floor) / (floor with the same guarantees / floor), each against the floor of its own "
        "turns.\n"
    )
    print("| call | tasks | CPU / floor, same guarantees |")
    print("|---|---:|---:|")
    for operation, tasks, _ in cases:
        print(f"| {operation} | {tasks} | {against_guaranteed[operation, tasks]:.2f} |")
    return ratios


def report(batches: int = 9, scale: float = 1.0, concurrency: int = 64, heading: str = "##") -> None:
    """The async section of the report, against a canned server of its own."""
    import pydantic

    print(f"{heading} Async client (AsyncApiClient) against aiohttp + pydantic\n")
    print(
        f"aiohttp {aiohttp.__version__}, pydantic {pydantic.VERSION}, asyncio's default event loop. "
        f"Each figure: median of {batches} batches after warm-up; calls per batch and client "
        f"{max(1, int(1000 * scale))} (small calls), {max(1, int(40 * scale))} (list). "
        f"Connections per client: {concurrency}.\n"
    )
    with canned_server() as server:
        asyncio.run(measure(server.url, batches, scale, concurrency))


def parse_options(
    description: str, argv: Optional[List[str]], batches: int, timed: str, separate: bool = False
) -> argparse.Namespace:
    """``--batches``, ``--scale`` and ``--concurrency``, checked; ``timed`` names what a batch times. With
    ``separate``, also ``--separate`` and ``--rounds``, and the options of a child timing one client alone."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    default = f"default {batches}{', 5 with --separate' if separate else ''}"
    parser.add_argument("--batches", type=int, help=f"timed batches per {timed} (at least 5; {default})")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the calls per batch (0.2 for a quick run)")
    parser.add_argument("--concurrency", type=int, default=64, help="tasks calling at once on one client")
    if separate:
        parser.add_argument("--separate", action="store_true", help=f"time {SDK} and {FLOOR_GUARANTEED}, each alone")
        parser.add_argument("--rounds", type=int, default=5, help="with --separate: rounds of one process per client")
        for child_option in ("--alone", "--url", "--tasks"):  # a child's, from --separate
            parser.add_argument(child_option, type=int if child_option == "--tasks" else str, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    one_client_a_process = separate and (args.separate or args.alone is not None)
    args.batches = (5 if one_client_a_process else batches) if args.batches is None else args.batches
    if args.batches < 5:
        parser.error("--batches must be at least 5")
    if one_client_a_process and args.concurrency < 1:
        parser.error("--concurrency must be at least 1")
    if not one_client_a_process and args.concurrency < 2:
        parser.error("--concurrency must be at least 2 (concurrency 1 is always measured)")
    if separate and args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_options(__doc__ or "", argv, batches=9, timed="client and case", separate=True)
    if args.alone is not None:
        medians = asyncio.run(time_alone(args.url, args.alone, args.tasks, args.concurrency, args.batches, args.scale))
        print(json.dumps(medians))
        return
    print("# sparkfly_client async benchmark\n")
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.python_implementation()} "
        f"{platform.python_version()}; load average at start {load_average():.2f}.\n"
    )
    if args.separate:
        report_separately(Path(__file__).resolve(), args.batches, args.scale, args.concurrency, args.rounds)
    else:
        report(args.batches, args.scale, args.concurrency)
    print(f"\nLoad average at end: {load_average():.2f}.")


if __name__ == "__main__":
    main()
