"""Settling a row whose answer was lost: was its credential issued? Pure decisions, and the server's clock.

A row is settled before anything is resent: by its ``identifier`` when it has one (the credential not voided with
that code, of the row's member, offer and channel), else among the member's credentials for the row's offer that
the server created after the row was first sent and that no other row of the journal holds. Times are compared on
the server's clock (:class:`ServerClock`, from its ``Date`` headers), never the local one.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional

from sparkfly_client.models import Credential

__all__ = ["ServerClock", "Settlement", "ISSUED", "NOT_ISSUED", "UNKNOWN_OUTCOME", "settle_issue", "search_for"]

ISSUED, NOT_ISSUED, UNKNOWN_OUTCOME = "issued", "not issued", "unknown"
#: ``created_at`` and ``Date`` are whole seconds: a credential stamped up to this long before the estimate of when
#: the row was first sent may still be its own.
CLOCK_SLACK = 1.0


class ServerClock:
    """An estimate of the server's clock: the latest ``Date`` header seen plus the time elapsed since, locally.

    ``Date`` is the server's time rounded down to the second when it answered, so the estimate never runs ahead
    of the server (clocks running at the same rate); it follows the server if its clock is set back. Before any
    ``Date`` is seen it is the local clock. ``monotonic`` and ``wall`` are injectable for tests.
    """

    def __init__(self, monotonic: Callable[[], float] = time.monotonic, wall: Callable[[], float] = time.time) -> None:
        self._monotonic = monotonic
        self._wall = wall
        self._offset: Optional[float] = None  # server epoch seconds minus local monotonic seconds
        self._seen_at = -math.inf

    @property
    def known(self) -> bool:
        return self._offset is not None

    def observe(self, headers: Optional[Mapping[str, str]]) -> None:
        """Take the ``Date`` header of an answer just received (at most one a second is parsed)."""
        now = self._monotonic()
        if headers is None or now - self._seen_at < 1.0:
            return
        text = headers.get("Date") or headers.get("date")
        if not text:
            return
        try:
            server_time = parsedate_to_datetime(text).timestamp()
        except (TypeError, ValueError, IndexError):
            return
        self._offset, self._seen_at = server_time - now, now

    def now(self) -> Optional[float]:
        """The server's time now, in epoch seconds; ``None`` while no ``Date`` has been seen."""
        return None if self._offset is None else self._monotonic() + self._offset


@dataclass(frozen=True)
class Settlement:
    verdict: str  # ISSUED, NOT_ISSUED or UNKNOWN_OUTCOME
    credential: Optional[Credential] = None
    reason: str = ""


def search_for(fields: Mapping[str, Any]) -> Dict[str, Any]:
    """The ``iter_credentials`` filters that find a row's credential if it was issued."""
    if fields.get("identifier"):
        return {"identifier": fields["identifier"]}
    search: Dict[str, Any] = {"member_id": fields["member_id"], "channel_id": fields["channel_id"]}
    if "offer_id" in fields:
        search["offer_id"] = fields["offer_id"]
    return search


def settle_issue(
    fields: Mapping[str, Any],
    found: Iterable[Credential],
    holder_of: Callable[[int], Optional[int]],
    first_sent: Optional[float],
) -> Settlement:
    """Whether the row with these request ``fields``, first sent at ``first_sent`` (server clock), was issued.

    ``found`` are the credentials :func:`search_for` finds; ``holder_of(id)`` names another journal row already
    holding a credential, if one does. One match is the row's credential; none means it was not issued (resend);
    more than one cannot be told apart (``unknown``: never resent). Without ``first_sent`` (the server's time was
    not known) every credential of the member's for the offer counts, whenever it was made.
    """
    by_identifier = bool(fields.get("identifier"))
    earliest = None if first_sent is None else math.floor(first_sent) - CLOCK_SLACK
    matches: List[Credential] = []
    for credential in found:
        if not _same_request(fields, credential) or holder_of(credential.id) is not None:
            continue
        if by_identifier:
            if credential.identifier != fields["identifier"] or credential.voided_at is not None:
                continue
        elif (
            earliest is not None and credential.created_at is not None and credential.created_at.timestamp() < earliest
        ):
            continue
        matches.append(credential)
    if len(matches) == 1:
        return Settlement(ISSUED, matches[0])
    if not matches:
        return Settlement(NOT_ISSUED)
    ids = ", ".join(str(credential.id) for credential in matches)
    what = (
        f"{len(matches)} active credentials with identifier {fields['identifier']!r}"
        if by_identifier
        else f"{len(matches)} credentials created since the row was first sent"
    )
    return Settlement(
        UNKNOWN_OUTCOME,
        reason=f"its answer was lost and {what} (ids {ids}) match it and no other row holds them; not resent",
    )


def _same_request(fields: Mapping[str, Any], credential: Credential) -> bool:
    """Whether the credential carries the row's member, channel, offer and store (a field the server leaves out
    does not rule it out: better an ``unknown`` row than a second credential)."""
    for name in ("member_id", "channel_id", "store_id"):
        wanted, got = fields.get(name), getattr(credential, name)
        if wanted is not None and got is not None and got != wanted:
            return False
    offer_id = fields.get("offer_id")
    if offer_id is not None and (credential.offer_ids is not None or credential.offer_id is not None):
        return offer_id in (credential.offer_ids or []) or credential.offer_id == offer_id
    return True
