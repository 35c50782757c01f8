"""Decoding what real servers send (which breaks the public schema) and encoding what we send."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError
from scripted_server import Reply, ScriptedServer

import sparkfly_client
from sparkfly_client import (
    Credential,
    CredentialEligibilityResponse,
    CredentialInput,
    CredentialInputRequest,
    CredentialList,
    CredentialResponse,
    CredentialsApi,
    CustomerCredentialInput,
)

# The two documented sample responses, verbatim.
SAMPLE_SCHEMA_SHAPED = {
    "credential": {
        "id": 1009,
        "account_id": 5,
        "created_at": "2013-09-16T18:41:13Z",
        "updated_at": "2013-09-16T18:51:23Z",
        "identifier": "3345",
        "member_id": 1,
        "store_id": None,
        "channel_id": 456,
        "offer_ids": [1011],
        "annotations": {},
        "code_lifetime": None,
        "supports_barcode": False,
        "merchant_id": None,
        "offer_name": "First Offer",
        "merchant_name": None,
        "location_address": None,
        "url": None,
    },
    "errors": {},
}
SAMPLE_REAL_WORLD = {
    "credential": {
        "id": 578,
        "identifier": "3540",
        "status": "open",
        "member_id": 1009,
        "offer_id": 1701,
        "store_id": 1,
        "merchant_id": 251,
        "redeemed_at": None,
        "voided_at": None,
        "offer_name": "Buy a Burger, Get Free Medium Fries",
        "merchant_name": "Q Burger",
        "location_address": None,
        "code_lifetime": None,
    }
}


def test_schema_shaped_sample_over_http(server: ScriptedServer, api: CredentialsApi) -> None:
    server.push(Reply(200, SAMPLE_SCHEMA_SHAPED))
    result = api.get_credential(1009)
    credential = result.credential
    assert credential.id == 1009 and credential.account_id == 5
    assert credential.created_at == datetime(2013, 9, 16, 18, 41, 13, tzinfo=timezone.utc)
    assert credential.updated_at.utcoffset() == timedelta(0)
    assert credential.identifier == "3345" and credential.offer_ids == [1011]
    assert credential.store_id is None and credential.supports_barcode is False
    assert credential.annotations == {} and result.errors == {}
    assert result.to_dict() == SAMPLE_SCHEMA_SHAPED


def test_real_world_sample_keeps_fields_outside_the_schema(server: ScriptedServer, api: CredentialsApi) -> None:
    server.push(Reply(200, SAMPLE_REAL_WORLD))
    credential = api.get_credential(578).credential
    assert credential.status == "open" and credential.offer_id == 1701
    assert credential.redeemed_at is None and credential.voided_at is None
    assert credential.merchant_name == "Q Burger"
    assert credential.to_dict() == SAMPLE_REAL_WORLD["credential"]


def test_unknown_fields_are_kept_at_every_level() -> None:
    body = {"credential": {"id": 1, "loyalty_tier": "gold", "nested": {"a": [1, 2]}}, "errors": {}, "trace": "x"}
    result = CredentialResponse.from_json(json.dumps(body))
    assert result.credential.loyalty_tier == "gold"
    assert result.credential.nested == {"a": [1, 2]}
    assert result.trace == "x"
    assert result.to_dict() == body
    assert json.loads(result.to_json()) == body


@pytest.mark.parametrize("annotations", [{"lane": "3", "till": "7"}, "lane=3", {"count": 2}, None])
def test_annotations_object_or_string(annotations: object) -> None:
    result = CredentialResponse.from_json(json.dumps({"credential": {"id": 1, "annotations": annotations}}))
    assert result.credential.annotations == annotations


def test_every_field_but_the_id_accepts_null() -> None:
    nulls = {name: None for name in Credential.model_fields if name != "id"}
    result = CredentialResponse.from_json(json.dumps({"credential": {"id": 56, **nulls}, "errors": None}))
    assert result is not None and all(getattr(result.credential, name) is None for name in nulls)
    listing = CredentialList.from_json(
        json.dumps({"page": None, "per_page": None, "total_entries": None, "total_pages": None, "credentials": None})
    )
    assert listing.credentials is None
    assert CredentialEligibilityResponse.from_json('{"is_eligible": null, "status": null}').is_eligible is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2013-09-16T18:41:13Z", datetime(2013, 9, 16, 18, 41, 13, tzinfo=timezone.utc)),
        ("2013-09-16T20:41:13+02:00", datetime(2013, 9, 16, 18, 41, 13, tzinfo=timezone.utc)),
        ("2013-09-16T18:41:13.250Z", datetime(2013, 9, 16, 18, 41, 13, 250000, tzinfo=timezone.utc)),
        ("2013-09-16T18:41:13", datetime(2013, 9, 16, 18, 41, 13, tzinfo=timezone.utc)),  # no zone: UTC
        ("2013-09-16 18:41:13 UTC", datetime(2013, 9, 16, 18, 41, 13, tzinfo=timezone.utc)),
        ("Mon, 16 Sep 2013 18:41:13 GMT", datetime(2013, 9, 16, 18, 41, 13, tzinfo=timezone.utc)),
        ("2013/09/16 18:41:13 -0500", datetime(2013, 9, 16, 23, 41, 13, tzinfo=timezone.utc)),
    ],
)
def test_timestamps_decode_to_aware_datetimes(text: str, expected: datetime) -> None:
    credential = CredentialResponse.from_json(json.dumps({"credential": {"id": 56, "created_at": text}})).credential
    assert credential.created_at.tzinfo is not None
    assert credential.created_at == expected


def test_timestamps_encode_back_to_iso_8601() -> None:
    credential = CredentialResponse.from_json(
        '{"credential": {"id": 56, "created_at": "Mon, 16 Sep 2013 18:41:13 GMT",'
        ' "updated_at": "2013-09-16T20:41:13+02:00"}}'
    ).credential
    assert credential.to_dict() == {
        "id": 56,
        "created_at": "2013-09-16T18:41:13Z",
        "updated_at": "2013-09-16T20:41:13+02:00",
    }


def test_unparseable_timestamp_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        CredentialResponse.from_json('{"credential": {"created_at": "not a date"}}')


def test_request_models_leave_out_unset_fields_and_refuse_unknown_names() -> None:
    assert CredentialInputRequest().to_json() == "{}"
    assert CredentialInputRequest(credential=CredentialInput(member_id=5)).to_dict() == {"credential": {"member_id": 5}}
    with pytest.raises(ValidationError, match="memberid"):
        CredentialInput(memberid=5)
    with pytest.raises(ValidationError):
        CredentialInput(member_id="five")


def test_generated_style_helpers_round_trip() -> None:
    original = CredentialResponse.from_dict(SAMPLE_SCHEMA_SHAPED)
    assert CredentialResponse.from_json(original.to_json()) == original
    assert CredentialResponse.from_dict(original.to_dict()) == original
    assert "'identifier': '3345'" in original.to_str()
    assert CredentialResponse.from_dict(None) is None
    assert CredentialResponse.from_json("null") is None


def test_a_success_without_a_credential_or_its_id_is_a_decode_error(server: ScriptedServer) -> None:
    server.push(Reply(200, {"errors": {}}), Reply(201, {"credential": {"identifier": "3345"}}))
    config = sparkfly_client.Configuration(host=server.url, api_key={"X-Auth-Token": "token-value"}, retries=0)
    with sparkfly_client.ApiClient(config) as client:
        api = CredentialsApi(client)
        with pytest.raises(sparkfly_client.ResponseDecodeError, match="credential: Field required"):
            api.get_credential(56)
        with pytest.raises(sparkfly_client.ResponseDecodeError, match="credential.id: Field required"):
            api.redeem_credential(56)


def test_models_are_equal_by_value_and_unhashable() -> None:
    first = Credential(id=56, identifier="5600")
    second = Credential.from_json('{"id": 56, "identifier": "5600"}')
    assert first == second and first is not second
    assert first != Credential(id=57, identifier="5600")
    for model in (first, CustomerCredentialInput(username="u", password="p", customer_id="c")):
        with pytest.raises(TypeError, match="unhashable"):
            hash(model)
        with pytest.raises(TypeError):
            {model}  # noqa: B018
    by_id = {credential.id: credential for credential in (first, second)}
    assert list(by_id) == [56]


def test_null_gives_none_and_other_objects_are_not_models() -> None:
    assert Credential.from_json("null") is None and Credential.from_json(b" null ") is None
    assert Credential.from_dict(None) is None
    assert Credential(id=1) != {"id": 1}
    assert Credential(id=1) != CredentialResponse(credential=Credential(id=1))


def test_timestamps_in_other_forms_become_aware_datetimes() -> None:
    naive = datetime(2024, 5, 1, 12, 0)
    assert Credential(id=1, created_at=naive).created_at == naive.replace(tzinfo=timezone.utc)
    assert Credential(id=1, created_at=0).created_at == datetime(1970, 1, 1, tzinfo=timezone.utc)
    assert Credential(id=1, created_at="Wed, 01 May 2024 12:00:00 GMT").created_at == datetime(
        2024, 5, 1, 12, tzinfo=timezone.utc
    )
    for wrong in ("not a date", ["2024-05-01"], True):
        with pytest.raises(ValidationError, match="timestamp"):
            Credential(id=1, created_at=wrong)
