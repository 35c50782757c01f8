"""What the benchmarks share: the clients' names, the calls' arguments, the pairing of each client with the
floor, and the formatting of the figures.

It imports no benchmark script (only ``floor_models``, ``server`` and the SDK), and each script imports only this
module and scripts listed before it here, so they form no import circle: ``cold_start.py``, ``separate.py`` (it
runs ``async_bench.py`` in child processes by the command it is handed, without importing it), ``async_bench.py``,
``run.py`` (``cold_start``, and ``async_bench`` for its async section), ``async_layers.py`` (``async_bench``),
``instructions.py`` (``run``, ``async_bench``, ``async_layers``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Tuple

from floor_models import FloorCredentialInput, FloorCredentialInputRequest
from server import LIST_SIZE

import sparkfly_client

TOKEN = "bench-token"
CREDENTIAL_ID = 56
#: the id of the credential in the canned answers of get_credential and create_credential (benchmarks/server.py)
ANSWERED_ID = 1056
FLOOR = "floor"
FLOOR_KEEPING = "floor, unknown fields kept"
#: the floor as an application gives it the SDK's guarantees with aiohttp's own settings (benchmarks/async_bench.py)
FLOOR_GUARANTEED = "floor, same guarantees"
SDK = "sparkfly_client"


def sdk_calls(api: Any) -> Dict[str, Callable[[], Any]]:
    """The three calls on a ``CredentialsApi`` or an ``AsyncCredentialsApi`` (whose calls return coroutines)."""

    def create() -> Any:
        request = sparkfly_client.CredentialInputRequest(
            credential=sparkfly_client.CredentialInput(member_id=56, offer_id=56, channel_id=56)
        )
        return api.create_credential(credential_input_request=request)

    return {
        "get_credential": lambda: api.get_credential(CREDENTIAL_ID),
        "create_credential": create,
        "get_credentials": lambda: api.get_credentials(member_id=56),
    }


def floor_request_body() -> bytes:
    """The floor's create body, validated and encoded as a model (as the SDK does), made anew per call."""
    request = FloorCredentialInputRequest(credential=FloorCredentialInput(member_id=56, offer_id=56, channel_id=56))
    return request.model_dump_json(exclude_unset=True).encode()


def check_answers(client: str, one: Any, many: Any, created: Any) -> None:
    """Every client must decode the same answers, or the comparison is meaningless: ``one`` and ``created`` are
    the answers of ``get_credential`` and ``create_credential``, ``many`` that of ``get_credentials``, each a
    model or a dict."""
    one_id = one["credential"]["id"] if isinstance(one, dict) else one.credential.id
    count = len(many["credentials"]) if isinstance(many, dict) else len(many.credentials)
    created_id = created["credential"]["id"] if isinstance(created, dict) else created.credential.id
    if (one_id, created_id) != (ANSWERED_ID, ANSWERED_ID) or count != LIST_SIZE:
        raise SystemExit(f"{client} decoded unexpected answers: {one_id}, {created_id}, {count} credentials")


# --- pairing and timing -----------------------------------------------------------------------


@dataclass
class Timing:
    cpu: List[float] = field(default_factory=list)  # seconds per call, one entry per batch
    wall: List[float] = field(default_factory=list)


def rotated(clients: List[Any], batch: int) -> List[Any]:
    """The clients in the order of their turns in ``batch``: the first moves one place each batch."""
    return clients[batch % len(clients) :] + clients[: batch % len(clients)]


def floor_pairs(clients: List[Any]) -> List[List[Any]]:
    """The floor with each other client: the clients are timed pair by pair, taking turns call by call.

    Taking turns with every client at once favoured whatever code the most of them share: the floor's
    (urllib3 or aiohttp, and pydantic, as the other raw clients run it) stayed in the CPU's caches between its
    own calls, the SDK's own code did not. In a pair, each one's code runs between two calls of the other's.
    """
    floor = next(client for client in clients if client.name == FLOOR)
    return [[floor, client] for client in clients if client is not floor]


def paired_rows(timed: Dict[str, Dict[str, Timing]]) -> List[Tuple[str, Timing, Timing]]:
    """(client, its timing, the floor's timing in the same turns), the floor first (its turns with the SDK),
    from each client's pair's timings."""
    return [(FLOOR, timed[SDK][FLOOR], timed[SDK][FLOOR]), *((name, t[name], t[FLOOR]) for name, t in timed.items())]


# --- report -----------------------------------------------------------------------------------


def load_average() -> float:
    """The one-minute load average, or NaN where the platform has none."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def us(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f}"
