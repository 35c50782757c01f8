"""The sandbox's routes: one handler per operation and control call, and the routing table.

A handler gets the sandbox as :class:`SandboxControls`, what it needs of it, and the :class:`Request`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import quote

from sparkfly_client.sandbox.errors import HttpError, SparkflyError
from sparkfly_client.sandbox.exchange import (
    CUSTOMER,
    OPEN,
    SPARKFLY,
    Reply,
    Request,
    SandboxControls,
    same_secret,
)
from sparkfly_client.sandbox.faults import Fault
from sparkfly_client.sandbox.search import DEFAULT_PER_PAGE, CredentialSearch

__all__ = ["Route", "ROUTES", "MethodNotAllowed", "AUTH_PATH"]

#: The path of the token exchange: open, and not counted against the rate limit.
AUTH_PATH = "/auth"

Handler = Callable[[SandboxControls, Request], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    family: str
    handler: Handler


# --- handlers: one per operation ---------------------------------------------------------------


def _credential(status: int, credential: Dict[str, Any], headers: Optional[Dict[str, str]] = None) -> Reply:
    return Reply(status, {"credential": credential, "errors": {}}, headers or {})


def _authenticate(sandbox: SandboxControls, request: Request) -> Reply:
    """``GET`` or ``POST /auth``; an ``X-Auth-Scope`` (the token's API scope) is accepted, every scope alike."""
    identity, key = request.header("X-Auth-Identity"), request.header("X-Auth-Key")
    if not (same_secret(identity, sandbox.identity) and same_secret(key, sandbox.key)):
        raise HttpError(401, {"error": "Invalid credentials"})
    return Reply(204, headers={"X-Auth-Token": sandbox.issue_token()})


def _create(sandbox: SandboxControls, request: Request) -> Reply:
    credential = sandbox.state.create_credential(request.json())
    return _credential(201, credential, {"Location": f"{sandbox.url}/v1.0/credentials/{credential['id']}"})


def _list(sandbox: SandboxControls, request: Request) -> Reply:
    page = request.int_query("page", 1)
    per_page = request.int_query("per_page", DEFAULT_PER_PAGE)
    assert page is not None and per_page is not None
    try:
        search = CredentialSearch.from_query(request.every)
    except ValueError as exc:
        raise SparkflyError(400, str(exc)) from None
    return Reply(200, sandbox.state.list_credentials(search, page, per_page))


def _eligible(sandbox: SandboxControls, request: Request) -> Reply:
    member_id = request.int_query("member_id", required=True)
    offer_id = request.int_query("offer_id", required=True)
    assert member_id is not None and offer_id is not None
    return Reply(200, sandbox.state.eligibility(member_id, offer_id))


def _get(sandbox: SandboxControls, request: Request) -> Reply:
    return _credential(200, sandbox.state.get_credential(request.int_param("credential_id")))


def _update(sandbox: SandboxControls, request: Request) -> Reply:
    return _credential(201, sandbox.state.update_credential(request.int_param("credential_id"), request.json()))


def _delete(sandbox: SandboxControls, request: Request) -> Reply:
    return _credential(200, sandbox.state.delete_credential(request.int_param("credential_id")))


def _redeem(sandbox: SandboxControls, request: Request) -> Reply:
    return _credential(201, sandbox.state.redeem_credential(request.int_param("credential_id")))


def _void(sandbox: SandboxControls, request: Request) -> Reply:
    return _credential(201, sandbox.state.void_credential(request.int_param("credential_id")))


def _upsert(sandbox: SandboxControls, request: Request) -> Reply:
    resource_id = request.params["id"]
    created, record = sandbox.state.upsert_customer_credential(resource_id, request.json())
    record["_links"] = [
        {"href": f"{sandbox.url}/credentials/{quote(resource_id, safe='')}", "rel": "self"},
        {"href": f"{sandbox.url}/customers/{quote(record['customerId'], safe='')}", "rel": "customer"},
    ]
    return Reply(201 if created else 200, record)


def _add_fault(sandbox: SandboxControls, request: Request) -> Reply:
    try:
        fault = sandbox.faults.add(Fault.from_dict(request.json() or {}))
    except (TypeError, ValueError) as exc:
        raise SparkflyError(400, "Invalid fault", str(exc)) from None
    return Reply(201, fault.to_dict())


def _list_faults(sandbox: SandboxControls, request: Request) -> Reply:
    return Reply(200, [fault.to_dict() for fault in sandbox.faults.pending()])


def _clear_faults(sandbox: SandboxControls, request: Request) -> Reply:
    sandbox.clear_faults()
    return Reply(204)


def _expire_tokens(sandbox: SandboxControls, request: Request) -> Reply:
    sandbox.expire_tokens()
    return Reply(204)


def _lock(sandbox: SandboxControls, request: Request) -> Reply:
    return _credential(200, sandbox.state.set_locked(request.int_param("credential_id"), True))


def _unlock(sandbox: SandboxControls, request: Request) -> Reply:
    return _credential(200, sandbox.state.set_locked(request.int_param("credential_id"), False))


def _reset(sandbox: SandboxControls, request: Request) -> Reply:
    sandbox.reset()
    return Reply(204)


def _route(method: str, path: str, family: str, handler: Handler) -> Route:
    # "{name}" is one path segment; a ".json" suffix is accepted as the real API accepts it.
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+?)", re.escape(path).replace(r"\{", "{").replace(r"\}", "}"))
    suffix = r"(?:\.json)?" if family == SPARKFLY else ""
    return Route(method, re.compile(f"^{regex}{suffix}$"), family, handler)


ROUTES: Tuple[Route, ...] = (
    _route("GET", AUTH_PATH, OPEN, _authenticate),
    _route("POST", AUTH_PATH, OPEN, _authenticate),
    _route("POST", "/v1.0/credentials", SPARKFLY, _create),
    _route("GET", "/v1.0/credentials", SPARKFLY, _list),
    _route("GET", "/v1.0/credentials/eligible", SPARKFLY, _eligible),
    _route("GET", "/v1.0/credentials/{credential_id}", SPARKFLY, _get),
    _route("PUT", "/v1.0/credentials/{credential_id}", SPARKFLY, _update),
    _route("DELETE", "/v1.0/credentials/{credential_id}", SPARKFLY, _delete),
    _route("PUT", "/v1.0/credentials/{credential_id}/redeem", SPARKFLY, _redeem),
    _route("PUT", "/v1.0/credentials/{credential_id}/void", SPARKFLY, _void),
    _route("PUT", "/credentials/{id}", CUSTOMER, _upsert),
    _route("POST", "/__sandbox/faults", OPEN, _add_fault),
    _route("GET", "/__sandbox/faults", OPEN, _list_faults),
    _route("DELETE", "/__sandbox/faults", OPEN, _clear_faults),
    _route("POST", "/__sandbox/reset", OPEN, _reset),
    _route("DELETE", "/__sandbox/tokens", OPEN, _expire_tokens),
    _route("POST", "/__sandbox/credentials/{credential_id}/lock", OPEN, _lock),
    _route("DELETE", "/__sandbox/credentials/{credential_id}/lock", OPEN, _unlock),
)


class MethodNotAllowed(HttpError):
    def __init__(self, allowed: List[str], request: Request) -> None:
        body = SparkflyError(405, "Method Not Allowed", f"{request.path} allows {', '.join(allowed)}").body
        super().__init__(405, body)
        self.headers["Allow"] = ", ".join(allowed)
