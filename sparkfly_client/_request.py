"""Request building: an operation call checked and encoded into a request, before anything is sent.

No I/O. Everything here raises a typed error (``ApiTypeError``/``ApiValueError``) for bad input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Generic, Mapping, Optional, Tuple, TypeVar, Union

from typing_extensions import TypedDict

from sparkfly_client._endpoint import Endpoint
from sparkfly_client._retry import RetryPolicy
from sparkfly_client._shared import (
    INVALID,
    SECRET_API_KEY,
    SPARKFLY_TOKEN,
    Limits,
    Operation,
    Settings,
    Shared,
    TimeoutArg,
    Timeouts,
    apply_auth,
    base_url,
    check_header,
    drop_header,
    seconds,
)
from sparkfly_client._steps import PreparedRequest
from sparkfly_client.configuration import checked_host
from sparkfly_client.exceptions import ApiTypeError, ApiValueError
from sparkfly_client.models._base import REVEAL_SECRETS

if TYPE_CHECKING:
    from sparkfly_client.configuration import Configuration

__all__ = ["Call", "Variant", "RequestOptions", "RequestBuilder", "check_header", "DATA", "HTTP_INFO", "UNREAD"]

R = TypeVar("R")


class RequestOptions(TypedDict, total=False):
    """Per-call options every operation accepts, as in generated clients."""

    #: seconds, or ``(connect, read)``; overrides ``Configuration.timeout`` for this call.
    _request_timeout: Optional[TimeoutArg]
    #: the most seconds the whole call may take, every attempt and wait included; overrides
    #: ``Configuration.deadline`` (``None`` there means no limit).
    _deadline: Optional[float]
    #: extra headers for this call; they win over the client's own (names compared case-insensitively).
    _headers: Optional[Dict[str, str]]
    #: use this credential instead of the configured ones:
    #: ``{"in": "header", "key": "X-Auth-Token", "value": "..."}``.
    _request_auth: Optional[Dict[str, Any]]
    #: Content-Type for the request body (default ``application/json``).
    _content_type: Optional[str]
    #: index into ``Configuration.server_hosts`` (0 production, 1 staging) instead of ``host``.
    _host_index: Optional[int]
    #: retry count or :class:`RetryPolicy` for this call; ``0`` means no retry.
    _retries: Union[int, RetryPolicy, None]
    #: settle a lost answer to a create, redeem or delete (``True``/``False``); overrides
    #: ``Configuration.settle_outcomes``.
    _settle: Optional[bool]


OPTION_NAMES = frozenset(RequestOptions.__annotations__)


class _FromConfiguration:
    """The default of an option whose ``None`` means something of its own (``_deadline=None``: no deadline)."""

    def __repr__(self) -> str:
        return "<from Configuration>"


FROM_CONFIGURATION: Any = _FromConfiguration()
#: The defaults the options are presented with (``inspect.signature``, ``help()``); the others default to ``None``.
OPTION_DEFAULTS: Dict[str, Any] = {"_deadline": FROM_CONFIGURATION}


#: What a variant hands back: the decoded model, the ApiResponse, or the unread response.
DATA, HTTP_INFO, UNREAD = "data", "http_info", "unread"


class Variant:
    """What one variant of an operation asks of the client: its ``result`` (``DATA``, ``HTTP_INFO`` or
    ``UNREAD``) and the operation's name in traces and logs (``CredentialsApi.get_credential``, the same for
    the async class)."""

    __slots__ = ("result", "operation")

    def __init__(self, result: str, operation: str) -> None:
        self.result = result
        self.operation = operation

    def __repr__(self) -> str:
        return f"Variant({self.result!r}, {self.operation!r})"


class Call(Generic[R]):
    """One operation call as data: the endpoint, the arguments by name and the per-call options."""

    __slots__ = ("endpoint", "args", "options")

    def __init__(self, endpoint: Endpoint[R], args: Dict[str, Any], options: Mapping[str, Any]) -> None:
        self.endpoint = endpoint
        self.args = args
        self.options = options


class RequestBuilder:
    """Turns a :class:`Call` into a :class:`PreparedRequest` for one client's configuration.

    What every call shares (the base URL, the common headers, each operation's credential header) is
    derived from the settings it comes from, and derived again only when one of them has changed: each
    call reads those settings afresh and compares them with the ones last derived from.
    """

    def __init__(self, configuration: Configuration) -> None:
        self.configuration = configuration
        self.default_headers: Dict[str, str] = {}
        self.cookie: Optional[str] = None
        self._shared: Optional[Shared] = None
        self._limits = Limits(None, None, None)

    def build(self, call: Call[Any]) -> PreparedRequest:
        """Check every argument and option and encode the request. Raises before anything is sent."""
        endpoint, args, options = call.endpoint, call.args, call.options
        if options and not OPTION_NAMES.issuperset(options):
            raise _unexpected_keywords(endpoint, args, options)
        shared = self._current()
        operation = shared.operations.get(endpoint)
        if operation is None:
            operation = shared.operations[endpoint] = Operation(endpoint, shared)
        config = self.configuration
        if not options:  # the usual call: what it shares with the operation's other calls was prepared once
            prepared = self._prepared(operation, endpoint)
            if prepared is not None:
                return prepared.request(shared, endpoint, args)
        host_index = options.get("_host_index")
        base = shared.base if host_index is None else base_url(checked_host(config.get_host_from_settings(host_index)))
        url = base + endpoint.render_path(args)
        query = endpoint.render_query(args) if endpoint.query_params else None
        if query:
            from urllib.parse import urlencode

            url += "?" + urlencode(query)

        if shared.error is not None:  # a default header, the cookie or the user agent cannot be sent
            raise ApiValueError(shared.error)
        headers = dict(operation.headers)
        model = None if endpoint.body is None else endpoint.coerce_body(args)
        body: Optional[bytes] = None
        if model is not None:
            body = model.model_dump_json(by_alias=True, exclude_unset=True, context=REVEAL_SECRETS).encode()
            content_type = options.get("_content_type")
            if content_type:  # the call's own, checked; the default needs no check
                check_header("Content-Type", content_type)
            headers["Content-Type"] = content_type or "application/json"
        extra = options.get("_headers")
        present = shared.present
        if extra:
            if not isinstance(extra, dict):
                raise ApiTypeError(f"_headers must be a dict of str to str, not {type(extra).__name__}")
            for name, value in extra.items():
                check_header(name, value)
                drop_header(headers, name)
            headers.update(extra)
            present = present | {name.lower() for name in extra}

        # The framing is said here once, so both drivers put the same bytes on the wire: http.client
        # would leave Content-Length out of a bodiless DELETE, aiohttp would send "0".
        if extra:  # a Content-Length given per call never doubles the framing
            drop_header(headers, "Content-Length")
        if body is not None:
            headers["Content-Length"] = str(len(body))
        elif endpoint.method not in _NO_BODY_METHODS:
            headers["Content-Length"] = "0"
        request_auth = options.get("_request_auth")
        if extra or request_auth:  # the call brings a credential of its own, or may
            token_auth = apply_auth(endpoint, headers, present, request_auth, shared.settings)
        else:
            token_auth = operation.auth.apply(headers)
        limits = self._current_limits()
        # The call's own limits win. A setting that is not valid was left underived: it is derived again where
        # it is used, for the error saying why.
        timeout_arg = options.get("_request_timeout") if options else None
        timeouts = limits.timeouts if timeout_arg is None else Timeouts.from_value(timeout_arg)
        if timeouts is None:
            timeouts = Timeouts.from_value(limits.timeout)
        deadline_arg = options.get("_deadline", FROM_CONFIGURATION) if options else FROM_CONFIGURATION
        deadline = limits.deadline if deadline_arg is FROM_CONFIGURATION else seconds(deadline_arg, "deadline")
        if deadline is INVALID:
            deadline = seconds(limits.deadline_setting, "deadline")
        retries = options.get("_retries") if options else None
        policy = limits.policy if retries is None else RetryPolicy.from_value(retries)
        if policy is None:
            policy = RetryPolicy.from_value(limits.retries)
        settle = options.get("_settle") if options else None
        if settle is not None and not isinstance(settle, bool):
            raise ApiTypeError(f"_settle must be True or False, not {settle!r}")
        if not endpoint.settles:
            settle = False  # nothing to settle: a read, or an operation safe to resend
        elif settle is None:
            settle = config.settle_outcomes
            if not isinstance(settle, bool):
                raise ApiValueError(f"Configuration.settle_outcomes must be True or False, not {settle!r}")
        return PreparedRequest(
            endpoint, url, headers, body, timeouts, deadline, policy, token_auth, settle, args, options
        )

    def _prepared(self, operation: Operation, endpoint: Endpoint[Any]) -> Optional[_Prepared]:
        """What every call of ``operation`` without per-call options shares under the settings as they are now, or
        ``None`` when a setting it comes from is not valid (the full build then raises the error saying why)."""
        config = self.configuration
        limits = self._current_limits()
        settle_setting = config.settle_outcomes
        prepared: Optional[_Prepared] = operation.prepared
        if prepared is None or prepared.limits is not limits or prepared.settle_setting is not settle_setting:
            if limits.timeouts is None or limits.deadline is INVALID or limits.policy is None:
                return None
            if endpoint.settles and not isinstance(settle_setting, bool):
                return None
            prepared = operation.prepared = _Prepared(operation, endpoint, limits, settle_setting)
        return prepared

    def _current_limits(self) -> Limits:
        """The timeout, deadline and retry settings as they are now: derived again when any of them has changed."""
        config = self.configuration
        limits = self._limits
        if (
            limits.timeout is not config.timeout
            or limits.deadline_setting is not config.deadline
            or limits.retries is not config.retries
        ):
            limits = self._limits = Limits(config.timeout, config.deadline, config.retries)
        return limits

    def _current(self) -> Shared:
        """What calls share under the settings as they are now: derived again when any of them has changed."""
        config = self.configuration
        settings = (
            config.host,
            config.user_agent,
            self.cookie,
            tuple(self.default_headers.items()) if self.default_headers else (),
            # Through the generated-client method, so that a Configuration overriding it is heard.
            config.get_api_key_with_prefix(SPARKFLY_TOKEN),
            config.get_api_key_with_prefix(SECRET_API_KEY),
            config.access_token,
            config.auth_identity,
            config.auth_key,
        )
        shared = self._shared
        if shared is None or shared.settings.values != settings:
            # Derived from these values alone (never read again from the configuration), and put in place in
            # one assignment: a change another thread makes meanwhile is seen by the next call.
            shared = self._shared = Shared(Settings(settings))
        return shared


_NO_BODY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class _Prepared:
    """What every call of one operation without per-call options shares under one state of the settings (the
    :class:`Operation`'s, and the ``limits`` and ``settle_setting`` it was made under): the headers with the
    configured credential and the framing (a body's length is a placeholder, set per call), the limits, the retry
    policy and whether a lost answer is settled. A call only renders its URL and encodes its body."""

    __slots__ = ("limits", "settle_setting", "headers", "bodiless_headers", "auth_error", "token_auth", "timeouts",
                 "deadline", "policy", "settle")  # fmt: skip

    def __init__(self, operation: Operation, endpoint: Endpoint[Any], limits: Limits, settle_setting: Any) -> None:
        self.limits = limits
        self.settle_setting = settle_setting
        #: why the configured credential cannot be used: raised by each call, after its arguments are checked
        self.auth_error = operation.auth.error
        #: the headers of a request without a body, and (where the operation takes one) of one with a body
        self.bodiless_headers, self.token_auth = _framed(operation, endpoint.method, with_body=False)
        self.headers = self.bodiless_headers
        if endpoint.body is not None:
            self.headers, _ = _framed(operation, endpoint.method, with_body=True)
        self.timeouts: Timeouts = limits.timeouts  # type: ignore[assignment]  # valid: checked by the builder
        self.deadline: Optional[float] = limits.deadline
        self.policy: RetryPolicy = limits.policy  # type: ignore[assignment]
        self.settle: bool = bool(settle_setting) if endpoint.settles else False

    def request(self, shared: Shared, endpoint: Endpoint[Any], args: Dict[str, Any]) -> PreparedRequest:
        """A call's request: its URL and body, in the order and with the errors of the full build."""
        url = shared.base + endpoint.render_path(args)
        if endpoint.query_params:
            query = endpoint.render_query(args)
            if query:
                from urllib.parse import urlencode

                url += "?" + urlencode(query)
        if shared.error is not None:  # a default header, the cookie or the user agent cannot be sent
            raise ApiValueError(shared.error)
        body: Optional[bytes] = None
        if endpoint.body is None:
            headers = dict(self.headers)
        else:
            model = endpoint.coerce_body(args)
            if model is not None:
                body = model.model_dump_json(by_alias=True, exclude_unset=True, context=REVEAL_SECRETS).encode()
                headers = dict(self.headers)
                headers["Content-Length"] = str(len(body))
            else:  # no body after all: the headers the full build gives a bodiless request
                headers = dict(self.bodiless_headers)
        if self.auth_error is not None:
            raise ApiValueError(self.auth_error)
        return PreparedRequest(
            endpoint, url, headers, body, self.timeouts, self.deadline, self.policy, self.token_auth, self.settle, args
        )


def _framed(operation: Operation, method: str, with_body: bool) -> Tuple[Dict[str, str], bool]:
    """The headers the full build gives a request of ``operation`` with or without a body (the operation's, client-wide
    headers included, the framing and the configured credential), and whether that credential is a token."""
    headers = dict(operation.headers)
    if with_body:
        headers["Content-Type"] = "application/json"
        headers["Content-Length"] = ""  # the body's, set per call
    elif method not in _NO_BODY_METHODS:
        headers["Content-Length"] = "0"
    token_auth = False if operation.auth.error is not None else operation.auth.apply(headers)
    return headers, token_auth


def _unexpected_keywords(endpoint: Endpoint[Any], args: Mapping[str, Any], options: Mapping[str, Any]) -> ApiTypeError:
    import difflib  # only for this message: not on every import

    known = [*args, *sorted(OPTION_NAMES)]
    problems = []
    for name in sorted(set(options) - OPTION_NAMES):
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.7)
        problems.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    return ApiTypeError(
        f"{endpoint.operation_id}() got unexpected keyword argument(s): {', '.join(problems)}; "
        f"it takes {', '.join(args) or 'no arguments'} and the options {', '.join(sorted(OPTION_NAMES))}"
    )
