"""Credential search filters, create's 200/201, the locked 422 and strict request ids, over real HTTP."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Tuple
from urllib.parse import parse_qsl

import pytest
from drivers import read_unread
from pydantic import ValidationError
from scripted_server import Reply, ScriptedServer

import sparkfly_client
from sparkfly_client import ApiTypeError, ApiValueError, CredentialsApi, UnprocessableEntityException
from sparkfly_client.api.credentials_api import CREATE_CREDENTIAL, GET_CREDENTIALS, CredentialSearch

EMPTY_PAGE = {"page": 1, "per_page": 50, "total_entries": 0, "total_pages": 0, "credentials": []}
LOCKED = "This credential is currently locked for processing. Please try again later."


def sent_pairs(server: ScriptedServer) -> List[Tuple[str, str]]:
    return parse_qsl(server.last.raw_query, keep_blank_values=True)


def test_every_filter_goes_out_in_its_wire_format(server: ScriptedServer, api: CredentialsApi) -> None:
    server.default = Reply(200, EMPTY_PAGE)
    api.get_credentials(
        56,
        identifier="5600",
        channel_id=57,
        ids=[56, 1001],
        redeemed=False,
        reusable=True,
        inactive_later_than=datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc),
        eligible_channel_id=56,
        credential_type=0,
    )
    assert sorted(sent_pairs(server)) == sorted(
        [
            ("member_id", "56"),
            ("identifier", "5600"),
            ("channel_id", "57"),
            ("ids", "56"),
            ("ids", "1001"),
            ("redeemed", "false"),
            ("reusable", "true"),
            ("inactive_later_than", "2024-05-01T12:30:00Z"),
            ("eligible_channel_id", "56"),
            ("credential_type", "0"),
        ]
    )


@pytest.mark.parametrize(
    "given, sent",
    [
        ("2024-05-01T12:30:00Z", "2024-05-01T12:30:00Z"),
        ("2024-05-01T14:30:00+02:00", "2024-05-01T14:30:00+02:00"),
        (datetime(2024, 5, 1, 14, 30, tzinfo=timezone(timedelta(hours=2))), "2024-05-01T14:30:00+02:00"),
    ],
)
def test_inactive_later_than_is_sent_as_iso_8601(
    server: ScriptedServer, api: CredentialsApi, given: Any, sent: str
) -> None:
    server.default = Reply(200, EMPTY_PAGE)
    api.get_credentials(inactive_later_than=given)
    assert sent_pairs(server) == [("inactive_later_than", sent)]


def test_the_positional_order_of_the_seed_is_kept(server: ScriptedServer, api: CredentialsApi) -> None:
    server.default = Reply(200, EMPTY_PAGE)
    api.get_credentials(56, 57, 58, 2, 10)
    assert sent_pairs(server) == [
        ("member_id", "56"),
        ("offer_id", "57"),
        ("store_id", "58"),
        ("page", "2"),
        ("per_page", "10"),
    ]


def test_the_other_forms_take_the_filters_and_the_options(server: ScriptedServer, api: CredentialsApi) -> None:
    server.default = Reply(200, EMPTY_PAGE)
    info = api.get_credentials_with_http_info(identifier="5600", _headers={"X-Trace": "t1"})
    assert info.status_code == 200 and sent_pairs(server) == [("identifier", "5600")]
    assert server.last.header("X-Trace") == "t1"
    raw = api.get_credentials_without_preload_content(ids=(3,), redeemed=True)
    assert raw.status == 200 and sent_pairs(server) == [("ids", "3"), ("redeemed", "true")]
    assert json.loads(read_unread(api, raw)) == EMPTY_PAGE


@pytest.mark.parametrize(
    "filters, error",
    [
        ({"identifier": 5600}, ApiTypeError),
        ({"identifier": ""}, ApiValueError),
        ({"channel_id": "57"}, ApiTypeError),
        ({"channel_id": True}, ApiTypeError),
        ({"ids": 56}, ApiTypeError),
        ({"ids": []}, ApiValueError),
        ({"ids": [56, "57"]}, ApiTypeError),
        ({"ids": [56, 0]}, ApiValueError),
        ({"redeemed": "false"}, ApiTypeError),
        ({"redeemed": 0}, ApiTypeError),
        ({"reusable": None, "eligible_channel_id": 1.5}, ApiTypeError),
        ({"inactive_later_than": "yesterday"}, ApiValueError),
        ({"inactive_later_than": "2024-05-01T12:00:00"}, ApiValueError),  # no zone: ambiguous
        ({"inactive_later_than": datetime(2024, 5, 1)}, ApiValueError),
        ({"inactive_later_than": 1714564800}, ApiTypeError),
        ({"credential_type": -1}, ApiValueError),
        ({"unknown_filter": 1}, ApiTypeError),
    ],
)
def test_wrong_filters_are_refused_before_sending(
    server: ScriptedServer, api: CredentialsApi, filters: Dict[str, Any], error: type
) -> None:
    with pytest.raises(error) as caught:
        api.get_credentials(**filters)
    name = next(iter(filters)) if "reusable" not in filters else "eligible_channel_id"
    assert name in str(caught.value)
    with pytest.raises(error):
        list(api.iter_credentials(**filters))
    assert server.requests == []


def test_iter_credentials_sends_the_filters_with_every_page(server: ScriptedServer, api: CredentialsApi) -> None:
    def page(number: int, ids: List[int]) -> Reply:
        body = {
            "page": number,
            "per_page": 2,
            "total_pages": 2,
            "credentials": [{"credential": {"id": i}} for i in ids],
        }
        return Reply(200, body)

    server.push(page(1, [1, 2]), page(2, [3]))
    found = [
        item.credential.id for item in api.iter_credentials(store_id=56, per_page=2, redeemed=False, ids=[1, 2, 3])
    ]
    assert found == [1, 2, 3]
    assert [parse_qsl(r.raw_query) for r in server.requests] == [
        [
            ("store_id", "56"),
            ("page", str(n)),
            ("per_page", "2"),
            ("ids", "1"),
            ("ids", "2"),
            ("ids", "3"),
            ("redeemed", "false"),
        ]
        for n in (1, 2)
    ]


def test_the_filters_are_declared_once_and_typed_alike() -> None:
    declared = [param.name for param in GET_CREDENTIALS.query_params]
    assert declared[:5] == ["member_id", "offer_id", "store_id", "page", "per_page"]
    assert set(declared[5:]) == set(CredentialSearch.__annotations__)


def test_the_lookup_searches_every_page_by_identifier(server: ScriptedServer, api: CredentialsApi) -> None:
    def page(number: int, *entries: Dict[str, Any]) -> Reply:
        credentials = [{"credential": entry} for entry in entries]
        return Reply(200, {"page": number, "per_page": 50, "total_pages": 3, "credentials": credentials})

    voided = {"identifier": "5600", "voided_at": "2024-01-01T00:00:00Z"}
    server.push(page(1, {"id": 1, **voided}), page(2, {"id": 2, **voided}), page(3, {"id": 3, "identifier": "5600"}))
    found = api.find_active_credential("5600", _request_timeout=5)
    assert found is not None and found.credential.id == 3
    assert [parse_qsl(r.raw_query) for r in server.requests] == [
        [("page", str(n)), ("per_page", "50"), ("identifier", "5600")] for n in (1, 2, 3)
    ]
    server.push(page(1, {"id": 1, **voided}))
    assert api.find_active_credential("5600") is None


def test_the_lookup_warns_when_two_active_credentials_share_a_code(
    server: ScriptedServer, api: CredentialsApi, caplog: pytest.LogCaptureFixture
) -> None:
    older = {"id": 7, "identifier": "DUP", "voided_at": None, "updated_at": "2024-03-01T10:00:00Z"}
    newer = {"id": 8, "identifier": "DUP", "voided_at": None, "updated_at": "2024-03-02T10:00:00Z"}
    body = {"total_pages": 1, "credentials": [{"credential": older}, {"credential": newer}]}
    server.push(Reply(200, body))
    with caplog.at_level(logging.WARNING, logger="sparkfly_client"):
        found = api.find_active_credential("DUP")
    assert found is not None and found.credential.id == 8
    assert "2 active credentials" in caplog.text and "ids 7, 8" in caplog.text
    assert "DUP" not in caplog.text  # the code may be a phone number or e-mail: not logged


def test_a_lookup_with_a_bad_identifier_sends_nothing(server: ScriptedServer, api: CredentialsApi) -> None:
    with pytest.raises(ApiValueError):
        api.find_active_credential("")
    with pytest.raises(ApiTypeError):
        api.find_active_credential(5600)  # type: ignore[arg-type]
    assert server.requests == []


CREATED = {"credential": {"id": 1001, "identifier": "3541", "type": "offer", "locked": False}, "errors": {}}


@pytest.mark.parametrize("status", [200, 201])
def test_create_decodes_200_and_201_alike(server: ScriptedServer, api: CredentialsApi, status: int) -> None:
    server.push(Reply(status, CREATED))
    info = api.create_credential_with_http_info(
        sparkfly_client.CredentialInputRequest(credential=sparkfly_client.CredentialInput(member_id=56, channel_id=56))
    )
    assert info.status_code == status
    assert info.data.credential.id == 1001 and info.data.credential.locked is False


@pytest.mark.parametrize("call", ["redeem_credential", "void_credential", "delete_credential", "update_credential"])
def test_a_locked_credential_raises_422_with_the_server_text_and_is_not_retried(
    configuration: sparkfly_client.Configuration, server: ScriptedServer, call: str
) -> None:
    server.default = Reply(422, {"error": LOCKED})
    configuration.retries = 5
    with sparkfly_client.ApiClient(configuration) as client, pytest.raises(UnprocessableEntityException) as caught:
        getattr(CredentialsApi(client), call)(56)
    assert caught.value.status == 422 and caught.value.data.error == LOCKED
    assert LOCKED in str(caught.value)
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"member_id": True},
        {"member_id": "12"},
        {"channel_id": 56.0},
        {"offer_ids": [56, "57"]},
        {"merchant_id": False},
        {"reusable": "yes"},
        {"printable": 1},
        {"type": "coupon"},
        {"identifier": 5600},
    ],
)
def test_request_models_take_strict_types(fields: Dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        sparkfly_client.CredentialInput(**fields)
    with pytest.raises(ApiValueError):  # a dict body is checked the same way before sending
        CREATE_CREDENTIAL.coerce_body({"credential_input_request": {"credential": fields}})


def test_a_dict_body_with_a_string_id_is_refused_before_sending(server: ScriptedServer, api: CredentialsApi) -> None:
    with pytest.raises(ApiValueError) as caught:
        api.create_credential({"credential": {"member_id": "12", "channel_id": 56}})
    assert "credential.member_id" in str(caught.value)
    with pytest.raises(ApiValueError):
        api.create_credential({"credential": {"member_id": 56}, "printable": "no"})
    assert server.requests == []


def test_the_published_input_fields_are_sent(server: ScriptedServer, api: CredentialsApi) -> None:
    server.push(Reply(200, CREATED))
    credential_input = sparkfly_client.CredentialInput(
        member_identifier="member-57",
        offer_ids=[56, 57],
        channel_id=56,
        merchant_id=251,
        campaign_id="spring-24",
        identifier="BYO-1",
        type="loyalty",
        printable=True,
    )
    api.create_credential(sparkfly_client.CredentialInputRequest(credential=credential_input, printable=False))
    assert server.last.json() == {
        "credential": {
            "member_identifier": "member-57",
            "offer_ids": [56, 57],
            "channel_id": 56,
            "merchant_id": 251,
            "campaign_id": "spring-24",
            "identifier": "BYO-1",
            "type": "loyalty",
            "printable": True,
        },
        "printable": False,
    }
