"""How the async client reads an answer's body over real HTTP: whole when its length is declared,
chunk by chunk when it is not, never past max_response_bytes; and its timeouts follow the configuration."""

from __future__ import annotations

import asyncio
import socket
import sys
import threading
import time
from typing import Any, Awaitable, Callable, List, Tuple

import pytest
from conftest import TOKEN
from scripted_server import Reply, ScriptedServer

import sparkfly_client
from sparkfly_client.exceptions import ApiConnectionError, ApiTimeoutError, ResponseTooLargeError

pytest.importorskip("aiohttp")

ANSWER = {"credential": {"id": 7, "identifier": "x" * 200}, "errors": {}}


def configured(url: str, **settings: Any) -> sparkfly_client.Configuration:
    configuration = sparkfly_client.Configuration(host=url, **settings)
    configuration.api_key["X-Auth-Token"] = TOKEN
    return configuration


def run(configuration: sparkfly_client.Configuration, use: Callable[[Any], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        async with sparkfly_client.AsyncApiClient(configuration) as client:
            return await use(sparkfly_client.AsyncCredentialsApi(client))

    return asyncio.run(main())


def test_a_declared_length_within_the_limit_is_read_whole() -> None:
    with ScriptedServer(Reply(200, ANSWER)) as server:
        answer = run(configured(server.url), lambda api: api.get_credential(7))
    assert answer.credential.id == 7 and answer.credential.identifier == "x" * 200


def test_a_declared_length_over_the_limit_fails_before_the_body_is_read() -> None:
    with ScriptedServer(Reply(200, ANSWER)) as server:
        with pytest.raises(ResponseTooLargeError, match="exceeds max_response_bytes"):
            run(configured(server.url, max_response_bytes=100), lambda api: api.get_credential(7))
        assert len(server.requests) == 1  # too large is never retried


def test_a_body_shorter_than_its_declared_length_is_a_connection_failure() -> None:
    with (
        ScriptedServer(Reply(200, ANSWER, fault="truncate")) as server,
        pytest.raises(ApiConnectionError, match="while reading the response"),
    ):
        run(configured(server.url, retries=0), lambda api: api.get_credential(7))


async def chunked_server(chunks: Tuple[bytes, ...]) -> Tuple[asyncio.AbstractServer, str]:
    """Answers every request with ``chunks`` in chunked transfer encoding (no declared length)."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                await reader.readuntil(b"\r\n\r\n")  # the requests carry no body
            except (asyncio.IncompleteReadError, ConnectionError):
                writer.close()  # the client is gone: so is this side of the connection
                break
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
            for chunk in chunks:
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await writer.drain()
            writer.write(b"0\r\n\r\n")
            await writer.drain()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


@pytest.mark.parametrize("limit", [10_000, 100])
def test_a_chunked_body_is_read_up_to_the_limit(limit: int) -> None:
    body = b'{"credential": {"id": 7, "identifier": "%s"}, "errors": {}}' % (b"x" * 200)

    async def main() -> Any:
        server, url = await chunked_server((body[:50], body[50:]))
        async with server, sparkfly_client.AsyncApiClient(configured(url, max_response_bytes=limit)) as client:
            return await sparkfly_client.AsyncCredentialsApi(client).get_credential(7)

    if limit > len(body):
        assert asyncio.run(main()).credential.identifier == "x" * 200
    else:
        with pytest.raises(ResponseTooLargeError, match="exceeds max_response_bytes"):
            asyncio.run(main())


def test_a_changed_read_timeout_applies_from_the_next_call() -> None:
    with ScriptedServer(Reply(200, ANSWER, delay=0.5)) as server:
        configuration = configured(server.url, retries=0, timeout=(5.0, 5.0))

        async def two_calls(api: Any) -> Any:
            first = await api.get_credential(7)
            configuration.timeout = (5.0, 0.2)
            with pytest.raises(ApiTimeoutError):
                await api.get_credential(7)
            return first

        assert run(configuration, two_calls).credential.id == 7


async def stalling_server(first_part: bytes, total_length: int, stall: float) -> Tuple[asyncio.AbstractServer, str]:
    """Answers with headers announcing ``total_length`` bytes and ``first_part`` of them, then goes quiet."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % total_length)
        writer.write(first_part)
        await writer.drain()
        await asyncio.sleep(stall)
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


def test_a_body_that_stops_arriving_times_out_after_the_read_limit() -> None:
    async def main() -> Tuple[ApiTimeoutError, float]:
        server, url = await stalling_server(b'{"credential": {"id": 7', 200, stall=3.0)
        configuration = configured(url, retries=0, timeout=(5.0, 0.3))
        async with server, sparkfly_client.AsyncApiClient(configuration) as client:
            started = asyncio.get_running_loop().time()
            with pytest.raises(ApiTimeoutError) as caught:
                await sparkfly_client.AsyncCredentialsApi(client).get_credential(7)
            return caught.value, asyncio.get_running_loop().time() - started

    error, elapsed = asyncio.run(main())
    assert 0.3 <= elapsed < 1.0
    assert "read" in str(error) and error.request_sent


def test_a_body_that_keeps_arriving_is_read_however_long_it_takes_in_all() -> None:
    # One byte every 20 ms: each wait is far below the read limit, the whole answer well above it.
    body = {"credential": {"id": 7}, "errors": {}}
    with ScriptedServer(Reply(200, body, drip=0.02)) as server:
        answer = run(configured(server.url, retries=0, timeout=(5.0, 0.25)), lambda api: api.get_credential(7))
    assert answer.credential.id == 7


def test_cancelling_a_call_from_outside_is_not_taken_for_a_timeout() -> None:
    with ScriptedServer(Reply(200, ANSWER)) as server:
        server.push(Reply(200, ANSWER, delay=1.0))

        async def use(api: Any) -> Any:
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(api.get_credential(7), 0.2)  # the caller's own limit, not the client's
            return await api.get_credential(7)  # the client is still usable

        answer = run(configured(server.url, retries=0, timeout=(5.0, 5.0)), use)
    assert answer.credential.id == 7


def answered_before(client: Any) -> Any:
    """A client that has had its first answer already, so its calls go together from the start (a cold client
    sends one at a time, for a while, until an answer says whether the server limits the rate)."""
    client._rate_limit().known = True
    return client


def silent_server() -> Tuple[socket.socket, str]:
    """Reads each request and never answers (for as long as the test runs)."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=_hold, args=(connection,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return listener, f"http://127.0.0.1:{listener.getsockname()[1]}"


def _hold(connection: socket.socket) -> None:
    with connection:
        while connection.recv(4096):
            pass


def test_clients_in_many_threads_keep_their_limits_when_their_timers_fire_together() -> None:
    # Each thread runs its own event loop and client; their watchdog timers fire at the same moments. With the
    # interpreter switching threads as often as it can, any timer state shared between threads would collide.
    listener, url = silent_server()
    outcomes: List[Tuple[str, float]] = []

    def one_thread() -> None:
        async def main() -> None:
            configuration = configured(url, retries=0, timeout=(5.0, 0.05))
            async with sparkfly_client.AsyncApiClient(configuration) as client:
                api = sparkfly_client.AsyncCredentialsApi(client)
                calls = asyncio.gather(*(api.get_credential(7) for _ in range(20)), return_exceptions=True)
                started = asyncio.get_running_loop().time()
                for result in await asyncio.wait_for(calls, 5.0):  # a call left without its limits ends here
                    outcomes.append((type(result).__name__, asyncio.get_running_loop().time() - started))

        asyncio.run(main())

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=one_thread, daemon=True) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    finally:
        sys.setswitchinterval(interval)
        listener.close()
    assert len(outcomes) == 120
    assert {name for name, _ in outcomes} == {"ApiTimeoutError"}
    assert max(elapsed for _, elapsed in outcomes) < 2.0


@pytest.mark.skipif(
    sys.version_info < (3, 11), reason="before Python 3.11 a task cannot tell two cancellations apart (Task.uncancel)"
)
def test_a_cancel_landing_with_the_clients_own_timeout_is_the_callers() -> None:
    listener, url = silent_server()

    async def main() -> float:
        loop = asyncio.get_running_loop()
        async with sparkfly_client.AsyncApiClient(configured(url, timeout=0.5, retries=2)) as client:
            started = loop.time()
            task = asyncio.ensure_future(sparkfly_client.AsyncCredentialsApi(client).get_credential(7))
            # The loop is busy across the attempt's limit, and the caller cancels in that same moment.
            loop.call_at(started + 0.45, time.sleep, 0.2)
            loop.call_at(started + 0.55, task.cancel)
            with pytest.raises(asyncio.CancelledError):
                await task
            return loop.time() - started

    try:
        assert asyncio.run(main()) < 1.0  # cancelled, not turned into a timeout and retried
    finally:
        listener.close()


def test_a_call_abandoned_unfinished_closes_quietly() -> None:
    listener, url = silent_server()
    loop = asyncio.new_event_loop()
    try:

        async def make() -> Any:
            return sparkfly_client.AsyncApiClient(configured(url, retries=0))

        client = loop.run_until_complete(make())
        call = sparkfly_client.AsyncCredentialsApi(client).get_credential(7)
        task = loop.create_task(call)
        loop.run_until_complete(asyncio.sleep(0.2))
        call.close()  # as the garbage collector does with a task its stopped loop never finished: no error
        task.cancel()
        loop.run_until_complete(asyncio.wait([task]))
        if not task.cancelled():
            task.exception()  # the task itself is broken: its error is retrieved, so asyncio does not report it
        loop.run_until_complete(client.close())
    finally:
        loop.close()
        listener.close()


def test_a_later_call_with_a_shorter_limit_times_out_at_its_own_limit() -> None:
    # One timer serves every attempt in flight: it must come sooner for a call that needs it sooner.
    listener, url = silent_server()

    async def main() -> float:
        loop = asyncio.get_running_loop()
        async with sparkfly_client.AsyncApiClient(configured(url, retries=0, timeout=(5.0, 3.0))) as client:
            api = sparkfly_client.AsyncCredentialsApi(answered_before(client))
            patient = asyncio.ensure_future(api.get_credential(7))
            await asyncio.sleep(0.1)
            started = loop.time()
            with pytest.raises(ApiTimeoutError, match="read timeout"):
                await asyncio.wait_for(api.get_credential(7, _request_timeout=(5.0, 0.2)), 2.0)
            elapsed = loop.time() - started
            assert not patient.done()  # its own limit is still far off
            patient.cancel()
            await asyncio.wait([patient])
            return elapsed

    try:
        assert 0.2 <= asyncio.run(main()) < 1.0
    finally:
        listener.close()


def test_calls_in_flight_together_each_time_out_at_their_own_limit() -> None:
    listener, url = silent_server()

    async def main() -> List[float]:
        loop = asyncio.get_running_loop()
        async with sparkfly_client.AsyncApiClient(configured(url, retries=0)) as client:
            api = sparkfly_client.AsyncCredentialsApi(answered_before(client))
            started = loop.time()

            async def timed(read_limit: float) -> float:
                with pytest.raises(ApiTimeoutError):
                    await api.get_credential(7, _request_timeout=(5.0, read_limit))
                return loop.time() - started

            return list(await asyncio.wait_for(asyncio.gather(timed(0.2), timed(0.6), timed(1.0)), 5.0))

    try:
        short, middle, long = asyncio.run(main())
    finally:
        listener.close()
    assert 0.2 <= short < 0.5
    assert 0.6 <= middle < 0.9
    assert 1.0 <= long < 1.3


def test_an_attempt_out_of_time_before_it_starts_is_not_sent() -> None:
    # A limit shorter than the timer's slack is spent before the request could be written: nothing is sent,
    # and no cancellation of the caller's task is left behind for its next await to meet.
    with ScriptedServer(Reply(200, ANSWER)) as server:

        async def use(api: Any) -> Any:
            await api.get_credential(7)  # a kept-alive connection: the next request could be written at once
            with pytest.raises(ApiTimeoutError) as caught:
                await api.get_credential(7, _request_timeout=0.0005)
            assert not caught.value.request_sent
            await asyncio.sleep(0.01)  # a cancellation left pending would land here
            return await api.get_credential(7)

        answer = run(configured(server.url, retries=0), use)
        assert answer.credential.id == 7
        assert len(server.requests) == 2  # the first call's and the last one's


def test_a_call_without_any_limit_waits_as_long_as_the_answer_takes() -> None:
    with ScriptedServer(Reply(200, ANSWER, delay=0.3)) as server:
        configuration = configured(server.url, retries=0, timeout=None, deadline=None)
        answer = run(configuration, lambda api: api.get_credential(7))
    assert answer.credential.id == 7


class _ShiftedClockLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock is not time.monotonic (as uvloop's, or a test's, may not be)."""

    def time(self) -> float:
        return super().time() - 1000.0


@pytest.mark.parametrize("where", ["class", "loop"])
def test_limits_follow_an_event_loop_with_a_clock_of_its_own(where: str) -> None:
    listener, url = silent_server()
    if where == "class":
        loop: asyncio.AbstractEventLoop = _ShiftedClockLoop()
    else:  # replaced on the loop object itself, as a test's fast-forwarding clock may be
        loop = asyncio.SelectorEventLoop()
        own_clock = loop.time
        loop.time = lambda: own_clock() - 1000.0  # type: ignore[method-assign]
    try:

        async def main() -> Tuple[Any, float]:
            with ScriptedServer(Reply(200, ANSWER, delay=0.3)) as server:
                async with sparkfly_client.AsyncApiClient(configured(server.url, timeout=2.0)) as client:
                    answer = await sparkfly_client.AsyncCredentialsApi(client).get_credential(7)  # not cut short
            async with sparkfly_client.AsyncApiClient(configured(url, timeout=0.3, retries=0)) as client:
                started = time.monotonic()
                with pytest.raises(ApiTimeoutError):  # (a timer armed on another clock would fire 1000 s late)
                    await asyncio.wait_for(sparkfly_client.AsyncCredentialsApi(client).get_credential(7), 5.0)
                return answer, time.monotonic() - started

        answer, elapsed = loop.run_until_complete(main())
    finally:
        loop.close()
        listener.close()
    assert answer.credential.id == 7
    assert 0.25 < elapsed < 1.5  # at its limit, on the loop's own clock
