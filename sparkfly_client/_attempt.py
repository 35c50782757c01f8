"""Time limits: those of an exchange (:class:`Timeouts`, from the settings and the call's deadline), and those
of one attempt in flight (:class:`AttemptLimits`), decided without a clock of their own.

A driver that cannot lean on the socket for timeouts (the async one: every timer costs the event loop a
heap entry) keeps one timer for all its attempts in flight instead of one per read. It asks
:meth:`AttemptLimits.check` at an attempt's start, records when the connection was ready and when data
arrived, and asks again whenever its timer fires: the answer is either when to look next or why the
attempt has run out of time. The limits are those of the sync driver:
the whole attempt within ``total`` seconds (its share of the call's deadline included), and once
connected, never more than ``read`` seconds without data.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Dict, Optional, Tuple, Union

from sparkfly_client.exceptions import ApiValueError

__all__ = ["AttemptLimits", "Timeouts", "TimeoutArg", "seconds"]

TimeoutArg = Union[None, float, int, Tuple[Optional[float], Optional[float]]]

#: Timers may fire a little early (within the event loop's clock resolution); a limit this close counts as reached.
_SLACK = 1e-3


class AttemptLimits:
    """The limits of one attempt started at ``started`` (seconds on the driver's monotonic clock)."""

    __slots__ = ("total", "read", "total_at", "connected_at", "progress_at")

    def __init__(self, timeouts: Timeouts, started: float) -> None:
        self.total = timeouts.total
        self.read = timeouts.read
        self.total_at = None if timeouts.total is None else started + timeouts.total
        #: when the connection was ready and the request about to be written (``None``: still connecting).
        self.connected_at: Optional[float] = None
        #: when data last arrived (``None``: none yet).
        self.progress_at: Optional[float] = None

    @property
    def connected(self) -> bool:
        """Whether the request may have been written (and may have reached the server)."""
        return self.connected_at is not None

    def check(self, now: float) -> Union[float, str, None]:
        """At ``now``: why the attempt has run out of time (a message), or when to check again
        (``None``: no limit applies)."""
        due = self.total_at
        if due is not None and now + _SLACK >= due:
            return f"no complete answer within the attempt's {self.total:.3g}s"
        if self.read is not None:
            since = self.progress_at if self.progress_at is not None else self.connected_at
            if since is None:  # still connecting, which the connect limit bounds: the read limit starts later
                read_due = now + self.read
            elif now + _SLACK >= since + self.read:
                return f"no data for {self.read:.3g}s (read timeout)"
            else:
                read_due = since + self.read
            due = read_due if due is None else min(due, read_due)
        return due


class Timeouts:
    """Socket limits for one exchange: ``connect`` and each ``read``, or ``total`` for both together.
    Immutable; compared by identity (the drivers key their own timeout objects by it)."""

    __slots__ = ("connect", "read", "total", "_cut")

    def __init__(
        self, connect: Optional[float] = None, read: Optional[float] = None, total: Optional[float] = None
    ) -> None:
        self.connect = connect
        self.read = read
        self.total = total
        self._cut: Optional[Dict[int, Timeouts]] = None  # within(), by whole seconds left

    def __repr__(self) -> str:
        return f"Timeouts(connect={self.connect}, read={self.read}, total={self.total})"

    @classmethod
    def from_value(cls, value: TimeoutArg) -> Timeouts:
        """``seconds`` (connect and read together) or ``(connect, read)``; ``None`` means no limit. The same
        value gives the same object, so what the drivers derive from it is derived once."""
        try:
            # The types are part of the key, inside a tuple too: True is not 1, nor (True, 2) (1, 2).
            return _timeouts_of(value, tuple(map(type, value)) if isinstance(value, tuple) else (type(value),))
        except TypeError:  # unhashable, so not a timeout: the check below says why
            return cls.checked(value)

    @classmethod
    def checked(cls, value: TimeoutArg) -> Timeouts:
        if value is None:
            return cls()
        if isinstance(value, tuple):
            if len(value) != 2:
                raise ApiValueError("a timeout tuple must be (connect, read)")
            return cls(connect=seconds(value[0], "timeout"), read=seconds(value[1], "timeout"))
        return cls(total=seconds(value, "timeout"))

    def within(self, remaining: Optional[float]) -> Timeouts:
        """These limits, none longer than ``remaining`` seconds (what is left of the call's deadline).

        Beyond 10 s what is left counts in whole seconds, rounded down: the limits of most calls are
        then the same object from call to call, which the drivers turn into their own timeout once."""
        if remaining is None:
            return self
        if remaining < 10.0:
            return self._capped(remaining)
        whole = int(remaining)
        cuts = self._cut
        if cuts is None:
            cuts = self._cut = {}
        cut = cuts.get(whole)
        if cut is None:
            if len(cuts) >= _CUTS_KEPT:
                cuts.clear()
            cut = cuts[whole] = self._capped(float(whole))
        return cut

    def _capped(self, remaining: float) -> Timeouts:
        return Timeouts(
            connect=remaining if self.connect is None else min(self.connect, remaining),
            read=remaining if self.read is None else min(self.read, remaining),
            total=remaining if self.total is None else min(self.total, remaining),
        )


_CUTS_KEPT = 256


@functools.lru_cache(maxsize=64)  # keyed by the value and its types (see from_value)
def _timeouts_of(value: TimeoutArg, types: Tuple[type, ...]) -> Timeouts:
    return Timeouts.checked(value)


def seconds(value: Any, what: str) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or math.isinf(value):
        raise ApiValueError(f"a {what} must be a positive number of seconds, not {value!r}")
    return float(value)
