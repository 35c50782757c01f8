"""The urllib3 transport: one connection pool per host, TLS and proxy settings, typed failures."""

from __future__ import annotations

import ssl
import time
from typing import Any, Dict, Mapping, Optional, Tuple, Union
from urllib.parse import unquote

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProxyError,
    ReadTimeoutError,
    SSLError,
)

from sparkfly_client.exceptions import (
    ApiConnectionError,
    ApiException,
    ApiTimeoutError,
    ApiTransportError,
    ApiValueError,
)

__all__ = ["RESTClientObject", "RESTResponse", "ApiException", "TimeoutArg", "to_urllib3_timeout"]

#: What urllib3 returns; with ``preload_content`` the body is already in ``.data``.
RESTResponse = urllib3.BaseHTTPResponse
TimeoutArg = Union[None, float, int, Tuple[Optional[float], Optional[float]]]


def to_urllib3_timeout(value: TimeoutArg) -> urllib3.Timeout:
    """``seconds`` or ``(connect, read)`` as a urllib3 ``Timeout``; ``None`` means no limit."""
    if value is None:
        return urllib3.Timeout(connect=None, read=None)
    if isinstance(value, tuple):
        if len(value) != 2:
            raise ApiValueError("a timeout tuple must be (connect, read)")
        connect, read = value
        return urllib3.Timeout(connect=_seconds(connect), read=_seconds(read))
    return urllib3.Timeout(total=_seconds(value))


def _seconds(value: Any) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ApiValueError(f"a timeout must be a positive number of seconds, not {value!r}")
    return float(value)


class RESTClientObject:
    """Sends requests through urllib3; keeps one keep-alive pool per host."""

    def __init__(self, configuration: Any) -> None:
        pool_args: Dict[str, Any] = {
            "maxsize": configuration.connection_pool_maxsize,
            "retries": False,  # the ApiClient runs the retry loop: it knows what is safe to repeat
            "block": False,
        }
        if configuration.verify_ssl:
            pool_args["cert_reqs"] = ssl.CERT_REQUIRED
            if configuration.ssl_ca_cert:
                pool_args["ca_certs"] = configuration.ssl_ca_cert
        else:
            pool_args["cert_reqs"] = ssl.CERT_NONE
        if configuration.cert_file:
            pool_args["cert_file"] = configuration.cert_file
        if configuration.key_file:
            pool_args["key_file"] = configuration.key_file
        if configuration.tls_server_name:
            pool_args["server_hostname"] = configuration.tls_server_name
        self.pool_manager: urllib3.PoolManager
        if configuration.proxy:
            self.pool_manager = urllib3.ProxyManager(
                configuration.proxy,
                proxy_headers=_proxy_headers(configuration.proxy, configuration.proxy_headers),
                **pool_args,
            )
        else:
            self.pool_manager = urllib3.PoolManager(**pool_args)
        # The pool of each origin ("scheme://host:port"), so a call goes straight to it instead of
        # having the manager parse the URL and normalise a pool key every time.
        self._pools: Dict[str, urllib3.HTTPConnectionPool] = {}

    def request(
        self,
        method: str,
        url: str,
        headers: Optional[Mapping[str, str]] = None,
        body: Optional[bytes] = None,
        timeout: Optional[urllib3.Timeout] = None,
        preload_content: bool = True,
    ) -> RESTResponse:
        """One HTTP exchange. Raises :class:`ApiTimeoutError` or :class:`ApiConnectionError`,
        with ``request_sent`` telling whether any of the request may have reached the server."""
        started = time.monotonic()
        try:
            return self._urlopen(
                method,
                url,
                body=body,
                headers=headers,
                timeout=timeout,
                preload_content=preload_content,
                redirect=False,
                retries=False,
            )
        except (ConnectTimeoutError, NewConnectionError, ProxyError) as exc:
            # Never connected (urllib3 raises ProxyError only before reaching the proxy): nothing was sent.
            raise _transport_error(exc, method, url, started, request_sent=False) from None
        except HTTPError as exc:
            raise _transport_error(exc, method, url, started, request_sent=True) from None

    def _urlopen(self, method: str, url: str, **kwargs: Any) -> RESTResponse:
        if isinstance(self.pool_manager, urllib3.ProxyManager):
            return self.pool_manager.urlopen(method, url, **kwargs)
        path_at = url.find("/", url.find("//") + 2)
        origin, path = (url, "/") if path_at < 0 else (url[:path_at], url[path_at:])
        pool = self._pools.get(origin)
        if pool is None or pool.pool is None:  # None: closed, e.g. dropped by the manager to make room
            pool = self._pools[origin] = self.pool_manager.connection_from_url(origin)
        return pool.urlopen(method, path, assert_same_host=False, **kwargs)

    def clear(self) -> None:
        self._pools.clear()
        self.pool_manager.clear()


def _proxy_headers(proxy: str, configured: Optional[Mapping[str, str]]) -> Dict[str, str]:
    """``proxy_headers``, plus Basic ``Proxy-Authorization`` from ``http://user:password@proxy`` unless given."""
    headers = dict(configured or {})
    userinfo = urllib3.util.parse_url(proxy).auth
    if userinfo and not any(name.lower() == "proxy-authorization" for name in headers):
        headers.update(urllib3.make_headers(proxy_basic_auth=unquote(userinfo)))
    return headers


def _transport_error(exc: HTTPError, method: str, url: str, started: float, *, request_sent: bool) -> ApiTransportError:
    elapsed = time.monotonic() - started
    cause = _describe(exc)
    # NewConnectionError subclasses ConnectTimeoutError, so "refused" must be told from "timed out" by text.
    timed_out = (
        isinstance(exc, ReadTimeoutError)
        or "timed out" in cause.lower()
        or (isinstance(exc, ConnectTimeoutError) and not isinstance(exc, NewConnectionError))
    )
    error_class: type[ApiTransportError] = ApiConnectionError
    if timed_out:
        error_class, what = ApiTimeoutError, "timed out"
    elif isinstance(exc, SSLError):
        what = "TLS failure"
    elif isinstance(exc, ProxyError):
        what = "proxy failure"
    else:
        what = "connection failed"
    return error_class(f"{what} ({cause})", method=method, url=url, elapsed=elapsed, request_sent=request_sent)


def _describe(exc: BaseException) -> str:
    # urllib3 wraps the socket error; its innermost reason is the useful part.
    reason = getattr(exc, "reason", None) or (exc.args[-1] if exc.args else None)
    if isinstance(reason, BaseException):
        return f"{type(reason).__name__}: {reason}"
    return f"{type(exc).__name__}: {reason if isinstance(reason, str) else exc}"
