"""An exception raised from a call shows what happened and nothing else: no StopIteration and no internal
exception of the client in its context; where a library's error lies behind it (urllib3, aiohttp, the socket,
pydantic) that error is its ``__cause__``, of its own type, and no secret shows anywhere in the printed chain.
Over real HTTP, on both drivers."""

from __future__ import annotations

import base64
import socket
import threading
import traceback
from typing import Any, Iterator, List

import pydantic
import pytest
from conftest import TOKEN
from drivers import Driver
from scripted_server import Reply, ScriptedServer

import sparkfly_client
from sparkfly_client.configuration import without_userinfo_in_text
from sparkfly_client.exceptions import redacted_chain


def chain(error: BaseException) -> Iterator[BaseException]:
    """The exceptions a printed traceback shows: the error, then its cause or context, and so on."""
    seen: BaseException = error
    while seen is not None:
        yield seen
        seen = (
            seen.__cause__ if seen.__cause__ is not None else (None if seen.__suppress_context__ else seen.__context__)
        )


def printed(error: BaseException) -> str:
    return "".join(traceback.format_exception(type(error), error, error.__traceback__))


def assert_only_what_happened(error: BaseException) -> List[BaseException]:
    text = printed(error)
    assert "StopIteration" not in text
    shown = list(chain(error))
    internal = [type(e).__qualname__ for e in shown[1:] if type(e).__module__.startswith("sparkfly_client")]
    assert internal == [], text
    return shown


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_http_error_has_no_context(server: ScriptedServer, api: Any) -> None:
    server.push(Reply(404, {"error": "Not Found", "message": "Credential with ID 9 not found"}))
    with pytest.raises(sparkfly_client.NotFoundException) as caught:
        api.get_credential(9)
    assert assert_only_what_happened(caught.value) == [caught.value]
    assert "During handling" not in printed(caught.value)


def test_a_decode_error_is_caused_by_pydantic_s_error_without_the_echoed_secret(
    server: ScriptedServer, api: Any
) -> None:
    # The server echoes the token into a field the model cannot take: pydantic's text would repeat it.
    server.push(Reply(200, {"credential": {"id": TOKEN, "identifier": f"code {TOKEN}"}}))
    with pytest.raises(sparkfly_client.ResponseDecodeError) as caught:
        api.get_credential(56)
    shown = assert_only_what_happened(caught.value)
    cause = caught.value.__cause__
    assert isinstance(cause, pydantic.ValidationError) and shown == [caught.value, cause]
    assert [error["loc"] for error in cause.errors()] == [("credential", "id")]
    assert cause.errors()[0]["type"] == "int_parsing"
    assert TOKEN not in printed(caught.value) and "***" in str(cause)


def test_a_body_that_is_not_json_is_caused_by_pydantic_s_error(server: ScriptedServer, api: Any) -> None:
    server.push(Reply(200, f"not json {TOKEN}", headers={"Content-Type": "application/json"}))
    with pytest.raises(sparkfly_client.ResponseDecodeError) as caught:
        api.get_credential(56)
    assert isinstance(caught.value.__cause__, pydantic.ValidationError)
    assert caught.value.__cause__.errors()[0]["type"] == "json_invalid"
    assert TOKEN not in printed(caught.value)


def test_a_refused_connection_is_caused_by_the_library_s_error(driver: Driver) -> None:
    config = sparkfly_client.Configuration(host=f"http://127.0.0.1:{closed_port()}", retries=0)
    config.api_key["X-Auth-Token"] = TOKEN
    with driver.client(config) as client, pytest.raises(sparkfly_client.ApiConnectionError) as caught:
        driver.credentials(client).get_credential(56)
    shown = assert_only_what_happened(caught.value)
    cause = caught.value.__cause__
    assert cause is not None and type(cause).__module__.split(".")[0] == (
        "urllib3" if driver.name == "sync" else "aiohttp"
    )
    assert any(isinstance(e, ConnectionRefusedError) or "refused" in str(e).lower() for e in shown[1:])


def test_a_dropped_answer_is_caused_by_the_library_s_error(server: ScriptedServer, api: Any) -> None:
    server.push(Reply(fault="drop"))
    with pytest.raises(sparkfly_client.ApiConnectionError) as caught:
        api.create_credential()
    assert caught.value.request_sent is True
    shown = assert_only_what_happened(caught.value)
    assert len(shown) >= 2 and type(shown[1]).__module__.split(".")[0] in ("urllib3", "aiohttp", "http")


def test_a_read_timeout_shows_no_internal_exception(server: ScriptedServer, api: Any) -> None:
    server.push(Reply(delay=1.0))
    with pytest.raises(sparkfly_client.ApiTimeoutError) as caught:
        api.get_credential(56, _request_timeout=(1.0, 0.2))
    assert_only_what_happened(caught.value)
    assert "CancelledError" not in printed(caught.value)


def test_a_proxy_s_password_shows_nowhere_in_the_chain(driver: Driver) -> None:
    config = sparkfly_client.Configuration(
        host="http://127.0.0.1:9", retries=0, proxy=f"http://user:pr0xy-s3cret@127.0.0.1:{closed_port()}"
    )
    config.api_key["X-Auth-Token"] = TOKEN
    with driver.client(config) as client, pytest.raises(sparkfly_client.ApiConnectionError) as caught:
        driver.credentials(client).get_credential(56)
    assert_only_what_happened(caught.value)
    assert caught.value.__cause__ is not None
    assert "pr0xy-s3cret" not in printed(caught.value)


def test_a_proxy_that_is_not_a_url_is_refused_before_sending_without_its_password(driver: Driver) -> None:
    config = sparkfly_client.Configuration(host="http://127.0.0.1:9", retries=0)
    config.api_key["X-Auth-Token"] = TOKEN
    with driver.client(config) as client:
        config.proxy = "http://user:pr0xy-s3cret@[::1"  # an unclosed IPv6 address: aiohttp would echo it whole
        with pytest.raises(sparkfly_client.ApiValueError, match="proxy must be an http") as caught:
            driver.credentials(client).get_credential(56)
    assert "pr0xy-s3cret" not in printed(caught.value)


def test_a_library_error_whose_text_holds_a_password_is_redacted_through_its_chain() -> None:
    """What a proxy URL with a password in an aiohttp or urllib3 message would show, held by the error, its args,
    its attributes and what it chains to: hidden everywhere, the types and the chain kept."""

    class LibraryError(Exception):
        def __init__(self, url: str) -> None:
            super().__init__(f"cannot reach {url}")
            self.url = url

    password = "pw-" + "s3cret"  # not spelt out: the printed traceback shows the source lines too
    try:
        try:
            raise OSError(111, f"refused by http://user:{password}@proxy:3128", f"http://user:{password}@proxy")
        except OSError as inner:
            raise LibraryError(f"http://user:{password}@proxy:3128/") from inner
    except LibraryError as caught:
        error = caught
    redacted = redacted_chain(error, without_userinfo_in_text)
    assert redacted is error and isinstance(error.__cause__, OSError) and error.__cause__.errno == 111
    assert "pw-s3cret" not in printed(error) and "***@proxy:3128" in printed(error)
    assert error.url == "http://***@proxy:3128/"


def test_a_proxy_refusing_the_tunnel_shows_its_password_nowhere(driver: Driver) -> None:
    """aiohttp's error about the proxy's answer keeps the CONNECT request it answered: its URL and its
    Proxy-Authorization header are kept without the password."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)

    def refuse() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                connection.recv(65536)
                connection.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    threading.Thread(target=refuse, daemon=True).start()
    password = "pr0xy-" + "s3cret"
    port = listener.getsockname()[1]
    config = sparkfly_client.Configuration(
        host="https://api.example.test", retries=0, proxy=f"http://alice:{password}@127.0.0.1:{port}"
    )
    config.api_key["X-Auth-Token"] = TOKEN
    try:
        with driver.client(config) as client, pytest.raises(sparkfly_client.ApiConnectionError) as caught:
            driver.credentials(client).get_credential(56)
    finally:
        listener.close()
    assert caught.value.proxy_status == 403
    cause = caught.value.__cause__
    shown = printed(caught.value) + repr(cause) + repr(getattr(cause, "args", ()))
    basic = base64.b64encode(f"alice:{password}".encode()).decode()
    assert password not in shown and basic not in shown


def test_a_password_echoed_as_a_number_stays_hidden_in_the_decode_error_s_cause(server: ScriptedServer) -> None:
    """The customer credential model hides its inputs in errors; the cause keeps them hidden, and a secret of
    digits echoed as a JSON number is hidden like one echoed as text."""
    digits = "9021" + "0417"
    server.push(Reply(200, {"id": "c1", "username": "ann", "password": int(digits)}))
    config = sparkfly_client.Configuration(host=server.url, api_key={"SecretApiKey": "key"}, retries=0)
    with sparkfly_client.ApiClient(config) as client, pytest.raises(sparkfly_client.ResponseDecodeError) as caught:
        sparkfly_client.CustomerCredentialsApi(client).upsert_credential(
            "c1", {"username": "ann", "password": digits, "customerId": "cus_1"}
        )
    assert isinstance(caught.value.__cause__, pydantic.ValidationError)
    assert digits not in printed(caught.value)
