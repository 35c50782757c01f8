"""The client's view of the server's rate limit, on its own: plain state and decisions, asked and told by hand with
a clock the test moves (monotonic seconds ``now``; the server's clock is the epoch seconds its headers carry)."""

from __future__ import annotations

import math
from email.utils import formatdate
from typing import Any, Dict, Optional

import pytest

from sparkfly_client import ApiTimeoutError, TooManyRequestsException
from sparkfly_client._ratelimit import FIRST_ANSWER_PATIENCE, WAIT_FOR_CHANGE, RateLimit, Ticket

#: The server's clock shows SERVER_EPOCH + (now - 100) at monotonic ``now``: 100.0 is exactly its second ...000.
SERVER_EPOCH = 1_800_000_000.0
URL = "http://sparkfly.test/v1.0/credentials/56"


def server_time(now: float) -> float:
    return SERVER_EPOCH + (now - 100.0)


def headers(
    now: float, limit: Optional[int] = None, remaining: Optional[int] = None, window: float = 1.0
) -> Dict[str, str]:
    """An answer's headers as the server stamps them at ``now``: Date rounded down, the window's end exact."""
    stamped = server_time(now)
    found = {"Date": formatdate(math.floor(stamped), usegmt=True)}
    if limit is not None:
        found["Rate-Limit-Limit"] = str(limit)
        found["Rate-Limit-Remaining"] = str(remaining)
        found["Rate-Limit-Reset"] = formatdate((math.floor(stamped / window) + 1) * window, usegmt=True)
    return found


def admit(limit: RateLimit, now: float, deadline_at: Optional[float] = None) -> Any:
    return limit.admit(now, "GET", URL, deadline_at)


def answer(view: RateLimit, ticket: Optional[Ticket], now: float, status: int = 200, **announced: Any) -> None:
    view.observe(ticket, status, headers(now, **announced), now, server_time(now))


def test_a_cold_client_sends_one_request_until_an_answer_says_the_server_announces_no_limit() -> None:
    limit = RateLimit()
    first = admit(limit, 100.0)
    assert isinstance(first, Ticket)
    assert admit(limit, 100.01) == pytest.approx(FIRST_ANSWER_PATIENCE - 0.01)  # waits for the first answer
    answer(limit, first, 100.05)
    assert not limit.gating  # a server that announces no limit is not limited: calls no longer ask
    assert isinstance(admit(limit, 100.06), Ticket)


def test_a_cold_client_waits_on_a_slow_first_answer_only_so_long() -> None:
    limit = RateLimit()
    admit(limit, 100.0)
    assert isinstance(admit(limit, 100.0 + FIRST_ANSWER_PATIENCE), Ticket)


def test_no_answer_frees_the_place_and_says_nothing_of_a_limit() -> None:
    limit = RateLimit()
    first = admit(limit, 100.0)
    limit.observe(first, None, None, 100.2, server_time(100.2))
    assert limit.in_flight == {} and isinstance(admit(limit, 100.3), Ticket)


def test_an_announced_window_is_used_up_and_then_waited_out_to_its_end_never_early() -> None:
    limit = RateLimit()
    now = 100.30
    first = admit(limit, now)
    answer(limit, first, now + 0.02, limit=5, remaining=4)  # served at ...000.32: the window ends at ...001
    assert limit.gating and limit.announced
    tickets = [admit(limit, now + 0.03) for _ in range(4)]
    assert all(isinstance(t, Ticket) for t in tickets)
    wait = admit(limit, now + 0.04)
    assert not isinstance(wait, Ticket)
    # The window ends at 101.0 on this clock. One answer, its Date rounded down to the second, places that end
    # somewhere in the second after it: the client waits until it is sure, never less.
    true_wait = 101.0 - (now + 0.04)
    assert true_wait <= wait <= true_wait + 1.0
    assert isinstance(admit(limit, now + 0.04 + wait), Ticket)  # a new window


def test_answers_across_a_second_boundary_place_the_window_s_end_closely() -> None:
    limit = RateLimit()
    answer(limit, admit(limit, 100.90), 100.92, limit=3, remaining=2)
    answer(limit, admit(limit, 100.95), 100.97, limit=3, remaining=1)
    answer(limit, admit(limit, 101.01), 101.02, limit=3, remaining=2)  # a new second: Date says ...001 now
    answer(limit, admit(limit, 101.03), 101.04, limit=3, remaining=1)
    assert isinstance(admit(limit, 101.05), Ticket)
    wait = admit(limit, 101.06)
    assert 102.0 - 101.06 <= wait <= 102.0 - 101.06 + 0.03


def test_requests_out_when_an_answer_arrives_count_against_what_it_leaves() -> None:
    limit = RateLimit()
    probe = admit(limit, 100.1)
    answer(limit, probe, 100.12, limit=10, remaining=9)
    out = [admit(limit, 100.13) for _ in range(3)]  # three go before any of them is answered
    answer(limit, out[0], 100.2, limit=10, remaining=8)  # served first: the two others may come after it
    assert limit.allowed == 6
    later = [admit(limit, 100.21) for _ in range(6)]
    assert all(isinstance(t, Ticket) for t in later) and not isinstance(admit(limit, 100.22), Ticket)


def test_a_late_answer_from_an_ended_window_is_ignored() -> None:
    limit = RateLimit()
    answer(limit, admit(limit, 99.99), 100.01, limit=5, remaining=4)  # across a second boundary: clocks matched
    old = admit(limit, 100.5)
    answer(limit, old, 100.6, limit=5, remaining=0)  # other clients used up the rest of the window
    assert not isinstance(admit(limit, 100.7), Ticket)
    fresh = admit(limit, 101.05)  # the next window
    assert isinstance(fresh, Ticket)
    stale = limit.allowed
    limit.observe(None, 200, headers(100.9, limit=5, remaining=4), 101.1, server_time(101.1))
    assert limit.allowed == stale


def test_the_answer_to_the_request_sent_last_says_what_is_left() -> None:
    limit = RateLimit()
    answer(limit, admit(limit, 100.1), 100.11, limit=10, remaining=9)
    early, late = admit(limit, 100.2), admit(limit, 100.2)
    answer(limit, late, 100.3, limit=10, remaining=2)  # other clients have been busy meanwhile
    assert limit.allowed == 1  # and the earlier request, still out, may yet be served
    answer(limit, early, 100.31, limit=10, remaining=3)  # served before late: it knows less
    assert limit.allowed == 1


def test_a_429_holds_every_call_until_it_may_go_again() -> None:
    limit = RateLimit()
    ticket = admit(limit, 100.0)
    limit.observe(ticket, 429, headers(100.1), 100.1, server_time(100.1), retry_after=3.0)
    assert limit.gating
    assert admit(limit, 100.2) == pytest.approx(2.9)
    assert isinstance(admit(limit, 103.1), Ticket)


def test_a_wait_past_the_deadline_is_a_429_at_once_saying_when_the_limit_resets() -> None:
    limit = RateLimit()
    ticket = admit(limit, 100.0)
    limit.observe(ticket, 429, headers(100.1), 100.1, server_time(100.1), retry_after=30.0)
    error = admit(limit, 100.2, deadline_at=105.0)
    assert isinstance(error, TooManyRequestsException)
    assert error.status == 429 and error.retry_after == pytest.approx(29.9) and error.attempts == 0
    assert "Not sent" in str(error) and "resets in 29.9s" in str(error) and error.url == URL
    assert limit.in_flight == {}  # nothing went


def test_waiting_for_another_call_s_answer_keeps_to_the_deadline() -> None:
    limit = RateLimit(max_concurrency=1)
    admit(limit, 100.0)
    assert admit(limit, 100.1) == WAIT_FOR_CHANGE
    assert admit(limit, 100.1, deadline_at=100.6) == pytest.approx(0.5)
    refusal = admit(limit, 100.6, deadline_at=100.6)
    assert isinstance(refusal, ApiTimeoutError) and "waited for its turn" in str(refusal)


def test_max_concurrency_holds_requests_in_flight_to_its_number() -> None:
    limit = RateLimit(max_concurrency=2)
    answer(limit, admit(limit, 100.0), 100.0)  # the first answer: the server announces no limit
    first, second = admit(limit, 100.0), admit(limit, 100.0)
    assert admit(limit, 100.0) == WAIT_FOR_CHANGE
    answer(limit, first, 100.1)
    assert isinstance(admit(limit, 100.1), Ticket) and admit(limit, 100.1) == WAIT_FOR_CHANGE
    assert isinstance(second, Ticket)


def test_max_requests_per_second_paces_the_sends_evenly() -> None:
    limit = RateLimit(max_requests_per_second=4)
    answer(limit, admit(limit, 100.0), 100.0)
    assert admit(limit, 100.0) == pytest.approx(0.25)
    assert isinstance(admit(limit, 100.25), Ticket)
    assert admit(limit, 100.3) == pytest.approx(0.2) and isinstance(admit(limit, 100.5), Ticket)


def test_the_window_s_end_is_read_against_the_server_s_clock_not_the_local_one() -> None:
    """A server whose clock is an hour ahead of the local wall clock: its Reset is an hour "in the future" by the local
    clock, yet only a fraction of a second away by its own."""
    limit = RateLimit()
    ticket = admit(limit, 100.4)
    local_wall = server_time(100.5) - 3600.0
    limit.observe(ticket, 200, headers(100.5, limit=1, remaining=0), 100.5, local_wall)
    wait = admit(limit, 100.5)
    assert 0.5 <= wait <= 1.5  # by its own clock: at most Date's second of rounding after the true end


def test_without_a_date_header_the_local_clock_is_used_with_a_second_s_allowance() -> None:
    limit = RateLimit()
    ticket = admit(limit, 100.4)
    found = headers(100.5, limit=1, remaining=0)
    del found["Date"]
    limit.observe(ticket, 200, found, 100.5, server_time(100.5))
    wait = admit(limit, 100.5)
    assert 0.5 <= wait <= 1.6  # never before the window's end, at most a second or so after it


def test_an_answer_from_auth_does_not_tell_a_cold_client_the_server_is_unlimited() -> None:
    limit = RateLimit()
    token_fetch = admit(limit, 100.0)
    limit.observe(token_fetch, 204, headers(100.1), 100.1, server_time(100.1), operation=False)
    assert not limit.known and limit.gating
    first_call = admit(limit, 100.1)
    assert isinstance(first_call, Ticket) and not isinstance(admit(limit, 100.11), Ticket)
    answer(limit, first_call, 100.3)
    assert limit.known and not limit.gating


def test_a_request_that_never_got_an_answer_tells_a_cold_client_nothing() -> None:
    limit = RateLimit()
    limit.observe(admit(limit, 100.0), None, None, 100.2, server_time(100.2))
    assert not limit.known
    admit(limit, 100.2)
    assert admit(limit, 100.3) == pytest.approx(FIRST_ANSWER_PATIENCE - 0.1)  # one at a time, with patience


def test_a_call_whose_deadline_is_nearer_than_a_cold_client_s_patience_goes_rather_than_fails() -> None:
    limit = RateLimit()
    admit(limit, 100.0)
    assert isinstance(admit(limit, 100.1, deadline_at=100.5), Ticket)


def test_the_client_s_own_pace_past_the_deadline_is_a_timeout_not_the_server_s_429() -> None:
    limit = RateLimit(max_requests_per_second=1)
    answer(limit, admit(limit, 100.0), 100.0)
    refusal = admit(limit, 100.0, deadline_at=100.5)
    assert isinstance(refusal, ApiTimeoutError) and "max_requests_per_second" in str(refusal)
    assert not isinstance(refusal, TooManyRequestsException) and refusal.request_sent is False


def test_a_hold_longer_than_max_retry_wait_is_refused_at_once_even_without_a_deadline() -> None:
    limit = RateLimit()
    ticket = admit(limit, 100.0)
    limit.observe(ticket, 429, headers(100.1), 100.1, server_time(100.1), retry_after=3600.0)
    refusal = limit.admit(100.2, "GET", URL, None, 60.0)
    assert isinstance(refusal, TooManyRequestsException) and "max_retry_wait" in str(refusal)


def test_a_call_out_of_time_is_refused_not_admitted() -> None:
    limit = RateLimit()
    refusal = admit(limit, 100.0, deadline_at=100.0)
    assert isinstance(refusal, ApiTimeoutError) and limit.in_flight == {}
