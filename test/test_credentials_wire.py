"""What each CredentialsApi operation puts on the wire, checked at a real HTTP server."""

from __future__ import annotations

import json

import pytest
from conftest import TOKEN
from drivers import read_unread
from scripted_server import Reply, ScriptedServer

import sparkfly_client
from sparkfly_client import CredentialInput, CredentialInputRequest, CredentialsApi

CREDENTIAL = {"credential": {"id": 56, "identifier": "3345", "status": "open"}, "errors": {}}


def check_common_headers(server: ScriptedServer, with_body: bool) -> None:
    seen = server.last
    assert seen.header("X-Auth-Token") == TOKEN
    assert seen.header("Accept") == "application/json"
    assert seen.header("User-Agent") == f"sparkfly-client-python/{sparkfly_client.__version__}"
    if with_body:
        assert seen.header("Content-Type") == "application/json"
    else:
        assert seen.header("Content-Type") is None
        assert seen.body == b""


def test_create_credential_posts_the_body(server: ScriptedServer, api: CredentialsApi) -> None:
    server.push(Reply(201, CREDENTIAL))
    body = CredentialInputRequest(
        credential=CredentialInput(member_id=56, offer_id=56, channel_id=56, annotations={"lane": "3"}),
        printable=True,
    )
    result = api.create_credential(credential_input_request=body)
    assert (server.last.method, server.last.path) == ("POST", "/v1.0/credentials")
    assert server.last.json() == {
        "credential": {"member_id": 56, "offer_id": 56, "channel_id": 56, "annotations": {"lane": "3"}},
        "printable": True,
    }
    check_common_headers(server, with_body=True)
    assert result.credential is not None and result.credential.identifier == "3345"


def test_empty_request_model_is_sent_as_empty_object(server: ScriptedServer, api: CredentialsApi) -> None:
    server.push(Reply(201, CREDENTIAL))
    api.create_credential(credential_input_request=sparkfly_client.CredentialInputRequest())
    assert server.last.body == b"{}"


def test_field_set_to_none_is_sent_as_null(server: ScriptedServer, api: CredentialsApi) -> None:
    server.push(Reply(201, CREDENTIAL))
    api.update_credential(56, CredentialInputRequest(credential=CredentialInput(store_id=None)))
    assert server.last.json() == {"credential": {"store_id": None}}


def test_create_without_body_sends_no_body(server: ScriptedServer, api: CredentialsApi) -> None:
    server.push(Reply(201, CREDENTIAL))
    api.create_credential()
    assert server.last.method == "POST"
    check_common_headers(server, with_body=False)


def test_body_may_be_given_as_dict(server: ScriptedServer, api: CredentialsApi) -> None:
    server.push(Reply(201, CREDENTIAL))
    api.create_credential({"credential": {"member_id": 1, "channel_id": 2}})
    assert server.last.json() == {"credential": {"member_id": 1, "channel_id": 2}}


@pytest.mark.parametrize(
    ("call", "method", "path", "status"),
    [
        (lambda api: api.get_credential(56), "GET", "/v1.0/credentials/56", 200),
        (lambda api: api.delete_credential(57), "DELETE", "/v1.0/credentials/57", 200),
        (lambda api: api.redeem_credential(58), "PUT", "/v1.0/credentials/58/redeem", 201),
        (lambda api: api.void_credential(59), "PUT", "/v1.0/credentials/59/void", 201),
    ],
)
def test_id_operations(server: ScriptedServer, api: CredentialsApi, call, method: str, path: str, status: int) -> None:
    server.push(Reply(status, CREDENTIAL))
    result = call(api)
    assert (server.last.method, server.last.path, server.last.query) == (method, path, {})
    check_common_headers(server, with_body=False)
    assert isinstance(result, sparkfly_client.CredentialResponse)
    assert result.credential.id == 56


def test_update_credential_puts_the_body(server: ScriptedServer, api: CredentialsApi) -> None:
    server.push(Reply(201, CREDENTIAL))
    api.update_credential(56, credential_input_request=CredentialInputRequest(credential=CredentialInput(store_id=9)))
    assert (server.last.method, server.last.path) == ("PUT", "/v1.0/credentials/56")
    assert server.last.json() == {"credential": {"store_id": 9}}
    check_common_headers(server, with_body=True)


def test_get_credentials_sends_only_given_filters(server: ScriptedServer, api: CredentialsApi) -> None:
    page = {"page": 1, "per_page": 50, "total_entries": 1, "total_pages": 1, "credentials": [CREDENTIAL]}
    server.push(Reply(200, page), Reply(200, page))
    result = api.get_credentials(member_id=56, offer_id=7, store_id=8)
    assert (server.last.method, server.last.path) == ("GET", "/v1.0/credentials")
    assert server.last.query == {"member_id": "56", "offer_id": "7", "store_id": "8"}
    check_common_headers(server, with_body=False)
    assert result.total_entries == 1 and result.credentials[0].credential.identifier == "3345"
    api.get_credentials(store_id=8, page=2, per_page=10)
    assert server.last.query == {"store_id": "8", "page": "2", "per_page": "10"}


def test_eligibility(server: ScriptedServer, api: CredentialsApi) -> None:
    server.push(Reply(200, {"is_eligible": False, "status": "Member already has credential"}))
    result = api.get_offer_eligibility_for_member(56, 57)
    assert (server.last.method, server.last.path) == ("GET", "/v1.0/credentials/eligible")
    assert server.last.query == {"member_id": "56", "offer_id": "57"}
    assert result.is_eligible is False and result.status == "Member already has credential"


def test_with_http_info_gives_status_headers_and_raw(server: ScriptedServer, api: CredentialsApi) -> None:
    server.push(Reply(201, CREDENTIAL, headers={"X-Request-Id": "req-1", "Location": "/v1.0/credentials/56"}))
    info = api.create_credential_with_http_info(CredentialInputRequest())
    assert info.status_code == 201
    assert info.headers["x-request-id"] == "req-1"
    assert json.loads(info.raw_data) == CREDENTIAL
    assert info.data.credential.identifier == "3345"


def test_without_preload_content_returns_unread_response(server: ScriptedServer, api: CredentialsApi) -> None:
    server.push(Reply(404, {"error": "not found"}))
    raw = api.get_credential_without_preload_content(99)
    assert raw.status == 404  # no exception: the caller reads the answer itself
    assert json.loads(read_unread(api, raw)) == {"error": "not found"}


def test_per_call_headers_auth_timeout_and_content_type(server: ScriptedServer, api: CredentialsApi) -> None:
    server.push(Reply(201, CREDENTIAL))
    api.create_credential(
        CredentialInputRequest(),
        _headers={"X-Trace": "abc"},
        _request_auth={"in": "header", "key": "X-Auth-Token", "value": "other-token", "type": "api_key"},
        _content_type="application/json; charset=utf-8",
        _request_timeout=(1, 2),
    )
    assert server.last.header("X-Trace") == "abc"
    assert server.last.header("X-Auth-Token") == "other-token"
    assert server.last.header("Content-Type") == "application/json; charset=utf-8"


def test_api_key_prefix_is_applied(server: ScriptedServer, configuration: sparkfly_client.Configuration) -> None:
    configuration.api_key_prefix["X-Auth-Token"] = "Token"
    server.push(Reply(200, CREDENTIAL))
    with sparkfly_client.ApiClient(configuration) as client:
        CredentialsApi(client).get_credential(1)
    assert server.last.header("X-Auth-Token") == f"Token {TOKEN}"


def test_host_index_selects_a_server(api: CredentialsApi) -> None:
    api.api_client.configuration.server_hosts = (api.api_client.configuration.host, "http://127.0.0.1:9")
    with pytest.raises(sparkfly_client.ApiValueError, match="_host_index 5"):
        api.get_credential(1, _host_index=5)
    with pytest.raises(sparkfly_client.ApiConnectionError, match="127.0.0.1:9"):
        api.get_credential(1, _host_index=1)


def test_default_host_and_default_client() -> None:
    assert sparkfly_client.Configuration().host == "https://api.sparkfly.com"
    api = CredentialsApi()
    assert api.api_client is sparkfly_client.ApiClient.get_default()


def test_seed_import_paths() -> None:
    from sparkfly_client.models.credential_input_request import CredentialInputRequest as Direct
    from sparkfly_client.rest import ApiException

    assert Direct is sparkfly_client.CredentialInputRequest
    assert ApiException is sparkfly_client.exceptions.ApiException
    for name in sparkfly_client.models.__all__:
        assert getattr(sparkfly_client, name) is getattr(sparkfly_client.models, name)
