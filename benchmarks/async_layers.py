"""Where a small async call's CPU goes, layer by layer, against the floor of benchmarks/async_bench.py.

    python -m pip install -e ".[async]" && python benchmarks/async_layers.py

The async small-call target is the SDK's CPU at most 1.10 of raw aiohttp + pydantic. This measures, in one
event loop and taking turns with the floor as async_bench.py does (each layer in a pair with the floor), what
each layer between the two costs:

- ``floor``: aiohttp + pydantic, as in async_bench.py.
- ``transport alone``: the SDK's aiohttp transport sending a request the SDK built once (only a create's body
  is made and encoded per call, as the floor does), and the SDK's model validating the answer. Every
  guarantee the transport keeps is in: the attempt's time limits on the transport's one timer, the middleware
  that stops aiohttp resending a request on its own, the connector that says when the connection is ready.
- ``least pipeline``: the least a client of the SDK's shape does on top of that transport: the operation's
  declaration makes the call's data, a request is built from it (the path argument checked, the body validated
  and encoded), a plan generator yields the exchange with its limits cut to the call's deadline, a driver steps
  the plan, and the body is decoded into the model. Nothing else: no per-call options, no credential choice, no
  token flow, no retry or deadline decisions beyond the status check, no logging, no error decoding. It is not a
  client anyone should use; it shows what the structure alone costs.
- ``sparkfly_client``: the SDK, as in async_bench.py.

The layers use the SDK's internals (``_transport``, ``_builder``, ``Send``): this file follows them when they
change. Each figure is the median over batches after a warm-up, in µs of this process's CPU per call.
"""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import sys
from pathlib import Path
from typing import Any, Callable, Dict, Generator, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from async_bench import AsyncCall, AsyncClient, aiohttp_client, parse_options, sdk_client, time_pairs  # noqa: E402
from common import ANSWERED_ID, CREDENTIAL_ID, FLOOR, TOKEN, floor_request_body, load_average, paired_rows, us  # noqa: E402
from floor_models import FloorCredentialList, FloorCredentialResponse  # noqa: E402
from server import canned_server  # noqa: E402

import sparkfly_client  # noqa: E402
from sparkfly_client._steps import (  # noqa: E402
    PreparedRequest,  # noqa: E402
    Response,
    Send,
)
from sparkfly_client.api.credentials_api import CredentialsOperations  # noqa: E402
from sparkfly_client.models._base import REVEAL_SECRETS  # noqa: E402

TRANSPORT = "transport alone"
LEAST = "least pipeline"
OPERATIONS = ("get_credential", "create_credential")


def _declared_calls(api: Any) -> Dict[str, Tuple[Any, Tuple[Any, ...], Callable[[], Dict[str, Any]]]]:
    """Each operation's declaration, and the arguments of the benchmark's call (the body made anew per call)."""

    def create_arguments() -> Dict[str, Any]:
        credential = sparkfly_client.CredentialInput(member_id=56, offer_id=56, channel_id=56)
        return {"credential_input_request": sparkfly_client.CredentialInputRequest(credential=credential)}

    return {
        "get_credential": (CredentialsOperations.get_credential.declaration, (api, CREDENTIAL_ID), dict),
        "create_credential": (CredentialsOperations.create_credential.declaration, (api,), create_arguments),
    }


def _encoded(model: Any) -> bytes:
    encoded: bytes = model.model_dump_json(by_alias=True, exclude_unset=True, context=REVEAL_SECRETS).encode()
    return encoded


def _layer_clients(url: str, connections: int) -> List[AsyncClient]:
    """The transport alone and the least pipeline, on one AsyncApiClient of the SDK's."""
    configuration = sparkfly_client.Configuration(host=url, connection_pool_maxsize=connections)
    configuration.api_key["X-Auth-Token"] = TOKEN
    api_client = sparkfly_client.AsyncApiClient(configuration)
    api = sparkfly_client.AsyncCredentialsApi(api_client)
    transport = api_client._transport
    max_body = configuration.max_response_bytes
    declared = _declared_calls(api)

    def transport_call(operation: str) -> AsyncCall:
        declaration, args, arguments = declared[operation]
        shared = api_client._builder.build(declaration(*args, **arguments()))  # the URL, headers and limits
        returns = shared.endpoint.returns

        def per_call() -> PreparedRequest:
            # Like the floor, a body is made and encoded per call; everything else was built once.
            if shared.endpoint.body is None:
                return shared
            body = _encoded(shared.endpoint.coerce_body(arguments()))
            headers = {**shared.headers, "Content-Length": str(len(body))}
            return PreparedRequest(
                shared.endpoint, shared.url, headers, body, shared.timeouts, shared.deadline, shared.policy, False
            )

        async def call() -> Any:
            request = per_call()
            response = await transport.send(Send(request, request.headers, request.timeouts, True, max_body))
            return returns.model_validate_json(_answered(response).body)

        return call

    def least_call(operation: str) -> AsyncCall:
        declaration, args, arguments = declared[operation]
        shared = api_client._builder.build(declaration(*args, **arguments()))  # the headers and limits of every call
        base = api_client._builder._current().base

        def build(call: Any) -> PreparedRequest:
            endpoint = call.endpoint
            headers = dict(shared.headers)
            body = None
            if endpoint.body is not None:
                body = _encoded(endpoint.coerce_body(call.args))
                headers["Content-Length"] = str(len(body))
            url = base + endpoint.render_path(call.args)
            return PreparedRequest(endpoint, url, headers, body, shared.timeouts, 60.0, shared.policy, False)

        def plan(request: PreparedRequest) -> Generator[Send, Any, Response]:
            deadline_at = api_client._clock.monotonic() + 60.0
            limits = request.timeouts.within(deadline_at - api_client._clock.monotonic())
            response = _answered((yield Send(request, request.headers, limits, True, max_body)))
            if response.status in request.policy.statuses:  # the retry check alone: the canned server never asks
                raise SystemExit(f"the server asked for a retry: {response.status}")
            return response

        async def drive(steps: Generator[Send, Any, Response]) -> Response:
            outcome = None
            while True:
                try:
                    step = steps.send(outcome)
                except StopIteration as done:
                    return done.value
                outcome = await transport.send(step)

        async def call() -> Any:
            request = build(declaration(*args, **arguments()))
            response = await drive(plan(request))
            if 200 <= response.status < 300:
                return request.endpoint.returns.model_validate_json(response.body)
            raise SystemExit(f"{operation} answered {response.status}")

        return call

    return [
        AsyncClient(TRANSPORT, {operation: transport_call(operation) for operation in OPERATIONS}, api_client.close),
        AsyncClient(LEAST, {operation: least_call(operation) for operation in OPERATIONS}, _nothing),
    ]


def _answered(outcome: Any) -> Response:
    if not isinstance(outcome, Response):
        raise SystemExit(f"the exchange failed: {outcome}")
    return outcome


async def _nothing() -> None:
    return None


def make_clients(url: str, connections: int) -> List[AsyncClient]:
    plain = (FloorCredentialResponse.model_validate_json, FloorCredentialList.model_validate_json)
    return [
        aiohttp_client(FLOOR, url, connections, *plain, floor_request_body),
        *_layer_clients(url, connections),
        sdk_client(url, connections),
    ]


async def check_results(clients: List[AsyncClient]) -> None:
    """Every layer must decode the same answers, or the comparison is meaningless."""
    for client in clients:
        for operation in OPERATIONS:
            answer = await client.calls[operation]()
            if answer.credential.id != ANSWERED_ID:
                raise SystemExit(f"{client.name} decoded an unexpected answer to {operation}: {answer!r}")


async def measure(url: str, batches: int, scale: float, concurrency: int) -> Dict[Tuple[str, int, str], float]:
    """Print each layer's CPU per call and its ratio to the floor; return the ratios."""
    clients = make_clients(url, concurrency)
    ratios: Dict[Tuple[str, int, str], float] = {}
    try:
        await check_results(clients)
        print("| call | tasks | layer | CPU µs/call | floor CPU µs/call, same turns | CPU / floor |")
        print("|---|---:|---|---:|---:|---:|")
        for operation in OPERATIONS:
            for tasks in (1, concurrency):
                rounds = max(1, int(1000 * scale) // tasks)
                timed = await time_pairs(clients, operation, tasks, max(1, 200 // tasks), rounds, batches)
                for name, timing, floor_timing in paired_rows(timed):
                    cpu, floor_cpu = statistics.median(timing.cpu), statistics.median(floor_timing.cpu)
                    ratios[operation, tasks, name] = cpu / floor_cpu
                    print(f"| {operation} | {tasks} | {name} | {us(cpu)} | {us(floor_cpu)} | {cpu / floor_cpu:.2f} |")
    finally:
        for client in clients:
            await client.close()
    return ratios


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_options(__doc__ or "", argv, batches=15, timed="layer and case")
    print("# sparkfly_client async call, layer by layer\n")
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.python_implementation()} "
        f"{platform.python_version()}; load average at start {load_average():.2f}. Median of {args.batches} batches, "
        f"{max(1, int(1000 * args.scale))} calls per batch and layer.\n"
    )
    with canned_server() as server:
        asyncio.run(measure(server.url, args.batches, args.scale, args.concurrency))
    print(f"\nLoad average at end: {load_average():.2f}.")


if __name__ == "__main__":
    main()
