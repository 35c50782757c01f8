"""The one auth flow both drivers use for the Sparkfly ``/auth`` token.

No I/O: :class:`AuthFlow` decides when a token is needed, which renewal a caller may share, and
what an ``/auth`` response means. The drivers only hold the lock around a renewal and run its plan.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, Callable, Dict, Generator, Optional, Tuple

from sparkfly_client._decode import error_for
from sparkfly_client._endpoint import Endpoint
from sparkfly_client._shared import SPARKFLY_TOKEN
from sparkfly_client._steps import Authenticate, Outcome, Response, Step
from sparkfly_client.exceptions import OpenApiException

if TYPE_CHECKING:
    from sparkfly_client.configuration import Configuration

__all__ = ["AuthFlow"]

#: The token request: the published spec says ``POST /auth``, the seed and older servers ``GET /auth``.
#: The flow starts with GET and moves to POST for good when a server responds 404 or 405 to it.
#: Its error body's model, imported when an /auth call first fails (see ModelRef).
_ERROR = "sparkfly_client.models.bad_request_object:BadRequestObject"
AUTHENTICATE_GET: Endpoint[None] = Endpoint("authenticate", "GET", "/auth", None, error_model=_ERROR)
AUTHENTICATE_POST: Endpoint[None] = Endpoint("authenticate", "POST", "/auth", None, error_model=_ERROR, idempotent=True)
_WRONG_METHOD = (404, 405)


class AuthFlow:
    """Obtains the Sparkfly ``X-Auth-Token`` from ``/auth`` and renews it: one per client.

    A crowd of callers that all found the same token wanting shares one renewal: each takes a ticket
    (the count of finished renewals) before waiting for the lock, and when it gets the lock after a
    renewal finished, it takes that renewal's outcome (the token, or the same failure) instead of
    making its own ``/auth`` call.
    """

    def __init__(
        self,
        configuration: Configuration,
        build_fetch: Callable[[Endpoint[None], Dict[str, str]], Any],
        plan: Callable[[Any, Optional[float]], Generator[Step, Any, Outcome]],
        clock: Callable[[], float],
    ) -> None:
        self.configuration = configuration
        self._build_fetch = build_fetch
        self._plan = plan
        self.clock = clock
        # The token and when to renew it, replaced together so a reader never pairs one with the other's expiry.
        self._held: Optional[Tuple[str, float, Tuple[Any, ...]]] = None
        self._finished = 0
        self._failure: Optional[OpenApiException] = None
        self._failure_shared = True
        self._endpoint = AUTHENTICATE_GET

    def valid_token(self) -> Optional[str]:
        """The token to send now, or ``None`` when there is none, it is due for renewal, or it was
        obtained with an identity, key or scope that the configuration no longer holds."""
        held = self._held
        if held is not None and self.clock() < held[1] and held[2] == self._account():
            return held[0]
        return None

    def _account(self) -> Tuple[Any, ...]:
        config = self.configuration
        return (config.auth_identity, config.auth_key, config.auth_scope)

    def need(self, stale: Optional[str], deadline_at: Optional[float]) -> Authenticate:
        return Authenticate(self, stale, self._finished, deadline_at)

    def settled(self, step: Authenticate) -> Optional[str]:
        """Under the lock: the token if another caller's renewal already met this need (its failure
        is raised again), ``None`` when this caller must renew. A renewal cut short by its own caller's
        deadline says nothing about the server, so that failure is not shared: the waiter tries itself."""
        if self._finished != step.ticket:
            if self._failure is not None and self._failure_shared:
                raise copy.copy(self._failure)
            if self._failure is None and self._held is not None:
                return self._held[0]
        held = self._held
        if held is not None and held[0] != step.stale and self.valid_token() is not None:
            return held[0]
        return None

    def renewal(self, step: Authenticate) -> Generator[Step, Any, str]:
        """Under the lock: the plan of one ``/auth`` call (retried like any call, within the caller's
        deadline), recording its outcome for the callers waiting on it."""
        account = self._account()
        try:
            outcome = yield from self._plan(self._fetch_request(), step.deadline_at)
            if outcome.response.status in _WRONG_METHOD and self._endpoint is AUTHENTICATE_GET:
                self._endpoint = AUTHENTICATE_POST
                outcome = yield from self._plan(self._fetch_request(), step.deadline_at)
            token = self._accept(outcome.response, outcome.attempts)
        except OpenApiException as exc:
            self._failure = exc
            # Cut short by the caller's own deadline (within a timer's slack of it): not the server's answer.
            self._failure_shared = step.deadline_at is None or self.clock() < step.deadline_at - 0.05
            self._finished += 1
            raise
        ttl = self.configuration.token_ttl
        # Renew 5 minutes early (or at 90 % of a short TTL) so no call carries a token that expires in flight.
        self._held = (token, self.clock() + max(ttl - 300.0, ttl * 0.9), account)
        self._failure = None
        self._finished += 1
        return token

    def _fetch_request(self) -> Any:
        config = self.configuration
        headers = {"X-Auth-Identity": str(config.auth_identity), "X-Auth-Key": str(config.auth_key)}
        if config.auth_scope:
            headers["X-Auth-Scope"] = config.auth_scope
        return self._build_fetch(self._endpoint, headers)

    def _accept(self, response: Response, attempts: int) -> str:
        token = response.header(SPARKFLY_TOKEN)
        if 200 <= response.status < 300 and token:
            return token
        note = None if response.status >= 300 else f"{self._endpoint.method} /auth responded without an X-Auth-Token"
        raise error_for(response.request, response, attempts, note=note)
