"""The aiohttp transport: one session per client, sends one exchange, reads its response, maps failures
to typed errors. Imported only by :class:`~sparkfly_client.async_api_client.AsyncApiClient`."""

from __future__ import annotations

import asyncio
import contextvars
import math
import ssl
import time
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Dict, List, Mapping, Optional, Union

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy

from sparkfly_client._attempt import AttemptLimits
from sparkfly_client._shared import SECRET_HEADERS
from sparkfly_client._steps import Response, Send
from sparkfly_client.configuration import without_userinfo_in_text
from sparkfly_client.exceptions import (
    ApiConnectionError,
    ApiTimeoutError,
    ApiTransportError,
    ApiValueError,
    redacted_chain,
    tls_setup_error,
)
from sparkfly_client.rest import DRAIN_LIMIT, connection_settings, proxy_headers

if TYPE_CHECKING:
    from sparkfly_client._shared import Timeouts

__all__ = ["AiohttpTransport"]

_TIMEOUTS_KEPT = 64
#: Python 3.11+: a cancellation can be told apart from the caller's and taken back. Before that, a caller's
#: cancellation landing in the same loop iteration as the limits running out is taken for the timeout, as
#: aiohttp's own timeouts take it.
_UNCANCEL = hasattr(asyncio.Task, "uncancel")


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


class _Connector(aiohttp.TCPConnector):
    """aiohttp's connector, noting when the connection of an attempt is ready: the read limit counts from there."""

    def __init__(self, timer: _Timer, **settings: Any) -> None:
        super().__init__(**settings)
        self._sparkfly_timer = timer

    async def connect(self, req: aiohttp.ClientRequest, traces: Any, timeout: aiohttp.ClientTimeout) -> Any:
        connection = await aiohttp.TCPConnector.connect(self, req, traces, timeout)
        # The attempt is the one its task is making: a task makes one at a time.
        timer = self._sparkfly_timer
        watchdog = timer.watched.get(asyncio.current_task(self._loop))  # type: ignore[arg-type]
        if watchdog is not None:
            watchdog.connected_at = timer.now()
        return connection


class _Watchdog(AttemptLimits):
    """An attempt's limits (see ``_attempt.py``), watched by its transport's :class:`_Timer`. When they run out
    it cancels the attempt's task; :meth:`timed_out` then tells that cancellation from any other and takes it
    back. Times are on the event loop's clock (``loop.time()``)."""

    __slots__ = ("expired", "task", "_cancelling")

    def __init__(self, timeouts: Timeouts, started: float, task: asyncio.Task[Any]) -> None:
        AttemptLimits.__init__(self, timeouts, started)  # named: one made per attempt, and super() costs more
        self.expired: Optional[str] = None
        self.task = task
        self._cancelling = task.cancelling() if _UNCANCEL else 0

    def expire(self, why: str) -> None:
        self.expired = why
        self.task.cancel()

    def timeout_error(self, elapsed: float) -> ApiTimeoutError:
        return ApiTimeoutError(f"timed out ({self.expired})", elapsed=elapsed, request_sent=self.connected)

    def timed_out(self) -> bool:
        """After a CancelledError: whether it was this watchdog's doing (and only its own)."""
        if self.expired is None:
            return False
        return not _UNCANCEL or self.task.uncancel() <= self._cancelling


class _Timer:
    """One event-loop timer for every attempt in flight on a transport, where aiohttp would keep one per read
    and one for the total, and one per attempt would still cost a heap entry and a cancellation per call.

    It is armed for the earliest time any attempt in flight must be looked at, and armed again only when an
    attempt needs looking at sooner. An attempt's limits only ever move later (data arriving puts the read
    limit off), so a firing can be early but never late: it checks every attempt in flight, expires those out
    of time and arms itself for the next one due. Used from its event loop's thread only."""

    __slots__ = ("_loop", "now", "_context", "watched", "_handle", "_due")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        #: the loop's clock; asyncio's own (unless replaced on the loop) reads time.monotonic, called here without
        #: the method around it
        self.now: Callable[[], float] = (
            time.monotonic if getattr(loop.time, "__func__", None) is _ASYNCIO_CLOCK else loop.time
        )
        # The checks read no context variable: an empty context of the timer's own saves copying a task's.
        self._context = contextvars.Context()
        #: the watchdog of each attempt in flight, by the task making it (a task makes one at a time)
        self.watched: Dict[asyncio.Task[Any], _Watchdog] = {}
        self._handle: Optional[asyncio.TimerHandle] = None
        self._due = math.inf

    def watch(self, timeouts: Timeouts) -> _Watchdog:
        """The watchdog of an attempt starting now in the current task; :meth:`unwatch` it when it ends."""
        loop = self._loop
        task = asyncio.current_task(loop)
        assert task is not None, "an attempt is always awaited in a task"
        now = self.now()
        watchdog = _Watchdog(timeouts, now, task)
        verdict = watchdog.check(now)
        if isinstance(verdict, str):  # out of time before it starts: the caller sends nothing (see send)
            watchdog.expired = verdict
        elif verdict is not None:
            self.watched[task] = watchdog
            if verdict < self._due:
                self._arm(verdict)
        return watchdog

    def unwatch(self, watchdog: _Watchdog) -> None:
        if self.watched.get(watchdog.task) is watchdog:
            del self.watched[watchdog.task]

    def _arm(self, due: float) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._due = due
        self._handle = self._loop.call_at(due, self._fire, context=self._context)

    def _fire(self) -> None:
        self._handle, self._due = None, math.inf
        now = self.now()
        due = math.inf
        for task, watchdog in list(self.watched.items()):
            verdict = watchdog.check(now)
            if isinstance(verdict, str):
                del self.watched[task]
                watchdog.expire(verdict)
            elif verdict is not None and verdict < due:
                due = verdict
        if due < math.inf:
            self._arm(due)

    def close(self) -> None:
        """Let the loop go idle once the transport is closed; a call still in flight keeps its timer."""
        if self._handle is not None and not self.watched:
            self._handle.cancel()
            self._handle, self._due = None, math.inf


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
        self._watched_timeouts: Dict[Timeouts, aiohttp.ClientTimeout] = {}  # connect limit only (see send)
        self._timer: Optional[_Timer] = None

    def _session_for_this_loop(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            if self._loop is not None:
                raise RuntimeError(
                    "this AsyncApiClient belongs to another event loop; create one AsyncApiClient per event loop"
                )
            self._loop = loop
            self._timer = _Timer(loop)
        session = self._session
        if not self._own:  # the caller's, used as it is
            if session.closed:  # type: ignore[union-attr]
                raise ApiValueError("the aiohttp session given to this AsyncApiClient is closed")
            return session  # type: ignore[return-value]
        if session is not None and connection_settings(self.configuration) != self._settings:
            # TLS, proxy or pool settings changed: they apply from this call on. Calls still under way on the
            # old session finish there; it is closed with the client.
            self._retired.append(session)
            session = None
        if session is None:  # none yet, or the client was closed (close forgets its own session)
            session = self._session = self._new_session()
        return session

    def _new_session(self) -> aiohttp.ClientSession:
        config = self.configuration
        self._settings = connection_settings(config)
        assert self._timer is not None  # made with the loop
        connector = _Connector(self._timer, limit=config.connection_pool_maxsize, ssl=_ssl_setting(config))
        # aiohttp's own switch of that resend (the one its test client turns off) spares every request the
        # middleware; an aiohttp without the switch gets the middleware.
        switch = _RESEND_SWITCH in getattr(aiohttp.ClientSession, "ATTRS", ())
        session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),  # as the sync client: no cookie is kept from a response
            middlewares=() if switch else (_no_resend,),
        )
        if switch:
            setattr(session, _RESEND_SWITCH, False)
        return session

    async def send(self, step: Send) -> Union[Response, ApiTransportError]:
        """One exchange. A failure comes back as a typed error (not raised)."""
        config = self.configuration
        try:
            session = self._session_for_this_loop()
        except OSError as exc:  # ssl.SSLError included: a certificate file that cannot be used
            return tls_setup_error(config, exc)
        started = time.monotonic()
        extra = _NOTHING_EXTRA
        if not self._own or config.proxy or config.tls_server_name or _may_be_labelled(step):
            extra = self._extra(step)
        # The client's own session reading the whole body: the transport's one timer keeps the attempt's
        # limits. A session of the caller's, or a response handed back unread, keeps aiohttp's timers (they go
        # on applying to reads made later).
        watchdog: Optional[_Watchdog] = None
        timer = self._timer
        assert timer is not None  # made with the session
        if self._own and step.preload:
            watchdog = timer.watch(step.timeouts)
            if watchdog.expired is not None:  # a request that cannot be answered in time is not written
                return watchdog.timeout_error(elapsed=0.0)
        try:
            try:
                response = await session.request(
                    step.method,
                    step.url,
                    data=step.body,
                    headers=step.headers,
                    timeout=self._timeout(step.timeouts, watchdog is not None),
                    allow_redirects=False,
                    **extra,
                )
            except (asyncio.TimeoutError, aiohttp.ClientError, _NotReplayed) as exc:
                return _transport_error(exc, started, reading=False)
            if not step.preload:
                return Response(response.status, response.reason, response.headers, b"", response)
            try:
                if response.content.is_eof():  # the whole body came with the headers (a small answer's usual case)
                    body = await response.read()
                    if len(body) > step.max_body:
                        raise step.too_large(len(body))
                else:
                    body = await _read(response, step, watchdog, timer.now)
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
        except asyncio.CancelledError:
            if watchdog is None or not watchdog.timed_out():
                raise
            return watchdog.timeout_error(elapsed=time.monotonic() - started)
        finally:
            if watchdog is not None:
                timer.unwatch(watchdog)

    def _extra(self, step: Send) -> Dict[str, Any]:
        """What a request takes beyond the common arguments, where the settings or the request call for it."""
        config = self.configuration
        extra: Dict[str, Any] = {}
        if self._own:
            if config.proxy:
                extra["proxy"] = config.proxy
                extra["proxy_headers"] = proxy_headers(config.proxy, config.proxy_headers)
            if config.tls_server_name:
                extra["server_hostname"] = config.tls_server_name
        else:  # a session of the caller's: its own middlewares give way to the one that stops resends
            extra["middlewares"] = (_no_resend,)
        if _may_be_labelled(step) and not _has_content_type(step.headers):
            extra["skip_auto_headers"] = _CONTENT_TYPE  # aiohttp would label a bodiless PUT application/octet-stream
        return extra

    def _timeout(self, limits: Timeouts, watched: bool) -> aiohttp.ClientTimeout:
        """aiohttp's timeout for these limits: only the connect limit when a watchdog keeps the rest."""
        made = self._watched_timeouts if watched else self._timeouts
        timeout = made.get(limits)
        if timeout is None:
            if len(made) >= _TIMEOUTS_KEPT:  # limits cut to a deadline's remainder differ call by call
                made.clear()
            if watched:
                timeout = aiohttp.ClientTimeout(total=None, sock_connect=limits.connect, sock_read=None)
            else:
                timeout = aiohttp.ClientTimeout(total=limits.total, sock_connect=limits.connect, sock_read=limits.read)
            made[limits] = timeout
        return timeout

    async def close(self) -> None:
        if self._timer is not None and asyncio.get_running_loop() is self._loop:  # the timer is its loop's alone
            self._timer.close()
        sessions = [*self._retired, *([self._session] if self._own and self._session is not None else [])]
        self._retired = []
        if self._own:  # the next call opens a new one
            self._session = None
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


async def _read(
    response: aiohttp.ClientResponse, step: Send, limits: Optional[AttemptLimits], now: Callable[[], float]
) -> bytes:
    limit = step.max_body
    declared = response.content_length
    if declared is not None and declared > limit:
        raise step.too_large(declared)
    content = response.content
    # aiohttp's parser stops at a declared length; each piece that arrives counts as progress for the read limit
    chunks = []
    size = 0
    while True:
        if limits is not None:
            limits.progress_at = now()
        chunk = await content.readany()
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            raise step.too_large(size)
        chunks.append(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


_NOTHING_EXTRA: Dict[str, Any] = {}
#: aiohttp's switch of its one-time resend of an idempotent request on a reused connection that failed
_RESEND_SWITCH = "_retry_connection"
_ASYNCIO_CLOCK = asyncio.BaseEventLoop.time
_LABELLED_METHODS = frozenset({"POST", "PUT", "PATCH"})
_CONTENT_TYPE = ("Content-Type",)


def _may_be_labelled(step: Send) -> bool:
    """Whether aiohttp would give the request a Content-Type of its own: a bodiless POST, PUT or PATCH."""
    return step.body is None and step.method in _LABELLED_METHODS


def _has_content_type(headers: Mapping[str, str]) -> bool:
    return any(name.lower() == "content-type" for name in headers)


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
    error = _error_for(cause, time.monotonic() - started, reading)
    # aiohttp's own error is what happened; a proxy's URL in its text may carry a password.
    error.__cause__ = redacted_chain(_without_credentials(cause), without_userinfo_in_text)
    return error


def _without_credentials(cause: BaseException) -> BaseException:
    """An aiohttp error about a response (a proxy refusing the tunnel, say) keeps the request it answered, whose URL
    may carry the proxy's password and whose headers its ``Proxy-Authorization``: kept without them."""
    if isinstance(cause, aiohttp.ClientResponseError):
        info = cause.request_info
        headers = CIMultiDict((k, "***" if k.lower() in SECRET_HEADERS else v) for k, v in info.headers.items())
        cause.request_info = aiohttp.RequestInfo(
            info.url.with_user(None), info.method, CIMultiDictProxy(headers), info.real_url.with_user(None)
        )
        cause.history = ()
        cause.args = (cause.request_info, ())
    return cause


def _error_for(cause: BaseException, elapsed: float, reading: bool) -> ApiTransportError:
    # A proxy's URL may carry its password: no message shows a user:password@.
    detail = without_userinfo_in_text(f"{type(cause).__name__}: {cause}" if str(cause) else type(cause).__name__)
    if isinstance(cause, (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError)):
        return ApiConnectionError(f"TLS failure ({detail})", elapsed=elapsed, request_sent=False, retryable=False)
    if isinstance(cause, aiohttp.ClientHttpProxyError):  # the proxy answered the tunnel request with a refusal
        return ApiConnectionError(
            f"proxy failure ({detail})", elapsed=elapsed, request_sent=False, proxy_status=cause.status
        )
    if isinstance(cause, aiohttp.ClientProxyConnectionError):  # the proxy could not be reached
        return ApiConnectionError(f"proxy failure ({detail})", elapsed=elapsed, request_sent=False)
    if isinstance(cause, aiohttp.ClientConnectorError):
        return ApiConnectionError(f"connection failed ({detail})", elapsed=elapsed, request_sent=False)
    if isinstance(cause, aiohttp.ConnectionTimeoutError):
        return ApiTimeoutError(f"timed out ({detail})", elapsed=elapsed, request_sent=False)
    if isinstance(cause, asyncio.TimeoutError):  # ServerTimeoutError included: a read ran out of time
        return ApiTimeoutError(f"timed out ({detail})", elapsed=elapsed, request_sent=True)
    what = "connection failed while reading the response" if reading else "connection failed"
    return ApiConnectionError(f"{what} ({detail})", elapsed=elapsed, request_sent=True)
