"""OpenTelemetry spans of operation calls and token fetches, when the application traces.

A call is one span of kind CLIENT named after its operation (``CredentialsApi.get_credential``); an ``/auth``
fetch it needed is a child span named ``authenticate``. Each is the current span while its driver steps the
plan, so the spans that the urllib3 and aiohttp instrumentations make of every attempt nest under it.

Nothing here imports OpenTelemetry unless the application did: a span is made only when the application has imported
``opentelemetry.trace`` and set a tracer provider other than the API's own no-op one. Until the application has
imported it, a driver finds that out with one dictionary lookup per call and does not import this module (see
``_client_base.tracing``); after that, :func:`call_span` and :func:`renewal_span` return ``None`` after one look at
the global provider while none is set, and the driver steps the plan as it would without this module.

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

from sparkfly_client._auth import AUTHENTICATE_GET
from sparkfly_client._steps import Response, Send, Step
from sparkfly_client._version import __version__

if TYPE_CHECKING:
    from types import TracebackType

    from opentelemetry.trace import Span, Tracer

    from sparkfly_client._request import Call, Variant

__all__ = ["call_span", "renewal_span", "PlanSpan", "RENEWAL_SPAN_NAME"]

#: The name of the span of an ``/auth`` fetch.
RENEWAL_SPAN_NAME = "authenticate"
_TRACE_MODULE = "opentelemetry.trace"
_modules = sys.modules
#: the provider the tracer below came from, and that tracer
_cached: Tuple[Any, Any] = (None, None)
_NOT_KEPT = object()
_PROVIDER_VARIABLE = "OTEL_PYTHON_TRACER_PROVIDER"
#: whether the process's environment names a tracer provider (None: not looked at yet)
_named_by_environment: Optional[bool] = None

T = TypeVar("T")


def call_span(variant: Variant, call: Call[Any]) -> Optional[PlanSpan]:
    """The span of one operation call, started now; ``None`` when the application does not trace."""
    trace = _modules.get(_TRACE_MODULE)
    # Not imported (or blocked) by the application, or no provider set (see _tracer): the usual answers, cheaply.
    if trace is None or (getattr(trace, "_TRACER_PROVIDER", _NOT_KEPT) is None and _named_by_environment is False):
        return None
    tracer = _tracer(trace)
    if tracer is None:
        return None
    endpoint = call.endpoint
    return PlanSpan(tracer, variant.operation, endpoint.path, endpoint.method)


def renewal_span() -> Optional[PlanSpan]:
    """The span of one ``/auth`` fetch (a token renewal), started now; ``None`` when the application does not
    trace. Started inside the span of the call that needed the token, it is that span's child."""
    trace = _modules.get(_TRACE_MODULE)
    tracer = None if trace is None else _tracer(trace)
    if tracer is None:
        return None
    return PlanSpan(tracer, RENEWAL_SPAN_NAME, AUTHENTICATE_GET.path, None)  # GET or POST: said by its attempts


def _tracer(trace: Any) -> Optional[Tracer]:
    """This package's tracer from the global provider of ``trace`` (the module ``opentelemetry.trace``), or
    ``None`` while that is the API's own no-op (or proxy) one."""
    global _cached, _named_by_environment
    # What set_tracer_provider stored. Read directly, since the public getter costs a call some 1.5 us even when
    # no provider is set (it looks up OTEL_PYTHON_TRACER_PROVIDER in os.environ through a KeyError); the getter is
    # used where the API no longer keeps it there, or to load the provider that variable names.
    provider: Any = getattr(trace, "_TRACER_PROVIDER", _NOT_KEPT)
    if provider is None:
        if _named_by_environment is None:  # looked at once, as OpenTelemetry reads its settings
            _named_by_environment = _PROVIDER_VARIABLE in os.environ
        if not _named_by_environment:
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


class PlanSpan:
    """The span of a plan a driver steps: ``with span: driver(span.observe(plan))``.

    While the ``with`` block runs the span is the current one (of the thread, or of the task in async
    code); :meth:`observe` hands the plan's steps through unchanged, noting the attempts and the response
    the plan ends with. On leaving the block the span gets what was observed and how the block ended, and ends.
    """

    __slots__ = ("span", "_template", "_method", "_method_sent", "_url", "_sends", "_response", "_token")

    def __init__(self, tracer: Tracer, name: str, template: str, method: Optional[str]) -> None:
        attributes: Dict[str, Any] = {"url.template": template}
        if method is not None:
            attributes = {"http.request.method": method, **attributes}
        self.span: Span = tracer.start_span(name, kind=_api().client, attributes=attributes)
        self._template = template
        self._method = method
        #: the method of the last attempt: an /auth fetch moves from GET to POST on a server that only takes POST
        self._method_sent = method
        #: the URL of the first attempt
        self._url: Optional[str] = None
        self._sends = 0
        #: the response of the plan's last send, when it got one
        self._response: Optional[Response] = None
        self._token: Any = None  # what attaching the span to the context gave, to detach it

    def observe(self, plan: Generator[Step, Any, T]) -> Generator[Step, Any, T]:
        """``plan`` step for step (``yield from`` would hide the outcomes from this span)."""
        outcome: Any = None
        while True:
            try:
                step = plan.send(outcome)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]
            if type(step) is Send:
                if self._method is None:  # an /auth fetch: its method is that of its attempts
                    self._method_sent = step.method
                if step.method == self._method_sent:  # not the reads that settle a lost answer
                    self._sends += 1
                if self._url is None:
                    self._url = step.url
                outcome = yield step
                self._response = outcome if type(outcome) is Response else None
            else:  # a wait, or the rate limit's steps: the last send's response stands
                outcome = yield step

    def __enter__(self) -> PlanSpan:
        api = _api()
        self._token = api.attach(api.set_span_in_context(self.span))
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        api = _api()
        api.detach(self._token)
        try:
            self._describe_end(exc, api)
        finally:
            self.span.end()

    def _describe_end(self, exc: Optional[BaseException], api: _Api) -> None:
        """Everything observed, in one go (an SDK takes its lock once)."""
        attributes: Dict[str, Any] = {} if self._url is None else _server(self._url, self._template)
        if self._method_sent != self._method:
            attributes["http.request.method"] = self._method_sent
        if self._sends > 1:
            attributes["http.request.resend_count"] = self._sends - 1
        response = self._response
        status: Optional[int] = None
        if response is not None:
            status = response.status
            attributes["http.response.status_code"] = status
            request_id = response.header("X-Request-Id")
            if request_id:
                attributes["sparkfly.request_id"] = request_id
        error_type: Optional[str] = None
        if exc is not None:
            # An HTTP error says its status (the /auth fetch's, when that failed the call); anything else its class.
            failed_status = getattr(exc, "status", None)
            error_type = str(failed_status) if _is_error_status(failed_status) else _qualified_name(type(exc))
        elif _is_error_status(status):  # an unread or ApiResponse result of an error status
            error_type = str(status)
        if error_type is not None:
            attributes["error.type"] = error_type
        span = self.span
        span.set_attributes(attributes)
        if error_type is not None:
            # No description and no exception event: an exception's message holds the URL, query included.
            span.set_status(api.error)


class _Api:
    """What the spans use of OpenTelemetry's API, looked up once (at the first span)."""

    def __init__(self) -> None:
        from opentelemetry import context, trace

        self.attach = context.attach
        self.detach = context.detach
        self.set_span_in_context = trace.set_span_in_context
        self.client = trace.SpanKind.CLIENT
        self.error = trace.Status(trace.StatusCode.ERROR)


_api_found: Optional[_Api] = None


def _api() -> _Api:
    global _api_found
    if _api_found is None:
        _api_found = _Api()
    return _api_found


#: each origin's (host, port), as the first attempts of calls name it
_origins: Dict[str, Tuple[str, int]] = {}
_ORIGINS_KEPT = 64


def _server(url: str, template: str) -> Dict[str, Any]:
    """``server.address``, ``server.port`` and, when the host has a path of its own (``https://example.com/sparkfly``),
    ``url.template`` with that path before ``template``."""
    path_at = url.find("/", url.find("//") + 2)
    origin, path = (url, "") if path_at < 0 else (url[:path_at], url[path_at:])
    found = _origins.get(origin)
    if found is None:
        parts = urlsplit(origin)
        found = (parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
        if len(_origins) >= _ORIGINS_KEPT:
            _origins.clear()
        _origins[origin] = found
    attributes: Dict[str, Any] = {"server.address": found[0], "server.port": found[1]}
    segments = path.partition("?")[0].split("/")
    depth = template.count("/")
    if len(segments) > depth + 1:
        attributes["url.template"] = "/".join(segments[:-depth]) + template
    return attributes


def _is_error_status(status: Any) -> bool:
    return type(status) is int and status >= 400


def _qualified_name(kind: type) -> str:
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"
