"""Decisions of the search calls, free of I/O so the sync and async clients share them.

:class:`PageWalk` decides which page of a credential search to fetch next and when to stop;
:func:`choose_active` picks the active credential among the search results for one identifier.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Iterable, List, Optional, Set, Tuple

if TYPE_CHECKING:  # decoding a search brings them in; importing this module need not
    from sparkfly_client.models.credential_list import CredentialList
    from sparkfly_client.models.credential_response import CredentialResponse

__all__ = ["PageWalk", "choose_active"]

logger = logging.getLogger("sparkfly_client")

_EARLIEST = datetime.min.replace(tzinfo=timezone.utc)


class PageWalk:
    """Walks the pages of a search: ``while (page := walk.next_page()) is not None: items = walk.accept(fetch(page))``.

    It stops after the last page the server announces (``total_pages``, else ``total_entries``), at an
    empty page, at a page shorter than the page size the server says it used (else the one asked for),
    or when a server that ignores ``page`` sends a page it already sent, so it never loops forever.
    """

    def __init__(self, per_page: Optional[int] = None) -> None:
        self.per_page = per_page
        self.page = 1
        self.finished = False
        self.seen = 0
        self._fingerprints: Set[Tuple[Optional[int], ...]] = set()

    def next_page(self) -> Optional[int]:
        """The page to fetch next, or ``None`` when the walk is over."""
        return None if self.finished else self.page

    def accept(self, result: CredentialList) -> List[CredentialResponse]:
        """Take the response for :meth:`next_page`'s page; returns the credentials to hand out from it."""
        items = result.credentials or []
        fingerprint = tuple(item.credential.id if item.credential else None for item in items)
        if not items or fingerprint in self._fingerprints:
            self.finished = True
            return []
        self._fingerprints.add(fingerprint)
        self.seen += len(items)
        if result.total_pages is not None:
            self.finished = self.page >= result.total_pages
        elif result.total_entries is not None:
            self.finished = self.seen >= result.total_entries
        else:  # no totals: a short page is the last one
            page_size = result.per_page or self.per_page
            self.finished = page_size is not None and len(items) < page_size
        self.page += 1
        return items


def choose_active(responses: Iterable[CredentialResponse]) -> Optional[CredentialResponse]:
    """The entry whose credential is active (``voided_at`` null), or ``None`` when none is.

    One identifier may have belonged to several credentials over time (voided, then reissued). Should
    more than one be active, the most recently updated wins and a warning names them all.
    """
    active = [item for item in responses if item.credential is not None and item.credential.voided_at is None]
    if not active:
        return None
    # max() keeps the first of equals: the server's order decides among credentials updated at the same time.
    chosen = max(active, key=_updated_at)
    if len(active) > 1:
        # The identifier itself is left out: it may be a member's phone number or e-mail address.
        logger.warning(
            "%d active credentials share the identifier searched for (ids %s); using %s, the most recently updated",
            len(active),
            ", ".join(str(item.credential.id) for item in active if item.credential is not None),
            chosen.credential.id if chosen.credential is not None else None,
        )
    return chosen


def _updated_at(item: CredentialResponse) -> datetime:
    credential = item.credential
    return credential.updated_at if credential is not None and credential.updated_at is not None else _EARLIEST
