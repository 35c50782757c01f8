"""The client's view of the server's rate limit, shared by every call of one client: plain state and decisions, no
I/O and no lock. The plan asks it, through the steps :class:`Admit` and :class:`Observe`, whether a request may go
now and tells it what came back; the driver holds the client's lock around each question and does the waiting.

What it knows comes from the answers: a service that limits the rate announces it on every answer with
``Rate-Limit-Limit`` (requests per window), ``Rate-Limit-Remaining`` (what is left of the window) and
``Rate-Limit-Reset`` (an HTTP date in whole seconds: when the window ends), and answers 429 when a window is used
up, with ``Retry-After`` (or only ``Rate-Limit-Reset``). Until the client has seen whether the server announces a
limit it sends one request at a time (one round trip, once per client); a server that announces none is not limited.

The window's end is read against the server's clock, from its ``Date`` header (also whole seconds), never the
local one: each answer bounds the offset between the two clocks (the server stamped it between sending and
receiving), the bounds of every answer are kept, and an end is placed where it cannot be early.

How many requests may still go in a window: the answer to the request sent last says what the server had left after
serving it (other clients' requests included), so what it leaves is that figure less every request sent after it,
and less those that were out when it went (they may have reached the server after it). An answer to a request
sent earlier, arriving later, is not used: it knows less. Each request admitted takes one from what is left.
"""

from __future__ import annotations

import math
from typing import Any, Dict, Mapping, Optional, Tuple

from sparkfly_client._retry import parse_http_date
from sparkfly_client.exceptions import ApiTimeoutError, TooManyRequestsException

__all__ = ["RateLimit", "Ticket", "WAIT_FOR_CHANGE"]

#: ``admit``'s answer when only another call's answer can let this one go (no time would do).
WAIT_FOR_CHANGE = math.inf
#: Whose limit holds a request back: the server's (its announced window, a 429), the client's own (in flight,
#: waiting for an answer), the client's pace (max_requests_per_second), or a cold client's first answer.
_SERVER, _CLIENT, _PACE, _FIRST_ANSWER = "server", "client", "pace", "first answer"
#: How long the calls of a cold client wait for its first answer before going anyway: a server that is slow to
#: answer must not hold every call back for the length of a read timeout.
FIRST_ANSWER_PATIENCE = 1.0


class Ticket:
    """One admitted request: its place in the order of sends, and when it went."""

    __slots__ = ("number", "sent_at", "out")

    def __init__(self, number: int, sent_at: float, out: int) -> None:
        self.number = number
        self.sent_at = sent_at
        #: how many requests were out when it went: any of them may reach the server after it
        self.out = out


class RateLimit:
    """See the module's description. ``max_concurrency`` and ``max_requests_per_second`` are the client's own
    limits (``None``: none). Times are seconds on the client's monotonic clock (``now``), except ``wall``."""

    def __init__(self, max_concurrency: Optional[int] = None, max_requests_per_second: Optional[float] = None) -> None:
        self.max_concurrency = max_concurrency
        self.interval = None if not max_requests_per_second else 1.0 / max_requests_per_second
        #: whether an answer has said if the server announces a limit, and whether it does
        self.known = False
        self.announced = False
        self.limit: Optional[int] = None
        #: the current window: its end on the server's clock (seconds since the epoch), and how many may still go
        self.window: Optional[float] = None
        self.allowed: Optional[int] = None
        #: the end of the last window that ended (an answer from it, arriving late, says nothing new)
        self.ended: Optional[float] = None
        #: the number of the request whose answer last said what is left of the window
        self.freshest = -1
        #: every call waits until then (after a 429)
        self.blocked_until = 0.0
        self.in_flight: Dict[int, Ticket] = {}
        self.sent = 0
        self.next_send_at = 0.0
        # The server's clock less the monotonic one lies between these (from Date headers).
        self.offset_low = -math.inf
        self.offset_high = math.inf

    @property
    def gating(self) -> bool:
        """Whether a request must ask before it goes. A client whose server announces no limit, with no limit of its
        own, and not held back by a 429, asks nothing."""
        return (
            not self.known
            or self.announced
            or self.max_concurrency is not None
            or self.interval is not None
            or self.blocked_until > 0.0
        )

    # --- before a request goes ------------------------------------------------------------------

    def admit(self, now: float, method: str, url: str, deadline_at: Optional[float], max_wait: float = math.inf) -> Any:
        """A :class:`Ticket` when the request may go now (it is counted as sent); else how long to wait before asking
        again (:data:`WAIT_FOR_CHANGE`: until another call's answer); else, when it cannot go within the call's
        deadline or the server holds every call longer than ``max_wait`` (``max_retry_wait``), the error the call
        ends with, unsent: :class:`TooManyRequestsException` for the server's limit, :class:`ApiTimeoutError` for the
        client's own limits."""
        if deadline_at is not None and now >= deadline_at:
            return self._late(method, url, "the call's deadline passed while it waited for its turn")
        wait, whose = self._wait(now)
        if wait <= 0.0:
            return self._ticket(now)
        if whose == _SERVER and (wait > max_wait or (deadline_at is not None and now + wait > deadline_at)):
            return self._too_long(method, url, wait, max_wait)
        if deadline_at is not None and now + wait > deadline_at:
            if whose == _FIRST_ANSWER:  # rather than fail: go, as on a server that announces no limit
                self.known = True
                return self._ticket(now)
            if whose == _PACE:
                return self._late(
                    method, url, "the client's own max_requests_per_second would hold it past the deadline"
                )
            return deadline_at - now  # waiting for another call's answer: as long as the deadline allows
        return wait

    def _ticket(self, now: float) -> Ticket:
        self.blocked_until = 0.0 if self.blocked_until <= now else self.blocked_until
        if self.allowed is not None:
            self.allowed -= 1
        if self.interval is not None:
            self.next_send_at = max(now, self.next_send_at) + self.interval
        ticket = Ticket(self.sent, now, len(self.in_flight))
        self.sent += 1
        self.in_flight[ticket.number] = ticket
        return ticket

    def _wait(self, now: float) -> Tuple[float, str]:
        """How long until the request may go, and whose limit holds it."""
        if self.blocked_until > now:
            return self.blocked_until - now, _SERVER
        if self.max_concurrency is not None and len(self.in_flight) >= self.max_concurrency:
            return WAIT_FOR_CHANGE, _CLIENT
        if not self.known and self.in_flight:
            # The first answer tells whether the server limits: one at a time until then, within some patience.
            out_since = min(ticket.sent_at for ticket in self.in_flight.values())
            if now < out_since + FIRST_ANSWER_PATIENCE:
                return out_since + FIRST_ANSWER_PATIENCE - now, _FIRST_ANSWER
            self.known = True  # slow to answer: go on as with a server that announces no limit until one does
        if self.announced:
            if self.window is not None and now >= self._local(self.window):
                self._next_window()
            if self.allowed is not None and self.allowed <= 0:
                if self.window is not None:  # nothing left in this window: wait until it ends
                    return self._local(self.window) - now, _SERVER
                if self.in_flight:  # a new window, already used up by what is out: wait for an answer
                    return WAIT_FOR_CHANGE, _CLIENT
                self.allowed = None  # nothing out and nothing known of the new window: ask, one at a time
            if self.allowed is None and self.in_flight:
                return WAIT_FOR_CHANGE, _CLIENT  # a new window whose size is unknown: one at a time until an answer
        if self.interval is not None and self.next_send_at > now:
            return self.next_send_at - now, _PACE
        return 0.0, _CLIENT

    def _late(self, method: str, url: str, why: str) -> ApiTimeoutError:
        return ApiTimeoutError(why, method=method, url=url, attempts=0, request_sent=False)

    def _next_window(self) -> None:
        """The window ended: the next one starts with the limit, less the requests still out (they may be served in
        it)."""
        self.ended, self.window = self.window, None
        self.allowed = None if self.limit is None else self.limit - len(self.in_flight)

    def _too_long(self, method: str, url: str, wait: float, max_wait: float) -> TooManyRequestsException:
        longer = "after the call's deadline" if wait <= max_wait else f"later than max_retry_wait ({max_wait:.0f}s)"
        return TooManyRequestsException(
            429,
            "Too Many Requests",
            method=method,
            url=url,
            attempts=0,
            note=(
                f"Not sent: the server's rate limit resets in {wait:.1f}s, {longer}. "
                "Try again later, or give the call a longer deadline."
            ),
            retry_after=wait,
        )

    # --- after it went ---------------------------------------------------------------------------

    def observe(
        self,
        ticket: Optional[Ticket],
        status: Optional[int],
        headers: Optional[Mapping[str, str]],
        now: float,
        wall: float,
        retry_after: Optional[float] = None,
        operation: bool = True,
    ) -> None:
        """What came back for a request (``status`` ``None``: no answer): frees its place, and learns from the
        answer's rate-limit headers, its ``Date`` (else the local ``wall`` clock) and a 429's wait (``retry_after``,
        seconds from ``now``). Only the answer to an API operation (not ``/auth``'s, which says nothing of the
        limit) can tell a cold client that the server announces none."""
        if ticket is not None:
            self.in_flight.pop(ticket.number, None)
        if status is None or headers is None:
            return
        self._calibrate(headers, ticket.sent_at if ticket is not None else now, now, wall)
        remaining = _int_header(headers, "rate-limit-remaining")
        reset = _date_header(headers, "rate-limit-reset")
        if remaining is not None or reset is not None:
            self.known = self.announced = True
        elif operation:
            self.known = True
        limit = _int_header(headers, "rate-limit-limit")
        if limit is not None:
            self.limit = limit
        if reset is not None and remaining is not None:
            self._learn_window(ticket, reset, remaining)
        if status == 429:
            until = None if reset is None else self._local(reset)
            if retry_after is not None:
                until = now + retry_after if until is None else min(until, now + retry_after)
            if until is not None and until > self.blocked_until:
                self.blocked_until = until
            if self.window is not None and reset is not None and reset >= self.window:
                self.allowed = 0

    def _learn_window(self, ticket: Optional[Ticket], reset: float, remaining: int) -> None:
        if (self.window is not None and reset < self.window) or (self.ended is not None and reset <= self.ended):
            return  # an answer from a window that has ended
        if self.window is None:  # the first window seen, or the one this client's clock saw start (allowed counts it)
            self.window, self.freshest = reset, -1
        elif reset > self.window:  # a window that started before this client's clock saw the last one end
            self.window, self.allowed, self.freshest = reset, None, -1
        # The answer to the request sent last speaks of the most requests, other clients' included; an earlier one,
        # arriving later, knows less.
        number = self.sent if ticket is None else ticket.number
        if number < self.freshest:
            return
        self.freshest = number
        # What it leaves: less every request sent after it, and those that were out when it went.
        after = self.sent - number - 1 + (len(self.in_flight) if ticket is None else ticket.out)
        self.allowed = remaining - max(after, 0)
        if self.limit is not None:
            self.allowed = min(self.allowed, self.limit)

    # --- the server's clock ---------------------------------------------------------------------

    def _calibrate(self, headers: Mapping[str, str], sent_at: float, received_at: float, wall: float) -> None:
        date = _date_header(headers, "date")
        if date is None:  # no Date: the local clock, allowing it a second either way
            low, high = wall - 1.0 - received_at, wall + 1.0 - sent_at
        else:  # the server wrote its Date (whole seconds, rounded down) between our sending and our receiving
            low, high = date - received_at, date + 1.0 - sent_at
        if low > self.offset_high or high < self.offset_low:  # the clocks drifted apart: start over
            self.offset_low, self.offset_high = low, high
        else:
            self.offset_low, self.offset_high = max(self.offset_low, low), min(self.offset_high, high)

    def _local(self, server_time: float) -> float:
        """When the server's clock shows ``server_time``, at the latest, on the monotonic clock (never early). Only
        asked after an answer, which sets the bounds."""
        return server_time - self.offset_low


def _int_header(headers: Mapping[str, str], name: str) -> Optional[int]:
    value = _header(headers, name)
    if value is None:
        return None
    try:
        number = int(value.strip())
    except ValueError:
        return None
    return number if number >= 0 else None


def _date_header(headers: Mapping[str, str], name: str) -> Optional[float]:
    """An HTTP date, in seconds since the epoch; ``None`` when absent or unreadable."""
    value = _header(headers, name)
    return None if value is None else parse_http_date(value.strip())


def _header(headers: Mapping[str, str], name: str) -> Optional[str]:
    value = headers.get(name)
    if value is None and not hasattr(headers, "getall"):  # a plain dict: look case-insensitively
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value
