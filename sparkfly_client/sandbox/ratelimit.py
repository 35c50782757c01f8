"""The sandbox's rate limit: fixed windows aligned to the wall clock, one count for every client.

A window of ``W`` seconds starts at a multiple of ``W`` since the epoch, so every client sees the same
windows and, when ``W`` is whole seconds, ``Rate-Limit-Reset`` (an HTTP date, in whole seconds) names the
exact instant the next window starts. A refused request (429) is not served: each window's record keeps
the two counts apart, so a test can check that no window served more than the limit.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any, Callable, Deque, Dict, List, NamedTuple, Optional

__all__ = ["RateLimiter", "RateWindow", "Admission", "check_rate_limit", "check_rate_window", "WINDOW_LOG_SIZE"]

#: The windows a limiter remembers (the latest ones), so a sandbox left running does not grow without end.
WINDOW_LOG_SIZE = 10_000


class RateWindow(NamedTuple):
    """One window: when it started (seconds since the epoch), the requests served and those refused (429)."""

    start: float
    served: int
    refused: int


@dataclass(frozen=True)
class Admission:
    """Whether a request may be served, and the headers its answer carries either way."""

    allowed: bool
    headers: Dict[str, str] = field(default_factory=dict)


def check_rate_limit(limit: Any) -> Optional[int]:
    """``limit`` when it is ``None`` (no limit) or a number of requests per window, else ``ValueError``."""
    if limit is not None and not (isinstance(limit, int) and not isinstance(limit, bool) and limit >= 0):
        raise ValueError(f"rate_limit must be None or an integer of at least 0, got {_shown(limit)}")
    return limit


def check_rate_window(window: Any) -> float:
    """``window`` as seconds when it is a positive finite number, else ``ValueError``."""
    is_number = isinstance(window, (int, float)) and not isinstance(window, bool)
    if not (is_number and math.isfinite(window) and window > 0):
        raise ValueError(f"rate_window must be a positive number of seconds, got {_shown(window)}")
    return float(window)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class _Count:
    """The counts of one window, by its number (its start divided by the window's length)."""

    __slots__ = ("number", "served", "refused")

    def __init__(self, number: int) -> None:
        self.number, self.served, self.refused = number, 0, 0


class RateLimiter:
    """At most ``limit`` requests served per window of ``window`` seconds; ``None``: no limit, no headers.

    ``clock`` gives the wall-clock time in seconds since the epoch (``time.time``; a test passes its own).
    Safe to use from many threads.
    """

    def __init__(self, limit: Optional[int], window: float, clock: Callable[[], float] = time.time) -> None:
        self.limit = check_rate_limit(limit)
        self.window = check_rate_window(window)
        self._clock = clock
        self._lock = threading.Lock()
        self._counts: Deque[_Count] = deque(maxlen=WINDOW_LOG_SIZE)

    def admit(self) -> Optional[Admission]:
        """Count one request in the current window: ``None`` when there is no limit, else whether it may be
        served, with ``Rate-Limit-Limit``, ``Rate-Limit-Remaining``, ``Rate-Limit-Reset`` and, when it may
        not, ``Retry-After``."""
        if self.limit is None:
            return None
        with self._lock:
            now = self._clock()
            number = math.floor(now / self.window)
            if not self._counts or self._counts[-1].number != number:
                self._counts.append(_Count(number))
            count = self._counts[-1]
            allowed = count.served < self.limit
            if allowed:
                count.served += 1
            else:
                count.refused += 1
            remaining = self.limit - count.served
        reset_at = (number + 1) * self.window
        headers = {
            "Rate-Limit-Limit": str(self.limit),
            "Rate-Limit-Remaining": str(remaining),
            # An HTTP date has whole seconds: rounded up, it is never before the next window starts.
            "Rate-Limit-Reset": formatdate(math.ceil(reset_at), usegmt=True),
        }
        if not allowed:
            headers["Retry-After"] = str(max(1, math.ceil(reset_at - now)))
        return Admission(allowed, headers)

    def windows(self) -> List[RateWindow]:
        """The windows that counted a request, oldest first (the latest :data:`WINDOW_LOG_SIZE`)."""
        with self._lock:
            return [RateWindow(count.number * self.window, count.served, count.refused) for count in self._counts]

    def clear(self) -> None:
        """Forget every window: counting starts afresh, from the current window."""
        with self._lock:
            self._counts.clear()
