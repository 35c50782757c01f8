"""The call plan: every decision of one call, with no I/O, stepped by the sync and the async driver.

:func:`plan_call` is a generator of the steps of ``_steps.py``: it yields what the driver must do next
(send, wait, discard, authenticate) and receives the outcome. It returns the final response and the
number of attempts, or raises the typed error. It decides the retries (which failure, how long to wait,
never resending what is unsafe to resend), the token renewal (renew once, then replay once), the
deadline over every attempt and wait, and what is logged.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Dict, Generator, Mapping, Optional

from sparkfly_client._ratelimit import Ticket
from sparkfly_client._retry import server_requested_delay
from sparkfly_client._shared import SECRET_HEADERS, SPARKFLY_TOKEN
from sparkfly_client._steps import (
    LOST_STATUSES,
    Admit,
    Clock,
    Discard,
    Observe,
    Outcome,
    PreparedRequest,
    Response,
    Send,
    Step,
    Wait,
)
from sparkfly_client.exceptions import (
    ApiConnectionError,
    ApiException,
    ApiTimeoutError,
    ApiTransportError,
    OpenApiException,
)

if TYPE_CHECKING:
    from sparkfly_client._auth import AuthFlow
    from sparkfly_client._ratelimit import RateLimit
    from sparkfly_client._settle import SettleStrategy, Settling

__all__ = ["plan_call", "masked"]

logger = logging.getLogger("sparkfly_client")


def plan_call(
    request: PreparedRequest,
    *,
    preload: bool,
    max_body: int,
    max_retry_wait: float,
    auth: Optional[AuthFlow],
    clock: Clock,
    deadline_at: Optional[float] = None,
    settling: Optional[Settling] = None,
    limit: Optional[RateLimit] = None,
) -> Generator[Step, Any, Outcome]:
    """The plan of one call; see the module's description. ``deadline_at`` (monotonic seconds) is given
    when this plan runs inside another call (the ``/auth`` fetch, a settling read) and shares that call's
    deadline. With ``settling``, a lost answer to an operation that settles is settled (``_settle.py``); with
    ``limit``, every attempt goes only when the client's rate limit admits it (``_ratelimit.py``)."""
    policy = request.policy
    started = clock.monotonic()
    if deadline_at is None and request.deadline is not None:
        deadline_at = started + request.deadline
    strategy: Optional[SettleStrategy] = request.endpoint.settle if settling is not None else None
    attempts = retries = 0
    maybe_sent = token_replayed = maybe_processed = False
    token: Optional[str] = None
    while True:
        headers: Mapping[str, str] = request.headers
        if request.token_auth:
            assert auth is not None
            if token is None:
                token = auth.valid_token()
            if token is None:
                token = yield auth.need(None, deadline_at)
                if not isinstance(token, str):  # the token could not be had: the call ends with why
                    raise _whole_call(token, request, attempts, maybe_sent, clock.monotonic() - started)
            headers = {**request.headers, SPARKFLY_TOKEN: token}
        ticket: Optional[Ticket] = None
        if limit is not None and limit.gating:
            admitted = yield Admit(limit, request, deadline_at, max_retry_wait)
            if type(admitted) is not Ticket:  # refused: it cannot go in time
                raise _whole_call(admitted, request, attempts, maybe_sent, clock.monotonic() - started)
            ticket = admitted
        sent_at = clock.monotonic()
        remaining: Optional[float] = None
        if deadline_at is not None:
            remaining = deadline_at - sent_at
            if remaining <= 0:
                if ticket is not None:  # its place is given back: it never went
                    yield Observe(limit, ticket, None, None, None)  # type: ignore[arg-type]
                raise _deadline_passed(request, attempts, maybe_sent, sent_at - started, deadline_at - started)
        attempts += 1
        outcome = yield Send(request, headers, request.timeouts.within(remaining), preload, max_body)
        if limit is not None:
            observed = _observation(limit, ticket, outcome, bool(request.endpoint.auth))
            if observed is not None:
                yield observed

        if isinstance(outcome, ApiTransportError):
            maybe_sent = maybe_sent or outcome.request_sent
            maybe_processed = maybe_processed or (outcome.request_sent and _lost_answer(outcome))
            refusal = _refusal(
                request,
                retries,
                sent=outcome.request_sent,
                retryable=outcome.retryable,
                proxy_status=outcome.proxy_status,
            )
            wait = None if refusal else policy.backoff(retries + 1, clock.random)
            refusal = refusal or _beyond_deadline(wait, deadline_at, clock)
            if refusal is None:
                _log_retry(request, attempts, wait, outcome.message)
                retries += 1
                yield Wait(wait)  # type: ignore[arg-type]
                continue
            logger.debug("not retrying %s %s after %s: %s", request.method, request.shown_url, outcome.message, refusal)
            _describe_whole_call(outcome, request, attempts, maybe_sent, clock.monotonic() - started)
            if outcome.request_sent and not request.endpoint.retry_safe:
                if strategy is not None and strategy.settles_lost and _lost_answer(outcome):
                    from sparkfly_client._settle import Attempt  # imported by the client when settling is on

                    return (
                        yield from strategy.settle(Attempt(settling, request, outcome, attempts, deadline_at, started))
                    )
                outcome.message += f"; not retried: {refusal}"  # the caller must find out whether it took effect
            raise outcome

        response: Response = outcome
        maybe_sent = True  # it reached the server (a 5xx from a gateway may have been acted on upstream)
        processed_before, maybe_processed = maybe_processed, maybe_processed or response.status in LOST_STATUSES
        response.request = request
        response.token = token
        if logger.isEnabledFor(logging.INFO):
            _log_exchange(request, headers, response, clock.monotonic() - sent_at, attempts)
        status = response.status
        if status == 401 and token is not None and not token_replayed:
            # The token expired or was revoked: renew once (shared with other callers) and replay once.
            # A 401 means the server did not act on the request, so replaying is safe for any method.
            token_replayed = True
            if response.raw is not None:
                yield Discard(response.raw)
            token = yield auth.need(token, deadline_at)  # type: ignore[union-attr]
            if not isinstance(token, str):
                raise _whole_call(token, request, attempts, maybe_sent, clock.monotonic() - started)
            continue
        if status in policy.statuses:
            requested = server_requested_delay(status, response.headers, clock.wall())
            # A 429 says the server did not act on the request: it may go again, whatever its method.
            refusal = _refusal(request, retries, sent=status != 429)
            if refusal is None and requested is not None and requested > max_retry_wait:
                refusal = f"the server asked to wait {requested:.0f}s, more than max_retry_wait"
            wait = None if refusal else (policy.backoff(retries + 1, clock.random) if requested is None else requested)
            refusal = refusal or _beyond_deadline(wait, deadline_at, clock)
            if refusal is None:
                if response.raw is not None:
                    yield Discard(response.raw)
                _log_retry(request, attempts, wait, f"status {status}")
                retries += 1
                yield Wait(wait)  # type: ignore[arg-type]
                continue
            logger.debug("not retrying %s %s after status %d: %s", request.method, request.shown_url, status, refusal)
        if strategy is not None:
            if status in LOST_STATUSES and strategy.settles_lost and not request.endpoint.retry_safe:
                from sparkfly_client._decode import error_for
                from sparkfly_client._settle import Attempt

                lost_error = error_for(request, response, attempts)  # the gateway's answer, as the cause

                return (
                    yield from strategy.settle(Attempt(settling, request, lost_error, attempts, deadline_at, started))
                )
            if status == 404 and processed_before:
                found = strategy.not_found(request, response, attempts)
                if found is not None:
                    return found
        return Outcome(response, attempts)


def _observation(limit: RateLimit, ticket: Optional[Ticket], outcome: Any, operation: bool) -> Optional[Observe]:
    """What the rate limit is told of an attempt: whatever came back for an admitted one; for another, an answer
    that speaks of the limit (a 429, or the rate-limit headers of a server that starts announcing one).
    ``operation``: the request was an API operation's (an ``/auth`` answer says nothing of the limit)."""
    if isinstance(outcome, ApiTransportError):
        return None if ticket is None else Observe(limit, ticket, None, None, None)
    status, headers = outcome.status, outcome.headers
    if ticket is None and status != 429 and outcome.header("Rate-Limit-Remaining") is None:
        return None
    delay = server_requested_delay(None, headers) if status == 429 else None
    return Observe(limit, ticket, status, headers, delay, operation)


def _whole_call(
    error: OpenApiException, request: PreparedRequest, attempts: int, maybe_sent: bool, elapsed: float
) -> OpenApiException:
    """A failure met before an attempt went (no token, no turn under the rate limit), reported for the whole call."""
    if isinstance(error, ApiTransportError):
        _describe_whole_call(error, request, attempts, maybe_sent, elapsed)
    elif isinstance(error, ApiException) and not error.attempts:  # the rate limit's refusal, before it went
        error.attempts = attempts
    return error


def _lost_answer(error: ApiTransportError) -> bool:
    """Whether a failure after sending left the outcome open: a timeout or a lost connection (not, say, a body
    over the size limit, whose answer did arrive)."""
    return type(error) in (ApiTimeoutError, ApiConnectionError)


def _refusal(
    request: PreparedRequest,
    retries: int,
    *,
    sent: bool = True,
    retryable: bool = True,
    proxy_status: Optional[int] = None,
) -> Optional[str]:
    """Why a failed attempt must not be retried, or ``None`` when it may be."""
    if not retryable:
        return "retrying cannot help"
    if sent and not request.endpoint.retry_safe:
        return f"{request.endpoint.operation_id} is not repeated once the request may have reached the server"
    if retries >= request.policy.max_retries:
        return f"no retries left after {retries + 1} attempt(s)"
    if proxy_status is not None and proxy_status not in request.policy.statuses:
        # A proxy that refuses the tunnel (407 without credentials, 403) answers the same way again.
        return f"the proxy refused the tunnel with status {proxy_status}"
    return None


def _beyond_deadline(wait: Optional[float], deadline_at: Optional[float], clock: Clock) -> Optional[str]:
    if wait is None or deadline_at is None or clock.monotonic() + wait < deadline_at:
        return None
    return f"waiting {wait:.1f}s would pass the call's deadline"


def _deadline_passed(
    request: PreparedRequest, attempts: int, maybe_sent: bool, elapsed: float, allowed: float
) -> ApiTimeoutError:
    error = ApiTimeoutError(f"the call's deadline of {allowed:.3g}s passed", request_sent=maybe_sent)
    _describe_whole_call(error, request, attempts, maybe_sent, elapsed)
    return error


def _describe_whole_call(
    error: ApiTransportError, request: PreparedRequest, attempts: int, maybe_sent: bool, elapsed: float
) -> None:
    """The failure report covers the whole call, not only its last attempt."""
    error.method, error.url = request.method, request.shown_url
    error.attempts = attempts
    error.request_sent = maybe_sent
    error.elapsed = elapsed


def _log_retry(request: PreparedRequest, attempts: int, wait: Optional[float], why: str) -> None:
    logger.info(
        "retrying %s %s after %s: attempt %d failed, waiting %.2fs",
        request.method,
        request.shown_url,
        why,
        attempts,
        wait,
    )


def _log_exchange(
    request: PreparedRequest, headers: Mapping[str, str], response: Response, elapsed: float, attempt: int
) -> None:
    # INFO: one line per exchange; DEBUG adds the (masked) request headers.
    detailed = logger.isEnabledFor(logging.DEBUG)
    logger.log(
        logging.DEBUG if detailed else logging.INFO,
        "%s %s -> %s in %.3fs (attempt %d, request id %s)" + (" request headers %s" if detailed else ""),
        request.method,
        request.shown_url,
        response.status,
        elapsed,
        attempt,
        response.header("X-Request-Id"),
        *((masked(headers),) if detailed else ()),
    )


def masked(headers: Mapping[str, str]) -> Dict[str, str]:
    return {k: ("***" if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}
