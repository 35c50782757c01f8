"""Regressions found by probing the client as an attacker and as an unlucky network would: secrets in
exceptions, fork, unbounded bodies, failure reports. Over real HTTP on loopback, on both drivers where
the driver matters."""

from __future__ import annotations

import gzip
import json
import os
import pickle
import socket
import threading
import time
from typing import Any, List
from urllib.parse import quote

import pytest
from auth_fixtures import IDENTITY, KEY
from conftest import TOKEN
from drivers import Driver, read_unread
from scripted_server import Recorded, Reply, ScriptedServer

import sparkfly_client
from sparkfly_client import (
    ApiConnectionError,
    ApiException,
    ApiValueError,
    ResponseDecodeError,
    ResponseTooLargeError,
    UnauthorizedException,
)

CREDENTIAL = {"credential": {"id": 56, "identifier": "3345"}, "errors": {}}
FETCHED = "fetched-token-\u00e4/SECRET+value"


def echo_headers(seen: Recorded, status: int = 400) -> Reply:
    """A server that answers with everything it was sent, as careless servers do."""
    return Reply(status, {"error": "bad request", "echo": seen.headers, "raw": json.dumps(seen.headers)})


def everything_shown(error: BaseException) -> str:
    return str(error) + repr(error) + repr(vars(error)) + pickle.dumps(error).decode("latin-1")


def auth_config(server: ScriptedServer, **settings: Any) -> sparkfly_client.Configuration:
    settings = {"retries": 0, "auth_identity": IDENTITY, "auth_key": KEY, **settings}
    return sparkfly_client.Configuration(host=server.url, **settings)


# --- secrets ------------------------------------------------------------------------------------------


def test_an_auth_401_echoing_the_identity_and_key_shows_neither(server: ScriptedServer, driver: Driver) -> None:
    server.responder = lambda seen: echo_headers(seen, 401)
    with driver.client(auth_config(server)) as client, pytest.raises(UnauthorizedException) as caught:
        driver.credentials(client).get_credential(56)
    shown = everything_shown(caught.value)
    assert IDENTITY not in shown and KEY not in shown and "bad request" in str(caught.value)


def test_a_fetched_token_echoed_by_an_error_is_hidden(server: ScriptedServer, driver: Driver) -> None:
    def answer(seen: Recorded) -> Reply:
        if seen.path == "/auth":
            return Reply(204, headers={"X-Auth-Token": quote(FETCHED, safe="/+")})
        return echo_headers(seen, 422)

    server.responder = answer
    with (
        driver.client(auth_config(server)) as client,
        pytest.raises(sparkfly_client.UnprocessableEntityException) as caught,
    ):
        driver.credentials(client).get_credential(56)
    shown = everything_shown(caught.value) + str(caught.value.body) + repr(caught.value.data)
    assert quote(FETCHED, safe="/+") not in shown and "SECRET" not in shown


@pytest.mark.parametrize(
    "spelling",
    [
        lambda s: json.dumps(s)[1:-1].replace("/", "\\/"),  # JSON with escaped slashes
        lambda s: json.dumps(s)[1:-1],  # \u00e4
        lambda s: quote(s, safe=""),  # percent-encoded, upper-case hex
        lambda s: quote(s, safe="").lower(),  # and lower-case hex
    ],
)
def test_echoes_in_escaped_spellings_are_hidden(server: ScriptedServer, api: Any, spelling: Any) -> None:
    secret = "tok/\u00e4-SECRET"
    server.push(Reply(500, f'{{"error": "token {spelling(secret)} refused"}}'))
    with pytest.raises(ApiException) as caught:
        api.get_credential(56, _headers={"X-Auth-Token": secret})
    shown = everything_shown(caught.value) + str(caught.value.body)
    assert "SECRET" not in shown and "token *** refused" in str(caught.value)


def test_an_exception_keeps_no_secret_even_when_nothing_was_echoed(server: ScriptedServer, api: Any) -> None:
    server.push(Reply(404, {"error": "not found"}))
    with pytest.raises(ApiException) as caught:
        api.get_credential(56)
    assert TOKEN not in everything_shown(caught.value)


@pytest.mark.parametrize("bad", ["tok\u20acen", "tok\x00en", "tok\x0ben", "tok\x0cen", "tok\x7fen", "tok\ten"])
def test_credentials_that_cannot_go_on_the_wire_are_refused_before_sending(
    server: ScriptedServer, driver: Driver, bad: str
) -> None:
    config = sparkfly_client.Configuration(host=server.url, api_key={"X-Auth-Token": bad}, retries=0)
    with driver.client(config) as client, pytest.raises(ApiValueError) as caught:
        driver.credentials(client).get_credential(56)
    assert "X-Auth-Token" in str(caught.value) and bad not in everything_shown(caught.value)
    with driver.client(auth_config(server, auth_key=bad)) as client, pytest.raises(ApiValueError) as caught:
        driver.credentials(client).get_credential(56)
    assert "X-Auth-Key" in str(caught.value) and bad not in str(caught.value)
    assert server.requests == []


def test_the_host_password_stays_out_of_the_configuration_repr() -> None:
    config = sparkfly_client.Configuration(host="http://user:hunter2-SECRET@sparkfly.test")
    assert "hunter2" not in repr(config) and "***@sparkfly.test" in repr(config)


def test_a_per_call_token_header_in_another_case_wins_alone(server: ScriptedServer, api: Any) -> None:
    api.get_credential(56, _headers={"x-auth-token": "per-call"})
    sent = [(name, value) for name, value in server.last.headers.items() if name.lower() == "x-auth-token"]
    assert sent == [("x-auth-token", "per-call")]
    api.api_client.default_headers["accept"] = "application/vnd.test+json"
    api.get_credential(56, _headers={"ACCEPT": "text/plain"})
    assert [v for k, v in server.last.headers.items() if k.lower() == "accept"] == ["text/plain"]


# --- fork ------------------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_after_fork_parent_and_child_never_get_each_others_answers(server: ScriptedServer) -> None:
    server.responder = lambda seen: Reply(200, {"credential": {"id": int(seen.path.rsplit("/", 1)[1])}})
    config = sparkfly_client.Configuration(host=server.url, api_key={"X-Auth-Token": TOKEN}, retries=0)
    client = sparkfly_client.ApiClient(config)
    api = sparkfly_client.CredentialsApi(client)
    api.get_credential(1)  # a keep-alive connection both processes now hold
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its own connections, answers that match its requests
        mismatches = sum(api.get_credential(n).credential.id != n for n in range(1000, 1150))  # type: ignore[union-attr]
        os.write(write_end, str(mismatches).encode())
        os._exit(0)
    os.close(write_end)
    mismatches = sum(api.get_credential(n).credential.id != n for n in range(2000, 2150))  # type: ignore[union-attr]
    os.waitpid(pid, 0)
    child_mismatches = int(os.read(read_end, 100) or b"-1")
    os.close(read_end)
    client.close()
    assert (mismatches, child_mismatches) == (0, 0)


# --- bounded memory and time ---------------------------------------------------------------------


def test_a_gzip_bomb_nobody_asked_for_is_not_unpacked(server: ScriptedServer, api: Any) -> None:
    bomb = gzip.compress(b"[" + b"0," * (32 * 1024 * 1024) + b"0]", compresslevel=9)  # 64 MiB unpacked
    server.push(Reply(200, bomb, headers={"Content-Encoding": "gzip"}))
    started = time.monotonic()
    with pytest.raises(ResponseDecodeError) as caught:
        api.get_credential(56)
    assert time.monotonic() - started < 5 and caught.value.attempts == 1
    assert len(caught.value.body) < 70 * 1024  # the packed bytes as sent, never the 64 MiB


def test_an_error_body_kept_on_an_exception_is_capped(server: ScriptedServer, api: Any) -> None:
    server.push(Reply(500, "x" * (1024 * 1024)))
    with pytest.raises(ApiException) as caught:
        api.get_credential(56)
    assert len(caught.value.body) < 70 * 1024 and "the body had 1048576 characters" in caught.value.body


def test_a_body_over_max_response_bytes_is_not_read(server: ScriptedServer, api: Any) -> None:
    api.api_client.configuration.max_response_bytes = 1000
    api.api_client.configuration.retries = 2
    server.push(Reply(200, {"credential": {"id": 56, "url": "u" * 5000}}))
    with pytest.raises(ResponseTooLargeError) as caught:
        api.get_credential(56)
    assert "max_response_bytes (1000)" in str(caught.value) and len(server.requests) == 1


def test_threads_waiting_on_a_stuck_auth_share_its_failure(server: ScriptedServer) -> None:
    server.responder = lambda seen: Reply(204, delay=3.0) if seen.path == "/auth" else None
    config = auth_config(server, timeout=1.0, retries=1)
    client = sparkfly_client.ApiClient(config)
    api = sparkfly_client.CredentialsApi(client)
    outcomes: List[BaseException] = []

    def call() -> None:
        try:
            api.get_credential(56)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertions
            outcomes.append(exc)

    threads = [threading.Thread(target=call) for _ in range(8)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert time.monotonic() - started < 4.5  # one /auth cycle (2 attempts of 1 s and a wait), not eight
    assert len(outcomes) == 8 and all(isinstance(o, sparkfly_client.ApiTimeoutError) for o in outcomes)
    assert [r.path for r in server.requests] == ["/auth", "/auth"]
    client.close()


def test_sixteen_threads_on_a_cold_client_with_a_failing_auth_make_one_auth_call(server: ScriptedServer) -> None:
    server.responder = lambda seen: Reply(500, {"error": "down"}, delay=0.2) if seen.path == "/auth" else None
    client = sparkfly_client.ApiClient(auth_config(server))
    api = sparkfly_client.CredentialsApi(client)
    barrier = threading.Barrier(16)
    failures: List[BaseException] = []

    def call() -> None:
        barrier.wait()
        try:
            api.get_credential(56)
        except sparkfly_client.ServiceException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=call) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(failures) == 16 and [r.path for r in server.requests] == ["/auth"]
    client.close()


# --- failure reports ------------------------------------------------------------------------------


def test_a_failed_call_reports_sent_if_any_attempt_may_have_reached_the_server(server: ScriptedServer) -> None:
    def drop_then_go_away(seen: Recorded) -> Reply:
        server._server.socket.close()  # later attempts are refused: nothing more can be sent
        return Reply(fault="drop", delay=0.2)

    server.responder = drop_then_go_away
    config = sparkfly_client.Configuration(host=server.url, api_key={"X-Auth-Token": TOKEN})
    config.retries = sparkfly_client.RetryPolicy(max_retries=2, backoff_base=0.05, backoff_cap=0.05)
    with sparkfly_client.ApiClient(config) as client, pytest.raises(ApiConnectionError) as caught:
        sparkfly_client.CredentialsApi(client).void_credential(56)
    error = caught.value
    assert (error.request_sent, error.attempts) == (True, 3) and error.elapsed is not None and error.elapsed >= 0.2


def test_an_unreadable_encoding_is_a_decode_error_not_a_connection_failure(server: ScriptedServer, api: Any) -> None:
    api.api_client.configuration.retries = 2
    server.push(Reply(200, b"\x1f\x8b not really gzip", headers={"Content-Encoding": "gzip"}))
    with pytest.raises(ResponseDecodeError) as caught:
        api.get_credential(56)
    assert caught.value.attempts == 1 and len(server.requests) == 1


def test_a_nonsense_retry_after_means_the_normal_backoff(server: ScriptedServer) -> None:
    waits: List[float] = []
    server.push(
        Reply(503, headers={"Retry-After": "nan"}), Reply(503, headers={"Retry-After": "-5"}), Reply(200, CREDENTIAL)
    )
    config = sparkfly_client.Configuration(host=server.url, api_key={"X-Auth-Token": TOKEN})
    config.retries = sparkfly_client.RetryPolicy(max_retries=2, backoff_base=0.5, backoff_cap=8.0)
    with sparkfly_client.ApiClient(config, sleep=waits.append) as client:
        sparkfly_client.CredentialsApi(client).get_credential(56)
    assert len(waits) == 2 and 0.0 <= waits[0] <= 0.5 and 0.0 <= waits[1] <= 1.0 and waits == waits  # no NaN


def test_a_redirect_names_where_it_points(server: ScriptedServer, api: Any) -> None:
    server.push(Reply(301, headers={"Location": "https://elsewhere.test/v1.0/credentials/56"}))
    with pytest.raises(ApiException) as caught:
        api.get_credential(56)
    assert type(caught.value) is ApiException and caught.value.status == 301
    assert "redirected to 'https://elsewhere.test/v1.0/credentials/56'" in str(caught.value)
    assert len(server.requests) == 1  # not followed: the token must not travel


@pytest.mark.parametrize(
    "host",
    [
        "http://sparkfly.test/base#",
        "http://sparkfly.test/base?x=1",
        "http://sparkfly.test:99999",
        "http://sparkfly.test:0",
    ],
)
def test_a_host_that_would_send_calls_elsewhere_is_refused_when_set(host: str) -> None:
    with pytest.raises(ApiValueError, match="host"):
        sparkfly_client.Configuration(host=host)


def test_a_closed_port_is_a_connection_error_not_a_host_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = sparkfly_client.Configuration(host=f"http://127.0.0.1:{port}", api_key={"X-Auth-Token": TOKEN}, retries=0)
    with sparkfly_client.ApiClient(config) as client, pytest.raises(ApiConnectionError) as caught:
        sparkfly_client.CredentialsApi(client).get_credential(56)
    assert caught.value.request_sent is False


def test_a_large_body_on_a_retried_response_is_not_read(server: ScriptedServer, api: Any) -> None:
    api.api_client.configuration.retries = sparkfly_client.RetryPolicy(max_retries=1, backoff_base=0.01)
    api.api_client.configuration.max_response_bytes = 1_000_000
    server.push(Reply(503, b"x" * 5_000_000), Reply(200, CREDENTIAL))
    unread = api.get_credential_without_preload_content(56)
    assert unread.status == 200 and read_unread(api, unread)  # the 503's 5 MB were skipped, not drained
    assert len(server.requests) == 2 and server.connections_opened == 2  # its connection was closed, not reused
