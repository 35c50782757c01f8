"""OpenTelemetry spans of operation calls and token fetches, when the application traces.

A call is one span of kind CLIENT named after its operation (``CredentialsApi.get_credential``); an ``/auth``
fetch it needed is a child span named ``authenticate``. Each is the current span while its driver steps the
plan, so the spans that the urllib3 and aiohttp instrumentations make of every attempt nest under it.

Nothing here imports OpenTelemetry: a span is made only when the application has imported
``opentelemetry.trace`` and set a tracer provider other than the API's own no-op one. Otherwise
:func:`call_span` and :func:`renewal_span` return ``None`` after one dictionary lookup (and, with OpenTelemetry
imported, one look at the global provider), and the driver steps the plan as it would without this module.

The attributes are OpenTelemetry's HTTP client conventions (``http.request.method``, ``url.template``,
``server.address``, ``server.port``, ``http.response.status_code``, ``http.request.resend_count``,
``error.type``) and ``sparkfly.request_id``. No span holds a URL, a query value, a header or an exception's
message: those may carry a credential code or a secret.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, Dict, Generator, Optional, Tuple, Type, TypeVar
from urllib.parse import urlsplit

from sparkfly_client._steps import Response, Send, Step
from sparkfly_client._version import __version__

if TYPE_CHECKING:
    from types import TracebackType

    from opentelemetry.trace import Span, Tracer

    from sparkfly_client._endpoint import Endpoint

__all__ = ["call_span", "renewal_span", "PlanSpan", "RENEWAL_SPAN_NAME"]

#: The name of the span of an ``/auth`` fetch.
RENEWAL_SPAN_NAME = "authenticate"
_AUTH_TEMPLATE = "/auth"
_TRACE_MODULE = "opentelemetry.trace"
_modules = sys.modules
#: the provider the tracer below came from, and that tracer
_cached: Tuple[Any, Any] = (None, None)
_NOT_KEPT = object()
_PROVIDER_VARIABLE = "OTEL_PYTHON_TRACER_PROVIDER"
#: whether the process's environment names a tracer provider; looked at once, as OpenTelemetry's settings are read
_named_by_environment: Optional[bool] = None

T = TypeVar("T")


def call_span(operation: str, endpoint: Endpoint[Any]) -> Optional[PlanSpan]:
    """The span of one operation call, started now; ``None`` when the application does not trace."""
    trace = _modules.get(_TRACE_MODULE)
    if trace is None:  # not imported (or blocked) by the application
        return None
    tracer = _tracer(trace)
    if tracer is None:
        return None
    return PlanSpan(tracer, operation, endpoint.path, endpoint.method)


def renewal_span() -> Optional[PlanSpan]:
    """The span of one ``/auth`` fetch (a token renewal), started now; ``None`` when the application does not
    trace. Started inside the span of the call that needed the token, it is that span's child."""
    trace = _modules.get(_TRACE_MODULE)
    if trace is None:  # not imported (or blocked) by the application
        return None
    tracer = _tracer(trace)
    if tracer is None:
        return None
    return PlanSpan(tracer, RENEWAL_SPAN_NAME, _AUTH_TEMPLATE, None)


def _tracer(trace: Any) -> Optional[Tracer]:
    """This package's tracer from the global provider of ``trace`` (the module ``opentelemetry.trace``), or
    ``None`` while that is the API's own no-op (or proxy) one."""
    global _cached
    # What set_tracer_provider stored. Read directly, since the public getter costs a call some 1.5 us even when
    # no provider is set (it looks up OTEL_PYTHON_TRACER_PROVIDER in os.environ through a KeyError); the getter is
    # used where the API no longer keeps it there, or to load the provider that variable names.
    provider: Any = getattr(trace, "_TRACER_PROVIDER", _NOT_KEPT)
    if provider is None and not _provider_named_by_environment():
        return None
    if provider is None or provider is _NOT_KEPT:
        provider = trace.get_tracer_provider()
    if isinstance(provider, (trace.ProxyTracerProvider, trace.NoOpTracerProvider)):
        return None
    cached_provider, tracer = _cached
    if cached_provider is not provider:
        tracer = provider.get_tracer("sparkfly_client", __version__)
        _cached = (provider, tracer)
    return tracer  # type: ignore[no-any-return]


def _provider_named_by_environment() -> bool:
    global _named_by_environment
    if _named_by_environment is None:
        _named_by_environment = _PROVIDER_VARIABLE in os.environ
    return _named_by_environment


class PlanSpan:
    """The span of a plan a driver steps: ``with span: driver(span.observe(plan))``.

    While the ``with`` block runs the span is the current one (of the thread, or of the task in async
    code); :meth:`observe` hands the plan's steps through unchanged, noting the attempts and the response
    the plan ends with. On leaving the block the span gets what was observed and how the block ended, and ends.
    """

    __slots__ = ("span", "_template", "_method", "_sends", "_response", "_token")

    def __init__(self, tracer: Tracer, name: str, template: str, method: Optional[str]) -> None:
        from opentelemetry.trace import SpanKind

        attributes: Dict[str, Any] = {"url.template": template}
        if method is not None:
            attributes = {"http.request.method": method, **attributes}
        self.span: Span = tracer.start_span(name, kind=SpanKind.CLIENT, attributes=attributes)
        self._template = template
        self._method = method
        self._sends = 0
        #: the response of the plan's last step, when that step was a send that got one
        self._response: Optional[Response] = None
        self._token: object = None

    def observe(self, plan: Generator[Step, Any, T]) -> Generator[Step, Any, T]:
        """``plan`` step for step (``yield from`` would hide the outcomes from this span)."""
        outcome: Any = None
        while True:
            try:
                step = plan.send(outcome)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]
            self._response = None
            if type(step) is Send:
                self._sends += 1
                if self._sends == 1 or step.method != self._method:  # /auth moves from GET to POST on a 405
                    self._describe_server(step)
                outcome = yield step
                if type(outcome) is Response:
                    self._response = outcome
            else:
                outcome = yield step

    def _describe_server(self, step: Send) -> None:
        span = self.span
        if step.method != self._method:
            self._method = step.method
            span.set_attribute("http.request.method", step.method)
        if self._sends > 1:
            return
        parts = urlsplit(step.url)
        span.set_attribute("server.address", parts.hostname or "")
        span.set_attribute("server.port", parts.port or (443 if parts.scheme == "https" else 80))
        # A host with a path of its own (https://example.com/sparkfly) puts it before every template.
        segments = parts.path.split("/")
        depth = self._template.count("/")
        if len(segments) > depth + 1:
            span.set_attribute("url.template", "/".join(segments[:-depth]) + self._template)

    def __enter__(self) -> PlanSpan:
        from opentelemetry import context, trace

        self._token = context.attach(trace.set_span_in_context(self.span))
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        from opentelemetry import context

        context.detach(self._token)  # type: ignore[arg-type]
        try:
            self._describe_end(exc)
        finally:
            self.span.end()

    def _describe_end(self, exc: Optional[BaseException]) -> None:
        from opentelemetry.trace import Status, StatusCode

        span = self.span
        if self._sends > 1:
            span.set_attribute("http.request.resend_count", self._sends - 1)
        response = self._response
        status: Optional[int] = None
        if response is not None:
            status = response.status
            span.set_attribute("http.response.status_code", status)
            request_id = response.header("X-Request-Id")
            if request_id:
                span.set_attribute("sparkfly.request_id", request_id)
        if exc is not None:
            # An HTTP error says its status (the /auth fetch's, when that failed the call); anything else its class.
            failed_status = getattr(exc, "status", None)
            error_type = str(failed_status) if _is_error_status(failed_status) else _qualified_name(type(exc))
        elif _is_error_status(status):  # an unread or ApiResponse result of an error status
            error_type = str(status)
        else:
            return
        span.set_attribute("error.type", error_type)
        # No description and no exception event: an exception's message holds the URL, query included.
        span.set_status(Status(StatusCode.ERROR))


def _is_error_status(status: Any) -> bool:
    return type(status) is int and status >= 400


def _qualified_name(kind: type) -> str:
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"
