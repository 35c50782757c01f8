"""What the sync and the async client share: settings, default headers, and the whole plan of a call."""

from __future__ import annotations

from typing import Any, Dict, Generator, Optional, Tuple, cast

from sparkfly_client._auth import AuthFlow
from sparkfly_client._decode import decode
from sparkfly_client._endpoint import Endpoint
from sparkfly_client._plan import plan_call
from sparkfly_client._request import DATA, UNREAD, Call, RequestBuilder, check_header
from sparkfly_client._steps import Clock, PreparedRequest, Response, Step
from sparkfly_client.api_response import ApiResponse
from sparkfly_client.configuration import Configuration

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
        self._auth = AuthFlow(self.configuration, self._auth_request, self._auth_plan, self._clock.monotonic)
        self._builder = RequestBuilder(self.configuration)
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

    def _plan(self, call: Call[Any], result: str) -> Generator[Step, Any, Tuple[Response, int]]:
        """Build the request (raising before anything is sent) and plan the call; :meth:`_finish` turns what the
        plan returns into what ``result`` asks for."""
        request = self._builder.build(call)
        config = self.configuration
        return plan_call(
            request,
            preload=result != UNREAD,
            max_body=config.max_response_bytes,
            max_retry_wait=config.max_retry_wait,
            auth=self._auth,
            clock=self._clock,
        )

    def _finish(self, outcome: Any, result: Optional[str]) -> Any:
        """The call's result: the decoded model (``DATA``), an :class:`ApiResponse`, or the unread response.
        Without ``result`` (a plan that is not an operation call, such as a token renewal), ``outcome`` as it is."""
        if result is None:
            return outcome
        response, attempts = outcome
        if result == UNREAD:
            return response.raw
        data = decode(response, attempts, self.configuration.max_retry_wait)
        return data if result == DATA else ApiResponse(response.status, response.headers, data, response.body)

    def _auth_request(self, endpoint: Endpoint[None], headers: Dict[str, str]) -> PreparedRequest:
        return self._builder.build(Call(endpoint, {}, {"_headers": headers}))

    def _auth_plan(
        self, request: PreparedRequest, deadline_at: Optional[float]
    ) -> Generator[Step, Any, Tuple[Response, int]]:
        config = self.configuration
        return plan_call(
            request,
            preload=True,
            max_body=config.max_response_bytes,
            max_retry_wait=config.max_retry_wait,
            auth=None,
            clock=self._clock,
            deadline_at=deadline_at,
        )
