"""The pure decisions of the search: which page comes next, and which entry of a code is active."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

import pytest

from sparkfly_client._lookup import PageWalk, choose_active
from sparkfly_client.models import CredentialList, CredentialResponse


def page(ids: List[int], **totals: Any) -> CredentialList:
    return CredentialList.model_validate({"credentials": [{"credential": {"id": i}} for i in ids], **totals})


def walk_through(walk: PageWalk, pages: Dict[int, CredentialList]) -> List[Optional[int]]:
    handed_out: List[Optional[int]] = []
    fetched = 0
    while (number := walk.next_page()) is not None:
        fetched += 1
        assert fetched <= 20, "the walk did not stop"
        handed_out.extend(item.credential.id for item in walk.accept(pages[number]) if item.credential)
    return handed_out


def test_stops_at_total_pages() -> None:
    walk = PageWalk(per_page=2)
    pages = {1: page([1, 2], total_pages=2), 2: page([3, 4], total_pages=2)}
    assert walk_through(walk, pages) == [1, 2, 3, 4]
    assert walk.next_page() is None


def test_uses_total_entries_when_there_is_no_page_count() -> None:
    pages = {1: page([1, 2], total_entries=3), 2: page([3], total_entries=3), 3: page([99])}
    assert walk_through(PageWalk(per_page=2), pages) == [1, 2, 3]


def test_a_short_page_ends_the_walk_measured_by_the_size_the_server_used() -> None:
    # Asked for 5 per page, the server capped the page at 2 and says so: a page of 2 is not short.
    pages = {1: page([1, 2], per_page=2), 2: page([3, 4], per_page=2), 3: page([5], per_page=2)}
    assert walk_through(PageWalk(per_page=5), pages) == [1, 2, 3, 4, 5]
    # With no page size anywhere, only an empty page ends it.
    assert walk_through(PageWalk(), {1: page([1]), 2: page([])}) == [1]


def test_a_page_sent_twice_ends_the_walk_without_repeating_its_items() -> None:
    same = page([1, 2], total_pages=1000)
    walk = PageWalk(per_page=2)
    assert walk_through(walk, {n: same for n in range(1, 1001)}) == [1, 2]


def test_an_empty_first_page_hands_out_nothing() -> None:
    assert walk_through(PageWalk(per_page=50), {1: page([], total_pages=0)}) == []


def entry(credential_id: int, voided_at: Optional[str] = None, updated_at: Optional[str] = None) -> CredentialResponse:
    return CredentialResponse.model_validate(
        {"credential": {"id": credential_id, "voided_at": voided_at, "updated_at": updated_at}}
    )


def test_the_entry_with_voided_at_null_is_the_active_one() -> None:
    history = [entry(1, voided_at="2024-01-01T00:00:00Z"), entry(2), entry(3, voided_at="2024-02-01T00:00:00Z")]
    chosen = choose_active(history)
    assert chosen is not None and chosen.credential is not None and chosen.credential.id == 2


def test_none_when_every_entry_is_voided_or_there_are_none() -> None:
    assert choose_active([entry(1, voided_at="2024-01-01T00:00:00Z")]) is None
    assert choose_active([]) is None


def test_several_active_the_most_recently_updated_wins_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    history = [
        entry(7, updated_at="2024-03-01T10:00:00Z"),
        entry(8, updated_at="2024-03-02T10:00:00+02:00"),
        entry(9),  # no updated_at: the oldest
        entry(10, voided_at="2024-03-05T00:00:00Z", updated_at="2024-03-05T00:00:00Z"),
    ]
    with caplog.at_level(logging.WARNING, logger="sparkfly_client"):
        chosen = choose_active(history)
    assert chosen is not None and chosen.credential is not None and chosen.credential.id == 8
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "3 active credentials" in record.getMessage() and "ids 7, 8, 9" in record.getMessage()


def test_one_active_entry_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="sparkfly_client"):
        choose_active([entry(1), entry(2, voided_at="2024-01-01T00:00:00Z")])
    assert caplog.records == []
