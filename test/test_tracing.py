"""OpenTelemetry: each operation call is one CLIENT span over real HTTP, with the HTTP semantic-convention
attributes, parent of its /auth fetch's span and of the spans the urllib3 and aiohttp instrumentations make of every
attempt; a failure is its error.type and an error status; nothing secret or identifier-bearing in any span."""

from __future__ import annotations

from typing import Any, Dict, Optional

import pytest
from auth_fixtures import IDENTITY, KEY, TokenIssuer
from conftest import TOKEN
from drivers import Driver, read_unread
from opentelemetry.instrumentation.urllib3 import URLLib3Instrumentor
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, StatusCode
from scripted_server import Recorded, Reply, ScriptedServer
from tracing_fixtures import (
    Traced,
    attributes,
    auth_configuration,
    span_texts,
    the_one,
)

import sparkfly_client
from sparkfly_client.sandbox import Sandbox

CODE = "7731-CREDENTIAL-CODE"  # a credential code: it must stay out of every span
PASSWORD = "pw-correct-horse-SECRET"


# --- the call span -----------------------------------------------------------------------------------------------


def test_a_call_is_one_client_span_named_after_its_operation(
    traced: Traced, driver: Driver, sparkfly_sandbox: Sandbox
) -> None:
    with driver.client(sparkfly_sandbox.configuration()) as client:
        answer = driver.credentials(client).get_credential_with_http_info(56)
    span = the_one(traced.spans())
    assert span.name == "CredentialsApi.get_credential"  # the async class's calls are named alike
    assert span.kind is SpanKind.CLIENT
    assert span.parent is None
    assert span.status.status_code is StatusCode.UNSET
    assert span.events == ()
    assert attributes(span) == {
        "http.request.method": "GET",
        "url.template": "/v1.0/credentials/{credential_id}",
        "server.address": "127.0.0.1",
        "server.port": int(sparkfly_sandbox.url.rsplit(":", 1)[1]),
        "http.response.status_code": 200,
        "sparkfly.request_id": answer.headers["X-Request-Id"],
    }


def test_every_operation_names_its_span_and_template(traced: Traced, driver: Driver, sparkfly_sandbox: Sandbox) -> None:
    with driver.client(sparkfly_sandbox.configuration()) as client:
        driver.credentials(client).void_credential(56)
        driver.customer(client).upsert_credential(
            "cus_crd_1",
            sparkfly_client.CustomerCredentialInput(username="a@example.com", password=PASSWORD, customer_id="cus_1"),
        )
    void, upsert = traced.spans()
    assert (void.name, attributes(void)["http.request.method"], attributes(void)["url.template"]) == (
        "CredentialsApi.void_credential",
        "PUT",
        "/v1.0/credentials/{credential_id}/void",
    )
    assert (upsert.name, attributes(upsert)["url.template"], attributes(upsert)["http.response.status_code"]) == (
        "CustomerCredentialsApi.upsert_credential",
        "/credentials/{id}",
        201,
    )


def test_a_retried_call_counts_its_resends_and_parents_each_attempt(
    instrumented: Traced, driver: Driver, sparkfly_sandbox: Sandbox
) -> None:
    sparkfly_sandbox.inject(503, method="GET", times=1)
    with driver.client(sparkfly_sandbox.configuration()) as client:
        driver.credentials(client).get_credential(56)
    call = the_one(instrumented.ours())
    assert attributes(call)["http.request.resend_count"] == 1
    assert attributes(call)["http.response.status_code"] == 200
    assert call.status.status_code is StatusCode.UNSET  # the call succeeded; its first attempt did not
    attempts = instrumented.attempts(call)
    assert len(attempts) == 2
    assert all(a.kind is SpanKind.CLIENT and a.context.trace_id == call.context.trace_id for a in attempts)  # type: ignore[union-attr]
    assert [a.status.status_code for a in attempts] == [StatusCode.ERROR, StatusCode.UNSET]  # the 503, then the 200
    assert len(instrumented.spans()) == 3


def test_a_token_fetch_is_a_child_span_with_its_own_attempts(
    instrumented: Traced, driver: Driver, sparkfly_sandbox: Sandbox
) -> None:
    sparkfly_sandbox.inject(503, path="/auth", times=1)
    with driver.client(auth_configuration(sparkfly_sandbox)) as client:
        api = driver.credentials(client)
        api.get_credential(56)
        api.get_credential(56)  # the token is kept: no second fetch
    first, second = instrumented.named("CredentialsApi.get_credential")
    authenticate = the_one(instrumented.named("authenticate"))
    assert authenticate.parent is not None and authenticate.parent.span_id == first.context.span_id  # type: ignore[union-attr]
    assert authenticate.kind is SpanKind.CLIENT
    port = int(sparkfly_sandbox.url.rsplit(":", 1)[1])
    assert attributes(authenticate) == {
        "http.request.method": "GET",
        "url.template": "/auth",
        "server.address": "127.0.0.1",
        "server.port": port,
        "http.request.resend_count": 1,
        "http.response.status_code": 204,
        "sparkfly.request_id": attributes(authenticate)["sparkfly.request_id"],
    }
    assert len(instrumented.attempts(authenticate)) == 2  # the 503 and the retry
    (own_attempt,) = instrumented.attempts(first)  # the call's own attempt, after the token came
    assert {s.context.span_id for s in instrumented.children(first)} == {  # type: ignore[union-attr]
        authenticate.context.span_id,  # type: ignore[union-attr]
        own_attempt.context.span_id,  # type: ignore[union-attr]
    }
    assert "http.request.resend_count" not in attributes(first)
    assert instrumented.children(second) == instrumented.attempts(second) and len(instrumented.attempts(second)) == 1


def test_a_renewal_after_a_401_replays_the_call_under_the_same_span(
    traced: Traced, driver: Driver, sparkfly_sandbox: Sandbox
) -> None:
    with driver.client(auth_configuration(sparkfly_sandbox)) as client:
        api = driver.credentials(client)
        api.get_credential(56)
        sparkfly_sandbox.expire_tokens()
        traced.exporter.clear()
        api.get_credential(56)
    call = the_one(traced.named("CredentialsApi.get_credential"))
    authenticate = the_one(traced.named("authenticate"))
    assert authenticate.parent.span_id == call.context.span_id  # type: ignore[union-attr]
    assert attributes(call)["http.request.resend_count"] == 1  # the 401, then the replay
    assert attributes(call)["http.response.status_code"] == 200


def test_a_token_fetch_moving_from_get_to_post_says_post(
    traced: Traced, driver: Driver, server: ScriptedServer
) -> None:
    def post_only(seen: Recorded) -> Optional[Reply]:
        if seen.path == "/auth":
            if seen.method != "POST":
                return Reply(405, {"error": "Method Not Allowed"}, headers={"Allow": "POST"})
            return Reply(204, headers={"X-Auth-Token": "tok-post-SECRET", "X-Request-Id": "req-auth-1"})
        return None

    server.responder = post_only
    config = sparkfly_client.Configuration(host=server.url, auth_identity=IDENTITY, auth_key=KEY, retries=0)
    with driver.client(config) as client:
        driver.credentials(client).get_credential(56)
    authenticate = the_one(traced.named("authenticate"))
    assert attributes(authenticate)["http.request.method"] == "POST"
    assert attributes(authenticate)["http.request.resend_count"] == 1
    assert attributes(authenticate)["http.response.status_code"] == 204
    assert attributes(authenticate)["sparkfly.request_id"] == "req-auth-1"


def test_a_host_with_a_path_puts_it_before_the_template(traced: Traced, driver: Driver, server: ScriptedServer) -> None:
    config = sparkfly_client.Configuration(host=server.url + "/sparkfly/", retries=0)
    config.api_key["X-Auth-Token"] = TOKEN
    with driver.client(config) as client:
        driver.credentials(client).redeem_credential(56)
    assert server.last.path == "/sparkfly/v1.0/credentials/56/redeem"
    span = the_one(traced.spans())
    assert attributes(span)["url.template"] == "/sparkfly/v1.0/credentials/{credential_id}/redeem"
    assert "sparkfly.request_id" not in attributes(span)  # the scripted server sends none


# --- failures ----------------------------------------------------------------------------------------------------


def failed(span: ReadableSpan, error_type: str) -> Dict[str, Any]:
    """``span``'s attributes, once it is checked to have failed with ``error_type`` and said nothing more."""
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description is None
    assert span.events == ()
    found = attributes(span)
    assert found["error.type"] == error_type
    return found


def test_an_http_error_is_its_status(traced: Traced, driver: Driver, sparkfly_sandbox: Sandbox) -> None:
    with driver.client(sparkfly_sandbox.configuration()) as client, pytest.raises(sparkfly_client.NotFoundException):
        driver.credentials(client).get_credential(9999)
    found = failed(the_one(traced.spans()), "404")
    assert found["http.response.status_code"] == 404
    assert found["sparkfly.request_id"]


def test_an_unread_error_response_still_marks_the_span(traced: Traced, driver: Driver, server: ScriptedServer) -> None:
    server.push(Reply(503, {"error": "down"}))
    config = sparkfly_client.Configuration(host=server.url, retries=0)
    config.api_key["X-Auth-Token"] = TOKEN
    with driver.client(config) as client:
        api = driver.credentials(client)
        raw = api.get_credential_without_preload_content(56)
        assert raw.status == 503
        read_unread(api, raw)
    assert failed(the_one(traced.spans()), "503")["http.response.status_code"] == 503


@pytest.mark.parametrize(
    ("reply", "error_type", "status"),
    [
        (Reply(fault="drop"), "sparkfly_client.exceptions.ApiConnectionError", None),
        (Reply(200, {"credential": {"identifier": "no id"}}), "sparkfly_client.exceptions.ResponseDecodeError", 200),
        (
            Reply(302, headers={"Location": "https://elsewhere.example/"}),
            "sparkfly_client.exceptions.ApiException",
            302,
        ),
    ],
    ids=["dropped", "undecodable", "redirect"],
)
def test_a_failure_without_an_error_status_is_its_exceptions_class(
    traced: Traced, driver: Driver, server: ScriptedServer, reply: Reply, error_type: str, status: Optional[int]
) -> None:
    server.push(reply)
    config = sparkfly_client.Configuration(host=server.url, retries=0)
    config.api_key["X-Auth-Token"] = TOKEN
    with driver.client(config) as client, pytest.raises(sparkfly_client.OpenApiException):
        driver.credentials(client).get_credential(56)
    found = failed(the_one(traced.spans()), error_type)
    assert found.get("http.response.status_code") == status
    assert "http.request.resend_count" not in found


def test_a_timeout_after_retries_counts_them(traced: Traced, driver: Driver, server: ScriptedServer) -> None:
    server.push(Reply(503), Reply(delay=1.0))
    config = sparkfly_client.Configuration(host=server.url, retries=1, timeout=0.2)
    config.api_key["X-Auth-Token"] = TOKEN
    with driver.client(config) as client, pytest.raises(sparkfly_client.ApiTimeoutError):
        driver.credentials(client).get_credential(
            56, _retries=sparkfly_client.RetryPolicy(max_retries=1, backoff_base=0)
        )
    found = failed(the_one(traced.spans()), "sparkfly_client.exceptions.ApiTimeoutError")
    assert found["http.request.resend_count"] == 1
    assert "http.response.status_code" not in found  # the last attempt got no answer


def test_bad_input_is_a_failed_span_and_sends_nothing(traced: Traced, driver: Driver, server: ScriptedServer) -> None:
    config = sparkfly_client.Configuration(host=server.url)
    config.api_key["X-Auth-Token"] = TOKEN
    with driver.client(config) as client, pytest.raises(sparkfly_client.ApiValueError):
        driver.credentials(client).get_credential(0)
    assert server.requests == []
    found = failed(the_one(traced.spans()), "sparkfly_client.exceptions.ApiValueError")
    assert "server.address" not in found


def test_a_refused_token_fetch_fails_both_spans_with_its_status(
    traced: Traced, driver: Driver, sparkfly_sandbox: Sandbox
) -> None:
    config = sparkfly_client.Configuration(host=sparkfly_sandbox.url, auth_identity="nobody", auth_key="wrong-KEY")
    with driver.client(config) as client, pytest.raises(sparkfly_client.UnauthorizedException):
        driver.credentials(client).get_credential(56)
    call = the_one(traced.named("CredentialsApi.get_credential"))
    authenticate = the_one(traced.named("authenticate"))
    assert authenticate.parent.span_id == call.context.span_id  # type: ignore[union-attr]
    assert failed(authenticate, "401")["http.response.status_code"] == 401
    assert "http.response.status_code" not in failed(call, "401")  # the call's own request was never sent


# --- nothing secret ----------------------------------------------------------------------------------------------


def test_no_span_holds_a_secret_or_a_credential_code(
    instrumented: Traced, driver: Driver, server: ScriptedServer
) -> None:
    TokenIssuer(server)
    server.push(Reply(500, {"error": f"no credential {CODE}", "message": f"identifier={CODE} with key {KEY}"}))
    config = sparkfly_client.Configuration(
        host=server.url, auth_identity=IDENTITY, auth_key=KEY, retries=0, access_token="jwt.SECRET.value"
    )
    config.api_key["SecretApiKey"] = "reb-SECRET-api-key"
    with driver.client(config) as client:
        api = driver.credentials(client)
        with pytest.raises(sparkfly_client.ServiceException) as raised:
            api.get_credentials(identifier=CODE)
        assert CODE in str(raised.value)  # the exception names the URL, query included: no span may
        server.push(Reply(200, {"credentials": [], "page": 1, "per_page": 50, "total_entries": 0, "total_pages": 1}))
        assert api.find_active_credential(CODE) is None
        with pytest.raises(sparkfly_client.OpenApiException):
            driver.customer(client).upsert_credential(
                "cus_crd_1",
                sparkfly_client.CustomerCredentialInput(
                    username="a@example.com", password=PASSWORD, customer_id="cus_1"
                ),
            )
    spans = instrumented.spans()
    assert {s.name for s in instrumented.ours()} == {
        "CredentialsApi.get_credentials",
        "authenticate",
        "CustomerCredentialsApi.upsert_credential",
    }
    assert len(spans) >= 8  # 4 of ours, and an attempt each
    secrets = [CODE, IDENTITY, KEY, "tok-1-SECRET", "jwt.SECRET.value", "reb-SECRET-api-key", PASSWORD, "SECRET"]
    leaks = [(s.name, text) for s in spans for text in span_texts(s) if any(x in text for x in secrets)]
    assert leaks == []


def test_the_instrumentations_record_the_query_unless_filtered(traced: Traced, sparkfly_sandbox: Sandbox) -> None:
    """Why docs/Tracing.md gives them a url_filter: without one, their spans carry the credential code."""
    URLLib3Instrumentor().instrument(tracer_provider=traced.provider)
    try:
        with sparkfly_sandbox.api_client() as client:
            sparkfly_client.CredentialsApi(client).find_active_credential("5600")
    finally:
        URLLib3Instrumentor().uninstrument()
    ours = the_one(traced.ours())
    assert not any("5600" in text for text in span_texts(ours))
    assert any("identifier=5600" in text for text in span_texts(the_one(traced.attempts(ours))))
