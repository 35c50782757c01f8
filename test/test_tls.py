"""TLS against a local HTTPS server with certificates from a throwaway CA (trustme)."""

from __future__ import annotations

import ssl
import warnings
from pathlib import Path
from typing import Iterator

import pytest
import trustme
from conftest import TOKEN
from drivers import Driver
from scripted_server import Reply, ScriptedServer

import sparkfly_client
from sparkfly_client import ApiConnectionError

CREDENTIAL = {"credential": {"id": 56, "identifier": "3345"}}


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def https_server(ca: trustme.CA, name: str, require_client_cert: bool = False) -> ScriptedServer:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(name).configure_cert(context)
    if require_client_cert:
        context.verify_mode = ssl.CERT_REQUIRED
        ca.configure_trust(context)
    return ScriptedServer(default=Reply(200, CREDENTIAL), ssl_context=context)


@pytest.fixture
def tls_server(ca: trustme.CA) -> Iterator[ScriptedServer]:
    with https_server(ca, "127.0.0.1") as running:
        yield running


@pytest.fixture(autouse=True)
def _driver(driver: Driver) -> Iterator[None]:
    """Every test here runs on both drivers: ``get_credential`` uses the one in force."""
    global CURRENT
    CURRENT = driver
    yield


CURRENT: Driver


def get_credential(server: ScriptedServer, **settings: object) -> sparkfly_client.CredentialResponse:
    config = sparkfly_client.Configuration(host=server.url, api_key={"X-Auth-Token": TOKEN}, retries=0)
    for name, value in settings.items():
        setattr(config, name, value)
    with CURRENT.client(config) as client:
        return CURRENT.credentials(client).get_credential(56)  # type: ignore[no-any-return]


def test_unknown_ca_is_rejected_by_default(tls_server: ScriptedServer) -> None:
    assert tls_server.url.startswith("https://")
    with pytest.raises(ApiConnectionError) as caught:
        get_credential(tls_server)
    assert "TLS failure" in str(caught.value) and "CERTIFICATE_VERIFY_FAILED" in str(caught.value)
    assert tls_server.requests == []


def test_a_rejected_certificate_is_not_retried_and_nothing_was_sent(tls_server: ScriptedServer) -> None:
    with pytest.raises(ApiConnectionError) as caught:
        get_credential(tls_server, retries=2)
    assert (caught.value.attempts, caught.value.request_sent) == (1, False)


def test_a_missing_ca_file_is_not_retried_and_nothing_was_sent(tls_server: ScriptedServer, tmp_path: Path) -> None:
    with pytest.raises(ApiConnectionError) as caught:
        get_credential(tls_server, retries=2, ssl_ca_cert=str(tmp_path / "missing.pem"))
    assert (caught.value.attempts, caught.value.request_sent) == (1, False)
    assert "missing.pem" in str(caught.value)


def test_accepted_with_ssl_ca_cert(tls_server: ScriptedServer, ca_file: str) -> None:
    assert get_credential(tls_server, ssl_ca_cert=ca_file).credential.id == 56
    assert tls_server.last.header("X-Auth-Token") == TOKEN


def test_accepted_without_verification_when_asked(tls_server: ScriptedServer) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # urllib3 warns about unverified HTTPS, rightly
        assert get_credential(tls_server, verify_ssl=False).credential.id == 56


def test_tls_server_name_checks_the_certificate_against_that_name(ca: trustme.CA, ca_file: str) -> None:
    with https_server(ca, "api.sparkfly.test") as server:
        with pytest.raises(ApiConnectionError, match="TLS failure"):
            get_credential(server, ssl_ca_cert=ca_file)  # the certificate is not for 127.0.0.1
        assert get_credential(server, ssl_ca_cert=ca_file, tls_server_name="api.sparkfly.test").credential.id == 56
        with pytest.raises(ApiConnectionError, match="TLS failure"):
            get_credential(server, ssl_ca_cert=ca_file, tls_server_name="other.sparkfly.test")
    assert len(server.requests) == 1


def test_client_certificate_from_cert_file_and_key_file(ca: trustme.CA, ca_file: str, tmp_path: Path) -> None:
    client_cert = ca.issue_cert("pos-terminal-56@sparkfly.test")
    cert_file, key_file = tmp_path / "client.pem", tmp_path / "client.key"
    client_cert.cert_chain_pems[0].write_to_path(str(cert_file))
    client_cert.private_key_pem.write_to_path(str(key_file))
    with https_server(ca, "127.0.0.1", require_client_cert=True) as server:
        with pytest.raises(ApiConnectionError):
            get_credential(server, ssl_ca_cert=ca_file)  # no client certificate: the server hangs up
        assert server.requests == []
        answer = get_credential(server, ssl_ca_cert=ca_file, cert_file=str(cert_file), key_file=str(key_file))
        assert answer.credential.id == 56
    assert len(server.requests) == 1


def test_tls_settings_changed_after_the_client_was_made_apply_from_the_next_call(
    tls_server: ScriptedServer, ca_file: str
) -> None:
    config = sparkfly_client.Configuration(host=tls_server.url, api_key={"X-Auth-Token": TOKEN}, retries=0)
    with CURRENT.client(config) as client:
        api = CURRENT.credentials(client)
        with pytest.raises(ApiConnectionError, match="TLS failure"):
            api.get_credential(56)
        config.ssl_ca_cert = ca_file
        assert api.get_credential(56).credential.id == 56
