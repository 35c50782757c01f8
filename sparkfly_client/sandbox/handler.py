"""The sandbox's HTTP handler: reads each request within its limits, answers it through the sandbox
(whatever :class:`AnswersRequests`; the server gives itself)."""

from __future__ import annotations

import contextlib
import io
import json
import socket
import sys
import traceback
import uuid
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sparkfly_client.sandbox.exchange import (
    CONTROL_PREFIX,
    AnswersRequests,
    Reply,
    Request,
    default_error,
    family_of,
)
from sparkfly_client.sandbox.limits import (
    DeadlineReader,
    RequestRefused,
    linger,
    read_body,
)

__all__ = ["handler_class"]


def handler_class(sandbox: AnswersRequests) -> type:
    class SandboxRequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "SparkflySandbox/1.0"
        # Headers and body go out in separate writes; without this, delayed ACKs stall keep-alive clients.
        disable_nagle_algorithm = True
        # What a refusal needs when the request line itself never arrived whole.
        requestline, request_version, command, path = "", "HTTP/1.1", "", ""

        def log_message(self, format: str, *args: Any) -> None:  # quiet: request lines would show ids only
            pass

        def setup(self) -> None:
            super().setup()
            self.rfile.close()  # replaced by a reader that holds each request to the read timeout
            self._reader = DeadlineReader(self.connection, sandbox.read_timeout)
            self.rfile = io.BufferedReader(self._reader)

        def handle_one_request(self) -> None:
            self._reader.start_request()
            super().handle_one_request()  # a timeout ends in there, closing the connection
            if self._reader.timed_out and self._reader.received:  # between requests, closing says enough
                self._refuse(self._refusal(408, "The request did not arrive within the read timeout"))

        def _handle(self) -> None:
            split = urlsplit(self.path)
            request = Request(
                self.command,
                split.path,
                {},
                dict(parse_qsl(split.query, keep_blank_values=True)),
                {name.lower(): value for name, value in self.headers.items()},
                b"",
                family_of(split.path),
                split.query,
            )
            try:
                request.body = read_body(self.rfile, self.headers)
            except RequestRefused as refused:
                reply = self._refusal(refused.status, refused.reason)
                if not split.path.startswith(CONTROL_PREFIX):
                    sandbox.record(request, reply)
                self._refuse(reply)
                linger(self.connection, min(sandbox.read_timeout, 1.0))
                return
            try:
                answer = sandbox.answer(request)
            except Exception:  # a sandbox bug: say so in the answer, not with a dropped connection
                traceback.print_exc(file=sys.stderr)
                self._refuse(self._refusal(500, "The sandbox failed to handle this request"))
                return
            if answer is None:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self._send(answer)

        def _refusal(self, status: int, reason: str) -> Reply:
            """``status`` in the route family's error shape, closing the connection."""
            error = default_error(status, family_of(urlsplit(self.path).path), reason)
            return Reply(status, error.body, {"Connection": "close"}, error.content_type)

        def _refuse(self, reply: Reply) -> None:
            self.close_connection = True
            self.connection.settimeout(sandbox.read_timeout)  # a client that does not read cannot hold us
            with contextlib.suppress(OSError):
                self._send(reply)

        def _send(self, reply: Reply) -> None:
            no_body = reply.body is None or reply.status == 204 or self.command == "HEAD"
            payload = b"" if no_body else json.dumps(reply.body).encode()
            self.send_response(reply.status)
            headers = {
                "Content-Type": reply.content_type,
                "X-Request-Id": str(uuid.uuid4()),
                "Cache-Control": "no-cache",
                **reply.headers,
            }
            for name, value in headers.items():
                if payload or name != "Content-Type":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def __getattr__(self, name: str) -> Any:
            # Every method reaches the routing table (do_GET, do_TRACE, ...); unrouted ones get 405 there.
            if name.startswith("do_"):
                return self._handle
            raise AttributeError(name)

    return SandboxRequestHandler
