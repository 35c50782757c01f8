"""``export``: every credential a search matches, page by page, to a CSV or JSON Lines file, in constant memory.

The file is written under a temporary name beside the target and renamed when complete, so the target never
holds half an export.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Dict, List, Optional, Union

from sparkfly_client import AsyncApiClient, AsyncCredentialsApi, Credential, TooManyRequestsException
from sparkfly_client.bulk.pacing import PauseGate
from sparkfly_client.bulk.progress import NoProgress, Progress
from sparkfly_client.bulk.rows import BulkInputError

__all__ = ["ExportReport", "export_job", "FORMATS", "SEARCH_FILTERS", "DEFAULT_PER_PAGE"]

FORMATS = ("csv", "jsonl")
#: The filters of ``get_credentials`` an export takes, with their types.
SEARCH_FILTERS: Dict[str, type] = {
    "member_id": int,
    "offer_id": int,
    "store_id": int,
    "identifier": str,
    "channel_id": int,
    "ids": list,
    "redeemed": bool,
    "reusable": bool,
    "inactive_later_than": str,
    "eligible_channel_id": int,
    "credential_type": int,
}
DEFAULT_PER_PAGE = 200


@dataclass
class ExportReport:
    exported: int
    path: str
    pages: int = 0

    @property
    def exit_code(self) -> int:
        return 0

    def summary(self) -> str:
        return f"exported {self.exported} credentials to {self.path}"


def output_format(path: Union[str, os.PathLike[str]], chosen: Optional[str] = None) -> str:
    """``csv`` or ``jsonl``: as ``chosen``, else from the file name's suffix."""
    kind = chosen or Path(path).suffix.lower().lstrip(".")
    if kind == "json":
        kind = "jsonl"
    if kind not in FORMATS:
        raise BulkInputError(f"cannot tell the format of {os.fspath(path)!r}: name it .csv or .jsonl")
    return kind


class _Writer:
    def __init__(self, file: IO[str], kind: str) -> None:
        self._file = file
        self._columns: List[str] = list(Credential.model_fields)
        self._csv = csv.DictWriter(file, self._columns, extrasaction="ignore") if kind == "csv" else None
        if self._csv is not None:
            self._csv.writeheader()

    def write(self, credential: Credential) -> None:
        data = credential.to_dict()
        if self._csv is None:
            self._file.write(json.dumps(data, separators=(",", ":")) + "\n")
            return
        self._csv.writerow({name: _cell(data.get(name)) for name in self._columns})


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"))
    return value


async def export_job(
    client: AsyncApiClient,
    out: Union[str, os.PathLike[str]],
    filters: Dict[str, Any],
    *,
    kind: Optional[str] = None,
    per_page: int = DEFAULT_PER_PAGE,
    progress: Optional[Progress] = None,
) -> ExportReport:
    """Write every credential matching ``filters`` to ``out``; see :func:`sparkfly_client.bulk.export_credentials`."""
    kind = output_format(out, kind)
    unknown = sorted(set(filters) - set(SEARCH_FILTERS))
    if unknown:
        raise BulkInputError(f"unknown search filter {', '.join(unknown)}; export takes {', '.join(SEARCH_FILTERS)}")
    shown = progress or NoProgress()
    api = AsyncCredentialsApi(client)
    target = Path(out)
    partial = target.with_name(target.name + ".part")
    report = ExportReport(0, os.fspath(out))
    gate = PauseGate()
    page, pages, last_first = 1, None, None
    try:
        with open(partial, "w", newline="", encoding="utf-8") as file:
            writer = _Writer(file, kind)
            while pages is None or page <= pages:
                await gate.wait()
                try:
                    found = await api.get_credentials(page=page, per_page=per_page, **filters)
                except TooManyRequestsException as exc:
                    gate.pause(exc.retry_after)
                    continue
                items = [item.credential for item in found.credentials or [] if item.credential is not None]
                if items and items[0].id == last_first:  # a server that ignores ``page``: stop, never loop
                    break
                last_first = items[0].id if items else None
                if pages is None:
                    pages = (
                        found.total_pages if found.total_pages is not None else _pages(found.total_entries, per_page)
                    )
                    shown.start("export", found.total_entries, unit="credentials")
                for credential in items:
                    writer.write(credential)
                report.exported += len(items)
                report.pages = page
                shown.advance(len(items))
                if not items or (found.total_pages is None and found.total_entries is None and len(items) < per_page):
                    break
                page += 1
        os.replace(partial, target)
    finally:
        shown.close()
        if partial.exists():
            partial.unlink()
    return report


def _pages(total_entries: Optional[int], per_page: int) -> Optional[int]:
    return None if total_entries is None else -(-total_entries // per_page)
