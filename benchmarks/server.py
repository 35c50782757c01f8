"""A canned-response HTTP/1.1 server with keep-alive, for the benchmark runner.

It answers from bodies built once at start-up, so the client being measured is the only thing
doing real work. Run on its own it prints ``URL <url>`` once listening (port 0 picks a free one):

    python benchmarks/server.py --port 0

Routes (any X-Auth-Token is accepted):
    GET  /v1.0/credentials/{id}   200 one CredentialResponse (small body)
    POST /v1.0/credentials        201 one CredentialResponse
    GET  /v1.0/credentials?...    200 a CredentialList of ``--list-size`` credentials (about 750 bytes each)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

LIST_SIZE = 1000


def credential(number: int) -> Dict[str, Any]:
    """One credential with every field of the published platform spec (and the sample's two), some of them null."""
    return {
        "id": 1000 + number,
        "account_id": 5,
        "created_at": "2013-09-16T18:41:13Z",
        "updated_at": "2013-09-16T18:51:23Z",
        "identifier": str(3345 + number),
        "member_id": 56,
        "store_id": None,
        "channel_id": 456,
        "offer_ids": [1011],
        "annotations": {"lane": str(number % 8)},
        "code_lifetime": None,
        "supports_barcode": False,
        "merchant_id": 251,
        "offer_name": "First Offer",
        "merchant_name": "Q Burger",
        "location_address": None,
        "url": None,
        "status": "open",
        "offer_id": 1011,
        "redeemed_at": None,
        "voided_at": None,
        "redeeming_account_id": None,
        "eligible_channel_id": 456,
        "credential_type": 1,
        "redemption_identifier_type": 1,
        "type": "offer",
        "reusable": False,
        "locked": False,
        "printable": True,
        "token": f"tok{number:08d}",
        "barcodes_supported": "code128,qr",
        "custom_data": {"tier": "gold"},
        "offer_expires": "2030-12-31T23:59:59Z",
        "processed_at": None,
    }


def canned_bodies(list_size: int = LIST_SIZE) -> Dict[str, bytes]:
    """The response bodies by route name, as bytes on the wire."""
    one = {"credential": credential(56), "errors": {}}
    many = {
        "page": 1,
        "per_page": list_size,
        "total_entries": list_size,
        "total_pages": 1,
        "credentials": [{"credential": credential(i), "errors": {}} for i in range(list_size)],
    }
    compact = (",", ":")
    return {"one": json.dumps(one, separators=compact).encode(), "list": json.dumps(many, separators=compact).encode()}


def _response(status: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\n"
        "Content-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "X-Request-Id: bench\r\n"
        "Connection: keep-alive\r\n\r\n"
    )
    return head.encode("latin-1") + body


class CannedProtocol(asyncio.Protocol):
    """Parses pipelined HTTP/1.1 requests off one connection and answers each from the canned set."""

    def __init__(self, answers: Dict[str, bytes]) -> None:
        self.answers = answers
        self.buffer = b""
        self.transport: Optional[asyncio.Transport] = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if len(self.buffer) < end + 4 + length:
                return  # the body is still on its way
            self.buffer = self.buffer[end + 4 + length :]
            method, target = head.split(" ", 2)[:2]
            assert self.transport is not None
            self.transport.write(self.answer(method, target))

    def answer(self, method: str, target: str) -> bytes:
        path, _, _query = target.partition("?")
        if method == "POST" and path == "/v1.0/credentials":
            return self.answers["created"]
        if method == "GET" and path == "/v1.0/credentials":
            return self.answers["list"]
        if method == "GET" and path.startswith("/v1.0/credentials/"):
            return self.answers["one"]
        return self.answers["missing"]


def serve(port: int, list_size: int) -> None:
    bodies = canned_bodies(list_size)
    answers = {
        "one": _response("200 OK", bodies["one"]),
        "created": _response("201 Created", bodies["one"]),
        "list": _response("200 OK", bodies["list"]),
        "missing": _response("404 Not Found", b'{"error": "not found"}'),
    }

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: CannedProtocol(answers), "127.0.0.1", port, backlog=128)
        print(f"URL http://127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


class ServerProcess:
    """A server in a child process that prints ``URL <url>`` once listening: ``with ... as server: server.url``."""

    def __init__(self, command: List[str]) -> None:
        self.command = command
        self.process: Optional[subprocess.Popen[str]] = None
        self.url = ""

    def __enter__(self) -> ServerProcess:
        self.process = subprocess.Popen(self.command, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("URL "):
            self.process.kill()
            raise RuntimeError(f"{self.command[:3]} did not start: {line!r}")
        self.url = line.split()[1]
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)


def canned_server(list_size: int = LIST_SIZE) -> ServerProcess:
    """This server, in a child process."""
    return ServerProcess([sys.executable, str(Path(__file__).resolve()), "--port", "0", "--list-size", str(list_size)])


def _parse_args(argv: Optional[List[str]] = None) -> Tuple[int, int]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free port)")
    parser.add_argument("--list-size", type=int, default=LIST_SIZE, help="credentials in the list answer")
    args = parser.parse_args(argv)
    return args.port, args.list_size


if __name__ == "__main__":
    serve(*_parse_args())
