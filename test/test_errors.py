"""Every error status, undecodable success bodies, and bad arguments that must never reach the wire."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from conftest import TOKEN
from scripted_server import Reply, ScriptedServer

import sparkfly_client
from sparkfly_client import exceptions
from sparkfly_client.exceptions import (
    ApiException,
    ApiTypeError,
    ApiValueError,
    BadRequestException,
    ConflictException,
    ForbiddenException,
    NotFoundException,
    OpenApiException,
    ResponseDecodeError,
    ServiceException,
    TooManyRequestsException,
    UnauthorizedException,
    UnprocessableEntityException,
)


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, BadRequestException),
        (401, UnauthorizedException),
        (403, ForbiddenException),
        (404, NotFoundException),
        (409, ConflictException),
        (422, UnprocessableEntityException),
        (429, TooManyRequestsException),
        (500, ServiceException),
        (502, ServiceException),
        (503, ServiceException),
        (418, ApiException),
    ],
)
def test_each_status_raises_its_exception(
    server: ScriptedServer, api: sparkfly_client.CredentialsApi, status: int, error_class: type
) -> None:
    body = '{"error": "something", "message": "details"}'
    server.push(Reply(status, body, headers={"X-Request-Id": "req-42", "X-Runtime": "0.01"}))
    with pytest.raises(error_class) as caught:
        api.get_credential(56)
    error = caught.value
    assert type(error) is error_class and isinstance(error, ApiException) and isinstance(error, OpenApiException)
    assert error.status == status
    assert error.body == body
    assert error.headers["X-Runtime"] == "0.01"
    assert error.request_id == "req-42"
    assert error.reason
    assert isinstance(error.data, sparkfly_client.BadRequestObject)
    assert error.data.message == "details"
    first_line = str(error).splitlines()[0]
    assert f"HTTP {status}" in first_line and "GET" in first_line and "/v1.0/credentials/56" in first_line
    assert "something: details" in first_line and "req-42" in first_line
    assert "X-Runtime" not in str(error)  # headers and body stay attributes, not part of the message


def test_bad_request_data_is_the_documented_model(server: ScriptedServer, api: sparkfly_client.CredentialsApi) -> None:
    server.push(Reply(400, {"error": "channel_id is required"}))
    with pytest.raises(BadRequestException) as caught:
        api.create_credential(sparkfly_client.CredentialInputRequest())
    assert caught.value.data.error == "channel_id is required"


def test_error_body_that_is_not_json_keeps_raw_text(
    server: ScriptedServer, api: sparkfly_client.CredentialsApi
) -> None:
    page = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    server.push(Reply(502, page, headers={"Content-Type": "text/html"}))
    with pytest.raises(ServiceException) as caught:
        api.get_credential(56)
    assert caught.value.body == page and caught.value.data is None
    assert caught.value.headers["Content-Type"] == "text/html"


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"<html>oops</html>", b'{"credential": {"id": "not-a-number"}}', b"[1, 2]", b""],
)
def test_success_status_with_undecodable_body(
    server: ScriptedServer, api: sparkfly_client.CredentialsApi, body: bytes
) -> None:
    server.push(Reply(200, body, headers={"X-Request-Id": "req-7"}))
    with pytest.raises(ResponseDecodeError) as caught:
        api.get_credential(56)
    error = caught.value
    assert isinstance(error, ApiException)
    assert error.status == 200 and error.body == body.decode() and error.request_id == "req-7"
    assert "CredentialResponse" in str(error)


@pytest.mark.parametrize(
    ("call", "error_class", "parameter"),
    [
        (lambda api: api.get_credential("abc"), ApiTypeError, "credential_id"),
        (lambda api: api.get_credential(True), ApiTypeError, "credential_id"),
        (lambda api: api.get_credential(1.5), ApiTypeError, "credential_id"),
        (lambda api: api.get_credential(-1), ApiValueError, "credential_id"),
        (lambda api: api.get_credential(0), ApiValueError, "credential_id"),
        (lambda api: api.get_credential(None), ApiValueError, "credential_id"),
        (lambda api: api.delete_credential("56"), ApiTypeError, "credential_id"),
        (lambda api: api.redeem_credential(False), ApiTypeError, "credential_id"),
        (lambda api: api.get_offer_eligibility_for_member(56, None), ApiValueError, "offer_id"),
        (lambda api: api.get_offer_eligibility_for_member("56", 1), ApiTypeError, "member_id"),
        (lambda api: api.get_credentials(store_id=-3), ApiValueError, "store_id"),
        (lambda api: api.get_credentials(per_page=True), ApiTypeError, "per_page"),
        (lambda api: api.create_credential("{}"), ApiTypeError, "credential_input_request"),
        (
            lambda api: api.create_credential({"credential": {"member_id": "x"}}),
            ApiValueError,
            "credential_input_request",
        ),
        (lambda api: api.update_credential(5, {"bogus": 1}), ApiValueError, "credential_input_request"),
        (lambda api: api.get_credential(5, _headers={"X-Evil": "a\r\nInjected: 1"}), ApiValueError, "X-Evil"),
        (lambda api: api.get_credential(5, _bogus_option=1), ApiTypeError, "_bogus_option"),
    ],
)
def test_bad_arguments_raise_before_sending(
    server: ScriptedServer, api: sparkfly_client.CredentialsApi, call, error_class: type, parameter: str
) -> None:
    with pytest.raises(error_class, match=parameter):
        call(api)
    assert server.requests == []


def test_missing_credentials_raise_before_sending(server: ScriptedServer) -> None:
    with (
        sparkfly_client.ApiClient(sparkfly_client.Configuration(host=server.url)) as client,
        pytest.raises(ApiValueError, match="X-Auth-Token"),
    ):
        sparkfly_client.CredentialsApi(client).get_credential(1)
    assert server.requests == []


def test_host_without_scheme_is_refused(server: ScriptedServer) -> None:
    with pytest.raises(ApiValueError, match="http"):
        sparkfly_client.Configuration(host=server.url.replace("http://", ""))
    config = sparkfly_client.Configuration(host=server.url)
    with pytest.raises(ApiValueError, match="http"):
        config.host = server.url.replace("http://", "")
    assert config.host == server.url and server.requests == []


def test_every_exception_is_importable_from_both_places() -> None:
    for name in exceptions.__all__:
        assert getattr(sparkfly_client, name) is getattr(exceptions, name)
        assert issubclass(getattr(exceptions, name), OpenApiException)


def test_token_never_in_repr_messages_or_logs(
    server: ScriptedServer, configuration: sparkfly_client.Configuration, caplog: pytest.LogCaptureFixture
) -> None:
    configuration.debug = True
    configuration.api_key_prefix["X-Auth-Token"] = "Token"
    assert TOKEN not in repr(configuration) and TOKEN not in str(configuration)
    server.push(Reply(401, {"error": "invalid token"}), Reply(200, {"credential": {"id": 1}}))
    with caplog.at_level(logging.DEBUG, logger="sparkfly_client"), sparkfly_client.ApiClient(configuration) as client:
        api = sparkfly_client.CredentialsApi(client)
        with pytest.raises(UnauthorizedException) as caught:
            api.get_credential(1)
        api.get_credential(1)
        with pytest.raises(ApiValueError) as bad_header:
            api.get_credential(1, _headers={"X-Auth-Token": TOKEN + "\n"})
    assert server.requests[0].header("X-Auth-Token") == f"Token {TOKEN}"  # it was sent...
    assert TOKEN not in str(caught.value) and TOKEN not in repr(caught.value)  # ...but is never shown
    assert TOKEN not in str(bad_header.value)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "GET " + server.url + "/v1.0/credentials/1 -> 200" in logged
    assert TOKEN not in logged
    configuration.debug = False


def test_a_flat_dict_where_the_wrapper_is_expected_says_which_wrapper(server: ScriptedServer, api: Any) -> None:
    with pytest.raises(ApiValueError) as caught:
        api.create_credential({"member_id": 56, "offer_id": 56, "channel_id": 56})
    assert "wrap them as {'credential': {...}}" in str(caught.value)
    assert "CredentialInputRequest(credential=CredentialInput(...))" in str(caught.value)
    with pytest.raises(ApiTypeError, match=r"wrap it: CredentialInputRequest\(credential=...\)"):
        api.create_credential(sparkfly_client.CredentialInput(member_id=56))
    assert server.requests == []


@pytest.mark.parametrize(
    ("call", "suggestion"),
    [
        (lambda api: api.get_credentials(memberid=56), "did you mean 'member_id'?"),
        (lambda api: api.get_credential(56, _retry=1), "did you mean '_retries'?"),
        (lambda api: api.get_credentials(identifer="5600"), "did you mean 'identifier'?"),
    ],
)
def test_a_wrong_keyword_is_one_typed_error_with_a_suggestion(
    server: ScriptedServer, api: Any, call: Any, suggestion: str
) -> None:
    with pytest.raises(ApiTypeError) as caught:
        call(api)
    assert suggestion in str(caught.value) and isinstance(caught.value, TypeError)
    assert server.requests == []
