"""One exception hierarchy for argument, HTTP, transport and decoding failures.

``OpenApiException`` is the root. Server responses raise ``ApiException`` subclasses chosen by
status; failures before a response arrives raise ``ApiTransportError`` subclasses.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Set, Tuple, Type, TypeVar, Union
from urllib.parse import quote, quote_plus

__all__ = [
    "OpenApiException",
    "ApiTypeError",
    "ApiValueError",
    "ApiKeyError",
    "ApiAttributeError",
    "ApiException",
    "BadRequestException",
    "UnauthorizedException",
    "ForbiddenException",
    "NotFoundException",
    "ConflictException",
    "UnprocessableEntityException",
    "TooManyRequestsException",
    "ServiceException",
    "ResponseDecodeError",
    "ApiTransportError",
    "ApiTimeoutError",
    "ApiConnectionError",
    "ResponseTooLargeError",
    "OutcomeUnknownError",
]

PathType = Sequence[Union[str, int]]


def _render_path(path_to_item: Optional[PathType]) -> str:
    return "".join(f"[{p!r}]" for p in path_to_item or ())


class OpenApiException(Exception):
    """The base class of every exception this package raises."""


class _ArgumentError(OpenApiException):
    """An argument the API cannot take; ``path_to_item`` says where inside it, when nested."""

    def __init__(self, msg: str, path_to_item: Optional[PathType] = None) -> None:
        self.path_to_item = path_to_item
        super().__init__(f"{msg} at {_render_path(path_to_item)}" if path_to_item else msg)


class ApiTypeError(_ArgumentError, TypeError):
    """An argument has the wrong type, or a keyword the operation does not take; raised before anything is sent."""


class ApiValueError(_ArgumentError, ValueError):
    """An argument has the right type but a value the API cannot take; raised before sending."""


class ApiException(OpenApiException):
    """The server responded with a status the call does not succeed on (or a body it cannot decode).

    Keeps what the server sent: ``status``, ``reason``, ``headers``, the ``body`` text (at most
    :data:`MAX_KEPT_BODY` characters), the decoded ``data`` where the body matched the declared error
    model, and ``request_id``. Credentials the request carried are replaced by ``***`` wherever the
    server echoed them (as is, JSON-escaped or percent-encoded) when the exception is built: it holds
    no secret, so ``str()``, ``repr()``, ``vars()`` and pickling show none.
    """

    def __init__(
        self,
        status: Optional[int] = None,
        reason: Optional[str] = None,
        http_resp: Any = None,
        *,
        body: Optional[str] = None,
        data: Any = None,
        headers: Optional[Mapping[str, str]] = None,
        method: Optional[str] = None,
        url: Optional[str] = None,
        attempts: int = 1,
        note: Optional[str] = None,
        server_message: Optional[str] = None,
        retry_after: Optional[float] = None,
        redact: Sequence[str] = (),
    ) -> None:
        if http_resp is not None:  # the generated clients' way of building one from a urllib3 response
            status = http_resp.status if status is None else status
            reason = http_resp.reason if reason is None else reason
            raw = getattr(http_resp, "data", None)
            if body is None and isinstance(raw, bytes):
                body = raw.decode("utf-8", "replace")
            headers = headers or dict(http_resp.headers)
        hide = Redactor(redact)
        self.status = status
        self.reason = reason
        self.body = None if body is None else hide(_capped(body))
        self.data = data
        # A cookie or token the server sets is a secret too.
        self.headers: Dict[str, str] = {
            k: "***" if k.lower() in _SECRET_RESPONSE_HEADERS else hide(v) for k, v in (headers or {}).items()
        }
        self.method = method
        self.url = url
        self.attempts = attempts
        self.note = None if note is None else hide(note)
        #: the server's own words about the failure (its ``error``/``message``, or the problem's detail).
        self.server_message = None if server_message is None else hide(server_message)
        #: seconds the server asked the client to wait (``Retry-After``, else on a 429 ``Rate-Limit-Reset``).
        self.retry_after = retry_after
        super().__init__(self.status, self.reason)

    @property
    def request_id(self) -> Optional[str]:
        """The server's ``X-Request-Id`` for this response, to quote to support."""
        for name, value in self.headers.items():
            if name.lower() == "x-request-id":
                return value
        return None

    @property
    def problem(self) -> Any:
        """The RFC 7807 problem details, where the error body was one (else ``None``)."""
        from sparkfly_client.models.problem import Problem

        return self.data if isinstance(self.data, Problem) else None

    def __str__(self) -> str:
        what = f"HTTP {self.status}" + (f" {self.reason}" if self.reason else "")
        if self.method and self.url:
            what += f" from {self.method} {self.url}"
        if self.server_message:
            what += f": {self.server_message}"
        if self.request_id:
            what += f" (request id {self.request_id})"
        lines = [what]
        if self.attempts > 1:
            lines.append(f"Attempts: {self.attempts}")
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, reason={self.reason!r}, request_id={self.request_id!r})"

    @classmethod
    def for_status(cls, status: int) -> Type[ApiException]:
        """The most specific subclass for an HTTP status."""
        if status in _BY_STATUS:
            return _BY_STATUS[status]
        if 500 <= status <= 599:
            return ServiceException
        return ApiException


_SECRET_RESPONSE_HEADERS = frozenset({"set-cookie", "x-auth-token", "authorization"})

#: How much of an error body an exception keeps (characters); the rest is cut and the cut is said.
MAX_KEPT_BODY = 64 * 1024


def _capped(body: str) -> str:
    if len(body) <= MAX_KEPT_BODY:
        return body
    return body[:MAX_KEPT_BODY] + f"... [cut: the body had {len(body)} characters; the first {MAX_KEPT_BODY} are kept]"


class Redactor:
    """Replaces secrets, and the ways a server may echo them, by ``***``: as they are, JSON-escaped
    (``\\u00e4``, ``\\/``), Python-escaped, and percent-encoded (either case of hex digits)."""

    def __init__(self, secrets: Sequence[str]) -> None:
        forms = {form for secret in secrets if secret for form in _spellings(secret)}
        self._pattern = (
            re.compile("|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)), re.IGNORECASE)
            if forms
            else None
        )

    def __call__(self, text: str) -> str:
        return text if self._pattern is None else self._pattern.sub("***", text)


def _spellings(secret: str) -> Tuple[str, ...]:
    escaped = json.dumps(secret)[1:-1]
    return (
        secret,
        escaped,
        escaped.replace("/", "\\/"),
        json.dumps(secret, ensure_ascii=False)[1:-1],
        repr(secret)[1:-1],
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        quote(secret, safe="/:@"),
    )


E = TypeVar("E", bound=BaseException)


def redacted_chain(error: E, redact: Callable[[str], str]) -> E:
    """``error`` (a library's exception that becomes the ``__cause__`` of ours) with ``redact`` applied, in place,
    to the text of it and of every exception it holds or chains to: its arguments, its string attributes and those
    of ``OSError``. Its type and its traceback stay: it is what happened, without what it must not show."""
    seen: Set[int] = set()

    def clean(value: Any) -> Any:
        """``value`` redacted where it is text; an exception is visited. Anything else is left as it is."""
        if isinstance(value, str):
            return redact(value)
        if isinstance(value, BaseException):
            visit(value)
        return value

    def visit(exc: BaseException) -> None:
        if id(exc) in seen:
            return
        seen.add(id(exc))
        exc.args = tuple(clean(arg) for arg in exc.args)
        for name, value in list(getattr(exc, "__dict__", {}).items()):
            cleaned = clean(value)
            if cleaned != value:
                setattr(exc, name, cleaned)
        if isinstance(exc, OSError):  # its text comes from these, not from args
            for name in ("strerror", "filename", "filename2"):
                value = getattr(exc, name, None)
                if isinstance(value, str):
                    setattr(exc, name, redact(value))
        for linked in (exc.__cause__, exc.__context__):
            if linked is not None:
                visit(linked)

    visit(error)
    return error


class BadRequestException(ApiException):
    """400."""


class UnauthorizedException(ApiException):
    """401."""


class ForbiddenException(ApiException):
    """403."""


class NotFoundException(ApiException):
    """404."""


class ConflictException(ApiException):
    """409."""


class UnprocessableEntityException(ApiException):
    """422."""


class TooManyRequestsException(ApiException):
    """429. ``retry_after`` says how long the server asked to wait."""


class ServiceException(ApiException):
    """5xx."""


class ResponseDecodeError(ApiException):
    """A successful status whose body is not what the endpoint declares (bad JSON, wrong shape)."""


_BY_STATUS: Dict[int, Type[ApiException]] = {
    400: BadRequestException,
    401: UnauthorizedException,
    403: ForbiddenException,
    404: NotFoundException,
    409: ConflictException,
    422: UnprocessableEntityException,
    429: TooManyRequestsException,
}


class ApiTransportError(OpenApiException):
    """No usable response arrived: the connection failed, or the server was too slow."""

    def __init__(
        self,
        message: str,
        *,
        method: Optional[str] = None,
        url: Optional[str] = None,
        elapsed: Optional[float] = None,
        attempts: int = 1,
        request_sent: bool = True,
        retryable: bool = True,
        proxy_status: Optional[int] = None,
    ) -> None:
        self.message = message
        self.method = method
        self.url = url
        self.elapsed = elapsed
        self.attempts = attempts
        #: False only when no byte of the request can have reached the server (safe to resend).
        self.request_sent = request_sent
        #: False when trying again cannot help (e.g. the server's certificate was rejected).
        self.retryable = retryable
        #: The status the proxy answered the tunnel request (CONNECT) with, when it refused it (e.g. 407).
        self.proxy_status = proxy_status
        super().__init__(message)

    def __str__(self) -> str:
        parts = [self.message]
        if self.method and self.url:
            parts.append(f"{self.method} {self.url}")
        if self.elapsed is not None:
            parts.append(f"after {self.elapsed:.3f}s")
        if self.attempts > 1:
            parts.append(f"{self.attempts} attempts")
        return "; ".join(parts)


def tls_setup_error(configuration: Any, cause: BaseException) -> ApiConnectionError:
    """The client's own TLS settings could not be used (a certificate file that cannot be read): nothing
    was sent, and trying again cannot help."""
    unreadable = [
        f"{name}={path!r}"
        for name in ("ssl_ca_cert", "cert_file", "key_file")
        for path in [getattr(configuration, name, None)]
        if path and not os.path.isfile(path)
    ]
    what = f"cannot read {', '.join(unreadable)}" if unreadable else f"{type(cause).__name__}: {cause}"
    error = ApiConnectionError(f"TLS setup failed ({what})", request_sent=False, retryable=False)
    error.__cause__ = cause
    return error


class ApiTimeoutError(ApiTransportError):
    """The connect or read timeout ran out."""


class ApiConnectionError(ApiTransportError):
    """The connection could not be made or was lost."""


class ResponseTooLargeError(ApiTransportError):
    """The response's body is larger than ``Configuration.max_response_bytes``; it was not read."""


class OutcomeUnknownError(ApiTransportError):
    """The answer to a create or a redeem was lost after the request was sent, and settling it (on with
    ``Configuration(settle_outcomes=True)`` or ``_settle=True``) could not tell whether it took effect.

    ``settle_error`` says why: ``"no identifier"`` (a create without one cannot be looked up), ``"reusable
    credential"`` (every redeem of one adds a redemption, so reading it cannot tell), ``"deadline"`` (the call's
    deadline passed first), ``"locked"`` (the credential stayed locked for processing), or the failure of the
    settling read. Its ``__cause__`` is the failure that lost the answer. ``str()`` says what to check.
    """

    def __init__(self, message: str, *, settle_error: str, advice: str, **details: Any) -> None:
        super().__init__(message, request_sent=True, **details)
        #: why the outcome could not be settled.
        self.settle_error = settle_error
        #: what the caller should check before doing anything again.
        self.advice = advice

    def __str__(self) -> str:
        what = f"{self.method} {self.url}" if self.method and self.url else "the request"
        return (
            f"The answer to {what} was lost ({self.message}) and could not be settled ({self.settle_error}): "
            f"{self.advice}."
        )


# --- Kept for code written against generated clients ---------------------------------------------
# Generated clients export these two names and code catches them; this package never raises them.
# (Also kept: ``ApiException(status, reason, http_resp)`` and ``Configuration.to_debug_report()``.)


class ApiAttributeError(_ArgumentError, AttributeError):
    """Never raised here; exported so ``except ApiAttributeError`` in existing code keeps working."""


class ApiKeyError(_ArgumentError, KeyError):
    """Never raised here; exported so ``except ApiKeyError`` in existing code keeps working."""
