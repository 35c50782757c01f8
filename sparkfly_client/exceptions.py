"""One exception hierarchy for argument, HTTP, transport and decoding failures.

``OpenApiException`` is the root. Server answers raise ``ApiException`` subclasses chosen by
status; failures before an answer arrives raise ``ApiTransportError`` subclasses.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Type, Union

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
]

PathType = Sequence[Union[str, int]]


def _render_path(path_to_item: Optional[PathType]) -> str:
    return "".join(f"[{p!r}]" for p in path_to_item or ())


def _spellings(secret: str) -> Tuple[str, ...]:
    """How a secret can appear in a message: as is, JSON-escaped (a raw body), or repr-escaped (decoded data)."""
    return secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1], repr(secret)[1:-1]


class OpenApiException(Exception):
    """The base class of every exception this package raises."""


class _ArgumentError(OpenApiException):
    """An argument the API cannot take; ``path_to_item`` says where inside it, when nested."""

    def __init__(self, msg: str, path_to_item: Optional[PathType] = None) -> None:
        self.path_to_item = path_to_item
        super().__init__(f"{msg} at {_render_path(path_to_item)}" if path_to_item else msg)


class ApiTypeError(_ArgumentError, TypeError):
    """An argument has the wrong type; raised before anything is sent."""

    def __init__(
        self,
        msg: str,
        path_to_item: Optional[PathType] = None,
        valid_classes: Optional[tuple[type, ...]] = None,
        key_type: Optional[bool] = None,
    ) -> None:
        self.valid_classes = valid_classes
        self.key_type = key_type
        super().__init__(msg, path_to_item)


class ApiValueError(_ArgumentError, ValueError):
    """An argument has the right type but a value the API cannot take; raised before sending."""


class ApiAttributeError(_ArgumentError, AttributeError):
    pass


class ApiKeyError(_ArgumentError, KeyError):
    pass


class ApiException(OpenApiException):
    """The server answered with a status the call does not succeed on (or a body it cannot decode).

    Keeps everything the server sent: ``status``, ``reason``, ``headers``, the raw ``body`` text,
    the decoded ``data`` where the body matched the declared error model, and ``request_id``.
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
        redact: Sequence[str] = (),
    ) -> None:
        self.status = status
        # Credentials and passwords the request carried: a server that echoes one in its answer
        # must not put it into this exception's message (``body`` keeps the raw text).
        self._redact = tuple(
            sorted({form for secret in redact if secret for form in _spellings(secret)}, key=len, reverse=True)
        )
        self.note = note
        self.reason = reason
        self.body = body
        self.data = data
        self.headers: Dict[str, str] = dict(headers or {})
        self.method = method
        self.url = url
        self.attempts = attempts
        if http_resp is not None:
            self.status = http_resp.status if status is None else status
            self.reason = http_resp.reason if reason is None else reason
            if body is None:
                raw = getattr(http_resp, "data", None)
                if isinstance(raw, bytes):
                    self.body = raw.decode("utf-8", "replace")
            if not headers:
                self.headers = dict(http_resp.headers)
        super().__init__(self.status, self.reason)

    @property
    def request_id(self) -> Optional[str]:
        """The server's ``X-Request-Id`` for this answer, to quote to support."""
        for name, value in self.headers.items():
            if name.lower() == "x-request-id":
                return value
        return None

    @property
    def problem(self) -> Any:
        """The RFC 7807 problem details, where the error body was one (else ``None``)."""
        from sparkfly_client.models.problem import Problem

        return self.data if isinstance(self.data, Problem) else None

    @property
    def retry_after(self) -> Optional[float]:
        """Seconds the server asked the client to wait (``Retry-After``, else on a 429 ``Rate-Limit-Reset``)."""
        from sparkfly_client._retry import server_requested_delay

        return server_requested_delay(self.status, self.headers)

    def __str__(self) -> str:
        lines = [f"({self.status})", f"Reason: {self.reason}"]
        if self.method and self.url:
            lines.append(f"Request: {self.method} {self.url}")
        if self.attempts > 1:
            lines.append(f"Attempts: {self.attempts}")
        if self.note:
            lines.append(self.note)
        if self.request_id:
            lines.append(f"Request ID: {self.request_id}")
        if self.headers:
            lines.append(f"HTTP response headers: {self.headers}")
        if self.body:
            lines.append(f"HTTP response body: {self.body}")
        if self.data is not None:
            lines.append(f"HTTP response data: {self.data!r}")
        text = "\n".join(lines) + "\n"
        for secret in self._redact:
            text = text.replace(secret, "***")
        return text

    @classmethod
    def for_status(cls, status: int) -> Type[ApiException]:
        """The most specific subclass for an HTTP status."""
        if status in _BY_STATUS:
            return _BY_STATUS[status]
        if 500 <= status <= 599:
            return ServiceException
        return ApiException


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
    """No usable answer arrived: the connection failed, or the server was too slow."""

    def __init__(
        self,
        message: str,
        *,
        method: Optional[str] = None,
        url: Optional[str] = None,
        elapsed: Optional[float] = None,
        attempts: int = 1,
        request_sent: bool = True,
    ) -> None:
        self.message = message
        self.method = method
        self.url = url
        self.elapsed = elapsed
        self.attempts = attempts
        #: False only when no byte of the request can have reached the server (safe to resend).
        self.request_sent = request_sent
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


class ApiTimeoutError(ApiTransportError):
    """The connect or read timeout ran out."""


class ApiConnectionError(ApiTransportError):
    """The connection could not be made or was lost."""
