"""Fault injection: make the next matching requests fail the way real networks and servers do."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from fnmatch import fnmatchcase
from typing import Any, Dict, List, Mapping, Optional

__all__ = ["Fault", "FaultQueue"]


@dataclass
class Fault:
    """What the next ``times`` matching requests get instead of (or before) a normal answer.

    - ``status``: answer this status (with ``headers`` and ``body``; a default error body when
      ``body`` is ``None``) instead of handling the request.
    - ``delay``: stall this many seconds first; with no ``status`` and no ``drop`` the request is
      then handled normally, so it is simply slow.
    - ``drop``: read the request, then close the connection without answering.

    ``method`` and ``path`` narrow which requests match; ``path`` is a shell-style pattern whose ``*``
    also spans ``/`` (``/v1.0/credentials/*`` matches ``/v1.0/credentials/56/redeem``). ``None`` matches everything.
    """

    status: Optional[int] = None
    headers: Dict[str, str] = field(default_factory=dict)
    body: Any = None
    delay: float = 0.0
    drop: bool = False
    times: int = 1
    method: Optional[str] = None
    path: Optional[str] = None

    def __post_init__(self) -> None:
        if self.times < 1:
            raise ValueError("times must be at least 1")
        if self.delay < 0:
            raise ValueError("delay must not be negative")
        if self.status is not None and not 100 <= self.status <= 599:
            raise ValueError(f"status must be an HTTP status code, got {self.status}")
        if self.method is not None:
            self.method = self.method.upper()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fault:
        """A fault from its JSON form (the body of ``POST /__sandbox/faults``)."""
        known = {name for name in cls.__dataclass_fields__}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        return cls(**data)

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (self.path is None or fnmatchcase(path, self.path))


class FaultQueue:
    """Faults waiting to fire, first added first served; safe to use from many threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: List[Fault] = []

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._pending.append(fault)
        return fault

    def take(self, method: str, path: str) -> Optional[Fault]:
        """The fault this request gets, if any, counting it against the fault's ``times``."""
        with self._lock:
            for index, fault in enumerate(self._pending):
                if fault.matches(method, path):
                    fault.times -= 1
                    if fault.times == 0:
                        del self._pending[index]
                    return fault
        return None

    def pending(self) -> List[Fault]:
        with self._lock:
            return list(self._pending)

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
