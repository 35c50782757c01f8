from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from bulk_helpers import SandboxProcess  # noqa: E402
from drivers import DRIVERS, Driver  # noqa: E402
from scripted_server import Reply, ScriptedServer  # noqa: E402

import sparkfly_client  # noqa: E402

TOKEN = "tok-3f9a-SECRET-token-value"


#: What the scripted server answers when no reply is queued: a credential, as a successful call would get.
DEFAULT_CREDENTIAL = {"credential": {"id": 56, "identifier": "3345"}, "errors": {}}


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer(Reply(200, DEFAULT_CREDENTIAL)) as running:
        yield running


@pytest.fixture
def configuration(server: ScriptedServer) -> sparkfly_client.Configuration:
    config = sparkfly_client.Configuration(host=server.url, retries=0)
    config.api_key["X-Auth-Token"] = TOKEN
    return config


@pytest.fixture(params=DRIVERS, ids=str)
def driver(request: pytest.FixtureRequest) -> Driver:
    """The sync driver, then the async one: a test that takes it (or ``api``/``api_client``) runs on both."""
    chosen: Driver = request.param
    return chosen


@pytest.fixture
def api_client(driver: Driver, configuration: sparkfly_client.Configuration) -> Iterator[sparkfly_client.ApiClient]:
    with driver.client(configuration) as client:
        yield client


@pytest.fixture
def api(driver: Driver, api_client: sparkfly_client.ApiClient) -> sparkfly_client.CredentialsApi:
    return driver.credentials(api_client)  # type: ignore[no-any-return]


@pytest.fixture
def traced() -> Iterator[Any]:
    """A global OpenTelemetry tracer provider exporting in memory, for one test (see tracing_fixtures.py, imported
    here only when asked for: no other test has OpenTelemetry imported)."""
    from tracing_fixtures import tracing_for_one_test

    yield from tracing_for_one_test()


@pytest.fixture
def instrumented(traced: Any) -> Iterator[Any]:
    """``traced``, with the urllib3 and aiohttp instrumentations on it."""
    from tracing_fixtures import instrumented_for_one_test

    yield from instrumented_for_one_test(traced)


@pytest.fixture(scope="session")
def bulk_server_process() -> Iterator[SandboxProcess]:
    """A sandbox in its own process with 5,000 numbered members, for the bulk tool's tests."""
    running = SandboxProcess(members=5000)
    yield running
    running.close()


@pytest.fixture
def bulk_server(bulk_server_process: SandboxProcess) -> SandboxProcess:
    bulk_server_process.reset()  # the demo data back; the numbered members stay
    return bulk_server_process
