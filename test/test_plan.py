"""The call plan on its own: no socket, no sleep, a clock the test moves. Each test steps the plan as a
driver would and checks what it asks for next."""

from __future__ import annotations

import math
from typing import Any, Dict, Generator, List, Optional, Tuple

import pytest

import sparkfly_client
from sparkfly_client import ApiConnectionError, ApiTimeoutError, RetryPolicy
from sparkfly_client._auth import AuthFlow
from sparkfly_client._plan import plan_call
from sparkfly_client._request import Call, RequestBuilder
from sparkfly_client._steps import Authenticate, Clock, PreparedRequest, Response, Send, Wait
from sparkfly_client.api.credentials_api import CREATE_CREDENTIAL, GET_CREDENTIAL, REDEEM_CREDENTIAL


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.draws: List[Tuple[float, float]] = []

    def clock(self) -> Clock:
        return Clock(monotonic=lambda: self.now, wall=lambda: 1_700_000_000.0, random=self.uniform)

    def uniform(self, low: float, high: float) -> float:
        self.draws.append((low, high))
        return high / 2


def prepare(endpoint: Any = GET_CREDENTIAL, args: Optional[Dict[str, Any]] = None, **settings: Any) -> PreparedRequest:
    settings.setdefault("retries", RetryPolicy(max_retries=2, backoff_base=1.0, backoff_cap=8.0))
    config = sparkfly_client.Configuration(host="http://sparkfly.test", api_key={"X-Auth-Token": "tok"}, **settings)
    return RequestBuilder(config).build(Call(endpoint, args or {"credential_id": 56}, {}))


def start(request: PreparedRequest, time: FakeTime, **kwargs: Any) -> Tuple[Generator[Any, Any, Any], Any]:
    kwargs.setdefault("auth", None)
    plan = plan_call(request, preload=True, max_body=1 << 20, max_retry_wait=60.0, clock=time.clock(), **kwargs)
    return plan, next(plan)


def reply(status: int, headers: Optional[Dict[str, str]] = None) -> Response:
    return Response(status, "", headers or {}, b"{}", None)


def ended(plan: Generator[Any, Any, Any], outcome: Any) -> Any:
    """Send the last outcome; what the plan returns."""
    with pytest.raises(StopIteration) as done:
        plan.send(outcome)
    return done.value.value


def finish(plan: Generator[Any, Any, Any], outcome: Any) -> Tuple[Response, int]:
    """Send the last outcome; the final response and the attempts the call's plan ends with."""
    outcome = ended(plan, outcome)
    return outcome.response, outcome.attempts


def test_a_503_is_retried_after_a_jittered_backoff() -> None:
    time = FakeTime()
    plan, step = start(prepare(), time)
    assert isinstance(step, Send) and step.method == "GET"
    wait = plan.send(reply(503))
    assert isinstance(wait, Wait) and wait.seconds == 0.5 and time.draws == [(0.0, 1.0)]
    assert isinstance(plan.send(None), Send)
    final, attempts = finish(plan, reply(200))
    assert final.status == 200 and attempts == 2


@pytest.mark.parametrize("nonsense", ["-5", "nan", "inf", "-inf", "soon", ""])
def test_nonsense_retry_after_means_normal_backoff(nonsense: str) -> None:
    time = FakeTime()
    plan, _ = start(prepare(), time)
    wait = plan.send(reply(503, {"Retry-After": nonsense}))
    assert isinstance(wait, Wait) and wait.seconds == 0.5 and not math.isnan(wait.seconds)


def test_retry_after_is_honoured_as_given() -> None:
    plan, _ = start(prepare(), FakeTime())
    assert plan.send(reply(429, {"Retry-After": "7"})).seconds == 7.0


def test_a_wait_that_would_pass_the_deadline_ends_the_call_with_the_answer() -> None:
    time = FakeTime()
    plan, _ = start(prepare(deadline=5.0), time)
    final, attempts = finish(plan, reply(503, {"Retry-After": "6"}))
    assert final.status == 503 and attempts == 1


def test_each_attempt_gets_only_what_is_left_of_the_deadline() -> None:
    time = FakeTime()
    plan, step = start(prepare(deadline=10.0, timeout=(5.0, 30.0)), time)
    assert (step.timeouts.connect, step.timeouts.read, step.timeouts.total) == (5.0, 10.0, 10.0)
    time.now += 8.0
    plan.send(reply(503))  # waits 0.5
    time.now += 0.5
    step = plan.send(None)
    assert step.timeouts.read == pytest.approx(1.5) and step.timeouts.connect == pytest.approx(1.5)


def test_the_deadline_passing_before_an_attempt_raises_a_timeout_for_the_whole_call() -> None:
    time = FakeTime()
    plan, _ = start(prepare(deadline=2.0), time)
    time.now += 1.0
    plan.send(ApiConnectionError("connection failed (reset)", request_sent=True))
    time.now += 1.5
    with pytest.raises(ApiTimeoutError) as caught:
        plan.send(None)
    error = caught.value
    assert "deadline of 2s passed" in str(error) and error.attempts == 1 and error.request_sent
    assert error.elapsed == pytest.approx(2.5)


def test_a_failure_report_covers_every_attempt() -> None:
    time = FakeTime()
    plan, _ = start(prepare(), time)
    plan.send(ApiConnectionError("dropped", request_sent=True))  # reached the server
    time.now += 0.5
    plan.send(None)
    plan.send(ApiConnectionError("refused", request_sent=False))
    time.now += 1.0
    plan.send(None)
    with pytest.raises(ApiConnectionError) as caught:
        plan.send(ApiConnectionError("refused", request_sent=False))
    error = caught.value
    assert (error.attempts, error.request_sent, error.elapsed) == (3, True, 1.5)


def test_a_post_that_may_have_been_sent_is_never_repeated() -> None:
    plan, _ = start(prepare(CREATE_CREDENTIAL, {}), FakeTime())
    with pytest.raises(ApiConnectionError, match="not retried: create_credential is not repeated"):
        plan.send(ApiConnectionError("reset", request_sent=True))


def test_a_post_is_retried_when_nothing_was_sent() -> None:
    plan, _ = start(prepare(CREATE_CREDENTIAL, {}), FakeTime())
    assert isinstance(plan.send(ApiConnectionError("refused", request_sent=False)), Wait)


def test_a_redeem_is_not_repeated_even_on_a_retryable_status() -> None:
    plan, _ = start(prepare(REDEEM_CREDENTIAL), FakeTime())
    final, attempts = finish(plan, reply(503))
    assert final.status == 503 and attempts == 1


def test_a_failure_that_retrying_cannot_help_is_raised_at_once() -> None:
    plan, _ = start(prepare(), FakeTime())
    tls = ApiConnectionError("TLS failure (certificate verify failed)", request_sent=False, retryable=False)
    with pytest.raises(ApiConnectionError) as caught:
        plan.send(tls)
    assert caught.value.attempts == 1 and caught.value.request_sent is False


class TokenSource:
    """An AuthFlow whose /auth answers the test gives by hand."""

    def __init__(self, time: FakeTime) -> None:
        config = sparkfly_client.Configuration(
            host="http://sparkfly.test", auth_identity="acct", auth_key="key", retries=0
        )
        self.config = config
        builder = RequestBuilder(config)
        self.flow = AuthFlow(
            config,
            lambda endpoint, headers: builder.build(Call(endpoint, {}, {"_headers": headers})),
            lambda request, deadline_at: plan_call(
                request, preload=True, max_body=1 << 20, max_retry_wait=60, auth=None, clock=time.clock()
            ),
            lambda: time.now,
        )
        self.builder = builder

    def renew(self, step: Authenticate, answer: Response) -> str:
        """Run the renewal as a driver would, answering its one /auth exchange with ``answer``."""
        renewal = step.renewal()
        send = next(renewal)
        assert isinstance(send, Send) and send.url.endswith("/auth") and send.headers["X-Auth-Key"] == "key"
        return ended(renewal, answer)  # type: ignore[no-any-return]


def token_reply(token: str) -> Response:
    return Response(204, "", {"X-Auth-Token": token}, b"", None)


def test_a_proxy_refusing_the_tunnel_is_asked_again_only_for_a_status_the_policy_retries() -> None:
    time = FakeTime()
    plan, _ = start(prepare(), time)
    refused = ApiConnectionError("proxy failure (407)", request_sent=False, proxy_status=407)
    with pytest.raises(ApiConnectionError) as caught:
        plan.send(refused)
    assert caught.value.attempts == 1
    plan, _ = start(prepare(), time)
    assert isinstance(plan.send(ApiConnectionError("proxy failure (503)", request_sent=False, proxy_status=503)), Wait)


def test_a_401_renews_the_token_once_and_replays_once() -> None:
    time = FakeTime()
    tokens = TokenSource(time)
    request = tokens.builder.build(Call(GET_CREDENTIAL, {"credential_id": 56}, {}))
    plan = plan_call(request, preload=True, max_body=1 << 20, max_retry_wait=60, auth=tokens.flow, clock=time.clock())
    need = next(plan)
    assert isinstance(need, Authenticate) and need.stale is None and need.settled() is None
    send = plan.send(tokens.renew(need, token_reply("t1")))
    assert send.headers["X-Auth-Token"] == "t1"
    need = plan.send(reply(401))
    assert isinstance(need, Authenticate) and need.stale == "t1"
    send = plan.send(tokens.renew(need, token_reply("t2")))
    assert send.headers["X-Auth-Token"] == "t2"
    final, _ = finish(plan, reply(401))  # a second 401 is the answer
    assert final.status == 401


def test_callers_waiting_on_a_renewal_share_its_outcome_instead_of_making_their_own() -> None:
    time = FakeTime()
    tokens = TokenSource(time)
    first, second = tokens.flow.need(None, None), tokens.flow.need(None, None)  # both found no token
    with pytest.raises(sparkfly_client.ServiceException):
        tokens.renew(first, Response(503, "", {}, b'{"error": "auth down"}', None))
    with pytest.raises(sparkfly_client.ServiceException):
        second.settled()  # the waiter gets the same failure, with no /auth call of its own
    third = tokens.flow.need(None, None)  # a caller arriving after the failure tries again
    assert third.settled() is None
    assert tokens.renew(third, token_reply("t9")) == "t9"
    late = tokens.flow.need(None, None)
    assert late.settled() == "t9"


def test_a_token_is_renewed_before_it_expires_and_not_reused_for_another_identity() -> None:
    time = FakeTime()
    tokens = TokenSource(time)
    tokens.renew(tokens.flow.need(None, None), token_reply("t1"))
    assert tokens.flow.valid_token() == "t1"
    time.now += 24 * 3600 - 301
    assert tokens.flow.valid_token() == "t1"
    time.now += 2
    assert tokens.flow.valid_token() is None
    tokens.renew(tokens.flow.need(None, None), token_reply("t2"))
    tokens.config.auth_identity = "another-account"
    assert tokens.flow.valid_token() is None
