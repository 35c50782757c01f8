"""Settling a lost answer, over real HTTP against the sandbox, on both drivers: the sandbox handles a create or a
redeem in full and then loses its answer (``lose_answer``), or drops the connection before handling it (``drop``),
and the client finds out from the server what happened, never doing it twice."""

from __future__ import annotations

import time
from typing import Any, Iterator, List, Tuple

import pytest
from drivers import Driver

import sparkfly_client
from sparkfly_client import OutcomeUnknownError
from sparkfly_client.sandbox import Sandbox

CREATE_PATH = "/v1.0/credentials"


def create_request(identifier: Any = "POS-7781", **fields: Any) -> sparkfly_client.CredentialInputRequest:
    credential = {"member_id": 56, "offer_id": 56, "channel_id": 56, **fields}
    if identifier is not None:
        credential["identifier"] = identifier
    return sparkfly_client.CredentialInputRequest(credential=sparkfly_client.CredentialInput(**credential))


@pytest.fixture
def settling(sparkfly_sandbox: Sandbox, driver: Driver) -> Iterator[Tuple[Sandbox, Any]]:
    """The sandbox and a CredentialsApi with settling on (retries as configured by default)."""
    with driver.client(sparkfly_sandbox.configuration(settle_outcomes=True)) as client:
        yield sparkfly_sandbox, driver.credentials(client)


def served(sandbox: Sandbox) -> List[Tuple[str, str, int, bool]]:
    return [(r.method, r.path, r.status, r.answered) for r in sandbox.requests]


def credentials_with(sandbox: Sandbox, identifier: str) -> List[Any]:
    with sandbox.api_client() as client:
        found = sparkfly_client.CredentialsApi(client).get_credentials(identifier=identifier).credentials or []
    return [item.credential for item in found]


def test_a_lost_create_with_an_identifier_is_found(settling: Tuple[Sandbox, Any]) -> None:
    sandbox, api = settling
    sandbox.inject(lose_answer=True, method="POST", path=CREATE_PATH)
    response = api.create_credential_with_http_info(create_request())
    assert response.settled == "found" and "settled='found'" in repr(response)
    assert response.status_code == 200 and response.data.credential.identifier == "POS-7781"
    (credential,) = credentials_with(sandbox, "POS-7781")  # one credential: the create was not sent again
    assert response.data.credential.id == credential.id
    assert served(sandbox)[:2] == [("POST", CREATE_PATH, 201, False), ("GET", CREATE_PATH, 200, True)]


def test_a_dropped_create_with_an_identifier_is_resent_once(settling: Tuple[Sandbox, Any]) -> None:
    sandbox, api = settling
    sandbox.inject(drop=True, method="POST", path=CREATE_PATH)  # closed before it was handled: nothing happened
    response = api.create_credential_with_http_info(create_request())
    assert response.settled == "resent" and response.status_code == 201
    assert len(credentials_with(sandbox, "POS-7781")) == 1
    assert served(sandbox)[:3] == [
        ("POST", CREATE_PATH, 0, False),
        ("GET", CREATE_PATH, 200, True),  # the search showed it had not happened
        ("POST", CREATE_PATH, 201, True),
    ]


def test_a_lost_create_without_an_identifier_is_unknown_and_not_resent(settling: Tuple[Sandbox, Any]) -> None:
    sandbox, api = settling
    sandbox.inject(lose_answer=True, method="POST", path=CREATE_PATH)
    with pytest.raises(OutcomeUnknownError) as caught:
        api.create_credential(create_request(identifier=None))
    error = caught.value
    assert isinstance(error, sparkfly_client.ApiTransportError) and error.request_sent is True
    assert error.settle_error == "no identifier" and error.method == "POST" and error.url.endswith(CREATE_PATH)
    assert "identifier" in str(error) and str(error).count(". ") == 0  # one sentence
    assert isinstance(error.__cause__, sparkfly_client.ApiTransportError)  # what lost the answer
    assert served(sandbox) == [("POST", CREATE_PATH, 201, False)]  # no read, no resend: one credential exists


def test_a_lost_redeem_is_found_redeemed_once(settling: Tuple[Sandbox, Any]) -> None:
    sandbox, api = settling
    sandbox.inject(lose_answer=True, method="PUT", path="*/redeem")
    response = api.redeem_credential_with_http_info(56)
    assert response.settled == "found" and response.data.credential.redeemed_at is not None
    assert served(sandbox) == [
        ("PUT", "/v1.0/credentials/56/redeem", 201, False),
        ("GET", "/v1.0/credentials/56", 200, True),
    ]


def test_a_dropped_redeem_is_resent_and_redeemed_once(settling: Tuple[Sandbox, Any]) -> None:
    sandbox, api = settling
    sandbox.inject(drop=True, method="PUT", path="*/redeem")
    redeemed = api.redeem_credential(56)
    assert redeemed.credential.redeemed_at is not None
    redeems = [r for r in sandbox.requests if r.path.endswith("/redeem")]
    assert [(r.status, r.answered) for r in redeems] == [(0, False), (201, True)]


def test_a_lost_redeem_of_a_reusable_credential_is_unknown(settling: Tuple[Sandbox, Any]) -> None:
    sandbox, api = settling
    reusable = api.create_credential(create_request(identifier="REUSE-1", reusable=True)).credential
    sandbox.inject(lose_answer=True, method="PUT", path="*/redeem")
    with pytest.raises(OutcomeUnknownError) as caught:
        api.redeem_credential(reusable.id)
    assert caught.value.settle_error == "reusable credential" and "reusable" in str(caught.value)
    redeems = [r for r in sandbox.requests if r.path.endswith("/redeem")]
    assert len(redeems) == 1  # one redemption: never sent again


def test_a_lost_redeem_of_a_voided_credential_gets_the_refusal_such_a_redeem_gets(
    settling: Tuple[Sandbox, Any],
) -> None:
    sandbox, api = settling
    api.void_credential(56)
    sandbox.inject(drop=True, method="PUT", path="*/redeem")
    with pytest.raises(sparkfly_client.BadRequestException, match="voided"):
        api.redeem_credential(56)


def test_a_lost_delete_is_done(settling: Tuple[Sandbox, Any]) -> None:
    sandbox, api = settling
    sandbox.inject(lose_answer=True, method="DELETE")
    response = api.delete_credential_with_http_info(56)
    assert response.settled == "found" and response.status_code == 404
    assert response.data.credential.id == 56
    assert [(r.method, r.status, r.answered) for r in sandbox.requests] == [
        ("DELETE", 200, False),
        ("DELETE", 404, True),
    ]


def test_a_settling_read_stalling_past_the_deadline_is_unknown_within_it(settling: Tuple[Sandbox, Any]) -> None:
    sandbox, api = settling
    sandbox.inject(lose_answer=True, method="POST", path=CREATE_PATH)
    sandbox.inject(delay=5.0, method="GET", path=CREATE_PATH, times=5)
    started = time.monotonic()
    with pytest.raises(OutcomeUnknownError) as caught:
        api.create_credential(create_request(), _deadline=1.5)
    elapsed = time.monotonic() - started
    assert caught.value.settle_error == "deadline"
    assert elapsed < 1.5 + 0.5


def test_with_settling_off_a_lost_answer_raises_as_before_and_nothing_more_is_sent(
    sparkfly_sandbox: Sandbox, driver: Driver
) -> None:
    sparkfly_sandbox.inject(lose_answer=True, method="POST", path=CREATE_PATH)
    with (
        driver.client(sparkfly_sandbox.configuration()) as client,
        pytest.raises(sparkfly_client.ApiConnectionError) as caught,
    ):
        driver.credentials(client).create_credential(create_request())
    assert not isinstance(caught.value, OutcomeUnknownError) and caught.value.request_sent is True
    assert served(sparkfly_sandbox) == [("POST", CREATE_PATH, 201, False)]


def test_settling_per_call_wins_over_the_configuration(sparkfly_sandbox: Sandbox, driver: Driver) -> None:
    sparkfly_sandbox.inject(lose_answer=True, method="POST", path=CREATE_PATH)
    with driver.client(sparkfly_sandbox.configuration()) as client:
        created = driver.credentials(client).create_credential(create_request(), _settle=True)
    assert created.credential.identifier == "POS-7781"
    with driver.client(sparkfly_sandbox.configuration(settle_outcomes=True)) as client:
        sparkfly_sandbox.inject(lose_answer=True, method="POST", path=CREATE_PATH)
        with pytest.raises(sparkfly_client.ApiConnectionError):
            driver.credentials(client).create_credential(create_request("POS-2"), _settle=False)


def test_a_502_from_a_gateway_is_settled(settling: Tuple[Sandbox, Any]) -> None:
    sandbox, api = settling
    sandbox.inject(502, method="POST", path=CREATE_PATH)
    response = api.create_credential_with_http_info(create_request())
    assert response.settled == "resent" and response.status_code == 201
    assert [r.method for r in sandbox.requests] == ["POST", "GET", "POST"]


@pytest.mark.parametrize(("status", "error"), [(400, "BadRequestException"), (500, "ServiceException")])
def test_a_definite_answer_is_not_settled(settling: Tuple[Sandbox, Any], status: int, error: str) -> None:
    sandbox, api = settling
    sandbox.inject(status, method="POST", path=CREATE_PATH)
    with pytest.raises(getattr(sparkfly_client, error)):
        api.create_credential(create_request())
    assert [r.method for r in sandbox.requests] == ["POST"]


def test_an_unread_response_is_not_settled(settling: Tuple[Sandbox, Any]) -> None:
    sandbox, api = settling
    sandbox.inject(lose_answer=True, method="POST", path=CREATE_PATH)
    with pytest.raises(sparkfly_client.ApiConnectionError):
        api.create_credential_without_preload_content(create_request())
    assert [r.method for r in sandbox.requests] == ["POST"]


def test_a_bad_settle_option_is_refused_before_sending(settling: Tuple[Sandbox, Any]) -> None:
    sandbox, api = settling
    with pytest.raises(sparkfly_client.ApiTypeError, match="_settle"):
        api.create_credential(create_request(), _settle="yes")
    assert sandbox.requests == []
