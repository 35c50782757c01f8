"""iter_credentials against well-behaved servers and ones that ignore the page parameter."""

from __future__ import annotations

from scripted_server import Reply, ScriptedServer

from sparkfly_client import CredentialsApi


def page_body(page: int, ids: list, total_pages: object, per_page: int = 2) -> dict:
    return {
        "page": page,
        "per_page": per_page,
        "total_entries": None,
        "total_pages": total_pages,
        "credentials": [{"credential": {"id": i, "identifier": f"code-{i}"}} for i in ids],
    }


def test_walks_every_page_then_stops_at_total_pages(server: ScriptedServer, api: CredentialsApi) -> None:
    server.push(
        Reply(200, page_body(1, [1, 2], 3)), Reply(200, page_body(2, [3, 4], 3)), Reply(200, page_body(3, [5], 3))
    )
    ids = [item.credential.id for item in api.iter_credentials(member_id=56, per_page=2)]
    assert ids == [1, 2, 3, 4, 5]
    assert [r.query for r in server.requests] == [
        {"member_id": "56", "page": str(n), "per_page": "2"} for n in (1, 2, 3)
    ]


def test_stops_at_total_pages_even_when_pages_are_full(server: ScriptedServer, api: CredentialsApi) -> None:
    server.push(Reply(200, page_body(1, [1, 2], 2)), Reply(200, page_body(2, [3, 4], 2)))
    assert [item.credential.id for item in api.iter_credentials(per_page=2)] == [1, 2, 3, 4]
    assert len(server.requests) == 2


def test_server_ignoring_page_cannot_cause_an_endless_loop(server: ScriptedServer, api: CredentialsApi) -> None:
    # Always answers page 1 and claims there are 1,000 pages.
    server.default = Reply(200, page_body(1, [1, 2], 1000))
    ids = [item.credential.id for item in api.iter_credentials(per_page=2)]
    assert ids == [1, 2]
    assert len(server.requests) == 2


def test_without_total_pages_a_short_page_is_the_last(server: ScriptedServer, api: CredentialsApi) -> None:
    server.push(Reply(200, page_body(1, [1, 2], None)), Reply(200, page_body(2, [3], None)))
    assert [item.credential.id for item in api.iter_credentials(per_page=2)] == [1, 2, 3]
    assert len(server.requests) == 2


def test_empty_result(server: ScriptedServer, api: CredentialsApi) -> None:
    server.push(Reply(200, page_body(1, [], 0)))
    assert list(api.iter_credentials()) == []
    assert server.last.query == {"page": "1", "per_page": "50"}
