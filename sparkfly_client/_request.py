"""Request building: an operation call checked and encoded into a request, before anything is sent.

No I/O. Everything here raises a typed error (``ApiTypeError``/``ApiValueError``) for bad input.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, Callable, Dict, Generic, Mapping, Optional, Tuple, TypeVar, Union

from typing_extensions import TypedDict

from sparkfly_client._attempt import TimeoutArg, Timeouts, seconds
from sparkfly_client._auth import SECRET_HEADERS, SPARKFLY_TOKEN, AuthFlow, scheme_header
from sparkfly_client._endpoint import Endpoint
from sparkfly_client._retry import RetryPolicy
from sparkfly_client.configuration import checked_host, without_userinfo
from sparkfly_client.exceptions import ApiTypeError, ApiValueError
from sparkfly_client.models._base import REVEAL_SECRETS, secret_values

if TYPE_CHECKING:
    from sparkfly_client.configuration import Configuration

__all__ = ["Call", "RequestOptions", "PreparedRequest", "RequestBuilder", "check_header"]

R = TypeVar("R")


class RequestOptions(TypedDict, total=False):
    """Per-call options every operation accepts, as in generated clients."""

    #: seconds, or ``(connect, read)``; overrides ``Configuration.timeout`` for this call.
    _request_timeout: TimeoutArg
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


OPTION_NAMES = frozenset(RequestOptions.__annotations__)


class Call(Generic[R]):
    """One operation call as data: the endpoint, the arguments by name and the per-call options."""

    __slots__ = ("endpoint", "args", "options")

    def __init__(self, endpoint: Endpoint[R], args: Dict[str, Any], options: Mapping[str, Any]) -> None:
        self.endpoint = endpoint
        self.args = args
        self.options = options


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


class RequestBuilder:
    """Turns a :class:`Call` into a :class:`PreparedRequest` for one client's configuration.

    What every call shares (the common headers, the timeout and retry settings) is derived once and
    derived again only when the setting it comes from is replaced.
    """

    def __init__(self, configuration: Configuration, auth: Optional[AuthFlow]) -> None:
        self.configuration = configuration
        self.auth = auth
        self.default_headers: Dict[str, str] = {}
        self.cookie: Optional[str] = None
        self._common: Tuple[Any, Dict[str, str], frozenset[str]] = (None, {}, frozenset())
        self._checked_credential: Optional[Tuple[str, str]] = None
        self._timeouts: _Derived[TimeoutArg, Timeouts] = _Derived(Timeouts.from_value)
        self._policy: _Derived[Union[int, RetryPolicy, None], RetryPolicy] = _Derived(RetryPolicy.from_value)
        self._deadline: _Derived[Optional[float], Optional[float]] = _Derived(lambda value: seconds(value, "deadline"))

    def build(self, call: Call[Any]) -> PreparedRequest:
        """Check every argument and option and encode the request. Raises before anything is sent."""
        endpoint, args, options = call.endpoint, call.args, call.options
        if options and not OPTION_NAMES.issuperset(options):
            raise _unexpected_keywords(endpoint, args, options)
        config = self.configuration
        host_index = options.get("_host_index")
        base = config.host if host_index is None else checked_host(config.get_host_from_settings(host_index))
        if "@" in base:  # a user:password@ in the host is never sent (nor shown): the API's own credentials are
            base = _without_userinfo_sent(base)
        url = base.rstrip("/") + endpoint.render_path(args)
        query = endpoint.render_query(args) if endpoint.query_params else None
        if query:
            from urllib.parse import urlencode

            url += "?" + urlencode(query)

        headers, present = self._common_headers()
        if "accept" not in present:  # a client-wide Accept wins, a per-call one (_headers) too
            headers["Accept"] = endpoint.accept
        model = None if endpoint.body is None else endpoint.coerce_body(args)
        body: Optional[bytes] = None
        if model is not None:
            body = model.model_dump_json(by_alias=True, exclude_unset=True, context=REVEAL_SECRETS).encode()
            content_type = options.get("_content_type") or "application/json"
            check_header("Content-Type", content_type)
            headers["Content-Type"] = content_type
        extra = options.get("_headers")
        if extra:
            if not isinstance(extra, dict):
                raise ApiTypeError(f"_headers must be a dict of str to str, not {type(extra).__name__}")
            for name, value in extra.items():
                check_header(name, value)
                _drop(headers, name)
            headers.update(extra)
            present = present | {name.lower() for name in extra}

        # The framing is said here once, so both drivers put the same bytes on the wire: http.client
        # would leave Content-Length out of a bodiless DELETE, aiohttp would send "0".
        if extra:  # a Content-Length given per call never doubles the framing
            _drop(headers, "Content-Length")
        if body is not None:
            headers["Content-Length"] = str(len(body))
        elif endpoint.method not in _NO_BODY_METHODS:
            headers["Content-Length"] = "0"
        token_auth = self._apply_auth(endpoint, headers, present, options.get("_request_auth"))
        timeout_arg = options.get("_request_timeout")
        timeouts = self._timeouts.get(config.timeout) if timeout_arg is None else Timeouts.from_value(timeout_arg)
        deadline = self._deadline.get(config.deadline) if "_deadline" not in options else _deadline(options)
        retries = options.get("_retries")
        policy = self._policy.get(config.retries) if retries is None else RetryPolicy.from_value(retries)
        return PreparedRequest(endpoint, url, headers, body, timeouts, deadline, policy, token_auth)

    def _common_headers(self) -> Tuple[Dict[str, str], frozenset[str]]:
        """A fresh copy of the headers every call carries and their lower-case names; built and checked
        again only when the user agent, the cookie or the default headers have changed."""
        key = (self.configuration.user_agent, self.cookie, tuple(self.default_headers.items()))
        built_for, headers, present = self._common
        if key != built_for:
            # Compressed responses are not asked for (nor unpacked if sent anyway): a body's size is what was sent.
            headers = {"User-Agent": self.configuration.user_agent, "Accept-Encoding": "identity"}
            for name, value in self.default_headers.items():
                _drop(headers, name)
                headers[name] = value
            if self.cookie:
                headers["Cookie"] = self.cookie
            for name, value in headers.items():
                check_header(name, value)
            present = frozenset(name.lower() for name in headers)
            self._common = (key, headers, present)  # one assignment: other threads see the old triple or the new
        return dict(headers), present

    def _apply_auth(
        self,
        endpoint: Endpoint[Any],
        headers: Dict[str, str],
        present: frozenset[str],
        request_auth: Optional[Mapping[str, Any]],
    ) -> bool:
        """Settle which scheme authenticates the call; static credentials go into ``headers`` now.
        Returns whether the renewable token is to be added at send time. A header of the same name
        given per call (``_headers``) wins over the configured credential."""
        if not endpoint.auth:
            return False
        if request_auth:
            if request_auth.get("in", "header") != "header" or not request_auth.get("key"):
                raise ApiValueError("_request_auth must be {'in': 'header', 'key': <header>, 'value': <credential>}")
            name, value = str(request_auth["key"]), str(request_auth.get("value", ""))
            check_header(name, value)
            _drop(headers, name)
            headers[name] = value
            return False
        config = self.configuration
        for scheme in endpoint.auth:
            pair = scheme_header(config, scheme)
            if pair is None and scheme == SPARKFLY_TOKEN and config.auth_identity and config.auth_key:
                return SPARKFLY_TOKEN.lower() not in present
            if pair is not None:
                if _LOWER_NAMES[pair[0]] not in present:
                    if pair != self._checked_credential:  # checked once per value, not once per call
                        check_header(*pair)
                        self._checked_credential = pair
                    headers[pair[0]] = pair[1]
                return False
        if any(header.lower() in present for header in _SCHEME_HEADERS):
            return False  # the caller brought the credential in _headers
        from sparkfly_client._auth import missing_credentials_message

        raise ApiValueError(missing_credentials_message(endpoint.operation_id, endpoint.auth))


_SCHEME_HEADERS = ("X-Auth-Token", "REB-APIKEY", "Authorization")
_LOWER_NAMES = {name: name.lower() for name in _SCHEME_HEADERS}
_NO_BODY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _without_userinfo_sent(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    authority, slash, path = rest.partition("/")
    return f"{scheme}{sep}{authority.rsplit('@', 1)[1]}{slash}{path}" if "@" in authority else url


def _deadline(options: Mapping[str, Any]) -> Optional[float]:
    return seconds(options["_deadline"], "deadline")


def _drop(headers: Dict[str, str], name: str) -> None:
    """Remove ``name`` from ``headers`` whatever its case, so the one added next is the only one."""
    lowered = name.lower()
    for existing in [k for k in headers if k.lower() == lowered]:
        del headers[existing]


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


def check_header(name: Any, value: Any) -> None:
    """A header name and value that can go onto the wire as they are. Never shows the value: it may be a
    credential."""
    if not isinstance(name, str) or not isinstance(value, str):
        raise ApiValueError(f"header {name!r} must have a str name and value")
    if not name or any(c in name for c in "\r\n: \t") or _has_control(name):
        raise ApiValueError(f"header name {name!r} is not a valid token; refusing to send it")
    if _has_control(value):
        raise ApiValueError(f"header {name!r} contains a control character (or a line break); refusing to send it")
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise ApiValueError(
            f"header {name!r} contains a character that is not Latin-1 and cannot be sent; refusing to send it"
        ) from None


def _has_control(text: str) -> bool:
    return not text.isprintable() and any(ord(c) < 0x20 or ord(c) == 0x7F for c in text)


S = TypeVar("S")
T = TypeVar("T")


class _Derived(Generic[S, T]):
    """A value derived from a setting, computed again only when the setting is replaced by another
    object. Settings are immutable values (numbers, tuples, frozen policies), so identity is enough."""

    __slots__ = ("_derive", "_cached")

    def __init__(self, derive: Callable[[S], T]) -> None:
        self._derive = derive
        self._cached: Optional[Tuple[S, T]] = None

    def get(self, setting: S) -> T:
        cached = self._cached
        if cached is not None and cached[0] is setting:
            return cached[1]
        value: T = self._derive(setting)
        self._cached = (setting, value)
        return value
