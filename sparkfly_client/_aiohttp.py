"""The aiohttp transport: one session per client, sends one exchange, reads its response, maps failures
to typed errors. Imported only by :class:`~sparkfly_client.async_api_client.AsyncApiClient`."""

from __future__ import annotations

import asyncio
import ssl
import time
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Dict, List, Optional, Union

import aiohttp

from sparkfly_client._plan import Response, Send
from sparkfly_client.configuration import without_userinfo_in_text
from sparkfly_client.exceptions import (
    ApiConnectionError,
    ApiTimeoutError,
    ApiTransportError,
    ResponseTooLargeError,
    tls_setup_error,
)
from sparkfly_client.rest import DRAIN_LIMIT, connection_settings, proxy_headers

if TYPE_CHECKING:
    from sparkfly_client._request import Timeouts

__all__ = ["AiohttpTransport"]

_CHUNK = 64 * 1024
_TIMEOUTS_KEPT = 64


class _NotReplayed(Exception):
    """A connection failure carried past aiohttp's own one-time resend of idempotent requests: only the
    call plan decides what is sent again (a redeem is a PUT, and must never reach the server twice)."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(cause)
        self.cause = cause


async def _no_resend(
    request: aiohttp.ClientRequest, handler: Callable[[aiohttp.ClientRequest], Awaitable[aiohttp.ClientResponse]]
) -> aiohttp.ClientResponse:
    # aiohttp resends a GET, PUT or DELETE once when a reused connection fails, unless the failure it
    # sees is not a ClientOSError/ServerDisconnectedError. Client middlewares are its supported hook.
    try:
        return await handler(request)
    except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError) as exc:
        raise _NotReplayed(exc) from exc


class AiohttpTransport:
    """Owns (or borrows) the aiohttp session of one client, created in the event loop of its first call."""

    def __init__(self, configuration: Any, session: Optional[aiohttp.ClientSession] = None) -> None:
        self.configuration = configuration
        self._session = session
        self._own = session is None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._settings: Any = None
        self._retired: List[aiohttp.ClientSession] = []
        # aiohttp's timeout of each limits seen: building one costs more than the rest of send's own work
        self._timeouts: Dict[Timeouts, aiohttp.ClientTimeout] = {}

    def _session_for_this_loop(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif loop is not self._loop:
            raise RuntimeError(
                "this AsyncApiClient belongs to another event loop; create one AsyncApiClient per event loop"
            )
        if self._own and self._session is not None and connection_settings(self.configuration) != self._settings:
            # TLS, proxy or pool settings changed: they apply from this call on. Calls still under way on the
            # old session finish there; it is closed with the client.
            self._retired.append(self._session)
            self._session = None
        if self._session is None or (self._own and self._session.closed):
            config = self.configuration
            self._settings = connection_settings(config)
            connector = aiohttp.TCPConnector(limit=config.connection_pool_maxsize, ssl=_ssl_setting(config))
            self._session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=False,
                cookie_jar=aiohttp.DummyCookieJar(),  # as the sync client: no cookie is kept from a response
                # aiohttp would label a bodiless PUT application/octet-stream; the rest it adds, the client sends
                skip_auto_headers=("Content-Type",),
                middlewares=(_no_resend,),
            )
        return self._session

    async def send(self, step: Send) -> Union[Response, ApiTransportError]:
        """One exchange. A failure comes back as a typed error (not raised)."""
        config = self.configuration
        try:
            session = self._session_for_this_loop()
        except OSError as exc:  # ssl.SSLError included: a certificate file that cannot be used
            return tls_setup_error(config, exc)
        started = time.monotonic()
        extra: Dict[str, Any] = {}
        if self._own:
            if config.proxy:
                extra["proxy"] = config.proxy
                extra["proxy_headers"] = proxy_headers(config.proxy, config.proxy_headers)
            if config.tls_server_name:
                extra["server_hostname"] = config.tls_server_name
        else:  # a session of the caller's: its own middlewares give way to the one that stops resends
            extra["middlewares"] = (_no_resend,)
        try:
            response = await session.request(
                step.method,
                step.url,
                data=step.body,
                headers=step.headers,
                timeout=self._timeouts.get(step.timeouts) or self._timeout(step.timeouts),
                allow_redirects=False,
                **extra,
            )
        except (asyncio.TimeoutError, aiohttp.ClientError, _NotReplayed) as exc:
            return _transport_error(exc, started, reading=False)
        if not step.preload:
            return Response(response.status, response.reason, response.headers, b"", response)
        try:
            body = await _read(response, step)
        except ApiTransportError as exc:
            response.close()
            return exc
        except (asyncio.TimeoutError, aiohttp.ClientError) as exc:
            response.close()
            return _transport_error(exc, started, reading=True)
        except BaseException:  # cancelled: the connection is in an unknown state, never reuse it
            response.close()
            raise
        response.release()
        return Response(response.status, response.reason, response.headers, body, None)

    def _timeout(self, limits: Timeouts) -> aiohttp.ClientTimeout:
        if len(self._timeouts) >= _TIMEOUTS_KEPT:  # limits cut to a deadline's remainder differ call by call
            self._timeouts.clear()
        timeout = aiohttp.ClientTimeout(total=limits.total, sock_connect=limits.connect, sock_read=limits.read)
        self._timeouts[limits] = timeout
        return timeout

    async def close(self) -> None:
        sessions = [*self._retired, *([self._session] if self._own and self._session is not None else [])]
        self._retired = []
        for session in sessions:
            if not session.closed:
                await session.close()


async def discard(response: aiohttp.ClientResponse) -> None:
    """Finish with a response that will not be used: a small body is read so the connection can be reused; a
    large or unannounced one is not read at all (the connection is closed instead)."""
    length = response.content_length
    if length is None or length > DRAIN_LIMIT:
        response.close()
        return
    try:
        await response.read()
    except (asyncio.TimeoutError, aiohttp.ClientError):
        response.close()
    finally:
        response.release()


async def _read(response: aiohttp.ClientResponse, step: Send) -> bytes:
    limit = step.max_body
    declared = response.content_length
    if declared is not None:
        if declared > limit:
            raise _too_large(step, declared)
        # aiohttp's parser stops at the declared length, so the whole body is within the limit.
        return await response.read()
    chunks = []
    size = 0
    async for chunk in response.content.iter_chunked(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise _too_large(step, size)
        chunks.append(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _too_large(step: Send, size: int) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"the response's body ({size} bytes or more) exceeds max_response_bytes ({step.max_body})",
        request_sent=True,
        retryable=False,
    )


def _ssl_setting(config: Any) -> Union[bool, ssl.SSLContext]:
    if not config.verify_ssl:
        return False
    if not (config.ssl_ca_cert or config.cert_file):
        return True  # aiohttp's own verifying context, made once per process: building one blocks for ~0.1 s
    context = ssl.create_default_context(cafile=config.ssl_ca_cert)
    if config.cert_file:
        context.load_cert_chain(config.cert_file, config.key_file)
    return context


def _transport_error(exc: BaseException, started: float, *, reading: bool) -> ApiTransportError:
    cause = exc.cause if isinstance(exc, _NotReplayed) else exc
    elapsed = time.monotonic() - started
    # A proxy's URL may carry its password: no message shows a user:password@.
    detail = without_userinfo_in_text(f"{type(cause).__name__}: {cause}" if str(cause) else type(cause).__name__)
    if isinstance(cause, (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError)):
        return ApiConnectionError(f"TLS failure ({detail})", elapsed=elapsed, request_sent=False, retryable=False)
    if isinstance(cause, (aiohttp.ClientProxyConnectionError, aiohttp.ClientHttpProxyError)):
        # The proxy refused or could not be reached: nothing reached the server.
        return ApiConnectionError(f"proxy failure ({detail})", elapsed=elapsed, request_sent=False)
    if isinstance(cause, aiohttp.ClientConnectorError):
        return ApiConnectionError(f"connection failed ({detail})", elapsed=elapsed, request_sent=False)
    if isinstance(cause, aiohttp.ConnectionTimeoutError):
        return ApiTimeoutError(f"timed out ({detail})", elapsed=elapsed, request_sent=False)
    if isinstance(cause, asyncio.TimeoutError):  # ServerTimeoutError included: a read ran out of time
        return ApiTimeoutError(f"timed out ({detail})", elapsed=elapsed, request_sent=True)
    what = "connection failed while reading the response" if reading else "connection failed"
    return ApiConnectionError(f"{what} ({detail})", elapsed=elapsed, request_sent=True)
