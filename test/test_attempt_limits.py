"""The limits of one attempt in flight (``_attempt.py``), decided from the times the driver records: pure,
with the clock moved by hand."""

from __future__ import annotations

from sparkfly_client._attempt import AttemptLimits
from sparkfly_client._shared import Timeouts


def test_the_first_check_is_due_one_read_limit_after_the_start() -> None:
    limits = AttemptLimits(Timeouts(connect=5.0, read=30.0), started=100.0)
    assert limits.check(100.0) == 130.0
    assert not limits.connected


def test_the_read_limit_counts_from_the_moment_the_connection_was_ready() -> None:
    limits = AttemptLimits(Timeouts(connect=5.0, read=30.0), started=100.0)
    limits.connected_at = 104.0  # a new connection that took 4 s
    assert limits.check(130.0) == 134.0  # not yet: 26 s of waiting for data so far
    assert limits.check(134.0) == "no data for 30s (read timeout)"
    assert limits.connected


def test_data_arriving_starts_the_read_limit_again() -> None:
    limits = AttemptLimits(Timeouts(read=2.0), started=0.0)
    limits.connected_at = 0.0
    limits.progress_at = 1.5
    assert limits.check(2.0) == 3.5
    limits.progress_at = 3.0
    assert limits.check(3.5) == 5.0
    assert limits.check(5.0) == "no data for 2s (read timeout)"


def test_a_slow_connect_does_not_use_up_the_read_limit() -> None:
    limits = AttemptLimits(Timeouts(read=1.0), started=0.0)
    assert limits.check(1.0) == 2.0  # still connecting: look again one read limit later
    limits.connected_at = 1.8
    assert limits.check(2.0) == 2.8


def test_the_total_limit_ends_the_attempt_however_steady_the_data() -> None:
    limits = AttemptLimits(Timeouts(read=2.0, total=5.0), started=10.0)
    limits.connected_at = 10.0
    assert limits.check(10.0) == 12.0
    limits.progress_at = 13.9
    assert limits.check(14.0) == 15.0  # the total comes before the next read limit (15.9)
    limits.progress_at = 14.9
    assert limits.check(15.0) == "no complete answer within the attempt's 5s"


def test_a_timer_that_fires_a_hair_early_counts_as_on_time() -> None:
    limits = AttemptLimits(Timeouts(read=1.0), started=0.0)
    limits.connected_at = 0.0
    assert limits.check(0.9999) == "no data for 1s (read timeout)"


def test_without_limits_there_is_nothing_to_check() -> None:
    assert AttemptLimits(Timeouts(), started=0.0).check(0.0) is None


def test_limits_cut_to_the_deadline_are_shared_while_whole_seconds_remain() -> None:
    limits = Timeouts(connect=5.0, read=30.0)
    assert limits.within(59.7) is limits.within(59.2)  # 59 whole seconds left, both times
    assert limits.within(58.9) is not limits.within(59.2)
    cut = limits.within(12.5)
    assert (cut.connect, cut.read, cut.total) == (5.0, 12.0, 12.0)
    short = limits.within(0.5)
    assert (short.connect, short.read, short.total) == (0.5, 0.5, 0.5)
    assert limits.within(None) is limits
