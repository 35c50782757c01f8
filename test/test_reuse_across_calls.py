"""What the client reuses from call to call (connection pools, headers, timeout and retry settings)
follows every change the user makes between calls."""

from __future__ import annotations

from typing import Optional

import pytest
from conftest import TOKEN
from drivers import Driver
from scripted_server import Reply, ScriptedServer

import sparkfly_client
from sparkfly_client import CredentialsApi
from sparkfly_client._endpoint import Endpoint, NonEmptyStr, PathParam

CREDENTIAL = {"credential": {"id": 56, "identifier": "3345"}, "errors": {}}


def test_a_host_with_a_base_path_keeps_it(server: ScriptedServer, configuration: sparkfly_client.Configuration) -> None:
    configuration.host = server.url + "/gateway/"
    with sparkfly_client.ApiClient(configuration) as api_client:
        CredentialsApi(api_client).get_credentials(member_id=56, per_page=5)
    assert server.last.path == "/gateway/v1.0/credentials"
    assert server.last.query == {"member_id": "56", "per_page": "5"}


def test_a_new_host_is_used_from_the_next_call(server: ScriptedServer, api: CredentialsApi) -> None:
    server.push(Reply(200, CREDENTIAL))
    api.get_credential(56)
    with ScriptedServer(Reply(200, {"credential": {"id": 57}})) as other:
        api.api_client.configuration.host = other.url
        assert api.get_credential(57).credential.id == 57  # type: ignore[union-attr]
        assert [r.path for r in other.requests] == ["/v1.0/credentials/57"]
    assert len(server.requests) == 1


def test_calls_after_close_open_new_connections(server: ScriptedServer, api: CredentialsApi) -> None:
    server.push(Reply(200, CREDENTIAL), Reply(200, CREDENTIAL))
    api.get_credential(56)
    api.api_client.close()
    assert api.get_credential(56).credential.identifier == "3345"  # type: ignore[union-attr]
    assert len(server.requests) == 2


def test_header_changes_between_calls_reach_the_wire(server: ScriptedServer, api: CredentialsApi) -> None:
    client = api.api_client
    api.get_credential(56)
    client.user_agent = "pos-terminal/2.0"
    client.default_headers["X-Lane"] = "3"
    client.cookie = "session=abc"
    client.configuration.api_key["X-Auth-Token"] = "second-token"
    api.get_credential(56)
    seen = server.last
    assert (seen.header("User-Agent"), seen.header("X-Lane"), seen.header("Cookie"), seen.header("X-Auth-Token")) == (
        "pos-terminal/2.0",
        "3",
        "session=abc",
        "second-token",
    )
    client.default_headers["X-Lane"] = "4"  # the same name with another value
    api.get_credential(56)
    assert server.last.header("X-Lane") == "4"
    del client.default_headers["X-Lane"]
    api.get_credential(56)
    assert server.last.header("X-Lane") is None
    assert server.last.header("X-Auth-Token") == "second-token"


def test_a_bad_default_header_is_refused_on_every_call(server: ScriptedServer, api: CredentialsApi) -> None:
    api.api_client.default_headers["X-Note"] = "one\r\nX-Injected: yes"
    for _ in range(2):
        with pytest.raises(sparkfly_client.ApiValueError, match="X-Note"):
            api.get_credential(56)
    with pytest.raises(sparkfly_client.ApiValueError, match="credential_id"):  # the argument is reported first
        api.get_credential(0)
    assert server.requests == []


def test_a_bad_content_type_is_refused_before_sending(server: ScriptedServer, api: CredentialsApi) -> None:
    with pytest.raises(sparkfly_client.ApiValueError, match="Content-Type"):
        api.create_credential(
            credential_input_request={"credential": {"member_id": 56}},
            _content_type="application/json\r\nX-Injected: yes",
        )
    assert server.requests == []


def test_retry_setting_changes_apply_to_the_next_call(server: ScriptedServer, api: CredentialsApi) -> None:
    configuration = api.api_client.configuration
    configuration.retries = sparkfly_client.RetryPolicy(max_retries=1, backoff_base=0.0)
    server.push(Reply(503, {"error": "busy"}), Reply(200, CREDENTIAL))
    assert api.get_credential(56).credential.id == 56  # type: ignore[union-attr]
    assert len(server.requests) == 2
    configuration.retries = 0
    server.push(Reply(503, {"error": "busy"}))
    with pytest.raises(sparkfly_client.ServiceException):
        api.get_credential(56)
    assert len(server.requests) == 3


def test_timeout_setting_changes_apply_to_the_next_call(server: ScriptedServer, api: CredentialsApi) -> None:
    configuration = api.api_client.configuration
    server.push(Reply(200, CREDENTIAL, delay=0.5))
    assert api.get_credential(56).credential.id == 56  # type: ignore[union-attr]
    configuration.timeout = 0.1
    server.push(Reply(200, CREDENTIAL, delay=0.5))
    with pytest.raises(sparkfly_client.ApiTimeoutError):
        api.get_credential(56)


def test_string_path_parameters_are_still_percent_encoded() -> None:
    endpoint: Endpoint[None] = Endpoint(
        "put_thing", "PUT", "/things/{thing_id}", None, path_params=(PathParam("thing_id", NonEmptyStr),)
    )
    assert endpoint.render_path({"thing_id": "a/b c"}) == "/things/a%2Fb%20c"


def test_auth_identity_set_after_the_client_was_made_is_used(server: ScriptedServer, driver: Driver) -> None:
    server.responder = lambda seen: Reply(204, headers={"X-Auth-Token": "fetched-1"}) if seen.path == "/auth" else None
    config = sparkfly_client.Configuration(host=server.url, retries=0)
    with driver.client(config) as client:
        api = driver.credentials(client)
        with pytest.raises(sparkfly_client.ApiValueError, match="auth_identity and auth_key"):
            api.get_credential(56)
        config.auth_identity, config.auth_key = "acct", "key-1"
        api.get_credential(56)
        assert [r.path for r in server.requests] == ["/auth", "/v1.0/credentials/56"]
        assert server.last.header("X-Auth-Token") == "fetched-1"
        config.auth_key = "key-2"  # another key: the token it got is not reused
        api.get_credential(56)
        assert [r.path for r in server.requests][-2:] == ["/auth", "/v1.0/credentials/56"]


def test_the_default_configuration_is_kept_and_shared_as_in_generated_clients() -> None:
    try:
        sparkfly_client.Configuration.set_default(None)
        default = sparkfly_client.Configuration.get_default()
        default.host = "http://sparkfly.test"
        assert sparkfly_client.Configuration.get_default() is default
        assert sparkfly_client.ApiClient().configuration.host == "http://sparkfly.test"
        mine = sparkfly_client.Configuration(host="http://other.test")
        sparkfly_client.Configuration.set_default(mine)
        assert sparkfly_client.ApiClient().configuration is mine
    finally:
        sparkfly_client.Configuration.set_default(None)


def test_reordering_default_headers_of_one_name_reaches_the_wire(server: ScriptedServer, api: CredentialsApi) -> None:
    # Of two names that differ only in case, the last one set is sent: the order is part of what was set.
    client = api.api_client
    client.default_headers.update({"X-Lane": "1", "x-lane": "2"})
    server.push(Reply(200, CREDENTIAL), Reply(200, CREDENTIAL))
    api.get_credential(56)
    assert server.last.header("X-Lane") == "2"
    del client.default_headers["X-Lane"]
    client.default_headers["X-Lane"] = "1"
    api.get_credential(56)
    assert server.last.header("X-Lane") == "1"


def test_credential_changes_between_calls_reach_the_wire(server: ScriptedServer, driver: Driver) -> None:
    # What every call shares is derived once per state of the settings; each of them changes the next call.
    config = sparkfly_client.Configuration(host=server.url, retries=0, api_key={"X-Auth-Token": "first"})
    with driver.client(config) as client:
        credentials, customer = driver.credentials(client), driver.customer(client)
        sent = []
        for change in (
            lambda: None,
            lambda: config.api_key_prefix.update({"X-Auth-Token": "Token"}),
            lambda: config.api_key.update({"X-Auth-Token": "second"}),
            lambda: config.api_key_prefix.clear(),
            lambda: setattr(config, "api_key", {"X-Auth-Token": "third"}),
        ):
            change()
            credentials.get_credential(56)
            sent.append(server.last.header("X-Auth-Token"))
        assert sent == ["first", "Token first", "Token second", "second", "third"]

        server.responder = lambda seen: Reply(200, {"id": "c-7"})
        upsert = {"username": "jane.doe", "password": "pw-1", "customer_id": "cust-1"}
        config.access_token = "jwt-1"
        customer.upsert_credential("c-7", upsert)
        config.api_key["SecretApiKey"] = "secret-1"  # preferred over the JWT from now on
        customer.upsert_credential("c-7", upsert)
        config.api_key["SecretApiKey"] = ""  # an empty key is no credential: back to the JWT
        customer.upsert_credential("c-7", upsert)
        assert [(r.header("REB-APIKEY"), r.header("Authorization")) for r in server.requests[-3:]] == [
            (None, "Bearer jwt-1"),
            ("secret-1", None),
            (None, "Bearer jwt-1"),
        ]
        config.access_token = None
        with pytest.raises(sparkfly_client.ApiValueError, match="needs credentials"):
            customer.upsert_credential("c-7", upsert)


def test_a_credential_given_per_call_still_wins_over_the_shared_one(
    server: ScriptedServer, api: CredentialsApi
) -> None:
    api.get_credential(56, _headers={"x-auth-token": "per-call"})
    assert server.last.header("X-Auth-Token") == "per-call"
    api.get_credential(56, _request_auth={"in": "header", "key": "X-Auth-Token", "value": "other"})
    assert server.last.header("X-Auth-Token") == "other"
    api.get_credential(56)
    assert server.last.header("X-Auth-Token") == TOKEN


@pytest.mark.parametrize(
    ("setting", "bad", "option", "good"),
    [("timeout", True, "_request_timeout", 5.0), ("deadline", -1, "_deadline", 5.0), ("retries", -1, "_retries", 0)],
)
def test_a_bad_limit_setting_is_refused_unless_the_call_overrides_it(
    server: ScriptedServer, api: CredentialsApi, setting: str, bad: object, option: str, good: object
) -> None:
    configuration = api.api_client.configuration
    setattr(configuration, setting, 1)
    api.get_credential(56)
    setattr(configuration, setting, bad)  # True equals 1, but is no timeout: compared by identity, not equality
    for _ in range(2):
        with pytest.raises(sparkfly_client.ApiValueError):
            api.get_credential(56)
    api.get_credential(56, **{option: good})
    assert len(server.requests) == 2


@pytest.mark.parametrize("bad", ["bad\nkey", "kéy-€"])
def test_a_configured_credential_that_cannot_be_sent_fails_only_the_calls_that_send_it(
    server: ScriptedServer, api: CredentialsApi, bad: str
) -> None:
    api.api_client.configuration.api_key["X-Auth-Token"] = bad
    with pytest.raises(sparkfly_client.ApiValueError, match="X-Auth-Token"):
        api.get_credential(56)
    with pytest.raises(sparkfly_client.ApiValueError, match="credential_id"):  # the argument is reported first
        api.get_credential(0)
    api.get_credential(56, _request_auth={"in": "header", "key": "X-Auth-Token", "value": "good"})
    assert server.last.header("X-Auth-Token") == "good"
    api.get_credential(56, _headers={"X-Auth-Token": "also-good"})
    assert server.last.header("X-Auth-Token") == "also-good"
    assert len(server.requests) == 2


def test_a_configuration_overriding_get_api_key_with_prefix_is_heard(server: ScriptedServer, driver: Driver) -> None:
    class VaultConfiguration(sparkfly_client.Configuration):
        def get_api_key_with_prefix(self, identifier: str, alias: Optional[str] = None) -> Optional[str]:
            return f"from-vault-{self.vault_reads}" if identifier == "X-Auth-Token" else None

    config = VaultConfiguration(host=server.url, retries=0)
    config.vault_reads = 1  # type: ignore[attr-defined]
    with driver.client(config) as client:
        api = driver.credentials(client)
        api.get_credential(56)
        config.vault_reads = 2  # type: ignore[attr-defined]
        api.get_credential(56)
    assert [r.header("X-Auth-Token") for r in server.requests] == ["from-vault-1", "from-vault-2"]


def test_a_timeout_tuple_is_checked_whatever_was_used_before() -> None:
    from sparkfly_client._shared import Timeouts

    assert Timeouts.from_value((1, 2)).connect == 1.0
    with pytest.raises(sparkfly_client.ApiValueError):
        Timeouts.from_value((True, 2))  # equal to (1, 2), and cached, but no timeout
