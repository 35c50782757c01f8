"""``sparkfly_client.bulk`` from Python, sync and async, over real HTTP against a sandbox in its own process."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Dict, List

import pytest
from bulk_helpers import (
    SandboxProcess,
    issue_rows,
    one_credential_per_row,
)

import sparkfly_client
from sparkfly_client.bulk import (
    BulkInputError,
    BulkJobStopped,
    export_credentials,
    issue_credentials,
    read_csv,
    void_credentials,
)

pytest.importorskip("aiohttp")


def configuration(
    bulk_server: SandboxProcess, token: str = "sandbox-token", **settings: Any
) -> sparkfly_client.Configuration:
    config = sparkfly_client.Configuration(host=bulk_server.url, **settings)
    config.api_key["X-Auth-Token"] = token
    return config


def test_the_sync_form_settles_every_lost_answer_by_a_search_and_never_resends(
    bulk_server: SandboxProcess, tmp_path: Path
) -> None:
    rows = issue_rows(300, first_member=2000, with_identifiers="none")
    bulk_server.inject(lose_answer=True, method="POST", path="/v1.0/credentials", times=30)
    with sparkfly_client.ApiClient(configuration(bulk_server)) as api_client:
        report = issue_credentials(api_client, rows, journal=tmp_path / "run.db", concurrency=16)
    assert (report.issued, report.already_done, report.failed, report.unknown, report.pending) == (300, 0, 0, 0, 0)
    assert (report.settled, report.adopted) == (30, 30)  # each lost answer: found by the search, adopted
    assert report.complete and report.exit_code == 0
    one_credential_per_row(bulk_server, rows)


@pytest.mark.asyncio
async def test_the_async_form_waits_out_429s_without_failing_a_row(bulk_server: SandboxProcess, tmp_path: Path) -> None:
    rows = issue_rows(40, first_member=2400)
    bulk_server.inject(status=429, headers={"Retry-After": "1"}, method="POST", path="/v1.0/credentials", times=3)
    async with sparkfly_client.AsyncApiClient(configuration(bulk_server)) as api_client:
        report = await issue_credentials(api_client, rows, journal=tmp_path / "run.db", concurrency=4)
    # The client resends a request a 429 refused; one whose resends ran out reaches the job, which waits it out.
    assert (report.issued, report.failed, report.unknown) == (40, 0, 0) and report.rate_limited <= 3
    one_credential_per_row(bulk_server, rows)


@pytest.mark.asyncio
async def test_a_lost_answer_with_two_new_credentials_of_the_member_is_unknown_and_never_resent(
    bulk_server: SandboxProcess, tmp_path: Path
) -> None:
    row = {"member_id": 2500, "channel_id": 56, "offer_id": 56}
    # The create is handled, the answer held back a moment and then lost; meanwhile the member gets another one.
    bulk_server.inject(lose_answer=True, delay=1.0, method="POST", path="/v1.0/credentials")
    journal = tmp_path / "run.db"
    async with sparkfly_client.AsyncApiClient(configuration(bulk_server)) as api_client:
        job = asyncio.ensure_future(issue_credentials(api_client, [row], journal=journal))
        while not await asyncio.to_thread(bulk_server.credentials, member_id=2500):
            await asyncio.sleep(0.02)
        await asyncio.to_thread(bulk_server.create, **row)
        report = await job
    assert (report.issued, report.unknown, report.exit_code) == (0, 1, 1)
    assert report.problems[0].startswith("unknown: line 1: its answer was lost and 2 credentials created since")
    async with sparkfly_client.AsyncApiClient(configuration(bulk_server)) as api_client:
        again = await issue_credentials(api_client, [row], journal=journal)
    assert (again.issued, again.already_done, again.unknown) == (0, 0, 1)
    assert len(bulk_server.credentials(member_id=2500)) == 2  # never resent


def test_refused_credentials_stop_the_job_before_any_row_is_sent(bulk_server: SandboxProcess, tmp_path: Path) -> None:
    with (
        sparkfly_client.ApiClient(configuration(bulk_server, token="wrong")) as api_client,
        pytest.raises(BulkJobStopped, match="the server refused the credentials") as stopped,
    ):
        issue_credentials(api_client, issue_rows(5, first_member=2600), journal=tmp_path / "run.db")
    assert stopped.value.report is not None and stopped.value.report.pending == 5
    assert [c["id"] for c in bulk_server.credentials()] == [56]


def test_void_and_export_from_python(bulk_server: SandboxProcess, tmp_path: Path) -> None:
    made = [bulk_server.create(member_id=2700, channel_id=57, offer_id=56) for _ in range(12)]
    with sparkfly_client.ApiClient(configuration(bulk_server)) as api_client:
        voided = void_credentials(api_client, [{"id": c["id"]} for c in made[:5]], journal=tmp_path / "void.db")
        exported = export_credentials(api_client, tmp_path / "out.jsonl", member_id=2700, redeemed=False, per_page=4)
    assert (voided.voided, voided.failed) == (5, 0)
    assert (exported.exported, exported.pages) == (12, 3)
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert sum('"status":"voided"' in line for line in lines) == 5


def test_a_csv_file_read_from_python_gives_the_lines_of_bad_rows(bulk_server: SandboxProcess, tmp_path: Path) -> None:
    source = tmp_path / "rows.csv"
    source.write_text("member_id,channel_id\n2800,56\n2801,\n", encoding="utf-8")
    with sparkfly_client.ApiClient(configuration(bulk_server)) as api_client:
        report = issue_credentials(api_client, read_csv(source), journal=tmp_path / "run.db")
    assert (report.issued, report.failed, report.problems) == (1, 1, ["failed: line 3: channel_id is missing"])


@pytest.mark.parametrize(
    ("rows", "options", "message"),
    [
        ("rows.csv", {}, "for a CSV file pass read_csv"),
        ([{"member_id": 1000, "channel": 56}], {}, "row 1: unknown column 'channel'"),
        ([{"member_id": 1000, "channel_id": 56}], {"concurrency": 0}, "concurrency must be a whole number from 1"),
    ],
)
def test_bad_usage_from_python_raises_before_anything_is_sent(
    bulk_server: SandboxProcess, tmp_path: Path, rows: Any, options: Dict[str, Any], message: str
) -> None:
    with (
        sparkfly_client.ApiClient(configuration(bulk_server)) as api_client,
        pytest.raises(BulkInputError, match=message),
    ):
        issue_credentials(api_client, rows, journal=tmp_path / "run.db", **options)
    assert [c["id"] for c in bulk_server.credentials()] == [56]


@pytest.mark.asyncio
async def test_the_sync_form_inside_an_event_loop_says_to_pass_the_async_client(tmp_path: Path) -> None:
    rows: List[Dict[str, Any]] = []
    with (
        sparkfly_client.ApiClient(sparkfly_client.Configuration()) as api_client,
        pytest.raises(BulkInputError, match="pass an AsyncApiClient and await"),
    ):
        issue_credentials(api_client, rows, journal=tmp_path / "run.db")


@pytest.mark.asyncio
async def test_a_credential_that_stays_locked_fails_its_row_after_the_tries_and_the_others_go_on(
    bulk_server: SandboxProcess, tmp_path: Path
) -> None:
    from sparkfly_client.bulk.jobs import MAX_TRIES, VoidJob
    from sparkfly_client.bulk.journal import Journal
    from sparkfly_client.bulk.rows import VOID, row_source

    locked, free = (bulk_server.create(member_id=2900 + n, channel_id=56, offer_id=56) for n in range(2))
    assert (
        bulk_server.pool.request("POST", f"{bulk_server.url}/__sandbox/credentials/{locked['id']}/lock").status == 200
    )
    waits: List[float] = []

    async def no_wait(seconds: float) -> None:  # the backoff between tries, taken note of instead of waited
        waits.append(seconds)

    journal = Journal(tmp_path / "void.db", "void")
    journal.prepare(row_source([{"id": locked["id"]}, {"id": free["id"]}]), VOID)
    async with sparkfly_client.AsyncApiClient(configuration(bulk_server)) as api_client:
        report = await VoidJob(api_client, journal, sleep=no_wait).run()
    journal.close()
    assert (report.voided, report.failed) == (1, 1) and len(waits) == MAX_TRIES - 1
    assert report.problems == [
        "failed: line 1: the credential stayed locked for processing over 6 tries: "
        "This credential is currently locked for processing. Please try again later."
    ]
    states = {c["id"]: c["status"] for c in bulk_server.credentials() if c["member_id"] >= 2900}
    assert states == {locked["id"]: "open", free["id"]: "voided"}


def test_a_search_the_server_refuses_stops_the_job_before_any_row_is_sent(
    bulk_server: SandboxProcess, tmp_path: Path
) -> None:
    bulk_server.inject(status=400, method="GET", path="/v1.0/credentials")  # the first search of the job
    with (
        sparkfly_client.ApiClient(configuration(bulk_server)) as api_client,
        pytest.raises(BulkJobStopped, match=r"the first request failed: the server refused a search \(HTTP 400\)"),
    ):
        issue_credentials(api_client, issue_rows(3, first_member=2950), journal=tmp_path / "run.db")
    assert [c["id"] for c in bulk_server.credentials()] == [56]


@pytest.mark.asyncio
@pytest.mark.parametrize("outages", [5, 6])
async def test_an_export_tries_a_failing_page_again_and_stops_after_the_tries(
    bulk_server: SandboxProcess, tmp_path: Path, outages: int
) -> None:
    from sparkfly_client.bulk.export import export_job
    from sparkfly_client.bulk.jobs import MAX_TRIES

    made = [bulk_server.create(member_id=2980, channel_id=56)["id"] for _ in range(3)]
    bulk_server.inject(status=503, method="GET", path="/v1.0/credentials", times=outages)
    waits: List[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    out = tmp_path / "out.jsonl"
    async with sparkfly_client.AsyncApiClient(configuration(bulk_server, retries=0)) as api_client:
        if outages < MAX_TRIES:
            report = await export_job(api_client, out, {"member_id": 2980}, sleep=no_wait)
            assert report.exported == 3 and len(waits) == outages
            assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == made
        else:
            with pytest.raises(BulkJobStopped, match="page 1 failed: HTTP 503"):
                await export_job(api_client, out, {"member_id": 2980}, sleep=no_wait)
            assert len(waits) == MAX_TRIES - 1 and not out.exists()


def test_against_a_rate_limited_server_every_row_is_issued_and_no_429_fails_one(tmp_path: Path) -> None:
    limited = SandboxProcess(500, "--rate-limit", "150", "--rate-window", "1")
    try:
        rows = issue_rows(400)
        with sparkfly_client.ApiClient(configuration(limited)) as api_client:
            report = issue_credentials(api_client, rows, journal=tmp_path / "run.db", concurrency=16)
        assert (report.issued, report.failed, report.unknown) == (400, 0, 0)  # the client keeps to the limit
        one_credential_per_row(limited, rows)
    finally:
        limited.close()
