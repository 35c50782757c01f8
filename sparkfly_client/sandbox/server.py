"""The sandbox HTTP server: one routing table, credential checks per route family, fault injection."""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
import secrets
import socket
import sys
import threading
import time
import traceback
import uuid
from collections import deque
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any, Callable, Deque, Dict, List, Mapping, Optional, Tuple
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from sparkfly_client.sandbox.faults import Fault, FaultQueue
from sparkfly_client.sandbox.limits import (
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_READ_TIMEOUT,
    BoundedThreadingHTTPServer,
    DeadlineReader,
    JsonTooDeep,
    RequestRefused,
    check_connection_settings,
    linger,
    parse_json,
    read_body,
)
from sparkfly_client.sandbox.search import DEFAULT_PER_PAGE, CredentialSearch, parse_int
from sparkfly_client.sandbox.state import HttpError, ProblemError, SandboxState, SparkflyError

if TYPE_CHECKING:
    from sparkfly_client.api_client import ApiClient
    from sparkfly_client.async_api_client import AsyncApiClient
    from sparkfly_client.configuration import Configuration

__all__ = ["Sandbox", "RecordedRequest", "DEFAULTS"]

#: The credentials a sandbox accepts unless told otherwise (printed by ``python -m sparkfly_client.sandbox``).
DEFAULTS: Dict[str, str] = {
    "token": "sandbox-token",
    "identity": "sandbox-account",
    "key": "sandbox-api-key",
    "secret_key": "sandbox-secret-key",
    "jwt": "sandbox.jwt.token",
}

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
    """What the sandbox saw (no headers: they carry credentials) and what it answered (0: dropped)."""

    method: str
    path: str
    query: Dict[str, str]
    status: int


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


# --- the server --------------------------------------------------------------------------------


class Sandbox:
    """A Sparkfly-compatible server on this machine, for examples, tests and offline work.

    ``with Sandbox() as sb: ...`` starts it on a free port of 127.0.0.1 (``sb.url``) and stops it
    on leaving. It accepts the static ``token`` as ``X-Auth-Token``, issues tokens from ``GET /auth``
    for ``identity``/``key`` (valid ``token_ttl`` seconds), and takes ``secret_key`` (``REB-APIKEY``)
    or ``jwt`` (``Authorization: Bearer``) on the customer credential resource.

    A request must arrive whole within ``read_timeout`` seconds of when the server starts waiting for it,
    and at most ``max_connections`` connections are served at once (see "Limits" in docs/Sandbox.md).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        token: str = DEFAULTS["token"],
        identity: str = DEFAULTS["identity"],
        key: str = DEFAULTS["key"],
        secret_key: str = DEFAULTS["secret_key"],
        jwt: str = DEFAULTS["jwt"],
        token_ttl: float = 24 * 3600.0,
        rate_limit: int = 1000,
        rate_window: float = 60.0,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        check_connection_settings(read_timeout, max_connections)
        self.read_timeout = float(read_timeout)
        self.token, self.identity, self.key = token, identity, key
        self.secret_key, self.jwt = secret_key, jwt
        self.token_ttl = token_ttl
        self.rate_limit, self.rate_window = rate_limit, rate_window
        self._host = host
        self.state = SandboxState()
        self.faults = FaultQueue()
        self._lock = threading.Lock()
        self._issued: Dict[str, float] = {}
        # Bounded, so a sandbox left running for days does not grow without end.
        self._requests: Deque[RecordedRequest] = deque(maxlen=REQUEST_LOG_SIZE)
        self._window_start, self._window_count = time.monotonic(), 0
        self._server = BoundedThreadingHTTPServer((host, port), _handler_class(self), max_connections)
        self._thread: Optional[threading.Thread] = None

    def __repr__(self) -> str:  # the credentials stay out of it
        return f"Sandbox(url={self.url!r})"

    # --- life cycle ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self._server.server_port}"

    def start(self) -> Sandbox:
        """Serve in a background thread."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="sparkfly-sandbox", daemon=True
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted."""
        self._server.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- data, faults, what was seen -----------------------------------------------------------

    def reset(self) -> None:
        """Back to the demo data, with no faults pending and an empty request log."""
        self.state.reset()
        self.faults.clear()
        with self._lock:
            self._requests.clear()

    def inject(
        self,
        status: Optional[int] = None,
        *,
        headers: Optional[Dict[str, str]] = None,
        body: Any = None,
        delay: float = 0.0,
        drop: bool = False,
        times: int = 1,
        method: Optional[str] = None,
        path: Optional[str] = None,
    ) -> Fault:
        """Make the next ``times`` requests (matching ``method``/``path`` when given) fail; see :class:`Fault`.

        ``sb.inject(429, headers={"Retry-After": "1"}, times=2)``, ``sb.inject(503)``,
        ``sb.inject(delay=2.0)``, ``sb.inject(drop=True, method="GET")``.
        """
        return self.faults.add(Fault(status, headers or {}, body, delay, drop, times, method, path))

    def clear_faults(self) -> None:
        self.faults.clear()

    def lock_credential(self, credential_id: int) -> None:
        """Mark the credential as being processed: updating, redeeming, voiding or deleting it answers
        422 ``{"error": "This credential is currently locked for processing. ..."}`` until unlocked."""
        self.state.set_locked(credential_id, True)

    def unlock_credential(self, credential_id: int) -> None:
        self.state.set_locked(credential_id, False)

    @property
    def requests(self) -> List[RecordedRequest]:
        """The API requests served since start or the last :meth:`reset` (the latest 10 000; control calls excluded)."""
        with self._lock:
            return list(self._requests)

    # --- credentials ---------------------------------------------------------------------------

    def expire_tokens(self) -> None:
        """Make every token issued by ``GET /auth`` so far expire now (the static token stays valid)."""
        with self._lock:
            self._issued.clear()

    def issue_token(self) -> str:
        token = "sbx_" + secrets.token_hex(16)
        with self._lock:
            now = time.monotonic()
            self._issued = {kept: expiry for kept, expiry in self._issued.items() if expiry > now}
            self._issued[token] = now + self.token_ttl
        return token

    def accepts_token(self, token: Optional[str]) -> bool:
        if token is None:
            return False
        if _same(token, self.token):
            return True
        with self._lock:
            expires_at = self._issued.get(token)
        return expires_at is not None and time.monotonic() < expires_at

    def accepts_customer_credentials(self, request: Request) -> bool:
        scheme, _, jwt = (request.header("Authorization") or "").partition(" ")
        return _same(request.header("REB-APIKEY"), self.secret_key) or (
            scheme.lower() == "bearer" and _same(jwt.strip(), self.jwt)
        )

    def environ(self) -> Dict[str, str]:
        """Environment variables the documented examples read, pointing at this sandbox."""
        return {
            "SPARKFLY_HOST": self.url,
            "API_KEY": self.token,
            "SECRET_API_KEY": self.secret_key,
            "ACCESS_TOKEN": self.jwt,
            "JWT": self.jwt,
            "BEARER_TOKEN": self.jwt,
            "AUTH_IDENTITY": self.identity,
            "AUTH_KEY": self.key,
        }

    def configuration(self, **settings: Any) -> Configuration:
        """A :class:`Configuration` for this sandbox with every credential it accepts set."""
        from sparkfly_client.configuration import Configuration

        config = Configuration(host=self.url, access_token=self.jwt, **settings)
        config.api_key.setdefault("X-Auth-Token", self.token)
        config.api_key.setdefault("SecretApiKey", self.secret_key)
        return config

    def api_client(self, **settings: Any) -> ApiClient:
        from sparkfly_client.api_client import ApiClient

        return ApiClient(self.configuration(**settings))

    def async_api_client(self, **settings: Any) -> AsyncApiClient:
        """An :class:`AsyncApiClient` for this sandbox (needs the ``async`` extra); ``async with`` it."""
        from sparkfly_client.async_api_client import AsyncApiClient

        return AsyncApiClient(self.configuration(**settings))

    # --- one request ---------------------------------------------------------------------------

    def answer(self, request: Request) -> Optional[Reply]:
        """The reply to a request, or ``None`` when a fault says to drop the connection."""
        route, params, allowed = self._match(request.method, request.path)
        is_control = request.path.startswith(CONTROL_PREFIX)
        fault = None if is_control else self.faults.take(request.method, request.path)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                return self._record(request, None)
            if fault.status is not None:
                return self._record(request, self._fault_reply(fault, request.family))
        try:
            if route is None and allowed:
                raise MethodNotAllowed(allowed, request)
            if route is None:
                raise SparkflyError(404, "Not Found", f"No route for {request.method} {request.path}")
            request.params = params
            self._authorize(route.family, request)
            if route.family == CUSTOMER:
                self._count_against_rate_limit()
            reply = route.handler(self, request)
        except HttpError as error:
            reply = Reply(error.status, error.body, dict(error.headers), error.content_type)
        if route is not None and route.family == CUSTOMER:
            reply.headers = {**self._rate_limit_headers(), **reply.headers}
        return reply if is_control else self._record(request, reply)

    def _match(self, method: str, path: str) -> Tuple[Optional[Route], Dict[str, str], List[str]]:
        """The route and its path parameters, or ``None`` and the methods the path does allow.

        A literal segment outranks a parameter: ``/v1.0/credentials/eligible`` is never a credential id.
        """
        matches = [(route, found) for route in ROUTES if (found := route.pattern.match(path))]
        if not matches:
            return None, {}, []
        fewest = min(len(found.groupdict()) for _, found in matches)
        best = [(route, found) for route, found in matches if len(found.groupdict()) == fewest]
        for route, found in best:
            if route.method == method:
                return route, {k: unquote(v) for k, v in found.groupdict().items()}, [method]
        return None, {}, [route.method for route, _ in best]

    def _authorize(self, family: str, request: Request) -> None:
        if family == SPARKFLY and not self.accepts_token(request.header("X-Auth-Token")):
            raise SparkflyError(401, "Unauthorized", "Missing, invalid or expired X-Auth-Token")
        if family == CUSTOMER and not self.accepts_customer_credentials(request):
            raise ProblemError(401, "Unauthorized", "Send a valid REB-APIKEY header or Authorization: Bearer JWT.")

    def _fault_reply(self, fault: Fault, family: str) -> Reply:
        assert fault.status is not None
        if fault.body is not None:
            return Reply(fault.status, fault.body, dict(fault.headers))
        error = _default_error(fault.status, family)
        return Reply(fault.status, error.body, dict(fault.headers), error.content_type)

    def _count_against_rate_limit(self) -> None:
        """One more call in the current window of the upsert resource; 429 once the window is used up."""
        with self._lock:
            now = time.monotonic()
            if now - self._window_start >= self.rate_window:
                self._window_start, self._window_count = now, 0
            self._window_count += 1
            exceeded = self._window_count > self.rate_limit
            wait = self.rate_window - (now - self._window_start)
        if exceeded:
            error = ProblemError(
                429,
                "Rate Limit Exceeded",
                "A request cannot be executed because the user has "
                "sent too many requests within a certain period of time",
            )
            error.headers["Retry-After"] = str(max(1, math.ceil(wait)))
            raise error

    def _rate_limit_headers(self) -> Dict[str, str]:
        with self._lock:
            remaining = max(self.rate_limit - self._window_count, 0)
            reset_at = time.time() + self.rate_window - (time.monotonic() - self._window_start)
        return {
            "Rate-Limit-Limit": str(self.rate_limit),
            "Rate-Limit-Remaining": str(remaining),
            "Rate-Limit-Reset": formatdate(reset_at, usegmt=True),
        }

    def _record(self, request: Request, reply: Optional[Reply]) -> Optional[Reply]:
        with self._lock:
            self._requests.append(
                RecordedRequest(request.method, request.path, dict(request.query), reply.status if reply else 0)
            )
        return reply


def _handler_class(sandbox: Sandbox) -> type:
    class SandboxRequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "SparkflySandbox/1.0"
        # Headers and body go out in separate writes; without this, delayed ACKs stall keep-alive clients.
        disable_nagle_algorithm = True
        # What a refusal needs when the request line itself never arrived whole.
        requestline, request_version, command, path = "", "HTTP/1.1", "", ""

        def log_message(self, format: str, *args: Any) -> None:  # quiet: request lines would show ids only
            pass

        def setup(self) -> None:
            super().setup()
            self.rfile.close()  # replaced by a reader that holds each request to the read timeout
            self._reader = DeadlineReader(self.connection, sandbox.read_timeout)
            self.rfile = io.BufferedReader(self._reader)

        def handle_one_request(self) -> None:
            self._reader.start_request()
            super().handle_one_request()  # a timeout ends in there, closing the connection
            if self._reader.timed_out and self._reader.received:  # between requests, closing says enough
                self._refuse(self._refusal(408, "The request did not arrive within the read timeout"))

        def _handle(self) -> None:
            split = urlsplit(self.path)
            request = Request(
                self.command,
                split.path,
                {},
                dict(parse_qsl(split.query, keep_blank_values=True)),
                {name.lower(): value for name, value in self.headers.items()},
                b"",
                _family_of(split.path),
                split.query,
            )
            try:
                request.body = read_body(self.rfile, self.headers)
            except RequestRefused as refused:
                reply = self._refusal(refused.status, refused.reason)
                if not split.path.startswith(CONTROL_PREFIX):
                    sandbox._record(request, reply)
                self._refuse(reply)
                linger(self.connection, min(sandbox.read_timeout, 1.0))
                return
            try:
                answer = sandbox.answer(request)
            except Exception:  # a sandbox bug: say so in the answer, not with a dropped connection
                traceback.print_exc(file=sys.stderr)
                self._refuse(self._refusal(500, "The sandbox failed to handle this request"))
                return
            if answer is None:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self._send(answer)

        def _refusal(self, status: int, reason: str) -> Reply:
            """``status`` in the route family's error shape, closing the connection."""
            error = _default_error(status, _family_of(urlsplit(self.path).path), reason)
            return Reply(status, error.body, {"Connection": "close"}, error.content_type)

        def _refuse(self, reply: Reply) -> None:
            self.close_connection = True
            self.connection.settimeout(sandbox.read_timeout)  # a client that does not read cannot hold us
            with contextlib.suppress(OSError):
                self._send(reply)

        def _send(self, reply: Reply) -> None:
            no_body = reply.body is None or reply.status == 204 or self.command == "HEAD"
            payload = b"" if no_body else json.dumps(reply.body).encode()
            self.send_response(reply.status)
            headers = {
                "Content-Type": reply.content_type,
                "X-Request-Id": str(uuid.uuid4()),
                "Cache-Control": "no-cache",
                **reply.headers,
            }
            for name, value in headers.items():
                if payload or name != "Content-Type":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def __getattr__(self, name: str) -> Any:
            # Every method reaches the routing table (do_GET, do_TRACE, ...); unrouted ones get 405 there.
            if name.startswith("do_"):
                return self._handle
            raise AttributeError(name)

    return SandboxRequestHandler
