"""The sandbox holds up: malformed requests get a 4xx in the route family's error shape, never a crash.

Every request here is written byte by byte on a raw socket to 127.0.0.1, so nothing on the client side
tidies it up first. A response that never comes shows as ``RemoteDisconnected`` (the handler crashed)
or ``socket.timeout`` (the handler is stuck reading).
"""

from __future__ import annotations

import http.client
import json
import socket
from typing import Any, Dict, Optional, Tuple

import pytest

from sparkfly_client.sandbox import MAX_BODY_SIZE, MAX_JSON_DEPTH, Sandbox

TOKEN = "X-Auth-Token: sandbox-token\r\n"
CUSTOMER_KEY = "REB-APIKEY: sandbox-secret-key\r\n"
UPSERT = {"customerId": "c-1", "programId": "p-1", "credentialType": "loyalty", "value": "v-1"}


class Answer:
    def __init__(self, response: http.client.HTTPResponse) -> None:
        self.status = response.status
        self.headers = {name.lower(): value for name, value in response.getheaders()}
        self.body = response.read()

    def json(self) -> Any:
        return json.loads(self.body)


def exchange(sandbox: Sandbox, data: bytes, timeout: float = 5.0) -> Answer:
    """Send ``data`` as written and read one response (the connection is then closed)."""
    host, port = _address(sandbox)
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(data)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return Answer(response)


def _address(sandbox: Sandbox) -> Tuple[str, int]:
    host, _, port = sandbox.url.rpartition("//")[2].rpartition(":")
    return host, int(port)


def request(method: str, path: str, headers: str = "", body: bytes = b"", length: Optional[str] = None) -> bytes:
    """A request as bytes; ``length`` is the Content-Length to claim (default: the body's length)."""
    claimed = str(len(body)) if length is None else length
    head = f"{method} {path} HTTP/1.1\r\nHost: sandbox\r\n{headers}Content-Length: {claimed}\r\n\r\n"
    return head.encode() + body


def assert_sparkfly_error(answer: Answer, status: int) -> Dict[str, Any]:
    assert answer.status == status, answer.body
    body: Dict[str, Any] = answer.json()
    assert set(body) == {"error", "message"}
    return body


# --- 1. Content-Length ---------------------------------------------------------------------------


@pytest.mark.parametrize("claimed", ["abc", "1e3", "+5", "0x10", "-5", "-1", "5, 6"])
def test_content_length_that_is_not_a_count_is_400(sparkfly_sandbox: Sandbox, claimed: str) -> None:
    answer = exchange(sparkfly_sandbox, request("POST", "/v1.0/credentials", TOKEN, b"{}", length=claimed))
    assert "Content-Length" in assert_sparkfly_error(answer, 400)["message"]
    assert answer.headers["connection"] == "close"
    assert sparkfly_sandbox.requests[-1].status == 400


def test_two_different_content_lengths_are_400(sparkfly_sandbox: Sandbox) -> None:
    data = request("POST", "/v1.0/credentials", TOKEN + "Content-Length: 9\r\n", b"{}")
    assert_sparkfly_error(exchange(sparkfly_sandbox, data), 400)


@pytest.mark.parametrize("claimed", [MAX_BODY_SIZE + 1, 10**12, 10**40])
def test_content_length_over_the_maximum_is_413_without_reading_the_body(
    sparkfly_sandbox: Sandbox, claimed: int
) -> None:
    # Nothing of the body is sent: the answer must come from the header alone.
    answer = exchange(sparkfly_sandbox, request("POST", "/v1.0/credentials", TOKEN, length=str(claimed)))
    assert_sparkfly_error(answer, 413)
    assert answer.headers["connection"] == "close"


def test_content_length_over_the_maximum_on_the_customer_resource_is_a_413_problem(
    sparkfly_sandbox: Sandbox,
) -> None:
    answer = exchange(sparkfly_sandbox, request("PUT", "/credentials/c-1", CUSTOMER_KEY, length=str(10**9)))
    assert answer.status == 413
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["status"] == 413


def test_a_body_of_exactly_the_maximum_is_read(sparkfly_sandbox: Sandbox) -> None:
    body = json.dumps({"credential": {"member_id": 56, "pad": ""}}).encode()
    body = body.replace(b'""', b'"' + b"x" * (MAX_BODY_SIZE - len(body)) + b'"')
    assert len(body) == MAX_BODY_SIZE
    answer = exchange(sparkfly_sandbox, request("POST", "/v1.0/credentials", TOKEN, body))
    assert answer.status in (201, 400)  # the business rules decide; the size did not stop it
    assert sparkfly_sandbox.requests[-1].path == "/v1.0/credentials"


def test_a_body_cut_short_by_the_client_closing_is_400(sparkfly_sandbox: Sandbox) -> None:
    with socket.create_connection(_address(sparkfly_sandbox), timeout=5) as sock:
        sock.sendall(request("POST", "/v1.0/credentials", TOKEN, b'{"credential":', length="100"))
        sock.shutdown(socket.SHUT_WR)
        response = http.client.HTTPResponse(sock)
        response.begin()
        assert_sparkfly_error(Answer(response), 400)


@pytest.mark.parametrize(
    "data, status",
    [
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414),
        (b"GET / HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n", 431),
        (b"GET / HTTP/1.1\r\n" + b"X-Many: a\r\n" * 101 + b"\r\n", 431),
    ],
)
def test_oversized_request_heads_are_refused(sparkfly_sandbox: Sandbox, data: bytes, status: int) -> None:
    assert exchange(sparkfly_sandbox, data).status == status


def test_a_sandbox_bug_is_a_500_not_a_dropped_connection(
    sparkfly_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(credential_id: int) -> Dict[str, Any]:
        raise RuntimeError("a bug")

    monkeypatch.setattr(sparkfly_sandbox.state, "get_credential", broken)
    answer = exchange(sparkfly_sandbox, request("GET", "/v1.0/credentials/56", TOKEN))
    assert_sparkfly_error(answer, 500)
    assert "RuntimeError: a bug" in capsys.readouterr().err


# --- 2. chunked bodies ---------------------------------------------------------------------------


def chunked(path: str, headers: str, encoded: bytes) -> bytes:
    head = f"POST {path} HTTP/1.1\r\nHost: sandbox\r\n{headers}Transfer-Encoding: chunked\r\n\r\n"
    return head.encode() + encoded


def test_a_valid_chunked_body_is_read(sparkfly_sandbox: Sandbox) -> None:
    body = json.dumps({"credential": {"member_id": 56, "offer_id": 56, "channel_id": 56}}).encode()
    encoded = b"%x;ext=1\r\n%s\r\n%x\r\n%s\r\n0\r\nX-Trailer: yes\r\n\r\n" % (10, body[:10], len(body) - 10, body[10:])
    answer = exchange(sparkfly_sandbox, chunked("/v1.0/credentials", TOKEN, encoded))
    assert answer.status == 201, answer.body
    assert answer.json()["credential"]["member_id"] == 56


@pytest.mark.parametrize(
    "encoded",
    [
        b"zz\r\n{}\r\n0\r\n\r\n",  # not hexadecimal
        b"-2\r\n{}\r\n0\r\n\r\n",  # negative
        b"0x2\r\n{}\r\n0\r\n\r\n",  # a prefix is not part of the grammar
        b"\r\n{}\r\n0\r\n\r\n",  # missing
        b"2\r\n{}XX0\r\n\r\n",  # chunk data not followed by CRLF
        b"2\r\n{}\r\n" + b"f" * 70_000 + b"\r\n",  # a size line longer than any size
    ],
)
def test_a_bad_chunk_size_is_400(sparkfly_sandbox: Sandbox, encoded: bytes) -> None:
    answer = exchange(sparkfly_sandbox, chunked("/v1.0/credentials", TOKEN, encoded))
    assert_sparkfly_error(answer, 400)
    assert answer.headers["connection"] == "close"


def test_chunks_adding_up_past_the_maximum_are_413(sparkfly_sandbox: Sandbox) -> None:
    chunk = b"%x\r\n%s\r\n" % (MAX_BODY_SIZE // 2 + 1, b" " * (MAX_BODY_SIZE // 2 + 1))
    answer = exchange(sparkfly_sandbox, chunked("/v1.0/credentials", TOKEN, chunk * 2 + b"0\r\n\r\n"))
    assert_sparkfly_error(answer, 413)


def test_a_chunk_size_over_the_maximum_is_413_without_reading_it(sparkfly_sandbox: Sandbox) -> None:
    answer = exchange(sparkfly_sandbox, chunked("/v1.0/credentials", TOKEN, b"%x\r\n" % 10**15))
    assert_sparkfly_error(answer, 413)


@pytest.mark.parametrize("coding", ["gzip", "gzip, chunked", "identity"])
def test_a_transfer_coding_other_than_chunked_is_501(sparkfly_sandbox: Sandbox, coding: str) -> None:
    data = f"POST /v1.0/credentials HTTP/1.1\r\nHost: sandbox\r\n{TOKEN}Transfer-Encoding: {coding}\r\n\r\n"
    assert_sparkfly_error(exchange(sparkfly_sandbox, data.encode()), 501)


def test_chunked_with_a_content_length_too_is_400(sparkfly_sandbox: Sandbox) -> None:
    data = chunked("/v1.0/credentials", TOKEN + "Content-Length: 7\r\n", b"2\r\n{}\r\n0\r\n\r\n")
    assert_sparkfly_error(exchange(sparkfly_sandbox, data), 400)


# --- 3. JSON nesting -----------------------------------------------------------------------------

DEEP = b"[" * 200_000 + b"]" * 200_000


def test_json_nested_200k_deep_is_a_400_on_the_platform_routes(sparkfly_sandbox: Sandbox) -> None:
    answer = exchange(sparkfly_sandbox, request("POST", "/v1.0/credentials", TOKEN, DEEP))
    assert "nested" in assert_sparkfly_error(answer, 400)["message"]
    # The thread that read it is fine, and so is the server.
    assert exchange(sparkfly_sandbox, request("GET", "/v1.0/credentials/56", TOKEN)).status == 200


def test_json_nested_200k_deep_is_a_422_problem_on_the_customer_resource(sparkfly_sandbox: Sandbox) -> None:
    answer = exchange(sparkfly_sandbox, request("PUT", "/credentials/c-1", CUSTOMER_KEY, DEEP))
    assert answer.status == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["invalidFields"][0]["field"] == "body"


def test_json_one_level_past_the_documented_depth_is_refused(sparkfly_sandbox: Sandbox) -> None:
    nested: Any = "deep"
    for _ in range(MAX_JSON_DEPTH):  # with the outer object: MAX_JSON_DEPTH + 1 levels
        nested = {"a": nested}
    body = json.dumps({**UPSERT, "extra": nested}).encode()
    answer = exchange(sparkfly_sandbox, request("PUT", "/credentials/c-1", CUSTOMER_KEY, body))
    assert answer.status == 422
    assert "nested" in answer.json()["detail"]


def test_json_at_the_documented_depth_is_parsed(sparkfly_sandbox: Sandbox) -> None:
    nested: Any = "deep"
    for _ in range(MAX_JSON_DEPTH - 1):
        nested = [nested]
    body = json.dumps({**UPSERT, "extra": nested}).encode()
    answer = exchange(sparkfly_sandbox, request("PUT", "/credentials/c-1", CUSTOMER_KEY, body))
    assert "nested" not in answer.body.decode()


# --- 5. faults are checked before they are queued -------------------------------------------------

BAD_FAULTS = [
    ({"status": 503, "path": 5}, "path"),
    ({"status": 503, "path": ["/v1.0/*"]}, "path"),
    ({"status": 503, "method": 5}, "method"),
    ({"status": 503, "method": "GET /x"}, "method"),
    ({"status": 503, "headers": {"X-Ok": "a\r\nSet-Cookie: injected=1"}}, "headers"),
    ({"status": 503, "headers": {"X-Ok\r\nSet-Cookie": "injected=1"}}, "headers"),
    ({"status": 503, "headers": {"X-Ok": "a\nb"}}, "headers"),
    ({"status": 503, "headers": {"Bad Name": "a"}}, "headers"),
    ({"status": 503, "headers": {"X-Number": 5}}, "headers"),
    ({"status": 503, "headers": ["Retry-After", "1"]}, "headers"),
    ({"status": 503, "headers": {"Content-Length": "0"}}, "headers"),
    ({"status": "503"}, "status"),
    ({"status": 503.5}, "status"),
    ({"status": True}, "status"),
    ({"status": 99}, "status"),
    ({"status": 600}, "status"),
    ({"delay": -1}, "delay"),
    ({"delay": 301}, "delay"),
    ({"delay": 1e300}, "delay"),
    ({"delay": "1"}, "delay"),
    ({"status": 503, "times": -1}, "times"),
    ({"status": 503, "times": 0}, "times"),
    ({"status": 503, "times": 1.5}, "times"),
    ({"status": 503, "times": "2"}, "times"),
    ({"drop": "yes"}, "drop"),
]


@pytest.mark.parametrize("fault, field", BAD_FAULTS)
def test_a_bad_fault_over_http_is_400_and_not_queued(
    sparkfly_sandbox: Sandbox, fault: Dict[str, Any], field: str
) -> None:
    answer = exchange(sparkfly_sandbox, request("POST", "/__sandbox/faults", body=json.dumps(fault).encode()))
    assert field in assert_sparkfly_error(answer, 400)["message"]
    assert sparkfly_sandbox.faults.pending() == []
    assert exchange(sparkfly_sandbox, request("GET", "/v1.0/credentials/56", TOKEN)).status == 200


@pytest.mark.parametrize("fault, field", BAD_FAULTS)
def test_a_bad_fault_from_python_raises_value_error(
    sparkfly_sandbox: Sandbox, fault: Dict[str, Any], field: str
) -> None:
    with pytest.raises(ValueError, match=field):
        sparkfly_sandbox.inject(**fault)
    assert sparkfly_sandbox.faults.pending() == []


def test_a_fault_body_that_is_not_json_is_refused(sparkfly_sandbox: Sandbox) -> None:
    with pytest.raises(ValueError, match="body"):
        sparkfly_sandbox.inject(503, body={"when": object()})


def test_the_largest_fault_delay_is_accepted(sparkfly_sandbox: Sandbox) -> None:
    fault = sparkfly_sandbox.inject(delay=300, path="/nowhere")
    assert fault.delay == 300
