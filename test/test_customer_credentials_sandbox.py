"""The upsert round trip against the sandbox (runs once the sandbox is in the checkout)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterator

import pytest

import sparkfly_client
from sparkfly_client import (
    CustomerCredentialInput,
    CustomerCredentialsApi,
    TooManyRequestsException,
    UnauthorizedException,
    UnprocessableEntityException,
    ValidationProblem,
)

sandbox_server = pytest.importorskip("sparkfly_client.sandbox.server")

CRED_ID = "cus_crd_0YV9Y706QGCB39FQD380G1ZHZH"
CUSTOMER_ID = "cus_0YV9Y706QGCB39FQD380G1ZHZH"


@pytest.fixture
def sandbox() -> Iterator[Any]:
    with sandbox_server.Sandbox() as running:
        yield running


def upsert_api(sandbox: Any, **credentials: Any) -> CustomerCredentialsApi:
    configuration = sparkfly_client.Configuration(host=sandbox.url, retries=0, **credentials)
    return CustomerCredentialsApi(sparkfly_client.ApiClient(configuration))


def credential_input(**overrides: Any) -> CustomerCredentialInput:
    fields = {
        "username": "jane.doe@example.com",
        "password": "correct-horse-battery-staple",
        "customer_id": CUSTOMER_ID,
        **overrides,
    }
    return CustomerCredentialInput(**fields)


def test_create_then_replace_with_either_scheme(sandbox: Any) -> None:
    by_key = upsert_api(sandbox, api_key={"SecretApiKey": sandbox.secret_key})
    by_jwt = upsert_api(sandbox, access_token=sandbox.jwt)
    expires = datetime(2030, 1, 31, 12, tzinfo=timezone.utc)
    created = by_key.upsert_credential_with_http_info(CRED_ID, credential_input(expired_time=expires))
    replaced = by_jwt.upsert_credential_with_http_info(CRED_ID, credential_input(username="jane.d"))
    assert (created.status_code, replaced.status_code) == (201, 200)
    assert created.data.id == CRED_ID and created.data.customer_id == CUSTOMER_ID
    assert created.data.expired_time == expires
    assert replaced.data.username == "jane.d"
    assert {link.rel for link in replaced.data.links or []} == {"self", "customer"}
    assert "password" not in replaced.raw_data.decode()


def test_a_wrong_key_is_a_401_problem(sandbox: Any) -> None:
    with pytest.raises(UnauthorizedException) as caught:
        upsert_api(sandbox, api_key={"SecretApiKey": "not-the-key"}).upsert_credential(CRED_ID, credential_input())
    assert caught.value.problem is not None and caught.value.problem.status == 401
    assert "not-the-key" not in str(caught.value)


def test_an_id_the_server_refuses_is_a_422_validation_problem(sandbox: Any) -> None:
    with pytest.raises(UnprocessableEntityException) as caught:
        upsert_api(sandbox, access_token=sandbox.jwt).upsert_credential("a/b ü", credential_input())
    problem = caught.value.problem
    assert isinstance(problem, ValidationProblem) and problem.invalid_fields
    assert problem.invalid_fields[0].field == "id"


def test_a_rate_limit_says_when_to_retry(sandbox: Any) -> None:
    sandbox.inject(429, headers={"Retry-After": "120"}, path="/credentials/*")
    with pytest.raises(TooManyRequestsException) as caught:
        upsert_api(sandbox, access_token=sandbox.jwt).upsert_credential(CRED_ID, credential_input())
    assert caught.value.retry_after == 120
