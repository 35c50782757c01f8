"""The sandbox: business rules, credentials, the upsert resource and fault injection, over real HTTP.

The fixtures ``sparkfly_sandbox`` and ``sparkfly_api_client`` come from the package's pytest11
entry point, exactly as users' test suites get them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any, Dict, Optional
from urllib.parse import quote

import pytest
import urllib3

import sparkfly_client
from sparkfly_client.sandbox import Fault, Sandbox

CREATE = sparkfly_client.CredentialInputRequest(
    credential=sparkfly_client.CredentialInput(member_id=56, offer_id=56, channel_id=56, store_id=56)
)
CLUB_ONLY = "Member must be eligible for offer: Club Members: Two for One"


@pytest.fixture
def api(sparkfly_api_client: sparkfly_client.ApiClient) -> sparkfly_client.CredentialsApi:
    return sparkfly_client.CredentialsApi(sparkfly_api_client)


def raw(
    sandbox: Sandbox, method: str, path: str, body: Any = None, headers: Optional[Dict[str, str]] = None
) -> urllib3.BaseHTTPResponse:
    """One request with no client logic in between (and no urllib3 retries)."""
    encoded = None if body is None else json.dumps(body).encode()
    return urllib3.request(method, sandbox.url + path, body=encoded, headers=headers or {}, retries=False)


# --- demo data and business rules ------------------------------------------------------------


def test_demo_credential_56_is_open_with_offer_56(api: sparkfly_client.CredentialsApi) -> None:
    credential = api.get_credential(56).credential
    assert credential is not None
    assert (credential.member_id, credential.channel_id, credential.store_id) == (56, 56, 56)
    assert credential.offer_ids == [56] and credential.offer_id == 56
    assert credential.status == "open" and credential.identifier == "5600"
    assert credential.annotations == {} and credential.redeemed_at is None and credential.voided_at is None


def test_create_returns_201_with_identifier_and_location(api: sparkfly_client.CredentialsApi) -> None:
    response = api.create_credential_with_http_info(CREATE)
    assert response.status_code == 201
    credential = response.data.credential
    assert credential is not None and credential.id is not None
    assert credential.identifier and credential.status == "open"
    assert credential.offer_name == "Buy a Burger, Get Free Medium Fries"
    assert response.headers["Location"].endswith(f"/v1.0/credentials/{credential.id}")
    assert api.get_credential(credential.id).credential == credential


def test_identifier_appears_once_an_offer_is_attached(api: sparkfly_client.CredentialsApi) -> None:
    bare = api.create_credential({"credential": {"member_id": 57, "channel_id": 57}}).credential
    assert bare is not None and bare.id is not None
    assert bare.identifier is None and bare.offer_ids == []
    updated = api.update_credential(bare.id, {"credential": {"offer_id": 59}}).credential
    assert updated is not None and updated.identifier and updated.offer_ids == [59]


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"channel_id": 56}, "member_id is required"),
        ({"member_id": 56}, "channel_id is required"),
        ({"member_id": 999, "channel_id": 56}, "Member with ID 999 not found"),
        ({"member_id": 56, "channel_id": 56, "offer_id": 58}, "Offer with ID 58 is no longer active"),
        ({"member_id": 56, "channel_id": 56, "offer_id": 59}, CLUB_ONLY),
        (
            {"member_id": 56, "channel_id": 57, "offer_id": 57},
            "Offer Free Coffee with Any Breakfast is not available on channel 57",
        ),
    ],
)
def test_create_refusals_are_400_bad_request_objects(
    api: sparkfly_client.CredentialsApi, fields: Dict[str, int], error: str
) -> None:
    with pytest.raises(sparkfly_client.BadRequestException) as caught:
        api.create_credential({"credential": fields})
    assert isinstance(caught.value.data, sparkfly_client.BadRequestObject)
    assert caught.value.data.error == error


def test_create_with_no_body_needs_a_member(sparkfly_sandbox: Sandbox) -> None:
    response = raw(sparkfly_sandbox, "POST", "/v1.0/credentials", headers={"X-Auth-Token": sparkfly_sandbox.token})
    assert response.status == 400 and response.json()["error"] == "member_id is required"
    broken = urllib3.request(
        "POST",
        sparkfly_sandbox.url + "/v1.0/credentials",
        body=b"{not json",
        headers={"X-Auth-Token": sparkfly_sandbox.token, "Content-Type": "application/json"},
    )
    assert broken.status == 400 and broken.json()["error"] == "Error parsing request"
    null = urllib3.request(
        "PUT",
        sparkfly_sandbox.url + "/v1.0/credentials/56",
        body=b"null",
        headers={"X-Auth-Token": sparkfly_sandbox.token, "Content-Type": "application/json"},
    )
    assert null.status == 400 and null.json()["message"] == "The body must be a JSON object, not null"


def test_eligibility(api: sparkfly_client.CredentialsApi) -> None:
    assert api.get_offer_eligibility_for_member(56, 56).is_eligible is True
    refused = api.get_offer_eligibility_for_member(56, 59)
    assert refused.is_eligible is False and refused.status == CLUB_ONLY
    assert api.get_offer_eligibility_for_member(57, 59).is_eligible is True
    assert api.get_offer_eligibility_for_member(56, 58).status == "Offer with ID 58 is no longer active"


def test_redeem_then_void_set_status_and_timestamps(api: sparkfly_client.CredentialsApi) -> None:
    redeemed = api.redeem_credential_with_http_info(56)
    assert redeemed.status_code == 201
    assert redeemed.data.credential is not None
    assert redeemed.data.credential.status == "redeemed" and redeemed.data.credential.redeemed_at is not None
    with pytest.raises(sparkfly_client.BadRequestException, match="already been redeemed"):
        api.redeem_credential(56)
    voided = api.void_credential(56).credential
    assert voided is not None and voided.status == "voided" and voided.voided_at is not None
    assert voided.redeemed_at == redeemed.data.credential.redeemed_at


def test_redeeming_a_voided_credential_fails(api: sparkfly_client.CredentialsApi) -> None:
    api.void_credential(56)
    with pytest.raises(sparkfly_client.BadRequestException) as caught:
        api.redeem_credential(56)
    assert caught.value.data.error == "Credential has been voided"
    credential = api.get_credential(56).credential
    assert credential is not None and credential.status == "voided" and credential.redeemed_at is None


def test_unknown_ids_are_404(api: sparkfly_client.CredentialsApi) -> None:
    for call in (api.get_credential, api.delete_credential, api.redeem_credential, api.void_credential):
        with pytest.raises(sparkfly_client.NotFoundException):
            call(424242)
    with pytest.raises(sparkfly_client.NotFoundException):
        api.update_credential(424242, CREATE)


def test_delete_removes(api: sparkfly_client.CredentialsApi) -> None:
    deleted = api.delete_credential(56).credential
    assert deleted is not None and deleted.id == 56
    with pytest.raises(sparkfly_client.NotFoundException):
        api.get_credential(56)


def test_list_filters_and_paginates(api: sparkfly_client.CredentialsApi) -> None:
    made = [api.create_credential(CREATE).credential for _ in range(4)]
    other = api.create_credential({"credential": {"member_id": 57, "channel_id": 57, "offer_id": 59}}).credential
    assert other is not None
    page = api.get_credentials(member_id=56, per_page=2, page=2)
    assert (page.page, page.per_page, page.total_entries, page.total_pages) == (2, 2, 5, 3)
    assert [c.credential.id for c in page.credentials or [] if c.credential] == [m.id for m in made[1:3] if m]
    assert [c.credential.id for c in api.iter_credentials(offer_id=59, per_page=1) if c.credential] == [other.id]
    assert api.get_credentials(store_id=57).total_entries == 0
    assert api.get_credentials().per_page == 50


def test_json_suffix_is_accepted(sparkfly_sandbox: Sandbox) -> None:
    response = raw(
        sparkfly_sandbox, "GET", "/v1.0/credentials/56.json", headers={"X-Auth-Token": sparkfly_sandbox.token}
    )
    assert response.status == 200 and response.json()["credential"]["id"] == 56


# --- credentials -------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_missing_or_bad_token_is_401(sparkfly_sandbox: Sandbox, token: Optional[str]) -> None:
    response = raw(sparkfly_sandbox, "GET", "/v1.0/credentials/56", headers={"X-Auth-Token": token} if token else {})
    assert response.status == 401
    assert response.json() == {"error": "Unauthorized", "message": "Missing, invalid or expired X-Auth-Token"}


def test_client_fetches_and_renews_auth_token(sparkfly_sandbox: Sandbox) -> None:
    config = sparkfly_client.Configuration(
        host=sparkfly_sandbox.url, auth_identity=sparkfly_sandbox.identity, auth_key=sparkfly_sandbox.key
    )
    with sparkfly_client.ApiClient(config) as client:
        api = sparkfly_client.CredentialsApi(client)
        assert api.get_credential(56).credential is not None
        sparkfly_sandbox.expire_tokens()  # the server forgets the token; the client still thinks it is fresh
        assert api.get_credential(56).credential is not None
    assert [(r.path, r.status) for r in sparkfly_sandbox.requests] == [
        ("/auth", 204),
        ("/v1.0/credentials/56", 200),
        ("/v1.0/credentials/56", 401),
        ("/auth", 204),
        ("/v1.0/credentials/56", 200),
    ]


def test_auth_tokens_expire_after_their_ttl() -> None:
    with Sandbox(token_ttl=0.0) as sandbox:
        issued = raw(sandbox, "GET", "/auth", headers={"X-Auth-Identity": sandbox.identity, "X-Auth-Key": sandbox.key})
        assert issued.status == 204
        token = issued.headers["X-Auth-Token"]
        assert raw(sandbox, "GET", "/v1.0/credentials/56", headers={"X-Auth-Token": token}).status == 401
    with Sandbox(token_ttl=3600.0) as sandbox:
        token = raw(
            sandbox, "GET", "/auth", headers={"X-Auth-Identity": sandbox.identity, "X-Auth-Key": sandbox.key}
        ).headers["X-Auth-Token"]
        assert raw(sandbox, "GET", "/v1.0/credentials/56", headers={"X-Auth-Token": token}).status == 200
        assert raw(sandbox, "DELETE", "/__sandbox/tokens").status == 204
        assert raw(sandbox, "GET", "/v1.0/credentials/56", headers={"X-Auth-Token": token}).status == 401


def test_auth_refuses_a_wrong_key(sparkfly_sandbox: Sandbox) -> None:
    response = raw(
        sparkfly_sandbox, "GET", "/auth", headers={"X-Auth-Identity": sparkfly_sandbox.identity, "X-Auth-Key": "nope"}
    )
    assert response.status == 401 and "X-Auth-Token" not in response.headers
    with pytest.raises(sparkfly_client.UnauthorizedException):
        config = sparkfly_client.Configuration(host=sparkfly_sandbox.url, auth_identity="x", auth_key="nope")
        with sparkfly_client.ApiClient(config) as client:
            sparkfly_client.CredentialsApi(client).get_credential(56)


def test_repr_shows_no_credentials(sparkfly_sandbox: Sandbox) -> None:
    assert sparkfly_sandbox.token not in repr(sparkfly_sandbox)


# --- the upsert resource -----------------------------------------------------------------------

UPSERT = {
    "username": "member56@example.com",
    "password": "s3cret-pass",
    "customerId": "cus_56",
    "expiredTime": "2030-01-01T00:00:00Z",
}


@pytest.mark.parametrize("auth", ["key", "jwt"])
def test_upsert_creates_then_updates(sparkfly_sandbox: Sandbox, auth: str) -> None:
    headers = (
        {"REB-APIKEY": sparkfly_sandbox.secret_key}
        if auth == "key"
        else {"Authorization": f"Bearer {sparkfly_sandbox.jwt}"}
    )
    headers["Content-Type"] = "application/json"
    first = raw(sparkfly_sandbox, "PUT", "/credentials/cus_crd_56", UPSERT, headers)
    assert first.status == 201
    body = first.json()
    assert body["id"] == "cus_crd_56" and body["customerId"] == "cus_56" and "password" not in body
    assert {link["rel"] for link in body["_links"]} == {"self", "customer"}
    assert "Rate-Limit-Limit" not in first.headers  # no limit unless one is asked for
    second = raw(sparkfly_sandbox, "PUT", "/credentials/cus_crd_56", {**UPSERT, "username": "new"}, headers)
    assert second.status == 200 and second.json()["username"] == "new"


def test_upsert_validation_is_422_with_invalid_fields(sparkfly_sandbox: Sandbox) -> None:
    response = raw(
        sparkfly_sandbox,
        "PUT",
        "/credentials/cus_crd_56",
        {"username": "", "customerId": 5, "expiredTime": "soon"},
        {"REB-APIKEY": sparkfly_sandbox.secret_key},
    )
    assert response.status == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422 and problem["type"] == "about:blank"
    fields = [item["field"] for item in problem["invalidFields"]]
    assert fields == ["username", "password", "customerId", "expiredTime"]


def test_upsert_without_credentials_is_401_problem(sparkfly_sandbox: Sandbox) -> None:
    for headers in (
        {},
        {"REB-APIKEY": "wrong"},
        {"Authorization": "Bearer wrong"},
        {"X-Auth-Token": sparkfly_sandbox.token},
    ):
        response = raw(sparkfly_sandbox, "PUT", "/credentials/cus_crd_56", UPSERT, headers)
        assert response.status == 401
        assert response.json()["title"] == "Unauthorized" and response.json()["status"] == 401


# --- fault injection ---------------------------------------------------------------------------


def test_injected_429_is_retried_after_retry_after(
    sparkfly_sandbox: Sandbox, api: sparkfly_client.CredentialsApi
) -> None:
    sparkfly_sandbox.inject(429, headers={"Retry-After": "0"}, times=2, path="/v1.0/credentials/*")
    assert api.get_credential(56).credential is not None
    assert [r.status for r in sparkfly_sandbox.requests] == [429, 429, 200]


def test_injected_status_reaches_the_caller_with_its_headers(
    sparkfly_sandbox: Sandbox, api: sparkfly_client.CredentialsApi
) -> None:
    sparkfly_sandbox.inject(503, headers={"X-Trace": "abc"}, method="GET")
    with pytest.raises(sparkfly_client.ServiceException) as caught:
        api.get_credential(56, _retries=0)
    assert caught.value.status == 503 and caught.value.headers["X-Trace"] == "abc"
    assert caught.value.data.error == "Service Unavailable"
    assert api.get_credential(56).credential is not None  # the fault was used up


def test_fault_matches_method_and_path_only(sparkfly_sandbox: Sandbox, api: sparkfly_client.CredentialsApi) -> None:
    sparkfly_sandbox.inject(500, method="PUT", path="/v1.0/credentials/*/redeem")
    assert api.get_credential(56).credential is not None
    assert api.void_credential(56).credential is not None
    with pytest.raises(sparkfly_client.ServiceException):
        api.redeem_credential(56)  # never retried: a redeem is not idempotent
    assert [r.status for r in sparkfly_sandbox.requests] == [200, 201, 500]


def test_stall_makes_the_client_time_out(sparkfly_sandbox: Sandbox, api: sparkfly_client.CredentialsApi) -> None:
    sparkfly_sandbox.inject(delay=1.0)
    with pytest.raises(sparkfly_client.ApiTimeoutError):
        api.get_credential(56, _request_timeout=0.2, _retries=0)


def test_drop_closes_the_connection_without_answer(
    sparkfly_sandbox: Sandbox, api: sparkfly_client.CredentialsApi
) -> None:
    sparkfly_sandbox.inject(drop=True)
    with pytest.raises(sparkfly_client.ApiConnectionError):
        api.create_credential(CREATE, _retries=0)
    assert [r.status for r in sparkfly_sandbox.requests] == [0]


def test_faults_over_http(sparkfly_sandbox: Sandbox, api: sparkfly_client.CredentialsApi) -> None:
    added = raw(
        sparkfly_sandbox,
        "POST",
        "/__sandbox/faults",
        {"status": 429, "headers": {"Retry-After": "7"}, "times": 2, "method": "get"},
    )
    assert added.status == 201 and added.json()["method"] == "GET"
    assert raw(sparkfly_sandbox, "GET", "/__sandbox/faults").json()[0]["times"] == 2
    with pytest.raises(sparkfly_client.TooManyRequestsException) as caught:
        api.get_credential(56, _retries=0)
    assert caught.value.retry_after == 7.0
    assert raw(sparkfly_sandbox, "DELETE", "/__sandbox/faults").status == 204
    assert api.get_credential(56).credential is not None
    bad = raw(sparkfly_sandbox, "POST", "/__sandbox/faults", {"status": 429, "color": "red"})
    assert bad.status == 400 and "color" in bad.json()["message"]


def test_reset_over_http_restores_demo_data(sparkfly_sandbox: Sandbox, api: sparkfly_client.CredentialsApi) -> None:
    api.delete_credential(56)
    assert raw(sparkfly_sandbox, "POST", "/__sandbox/reset").status == 204
    credential = api.get_credential(56).credential
    assert credential is not None and credential.status == "open"


def test_fault_arguments_are_checked() -> None:
    with pytest.raises(ValueError):
        Fault(times=0)
    with pytest.raises(ValueError):
        Fault(status=42)


# --- packaging ---------------------------------------------------------------------------------


def test_import_sparkfly_client_does_not_load_the_sandbox() -> None:
    code = "import sys, sparkfly_client; print(any(m.startswith('sparkfly_client.sandbox') for m in sys.modules))"
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
        == "False"
    )


def test_cli_prints_url_and_every_credential() -> None:
    command = [
        sys.executable,
        "-m",
        "sparkfly_client.sandbox",
        "--port",
        "0",
        "--token",
        "t-1",
        "--identity",
        "i-1",
        "--key",
        "k-1",
        "--secret-key",
        "s-1",
        "--jwt",
        "j-1",
    ]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            first = process.stdout.readline()
            url = first.split()[first.split().index("on") + 1]
            printed = "".join(process.stdout.readline() for _ in range(7))
            for credential in ("t-1", "i-1", "k-1", "s-1", "Bearer j-1"):
                assert credential in printed
            assert urllib3.request("GET", url + "/v1.0/credentials/56", headers={"X-Auth-Token": "t-1"}).status == 200
        finally:
            process.terminate()


def test_fixtures_reach_a_users_test_suite(tmp_path: Any) -> None:
    (tmp_path / "test_user.py").write_text(
        "import sparkfly_client\n"
        "def test_uses_the_sandbox(sparkfly_sandbox, sparkfly_api_client):\n"
        "    api = sparkfly_client.CredentialsApi(sparkfly_api_client)\n"
        "    assert api.get_credential(56).credential.identifier == '5600'\n"
        "    assert sparkfly_sandbox.requests[-1].path == '/v1.0/credentials/56'\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


@pytest.mark.parametrize("value", ["abc", "0", "-3", "\u00b2", "9" * 30])
def test_ids_that_are_not_positive_int64_are_refused_cleanly(sparkfly_sandbox: Sandbox, value: str) -> None:
    headers = {"X-Auth-Token": sparkfly_sandbox.token}
    assert raw(sparkfly_sandbox, "GET", f"/v1.0/credentials/{quote(value)}", headers=headers).status == 404
    listed = raw(sparkfly_sandbox, "GET", f"/v1.0/credentials?member_id={quote(value)}", headers=headers)
    assert listed.status == 400 and listed.json()["error"] == "member_id must be a positive 64-bit integer"


def test_upsert_resource_enforces_the_rate_limit_it_shares_with_the_rest() -> None:
    with Sandbox(rate_limit=2, rate_window=3600) as sandbox:
        headers = {"REB-APIKEY": sandbox.secret_key}
        time.sleep(max(0.0, 3600 - time.time() % 3600 + 0.05) if time.time() % 3600 > 3590 else 0.0)  # one window
        answers = [raw(sandbox, "PUT", "/credentials/cus_crd_56", UPSERT, headers) for _ in range(3)]
        assert [a.status for a in answers] == [201, 200, 429]
        assert [a.headers["Rate-Limit-Remaining"] for a in answers] == ["1", "0", "0"]
        limited = answers[2]
        assert limited.json()["title"] == "Rate Limit Exceeded" and 1 <= int(limited.headers["Retry-After"]) <= 3600
        assert limited.headers["Content-Type"] == "application/problem+json"
        assert raw(sandbox, "GET", "/v1.0/credentials/56", headers={"X-Auth-Token": sandbox.token}).status == 429
