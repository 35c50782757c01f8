"""The sandbox's credential search: the published filters read from the query string, and the match.

Wire formats as the platform spec publishes them: ints as decimal text, ``ids`` repeated
(``ids=1&ids=2``), flags ``true``/``false``, ``inactive_later_than`` an ISO 8601 date-time. A value
that does not parse, the empty one included, raises ``ValueError`` with the message the 400 answer
carries; an empty ``identifier`` is no filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Dict, FrozenSet, List, Optional

__all__ = ["CredentialSearch", "parse_int", "parse_timestamp", "inactive_since", "DEFAULT_PER_PAGE", "MAX_PER_PAGE"]

DEFAULT_PER_PAGE = 50
#: A larger ``per_page`` is served as this many (the answer's ``per_page`` says so).
MAX_PER_PAGE = 1000
_INT64_MAX = 2**63 - 1


def parse_int(text: str, minimum: int = 1) -> Optional[int]:
    """A decimal 64-bit int of at least ``minimum``, or ``None``."""
    if not (text.isascii() and text.isdigit() and len(text) <= 19):
        return None
    value = int(text)
    return value if minimum <= value <= _INT64_MAX else None


def parse_timestamp(text: str) -> Optional[datetime]:
    """An ISO 8601 date-time with a time zone (``Z`` or an offset), or ``None``."""
    try:
        parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        return None
    return parsed if "T" in text.upper() and parsed.tzinfo is not None else None


def inactive_since(credential: Dict[str, Any]) -> Optional[datetime]:
    """When the credential stopped being usable: voided, or redeemed when it is not reusable."""
    stamp = credential["voided_at"] or (None if credential["reusable"] else credential["redeemed_at"])
    return parse_timestamp(stamp) if stamp else None


@dataclass(frozen=True)
class CredentialSearch:
    identifier: Optional[str] = None
    member_id: Optional[int] = None
    store_id: Optional[int] = None
    channel_id: Optional[int] = None
    offer_id: Optional[int] = None
    eligible_channel_id: Optional[int] = None
    credential_type: Optional[int] = None
    ids: Optional[FrozenSet[int]] = None
    redeemed: Optional[bool] = None
    reusable: Optional[bool] = None
    inactive_later_than: Optional[datetime] = None

    @classmethod
    def from_query(cls, every: Callable[[str], List[str]]) -> CredentialSearch:
        """The filters from the query string; ``every(name)`` gives each value sent for ``name``."""

        def last(name: str) -> Optional[str]:
            values = every(name)
            return values[-1] if values else None

        def integer(name: str, minimum: int = 1) -> Optional[int]:
            text = last(name)
            if text is None:
                return None
            value = parse_int(text, minimum)
            if value is None:
                kind = "positive" if minimum == 1 else "non-negative"
                raise ValueError(f"{name} must be a {kind} 64-bit integer")
            return value

        def flag(name: str) -> Optional[bool]:
            text = last(name)
            if text is None:
                return None
            if text not in ("true", "false"):
                raise ValueError(f"{name} must be true or false")
            return text == "true"

        ids = None
        id_texts = every("ids")
        if id_texts:
            parsed_ids = [parse_int(text) for text in id_texts]
            if any(value is None for value in parsed_ids):
                raise ValueError("ids must be positive integers, one ids= parameter each")
            ids = frozenset(value for value in parsed_ids if value is not None)
        since = last("inactive_later_than")
        inactive_later_than = None if since is None else parse_timestamp(since)
        if since is not None and inactive_later_than is None:
            raise ValueError("inactive_later_than must be an ISO 8601 date-time with a time zone")
        return cls(
            identifier=last("identifier") or None,
            member_id=integer("member_id"),
            store_id=integer("store_id"),
            channel_id=integer("channel_id"),
            offer_id=integer("offer_id"),
            eligible_channel_id=integer("eligible_channel_id"),
            credential_type=integer("credential_type", minimum=0),
            ids=ids,
            redeemed=flag("redeemed"),
            reusable=flag("reusable"),
            inactive_later_than=inactive_later_than,
        )

    def matches(self, credential: Dict[str, Any]) -> bool:
        same = (
            ("identifier", self.identifier),
            ("member_id", self.member_id),
            ("store_id", self.store_id),
            ("channel_id", self.channel_id),
            ("eligible_channel_id", self.eligible_channel_id),
            ("credential_type", self.credential_type),
            ("reusable", self.reusable),
        )
        if any(wanted is not None and credential[name] != wanted for name, wanted in same):
            return False
        if self.offer_id is not None and self.offer_id not in credential["offer_ids"]:
            return False
        if self.ids is not None and credential["id"] not in self.ids:
            return False
        if self.redeemed is not None and (credential["redeemed_at"] is not None) != self.redeemed:
            return False
        if self.inactive_later_than is not None:
            since = inactive_since(credential)
            return since is not None and since > self.inactive_later_than
        return True
