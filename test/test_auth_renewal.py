"""Automatic ``GET /auth`` tokens: first fetch, renewal before expiry, 401 renew-and-replay, one renewal per crowd."""

from __future__ import annotations

import threading
import time
from typing import Iterator, List, Optional

import pytest
from auth_fixtures import IDENTITY, KEY, TokenIssuer
from conftest import TOKEN
from drivers import Driver
from scripted_server import Recorded, Reply, ScriptedServer

import sparkfly_client
from sparkfly_client import CredentialsApi, RetryPolicy, UnauthorizedException

CREDENTIAL = {"credential": {"id": 56, "identifier": "3345"}}


@pytest.fixture
def auth_config(server: ScriptedServer) -> sparkfly_client.Configuration:
    return sparkfly_client.Configuration(host=server.url, auth_identity=IDENTITY, auth_key=KEY, retries=0)


@pytest.fixture
def auth_api(driver: Driver, auth_config: sparkfly_client.Configuration) -> Iterator[CredentialsApi]:
    with driver.client(auth_config) as client:
        yield driver.credentials(client)


def paths(server: ScriptedServer) -> List[str]:
    return [seen.path for seen in server.requests]


def test_first_call_fetches_the_token_and_later_calls_reuse_it(
    server: ScriptedServer, auth_api: CredentialsApi
) -> None:
    server.default = Reply(200, CREDENTIAL)
    TokenIssuer(server)
    for _ in range(3):
        auth_api.get_credential(56)
    assert paths(server) == ["/auth"] + ["/v1.0/credentials/56"] * 3
    auth = server.requests[0]
    assert auth.method == "GET"
    assert (auth.header("X-Auth-Identity"), auth.header("X-Auth-Key")) == (IDENTITY, KEY)
    assert auth.header("X-Auth-Token") is None
    assert {seen.header("X-Auth-Token") for seen in server.requests[1:]} == {"tok-1-SECRET"}
    assert all(seen.header("X-Auth-Key") is None for seen in server.requests[1:])


def test_401_renews_once_and_replays_the_request_once(server: ScriptedServer, auth_api: CredentialsApi) -> None:
    issuer = TokenIssuer(server)
    server.default = Reply(201, CREDENTIAL)
    auth_api.get_credential(56)
    issuer.revoke()
    request = sparkfly_client.CredentialInputRequest(
        credential=sparkfly_client.CredentialInput(member_id=56, offer_id=56, channel_id=56)
    )
    created = auth_api.create_credential(request)
    assert created.credential.identifier == "3345"
    assert paths(server) == ["/auth", "/v1.0/credentials/56", "/v1.0/credentials", "/auth", "/v1.0/credentials"]
    refused, replayed = server.requests[2], server.requests[4]
    assert refused.header("X-Auth-Token") == "tok-1-SECRET" and replayed.header("X-Auth-Token") == "tok-2-SECRET"
    assert refused.body == replayed.body and replayed.json()["credential"]["member_id"] == 56


def test_a_second_401_is_raised_after_one_renewal(server: ScriptedServer, auth_api: CredentialsApi) -> None:
    def refuse_everything_but_auth(seen: Recorded) -> Optional[Reply]:
        if seen.path == "/auth":
            return Reply(204, None, headers={"X-Auth-Token": "tok-SECRET"})
        return Reply(401, {"error": "invalid token"})

    server.responder = refuse_everything_but_auth
    with pytest.raises(UnauthorizedException) as caught:
        auth_api.get_credential(56)
    assert paths(server) == ["/auth", "/v1.0/credentials/56", "/auth", "/v1.0/credentials/56"]
    assert "tok-SECRET" not in str(caught.value) and KEY not in str(caught.value)


def test_token_is_renewed_before_it_expires(server: ScriptedServer, auth_config: sparkfly_client.Configuration) -> None:
    assert sparkfly_client.Configuration().token_ttl == 24 * 3600
    auth_config.token_ttl = 1.0  # renewed at 90 % of so short a lifetime
    TokenIssuer(server)
    with sparkfly_client.ApiClient(auth_config) as client:
        api = CredentialsApi(client)
        api.get_credential(56)
        api.get_credential(56)
        assert paths(server).count("/auth") == 1
        time.sleep(0.95)
        api.get_credential(56)
    assert paths(server) == ["/auth", "/v1.0/credentials/56", "/v1.0/credentials/56", "/auth", "/v1.0/credentials/56"]


def test_bad_identity_or_key_raises_without_calling_the_endpoint(server: ScriptedServer) -> None:
    TokenIssuer(server)
    config = sparkfly_client.Configuration(host=server.url, auth_identity=IDENTITY, auth_key="wrong-KEY-SECRET")
    with sparkfly_client.ApiClient(config) as client, pytest.raises(UnauthorizedException) as caught:
        CredentialsApi(client).get_credential(56)
    assert paths(server) == ["/auth"]
    message = str(caught.value) + repr(caught.value) + repr(config)
    assert "HTTP 401 Unauthorized from GET" in message and "/auth: invalid credentials" in message
    assert "wrong-KEY-SECRET" not in message and IDENTITY not in message


def test_auth_request_is_retried_like_any_get(
    server: ScriptedServer, auth_config: sparkfly_client.Configuration
) -> None:
    auth_config.retries = RetryPolicy(max_retries=2, backoff_base=0.01, backoff_cap=0.01)
    server.push(
        Reply(503, {"error": "busy"}),
        Reply(fault="drop"),
        Reply(204, None, headers={"X-Auth-Token": "tok-SECRET"}),
        Reply(200, CREDENTIAL),
    )
    with sparkfly_client.ApiClient(auth_config) as client:
        assert CredentialsApi(client).get_credential(56).credential.id == 56
    assert paths(server) == ["/auth"] * 3 + ["/v1.0/credentials/56"]
    assert server.last.header("X-Auth-Token") == "tok-SECRET"


def test_static_token_works_as_before_and_wins_over_auto_auth(server: ScriptedServer) -> None:
    server.push(Reply(200, CREDENTIAL), Reply(401, {"error": "invalid token"}))
    config = sparkfly_client.Configuration(host=server.url, auth_identity=IDENTITY, auth_key=KEY, retries=0)
    config.api_key["X-Auth-Token"] = TOKEN
    with sparkfly_client.ApiClient(config) as client:
        api = CredentialsApi(client)
        api.get_credential(56)
        with pytest.raises(UnauthorizedException):  # a static token is not renewed: the caller owns it
            api.get_credential(56)
    assert paths(server) == ["/v1.0/credentials/56"] * 2
    assert {seen.header("X-Auth-Token") for seen in server.requests} == {TOKEN}


def run_in_sixteen_threads(api: CredentialsApi) -> List[BaseException]:
    errors: List[BaseException] = []
    start = threading.Barrier(16)

    def worker() -> None:
        start.wait()
        try:
            assert api.get_credential(56).credential.id == 56
        except BaseException as exc:  # collected and asserted by the caller
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_sixteen_threads_without_a_token_share_one_auth(
    server: ScriptedServer, auth_config: sparkfly_client.Configuration
) -> None:
    server.default = Reply(200, CREDENTIAL)
    TokenIssuer(server, auth_delay=0.2)
    auth_config.connection_pool_maxsize = 16
    with sparkfly_client.ApiClient(auth_config) as client:
        assert run_in_sixteen_threads(CredentialsApi(client)) == []
    assert paths(server).count("/auth") == 1
    assert paths(server).count("/v1.0/credentials/56") == 16


def test_sixteen_threads_hitting_an_expired_token_cause_exactly_one_renewal(
    server: ScriptedServer, auth_config: sparkfly_client.Configuration
) -> None:
    server.default = Reply(200, CREDENTIAL)
    issuer = TokenIssuer(server, auth_delay=0.2)
    auth_config.connection_pool_maxsize = 16
    with sparkfly_client.ApiClient(auth_config) as client:
        api = CredentialsApi(client)
        api.get_credential(56)
        issuer.revoke()
        assert run_in_sixteen_threads(api) == []
    assert issuer.issued == 2 and paths(server).count("/auth") == 2
    calls = [seen for seen in server.requests if seen.path != "/auth"]
    refused = [seen for seen in calls[1:] if seen.header("X-Auth-Token") == "tok-1-SECRET"]
    assert len(refused) >= 2  # a crowd really did hit the expired token (all 16, unless the machine is very slow)
    assert len(calls) - 1 - len(refused) == 16  # and every thread then succeeded with the one renewed token
    assert all(seen.header("X-Auth-Token") == "tok-2-SECRET" for seen in calls[1:] if seen not in refused)


def test_identity_and_key_are_secrets(auth_config: sparkfly_client.Configuration) -> None:
    shown = repr(auth_config) + str(auth_config)
    assert IDENTITY not in shown and KEY not in shown
    assert "auth_identity='***'" in shown and "auth_key='***'" in shown


def test_a_server_that_only_takes_post_auth_gets_post_from_then_on(server: ScriptedServer, driver: Driver) -> None:
    def published_spec_server(seen: Recorded) -> Optional[Reply]:
        if seen.path == "/auth":
            if seen.method != "POST":
                return Reply(405, {"error": "Method Not Allowed"}, headers={"Allow": "POST"})
            if seen.header("X-Auth-Key") != KEY:
                return Reply(401, {"error": "Invalid credentials"})
            return Reply(204, headers={"X-Auth-Token": f"tok-{seen.header('X-Auth-Scope')}"})
        return None

    server.responder = published_spec_server
    config = sparkfly_client.Configuration(
        host=server.url, auth_identity=IDENTITY, auth_key=KEY, auth_scope="pos", retries=0
    )
    with driver.client(config) as client:
        api = driver.credentials(client)
        api.get_credential(56)
        assert server.last.header("X-Auth-Token") == "tok-pos"
        config.auth_scope = "reporting"  # another scope: a new token, asked for with POST at once
        api.get_credential(56)
    assert [(r.method, r.path) for r in server.requests] == [
        ("GET", "/auth"),
        ("POST", "/auth"),
        ("GET", "/v1.0/credentials/56"),
        ("POST", "/auth"),
        ("GET", "/v1.0/credentials/56"),
    ]
    assert server.last.header("X-Auth-Token") == "tok-reporting"


def test_invalid_credentials_carry_the_servers_words_and_never_the_key(server: ScriptedServer, driver: Driver) -> None:
    server.responder = lambda seen: (
        Reply(401, {"error": "Invalid credentials", "echo": dict(seen.headers)}) if seen.path == "/auth" else None
    )
    config = sparkfly_client.Configuration(host=server.url, auth_identity=IDENTITY, auth_key=KEY, retries=0)
    with driver.client(config) as client, pytest.raises(UnauthorizedException) as caught:
        driver.credentials(client).get_credential(56)
    assert str(caught.value).splitlines()[0].endswith("/auth: Invalid credentials")
    assert KEY not in str(caught.value) + str(caught.value.body) and IDENTITY not in str(caught.value.body)
