"""What every call of one client shares under one state of its settings: the base URL, the headers every
call carries, each operation's configured credential, the timeout, deadline and retry settings. Derived once,
and derived again when a setting it comes from changes (see ``RequestBuilder``). No I/O.

The timeouts an exchange goes with are :class:`Timeouts`, from the settings and the call's deadline. The security
schemes an operation may name and the headers that carry credentials are here too: request building, the plan and the
token flow all speak of them.
"""

from __future__ import annotations

import contextlib
import functools
import math
from typing import Any, Dict, Mapping, Optional, Tuple, Union

from sparkfly_client._endpoint import Endpoint
from sparkfly_client._retry import RetryPolicy
from sparkfly_client.exceptions import ApiTypeError, ApiValueError

__all__ = [
    "SPARKFLY_TOKEN",
    "SECRET_API_KEY",
    "JWT",
    "SECRET_HEADERS",
    "Timeouts",
    "TimeoutArg",
    "seconds",
    "Settings",
    "Shared",
    "Operation",
    "Limits",
    "INVALID",
    "apply_auth",
    "base_url",
    "check_header",
    "drop_header",
]

#: The security schemes an operation may name (``Endpoint.auth``).
SPARKFLY_TOKEN = "X-Auth-Token"
SECRET_API_KEY = "SecretApiKey"
JWT = "JWT"

#: Header names whose values are credentials: masked in every log line and message.
SECRET_HEADERS = frozenset(
    {
        "x-auth-token",
        "x-auth-key",
        "x-auth-identity",
        "reb-apikey",
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
    }
)


TimeoutArg = Union[None, float, int, Tuple[Optional[float], Optional[float]]]


class Settings:
    """The settings every call's shared part comes from, read afresh on each call (see ``RequestBuilder``); and
    ``values``, all of them in that order, for the next call to compare its own with. (A plain class with slots, not
    a NamedTuple, whose class is built from source: a cold start pays for every class built at import.)"""

    __slots__ = ("host", "user_agent", "cookie", "default_headers", "token_key", "secret_key", "access_token",
                 "auth_identity", "auth_key", "values")  # fmt: skip

    host: str
    user_agent: str
    cookie: Optional[str]
    default_headers: Tuple[Tuple[str, str], ...]
    token_key: Optional[str]  # with its prefix, as get_api_key_with_prefix gives it
    secret_key: Optional[str]
    access_token: Optional[str]
    auth_identity: Any
    auth_key: Any

    def __init__(self, values: Tuple[Any, ...]) -> None:
        (self.host, self.user_agent, self.cookie, self.default_headers, self.token_key, self.secret_key,
         self.access_token, self.auth_identity, self.auth_key) = values  # fmt: skip
        self.values = values


class Shared:
    """What every call shares under one state of the settings: the base URL, the headers every call carries
    and their lower-case names (or why they cannot be sent), and what each operation adds to them (by endpoint,
    made on first use)."""

    __slots__ = ("settings", "base", "headers", "present", "error", "operations")

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.base = base_url(settings.host)
        # Compressed responses are not asked for (nor unpacked if sent anyway): a body's size is what was sent.
        headers = {"User-Agent": settings.user_agent, "Accept-Encoding": "identity"}
        for name, value in settings.default_headers:
            drop_header(headers, name)
            headers[name] = value
        if settings.cookie:
            headers["Cookie"] = settings.cookie
        #: why these headers cannot be sent (raised by every call, where the request's headers are made)
        self.error: Optional[str] = None
        try:
            for name, value in headers.items():
                check_header(name, value)
        except ApiValueError as exc:
            self.error = str(exc)
        self.headers = headers
        self.present = frozenset(name.lower() for name in headers)
        self.operations: Dict[Endpoint[Any], Operation] = {}


class Operation:
    """One operation's share under one state of the settings: the common headers with its ``Accept``, and the
    configured credential it carries (when the call brings none of its own); and ``prepared``, what its calls
    without per-call options share (made and kept by ``RequestBuilder``)."""

    __slots__ = ("headers", "auth", "prepared")

    def __init__(self, endpoint: Endpoint[Any], shared: Shared) -> None:
        headers = dict(shared.headers)
        if "accept" not in shared.present:  # a client-wide Accept wins, a per-call one (_headers) too
            headers["Accept"] = endpoint.accept
        self.headers = headers
        self.auth = configured_auth(endpoint, shared.present, shared.settings)
        self.prepared: Any = None


class ConfiguredAuth:
    """How the configured credentials authenticate an operation: a header added as it is, the renewable token
    added at send time, nothing (an operation without auth, or a credential given in the default headers), or
    the error of a call that would use them: none is configured, or the one configured cannot be sent. A call
    that brings its own credential never meets that error."""

    __slots__ = ("header", "token_auth", "error")

    def __init__(
        self, header: Optional[Tuple[str, str]] = None, token_auth: bool = False, error: Optional[str] = None
    ) -> None:
        self.header = header
        self.token_auth = token_auth
        self.error = error

    def apply(self, headers: Dict[str, str]) -> bool:
        """Add the header to ``headers`` (or raise the error); returns ``token_auth``."""
        if self.error is not None:
            raise ApiValueError(self.error)
        if self.header is not None:
            headers[self.header[0]] = self.header[1]
        return self.token_auth


def configured_auth(endpoint: Endpoint[Any], present: frozenset[str], settings: Settings) -> ConfiguredAuth:
    """Settle which configured scheme authenticates ``endpoint``, the first of its schemes with a credential. A
    header of the same name among those every call carries (``present``) wins over the configured credential."""
    if not endpoint.auth:
        return ConfiguredAuth()
    for scheme in endpoint.auth:
        pair = _scheme_header(scheme, settings)
        if pair is None and scheme == SPARKFLY_TOKEN and settings.auth_identity and settings.auth_key:
            return ConfiguredAuth(token_auth=SPARKFLY_TOKEN.lower() not in present)
        if pair is not None:
            if _LOWER_NAMES[pair[0]] in present:
                return ConfiguredAuth()
            try:
                check_header(*pair)
            except ApiValueError as exc:
                return ConfiguredAuth(error=str(exc))
            return ConfiguredAuth(header=pair)
    if any(header.lower() in present for header in _SCHEME_HEADERS):
        return ConfiguredAuth()  # the credential is among the headers every call carries
    return ConfiguredAuth(error=missing_credentials_message(endpoint.operation_id, endpoint.auth))


_HOW_TO_CONFIGURE: Dict[str, str] = {
    SPARKFLY_TOKEN: "configuration.api_key['X-Auth-Token'], or auth_identity and auth_key",
    SECRET_API_KEY: "configuration.api_key['SecretApiKey']",
    JWT: "configuration.access_token",
}


def missing_credentials_message(operation_id: str, schemes: Tuple[str, ...]) -> str:
    options = " or ".join(_HOW_TO_CONFIGURE[s] for s in schemes)
    return f"{operation_id} needs credentials: set {options}"


def apply_auth(
    endpoint: Endpoint[Any],
    headers: Dict[str, str],
    present: frozenset[str],
    request_auth: Optional[Mapping[str, Any]],
    settings: Settings,
) -> bool:
    """Authenticate a call that brings headers or a credential of its own: ``_request_auth`` replaces the
    configured credentials, and a header of the same name given per call (``_headers``) wins over them.
    Returns whether the renewable token is to be added at send time."""
    if not endpoint.auth:
        return False
    if request_auth:
        if request_auth.get("in", "header") != "header" or not request_auth.get("key"):
            raise ApiValueError("_request_auth must be {'in': 'header', 'key': <header>, 'value': <credential>}")
        name, value = str(request_auth["key"]), str(request_auth.get("value", ""))
        check_header(name, value)
        drop_header(headers, name)
        headers[name] = value
        return False
    return configured_auth(endpoint, present, settings).apply(headers)


def _scheme_header(scheme: str, settings: Settings) -> Optional[Tuple[str, str]]:
    """The header that carries a scheme's configured credential, or ``None`` when the settings lack it."""
    if scheme == SPARKFLY_TOKEN:
        return None if not settings.token_key else (SPARKFLY_TOKEN, settings.token_key)
    if scheme == SECRET_API_KEY:
        return None if not settings.secret_key else ("REB-APIKEY", settings.secret_key)
    if scheme == JWT:
        return None if not settings.access_token else ("Authorization", f"Bearer {settings.access_token}")
    raise ApiValueError(f"unknown security scheme {scheme!r}")


def base_url(host: str) -> str:
    # A user:password@ in the host is never sent (nor shown): the API's own credentials are.
    return (_without_userinfo_sent(host) if "@" in host else host).rstrip("/")


_SCHEME_HEADERS = ("X-Auth-Token", "REB-APIKEY", "Authorization")
_LOWER_NAMES = {name: name.lower() for name in _SCHEME_HEADERS}


def _without_userinfo_sent(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    authority, slash, path = rest.partition("/")
    return f"{scheme}{sep}{authority.rsplit('@', 1)[1]}{slash}{path}" if "@" in authority else url


def drop_header(headers: Dict[str, str], name: str) -> None:
    """Remove ``name`` from ``headers`` whatever its case, so the one added next is the only one."""
    lowered = name.lower()
    for existing in [k for k in headers if k.lower() == lowered]:
        del headers[existing]


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


INVALID: Any = object()


class Limits:
    """The timeout, deadline and retry settings (``timeout``, ``deadline_setting``, ``retries``) as the requests
    carry them (``timeouts``, ``deadline``, ``policy``), derived once per setting, compared by identity (``True``
    is not ``1``). A setting that is not valid derives to ``None`` (``INVALID`` for the deadline, which may be
    ``None``); a call that uses it derives it again, for the error saying why."""

    __slots__ = ("timeout", "deadline_setting", "retries", "timeouts", "deadline", "policy")

    def __init__(self, timeout: TimeoutArg, deadline: Optional[float], retries: Union[int, RetryPolicy, None]) -> None:
        self.timeout = timeout
        self.deadline_setting = deadline
        self.retries = retries
        self.timeouts: Optional[Timeouts] = None
        self.deadline: Optional[float] = INVALID
        self.policy: Optional[RetryPolicy] = None
        with contextlib.suppress(ApiTypeError, ApiValueError):
            self.timeouts = Timeouts.from_value(timeout)
        with contextlib.suppress(ApiTypeError, ApiValueError):
            self.deadline = seconds(deadline, "deadline")
        with contextlib.suppress(ApiTypeError, ApiValueError):
            self.policy = RetryPolicy.from_value(retries)


class Timeouts:
    """Socket limits for one exchange: ``connect`` and each ``read``, or ``total`` for both together.
    Immutable; compared by identity (the drivers key their own timeout objects by it)."""

    __slots__ = ("connect", "read", "total", "_cut")

    def __init__(
        self, connect: Optional[float] = None, read: Optional[float] = None, total: Optional[float] = None
    ) -> None:
        self.connect = connect
        self.read = read
        self.total = total
        self._cut: Optional[Dict[int, Timeouts]] = None  # within(), by whole seconds left

    def __repr__(self) -> str:
        return f"Timeouts(connect={self.connect}, read={self.read}, total={self.total})"

    @classmethod
    def from_value(cls, value: TimeoutArg) -> Timeouts:
        """``seconds`` (connect and read together) or ``(connect, read)``; ``None`` means no limit. The same
        value gives the same object, so what the drivers derive from it is derived once."""
        try:
            # The types are part of the key, inside a tuple too: True is not 1, nor (True, 2) (1, 2).
            return _timeouts_of(value, tuple(map(type, value)) if isinstance(value, tuple) else (type(value),))
        except TypeError:  # unhashable, so not a timeout: the check below says why
            return cls.checked(value)

    @classmethod
    def checked(cls, value: TimeoutArg) -> Timeouts:
        if value is None:
            return cls()
        if isinstance(value, tuple):
            if len(value) != 2:
                raise ApiValueError("a timeout tuple must be (connect, read)")
            return cls(connect=seconds(value[0], "timeout"), read=seconds(value[1], "timeout"))
        return cls(total=seconds(value, "timeout"))

    def within(self, remaining: Optional[float]) -> Timeouts:
        """These limits, none longer than ``remaining`` seconds (what is left of the call's deadline).

        Beyond 10 s what is left counts in whole seconds, rounded down: the limits of most calls are
        then the same object from call to call, which the drivers turn into their own timeout once."""
        if remaining is None:
            return self
        if remaining < 10.0:
            return self._capped(remaining)
        whole = int(remaining)
        cuts = self._cut
        if cuts is None:
            cuts = self._cut = {}
        cut = cuts.get(whole)
        if cut is None:
            if len(cuts) >= _CUTS_KEPT:
                cuts.clear()
            cut = cuts[whole] = self._capped(float(whole))
        return cut

    def _capped(self, remaining: float) -> Timeouts:
        return Timeouts(
            connect=remaining if self.connect is None else min(self.connect, remaining),
            read=remaining if self.read is None else min(self.read, remaining),
            total=remaining if self.total is None else min(self.total, remaining),
        )


_CUTS_KEPT = 256


@functools.lru_cache(maxsize=64)  # keyed by the value and its types (see from_value)
def _timeouts_of(value: TimeoutArg, types: Tuple[type, ...]) -> Timeouts:
    return Timeouts.checked(value)


def seconds(value: Any, what: str) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or math.isinf(value):
        raise ApiValueError(f"a {what} must be a positive number of seconds, not {value!r}")
    return float(value)
