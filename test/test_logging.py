"""DEBUG logs on the ``sparkfly_client`` logger: what each exchange and retry decision says, and no secret."""

from __future__ import annotations

import logging
import re

import pytest
from scripted_server import Recorded, Reply, ScriptedServer

import sparkfly_client
from sparkfly_client import ApiConnectionError, CredentialsApi, RetryPolicy

IDENTITY = "acct-56-IDENTITY-SECRET"
KEY = "key-77aa-AUTH-KEY-SECRET"
ISSUED = "tok-issued-SECRET"
JWT = "eyJhbGciOi-JWT-SECRET"
REB_KEY = "reb-5f5f-APIKEY-SECRET"
PASSWORD = "hunter2-PASSWORD-SECRET"
SECRETS = (IDENTITY, KEY, ISSUED, JWT, REB_KEY, PASSWORD)
CREDENTIAL = {"credential": {"id": 56, "identifier": "3345"}}


def test_debug_log_tells_the_story_without_secrets(server: ScriptedServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="sparkfly_client")
    config = sparkfly_client.Configuration(  # created after the level was set: it must not reset it
        host=server.url,
        auth_identity=IDENTITY,
        auth_key=KEY,
        password=PASSWORD,
        retries=RetryPolicy(max_retries=2, backoff_base=0.01, backoff_cap=0.01),
    )

    def answer(seen: Recorded) -> Reply:
        if seen.path == "/auth":
            return Reply(204, None, headers={"X-Auth-Token": ISSUED})
        return (
            Reply(503, {"error": "busy"}, headers={"X-Request-Id": "req-busy-1"})
            if len(server.requests) == 2
            else Reply(200, CREDENTIAL, headers={"X-Request-Id": "req-ok-2"})
        )

    server.responder = answer
    with sparkfly_client.ApiClient(config) as client:
        api = CredentialsApi(client)
        api.get_credential(56, _headers={"Authorization": f"Bearer {JWT}", "REB-APIKEY": REB_KEY})
        server.responder = None
        server.push(Reply(fault="drop"))
        with pytest.raises(ApiConnectionError) as caught:
            api.create_credential(sparkfly_client.CredentialInputRequest())

    logged = "\n".join(record.getMessage() for record in caplog.records)
    url = f"{server.url}/v1.0/credentials/56"
    assert f"GET {server.url}/auth -> 204" in logged
    assert re.search(rf"GET {re.escape(url)} -> 503 in \d+\.\d{{3}}s \(attempt 1, request id req-busy-1\)", logged)
    assert re.search(rf"retrying GET {re.escape(url)} after status 503: attempt 1 failed, waiting", logged)
    assert re.search(rf"GET {re.escape(url)} -> 200 in \d+\.\d{{3}}s \(attempt 2, request id req-ok-2\)", logged)
    assert f"not retrying POST {server.url}/v1.0/credentials after connection failed" in logged
    assert "create_credential is not repeated once the request may have reached the server" in logged
    assert "not retried: create_credential is not repeated" in str(caught.value)
    assert "'X-Auth-Token': '***'" in logged and "'Authorization': '***'" in logged and "'REB-APIKEY': '***'" in logged
    shown = logged + str(caught.value) + repr(config) + str(config)
    for secret in SECRETS:
        assert secret not in shown
    assert server.requests[1].header("X-Auth-Token") == ISSUED  # sent on the wire, never shown
    assert server.requests[1].header("REB-APIKEY") == REB_KEY


def test_info_is_one_line_per_exchange_and_warning_is_silent(
    server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    config = sparkfly_client.Configuration(host=server.url, api_key={"X-Auth-Token": ISSUED})
    with sparkfly_client.ApiClient(config) as client:
        caplog.set_level(logging.WARNING, logger="sparkfly_client")
        CredentialsApi(client).get_credential(56)
        assert [r for r in caplog.records if r.name == "sparkfly_client"] == []
        caplog.set_level(logging.INFO, logger="sparkfly_client")
        CredentialsApi(client).get_credential(56)
    (record,) = [r for r in caplog.records if r.name == "sparkfly_client"]
    assert record.levelno == logging.INFO
    assert record.getMessage().startswith(f"GET {server.url}/v1.0/credentials/56 -> 200 in ")
    assert "headers" not in record.getMessage()


def test_each_refusal_to_retry_is_logged_with_its_reason(
    server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="sparkfly_client")
    config = sparkfly_client.Configuration(
        host=server.url,
        api_key={"X-Auth-Token": ISSUED},
        retries=RetryPolicy(max_retries=1, backoff_base=0.01, backoff_cap=0.01),
    )
    server.push(Reply(503, {}), Reply(502, {}), Reply(502, {}), Reply(429, {}, headers={"Retry-After": "3600"}))
    with sparkfly_client.ApiClient(config) as client:
        api = CredentialsApi(client)
        for call in (lambda: api.create_credential(), lambda: api.get_credential(56), lambda: api.get_credential(56)):
            with pytest.raises(sparkfly_client.ApiException):
                call()
        # The 429 holds every call of the client: one that cannot wait that long is refused before sending.
        with pytest.raises(sparkfly_client.TooManyRequestsException, match="resets in 3600"):
            api.get_credential(56)
    assert len(server.requests) == 4
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "not retrying POST" in logged and "after status 503: create_credential is not repeated" in logged
    assert "after status 429: the server asked to wait 3600s, more than max_retry_wait" in logged
    assert "after status 502: no retries left after 2 attempt(s)" in logged
    assert ISSUED not in logged
