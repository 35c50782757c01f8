"""Regressions found by reading the call plan and the drivers against their promises. Over real HTTP on
loopback (both drivers where the driver matters), or on the pure plan with a clock the test moves."""

from __future__ import annotations

import os
import threading
import time
from typing import Any, List

import pytest
from auth_fixtures import IDENTITY, KEY, TokenIssuer
from conftest import TOKEN
from drivers import Driver
from scripted_server import Reply, ScriptedServer

import sparkfly_client
from sparkfly_client import ApiConnectionError, ApiTimeoutError
from sparkfly_client._plan import plan_call
from sparkfly_client._request import Call, RequestBuilder
from sparkfly_client._steps import Clock, Response
from sparkfly_client.api.credentials_api import GET_CREDENTIAL, UPDATE_CREDENTIAL

CREDENTIAL = {"credential": {"id": 56, "identifier": "3345"}, "errors": {}}


def test_a_short_deadline_on_one_call_does_not_fail_the_token_fetch_of_another(server: ScriptedServer) -> None:
    TokenIssuer(server, auth_delay=0.4)
    server.default = Reply(200, CREDENTIAL)
    config = sparkfly_client.Configuration(host=server.url, auth_identity=IDENTITY, auth_key=KEY, retries=0)
    outcomes: List[Any] = []
    with sparkfly_client.ApiClient(config) as client:
        api = sparkfly_client.CredentialsApi(client)

        def hurried() -> None:
            try:
                api.get_credential(56, _deadline=0.2)
            except ApiTimeoutError as exc:
                outcomes.append(exc)

        thread = threading.Thread(target=hurried)
        thread.start()
        time.sleep(0.05)
        patient = api.get_credential(56)  # waits for the hurried renewal, which gives up at 0.2 s
        thread.join()
    assert patient.credential.id == 56 and len(outcomes) == 1


def test_a_proxy_password_stays_out_of_every_message(driver: Driver) -> None:
    with ScriptedServer() as proxy:  # a plain HTTP server: it answers CONNECT with 501
        port = proxy.url.rsplit(":", 1)[1]
        config = sparkfly_client.Configuration(
            host="https://sparkfly.test", api_key={"X-Auth-Token": TOKEN}, retries=0,
            proxy=f"http://user:s3cret-PROXY-pw@127.0.0.1:{port}",
        )  # fmt: skip
        with driver.client(config) as client, pytest.raises(ApiConnectionError) as caught:
            driver.credentials(client).get_credential(56)
    assert "s3cret-PROXY-pw" not in str(caught.value) + repr(caught.value) + repr(config)
    assert caught.value.request_sent is False


def test_a_password_with_an_at_sign_is_masked_whole() -> None:
    config = sparkfly_client.Configuration(host="https://user:p@ss-SECRET@api.example.com/base")
    assert "SECRET" not in repr(config) and "***@api.example.com/base" in repr(config)


def test_userinfo_in_the_host_is_never_sent(server: ScriptedServer, driver: Driver) -> None:
    config = sparkfly_client.Configuration(
        host=server.url.replace("://", "://user:pw-SECRET@"), access_token="jwt-value", retries=0
    )
    config.api_key["X-Auth-Token"] = TOKEN
    with driver.client(config) as client:
        driver.credentials(client).get_credential(56)
        driver.customer(client).upsert_credential("cus_crd_1", {"username": "u", "password": "p", "customerId": "c"})
    assert server.requests[0].header("Authorization") is None
    assert server.requests[1].header("Authorization") == "Bearer jwt-value"


def test_a_cookie_set_by_the_server_is_not_sent_back(server: ScriptedServer, driver: Driver) -> None:
    server.push(Reply(200, CREDENTIAL, headers={"Set-Cookie": "_session=abc123; Path=/"}), Reply(200, CREDENTIAL))
    config = sparkfly_client.Configuration(host=server.url.replace("127.0.0.1", "localhost"), retries=0)
    config.api_key["X-Auth-Token"] = TOKEN
    with driver.client(config) as client:
        api = driver.credentials(client)
        api.get_credential(56)
        api.get_credential(56)
    assert server.last.header("Cookie") is None


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_fork_while_a_token_renewal_is_under_way_leaves_the_child_a_working_client(server: ScriptedServer) -> None:
    TokenIssuer(server, auth_delay=1.0)
    server.default = Reply(200, CREDENTIAL)
    config = sparkfly_client.Configuration(host=server.url, auth_identity=IDENTITY, auth_key=KEY, retries=0)
    client = sparkfly_client.ApiClient(config)
    api = sparkfly_client.CredentialsApi(client)
    renewing = threading.Thread(target=api.get_credential, args=(56,))
    renewing.start()
    time.sleep(0.2)  # the thread now holds the renewal lock, waiting on /auth
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.write(write_end, str(api.get_credential(56, _deadline=5.0).credential.id).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    child_answer = os.read(read_end, 100)
    os.close(read_end)
    renewing.join()
    client.close()
    assert child_answer == b"56"


def test_changing_a_connection_setting_leaves_calls_under_way_alone(server: ScriptedServer) -> None:
    import asyncio

    pytest.importorskip("aiohttp")
    server.push(Reply(201, CREDENTIAL, delay=0.5))
    config = sparkfly_client.Configuration(host=server.url, api_key={"X-Auth-Token": TOKEN}, retries=0)

    async def run() -> None:
        async with sparkfly_client.AsyncApiClient(config) as client:
            api = sparkfly_client.AsyncCredentialsApi(client)
            creating = asyncio.ensure_future(api.create_credential({"credential": {"member_id": 56}}))
            await asyncio.sleep(0.1)
            config.connection_pool_maxsize = 20
            got = await asyncio.gather(creating, *(api.get_credential(56) for _ in range(5)))
            assert [r.credential.id for r in got] == [56] * 6

    asyncio.run(run())
    assert sum(r.method == "POST" for r in server.requests) == 1


def test_a_per_call_content_length_never_doubles_the_framing(server: ScriptedServer, api: Any) -> None:
    api.redeem_credential(56, _headers={"content-length": "5"})
    assert [v for k, v in server.last.headers.items() if k.lower() == "content-length"] == ["0"]


def test_the_user_agent_reads_back_whatever_its_case(api: Any) -> None:
    api.api_client.set_default_header("user-agent", "MyApp/1")
    assert api.api_client.user_agent == "MyApp/1"


def _plan(endpoint: Any, args: Any, now: List[float], **settings: Any) -> Any:
    config = sparkfly_client.Configuration(host="http://sparkfly.test", api_key={"X-Auth-Token": "tok"}, **settings)
    request = RequestBuilder(config).build(Call(endpoint, args, {}))
    clock = Clock(monotonic=lambda: now[0], wall=lambda: 0.0, random=lambda low, high: high)
    return request, clock


def test_a_deadline_given_from_outside_is_reported_without_a_type_error() -> None:
    now = [100.0]
    request, clock = _plan(GET_CREDENTIAL, {"credential_id": 56}, now, deadline=None)
    plan = plan_call(request, preload=True, max_body=1, max_retry_wait=60, auth=None, clock=clock, deadline_at=99.0)
    with pytest.raises(ApiTimeoutError, match="deadline"):
        next(plan)


def test_a_request_that_got_a_response_counts_as_sent_even_if_a_later_attempt_was_refused() -> None:
    now = [0.0]
    request, clock = _plan(UPDATE_CREDENTIAL, {"credential_id": 56}, now, retries=1)
    plan = plan_call(request, preload=True, max_body=1, max_retry_wait=60, auth=None, clock=clock)
    next(plan)
    plan.send(Response(502, "Bad Gateway", {}, b"", None))  # a gateway answered: upstream may have acted
    plan.send(None)
    with pytest.raises(ApiConnectionError) as caught:
        plan.send(ApiConnectionError("refused", request_sent=False))
    assert caught.value.request_sent is True and caught.value.attempts == 2


def test_help_and_inspect_show_the_declared_parameters_and_the_real_return() -> None:
    import inspect

    api = sparkfly_client.CredentialsApi(sparkfly_client.ApiClient(sparkfly_client.Configuration()))
    signature = inspect.signature(api.get_credential)
    assert list(signature.parameters)[0] == "credential_id" and signature.bind(56)
    assert "_deadline" in signature.parameters and "options" not in signature.parameters
    assert signature.return_annotation == "CredentialResponse"
    assert inspect.signature(api.get_credential_with_http_info).return_annotation == "ApiResponse[CredentialResponse]"
    assert (
        inspect.signature(api.void_credential_without_preload_content).return_annotation == "urllib3.BaseHTTPResponse"
    )
    assert "credential_id" in str(inspect.signature(sparkfly_client.CredentialsApi.get_credential))
