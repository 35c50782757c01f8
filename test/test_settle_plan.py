"""Each decision of settling, on the plan alone: no socket, no sleep, a clock the test moves. The test steps a call's
plan as a driver would, answers each step by hand and checks what the plan asks for next."""

from __future__ import annotations

import json
from typing import Any, Dict, Generator, List, Optional

import pytest

import sparkfly_client
from sparkfly_client import ApiConnectionError, ApiTimeoutError, OutcomeUnknownError, RetryPolicy
from sparkfly_client._client_base import ClientBase
from sparkfly_client._request import DATA, HTTP_INFO, Call
from sparkfly_client._steps import Admit, Clock, Observe, Outcome, Response, Send, Wait
from sparkfly_client.api.credentials_api import (
    CREATE_CREDENTIAL,
    DELETE_CREDENTIAL,
    GET_CREDENTIAL,
    REDEEM_CREDENTIAL,
)

CREATED = {"id": 1001, "identifier": "POS-1", "member_id": 56, "channel_id": 56, "offer_ids": [56], "voided_at": None}


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def clock(self) -> Clock:
        return Clock(monotonic=lambda: self.now, wall=lambda: 1_700_000_000.0, random=lambda low, high: high / 2)


class Stepper:
    """A client's plan of one call, stepped by hand."""

    def __init__(self, endpoint: Any, args: Dict[str, Any], result: str = HTTP_INFO, **options: Any) -> None:
        self.time = FakeTime()
        config = sparkfly_client.Configuration(
            host="http://sparkfly.test",
            api_key={"X-Auth-Token": "tok"},
            retries=RetryPolicy(max_retries=1, backoff_base=0.5),
            settle_outcomes=True,
            deadline=30.0,
        )
        self.client = ClientBase(config, clock=self.time.clock())
        self.result = result
        self.plan: Generator[Any, Any, Any] = self.client._plan(Call(endpoint, args, options), result)
        self.step: Any = self._past_the_rate_limit(next(self.plan))

    def answer(self, outcome: Any) -> Any:
        """Answer the step; the next step, or what the call returns when the plan ends."""
        try:
            self.step = self._past_the_rate_limit(self.plan.send(outcome))
        except StopIteration as done:
            self.step = None
            return self.client._finish(done.value, self.result)
        return self.step

    def _past_the_rate_limit(self, step: Any) -> Any:
        """Answer the rate limit's steps as a driver would (the server here announces no limit)."""
        while isinstance(step, (Admit, Observe)):
            if isinstance(step, Admit):
                step = self.plan.send(step.ask(self.time.now))
            else:
                step.apply(self.time.now, 1_700_000_000.0)
                step = self.plan.send(None)
        return step


def reply(status: int, body: Any = None) -> Response:
    return Response(status, "", {}, json.dumps(body if body is not None else {}).encode(), None)


def page(*credentials: Dict[str, Any]) -> Response:
    items = [{"credential": c} for c in credentials]
    return reply(200, {"page": 1, "per_page": 50, "total_entries": len(items), "total_pages": 1, "credentials": items})


def lost() -> ApiTimeoutError:
    return ApiTimeoutError("timed out (read timeout)", request_sent=True)


def create(identifier: Optional[str] = "POS-1", **fields: Any) -> Stepper:
    credential: Dict[str, Any] = {"member_id": 56, "channel_id": 56, "offer_id": 56, **fields}
    if identifier is not None:
        credential["identifier"] = identifier
    return Stepper(CREATE_CREDENTIAL, {"credential_input_request": {"credential": credential}})


def is_search(step: Any, identifier: str = "POS-1") -> bool:
    if not (isinstance(step, Send) and step.method == "GET"):
        return False
    path, _, query = step.url.partition("?")
    return path.endswith("/v1.0/credentials") and sorted(query.split("&")) == [f"identifier={identifier}", "page=1"]


def test_a_lost_create_is_searched_for_and_found() -> None:
    call = create()
    assert call.step.method == "POST"
    assert is_search(call.answer(lost()))
    response = call.answer(page({**CREATED, "id": 7, "voided_at": "2024-01-01T00:00:00Z"}, CREATED))
    assert response.settled == "found" and response.data.credential.id == 1001 and response.status_code == 200


def test_a_credential_of_another_member_channel_or_offer_is_not_the_one() -> None:
    for other in ({"member_id": 57}, {"channel_id": 57}, {"offer_ids": [57]}):
        call = create()
        call.answer(lost())
        resend = call.answer(page({**CREATED, **other}))
        assert isinstance(resend, Send) and resend.method == "POST", other


def test_a_create_found_nowhere_is_sent_once_more() -> None:
    call = create()
    call.answer(lost())
    resend = call.answer(page())
    assert isinstance(resend, Send) and resend.method == "POST" and json.loads(resend.body)["credential"]["identifier"]
    response = call.answer(reply(201, {"credential": CREATED}))
    assert response.settled == "resent" and response.status_code == 201


def test_a_resend_refused_as_taken_searches_again_and_returns_what_it_finds() -> None:
    call = create()
    call.answer(lost())
    call.answer(page())
    again = call.answer(reply(400, {"error": "Identifier has already been taken", "message": "Credential 1001 has it"}))
    assert is_search(again)
    response = call.answer(page(CREATED))
    assert response.settled == "found" and response.data.credential.id == 1001


def test_a_resend_refused_otherwise_is_that_refusal() -> None:
    call = create()
    call.answer(lost())
    call.answer(page())
    with pytest.raises(sparkfly_client.BadRequestException, match="Offer with ID 56 is no longer active"):
        call.answer(reply(400, {"error": "Offer with ID 56 is no longer active"}))


def test_a_resend_whose_answer_is_lost_too_is_searched_for_again() -> None:
    call = create()
    call.answer(lost())
    call.answer(page())
    assert is_search(call.answer(lost()))
    assert call.answer(page(CREATED)).settled == "found"


def test_a_create_without_an_identifier_cannot_be_settled_and_sends_nothing_more() -> None:
    call = create(identifier=None)
    with pytest.raises(OutcomeUnknownError) as caught:
        call.answer(lost())
    assert caught.value.settle_error == "no identifier" and caught.value.attempts == 1
    assert isinstance(caught.value.__cause__, ApiTimeoutError)
    assert "pass" in str(caught.value) or "carries an identifier" in str(caught.value)


def test_a_connection_failure_before_sending_is_retried_not_settled() -> None:
    call = create()
    wait = call.answer(ApiConnectionError("refused", request_sent=False))
    assert isinstance(wait, Wait)
    assert call.answer(None).method == "POST"


def test_a_502_is_settled_and_a_500_is_not() -> None:
    call = create()
    assert is_search(call.answer(reply(502)))
    call = create()
    with pytest.raises(sparkfly_client.ServiceException):
        call.answer(reply(500))


def test_a_settling_read_that_fails_makes_the_outcome_unknown() -> None:
    call = create()
    call.answer(lost())
    wait = call.answer(reply(503))  # the read is a GET: retried as GETs are
    assert isinstance(wait, Wait)
    assert is_search(call.answer(None))
    with pytest.raises(OutcomeUnknownError) as caught:
        call.answer(reply(503))
    assert caught.value.settle_error.startswith("the settling read failed: HTTP 503")


def test_a_settling_read_past_the_deadline_is_unknown_for_that_reason() -> None:
    call = create()
    call.answer(lost())
    call.time.now += 30.0  # the call's whole deadline went by while the read was out
    with pytest.raises(OutcomeUnknownError) as caught:
        call.answer(ApiTimeoutError("timed out (read timeout)", request_sent=True))
    assert caught.value.settle_error == "deadline"


def redeem() -> Stepper:
    return Stepper(REDEEM_CREDENTIAL, {"credential_id": 56})


def read_of(**fields: Any) -> Response:
    credential = {"id": 56, "reusable": False, "locked": False, "redeemed_at": None, "voided_at": None, **fields}
    return reply(200, {"credential": credential})


def is_read(step: Any) -> bool:
    return isinstance(step, Send) and step.method == "GET" and step.url.endswith("/v1.0/credentials/56")


def test_a_lost_redeem_found_redeemed_is_the_answer() -> None:
    call = redeem()
    assert is_read(call.answer(lost()))
    response = call.answer(read_of(redeemed_at="2024-05-01T12:00:00Z", status="redeemed"))
    assert response.settled == "found" and response.data.credential.id == 56


def test_a_lost_redeem_not_redeemed_is_sent_once_more() -> None:
    call = redeem()
    call.answer(lost())
    resend = call.answer(read_of())
    assert isinstance(resend, Send) and resend.method == "PUT" and resend.url.endswith("/redeem")
    response = call.answer(reply(201, {"credential": {"id": 56, "redeemed_at": "2024-05-01T12:00:00Z"}}))
    assert response.settled == "resent"


def test_a_resent_redeem_refused_as_already_redeemed_is_read_again() -> None:
    call = redeem()
    call.answer(lost())
    call.answer(read_of())
    assert is_read(call.answer(reply(400, {"error": "Credential has already been redeemed"})))
    assert call.answer(read_of(redeemed_at="2024-05-01T12:00:00Z")).settled == "found"


def test_a_locked_credential_is_read_again_after_a_short_wait() -> None:
    call = redeem()
    call.answer(lost())
    wait = call.answer(read_of(locked=True))
    assert isinstance(wait, Wait) and 0 < wait.seconds <= 1.0
    assert is_read(call.answer(None))
    assert call.answer(read_of(redeemed_at="2024-05-01T12:00:00Z")).settled == "found"


def test_a_locked_credential_is_not_waited_on_past_the_deadline() -> None:
    call = redeem()
    call.answer(lost())
    call.time.now += 29.9
    with pytest.raises(OutcomeUnknownError) as caught:
        call.answer(read_of(locked=True))
    assert caught.value.settle_error == "deadline"


def test_a_reusable_credential_cannot_be_settled_by_reading() -> None:
    call = redeem()
    call.answer(lost())
    with pytest.raises(OutcomeUnknownError) as caught:
        call.answer(read_of(reusable=True, redeemed_at="2024-05-01T12:00:00Z"))
    assert caught.value.settle_error == "reusable credential"


def test_a_redeem_is_never_resent_more_than_a_few_times() -> None:
    call = redeem()
    call.answer(lost())
    sends: List[str] = []
    step = call.answer(read_of())
    with pytest.raises(OutcomeUnknownError) as caught:
        while True:
            sends.append(step.method)
            step = call.answer(lost() if step.method == "PUT" else read_of())
    assert sends.count("PUT") == 3 and caught.value.settle_error == "no answer to any resend"


def test_a_delete_resent_after_a_lost_answer_and_not_found_is_done() -> None:
    call = Stepper(DELETE_CREDENTIAL, {"credential_id": 56})
    wait = call.answer(lost())
    assert isinstance(wait, Wait)  # a delete is safe to resend: retried
    assert call.answer(None).method == "DELETE"
    response = call.answer(reply(404, {"error": "Not Found"}))
    assert response.settled == "found" and response.status_code == 404 and response.data.credential.id == 56


def test_a_delete_not_found_at_once_is_not_found() -> None:
    call = Stepper(DELETE_CREDENTIAL, {"credential_id": 56})
    with pytest.raises(sparkfly_client.NotFoundException):
        call.answer(reply(404, {"error": "Not Found"}))


def test_the_plain_variant_returns_the_settled_answer_itself() -> None:
    call = Stepper(REDEEM_CREDENTIAL, {"credential_id": 56}, result=DATA)
    call.answer(lost())
    found = call.answer(read_of(redeemed_at="2024-05-01T12:00:00Z"))
    assert isinstance(found, sparkfly_client.CredentialResponse) and found.credential.id == 56


def test_settling_off_raises_the_lost_answer_at_once() -> None:
    call = Stepper(CREATE_CREDENTIAL, {"credential_input_request": None}, _settle=False)
    with pytest.raises(ApiTimeoutError) as caught:
        call.answer(lost())
    assert not isinstance(caught.value, OutcomeUnknownError)


def test_a_plan_s_outcome_carries_how_it_was_settled() -> None:
    outcome = Outcome(reply(200), 1)
    assert outcome.settled is None


def test_a_credential_that_does_not_say_it_is_single_use_cannot_be_settled_by_reading() -> None:
    call = redeem()
    call.answer(lost())
    with pytest.raises(OutcomeUnknownError) as caught:
        call.answer(reply(200, {"credential": {"id": 56, "redeemed_at": None}}))  # reusable absent
    assert caught.value.settle_error == "reusable credential"


def test_a_resent_redeem_refused_by_a_business_rule_is_that_refusal() -> None:
    call = redeem()
    call.answer(lost())
    call.answer(read_of())
    with pytest.raises(sparkfly_client.UnprocessableEntityException, match="Offer has expired"):
        call.answer(reply(422, {"error": "Offer has expired"}))


def test_a_resent_redeem_refused_as_locked_is_read_again_after_a_wait() -> None:
    call = redeem()
    call.answer(lost())
    call.answer(read_of())
    locked = {"error": "This credential is currently locked for processing. Please try again later."}
    assert isinstance(call.answer(reply(422, locked)), Wait)
    assert is_read(call.answer(None))


def test_the_settle_option_is_checked_on_every_operation() -> None:
    with pytest.raises(sparkfly_client.ApiTypeError, match="_settle"):
        Stepper(GET_CREDENTIAL, {"credential_id": 56}, _settle="yes")
