"""The sandbox's rate limit: fixed windows aligned to the clock, one count for every client of every API route."""

from __future__ import annotations

import threading
import time
from email.utils import formatdate, parsedate_to_datetime
from itertools import groupby
from typing import Any, Dict, Iterator, List, NamedTuple

import pytest
import urllib3
from sandbox_process import exported, sandbox_process

import sparkfly_client
from sparkfly_client.sandbox import RateWindow, Sandbox
from sparkfly_client.sandbox.ratelimit import WINDOW_LOG_SIZE, RateLimiter

UPSERT = {"username": "jane", "password": "pw", "customerId": "cus_56"}
RATE_HEADERS = ("Rate-Limit-Limit", "Rate-Limit-Remaining", "Rate-Limit-Reset")


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# --- the accounting, with an injected clock ----------------------------------------------------


def test_a_window_serves_its_limit_then_refuses_until_the_next() -> None:
    clock = Clock(1000.0)
    limiter = RateLimiter(3, 10, clock)
    admissions = [limiter.admit() for _ in range(3)]
    assert all(a is not None and a.allowed for a in admissions)
    assert [a.headers["Rate-Limit-Remaining"] for a in admissions if a] == ["2", "1", "0"]
    clock.now = 1004.2
    refused = limiter.admit()
    assert refused is not None and not refused.allowed
    assert refused.headers == {
        "Rate-Limit-Limit": "3",
        "Rate-Limit-Remaining": "0",
        "Rate-Limit-Reset": formatdate(1010, usegmt=True),
        "Retry-After": "6",
    }
    clock.now = 1010.0  # the next window starts on the dot
    fresh = limiter.admit()
    assert fresh is not None and fresh.allowed and fresh.headers["Rate-Limit-Remaining"] == "2"
    assert fresh.headers["Rate-Limit-Reset"] == "Thu, 01 Jan 1970 00:17:00 GMT"  # 1020 s
    assert limiter.windows() == [RateWindow(1000.0, 3, 1), RateWindow(1010.0, 1, 0)]


def test_windows_are_aligned_to_the_clock_not_to_the_first_request() -> None:
    clock = Clock(1234.5)
    limiter = RateLimiter(0, 60, clock)  # a limit of 0 refuses everything
    refused = limiter.admit()
    assert refused is not None and not refused.allowed
    assert refused.headers["Rate-Limit-Reset"] == formatdate(1260, usegmt=True)
    assert refused.headers["Retry-After"] == "26"  # 25.5 s, rounded up
    assert limiter.windows() == [(1200.0, 0, 1)]


def test_a_window_of_part_of_a_second_announces_the_next_whole_second() -> None:
    clock = Clock(100.2)
    limiter = RateLimiter(1, 0.5, clock)
    limiter.admit()
    refused = limiter.admit()
    assert refused is not None and not refused.allowed
    assert refused.headers["Rate-Limit-Reset"] == formatdate(101, usegmt=True)  # the window ends at 100.5
    assert refused.headers["Retry-After"] == "1"
    clock.now = 100.5
    assert limiter.windows() == [(100.0, 1, 1)] and (limiter.admit() or pytest.fail()).allowed


def test_without_a_limit_nothing_is_counted() -> None:
    limiter = RateLimiter(None, 60, Clock(0.0))
    assert limiter.admit() is None and limiter.windows() == []


def test_a_clock_that_steps_back_starts_another_window() -> None:
    clock = Clock(120.0)
    limiter = RateLimiter(1, 60, clock)
    limiter.admit()
    clock.now = 100.0
    assert (limiter.admit() or pytest.fail()).allowed
    assert limiter.windows() == [(120.0, 1, 0), (60.0, 1, 0)]


def test_threads_never_get_more_than_the_limit_served() -> None:
    limiter = RateLimiter(100, 60, Clock(6000.0))
    allowed: List[bool] = []

    def hammer() -> None:
        for _ in range(50):
            admission = limiter.admit()
            allowed.append(admission is not None and admission.allowed)

    workers = [threading.Thread(target=hammer) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert allowed.count(True) == 100 and limiter.windows() == [(6000.0, 100, 300)]


def test_the_window_log_is_bounded_and_clear_starts_afresh() -> None:
    clock = Clock(0.0)
    limiter = RateLimiter(1, 1, clock)
    for second in range(WINDOW_LOG_SIZE + 5):
        clock.now = float(second)
        limiter.admit()
    windows = limiter.windows()
    assert len(windows) == WINDOW_LOG_SIZE and windows[0].start == 5.0
    limiter.clear()
    assert limiter.windows() == []


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        ({"rate_limit": -1}, "rate_limit must be None or an integer of at least 0, got -1"),
        ({"rate_limit": 2.0}, "rate_limit must be None or an integer"),
        ({"rate_limit": True}, "rate_limit must be None or an integer"),
        ({"rate_limit": 5, "rate_window": 0}, "rate_window must be a positive number of seconds, got 0"),
        ({"rate_limit": 5, "rate_window": float("inf")}, "rate_window must be a positive number"),
        ({"rate_limit": 5, "rate_window": "60"}, "rate_window must be a positive number"),
    ],
)
def test_settings_that_cannot_work_are_refused(settings: Dict[str, Any], said: str) -> None:
    with pytest.raises(ValueError, match=said.replace("(", r"\(")):
        Sandbox(**settings)


# --- over HTTP ---------------------------------------------------------------------------------


def at_the_start_of_a_window(window: float, margin: float = 0.02) -> None:
    """Sleep until just after the next window starts, so that what follows has most of a window."""
    time.sleep(window - time.time() % window + margin)


def well_inside_a_window(window: float, needed: float = 10.0) -> None:
    """Make sure the current window has ``needed`` seconds left (a long window barely ever ends mid-test)."""
    if window - time.time() % window < needed:
        at_the_start_of_a_window(window)


class Answer(NamedTuple):
    sent: float  # when the request was asked for, seconds since the epoch
    status: int
    headers: Any
    #: when its answer was back: the SDK's client holds a request back while its limit says the window is used up
    answered: float = 0.0


def send(method: str, url: str, **options: Any) -> urllib3.BaseHTTPResponse:
    """One request, its answer as it came (urllib3 alone would wait out a 429's Retry-After and resend)."""
    return urllib3.request(method, url, retries=False, **options)


def reset_instant(headers: Any) -> float:
    return parsedate_to_datetime(headers["Rate-Limit-Reset"]).timestamp()


@pytest.fixture
def limited() -> Iterator[Sandbox]:
    with Sandbox(rate_limit=5, rate_window=1) as sandbox:
        yield sandbox


def test_every_client_shares_one_count_and_recovers_in_the_next_window(limited: Sandbox) -> None:
    token = {"X-Auth-Token": limited.token}
    pools = [urllib3.PoolManager(retries=False), urllib3.PoolManager(retries=False)]
    answers: List[Answer] = []
    with limited.api_client(retries=0) as api_client:
        api = sparkfly_client.CredentialsApi(api_client)
        at_the_start_of_a_window(1.0)
        for i in range(12):  # two raw connections and the SDK in turn, on /v1.0 routes and the upsert
            sent = time.time()
            if i % 3 == 0:
                got = pools[0].request("GET", limited.url + "/v1.0/credentials/56", headers=token)
                answers.append(Answer(sent, got.status, got.headers))
            elif i % 3 == 1:
                got = pools[1].request(
                    "PUT", limited.url + "/credentials/c1", json=UPSERT, headers={"REB-APIKEY": limited.secret_key}
                )
                answers.append(Answer(sent, got.status, got.headers))
            else:
                try:
                    info = api.get_credential_with_http_info(56)
                    answers.append(Answer(sent, info.status_code, info.headers, time.time()))
                except sparkfly_client.TooManyRequestsException as exc:
                    assert exc.retry_after == 1
                    answers.append(Answer(sent, 429, exc.headers, time.time()))
    windows = limited.rate_windows()
    assert sum(w.served + w.refused for w in windows) == 12
    assert all(w.served == min(5, w.served + w.refused) for w in windows), windows  # never more than the limit
    assert any(w.refused for w in windows)  # 12 requests in at most two windows: one of them had more than 5
    # The answers of each window, told apart by the instant their window resets.
    groups = [list(group) for _, group in groupby(answers, key=lambda answer: reset_instant(answer.headers))]
    assert [len(group) for group in groups] == [w.served + w.refused for w in windows]
    for group in groups:
        reset = reset_instant(group[0].headers)
        assert reset == int(reset)
        assert all(answer.sent < reset <= max(answer.sent, answer.answered) + 1 for answer in group)
        served = min(5, len(group))
        assert all(answer.status in (200, 201) for answer in group[:served])
        assert all(answer.status == 429 and answer.headers["Retry-After"] == "1" for answer in group[served:])
        assert [answer.headers["Rate-Limit-Remaining"] for answer in group] == [str(4 - n) for n in range(served)] + [
            "0"
        ] * (len(group) - served)
        assert all(answer.headers["Rate-Limit-Limit"] == "5" for answer in group)

    last_reset = reset_instant(answers[-1].headers)
    time.sleep(max(0.0, last_reset - time.time()) + 0.02)
    again = pools[0].request("GET", limited.url + "/v1.0/credentials/56", headers=token)
    assert again.status == 200 and again.headers["Rate-Limit-Remaining"] == "4"
    assert reset_instant(again.headers) >= last_reset + 1


def test_the_429_has_the_shape_of_its_route() -> None:
    with Sandbox(rate_limit=5, rate_window=3600) as sandbox:
        well_inside_a_window(3600)
        for _ in range(5):
            send("GET", sandbox.url + "/v1.0/credentials/56", headers={"X-Auth-Token": sandbox.token})
        sparkfly = send("GET", sandbox.url + "/v1.0/credentials/56", headers={"X-Auth-Token": sandbox.token})
        upsert = send("PUT", sandbox.url + "/credentials/c1", json=UPSERT, headers={"REB-APIKEY": sandbox.secret_key})
        assert (sparkfly.status, upsert.status) == (429, 429)
        assert sparkfly.json() == {
            "error": "Rate Limit Exceeded",
            "message": "A request cannot be executed because the user has sent too many requests within a certain "
            "period of time",
        }
        assert sparkfly.headers["Content-Type"] == "application/json; charset=utf-8"
        assert upsert.json()["title"] == "Rate Limit Exceeded" and upsert.json()["status"] == 429
        assert upsert.headers["Content-Type"] == "application/problem+json"
        assert sandbox.rate_windows()[-1][1:] == (5, 2)


def test_the_sdk_waits_for_the_next_window_instead_of_meeting_the_limit(limited: Sandbox) -> None:
    with limited.api_client() as api_client:  # the client keeps to the limit its answers announce
        api = sparkfly_client.CredentialsApi(api_client)
        at_the_start_of_a_window(1.0)
        took: List[float] = []
        for _ in range(7):  # two more than a window serves
            started = time.monotonic()
            assert api.get_credential(56).credential.id == 56
            took.append(time.monotonic() - started)
    assert 429 not in [r.status for r in limited.requests]
    windows = limited.rate_windows()
    assert all(window.served <= 5 and window.refused == 0 for window in windows) and len(windows) >= 2
    assert max(took) >= 0.5  # a call waited for the next window


def test_auth_and_control_routes_are_not_counted_nor_marked() -> None:
    with Sandbox(rate_limit=1, rate_window=3600) as sandbox:
        headers = {"X-Auth-Identity": sandbox.identity, "X-Auth-Key": sandbox.key}
        well_inside_a_window(3600)
        first = send("GET", sandbox.url + "/v1.0/credentials/56", headers={"X-Auth-Token": sandbox.token})
        auth = [send(method, sandbox.url + "/auth", headers=headers) for method in ("GET", "POST")]
        control = [
            send("GET", sandbox.url + "/__sandbox/faults"),
            send("POST", sandbox.url + "/__sandbox/credentials/56/lock"),
        ]
        assert (
            first.status == 200 and [a.status for a in auth] == [204, 204] and [c.status for c in control] == [200, 200]
        )
        assert all("Rate-Limit-Limit" not in answer.headers for answer in auth + control)
        assert sandbox.rate_windows()[0][1:] == (1, 0)


def test_refusals_and_lost_answers_count_injected_answers_do_not() -> None:
    with Sandbox(rate_limit=100, rate_window=3600) as sandbox:
        well_inside_a_window(3600)
        unauthorized = send("GET", sandbox.url + "/v1.0/credentials/56", headers={"X-Auth-Token": "wrong"})
        unknown = send("GET", sandbox.url + "/v2/nothing")
        sandbox.inject(503)
        injected = send("GET", sandbox.url + "/v1.0/credentials/56")
        sandbox.inject(lose_answer=True)
        with pytest.raises(urllib3.exceptions.ProtocolError):
            send("GET", sandbox.url + "/v1.0/credentials/56")
        assert (unauthorized.status, unknown.status, injected.status) == (401, 404, 503)
        assert [unauthorized.headers["Rate-Limit-Remaining"], unknown.headers["Rate-Limit-Remaining"]] == ["99", "98"]
        assert "Rate-Limit-Limit" not in injected.headers  # a fault answers exactly what it says
        assert sum(w.served for w in sandbox.rate_windows()) == 3


def test_no_limit_by_default_and_reset_starts_the_count_afresh(sparkfly_sandbox: Sandbox) -> None:
    plain = send("GET", sparkfly_sandbox.url + "/v1.0/credentials/56", headers={"X-Auth-Token": sparkfly_sandbox.token})
    upsert = send(
        "PUT",
        sparkfly_sandbox.url + "/credentials/c1",
        json=UPSERT,
        headers={"REB-APIKEY": sparkfly_sandbox.secret_key},
    )
    assert (plain.status, upsert.status) == (200, 201) and sparkfly_sandbox.rate_limit is None
    assert not any(name in answer.headers for name in RATE_HEADERS for answer in (plain, upsert))
    assert sparkfly_sandbox.rate_windows() == []
    with Sandbox(rate_limit=1, rate_window=3600) as sandbox:
        send("GET", sandbox.url + "/v1.0/credentials/56", headers={"X-Auth-Token": sandbox.token})
        assert send("POST", sandbox.url + "/__sandbox/reset").status == 204
        assert sandbox.rate_windows() == []
        after = send("GET", sandbox.url + "/v1.0/credentials/56", headers={"X-Auth-Token": sandbox.token})
        assert after.status == 200


def test_the_command_line_takes_a_limit() -> None:
    with sandbox_process("--rate-limit", "2", "--rate-window", "3600") as lines:
        host = exported(lines)["SPARKFLY_HOST"]
        well_inside_a_window(3600)
        token = {"X-Auth-Token": "sandbox-token"}
        statuses = [send("GET", host + "/v1.0/credentials/56", headers=token).status for _ in range(3)]
    assert (
        "Rate limit: 2 requests per 3600 s window, every client together (/auth and /__sandbox/ not counted)\n" in lines
    )
    assert statuses == [200, 200, 429]


def test_the_command_line_refuses_a_window_of_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    from sparkfly_client.sandbox.__main__ import main

    with pytest.raises(SystemExit):
        main(["--port", "0", "--rate-limit", "5", "--rate-window", "0"])
    assert "rate_window must be a positive number of seconds" in capsys.readouterr().err
