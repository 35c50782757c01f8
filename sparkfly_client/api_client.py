"""ApiClient: the sync driver. It steps each call's plan with urllib3 (``rest.py``): sends, reads,
sleeps, and holds the lock of a token renewal. Every decision is the plan's (``_plan.py``)."""

from __future__ import annotations

import os
import threading
import time
from typing import Any, Callable, Dict, Generator, Optional

import urllib3

from sparkfly_client._client_base import TRACE_MODULE, ClientBase, modules, tracing
from sparkfly_client._ratelimit import WAIT_FOR_CHANGE
from sparkfly_client._request import Call, RequestOptions, Variant
from sparkfly_client._steps import Admit, Authenticate, Clock, Discard, Observe, Send, Step, Wait
from sparkfly_client.configuration import Configuration
from sparkfly_client.exceptions import OpenApiException
from sparkfly_client.rest import RESTClientObject, discard

__all__ = ["ApiClient", "RequestOptions"]


class ApiClient(ClientBase):
    """Holds the configuration and the connection pools; every sync API class sends through one.

    Safe to share between threads, and across ``fork`` (a child process opens its own connections).
    Use it as a context manager, or call :meth:`close`, to release the connections.

    :param pool_manager: a urllib3 ``PoolManager`` of your own (for instance set up for a corporate
        proxy, or instrumented); its TLS and proxy settings are used instead of the configuration's.
    :param sleep: how the client waits before a retry (``time.sleep``); tests pass their own.
    """

    _default: Optional[ApiClient] = None
    _default_lock = threading.Lock()

    def __init__(
        self,
        configuration: Optional[Configuration] = None,
        header_name: Optional[str] = None,
        header_value: Optional[str] = None,
        cookie: Optional[str] = None,
        *,
        pool_manager: Optional[urllib3.PoolManager] = None,
        clock: Optional[Clock] = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(configuration, header_name, header_value, cookie, clock=clock)
        self.rest_client = RESTClientObject(self.configuration, pool_manager)
        self._sleep = sleep
        self._renewal_lock = threading.Lock()
        self._limit_changed = threading.Condition()  # the rate limit's lock; notified when an answer is observed
        self._lock_pid = os.getpid()

    # --- lifecycle ------------------------------------------------------------------------------

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Release every pooled connection."""
        self.rest_client.clear()

    @classmethod
    def get_default(cls) -> ApiClient:
        """The process-wide client used by API classes created without one."""
        with cls._default_lock:
            if cls._default is None:
                cls._default = ApiClient()
            return cls._default

    @classmethod
    def set_default(cls, default: Optional[ApiClient]) -> None:
        with cls._default_lock:
            cls._default = default

    # --- the driver -------------------------------------------------------------------------------

    def run_call(self, call: Call[Any], variant: Variant) -> Any:
        """Run one operation call; ``variant`` picks the model, the ApiResponse or the unread response."""
        # None unless the application traces (imported OpenTelemetry's API, and set a provider): see _tracing.py.
        span = None if TRACE_MODULE not in modules else tracing().call_span(variant, call)
        if span is None:
            return self._drive(self._plan(call, variant.result), variant.result)
        with span:
            return self._drive(span.observe(self._plan(call, variant.result)), variant.result)

    def _drive(self, plan: Generator[Step, Any, Any], result: Optional[str] = None) -> Any:
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
                    outcome = self.rest_client.send(step)
                    continue
                outcome = None
                if type(step) is Wait:
                    self._sleep(step.seconds)
                elif type(step) is Discard:
                    discard(step.raw)
                elif type(step) is Admit:
                    outcome = self._admit(step)
                    step.track(outcome, unanswered)
                elif type(step) is Observe:
                    self._observe(step)
                    step.track(unanswered)
                else:
                    try:
                        outcome = self._authenticate(step)  # type: ignore[arg-type]
                    except OpenApiException as exc:  # no token: the plan decides what that means for the call
                        outcome = exc
        finally:
            for abandoned in unanswered.values():  # the call ended between an admission and its answer
                self._observe(abandoned)
        # Outside the except clause: an error the result raises carries no StopIteration as its context.
        return self._finish(finished, result)

    def _own_locks(self) -> None:
        if self._lock_pid != os.getpid():  # forked while another thread may have held one: the child's own locks
            self._renewal_lock, self._limit_changed = threading.Lock(), threading.Condition()
            self._lock_pid = os.getpid()

    def _admit(self, step: Admit) -> Any:
        """Wait until the rate limit admits the request (its ticket) or refuses it (the error), holding the client's
        lock only while asking."""
        self._own_locks()
        changed, clock = self._limit_changed, self._clock
        with changed:
            while True:
                verdict = step.ask(clock.monotonic())
                if type(verdict) is not float:
                    return verdict
                changed.wait(None if verdict == WAIT_FOR_CHANGE else min(verdict, threading.TIMEOUT_MAX))

    def _observe(self, step: Observe) -> None:
        self._own_locks()
        with self._limit_changed:
            step.apply(self._clock.monotonic(), self._clock.wall())
            self._limit_changed.notify_all()

    def _authenticate(self, step: Authenticate) -> str:
        self._own_locks()
        wait = step.lock_wait()
        if not self._renewal_lock.acquire(timeout=-1 if wait is None else min(wait, threading.TIMEOUT_MAX)):
            raise step.lock_timed_out()
        try:
            token = step.settled()
            if token is not None:
                return token
            span = None if TRACE_MODULE not in modules else tracing().renewal_span()
            if span is None:
                return self._drive(step.renewal())  # type: ignore[no-any-return]
            with span:
                return self._drive(span.observe(step.renewal()))  # type: ignore[no-any-return]
        finally:
            self._renewal_lock.release()
