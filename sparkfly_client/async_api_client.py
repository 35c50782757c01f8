"""AsyncApiClient: the async driver. It steps each call's plan with aiohttp (``_aiohttp.py``): sends,
reads, sleeps with ``asyncio.sleep``, and holds the lock of a token renewal. Every decision is the
plan's (``_plan.py``), the same plan the sync :class:`~sparkfly_client.api_client.ApiClient` steps.

Needs the ``async`` extra: ``pip install "sparkfly_client[async]"``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Coroutine, Dict, Generator, Optional

from sparkfly_client._client_base import TRACE_MODULE, ClientBase, modules, tracing
from sparkfly_client._ratelimit import WAIT_FOR_CHANGE
from sparkfly_client._request import Call, Variant
from sparkfly_client._steps import Admit, Authenticate, Clock, Discard, Observe, Send, Step, Wait
from sparkfly_client.configuration import Configuration
from sparkfly_client.exceptions import OpenApiException

if TYPE_CHECKING:
    import aiohttp

    from sparkfly_client._tracing import PlanSpan

__all__ = ["AsyncApiClient"]


def _import_aiohttp_transport() -> Any:
    try:
        from sparkfly_client import _aiohttp
    except ImportError as exc:  # aiohttp is not installed
        raise ImportError(
            "AsyncApiClient needs aiohttp, which comes with the 'async' extra: pip install \"sparkfly_client[async]\""
        ) from exc
    return _aiohttp


class AsyncApiClient(ClientBase):
    """Holds the configuration and one aiohttp session; every async API class sends through one.

    Use it with ``async with``, or ``await client.close()``. It belongs to the event loop of its first
    call; use one per event loop. Concurrent calls on one client share its connections and its token.

    :param session: an ``aiohttp.ClientSession`` of your own (for a corporate proxy setup or
        instrumentation); it is used as it is and left open by :meth:`close`.
    :param sleep: how the client waits before a retry (``asyncio.sleep``); tests pass their own.
    """

    def __init__(
        self,
        configuration: Optional[Configuration] = None,
        header_name: Optional[str] = None,
        header_value: Optional[str] = None,
        cookie: Optional[str] = None,
        *,
        session: Optional[aiohttp.ClientSession] = None,
        clock: Optional[Clock] = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        transport = _import_aiohttp_transport()
        super().__init__(configuration, header_name, header_value, cookie, clock=clock)
        self._transport = transport.AiohttpTransport(self.configuration, session)
        self._discard = transport.discard
        self._sleep = sleep
        self._renewal_lock: Optional[asyncio.Lock] = None  # made in the client's event loop, on first need
        #: done when an answer is observed, waking the calls waiting for the rate limit to admit them
        self._limit_changed: Optional[asyncio.Future[None]] = None

    async def __aenter__(self) -> AsyncApiClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the session (and its connections) unless it was given by the caller."""
        await self._transport.close()

    def run_call(self, call: Call[Any], variant: Variant) -> Coroutine[Any, Any, Any]:
        """Check the arguments and build the request (raising before anything is sent), then hand back the
        coroutine that runs the call; ``variant`` picks the model, the ApiResponse or the unread response."""
        # None unless the application traces (imported OpenTelemetry's API, and set a provider): see _tracing.py.
        span = None if TRACE_MODULE not in modules else tracing().call_span(variant, call)
        if span is None:
            return self._drive(self._plan(call, variant.result), variant.result)
        return self._traced(span, call, variant)

    async def _traced(self, span: PlanSpan, call: Call[Any], variant: Variant) -> Any:
        with span:  # the span is current in the task's context while the plan is stepped
            return await self._drive(span.observe(self._plan(call, variant.result)), variant.result)

    async def _drive(self, plan: Generator[Step, Any, Any], result: Optional[str] = None) -> Any:
        """Step ``plan`` to its end; what it returns is finished into ``result`` (see ``ClientBase._finish``)."""
        outcome: Any = None
        unanswered: Dict[int, Observe] = {}  # what to tell the rate limit should the call end before their answers
        try:
            while True:
                try:
                    step = plan.send(outcome)
                except StopIteration as done:
                    finished = done.value
                    break
                if type(step) is Send:
                    outcome = await self._transport.send(step)
                    continue
                outcome = None
                if type(step) is Wait:
                    await self._sleep(step.seconds)
                elif type(step) is Discard:
                    await self._discard(step.raw)
                elif type(step) is Admit:
                    outcome = await self._admit(step)
                    step.track(outcome, unanswered)
                elif type(step) is Observe:
                    self._observe(step)
                    step.track(unanswered)
                else:
                    try:
                        outcome = await self._authenticate(step)  # type: ignore[arg-type]
                    except OpenApiException as exc:  # no token: the plan decides what that means for the call
                        outcome = exc
        finally:
            for abandoned in unanswered.values():  # ended between an admission and its answer (cancelled)
                self._observe(abandoned)
        # Outside the except clause: an error the result raises carries no StopIteration as its context.
        return self._finish(finished, result)

    async def _admit(self, step: Admit) -> Any:
        """Wait until the rate limit admits the request (its ticket) or refuses it (the error); never blocks the
        event loop."""
        clock = self._clock
        while True:
            verdict = step.ask(clock.monotonic())
            if type(verdict) is not float:
                return verdict
            changed = self._limit_changed
            if changed is None:
                changed = self._limit_changed = asyncio.get_running_loop().create_future()
            await asyncio.wait((changed,), timeout=None if verdict == WAIT_FOR_CHANGE else verdict)

    def _observe(self, step: Observe) -> None:
        """Tell the rate limit what came back; every call waiting to be admitted asks again."""
        step.apply(self._clock.monotonic(), self._clock.wall())
        changed, self._limit_changed = self._limit_changed, None
        if changed is not None and not changed.done():
            changed.set_result(None)

    async def _authenticate(self, step: Authenticate) -> str:
        if self._renewal_lock is None:
            self._renewal_lock = asyncio.Lock()
        lock = self._renewal_lock
        if not await _acquire(lock, step.lock_wait()):
            raise step.lock_timed_out()
        try:
            token = step.settled()
            if token is not None:
                return token
            span = None if TRACE_MODULE not in modules else tracing().renewal_span()
            if span is None:
                return await self._drive(step.renewal())  # type: ignore[no-any-return]
            with span:
                return await self._drive(span.observe(step.renewal()))  # type: ignore[no-any-return]
        finally:
            lock.release()


async def _acquire(lock: asyncio.Lock, wait: Optional[float]) -> bool:
    """Take ``lock`` within ``wait`` seconds (``None``: no limit). Never leaves it held by a waiter that
    gave up or was cancelled (``asyncio.wait_for`` can, before Python 3.12)."""
    if wait is None:
        await lock.acquire()
        return True
    attempt = asyncio.ensure_future(lock.acquire())
    try:
        done, _ = await asyncio.wait({attempt}, timeout=wait)
    except BaseException:
        _abandon(lock, attempt)
        raise
    if attempt in done:
        return True
    _abandon(lock, attempt)
    return False


def _abandon(lock: asyncio.Lock, attempt: asyncio.Future[Any]) -> None:
    if attempt.done() and not attempt.cancelled() and attempt.exception() is None:
        lock.release()  # it was taken after all
    else:
        attempt.cancel()
