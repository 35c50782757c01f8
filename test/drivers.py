"""Both drivers behind one blocking surface, so a behaviour test written once runs on each.

``SYNC.client(configuration)`` is an ``ApiClient``; ``ASYNC.client(configuration)`` is an
``AsyncApiClient`` whose coroutines are run to completion on a private event loop, one per client.
The API objects they give behave alike from a test's point of view: ``api.get_credential(56)``
returns the model on either, raises the same exceptions, and ``api.api_client`` reaches the client.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, Callable, Iterator

import pytest

import sparkfly_client


class Driver:
    name = "sync"

    def client(self, configuration: sparkfly_client.Configuration, **options: Any) -> Any:
        return sparkfly_client.ApiClient(configuration, **options)

    def credentials(self, client: Any) -> Any:
        return sparkfly_client.CredentialsApi(client)

    def customer(self, client: Any) -> Any:
        return sparkfly_client.CustomerCredentialsApi(client)

    def __repr__(self) -> str:
        return self.name


class AsyncDriver(Driver):
    name = "async"

    def client(self, configuration: sparkfly_client.Configuration, **options: Any) -> Any:
        return BlockingAsyncClient(configuration, **options)

    def credentials(self, client: Any) -> Any:
        return BlockingApi(sparkfly_client.AsyncCredentialsApi(client.async_client), client)

    def customer(self, client: Any) -> Any:
        return BlockingApi(sparkfly_client.AsyncCustomerCredentialsApi(client.async_client), client)


class BlockingAsyncClient:
    """An ``AsyncApiClient`` and the event loop its calls run on; attributes pass through."""

    def __init__(self, configuration: sparkfly_client.Configuration, **options: Any) -> None:
        object.__setattr__(self, "loop", asyncio.new_event_loop())
        object.__setattr__(self, "async_client", sparkfly_client.AsyncApiClient(configuration, **options))

    def run(self, awaitable: Any) -> Any:
        return self.loop.run_until_complete(awaitable)

    def close(self) -> None:
        if not self.loop.is_closed():
            self.run(self.async_client.close())

    def __enter__(self) -> BlockingAsyncClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
        self.loop.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.async_client, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.async_client, name, value)


class BlockingApi:
    """An async API object whose coroutine methods return their results (async iterators become lists)."""

    def __init__(self, api: Any, client: BlockingAsyncClient) -> None:
        self._api = api
        self.api_client = client

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._api, name)
        if not callable(attribute):
            return attribute
        return self._blocking(attribute)

    def _blocking(self, method: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            if inspect.isawaitable(result):
                return self.api_client.run(result)
            if hasattr(result, "__anext__"):
                return iter(self.api_client.run(_collect(result)))
            return result

        return call


async def _collect(items: Any) -> Iterator[Any]:
    return [item async for item in items]  # type: ignore[return-value]


SYNC = Driver()
ASYNC = AsyncDriver()
try:
    import aiohttp  # noqa: F401
except ImportError:  # without the async extra, the async driver's runs are skipped, not failed
    HAVE_AIOHTTP = False
else:
    HAVE_AIOHTTP = True
DRIVERS = [SYNC, pytest.param(ASYNC, marks=pytest.mark.skipif(not HAVE_AIOHTTP, reason='needs the "async" extra'))]


def read_unread(api: Any, raw: Any) -> bytes:
    """Read and release what a ``*_without_preload_content`` variant returned, on either driver."""
    if hasattr(raw, "release_conn"):  # urllib3
        body: bytes = raw.read()
        raw.release_conn()
        return body
    body = api.api_client.run(raw.read())  # aiohttp
    raw.release()
    return body
