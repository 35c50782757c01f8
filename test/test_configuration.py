"""Configuration's generated-client helpers: defaults, copies, hosts, keys, debug and the debug report."""

from __future__ import annotations

import copy
import logging
import platform
from typing import Iterator

import pytest

import sparkfly_client
from sparkfly_client.configuration import SERVER_HOSTS, Configuration
from sparkfly_client.sandbox import Sandbox


@pytest.fixture
def restored_default() -> Iterator[None]:
    saved = Configuration._default
    yield
    Configuration.set_default(saved)


@pytest.fixture
def quiet_logger() -> Iterator[logging.Logger]:
    logger = logging.getLogger("sparkfly_client")
    level, handlers = logger.level, list(logger.handlers)
    yield logger
    logger.setLevel(level)
    logger.handlers[:] = handlers


def test_a_default_configuration_serves_clients_made_without_one(
    restored_default: None, sparkfly_sandbox: Sandbox
) -> None:
    Configuration.set_default(sparkfly_sandbox.configuration())
    with sparkfly_client.ApiClient() as api_client:
        assert api_client.configuration is Configuration.get_default()
        assert sparkfly_client.CredentialsApi(api_client).get_credential(56).credential.identifier == "5600"
    Configuration.set_default(None)
    assert Configuration.get_default().host == "https://api.sparkfly.com"


def test_a_default_copy_is_independent_of_the_default(restored_default: None) -> None:
    original = Configuration(api_key={"X-Auth-Token": "t"}, proxy_headers={"X-Proxy": "1"})
    Configuration.set_default(original)
    clone = Configuration.get_default_copy()
    clone.api_key["X-Auth-Token"] = "changed"
    clone.api_key_prefix["X-Auth-Token"] = "Bearer"
    assert clone.proxy_headers is not None
    clone.proxy_headers["X-Proxy"] = "2"
    assert original.api_key == {"X-Auth-Token": "t"} and original.api_key_prefix == {}
    assert original.proxy_headers == {"X-Proxy": "1"}
    assert copy.deepcopy(Configuration()).proxy_headers is None


def test_keys_come_with_their_prefix_and_through_their_alias() -> None:
    configuration = Configuration(api_key={"legacy": "k"}, api_key_prefix={"X-Auth-Token": "Token"})
    assert configuration.get_api_key_with_prefix("X-Auth-Token") is None
    assert configuration.get_api_key_with_prefix("X-Auth-Token", alias="legacy") == "Token k"
    configuration.api_key["X-Auth-Token"] = ""
    assert configuration.get_api_key_with_prefix("X-Auth-Token", alias="legacy") is None  # empty is no key


def test_host_settings_list_every_server() -> None:
    settings = Configuration().get_host_settings()
    assert [entry["url"] for entry in settings] == list(SERVER_HOSTS)
    assert Configuration(host="http://127.0.0.1:1").get_host_from_settings(None) == "http://127.0.0.1:1"
    assert Configuration().get_host_from_settings(1) == "https://api-staging.sparkfly.com"


def test_debug_turns_the_logger_to_debug_and_back(quiet_logger: logging.Logger) -> None:
    quiet_logger.setLevel(logging.NOTSET)
    configuration = Configuration(debug=True)
    assert configuration.debug is True and quiet_logger.level == logging.DEBUG
    configuration.debug = False
    assert configuration.debug is False and quiet_logger.level == logging.NOTSET


def test_the_debug_report_names_the_versions() -> None:
    report = Configuration().to_debug_report()
    assert f"Python Version: {platform.python_version()}" in report
    assert report.endswith(f"SDK Package Version: {sparkfly_client.__version__}")
