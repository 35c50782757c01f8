"""Typed usage of the bulk functions, checked by ``mypy --strict test/typing`` (never run): an ``ApiClient`` gives
the report, an ``AsyncApiClient`` something to await for it."""

from __future__ import annotations

from typing import Awaitable

from typing_extensions import assert_type

import sparkfly_client
from sparkfly_client.bulk import (
    ExportReport,
    JobReport,
    export_credentials,
    issue_credentials,
    read_csv,
    void_credentials,
)


def sync_jobs(api_client: sparkfly_client.ApiClient) -> int:
    issued = issue_credentials(api_client, [{"member_id": 1000, "channel_id": 56}], journal="run.db")
    assert_type(issued, JobReport)
    voided = void_credentials(api_client, read_csv("codes.csv"), journal="void.db", concurrency=4)
    assert_type(voided, JobReport)
    exported = export_credentials(api_client, "out.csv", member_id=1000)
    assert_type(exported, ExportReport)
    return issued.issued + voided.voided + exported.exported


async def async_jobs(api_client: sparkfly_client.AsyncApiClient) -> int:
    pending = issue_credentials(api_client, [{"member_id": 1000, "channel_id": 56}], journal="run.db")
    assert_type(pending, Awaitable[JobReport])
    report = await pending
    exported = await export_credentials(api_client, "out.jsonl", redeemed=False)
    assert_type(exported, ExportReport)
    return report.issued + exported.exported
