"""What the sync and the async client share: settings, default headers, and the whole plan of a call."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, Dict, Generator, Optional, Tuple, Type, cast

from pydantic import ValidationError

from sparkfly_client._endpoint import Endpoint
from sparkfly_client._plan import plan_call
from sparkfly_client._ratelimit import RateLimit
from sparkfly_client._request import DATA, UNREAD, Call, RequestBuilder, check_header
from sparkfly_client._steps import NOT_DECODED, Clock, Outcome, PreparedRequest, Response, Step
from sparkfly_client.configuration import Configuration
from sparkfly_client.exceptions import ApiValueError

if TYPE_CHECKING:
    from types import ModuleType

    from sparkfly_client._auth import AuthFlow
    from sparkfly_client._settle import Settling
    from sparkfly_client.api_response import ApiResponse

#: Spans are made only once the application has imported OpenTelemetry's API: a driver looks for it in
#: ``modules`` on every call (one dictionary lookup), and only then asks ``tracing()`` for the call's span.
TRACE_MODULE = "opentelemetry.trace"
modules = sys.modules

__all__ = ["ClientBase"]


class ClientBase:
    """Holds the configuration, the default headers and the token state; plans each call.

    Every setting of the :class:`Configuration` takes effect from the next call, the connection
    settings (TLS, proxy, pool size) included: the driver builds its pools again when they change.
    """

    def __init__(
        self,
        configuration: Optional[Configuration] = None,
        header_name: Optional[str] = None,
        header_value: Optional[str] = None,
        cookie: Optional[str] = None,
        *,
        clock: Optional[Clock] = None,
    ) -> None:
        self.configuration = Configuration.get_default() if configuration is None else configuration
        self._clock = Clock() if clock is None else clock
        self._builder = RequestBuilder(self.configuration)
        self._settling_means: Optional[Settling] = None  # made by the first call that settles
        self._limit: Optional[RateLimit] = None
        self._limit_key: Tuple[Any, ...] = ()
        if header_name is not None:
            self.set_default_header(header_name, cast(str, header_value))
        self.cookie = cookie

    # --- headers --------------------------------------------------------------------------------

    @property
    def default_headers(self) -> Dict[str, str]:
        return self._builder.default_headers

    @property
    def cookie(self) -> Optional[str]:
        return self._builder.cookie

    @cookie.setter
    def cookie(self, value: Optional[str]) -> None:
        self._builder.cookie = value

    @property
    def user_agent(self) -> str:
        sent = [value for name, value in self.default_headers.items() if name.lower() == "user-agent"]
        return sent[-1] if sent else self.configuration.user_agent

    @user_agent.setter
    def user_agent(self, value: str) -> None:
        self.set_default_header("User-Agent", value)

    def set_default_header(self, header_name: str, header_value: str) -> None:
        check_header(header_name, header_value)
        self.default_headers[header_name] = header_value

    # --- the plan of a call -------------------------------------------------------------------

    def _plan(self, call: Call[Any], result: str) -> Generator[Step, Any, Outcome]:
        """Build the request (raising before anything is sent) and plan the call; :meth:`_finish` turns what the
        plan returns into what ``result`` asks for."""
        request = self._builder.build(call)
        preload = result != UNREAD
        # An unread response is handed over as it is: only a call that reads its answer settles a lost one.
        settling = self._settling() if request.settle and preload else None
        return self._plan_request(request, preload=preload, settling=settling)

    def _plan_request(
        self,
        request: PreparedRequest,
        *,
        preload: bool = True,
        auth: bool = True,
        deadline_at: Optional[float] = None,
        settling: Optional[Settling] = None,
    ) -> Generator[Step, Any, Outcome]:
        config = self.configuration
        return plan_call(
            request,
            preload=preload,
            max_body=config.max_response_bytes,
            max_retry_wait=config.max_retry_wait,
            auth=self._token_flow() if auth and request.token_auth else None,
            clock=self._clock,
            deadline_at=deadline_at,
            settling=settling,
            limit=self._rate_limit(),
        )

    def _token_flow(self) -> AuthFlow:
        """The client's one token flow (``_auth.py``), made by the first call that fetches its ``X-Auth-Token`` from
        ``auth_identity`` and ``auth_key``: a client given its credential never imports it."""
        flow: Optional[AuthFlow] = self.__dict__.get("_auth")
        if flow is None:
            from sparkfly_client._auth import AuthFlow

            made = AuthFlow(self.configuration, self._auth_request, self._auth_plan, self._clock.monotonic)
            flow = self.__dict__.setdefault("_auth", made)  # one for every thread: the first one stored
        return flow

    def _rate_limit(self) -> RateLimit:
        """The client's one view of the rate limit, shared by all its calls: made anew in a child process after
        ``fork`` (the parent's calls in flight are not the child's) and when the client's own limits change."""
        config = self.configuration
        limit = self._limit
        key = self._limit_key
        pid = os.getpid()
        if (
            limit is None
            or key[0] != pid
            or key[1] != config.max_concurrency
            or key[2] != config.max_requests_per_second
        ):
            key = (pid, config.max_concurrency, config.max_requests_per_second)
            limit = self._limit = RateLimit(
                _positive(config.max_concurrency, "max_concurrency", int),
                _positive(config.max_requests_per_second, "max_requests_per_second", (int, float)),
            )
            self._limit_key = key
        return limit

    def _finish(self, outcome: Any, result: Optional[str]) -> Any:
        """The call's result: the decoded model (``DATA``), an :class:`ApiResponse`, or the unread response.
        Without ``result`` (a plan that is not an operation call, such as a token renewal), ``outcome`` as it is."""
        if result is None:
            return outcome
        response = outcome.response
        if result == UNREAD:
            return response.raw
        data = outcome.data
        if data is NOT_DECODED:
            data = decode(response, outcome.attempts, self.configuration.max_retry_wait)
        if result == DATA:
            return data
        return _api_response()(response.status, response.headers, data, response.body, outcome.settled)

    # --- what the plan asks of the client ------------------------------------------------------

    def _auth_request(self, endpoint: Endpoint[None], headers: Dict[str, str]) -> PreparedRequest:
        return self._builder.build(Call(endpoint, {}, {"_headers": headers}))

    def _auth_plan(self, request: PreparedRequest, deadline_at: Optional[float]) -> Generator[Step, Any, Outcome]:
        return self._plan_request(request, auth=False, deadline_at=deadline_at)

    def _settling(self) -> Settling:
        """What settling needs from this client; ``_settle.py`` is imported by the first call that settles, not by
        every cold start."""
        settling = self._settling_means
        if settling is None:
            from sparkfly_client._settle import Settling

            settling = self._settling_means = Settling(self._settling_read, self._settling_resend, self._clock)
        return settling

    def _settling_read(
        self, settled: PreparedRequest, endpoint: Endpoint[Any], args: Dict[str, Any], deadline_at: Optional[float]
    ) -> Generator[Step, Any, Outcome]:
        """A GET that settles ``settled``'s lost answer: with that call's credentials, host, timeouts and retries,
        within what is left of its deadline; its answer decoded (or its typed error raised)."""
        options = {name: value for name, value in settled.options.items() if name in _SETTLING_READ_OPTIONS}
        outcome = yield from self._plan_request(
            self._builder.build(Call(endpoint, args, options)), deadline_at=deadline_at
        )
        outcome.data = decode(outcome.response, outcome.attempts, self.configuration.max_retry_wait)
        return outcome

    def _settling_resend(self, request: PreparedRequest, deadline_at: Optional[float]) -> Generator[Step, Any, Outcome]:
        return self._plan_request(request, deadline_at=deadline_at)


_tracing: Optional[ModuleType] = None


def tracing() -> Any:
    """The module ``_tracing.py`` (``call_span``, ``renewal_span``), imported when first asked for: by a call made
    once the application has imported OpenTelemetry's API, never by a cold start that does not trace."""
    global _tracing
    if _tracing is None:
        from sparkfly_client import _tracing as module

        _tracing = module
    return _tracing


def decode(response: Response, attempts: int, max_retry_wait: float) -> Any:
    """The response's body as the declared model (``None`` for none), or the typed exception for its status (made by
    ``_decode.py``, imported by the first failure)."""
    status = response.status
    if 200 <= status < 300:
        returns = response.request.endpoint.returns
        if returns is None or status == 204:
            return None
        try:
            return returns.model_validate_json(response.body)
        except (ValidationError, ValueError) as exc:
            failure = exc
        from sparkfly_client._decode import raise_undecodable  # raised outside the except clause, with its cause

        raise_undecodable(response, attempts, failure)
    from sparkfly_client._decode import raise_refused

    raise_refused(response, attempts, max_retry_wait)


_ApiResponse: Optional[Type[ApiResponse[Any]]] = None


def _api_response() -> Type[ApiResponse[Any]]:
    """The class of a ``_with_http_info`` call's result, imported by the first such call: not by every cold start."""
    global _ApiResponse
    if _ApiResponse is None:
        from sparkfly_client.api_response import ApiResponse

        _ApiResponse = ApiResponse
    return _ApiResponse


def _positive(value: Any, name: str, kinds: Any) -> Any:
    if value is not None and (isinstance(value, bool) or not isinstance(value, kinds) or not value > 0):
        raise ApiValueError(f"{name} must be a positive number or None, not {value!r}")
    return value


#: The options of a call that its settling reads share: not its deadline (they share what is left of it), nor its
#: retries (they are retried as GETs are), nor its body's content type, nor settling itself.
_SETTLING_READ_OPTIONS = frozenset({"_request_timeout", "_headers", "_request_auth", "_host_index"})
