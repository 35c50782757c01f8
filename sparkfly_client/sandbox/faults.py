"""Fault injection: make the next matching requests fail the way real networks and servers do."""

from __future__ import annotations

import json
import math
import re
import threading
from dataclasses import asdict, dataclass, field
from fnmatch import fnmatchcase
from typing import Any, Dict, List, Mapping, Optional

__all__ = ["Fault", "FaultQueue", "MAX_DELAY"]

#: The longest stall a fault may ask for, in seconds (a stalled request holds one of the server's threads).
MAX_DELAY = 300.0

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP method or header name (RFC 9110 token)
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # not allowed in a header value: CR, LF, NUL, ...
_FRAMING = ("content-length", "transfer-encoding")  # the sandbox frames every answer itself


@dataclass
class Fault:
    """What the next ``times`` matching requests get instead of (or before) a normal answer.

    - ``status``: answer this status (with ``headers`` and ``body``; a default error body when
      ``body`` is ``None``) instead of handling the request.
    - ``delay``: stall this many seconds first; with no ``status`` and no ``drop`` the request is
      then handled normally, so it is simply slow.
    - ``drop``: read the request, then close the connection without answering (the request is not handled).
    - ``lose_answer``: handle the request in full (its effect stays), then close the connection without
      sending the answer; a ``delay`` stalls after handling, before closing. Not with ``status`` or ``drop``.

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
    lose_answer: bool = False

    def __post_init__(self) -> None:
        """Refuse (``ValueError`` naming the field) anything that could not be answered as given."""
        if self.status is not None and not (_is_int(self.status) and 100 <= self.status <= 599):
            raise ValueError(f"status must be an integer from 100 to 599, got {_shown(self.status)}")
        self.headers = _checked_headers(self.headers)
        try:
            json.dumps(self.body)
        except (TypeError, ValueError, RecursionError):
            raise ValueError("body must be a JSON value (dict, list, str, number, bool or None)") from None
        if not (_is_number(self.delay) and 0 <= self.delay <= MAX_DELAY):
            raise ValueError(f"delay must be a number of seconds from 0 to {MAX_DELAY:g}, got {_shown(self.delay)}")
        if not isinstance(self.drop, bool):
            raise ValueError(f"drop must be true or false, got {_shown(self.drop)}")
        if not isinstance(self.lose_answer, bool):
            raise ValueError(f"lose_answer must be true or false, got {_shown(self.lose_answer)}")
        if self.lose_answer and (self.status is not None or self.drop):
            raise ValueError(
                "lose_answer cannot be combined with status or drop: a lost answer is the sandbox's own, "
                "a dropped request is never handled"
            )
        if not (_is_int(self.times) and self.times >= 1):
            raise ValueError(f"times must be an integer of at least 1, got {_shown(self.times)}")
        if self.method is not None:
            if not (isinstance(self.method, str) and _TOKEN.fullmatch(self.method)):
                raise ValueError(f"method must be an HTTP method name such as GET, got {_shown(self.method)}")
            self.method = self.method.upper()
        if self.path is not None and not isinstance(self.path, str):
            raise ValueError(f"path must be a string pattern such as /v1.0/credentials/*, got {_shown(self.path)}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fault:
        """A fault from its JSON form (the body of ``POST /__sandbox/faults``)."""
        if not isinstance(data, Mapping):
            raise ValueError("a fault is a JSON object of the fields of Fault")
        known = {name for name in cls.__dataclass_fields__}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        return cls(**data)

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (self.path is None or fnmatchcase(path, self.path))


def _checked_headers(headers: Any) -> Dict[str, str]:
    """A copy of ``headers``, which must be names and values that can go on the wire as they are."""
    if not isinstance(headers, Mapping):
        raise ValueError("headers must be an object of header names and string values")
    for name, value in headers.items():
        if not (isinstance(name, str) and _TOKEN.fullmatch(name)):
            raise ValueError(f"headers: {_shown(name)} is not a header name")
        if not isinstance(value, str) or _CONTROL.search(value):
            raise ValueError(f"headers: the value of {name} must be a string without CR, LF or other controls")
        if name.lower() in _FRAMING:
            raise ValueError(f"headers cannot set {name}: the sandbox frames every answer itself")
    return dict(headers)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (_is_int(value) or isinstance(value, float)) and math.isfinite(value)


def _shown(value: Any) -> str:
    """A value for an error message, cut short: it may come from anyone over HTTP."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


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
