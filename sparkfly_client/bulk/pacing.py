"""What paces a bulk job's workers: the pause after a 429, the per-member locks of settling, group commits."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Callable, Dict, Hashable, Optional

__all__ = ["PauseGate", "KeyedLocks", "GroupCommit", "backoff"]

#: The longest wait between two tries of a row whose request kept failing, in seconds.
MAX_BACKOFF = 30.0
#: How long to pause every worker after a 429 that names no wait, in seconds.
DEFAULT_RATE_PAUSE = 1.0


def backoff(failures: int, rng: Callable[[], float] = random.random) -> float:
    """Seconds to wait after a row's ``failures``-th failed try: exponential from 0.5 s, capped, full jitter."""
    return min(MAX_BACKOFF, 0.5 * 2.0 ** (failures - 1)) * (0.5 + rng() / 2)


class PauseGate:
    """Every worker waits here before sending; a 429 closes the gate for the wait the server asked for."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._until = 0.0
        self.pauses = 0

    def pause(self, seconds: Optional[float]) -> None:
        wait = DEFAULT_RATE_PAUSE if seconds is None or seconds <= 0 else seconds
        self._until = max(self._until, self._clock() + wait)
        self.pauses += 1

    async def wait(self) -> None:
        while True:
            delay = self._until - self._clock()
            if delay <= 0:
                return
            await asyncio.sleep(delay)


class _KeyState:
    __slots__ = ("sharing", "exclusive", "waiters", "wanting_exclusive", "changed")

    def __init__(self) -> None:
        self.sharing = 0
        self.exclusive = False
        self.waiters = 0
        self.wanting_exclusive = 0  # a waiting settle goes before sends that come after it
        self.changed: Optional[asyncio.Condition] = None  # made when someone has to wait

    async def wait_while(self, blocked: Callable[[], bool]) -> None:
        if not blocked():
            return
        if self.changed is None:
            self.changed = asyncio.Condition()
        self.waiters += 1
        try:
            async with self.changed:
                await self.changed.wait_for(lambda: not blocked())
        finally:
            self.waiters -= 1

    async def notify(self) -> None:
        if self.waiters and self.changed is not None:
            async with self.changed:
                self.changed.notify_all()


class KeyedLocks:
    """One readers-writer lock per key (a member): sends share it, a settle holds it alone.

    A settle searches the member's credentials; it must see every request of that member already answered and
    none in flight, or it could take another row's new credential for its own. Keys nobody holds are forgotten,
    so memory stays bounded by the work in flight.
    """

    def __init__(self) -> None:
        self._keys: Dict[Hashable, _KeyState] = {}

    def _state(self, key: Hashable) -> _KeyState:
        state = self._keys.get(key)
        if state is None:
            state = self._keys[key] = _KeyState()
        return state

    def _release(self, key: Hashable, state: _KeyState) -> None:
        if not (state.sharing or state.exclusive or state.waiters):
            self._keys.pop(key, None)

    def shared(self, key: Hashable) -> _Held:
        """``async with locks.shared(member):`` around a send."""
        return _Held(self, key, exclusive=False)

    def exclusive(self, key: Hashable) -> _Held:
        """``async with locks.exclusive(member):`` around a settle."""
        return _Held(self, key, exclusive=True)

    async def _acquire(self, key: Hashable, exclusive: bool) -> _KeyState:
        state = self._state(key)
        if exclusive:
            state.wanting_exclusive += 1
            try:
                await state.wait_while(lambda: state.exclusive or state.sharing > 0)
            finally:
                state.wanting_exclusive -= 1
            state.exclusive = True
        else:
            await state.wait_while(lambda: state.exclusive or state.wanting_exclusive > 0)
            state.sharing += 1
        return state

    async def _release_held(self, key: Hashable, state: _KeyState, exclusive: bool) -> None:
        if exclusive:
            state.exclusive = False
        else:
            state.sharing -= 1
        if not (state.exclusive or state.sharing):
            await state.notify()
        self._release(key, state)

    def __len__(self) -> int:
        return len(self._keys)


class _Held:
    def __init__(self, locks: KeyedLocks, key: Hashable, exclusive: bool) -> None:
        self._locks, self._key, self._exclusive = locks, key, exclusive
        self._state: Optional[_KeyState] = None

    async def __aenter__(self) -> None:
        self._state = await self._locks._acquire(self._key, self._exclusive)

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._state is not None
        await self._locks._release_held(self._key, self._state, self._exclusive)


class GroupCommit:
    """Commits the journal once for every worker that asked in the same turn of the event loop.

    ``await group.commit()`` returns once a commit made after the call has finished: each worker marks its row
    ``sending``, awaits this, then sends, so no request goes out before its mark is durable, and a burst of
    workers shares one commit.
    """

    def __init__(self, commit: Callable[[], None]) -> None:
        self._commit = commit
        self._next: Optional[asyncio.Future[None]] = None
        self.commits = 0

    async def commit(self) -> None:
        if self._next is None:
            loop = asyncio.get_running_loop()
            self._next = loop.create_future()
            loop.call_soon(self._run)
        await asyncio.shield(self._next)

    def _run(self) -> None:
        done, self._next = self._next, None
        assert done is not None
        try:
            self._commit()
        except BaseException as exc:  # every waiter gets the failure
            done.set_exception(exc)
            done.exception()  # a waiter cancelled meanwhile would leave it unretrieved
        else:
            done.set_result(None)
        self.commits += 1
