"""Walking a paginated list: which page to ask for next and when to stop. No I/O; both drivers use it."""

from __future__ import annotations

from typing import Any, List, Optional, Set, Tuple

__all__ = ["PageWalk"]


class PageWalk:
    """``walk = PageWalk(per_page)``; while ``walk.page`` is not ``None``: fetch that page, then
    ``items = walk.accept(result)`` gives its items and moves on (or stops).

    Stops after ``total_pages``, at an empty or short page (when the server gives no page count), or
    when a server that ignores ``page`` sends a page it already sent, so it cannot loop forever.
    """

    def __init__(self, per_page: int) -> None:
        self.per_page = per_page
        self.page: Optional[int] = 1
        self._seen: Set[Tuple[Optional[int], ...]] = set()

    def accept(self, result: Any) -> List[Any]:
        assert self.page is not None, "the walk is over"
        items: List[Any] = list(result.credentials or [])
        fingerprint = tuple(item.credential.id if item.credential else None for item in items)
        if items and fingerprint in self._seen:
            self.page = None
            return []
        self._seen.add(fingerprint)
        if result.total_pages is not None:
            finished = self.page >= result.total_pages
        else:  # no page count: a short page is the last one
            finished = len(items) < self.per_page
        self.page = None if not items or finished else self.page + 1
        return items
