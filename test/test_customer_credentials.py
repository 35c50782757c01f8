"""PUT /credentials/{id}: what reaches the wire, both auth schemes, problem-details errors, and the
write-only password, checked at a real HTTP server."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any, Dict, Iterator

import pydantic
import pytest
from conftest import TOKEN
from scripted_server import Reply, ScriptedServer

import sparkfly_client
from sparkfly_client import (
    ApiTypeError,
    ApiValueError,
    CustomerCredential,
    CustomerCredentialInput,
    CustomerCredentialsApi,
    ForbiddenException,
    NotFoundException,
    Problem,
    TooManyRequestsException,
    UnauthorizedException,
    UnprocessableEntityException,
    ValidationProblem,
)

SECRET_KEY = "sk_live-7Q2-SECRET-api-key"
JWT_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjdXMifQ.SECRET-signature"
PASSWORD = "hunter2-SECRET-password"
CRED_ID = "cus_crd_0YV9Y706QGCB39FQD380G1ZHZH"
CUSTOMER_ID = "cus_0YV9Y706QGCB39FQD380G1ZHZH"
ANSWER: Dict[str, Any] = {
    "id": CRED_ID,
    "username": "jane.doe",
    "customerId": CUSTOMER_ID,
    "expiredTime": "2030-01-31T12:00:00Z",
    "_links": [
        {"href": f"/credentials/{CRED_ID}", "rel": "self"},
        {"href": f"/customers/{CUSTOMER_ID}", "rel": "customer"},
    ],
}
SECRETS = (SECRET_KEY, JWT_TOKEN, PASSWORD)


def make_input(**overrides: Any) -> CustomerCredentialInput:
    fields: Dict[str, Any] = {"username": "jane.doe", "password": PASSWORD, "customer_id": CUSTOMER_ID}
    fields.update(overrides)
    return CustomerCredentialInput(**fields)


def make_api(server: ScriptedServer, **config: Any) -> CustomerCredentialsApi:
    api_key = config.pop("api_key", {"SecretApiKey": SECRET_KEY})
    configuration = sparkfly_client.Configuration(host=server.url, retries=0, api_key=api_key, **config)
    return CustomerCredentialsApi(sparkfly_client.ApiClient(configuration))


@pytest.fixture
def api(server: ScriptedServer) -> Iterator[CustomerCredentialsApi]:
    upsert_api = make_api(server)
    yield upsert_api
    upsert_api.api_client.close()


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


# --- the request on the wire ------------------------------------------------------------------------


def test_upsert_puts_camel_case_body_with_the_password(server: ScriptedServer, api: CustomerCredentialsApi) -> None:
    server.push(Reply(201, ANSWER))
    result = api.upsert_credential(CRED_ID, make_input(expired_time=datetime(2030, 1, 31, 12, tzinfo=timezone.utc)))
    seen = server.last
    assert (seen.method, seen.path) == ("PUT", f"/credentials/{CRED_ID}")
    assert seen.json() == {
        "username": "jane.doe",
        "password": PASSWORD,
        "customerId": CUSTOMER_ID,
        "expiredTime": "2030-01-31T12:00:00Z",
    }
    assert seen.header("Content-Type") == "application/json"
    assert seen.header("Accept") == "application/json, application/problem+json"
    assert isinstance(result, CustomerCredential)
    assert (result.id, result.username, result.customer_id) == (CRED_ID, "jane.doe", CUSTOMER_ID)
    assert result.expired_time == datetime(2030, 1, 31, 12, tzinfo=timezone.utc)
    assert result.links is not None and [(link.rel, link.href) for link in result.links] == [
        ("self", f"/credentials/{CRED_ID}"),
        ("customer", f"/customers/{CUSTOMER_ID}"),
    ]


def test_secret_key_is_sent_as_reb_apikey_and_nothing_else(server: ScriptedServer, api: CustomerCredentialsApi) -> None:
    server.push(Reply(201, ANSWER))
    api.upsert_credential(CRED_ID, make_input())
    assert server.last.header("REB-APIKEY") == SECRET_KEY
    assert server.last.header("Authorization") is None
    assert server.last.header("X-Auth-Token") is None


def test_jwt_is_sent_as_bearer(server: ScriptedServer) -> None:
    server.push(Reply(201, ANSWER))
    make_api(server, api_key={}, access_token=JWT_TOKEN).upsert_credential(CRED_ID, make_input())
    assert server.last.header("Authorization") == f"Bearer {JWT_TOKEN}"
    assert server.last.header("REB-APIKEY") is None


def test_with_both_schemes_only_the_secret_key_is_sent(server: ScriptedServer) -> None:
    server.push(Reply(200, ANSWER))
    make_api(server, access_token=JWT_TOKEN).upsert_credential(CRED_ID, make_input())
    assert server.last.header("REB-APIKEY") == SECRET_KEY
    assert server.last.header("Authorization") is None


def test_empty_secret_key_counts_as_unset(server: ScriptedServer) -> None:
    server.push(Reply(200, ANSWER))
    make_api(server, api_key={"SecretApiKey": ""}, access_token=JWT_TOKEN).upsert_credential(CRED_ID, make_input())
    assert server.last.header("REB-APIKEY") is None
    assert server.last.header("Authorization") == f"Bearer {JWT_TOKEN}"


@pytest.mark.parametrize(
    "config",
    [
        {"api_key": {}},
        {"api_key": {"SecretApiKey": ""}, "access_token": ""},
        # Sparkfly credentials are not credentials for this resource.
        {"api_key": {"X-Auth-Token": TOKEN}, "auth_identity": "acct", "auth_key": "k"},
    ],
)
def test_without_its_credentials_nothing_is_sent(server: ScriptedServer, config: Dict[str, Any]) -> None:
    with pytest.raises(ApiValueError) as caught:
        make_api(server, **config).upsert_credential(CRED_ID, make_input())
    message = str(caught.value)
    assert "upsert_credential" in message and "SecretApiKey" in message and "access_token" in message
    assert server.requests == []


def test_sparkfly_token_never_goes_to_this_resource(server: ScriptedServer) -> None:
    server.push(Reply(201, ANSWER))
    make_api(server, api_key={"SecretApiKey": SECRET_KEY, "X-Auth-Token": TOKEN}).upsert_credential(
        CRED_ID, make_input()
    )
    assert server.last.header("X-Auth-Token") is None
    assert server.last.header("REB-APIKEY") == SECRET_KEY


def test_these_keys_never_go_to_the_sparkfly_endpoints(server: ScriptedServer) -> None:
    server.push(Reply(200, {"credential": {"id": 56}}))
    configuration = sparkfly_client.Configuration(
        host=server.url, retries=0, access_token=JWT_TOKEN, api_key={"X-Auth-Token": TOKEN, "SecretApiKey": SECRET_KEY}
    )
    with sparkfly_client.ApiClient(configuration) as client:
        sparkfly_client.CredentialsApi(client).get_credential(56)
    assert server.last.header("X-Auth-Token") == TOKEN
    assert server.last.header("REB-APIKEY") is None
    assert server.last.header("Authorization") is None


@pytest.mark.parametrize(
    ("given", "path"),
    [
        ("a/b", "/credentials/a%2Fb"),
        ("../x", "/credentials/..%2Fx"),
        ("with space", "/credentials/with%20space"),
        ("ünï/cödé", "/credentials/%C3%BCn%C3%AF%2Fc%C3%B6d%C3%A9"),
        ("?q=1#frag%25", "/credentials/%3Fq%3D1%23frag%2525"),
        ("...", "/credentials/..."),
    ],
)
def test_id_stays_one_path_segment(server: ScriptedServer, api: CustomerCredentialsApi, given: str, path: str) -> None:
    server.push(Reply(201, ANSWER))
    api.upsert_credential(given, make_input())
    assert server.last.path == path


@pytest.mark.parametrize(
    ("bad_id", "error"),
    [
        ("", ApiValueError),
        (".", ApiValueError),
        ("..", ApiValueError),
        (None, ApiValueError),
        (56, ApiTypeError),
        (b"abc", ApiTypeError),
    ],
)
def test_bad_id_is_refused_before_sending(
    server: ScriptedServer, api: CustomerCredentialsApi, bad_id: Any, error: type
) -> None:
    with pytest.raises(error, match="'id'"):
        api.upsert_credential(bad_id, make_input())
    assert server.requests == []


def test_created_and_updated_are_told_apart(server: ScriptedServer, api: CustomerCredentialsApi) -> None:
    server.push(Reply(201, ANSWER), Reply(200, ANSWER))
    created = api.upsert_credential_with_http_info(CRED_ID, make_input())
    updated = api.upsert_credential_with_http_info(CRED_ID, make_input(username="jane.d"))
    assert (created.status_code, updated.status_code) == (201, 200)
    assert isinstance(updated.data, CustomerCredential) and updated.data.id == CRED_ID
    assert server.requests[1].json()["username"] == "jane.d"


def test_without_preload_content_returns_the_unread_answer(server: ScriptedServer, api: CustomerCredentialsApi) -> None:
    server.push(Reply(201, ANSWER))
    raw = api.upsert_credential_without_preload_content(CRED_ID, make_input())
    assert raw.status == 201
    assert CustomerCredential.from_json(raw.read()) == CustomerCredential.from_dict(ANSWER)
    raw.release_conn()


def test_per_call_options_apply(server: ScriptedServer, api: CustomerCredentialsApi) -> None:
    server.push(Reply(201, ANSWER))
    api.upsert_credential(
        CRED_ID,
        make_input(),
        _headers={"X-Trace": "t-1"},
        _request_timeout=5,
        _request_auth={"in": "header", "key": "Authorization", "value": "Bearer other"},
    )
    assert server.last.header("X-Trace") == "t-1"
    assert server.last.header("Authorization") == "Bearer other"
    assert server.last.header("REB-APIKEY") is None


def test_accept_set_by_the_caller_wins(server: ScriptedServer, api: CustomerCredentialsApi) -> None:
    server.push(Reply(201, ANSWER), Reply(201, ANSWER))
    api.upsert_credential(CRED_ID, make_input(), _headers={"Accept": "application/json"})
    api.api_client.set_default_header("Accept", "application/vnd.example+json")
    api.upsert_credential(CRED_ID, make_input())
    assert [seen.header("Accept") for seen in server.requests] == ["application/json", "application/vnd.example+json"]


def test_dict_input_takes_wire_or_python_names(server: ScriptedServer, api: CustomerCredentialsApi) -> None:
    server.push(Reply(201, ANSWER), Reply(200, ANSWER))
    api.upsert_credential(CRED_ID, {"username": "u", "password": PASSWORD, "customerId": CUSTOMER_ID})
    api.upsert_credential(
        CRED_ID, {"username": "u", "password": PASSWORD, "customer_id": CUSTOMER_ID, "expired_time": None}
    )
    assert server.requests[0].json() == {"username": "u", "password": PASSWORD, "customerId": CUSTOMER_ID}
    assert server.requests[1].json() == {
        "username": "u",
        "password": PASSWORD,
        "customerId": CUSTOMER_ID,
        "expiredTime": None,
    }


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        (datetime(2030, 6, 1, 8, 30, tzinfo=timezone(timedelta(hours=2))), "2030-06-01T08:30:00+02:00"),
        (datetime(2030, 6, 1, 8, 30), "2030-06-01T08:30:00Z"),  # no zone: taken as UTC
        (None, None),
    ],
)
def test_expired_time_is_sent_as_iso_8601_or_null(
    server: ScriptedServer, api: CustomerCredentialsApi, given: Any, sent: Any
) -> None:
    server.push(Reply(201, {**ANSWER, "expiredTime": None}))
    result = api.upsert_credential(CRED_ID, make_input(expired_time=given))
    assert server.last.json()["expiredTime"] == sent
    assert result.expired_time is None


def test_expired_time_left_unset_is_not_sent(server: ScriptedServer, api: CustomerCredentialsApi) -> None:
    server.push(Reply(201, ANSWER))
    api.upsert_credential(CRED_ID, make_input())
    assert "expiredTime" not in server.last.json()


def test_unknown_rel_and_unknown_fields_are_kept(server: ScriptedServer, api: CustomerCredentialsApi) -> None:
    server.push(
        Reply(
            201,
            {
                **ANSWER,
                "_links": [{"href": "/audit/1", "rel": "audit", "title": "Audit"}],
                "createdAt": "2026-11-23T10:00:00Z",
            },
        )
    )
    result = api.upsert_credential(CRED_ID, make_input())
    assert result.links is not None and result.links[0].rel == "audit"
    assert result.links[0].to_dict() == {"href": "/audit/1", "rel": "audit", "title": "Audit"}
    assert result.to_dict()["createdAt"] == "2026-11-23T10:00:00Z"


# --- problem-details errors ---------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["application/json", "application/problem+json"])
@pytest.mark.parametrize(
    ("status", "error_class", "title"),
    [
        (401, UnauthorizedException, "Unauthorized"),
        (403, ForbiddenException, "Forbidden"),
        (404, NotFoundException, "Not Found"),
        (429, TooManyRequestsException, "Rate Limit Exceeded"),
    ],
)
def test_each_problem_status_raises_its_exception(
    server: ScriptedServer, api: CustomerCredentialsApi, content_type: str, status: int, error_class: type, title: str
) -> None:
    body = {
        "type": "https://docs.example/problems/x",
        "title": title,
        "status": status,
        "detail": f"detail for {status}",
        "instance": f"/credentials/{CRED_ID}",
        "traceId": "tr-9",
    }
    server.push(Reply(status, body, headers={"Content-Type": content_type, "X-Request-Id": "req-7"}))
    with pytest.raises(error_class) as caught:
        api.upsert_credential(CRED_ID, make_input())
    error = caught.value
    assert error.status == status and error.request_id == "req-7"
    assert error.headers["Content-Type"] == content_type
    problem = error.problem
    assert type(problem) is Problem
    assert (problem.type, problem.title, problem.status, problem.detail, problem.instance) == (
        body["type"],
        title,
        status,
        f"detail for {status}",
        f"/credentials/{CRED_ID}",
    )
    assert problem.to_dict()["traceId"] == "tr-9"
    assert title in str(error)


@pytest.mark.parametrize("content_type", ["application/json", "application/problem+json"])
def test_422_is_a_validation_problem_with_invalid_fields(
    server: ScriptedServer, api: CustomerCredentialsApi, content_type: str
) -> None:
    body = {
        "title": "Invalid data",
        "status": 422,
        "detail": "2 fields are invalid",
        "invalidFields": [
            {"field": "username", "message": "username is taken"},
            {"field": "subObject.field2", "message": "field2 is invalid"},
        ],
    }
    server.push(Reply(422, body, headers={"Content-Type": content_type}))
    with pytest.raises(UnprocessableEntityException) as caught:
        api.upsert_credential(CRED_ID, make_input())
    problem = caught.value.problem
    assert isinstance(problem, ValidationProblem)
    assert problem.type == "about:blank"  # absent means about:blank
    assert problem.invalid_fields is not None
    assert [(f.field, f.message) for f in problem.invalid_fields] == [
        ("username", "username is taken"),
        ("subObject.field2", "field2 is invalid"),
    ]


def test_problem_body_that_is_not_json_keeps_the_raw_text(server: ScriptedServer, api: CustomerCredentialsApi) -> None:
    server.push(Reply(403, "<html>denied</html>", headers={"Content-Type": "text/html"}))
    with pytest.raises(ForbiddenException) as caught:
        api.upsert_credential(CRED_ID, make_input())
    assert caught.value.problem is None and caught.value.body == "<html>denied</html>"


@pytest.mark.parametrize(
    ("headers", "low", "high"),
    [
        ({"Retry-After": "17"}, 17, 17),
        ({"Retry-After": "17", "Rate-Limit-Reset": "Wed, 21 Oct 2015 07:28:00 GMT"}, 17, 17),
        ({"Rate-Limit-Limit": "100", "Rate-Limit-Remaining": "0", "Rate-Limit-Reset": "+40s"}, None, None),
    ],
)
def test_429_tells_when_to_retry(
    server: ScriptedServer, api: CustomerCredentialsApi, headers: Dict[str, str], low: Any, high: Any
) -> None:
    server.push(Reply(429, {"title": "Rate Limit Exceeded", "status": 429}, headers=headers))
    with pytest.raises(TooManyRequestsException) as caught:
        api.upsert_credential(CRED_ID, make_input())
    if low is None:
        assert caught.value.retry_after is None  # an unreadable value is no answer
    else:
        assert caught.value.retry_after is not None and low <= caught.value.retry_after <= high


def test_429_retry_after_as_an_http_date(server: ScriptedServer, api: CustomerCredentialsApi) -> None:
    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=20), usegmt=True)
    server.push(Reply(429, {"title": "Rate Limit Exceeded", "status": 429}, headers={"Retry-After": when}))
    with pytest.raises(TooManyRequestsException) as caught:
        api.upsert_credential(CRED_ID, make_input())
    assert caught.value.retry_after is not None and 15 <= caught.value.retry_after <= 20


def test_a_429_with_a_short_wait_is_retried_with_the_same_request(server: ScriptedServer) -> None:
    server.push(
        Reply(429, {"title": "Rate Limit Exceeded", "status": 429}, headers={"Retry-After": "0"}), Reply(201, ANSWER)
    )
    response = make_api(server).upsert_credential_with_http_info(CRED_ID, make_input(), _retries=1)
    assert response.status_code == 201
    first, second = server.requests
    assert (first.path, first.body, first.header("REB-APIKEY")) == (second.path, second.body, SECRET_KEY)
    assert second.json()["password"] == PASSWORD


def test_429_retry_after_from_rate_limit_reset_date(server: ScriptedServer, api: CustomerCredentialsApi) -> None:
    reset = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    server.push(
        Reply(
            429,
            {"title": "Rate Limit Exceeded", "status": 429},
            headers={"Rate-Limit-Limit": "100", "Rate-Limit-Remaining": "0", "Rate-Limit-Reset": reset},
        )
    )
    with pytest.raises(TooManyRequestsException) as caught:
        api.upsert_credential(CRED_ID, make_input())
    assert caught.value.retry_after is not None and 25 <= caught.value.retry_after <= 30
    assert caught.value.problem.title == "Rate Limit Exceeded"


# --- bad input: nothing is sent -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"password": PASSWORD, "customerId": CUSTOMER_ID}, "username"),
        ({"username": "u", "customerId": CUSTOMER_ID}, "password"),
        ({"username": "u", "password": PASSWORD}, "customerId"),
        ({"username": "", "password": PASSWORD, "customerId": CUSTOMER_ID}, "username"),
        ({"username": "u", "password": "", "customerId": CUSTOMER_ID}, "password"),
        ({"username": "u", "password": PASSWORD, "customerId": ""}, "customerId"),
        ({"username": 5, "password": PASSWORD, "customerId": CUSTOMER_ID}, "username"),
        ({"username": "u", "password": PASSWORD, "customerId": CUSTOMER_ID, "expiredTime": "soon"}, "expiredTime"),
        ({"username": "u", "password": PASSWORD, "customerId": CUSTOMER_ID, "pasword": PASSWORD}, "pasword"),
    ],
)
def test_bad_body_is_refused_before_sending(
    server: ScriptedServer, api: CustomerCredentialsApi, body: Dict[str, Any], named: str
) -> None:
    with pytest.raises(ApiValueError) as caught:
        api.upsert_credential(CRED_ID, body)
    assert named in str(caught.value) and "customer_credential_input" in str(caught.value)
    assert_no_secret(str(caught.value))
    assert server.requests == []


@pytest.mark.parametrize("body", [None, "username=u", [("username", "u")]])
def test_missing_or_wrong_type_body_is_refused(server: ScriptedServer, api: CustomerCredentialsApi, body: Any) -> None:
    with pytest.raises((ApiValueError, ApiTypeError), match="customer_credential_input"):
        api.upsert_credential(CRED_ID, body)
    assert server.requests == []


def test_model_refuses_missing_fields_at_construction_without_echoing_the_password() -> None:
    with pytest.raises(pydantic.ValidationError) as caught:
        CustomerCredentialInput(username="u", password=PASSWORD, extra_field=PASSWORD)  # type: ignore[call-arg]
    text = str(caught.value)
    assert "customerId" in text and "extra_field" in text
    assert PASSWORD not in text


def test_assignment_is_checked_too() -> None:
    credential_input = make_input()
    with pytest.raises(pydantic.ValidationError) as caught:
        credential_input.customer_id = None  # type: ignore[assignment]
    assert PASSWORD not in str(caught.value)


# --- the write-only password ----------------------------------------------------------------------------


def test_password_is_masked_everywhere_but_the_wire(server: ScriptedServer, api: CustomerCredentialsApi) -> None:
    credential_input = make_input(expired_time=datetime(2030, 1, 1, tzinfo=timezone.utc))
    for shown in (
        repr(credential_input),
        str(credential_input),
        credential_input.to_str(),
        credential_input.to_json(),
        str(credential_input.to_dict()),
        f"{credential_input}",
    ):
        assert PASSWORD not in shown and "**********" in shown
    assert credential_input.to_dict()["password"] == "**********"
    assert credential_input.password.get_secret_value() == PASSWORD
    server.push(Reply(201, ANSWER))
    api.upsert_credential(CRED_ID, credential_input)
    assert server.last.json()["password"] == PASSWORD


def test_equality_compares_the_password_in_clear() -> None:
    assert make_input() == make_input()
    assert make_input() != make_input(password="another-password")


def test_secrets_stay_out_of_logs_and_errors(server: ScriptedServer, caplog: pytest.LogCaptureFixture) -> None:
    server.push(Reply(201, ANSWER), Reply(422, {"title": "Invalid", "status": 422, "invalidFields": []}))
    upsert_api = make_api(server, access_token=JWT_TOKEN)
    with caplog.at_level(logging.DEBUG, logger="sparkfly_client"):
        upsert_api.api_client.configuration.debug = True
        upsert_api.upsert_credential(CRED_ID, make_input())
        with pytest.raises(UnprocessableEntityException) as caught:
            upsert_api.upsert_credential(CRED_ID, make_input())
        upsert_api.api_client.configuration.debug = False
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "REB-APIKEY" in logged and CRED_ID in logged  # the exchange was logged ...
    assert_no_secret(logged)  # ... without its secrets
    assert_no_secret(str(caught.value) + repr(caught.value))
    assert_no_secret(repr(upsert_api.api_client.configuration))


def test_a_password_echoed_by_the_server_is_kept_masked(server: ScriptedServer, api: CustomerCredentialsApi) -> None:
    server.push(Reply(200, {**ANSWER, "password": PASSWORD}))
    result = api.upsert_credential(CRED_ID, make_input())
    assert result.password is not None and result.password.get_secret_value() == PASSWORD
    assert PASSWORD not in repr(result) + str(result) + result.to_str() + result.to_json()


def test_secrets_echoed_in_an_error_answer_stay_out_of_its_message(server: ScriptedServer) -> None:
    echo = {
        "title": "Invalid",
        "status": 422,
        "detail": f"password {PASSWORD} rejected for key {JWT_TOKEN}",
        "invalidFields": [{"field": "password", "message": f"{PASSWORD} is too common"}],
    }
    server.push(Reply(422, echo, headers={"Content-Type": "application/problem+json"}))
    with pytest.raises(UnprocessableEntityException) as caught:
        make_api(server, api_key={}, access_token=JWT_TOKEN).upsert_credential(CRED_ID, make_input())
    error = caught.value
    assert_no_secret(str(error) + repr(error) + repr(vars(error)) + str(error.body) + repr(error.data))
    assert "rejected for key ***" in str(error)
    assert error.problem.invalid_fields[0].message == "*** is too common"  # decoded from the redacted body


def test_an_echoed_password_is_masked_in_its_escaped_spellings_too(
    server: ScriptedServer, api: CustomerCredentialsApi
) -> None:
    tricky = "pä\"ss\\wörd'SECRET"
    server.push(Reply(422, {"title": "Invalid", "status": 422, "detail": f"bad password {tricky}"}))
    with pytest.raises(UnprocessableEntityException) as caught:
        api.upsert_credential(CRED_ID, make_input(password=tricky))
    message = str(caught.value)
    assert "SECRET" not in message + caught.value.body and "bad password ***" in message  # no spelling is shown
