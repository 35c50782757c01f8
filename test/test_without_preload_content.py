"""Every ``*_without_preload_content`` variant, over real HTTP against the sandbox: the unread answer, read raw."""

from __future__ import annotations

import json
from typing import Any, Dict

import pytest
import urllib3

import sparkfly_client
from sparkfly_client.sandbox import Sandbox

CREATE = {"credential": {"member_id": 56, "offer_id": 56, "channel_id": 56}}

# operation: (call on the APIs, method and path the sandbox must see, status, what the body must say)
CASES: Dict[str, Any] = {
    "create_credential": (
        lambda api, _: api.create_credential_without_preload_content(CREATE),
        ("POST", "/v1.0/credentials"),
        201,
        lambda body: body["credential"]["member_id"] == 56 and body["credential"]["identifier"],
    ),
    "delete_credential": (
        lambda api, _: api.delete_credential_without_preload_content(56),
        ("DELETE", "/v1.0/credentials/56"),
        200,
        lambda body: body["credential"]["id"] == 56,
    ),
    "get_credential": (
        lambda api, _: api.get_credential_without_preload_content(56),
        ("GET", "/v1.0/credentials/56"),
        200,
        lambda body: body["credential"]["identifier"] == "5600",
    ),
    "get_credentials": (
        lambda api, _: api.get_credentials_without_preload_content(member_id=56, per_page=5),
        ("GET", "/v1.0/credentials"),
        200,
        lambda body: body["per_page"] == 5 and [c["credential"]["id"] for c in body["credentials"]] == [56],
    ),
    "get_offer_eligibility_for_member": (
        lambda api, _: api.get_offer_eligibility_for_member_without_preload_content(56, 58),
        ("GET", "/v1.0/credentials/eligible"),
        200,
        lambda body: body["is_eligible"] is False,
    ),
    "redeem_credential": (
        lambda api, _: api.redeem_credential_without_preload_content(56),
        ("PUT", "/v1.0/credentials/56/redeem"),
        201,
        lambda body: body["credential"]["status"] == "redeemed",
    ),
    "update_credential": (
        lambda api, _: api.update_credential_without_preload_content(56, {"credential": {"store_id": 57}}),
        ("PUT", "/v1.0/credentials/56"),
        201,
        lambda body: body["credential"]["store_id"] == 57,
    ),
    "void_credential": (
        lambda api, _: api.void_credential_without_preload_content(56),
        ("PUT", "/v1.0/credentials/56/void"),
        201,
        lambda body: body["credential"]["status"] == "voided",
    ),
    "upsert_credential": (
        lambda _, customer_api: customer_api.upsert_credential_without_preload_content(
            "cus_crd_raw",
            sparkfly_client.CustomerCredentialInput(username="jane", password="pw-raw-1", customer_id="cus_1"),
        ),
        ("PUT", "/credentials/cus_crd_raw"),
        201,
        lambda body: body["username"] == "jane" and "password" not in body,
    ),
}


@pytest.mark.parametrize("operation", sorted(CASES))
def test_the_raw_answer_is_unread_until_the_caller_reads_it(
    operation: str, sparkfly_sandbox: Sandbox, sparkfly_api_client: sparkfly_client.ApiClient
) -> None:
    call, (method, path), status, says = CASES[operation]
    api = sparkfly_client.CredentialsApi(sparkfly_api_client)
    customer_api = sparkfly_client.CustomerCredentialsApi(sparkfly_api_client)

    raw = call(api, customer_api)

    assert isinstance(raw, urllib3.BaseHTTPResponse)
    assert raw.status == status
    assert raw.headers["Content-Type"].startswith("application/")
    assert raw.tell() == 0  # nothing of the body read yet
    body = raw.read()
    assert isinstance(body, bytes) and body
    assert says(json.loads(body)), body
    raw.release_conn()
    (served,) = [r for r in sparkfly_sandbox.requests if r.path == path]
    assert (served.method, served.status) == (method, status)
    # The connection went back to the pool: the next call works on it.
    assert api.get_credentials().total_entries is not None
