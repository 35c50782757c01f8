"""The sandbox's routes: what a request looks like to a handler, one handler per route, the routing table."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Tuple
from urllib.parse import parse_qsl, quote

from sparkfly_client.sandbox.faults import Fault
from sparkfly_client.sandbox.limits import (
    JsonTooDeep,
    parse_json,
)
from sparkfly_client.sandbox.search import DEFAULT_PER_PAGE, CredentialSearch, parse_int
from sparkfly_client.sandbox.state import HttpError, ProblemError, SparkflyError

if TYPE_CHECKING:
    from sparkfly_client.sandbox.server import Sandbox

__all__ = ["Request", "Reply", "RecordedRequest", "Route", "ROUTES"]


SPARKFLY = "sparkfly"  # X-Auth-Token; errors as BadRequestObject
CUSTOMER = "customer"  # REB-APIKEY or Bearer JWT; errors as RFC 7807 problems
OPEN = "open"  # no credentials: /auth itself and the /__sandbox control routes


@dataclass
class Request:
    method: str
    path: str
    params: Dict[str, str]
    query: Dict[str, str]
    headers: Mapping[str, str]  # names in lower case
    body: bytes
    family: str
    #: the query string as sent: ``query`` keeps one value per name, :meth:`every` all of them
    raw_query: str = ""

    def every(self, name: str) -> List[str]:
        """Every value sent for a query parameter, in order (``ids=1&ids=2``)."""
        return [value for key, value in parse_qsl(self.raw_query, keep_blank_values=True) if key == name]

    def header(self, name: str) -> Optional[str]:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        """The body's JSON value; ``None`` when there is no body (a body of ``null`` is refused)."""
        if not self.body:
            return None
        try:
            value = parse_json(self.body)
        except JsonTooDeep as too_deep:
            raise self._invalid_body(str(too_deep)) from None
        except ValueError:
            raise self._invalid_body("must be valid JSON") from None
        if value is None:
            raise self._invalid_body("must be a JSON object, not null")
        return value

    def _invalid_body(self, problem: str) -> HttpError:
        if self.family == CUSTOMER:
            return ProblemError(
                422, "Invalid data was sent", f"The body {problem}.", [{"field": "body", "message": problem}]
            )
        return SparkflyError(400, "Error parsing request", f"The body {problem}")

    def int_param(self, name: str) -> int:
        """A path id; one that is not a positive integer names no credential."""
        value = parse_int(self.params[name])
        if value is None:
            raise SparkflyError(404, "Not Found", f"Credential with ID {self.params[name]} not found")
        return value

    def int_query(self, name: str, default: Optional[int] = None, required: bool = False) -> Optional[int]:
        text = self.query.get(name)
        if text is None or text == "":
            if required:
                raise SparkflyError(400, f"{name} is required")
            return default
        value = parse_int(text)
        if value is None:
            raise SparkflyError(400, f"{name} must be a positive 64-bit integer")
        return value


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: Dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"


@dataclass(frozen=True)
class RecordedRequest:
    """What the sandbox saw (no headers: they carry credentials) and the status of its answer (0: dropped
    unhandled); ``answered`` is ``False`` when no answer went out (dropped, or handled and its answer lost)."""

    method: str
    path: str
    query: Dict[str, str]
    status: int
    answered: bool = True


Handler = Callable[["Sandbox", Request], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    family: str
    handler: Handler


# --- handlers: one per operation ---------------------------------------------------------------


def _credential(status: int, credential: Dict[str, Any], headers: Optional[Dict[str, str]] = None) -> Reply:
    return Reply(status, {"credential": credential, "errors": {}}, headers or {})


def _authenticate(sandbox: Sandbox, request: Request) -> Reply:
    """``GET`` or ``POST /auth``; an ``X-Auth-Scope`` (the token's API scope) is accepted, every scope alike."""
    identity, key = request.header("X-Auth-Identity"), request.header("X-Auth-Key")
    if not (_same(identity, sandbox.identity) and _same(key, sandbox.key)):
        raise HttpError(401, {"error": "Invalid credentials"})
    return Reply(204, headers={"X-Auth-Token": sandbox.issue_token()})


def _create(sandbox: Sandbox, request: Request) -> Reply:
    credential = sandbox.state.create_credential(request.json())
    return _credential(201, credential, {"Location": f"{sandbox.url}/v1.0/credentials/{credential['id']}"})


def _list(sandbox: Sandbox, request: Request) -> Reply:
    page = request.int_query("page", 1)
    per_page = request.int_query("per_page", DEFAULT_PER_PAGE)
    assert page is not None and per_page is not None
    try:
        search = CredentialSearch.from_query(request.every)
    except ValueError as exc:
        raise SparkflyError(400, str(exc)) from None
    return Reply(200, sandbox.state.list_credentials(search, page, per_page))


def _eligible(sandbox: Sandbox, request: Request) -> Reply:
    member_id = request.int_query("member_id", required=True)
    offer_id = request.int_query("offer_id", required=True)
    assert member_id is not None and offer_id is not None
    return Reply(200, sandbox.state.eligibility(member_id, offer_id))


def _get(sandbox: Sandbox, request: Request) -> Reply:
    return _credential(200, sandbox.state.get_credential(request.int_param("credential_id")))


def _update(sandbox: Sandbox, request: Request) -> Reply:
    return _credential(201, sandbox.state.update_credential(request.int_param("credential_id"), request.json()))


def _delete(sandbox: Sandbox, request: Request) -> Reply:
    return _credential(200, sandbox.state.delete_credential(request.int_param("credential_id")))


def _redeem(sandbox: Sandbox, request: Request) -> Reply:
    return _credential(201, sandbox.state.redeem_credential(request.int_param("credential_id")))


def _void(sandbox: Sandbox, request: Request) -> Reply:
    return _credential(201, sandbox.state.void_credential(request.int_param("credential_id")))


def _upsert(sandbox: Sandbox, request: Request) -> Reply:
    resource_id = request.params["id"]
    created, record = sandbox.state.upsert_customer_credential(resource_id, request.json())
    record["_links"] = [
        {"href": f"{sandbox.url}/credentials/{quote(resource_id, safe='')}", "rel": "self"},
        {"href": f"{sandbox.url}/customers/{quote(record['customerId'], safe='')}", "rel": "customer"},
    ]
    return Reply(201 if created else 200, record)


def _add_fault(sandbox: Sandbox, request: Request) -> Reply:
    try:
        fault = sandbox.faults.add(Fault.from_dict(request.json() or {}))
    except (TypeError, ValueError) as exc:
        raise SparkflyError(400, "Invalid fault", str(exc)) from None
    return Reply(201, fault.to_dict())


def _list_faults(sandbox: Sandbox, request: Request) -> Reply:
    return Reply(200, [fault.to_dict() for fault in sandbox.faults.pending()])


def _clear_faults(sandbox: Sandbox, request: Request) -> Reply:
    sandbox.clear_faults()
    return Reply(204)


def _expire_tokens(sandbox: Sandbox, request: Request) -> Reply:
    sandbox.expire_tokens()
    return Reply(204)


def _lock(sandbox: Sandbox, request: Request) -> Reply:
    return _credential(200, sandbox.state.set_locked(request.int_param("credential_id"), True))


def _unlock(sandbox: Sandbox, request: Request) -> Reply:
    return _credential(200, sandbox.state.set_locked(request.int_param("credential_id"), False))


def _reset(sandbox: Sandbox, request: Request) -> Reply:
    sandbox.reset()
    return Reply(204)


def _route(method: str, path: str, family: str, handler: Handler) -> Route:
    # "{name}" is one path segment; a ".json" suffix is accepted as the real API accepts it.
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+?)", re.escape(path).replace(r"\{", "{").replace(r"\}", "}"))
    suffix = r"(?:\.json)?" if family == SPARKFLY else ""
    return Route(method, re.compile(f"^{regex}{suffix}$"), family, handler)


ROUTES: Tuple[Route, ...] = (
    _route("GET", "/auth", OPEN, _authenticate),
    _route("POST", "/auth", OPEN, _authenticate),
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

CONTROL_PREFIX = "/__sandbox/"
REQUEST_LOG_SIZE = 10_000


class MethodNotAllowed(HttpError):
    def __init__(self, allowed: List[str], request: Request) -> None:
        body = SparkflyError(405, "Method Not Allowed", f"{request.path} allows {', '.join(allowed)}").body
        super().__init__(405, body)
        self.headers["Allow"] = ", ".join(allowed)


def _family_of(path: str) -> str:
    return CUSTOMER if path.startswith("/credentials/") else SPARKFLY


def _same(given: Optional[str], expected: str) -> bool:
    return given is not None and secrets.compare_digest(given.encode(), expected.encode())


def _default_error(status: int, family: str, detail: Optional[str] = None) -> HttpError:
    """The body a fault answers with when it names only a status (and that of a refused request)."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    if status == 429:
        phrase = "Rate Limit Exceeded"
    detail = detail or f"Injected fault: {phrase}"
    if family == CUSTOMER:
        return ProblemError(status, phrase, detail)
    return SparkflyError(status, phrase, detail)
