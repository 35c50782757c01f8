"""How tracing meets the application's set-up: the instrumentations on a pool manager or session of the caller's
own and across concurrent tasks; no span without a tracer provider, with an API that keeps its provider elsewhere,
or from the environment's; nothing of OpenTelemetry imported by the calls."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
import types
from typing import List

import pytest
import urllib3
from drivers import HAVE_AIOHTTP, Driver
from opentelemetry import trace
from tracing_fixtures import (
    NEEDS_AIOHTTP,
    Traced,
    auth_configuration,
    forget_global_provider,
    span_texts,
    the_one,
)

import sparkfly_client
from sparkfly_client.sandbox import Sandbox

if HAVE_AIOHTTP:
    import aiohttp


# --- the caller's own pool manager or session --------------------------------------------------------------------


def check_nesting(traced: Traced) -> None:
    """A token fetch retried once, then the call: every attempt's span under the span that made it."""
    call = the_one(traced.named("CredentialsApi.get_credential"))
    authenticate = the_one(traced.named("authenticate"))
    assert authenticate.parent.span_id == call.context.span_id  # type: ignore[union-attr]
    assert len(traced.attempts(authenticate)) == 2
    assert len(traced.attempts(call)) == 1
    assert len(traced.spans()) == 5


def test_a_pool_manager_of_the_callers_own_is_seen(instrumented: Traced, sparkfly_sandbox: Sandbox) -> None:
    sparkfly_sandbox.inject(503, path="/auth", times=1)
    manager = urllib3.PoolManager()
    with sparkfly_client.ApiClient(auth_configuration(sparkfly_sandbox), pool_manager=manager) as client:
        sparkfly_client.CredentialsApi(client).get_credential(56)
    check_nesting(instrumented)


@NEEDS_AIOHTTP
def test_a_session_of_the_callers_own_is_seen(instrumented: Traced, sparkfly_sandbox: Sandbox) -> None:
    sparkfly_sandbox.inject(503, path="/auth", times=1)

    async def main() -> None:
        async with aiohttp.ClientSession() as session:  # made after instrumenting: the instrumentation is in it
            client = sparkfly_client.AsyncApiClient(auth_configuration(sparkfly_sandbox), session=session)
            await sparkfly_client.AsyncCredentialsApi(client).get_credential(56)
            await client.close()

    asyncio.run(main())
    check_nesting(instrumented)


@NEEDS_AIOHTTP
def test_concurrent_async_calls_each_parent_their_own_attempts(instrumented: Traced, sparkfly_sandbox: Sandbox) -> None:
    async def main() -> None:
        async with sparkfly_sandbox.async_api_client() as client:
            api = sparkfly_client.AsyncCredentialsApi(client)
            await asyncio.gather(
                *(api.get_credential(56) for _ in range(4)), api.get_offer_eligibility_for_member(56, 56)
            )

    asyncio.run(main())
    calls = instrumented.ours()
    assert len(calls) == 5
    for call in calls:
        attempt = the_one(instrumented.attempts(call))
        path = "/v1.0/credentials/eligible" if call.name.endswith("eligibility_for_member") else "/v1.0/credentials/56"
        assert any(path in text for text in span_texts(attempt)), span_texts(attempt)


# --- nothing when the application does not trace ----------------------------------------------------------------


@pytest.mark.parametrize("provider", ["unset", "no-op"])
def test_without_a_tracer_provider_no_span_is_made(
    provider: str, driver: Driver, sparkfly_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    forget_global_provider()
    if provider == "no-op":
        trace.set_tracer_provider(trace.NoOpTracerProvider())
    asked: List[str] = []
    for kind in (trace.ProxyTracerProvider, trace.NoOpTracerProvider):
        monkeypatch.setattr(kind, "get_tracer", lambda *args, **kwargs: asked.append("tracer"))  # type: ignore[misc]
    try:
        with driver.client(auth_configuration(sparkfly_sandbox)) as client:
            assert driver.credentials(client).get_credential(56).credential.id == 56
    finally:
        forget_global_provider()
    assert asked == []


def test_an_api_that_keeps_its_provider_elsewhere_is_asked_through_its_getter(
    traced: Traced, driver: Driver, sparkfly_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client reads the provider the API keeps (its getter is slow); an API without it is asked publicly."""
    public = types.ModuleType("opentelemetry.trace")
    vars(public).update({name: value for name, value in vars(trace).items() if name != "_TRACER_PROVIDER"})
    monkeypatch.setitem(sys.modules, "opentelemetry.trace", public)
    with driver.client(sparkfly_sandbox.configuration()) as client:
        driver.credentials(client).get_credential(56)
    assert the_one(traced.spans()).name == "CredentialsApi.get_credential"


NAMED_BY_ENVIRONMENT = """
import sys
from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
import sparkfly_client
from sparkfly_client.sandbox import Sandbox

with Sandbox() as sb, sb.api_client() as client:
    api = sparkfly_client.CredentialsApi(client)
    api.get_credential(56)  # its span loads the provider the environment names
    exporter = InMemorySpanExporter()
    trace.get_tracer_provider().add_span_processor(SimpleSpanProcessor(exporter))
    api.get_credential(56)
print(type(trace.get_tracer_provider()).__module__, [span.name for span in exporter.get_finished_spans()])
"""


def test_a_provider_named_by_the_environment_is_used() -> None:
    done = subprocess.run(
        [sys.executable, "-c", NAMED_BY_ENVIRONMENT],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={**os.environ, "OTEL_PYTHON_TRACER_PROVIDER": "sdk_tracer_provider"},
    )
    assert done.stdout.split() == ["opentelemetry.sdk.trace", "['CredentialsApi.get_credential']"]


PROGRAM = """
import asyncio, json, sys
{imports}
import sparkfly_client
from sparkfly_client.sandbox import Sandbox

before = {{m for m in sys.modules if m.startswith("opentelemetry")}}
with Sandbox() as sb:
    config = sparkfly_client.Configuration(host=sb.url, auth_identity=sb.identity, auth_key=sb.key)
    with sparkfly_client.ApiClient(config) as client:
        sparkfly_client.CredentialsApi(client).get_credential(56)

    async def main():
        async with sparkfly_client.AsyncApiClient(config) as client:
            await sparkfly_client.AsyncCredentialsApi(client).get_credential(56)

    if {have_aiohttp}:
        asyncio.run(main())
after = {{m for m in sys.modules if m.startswith("opentelemetry")}}
print(json.dumps({{"app": sorted(before), "calls": sorted(after - before)}}))
"""


@pytest.mark.parametrize("imports", ["", "import opentelemetry.trace"], ids=["app-without", "app-with-api-only"])
def test_calls_import_no_opentelemetry_of_their_own(imports: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PROGRAM.format(imports=imports, have_aiohttp=HAVE_AIOHTTP))],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    imported = json.loads(done.stdout.strip().splitlines()[-1])
    assert imported["calls"] == []  # nothing loaded by the calls, with or without the application's own
    assert ("opentelemetry.trace" in imported["app"]) == bool(imports)
