"""Progress of a bulk job on stderr: a bar with rate and time left on a terminal (with the ``cli`` extra's tqdm),
else a plain line at most every few seconds."""

from __future__ import annotations

import importlib
import sys
import time
from typing import Any, Callable, Optional, TextIO

__all__ = ["Progress", "LineProgress", "BarProgress", "NoProgress", "make_progress"]

#: The least time between two lines of :class:`LineProgress`, in seconds.
LINE_INTERVAL = 5.0


class Progress:
    """What a job reports: ``start(what, total, done, unit)`` once, ``advance()`` per row ended, ``close()``."""

    def start(self, what: str, total: Optional[int], done: int = 0, unit: str = "rows") -> None:
        pass

    def advance(self, count: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


class NoProgress(Progress):
    """Says nothing (the default of the Python functions)."""


class LineProgress(Progress):
    """A line such as ``issue: 1,200 of 5,000 rows (24 %), 310 rows/s, about 12 s left`` at most every
    ``interval`` seconds, and one at the end; for logs and pipes."""

    def __init__(
        self,
        stream: Optional[TextIO] = None,
        interval: float = LINE_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._interval = interval
        self._clock = clock
        self._what, self._unit = "", "rows"
        self._total: Optional[int] = None
        self._done = self._done_at_start = 0
        self._started = self._shown_at = 0.0

    def start(self, what: str, total: Optional[int], done: int = 0, unit: str = "rows") -> None:
        self._what, self._total, self._unit = what, total, unit
        self._done = self._done_at_start = done
        self._started = self._shown_at = self._clock()

    def advance(self, count: int = 1) -> None:
        self._done += count
        now = self._clock()
        if now - self._shown_at >= self._interval:
            self._shown_at = now
            self._show(now)

    def close(self) -> None:
        self._show(self._clock())

    def _show(self, now: float) -> None:
        elapsed = max(now - self._started, 1e-9)
        rate = (self._done - self._done_at_start) / elapsed
        line = f"{self._what}: {self._done:,}"
        if self._total is not None:
            line += f" of {self._total:,} {self._unit}"
            if self._total:
                line += f" ({100 * self._done / self._total:.0f} %)"
        else:
            line += f" {self._unit}"
        line += f", {rate:,.0f} {self._unit}/s"
        if self._total is not None and rate > 0 and self._done < self._total:
            line += f", about {_duration((self._total - self._done) / rate)} left"
        print(line, file=self._stream or sys.stderr, flush=True)


class BarProgress(Progress):
    """tqdm's bar on stderr: count, rate and time left."""

    def __init__(self, tqdm: Any, stream: Optional[TextIO] = None) -> None:
        self._tqdm = tqdm
        self._stream = stream
        self._bar: Any = None

    def start(self, what: str, total: Optional[int], done: int = 0, unit: str = "rows") -> None:
        self._bar = self._tqdm(
            total=total, initial=done, desc=what, unit=unit[:-1] if unit.endswith("s") else unit,
            file=self._stream or sys.stderr, dynamic_ncols=True, smoothing=0.1,
        )  # fmt: skip

    def advance(self, count: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(count)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def make_progress(enabled: bool, stream: Optional[TextIO] = None) -> Progress:
    """The bar when ``stream`` (stderr) is a terminal and tqdm (the ``cli`` extra) is installed, else lines;
    nothing when not ``enabled``."""
    if not enabled:
        return NoProgress()
    shown = stream or sys.stderr
    if shown.isatty():
        try:
            tqdm = importlib.import_module("tqdm")
        except ImportError:
            pass
        else:
            return BarProgress(tqdm.tqdm, shown)
    return LineProgress(shown)
