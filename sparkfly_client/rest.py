"""The urllib3 transport: sends one exchange, reads its response, maps failures to typed errors.

One keep-alive pool per origin; TLS and proxy settings from the configuration (the pools are built
again when those settings change, and in a child process after ``fork``, so a child never shares a
connection with its parent).
"""

from __future__ import annotations

import os
import re
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

from sparkfly_client._steps import Response, Send
from sparkfly_client.configuration import checked_host, without_userinfo_in_text
from sparkfly_client.exceptions import (
    ApiConnectionError,
    ApiException,
    ApiTimeoutError,
    ApiTransportError,
    redacted_chain,
    tls_setup_error,
)

__all__ = ["RESTClientObject", "RESTResponse", "ApiException"]

#: What the ``*_without_preload_content`` variants return: the urllib3 response, unread.
RESTResponse = urllib3.BaseHTTPResponse
_CHUNK = 64 * 1024


class RESTClientObject:
    """Sends requests through urllib3. ``pool_manager``, when given, is the caller's own and is used
    as it is (its TLS and proxy settings win; the configuration's are not applied to it)."""

    def __init__(self, configuration: Any, pool_manager: Optional[urllib3.PoolManager] = None) -> None:
        self.configuration = configuration
        self._own = pool_manager is None
        self._settings: Any = None
        self._pid = os.getpid()
        self.pool_manager: urllib3.PoolManager = pool_manager if pool_manager is not None else self._new_manager()
        # The pool of each origin ("scheme://host:port"), so a call goes straight to it instead of
        # having the manager parse the URL and normalise a pool key every time.
        self._pools: Dict[str, urllib3.HTTPConnectionPool] = {}

    def send(self, step: Send) -> Union[Response, ApiTransportError]:
        """One exchange. A failure comes back as a typed error (not raised), with ``request_sent``
        telling whether any of the request may have reached the server."""
        started = time.monotonic()
        timeouts = step.timeouts
        try:
            response = self._urlopen(
                step.method,
                step.url,
                body=step.body,
                headers=step.headers,
                timeout=urllib3.Timeout(connect=timeouts.connect, read=timeouts.read, total=timeouts.total),
                preload_content=False,
                decode_content=False,  # the client asks for identity; an encoding it did not ask for stays as sent
                redirect=False,
                retries=False,
            )
        except (ConnectTimeoutError, NewConnectionError, ProxyError) as exc:
            # Never connected (urllib3 raises ProxyError only before reaching the proxy): nothing was sent.
            return _transport_error(exc, step, started, request_sent=False)
        except SSLError as exc:
            # The handshake failed (certificate rejected, bad CA file): nothing was sent, and trying again cannot help.
            cause = exc.args[0] if exc.args else None
            if isinstance(cause, OSError) and not isinstance(cause, ssl.SSLError):
                return tls_setup_error(self.configuration, cause)
            return _transport_error(exc, step, started, request_sent=False, retryable=False)
        except HTTPError as exc:
            return _transport_error(exc, step, started, request_sent=True)
        except OSError as exc:  # e.g. a CA file that cannot be read
            return tls_setup_error(self.configuration, exc)
        if not step.preload:
            return Response(response.status, response.reason, response.headers, b"", response)
        try:
            body = self._read(response, step, started)
        except HTTPError as exc:
            response.release_conn()
            return _transport_error(exc, step, started, request_sent=True)
        except ApiTransportError as exc:
            discard(response, drain=False)
            return exc
        return Response(response.status, response.reason, response.headers, body, None)

    def _read(self, response: RESTResponse, step: Send, started: float) -> bytes:
        """The whole body, stopping at ``max_body`` bytes and at the exchange's total time limit."""
        limit = step.max_body
        declared = response.headers.get("Content-Length")
        expected = int(declared) if declared is not None and declared.isdigit() else None
        if expected is not None and expected > limit:
            raise step.too_large(expected)
        stop_at = None if step.timeouts.total is None else started + step.timeouts.total
        chunks = []
        size = 0
        while True:
            chunk = response.read1(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise step.too_large(size)
            chunks.append(chunk)
            if size == expected:  # all that was announced: no read more to find the end
                break
            if stop_at is not None and time.monotonic() > stop_at:
                raise ApiTimeoutError(f"timed out reading the response (over {step.timeouts.total:.3g}s)")
        response.release_conn()
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _urlopen(self, method: str, url: str, **kwargs: Any) -> RESTResponse:
        self._follow_settings()
        if isinstance(self.pool_manager, urllib3.ProxyManager):
            return self.pool_manager.urlopen(method, url, **kwargs)
        path_at = url.find("/", url.find("//") + 2)
        origin, path = (url, "/") if path_at < 0 else (url[:path_at], url[path_at:])
        pool = self._pools.get(origin)
        if pool is None or pool.pool is None:  # None: closed, e.g. dropped by the manager to make room
            pool = self._pools[origin] = self.pool_manager.connection_from_url(origin)
        return pool.urlopen(method, path, assert_same_host=False, **kwargs)

    def _follow_settings(self) -> None:
        """Build the pools again after a fork (the child must not use the parent's connections) or when
        the configuration's connection settings changed."""
        pid = os.getpid()
        if pid != self._pid:
            self._pid = pid
            self._pools.clear()
            self.pool_manager.clear()  # closes this process's copies of the sockets; the parent's stay open
        if self._own and connection_settings(self.configuration) != self._settings:
            self._pools.clear()
            self.pool_manager.clear()
            self.pool_manager = self._new_manager()

    def _new_manager(self) -> urllib3.PoolManager:
        configuration = self.configuration
        self._settings = connection_settings(configuration)
        pool_args: Dict[str, Any] = {
            "maxsize": configuration.connection_pool_maxsize,
            "retries": False,  # the call plan decides retries: it knows what is safe to repeat
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
        if configuration.proxy:
            headers = proxy_headers(configuration.proxy, configuration.proxy_headers)
            return urllib3.ProxyManager(configuration.proxy, proxy_headers=headers, **pool_args)
        return urllib3.PoolManager(**pool_args)

    def clear(self) -> None:
        self._pools.clear()
        self.pool_manager.clear()


#: The largest unused body read to keep its connection; a larger or unannounced one closes the connection instead.
DRAIN_LIMIT = 64 * 1024


def discard(response: RESTResponse, drain: bool = True) -> None:
    """Finish with a response that will not be used: a small body is read so the connection returns to the
    pool; a large or unannounced one is not read at all (the connection is closed instead)."""
    declared = response.headers.get("Content-Length")
    try:
        if drain and declared is not None and declared.isdigit() and int(declared) <= DRAIN_LIMIT:
            response.drain_conn()
        else:
            response.close()
    finally:
        response.release_conn()


def connection_settings(configuration: Any) -> Tuple[Any, ...]:
    """What the pools are built from: when any of it changes, both drivers build theirs again."""
    c = configuration
    headers = tuple(sorted(c.proxy_headers.items())) if c.proxy_headers else ()
    return (c.verify_ssl, c.ssl_ca_cert, c.cert_file, c.key_file, c.tls_server_name, c.proxy, headers,
            c.connection_pool_maxsize)  # fmt: skip


def proxy_headers(proxy: str, configured: Optional[Mapping[str, str]]) -> Dict[str, str]:
    """``proxy_headers``, plus Basic ``Proxy-Authorization`` from ``http://user:password@proxy`` unless given.
    A proxy that is not an http(s) URL is refused before anything is sent."""
    checked_host(proxy, "proxy", "http://proxy.example.com:3128")
    headers = dict(configured or {})
    userinfo = urllib3.util.parse_url(proxy).auth
    if userinfo and not any(name.lower() == "proxy-authorization" for name in headers):
        headers.update(urllib3.make_headers(proxy_basic_auth=unquote(userinfo)))
    return headers


def _transport_error(
    exc: HTTPError, step: Send, started: float, *, request_sent: bool, retryable: bool = True
) -> ApiTransportError:
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
    error = error_class(
        f"{what} ({cause})",
        elapsed=time.monotonic() - started,
        request_sent=request_sent,
        retryable=retryable,
        proxy_status=_tunnel_status(cause) if isinstance(exc, ProxyError) else None,
    )
    # urllib3's own error is what happened; a proxy's URL in its text may carry a password.
    error.__cause__ = redacted_chain(exc, without_userinfo_in_text)
    return error


def _tunnel_status(cause: str) -> Optional[int]:
    """The status a proxy refused the tunnel with (http.client says only "Tunnel connection failed: 407 ...")."""
    found = re.search(r"Tunnel connection failed: (\d{3})\b", cause)  # compiled on first use (kept by re)
    return int(found.group(1)) if found else None


def _describe(exc: BaseException) -> str:
    # urllib3 wraps the socket error; its innermost reason is the useful part. A proxy's URL may carry its
    # password: no message shows a user:password@.
    reason = getattr(exc, "reason", None) or (exc.args[-1] if exc.args else None)
    if isinstance(reason, BaseException):
        return without_userinfo_in_text(f"{type(reason).__name__}: {reason}")
    return without_userinfo_in_text(f"{type(exc).__name__}: {reason if isinstance(reason, str) else exc}")
