"""One rate limit per client, over real HTTP: a sandbox limited to 20 requests a second, 8 threads on one ApiClient
and 64 tasks on one AsyncApiClient making 400 calls each: every call succeeds, fewer than 2 % get a 429, and no
window serves more than the limit. Then the client's own limits, the deadline, and a fork."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from email.utils import formatdate
from typing import Any, Dict, Iterator, List

import pytest
from drivers import HAVE_AIOHTTP, Driver
from scripted_server import Recorded, Reply, ScriptedServer

import sparkfly_client
from sparkfly_client.sandbox import Sandbox

LIMIT, CALLS = 20, 400


@pytest.fixture
def limited() -> Iterator[Sandbox]:
    with Sandbox(rate_limit=LIMIT, rate_window=1.0) as sandbox:
        yield sandbox


def assert_kept_to_the_limit(sandbox: Sandbox) -> None:
    windows = sandbox.rate_windows()
    served = sum(window.served for window in windows)
    refused = sum(window.refused for window in windows)
    assert served == CALLS, windows
    assert refused < CALLS * 0.02, windows
    assert max(window.served for window in windows) <= LIMIT


@pytest.mark.timeout(120)
def test_eight_threads_on_one_client_keep_to_the_server_s_limit(limited: Sandbox) -> None:
    failures: List[BaseException] = []
    with limited.api_client() as client:
        api = sparkfly_client.CredentialsApi(client)

        def work() -> None:
            for _ in range(CALLS // 8):
                try:
                    api.get_credential(56)
                except BaseException as exc:  # every call must succeed: keep what did not
                    failures.append(exc)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []
    assert_kept_to_the_limit(limited)


@pytest.mark.timeout(120)
@pytest.mark.skipif(not HAVE_AIOHTTP, reason='needs the "async" extra')
def test_sixty_four_tasks_on_one_async_client_keep_to_the_server_s_limit(limited: Sandbox) -> None:
    async def main() -> List[BaseException]:
        async with limited.async_api_client() as client:
            api = sparkfly_client.AsyncCredentialsApi(client)
            calls = iter(range(CALLS))

            async def work() -> None:
                for _ in calls:  # the tasks share the 400 calls
                    await api.get_credential(56)

            results = await asyncio.gather(*(work() for _ in range(64)), return_exceptions=True)
            return [result for result in results if isinstance(result, BaseException)]

    assert asyncio.run(main()) == []
    assert_kept_to_the_limit(limited)


@contextlib.contextmanager
def held_for_thirty_seconds(server: ScriptedServer) -> Iterator[sparkfly_client.CredentialsApi]:
    """An API whose client got a 429 asking it to wait 30 s (retries off, so the call that got it raised it)."""
    server.push(Reply(429, {"error": "Rate Limit Exceeded"}, headers={"Retry-After": "30"}))
    config = sparkfly_client.Configuration(host=server.url, retries=0, api_key={"X-Auth-Token": "tok"})
    with sparkfly_client.ApiClient(config) as client:
        api = sparkfly_client.CredentialsApi(client)
        with pytest.raises(sparkfly_client.TooManyRequestsException):
            api.get_credential(56)
        yield api


def test_a_call_that_would_wait_past_its_deadline_is_refused_at_once_unsent(server: ScriptedServer) -> None:
    with held_for_thirty_seconds(server) as api:
        started = time.monotonic()
        with pytest.raises(sparkfly_client.TooManyRequestsException) as caught:
            api.get_credential(56, _deadline=5.0)
        assert time.monotonic() - started < 0.5 and 28 <= caught.value.retry_after <= 30
        assert "resets in" in str(caught.value)
    assert len(server.requests) == 1  # the second call sent nothing


def test_a_429_to_a_create_is_sent_again_since_the_server_did_not_act_on_it(limited: Sandbox) -> None:
    limited.inject(429, headers={"Retry-After": "1"}, method="POST")
    with limited.api_client() as client:
        request = sparkfly_client.CredentialInputRequest(
            credential=sparkfly_client.CredentialInput(member_id=56, offer_id=56, channel_id=56)
        )
        created = sparkfly_client.CredentialsApi(client).create_credential(request)
    assert created.credential.id == 1001
    assert [(r.method, r.status) for r in limited.requests] == [("POST", 429), ("POST", 201)]


def test_max_concurrency_holds_the_client_s_requests_in_flight(sparkfly_sandbox: Sandbox) -> None:
    sparkfly_sandbox.inject(delay=0.3, times=6)
    with sparkfly_sandbox.api_client(max_concurrency=2) as client:
        api = sparkfly_client.CredentialsApi(client)
        api.get_credential(56)  # the first answer: afterwards the calls go together, two at a time
        started = time.monotonic()
        threads = [threading.Thread(target=api.get_credential, args=(56,)) for _ in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert time.monotonic() - started >= 0.85  # 5 calls of 0.3 s, two at a time: three rounds


def test_max_requests_per_second_paces_the_client(sparkfly_sandbox: Sandbox) -> None:
    with sparkfly_sandbox.api_client(max_requests_per_second=10) as client:
        api = sparkfly_client.CredentialsApi(client)
        started = time.monotonic()
        for _ in range(6):
            api.get_credential(56)
        assert time.monotonic() - started >= 0.45


def test_a_bad_limit_of_the_client_s_own_is_refused_before_sending(sparkfly_sandbox: Sandbox) -> None:
    with (
        sparkfly_sandbox.api_client(max_concurrency=0) as client,
        pytest.raises(sparkfly_client.ApiValueError, match="max_concurrency"),
    ):
        sparkfly_client.CredentialsApi(client).get_credential(56)
    assert sparkfly_sandbox.requests == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_starts_with_a_fresh_view(server: ScriptedServer) -> None:
    with held_for_thirty_seconds(server) as api:  # the parent is held
        reading, writing = os.pipe()
        child = os.fork()
        if child == 0:  # the child: its calls go at once
            try:
                api.get_credential(56, _deadline=5.0)
                os.write(writing, b"ok")
            except BaseException as exc:
                os.write(writing, type(exc).__name__.encode())
            finally:
                os._exit(0)
        os.close(writing)
        os.waitpid(child, 0)
        said = os.read(reading, 100)
        os.close(reading)
        assert said == b"ok"
        with pytest.raises(sparkfly_client.TooManyRequestsException):
            api.get_credential(56, _deadline=5.0)  # the parent still is


@pytest.mark.timeout(60)
@pytest.mark.skipif(not HAVE_AIOHTTP, reason='needs the "async" extra')
def test_a_cold_client_signing_in_through_auth_still_sends_one_request_first() -> None:
    """The /auth answer says nothing of the limit: the cold burst waits for the first API answer all the same."""
    with Sandbox(rate_limit=LIMIT, rate_window=1.0) as sandbox:
        sandbox.inject(delay=0.2, method="GET", path="/v1.0/credentials/56", times=1000)  # a distant server
        config = sparkfly_client.Configuration(host=sandbox.url, auth_identity=sandbox.identity, auth_key=sandbox.key)

        async def main() -> List[BaseException]:
            async with sparkfly_client.AsyncApiClient(config) as client:
                api = sparkfly_client.AsyncCredentialsApi(client)
                results = await asyncio.gather(*(api.get_credential(56) for _ in range(64)), return_exceptions=True)
                return [result for result in results if isinstance(result, BaseException)]

        assert asyncio.run(main()) == []
        windows = sandbox.rate_windows()
    assert sum(window.refused for window in windows) < 2 and max(window.served for window in windows) <= LIMIT


def announcing(seconds_left: float, remaining: int) -> Dict[str, str]:
    return {
        "Rate-Limit-Limit": "100",
        "Rate-Limit-Remaining": str(remaining),
        "Rate-Limit-Reset": formatdate(time.time() + seconds_left, usegmt=True),
    }


def test_a_settling_read_the_rate_limit_holds_back_leaves_the_outcome_unknown(
    server: ScriptedServer, driver: Driver
) -> None:
    """A create whose answer was lost is never reported as unsent because its settling read could not go."""

    def respond(seen: Recorded) -> Reply:
        if seen.method == "POST":
            return Reply(fault="drop")
        return Reply(200, {"credential": {"id": 1}}, headers=announcing(30.0, 1))

    server.responder = respond
    config = sparkfly_client.Configuration(host=server.url, api_key={"X-Auth-Token": "tok"}, settle_outcomes=True)
    with driver.client(config) as client:
        api = driver.credentials(client)
        api.get_credential(1)  # one request left in a window that ends in 30 s
        request = {"credential": {"member_id": 56, "channel_id": 56, "identifier": "POS-1"}}
        with pytest.raises(sparkfly_client.OutcomeUnknownError) as caught:
            api.create_credential(request, _deadline=5.0)
    assert caught.value.request_sent is True and "429" in caught.value.settle_error
    assert [r.method for r in server.requests] == ["GET", "POST"]


def test_no_place_under_the_limit_is_lost_whatever_ends_a_call(server: ScriptedServer, driver: Driver) -> None:
    """A resend admitted and then out of time, calls cut short: every admitted request's place comes back."""
    seen_creates: List[str] = []

    def respond(seen: Recorded) -> Reply:
        if seen.method == "POST":
            seen_creates.append(seen.json()["credential"]["identifier"])
            if seen_creates.count(seen_creates[-1]) == 1:
                return Reply(fault="drop")  # the create's answer is lost
            return Reply(429, {"error": "slow down"}, headers={"Retry-After": "0.5"})  # the resend meets a 429
        if seen.path == "/v1.0/credentials":
            return Reply(200, {"credentials": []})  # the search: it did not happen
        return Reply(200, {"credential": {"id": 1}})

    server.responder = respond
    config = sparkfly_client.Configuration(
        host=server.url, api_key={"X-Auth-Token": "tok"}, settle_outcomes=True, max_concurrency=2
    )
    with driver.client(config, sleep=oversleep(driver)) as client:
        api = driver.credentials(client)
        for n in range(2):
            request = {"credential": {"member_id": 56, "channel_id": 56, "identifier": f"POS-{n}"}}
            with pytest.raises(sparkfly_client.OutcomeUnknownError):
                api.create_credential(request, _deadline=1.0)
            assert client._rate_limit().in_flight == {}
        assert api.get_credential(1, _deadline=5.0).credential.id == 1


def oversleep(driver: Driver) -> Any:
    """A sleep returning 0.6 s late, as on a loaded machine: the retry's wait runs past the call's deadline."""
    if driver.name == "sync":
        return lambda seconds: time.sleep(seconds + 0.6)

    async def late(seconds: float) -> None:
        await asyncio.sleep(seconds + 0.6)

    return late
