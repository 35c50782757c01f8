"""Timeouts, retries, faults and connection reuse, over real sockets against the scripted server."""

from __future__ import annotations

import base64
import copy
import dataclasses
import pickle
import socket
import threading
import time
from email.utils import formatdate
from typing import Any, Callable, Iterator, List

import pytest
from conftest import TOKEN
from scripted_server import Reply, ScriptedServer

import sparkfly_client
from sparkfly_client import CredentialsApi, RetryPolicy
from sparkfly_client.exceptions import (
    ApiConnectionError,
    ApiTimeoutError,
    ApiTransportError,
    ApiValueError,
    OpenApiException,
    ResponseDecodeError,
    ServiceException,
    TooManyRequestsException,
)

CREDENTIAL = {"credential": {"id": 56, "identifier": "3345", "status": "open"}}
#: Two retries with waits of a few milliseconds: for tests about whether a retry happens, not how long it waits.
FAST = RetryPolicy(max_retries=2, backoff_base=0.01, backoff_cap=0.02)


@pytest.fixture
def retrying_api(configuration: sparkfly_client.Configuration) -> Iterator[CredentialsApi]:
    configuration.retries = FAST
    with sparkfly_client.ApiClient(configuration) as client:
        yield CredentialsApi(client)


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_defaults() -> None:
    config = sparkfly_client.Configuration()
    assert config.timeout == (5.0, 30.0)
    assert config.retries == 2 and config.max_retry_wait == 60.0
    policy = config.retry_policy()
    assert (policy.max_retries, policy.backoff_base, policy.backoff_cap) == (2, 0.5, 8.0)
    assert config.verify_ssl is True


def test_full_jitter_backoff_stays_within_the_exponential_ceiling() -> None:
    policy = RetryPolicy()
    for retry_number, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (5, 8.0), (9, 8.0)]:
        waits = [policy.backoff(retry_number) for _ in range(200)]
        assert all(0.0 <= wait <= ceiling for wait in waits)
        assert max(waits) > ceiling / 2  # jittered over the whole range, not a fixed wait


def test_a_retry_policy_is_an_immutable_value() -> None:
    policy = RetryPolicy(5, backoff_cap=4)
    same = RetryPolicy(max_retries=5, backoff_base=0.5, backoff_cap=4, statuses=policy.statuses)
    assert policy == same and hash(policy) == hash(same) and len({policy, same}) == 1
    assert policy != RetryPolicy() and policy != (5, 0.5, 4, policy.statuses)
    assert repr(policy) == f"RetryPolicy(max_retries=5, backoff_base=0.5, backoff_cap=4, statuses={policy.statuses!r})"
    for copied in (copy.copy(policy), copy.deepcopy(policy), pickle.loads(pickle.dumps(policy))):
        assert copied == policy and type(copied) is RetryPolicy
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.max_retries = 9  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del policy.backoff_cap  # type: ignore[misc]
    with pytest.raises(AttributeError):
        policy.other = 1  # type: ignore[attr-defined]
    assert (policy.max_retries, policy.backoff_cap) == (5, 4)
    with pytest.raises(sparkfly_client.ApiValueError):
        RetryPolicy(backoff_base=-1)


# --- retries on status ------------------------------------------------------------------------------


def test_503_then_200_on_get_is_retried(server: ScriptedServer, retrying_api: CredentialsApi) -> None:
    server.push(Reply(503, {"error": "busy"}), Reply(200, CREDENTIAL))
    info = retrying_api.get_credential_with_http_info(56)
    assert info.status_code == 200 and info.data.credential.identifier == "3345"
    assert [r.path for r in server.requests] == ["/v1.0/credentials/56"] * 2


def test_unread_variant_retries_too_and_returns_the_final_answer(
    server: ScriptedServer, retrying_api: CredentialsApi
) -> None:
    server.push(Reply(503, {"error": "busy"}), Reply(200, CREDENTIAL))
    raw = retrying_api.get_credential_without_preload_content(56)
    assert raw.status == 200 and b'"3345"' in raw.read()
    assert len(server.requests) == 2 and server.connections_opened == 1  # the 503 was drained, its connection reused


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_each_retryable_status_is_retried_on_put(
    server: ScriptedServer, retrying_api: CredentialsApi, status: int
) -> None:
    server.push(Reply(status, {}), Reply(200, CREDENTIAL))
    retrying_api.void_credential(56)
    assert len(server.requests) == 2


def test_other_errors_are_not_retried(server: ScriptedServer, retrying_api: CredentialsApi) -> None:
    server.push(Reply(404, {"error": "not found"}))
    with pytest.raises(sparkfly_client.NotFoundException):
        retrying_api.get_credential(56)
    assert len(server.requests) == 1


def test_429_with_retry_after_one_second_waits(server: ScriptedServer, api: CredentialsApi) -> None:
    api.api_client.configuration.retries = 2
    server.push(Reply(429, {"title": "Rate Limit Exceeded"}, headers={"Retry-After": "1"}), Reply(200, CREDENTIAL))
    started = time.monotonic()
    api.get_credential(56)
    assert time.monotonic() - started >= 1.0
    assert len(server.requests) == 2


def test_retry_after_longer_than_the_maximum_raises_at_once(
    server: ScriptedServer, retrying_api: CredentialsApi
) -> None:
    server.push(Reply(429, {"title": "Rate Limit Exceeded"}, headers={"Retry-After": "3600"}))
    started = time.monotonic()
    with pytest.raises(TooManyRequestsException) as caught:
        retrying_api.get_credential(56)
    assert time.monotonic() - started < 1.0
    assert len(server.requests) == 1
    assert caught.value.retry_after == 3600.0
    assert "retry after 3600s; max_retry_wait is 60s" in str(caught.value)


def test_retry_after_http_date_is_honoured(server: ScriptedServer, retrying_api: CredentialsApi) -> None:
    server.push(Reply(503, {}, headers={"Retry-After": formatdate(time.time() + 7200, usegmt=True)}))
    with pytest.raises(ServiceException) as caught:
        retrying_api.get_credential(56)
    assert len(server.requests) == 1
    assert 7100 < (caught.value.retry_after or 0) <= 7200
    assert "max_retry_wait is 60s" in str(caught.value)


def test_rate_limit_reset_date_in_the_past_retries_at_once(
    server: ScriptedServer, retrying_api: CredentialsApi
) -> None:
    past = formatdate(time.time() - 5, usegmt=True)
    server.push(Reply(429, {}, headers={"Rate-Limit-Reset": past}), Reply(200, CREDENTIAL))
    retrying_api.get_credential(56)
    assert len(server.requests) == 2


def test_rate_limit_reset_far_ahead_raises_with_the_wait(server: ScriptedServer, retrying_api: CredentialsApi) -> None:
    reset = formatdate(time.time() + 600, usegmt=True)
    server.push(Reply(429, {"title": "Rate Limit Exceeded"}, headers={"Rate-Limit-Reset": reset}))
    with pytest.raises(TooManyRequestsException) as caught:
        retrying_api.get_credential(56)
    assert len(server.requests) == 1
    assert 590 < (caught.value.retry_after or 0) <= 600


def test_rate_limit_reset_on_other_statuses_is_not_a_wait(server: ScriptedServer, retrying_api: CredentialsApi) -> None:
    # A rate-limited service sends the window's reset time on every answer; a 503 still backs off and retries.
    reset = formatdate(time.time() + 3600, usegmt=True)
    server.push(Reply(503, {}, headers={"Rate-Limit-Reset": reset}), Reply(200, CREDENTIAL))
    retrying_api.get_credential(56)
    assert len(server.requests) == 2


def test_max_retry_wait_is_configurable(server: ScriptedServer, retrying_api: CredentialsApi) -> None:
    retrying_api.api_client.configuration.max_retry_wait = 0.5
    server.push(Reply(429, {}, headers={"Retry-After": "1"}))
    with pytest.raises(TooManyRequestsException):
        retrying_api.get_credential(56)
    assert len(server.requests) == 1


def test_html_502_page_is_retried_then_raised_with_its_body(
    server: ScriptedServer, retrying_api: CredentialsApi
) -> None:
    page = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    server.default = Reply(502, page, headers={"Content-Type": "text/html"})
    with pytest.raises(ServiceException) as caught:
        retrying_api.get_credential(56)
    assert len(server.requests) == 3
    error = caught.value
    assert error.status == 502 and error.body == page and error.data is None
    assert error.attempts == 3 and "Attempts: 3" in str(error)


def test_post_is_not_retried_on_a_status(server: ScriptedServer, retrying_api: CredentialsApi) -> None:
    server.push(Reply(503, {"error": "busy"}), Reply(201, CREDENTIAL))
    with pytest.raises(ServiceException) as caught:
        retrying_api.create_credential(sparkfly_client.CredentialInputRequest())
    assert len(server.requests) == 1 and caught.value.attempts == 1


def test_redeem_is_never_repeated(server: ScriptedServer, retrying_api: CredentialsApi) -> None:
    server.push(Reply(503, {}), Reply(200, CREDENTIAL))
    with pytest.raises(ServiceException):
        retrying_api.redeem_credential(56)
    assert len(server.requests) == 1


def test_retries_zero_turns_them_off(server: ScriptedServer, retrying_api: CredentialsApi) -> None:
    retrying_api.api_client.configuration.retries = 0
    server.push(Reply(503, {}), Reply(200, CREDENTIAL))
    with pytest.raises(ServiceException):
        retrying_api.get_credential(56)
    assert len(server.requests) == 1


def test_per_call_retries_override_the_configuration(server: ScriptedServer, retrying_api: CredentialsApi) -> None:
    server.default = Reply(503, {})
    with pytest.raises(ServiceException):
        retrying_api.get_credential(56, _retries=0)
    assert len(server.requests) == 1
    with pytest.raises(ServiceException) as caught:
        retrying_api.get_credential(56, _retries=RetryPolicy(max_retries=4, backoff_base=0.001, backoff_cap=0.001))
    assert len(server.requests) == 1 + 5 and caught.value.attempts == 5


def test_bad_retries_value_is_a_clear_error(server: ScriptedServer, api: CredentialsApi) -> None:
    with pytest.raises(ApiValueError, match="retries must be a non-negative int"):
        api.get_credential(56, _retries=-1)
    assert server.requests == []


# --- transport failures -----------------------------------------------------------------------------


def test_drop_after_the_server_read_a_post_is_not_retried(server: ScriptedServer, retrying_api: CredentialsApi) -> None:
    server.push(Reply(fault="drop"), Reply(201, CREDENTIAL))
    request = sparkfly_client.CredentialInputRequest(
        credential=sparkfly_client.CredentialInput(member_id=56, offer_id=56, channel_id=56)
    )
    with pytest.raises(ApiConnectionError) as caught:
        retrying_api.create_credential(request)
    assert len(server.requests) == 1  # a create is never duplicated
    error = caught.value
    assert error.request_sent and error.attempts == 1
    assert f"POST {server.url}/v1.0/credentials" in str(error)
    assert "not retried: create_credential is not repeated once the request may have reached the server" in str(error)


def test_drop_on_get_is_retried(server: ScriptedServer, retrying_api: CredentialsApi) -> None:
    server.push(Reply(fault="drop"), Reply(200, CREDENTIAL))
    assert retrying_api.get_credential(56).credential.id == 56
    assert len(server.requests) == 2


def test_post_is_retried_when_no_byte_was_sent(configuration: sparkfly_client.Configuration) -> None:
    configuration.host = closed_port_url()
    configuration.retries = FAST
    with sparkfly_client.ApiClient(configuration) as client, pytest.raises(ApiConnectionError) as caught:
        CredentialsApi(client).create_credential(sparkfly_client.CredentialInputRequest())
    error = caught.value
    assert not error.request_sent and error.attempts == 3
    assert isinstance(error, ApiTransportError) and isinstance(error, OpenApiException)
    assert "connection failed" in str(error) and "3 attempts" in str(error)
    assert f"POST {configuration.host}/v1.0/credentials" in str(error)


def test_read_timeout_raises_api_timeout_error(server: ScriptedServer, api: CredentialsApi) -> None:
    server.push(Reply(200, CREDENTIAL, delay=2.0))
    started = time.monotonic()
    with pytest.raises(ApiTimeoutError) as caught:
        api.get_credential(56, _request_timeout=(1.0, 0.3))
    elapsed = time.monotonic() - started
    assert 0.3 <= elapsed < 1.5
    error = caught.value
    assert isinstance(error, ApiTransportError) and isinstance(error, OpenApiException)
    assert error.method == "GET" and error.url == f"{server.url}/v1.0/credentials/56"
    assert error.elapsed is not None and error.elapsed >= 0.3
    assert f"GET {server.url}/v1.0/credentials/56" in str(error) and "after 0." in str(error)
    assert TOKEN not in str(error)


def test_configured_timeout_applies_and_get_is_retried_after_it(
    server: ScriptedServer, retrying_api: CredentialsApi
) -> None:
    retrying_api.api_client.configuration.timeout = 0.2
    server.push(Reply(200, CREDENTIAL, delay=1.0), Reply(200, CREDENTIAL))
    assert retrying_api.get_credential(56).credential.id == 56
    assert len(server.requests) == 2


def test_bad_timeout_is_a_clear_error(server: ScriptedServer, api: CredentialsApi) -> None:
    with pytest.raises(ApiValueError, match="timeout"):
        api.get_credential(56, _request_timeout=(1, 2, 3))  # type: ignore[typeddict-item]
    with pytest.raises(ApiValueError, match="positive number"):
        api.get_credential(56, _request_timeout=-1)
    assert server.requests == []


def test_truncated_body_is_a_connection_error_after_retries(
    server: ScriptedServer, retrying_api: CredentialsApi
) -> None:
    server.default = Reply(200, CREDENTIAL, fault="truncate")
    with pytest.raises(ApiConnectionError) as caught:
        retrying_api.get_credential(56)
    assert len(server.requests) == 3 and caught.value.attempts == 3


def test_truncated_body_then_a_whole_one_succeeds(server: ScriptedServer, retrying_api: CredentialsApi) -> None:
    server.push(Reply(200, CREDENTIAL, fault="truncate"), Reply(200, CREDENTIAL))
    assert retrying_api.get_credential(56).credential.identifier == "3345"


def test_invalid_json_on_200_is_a_decode_error_not_retried(
    server: ScriptedServer, retrying_api: CredentialsApi
) -> None:
    server.push(Reply(200, b'{"credential": {"id": 56,'))
    with pytest.raises(ResponseDecodeError) as caught:
        retrying_api.get_credential(56)
    assert len(server.requests) == 1
    assert caught.value.status == 200 and caught.value.body == '{"credential": {"id": 56,'


# --- checks before sending --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "api.sparkfly.com",
        "ftp://api.sparkfly.com",
        "https://",
        "https://a b.com",
        "https://api.sparkfly.com\r\nX-Injected: 1",
    ],
)
def test_host_without_http_scheme_is_rejected(host: str) -> None:
    with pytest.raises(ApiValueError, match="http:// or https://"):
        sparkfly_client.Configuration(host=host, api_key={"X-Auth-Token": TOKEN})


@pytest.mark.parametrize("value", ["a\r\nX-Injected: 1", "a\nb", "a\rb"])
def test_header_with_line_break_is_rejected_before_sending(
    server: ScriptedServer, api: CredentialsApi, value: str
) -> None:
    with pytest.raises(ApiValueError, match="line break") as caught:
        api.get_credential(56, _headers={"X-Lane": value})
    assert value not in str(caught.value)
    with pytest.raises(ApiValueError, match="line break"):
        api.api_client.set_default_header("X-Lane", value)
    assert server.requests == []


# --- connections and threads ------------------------------------------------------------------------


def wait_until(condition: Callable[[], bool], seconds: float = 3.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_keep_alive_reuses_one_connection_and_close_releases_it(
    server: ScriptedServer, configuration: sparkfly_client.Configuration
) -> None:
    client = sparkfly_client.ApiClient(configuration)
    api = CredentialsApi(client)
    for _ in range(3):
        api.get_credential(56)
    assert server.connections_opened == 1 and server.connections_closed == 0
    client.close()
    assert wait_until(lambda: server.connections_closed == 1)


def test_context_manager_releases_the_pool(
    server: ScriptedServer, configuration: sparkfly_client.Configuration
) -> None:
    with sparkfly_client.ApiClient(configuration) as client:
        CredentialsApi(client).get_credential(56)
        assert server.connections_closed == 0
    assert wait_until(lambda: server.connections_closed == 1)


def test_one_client_shared_by_sixteen_threads(
    server: ScriptedServer, configuration: sparkfly_client.Configuration
) -> None:
    configuration.connection_pool_maxsize = 16
    server.responder = lambda seen: Reply(200, {"credential": {"id": int(seen.path.rsplit("/", 1)[1])}})
    results: List[int] = []
    errors: List[BaseException] = []
    start = threading.Barrier(16)

    def worker(number: int) -> None:
        start.wait()
        try:
            for _ in range(5):
                results.append(api.get_credential(number).credential.id)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    with sparkfly_client.ApiClient(configuration) as client:
        api = CredentialsApi(client)
        threads = [threading.Thread(target=worker, args=(n,)) for n in range(1, 17)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert sorted(results) == sorted(list(range(1, 17)) * 5)
    assert len(server.requests) == 80 and server.connections_opened <= 16


# --- proxy --------------------------------------------------------------------------------------------


def test_requests_go_through_the_proxy_with_its_headers(server: ScriptedServer) -> None:
    server.push(Reply(200, CREDENTIAL))
    config = sparkfly_client.Configuration(
        host="http://api.sparkfly.test",
        api_key={"X-Auth-Token": TOKEN},
        retries=0,
        proxy=server.url,
        proxy_headers={"Proxy-Authorization": "Basic cHJveHk6c2VjcmV0"},
    )
    with sparkfly_client.ApiClient(config) as client:
        assert CredentialsApi(client).get_credential(56).credential.id == 56
    seen = server.last  # the scripted server played the proxy
    assert seen.path == "/v1.0/credentials/56"
    assert seen.header("Host") == "api.sparkfly.test"
    assert seen.header("Proxy-Authorization") == "Basic cHJveHk6c2VjcmV0"
    assert "cHJveHk6c2VjcmV0" not in repr(config)


def test_proxy_credentials_in_the_url_become_proxy_authorization(server: ScriptedServer) -> None:
    proxy = server.url.replace("http://", "http://pos-56:pa%3Ass-SECRET@")
    config = sparkfly_client.Configuration(
        host="http://api.sparkfly.test", api_key={"X-Auth-Token": TOKEN}, retries=0, proxy=proxy
    )
    with sparkfly_client.ApiClient(config) as client:
        CredentialsApi(client).get_credential(56)
    expected = "Basic " + base64.b64encode(b"pos-56:pa:ss-SECRET").decode()
    assert server.last.header("Proxy-Authorization") == expected
    assert "pa%3Ass-SECRET" not in repr(config)


def test_unreachable_proxy_means_nothing_was_sent() -> None:
    config = sparkfly_client.Configuration(
        host="http://api.sparkfly.test", api_key={"X-Auth-Token": TOKEN}, retries=FAST, proxy=closed_port_url()
    )
    with sparkfly_client.ApiClient(config) as client, pytest.raises(ApiConnectionError) as caught:
        CredentialsApi(client).create_credential(sparkfly_client.CredentialInputRequest())
    assert not caught.value.request_sent and caught.value.attempts == 3


def test_connect_timeout_on_post_is_retried_because_nothing_was_sent() -> None:
    # A listener whose accept queue is full: the kernel drops further SYNs, so connecting times out.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = [socket.socket() for _ in range(3)]
        for filler in fillers:
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
        time.sleep(0.1)  # let the kernel finish those handshakes and fill the queue
        config = sparkfly_client.Configuration(
            host=f"http://127.0.0.1:{port}", api_key={"X-Auth-Token": TOKEN}, retries=FAST, timeout=(0.2, 5.0)
        )
        try:
            with sparkfly_client.ApiClient(config) as client, pytest.raises(ApiTimeoutError) as caught:
                CredentialsApi(client).create_credential(sparkfly_client.CredentialInputRequest())
        finally:
            for filler in fillers:
                filler.close()
    error = caught.value
    assert not error.request_sent and error.attempts == 3
    assert "connect timeout=0.2" in str(error) and "3 attempts" in str(error)


def test_a_server_that_drips_its_answer_cannot_outlast_the_deadline(
    server: ScriptedServer, api: CredentialsApi
) -> None:
    server.push(Reply(200, CREDENTIAL, drip=0.1))  # every read is quick, the whole answer would take seconds
    started = time.monotonic()
    with pytest.raises(ApiTimeoutError) as caught:
        api.get_credential(56, _deadline=1.0, _request_timeout=(1.0, 0.5))
    assert time.monotonic() - started < 2.0
    assert caught.value.request_sent


def test_retries_and_their_waits_stay_within_the_deadline(server: ScriptedServer, api: CredentialsApi) -> None:
    server.default = Reply(503, {"error": "busy"}, headers={"Retry-After": "0.4"})
    api.api_client.configuration.retries = 10
    api.api_client.configuration.deadline = 1.0
    started = time.monotonic()
    with pytest.raises(ServiceException) as caught:
        api.get_credential(56)
    assert time.monotonic() - started < 1.5
    assert 2 <= len(server.requests) <= 3 and caught.value.attempts == len(server.requests)


def test_the_deadline_covers_waiting_for_the_token(server: ScriptedServer, driver: Any) -> None:
    server.responder = lambda seen: (
        Reply(204, headers={"X-Auth-Token": "t"}, delay=3.0) if seen.path == "/auth" else None
    )
    config = sparkfly_client.Configuration(host=server.url, auth_identity="a", auth_key="k", retries=0, deadline=1.0)
    started = time.monotonic()
    with driver.client(config) as client, pytest.raises(ApiTimeoutError):
        driver.credentials(client).get_credential(56)
    assert time.monotonic() - started < 2.0


class TunnelRefusingProxy:
    """A proxy that answers every CONNECT with ``status``, counting the tunnels asked for."""

    def __init__(self, status: str) -> None:
        self.status = status
        self.tunnels = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            with connection:
                received = b""
                while b"\r\n\r\n" not in received:
                    chunk = connection.recv(4096)
                    if not chunk:
                        break
                    received += chunk
                if received.startswith(b"CONNECT "):
                    self.tunnels += 1
                connection.sendall(f"HTTP/1.1 {self.status}\r\nContent-Length: 0\r\n\r\n".encode())

    def close(self) -> None:
        self._listener.close()


@pytest.mark.parametrize(
    ("status", "tunnels"),
    [("407 Proxy Authentication Required", 1), ("403 Forbidden", 1), ("503 Service Unavailable", 3)],
)
def test_a_proxy_that_refuses_the_tunnel_is_asked_again_only_when_its_status_is_worth_retrying(
    driver: Any, status: str, tunnels: int
) -> None:
    proxy = TunnelRefusingProxy(status)
    config = sparkfly_client.Configuration(
        host="https://api.sparkfly.test", api_key={"X-Auth-Token": TOKEN}, retries=FAST, proxy=proxy.url
    )
    try:
        with driver.client(config) as client, pytest.raises(ApiConnectionError) as caught:
            driver.credentials(client).get_credential(56)
    finally:
        proxy.close()
    error = caught.value
    assert proxy.tunnels == tunnels and error.attempts == tunnels
    assert error.proxy_status == int(status[:3]) and not error.request_sent
    assert "proxy failure" in str(error) and status[:3] in str(error)
