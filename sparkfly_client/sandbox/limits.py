"""What the sandbox will read, and for how long: body framing, sizes, JSON depth, deadlines, threads.

A malformed or oversized request is refused with :class:`RequestRefused` (its status and a short
reason) before anything of it reaches the routes; a request that does not arrive whole within the
read timeout ends in ``socket.timeout``; at most ``max_connections`` connections are served at once.
"""

from __future__ import annotations

import io
import json
import re
import socket
import threading
import time
from email.message import Message
from http.server import ThreadingHTTPServer
from itertools import accumulate
from typing import Any, Callable, List, Tuple

__all__ = [
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_READ_TIMEOUT",
    "MAX_BODY_SIZE",
    "MAX_JSON_DEPTH",
    "BoundedThreadingHTTPServer",
    "DeadlineReader",
    "JsonTooDeep",
    "RequestRefused",
    "check_connection_settings",
    "linger",
    "parse_json",
    "read_body",
]

#: The largest request body read (Content-Length, or chunks added up); larger ones get 413 unread.
MAX_BODY_SIZE = 1024 * 1024
#: The deepest JSON nesting of arrays and objects accepted in a request body.
MAX_JSON_DEPTH = 100
#: Seconds a request may take to arrive whole, from when the server starts waiting for it.
DEFAULT_READ_TIMEOUT = 10.0
#: Connections served at once; further ones wait to be accepted.
DEFAULT_MAX_CONNECTIONS = 64

_MAX_CHUNK_LINE = 1024  # a chunk-size line with extensions; a size itself needs at most 6 hex digits here
_MAX_TRAILERS = 100  # as many as header lines (http.client's limit)
_HEX = re.compile(rb"[0-9A-Fa-f]+")
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
_BRACKET_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


class RequestRefused(Exception):
    """A request the server will not read further: answer ``status`` and close the connection."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(status, reason)
        self.status, self.reason = status, reason


class JsonTooDeep(ValueError):
    pass


# --- body framing --------------------------------------------------------------------------------


def read_body(rfile: io.BufferedIOBase, headers: Message) -> bytes:
    """The request body as ``Content-Length`` or ``Transfer-Encoding: chunked`` frame it."""
    codings = _list_header(headers, "Transfer-Encoding")
    lengths = _list_header(headers, "Content-Length")
    if codings:
        if [coding.lower() for coding in codings] != ["chunked"]:
            raise RequestRefused(501, "The only Transfer-Encoding accepted is chunked")
        if lengths:
            raise RequestRefused(400, "A request cannot have both Transfer-Encoding and Content-Length")
        return _read_chunked(rfile)
    if not lengths:
        return b""
    if len(set(lengths)) != 1 or not (lengths[0].isascii() and lengths[0].isdigit()):
        raise RequestRefused(400, "Content-Length must be one count of bytes")
    if len(lengths[0]) > len(str(MAX_BODY_SIZE)) or int(lengths[0]) > MAX_BODY_SIZE:
        raise RequestRefused(413, f"The body is larger than the limit of {MAX_BODY_SIZE} bytes")
    length = int(lengths[0])
    body = rfile.read(length)
    if len(body) < length:
        raise RequestRefused(400, "The body ended before its Content-Length")
    return body


def _list_header(headers: Message, name: str) -> List[str]:
    """Every comma-separated element of every ``name`` header."""
    return [item.strip() for value in headers.get_all(name, []) for item in str(value).split(",")]


def _read_chunked(rfile: io.BufferedIOBase) -> bytes:
    chunks: List[bytes] = []
    total = 0
    while True:
        size_text = _line(rfile, "chunk size").split(b";", 1)[0].strip()
        if not _HEX.fullmatch(size_text):
            raise RequestRefused(400, "A chunk size must be hexadecimal digits")
        size = int(size_text, 16)
        if size == 0:
            break
        total += size
        if total > MAX_BODY_SIZE:
            raise RequestRefused(413, f"The body is larger than the limit of {MAX_BODY_SIZE} bytes")
        chunk = rfile.read(size)
        if len(chunk) < size or _line(rfile, "chunk end").strip():
            raise RequestRefused(400, "A chunk must have its size in bytes, then CRLF")
        chunks.append(chunk)
    for _ in range(_MAX_TRAILERS):
        if not _line(rfile, "trailer").strip():
            return b"".join(chunks)
    raise RequestRefused(400, "Too many trailer lines")


def _line(rfile: io.BufferedIOBase, what: str) -> bytes:
    line = rfile.readline(_MAX_CHUNK_LINE + 1)
    if not line.endswith(b"\n"):
        raise RequestRefused(400, f"The {what} line is too long or missing")
    return line


# --- JSON ----------------------------------------------------------------------------------------


def parse_json(body: bytes) -> Any:
    """``json.loads``, refusing values nested deeper than :data:`MAX_JSON_DEPTH` before parsing them."""
    # Counting brackets is cheap; the exact depth (outside strings) is only worked out when it could matter.
    if body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH:
        brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
        if max(accumulate(_BRACKET_STEP[byte] for byte in brackets), default=0) > MAX_JSON_DEPTH:
            raise JsonTooDeep(f"is nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(body)
    except RecursionError:  # not expected after the check above; kept so no body can crash a handler
        raise JsonTooDeep(f"is nested deeper than {MAX_JSON_DEPTH} levels") from None


# --- time and threads ----------------------------------------------------------------------------


class DeadlineReader(io.RawIOBase):
    """A connection's bytes, with one deadline for a whole request (line, headers and body).

    A per-read timeout alone would let a client that sends a byte at a time hold a thread forever.
    """

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        super().__init__()
        self._sock, self._timeout = sock, timeout
        self._deadline = time.monotonic() + timeout
        self.received = 0  # bytes of the current request taken from the socket
        self.timed_out = False

    def start_request(self) -> None:
        self._deadline = time.monotonic() + self._timeout
        self.received, self.timed_out = 0, False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            self.timed_out = True
            raise socket.timeout("the request did not arrive within the read timeout")
        self._sock.settimeout(remaining)
        try:
            count = self._sock.recv_into(buffer)
        except socket.timeout:
            self.timed_out = True
            raise
        self.received += count
        return count


def linger(sock: socket.socket, seconds: float) -> None:
    """Half-close, then discard what the client still sends (for ``seconds`` at most, up to the body limit).

    Closing with unread bytes pending makes the kernel reset the connection, which can destroy the
    answer before the client reads it.
    """
    try:
        sock.shutdown(socket.SHUT_WR)
        deadline, discarded = time.monotonic() + seconds, 0
        while discarded <= MAX_BODY_SIZE and (remaining := deadline - time.monotonic()) > 0:
            sock.settimeout(remaining)
            data = sock.recv(65536)
            if not data:
                return
            discarded += len(data)
    except OSError:
        pass


class _Slot:
    """One connection's hold on the server's bound, given back once, by whichever of the accepting thread (when
    starting the handler's thread fails) and the handler's thread (when it is done) gets there first."""

    def __init__(self, slots: threading.BoundedSemaphore) -> None:
        self._slots = slots
        self._lock = threading.Lock()
        self._held = True

    def release(self) -> None:
        with self._lock:
            held, self._held = self._held, False
        if held:
            self._slots.release()


class BoundedThreadingHTTPServer(ThreadingHTTPServer):
    """A thread per connection, but at most ``max_connections`` at once; the rest wait to be accepted."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # connections waiting for a thread queue in the kernel, not on the floor

    def __init__(self, address: Tuple[str, int], handler: Callable[..., Any], max_connections: int) -> None:
        self._slots = threading.BoundedSemaphore(max_connections)
        self._closing = threading.Event()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        slot = _Slot(self._slots)  # made before the slot is taken: nothing can fail between taking it and the try
        while not self._slots.acquire(timeout=0.05):
            if self._closing.is_set():
                self.shutdown_request(request)
                return
        try:
            threading.Thread(target=self._serve, args=(request, client_address, slot), daemon=True).start()
        except BaseException:  # the thread may have started all the same: the slot goes back once
            slot.release()
            raise

    def _serve(self, request: Any, client_address: Any, slot: _Slot) -> None:
        try:
            self.process_request_thread(request, client_address)  # handle, report errors, close the connection
        finally:
            slot.release()

    def shutdown(self) -> None:
        self._closing.set()
        super().shutdown()


def check_connection_settings(read_timeout: float, max_connections: int) -> None:
    if isinstance(read_timeout, bool) or not isinstance(read_timeout, (int, float)) or not 0 < read_timeout < 1e6:
        raise ValueError(f"read_timeout must be a positive number of seconds, got {read_timeout!r}")
    if isinstance(max_connections, bool) or not isinstance(max_connections, int) or max_connections < 1:
        raise ValueError(f"max_connections must be a positive integer, got {max_connections!r}")
