"""Slow and stalled clients: a request must arrive whole within the read timeout, and only so many
connections are served at once, so no client can hold the sandbox's threads for long."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import threading
import time
from typing import Callable, Iterator, List

import pytest
from test_sandbox_limits import TOKEN, exchange, request

from sparkfly_client.sandbox import Sandbox

READ_TIMEOUT = 0.5
MAX_CONNECTIONS = 4


@pytest.fixture
def strict_sandbox() -> Iterator[Sandbox]:
    with Sandbox(read_timeout=READ_TIMEOUT, max_connections=MAX_CONNECTIONS) as sandbox:
        yield sandbox


def connect(sandbox: Sandbox) -> socket.socket:
    host, _, port = sandbox.url.rpartition("//")[2].rpartition(":")
    return socket.create_connection((host, int(port)), timeout=10)


def answer_or_close(sock: socket.socket) -> bytes:
    """What the server sent before closing (``b""`` when it closed without answering)."""
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def test_a_body_shorter_than_its_content_length_times_out_with_408(strict_sandbox: Sandbox) -> None:
    baseline = threading.active_count()
    with connect(strict_sandbox) as sock:
        sock.sendall(request("POST", "/v1.0/credentials", TOKEN, b'{"credential":', length="1000"))
        started = time.monotonic()
        received = answer_or_close(sock)
        waited = time.monotonic() - started
    assert received.startswith(b"HTTP/1.1 408 "), received
    assert b"Connection: close" in received
    assert READ_TIMEOUT * 0.8 <= waited < READ_TIMEOUT + 2
    _wait_for(lambda: threading.active_count() <= baseline)  # the handler thread is gone
    assert exchange(strict_sandbox, request("GET", "/v1.0/credentials/56", TOKEN)).status == 200


def test_headers_that_never_end_time_out_with_408(strict_sandbox: Sandbox) -> None:
    with connect(strict_sandbox) as sock:
        sock.sendall(b"GET /v1.0/credentials/56 HTTP/1.1\r\nHost: sandbox\r\n")
        started = time.monotonic()
        received = answer_or_close(sock)
        assert time.monotonic() - started < READ_TIMEOUT + 2
    assert received.startswith(b"HTTP/1.1 408 "), received


def test_an_idle_keep_alive_connection_is_closed_quietly(strict_sandbox: Sandbox) -> None:
    with connect(strict_sandbox) as sock:
        sock.sendall(request("GET", "/v1.0/credentials/56", TOKEN))
        response = http.client.HTTPResponse(sock)
        response.begin()
        assert response.status == 200
        response.read()  # all of it: the server has nothing more to say
        started = time.monotonic()
        assert answer_or_close(sock) == b""  # a client between requests gets no unasked-for 408
        assert time.monotonic() - started < READ_TIMEOUT + 2


def test_slowloris_clients_hold_at_most_max_connections_threads_and_only_for_the_read_timeout(
    strict_sandbox: Sandbox,
) -> None:
    baseline = threading.active_count()
    slow: List[socket.socket] = [connect(strict_sandbox) for _ in range(MAX_CONNECTIONS * 2)]
    stop = threading.Event()
    closed_after: List[float] = []
    started = time.monotonic()

    def trickle() -> None:
        """One header byte per slow connection every 50 ms: each byte comes well within the timeout."""
        pending = list(slow)
        line = b"GET /v1.0/credentials/56 HTTP/1.1\r\nX-Slow: " + b"z" * 10_000
        position = 0
        while pending and not stop.is_set():
            for sock in list(pending):
                try:
                    sock.send(line[position % len(line) : position % len(line) + 1])
                except OSError:  # the server closed it
                    closed_after.append(time.monotonic() - started)
                    pending.remove(sock)
            position += 1
            time.sleep(0.05)

    trickler = threading.Thread(target=trickle)
    trickler.start()
    try:
        peak = 0
        deadline = time.monotonic() + READ_TIMEOUT * 0.8
        while time.monotonic() < deadline:
            peak = max(peak, threading.active_count() - baseline)
            time.sleep(0.02)
        assert peak <= MAX_CONNECTIONS + 1  # the handler threads, and the trickler

        # A normal client queues behind the slow ones and is served once they have timed out:
        # the first MAX_CONNECTIONS after one timeout, the rest after a second one.
        served_at = time.monotonic()
        answer = exchange(strict_sandbox, request("GET", "/v1.0/credentials/56", TOKEN), timeout=10)
        assert answer.status == 200
        assert time.monotonic() - served_at < 2 * READ_TIMEOUT + 2
        assert threading.active_count() - baseline <= MAX_CONNECTIONS + 1
        # Every slow client was cut off, however steadily it kept sending.
        _wait_for(lambda: len(closed_after) == len(slow), seconds=2 * READ_TIMEOUT + 2)
        assert max(closed_after) < 2 * READ_TIMEOUT + 2
    finally:
        stop.set()
        trickler.join()
        for sock in slow:
            sock.close()


def test_the_command_line_takes_the_read_timeout() -> None:
    command = [sys.executable, "-m", "sparkfly_client.sandbox", "--port", "0", "--read-timeout", "0.3"]
    with subprocess.Popen(command + ["--max-connections", "2"], stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            first = process.stdout.readline().split()
            host, _, port = first[first.index("on") + 1].rpartition("//")[2].rpartition(":")
            with socket.create_connection((host, int(port)), timeout=10) as sock:
                sock.sendall(b"GET /v1.0/credentials/56 HTTP/1.1\r\n")
                started = time.monotonic()
                assert answer_or_close(sock).startswith(b"HTTP/1.1 408 ")
                assert time.monotonic() - started < 3
        finally:
            process.terminate()


def _wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)
