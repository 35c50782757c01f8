"""The sandbox server: the Sandbox object (state, credentials, faults, rate limit, request log) serving the
routes of ``routes.py`` through the handler of ``handler.py``."""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any, Deque, Dict, List, Optional, Tuple
from urllib.parse import unquote

from sparkfly_client.sandbox.exchange import (
    CONTROL_PREFIX,
    CUSTOMER,
    SPARKFLY,
    RecordedRequest,
    Reply,
    Request,
    default_error,
    same_secret,
)
from sparkfly_client.sandbox.faults import Fault, FaultQueue
from sparkfly_client.sandbox.handler import handler_class
from sparkfly_client.sandbox.limits import (
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_READ_TIMEOUT,
    BoundedThreadingHTTPServer,
    check_connection_settings,
)
from sparkfly_client.sandbox.ratelimit import RateLimiter, RateWindow
from sparkfly_client.sandbox.routes import AUTH_PATH, ROUTES, MethodNotAllowed, Route
from sparkfly_client.sandbox.state import HttpError, ProblemError, SandboxState, SparkflyError

if TYPE_CHECKING:
    from sparkfly_client.api_client import ApiClient
    from sparkfly_client.async_api_client import AsyncApiClient
    from sparkfly_client.configuration import Configuration

__all__ = ["Sandbox", "RecordedRequest", "RateWindow", "DEFAULTS"]

#: How many requests ``sb.requests`` keeps (the latest).
REQUEST_LOG_SIZE = 10_000
RATE_LIMITED = (
    "A request cannot be executed because the user has sent too many requests within a certain period of time"
)

#: The credentials a sandbox accepts unless told otherwise (printed by ``python -m sparkfly_client.sandbox``).
DEFAULTS: Dict[str, str] = {
    "token": "sandbox-token",
    "identity": "sandbox-account",
    "key": "sandbox-api-key",
    "secret_key": "sandbox-secret-key",
    "jwt": "sandbox.jwt.token",
}


# --- the server --------------------------------------------------------------------------------


class Sandbox:
    """A Sparkfly-compatible server on this machine, for examples, tests and offline work.

    ``with Sandbox() as sb: ...`` starts it on a free port of 127.0.0.1 (``sb.url``) and stops it
    on leaving. It accepts the static ``token`` as ``X-Auth-Token``, issues tokens from ``GET /auth``
    for ``identity``/``key`` (valid ``token_ttl`` seconds), and takes ``secret_key`` (``REB-APIKEY``)
    or ``jwt`` (``Authorization: Bearer``) on the customer credential resource.

    A request must arrive whole within ``read_timeout`` seconds of when the server starts waiting for it,
    and at most ``max_connections`` connections are served at once (see "Limits" in docs/Sandbox.md).

    ``rate_limit=N`` serves at most ``N`` API requests (every client together; not ``/auth`` nor the
    ``/__sandbox/`` control routes) per window of ``rate_window`` seconds, windows aligned to the wall
    clock, and answers 429 past it; ``None`` (the default): no limit and no ``Rate-Limit-*`` headers.

    ``members=N`` adds members ``1000`` to ``1000 + N - 1`` (external identifiers ``member-1000``, ...) to
    the demo members 56, 57 and 58; each gets offers 56 and 57 on both channels.
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
        rate_limit: Optional[int] = None,
        rate_window: float = 60.0,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        members: int = 0,
    ) -> None:
        check_connection_settings(read_timeout, max_connections)
        self.read_timeout = float(read_timeout)
        self.token, self.identity, self.key = token, identity, key
        self.secret_key, self.jwt = secret_key, jwt
        self.token_ttl = token_ttl
        self.rate_limiter = RateLimiter(rate_limit, rate_window)
        self._host = host
        self.state = SandboxState(members)
        #: How many numbered members (from 1000) the sandbox has besides the demo members.
        self.members = self.state.members.count
        self.faults = FaultQueue()
        self._lock = threading.Lock()
        self._issued: Dict[str, float] = {}
        # Bounded, so a sandbox left running for days does not grow without end.
        self._requests: Deque[RecordedRequest] = deque(maxlen=REQUEST_LOG_SIZE)
        self._server = BoundedThreadingHTTPServer((host, port), handler_class(self), max_connections)
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

    @property
    def rate_limit(self) -> Optional[int]:
        return self.rate_limiter.limit

    @property
    def rate_window(self) -> float:
        return self.rate_limiter.window

    def reset(self) -> None:
        """Back to the demo data (the numbered members stay), with no faults pending, an empty request log
        and the rate limit's count started afresh."""
        self.state.reset()
        self.faults.clear()
        self.rate_limiter.clear()
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
        lose_answer: bool = False,
    ) -> Fault:
        """Make the next ``times`` requests (matching ``method``/``path`` when given) fail; see :class:`Fault`.

        ``sb.inject(429, headers={"Retry-After": "1"}, times=2)``, ``sb.inject(503)``,
        ``sb.inject(delay=2.0)``, ``sb.inject(drop=True, method="GET")``,
        ``sb.inject(lose_answer=True, method="POST")``.
        """
        return self.faults.add(Fault(status, headers or {}, body, delay, drop, times, method, path, lose_answer))

    def clear_faults(self) -> None:
        self.faults.clear()

    def lock_credential(self, credential_id: int) -> None:
        """Mark the credential as being processed: updating, redeeming, voiding or deleting it answers
        422 ``{"error": "This credential is currently locked for processing. ..."}`` until unlocked."""
        self.state.set_locked(credential_id, True)

    def unlock_credential(self, credential_id: int) -> None:
        self.state.set_locked(credential_id, False)

    def rate_windows(self) -> List[RateWindow]:
        """Each rate-limit window that counted a request since start or the last :meth:`reset`, oldest
        first: ``(start, served, refused)``, ``start`` in seconds since the epoch (empty with no limit)."""
        return self.rate_limiter.windows()

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
        if same_secret(token, self.token):
            return True
        with self._lock:
            expires_at = self._issued.get(token)
        return expires_at is not None and time.monotonic() < expires_at

    def accepts_customer_credentials(self, request: Request) -> bool:
        scheme, _, jwt = (request.header("Authorization") or "").partition(" ")
        return same_secret(request.header("REB-APIKEY"), self.secret_key) or (
            scheme.lower() == "bearer" and same_secret(jwt.strip(), self.jwt)
        )

    def environ(self) -> Dict[str, str]:
        """Environment variables the documented examples read, pointing at this sandbox
        (``SPARKFLY_SANDBOX_MEMBERS``: how many numbered members, from 1000, it has)."""
        return {
            "SPARKFLY_HOST": self.url,
            "API_KEY": self.token,
            "SECRET_API_KEY": self.secret_key,
            "ACCESS_TOKEN": self.jwt,
            "JWT": self.jwt,
            "BEARER_TOKEN": self.jwt,
            "AUTH_IDENTITY": self.identity,
            "AUTH_KEY": self.key,
            "SPARKFLY_SANDBOX_MEMBERS": str(self.members),
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
        """The reply to a request, or ``None`` when a fault says to close the connection without one."""
        route, params, allowed = self._match(request.method, request.path)
        is_control = request.path.startswith(CONTROL_PREFIX)
        fault = None if is_control else self.faults.take(request.method, request.path)
        if fault is not None and not fault.lose_answer:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                return self.record(request, None)
            if fault.status is not None:
                return self.record(request, self._fault_reply(fault, request.family))
        # Every API request counts, whatever it asks for; /auth and the control routes do not.
        admission = None if is_control or request.path == AUTH_PATH else self.rate_limiter.admit()
        try:
            if admission is not None and not admission.allowed:
                raise default_error(429, request.family, RATE_LIMITED)
            if route is None and allowed:
                raise MethodNotAllowed(allowed, request)
            if route is None:
                raise SparkflyError(404, "Not Found", f"No route for {request.method} {request.path}")
            request.params = params
            self._authorize(route.family, request)
            reply = route.handler(self, request)
        except HttpError as error:
            reply = Reply(error.status, error.body, dict(error.headers), error.content_type)
        if admission is not None:
            reply.headers = {**reply.headers, **admission.headers}
        if fault is not None and fault.lose_answer:  # handled in full; the answer never leaves
            if fault.delay:
                time.sleep(fault.delay)
            self.record(request, reply, answered=False)
            return None
        return reply if is_control else self.record(request, reply)

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
        error = default_error(fault.status, family)
        return Reply(fault.status, error.body, dict(fault.headers), error.content_type)

    def record(self, request: Request, reply: Optional[Reply], answered: bool = True) -> Optional[Reply]:
        """Log the request in :attr:`requests` with its answer's status (0 when dropped unhandled); ``answered``
        when the answer goes out. The HTTP handler logs this way the requests it refuses itself."""
        status = reply.status if reply is not None else 0
        with self._lock:
            self._requests.append(
                RecordedRequest(
                    request.method, request.path, dict(request.query), status, answered and reply is not None
                )
            )
        return reply
