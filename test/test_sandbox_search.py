"""The sandbox's search, full credential, POST /auth, locks and reissued codes, driven by the client over HTTP."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

import pytest
import urllib3

import sparkfly_client
from sparkfly_client import CredentialsApi, UnprocessableEntityException
from sparkfly_client.models import Credential
from sparkfly_client.sandbox import Sandbox
from sparkfly_client.sandbox.search import MAX_PER_PAGE

LOCKED = "This credential is currently locked for processing. Please try again later."


@pytest.fixture
def api(sparkfly_api_client: sparkfly_client.ApiClient) -> CredentialsApi:
    return CredentialsApi(sparkfly_api_client)


def raw(sandbox: Sandbox, method: str, path: str, body: Any = None, headers: Optional[Dict[str, str]] = None) -> Any:
    encoded = None if body is None else json.dumps(body).encode()
    return urllib3.request(method, sandbox.url + path, body=encoded, headers=headers or {}, retries=False)


def create(api: CredentialsApi, **fields: Any) -> Credential:
    request = sparkfly_client.CredentialInputRequest(
        credential=sparkfly_client.CredentialInput(**{"member_id": 56, "channel_id": 56, "offer_id": 56, **fields})
    )
    credential = api.create_credential(request).credential
    assert credential is not None
    return credential


def ids(api: CredentialsApi, **filters: Any) -> List[Optional[int]]:
    return [item.credential.id for item in api.iter_credentials(**filters) if item.credential]


# --- /auth -----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_auth_answers_get_and_post_and_accepts_a_scope(sparkfly_sandbox: Sandbox, method: str) -> None:
    headers = {"X-Auth-Identity": sparkfly_sandbox.identity, "X-Auth-Key": sparkfly_sandbox.key}
    issued = raw(sparkfly_sandbox, method, "/auth", headers={**headers, "X-Auth-Scope": "credentials"})
    assert issued.status == 204 and issued.headers["X-Auth-Token"]
    listed = raw(sparkfly_sandbox, "GET", "/v1.0/credentials", headers={"X-Auth-Token": issued.headers["X-Auth-Token"]})
    assert listed.status == 200
    refused = raw(sparkfly_sandbox, method, "/auth", headers={**headers, "X-Auth-Key": "wrong"})
    assert refused.status == 401 and refused.json() == {"error": "Invalid credentials"}


# --- search ----------------------------------------------------------------------------------


def test_every_filter_narrows_the_search(api: CredentialsApi, sparkfly_sandbox: Sandbox) -> None:
    club = create(api, member_id=57, offer_id=59, channel_id=57, reusable=True)
    loyalty = create(api, member_id=58, offer_id=None, type="loyalty", store_id=57)
    redeemed = create(api)
    api.redeem_credential(redeemed.id)
    voided = create(api, member_id=57)
    api.void_credential(voided.id)
    everyone = [56, club.id, loyalty.id, redeemed.id, voided.id]
    assert ids(api) == everyone
    assert ids(api, identifier="5600") == [56]
    assert ids(api, member_id=57) == [club.id, voided.id]
    assert ids(api, store_id=57) == [loyalty.id]
    assert ids(api, offer_id=59) == [club.id]
    assert ids(api, channel_id=57) == [club.id]
    assert ids(api, eligible_channel_id=57) == [club.id]
    assert ids(api, ids=[voided.id, 56, 999999]) == [56, voided.id]
    assert ids(api, redeemed=True) == [redeemed.id]
    assert ids(api, redeemed=False) == [56, club.id, loyalty.id, voided.id]
    assert ids(api, reusable=True) == [club.id]
    assert ids(api, credential_type=2) == [loyalty.id]
    assert ids(api, inactive_later_than="2000-01-01T00:00:00Z") == [redeemed.id, voided.id]
    assert ids(api, inactive_later_than="2999-01-01T00:00:00+01:00") == []
    assert ids(api, member_id=57, redeemed=False, ids=[club.id, 56]) == [club.id]  # filters combine


@pytest.mark.parametrize(
    "query, error",
    [
        ("redeemed=yes", "redeemed must be true or false"),
        ("reusable=", "reusable must be true or false"),
        ("ids=56&ids=x", "ids must be positive integers, one ids= parameter each"),
        ("inactive_later_than=2024-05-01", "inactive_later_than must be an ISO 8601 date-time with a time zone"),
        ("credential_type=-1", "credential_type must be a non-negative 64-bit integer"),
        ("channel_id=0", "channel_id must be a positive 64-bit integer"),
    ],
)
def test_filters_in_the_wrong_wire_format_are_400(sparkfly_sandbox: Sandbox, query: str, error: str) -> None:
    answer = raw(
        sparkfly_sandbox, "GET", f"/v1.0/credentials?{query}", headers={"X-Auth-Token": sparkfly_sandbox.token}
    )
    assert answer.status == 400 and answer.json()["error"] == error


def test_per_page_is_capped_and_the_answer_says_so(api: CredentialsApi) -> None:
    page = api.get_credentials(per_page=MAX_PER_PAGE * 5)
    assert page.per_page == MAX_PER_PAGE and page.total_entries == 1 and page.total_pages == 1


def test_every_published_field_is_served_and_decoded(api: CredentialsApi, sparkfly_sandbox: Sandbox) -> None:
    published = {
        "id", "account_id", "redeeming_account_id", "member_id", "channel_id", "eligible_channel_id", "store_id",
        "merchant_id", "credential_type", "redemption_identifier_type", "code_lifetime", "identifier", "url", "token",
        "barcodes_supported", "merchant_name", "offer_name", "location_address", "created_at", "updated_at",
        "voided_at", "redeemed_at", "processed_at", "offer_expires", "reusable", "locked", "printable",
        "supports_barcode", "offer_ids", "annotations", "custom_data", "type",
    }  # fmt: skip
    body = raw(sparkfly_sandbox, "GET", "/v1.0/credentials/56", headers={"X-Auth-Token": sparkfly_sandbox.token})
    assert published <= set(body.json()["credential"])
    assert published <= set(Credential.model_fields)
    redeemed = api.redeem_credential(56).credential
    assert redeemed.redeeming_account_id == 5 and redeemed.processed_at is not None
    assert (redeemed.type, redeemed.credential_type, redeemed.locked, redeemed.custom_data) == ("offer", 1, False, {})


def test_create_takes_the_published_input_fields(api: CredentialsApi) -> None:
    credential = create(
        api,
        member_id=None,
        member_identifier="member-57",
        offer_id=None,
        offer_ids=[56, 57],
        campaign_id="spring-24",
        type="loyalty",
        printable=True,
    )
    assert credential.member_id == 57 and credential.offer_ids == [56, 57] and credential.offer_id == 56
    assert (credential.type, credential.printable, credential.credential_type) == ("loyalty", True, 2)


# --- codes reissued after a void, and the point-of-sale lookup -------------------------------


def test_a_code_is_reissued_only_after_a_void_and_the_lookup_skips_the_voided_one(api: CredentialsApi) -> None:
    with pytest.raises(sparkfly_client.BadRequestException) as taken:
        create(api, member_id=57, identifier="5600")
    assert taken.value.data.error == "Identifier has already been taken"
    found = api.find_active_credential("5600")
    assert found is not None and found.credential.id == 56
    api.void_credential(56)
    assert api.find_active_credential("5600") is None
    reissued = create(api, member_id=57, identifier="5600")
    assert reissued.identifier == "5600"
    assert ids(api, identifier="5600") == [56, reissued.id]  # both come back from the search
    found = api.find_active_credential("5600")
    assert found is not None and found.credential.id == reissued.id and found.credential.member_id == 57


# --- locked credentials ----------------------------------------------------------------------


@pytest.mark.parametrize("call", ["update_credential", "redeem_credential", "void_credential", "delete_credential"])
def test_a_locked_credential_answers_422_to_any_change(
    api: CredentialsApi, sparkfly_sandbox: Sandbox, call: str
) -> None:
    sparkfly_sandbox.lock_credential(56)
    assert api.get_credential(56).credential.locked is True
    before = len(sparkfly_sandbox.requests)
    with pytest.raises(UnprocessableEntityException) as caught:
        getattr(api, call)(56, _retries=3)
    assert caught.value.data.error == LOCKED and LOCKED in str(caught.value)
    assert len(sparkfly_sandbox.requests) == before + 1  # never repeated by the client
    sparkfly_sandbox.unlock_credential(56)
    getattr(api, call)(56)


def test_the_lock_control_endpoint(sparkfly_sandbox: Sandbox) -> None:
    token = {"X-Auth-Token": sparkfly_sandbox.token}
    assert raw(sparkfly_sandbox, "POST", "/__sandbox/credentials/56/lock").json()["credential"]["locked"] is True
    refused = raw(sparkfly_sandbox, "PUT", "/v1.0/credentials/56/redeem", headers=token)
    assert refused.status == 422 and refused.json() == {"error": LOCKED}
    assert raw(sparkfly_sandbox, "DELETE", "/__sandbox/credentials/56/lock").json()["credential"]["locked"] is False
    assert raw(sparkfly_sandbox, "PUT", "/v1.0/credentials/56/redeem", headers=token).status == 201
    assert raw(sparkfly_sandbox, "POST", "/__sandbox/credentials/999/lock").status == 404
