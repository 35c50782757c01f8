"""``SPARKFLY_LOG=debug|info`` turns the client's logging on from the environment, in a fresh process."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from typing import Iterator, Optional

import pytest

import sparkfly_client
from sparkfly_client import configuration
from sparkfly_client.sandbox import Sandbox

SCRIPT = """
import logging, sys
import sparkfly_client
logger = logging.getLogger("sparkfly_client")
print("at import:", logging.getLevelName(logger.level), len(logger.handlers))
configuration = sparkfly_client.Configuration(host=sys.argv[1], api_key={"X-Auth-Token": sys.argv[2]})
with sparkfly_client.ApiClient(configuration) as api_client:
    print(sparkfly_client.CredentialsApi(api_client).get_credential(56).credential.identifier)
"""


def run_with(sandbox: Sandbox, value: Optional[str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SPARKFLY_LOG"}
    if value is not None:
        env["SPARKFLY_LOG"] = value
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, sandbox.url, sandbox.token],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "at import: NOTSET 0\n5600\n"  # read when the Configuration is made, not at import
    return done


@pytest.mark.parametrize("value", ["debug", "DEBUG", " debug "])
def test_debug_logs_each_exchange_with_masked_headers_to_stderr(sparkfly_sandbox: Sandbox, value: str) -> None:
    (line,) = run_with(sparkfly_sandbox, value).stderr.splitlines()
    assert f" DEBUG sparkfly_client GET {sparkfly_sandbox.url}/v1.0/credentials/56 -> 200 in " in line
    assert "'X-Auth-Token': '***'" in line
    assert sparkfly_sandbox.token not in line


def test_info_logs_one_line_per_exchange_without_headers(sparkfly_sandbox: Sandbox) -> None:
    (line,) = run_with(sparkfly_sandbox, "info").stderr.splitlines()
    assert f" INFO sparkfly_client GET {sparkfly_sandbox.url}/v1.0/credentials/56 -> 200 in " in line
    assert "headers" not in line and sparkfly_sandbox.token not in line


@pytest.mark.parametrize("value", [None, ""])
def test_unset_logs_nothing(sparkfly_sandbox: Sandbox, value: Optional[str]) -> None:
    assert run_with(sparkfly_sandbox, value).stderr == ""


def test_an_unknown_value_is_named_once_and_otherwise_ignored(sparkfly_sandbox: Sandbox) -> None:
    stderr = run_with(sparkfly_sandbox, "verbose").stderr
    assert "RuntimeWarning: SPARKFLY_LOG='verbose' is ignored: use debug or info" in stderr
    assert "sparkfly_client GET" not in stderr


@pytest.fixture
def first_configuration(monkeypatch: pytest.MonkeyPatch) -> Iterator[logging.Logger]:
    """As if no Configuration had been made yet in this process; the logger restored afterwards."""
    logger = logging.getLogger("sparkfly_client")
    level, handlers = logger.level, list(logger.handlers)
    monkeypatch.setattr(configuration, "_log_environment_read", False)
    logger.setLevel(logging.NOTSET)
    logger.handlers[:] = []
    yield logger
    logger.setLevel(level)
    logger.handlers[:] = handlers


def test_it_is_read_once_by_the_first_configuration(
    first_configuration: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPARKFLY_LOG", "info")
    root = logging.getLogger()
    saved, root.handlers = root.handlers, []  # pytest's capture handlers aside: logging is "not configured"
    try:
        sparkfly_client.Configuration()
    finally:
        root.handlers = saved
    assert first_configuration.level == logging.INFO and len(first_configuration.handlers) == 1
    monkeypatch.setenv("SPARKFLY_LOG", "debug")
    sparkfly_client.Configuration()  # read once: a later change does not apply
    assert first_configuration.level == logging.INFO and len(first_configuration.handlers) == 1


def test_it_never_lowers_a_level_the_application_chose(
    first_configuration: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    first_configuration.setLevel(logging.DEBUG)
    monkeypatch.setenv("SPARKFLY_LOG", "info")
    sparkfly_client.Configuration()
    assert first_configuration.level == logging.DEBUG


def test_an_unknown_value_warns_in_process(
    first_configuration: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPARKFLY_LOG", "loud")
    with pytest.warns(RuntimeWarning, match="SPARKFLY_LOG='loud' is ignored"):
        sparkfly_client.Configuration()
    assert first_configuration.level == logging.NOTSET and first_configuration.handlers == []
