"""A small HTTP/1.1 server on loopback that answers from a script and records every request.

Tests queue answers (status, headers, body) or faults (drop the connection, stall, cut the body)
and then read back exactly what reached the wire.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional, Union
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: Dict[str, str]
    headers: Dict[str, str]
    body: bytes
    #: the query string as sent (``query`` keeps one value per name)
    raw_query: str = ""

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> Optional[str]:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


@dataclass
class Reply:
    status: int = 200
    body: Union[bytes, str, Dict[str, Any], List[Any], None] = None
    headers: Dict[str, str] = field(default_factory=dict)
    #: "drop": close the socket after reading the request, without answering;
    #: "truncate": promise a longer body than is sent, then close.
    fault: Optional[str] = None
    delay: float = 0.0
    #: seconds between the body's bytes: a server that keeps every single read short but never finishes.
    drip: float = 0.0

    def encoded_body(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


class ScriptedServer:
    """``with ScriptedServer() as server: server.push(Reply(...)); ... server.requests``.

    With no reply queued it answers ``default`` (200 and ``{}`` unless set). ``responder``, when set,
    answers first (a ``None`` from it falls back to the queue), for replies that depend on the request.
    ``ssl_context`` makes it an HTTPS server. ``connections_opened``/``connections_closed`` count sockets.
    """

    def __init__(self, default: Optional[Reply] = None, ssl_context: Optional[ssl.SSLContext] = None) -> None:
        self.default = default or Reply(200, {})
        self.responder: Optional[Callable[[Recorded], Optional[Reply]]] = None
        self.requests: List[Recorded] = []
        self.connections_opened = 0
        self.connections_closed = 0
        self._queue: List[Reply] = []
        self._lock = threading.Lock()
        self._scheme = "https" if ssl_context else "http"
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                pass

            def setup(self) -> None:
                with owner._lock:
                    owner.connections_opened += 1
                super().setup()

            def finish(self) -> None:
                try:
                    super().finish()
                finally:
                    with owner._lock:
                        owner.connections_closed += 1

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                split = urlsplit(self.path)
                recorded = Recorded(
                    self.command, split.path, dict(parse_qsl(split.query)), dict(self.headers), body, split.query
                )
                with owner._lock:
                    owner.requests.append(recorded)
                reply = owner.responder(recorded) if owner.responder else None
                if reply is None:
                    with owner._lock:
                        reply = owner._queue.pop(0) if owner._queue else owner.default
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.fault == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                payload = reply.encoded_body()
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                if reply.fault == "truncate":
                    self.send_header("Content-Length", str(len(payload) + 100))
                    self.end_headers()
                    self.wfile.write(payload)
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if reply.drip:
                    for index in range(len(payload)):
                        self.wfile.write(payload[index : index + 1])
                        self.wfile.flush()
                        time.sleep(reply.drip)
                    return
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # A client that gave up (timeout, rejected certificate) makes the late reply fail: expected, not news.
        self._server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        if ssl_context is not None:
            # The handshake runs on accept; a client that rejects the certificate just ends that accept.
            self._server.socket = ssl_context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{self._scheme}://{host}:{port}"

    def push(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    @property
    def last(self) -> Recorded:
        return self.requests[-1]

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
