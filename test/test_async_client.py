"""What only the async driver can get wrong: wire identity with the sync client, concurrency, aiohttp's
own resend, cancellation, the event loop, and the optional dependency. Over real HTTP on loopback."""

from __future__ import annotations

import asyncio
import gc
import json
import subprocess
import sys
import time
import warnings
from typing import Any, Dict, List, Tuple

import pytest
from auth_fixtures import IDENTITY, KEY, TokenIssuer
from conftest import TOKEN
from scripted_server import Recorded, Reply, ScriptedServer

import sparkfly_client
from sparkfly_client import ApiConnectionError, AsyncApiClient, AsyncCredentialsApi, AsyncCustomerCredentialsApi

aiohttp = pytest.importorskip("aiohttp")

CREDENTIAL = {"credential": {"id": 56, "identifier": "3345"}, "errors": {}}
UPSERTED = {"id": "cus_crd_1", "username": "jane", "customerId": "cus_1", "_links": []}
REQUEST = {"credential": {"member_id": 56, "offer_id": 56, "channel_id": 56}}
UPSERT_INPUT = {"username": "jane", "password": "pw-SECRET-1", "customerId": "cus_1"}

#: Every operation with arguments, as (name, args): each is sent by both clients and compared on the wire.
OPERATIONS: List[Tuple[str, str, Tuple[Any, ...]]] = [
    ("credentials", "create_credential", (REQUEST,)),
    ("credentials", "delete_credential", (56,)),
    ("credentials", "get_credential", (56,)),
    ("credentials", "get_credentials", (56, 57, 58, 2, 10)),
    ("credentials", "get_offer_eligibility_for_member", (56, 57)),
    ("credentials", "redeem_credential", (56,)),
    ("credentials", "update_credential", (56, REQUEST)),
    ("credentials", "void_credential", (56,)),
    ("customer", "upsert_credential", ("cus_crd_1", UPSERT_INPUT)),
]


def configuration(server: ScriptedServer, **settings: Any) -> sparkfly_client.Configuration:
    config = sparkfly_client.Configuration(host=server.url, **settings)
    config.api_key["X-Auth-Token"] = TOKEN
    config.api_key["SecretApiKey"] = "secret-key-SECRET"
    return config


def wire(seen: Recorded) -> Tuple[str, str, Dict[str, str], Dict[str, str], bytes]:
    headers = {name.lower(): value for name, value in seen.headers.items()}
    return seen.method, seen.path, seen.query, headers, seen.body


@pytest.mark.parametrize(("family", "name", "args"), OPERATIONS, ids=[op[1] for op in OPERATIONS])
def test_requests_are_wire_identical_to_the_sync_client(family: str, name: str, args: Tuple[Any, ...]) -> None:
    with ScriptedServer(Reply(200, UPSERTED if family == "customer" else CREDENTIAL)) as server:
        config = configuration(server, retries=0)
        with sparkfly_client.ApiClient(config) as client:
            api = (
                sparkfly_client.CredentialsApi(client)
                if family == "credentials"
                else sparkfly_client.CustomerCredentialsApi(client)
            )
            getattr(api, name)(*args)

        async def send() -> None:
            async with AsyncApiClient(config) as async_client:
                api = (
                    AsyncCredentialsApi(async_client)
                    if family == "credentials"
                    else AsyncCustomerCredentialsApi(async_client)
                )
                await getattr(api, name)(*args)

        asyncio.run(send())
        sync_request, async_request = server.requests
        assert wire(async_request) == wire(sync_request)


def test_sixty_four_concurrent_first_calls_make_one_auth_call(server: ScriptedServer) -> None:
    issuer = TokenIssuer(server, auth_delay=0.05)
    config = sparkfly_client.Configuration(host=server.url, auth_identity=IDENTITY, auth_key=KEY, retries=0)

    async def crowd() -> List[Any]:
        async with AsyncApiClient(config) as client:
            api = AsyncCredentialsApi(client)
            return await asyncio.gather(*(api.get_credential(56) for _ in range(64)))

    server.default = Reply(200, CREDENTIAL)
    assert len(asyncio.run(crowd())) == 64
    assert issuer.issued == 1 and [r.path for r in server.requests].count("/auth") == 1


def test_a_token_expiring_under_thirty_two_concurrent_calls_is_renewed_once(server: ScriptedServer) -> None:
    issuer = TokenIssuer(server, auth_delay=0.05)
    server.default = Reply(200, CREDENTIAL)
    config = sparkfly_client.Configuration(host=server.url, auth_identity=IDENTITY, auth_key=KEY, retries=0)

    async def run() -> None:
        async with AsyncApiClient(config) as client:
            api = AsyncCredentialsApi(client)
            await api.get_credential(56)
            issuer.revoke()  # every call now meets a 401 with the token it holds
            results = await asyncio.gather(*(api.get_credential(56) for _ in range(32)))
            assert all(r.credential.id == 56 for r in results)

    asyncio.run(run())
    assert issuer.issued == 2


def test_a_failing_auth_is_shared_by_every_waiting_call(server: ScriptedServer) -> None:
    server.responder = lambda seen: Reply(503, {"error": "auth down"}, delay=0.2) if seen.path == "/auth" else None
    config = sparkfly_client.Configuration(host=server.url, auth_identity=IDENTITY, auth_key=KEY, retries=0)

    async def run() -> List[Any]:
        async with AsyncApiClient(config) as client:
            api = AsyncCredentialsApi(client)
            return await asyncio.gather(*(api.get_credential(56) for _ in range(16)), return_exceptions=True)

    started = time.monotonic()
    outcomes = asyncio.run(run())
    assert all(isinstance(o, sparkfly_client.ServiceException) for o in outcomes)
    assert [r.path for r in server.requests] == ["/auth"] and time.monotonic() - started < 2


def drop_second_request(server: ScriptedServer) -> None:
    """Answer the first request on a keep-alive connection, then read the next one and hang up."""
    server.push(Reply(200, CREDENTIAL), Reply(fault="drop"))


@pytest.mark.parametrize("method", ["redeem_credential", "get_credential"])
def test_aiohttp_never_resends_a_request_by_itself(server: ScriptedServer, method: str) -> None:
    drop_second_request(server)
    config = configuration(server, retries=0)

    async def run() -> None:
        async with AsyncApiClient(config) as client:
            api = AsyncCredentialsApi(client)
            await getattr(api, method)(56)
            with pytest.raises(ApiConnectionError) as caught:
                await getattr(api, method)(56)
            assert caught.value.request_sent

    asyncio.run(run())
    assert len(server.requests) == 2  # aiohttp on its own would have sent the second one again


def test_waits_never_block_the_event_loop(server: ScriptedServer) -> None:
    server.push(Reply(503, headers={"Retry-After": "0.3"}), Reply(200, CREDENTIAL, delay=0.3))
    config = configuration(server, retries=1)
    gaps: List[float] = []

    async def ticker(stop: asyncio.Event) -> None:
        last = time.monotonic()
        while not stop.is_set():
            await asyncio.sleep(0.01)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    async def run() -> None:
        stop = asyncio.Event()
        ticking = asyncio.ensure_future(ticker(stop))
        async with AsyncApiClient(config) as client:
            await AsyncCredentialsApi(client).get_credential(56)
        stop.set()
        await ticking

    asyncio.run(run())
    assert len(gaps) > 30 and max(gaps) < 0.1


def test_a_cancelled_call_releases_its_connection_and_the_client_stays_usable(server: ScriptedServer) -> None:
    server.push(Reply(200, CREDENTIAL, delay=2.0), Reply(200, CREDENTIAL))
    config = configuration(server, retries=0)

    async def run() -> None:
        async with AsyncApiClient(config) as client:
            api = AsyncCredentialsApi(client)
            stalled = asyncio.ensure_future(api.get_credential(56))
            await asyncio.sleep(0.2)
            stalled.cancel()
            with pytest.raises(asyncio.CancelledError):
                await stalled
            assert (await api.get_credential(56)).credential.id == 56

    asyncio.run(run())


def test_closing_leaves_no_unclosed_warnings(server: ScriptedServer) -> None:
    config = configuration(server, retries=0)
    problems: List[Any] = []

    async def run() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda loop, context: problems.append(context))
        client = AsyncApiClient(config)
        await AsyncCredentialsApi(client).get_credential(56)
        await client.close()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(run())
        gc.collect()
    assert problems == [] and [w for w in caught if "nclosed" in str(w.message)] == []


def test_a_closed_client_opens_a_new_session_on_its_next_call(server: ScriptedServer) -> None:
    config = configuration(server, retries=0)
    problems: List[Any] = []

    async def run() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda loop, context: problems.append(context))
        client = AsyncApiClient(config)
        api = AsyncCredentialsApi(client)
        await api.get_credential(56)
        await client.close()
        assert (await api.get_credential(57)).credential.id == 56
        await client.close()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(run())
        gc.collect()
    assert [r.path for r in server.requests] == ["/v1.0/credentials/56", "/v1.0/credentials/57"]
    assert problems == [] and [w for w in caught if "nclosed" in str(w.message)] == []


def test_a_client_used_from_another_event_loop_says_so(server: ScriptedServer) -> None:
    client = AsyncApiClient(configuration(server, retries=0))
    api = AsyncCredentialsApi(client)
    first = asyncio.new_event_loop()
    try:
        first.run_until_complete(api.get_credential(56))
        with pytest.raises(RuntimeError, match="another event loop"):
            asyncio.run(api.get_credential(56))
    finally:
        first.run_until_complete(client.close())
        first.close()


def test_a_session_of_your_own_is_used_and_left_open(server: ScriptedServer) -> None:
    starts: List[str] = []

    async def on_start(session: Any, context: Any, params: Any) -> None:
        starts.append(str(params.url))

    async def run() -> None:
        trace = aiohttp.TraceConfig()
        trace.on_request_start.append(on_start)
        async with aiohttp.ClientSession(trace_configs=[trace]) as session:
            async with AsyncApiClient(configuration(server), session=session) as client:
                await AsyncCredentialsApi(client).get_credential(56)
            assert not session.closed

    asyncio.run(run())
    assert starts == [f"{server.url}/v1.0/credentials/56"]


def test_a_session_of_your_own_closed_before_a_call_is_a_typed_error_and_nothing_is_sent(
    server: ScriptedServer,
) -> None:
    async def run() -> None:
        session = aiohttp.ClientSession()
        await session.close()
        async with AsyncApiClient(configuration(server), session=session) as client:
            with pytest.raises(sparkfly_client.ApiValueError, match="session given to this AsyncApiClient is closed"):
                await AsyncCredentialsApi(client).get_credential(56)

    asyncio.run(run())
    assert server.requests == []


def test_a_pool_manager_of_your_own_is_used(server: ScriptedServer) -> None:
    import urllib3

    class Counting(urllib3.PoolManager):
        origins: List[str] = []

        def connection_from_url(self, url: str, pool_kwargs: Any = None) -> Any:
            self.origins.append(url)
            return super().connection_from_url(url, pool_kwargs)

    manager = Counting()
    with sparkfly_client.ApiClient(configuration(server), pool_manager=manager) as client:
        sparkfly_client.CredentialsApi(client).get_credential(56)
    assert manager.origins == [server.url]


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_sync_use_never_imports_aiohttp(server: ScriptedServer) -> None:
    server.default = Reply(200, CREDENTIAL)
    code = f"""
import sys, sparkfly_client
config = sparkfly_client.Configuration(host={server.url!r}, api_key={{"X-Auth-Token": "t"}})
with sparkfly_client.ApiClient(config) as client:
    sparkfly_client.CredentialsApi(client).get_credential(56)
sparkfly_client.AsyncCredentialsApi, sparkfly_client.AsyncApiClient  # the names alone import nothing more
assert "aiohttp" not in sys.modules, "aiohttp was imported"
"""
    result = run_python(code)
    assert result.returncode == 0, result.stderr


def test_without_aiohttp_the_async_client_names_the_extra() -> None:
    code = """
import sys
sys.modules["aiohttp"] = None  # as if it were not installed
import sparkfly_client
try:
    sparkfly_client.AsyncApiClient(sparkfly_client.Configuration())
except ImportError as exc:
    print(exc)
"""
    result = run_python(code)
    assert 'pip install "sparkfly_client[async]"' in result.stdout, result.stderr


def test_the_upsert_twin_reports_created_then_replaced(server: ScriptedServer) -> None:
    server.push(Reply(201, UPSERTED), Reply(200, UPSERTED))

    async def run() -> List[int]:
        async with AsyncApiClient(configuration(server)) as client:
            api = AsyncCustomerCredentialsApi(client)
            first = await api.upsert_credential_with_http_info("cus_crd_1", UPSERT_INPUT)
            second = await api.upsert_credential_with_http_info("cus_crd_1", UPSERT_INPUT)
            return [first.status_code, second.status_code]

    assert asyncio.run(run()) == [201, 200]
    assert json.loads(server.last.body)["password"] == "pw-SECRET-1"


@pytest.mark.asyncio
async def test_the_sandbox_fixture_gives_an_async_client(sparkfly_async_api_client: AsyncApiClient) -> None:
    api = AsyncCredentialsApi(sparkfly_async_api_client)
    created = await api.create_credential(REQUEST)
    assert created.credential is not None and created.credential.member_id == 56
    assert [item.credential.id async for item in api.iter_credentials(member_id=56, per_page=1)]


def test_every_async_operation_is_a_coroutine_function_to_inspect_and_to_mock() -> None:
    from unittest import mock

    client = AsyncApiClient(sparkfly_client.Configuration(api_key={"X-Auth-Token": TOKEN}))
    for api in (AsyncCredentialsApi(client), AsyncCustomerCredentialsApi(client)):
        names = [name for name in dir(type(api)) if not name.startswith("_") and name != "api_client"]
        for name in names:
            if name != "iter_credentials":  # an async iterator, for `async for`
                assert asyncio.iscoroutinefunction(getattr(api, name)), name
    credentials = AsyncCredentialsApi(client)
    with mock.patch.object(credentials, "get_credential", autospec=True) as patched:
        assert isinstance(patched.mock, mock.AsyncMock)  # so `await api.get_credential(...)` works on the mock
        asyncio.run(credentials.get_credential(56))
    patched.mock.assert_awaited_once_with(56)
