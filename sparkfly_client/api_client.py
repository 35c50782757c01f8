"""ApiClient: turns an endpoint call into an HTTP exchange and the exchange into a model or an exception.

The one request pipeline: check arguments and build the request (nothing is sent if that fails),
apply credentials, send with retries, decode the answer into the declared model or raise the
typed exception for its status.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from typing import Any, Callable, Dict, Generic, Mapping, Optional, Tuple, TypeVar, Union, cast

from pydantic import BaseModel, ValidationError
from typing_extensions import TypedDict

from sparkfly_client import _auth
from sparkfly_client._endpoint import Endpoint, summarise_validation_error
from sparkfly_client._retry import RetryPolicy, server_requested_delay
from sparkfly_client.api_response import ApiResponse
from sparkfly_client.configuration import Configuration, _without_userinfo
from sparkfly_client.exceptions import (
    ApiException,
    ApiTransportError,
    ApiValueError,
    ResponseDecodeError,
)
from sparkfly_client.models._base import REVEAL_SECRETS, secret_values
from sparkfly_client.rest import RESTClientObject, RESTResponse, TimeoutArg, to_urllib3_timeout

__all__ = ["ApiClient", "RequestOptions"]

T = TypeVar("T")
S = TypeVar("S")
logger = logging.getLogger("sparkfly_client")


class RequestOptions(TypedDict, total=False):
    """Per-call options every operation accepts, as in generated clients."""

    #: seconds, or ``(connect, read)``; overrides ``Configuration.timeout`` for this call.
    _request_timeout: TimeoutArg
    #: extra headers for this call; they win over the client's own.
    _headers: Optional[Dict[str, str]]
    #: use this credential instead of the configured ones:
    #: ``{"in": "header", "key": "X-Auth-Token", "value": "..."}``.
    _request_auth: Optional[Dict[str, Any]]
    #: Content-Type for the request body (default ``application/json``).
    _content_type: Optional[str]
    #: index into ``Configuration.server_hosts`` (0 production, 1 staging) instead of ``host``.
    _host_index: Optional[int]
    #: retry count or :class:`RetryPolicy` for this call; ``0`` means no retry.
    _retries: Union[int, RetryPolicy, None]


_OPTION_NAMES = frozenset(RequestOptions.__annotations__)
#: scheme, a host name, then an optional path; no whitespace or line breaks anywhere.
_HOST_URL = re.compile(r"https?://[^\s/?#@]+(/\S*)?\Z", re.IGNORECASE)


class PreparedRequest:
    """A request checked and encoded, ready to send (and to send again)."""

    __slots__ = ("endpoint", "method", "url", "headers", "body", "timeout", "auth_scheme")

    def __init__(
        self,
        endpoint: Endpoint[Any],
        url: str,
        headers: Dict[str, str],
        body: Optional[bytes],
        timeout: Any,
        auth_scheme: Optional[str],
    ) -> None:
        self.endpoint = endpoint
        self.method = endpoint.method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.auth_scheme = auth_scheme


class ApiClient:
    """Holds the configuration and the connection pools; every API class sends through one.

    Safe to share between threads. Use it as a context manager, or call :meth:`close`, to release
    the connections.
    """

    _default: Optional[ApiClient] = None
    _default_lock = threading.Lock()

    def __init__(
        self,
        configuration: Optional[Configuration] = None,
        header_name: Optional[str] = None,
        header_value: Optional[str] = None,
        cookie: Optional[str] = None,
    ) -> None:
        self.configuration = Configuration.get_default() if configuration is None else configuration
        self.default_headers: Dict[str, str] = {}
        if header_name is not None:
            self.set_default_header(header_name, cast(str, header_value))
        self.cookie = cookie
        self.rest_client = RESTClientObject(self.configuration)
        self._tokens: Optional[_auth.TokenSource] = None
        # Derived once and reused until what they are made of changes (see _common_headers, _derived).
        self._common: Tuple[Any, Dict[str, str]] = (None, {})
        self._timeout = _Derived(to_urllib3_timeout)
        self._retry_policy = _Derived(RetryPolicy.from_value)
        if self.configuration.auth_identity and self.configuration.auth_key:
            self._tokens = _auth.TokenSource(self._fetch_token, self.configuration.token_ttl)

    # --- lifecycle ------------------------------------------------------------------------------

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Release every pooled connection."""
        self.rest_client.clear()

    @classmethod
    def get_default(cls) -> ApiClient:
        """The process-wide client used by API classes created without one."""
        with cls._default_lock:
            if cls._default is None:
                cls._default = ApiClient()
            return cls._default

    @classmethod
    def set_default(cls, default: Optional[ApiClient]) -> None:
        with cls._default_lock:
            cls._default = default

    # --- headers --------------------------------------------------------------------------------

    @property
    def user_agent(self) -> str:
        return self.default_headers.get("User-Agent", self.configuration.user_agent)

    @user_agent.setter
    def user_agent(self, value: str) -> None:
        self.set_default_header("User-Agent", value)

    def set_default_header(self, header_name: str, header_value: str) -> None:
        _check_header(header_name, header_value)
        self.default_headers[header_name] = header_value

    # --- the pipeline ---------------------------------------------------------------------------

    def call(self, endpoint: Endpoint[T], args: Mapping[str, Any], options: Mapping[str, Any]) -> ApiResponse[T]:
        """Send one operation and decode its answer; raises the typed exception for an error status."""
        request = self.prepare(endpoint, args, options)
        response, attempts = self.send(request, options.get("_retries"), preload_content=True)
        return self.decode(request, response, attempts)

    def call_raw(self, endpoint: Endpoint[Any], args: Mapping[str, Any], options: Mapping[str, Any]) -> RESTResponse:
        """Send one operation and return the urllib3 response unread, whatever its status."""
        request = self.prepare(endpoint, args, options)
        response, _ = self.send(request, options.get("_retries"), preload_content=False)
        return response

    def prepare(self, endpoint: Endpoint[Any], args: Mapping[str, Any], options: Mapping[str, Any]) -> PreparedRequest:
        """Check every argument and option and encode the request. Raises before anything is sent."""
        if options and not _OPTION_NAMES.issuperset(options):
            unknown = set(options) - _OPTION_NAMES
            raise ApiValueError(f"{endpoint.operation_id} got unexpected option(s): {', '.join(sorted(unknown))}")
        config = self.configuration
        base = config.get_host_from_settings(options.get("_host_index")).rstrip("/")
        if not _HOST_URL.match(base):
            raise ApiValueError(
                f"host must be an http:// or https:// URL such as 'https://api.sparkfly.com', "
                f"got {_without_userinfo(base)!r}"
            )
        url = base + endpoint.render_path(args)
        query = endpoint.render_query(args)
        if query:
            from urllib.parse import urlencode

            url += "?" + urlencode(query)

        headers = self._common_headers()
        headers.setdefault("Accept", endpoint.accept)  # a client-wide Accept wins, a per-call one (_headers) too
        model = endpoint.coerce_body(args)
        body: Optional[bytes] = None
        if model is not None:
            body = model.model_dump_json(by_alias=True, exclude_unset=True, context=REVEAL_SECRETS).encode()
            content_type = options.get("_content_type") or "application/json"
            _check_header("Content-Type", content_type)
            headers["Content-Type"] = content_type
        extra = options.get("_headers")
        if extra:
            for name, value in extra.items():
                _check_header(name, value)
            headers.update(extra)

        auth_scheme = self._choose_auth(endpoint, headers, options.get("_request_auth"))
        timeout_arg = options.get("_request_timeout")
        timeout = self._timeout.get(config.timeout) if timeout_arg is None else to_urllib3_timeout(timeout_arg)
        return PreparedRequest(endpoint, url, headers, body, timeout, auth_scheme)

    def _common_headers(self) -> Dict[str, str]:
        """A fresh copy of the headers every call carries; built and checked again only when the
        user agent, the cookie or the default headers have changed since the last call."""
        key = (self.configuration.user_agent, self.cookie, tuple(self.default_headers.items()))
        built_for, headers = self._common
        if key != built_for:
            headers = {"User-Agent": self.configuration.user_agent}
            headers.update(self.default_headers)
            if self.cookie:
                headers["Cookie"] = self.cookie
            for name, value in headers.items():
                _check_header(name, value)
            self._common = (key, headers)  # one assignment: other threads see the old pair or the new
        return dict(headers)

    def _choose_auth(
        self, endpoint: Endpoint[Any], headers: Dict[str, str], request_auth: Optional[Mapping[str, Any]]
    ) -> Optional[str]:
        """Settle which scheme authenticates the call; static credentials go into ``headers`` now,
        the renewable token at send time. Returns the scheme that needs the token, if any."""
        if not endpoint.auth:
            return None
        if request_auth:
            if request_auth.get("in", "header") != "header" or not request_auth.get("key"):
                raise ApiValueError("_request_auth must be {'in': 'header', 'key': <header>, 'value': <credential>}")
            name, value = str(request_auth["key"]), str(request_auth.get("value", ""))
            _check_header(name, value)
            headers[name] = value
            return None
        for scheme in endpoint.auth:
            if (
                scheme == _auth.SPARKFLY_TOKEN
                and self._tokens is not None
                and self.configuration.get_api_key_with_prefix(scheme) is None
            ):
                return scheme
            pair = _auth.scheme_header(self.configuration, scheme, None)
            if pair is not None:
                _check_header(*pair)
                headers[pair[0]] = pair[1]
                return None
        raise ApiValueError(_auth.missing_credentials_message(endpoint.operation_id, endpoint.auth))

    def send(
        self, request: PreparedRequest, retries: Union[int, RetryPolicy, None], *, preload_content: bool
    ) -> Tuple[RESTResponse, int]:
        """The retry loop. Returns the last answer and how many attempts it took."""
        policy = (
            self._retry_policy.get(self.configuration.retries)
            if retries is None
            else self.configuration.retry_policy(retries)
        )
        token_replayed = False
        attempt = 0
        while True:
            attempt += 1
            headers = request.headers
            token = None
            if request.auth_scheme is not None:
                assert self._tokens is not None
                token = self._tokens.current()
                headers = {**headers, "X-Auth-Token": token}
            started = time.monotonic()
            try:
                response = self.rest_client.request(
                    request.method, request.url, headers, request.body, request.timeout, preload_content
                )
            except ApiTransportError as exc:
                exc.attempts = attempt
                refusal = self._retry_refusal(request, policy, attempt, sent=exc.request_sent)
                if refusal is None:
                    self._sleep_before_retry(request, attempt, policy.backoff(attempt), str(exc))
                    continue
                logger.debug("not retrying %s %s after %s: %s", request.method, request.url, exc.message, refusal)
                if exc.request_sent and not request.endpoint.retry_safe:
                    exc.message += f"; not retried: {refusal}"  # the caller must find out whether it took effect
                raise
            if logger.isEnabledFor(logging.INFO):
                self._log_exchange(request, headers, response, started, attempt)

            status = response.status
            if status == 401 and token is not None and not token_replayed:
                # The token expired or was revoked: renew once (shared with other threads) and replay once.
                # A 401 means the server did not act on the request, so replaying is safe for any method.
                token_replayed = True
                _discard(response)
                self._tokens.renew(stale=token)  # type: ignore[union-attr]
                attempt -= 1
                continue
            if status in policy.statuses:
                requested = server_requested_delay(response.status, response.headers)
                refusal = self._retry_refusal(request, policy, attempt, requested=requested)
                if refusal is None:
                    _discard(response)
                    wait = policy.backoff(attempt) if requested is None else requested
                    self._sleep_before_retry(request, attempt, wait, f"status {status}")
                    continue
                logger.debug("not retrying %s %s after status %d: %s", request.method, request.url, status, refusal)
            return response, attempt

    def _retry_refusal(
        self,
        request: PreparedRequest,
        policy: RetryPolicy,
        attempt: int,
        *,
        requested: Optional[float] = None,
        sent: bool = True,
    ) -> Optional[str]:
        """Why a failed attempt must not be retried, or ``None`` when it may be."""
        if sent and not request.endpoint.retry_safe:
            return f"{request.endpoint.operation_id} is not repeated once the request may have reached the server"
        if attempt > policy.max_retries:
            return f"no retries left after {attempt} attempt(s)"
        if requested is not None and requested > self.configuration.max_retry_wait:
            return f"the server asked to wait {requested:.0f}s, more than max_retry_wait"
        return None

    def _sleep_before_retry(self, request: PreparedRequest, attempt: int, wait: float, why: str) -> None:
        logger.info(
            "retrying %s %s after %s: attempt %d failed, waiting %.2fs", request.method, request.url, why, attempt, wait
        )
        time.sleep(wait)

    def decode(self, request: PreparedRequest, response: RESTResponse, attempts: int) -> ApiResponse[Any]:
        """The answer as ``ApiResponse`` of the declared model, or the typed exception for its status."""
        status = response.status
        raw = response.data
        endpoint = request.endpoint
        if 200 <= status < 300:
            returns = endpoint.returns
            if returns is None or status == 204:
                return ApiResponse(status, response.headers, None, raw)
            try:
                data = cast(BaseModel, returns).model_validate_json(raw)
            except (ValidationError, ValueError) as exc:
                raise self._error(
                    ResponseDecodeError,
                    request,
                    response,
                    attempts,
                    note=f"The body is not a valid {returns.__name__}: {_decode_problem(exc)}",
                ) from None
            return ApiResponse(status, response.headers, data, raw)
        raise self._error(
            ApiException.for_status(status),
            request,
            response,
            attempts,
            data=_decode_error_body(endpoint.error_model_for(status), raw),
            note=self._long_wait_note(response),
        )

    def _long_wait_note(self, response: RESTResponse) -> Optional[str]:
        requested = server_requested_delay(response.status, response.headers)
        limit = self.configuration.max_retry_wait
        if requested is None or requested <= limit:
            return None
        return f"The server asked to retry after {requested:.0f}s; max_retry_wait is {limit:.0f}s."

    @staticmethod
    def _error(
        error_class: type[ApiException],
        request: PreparedRequest,
        response: RESTResponse,
        attempts: int,
        *,
        data: Any = None,
        note: Optional[str] = None,
    ) -> ApiException:
        return error_class(
            response.status,
            response.reason,
            body=response.data.decode("utf-8", "replace"),
            data=data,
            headers=response.headers,
            method=request.method,
            url=request.url,
            attempts=attempts,
            note=note,
            redact=_request_secrets(request),
        )

    # --- token authentication -------------------------------------------------------------------

    def _fetch_token(self) -> RESTResponse:
        """``GET /auth``, with the same checks, timeouts, retries and masked logging as any call."""
        config = self.configuration
        identity = {"X-Auth-Identity": str(config.auth_identity), "X-Auth-Key": str(config.auth_key)}
        request = self.prepare(_auth.AUTHENTICATE, {}, {"_headers": identity})
        return self.send(request, None, preload_content=True)[0]

    # --- logging --------------------------------------------------------------------------------

    @staticmethod
    def _log_exchange(
        request: PreparedRequest, headers: Mapping[str, str], response: RESTResponse, started: float, attempt: int
    ) -> None:
        # INFO: one line per exchange; DEBUG adds the (masked) request headers.
        detailed = logger.isEnabledFor(logging.DEBUG)
        logger.log(
            logging.DEBUG if detailed else logging.INFO,
            "%s %s -> %s in %.3fs (attempt %d, request id %s)" + (" request headers %s" if detailed else ""),
            request.method,
            request.url,
            response.status,
            time.monotonic() - started,
            attempt,
            response.headers.get("X-Request-Id"),
            *((_masked(headers),) if detailed else ()),
        )


class _Derived(Generic[S, T]):
    """A value derived from a setting, computed again only when the setting is replaced by another
    object. Settings are immutable values (numbers, tuples, frozen policies), so identity is enough."""

    __slots__ = ("_derive", "_cached")

    def __init__(self, derive: Callable[[S], T]) -> None:
        self._derive = derive
        self._cached: Optional[Tuple[S, T]] = None

    def get(self, setting: S) -> T:
        cached = self._cached
        if cached is not None and cached[0] is setting:
            return cached[1]
        value = self._derive(setting)
        self._cached = (setting, value)
        return value


def _masked(headers: Mapping[str, str]) -> Dict[str, str]:
    return {k: ("***" if k.lower() in _auth.SECRET_HEADERS else v) for k, v in headers.items()}


def _request_secrets(request: PreparedRequest) -> Tuple[str, ...]:
    """What an error message must not show: the credentials the request carried (``Bearer <jwt>`` and
    the bare ``<jwt>``) and its body's secret fields. Worked out only when an error needs them."""
    credentials = [v for k, v in request.headers.items() if k.lower() in _auth.SECRET_HEADERS]
    found = [*credentials, *(v.rpartition(" ")[2] for v in credentials)]
    spec = request.endpoint.body
    if spec is not None and request.body:
        with contextlib.suppress(ValueError):  # not JSON the model reads back: no secret fields to find
            found.extend(secret_values(spec.model.model_validate_json(request.body)))
    return tuple(found)


def _check_header(name: str, value: Any) -> None:
    if not isinstance(name, str) or not isinstance(value, str):
        raise ApiValueError(f"header {name!r} must have a str name and value")
    if any(c in name for c in "\r\n:") or "\r" in value or "\n" in value:
        # Never echo the value: it may be a credential.
        raise ApiValueError(f"header {name!r} contains a line break (or its name a colon); refusing to send it")


def _discard(response: RESTResponse) -> None:
    """Finish with an answer we will not use, so its connection returns to the pool."""
    try:
        response.drain_conn()
    finally:
        response.release_conn()


def _decode_error_body(model: Optional[type[BaseModel]], raw: bytes) -> Any:
    """The error body as the declared model where it parses as one; ``None`` otherwise."""
    if model is None or not raw or not raw.lstrip().startswith(b"{"):
        return None
    try:
        return model.model_validate_json(raw)
    except (ValidationError, ValueError):
        return None


def _decode_problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return summarise_validation_error(exc)
    return str(exc)
