"""When to retry a failed call, and how long to wait first."""

from __future__ import annotations

import math
import random
import time
from dataclasses import FrozenInstanceError
from datetime import timezone
from typing import Any, Callable, FrozenSet, Mapping, NoReturn, Optional, Tuple, Union

from sparkfly_client.exceptions import ApiValueError

__all__ = ["RetryPolicy", "server_requested_delay", "parse_http_date", "IDEMPOTENT_METHODS"]

#: Methods whose repetition has the same effect as one call; only these are retried after a
#: failure that may have reached the server.
IDEMPOTENT_METHODS: FrozenSet[str] = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRYABLE_STATUSES: FrozenSet[int] = frozenset({408, 429, 500, 502, 503, 504})


class RetryPolicy:
    """Retry settings: ``Configuration(retries=RetryPolicy(max_retries=5, backoff_cap=4))``.

    The wait before retry *n* (from 1) is drawn uniformly from ``[0, min(cap, base * 2**(n-1))]``
    ("full jitter"), unless the server asked for a specific wait with ``Retry-After`` or
    ``Rate-Limit-Reset``. Immutable, compared and hashed by value, as a frozen dataclass would be. (A plain class
    with slots: a dataclass compiles its methods from source when the class is made, on every cold start.)
    """

    __slots__ = ("max_retries", "backoff_base", "backoff_cap", "statuses")
    __match_args__ = ("max_retries", "backoff_base", "backoff_cap", "statuses")

    max_retries: int
    backoff_base: float
    backoff_cap: float
    statuses: FrozenSet[int]

    def __init__(
        self,
        max_retries: int = 2,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        statuses: FrozenSet[int] = RETRYABLE_STATUSES,
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "max_retries", max_retries)
        set_field(self, "backoff_base", backoff_base)
        set_field(self, "backoff_cap", backoff_cap)
        set_field(self, "statuses", statuses)
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int) or self.max_retries < 0:
            raise ApiValueError(f"retries must be a non-negative int or a RetryPolicy, not {self.max_retries!r}")
        if not all(isinstance(v, (int, float)) and v >= 0 for v in (self.backoff_base, self.backoff_cap)):
            raise ApiValueError("backoff_base and backoff_cap must be non-negative numbers of seconds")

    def _fields(self) -> Tuple[Any, ...]:
        return (self.max_retries, self.backoff_base, self.backoff_cap, self.statuses)

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in zip(self.__slots__, self._fields()))
        return f"{type(self).__qualname__}({shown})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __reduce__(self) -> Tuple[Any, ...]:  # copied and pickled by building it anew: its fields cannot be set
        return (type(self), self._fields())

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> NoReturn:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    @classmethod
    def from_value(cls, value: Union[int, RetryPolicy, None]) -> RetryPolicy:
        if isinstance(value, RetryPolicy):
            return value
        if value is None:
            return cls(max_retries=0)
        return cls(max_retries=value)

    def backoff(self, retry_number: int, uniform: Callable[[float, float], float] = random.uniform) -> float:
        """A jittered wait before retry ``retry_number`` (1 for the first retry); ``uniform`` draws it."""
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** (retry_number - 1)))
        return uniform(0.0, ceiling)


def server_requested_delay(
    status: Optional[int], headers: Mapping[str, str], now: Optional[float] = None
) -> Optional[float]:
    """Seconds to wait as the server asked: ``Retry-After`` (seconds or HTTP date), else, on a 429,
    ``Rate-Limit-Reset`` (an RFC 822 date, or seconds). ``None`` when neither is usable.

    ``Rate-Limit-Reset`` comes on every response of a rate-limited service; only a 429 makes it a wait. An HTTP
    date is read against the server's own clock, its ``Date`` header (else ``now``, the local clock): both are in
    whole seconds, ``Date`` rounded down, so the wait worked out is never shorter than the one asked for."""
    lowered = {k.lower(): v for k, v in headers.items()}
    for name in ("retry-after", "rate-limit-reset") if status == 429 else ("retry-after",):
        value = lowered.get(name)
        if value is None:
            continue
        delay = _parse_delay(value.strip(), lambda: _server_now(lowered, now))
        if delay is not None:
            return delay
    return None


def _server_now(headers: Mapping[str, str], now: Optional[float]) -> float:
    date = headers.get("date")
    server_now = None if date is None else parse_http_date(date.strip())
    if server_now is not None:
        return server_now
    return time.time() if now is None else now


def _parse_delay(value: str, now: Callable[[], float]) -> Optional[float]:
    """Seconds from a delay header; nonsense (negative, ``nan``, ``inf``, unparsable) counts as absent."""
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if 0.0 <= seconds < math.inf else None
    when = parse_http_date(value)
    return None if when is None else max(0.0, when - now())


def parse_http_date(value: str) -> Optional[float]:
    """An HTTP date in seconds since the epoch, or ``None``."""
    from email.utils import parsedate_to_datetime  # an HTTP date is rare: not on every import

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" means UTC with no zone given
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp()
