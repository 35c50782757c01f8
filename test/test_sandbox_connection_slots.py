"""The sandbox's bound on connections served at once: a slot taken for a connection is given back once."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any, List

import pytest

from sparkfly_client.sandbox.limits import BoundedThreadingHTTPServer


class Quiet(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_a_slot_is_given_back_once_when_starting_its_thread_fails_late(monkeypatch: pytest.MonkeyPatch) -> None:
    # The thread has started (and will give its slot back when done) but start() still raises: the slot must
    # not be given back a second time, which a bounded semaphore refuses from the handler's thread.
    server = BoundedThreadingHTTPServer(("127.0.0.1", 0), Quiet, max_connections=2)
    server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
    started: List[threading.Thread] = []
    failures: List[BaseException] = []
    real_start = threading.Thread.start

    def start_then_fail(thread: threading.Thread) -> None:
        real_start(thread)
        started.append(thread)
        raise RuntimeError("failed after starting")

    monkeypatch.setattr(threading, "excepthook", lambda args: failures.append(args.exc_value))
    try:
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=5) as client:
            client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            monkeypatch.setattr(threading.Thread, "start", start_then_fail)
            server.handle_request()
            monkeypatch.setattr(threading.Thread, "start", real_start)
        for thread in started:
            thread.join(5)
        assert len(started) == 1 and failures == []
        assert free_slots(server) == 2
    finally:
        server.server_close()


def test_a_slot_is_given_back_when_the_handlers_thread_cannot_be_made(monkeypatch: pytest.MonkeyPatch) -> None:
    server = BoundedThreadingHTTPServer(("127.0.0.1", 0), Quiet, max_connections=2)
    server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]

    def no_thread(*args: Any, **kwargs: Any) -> None:
        raise MemoryError("no memory for a thread")

    try:
        for _ in range(3):  # more failures than slots: none may be kept
            with socket.create_connection(("127.0.0.1", server.server_port), timeout=5):
                monkeypatch.setattr(threading.Thread, "__init__", no_thread)
                server.handle_request()
                monkeypatch.undo()
            assert free_slots(server) == 2
    finally:
        server.server_close()


def free_slots(server: BoundedThreadingHTTPServer) -> int:
    """How many connections the server could take now (the slots are given back after counting)."""
    free = 0
    while server._slots.acquire(blocking=False):
        free += 1
    for _ in range(free):
        server._slots.release()
    return free
