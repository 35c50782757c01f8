"""The time limits of one attempt in flight (:class:`AttemptLimits`), decided without a clock of their own, from
those of its exchange (``_shared.Timeouts``).

A driver that cannot lean on the socket for timeouts (the async one: every timer costs the event loop a
heap entry) keeps one timer for all its attempts in flight instead of one per read. It asks
:meth:`AttemptLimits.check` at an attempt's start, records when the connection was ready and when data
arrived, and asks again whenever its timer fires: the answer is either when to look next or why the
attempt has run out of time. The limits are those of the sync driver:
the whole attempt within ``total`` seconds (its share of the call's deadline included), and once
connected, never more than ``read`` seconds without data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Union

if TYPE_CHECKING:
    from sparkfly_client._shared import Timeouts

__all__ = ["AttemptLimits"]

#: Timers may fire a little early (within the event loop's clock resolution); a limit this close counts as reached.
_SLACK = 1e-3


class AttemptLimits:
    """The limits of one attempt started at ``started`` (seconds on the driver's monotonic clock)."""

    __slots__ = ("total", "read", "total_at", "connected_at", "progress_at")

    def __init__(self, timeouts: Timeouts, started: float) -> None:
        total = self.total = timeouts.total
        self.read = timeouts.read
        self.total_at = None if total is None else started + total
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
        read = self.read
        if read is not None:
            since = self.progress_at
            if since is None:
                since = self.connected_at
            if since is None:  # still connecting, which the connect limit bounds: the read limit starts later
                read_due = now + read
            elif now + _SLACK >= since + read:
                return f"no data for {read:.3g}s (read timeout)"
            else:
                read_due = since + read
            if due is None or read_due < due:
                due = read_due
        return due
