"""The vocabulary the plan and the drivers share: the request a call sends, the steps a plan asks a driver to
take, and the response a driver hands back. No I/O, and no decision: those are the plan's (``_plan.py``).

A plan is a generator that yields steps and receives their outcomes:

- :class:`Send` -> the driver sends the exchange and sends back a :class:`Response`, or the
  :class:`ApiTransportError` it ran into (as a value, not raised);
- :class:`Wait` -> the driver sleeps that long and sends back ``None``;
- :class:`Discard` -> the driver releases an unread response it will not use, sends back ``None``;
- :class:`Authenticate` -> the driver obtains a token (see there) and sends it back.
"""

from __future__ import annotations

import contextlib
import random
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, Generator, Mapping, Optional, Tuple, Union

from sparkfly_client._shared import SECRET_HEADERS
from sparkfly_client.configuration import without_userinfo
from sparkfly_client.exceptions import ApiTimeoutError, ResponseTooLargeError
from sparkfly_client.models._base import secret_values

if TYPE_CHECKING:
    from typing_extensions import Protocol

    from sparkfly_client._endpoint import Endpoint
    from sparkfly_client._ratelimit import RateLimit, Ticket
    from sparkfly_client._retry import RetryPolicy
    from sparkfly_client._shared import Timeouts

__all__ = [
    "Clock",
    "PreparedRequest",
    "Send",
    "Wait",
    "Discard",
    "Authenticate",
    "Admit",
    "Observe",
    "Response",
    "Step",
    "Outcome",
    "LOST_STATUSES",
]


class Clock:
    """Where the plan reads the time and draws its jitter; tests pass their own."""

    __slots__ = ("monotonic", "wall", "random")

    def __init__(
        self,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        random: Callable[[float, float], float] = random.uniform,
    ) -> None:
        self.monotonic = monotonic
        self.wall = wall
        self.random = random


class PreparedRequest:
    """A request checked and encoded, ready to send (and to send again)."""

    __slots__ = (
        "endpoint",
        "method",
        "url",
        "headers",
        "body",
        "timeouts",
        "deadline",
        "policy",
        "token_auth",
        "settle",
        "args",
        "options",
        "_shown_url",
    )

    def __init__(
        self,
        endpoint: Endpoint[Any],
        url: str,
        headers: Dict[str, str],
        body: Optional[bytes],
        timeouts: Timeouts,
        deadline: Optional[float],
        policy: RetryPolicy,
        token_auth: bool,
        settle: bool = False,
        args: Optional[Mapping[str, Any]] = None,
        options: Optional[Mapping[str, Any]] = None,
    ) -> None:
        self.endpoint = endpoint
        self.method = endpoint.method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeouts = timeouts
        #: seconds the whole call may take, or ``None``.
        self.deadline = deadline
        self.policy = policy
        #: whether the renewable ``X-Auth-Token`` is added at send time.
        self.token_auth = token_auth
        #: whether a lost answer is settled (``Configuration.settle_outcomes``, or ``_settle`` for the call).
        self.settle = settle
        #: the call's arguments by name and its per-call options, as given
        self.args: Mapping[str, Any] = args or {}
        self.options: Mapping[str, Any] = options or {}
        self._shown_url: Optional[str] = None

    @property
    def shown_url(self) -> str:
        """The URL as messages and logs show it: any ``user:password@`` replaced by ``***@``."""
        if self._shown_url is None:
            self._shown_url = without_userinfo(self.url)
        return self._shown_url

    def secrets(self, token: Optional[str] = None) -> Tuple[str, ...]:
        """What no message may show: the credentials the request carried (``Bearer <jwt>`` and the bare
        ``<jwt>``), the token added at send time, and the body's secret fields. Worked out only when needed."""
        credentials = [v for k, v in self.headers.items() if k.lower() in SECRET_HEADERS]
        if token:
            credentials.append(token)
        found = [*credentials, *(v.rpartition(" ")[2] for v in credentials)]
        spec = self.endpoint.body
        if spec is not None and self.body:
            with contextlib.suppress(ValueError):  # not JSON the model reads back: no secret fields to find
                found.extend(secret_values(spec.model.model_validate_json(self.body)))
        return tuple(s for s in found if s)


class Send:
    """Step: send one exchange. ``timeouts`` already fit in what is left of the deadline;
    ``preload`` says whether to read the whole body (at most ``max_body`` bytes) or hand back the
    unread response."""

    __slots__ = ("method", "url", "headers", "body", "timeouts", "preload", "max_body")

    def __init__(
        self,
        request: PreparedRequest,
        headers: Mapping[str, str],
        timeouts: Timeouts,
        preload: bool,
        max_body: int,
    ) -> None:
        self.method = request.method
        self.url = request.url
        self.headers = headers
        self.body = request.body
        self.timeouts = timeouts
        self.preload = preload
        self.max_body = max_body

    def too_large(self, size: int) -> ResponseTooLargeError:
        """The error for a body of ``size`` bytes (or more) over ``max_body``; nothing more is read."""
        return ResponseTooLargeError(
            f"the response's body ({size} bytes or more) exceeds max_response_bytes ({self.max_body})",
            request_sent=True,
            retryable=False,
        )


class Wait:
    """Step: sleep ``seconds`` before the next attempt."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


class Discard:
    """Step: release an unread response (its connection goes back to the pool)."""

    __slots__ = ("raw",)

    def __init__(self, raw: Any) -> None:
        self.raw = raw


if TYPE_CHECKING:  # for the type checker alone: a Protocol class is costly to make at import

    class TokenFlow(Protocol):
        """What an :class:`Authenticate` step asks of the client's token flow (``_auth.AuthFlow``)."""

        clock: Callable[[], float]

        def settled(self, step: Authenticate) -> Optional[str]: ...

        def renewal(self, step: Authenticate) -> Generator[Step, Any, str]: ...


class Authenticate:
    """Step: the call needs a fresh token. ``stale`` is the one found wanting (``None``: none yet).

    A driver meets it by taking its renewal lock (waiting at most :meth:`lock_wait`), asking
    :meth:`settled` whether a renewal that finished meanwhile already decided, and otherwise running
    :meth:`renewal` as a plan; it sends back the token."""

    __slots__ = ("flow", "stale", "ticket", "deadline_at")

    def __init__(self, flow: TokenFlow, stale: Optional[str], ticket: int, deadline_at: Optional[float]) -> None:
        self.flow = flow
        self.stale = stale
        self.ticket = ticket
        self.deadline_at = deadline_at

    def lock_wait(self) -> Optional[float]:
        """How long the driver may wait for the lock: what is left of the call's deadline (``None``: no limit)."""
        if self.deadline_at is None:
            return None
        return max(0.0, self.deadline_at - self.flow.clock())

    def lock_timed_out(self) -> ApiTimeoutError:
        return ApiTimeoutError("the call's deadline passed while waiting for the /auth token", request_sent=False)

    def settled(self) -> Optional[str]:
        return self.flow.settled(self)

    def renewal(self) -> Generator[Step, Any, str]:
        return self.flow.renewal(self)


class Admit:
    """Step: the request goes only when the client's rate limit admits it. The driver, holding the client's lock,
    asks :meth:`RateLimit.admit <sparkfly_client._ratelimit.RateLimit.admit>` until it answers a ticket, waiting what
    it answers in between (a time, or until another call's answer is observed), and sends back the ticket."""

    __slots__ = ("limit", "method", "url", "deadline_at", "max_wait")

    def __init__(
        self, limit: RateLimit, request: PreparedRequest, deadline_at: Optional[float], max_wait: float
    ) -> None:
        self.limit = limit
        self.method = request.method
        self.url = request.shown_url
        self.deadline_at = deadline_at
        #: the longest a 429 of the server may hold the call (max_retry_wait)
        self.max_wait = max_wait

    def ask(self, now: float) -> Any:
        """The rate limit's answer now: a ticket, how long to wait, or the error the call ends with (sent back to the
        plan as the step's outcome)."""
        return self.limit.admit(now, self.method, self.url, self.deadline_at, self.max_wait)

    def track(self, outcome: Any, unanswered: Dict[int, Observe]) -> None:
        """Keep in ``unanswered`` what the rate limit is to be told should the call end after this admission and
        before its answer is observed (an error, a cancellation): no answer. ``outcome``: the ticket, or the refusal
        (nothing went)."""
        if not isinstance(outcome, Exception):
            unanswered[outcome.number] = Observe(self.limit, outcome, None, None, None)


class Observe:
    """Step: tell the client's rate limit what came back for a request (``status`` ``None``: no answer). The driver,
    holding the client's lock, calls :meth:`apply` with its clocks, wakes the calls waiting to be admitted, and sends
    back ``None``."""

    __slots__ = ("limit", "ticket", "status", "headers", "retry_after", "operation")

    def __init__(
        self,
        limit: RateLimit,
        ticket: Optional[Ticket],
        status: Optional[int],
        headers: Optional[Mapping[str, str]],
        retry_after: Optional[float],
        operation: bool = True,
    ) -> None:
        self.limit = limit
        self.ticket = ticket
        self.status = status
        self.headers = headers
        self.retry_after = retry_after
        #: whether it answered an API operation (not /auth)
        self.operation = operation

    def apply(self, now: float, wall: float) -> None:
        self.limit.observe(self.ticket, self.status, self.headers, now, wall, self.retry_after, self.operation)

    def track(self, unanswered: Dict[int, Observe]) -> None:
        """The request this answers is no longer among the call's ``unanswered`` (see :meth:`Admit.track`)."""
        if self.ticket is not None:
            unanswered.pop(self.ticket.number, None)


Step = Union[Send, Wait, Discard, Authenticate, Admit, Observe]


class Response:
    """What the server responded: status, reason, headers (case-insensitive lookups through
    :meth:`header`), and the body bytes (preloaded) or the driver's unread response (``raw``)."""

    __slots__ = ("status", "reason", "headers", "body", "raw", "request", "token")

    def __init__(self, status: int, reason: Optional[str], headers: Mapping[str, str], body: bytes, raw: Any) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.raw = raw
        self.request: PreparedRequest  # set by the plan
        self.token: Optional[str] = None  # the renewable token the request carried, for redaction

    def header(self, name: str) -> Optional[str]:
        headers = self.headers
        if isinstance(headers, dict):  # a plain dict: look case-insensitively
            value = headers.get(name)
            if value is None:
                lowered = name.lower()
                value = next((v for k, v in headers.items() if k.lower() == lowered), None)
            return value
        # The drivers' own (aiohttp's, urllib3's) look case-insensitively; asked first, since the get of urllib3's
        # raises and catches a KeyError for a header that is not there (most calls ask for one that is not).
        return headers[name] if name in headers else None  # noqa: SIM401


#: Gateway answers that say the request may have been processed upstream, and no more: an answer lost after the
#: request went, as a timeout or a dropped connection is (see ``_settle.py``).
LOST_STATUSES = frozenset({502, 504})

#: ``Outcome.data`` of an answer still to be decoded.
NOT_DECODED: Any = object()


class Outcome:
    """What a plan ends with: the final response and the attempts it took. When a lost answer was settled, how
    (``settled``: ``"found"`` when a read showed the operation had happened, ``"resent"`` when it showed it had not
    and the resent request succeeded) and, when a read found it, the answer already decoded (``data``)."""

    __slots__ = ("response", "attempts", "settled", "data")

    def __init__(
        self, response: Response, attempts: int, settled: Optional[str] = None, data: Any = NOT_DECODED
    ) -> None:
        self.response = response
        self.attempts = attempts
        self.settled = settled
        self.data = data
