"""The ``lose_answer`` fault: the request is handled in full, then the connection closes with no answer."""

from __future__ import annotations

import http.client
import json
import threading
import time
from typing import Any, Dict, List, Optional
from urllib.parse import urlsplit

import pytest
import urllib3

import sparkfly_client
from sparkfly_client.sandbox import Fault, Sandbox
from sparkfly_client.sandbox.server import RecordedRequest

CREATE = {"credential": {"member_id": 56, "offer_id": 56, "channel_id": 56}}


def exchange(
    sandbox: Sandbox, method: str, path: str, body: Any = None, headers: Optional[Dict[str, str]] = None
) -> http.client.HTTPResponse:
    """One request on a fresh http.client connection: nothing between the test and the wire."""
    address = urlsplit(sandbox.url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=10)
    encoded = None if body is None else json.dumps(body).encode()
    connection.request(method, path, body=encoded, headers={"X-Auth-Token": sandbox.token, **(headers or {})})
    return connection.getresponse()


def test_a_create_whose_answer_is_lost_still_creates(sparkfly_sandbox: Sandbox) -> None:
    sparkfly_sandbox.inject(lose_answer=True, method="POST", path="/v1.0/credentials")
    with pytest.raises(http.client.RemoteDisconnected):
        exchange(sparkfly_sandbox, "POST", "/v1.0/credentials", CREATE)
    assert sparkfly_sandbox.requests == [RecordedRequest("POST", "/v1.0/credentials", {}, 201, answered=False)]
    created = exchange(sparkfly_sandbox, "GET", "/v1.0/credentials/1001")
    assert created.status == 200 and json.loads(created.read())["credential"]["member_id"] == 56


def test_a_redeem_whose_answer_is_lost_has_redeemed(sparkfly_sandbox: Sandbox) -> None:
    sparkfly_sandbox.inject(lose_answer=True, method="PUT", path="*/redeem")
    with pytest.raises(urllib3.exceptions.ProtocolError):
        urllib3.request(
            "PUT",
            sparkfly_sandbox.url + "/v1.0/credentials/56/redeem",
            headers={"X-Auth-Token": sparkfly_sandbox.token},
            retries=False,
        )
    again = exchange(sparkfly_sandbox, "PUT", "/v1.0/credentials/56/redeem")
    assert again.status == 400 and json.loads(again.read())["error"] == "Credential has already been redeemed"
    assert [(r.status, r.answered) for r in sparkfly_sandbox.requests] == [(201, False), (400, True)]


def test_a_refusal_can_be_lost_too(sparkfly_sandbox: Sandbox) -> None:
    """What is lost is whatever the sandbox answered, here a 404."""
    sparkfly_sandbox.inject(lose_answer=True)
    with pytest.raises(http.client.RemoteDisconnected):
        exchange(sparkfly_sandbox, "GET", "/v1.0/credentials/999")
    assert [(r.status, r.answered) for r in sparkfly_sandbox.requests] == [(404, False)]


def test_the_sdk_reports_a_sent_request_that_got_no_answer(
    sparkfly_sandbox: Sandbox, sparkfly_api_client: sparkfly_client.ApiClient
) -> None:
    api = sparkfly_client.CredentialsApi(sparkfly_api_client)
    sparkfly_sandbox.inject(lose_answer=True, method="POST")
    with pytest.raises(sparkfly_client.ApiTransportError) as caught:
        api.create_credential(CREATE)
    assert caught.value.request_sent is True and caught.value.attempts == 1  # a create is never sent twice
    (recorded,) = sparkfly_sandbox.requests
    assert (recorded.status, recorded.answered) == (201, False)
    found = api.get_credentials(member_id=56, offer_id=56).credentials or []
    assert [c.credential.id for c in found if c.credential] == [56, 1001]  # the lost create's credential exists


@pytest.mark.asyncio
async def test_the_async_sdk_reports_it_alike(sparkfly_sandbox: Sandbox) -> None:
    pytest.importorskip("aiohttp")
    sparkfly_sandbox.inject(lose_answer=True, method="POST")
    async with sparkfly_sandbox.async_api_client() as client:
        with pytest.raises(sparkfly_client.ApiTransportError) as caught:
            await sparkfly_client.AsyncCredentialsApi(client).create_credential(CREATE)
    assert caught.value.request_sent is True and caught.value.attempts == 1
    assert [(r.status, r.answered) for r in sparkfly_sandbox.requests] == [(201, False)]
    assert sparkfly_sandbox.state.get_credential(1001)["member_id"] == 56


def test_matching_and_times(sparkfly_sandbox: Sandbox) -> None:
    sparkfly_sandbox.inject(lose_answer=True, method="GET", path="/v1.0/credentials/*", times=2)
    assert exchange(sparkfly_sandbox, "PUT", "/v1.0/credentials/56/void").status == 201  # not matched
    for _ in range(2):
        with pytest.raises(http.client.RemoteDisconnected):
            exchange(sparkfly_sandbox, "GET", "/v1.0/credentials/56")
    assert exchange(sparkfly_sandbox, "GET", "/v1.0/credentials/56").status == 200  # used up
    assert [r.answered for r in sparkfly_sandbox.requests] == [True, False, False, True]
    assert sparkfly_sandbox.faults.pending() == []


def test_a_delay_stalls_after_handling(sparkfly_sandbox: Sandbox) -> None:
    sparkfly_sandbox.inject(lose_answer=True, delay=1.0, method="POST")
    outcome: List[BaseException] = []

    def call() -> None:
        try:
            exchange(sparkfly_sandbox, "POST", "/v1.0/credentials", CREATE)
        except BaseException as exc:
            outcome.append(exc)

    started = time.monotonic()
    caller = threading.Thread(target=call)
    caller.start()
    while time.monotonic() - started < 5:
        try:
            sparkfly_sandbox.state.get_credential(1001)
            break
        except Exception:
            time.sleep(0.01)
    seen_after = time.monotonic() - started
    still_waiting = caller.is_alive()
    caller.join()
    took = time.monotonic() - started
    assert seen_after < 0.9 and still_waiting  # created while the caller still waited for its answer
    assert took >= 1.0 and isinstance(outcome[0], http.client.RemoteDisconnected)


def test_drop_is_recorded_as_unanswered_with_status_0(sparkfly_sandbox: Sandbox) -> None:
    sparkfly_sandbox.inject(drop=True)
    with pytest.raises(http.client.RemoteDisconnected):
        exchange(sparkfly_sandbox, "POST", "/v1.0/credentials", CREATE)
    assert [(r.status, r.answered) for r in sparkfly_sandbox.requests] == [(0, False)]
    assert exchange(sparkfly_sandbox, "GET", "/v1.0/credentials/1001").status == 404  # never handled


@pytest.mark.parametrize(
    "settings", [{"status": 503}, {"status": 200, "body": {}}, {"drop": True}, {"lose_answer": "yes"}]
)
def test_what_cannot_be_combined_is_refused(sparkfly_sandbox: Sandbox, settings: Dict[str, Any]) -> None:
    fault = {"lose_answer": True, **settings}
    with pytest.raises(ValueError, match="lose_answer"):
        sparkfly_sandbox.inject(**fault)
    answer = urllib3.request("POST", sparkfly_sandbox.url + "/__sandbox/faults", body=json.dumps(fault))
    assert answer.status == 400 and "lose_answer" in answer.json()["message"]
    assert sparkfly_sandbox.faults.pending() == []


def test_over_http_a_lost_answer_is_queued_and_listed(sparkfly_sandbox: Sandbox) -> None:
    fault = {"lose_answer": True, "delay": 0.1, "method": "put", "path": "*/void", "times": 2}
    added = urllib3.request("POST", sparkfly_sandbox.url + "/__sandbox/faults", body=json.dumps(fault))
    assert added.status == 201 and added.json()["lose_answer"] is True and added.json()["method"] == "PUT"
    listed = urllib3.request("GET", sparkfly_sandbox.url + "/__sandbox/faults").json()
    assert [Fault.from_dict(f) for f in listed] == [
        Fault(delay=0.1, times=2, method="PUT", path="*/void", lose_answer=True)
    ]
    with pytest.raises(http.client.RemoteDisconnected):
        exchange(sparkfly_sandbox, "PUT", "/v1.0/credentials/56/void")
    assert exchange(sparkfly_sandbox, "GET", "/v1.0/credentials/56").status == 200
    assert sparkfly_sandbox.state.get_credential(56)["status"] == "voided"
