"""What the tracing tests share: a global tracer provider exporting in memory for one test, the official
instrumentations on it, and ways to look at the spans."""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Sequence

import pytest
from drivers import HAVE_AIOHTTP
from opentelemetry import trace
from opentelemetry.instrumentation.urllib3 import URLLib3Instrumentor
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.util._once import Once

import sparkfly_client
from sparkfly_client.sandbox import Sandbox

if HAVE_AIOHTTP:  # the async extra; without it the async runs are skipped
    from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor

NEEDS_AIOHTTP = pytest.mark.skipif(not HAVE_AIOHTTP, reason='needs the "async" extra')
CODE = "7731-CREDENTIAL-CODE"  # a credential code: it must stay out of every span
PASSWORD = "pw-correct-horse-SECRET"


class Traced:
    """The global tracer provider for one test, and what it exported."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider()
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))

    def spans(self) -> List[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def ours(self) -> List[ReadableSpan]:
        """The spans the client made (not the instrumentations)."""
        return [s for s in self.spans() if is_ours(s)]

    def named(self, name: str) -> List[ReadableSpan]:
        return [s for s in self.ours() if s.name == name]

    def children(self, parent: ReadableSpan) -> List[ReadableSpan]:
        assert parent.context is not None
        return [s for s in self.spans() if s.parent is not None and s.parent.span_id == parent.context.span_id]

    def attempts(self, parent: ReadableSpan) -> List[ReadableSpan]:
        """The instrumentations' spans of ``parent``'s attempts, in the order they ended."""
        return [s for s in self.children(parent) if not is_ours(s)]


def is_ours(span: ReadableSpan) -> bool:
    return span.instrumentation_scope is not None and span.instrumentation_scope.name == "sparkfly_client"


def forget_global_provider() -> None:
    # OpenTelemetry lets a process set its global provider once; its own test utilities reset it this way.
    trace._TRACER_PROVIDER_SET_ONCE = Once()
    trace._TRACER_PROVIDER = None
    trace._PROXY_TRACER_PROVIDER = trace.ProxyTracerProvider()


def tracing_for_one_test() -> Iterator[Traced]:
    """The ``traced`` fixture (test/conftest.py): a global provider for the test, and none after it."""
    chosen = Traced()
    forget_global_provider()
    trace.set_tracer_provider(chosen.provider)
    try:
        yield chosen
    finally:
        chosen.provider.shutdown()
        forget_global_provider()


def strip_query(url: Any) -> str:
    return str(url).partition("?")[0]


def instrumented_for_one_test(traced: Traced) -> Iterator[Traced]:
    """The ``instrumented`` fixture (test/conftest.py): both official instrumentations on, dropping the query from
    the URLs they record (as docs/Tracing.md says)."""
    URLLib3Instrumentor().instrument(tracer_provider=traced.provider, url_filter=strip_query)
    if HAVE_AIOHTTP:
        AioHttpClientInstrumentor().instrument(tracer_provider=traced.provider, url_filter=strip_query)
    try:
        yield traced
    finally:
        URLLib3Instrumentor().uninstrument()
        if HAVE_AIOHTTP:
            AioHttpClientInstrumentor().uninstrument()


def auth_configuration(sandbox: Sandbox, **settings: Any) -> sparkfly_client.Configuration:
    """The sandbox with its /auth identity and key, and no static token: the first call fetches one."""
    return sparkfly_client.Configuration(
        host=sandbox.url, auth_identity=sandbox.identity, auth_key=sandbox.key, **settings
    )


def the_one(spans: Sequence[ReadableSpan]) -> ReadableSpan:
    assert len(spans) == 1, [s.name for s in spans]
    return spans[0]


def attributes(span: ReadableSpan) -> Dict[str, Any]:
    return dict(span.attributes or {})


def span_texts(span: ReadableSpan) -> List[str]:
    """Everything a span carries that an exporter sends: name, status, every attribute and event, links."""
    texts = [span.name, span.status.description or ""]
    texts += [f"{key}={value}" for key, value in attributes(span).items()]
    for event in span.events:
        texts.append(event.name)
        texts += [f"{key}={value}" for key, value in (event.attributes or {}).items()]
    for link in span.links:
        texts += [f"{key}={value}" for key, value in (link.attributes or {}).items()]
    return texts
