"""What the sandbox's layers hand each other: a request as read, the reply to it, what the log keeps, and what
the HTTP handler (``handler.py``) and the routes (``routes.py``) need of the sandbox (``server.py``).

It sits below all three, so neither the handler nor the routes import the server: the server gives itself to
them, and they see it through :class:`AnswersRequests` and :class:`SandboxControls`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Dict, List, Mapping, Optional, Protocol
from urllib.parse import parse_qsl

from sparkfly_client.sandbox.errors import HttpError, ProblemError, SparkflyError
from sparkfly_client.sandbox.faults import FaultQueue
from sparkfly_client.sandbox.limits import JsonTooDeep, parse_json
from sparkfly_client.sandbox.search import parse_int
from sparkfly_client.sandbox.state import SandboxState

__all__ = [
    "SPARKFLY",
    "CUSTOMER",
    "OPEN",
    "CONTROL_PREFIX",
    "Request",
    "Reply",
    "RecordedRequest",
    "AnswersRequests",
    "SandboxControls",
    "family_of",
    "default_error",
    "same_secret",
]

SPARKFLY = "sparkfly"  # X-Auth-Token; errors as BadRequestObject
CUSTOMER = "customer"  # REB-APIKEY or Bearer JWT; errors as RFC 7807 problems
OPEN = "open"  # no credentials: /auth itself and the /__sandbox control routes

#: Where the control routes are: never faulted, never rate-limited, never logged.
CONTROL_PREFIX = "/__sandbox/"


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


class AnswersRequests(Protocol):
    """What the HTTP handler needs of the sandbox."""

    @property
    def read_timeout(self) -> float: ...

    def answer(self, request: Request) -> Optional[Reply]:
        """The reply, or ``None`` to close the connection without one."""

    def record(self, request: Request, reply: Optional[Reply], answered: bool = True) -> Optional[Reply]:
        """Log a request the handler refused itself (it never reached :meth:`answer`)."""


class SandboxControls(Protocol):
    """What the routes need of the sandbox: its data, its faults, its credentials and its controls."""

    @property
    def state(self) -> SandboxState: ...

    @property
    def faults(self) -> FaultQueue: ...

    @property
    def url(self) -> str: ...

    @property
    def identity(self) -> str: ...

    @property
    def key(self) -> str: ...

    def issue_token(self) -> str: ...

    def expire_tokens(self) -> None: ...

    def clear_faults(self) -> None: ...

    def reset(self) -> None: ...


def family_of(path: str) -> str:
    """The family whose error shape a path's refusals take, before any route is matched."""
    return CUSTOMER if path.startswith("/credentials/") else SPARKFLY


def same_secret(given: Optional[str], expected: str) -> bool:
    """Whether ``given`` is the secret, compared in constant time."""
    return given is not None and secrets.compare_digest(given.encode(), expected.encode())


def default_error(status: int, family: str, detail: Optional[str] = None) -> HttpError:
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
