"""Configuration: host, credentials, timeouts, retries, TLS, proxy and logging.

Every setting is a plain attribute, as in generated clients. Secrets (API keys, tokens, the
``/auth`` identity key, JWTs) are never shown by ``repr``.

``SPARKFLY_LOG`` turns the client's logging on from the environment, as ``OPENAI_LOG`` and ``STRIPE_LOG`` do:
``SPARKFLY_LOG=info`` logs one line per exchange and each retry decision to stderr; ``debug`` adds the request
headers. Credentials are masked as in every log line. The variable is read once, when the first
:class:`Configuration` is created (never at import), and only ever raises the level of the ``sparkfly_client``
logger: an application that configured logging itself keeps its handlers.
"""

from __future__ import annotations

import copy
import logging
import os
import re
import sys
import warnings
from typing import Any, Dict, List, Optional, Tuple, Union

from sparkfly_client._retry import RetryPolicy
from sparkfly_client.exceptions import ApiValueError

__all__ = ["Configuration", "DEFAULT_HOST", "SERVER_HOSTS"]

DEFAULT_HOST = "https://api.sparkfly.com"
#: Hosts selectable per call with ``_host_index``: production, then staging.
SERVER_HOSTS: Tuple[str, ...] = (DEFAULT_HOST, "https://api-staging.sparkfly.com")

TimeoutValue = Union[None, float, Tuple[Optional[float], Optional[float]]]
RetriesValue = Union[int, RetryPolicy, None]

_SECRET_FIELDS = ("api_key", "access_token", "auth_identity", "auth_key", "password", "proxy_headers")
_LOGGER_NAME = "sparkfly_client"


class Configuration:
    """Settings shared by every call made through one :class:`ApiClient`.

    :param host: base URL, default ``https://api.sparkfly.com``.
    :param api_key: credentials by scheme name: ``'X-Auth-Token'`` (Sparkfly token) and
        ``'SecretApiKey'`` (sent as ``REB-APIKEY`` to the customer credential resource).
    :param api_key_prefix: optional prefix by scheme name (e.g. ``'Bearer'``).
    :param access_token: JWT sent as ``Authorization: Bearer <jwt>`` to the customer credential resource.
    :param auth_identity: account identity for ``GET /auth``; with ``auth_key`` the client obtains and
        renews the ``X-Auth-Token`` itself.
    :param auth_key: the API key that goes with ``auth_identity``.
    :param timeout: seconds, or a ``(connect, read)`` pair; default ``(5, 30)``.
    :param retries: how many times a failed call may be retried (default 2), or a :class:`RetryPolicy`;
        ``0`` turns retries off.
    :param max_retry_wait: the longest server-requested wait (``Retry-After``) the client will honour,
        in seconds; a longer one raises at once.
    :param deadline: the most seconds one call may take, every attempt, retry wait and token fetch
        included (default 60); past it the call raises ``ApiTimeoutError``. ``None``: no limit.
    :param max_response_bytes: the largest response body the client reads (default 32 MiB); a larger
        one raises ``ResponseTooLargeError``.
    :param auth_scope: optional ``X-Auth-Scope`` sent with the ``/auth`` request.
    :param max_concurrency: the most requests one client has in flight at once (``None``: no limit of its own).
    :param max_requests_per_second: the most requests one client sends per second, paced evenly (``None``: no
        limit of its own). Either way the client also keeps to the limit the server announces.
    :param settle_outcomes: when the answer to a create, a redeem or a delete is lost after the request was
        sent, find out from the server whether it took effect (see "Point-of-sale certainty" in
        docs/CredentialsApi.md) instead of raising at once; default ``False``. ``_settle=...`` per call wins.

    Every setting takes effect from the next call, the TLS, proxy and pool settings included.
    """

    def __init__(
        self,
        host: Optional[str] = None,
        api_key: Optional[Dict[str, str]] = None,
        api_key_prefix: Optional[Dict[str, str]] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        access_token: Optional[str] = None,
        *,
        auth_identity: Optional[str] = None,
        auth_key: Optional[str] = None,
        auth_scope: Optional[str] = None,
        token_ttl: float = 24 * 3600,
        timeout: TimeoutValue = (5.0, 30.0),
        deadline: Optional[float] = 60.0,
        retries: RetriesValue = 2,
        max_retry_wait: float = 60.0,
        max_response_bytes: int = 32 * 1024 * 1024,
        settle_outcomes: bool = False,
        max_concurrency: Optional[int] = None,
        max_requests_per_second: Optional[float] = None,
        ssl_ca_cert: Optional[str] = None,
        verify_ssl: bool = True,
        cert_file: Optional[str] = None,
        key_file: Optional[str] = None,
        tls_server_name: Optional[str] = None,
        proxy: Optional[str] = None,
        proxy_headers: Optional[Dict[str, str]] = None,
        connection_pool_maxsize: int = 10,
        user_agent: Optional[str] = None,
        debug: bool = False,
    ) -> None:
        self.host = DEFAULT_HOST if host is None else host  # checked by the property below
        self.server_hosts: Tuple[str, ...] = SERVER_HOSTS
        self.api_key: Dict[str, str] = dict(api_key or {})
        self.api_key_prefix: Dict[str, str] = dict(api_key_prefix or {})
        self.username = username
        self.password = password
        self.access_token = access_token
        self.auth_identity = auth_identity
        self.auth_key = auth_key
        self.auth_scope = auth_scope
        # Renew a little before the server's 24 h so a call never carries a token that expires in flight.
        self.token_ttl = token_ttl
        self.timeout = timeout
        self.deadline = deadline
        self.retries = retries
        self.max_retry_wait = max_retry_wait
        self.max_response_bytes = max_response_bytes
        self.settle_outcomes = settle_outcomes
        self.max_concurrency = max_concurrency
        self.max_requests_per_second = max_requests_per_second
        self.ssl_ca_cert = ssl_ca_cert
        self.verify_ssl = verify_ssl
        self.cert_file = cert_file
        self.key_file = key_file
        self.tls_server_name = tls_server_name
        self.proxy = proxy
        self.proxy_headers = proxy_headers
        self.connection_pool_maxsize = connection_pool_maxsize
        self.user_agent = user_agent or default_user_agent()
        self.logger = logging.getLogger(_LOGGER_NAME)
        self._debug = False
        if debug:  # leave the logger alone otherwise: the application may have set its level already
            self.debug = True
        apply_log_environment(self.logger)

    @property
    def host(self) -> str:
        """The base URL every call goes to: ``http://`` or ``https://``, a host, an optional port and
        base path; checked when set (a query, a fragment, white space or a bad port is refused)."""
        return self._host

    @host.setter
    def host(self, value: str) -> None:
        self._host = checked_host(value)

    # --- generated-client compatible helpers ---------------------------------------------------

    _default: Optional[Configuration] = None

    @classmethod
    def set_default(cls, default: Optional[Configuration]) -> None:
        """Make ``default`` the configuration of clients created without one."""
        cls._default = default

    @classmethod
    def get_default(cls) -> Configuration:
        """The configuration clients created without one use: the one given to :meth:`set_default`, else
        one made on first use and kept, so changes to it reach later clients (as in generated clients)."""
        if cls._default is None:
            cls._default = cls()
        return cls._default

    @classmethod
    def get_default_copy(cls) -> Configuration:
        return copy.deepcopy(cls.get_default())

    def get_api_key_with_prefix(self, identifier: str, alias: Optional[str] = None) -> Optional[str]:
        """The key for a scheme with its prefix applied, or ``None`` when unset or empty."""
        key = self.api_key.get(identifier)
        if key is None and alias is not None:
            key = self.api_key.get(alias)
        if not key:  # an empty key is no credential
            return None
        prefix = self.api_key_prefix.get(identifier)
        return f"{prefix} {key}" if prefix else key

    def get_host_from_settings(self, index: Optional[int]) -> str:
        """The base URL for ``_host_index`` (``None`` means :attr:`host`)."""
        if index is None:
            return self.host
        if isinstance(index, bool) or not isinstance(index, int):
            raise ApiValueError(f"_host_index must be an int, not {type(index).__name__}")
        if not 0 <= index < len(self.server_hosts):
            raise ApiValueError(
                f"_host_index {index} is out of range; {len(self.server_hosts)} hosts are defined: "
                + ", ".join(self.server_hosts)
            )
        return self.server_hosts[index]

    def get_host_settings(self) -> List[Dict[str, str]]:
        return [{"url": url, "description": ""} for url in self.server_hosts]

    @property
    def debug(self) -> bool:
        """``True`` logs every request and response at DEBUG on the ``sparkfly_client`` logger."""
        return self._debug

    @debug.setter
    def debug(self, value: bool) -> None:
        self._debug = bool(value)
        if self._debug:
            self.logger.setLevel(logging.DEBUG)
            ensure_stderr_handler(self.logger)
        else:
            self.logger.setLevel(logging.NOTSET)  # back to what the logging configuration says

    def retry_policy(self, override: RetriesValue = None) -> RetryPolicy:
        """The retry policy in force for one call (``override`` wins over :attr:`retries`)."""
        chosen = self.retries if override is None else override
        return RetryPolicy.from_value(chosen)

    def to_debug_report(self) -> str:
        import platform

        from sparkfly_client._version import __version__

        return (
            "Python SDK Debug Report:\n"
            f"OS: {sys.platform}\n"
            f"Python Version: {platform.python_version()}\n"
            "Version of the API: 1.0\n"
            f"SDK Package Version: {__version__}"
        )

    def __deepcopy__(self, memo: Dict[int, Any]) -> Configuration:
        clone = copy.copy(self)
        clone.api_key = dict(self.api_key)
        clone.api_key_prefix = dict(self.api_key_prefix)
        clone.proxy_headers = dict(self.proxy_headers) if self.proxy_headers else self.proxy_headers
        return clone

    def __repr__(self) -> str:
        shown = []
        for name, value in sorted({**vars(self), "host": self.host}.items()):
            if name.startswith("_") or name == "logger":
                continue
            if name in _SECRET_FIELDS:
                value = _mask(value)
            elif name in ("proxy", "host") and value:
                value = without_userinfo(value)
            shown.append(f"{name}={value!r}")
        return f"Configuration({', '.join(shown)})"


def _mask(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "***" for k in value}
    return None if value is None else "***"


def without_userinfo(url: str) -> str:
    """``url`` with any ``user:password@`` shown as ``***@``."""
    scheme, sep, rest = url.partition("://")
    authority, slash, path = rest.partition("/")
    if "@" in authority:  # the host follows the last "@": a password may hold one too
        return f"{scheme}{sep}***@{authority.rsplit('@', 1)[1]}{slash}{path}"
    return url


def without_userinfo_in_text(text: str) -> str:
    """Every URL in ``text`` (a library's error message, say) with its ``user:password@`` shown as ``***@``."""
    # The expression is compiled on first use (and kept by re), not at import: only a failure's message needs it.
    return re.sub(r"://[^/\s'\"]*@", "://***@", text)


def checked_host(url: Any, what: str = "host", example: str = "https://api.sparkfly.com") -> str:
    """``url`` if it can be the base URL of every call (or, with ``what="proxy"``, the proxy's), else
    :class:`ApiValueError` saying why, without the ``user:password@`` it may hold.

    It must be the scheme (``http`` or ``https``, in any case), a host name or a bracketed IPv6 address, an optional
    port and an optional path; nothing else. (Checked by hand: a regular expression would be compiled by every
    cold start.)"""
    if not isinstance(url, str):
        raise ApiValueError(f"{what} must be a str URL such as {example!r}, not {type(url).__name__}")
    scheme, sep, rest = url.partition("://")
    authority, _, path = rest.partition("/")
    # user:password@ is allowed (and never shown): the host follows the last "@", as a password may hold one too.
    valid, port = _host_and_port(authority.rsplit("@", 1)[-1])
    if not (sep and valid and scheme.lower() in ("http", "https")) or any(c.isspace() or c in "?#" for c in path):
        raise ApiValueError(
            f"{what} must be an http:// or https:// URL such as {example!r} (a host, an optional "
            f"port and base path; no query, fragment or white space), got {without_userinfo(url)!r}"
        )
    if port and not 0 < int(port) < 65536:
        raise ApiValueError(f"{what} has a port outside 1-65535: {without_userinfo(url)!r}")
    return url


def _host_and_port(authority: str) -> Tuple[bool, str]:
    """Whether ``authority`` is ``host[:port]`` (a name without white space or any of ``/?#@[]:``, or an IPv6 address
    in brackets; a port of one to five digits), and its port (``""`` for none)."""
    if authority.startswith("["):
        host, bracket, after = authority[1:].partition("]")
        if not (bracket and host) or any(c not in "0123456789abcdefABCDEF:." for c in host):
            return False, ""
        colon, port = after[:1], after[1:]
        if not colon:
            return True, ""
    else:
        host, colon, port = authority.partition(":")
        if not host or any(c.isspace() or c in "/?#@[]" for c in host):
            return False, ""
        if not colon:
            return True, ""
    return colon == ":" and 0 < len(port) <= 5 and port.isdecimal(), port


# --- SPARKFLY_LOG ---------------------------------------------------------------------------------

LOG_ENVIRONMENT_VARIABLE = "SPARKFLY_LOG"
LOG_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}
_log_environment_read = False


def apply_log_environment(logger: logging.Logger) -> None:
    """Set ``logger`` up as ``SPARKFLY_LOG`` asks, the first time this is called in the process."""
    global _log_environment_read
    if _log_environment_read:
        return
    _log_environment_read = True
    value = os.environ.get(LOG_ENVIRONMENT_VARIABLE, "").strip()
    if not value:
        return
    level = LOG_LEVELS.get(value.lower())
    if level is None:
        warnings.warn(
            f"{LOG_ENVIRONMENT_VARIABLE}={value!r} is ignored: use {' or '.join(LOG_LEVELS)}",
            RuntimeWarning,
            stacklevel=3,
        )
        return
    if logger.level == logging.NOTSET or logger.level > level:  # only ever more verbose
        logger.setLevel(level)
    ensure_stderr_handler(logger)


def ensure_stderr_handler(logger: logging.Logger) -> None:
    """Give ``logger`` a stderr handler unless it, or the root logger, already has one."""
    if logger.handlers or logging.getLogger().handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logger.addHandler(handler)


def default_user_agent() -> str:
    from sparkfly_client._version import __version__

    return f"sparkfly-client-python/{__version__}"
