"""pytest fixtures, registered through the ``pytest11`` entry point once sparkfly_client is installed.

- ``sparkfly_sandbox``: a running :class:`Sandbox` with fresh demo data, no faults and an empty
  request log for every test (one server serves the whole session).
- ``sparkfly_api_client``: an :class:`ApiClient` configured for it with every credential it accepts.
- ``sparkfly_async_api_client``: the same as an :class:`AsyncApiClient`, for ``async def`` tests run by
  pytest-asyncio (defined when pytest-asyncio is installed; it is in the ``test`` extra).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, AsyncIterator, Iterator

import pytest

if TYPE_CHECKING:
    from sparkfly_client.api_client import ApiClient
    from sparkfly_client.async_api_client import AsyncApiClient
    from sparkfly_client.sandbox.server import Sandbox


@pytest.fixture(scope="session")
def sparkfly_sandbox_server() -> Iterator[Sandbox]:
    """The session's sandbox as it is; most tests want ``sparkfly_sandbox``, which resets it first."""
    from sparkfly_client.sandbox.server import Sandbox

    with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def sparkfly_sandbox(sparkfly_sandbox_server: Sandbox) -> Sandbox:
    sparkfly_sandbox_server.reset()
    return sparkfly_sandbox_server


@pytest.fixture
def sparkfly_api_client(sparkfly_sandbox: Sandbox) -> Iterator[ApiClient]:
    with sparkfly_sandbox.api_client() as client:
        yield client


try:  # pytest-asyncio registers itself as a plugin too, so when present it is already imported: no cost
    import pytest_asyncio

    _HAVE_PYTEST_ASYNCIO = True
except ImportError:  # pragma: no cover - exercised only where pytest-asyncio is not installed
    _HAVE_PYTEST_ASYNCIO = False

if _HAVE_PYTEST_ASYNCIO:

    @pytest_asyncio.fixture
    async def sparkfly_async_api_client(sparkfly_sandbox: Sandbox) -> AsyncIterator[AsyncApiClient]:
        async with sparkfly_sandbox.async_api_client() as client:
            yield client
