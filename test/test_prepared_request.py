"""A call without per-call options is built from what its operation prepared once (``_request._Prepared``): it must
be the request the full build makes, header for header and in the same order, under every state of the settings."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

import pytest

import sparkfly_client
from sparkfly_client._request import Call, RequestBuilder
from sparkfly_client.api import credentials_api as declared
from sparkfly_client.exceptions import ApiValueError

BODY = sparkfly_client.CredentialInputRequest(
    credential=sparkfly_client.CredentialInput(member_id=56, offer_id=56, channel_id=56)
)
CALLS: List[Tuple[Any, Dict[str, Any]]] = [
    (declared.GET_CREDENTIAL, {"credential_id": 56}),
    (declared.GET_CREDENTIALS, {"member_id": 56, "per_page": 5}),
    (declared.GET_CREDENTIALS, {}),
    (declared.CREATE_CREDENTIAL, {"credential_input_request": BODY}),
    (declared.CREATE_CREDENTIAL, {"credential_input_request": None}),
    (declared.UPDATE_CREDENTIAL, {"credential_id": 56, "credential_input_request": BODY}),
    (declared.REDEEM_CREDENTIAL, {"credential_id": 56}),
    (declared.DELETE_CREDENTIAL, {"credential_id": 56}),
]


def _built(builder: RequestBuilder, endpoint: Any, args: Dict[str, Any], options: Dict[str, Any]) -> Tuple[Any, ...]:
    request = builder.build(Call(endpoint, dict(args), options))
    return (request.method, request.url, list(request.headers.items()), request.body, request.timeouts,
            request.deadline, request.policy, request.token_auth, request.settle)  # fmt: skip


def _configurations() -> List[sparkfly_client.Configuration]:
    plain = sparkfly_client.Configuration(host="http://127.0.0.1:9", api_key={"X-Auth-Token": "tok"})
    settling = sparkfly_client.Configuration(
        host="http://127.0.0.1:9", api_key={"X-Auth-Token": "tok"}, settle_outcomes=True, deadline=None, retries=0
    )
    token_flow = sparkfly_client.Configuration(host="http://127.0.0.1:9", auth_identity="me", auth_key="key")
    return [plain, settling, token_flow]


@pytest.mark.parametrize("client_headers", [{}, {"Content-Type": "application/json; charset=utf-8", "X-Team": "pos"}])
@pytest.mark.parametrize("configuration", _configurations(), ids=["api_key", "settling", "token_flow"])
def test_a_call_without_options_is_the_request_the_full_build_makes(
    configuration: Any, client_headers: Dict[str, str]
) -> None:
    builder = RequestBuilder(configuration)
    builder.default_headers.update(client_headers)  # a client-wide Content-Type stays on a request without a body
    for endpoint, args in CALLS:
        for _ in range(2):  # the first call prepares, the second reuses
            # _headers={} adds nothing, yet takes the full build
            assert _built(builder, endpoint, args, {}) == _built(builder, endpoint, args, {"_headers": {}})


def test_what_was_prepared_follows_the_settings() -> None:
    configuration = _configurations()[0]
    builder = RequestBuilder(configuration)
    first = builder.build(Call(declared.REDEEM_CREDENTIAL, {"credential_id": 56}, {}))
    configuration.api_key["X-Auth-Token"] = "other"
    configuration.settle_outcomes = True
    configuration.timeout = 3.0
    second = builder.build(Call(declared.REDEEM_CREDENTIAL, {"credential_id": 56}, {}))
    assert (first.headers["X-Auth-Token"], first.settle, first.timeouts.total) == ("tok", False, None)
    assert (second.headers["X-Auth-Token"], second.settle, second.timeouts.total) == ("other", True, 3.0)


def test_errors_come_in_the_order_of_the_full_build() -> None:
    configuration = sparkfly_client.Configuration(host="http://127.0.0.1:9")  # no credential configured
    builder = RequestBuilder(configuration)
    with pytest.raises(ApiValueError, match="Missing the required parameter 'credential_id'"):
        builder.build(Call(declared.GET_CREDENTIAL, {"credential_id": None}, {}))
    with pytest.raises(ApiValueError, match="get_credential needs credentials"):
        builder.build(Call(declared.GET_CREDENTIAL, {"credential_id": 56}, {}))
    configuration.api_key["X-Auth-Token"] = "tok"
    configuration.timeout = -1  # not valid: the full build says why
    with pytest.raises(ApiValueError, match="timeout"):
        builder.build(Call(declared.GET_CREDENTIAL, {"credential_id": 56}, {}))
