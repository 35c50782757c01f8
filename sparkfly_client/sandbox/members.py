"""The sandbox's members: the three demo members, and any number of numbered ones for bulk work.

``Sandbox(members=N)`` adds members ``1000`` to ``1000 + N - 1`` (external identifiers ``member-1000``, ...).
They are made when looked up rather than stored, so a sandbox with a million of them costs no more than one
with none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, Optional

__all__ = [
    "DEMO_MEMBERS",
    "DEMO_MEMBER_IDENTIFIERS",
    "FIRST_NUMBERED_MEMBER",
    "MAX_NUMBERED_MEMBERS",
    "NUMBERED_MEMBER_OFFERS",
    "Member",
    "Members",
    "check_member_count",
]

DEMO_MEMBERS: Dict[int, str] = {56: "Demo Member", 57: "Club Member", 58: "New Member"}
#: The members' external identifiers, accepted as ``member_identifier`` instead of ``member_id``.
DEMO_MEMBER_IDENTIFIERS: Dict[str, int] = {"member-56": 56, "member-57": 57, "member-58": 58}

#: The id of the first numbered member; ``Sandbox(members=N)`` adds ``N`` of them from here.
FIRST_NUMBERED_MEMBER = 1000
#: The most numbered members a sandbox takes (their ids stay far below the 64-bit limit).
MAX_NUMBERED_MEMBERS = 1_000_000_000
#: The offers a numbered member gets on every channel, whichever channels the offer itself names.
NUMBERED_MEMBER_OFFERS: FrozenSet[int] = frozenset({56, 57})

_IDENTIFIER_PREFIX = "member-"


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    #: The member's external identifier, accepted as ``member_identifier``.
    identifier: str
    #: Offers this member gets on every channel; other offers only on the channels they name.
    offers_on_every_channel: FrozenSet[int] = frozenset()


def check_member_count(count: Any) -> int:
    """``count`` when it is a number of numbered members a sandbox can have, else ``ValueError``."""
    if not (isinstance(count, int) and not isinstance(count, bool) and 0 <= count <= MAX_NUMBERED_MEMBERS):
        shown = repr(count) if len(repr(count)) <= 40 else repr(count)[:37] + "..."
        raise ValueError(f"members must be an integer from 0 to {MAX_NUMBERED_MEMBERS}, got {shown}")
    return count


class Members:
    """The demo members (56, 57, 58) and ``count`` numbered members from :data:`FIRST_NUMBERED_MEMBER`."""

    def __init__(self, count: int = 0) -> None:
        self.count = check_member_count(count)

    def get(self, member_id: int) -> Optional[Member]:
        name = DEMO_MEMBERS.get(member_id)
        if name is not None:
            return Member(member_id, name, f"{_IDENTIFIER_PREFIX}{member_id}")
        if FIRST_NUMBERED_MEMBER <= member_id < FIRST_NUMBERED_MEMBER + self.count:
            return Member(member_id, f"Member {member_id}", f"{_IDENTIFIER_PREFIX}{member_id}", NUMBERED_MEMBER_OFFERS)
        return None

    def with_identifier(self, identifier: str) -> Optional[Member]:
        """The member whose external identifier is exactly ``identifier`` (``member-01000`` is nobody's)."""
        if identifier in DEMO_MEMBER_IDENTIFIERS:
            return self.get(DEMO_MEMBER_IDENTIFIERS[identifier])
        digits = identifier[len(_IDENTIFIER_PREFIX) :] if identifier.startswith(_IDENTIFIER_PREFIX) else ""
        if not (digits.isascii() and digits.isdigit() and len(digits) <= 18):
            return None
        member = self.get(int(digits))
        return member if member is not None and member.identifier == identifier else None

    def __contains__(self, member_id: object) -> bool:
        return isinstance(member_id, int) and self.get(member_id) is not None

    def describe(self) -> str:
        """The members in a few words, for what the command line prints."""
        demo = ", ".join(map(str, DEMO_MEMBERS))
        if not self.count:
            return demo
        last = FIRST_NUMBERED_MEMBER + self.count - 1
        return f"{demo} and {FIRST_NUMBERED_MEMBER} to {last} ({_IDENTIFIER_PREFIX}{FIRST_NUMBERED_MEMBER}, ...)"
